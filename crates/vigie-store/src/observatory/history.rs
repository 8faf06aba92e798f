//! Past declarations imported from a CSV (parsed and checked by `vigie_observatory::history`).

use vigie_domain::problem::Problem;
use vigie_observatory::history::{Parsed, RowError};

use super::access::require_importer;
use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportReport {
    /// Rows written.
    pub imported: u64,
    /// The bad rows, with their line and reason (the file's own, and the identifiers already
    /// imported).
    pub errors: Vec<RowError>,
    /// Nothing was written because the file had errors and the bad rows were not to be skipped.
    pub refused: bool,
}

/// Rows per statement (18 values each).
const CHUNK: usize = 500;

impl Store {
    /// Imports the rows of a parsed file, marked as imported (their own table, who and when),
    /// without any structure identity. An identifier already imported is a bad row. With bad
    /// rows, nothing is written unless `skip_bad_rows`; everything is written in one
    /// transaction, with its audit entry.
    pub async fn import_observatory_history(
        &self,
        actor: &Actor,
        parsed: Parsed,
        skip_bad_rows: bool,
    ) -> Result<ImportReport, StoreError> {
        require_importer(actor)?;
        let mut errors = parsed.errors;
        let mut tx = self.begin_write().await?;
        let mut existing = std::collections::HashSet::new();
        for chunk in parsed.rows.chunks(CHUNK) {
            let mut q =
                Sql::new("SELECT external_id FROM observatory_history WHERE external_id IN ");
            q.push_in_list(chunk.iter().map(|r| r.external_id.as_str()));
            let found: Vec<(String,)> = q.fetch_all(&mut *tx).await?;
            existing.extend(found.into_iter().map(|r| r.0));
        }
        let mut rows = Vec::with_capacity(parsed.rows.len());
        for r in parsed.rows {
            if existing.contains(&r.external_id) {
                errors.push(RowError {
                    line: r.line,
                    problem: Problem::new("observatory-import-already")
                        .arg("value", r.external_id.clone()),
                });
            } else {
                rows.push(r);
            }
        }
        errors.sort_by_key(|e| e.line);
        if !errors.is_empty() && !skip_bad_rows {
            return Ok(ImportReport {
                imported: 0,
                errors,
                refused: true,
            });
        }
        let at = now();
        let mut imported = 0;
        for chunk in rows.chunks(CHUNK) {
            let mut q = Sql::new(
                "INSERT INTO observatory_history (external_id, declared_at, utc_offset, occurred_at, \
                 detected_at, region_code, sector, origin, incident_type, state, care_impact, \
                 operations_impact, support_requested, major, support_given, imported_at, imported_by) \
                 VALUES ",
            );
            for (i, r) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(r.external_id.as_str())
                    .push(", ")
                    .bind(r.declared_at)
                    .push(", ")
                    .bind(i64::from(r.utc_offset))
                    .push(", ")
                    .bind(r.occurred_at)
                    .push(", ")
                    .bind(r.detected_at)
                    .push(", ")
                    .bind(r.region.as_str())
                    .push(", ")
                    .bind(r.sector.as_str())
                    .push(", ")
                    .bind(r.origin.as_str())
                    .push(", ")
                    .bind(r.incident_type.as_str())
                    .push(", ")
                    .bind(r.state.as_str())
                    .push(", ")
                    .bind(r.care_impact.as_str())
                    .push(", ")
                    .bind(r.operations_impact.as_str())
                    .push(", ")
                    .bind(r.support_requested)
                    .push(", ")
                    .bind(r.major)
                    .push(", ")
                    .bind(r.support_given)
                    .push(", ")
                    .bind(at)
                    .push(", ")
                    .bind(actor.label.as_str())
                    .push(")");
            }
            imported += q.positional_for(self.backend).execute(&mut *tx).await?;
        }
        record(
            &mut *tx,
            actor,
            Event::new("observatory.import", "observatory_history", imported)
                .detail(serde_json::json!({ "imported": imported, "skipped": errors.len() })),
        )
        .await?;
        tx.commit().await?;
        super::counts::history_changed();
        // The imported months are counted into the roll-up now rather than at the next tick
        // (the figures are right either way: stale months are counted from the rows).
        if let Err(e) = self.refresh_observatory_rollup().await {
            tracing::warn!(error = %e, "cannot refresh the observatory roll-up after an import");
        }
        Ok(ImportReport {
            imported,
            errors,
            refused: false,
        })
    }

    /// How many past declarations were imported (for the import page).
    pub async fn observatory_history_count(&self, actor: &Actor) -> Result<i64, StoreError> {
        require_importer(actor)?;
        Sql::new("SELECT COUNT(*) FROM observatory_history")
            .scalar(&self.pool)
            .await
    }
}
