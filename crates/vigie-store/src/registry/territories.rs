//! Territories side by side: for each region, department, GHT or structure of the actor's scope,
//! its structures, its open findings and its open alerts, counted in one statement.
//!
//! The statement is a `UNION ALL` of three scoped parts (the structures, the open findings, the
//! open alerts), each reading only the scope's rows, summed by an outer `GROUP BY`. The registry
//! names the other slices' tables in SQL only: it imports nothing of them.

use serde::Serialize;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::trend::sum_int;
use crate::db::{Sql, Store};
use crate::error::StoreError;

/// Rows of a territories' statement, at most (18 regions, 101 departments, about 140 GHTs; the
/// structures of one GHT).
pub const LOAD_ROWS: i64 = 500;

/// What the open findings and alerts are counted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadBy {
    Region,
    Department,
    Ght,
    Structure,
}

/// One territory (or structure) of the scope, with what is open there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenLoad {
    /// The region's or department's code, the GHT's id (empty for the structures in no GHT) or
    /// the structure's id, as text.
    pub key: String,
    /// The GHT's or the structure's name; empty for regions and departments (the domain's
    /// tables name them).
    pub name: String,
    pub structures: i64,
    /// Open (not fixed) findings; 0 for an actor who may not read the exposure.
    pub findings: i64,
    /// Open (new or acknowledged) alerts; 0 for an actor who may not read the alerts.
    pub alerts: i64,
}

impl Store {
    /// The structures, open findings and open alerts of the actor's scope by region,
    /// department, GHT or structure, optionally within one GHT; the most findings first, then
    /// the most alerts, then by key. At most [`LOAD_ROWS`] rows.
    pub async fn open_load(
        &self,
        actor: &Actor,
        by: LoadBy,
        ght: Option<i64>,
    ) -> Result<Vec<OpenLoad>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let (key, name, join) = match by {
            LoadBy::Region => ("s.region_code", "''", ""),
            LoadBy::Department => ("s.department_code", "''", ""),
            LoadBy::Ght => (
                "COALESCE(CAST(s.ght_id AS TEXT), '')",
                "COALESCE(g.name, '')",
                " LEFT JOIN ghts g ON g.id = s.ght_id",
            ),
            LoadBy::Structure => ("CAST(s.id AS TEXT)", "s.name", ""),
        };
        let scoped = |q: &mut Sql| {
            actor.scope_structures(q, "s");
            if let Some(g) = ght {
                q.push(" AND s.ght_id = ").bind(g);
            }
        };
        let mut q = Sql::new(&format!(
            "SELECT x.k, x.name, {}, {}, {} FROM (\
             SELECT {key} AS k, {name} AS name, 1 AS st, 0 AS fi, 0 AS al FROM structures s{join} WHERE ",
            sum_int("x.st"),
            sum_int("x.fi"),
            sum_int("x.al"),
        ));
        scoped(&mut q);
        if actor.can(Permission::ReadExposure) {
            q.push(&format!(
                " UNION ALL SELECT {key}, {name}, 0, 1, 0 FROM scan_findings f \
                 JOIN structures s ON s.id = f.structure_id{join} WHERE f.status <> 'fixed' AND "
            ));
            scoped(&mut q);
        }
        if actor.can(Permission::ReadVulnerabilities) {
            q.push(&format!(
                " UNION ALL SELECT {key}, {name}, 0, 0, 1 FROM watch_alerts a \
                 JOIN structures s ON s.id = a.structure_id{join} \
                 WHERE a.status IN ('new', 'acknowledged') AND "
            ));
            scoped(&mut q);
        }
        q.push(&format!(
            ") x GROUP BY x.k, x.name ORDER BY 4 DESC, 5 DESC, x.k LIMIT {LOAD_ROWS}"
        ));
        let rows: Vec<(String, String, i64, i64, i64)> = self
            .figure(&q.cache_key(), || q.fetch_all(&self.pool))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(key, name, structures, findings, alerts)| OpenLoad {
                key,
                name,
                structures,
                findings,
                alerts,
            })
            .collect())
    }
}
