//! The evidence of an action as files: an attestation, a screenshot, a provider's report. A file
//! is judged and sealed as every file people give ([`crate::files`]: size, plain name, type by
//! content and an extension that agrees with it; the deployment's key, never in clear); whoever
//! may change the action (`WriteDiagnostics`, the structure in scope) adds and removes them,
//! whoever may read the plan downloads them; an action of a structure out of scope, and its files,
//! are `NotFound`. Adding, downloading and removing are audited. An action marked done keeps some
//! evidence: its last file cannot be removed while it has no note.

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::diagnostics::types::EvidenceFileRow;
use crate::error::StoreError;
use crate::files::FileContent;

/// The table of the evidence files (and the associated data their content is sealed under).
const TABLE: &str = "plan_action_files";

/// The longest note saying what a file shows.
pub const MAX_FILE_NOTE: usize = 200;

/// The columns of [`EvidenceFileRow`], `f` being `plan_action_files`.
const FILE_COLUMNS: &str =
    "f.id, f.action_id, f.name, f.note, f.media_type, f.size, f.sha256, f.created_by, f.created_at";

/// Marks action `id` changed at `at` and records `event` about it in the audit log.
async fn touched(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: i64,
    event: Event<'_>,
    at: i64,
) -> Result<(), StoreError> {
    Sql::new("UPDATE plan_actions SET updated_at = $1 WHERE id = $2")
        .arg(at)
        .arg(id)
        .execute(&mut *conn)
        .await?;
    record(&mut *conn, actor, event).await
}

impl Store {
    /// Adds file `name` with `content` to the evidence of action `id`, with a note saying what
    /// it shows (may be empty). Refused with a problem naming the field (nothing stored) when the
    /// file is empty, over [`vigie_domain::upload::MAX_SIZE`], badly named, of a type not
    /// allowed or named as another type than its content, or the note is too long. Returns the
    /// file's id.
    pub async fn add_action_evidence_file(
        &self,
        actor: &Actor,
        id: i64,
        name: &str,
        note: &str,
        content: &[u8],
    ) -> Result<i64, StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let note = note.trim();
        if note.chars().count() > MAX_FILE_NOTE {
            return Err(StoreError::Invalid(
                Problem::new("diagnostics-too-long")
                    .arg("field", "file_note")
                    .arg("max", MAX_FILE_NOTE),
            ));
        }
        let file = self.seal_file(TABLE, name, content)?;
        let mut tx = self.begin_write().await?;
        let action = Self::visible_action(&mut tx, actor, id).await?;
        let at = now();
        let file_id = file
            .insert(&mut tx, TABLE, ("action_id", id), ("note", note), actor, at)
            .await?;
        touched(
            &mut tx,
            actor,
            id,
            Event::new("plan.evidence.add", "plan_action", id).detail(serde_json::json!({
                "structure_id": action.structure_id,
                "file_id": file_id,
                "name": file.accepted.name,
                "media_type": file.accepted.kind.media_type(),
                "size": file.size,
                "sha256": file.sha256,
            })),
            at,
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(file_id)
    }

    /// The evidence files of the actions of a structure's plan (without their content), by
    /// action then in the order they were added.
    pub async fn plan_evidence_files(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<EvidenceFileRow>, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut conn = self.pool.acquire().await?;
        Self::diagnostics_structure(&mut conn, actor, structure_id).await?;
        let mut q = Sql::new(&format!(
            "SELECT {FILE_COLUMNS} FROM plan_action_files f JOIN plan_actions a ON a.id = f.action_id \
             JOIN structures s ON s.id = a.structure_id WHERE a.structure_id = "
        ));
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY f.action_id, f.id");
        q.fetch_all(&mut *conn).await
    }

    /// The content of evidence file `file` of action `id`, for a reader of the plan; `NotFound`
    /// for an action out of scope or a file of another action (like a missing one). Audited.
    pub async fn get_action_evidence_file(
        &self,
        actor: &Actor,
        id: i64,
        file: i64,
    ) -> Result<FileContent, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut tx = self.begin_write().await?;
        let action = Self::visible_action(&mut tx, actor, id).await?;
        let found: Option<(String, String, String, String)> = Sql::new(
            "SELECT uuid, name, media_type, content FROM plan_action_files WHERE id = $1 AND action_id = $2",
        )
        .arg(file)
        .arg(id)
        .fetch_optional(&mut *tx)
        .await?;
        let (uuid, name, media_type, sealed) = found.ok_or(StoreError::NotFound)?;
        let content = self.open_file(TABLE, file, &uuid, &sealed)?;
        record(
            &mut *tx,
            actor,
            Event::new("plan.evidence.download", "plan_action", id)
                .detail(serde_json::json!({"structure_id": action.structure_id, "file_id": file})),
        )
        .await?;
        tx.commit().await?;
        Ok(FileContent {
            name,
            media_type,
            content,
        })
    }

    /// Removes evidence file `file` of action `id`. An action marked done without a note keeps
    /// its last file (`diagnostics-evidence-last-file`). Returns the action's structure.
    pub async fn remove_action_evidence_file(
        &self,
        actor: &Actor,
        id: i64,
        file: i64,
    ) -> Result<i64, StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let mut tx = self.begin_write().await?;
        let action = Self::visible_action(&mut tx, actor, id).await?;
        let found: Option<(String, String)> =
            Sql::new("SELECT name, sha256 FROM plan_action_files WHERE id = $1 AND action_id = $2")
                .arg(file)
                .arg(id)
                .fetch_optional(&mut *tx)
                .await?;
        let (name, sha256) = found.ok_or(StoreError::NotFound)?;
        if action.status == "done" && action.evidence.trim().is_empty() {
            let (others,): (i64,) = Sql::new(
                "SELECT COUNT(*) FROM plan_action_files WHERE action_id = $1 AND id <> $2",
            )
            .arg(id)
            .arg(file)
            .fetch_one(&mut *tx)
            .await?;
            if others == 0 {
                return Err(StoreError::Invalid(
                    Problem::new("diagnostics-evidence-last-file")
                        .arg("field", "file")
                        .arg("name", name),
                ));
            }
        }
        let at = now();
        Sql::new("DELETE FROM plan_action_files WHERE id = $1 AND action_id = $2")
            .arg(file)
            .arg(id)
            .execute(&mut *tx)
            .await?;
        touched(
            &mut tx,
            actor,
            id,
            Event::new("plan.evidence.remove", "plan_action", id).detail(serde_json::json!({
                "structure_id": action.structure_id,
                "file_id": file,
                "name": name,
                "sha256": sha256,
            })),
            at,
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(action.structure_id)
    }
}
