//! The region's view (the nation's for the CERT): which structures were diagnosed and when, the
//! distribution of their scores, by region, the most common priority measures, overdue actions
//! and progress since the previous diagnostic. Everything is counted in SQL over the actor's
//! scope (and a region the reader picks), from each structure's latest finished diagnostic.

use std::sync::Arc;

use vigie_domain::role::{Permission, Scope};

use crate::actor::Actor;
use crate::cache::{Cache, Domain};
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

/// The overviews, kept per process (see `crate::cache`) under the key of the scope and region
/// they count, each with the registry generation it was read under: a diagnostic finished, an
/// action changed or a structure imported in this process is seen by the next view, another
/// process's within `cache::AGGREGATE_TTL` (counting a nation's costs a few hundred milliseconds,
/// paid by the one view that renews it while the others are served).
pub(crate) struct DiagnosticsCaches {
    overviews: Cache<(Arc<Overview>, u64)>,
}

impl Default for DiagnosticsCaches {
    fn default() -> DiagnosticsCaches {
        DiagnosticsCaches {
            overviews: Cache::aggregates(Domain::Diagnostics),
        }
    }
}

/// One region's line of the latest diagnostics: region, structures diagnosed, sum of scores,
/// diagnosed in the last year, the six score buckets, diagnosed twice or more, sum of changes.
type RegionLine = (
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
);

