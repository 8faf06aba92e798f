//! The notification outbox. An engine that has something to tell (a new finding, a new alert, a
//! bulletin) calls [`queue`] inside the transaction that records the event: the recipients are
//! resolved there, one row per recipient is written, and one `notify.deliver` job per row is put in
//! the queue. The event and its notifications therefore commit together, and delivery gets the
//! queue's retries with backoff. A `dedup_key` names the event: the same event never reaches the
//! same recipient twice, however often an engine re-runs.
//!
//! Recipients of an event about a structure: the e-mail of its security officer contact (its
//! director when it has none), its structure administrators, the security officers of its GHT; and
//! every active webhook whose territory covers the structure (the structure, its GHT, its region
//! or the whole country) and whose event filter lets the event through. Events about a region go
//! to that region's analysts and webhooks; national events to the CERT analysts and national
//! webhooks. Disabled accounts receive nothing.
//!
//! The outbox renders nothing and knows no engine. A row keeps its event's payload (a document of
//! `vigie_domain::events`, see [`OutboxEvent`]), its link, its dedup key and the language of its
//! recipient (`lang`: the account's language for a user, `fr` for a contact or a webhook); its
//! subject and bodies are left empty. The presentation layer writes the message in that language
//! when the row is delivered or listed, and the delivering worker builds a webhook's document from
//! the payload ([`Notification::webhook_document`]). Rows written by earlier versions, with their
//! subject (and bodies), are delivered as they were ([`Notification::is_legacy`]).

mod delivery;
mod destination;
mod inbox;
pub mod jobs;
mod queue;
mod recipients;
mod tables;
mod types;
mod webhooks;

pub use destination::{
    check_webhook_destination, redact_delivery_error, resolve_webhook_host, validate_webhook_url,
    DestinationRefusal, WebhookHost, WebhookTarget,
};
pub use inbox::{kind_of, Inbox, InboxItem, EMAIL_KINDS};
pub use jobs::Deliver;
pub use queue::{event_matches, queue, queue_many};
pub(crate) use tables::TABLES;
pub use types::{Audience, NewNotification, Notification, OutboxEvent, Webhook, WebhookScope};
pub(crate) use webhooks::seal_clear_secrets;

/// Job kind that delivers one notification row.
pub const DELIVER_JOB: &str = <Deliver as crate::jobs::JobSpec>::NAME;
