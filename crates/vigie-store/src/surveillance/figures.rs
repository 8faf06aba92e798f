//! Dashboard figures of the surveillance: the open findings of the actor's scope, by severity, by
//! kind, and week by week.

use serde::Serialize;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::trend::{open_at_columns, weekly};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

/// Open (not fixed) findings of the scope, by severity.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ExposureFigures {
    pub critical: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
    pub info: i64,
    /// Structures with at least one open finding.
    pub structures: i64,
}

impl ExposureFigures {
    pub fn total(&self) -> i64 {
        self.critical + self.high + self.medium + self.low + self.info
    }
}

impl Store {
    /// Open findings of the actor's scope by severity.
    pub async fn exposure_figures(&self, actor: &Actor) -> Result<ExposureFigures, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let key = format!("exposure figures {}", actor.scope_key());
        self.figure(&key, || async {
            let mut q = Sql::new(
                "SELECT f.severity, COUNT(*) FROM scan_findings f JOIN structures s ON s.id = f.structure_id \
                 WHERE f.status <> 'fixed' AND ",
            );
            actor.scope_structures(&mut q, "s");
            q.push(" GROUP BY f.severity");
            let rows: Vec<(String, i64)> = q.fetch_all(&self.pool).await?;
            let mut out = ExposureFigures::default();
            for (severity, n) in rows {
                match severity.as_str() {
                    "critical" => out.critical += n,
                    "high" => out.high += n,
                    "medium" => out.medium += n,
                    "low" => out.low += n,
                    _ => out.info += n,
                }
            }
            let mut q = Sql::new(
                "SELECT COUNT(DISTINCT f.structure_id) FROM scan_findings f JOIN structures s ON s.id = f.structure_id \
                 WHERE f.status <> 'fixed' AND ",
            );
            actor.scope_structures(&mut q, "s");
            let (n,): (i64,) = q.fetch_one(&self.pool).await?;
            out.structures = n;
            Ok(out)
        })
        .await
    }

    /// Open findings of the actor's scope by kind, the most frequent first (then by kind), at
    /// most `limit` kinds (1 to 50).
    pub async fn open_findings_by_kind(
        &self,
        actor: &Actor,
        limit: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let mut q = Sql::new(
            "SELECT f.kind, COUNT(*) AS n FROM scan_findings f JOIN structures s ON s.id = f.structure_id \
             WHERE f.status <> 'fixed' AND ",
        );
        actor.scope_structures(&mut q, "s");
        q.push(&format!(
            " GROUP BY f.kind ORDER BY n DESC, f.kind LIMIT {}",
            limit.clamp(1, 50)
        ));
        self.figure(&q.cache_key(), || q.fetch_all(&self.pool))
            .await
    }

    /// How many findings of the actor's scope were open at the end of each of the last `weeks`
    /// weeks (1 to 52), oldest first, the last point being now: `(unix seconds, count)`.
    ///
    /// Read from each finding's first sighting and the time it was fixed, in one statement. A
    /// finding fixed then seen again has lost the time of its fix (it is open again): it counts
    /// as open over the weeks it was fixed.
    pub async fn open_findings_trend(
        &self,
        actor: &Actor,
        weeks: usize,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let instants = weekly(now(), weeks.clamp(1, 52));
        let first = instants.first().copied().unwrap_or_default();
        let mut q = Sql::new(&format!(
            "SELECT {} FROM scan_findings f JOIN structures s ON s.id = f.structure_id \
             WHERE (f.fixed_at IS NULL OR f.fixed_at > {first}) AND ",
            open_at_columns(&instants, "f.first_seen_at", "f.fixed_at")
        ));
        actor.scope_structures(&mut q, "s");
        let key = format!("findings trend {weeks} {}", actor.scope_key());
        self.figure(&key, || self.open_at(&q, &instants)).await
    }
}
