//! Files attached to a case. A file is judged and sealed as every file people give
//! ([`crate::files`]: size, plain name, type by content and an extension that agrees with it;
//! sealed with the deployment's key, never in clear, bound to the attachment's uuid); this slice
//! serves it only to whoever may read the case's content (its structure's scope, and the people
//! named on the case when the incident or the attachment is TLP:RED or AMBER+STRICT). Adding and
//! downloading are audited; adding writes a timeline event that says the type and the size, not
//! the name (it may say more than the reader of the timeline may know).

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;
use vigie_incidents::marking::Tlp;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::files::FileContent;
use crate::incidents::access::needs_named;

/// The table of the attachments (and the associated data their content is sealed under).
const TABLE: &str = "incident_attachments";

impl Store {
    /// Attaches a file to incident `id` with its own TLP (empty: the incident's). Refused with
    /// a problem naming the file (nothing stored) when it is empty, over
    /// [`vigie_domain::upload::MAX_SIZE`], badly named, of a type not allowed, or named
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
        let file = self.seal_file(TABLE, name, content)?;
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
        let mut tx = self.begin_write().await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        let tlp = chosen.map(|t| t.as_str().to_string()).unwrap_or(row.tlp);
        let at = now();
        let attachment = file
            .insert(
                &mut tx,
                TABLE,
                ("incident_id", id),
                ("tlp", tlp.as_str()),
                actor,
                at,
            )
            .await?;
        Sql::new("UPDATE incidents SET updated_at = $1 WHERE id = $2")
            .arg(at)
            .arg(id)
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({
            "attachment_id": attachment,
            "media_type": file.accepted.kind.media_type(),
            "size": file.size,
            "tlp": tlp,
        });
        crate::incidents::timeline::add_event(&mut tx, actor, id, "attachment", detail.clone())
            .await?;
        let mut audit = detail;
        if let Some(m) = audit.as_object_mut() {
            m.insert("sha256".into(), file.sha256.into());
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
    ) -> Result<FileContent, StoreError> {
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
        let content = self.open_file(TABLE, attachment, &uuid, &sealed)?;
        record(
            &mut *tx,
            actor,
            Event::new("incident.attachment.download", "incident", id).detail(
                serde_json::json!({"attachment_id": attachment, "structure_id": row.structure_id}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(FileContent {
            name,
            media_type,
            content,
        })
    }
}
