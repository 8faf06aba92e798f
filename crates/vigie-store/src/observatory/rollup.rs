//! The roll-up: the observatory's counts kept per local month and per local year, so that ten
//! years are read from a few thousand cells instead of a million declarations.
//!
//! **Never a figure different from counting the declarations.** Triggers of the database (on
//! `incidents`, `structures` and `observatory_history`, migration 0016) mark, in the transaction
//! of every write that changes what the observatory counts (a declaration, a triage, a change
//! of facts, a structure moved to another region or GHT or kind, an import of history, a
//! deletion, a restore, rows written by hand in SQL), the UTC day of each declaration concerned
//! in `observatory_dirty`. A month that such a day meets is *stale*: the observatory counts it
//! from the declarations themselves (and a year with a stale month is read month by month).
//! [`Store::refresh_observatory_rollup`] recounts the stale months from the declarations, their
//! years from their months, and clears the marks it has seen, in one transaction; it runs at
//! each tick of the scheduler, after an import of history, and by `vigie observatory refresh`.
//!
//! Cells are per region and GHT (the territory and the viewer's scope are conditions on those
//! columns, written by the same code as on the structures), per local month or year. What does
//! not add up is not kept here: the structures that declared, or were given support, are
//! counted from the declarations (see `counts`); the delays are kept as histograms by the
//! minute, which do add up, and their median and percentiles are computed from the sum.

use std::collections::BTreeSet;

use vigie_observatory::period::{month_bounds, months_of_utc_day, summer_time};

use crate::db::{Backend, Sql, Store};
use crate::error::StoreError;

/// Months recounted per transaction (a backlog of ten years is refreshed in steps, letting
/// other writers in between).
const MONTHS_PER_STEP: usize = 12;

/// The stale months (see the module's comment) of `[from, to)`, read from the marks.
pub(crate) async fn stale_months(
    store: &Store,
    from: i64,
    to: i64,
) -> Result<BTreeSet<i64>, StoreError> {
    let days: Vec<(i64,)> =
        Sql::new("SELECT day FROM observatory_dirty WHERE day >= $1 AND day <= $2")
            .arg(from.div_euclid(86_400) - 1)
            .arg(to.div_euclid(86_400) + 1)
            .fetch_all(&store.pool)
            .await?;
    Ok(days
        .into_iter()
        .flat_map(|(d,)| months_of_utc_day(d))
        .collect())
}

/// The declarations of `[a, b)` with their structure's region, GHT and kind, and the imported
/// ones with theirs, as `b`.
fn base_rows(backend: Backend, a: i64, b: i64) -> String {
    let off = offset_expr(a, b);
    let cols = "t.origin, t.incident_type, t.state, t.care_impact, t.operations_impact, \
                t.support_requested, t.major, t.occurred_at, t.detected_at, t.declared_at";
    let ght_none = match backend {
        Backend::Sqlite => "NULL",
        Backend::Postgres => "CAST(NULL AS BIGINT)",
    };
    format!(
        "WITH b AS MATERIALIZED (SELECT s.region_code AS region_code, s.ght_id AS ght_id, \
         s.sector AS sector, {cols}, (t.declared_at + {off}) / 3600 AS lh \
         FROM incidents t JOIN structures s ON s.id = t.structure_id \
         WHERE t.status <> 'draft' AND t.declared_at >= {a} AND t.declared_at < {b} \
         UNION ALL SELECT t.region_code, {ght_none}, t.sector, {cols}, \
         (t.declared_at + {off}) / 3600 FROM observatory_history t \
         WHERE t.declared_at >= {a} AND t.declared_at < {b}) "
    )
}

