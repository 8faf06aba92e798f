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

use std::collections::BTreeMap;
use vigie_domain::role::Scope;

use vigie_observatory::model::{
    DelayCount, Grouped, HourCount, KeyCount, MonthCount, PlaceCount, TypeCount, WeekHourCount,
};
use vigie_observatory::period::RollupPlan;
use vigie_observatory::{Observatory, Period, Territory};

use super::access::require_reader;
use super::rollup::{offset_expr, stale_months};
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

/// Which rows the observatory counts, whatever the days: the structures of the actor's scope
/// and the territory (a condition on alias `s` of `structures`, and the same on alias `r` of the
/// roll-up, whose cells carry the structures' region and GHT; none for the CERT over France),
/// and whether the imported declarations count (`history`: not when the scope or the territory
/// is a GHT, as imported declarations carry none; with a region's condition or none).
struct Scoped {
    structures: Option<Sql>,
    rollup: Option<Sql>,
    history: Option<Option<String>>,
}

fn territory_condition(actor: &Actor, territory: &Territory, alias: &str) -> Option<Sql> {
    if matches!(actor.scope, Scope::National) && *territory == Territory::France {
        return None;
    }
    let mut q = Sql::new("");
    actor.scope_structures(&mut q, alias);
    match territory {
        Territory::France => {}
        Territory::Region(r) => {
            q.push(" AND ")
                .push(alias)
                .push(".region_code")
                .push_region_eq(r);
        }
        Territory::Ght(g) => {
            q.push(" AND ").push(alias).push(".ght_id = ").bind(*g);
        }
    }
    Some(q)
}

fn scoped(actor: &Actor, territory: &Territory) -> Scoped {
    let history = match (&actor.scope, territory) {
        (Scope::National, Territory::France) => Some(None),
        (Scope::National, Territory::Region(r)) => Some(Some(r.clone())),
        (Scope::Region(mine), Territory::France) => Some(Some(mine.clone())),
        (Scope::Region(mine), Territory::Region(r)) if mine == r => Some(Some(r.clone())),
        _ => None,
    };
    Scoped {
        structures: territory_condition(actor, territory, "s"),
        rollup: territory_condition(actor, territory, "r"),
        history,
    }
}

impl Scoped {
    fn cache_key(&self) -> String {
        format!(
            "{}|{:?}",
            self.structures
                .as_ref()
                .map(Sql::cache_key)
                .unwrap_or_default(),
            self.history
        )
    }

    /// ` WHERE …` of the declarations of `[a, b)` (alias `t`).
    fn incidents(&self, a: i64, b: i64) -> Sql {
        let mut q = Sql::new(" WHERE t.status <> 'draft' AND t.declared_at >= ");
        q.bind(a).push(" AND t.declared_at < ").bind(b);
        if let Some(c) = &self.structures {
            q.push(" AND t.structure_id IN (SELECT s.id FROM structures s WHERE ")
                .push_sql(c)
                .push(")");
        }
        q
    }

    /// ` WHERE …` of the imported declarations of `[a, b)` (alias `t`), if they count.
    fn history(&self, a: i64, b: i64) -> Option<Sql> {
        let region = self.history.as_ref()?;
        let mut q = Sql::new(" WHERE t.declared_at >= ");
        q.bind(a).push(" AND t.declared_at < ").bind(b);
        if let Some(r) = region {
            q.push(" AND t.region_code").push_region_eq(r);
        }
        Some(q)
    }

    /// `inner` (alias `t`, `{table}` and `{where}` marking where each table and its filter go)
    /// over the declarations and the imported ones of each range.
    fn base(&self, ranges: &[(i64, i64)], inner: &str) -> Vec<Sql> {
        let (head, tail) = inner.split_once("{where}").unwrap_or((inner, ""));
        let mut parts = Vec::new();
        for (a, b) in ranges {
            let mut q = Sql::new(&head.replace("{table}", "incidents t"));
            q.push_sql(&self.incidents(*a, *b)).push(tail);
            parts.push(q);
            if let Some(h) = self.history(*a, *b) {
                let mut q = Sql::new(&head.replace("{table}", "observatory_history t"));
                q.push_sql(&h).push(tail);
                parts.push(q);
            }
        }
        parts
    }

