//! Errors of the storage layer, split so that the web layer can map them to status codes.

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The thing does not exist *or* is outside the caller's scope: the two are never told apart.
    #[error("not found")]
    NotFound,
    /// The caller's role does not allow this action at all.
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The input is wrong; the message says where and why.
    #[error("{0}")]
    Invalid(String),
    /// The write would break a uniqueness rule.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("cannot encode a query argument: {0}")]
    Encode(sqlx::error::BoxDynError),
    #[error("database error: {0}")]
    Db(sqlx::Error),
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
