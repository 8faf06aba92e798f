//! The observatory's counts, in SQL.
//!
//! Each breakdown is one `GROUP BY` over the declarations of the period (the covering index
//! `incidents_observatory`, a range of `declared_at`) and one over the imported history, summed
//! by an outer `GROUP BY`, and returned packed in one JSON document. The statements run
//! concurrently, each on a connection of its own. Months, days of the week and hours are counted
//! in Paris time: the offset (one hour, two in summer time) is added in SQL from the summer-time
//! intervals the engine computes for the period, written into the statement as integers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use vigie_domain::role::Scope;
use vigie_observatory::model::{DelayCount, Grouped, HourCount, KeyCount, PlaceCount, TypeCount};
use vigie_observatory::period::summer_time;
use vigie_observatory::{Observatory, Period, Territory};

use super::access::require_reader;
use crate::actor::Actor;
use crate::cache::{Cache, Domain};
use crate::db::{packed, Backend, Sql, Store};
use crate::error::StoreError;

/// Bumped by every import of past declarations in this process: counts cached before it are
/// not served after it.
static HISTORY_GEN: AtomicU64 = AtomicU64::new(0);

pub(crate) fn history_changed() {
    HISTORY_GEN.fetch_add(1, Ordering::AcqRel);
}

/// The counts of an observatory, kept per process for [`crate::cache::AGGREGATE_TTL`] (10 s)
/// under the key of the scoped statements that made them: a page viewed by many at once is
/// counted once (counting a year of a region takes a fifth of a second of both cores, and
/// renewing it every 2 s made the page's slowest views). A declaration or any incident write in
/// this process, a structure moved or an import of history is seen at once (the incidents'
/// generation, and the registry's and the history's in the key); another process's within 10 s.
pub(crate) struct ObservatoryCaches {
    counts: Cache<Arc<Grouped>>,
}

impl Default for ObservatoryCaches {
    fn default() -> ObservatoryCaches {
        ObservatoryCaches {
            counts: Cache::aggregates(Domain::Incidents),
        }
    }
}

/// Which rows a statement counts: the declarations of `[from, to)` within the actor's scope and
/// the territory, and the imported ones (`history` is false when the scope or the territory
/// excludes them: imported declarations carry no GHT).
struct Filter {
    incidents: Sql,
    history: Option<Sql>,
}

fn filter(actor: &Actor, territory: &Territory, from: i64, to: i64) -> Filter {
    let mut inc = Sql::new(" WHERE t.status <> 'draft' AND t.declared_at >= ");
    inc.bind(from).push(" AND t.declared_at < ").bind(to);
    let national = matches!(actor.scope, Scope::National);
    if !(national && *territory == Territory::France) {
        inc.push(" AND t.structure_id IN (SELECT s.id FROM structures s WHERE ");
        actor.scope_structures(&mut inc, "s");
        match territory {
            Territory::France => {}
            Territory::Region(r) => {
                inc.push(" AND s.region_code").push_region_eq(r);
            }
            Territory::Ght(g) => {
                inc.push(" AND s.ght_id = ").bind(*g);
            }
        }
        inc.push(")");
    }
    let region = match (&actor.scope, territory) {
        (Scope::National, Territory::France) => Some(None),
        (Scope::National, Territory::Region(r)) => Some(Some(r.clone())),
        (Scope::Region(mine), Territory::France) => Some(Some(mine.clone())),
        (Scope::Region(mine), Territory::Region(r)) if mine == r => Some(Some(r.clone())),
        _ => None,
    };
    let history = region.map(|region| {
        let mut h = Sql::new(" WHERE t.declared_at >= ");
        h.bind(from).push(" AND t.declared_at < ").bind(to);
        if let Some(r) = region {
            h.push(" AND t.region_code").push_region_eq(&r);
        }
        h
    });
    Filter {
        incidents: inc,
        history,
    }
}

/// `SELECT <packed columns> FROM (SELECT <outer> FROM (<inner over incidents> UNION ALL <inner
/// over history>) x GROUP BY <keys>) g`, where `inner` is written once for both tables (alias
/// `t`; `{where}` marks where each one's filter goes).
fn statement(backend: Backend, f: &Filter, inner: &str, outer: &str, columns: &str) -> Sql {
    let (head, tail) = inner.split_once("{where}").unwrap_or((inner, ""));
    let mut q = Sql::new("SELECT ");
    q.push(&packed(backend, columns))
        .push(" FROM (SELECT ")
        .push(outer)
        .push(" FROM (")
        .push(&head.replace("{table}", "incidents t"))
        .push_sql(&f.incidents)
        .push(tail);
    if let Some(h) = &f.history {
        q.push(" UNION ALL ")
            .push(&head.replace("{table}", "observatory_history t"))
            .push_sql(h)
            .push(tail);
    }
    q.push(") x");
    q
}

