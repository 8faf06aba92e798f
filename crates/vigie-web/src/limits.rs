//! The limits of request bodies, applied before anything reads a body (the CSRF check
//! included): see [`body_limit`].

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::request_lang;
use crate::cookies::{cookie, SESSION_COOKIE};
use crate::error::AppError;
use crate::routes;
use crate::security::{BodyLimit, DEFAULT_BODY_BYTES, PUBLIC_BODY_BYTES};
use crate::ui::error_page;
use crate::AppState;

/// The limit of a request's body: the small public one for the routes open to anyone and for
/// requests without any credential; for an upload route, its explicit limit once the credential
/// is known to be a live session or API token (the public one otherwise); the default else.
async fn limit_for(st: &AppState, path: &str, headers: &axum::http::HeaderMap) -> u64 {
    let parts = routes::parts();
    if parts
        .public_posts
        .iter()
        .any(|p| routes::path_matches(p, path))
    {
        return PUBLIC_BODY_BYTES;
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let session = cookie(headers, SESSION_COOKIE);
    if bearer.is_none() && session.is_none() {
        return PUBLIC_BODY_BYTES;
    }
    let Some(upload) = parts
        .body_limits
        .iter()
        .find(|l| routes::path_matches(l.path, path))
    else {
        return DEFAULT_BODY_BYTES;
    };
    let live = match (bearer, session) {
        (Some(t), _) => matches!(st.store.user_for_token(t.trim()).await, Ok(Some(_))),
        (None, Some(s)) => matches!(
            st.store.get_session(s, st.config.session_idle_secs).await,
            Ok(Some(_))
        ),
        (None, None) => false,
    };
    if live {
        upload.bytes
    } else {
        PUBLIC_BODY_BYTES
    }
}

/// Bounds every request body before anything reads it: a declared length over the limit is
/// answered 413 at once (nothing of the body is read), and the body is cut at the limit while it
/// streams (a chunked body that grows past it fails its reader, with 413). The 413 is a page in
/// the reader's language, or the API's JSON problem.
pub async fn body_limit(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let limit = limit_for(&st, req.uri().path(), req.headers()).await;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let api = req.uri().path().starts_with(routes::API_PREFIX);
    let lang = request_lang(req.headers());
    if declared.is_some_and(|n| n > limit) {
        return too_large(api, lang, limit);
    }
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(BodyLimit(limit));
    let capped = usize::try_from(limit).unwrap_or(usize::MAX);
    let body = Body::new(http_body_util::Limited::new(body, capped));
    let res = next.run(Request::from_parts(parts, body)).await;
    // An extractor that met the limit answers a plain-text 413: say it properly.
    let plain = !res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"));
    if res.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        return too_large(api, lang, limit);
    }
    res
}

/// The 413 of a body over `limit`: the API's JSON problem, or a page.
fn too_large(api: bool, lang: crate::i18n::Lang, limit: u64) -> Response {
    let e = AppError::TooLarge(limit);
    let mut res = if api {
        e.into_response()
    } else {
        error_page(lang, e)
    };
    // The unread rest of the body is not waited for: the connection closes after the answer.
    res.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    res
}
