//! The append-only audit log: every write and every login attempt. The database refuses updates
//! and deletes of this table (triggers in the migrations; on PostgreSQL TRUNCATE too).
//!
//! The log is a hash chain: each row carries `prev_hash`, the hash of the row before it, and
//! `hash` = hex(sha256(prev_hash ‖ "\n" ‖ canonical(row))), where canonical(row) is the JSON
//! array `[at, actor_user_id, actor, action, target_kind, target_id, success, ip, detail]`. The
//! chain starts from [`GENESIS`]; rows written before the chain existed (migration 0009) carry no
//! hash and are hashed, in order of id, as its first links. The head (the last row's id and
//! hash, in `settings` under [`CHAIN_HEAD_KEY`]) is read and written by every writer under a
//! lock held for the length of its transaction (a transaction-scoped advisory lock on
//! PostgreSQL; the write lock on SQLite, where write transactions begin IMMEDIATE), so writers
//! cannot fork the chain. [`Store::verify_audit_chain`] walks it and names the first row that does not fit: a
//! row changed or removed by hand is found. (Someone able to rewrite every row after the one
//! they changed, and the head, is not: keep the head hash `vigie audit verify` prints
//! elsewhere; see docs/SECURITY.md.)

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::{Acquire, Any, AnyConnection};
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::archive::{Table, Ty::I, Ty::S};
use crate::db::{like_escape, now, Sql, Store};
use crate::error::StoreError;

/// The log's table, for backups.
pub(crate) const TABLES: &[Table] = &[Table {
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
        ("prev_hash", S),
        ("hash", S),
    ],
}];

/// The `settings` key that keeps the chain's head: `<last id>:<last hash>`.
pub const CHAIN_HEAD_KEY: &str = "audit.chain_head";

/// The advisory lock (PostgreSQL) every writer of the log holds until its transaction ends.
const CHAIN_LOCK: i64 = 0x5649_4749_4541_5544; // "VIGIEAUD"

fn parse_head(v: &str) -> Option<(i64, String)> {
    let (id, hash) = v.split_once(':')?;
    Some((id.parse().ok()?, hash.to_string()))
}

/// Where the chain starts: the `prev_hash` of its first row.
pub const GENESIS: &str = "vigie-audit-chain-v1";

/// One link: the hash of a row given the hash of the one before it.
#[allow(clippy::too_many_arguments)]
pub fn chain_hash(
    prev: &str,
    at: i64,
    actor_user_id: Option<i64>,
    actor: &str,
    action: &str,
    target_kind: &str,
    target_id: &str,
    success: i64,
    ip: Option<&str>,
    detail: &str,
) -> String {
    let canonical = serde_json::json!([
        at,
        actor_user_id,
        actor,
        action,
        target_kind,
        target_id,
        success,
        ip,
        detail
    ]);
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(canonical.to_string().as_bytes());
    hex::encode(h.finalize())
}

/// One audit record to write.
pub struct Event<'a> {
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: String,
    pub success: bool,
    pub detail: serde_json::Value,
}

impl<'a> Event<'a> {
    pub fn new(action: &'a str, target_kind: &'a str, target_id: impl ToString) -> Event<'a> {
        Event {
            action,
            target_kind,
            target_id: target_id.to_string(),
            success: true,
            detail: serde_json::Value::Object(Default::default()),
        }
    }

    pub fn detail(mut self, d: serde_json::Value) -> Event<'a> {
        self.detail = d;
        self
    }

    pub fn failed(mut self) -> Event<'a> {
        self.success = false;
        self
    }
}

