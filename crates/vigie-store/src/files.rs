//! Files people give the platform (an incident's attachments, the evidence of a plan's action),
//! kept in the database and never in clear: each slice stores them in a table of its own, through
//! this one way of judging, sealing and opening them.
//!
//! * Judged by `vigie_domain::upload` (size, plain name, type by content and an extension that
//!   agrees with it); a refusal is the person's mistake ([`StoreError::Invalid`], field `file`),
//!   said with the `files-…` messages, and nothing is stored.
//! * Sealed with the deployment's key (XChaCha20-Poly1305, see [`crate::secrets`]) under
//!   associated data naming the table and the file's uuid (`<table>.content:<uuid>`), so that a
//!   sealed content moved to another row or table does not open. Without a configured key
//!   nothing is stored.
//! * Opened only for a reader the slice allowed, checked again against the size limit.

use sha2::{Digest, Sha256};
use vigie_domain::problem::Problem;
use vigie_domain::upload::{check, Accepted, Refusal, MAX_SIZE};

use crate::actor::Actor;
use crate::db::{Sql, Store};
use crate::error::StoreError;

/// A file's content, opened for a reader allowed to download it.
#[derive(Debug, Clone)]
pub struct FileContent {
    pub name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// A file accepted and sealed, ready to be written in its slice's table.
pub(crate) struct Sealed {
    pub accepted: Accepted,
    pub uuid: String,
    /// SHA-256 of the content, hexadecimal.
    pub sha256: String,
    pub size: i64,
    /// The content, sealed.
    pub content: String,
}

impl Sealed {
    /// Writes the file into `table`, a slice's table of files whose columns are those of every
    /// file (`uuid`, `name`, `media_type`, `size`, `sha256`, `content`, `created_by`,
    /// `created_by_user_id`, `created_at`), its parent (`parent`: a column and the id) and one
    /// text column of the slice's (`extra`). The table and column names are the program's own,
    /// never input. Returns the file's id.
    pub(crate) async fn insert(
        &self,
        conn: &mut sqlx::AnyConnection,
        table: &'static str,
        parent: (&'static str, i64),
        extra: (&'static str, &str),
        actor: &Actor,
        at: i64,
    ) -> Result<i64, StoreError> {
        Sql::new(&format!(
            "INSERT INTO {table} ({}, {}, uuid, name, media_type, size, sha256, content, created_by, \
             created_by_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            parent.0, extra.0
        ))
        .arg(parent.1)
        .arg(extra.1)
        .arg(self.uuid.as_str())
        .arg(self.accepted.name.as_str())
        .arg(self.accepted.kind.media_type())
        .arg(self.size)
        .arg(self.sha256.as_str())
        .arg(self.content.as_str())
        .arg(actor.label.as_str())
        .arg(actor.user_id)
        .arg(at)
        .scalar(conn)
        .await
    }
}

/// The associated data the content of a file of `table` is sealed under.
fn aad(table: &str, uuid: &str) -> String {
    format!("{table}.content:{uuid}")
}

/// A refusal as the person reads it, beside the `file` field.
fn problem(r: Refusal) -> StoreError {
    StoreError::Invalid(match r {
        Refusal::Empty => Problem::new("files-empty").arg("field", "file"),
        Refusal::TooLarge { max, .. } => Problem::new("files-too-large")
            .arg("field", "file")
            .arg("max_mib", (max / (1024 * 1024)) as i64),
        Refusal::BadName(name) => Problem::new("files-name")
            .arg("field", "file")
            .arg("name", name),
        Refusal::TypeNotAllowed => Problem::new("files-type").arg("field", "file"),
        Refusal::ExtensionMismatch {
            extension,
            detected,
        } => Problem::new("files-extension")
            .arg("field", "file")
            .arg("extension", extension)
            .arg("detected", detected.extensions()[0].to_uppercase()),
    })
}

impl Store {
    /// Judges file `name` with `content` and seals it for `table`. Refused (nothing to store)
    /// when it is empty, over [`MAX_SIZE`], badly named, of a type not allowed, or named as
    /// another type than its content; `Internal` when no key is configured.
    pub(crate) fn seal_file(
        &self,
        table: &str,
        name: &str,
        content: &[u8],
    ) -> Result<Sealed, StoreError> {
        let accepted = check(name, content).map_err(problem)?;
        let key = self.sealing_key()?;
        let uuid = {
            use rand::RngCore;
            let mut b = [0u8; 16];
            rand::thread_rng().fill_bytes(&mut b);
            uuid::Builder::from_random_bytes(b).into_uuid().to_string()
        };
        Ok(Sealed {
            sha256: hex::encode(Sha256::digest(content)),
            size: content.len() as i64,
            content: key.seal_bytes(&aad(table, &uuid), content),
            accepted,
            uuid,
        })
    }

    /// Opens the sealed content of file `uuid` of `table` (`id` names it in errors). A content
    /// that does not open, or opens larger than any accepted file, is `Internal`.
    pub(crate) fn open_file(
        &self,
        table: &str,
        id: i64,
        uuid: &str,
        sealed: &str,
    ) -> Result<Vec<u8>, StoreError> {
        let content = self.sealing_key()?.open_bytes(&aad(table, uuid), sealed)?;
        if content.len() > MAX_SIZE {
            return Err(StoreError::Internal(format!(
                "{table} {id}: stored content larger than the limit"
            )));
        }
        Ok(content)
    }
}
