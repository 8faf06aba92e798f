//! Attachments of a case: the upload (a multipart form with `file` and `tlp`, its CSRF token
//! in the query like every upload; the route's body limit is the engine's size limit and a
//! little room for the form) and the download, always as an attachment (never shown inline
//! by the browser), with its checked type, `nosniff` and no caching. What may be attached and
//! who may download it is decided by the store (`Store::add_incident_attachment`,
//! `Store::get_incident_attachment`).

use axum::extract::{Multipart, Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use vigie_incidents::attachment::{Kind, MAX_NAME, MAX_SIZE};
use vigie_store::incidents::AttachmentFile;

use crate::auth::Page;
use crate::error::AppError;
use crate::ui::{page, upload_error};
use crate::AppState;

/// The body limit of the upload route: the largest file and room for the form around it.
pub(crate) const UPLOAD_LIMIT: u64 = MAX_SIZE as u64 + 64 * 1024;

/// The form's fields: the file's name and bytes, the TLP chosen.
async fn read_form(mut mp: Multipart) -> Result<(String, String, bytes::Bytes), AppError> {
    let (mut name, mut tlp, mut content) = (String::new(), String::new(), None);
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| upload_error(e, UPLOAD_LIMIT))?
    {
        match field.name() {
            Some("file") => {
                name = field.file_name().unwrap_or_default().to_string();
                content = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| upload_error(e, UPLOAD_LIMIT))?,
                );
            }
            Some("tlp") => {
                tlp = field
                    .text()
                    .await
                    .map_err(|e| upload_error(e, UPLOAD_LIMIT))?
                    .chars()
                    .take(32)
                    .collect();
            }
            _ => {}
        }
    }
    Ok((name, tlp, content.unwrap_or_default()))
}

/// Attaches a file; a refusal (empty, too large, badly named, type not allowed or disguised)
/// shows the case again with the reason beside the file field, and nothing is stored.
pub(crate) async fn upload(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    page!(a, {
        let (name, tlp, content) = read_form(mp).await?;
        let r = st
            .store
            .add_incident_attachment(&a.actor, id, &name, &tlp, &content)
            .await
            .map(|_| ());
        super::pages::after(&st, &a, id, r).await
    })
}

/// Downloads an attachment (`NotFound` for whoever may not read it, like a missing one).
pub(crate) async fn download(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Response {
    page!(a, {
        let f = st
            .store
            .get_incident_attachment(&a.actor, id, attachment)
            .await?;
        Ok(file_response(f))
    })
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

fn file_response(f: AttachmentFile) -> Response {
    // The stored type came from the engine's allow-list; anything else is served as bytes.
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