/// The statements that recount month `idx` from the declarations.
fn month_statements(backend: Backend, idx: i64) -> Option<Vec<String>> {
    let (a, b) = month_bounds(idx)?;
    let with = base_rows(backend, a, b);
    let week = "((lh / 24 + 3) % 7) * 24 + lh % 24";
    let keyed = |dim: &str, k1: &str, k2: Option<&str>| {
        let (k2, group2) = match k2 {
            Some(k) => (k.to_string(), format!(", {k}")),
            None => ("''".to_string(), String::new()),
        };
        format!(
            "SELECT 1, {idx}, '{dim}', region_code, ght_id, {k1}, {k2}, 0, COUNT(*) FROM b \
             GROUP BY region_code, ght_id, {k1}{group2}"
        )
    };
    let delay = |dim: &str, a: &str, b_: &str| {
        format!(
            "SELECT 1, {idx}, '{dim}', region_code, ght_id, '', '', ({b_} - {a}) / 60, COUNT(*) \
             FROM b WHERE {a} IS NOT NULL AND {b_} IS NOT NULL \
             GROUP BY region_code, ght_id, ({b_} - {a}) / 60"
        )
    };
    Some(vec![
        format!("DELETE FROM observatory_rollup_months WHERE start = {idx}"),
        format!("DELETE FROM observatory_rollup WHERE span = 1 AND start = {idx}"),
        format!(
            "{with}INSERT INTO observatory_rollup_months (start, region_code, ght_id, sector, n, \
             malicious, care, ops_none, support, major, ransomware) \
             SELECT {idx}, region_code, ght_id, sector, {} FROM b t \
             GROUP BY region_code, ght_id, sector",
            FLAGS_UNNAMED
        ),
        format!(
            "{with}INSERT INTO observatory_rollup (span, start, dim, region_code, ght_id, k1, k2, \
             m, n) \
             SELECT 1, {idx}, 'week', region_code, ght_id, '', '', {week}, COUNT(*) FROM b \
             GROUP BY region_code, ght_id, {week} UNION ALL {} UNION ALL {} UNION ALL {} \
             UNION ALL {} UNION ALL {} UNION ALL {}",
            keyed("type", "origin", Some("incident_type")),
            keyed("state", "state", None),
            keyed("care", "care_impact", None),
            keyed("operations", "operations_impact", None),
            delay("detect", "occurred_at", "detected_at"),
            delay("declare", "detected_at", "declared_at"),
        ),
    ])
}

/// The key counts of a group, unnamed (in the order of `observatory_rollup_months`).
const FLAGS_UNNAMED: &str = "COUNT(*), \
    SUM(CASE WHEN t.origin = 'malicious' THEN 1 ELSE 0 END), \
    SUM(CASE WHEN t.care_impact <> 'none' THEN 1 ELSE 0 END), \
    SUM(CASE WHEN t.operations_impact = 'none' THEN 1 ELSE 0 END), \
    SUM(t.support_requested), SUM(t.major), \
    SUM(CASE WHEN t.incident_type = 'ransomware' THEN 1 ELSE 0 END)";

/// The statements that sum year `start` (its January's month index) from its months.
fn year_statements(start: i64) -> Vec<String> {
    vec![
        format!("DELETE FROM observatory_rollup WHERE span = 12 AND start = {start}"),
        format!(
            "INSERT INTO observatory_rollup (span, start, dim, region_code, ght_id, k1, k2, m, n) \
             SELECT 12, {start}, dim, region_code, ght_id, k1, k2, m, CAST(SUM(n) AS BIGINT) \
             FROM observatory_rollup WHERE span = 1 AND start >= {start} AND start < {} \
             GROUP BY dim, region_code, ght_id, k1, k2, m",
            start + 12
        ),
    ]
}

/// The stale months one step recounts: those the marked `days` meet, but none that meets a day
/// marked on or after `hot_from`, at most [`MONTHS_PER_STEP`].
fn choose(days: &[(i64,)], hot_from: i64) -> BTreeSet<i64> {
    let hot: BTreeSet<i64> = days
        .iter()
        .filter(|(d,)| *d >= hot_from)
        .flat_map(|(d,)| months_of_utc_day(*d))
        .collect();
    days.iter()
        .flat_map(|(d,)| months_of_utc_day(*d))
        .filter(|m| !hot.contains(m))
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .take(MONTHS_PER_STEP)
        .collect()
}

impl Store {
    /// Recounts the stale months of the roll-up from the declarations (and their years from
    /// their months) and clears the marks it has seen, a year of months per transaction.
    /// Returns how many months were recounted. A mark written meanwhile by another transaction
    /// stays (PostgreSQL: the marks' table is locked against writers while a step runs; SQLite:
    /// the step is the one writer), so its month stays read from the declarations until the
    /// next refresh. Not audited: the roll-up is derived data, like a cache.
    pub async fn refresh_observatory_rollup(&self) -> Result<usize, StoreError> {
        self.refresh_rollup_before(i64::MAX).await
    }

