#![doc = include_str!("../README.md")]

// The core: shared by every slice, never importing one.
pub mod actor;
pub mod archive;
pub mod audit;
pub mod cache;
pub mod db;
pub mod error;
pub mod files;
pub mod jobs;
pub mod migrate;
pub mod notify;
pub mod secrets;
#[cfg(feature = "testing")]
#[allow(clippy::expect_used, clippy::panic)]
pub mod testing;

// The engine slices, each using the core and the slices before it (surveillance feeds the watch).
pub mod accounts;
pub mod diagnostics;
pub mod incidents;
pub mod observatory;
pub mod registry;
pub mod surveillance;
pub mod watch;

pub use actor::Actor;
pub use db::{Backend, ConnectConfig, Store};
pub use error::StoreError;

/// Every table an archive carries, slice by slice, in an order that satisfies their references
/// (a restore writes them in this order; an archive lists them in it). Each slice declares its
/// own; a test checks that every table of the schema is here but `schema_migrations`,
/// `sessions` and `auth_failures` (short-lived) and the observatory's roll-up (derived, counted
/// again after a restore).
const ARCHIVED: &[&[archive::Table]] = &[
    registry::TABLES,
    accounts::TABLES,
    audit::TABLES,
    jobs::TABLES,
    notify::TABLES,
    surveillance::TABLES,
    watch::TABLES,
    incidents::TABLES,
    diagnostics::TABLES,
    observatory::TABLES,
    archive::TABLES,
];

/// The archived tables, in restore order (see [`archive`]).
pub(crate) fn archived() -> impl Iterator<Item = &'static archive::Table> {
    ARCHIVED.iter().flat_map(|tables| tables.iter())
}

impl Store {
    /// Encrypts in place the secrets still stored in clear (written before encryption existed,
    /// or restored from such a backup): the accounts' TOTP seeds and the webhooks' signing keys.
    /// Returns how many were sealed. Idempotent; nothing to do without a secret key.
    pub async fn seal_clear_secrets(&self) -> Result<u64, StoreError> {
        Ok(accounts::seal_clear_secrets(self).await? + notify::seal_clear_secrets(self).await?)
    }
}
