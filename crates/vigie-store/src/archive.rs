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

use crate::db::{now, Backend, Sql, Store, Val};
use crate::error::StoreError;
use crate::migrate::latest_version;

#[derive(Clone, Copy)]
enum Ty {
    I,
    S,
}

struct Table {
    name: &'static str,
    columns: &'static [(&'static str, Ty)],
    has_serial_id: bool,
}

use Ty::{I, S};

/// Tables in an order that satisfies their references.
const TABLES: &[Table] = &[
    Table {
        name: "ghts",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("code", S),
            ("name", S),
            ("region_code", S),
            ("support_structure_id", I),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "structures",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("finess_et", S),
            ("finess_ej", S),
            ("name", S),
            ("long_name", S),
            ("name_search", S),
            ("category_code", S),
            ("category_label", S),
            ("aggregate_code", S),
            ("legal_family", S),
            ("sector", S),
            ("address", S),
            ("postal_line", S),
            ("department_code", S),
            ("region_code", S),
            ("ght_id", I),
            ("phone", S),
            ("siret", S),
            ("ose", I),
            ("esr", I),
            ("overseas", I),
            ("is_demo", I),
            ("source", S),
            ("finess_updated_on", S),
            ("import_hash", S),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "contacts",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("role", S),
            ("name", S),
            ("email", S),
            ("phone", S),
            ("updated_at", I),
        ],
    },
    Table {
        name: "assets",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("kind", S),
            ("value", S),
            ("attested_by", S),
            ("attested_at", I),
            ("is_demo", I),
            ("created_at", I),
        ],
    },
    Table {
        name: "users",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("email", S),
            ("display_name", S),
            ("password_hash", S),
            ("role", S),
            ("region_code", S),
            ("ght_id", I),
            ("locale", S),
            ("totp_secret", S),
            ("totp_enabled", I),
            ("totp_last_step", I),
            ("failed_logins", I),
            ("locked_until", I),
            ("must_change_password", I),
            ("disabled", I),
            ("oidc_issuer", S),
            ("oidc_subject", S),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "user_structures",
        has_serial_id: false,
        columns: &[("user_id", I), ("structure_id", I)],
    },
    Table {
        name: "api_tokens",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("user_id", I),
            ("name", S),
            ("prefix", S),
            ("token_hash", S),
            ("created_at", I),
            ("expires_at", I),
            ("last_used_at", I),
            ("revoked", I),
        ],
    },
    Table {
        name: "audit_log",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("at", I),
            ("actor_user_id", I),
            ("actor", S),
            ("action", S),
            ("target_kind", S),
            ("target_id", S),
            ("success", I),
            ("ip", S),
            ("detail", S),
        ],
    },
    Table {
        name: "jobs",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("kind", S),
            ("payload", S),
            ("dedup_key", S),
            ("status", S),
            ("attempts", I),
            ("max_attempts", I),
            ("run_at", I),
            ("locked_by", S),
            ("lease_until", I),
            ("last_error", S),
            ("created_at", I),
            ("finished_at", I),
        ],
    },
    Table {
        name: "webhooks",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("name", S),
            ("url", S),
            ("secret", S),
            ("region_code", S),
            ("ght_id", I),
            ("structure_id", I),
            ("events", S),
            ("active", I),
            ("created_by", I),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "notifications",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("event", S),
            ("channel", S),
            ("recipient", S),
            ("webhook_id", I),
            ("subject", S),
            ("body_text", S),
            ("body_html", S),
            ("payload", S),
            ("link", S),
            ("dedup_key", S),
            ("status", S),
            ("attempts", I),
            ("last_error", S),
            ("created_at", I),
            ("sent_at", I),
        ],
    },
    Table {
        name: "surveillance_settings",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("region_code", S),
            ("enabled", I),
            ("interval_hours", I),
            ("updated_by", S),
            ("updated_at", I),
        ],
    },
    Table {
        name: "scans",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("origin", S),
            ("requested_by", S),
            ("requested_by_user_id", I),
            ("status", S),
            ("created_at", I),
            ("started_at", I),
            ("finished_at", I),
            ("scope", S),
            ("ports", S),
            ("targets_count", I),
            ("open_ports_count", I),
            ("findings_count", I),
            ("new_count", I),
            ("fixed_count", I),
            ("error", S),
        ],
    },
    Table {
        name: "scan_observations",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("scan_id", I),
            ("structure_id", I),
            ("address", S),
            ("port", I),
            ("service", S),
            ("product", S),
            ("version", S),
            ("cpe", S),
            ("tls", S),
            ("evidence", S),
            ("finding_kinds", S),
        ],
    },
    Table {
        name: "scan_findings",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("kind", S),
            ("finding_key", S),
            ("address", S),
            ("port", I),
            ("service", S),
            ("product", S),
            ("version", S),
            ("severity", S),
            ("severity_rank", I),
            ("confidence", S),
            ("title_fr", S),
            ("title_en", S),
            ("evidence", S),
            ("advice_fr", S),
            ("advice_en", S),
            ("detail", S),
            ("status", S),
            ("first_seen_scan_id", I),
            ("last_seen_scan_id", I),
            ("fixed_in_scan_id", I),
            ("first_seen_at", I),
            ("last_seen_at", I),
            ("notified_at", I),
            ("fixed_at", I),
            ("reopened_count", I),
            ("triage_note", S),
            ("triaged_by", S),
            ("triaged_at", I),
        ],
    },
    Table {
        name: "watch_advisories",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("ref_id", S),
            ("title", S),
            ("published", S),
            ("modified", S),
            ("cvss_x10", I),
            ("epss_e5", I),
            ("kev", I),
            ("kev_date", S),
            ("certfr", S),
            ("certfr_alert", I),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "watch_records",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("source", S),
            ("ref_id", S),
            ("advisory_id", I),
            ("hash", S),
            ("data", S),
            ("file", S),
            ("ingested_at", I),
        ],
    },
    Table {
        name: "watch_advisory_products",
        has_serial_id: false,
        columns: &[("advisory_id", I), ("product", S)],
    },
    Table {
        name: "watch_inventory",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("product", S),
            ("version", S),
            ("location", S),
            ("origin", S),
            ("exposed", I),
            ("declared_by", S),
            ("created_at", I),
            ("updated_at", I),
        ],
    },
    Table {
        name: "watch_alerts",
        has_serial_id: true,
        columns: &[
            ("id", I),
            ("structure_id", I),
            ("inventory_id", I),
            ("advisory_id", I),
            ("kind", S),
            ("ref_id", S),
            ("product", S),
            ("version", S),
            ("title", S),
            ("priority", I),
            ("reasons", S),
            ("decision", S),
            ("match_source", S),
            ("confidence", S),
            ("status", S),
            ("status_reason", S),
            ("auto_closed", I),
            ("created_at", I),
            ("updated_at", I),
            ("closed_at", I),
        ],
    },
    Table {
        name: "watch_sources",
        has_serial_id: false,
        columns: &[
            ("source", S),
            ("last_ingest_at", I),
            ("newest_record", S),
            ("usual_period_days", I),
            ("records", I),
            ("last_added", I),
            ("last_changed", I),
            ("last_unchanged", I),
            ("last_rejected", I),
            ("last_error", S),
        ],
    },
    Table {
        name: "settings",
        has_serial_id: false,
        columns: &[("key", S), ("value", S), ("updated_at", I)],
    },
];

