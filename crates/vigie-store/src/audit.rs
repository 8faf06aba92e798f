//! The append-only audit log: every write and every login attempt. The database refuses updates
//! and deletes of this table (triggers in the migrations).

use serde::Serialize;
use sqlx::{Any, Executor};
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
    ],
}];

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
/// commit or roll back together.
pub async fn record<'e, E>(ex: E, actor: &Actor, ev: Event<'_>) -> Result<(), StoreError>
where
    E: Executor<'e, Database = Any>,
{
    Sql::new(
        "INSERT INTO audit_log (at, actor_user_id, actor, action, target_kind, target_id, success, ip, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .arg(now())
    .arg(actor.user_id)
    .arg(actor.label.as_str())
    .arg(ev.action)
    .arg(ev.target_kind)
    .arg(ev.target_id)
    .arg(ev.success)
    .arg(actor.ip.clone())
    .arg(ev.detail.to_string())
    .execute(ex)
    .await?;
    Ok(())
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
}
