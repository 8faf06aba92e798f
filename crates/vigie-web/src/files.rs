//! Files people give and take back (an incident's attachments, the evidence of a plan's
//! action), the same way in every slice: the upload (a multipart form whose `file` field is the
//! file, beside a few short text fields; the route's body limit is [`UPLOAD_LIMIT`]: the
//! largest file and a little room for the form) and the download, always as an attachment
//! (never shown inline by the browser), with its checked type, `nosniff` and no caching. What
//! may be stored and who may download it is decided by the store.

use axum::extract::Multipart;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use vigie_domain::upload::{Kind, MAX_NAME, MAX_SIZE};
use vigie_store::files::FileContent;

use crate::error::AppError;
use crate::ui::upload_error;

/// The body limit of an upload route: the largest file and room for the form around it.
pub(crate) const UPLOAD_LIMIT: u64 = MAX_SIZE as u64 + 64 * 1024;

/// The largest file, in MiB, as the forms say it.
pub(crate) const MAX_MIB: usize = MAX_SIZE / (1024 * 1024);

/// An upload form as sent: the file's name and bytes, and its text fields.
#[derive(Default)]
pub(crate) struct Upload {
    pub name: String,
    pub content: bytes::Bytes,
    texts: Vec<(&'static str, String)>,
}

impl Upload {
    /// The text field `name` (empty when it was not sent).
    pub fn text(&self, name: &str) -> &str {
        self.texts
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Reads an upload form: its `file` and the text fields named in `texts`, each cut at its
/// number of characters (the store judges what is left). Other fields are ignored.
pub(crate) async fn read_upload(
    mut mp: Multipart,
    texts: &[(&'static str, usize)],
) -> Result<Upload, AppError> {
    let mut out = Upload::default();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| upload_error(e, UPLOAD_LIMIT))?
    {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            out.name = field.file_name().unwrap_or_default().to_string();
            out.content = field
                .bytes()
                .await
                .map_err(|e| upload_error(e, UPLOAD_LIMIT))?;
        } else if let Some((key, max)) = texts.iter().find(|(k, _)| *k == name) {
            let v = field
                .text()
                .await
                .map_err(|e| upload_error(e, UPLOAD_LIMIT))?;
            out.texts.push((key, v.chars().take(*max).collect()));
        }
    }
    Ok(out)
}

/// `attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>` (RFC 6266): the ASCII
/// name keeps letters, digits, `.`, `-`, `_` and spaces, the rest becomes `_`.
pub(crate) fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .take(MAX_NAME)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A stored file as a download.
pub(crate) fn file_response(f: FileContent) -> Response {
    // The stored type came from the allow-list; anything else is served as bytes.
    let media = Kind::of_media_type(&f.media_type)
        .map(Kind::media_type)
        .unwrap_or("application/octet-stream");
    let mut res = f.content.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&f.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, private"),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_given_safely_in_the_disposition() {
        assert_eq!(
            content_disposition("rapport été.pdf"),
            "attachment; filename=\"rapport _t_.pdf\"; filename*=UTF-8''rapport%20%C3%A9t%C3%A9.pdf"
        );
        let d = content_disposition("a\";b.txt");
        assert!(d.starts_with("attachment; filename=\"a__b.txt\";"), "{d}");
        assert!(!d.contains("\";b"), "{d}");
    }
}
