//! Backups and moves between backends. One format serves both: a gzip-compressed JSON-lines
//! archive, independent of the backend, that `vigie backup` writes and `vigie restore` reads, and
//! that `vigie export`/`vigie import` use to move a deployment from SQLite to PostgreSQL or back.
//!
//! The export reads every table inside one transaction, so the archive is a consistent snapshot.
//! A restore only goes into an empty database (it refuses otherwise: nothing stored is overwritten)
//! and runs in one transaction: a broken archive leaves the target as it was.
//! Sessions are not archived: a restored deployment starts with everyone signed out.

use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};
use sqlx::Row;

use vigie_domain::problem::Problem;

use crate::db::{now, Backend, Sql, Store, Val};
use crate::error::StoreError;
use crate::migrate::latest_version;

/// How a column's values are written in an archive.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// A 64-bit integer (or NULL).
    I,
    /// Text (or NULL).
    S,
}

/// A table an archive carries: each slice declares its own (`TABLES` of its `tables` module),
/// and the crate's root lists them in an order that satisfies their references
/// ([`crate::archived`]).
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [(&'static str, Ty)],
    /// Has an `id` sequence (reset after a restore on PostgreSQL, and the export's order).
    pub has_serial_id: bool,
}

use Ty::{I, S};

/// The deployment's key/value settings, which no slice owns.
pub(crate) const TABLES: &[Table] = &[Table {
    name: "settings",
    has_serial_id: false,
    columns: &[("key", S), ("value", S), ("updated_at", I)],
}];

/// The tables an archive carries, in restore order, as the slices declare them. Every table of
/// the schema but `schema_migrations` and `sessions` must be here, with every column (a test
/// checks it on both backends).
pub fn tables() -> impl Iterator<Item = &'static Table> {
    crate::archived()
}

/// The names of [`tables`].
pub fn archived_tables() -> Vec<&'static str> {
    tables().map(|t| t.name).collect()
}

#[derive(Serialize, Deserialize, Debug)]
struct Header {
    vigie_archive: u32,
    schema_version: i64,
    source_backend: String,
    created_at: i64,
}

#[derive(Serialize, Deserialize, Debug)]
struct TableLine {
    table: String,
    columns: Vec<String>,
    rows: u64,
}

/// What an archive held.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ArchiveCounts {
    pub tables: Vec<(String, u64)>,
}

impl ArchiveCounts {
    pub fn total(&self) -> u64 {
        self.tables.iter().map(|t| t.1).sum()
    }
}

