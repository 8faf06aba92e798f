//! The timeline: one event per thing that happened on the case, written in the transaction
//! that made it happen.

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql};
use crate::error::StoreError;

pub(crate) async fn add_event(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    incident_id: i64,
    kind: &str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO incident_events (incident_id, at, actor, actor_user_id, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .arg(incident_id)
    .arg(now())
    .arg(actor.label.as_str())
    .arg(actor.user_id)
    .arg(kind)
    .arg(detail.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A thing that happened on the case: its timeline event (`kind`, `detail`) and its audit entry
/// (`action`, the same detail with the incident's structure), in the caller's transaction.
pub(crate) async fn event_and_audit(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    incident_id: i64,
    structure_id: i64,
    kind: &str,
    action: &'static str,
    detail: serde_json::Value,
) -> Result<(), StoreError> {
    add_event(&mut *conn, actor, incident_id, kind, detail.clone()).await?;
    let mut audit = detail;
    if let Some(m) = audit.as_object_mut() {
        m.insert("structure_id".into(), structure_id.into());
    }
    record(
        &mut *conn,
        actor,
        Event::new(action, "incident", incident_id).detail(audit),
    )
    .await
}