/// Paris's offset at `t.declared_at`, for the period's summer-time intervals.
fn offset_expr(from: i64, to: i64) -> String {
    let ranges = summer_time(from, to);
    if ranges.is_empty() {
        return "3600".into();
    }
    let conds: Vec<String> = ranges
        .iter()
        .map(|(s, e)| format!("(t.declared_at >= {s} AND t.declared_at < {e})"))
        .collect();
    format!("CASE WHEN {} THEN 7200 ELSE 3600 END", conds.join(" OR "))
}

const FLAGS: &str = "COUNT(*) AS n, \
    SUM(CASE WHEN t.origin = 'malicious' THEN 1 ELSE 0 END) AS mal, \
    SUM(CASE WHEN t.care_impact <> 'none' THEN 1 ELSE 0 END) AS care, \
    SUM(CASE WHEN t.operations_impact = 'none' THEN 1 ELSE 0 END) AS opsn, \
    SUM(t.support_requested) AS sup, SUM(t.major) AS maj, \
    SUM(CASE WHEN t.incident_type = 'ransomware' THEN 1 ELSE 0 END) AS ran";
const FLAG_SUMS: &str = "CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(mal) AS BIGINT) AS mal, \
    CAST(SUM(care) AS BIGINT) AS care, CAST(SUM(opsn) AS BIGINT) AS opsn, \
    CAST(SUM(sup) AS BIGINT) AS sup, CAST(SUM(maj) AS BIGINT) AS maj, \
    CAST(SUM(ran) AS BIGINT) AS ran";

impl Store {
    /// Counts everything the observatory of `period` in `territory` shows, within `actor`'s
    /// scope (the territory is checked by [`Store::observatory_territory`] first). Cached for
    /// two seconds under the scoped statements' key (see [`ObservatoryCaches`]).
    pub async fn observatory_counts(
        &self,
        actor: &Actor,
        period: &Period,
        territory: &Territory,
    ) -> Result<Arc<Grouped>, StoreError> {
        require_reader(actor)?;
        let (from, to) = period.bounds();
        let f = filter(actor, territory, from, to);
        let key = format!(
            "{}|{}|{}|{}|{}|{}",
            HISTORY_GEN.load(Ordering::Acquire),
            Domain::Registry.generation(),
            f.incidents.cache_key(),
            f.history.as_ref().map(Sql::cache_key).unwrap_or_default(),
            from,
            to
        );
        let g = self
            .caches
            .get::<ObservatoryCaches>()
            .counts
            .get_or_load(
                &key,
                |_| true,
                || async {
                    Ok::<_, StoreError>(Some(Arc::new(
                        self.count(actor, period, territory, &f).await?,
                    )))
                },
            )
            .await?;
        g.ok_or_else(|| StoreError::Internal("observatory counts not loaded".into()))
    }

