//! The region's view (the nation's for the CERT): which structures were diagnosed and when, the
//! distribution of their scores, by region, the most common priority measures, overdue actions
//! and progress since the previous diagnostic. Everything is counted in SQL over the actor's
//! scope (and a region the reader picks), from each structure's latest finished diagnostic.

use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{now, Sql, Store};
use crate::diagnostics::types::{ActionRow, DiagnosedRow, Overview, ACTION_COLUMNS};
use crate::error::StoreError;

/// How many overdue actions and recent diagnostics the view lists.
pub const LISTED: i64 = 50;

const DIAGNOSED_COLUMNS: &str = "d.id AS diagnostic_id, d.structure_id, s.name AS structure_name, \
     s.finess_et AS structure_finess, s.region_code, s.department_code, d.questionnaire_id, \
     d.questionnaire_version, d.finished_at, d.status, d.score_x100, d.previous_score_x100, \
     (SELECT COUNT(*) FROM diagnostics x WHERE x.structure_id = d.structure_id AND x.finished_at IS NOT NULL) AS diagnostics";

/// Appends ` AND <scope> [AND s.region_code = region]`.
fn push_scope(q: &mut Sql, actor: &Actor, region: Option<&str>) {
    q.push(" AND ");
    actor.scope_structures(q, "s");
    if let Some(r) = region.filter(|r| !r.is_empty()) {
        q.push(" AND s.region_code").push_region_eq(r);
    }
}

/// `COALESCE(SUM(<expr>), 0)` as a 64-bit integer on both backends.
fn sum(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

impl Store {
    /// The diagnostics view of the actor's scope, optionally of one region.
    pub async fn diagnostics_overview(
        &self,
        actor: &Actor,
        region: Option<&str>,
    ) -> Result<Overview, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let at = now();
        let year_ago = at - 365 * 86_400;
        let mut conn = self.pool.acquire().await?;
        let mut out = Overview::default();

        let mut q = Sql::new("SELECT COUNT(*) FROM structures s WHERE 1=1");
        push_scope(&mut q, actor, region);
        out.structures = q.scalar(&mut *conn).await?;

        let bucket = |lo: i64, hi: i64| {
            sum(&format!(
                "CASE WHEN d.score_x100 >= {lo} AND d.score_x100 < {hi} THEN 1 ELSE 0 END"
            ))
        };
        let mut q = Sql::new(&format!(
            "SELECT COUNT(*), {}, {}, {}, {}, {}, {}, {}, {}, {} \
             FROM diagnostics d JOIN structures s ON s.id = d.structure_id WHERE d.latest = 1",
            sum(&format!("CASE WHEN d.finished_at >= {year_ago} THEN 1 ELSE 0 END")),
            bucket(0, 50),
            bucket(50, 100),
            bucket(100, 150),
            bucket(150, 200),
            bucket(200, 250),
            bucket(250, 301),
            sum("CASE WHEN d.previous_score_x100 IS NOT NULL THEN 1 ELSE 0 END"),
            sum("CASE WHEN d.previous_score_x100 IS NOT NULL THEN d.score_x100 - d.previous_score_x100 ELSE 0 END"),
        ));
        push_scope(&mut q, actor, region);
        #[allow(clippy::type_complexity)]
        let r: (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) = q.fetch_one(&mut *conn).await?;
        out.diagnosed = r.0;
        out.diagnosed_last_year = r.1;
        out.distribution = [r.2, r.3, r.4, r.5, r.6, r.7];
        out.progressed = r.8;
        out.mean_progress_x100 = if r.8 > 0 { r.9 / r.8 } else { 0 };

        let mut q = Sql::new(&format!(
            "SELECT s.region_code, COUNT(*), {} FROM diagnostics d JOIN structures s ON s.id = d.structure_id \
             WHERE d.latest = 1",
            sum("d.score_x100")
        ));
        push_scope(&mut q, actor, region);
        q.push(" GROUP BY s.region_code ORDER BY s.region_code");
        let rows: Vec<(String, i64, i64)> = q.fetch_all(&mut *conn).await?;
        out.by_region = rows
            .into_iter()
            .map(|(r, n, total)| (r, n, if n > 0 { total / n } else { 0 }))
            .collect();

        let mut q = Sql::new(
            "SELECT d.questionnaire_id, m.recommendation_id, COUNT(*) AS n FROM diagnostic_measures m \
             JOIN diagnostics d ON d.id = m.diagnostic_id JOIN structures s ON s.id = d.structure_id \
             WHERE m.latest = 1",
        );
        push_scope(&mut q, actor, region);
        q.push(
            " GROUP BY d.questionnaire_id, m.recommendation_id ORDER BY n DESC, d.questionnaire_id, m.recommendation_id LIMIT 10",
        );
        out.common_measures = q.fetch_all(&mut *conn).await?;

        let overdue_before = at - 86_400;
        let mut q = Sql::new(&format!(
            "SELECT {}, {}, {} FROM plan_actions a JOIN structures s ON s.id = a.structure_id WHERE 1=1",
            sum(&format!(
                "CASE WHEN a.status IN ('todo', 'in_progress') AND a.due_on IS NOT NULL AND a.due_on <= {overdue_before} THEN 1 ELSE 0 END"
            )),
            sum("CASE WHEN a.status IN ('todo', 'in_progress') THEN 1 ELSE 0 END"),
            sum("CASE WHEN a.status = 'done' THEN 1 ELSE 0 END"),
        ));
        push_scope(&mut q, actor, region);
        let (overdue, open, done): (i64, i64, i64) = q.fetch_one(&mut *conn).await?;
        out.overdue = overdue;
        out.open_actions = open;
        out.done_actions = done;

        let mut q = Sql::new(&format!(
            "SELECT {ACTION_COLUMNS} FROM plan_actions a JOIN structures s ON s.id = a.structure_id \
             WHERE a.status IN ('todo', 'in_progress') AND a.due_on IS NOT NULL AND a.due_on <= {overdue_before}"
        ));
        push_scope(&mut q, actor, region);
        q.push(&format!(" ORDER BY a.due_on, a.id LIMIT {LISTED}"));
        out.overdue_rows = q.fetch_all::<ActionRow, _>(&mut *conn).await?;

        let mut q = Sql::new(&format!(
            "SELECT {DIAGNOSED_COLUMNS} FROM diagnostics d JOIN structures s ON s.id = d.structure_id WHERE d.latest = 1"
        ));
        push_scope(&mut q, actor, region);
        q.push(&format!(
            " ORDER BY d.finished_at DESC, d.id DESC LIMIT {LISTED}"
        ));
        out.recent = q.fetch_all(&mut *conn).await?;
        Ok(out)
    }

    /// Every diagnosed structure of the scope (optionally of one region) with its latest
    /// diagnostic, by region then name: the CSV export.
    pub async fn diagnosed_structures(
        &self,
        actor: &Actor,
        region: Option<&str>,
    ) -> Result<Vec<DiagnosedRow>, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut q = Sql::new(&format!(
            "SELECT {DIAGNOSED_COLUMNS} FROM diagnostics d JOIN structures s ON s.id = d.structure_id WHERE d.latest = 1"
        ));
        push_scope(&mut q, actor, region);
        q.push(" ORDER BY s.region_code, s.name, s.id");
        q.fetch_all(&self.pool).await
    }
}
