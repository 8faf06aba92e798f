//! The cookies Vigie sets, and how a request's are read. A leaf: the security middleware, the
//! authentication and the pages all read them, and it reads nothing of theirs.

use axum::http::header;

pub const SESSION_COOKIE: &str = "vigie_session";
pub const CSRF_COOKIE: &str = "vigie_csrf";
pub const LANG_COOKIE: &str = "vigie_lang";

/// Reads a cookie from the request headers.
pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}
