//! Files attached to a case. The engine judges a file (`vigie_incidents::attachment`: size,
//! plain name, type by content and an extension that agrees with it); the store seals its
//! content with the deployment's key (never in clear, bound to the attachment's uuid) and
//! serves it only to whoever may read the case's content (its structure's scope, and the people
//! named on the case when the incident or the attachment is TLP:RED or AMBER+STRICT). Adding and
//! downloading are audited; adding writes a timeline event that says the type and the size, not
//! the name (it may say more than the reader of the timeline may know).

use sha2::{Digest, Sha256};
use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;
use vigie_incidents::attachment::{check, Refusal, MAX_SIZE};
use vigie_incidents::marking::Tlp;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::incidents::access::needs_named;
use crate::incidents::types::AttachmentFile;

/// The associated data an attachment's content is sealed under.
fn aad(uuid: &str) -> String {
    format!("incident_attachments.content:{uuid}")
}

/// A refusal as the person reads it.
fn problem(r: Refusal) -> StoreError {
    StoreError::Invalid(match r {
        Refusal::Empty => Problem::new("incidents-attachment-empty").arg("field", "file"),
        Refusal::TooLarge { max, .. } => Problem::new("incidents-attachment-too-large")
            .arg("field", "file")
            .arg("max_mib", (max / (1024 * 1024)) as i64),
        Refusal::BadName(name) => Problem::new("incidents-attachment-name")
            .arg("field", "file")
            .arg("name", name),
        Refusal::TypeNotAllowed => Problem::new("incidents-attachment-type").arg("field", "file"),
        Refusal::ExtensionMismatch {
            extension,
            detected,
        } => Problem::new("incidents-attachment-extension")
            .arg("field", "file")
            .arg("extension", extension)
            .arg("detected", detected.extensions()[0].to_uppercase()),
    })
}

impl Store {
    /// Attaches a file to incident `id` with its own TLP (empty: the incident's). Refused with
    /// a problem naming the file (nothing stored) when it is empty, over
    /// [`vigie_incidents::attachment::MAX_SIZE`], badly named, of a type not allowed, or named
    /// as another type than its content. Returns the attachment's id.
    pub async fn add_incident_attachment(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        tlp: &str,
        content: &[u8],
    ) -> Result<i64, StoreError> {
        if !actor.can(Permission::HandleIncidents) {
            actor.require(Permission::DeclareIncidents)?;
        }
        let accepted = check(name, content).map_err(problem)?;
        let chosen: Option<Tlp> = match tlp.trim() {
            "" => None,
            t => Some(t.parse().map_err(|_| {
                StoreError::Invalid(
                    Problem::new("incidents-value-unknown")
                        .arg("field", "tlp")
                        .arg("value", t),
                )
            })?),
        };
        let key = self.sealing_key()?;
        let uuid = {
            use rand::RngCore;
            let mut b = [0u8; 16];
            rand::thread_rng().fill_bytes(&mut b);
            vigie_incidents::uuid_from_random(b).to_string()
        };
        let sha256 = hex::encode(Sha256::digest(content));
        let sealed = key.seal_bytes(&aad(&uuid), content);
        let mut tx = self.begin_write().await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        let tlp = chosen.map(|t| t.as_str().to_string()).unwrap_or(row.tlp);
        let at = now();
        let attachment = Sql::new(
            "INSERT INTO incident_attachments (incident_id, uuid, name, media_type, size, sha256, tlp, content, \
             created_by, created_by_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .arg(id)
        .arg(uuid.as_str())
        .arg(accepted.name.as_str())
        .arg(accepted.kind.media_type())
        .arg(content.len() as i64)
        .arg(sha256.as_str())
        .arg(tlp.as_str())
        .arg(sealed)
        .arg(actor.label.as_str())
        .arg(actor.user_id)
        .arg(at)
        .scalar(&mut *tx)
        .await?;
        Sql::new("UPDATE incidents SET updated_at = $1 WHERE id = $2")
            .arg(at)
            .arg(id)
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({
            "attachment_id": attachment,
            "media_type": accepted.kind.media_type(),
            "size": content.len(),
            "tlp": tlp,
        });
        crate::incidents::timeline::add_event(&mut tx, actor, id, "attachment", detail.clone())
            .await?;
        let mut audit = detail;
        if let Some(m) = audit.as_object_mut() {
            m.insert("sha256".into(), sha256.into());
            m.insert("structure_id".into(), row.structure_id.into());
        }
        record(
            &mut *tx,
            actor,
            Event::new("incident.attachment.add", "incident", id).detail(audit),
        )
        .await?;
        tx.commit().await?;
        Ok(attachment)
    }

    /// The content of attachment `attachment` of incident `id`, for a reader who may see the
    /// case's content and, when the attachment's TLP needs it, is named on the case; `NotFound`
    /// otherwise (like a missing file). The download is audited.
    pub async fn get_incident_attachment(
        &self,
        actor: &Actor,
        id: i64,
        attachment: i64,
    ) -> Result<AttachmentFile, StoreError> {
        let mut tx = self.begin_write().await?;
        let (row, named) = Self::visible_incident(&mut tx, actor, id).await?;
        let found: Option<(String, String, String, String, String)> = Sql::new(
            "SELECT uuid, name, media_type, tlp, content FROM incident_attachments WHERE id = $1 AND incident_id = $2",
        )
        .arg(attachment)
        .arg(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (uuid, name, media_type, tlp, sealed) = found.ok_or(StoreError::NotFound)?;
        if needs_named(&tlp) && !named {
            return Err(StoreError::NotFound);
        }
        let content = self.sealing_key()?.open_bytes(&aad(&uuid), &sealed)?;
        if content.len() > MAX_SIZE {
            return Err(StoreError::Internal(format!(
                "attachment {attachment}: stored content larger than the limit"
            )));
        }
        record(
            &mut *tx,
            actor,
            Event::new("incident.attachment.download", "incident", id).detail(
                serde_json::json!({"attachment_id": attachment, "structure_id": row.structure_id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(AttachmentFile {
            name,
            media_type,
            content,
        })
    }
}
