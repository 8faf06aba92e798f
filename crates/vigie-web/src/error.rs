//! Errors inside requests: each maps to a status code, and the page or JSON shown quotes an
//! operation id that is also in the server log, so that a user can report it.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use vigie_store::StoreError;

use crate::i18n::{Lang, Tr};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("authentication required")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    /// The user's mistake, said by its message key: rendered in the reader's language.
    #[error("{0}")]
    Invalid(vigie_domain::problem::Problem),
    #[error("{0}")]
    Conflict(String),
    #[error("too many requests")]
    TooManyRequests,
    /// A request body over the route's limit (bytes).
    #[error("request body over {0} bytes")]
    TooLarge(u64),
    #[error("internal error")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Forbidden(_) => AppError::Forbidden,
            StoreError::Invalid(p) => AppError::Invalid(p),
            StoreError::Conflict(m) => AppError::Conflict(m),
            // Not the user's fault: a 500, the detail only in the log, under an operation id.
            e @ (StoreError::Internal(_) | StoreError::Db(_) | StoreError::Encode(_)) => {
                AppError::Internal(e.to_string())
            }
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> AppError {
        AppError::Internal(format!("template: {e}"))
    }
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::BadRequest(_) | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user may be told, in their language: internal details stay in the log.
    pub fn message(&self, tr: &Tr) -> String {
        match self {
            AppError::NotFound => tr.t("common-not_found"),
            AppError::Forbidden => tr.t("common-forbidden"),
            AppError::Unauthorized => tr.t("common-unauthorized"),
            AppError::TooManyRequests => tr.t("common-too_many_requests"),
            AppError::TooLarge(limit) => tr.t_arg("common-too_large", "limit", size(tr, *limit)),
            AppError::Internal(_) => tr.t("common-internal_error"),
            AppError::Invalid(p) => tr.problem(p),
            AppError::BadRequest(m) | AppError::Conflict(m) => m.clone(),
        }
    }

    pub fn log(&self) -> String {
        let op = operation_id();
        match self {
            AppError::Internal(detail) => {
                tracing::error!(operation = %op, error = %detail, "request failed")
            }
            e => tracing::debug!(operation = %op, error = %e, "request refused"),
        }
        op
    }
}

/// A size in the reader's language (`16 Kio`, `2 Mio`; `16 KiB`, `2 MiB`).
fn size(tr: &Tr, bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB {
        format!("{} {}", bytes.div_ceil(MIB), tr.pick("Mio", "MiB"))
    } else {
        format!("{} {}", bytes.div_ceil(1024), tr.pick("Kio", "KiB"))
    }
}

pub fn operation_id() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}

/// JSON errors, for the API.
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let op = self.log();
        // The API answers in English, with the message's key and arguments for a client that
        // shows it in another language.
        let mut body =
            serde_json::json!({ "error": self.message(&Tr::new(Lang::En)), "operation": op });
        if let AppError::Invalid(p) = &self {
            body["problem"] = serde_json::json!(p);
        }
        if let AppError::TooLarge(limit) = &self {
            let p = vigie_domain::problem::Problem::new("common-too_large")
                .arg("limit", i64::try_from(*limit).unwrap_or(i64::MAX));
            body["problem"] = serde_json::json!(p);
        }
        (self.status(), axum::Json(body)).into_response()
    }
}

pub type AppResult<T> = Result<T, AppError>;