impl Store {
    /// The diagnostics view of the actor's scope, optionally of one region.
    ///
    /// A dashboard that a whole regional centre keeps open is counted once per scope and
    /// [`crate::cache::AGGREGATE_TTL`], not at every view (see [`DiagnosticsCaches`]).
    pub async fn diagnostics_overview(
        &self,
        actor: &Actor,
        region: Option<&str>,
    ) -> Result<Overview, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut key = Sql::new("overview");
        push_scope(&mut key, actor, region);
        let key = key.cache_key();
        let registry = Domain::Registry.generation();
        let v = self
            .caches
            .get::<DiagnosticsCaches>()
            .overviews
            .get_or_load(
                &key,
                |v: &(Arc<Overview>, u64)| v.1 == Domain::Registry.generation(),
                || async {
                    let o = self.count_overview(actor, region).await?;
                    Ok::<_, StoreError>(Some((Arc::new(o), registry)))
                },
            )
            .await?;
        Ok(v.map(|(o, _)| o.as_ref().clone()).unwrap_or_default())
    }

    /// Counts the view from the database: five statements, each driven by the structures of the
    /// scope and each structure's latest diagnostic (`diagnostics_latest_of`).
    async fn count_overview(
        &self,
        actor: &Actor,
        region: Option<&str>,
    ) -> Result<Overview, StoreError> {
        let at = now();
        let year_ago = at - 365 * 86_400;
        let mut conn = self.pool.acquire().await?;
        let mut out = Overview::default();

        let mut q = Sql::new("SELECT COUNT(*) FROM structures s WHERE 1=1");
        push_scope(&mut q, actor, region);
        out.structures = q.scalar(&mut *conn).await?;

        // The distribution, the progress and the regions' lines in one pass over the latest
        // diagnostics, one line per region, summed here.
        let bucket = |lo: i64, hi: i64| {
            sum(&format!(
                "CASE WHEN d.score_x100 >= {lo} AND d.score_x100 < {hi} THEN 1 ELSE 0 END"
            ))
        };
        let mut q = Sql::new(&format!(
            "SELECT s.region_code, COUNT(*), {}, {}, {}, {}, {}, {}, {}, {}, {}, {} \
             FROM structures s JOIN diagnostics d ON d.structure_id = s.id AND d.latest = 1 WHERE 1=1",
            sum("d.score_x100"),
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
        q.push(" GROUP BY s.region_code ORDER BY s.region_code");
        let lines: Vec<RegionLine> = q.fetch_all(&mut *conn).await?;
        let mut progress_sum = 0;
        for l in &lines {
            out.diagnosed += l.1;
            out.diagnosed_last_year += l.3;
            for (i, n) in [l.4, l.5, l.6, l.7, l.8, l.9].into_iter().enumerate() {
                out.distribution[i] += n;
            }
            out.progressed += l.10;
            progress_sum += l.11;
        }
        out.mean_progress_x100 = if out.progressed > 0 {
            progress_sum / out.progressed
        } else {
            0
        };
        out.by_region = lines
            .into_iter()
            .map(|l| (l.0, l.1, if l.1 > 0 { l.2 / l.1 } else { 0 }))
            .collect();

        // The measures of the latest diagnostics, by their diagnostic's key.
        let mut q = Sql::new(
            "SELECT d.questionnaire_id, m.recommendation_id, COUNT(*) AS n FROM structures s \
             JOIN diagnostics d ON d.structure_id = s.id AND d.latest = 1 \
             JOIN diagnostic_measures m ON m.diagnostic_id = d.id WHERE 1=1",
        );
        push_scope(&mut q, actor, region);
        q.push(
            " GROUP BY d.questionnaire_id, m.recommendation_id ORDER BY n DESC, d.questionnaire_id, m.recommendation_id LIMIT 10",
        );
        out.common_measures = q.fetch_all(&mut *conn).await?;

        let overdue_before = at - 86_400;
        // The nation's actions are counted without their structures (the index of statuses and
        // due days holds all it needs); a narrower scope's through its structures.
        let wide = matches!(actor.scope, Scope::National) && region.is_none();
        let actions_from = if wide {
            "FROM plan_actions a WHERE 1=1"
        } else {
            "FROM plan_actions a JOIN structures s ON s.id = a.structure_id WHERE 1=1"
        };
        let mut q = Sql::new(&format!(
            "SELECT {}, {}, {} {actions_from}",
            sum(&format!(
                "CASE WHEN a.status IN ('todo', 'in_progress') AND a.due_on IS NOT NULL AND a.due_on <= {overdue_before} THEN 1 ELSE 0 END"
            )),
            sum("CASE WHEN a.status IN ('todo', 'in_progress') THEN 1 ELSE 0 END"),
            sum("CASE WHEN a.status = 'done' THEN 1 ELSE 0 END"),
        ));
        if !wide {
            push_scope(&mut q, actor, region);
        }
        let (overdue, open, done): (i64, i64, i64) = q.fetch_one(&mut *conn).await?;
        out.overdue = overdue;
        out.open_actions = open;
        out.done_actions = done;

        // The nation's: along the index of due days. A region's (or any narrower scope's): from
        // its structures, each one's open actions (`CROSS JOIN` keeps SQLite to that order; along
        // the due days it read every overdue action of the country to keep a region's).
        let from = if wide {
            "FROM plan_actions a JOIN structures s ON s.id = a.structure_id WHERE 1=1"
        } else {
            "FROM structures s CROSS JOIN plan_actions a WHERE a.structure_id = s.id"
        };
        let mut q = Sql::new(&format!(
            "SELECT {ACTION_COLUMNS} {from} \
             AND a.status IN ('todo', 'in_progress') AND a.due_on IS NOT NULL AND a.due_on <= {overdue_before}"
        ));
        push_scope(&mut q, actor, region);
        q.push(&format!(" ORDER BY a.due_on, a.id LIMIT {LISTED}"));
        out.overdue_rows = q.fetch_all::<ActionRow, _>(&mut *conn).await?;

        // The newest first chosen on the keys alone; the columns (and the count of each
        // structure's diagnostics) read for those only.
        let mut q = Sql::new(&format!(
            "SELECT {DIAGNOSED_COLUMNS} FROM diagnostics d JOIN structures s ON s.id = d.structure_id \
             WHERE d.id IN (SELECT d.id FROM structures s JOIN diagnostics d ON d.structure_id = s.id \
             AND d.latest = 1 WHERE 1=1"
        ));
        push_scope(&mut q, actor, region);
        q.push(&format!(
            " ORDER BY d.finished_at DESC, d.id DESC LIMIT {LISTED}) ORDER BY d.finished_at DESC, d.id DESC"
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
