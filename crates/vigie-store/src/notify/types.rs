//! What the outbox takes and what it keeps.

use serde::Serialize;

use crate::error::StoreError;

/// Whom an event concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Structure(i64),
    Region(String),
    National,
}

/// A document an engine tells through the outbox: one of `vigie_domain::events`' payloads. Each
/// slice implements it for the events it raises; the outbox only serialises them.
pub trait OutboxEvent: Serialize {
    /// Dotted event name (`scan.finding.new`, `watch.alert.new`): webhooks filter on its
    /// prefixes.
    const EVENT: &'static str;
}

/// An event to tell: its payload, already serialised, and whom and where it is about.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub(crate) audience: Audience,
    pub(crate) event: &'static str,
    /// The event's document (JSON of an [`OutboxEvent`]).
    pub(crate) payload: String,
    pub(crate) link: Option<String>,
    pub(crate) dedup_key: String,
}

impl NewNotification {
    /// The notification of `event` for `audience`. `link` is the path of the page that shows the
    /// event (`/structures/12/exposure`); `dedup_key` names the event: one notification per key
    /// and recipient, ever.
    pub fn new<E: OutboxEvent>(
        audience: Audience,
        event: &E,
        link: Option<String>,
        dedup_key: String,
    ) -> Result<NewNotification, StoreError> {
        let payload = serde_json::to_string(event)
            .map_err(|e| StoreError::Internal(format!("{} payload: {e}", E::EVENT)))?;
        Ok(NewNotification {
            audience,
            event: E::EVENT,
            payload,
            link,
            dedup_key,
        })
    }

    /// The key that names the event.
    pub fn dedup_key(&self) -> &str {
        &self.dedup_key
    }

    /// The structure the event is about, if it is about one.
    pub(crate) fn structure_id(&self) -> Option<i64> {
        match self.audience {
            Audience::Structure(id) => Some(id),
            _ => None,
        }
    }
}

/// One outbox row, as the delivering worker and the pages see it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub structure_id: Option<i64>,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub webhook_id: Option<i64>,
    /// Empty in the rows written since the outbox renders nothing (see [`Notification::is_legacy`]).
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    /// The event's document (`vigie_domain::events`); in a legacy row, the webhook's document as
    /// it was posted (the event's payload with `event`, `subject`, `link`, `structure_id` and
    /// `dedup_key` added).
    pub payload: String,
    pub link: Option<String>,
    pub dedup_key: String,
    /// The recipient's language (`fr` or `en`), in which the message is written.
    pub lang: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

impl Notification {
    /// Written, with its subject, by a version that rendered messages in the store: its subject
    /// and bodies are sent as they are (a legacy watch alert's bodies are empty: they are written
    /// from its payload, in French), and its payload is the webhook's document already.
    pub fn is_legacy(&self) -> bool {
        !self.subject.is_empty()
    }

    /// The JSON document posted to a webhook: the event's payload with `event`, `subject` (as the
    /// presentation layer wrote it for this row), `link`, `structure_id` and `dedup_key` added.
    /// A legacy row's payload is that document already, and is posted as it is.
    pub fn webhook_document(&self, subject: &str) -> String {
        if self.is_legacy() {
            return self.payload.clone();
        }
        let mut doc: serde_json::Value =
            serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null);
        if !doc.is_object() {
            doc = serde_json::json!({ "data": doc });
        }
        if let Some(o) = doc.as_object_mut() {
            o.insert("event".into(), self.event.clone().into());
            o.insert("subject".into(), subject.into());
            o.insert("link".into(), self.link.clone().into());
            o.insert("structure_id".into(), self.structure_id.into());
            o.insert("dedup_key".into(), self.dedup_key.clone().into());
        }
        doc.to_string()
    }
}

pub(crate) const NOTIFICATION_COLUMNS: &str = "n.id, n.structure_id, n.event, n.channel, n.recipient, n.webhook_id, n.subject, n.body_text, \
     n.body_html, n.payload, n.link, n.dedup_key, n.lang, n.status, n.attempts, n.last_error, n.created_at, n.sent_at";

/// A webhook as its administrators see it (the secret is shown once, at creation).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub region_code: Option<String>,
    pub ght_id: Option<i64>,
    pub structure_id: Option<i64>,
    pub events: String,
    pub active: i64,
    pub created_at: i64,
}

/// Where a webhook is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookScope {
    National,
    Region(String),
    Ght(i64),
    Structure(i64),
}

impl WebhookScope {
    /// Where `w` is attached.
    pub fn of(w: &Webhook) -> WebhookScope {
        match (&w.structure_id, &w.ght_id, &w.region_code) {
            (Some(s), _, _) => WebhookScope::Structure(*s),
            (None, Some(g), _) => WebhookScope::Ght(*g),
            (None, None, Some(r)) => WebhookScope::Region(r.clone()),
            (None, None, None) => WebhookScope::National,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(subject: &str, payload: &str) -> Notification {
        Notification {
            id: 1,
            structure_id: Some(12),
            event: "watch.alert.new".into(),
            channel: "webhook".into(),
            recipient: "webhook:3".into(),
            webhook_id: Some(3),
            subject: subject.into(),
            body_text: String::new(),
            body_html: None,
            payload: payload.into(),
            link: Some("/watch/alerts/7".into()),
            dedup_key: "watch.alert:7".into(),
            lang: "fr".into(),
            status: "pending".into(),
            attempts: 0,
            last_error: None,
            created_at: 0,
            sent_at: None,
        }
    }

    /// A new row's webhook document is its payload with the row's facts and the subject the
    /// presentation layer wrote; a legacy row's payload is posted as it was written.
    #[test]
    fn webhook_documents_of_new_and_legacy_rows() {
        let doc: serde_json::Value = serde_json::from_str(
            &row("", r#"{"alert_id":7,"ref":"CVE-2024-55591"}"#).webhook_document("Alerte"),
        )
        .expect("json");
        assert_eq!(doc["alert_id"], 7);
        assert_eq!(doc["ref"], "CVE-2024-55591");
        assert_eq!(doc["event"], "watch.alert.new");
        assert_eq!(doc["subject"], "Alerte");
        assert_eq!(doc["link"], "/watch/alerts/7");
        assert_eq!(doc["structure_id"], 12);
        assert_eq!(doc["dedup_key"], "watch.alert:7");
        let legacy = r#"{"alert_id":7,"subject":"[Vigie] ancien"}"#;
        assert!(row("[Vigie] ancien", legacy).is_legacy());
        assert_eq!(row("[Vigie] ancien", legacy).webhook_document("x"), legacy);
    }
}
