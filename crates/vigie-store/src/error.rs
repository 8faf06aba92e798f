//! Errors of the storage layer, split by audience so that the web layer can map them to status
//! codes and say what it may say:
//!
//! - the caller's own mistakes ([`StoreError::Invalid`]) carry a [`Problem`]: a message key of the
//!   presentation layer's catalogues (`i18n/{fr,en}/store.ftl` of `vigie-report`) and its
//!   arguments, never a sentence in one language;
//! - faults that are not the caller's ([`StoreError::Internal`], [`StoreError::Db`],
//!   [`StoreError::Encode`]) carry what an operator needs in the logs, and are never shown to the
//!   user as they are.

use vigie_domain::problem::Problem;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist *or* is outside the caller's scope: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// The caller's role does not allow this action at all.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The input is wrong: what and why, as a message key and its arguments.
    #[error("invalid: {0}")]
    Invalid(Problem),
    /// The write would break a uniqueness rule.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A fault that is not the caller's: a stored row that cannot be read back, a library that
    /// failed, something that cannot happen. The text is for the logs.
    #[error("internal: {0}")]
    Internal(String),
    #[error("cannot encode a query argument: {0}")]
    Encode(sqlx::error::BoxDynError),
    #[error("database error: {0}")]
    Db(sqlx::Error),
}

impl StoreError {
    /// [`StoreError::Invalid`] with a message key and no argument.
    pub fn invalid(key: &'static str) -> StoreError {
        StoreError::Invalid(Problem::new(key))
    }

    /// The problem of an [`StoreError::Invalid`] error.
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            StoreError::Invalid(p) => Some(p),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if let sqlx::Error::Database(d) = &e {
            if d.is_unique_violation() {
                return StoreError::Conflict(d.message().to_string());
            }
        }
        match e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            e => StoreError::Db(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
