//! Figures of the dashboard: what the exposure surveillance and the vulnerability watch have
//! open inside the actor's scope. Read-only, counted in SQL with the scope appended.

use serde::Serialize;
use vigie_domain::role::Permission;

use crate::db::Sql;
use crate::{Actor, Store, StoreError};

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

/// Open (new or acknowledged) alerts of the scope.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct WatchFigures {
    pub open: i64,
    /// Open alerts on a vulnerability known to be exploited (CISA KEV).
    pub kev: i64,
}

impl Store {
    /// Open findings of the actor's scope by severity.
    pub async fn exposure_figures(&self, actor: &Actor) -> Result<ExposureFigures, StoreError> {
        actor.require(Permission::ReadExposure)?;
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
    }

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