impl Store {
    /// Writes the whole deployment to `out` (gzip JSON lines).
    pub async fn export_archive<W: Write>(&self, out: W) -> Result<ArchiveCounts, StoreError> {
        let io = |e: std::io::Error| StoreError::Internal(format!("cannot write the archive: {e}"));
        let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let header = Header {
            vigie_archive: 1,
            schema_version: self.schema_version().await?,
            source_backend: self.backend.as_str().into(),
            created_at: now(),
        };
        writeln!(gz, "{}", serde_json::to_string(&header).unwrap_or_default()).map_err(io)?;
        let mut counts = ArchiveCounts::default();
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
        }
        for t in crate::archived() {
            let cols: Vec<&str> = t.columns.iter().map(|c| c.0).collect();
            let order = if t.has_serial_id { "id" } else { cols[0] };
            let rows = Sql::new(&format!(
                "SELECT {} FROM {} ORDER BY {order}",
                cols.join(", "),
                t.name
            ))
            .fetch_rows(&mut *tx)
            .await?;
            let line = TableLine {
                table: t.name.into(),
                columns: cols.iter().map(|c| c.to_string()).collect(),
                rows: rows.len() as u64,
            };
            writeln!(gz, "{}", serde_json::to_string(&line).unwrap_or_default()).map_err(io)?;
            for row in &rows {
                let mut vals = Vec::with_capacity(t.columns.len());
                for (i, (_, ty)) in t.columns.iter().enumerate() {
                    let v = match ty {
                        I => serde_json::to_value(row.try_get::<Option<i64>, _>(i)?),
                        S => serde_json::to_value(row.try_get::<Option<String>, _>(i)?),
                    };
                    vals.push(v.unwrap_or(serde_json::Value::Null));
                }
                writeln!(gz, "{}", serde_json::Value::Array(vals)).map_err(io)?;
            }
            counts.tables.push((t.name.to_string(), rows.len() as u64));
        }
        tx.commit().await?;
        gz.finish().map_err(io)?.flush().map_err(io)?;
        Ok(counts)
    }

    /// Restores an archive into this database, which must be empty (migrated, no data).
    pub async fn import_archive<R: std::io::Read>(
        &self,
        input: R,
    ) -> Result<ArchiveCounts, StoreError> {
        self.migrate().await?;
        for t in crate::archived() {
            let n = Sql::new(&format!("SELECT COUNT(*) FROM {}", t.name))
                .scalar(&self.pool)
                .await?;
            if n > 0 {
                return Err(StoreError::Invalid(
                    Problem::new("archive-target-not-empty")
                        .arg("table", t.name)
                        .arg("rows", n),
                ));
            }
        }
        let mut lines = std::io::BufReader::new(flate2::read::GzDecoder::new(input)).lines();
        let mut lineno = 0u64;
        let mut next = || -> Result<String, StoreError> {
            lineno += 1;
            match lines.next() {
                Some(Ok(l)) => Ok(l),
                Some(Err(e)) => Err(StoreError::Invalid(
                    Problem::new("archive-unreadable")
                        .arg("line", lineno)
                        .arg("detail", e.to_string()),
                )),
                None => Err(StoreError::Invalid(
                    Problem::new("archive-truncated").arg("line", lineno),
                )),
            }
        };
        let header: Header = serde_json::from_str(&next()?).map_err(|e| {
            StoreError::Invalid(Problem::new("archive-not-an-archive").arg("detail", e.to_string()))
        })?;
        if header.vigie_archive != 1 {
            return Err(StoreError::Invalid(
                Problem::new("archive-format-unsupported").arg("format", header.vigie_archive),
            ));
        }
        if header.schema_version > latest_version() {
            return Err(StoreError::Invalid(
                Problem::new("archive-schema-too-new")
                    .arg("version", header.schema_version)
                    .arg("known", latest_version()),
            ));
        }
        let mut counts = ArchiveCounts::default();
        let mut tx = self.begin_write().await?;
        for t in crate::archived() {
            let tl: TableLine = serde_json::from_str(&next()?).map_err(|e| {
                StoreError::Invalid(
                    Problem::new("archive-table-line-invalid")
                        .arg("table", t.name)
                        .arg("detail", e.to_string()),
                )
            })?;
            if tl.table != t.name {
                return Err(StoreError::Invalid(
                    Problem::new("archive-table-unexpected")
                        .arg("expected", t.name)
                        .arg("found", tl.table),
                ));
            }
            // Columns are matched by name: an archive from an older schema may lack new ones.
            let mut idx = Vec::with_capacity(tl.columns.len());
            for c in &tl.columns {
                let pos = t.columns.iter().position(|(n, _)| n == c).ok_or_else(|| {
                    StoreError::Invalid(
                        Problem::new("archive-column-unknown")
                            .arg("table", t.name)
                            .arg("column", c),
                    )
                })?;
                idx.push(pos);
            }
            let placeholders: Vec<String> = (1..=idx.len()).map(|i| format!("${i}")).collect();
            let insert = format!(
                "INSERT INTO {} ({}) VALUES ({})",
                t.name,
                tl.columns.join(", "),
                placeholders.join(", ")
            );
            for r in 0..tl.rows {
                let row = |key| Problem::new(key).arg("table", t.name).arg("row", r + 1);
                let line = next()?;
                let vals: Vec<serde_json::Value> = serde_json::from_str(&line).map_err(|e| {
                    StoreError::Invalid(row("archive-row-invalid").arg("detail", e.to_string()))
                })?;
                if vals.len() != idx.len() {
                    return Err(StoreError::Invalid(
                        row("archive-row-width")
                            .arg("found", vals.len())
                            .arg("expected", idx.len()),
                    ));
                }
                let mut q = Sql::new(&insert);
                for (v, &ci) in vals.into_iter().zip(&idx) {
                    let val = match (t.columns[ci].1, v) {
                        (I, serde_json::Value::Null) => Val::I(None),
                        (S, serde_json::Value::Null) => Val::S(None),
                        (I, serde_json::Value::Number(n)) => Val::I(n.as_i64()),
                        (S, serde_json::Value::String(s)) => Val::S(Some(s)),
                        (_, _) => {
                            return Err(StoreError::Invalid(
                                row("archive-value-type").arg("column", t.columns[ci].0),
                            ))
                        }
                    };
                    q = q.arg(val);
                }
                q.execute(&mut *tx).await?;
            }
            if t.has_serial_id && self.backend == Backend::Postgres {
                sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{0}', 'id'), COALESCE((SELECT MAX(id) FROM {0}), 0) + 1, false)", t.name))
                    .execute(&mut *tx)
                    .await?;
            }
            counts.tables.push((t.name.to_string(), tl.rows));
        }
        tx.commit().await?;
        Ok(counts)
    }
}
