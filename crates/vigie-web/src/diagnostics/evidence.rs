//! The evidence of a plan's action as files: the upload (a multipart form with `file` and its
//! `note`), the download and the removal (after a confirmation), as every file people give
//! (`crate::files`). Who may add, read and remove them is decided by the store
//! (`Store::add_action_evidence_file`, `get_action_evidence_file`,
//! `remove_action_evidence_file`); a refusal shows the plan again with the reason beside the
//! action's file field and the note typed, and nothing is stored.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use vigie_store::diagnostics::{NewAction, MAX_FILE_NOTE};
use vigie_store::StoreError;

use super::plan::plan_page;
use crate::auth::{Api, Page};
use crate::error::{AppError, AppResult};
use crate::files::{file_response, read_upload};
use crate::ui::page;
use crate::AppState;

/// Where the plan shows action `id`.
fn at_action(structure: i64, id: i64) -> Response {
    Redirect::to(&format!("/structures/{structure}/plan#action-{id}")).into_response()
}

/// The plan again, with a refusal about action `id`'s files.
async fn refused(
    st: &AppState,
    a: &crate::auth::Authed,
    id: i64,
    p: &vigie_domain::problem::Problem,
    note: String,
) -> Result<Response, AppError> {
    let structure = st.store.plan_action_structure(&a.actor, id).await?;
    plan_page(
        st,
        a,
        structure,
        NewAction::default(),
        Some((p, id)),
        note,
        StatusCode::BAD_REQUEST,
    )
    .await
}

/// Attaches a file to action `id`'s evidence.
pub(crate) async fn upload(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    page!(a, {
        // Longer notes than allowed are kept whole enough for the store to refuse them.
        let f = read_upload(mp, &[("note", MAX_FILE_NOTE + 1)]).await?;
        let note = f.text("note").to_string();
        match st
            .store
            .add_action_evidence_file(&a.actor, id, &f.name, &note, &f.content)
            .await
        {
            Ok(_) => {
                let structure = st.store.plan_action_structure(&a.actor, id).await?;
                Ok(at_action(structure, id))
            }
            Err(StoreError::Invalid(p)) => refused(&st, &a, id, &p, note).await,
            Err(e) => Err(e.into()),
        }
    })
}

/// Downloads a file of action `id`'s evidence (`NotFound` for whoever may not read the plan,
/// like a missing one).
pub(crate) async fn download(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, file)): Path<(i64, i64)>,
) -> Response {
    page!(a, {
        let f = st
            .store
            .get_action_evidence_file(&a.actor, id, file)
            .await?;
        Ok(file_response(f))
    })
}

/// Removes a file of action `id`'s evidence (the page asked for a confirmation first).
pub(crate) async fn remove(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, file)): Path<(i64, i64)>,
) -> Response {
    page!(a, {
        match st
            .store
            .remove_action_evidence_file(&a.actor, id, file)
            .await
        {
            Ok(structure) => Ok(at_action(structure, id)),
            Err(StoreError::Invalid(p)) => refused(&st, &a, id, &p, String::new()).await,
            Err(e) => Err(e.into()),
        }
    })
}

/// A file given as an action's evidence
#[utoipa::path(get, path = "/plan/actions/{id}/evidence/{file}", tag = "diagnostics",
    params(("id" = i64, Path, description = "The action's id"), ("file" = i64, Path, description = "The file's id")),
    responses((status = 200, description = "The file, as a download with its checked type", content_type = "application/octet-stream")))]
pub(crate) async fn api_action_evidence_file(
    State(st): State<AppState>,
    Api(a): Api,
    Path((id, file)): Path<(i64, i64)>,
) -> AppResult<Response> {
    let f = st
        .store
        .get_action_evidence_file(&a.actor, id, file)
        .await?;
    Ok(file_response(f))
}
