//! What the surveillance tells: a new (or reopened) finding, as `vigie_domain::events` describes
//! it. The outbox keeps the document; the presentation layer writes the message.

use vigie_domain::events::{FindingEvent, FINDING_NEW};

use crate::error::StoreError;
use crate::notify::{Audience, NewNotification, OutboxEvent};
use crate::surveillance::types::NewFinding;

impl OutboxEvent for FindingEvent {
    const EVENT: &'static str = FINDING_NEW;
}

/// The notification of a new (or reopened) finding of structure `structure_id`.
pub(crate) fn finding_notification(
    structure_id: i64,
    structure_name: &str,
    finding_id: i64,
    f: &NewFinding,
    reopened: bool,
    dedup_key: String,
) -> Result<NewNotification, StoreError> {
    let event = FindingEvent {
        finding_id,
        structure_id,
        structure_name: structure_name.to_string(),
        kind: f.kind.clone(),
        severity: f.severity.clone(),
        address: f.address.clone(),
        port: f.port,
        service: f.service.clone(),
        product: f.product.clone(),
        version: f.version.clone(),
        evidence: f.evidence.clone(),
        title_fr: f.title_fr.clone(),
        title_en: f.title_en.clone(),
        advice_fr: f.advice_fr.clone(),
        advice_en: f.advice_en.clone(),
        reopened,
    };
    NewNotification::new(
        Audience::Structure(structure_id),
        &event,
        Some(format!(
            "/structures/{structure_id}/exposure#finding-{finding_id}"
        )),
        dedup_key,
    )
}
