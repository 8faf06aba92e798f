//! Attachments of a case: the upload (a multipart form with `file` and `tlp`) and the download,
//! as every file people give (`crate::files`). What may be attached and who may download it is
//! decided by the store (`Store::add_incident_attachment`, `Store::get_incident_attachment`).

use axum::extract::{Multipart, Path, State};
use axum::response::Response;

use crate::auth::Page;
use crate::files::{file_response, read_upload};
use crate::ui::page;
use crate::AppState;

/// Attaches a file; a refusal (empty, too large, badly named, type not allowed or disguised)
/// shows the case again with the reason beside the file field, and nothing is stored.
pub(crate) async fn upload(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    page!(a, {
        let f = read_upload(mp, &[("tlp", 32)]).await?;
        let r = st
            .store
            .add_incident_attachment(&a.actor, id, &f.name, f.text("tlp"), &f.content)
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