    /// `SELECT select FROM observatory_rollup r` over the cells of `dim` of the plan's years
    /// and months, within the territory, `GROUP BY group`.
    fn rollup(&self, plan: &RollupPlan, dim: &str, select: &str, group: &str) -> Vec<Sql> {
        let mut parts = Vec::new();
        for (span, starts) in [(12, &plan.years), (1, &plan.months)] {
            if starts.is_empty() {
                continue;
            }
            let mut q = Sql::new(&format!(
                "SELECT {select} FROM observatory_rollup r WHERE r.dim = '{dim}' AND r.span = {span} \
                 AND r.start IN ({})",
                list(starts)
            ));
            self.push_rollup_condition(&mut q);
            q.push(" GROUP BY ").push(group);
            parts.push(q);
        }
        parts
    }

    /// `SELECT select FROM observatory_rollup_months r` over every month the plan reads from
    /// the roll-up, within the territory (`group`, if any, after `GROUP BY`).
    fn rollup_months(&self, plan: &RollupPlan, select: &str, group: Option<&str>) -> Vec<Sql> {
        if plan.all_months.is_empty() {
            return Vec::new();
        }
        let mut q = Sql::new(&format!(
            "SELECT {select} FROM observatory_rollup_months r WHERE r.start IN ({})",
            list(&plan.all_months)
        ));
        self.push_rollup_condition(&mut q);
        if let Some(g) = group {
            q.push(" GROUP BY ").push(g);
        }
        vec![q]
    }

    fn push_rollup_condition(&self, q: &mut Sql) {
        if let Some(c) = &self.rollup {
            q.push(" AND ").push_sql(c);
        }
    }
}

/// Integers the program computed, as a list written into a statement.
fn list(values: &[i64]) -> String {
    values
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `SELECT <packed columns> FROM (SELECT <outer> FROM (<parts, UNION ALL>) x <tail>) g`, or
/// nothing to run when there is no part.
fn statement(
    backend: Backend,
    parts: Vec<Sql>,
    outer: &str,
    tail: &str,
    columns: &str,
) -> Option<Sql> {
    if parts.is_empty() {
        return None;
    }
    let mut q = Sql::new("SELECT ");
    q.push(&packed(backend, columns))
        .push(" FROM (SELECT ")
        .push(outer)
        .push(" FROM (");
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            q.push(" UNION ALL ");
        }
        q.push_sql(p);
    }
    q.push(") x").push(tail).push(") g");
    Some(q)
}

/// The rows of a packed statement, none when there was nothing to run.
async fn rows<T: serde::de::DeserializeOwned>(
    q: &Option<Sql>,
    pool: &sqlx::AnyPool,
) -> Result<Vec<T>, StoreError> {
    match q {
        Some(q) => q.fetch_packed(pool).await,
        None => Ok(Vec::new()),
    }
}

/// Periods up to this many days count the structures that declared by reading the period's
/// declarations; longer ones by one seek per structure of the territory.
const SEEK_STRUCTURES_AFTER_DAYS: i64 = 93;

pub(crate) const FLAGS: &str = "COUNT(*) AS n, \
    SUM(CASE WHEN t.origin = 'malicious' THEN 1 ELSE 0 END) AS mal, \
    SUM(CASE WHEN t.care_impact <> 'none' THEN 1 ELSE 0 END) AS care, \
    SUM(CASE WHEN t.operations_impact = 'none' THEN 1 ELSE 0 END) AS opsn, \
    SUM(t.support_requested) AS sup, SUM(t.major) AS maj, \
    SUM(CASE WHEN t.incident_type = 'ransomware' THEN 1 ELSE 0 END) AS ran";
const FLAG_SUMS: &str = "CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(mal) AS BIGINT) AS mal, \
    CAST(SUM(care) AS BIGINT) AS care, CAST(SUM(opsn) AS BIGINT) AS opsn, \
    CAST(SUM(sup) AS BIGINT) AS sup, CAST(SUM(maj) AS BIGINT) AS maj, \
    CAST(SUM(ran) AS BIGINT) AS ran";

/// The key counts of the roll-up's months, named like [`FLAGS`].
const ROLLUP_FLAGS: &str = "SUM(r.n) AS n, SUM(r.malicious) AS mal, SUM(r.care) AS care, \
    SUM(r.ops_none) AS opsn, SUM(r.support) AS sup, SUM(r.major) AS maj, \
    SUM(r.ransomware) AS ran";