/// Writes an audit record inside the caller's transaction, so that the write and its record
/// commit or roll back together, and chains it to the previous record (see the module). Given
/// the pool, it writes in a transaction of its own.
pub async fn record<'c, A>(conn: A, actor: &Actor, ev: Event<'_>) -> Result<(), StoreError>
where
    A: Acquire<'c, Database = Any>,
{
    // A savepoint inside the caller's transaction, or a transaction of its own.
    let mut tx = conn.begin().await?;
    let conn: &mut AnyConnection = &mut tx;
    let backend = if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        crate::db::Backend::Postgres
    } else {
        crate::db::Backend::Sqlite
    };
    if backend == crate::db::Backend::Sqlite {
        // A write first: takes SQLite's write lock (waiting under the busy timeout) before the
        // head is read, also in a transaction that was not begun IMMEDIATE.
        Sql::new("UPDATE settings SET updated_at = updated_at WHERE key = $1")
            .arg(CHAIN_HEAD_KEY)
            .execute(&mut *conn)
            .await?;
    }
    if backend == crate::db::Backend::Postgres {
        Sql::new("SELECT pg_advisory_xact_lock($1)")
            .arg(CHAIN_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let head: Option<(String,)> = Sql::new("SELECT value FROM settings WHERE key = $1")
        .arg(CHAIN_HEAD_KEY)
        .fetch_optional(&mut *conn)
        .await?;
    let prev = match head.as_ref().and_then(|(v,)| parse_head(v)) {
        Some((_, h)) => h,
        // The first write since the chain exists: the rows written before it are its first
        // links.
        None => legacy_prefix_hash(&mut *conn).await?,
    };
    let at = now();
    let success = i64::from(ev.success);
    let detail = ev.detail.to_string();
    let hash = chain_hash(
        &prev,
        at,
        actor.user_id,
        &actor.label,
        ev.action,
        ev.target_kind,
        &ev.target_id,
        success,
        actor.ip.as_deref(),
        &detail,
    );
    let id = Sql::new(
        "INSERT INTO audit_log (at, actor_user_id, actor, action, target_kind, target_id, success, ip, detail, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .arg(at)
    .arg(actor.user_id)
    .arg(actor.label.as_str())
    .arg(ev.action)
    .arg(ev.target_kind)
    .arg(ev.target_id.as_str())
    .arg(success)
    .arg(actor.ip.clone())
    .arg(detail.as_str())
    .arg(prev.as_str())
    .arg(hash.as_str())
    .scalar(&mut *conn)
    .await?;
    Sql::new(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .arg(CHAIN_HEAD_KEY)
    .arg(format!("{id}:{hash}"))
    .arg(at)
    .execute(&mut *conn)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A stored audit row with its links.
#[derive(sqlx::FromRow)]
struct ChainRow {
    id: i64,
    at: i64,
    actor_user_id: Option<i64>,
    actor: String,
    action: String,
    target_kind: String,
    target_id: String,
    success: i64,
    ip: Option<String>,
    detail: String,
    prev_hash: Option<String>,
    hash: Option<String>,
}

impl ChainRow {
    fn link(&self, prev: &str) -> String {
        chain_hash(
            prev,
            self.at,
            self.actor_user_id,
            &self.actor,
            &self.action,
            &self.target_kind,
            &self.target_id,
            self.success,
            self.ip.as_deref(),
            &self.detail,
        )
    }
}

const CHAIN_COLUMNS: &str = "id, at, actor_user_id, actor, action, target_kind, target_id, success, ip, detail, prev_hash, hash";
const CHAIN_PAGE: i64 = 5000;

async fn chain_page(
    conn: &mut AnyConnection,
    after: i64,
    only_legacy: bool,
) -> Result<Vec<ChainRow>, StoreError> {
    let mut q = Sql::new(&format!(
        "SELECT {CHAIN_COLUMNS} FROM audit_log WHERE id > "
    ));
    q.bind(after);
    if only_legacy {
        q.push(" AND hash IS NULL");
    }
    q.push(" ORDER BY id LIMIT ").bind(CHAIN_PAGE);
    q.fetch_all(&mut *conn).await
}

/// The hash the rows written before the chain existed come to, from [`GENESIS`].
async fn legacy_prefix_hash(conn: &mut AnyConnection) -> Result<String, StoreError> {
    let mut prev = GENESIS.to_string();
    let mut after = i64::MIN;
    loop {
        let rows = chain_page(&mut *conn, after, true).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in &rows {
            prev = r.link(&prev);
        }
        if (rows.len() as i64) < CHAIN_PAGE {
            break;
        }
    }
    Ok(prev)
}

/// What a walk of the chain found.
#[derive(Debug, Clone, Serialize)]
pub struct ChainReport {
    /// Rows walked.
    pub rows: i64,
    /// Rows written before the chain existed (hashed as its first links).
    pub legacy_rows: i64,
    /// The hash of the last row (keep it elsewhere to detect a rewritten tail).
    pub head: Option<String>,
    /// The first row that does not fit, and why; `None` when the chain is whole.
    pub broken: Option<ChainBreak>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChainBreak {
    /// The row (`None`: the end of the log, which no longer matches the recorded head).
    pub id: Option<i64>,
    pub reason: String,
}

impl ChainReport {
    /// One paragraph for the command line.
    pub fn summary(&self) -> String {
        match &self.broken {
            None => format!(
                "audit chain intact: {} rows ({} written before the chain), head {}",
                self.rows,
                self.legacy_rows,
                self.head.as_deref().unwrap_or(GENESIS)
            ),
            Some(b) => format!(
                "audit chain BROKEN at {}: {} ({} rows walked)",
                b.id.map_or("the end of the log".to_string(), |i| format!("row {i}")),
                b.reason,
                self.rows
            ),
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub success: i64,
    pub ip: Option<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Matches actor, action, target or detail (substring).
    pub text: Option<String>,
    pub action: Option<String>,
    /// The actions of one family: the part of the action before its first dot (`auth`,
    /// `watch`…).
    pub family: Option<String>,
    /// The person (the actor's label) contains this (case ignored).
    pub person: Option<String>,
    pub actor_user_id: Option<i64>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub failures_only: bool,
    pub limit: i64,
    pub offset: i64,
}

impl Store {
    /// Searches the audit log; newest first. Only for roles that may read it.
    pub async fn audit_search(
        &self,
        actor: &Actor,
        q: &AuditQuery,
    ) -> Result<(Vec<AuditEntry>, i64), StoreError> {
        actor.require(Permission::ReadAudit)?;
        let mut w = Sql::new(" WHERE 1=1");
        if let Some(t) = q.text.as_deref().filter(|t| !t.is_empty()) {
            let pat = format!("%{}%", like_escape(&t.to_lowercase()));
            w.push(" AND (LOWER(actor) LIKE ")
                .bind(pat.as_str())
                .push(" ESCAPE '\\' OR LOWER(action) LIKE ")
                .bind(pat.as_str())
                .push(" ESCAPE '\\' OR LOWER(target_id) LIKE ")
                .bind(pat.as_str())
                .push(" ESCAPE '\\' OR LOWER(detail) LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(a) = q.action.as_deref().filter(|a| !a.is_empty()) {
            w.push(" AND action = ").bind(a);
        }
        if let Some(f) = q.family.as_deref().filter(|a| !a.is_empty()) {
            w.push(" AND action LIKE ")
                .bind(format!("{}.%", like_escape(f)))
                .push(" ESCAPE '\\'");
        }
        if let Some(p) = q.person.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
            w.push(" AND LOWER(actor) LIKE ")
                .bind(format!("%{}%", like_escape(&p.to_lowercase())))
                .push(" ESCAPE '\\'");
        }
        if let Some(u) = q.actor_user_id {
            w.push(" AND actor_user_id = ").bind(u);
        }
        if let Some(s) = q.since {
            w.push(" AND at >= ").bind(s);
        }
        if let Some(u) = q.until {
            w.push(" AND at < ").bind(u);
        }
        if q.failures_only {
            w.push(" AND success = 0");
        }
        let total = w
            .prefixed("SELECT COUNT(*) FROM audit_log")
            .scalar(&self.pool)
            .await?;
        let mut list = w.prefixed(
            "SELECT id, at, actor_user_id, actor, action, target_kind, target_id, success, ip, detail FROM audit_log",
        );
        list.push(" ORDER BY id DESC LIMIT ")
            .bind(q.limit.clamp(1, 100_000))
            .push(" OFFSET ")
            .bind(q.offset.max(0));
        let rows = list.fetch_all(&self.pool).await?;
        Ok((rows, total))
    }

    /// The families of the actions recorded (`auth`, `watch`…), sorted: what the audit page's
    /// filter offers.
    pub async fn audit_families(&self, actor: &Actor) -> Result<Vec<String>, StoreError> {
        actor.require(Permission::ReadAudit)?;
        let rows: Vec<(String,)> = Sql::new("SELECT DISTINCT action FROM audit_log")
            .fetch_all(&self.pool)
            .await?;
        let mut f: Vec<String> = rows
            .into_iter()
            .map(|(a,)| a.split('.').next().unwrap_or_default().to_string())
            .filter(|a| !a.is_empty())
            .collect();
        f.sort();
        f.dedup();
        Ok(f)
    }

    /// Walks the audit log's hash chain from its start; the report names the first row that does
    /// not fit (changed, removed, inserted by hand) or a tail that no longer reaches the head.
    pub async fn verify_audit_chain(&self, actor: &Actor) -> Result<ChainReport, StoreError> {
        actor.require(Permission::ReadAudit)?;
        let mut conn = self.pool.acquire().await?;
        let mut report = ChainReport {
            rows: 0,
            legacy_rows: 0,
            head: None,
            broken: None,
        };
        let mut prev = GENESIS.to_string();
        let mut last_id: Option<i64> = None;
        let mut chained = false;
        let mut after = i64::MIN;
        'walk: loop {
            let rows = chain_page(&mut conn, after, false).await?;
            let Some(last) = rows.last() else { break };
            after = last.id;
            let full = rows.len() as i64 == CHAIN_PAGE;
            for r in rows {
                report.rows += 1;
                let expected = r.link(&prev);
                let fault = match (&r.prev_hash, &r.hash) {
                    (None, None) if !chained => {
                        report.legacy_rows += 1;
                        None
                    }
                    (None, None) => Some("a row without hash after the chain began".to_string()),
                    (Some(p), Some(h)) => {
                        chained = true;
                        if *p != prev {
                            Some(format!(
                                "its previous hash is not that of the row before it{}: a row \
                                 before it was removed or changed",
                                last_id.map_or(String::new(), |i| format!(" ({i})"))
                            ))
                        } else if *h != expected {
                            Some("its content does not match its hash: it was changed".into())
                        } else {
                            None
                        }
                    }
                    _ => Some("half a link (one hash missing)".into()),
                };
                if let Some(reason) = fault {
                    report.broken = Some(ChainBreak {
                        id: Some(r.id),
                        reason,
                    });
                    break 'walk;
                }
                prev = expected;
                last_id = Some(r.id);
            }
            if !full {
                break;
            }
        }
        if report.broken.is_none() {
            let head: Option<(String,)> = Sql::new("SELECT value FROM settings WHERE key = $1")
                .arg(CHAIN_HEAD_KEY)
                .fetch_optional(&mut *conn)
                .await?;
            let head = head.and_then(|(v,)| parse_head(&v));
            let (head_id, head_hash) = match head {
                Some((i, h)) => (Some(i), Some(h)),
                None => (None, None),
            };
            if chained && head_hash.is_none() {
                report.broken = Some(ChainBreak {
                    id: None,
                    reason: "the chain's head was removed".into(),
                });
            } else if head_hash.is_some()
                && (head_id != last_id || head_hash.as_deref() != Some(prev.as_str()))
            {
                report.broken = Some(ChainBreak {
                    id: None,
                    reason: format!(
                        "the log ends at row {} but the chain's head is row {}: rows at its end were removed",
                        last_id.map_or("none".into(), |i| i.to_string()),
                        head_id.map_or("none".into(), |i| i.to_string())
                    ),
                });
            }
            report.head = Some(prev);
        }
        Ok(report)
    }
}
