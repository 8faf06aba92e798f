//! Imports of the registry from the pages: the FINESS extract and GHT compositions.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use vigie_domain::role::Permission;
use vigie_store::registry::ImportReport;

use crate::auth::{Authed, Page};
use crate::error::AppError;
use crate::ui::{page, render, uploaded_file, Ctx};
use crate::AppState;

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    ctx: Ctx,
    report: Option<ImportReport>,
    error: Option<String>,
}

pub(crate) async fn import_form(Page(a): Page) -> Response {
    page!(a, {
        a.actor
            .require(Permission::ImportRegistry)
            .map_err(AppError::from)?;
        render(&ImportPage {
            ctx: Ctx::of(&a),
            report: None,
            error: None,
        })
    })
}

async fn import_run(
    st: &AppState,
    a: &Authed,
    mp: Multipart,
    ght: bool,
) -> Result<Response, AppError> {
    a.actor.require(Permission::ImportRegistry)?;
    let limit = if ght {
        super::GHT_UPLOAD_BYTES
    } else {
        super::FINESS_UPLOAD_BYTES
    };
    let data = uploaded_file(mp, limit).await?;
    let r = if ght {
        st.store.import_ght(&a.actor, &data[..]).await
    } else {
        st.store.import_finess(&a.actor, &data[..]).await
    };
    let page = match r {
        Ok(report) => ImportPage {
            ctx: Ctx::of(a),
            report: Some(report),
            error: None,
        },
        Err(vigie_store::StoreError::Invalid(p)) => ImportPage {
            ctx: Ctx::of(a),
            report: None,
            error: Some(a.tr().problem(&p)),
        },
        Err(e) => return Err(e.into()),
    };
    render(&page)
}

pub(crate) async fn import_finess(
    State(st): State<AppState>,
    Page(a): Page,
    mp: Multipart,
) -> Response {
    page!(a, import_run(&st, &a, mp, false).await)
}

pub(crate) async fn import_ght(
    State(st): State<AppState>,
    Page(a): Page,
    mp: Multipart,
) -> Response {
    page!(a, import_run(&st, &a, mp, true).await)
}