type Flags = (i64, i64, i64, i64, i64, i64, i64, i64);

fn flags(r: Flags) -> HourCount {
    HourCount {
        hour: r.0,
        n: r.1,
        malicious: r.2,
        care: r.3,
        ops_none: r.4,
        support: r.5,
        major: r.6,
        ransomware: r.7,
    }
}

impl Store {
    /// Counts everything the observatory of `period` in `territory` shows, within `actor`'s
    /// scope (the territory is checked by [`Store::observatory_territory`] first), from the
    /// roll-up where it is fresh and from the declarations elsewhere. Cached for
    /// [`crate::cache::AGGREGATE_TTL`] under the scoped statements' key (see
    /// [`ObservatoryCaches`]).
    pub async fn observatory_counts(
        &self,
        actor: &Actor,
        period: &Period,
        territory: &Territory,
    ) -> Result<Arc<Grouped>, StoreError> {
        require_reader(actor)?;
        let (from, to) = period.bounds();
        let sc = scoped(actor, territory);
        let key = format!(
            "{}|{}|{}|{}|{}",
            HISTORY_GEN.load(Ordering::Acquire),
            Domain::Registry.generation(),
            sc.cache_key(),
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
                    Ok::<_, StoreError>(Some(Arc::new(self.count(period, &sc, true).await?)))
                },
            )
            .await?;
        g.ok_or_else(|| StoreError::Internal("observatory counts not loaded".into()))
    }

    /// The observatory counted now, never cached: from the roll-up where it is fresh (as the
    /// pages), or from the declarations alone (`from_rollup` false), which the roll-up must
    /// always agree with (the tests compare both).
    pub async fn observatory_counted(
        &self,
        actor: &Actor,
        period: &Period,
        territory: &Territory,
        from_rollup: bool,
    ) -> Result<Observatory, StoreError> {
        let territory = self.observatory_territory(actor, territory).await?;
        let g = self
            .count(period, &scoped(actor, &territory), from_rollup)
            .await?;
        Ok(Observatory::compute(period, territory, &g))
    }

    async fn count(
        &self,
        period: &Period,
        sc: &Scoped,
        rollup: bool,
    ) -> Result<Grouped, StoreError> {
        let b = self.backend;
        let (from, to) = period.bounds();
        let prev_period = period.year_before();
        let prev = prev_period.bounds();
        let (plan, prev_plan) = if rollup {
            let stale = stale_months(self, prev.0.min(from), to).await?;
            (
                RollupPlan::of(period, &stale),
                RollupPlan::of(&prev_period, &stale),
            )
        } else {
            let all = |p: &Period| RollupPlan {
                rest: vec![p.bounds()],
                ..RollupPlan::default()
            };
            (all(period), all(&prev_period))
        };
        let hour = format!("(t.declared_at + {}) / 3600", offset_expr(from, to));
        let flag_cols = "k, n, mal, care, opsn, sup, maj, ran";

        let hours = statement(
            b,
            sc.base(
                &plan.rest,
                &format!("SELECT {hour} AS k, {FLAGS} FROM {{table}}{{where}} GROUP BY {hour}"),
            ),
            &format!("k, {FLAG_SUMS}"),
            " GROUP BY k",
            flag_cols,
        );
        let months = statement(
            b,
            sc.rollup_months(
                &plan,
                &format!("r.start AS k, {ROLLUP_FLAGS}"),
                Some("r.start"),
            ),
            &format!("k, {FLAG_SUMS}"),
            " GROUP BY k",
            flag_cols,
        );
        let week = statement(
            b,
            sc.rollup(&plan, "week", "r.m AS k, SUM(r.n) AS n", "r.m"),
            "k, CAST(SUM(n) AS BIGINT) AS n",
            " GROUP BY k",
            "k, n",
        );
        let mut type_parts = sc.base(
            &plan.rest,
            "SELECT t.origin AS o, t.incident_type AS ty, COUNT(*) AS n FROM {table}{where} GROUP BY t.origin, t.incident_type",
        );
        type_parts.extend(sc.rollup(
            &plan,
            "type",
            "r.k1 AS o, r.k2 AS ty, SUM(r.n) AS n",
            "r.k1, r.k2",
        ));
        let types = statement(
            b,
            type_parts,
            "o, ty, CAST(SUM(n) AS BIGINT) AS n",
            " GROUP BY o, ty",
            "o, ty, n",
        );
        let keyed = |column: &str, dim: &str| {
            let mut parts = sc.base(
                &plan.rest,
                &format!("SELECT t.{column} AS k, COUNT(*) AS n FROM {{table}}{{where}} GROUP BY t.{column}"),
            );
            parts.extend(sc.rollup(&plan, dim, "r.k1 AS k, SUM(r.n) AS n", "r.k1"));
            statement(
                b,
                parts,
                "k, CAST(SUM(n) AS BIGINT) AS n",
                " GROUP BY k",
                "k, n",
            )
        };
        let states = keyed("state", "state");
        let care = keyed("care_impact", "care");
        let operations = keyed("operations_impact", "operations");
        let delay = |a: &str, b_: &str, dim: &str| {
            let mut parts = sc.base(
                &plan.rest,
                &format!("SELECT (t.{b_} - t.{a}) / 60 AS k, COUNT(*) AS n FROM {{table}}{{where}} AND t.{a} IS NOT NULL AND t.{b_} IS NOT NULL GROUP BY (t.{b_} - t.{a}) / 60"),
            );
            parts.extend(sc.rollup(&plan, dim, "r.m AS k, SUM(r.n) AS n", "r.m"));
            statement(
                b,
                parts,
                "k, CAST(SUM(n) AS BIGINT) AS n",
                " GROUP BY k",
                "k, n",
            )
        };
        let detection = delay("occurred_at", "detected_at", "detect");
        let declaration = delay("detected_at", "declared_at", "declare");
        let places = self.places_statement(sc, &plan);
        let structures = self.structures_statement(sc, period);
        let mut before_parts = sc.base(
            &prev_plan.rest,
            &format!("SELECT 0 AS k, {FLAGS} FROM {{table}}{{where}}"),
        );
        before_parts.extend(sc.rollup_months(&prev_plan, &format!("0 AS k, {ROLLUP_FLAGS}"), None));
        let before = statement(
            b,
            before_parts,
            &format!("0 AS k, {FLAG_SUMS}"),
            "",
            flag_cols,
        );

        type Opt = Option<i64>;
        let pool = &self.pool;
        let (
            hours,
            months,
            week,
            types,
            states,
            care,
            operations,
            places,
            structures,
            detection,
            declaration,
            before,
        ) = tokio::try_join!(
            rows::<Flags>(&hours, pool),
            rows::<Flags>(&months, pool),
            rows::<(i64, i64)>(&week, pool),
            rows::<(String, String, i64)>(&types, pool),
            rows::<(String, i64)>(&states, pool),
            rows::<(String, i64)>(&care, pool),
            rows::<(String, i64)>(&operations, pool),
            rows::<(String, String, i64)>(&places, pool),
            rows::<(String, String, i64, i64)>(&structures, pool),
            rows::<(i64, i64)>(&detection, pool),
            rows::<(i64, i64)>(&declaration, pool),
            rows::<(i64, Opt, Opt, Opt, Opt, Opt, Opt, Opt)>(&before, pool),
        )?;
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
        let mut place_map: BTreeMap<(String, String), PlaceCount> = BTreeMap::new();
        for (region, sector, n) in places {
            place_map
                .entry((region.clone(), sector.clone()))
                .or_insert_with(|| PlaceCount {
                    region,
                    sector,
                    ..PlaceCount::default()
                })
                .n += n;
        }
        for (region, sector, st, sup) in structures {
            let p = place_map
                .entry((region.clone(), sector.clone()))
                .or_insert_with(|| PlaceCount {
                    region,
                    sector,
                    ..PlaceCount::default()
                });
            p.structures += st;
            p.supported += sup;
        }
        Ok(Grouped {
            hours: hours.into_iter().map(flags).collect(),
            months: months
                .into_iter()
                .map(|r| MonthCount {
                    month: r.0,
                    counts: flags((0, r.1, r.2, r.3, r.4, r.5, r.6, r.7)),
                })
                .collect(),
            week_hours: week
                .into_iter()
                .map(|(m, n)| WeekHourCount {
                    weekday: m.div_euclid(24),
                    hour: m.rem_euclid(24),
                    n,
                })
                .collect(),
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
            places: place_map.into_values().collect(),
            detection: delays(detection),
            declaration: delays(declaration),
            year_before,
        })
    }

    /// Declarations by region and kind of structure: those read from the declarations by their
    /// structure's (or, imported, their own) region and kind, and the roll-up's months.
    fn places_statement(&self, sc: &Scoped, plan: &RollupPlan) -> Option<Sql> {
        let mut parts = Vec::new();
        for (a, b) in &plan.rest {
            let mut q = Sql::new(
                "SELECT p.region_code AS rg, p.sector AS sec, COUNT(*) AS n FROM incidents t \
                 JOIN structures p ON p.id = t.structure_id",
            );
            q.push_sql(&sc.incidents(*a, *b))
                .push(" GROUP BY p.region_code, p.sector");
            parts.push(q);
            if let Some(h) = sc.history(*a, *b) {
                let mut q = Sql::new(
                    "SELECT t.region_code AS rg, t.sector AS sec, COUNT(*) AS n FROM observatory_history t",
                );
                q.push_sql(&h).push(" GROUP BY t.region_code, t.sector");
                parts.push(q);
            }
        }
        parts.extend(sc.rollup_months(
            plan,
            "r.region_code AS rg, r.sector AS sec, SUM(r.n) AS n",
            Some("r.region_code, r.sector"),
        ));
        statement(
            self.backend,
            parts,
            "rg, sec, CAST(SUM(n) AS BIGINT) AS n",
            " GROUP BY rg, sec",
            "rg, sec, n",
        )
    }

    /// The structures that declared in the period and those given technical support, by
    /// region and kind of structure (distinct structures do not add up: never from the
    /// roll-up). A short period reads its declarations grouped by structure; a long one seeks,
    /// for each structure of the territory, its first declaration in the period (and its first
    /// one given support) in the indexes by structure. Imported declarations given support
    /// count one each (they carry no structure identity).
    fn structures_statement(&self, sc: &Scoped, period: &Period) -> Option<Sql> {
        let (a, b) = period.bounds();
        let days = (period.to - period.from).num_days();
        let mut parts = Vec::new();
        if days <= SEEK_STRUCTURES_AFTER_DAYS {
            let mut q = Sql::new(
                "SELECT p.region_code AS rg, p.sector AS sec, COUNT(*) AS st, SUM(x.sup) AS sup FROM \
                 (SELECT t.structure_id AS sid, MAX(t.support_given) AS sup FROM incidents t",
            );
            q.push_sql(&sc.incidents(a, b)).push(
                " GROUP BY t.structure_id) x JOIN structures p ON p.id = x.sid \
                 GROUP BY p.region_code, p.sector",
            );
            parts.push(q);
        } else {
            let first = |supported: bool| {
                let mut q = Sql::new(
                    "(SELECT 1 FROM incidents t WHERE t.structure_id = s.id AND t.status <> 'draft'",
                );
                if supported {
                    q.push(" AND t.support_given = 1");
                }
                q.push(" AND t.declared_at >= ")
                    .bind(a)
                    .push(" AND t.declared_at < ")
                    .bind(b)
                    .push(" LIMIT 1)");
                q
            };
            let mut q = Sql::new(
                "SELECT s.region_code AS rg, s.sector AS sec, COUNT(*) AS st, \
                 SUM(CASE WHEN ",
            );
            q.push_sql(&first(true))
                .push(" = 1 THEN 1 ELSE 0 END) AS sup FROM structures s WHERE ");
            match &sc.structures {
                Some(c) => q.push_sql(c),
                None => q.push("1=1"),
            };
            q.push(" AND ")
                .push_sql(&first(false))
                .push(" = 1 GROUP BY s.region_code, s.sector");
            parts.push(q);
        }
        if let Some(h) = sc.history(a, b) {
            let mut q = Sql::new(
                "SELECT t.region_code AS rg, t.sector AS sec, 0 AS st, COUNT(*) AS sup FROM observatory_history t",
            );
            q.push_sql(&h)
                .push(" AND t.support_given = 1 GROUP BY t.region_code, t.sector");
            parts.push(q);
        }
        statement(
            self.backend,
            parts,
            "rg, sec, CAST(SUM(st) AS BIGINT) AS st, CAST(SUM(sup) AS BIGINT) AS sup",
            " GROUP BY rg, sec",
            "rg, sec, st, sup",
        )
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
