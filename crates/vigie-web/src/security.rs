//! Security headers on every response, and CSRF checks on every state-changing request that rides
//! on a cookie.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::cookies::{cookie, CSRF_COOKIE, SESSION_COOKIE};
use crate::AppState;

/// The body limit of the routes open to anyone (sign-in, second factor, language) and of any
/// request that carries no credential at all: a sign-in form is a few hundred bytes.
pub const PUBLIC_BODY_BYTES: u64 = 16 * 1024;
/// The body limit of every other request (forms and JSON of signed-in callers), and the most the
/// CSRF check ever reads of a form. Uploads declare a larger one on their route
/// ([`crate::routes::Routes::body_limit`]).
pub const DEFAULT_BODY_BYTES: u64 = 2 * 1024 * 1024;

/// The body limit a request was given (set by [`body_limit`]).
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit(pub u64);

pub async fn headers(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if st.config.tls() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

fn eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Every POST/PUT/PATCH/DELETE that carries a cookie must prove it comes from our own page: the
/// token of the session (or, before sign-in, of the CSRF cookie) in the `X-CSRF-Token` header, the
/// `csrf` query parameter or the `csrf` field of a urlencoded form. Bearer-token requests carry no
/// ambient credentials and are exempt.
pub async fn csrf(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let headers = req.headers().clone();
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Bearer "));
    let session = cookie(&headers, SESSION_COOKIE).map(str::to_string);
    // Without a session cookie, an API call carries no ambient credential to abuse: it goes on to
    // authentication (bearer token or 401). Anonymous page forms (sign-in, language) are checked
    // against the double-submit cookie below.
    if session.is_none() && (bearer || req.uri().path().starts_with("/api/")) {
        return next.run(req).await;
    }
    let expected = match &session {
        Some(tok) => match st.store.get_session(tok, st.config.session_idle_secs).await {
            Ok(Some(s)) => Some(s.csrf_token),
            _ => cookie(&headers, CSRF_COOKIE).map(str::to_string),
        },
        None => cookie(&headers, CSRF_COOKIE).map(str::to_string),
    };
    let Some(expected) = expected else {
        return csrf_refused();
    };
    let from_header = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let from_query = req
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .and_then(|kv| kv.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    if let Some(t) = from_header.or(from_query) {
        return if eq(&t, &expected) {
            next.run(req).await
        } else {
            csrf_refused()
        };
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // An upload's form carries its token as its first field, never in its address.
    if let Some(boundary) = multipart_boundary(content_type) {
        let (parts, body) = req.into_parts();
        let limit = parts
            .extensions
            .get::<BodyLimit>()
            .map_or(DEFAULT_BODY_BYTES, |l| l.0);
        let bytes =
            match axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX)).await {
                Ok(b) => b,
                Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
            };
        return match multipart_token(&bytes, &boundary) {
            Some(t) if eq(&t, &expected) => {
                next.run(Request::from_parts(parts, Body::from(bytes)))
                    .await
            }
            _ => csrf_refused(),
        };
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return csrf_refused();
    }
    let (parts, body) = req.into_parts();
    // Never more than a form's limit, whatever the route's (an upload is not a urlencoded form).
    let limit = parts
        .extensions
        .get::<BodyLimit>()
        .map_or(DEFAULT_BODY_BYTES, |l| l.0)
        .min(DEFAULT_BODY_BYTES);
    let bytes = match axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX)).await
    {
        Ok(b) => b,
        // Said properly (a page or the API's problem) by `crate::limits::body_limit`.
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|kv| kv.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v));
    match token {
        Some(t) if eq(&t, &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => csrf_refused(),
    }
}

/// The boundary of a `multipart/form-data` body, from its content type.
fn multipart_boundary(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 200)
    })
}

/// The value of the `csrf` field of a multipart body: the field must open the body (its first
/// part), as the pages' upload forms send it, so that nothing in an uploaded file can pose as it.
fn multipart_token(body: &[u8], boundary: &str) -> Option<String> {
    let head = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n");
    let rest = body.strip_prefix(head.as_bytes())?;
    let end = rest.windows(2).position(|w| w == b"\r\n")?;
    let value = std::str::from_utf8(rest.get(..end)?).ok()?;
    (value.len() <= 200).then(|| value.to_string())
}

fn csrf_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        "Requête refusée : jeton anti-CSRF absent ou invalide. Rechargez la page. / \
         Request refused: missing or invalid CSRF token. Reload the page.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::{multipart_boundary, multipart_token};

    #[test]
    fn an_upload_carries_its_token_as_its_first_field() {
        let b = multipart_boundary("multipart/form-data; boundary=----x1").unwrap();
        assert_eq!(b, "----x1");
        let body = b"------x1\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n------x1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nproduct,version\r\n------x1--\r\n";
        assert_eq!(multipart_token(body, &b).as_deref(), Some("tok123"));
        // A token that is not the first field (inside a file, say) is not taken.
        let late = b"------x1\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n------x1\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\ntok123\r\n------x1--\r\n";
        assert_eq!(multipart_token(late, &b), None);
        assert_eq!(
            multipart_boundary("application/x-www-form-urlencoded"),
            None
        );
    }
}
