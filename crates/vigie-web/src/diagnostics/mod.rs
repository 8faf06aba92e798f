//! Diagnostics (issue 16): a structure's maturity diagnostics (taken by the structure alone or
//! by a regional analyst with it, theme by theme, resumed, finished, signed off), their progress
//! by theme over time, the printable report (HTML and PDF), the structure's action plan (its
//! actions' evidence as notes and files), and the
//! region's (the nation's) view with its CSV export, and their reading through the API. Every action goes through
//! `vigie_store::diagnostics`, which checks the role and the scope.

pub(crate) mod api;
pub(crate) mod evidence;
pub(crate) mod pages;
pub(crate) mod plan;
pub(crate) mod region;
pub(crate) mod report;
pub(crate) mod view;

use askama::Template;
use utoipa_axum::routes;
use vigie_domain::role::Permission;

use crate::auth::Authed;
use crate::routes::{Fragment, NavItem, Routes};
use crate::ui::{fragment, Ctx};
use crate::AppState;

pub fn routes(r: Routes) -> Routes {
    r.get("/diagnostics", region::overview)
        .get("/diagnostics.csv", region::export_csv)
        .get("/structures/{id}/diagnostics", pages::structure)
        .post("/structures/{id}/diagnostics", pages::start)
        .get("/diagnostics/{id}", pages::show)
        .post("/diagnostics/{id}/answers", pages::save)
        .post("/diagnostics/{id}/finish", pages::finish)
        .post("/diagnostics/{id}/signoff", pages::sign_off)
        .get("/diagnostics/{id}/report", report::report)
        .get("/diagnostics/{id}/report.pdf", report::report_pdf)
        .get("/structures/{id}/plan", plan::show)
        .post("/structures/{id}/plan", plan::add)
        .post("/structures/{id}/plan/from", plan::add_from)
        .post("/plan/actions/{id}", plan::update)
        .post("/plan/actions/{id}/evidence", evidence::upload)
        .body_limit("/plan/actions/{id}/evidence", crate::files::UPLOAD_LIMIT)
        .get("/plan/actions/{id}/evidence/{file}", evidence::download)
        .post(
            "/plan/actions/{id}/evidence/{file}/delete",
            evidence::remove,
        )
        .api(routes!(api::api_diagnostics_overview))
        .api(routes!(api::api_structure_diagnostics))
        .api(routes!(api::api_get_diagnostic))
        .api(routes!(api::api_structure_plan))
        .api(routes!(evidence::api_action_evidence_file))
        .nav(NavItem {
            label: "nav-diagnostics",
            path: "/diagnostics",
            order: 38,
            shown: |a| a.can(Permission::ReadDiagnostics),
        })
        .section(crate::section!(25, section))
}

#[derive(Template)]
#[template(path = "diagnostics/section.html")]
struct Section {
    ctx: Ctx,
    id: i64,
    latest: Option<(i64, String, &'static str, String)>,
    in_progress: Option<i64>,
    open_actions: usize,
    overdue: usize,
}

/// The structure page's diagnostics: the latest score, a diagnostic in progress, the plan.
async fn section(st: &AppState, a: &Authed, id: i64) -> Fragment {
    if !a.actor.can(Permission::ReadDiagnostics) {
        return Ok(None);
    }
    let list = st.store.structure_diagnostics(&a.actor, id).await?;
    let actions = st.store.plan_actions(&a.actor, id).await?;
    let tr = a.tr();
    let now = chrono::Utc::now().timestamp();
    fragment(&Section {
        ctx: Ctx::of(a),
        id,
        latest: list.iter().find(|d| d.latest == 1).map(|d| {
            let x = d.score_x100.unwrap_or(0);
            (
                d.id,
                view::score_text(&tr, Some(x)),
                view::level(x),
                d.finished_at.map(|t| tr.date(t)).unwrap_or_default(),
            )
        }),
        in_progress: list.iter().find(|d| d.in_progress()).map(|d| d.id),
        open_actions: actions.iter().filter(|x| x.open()).count(),
        overdue: actions.iter().filter(|x| x.overdue(now)).count(),
    })
}
