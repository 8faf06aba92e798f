//! Incidents: the declaration form (a draft, completed, then submitted), the CERT's and regions'
//! queue, an incident's page (facts, clocks due and overdue, timeline, conversation, triage,
//! assignment and status for analysts, observables, the people named on the case), its MISP and
//! STIX downloads, the API, and the structure page's list of its incidents. Every action goes
//! through `vigie_store::incidents`, which checks the role, the scope and the need to know.

pub(crate) mod api;
pub(crate) mod attachments;
pub(crate) mod pages;
pub(crate) mod report;
pub(crate) mod sector;

use askama::Template;
use utoipa_axum::routes;
use vigie_domain::role::Permission;
use vigie_store::incidents::StructureIncidents;

use crate::auth::Authed;
use crate::routes::{Fragment, NavItem, Routes};
use crate::ui::{fragment, Ctx};
use crate::AppState;

pub fn routes(r: Routes) -> Routes {
    r.get("/incidents", pages::queue)
        .get("/structures/{id}/incidents/new", pages::new_form)
        .post("/structures/{id}/incidents", pages::create)
        .get("/incidents/{id}", pages::show)
        .get("/incidents/{id}/edit", pages::edit_form)
        .post("/incidents/{id}/draft", pages::update_draft)
        .post("/incidents/{id}/submit", pages::submit)
        .post("/incidents/{id}/triage", pages::triage)
        .post("/incidents/{id}/support", pages::support)
        .post("/incidents/{id}/assign", pages::assign)
        .post("/incidents/{id}/status", pages::status)
        .get("/incidents/{id}/sector", sector::preview)
        .post("/incidents/{id}/sector", sector::send)
        .post("/incidents/{id}/notes", pages::note)
        .post("/incidents/{id}/observables", pages::observable)
        .post("/incidents/{id}/people", pages::name_person)
        .post("/incidents/{id}/notifications", pages::notification)
        .get("/incidents/{id}/misp.json", pages::misp)
        .get("/incidents/{id}/stix.json", pages::stix)
        .get("/incidents/{id}/report", report::report)
        .get("/incidents/{id}/report.pdf", report::report_pdf)
        .post("/incidents/{id}/attachments", attachments::upload)
        .body_limit("/incidents/{id}/attachments", crate::files::UPLOAD_LIMIT)
        .get(
            "/incidents/{id}/attachments/{attachment}",
            attachments::download,
        )
        .api(routes!(api::api_incident_queue))
        .api(routes!(
            api::api_structure_incidents,
            api::api_declare_incident
        ))
        .api(routes!(api::api_get_incident, api::api_update_incident))
        .api(routes!(api::api_submit_incident))
        .api(routes!(api::api_triage_incident))
        .api(routes!(api::api_incident_assignees))
        .api(routes!(api::api_assign_incident))
        .api(routes!(
            api::api_incident_sector_alerts,
            api::api_send_sector_alert
        ))
        .api(routes!(api::api_sector_alert_preview))
        .api(routes!(api::api_incident_status))
        .api(routes!(api::api_incident_note))
        .api(routes!(api::api_incident_observable))
        .api(routes!(api::api_incident_misp))
        .api(routes!(api::api_incident_stix))
        .nav(NavItem {
            label: "nav-incidents",
            path: "/incidents",
            order: 35,
            shown: |a| a.can(Permission::ReadIncidents),
        })
        .section(crate::section!(20, section))
        .panel(crate::panel!(30, panel))
}

#[derive(Template)]
#[template(path = "incidents/panel.html")]
struct Panel {
    ctx: Ctx,
    f: vigie_store::incidents::IncidentFigures,
}

/// The dashboard's incidents: open, overdue, awaiting triage, major (within the reader's scope).
async fn panel(st: &AppState, a: &Authed) -> Fragment {
    if !a.actor.can(Permission::ReadIncidents) {
        return Ok(None);
    }
    let f = st.store.incident_figures(&a.actor).await?;
    fragment(&Panel { ctx: Ctx::of(a), f })
}

#[derive(Template)]
#[template(path = "incidents/section.html")]
struct Section {
    ctx: Ctx,
    id: i64,
    rows: Vec<pages::QueueView>,
    open: i64,
    overdue: i64,
    can_declare: bool,
}

/// The structure page's incidents: the latest, open first, and the way to declare one.
async fn section(st: &AppState, a: &Authed, id: i64) -> Fragment {
    if !a.actor.can(Permission::ReadIncidents) {
        return Ok(None);
    }
    let list: StructureIncidents = st.store.structure_incidents(&a.actor, id).await?;
    let tr = a.tr();
    let page = vigie_store::incidents::QueuePage {
        rows: list.rows,
        total: 0,
        page: 1,
        pages: 1,
    };
    fragment(&Section {
        ctx: Ctx::of(a),
        id,
        rows: pages::queue_views(&tr, &page),
        open: list.open,
        overdue: list.overdue,
        can_declare: a.actor.can(Permission::DeclareIncidents),
    })
}
