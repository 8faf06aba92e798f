//! The findings of the whole scope in one list: filtered by status, severity, type, age,
//! overdue and territory, sorted and paged in SQL.

use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::surveillance::types::{
    treatment_days, FindingFilter, FindingRow, FINDING_COLUMNS, OPEN_STATUSES,
};

const FROM: &str = " FROM scan_findings f JOIN structures s ON s.id = f.structure_id";

impl Store {
    fn finding_where(actor: &Actor, f: &FindingFilter, at: i64) -> Sql {
        let mut q = Sql::new(" WHERE ");
        actor.scope_structures(&mut q, "s");
        match f.status.as_deref().unwrap_or("open") {
            "" | "open" => {
                q.push(" AND f.status <> 'fixed'");
            }
            "all" => {}
            s => {
                q.push(" AND f.status = ").bind(s);
            }
        }
        if let Some(s) = f.severity.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND f.severity = ").bind(s);
        }
        if let Some(k) = f.kind.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND f.kind = ").bind(k);
        }
        if let Some(d) = f.older_than_days.filter(|d| *d > 0) {
            q.push(" AND f.first_seen_at <= ")
                .bind(at - d.min(36_500) * 86_400);
        }
        if f.overdue {
            q.push(" AND f.status <> 'fixed' AND (");
            for (n, sev) in ["critical", "high", "medium", "low"].iter().enumerate() {
                let days = treatment_days(sev).unwrap_or(0);
                if n > 0 {
                    q.push(" OR ");
                }
                q.push("(f.severity = ")
                    .bind(*sev)
                    .push(" AND f.first_seen_at < ")
                    .bind(at - days * 86_400)
                    .push(")");
            }
            q.push(")");
        }
        if let Some(r) = f.region_code.as_deref().filter(|r| !r.is_empty()) {
            q.push(" AND s.region_code").push_region_eq(r);
        }
        if let Some(g) = f.ght_id {
            q.push(" AND s.ght_id = ").bind(g);
        }
        if let Some(id) = f.structure_id {
            q.push(" AND f.structure_id = ").bind(id);
        }
        q
    }

    /// One page of the findings of the actor's scope that the filter keeps, and their number.
    pub async fn search_findings(
        &self,
        actor: &Actor,
        f: &FindingFilter,
    ) -> Result<(Vec<FindingRow>, i64), StoreError> {
        actor.require(Permission::ReadExposure)?;
        let at = now();
        let w = Self::finding_where(actor, f, at);
        let mut q = Sql::new(&format!(
            "SELECT {FINDING_COLUMNS}, s.name AS structure_name, s.region_code, s.ght_id{FROM}"
        ));
        q.push_sql(&w);
        q.push(f.sort.order_by());
        q.push(" LIMIT ")
            .bind(f.limit.unwrap_or(50).clamp(1, 5000))
            .push(" OFFSET ")
            .bind(f.offset.max(0));
        let rows: Vec<FindingRow> = q.fetch_all(&self.pool).await?;
        let mut c = Sql::new(&format!("SELECT COUNT(*){FROM}"));
        c.push_sql(&w);
        let total = c.scalar(&self.pool).await?;
        Ok((rows, total))
    }

    /// The finding types present in the actor's scope (open or not), sorted: what a filter may
    /// offer.
    pub async fn finding_kinds(&self, actor: &Actor) -> Result<Vec<String>, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let mut q = Sql::new(&format!("SELECT DISTINCT f.kind{FROM} WHERE "));
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY f.kind");
        let rows: Vec<(String,)> = q.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }
}

/// Whether a status value is one a finding filter accepts (`open`, `all` or a status).
pub fn finding_status_filter_ok(s: &str) -> bool {
    s.is_empty() || s == "open" || s == "all" || s == "fixed" || OPEN_STATUSES.contains(&s)
}
