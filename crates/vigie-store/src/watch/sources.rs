//! The freshness of each source: when it was last ingested, how old its newest record is, and
//! the alarm beyond its usual period.

use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{Sql, Store};
use crate::error::StoreError;
use crate::watch::catalog::{day_of, today};
use crate::watch::types::SourceFreshness;

/// Usual update period of each source, in days (the freshness alarm rings beyond it).
pub fn usual_period_days(source: &str) -> i64 {
    match source {
        "cve" | "nvd" | "epss" => 2,
        "kev" => 7,
        _ => 30,
    }
}

impl Store {
    /// Freshness of every source, with the alarm computed as of now.
    pub async fn watch_sources(&self, actor: &Actor) -> Result<Vec<SourceFreshness>, StoreError> {
        actor.require(Permission::ManageIntel)?;
        let mut rows: Vec<SourceFreshness> = Sql::new(
            "SELECT source, last_ingest_at, newest_record, usual_period_days, records, last_added, last_changed, \
             last_unchanged, last_rejected, last_error FROM watch_sources ORDER BY source",
        )
        .fetch_all(&self.pool)
        .await?;
        let t = today();
        for r in &mut rows {
            r.age_days = r
                .newest_record
                .as_deref()
                .and_then(day_of)
                .map(|d| (t - d).num_days());
            r.stale = r.age_days.is_none_or(|a| a > r.usual_period_days);
        }
        Ok(rows)
    }
}
