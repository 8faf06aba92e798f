//! Dashboard figures of the surveillance: the open findings of the actor's scope, by severity.

use serde::Serialize;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{Sql, Store};
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
}