    async fn count(
        &self,
        actor: &Actor,
        period: &Period,
        territory: &Territory,
        f: &Filter,
    ) -> Result<Grouped, StoreError> {
        let b = self.backend;
        let (from, to) = period.bounds();
        let hour = format!("(t.declared_at + {}) / 3600", offset_expr(from, to));

        let hours = statement(
            b,
            f,
            &format!("SELECT {hour} AS k, {FLAGS} FROM {{table}}{{where}} GROUP BY {hour}"),
            &format!("k, {FLAG_SUMS}"),
            "k, n, mal, care, opsn, sup, maj, ran",
        )
        .push(" GROUP BY k) g")
        .clone();
        let types = statement(
            b,
            f,
            "SELECT t.origin AS o, t.incident_type AS ty, COUNT(*) AS n FROM {table}{where} GROUP BY t.origin, t.incident_type",
            "o, ty, CAST(SUM(n) AS BIGINT) AS n",
            "o, ty, n",
        )
        .push(" GROUP BY o, ty) g")
        .clone();
        let keyed = |column: &str| {
            statement(
                b,
                f,
                &format!("SELECT t.{column} AS k, COUNT(*) AS n FROM {{table}}{{where}} GROUP BY t.{column}"),
                "k, CAST(SUM(n) AS BIGINT) AS n",
                "k, n",
            )
            .push(" GROUP BY k) g")
            .clone()
        };
        let states = keyed("state");
        let care = keyed("care_impact");
        let operations = keyed("operations_impact");
        let places = self.places_statement(f);
        let delay = |a: &str, b_: &str| {
            statement(
                b,
                f,
                &format!("SELECT (t.{b_} - t.{a}) / 60 AS k, COUNT(*) AS n FROM {{table}}{{where}} AND t.{a} IS NOT NULL AND t.{b_} IS NOT NULL GROUP BY (t.{b_} - t.{a}) / 60"),
                "k, CAST(SUM(n) AS BIGINT) AS n",
                "k, n",
            )
            .push(" GROUP BY k) g")
            .clone()
        };
        let detection = delay("occurred_at", "detected_at");
        let declaration = delay("detected_at", "declared_at");
        let prev = period.year_before().bounds();
        let pf = filter(actor, territory, prev.0, prev.1);
        let before = statement(
            b,
            &pf,
            &format!("SELECT 0 AS k, {FLAGS} FROM {{table}}{{where}}"),
            &format!("0 AS k, {FLAG_SUMS}"),
            "k, n, mal, care, opsn, sup, maj, ran",
        )
        .push(") g")
        .clone();

        type Flags = (i64, i64, i64, i64, i64, i64, i64, i64);
        let pool = &self.pool;
        let (hours, types, states, care, operations, places, detection, declaration, before) = tokio::try_join!(
            hours.fetch_packed::<Flags, _>(pool),
            types.fetch_packed::<(String, String, i64), _>(pool),
            states.fetch_packed::<(String, i64), _>(pool),
            care.fetch_packed::<(String, i64), _>(pool),
            operations.fetch_packed::<(String, i64), _>(pool),
            places.fetch_packed::<(String, String, i64, i64), _>(pool),
            detection.fetch_packed::<(i64, i64), _>(pool),
            declaration.fetch_packed::<(i64, i64), _>(pool),
            before.fetch_packed::<(
                i64,
                Option<i64>,
                Option<i64>,
                Option<i64>,
                Option<i64>,
                Option<i64>,
                Option<i64>,
                Option<i64>
            ), _>(pool),
        )?;
        let flags = |r: Flags| HourCount {
            hour: r.0,
            n: r.1,
            malicious: r.2,
            care: r.3,
            ops_none: r.4,
            support: r.5,
            major: r.6,
            ransomware: r.7,
        };
        let keys = |rows: Vec<(String, i64)>| {
            rows.into_iter()
                .map(|(key, n)| KeyCount { key, n })
                .collect()
        };
        let delays = |rows: Vec<(i64, i64)>| {
            rows.into_iter()
                .map(|(minutes, n)| DelayCount { minutes, n })
                .collect()
        };
        let year_before = before
            .into_iter()
            .next()
            .map(|r| {
                let z = |v: Option<i64>| v.unwrap_or(0);
                flags((0, z(r.1), z(r.2), z(r.3), z(r.4), z(r.5), z(r.6), z(r.7)))
            })
            .unwrap_or_default();
        Ok(Grouped {
            hours: hours.into_iter().map(flags).collect(),
            types: types
                .into_iter()
                .map(|(origin, incident_type, n)| TypeCount {
                    origin,
                    incident_type,
                    n,
                })
                .collect(),
            states: keys(states),
            care: keys(care),
            operations: keys(operations),
            places: places
                .into_iter()
                .map(|(region, sector, structures, n)| PlaceCount {
                    region,
                    sector,
                    structures,
                    n,
                })
                .collect(),
            detection: delays(detection),
            declaration: delays(declaration),
            year_before,
        })
    }

    /// Declarations by region and kind of structure, with the number of structures that
    /// declared: the declarations grouped by structure first (one row per structure), joined to
    /// the structures, grouped again; the imported ones by their own region and kind.
    fn places_statement(&self, f: &Filter) -> Sql {
        let mut q = Sql::new("SELECT ");
        q.push(&packed(self.backend, "r, sec, st, n"))
            .push(
                " FROM (SELECT r, sec, CAST(SUM(st) AS BIGINT) AS st, CAST(SUM(n) AS BIGINT) AS n FROM (\
                 SELECT s.region_code AS r, s.sector AS sec, COUNT(*) AS st, SUM(x.n) AS n FROM \
                 (SELECT t.structure_id AS sid, COUNT(*) AS n FROM incidents t",
            )
            .push_sql(&f.incidents)
            .push(" GROUP BY t.structure_id) x JOIN structures s ON s.id = x.sid GROUP BY s.region_code, s.sector");
        if let Some(h) = &f.history {
            q.push(" UNION ALL SELECT t.region_code AS r, t.sector AS sec, 0 AS st, COUNT(*) AS n FROM observatory_history t")
                .push_sql(h)
                .push(" GROUP BY t.region_code, t.sector");
        }
        q.push(") y GROUP BY r, sec) g");
        q
    }

    /// The observatory of `period` in `territory` as `actor` may see it (the territory checked
    /// against the scope; France for a regional viewer is its region).
    pub async fn observatory(
        &self,
        actor: &Actor,
        period: &Period,
        territory: &Territory,
    ) -> Result<Observatory, StoreError> {
        let territory = self.observatory_territory(actor, territory).await?;
        let g = self.observatory_counts(actor, period, &territory).await?;
        Ok(Observatory::compute(period, territory, g.as_ref()))
    }
}