    /// [`Store::refresh_observatory_rollup`] for the scheduler's tick: the months that meet a
    /// day marked today or yesterday (UTC) are left to be counted from the declarations (a
    /// month of them), and recounted once declarations stop coming to them. Recounting the
    /// current month at every tick while structures declare would hold back their declarations
    /// (PostgreSQL: the marks' table is locked against writers during a step; SQLite: the step
    /// is the one writer) for no lasting gain.
    pub async fn refresh_settled_observatory_rollup(&self) -> Result<usize, StoreError> {
        self.refresh_rollup_before(crate::db::now().div_euclid(86_400) - 1)
            .await
    }

    /// Recounts the stale months that meet no day marked on or after `hot_from` (a UTC day).
    /// A day's mark is cleared only by the step that recounted every month it meets; a step that
    /// recounts nothing new ends the refresh (a day meeting a month left for later and another
    /// keeps its mark, and would make its other month chosen again).
    async fn refresh_rollup_before(&self, hot_from: i64) -> Result<usize, StoreError> {
        let mut done = BTreeSet::new();
        loop {
            let months = self.refresh_step(hot_from).await?;
            if months.is_empty() || months.is_subset(&done) {
                return Ok(done.len());
            }
            done.extend(months);
        }
    }

    /// One step: the months it recounted (none when there was nothing to do).
    async fn refresh_step(&self, hot_from: i64) -> Result<BTreeSet<i64>, StoreError> {
        // Nothing stale that may be recounted (most ticks): no write transaction at all.
        let marked: Vec<(i64,)> = Sql::new("SELECT day FROM observatory_dirty ORDER BY day")
            .fetch_all(&self.pool)
            .await?;
        if marked.is_empty() {
            return Ok(BTreeSet::new());
        }
        let meets_months = marked.iter().any(|(d,)| !months_of_utc_day(*d).is_empty());
        if meets_months && choose(&marked, hot_from).is_empty() {
            return Ok(BTreeSet::new());
        }
        let mut tx = self.begin_write().await?;
        if self.backend == Backend::Postgres {
            Sql::new("LOCK TABLE observatory_dirty IN SHARE ROW EXCLUSIVE MODE")
                .execute(&mut *tx)
                .await?;
        }
        let days: Vec<(i64,)> = Sql::new("SELECT day FROM observatory_dirty ORDER BY day")
            .fetch_all(&mut *tx)
            .await?;
        let stale: BTreeSet<i64> = days.iter().flat_map(|(d,)| months_of_utc_day(*d)).collect();
        let chosen = choose(&days, hot_from);
        if stale.is_empty() {
            // marks of days that meet no month (none in practice): cleared
            if !days.is_empty() {
                Sql::new("DELETE FROM observatory_dirty")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            return Ok(BTreeSet::new());
        }
        if chosen.is_empty() {
            return Ok(BTreeSet::new());
        }
        for idx in &chosen {
            let Some(statements) = month_statements(self.backend, *idx) else {
                continue;
            };
            for s in statements {
                Sql::new(&s).execute(&mut *tx).await?;
            }
        }
        let years: BTreeSet<i64> = chosen.iter().map(|m| m - m.rem_euclid(12)).collect();
        for y in years {
            for s in year_statements(y) {
                Sql::new(&s).execute(&mut *tx).await?;
            }
        }
        let cleared: Vec<i64> = days
            .iter()
            .map(|(d,)| *d)
            .filter(|d| months_of_utc_day(*d).iter().all(|m| chosen.contains(m)))
            .collect();
        for chunk in cleared.chunks(500) {
            let mut q = Sql::new("DELETE FROM observatory_dirty WHERE day IN ");
            q.push_in_list(chunk.iter().copied());
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(chosen)
    }
}

/// Paris's offset at `t.declared_at`, for the period's summer-time intervals.
pub(crate) fn offset_expr(from: i64, to: i64) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The scheduler leaves the months still receiving declarations to the declarations.
    #[test]
    fn hot_months_wait() {
        // 2025-03-10 and 2025-06-15 (UTC days), 2025-06-30 (meets June and, in Paris, July 1st).
        let (march, june, june_end) = (20_157, 20_254, 20_269);
        let months = |d: i64| months_of_utc_day(d);
        let all: Vec<(i64,)> = vec![(march,), (june,)];
        assert_eq!(
            choose(&all, i64::MAX),
            months(march).into_iter().chain(months(june)).collect()
        );
        // June marked today: only March.
        assert_eq!(choose(&all, june), months(march).into_iter().collect());
        assert_eq!(months(june_end).len(), 2, "{:?}", months(june_end));
        assert_eq!(choose(&[(june_end,)], i64::MAX).len(), 2);
        assert!(choose(&[(june_end,)], june_end).is_empty());
    }
}
