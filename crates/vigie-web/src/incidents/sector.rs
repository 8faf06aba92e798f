//! Sector-wide alerts from an incident's page: the analyst picks the product the attack went
//! through (from the structure's inventory, or its key), sees which structures of their scope
//! run it and would be warned, writes the message and sends. The store decides whom; this page
//! only asks and shows.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::problem::Problem;
use vigie_incidents::marking::Tlp;
use vigie_store::incidents::{SectorAlertDraft, SectorPreview, SECTOR_MAX_TARGETS};

use crate::auth::{Authed, Page};
use crate::error::AppError;
use crate::incidents::pages::problem_text;
use crate::ui::{checked, page, render, render_status, Ctx, Opt};
use crate::AppState;

/// How many of the structures reached the preview lists by name.
const SHOWN: usize = 200;

#[derive(Deserialize, Default)]
pub(crate) struct PreviewQuery {
    #[serde(default)]
    product: String,
    /// The product typed when it is not in the structure's inventory.
    #[serde(default)]
    product_other: String,
    #[serde(default)]
    exposed_only: String,
}

impl PreviewQuery {
    fn product(&self) -> &str {
        match self.product_other.trim() {
            "" => self.product.trim(),
            other => other,
        }
    }
}

pub(crate) struct TargetView {
    pub name: String,
    pub structure_id: i64,
    pub region: String,
    pub versions: String,
    pub exposed: bool,
}

#[derive(Template)]
#[template(path = "incidents/sector.html")]
struct SectorPage {
    ctx: Ctx,
    id: i64,
    reference: String,
    p: SectorPreview,
    shown: Vec<TargetView>,
    more: usize,
    max: usize,
    tlps: Vec<Opt>,
    /// What was typed, sent back with a mistake.
    message: String,
    advisory: String,
    err: String,
}

async fn sector_page(
    st: &AppState,
    a: &Authed,
    id: i64,
    product: &str,
    exposed_only: bool,
    typed: Option<(&SectorAlertDraft, &Problem)>,
) -> Result<Response, AppError> {
    let p = st
        .store
        .sector_alert_preview(&a.actor, id, product, exposed_only)
        .await?;
    let tr = a.tr();
    let chosen = typed.map(|(d, _)| d.tlp.as_str()).unwrap_or("amber");
    let tlps = [Tlp::Amber, Tlp::Green, Tlp::Clear]
        .iter()
        .map(|t| Opt {
            value: t.as_str().into(),
            label: t.name().into(),
            selected: t.as_str() == chosen,
        })
        .collect();
    let shown = p
        .targets
        .iter()
        .take(SHOWN)
        .map(|t| TargetView {
            name: t.name.clone(),
            structure_id: t.structure_id,
            region: vigie_domain::geo::region(&t.region_code)
                .map(|r| r.name.to_string())
                .unwrap_or_else(|| t.region_code.clone()),
            versions: t.versions.join(", "),
            exposed: t.exposed,
        })
        .collect();
    let page = SectorPage {
        ctx: Ctx::of(a),
        id,
        reference: p.reference.clone(),
        more: p.targets.len().saturating_sub(SHOWN),
        max: SECTOR_MAX_TARGETS,
        shown,
        tlps,
        message: typed.map(|(d, _)| d.message.clone()).unwrap_or_default(),
        advisory: typed.map(|(d, _)| d.advisory.clone()).unwrap_or_default(),
        err: typed.map(|(_, e)| problem_text(&tr, e)).unwrap_or_default(),
        p,
    };
    if typed.is_some() {
        render_status(StatusCode::BAD_REQUEST, &page)
    } else {
        render(&page)
    }
}

/// Whom an alert on a product would reach, and the form that sends it.
pub(crate) async fn preview(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Query(q): Query<PreviewQuery>,
) -> Response {
    page!(a, {
        match sector_page(&st, &a, id, q.product(), checked(&q.exposed_only), None).await {
            // A product not typed, or the case still a draft: back to the case, the mistake said.
            Err(AppError::Invalid(p)) => {
                crate::incidents::pages::show_with_error(&st, &a, id, &p).await
            }
            r => r,
        }
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct SendForm {
    #[serde(default)]
    product: String,
    #[serde(default)]
    exposed_only: String,
    #[serde(default)]
    advisory: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    tlp: String,
}

/// Sends the alert; a mistake shows the preview again with what was typed.
pub(crate) async fn send(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<SendForm>,
) -> Response {
    page!(a, {
        let d = SectorAlertDraft {
            product: f.product.clone(),
            exposed_only: checked(&f.exposed_only),
            advisory: f.advisory,
            message: f.message,
            tlp: f.tlp,
        };
        match st.store.send_sector_alert(&a.actor, id, &d).await {
            Ok(_) => Ok(Redirect::to(&format!("/incidents/{id}#h-sector")).into_response()),
            Err(vigie_store::StoreError::Invalid(p)) => {
                sector_page(&st, &a, id, &f.product, d.exposed_only, Some((&d, &p))).await
            }
            Err(e) => Err(e.into()),
        }
    })
}
