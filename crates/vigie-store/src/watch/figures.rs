//! Dashboard figures of the watch: the open alerts of the actor's scope.

use serde::Serialize;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{Sql, Store};
use crate::error::StoreError;

/// Open (new or acknowledged) alerts of the scope.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct WatchFigures {
    pub open: i64,
    /// Open alerts on a vulnerability known to be exploited (CISA KEV).
    pub kev: i64,
}

impl Store {
    /// Open alerts of the actor's scope, and how many of them are on a KEV vulnerability.
    pub async fn watch_figures(&self, actor: &Actor) -> Result<WatchFigures, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut q = Sql::new(
            "SELECT COUNT(*), COUNT(CASE WHEN v.kev = 1 THEN 1 END) FROM watch_alerts a \
             JOIN structures s ON s.id = a.structure_id \
             LEFT JOIN watch_advisories v ON v.id = a.advisory_id \
             WHERE a.status IN ('new', 'acknowledged') AND ",
        );
        actor.scope_structures(&mut q, "s");
        let (open, kev): (i64, i64) = q.fetch_one(&self.pool).await?;
        Ok(WatchFigures { open, kev })
    }
}
