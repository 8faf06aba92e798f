//! The product catalogue embedded in `vigie-intel`, and small helpers of the watch.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use vigie_intel::model::Source;
use vigie_intel::Catalog;

use crate::error::StoreError;

/// The product catalogue embedded in `vigie-intel`, loaded once.
pub fn catalog() -> Result<&'static Catalog, StoreError> {
    static C: OnceLock<Result<Catalog, String>> = OnceLock::new();
    C.get_or_init(|| Catalog::builtin().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| StoreError::Internal(format!("product catalogue: {e}")))
}

/// Display name of a product key: the catalogue's name, endoflife.date's title, or vendor and
/// product of an open key (`roundcube:webmail` → `Roundcube Webmail`).
pub fn product_name(key: &str) -> String {
    match catalog() {
        Ok(c) => vigie_intel::product::display_name(c, key),
        Err(_) => key.to_string(),
    }
}

pub(crate) fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub(crate) fn day_of(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(crate) fn source_name(s: Source) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}