/// The tables an archive carries, in restore order. Every table of the schema but
/// `schema_migrations` and `sessions` must be here (a test checks it on both backends).
pub fn archived_tables() -> Vec<&'static str> {
    TABLES.iter().map(|t| t.name).collect()
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
        let io = |e: std::io::Error| StoreError::Invalid(format!("cannot write the archive: {e}"));
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
        for t in TABLES {
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
        for t in TABLES {
            let n = Sql::new(&format!("SELECT COUNT(*) FROM {}", t.name))
                .scalar(&self.pool)
                .await?;
            if n > 0 {
                return Err(StoreError::Invalid(format!(
                    "the target database is not empty (table {} has {n} rows); restore only goes into an empty database",
                    t.name
                )));
            }
        }
        let mut lines = std::io::BufReader::new(flate2::read::GzDecoder::new(input)).lines();
        let mut lineno = 0u64;
        let mut next = |what: &str| -> Result<String, StoreError> {
            lineno += 1;
            match lines.next() {
                Some(Ok(l)) => Ok(l),
                Some(Err(e)) => Err(StoreError::Invalid(format!(
                    "archive line {lineno}: cannot read: {e}"
                ))),
                None => Err(StoreError::Invalid(format!(
                    "archive line {lineno}: ended early, expected {what}"
                ))),
            }
        };
        let header: Header = serde_json::from_str(&next("the header")?).map_err(|e| {
            StoreError::Invalid(format!("archive line 1: not a Vigie archive header: {e}"))
        })?;
        if header.vigie_archive != 1 {
            return Err(StoreError::Invalid(format!(
                "archive format {} is not supported",
                header.vigie_archive
            )));
        }
        if header.schema_version > latest_version() {
            return Err(StoreError::Invalid(format!(
                "the archive comes from schema version {}, newer than this build ({})",
                header.schema_version,
                latest_version()
            )));
        }
        let mut counts = ArchiveCounts::default();
        let mut tx = self.begin_write().await?;
        for t in TABLES {
            let tl: TableLine = serde_json::from_str(&next(&format!("table {}", t.name))?)
                .map_err(|e| {
                    StoreError::Invalid(format!("archive: bad table line for {}: {e}", t.name))
                })?;
            if tl.table != t.name {
                return Err(StoreError::Invalid(format!(
                    "archive: expected table {}, found {}",
                    t.name, tl.table
                )));
            }
            // Columns are matched by name: an archive from an older schema may lack new ones.
            let mut idx = Vec::with_capacity(tl.columns.len());
            for c in &tl.columns {
                let pos = t.columns.iter().position(|(n, _)| n == c).ok_or_else(|| {
                    StoreError::Invalid(format!("archive: table {} has unknown column {c}", t.name))
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
                let line = next(&format!("row {} of {}", r + 1, t.name))?;
                let vals: Vec<serde_json::Value> = serde_json::from_str(&line).map_err(|e| {
                    StoreError::Invalid(format!("archive: row {} of {}: {e}", r + 1, t.name))
                })?;
                if vals.len() != idx.len() {
                    return Err(StoreError::Invalid(format!(
                        "archive: row {} of {} has {} values, expected {}",
                        r + 1,
                        t.name,
                        vals.len(),
                        idx.len()
                    )));
                }
                let mut q = Sql::new(&insert);
                for (v, &ci) in vals.into_iter().zip(&idx) {
                    let val = match (t.columns[ci].1, v) {
                        (I, serde_json::Value::Null) => Val::I(None),
                        (S, serde_json::Value::Null) => Val::S(None),
                        (I, serde_json::Value::Number(n)) => Val::I(n.as_i64()),
                        (S, serde_json::Value::String(s)) => Val::S(Some(s)),
                        (_, other) => return Err(StoreError::Invalid(format!("archive: row {} of {}: column {} has a value of the wrong type: {other}", r + 1, t.name, t.columns[ci].0))),
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
