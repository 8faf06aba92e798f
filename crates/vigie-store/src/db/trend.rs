//! Counts over time read in one statement: how many rows (findings, alerts) were open at each of
//! a few instants, from the time each was opened and the time it was closed (NULL while open).
//!
//! One column per instant, each a `SUM(CASE …)` over the rows of the scope: the statement reads
//! the scope's rows once, whatever the number of instants. The instants are computed by the
//! program (integers written into the text), never taken from a request.

use sqlx::Row;

use crate::db::sql::Sql;
use crate::db::Store;
use crate::error::StoreError;

/// A week in seconds.
pub const WEEK: i64 = 7 * 86_400;

/// `weeks` instants a week apart, oldest first, the last one `at`.
pub fn weekly(at: i64, weeks: usize) -> Vec<i64> {
    (0..weeks).rev().map(|i| at - WEEK * i as i64).collect()
}

/// `CAST(COALESCE(SUM(<expr>), 0) AS BIGINT)`: a 64-bit integer on both backends (PostgreSQL's
/// SUM is NUMERIC).
pub fn sum_int(expr: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)")
}

/// The select-list counting, at each instant `t`, the rows with `opened <= t` and `closed` NULL
/// or after `t` (`opened` and `closed` are column expressions of the query).
pub fn open_at_columns(instants: &[i64], opened: &str, closed: &str) -> String {
    instants
        .iter()
        .map(|t| {
            sum_int(&format!(
                "CASE WHEN {opened} <= {t} AND ({closed} IS NULL OR {closed} > {t}) THEN 1 ELSE 0 END"
            ))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// Runs a statement whose one row is made of [`open_at_columns`]: the count at each instant,
    /// paired with its instant.
    pub(crate) async fn open_at(
        &self,
        q: &Sql,
        instants: &[i64],
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        let rows = q.fetch_rows(&self.pool).await?;
        let row = rows.first().ok_or(StoreError::NotFound)?;
        let mut out = Vec::with_capacity(instants.len());
        for (i, t) in instants.iter().enumerate() {
            out.push((*t, row.try_get::<i64, _>(i)?));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekly_instants_end_at_the_given_time() {
        assert_eq!(
            weekly(1_000_000, 3),
            vec![1_000_000 - 2 * WEEK, 1_000_000 - WEEK, 1_000_000]
        );
        assert!(weekly(5, 0).is_empty());
    }

    #[test]
    fn one_column_per_instant() {
        let cols = open_at_columns(&[10, 20], "f.opened", "f.closed");
        assert_eq!(cols.matches("SUM(").count(), 2);
        assert!(cols.contains("f.opened <= 20 AND (f.closed IS NULL OR f.closed > 20)"));
    }
}
