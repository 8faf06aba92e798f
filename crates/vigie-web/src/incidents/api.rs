//! Incidents under `/api/v1`: the queue, a structure's incidents, declaring (a draft, completed,
//! submitted), one case, triage, status, notes, observables, and the MISP and STIX exports.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use vigie_store::incidents::{
    Assignee, Declaration, IncidentCase, QueuePage, QueueQuery, SectorAlertDraft, SectorAlertRow,
    SectorPreview, StructureIncidents, Triage,
};

use crate::api_types::{Created, Document};
use crate::auth::Api;
use crate::error::AppResult;
use crate::AppState;

/// The queue: incidents of the caller's scope, overdue first, 50 a page (?status=&severity=&overdue=&region=&page=)
#[utoipa::path(get, path = "/incidents", tag = "incidents", params(QueueQuery),
    responses((status = 200, description = "The queue: incidents of the caller's scope, overdue first, 50 a page", body = QueuePage)))]
pub(crate) async fn api_incident_queue(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<QueueQuery>,
) -> AppResult<Json<QueuePage>> {
    Ok(Json(st.store.incident_queue(&a.actor, &q).await?))
}

/// A structure's incidents, open first (the latest 20), with the counts of open and overdue ones
#[utoipa::path(get, path = "/structures/{id}/incidents", tag = "incidents",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "A structure's incidents, open first, with the counts of open and overdue ones", body = StructureIncidents)))]
pub(crate) async fn api_structure_incidents(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<StructureIncidents>> {
    Ok(Json(st.store.structure_incidents(&a.actor, id).await?))
}

/// Declare an incident of a structure: saved as a draft (submit it with /incidents/{id}/submit)
#[utoipa::path(post, path = "/structures/{id}/incidents", tag = "incidents",
    params(("id" = i64, Path, description = "The structure's id")),
    request_body = Declaration,
    responses((status = 201, description = "Declare an incident of a structure: saved as a draft", body = Created)))]
pub(crate) async fn api_declare_incident(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(d): Json<Declaration>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let id = st.store.create_incident(&a.actor, id, &d).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// An incident with its clocks, timeline, notes, observables and the people named on it
#[utoipa::path(get, path = "/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 200, description = "An incident with its clocks, timeline, notes, observables and the people named on it", body = IncidentCase)))]
pub(crate) async fn api_get_incident(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<IncidentCase>> {
    Ok(Json(st.store.get_incident_case(&a.actor, id).await?))
}

/// Complete a draft declaration (every field, as on creation)
#[utoipa::path(put, path = "/incidents/{id}", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body = Declaration,
    responses((status = 204, description = "Complete a draft declaration")))]
pub(crate) async fn api_update_incident(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(d): Json<Declaration>,
) -> AppResult<StatusCode> {
    st.store.update_incident_draft(&a.actor, id, &d).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Submit a draft declaration to the CERT and the regional centre
#[utoipa::path(post, path = "/incidents/{id}/submit", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 204, description = "Submit a draft declaration to the CERT and the regional centre")))]
pub(crate) async fn api_submit_incident(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    st.store.submit_incident(&a.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Qualify an incident (analysts): {"incident_type": "ransomware", "severity": "high", "major": true}
#[utoipa::path(post, path = "/incidents/{id}/triage", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body = Triage,
    responses((status = 204, description = "Qualify an incident (analysts)")))]
pub(crate) async fn api_triage_incident(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(t): Json<Triage>,
) -> AppResult<StatusCode> {
    st.store.triage_incident(&a.actor, id, &t).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The people an incident can be assigned to (analysts): those whose scope covers its structure
#[utoipa::path(get, path = "/incidents/{id}/assignees", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 200, description = "The people an incident can be assigned to", body = Vec<Assignee>)))]
pub(crate) async fn api_incident_assignees(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<Assignee>>> {
    Ok(Json(st.store.incident_assignees(&a.actor, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AssignBody {
    /// An account's id from `GET /incidents/{id}/assignees`; `null`: nobody.
    assignee_user_id: Option<i64>,
}

/// Assign an incident (analysts): {"assignee_user_id": 12}, or null to unassign
#[utoipa::path(post, path = "/incidents/{id}/assign", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body = AssignBody,
    responses((status = 204, description = "Assign an incident (analysts)")))]
pub(crate) async fn api_assign_incident(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<AssignBody>,
) -> AppResult<StatusCode> {
    st.store
        .assign_incident(&a.actor, id, b.assignee_user_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The sector-wide alerts sent from an incident (analysts), newest first
#[utoipa::path(get, path = "/incidents/{id}/sector-alerts", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 200, description = "The sector-wide alerts sent from an incident", body = Vec<SectorAlertRow>)))]
pub(crate) async fn api_incident_sector_alerts(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Vec<SectorAlertRow>>> {
    Ok(Json(st.store.incident_sector_alerts(&a.actor, id).await?))
}

/// Send a sector-wide alert from an incident (analysts): every structure of the caller's scope
/// but the incident's own whose inventory holds the product is warned, without the incident
/// being named. {"product": "fortinet:fortios", "exposed_only": true, "advisory": "CVE-2024-55591",
/// "message": "…", "tlp": "amber"}
#[utoipa::path(post, path = "/incidents/{id}/sector-alerts", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body = SectorAlertDraft,
    responses((status = 201, description = "The alert, sent", body = Created)))]
pub(crate) async fn api_send_sector_alert(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(d): Json<SectorAlertDraft>,
) -> AppResult<(StatusCode, Json<Created>)> {
    let (id, _) = st.store.send_sector_alert(&a.actor, id, &d).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PreviewParams {
    /// The product's inventory key (`fortinet:fortios`).
    product: String,
    /// Only the structures where it is exposed to the internet.
    #[serde(default)]
    exposed_only: bool,
}

/// Whom a sector-wide alert on a product would reach, before it is sent (analysts)
#[utoipa::path(get, path = "/incidents/{id}/sector-alerts/preview", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id"), PreviewParams),
    responses((status = 200, description = "Whom a sector-wide alert would reach", body = SectorPreview)))]
pub(crate) async fn api_sector_alert_preview(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Query(q): Query<PreviewParams>,
) -> AppResult<Json<SectorPreview>> {
    Ok(Json(
        st.store
            .sector_alert_preview(&a.actor, id, &q.product, q.exposed_only)
            .await?,
    ))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct StatusBody {
    /// `triaged`, `in_progress`, `contained`, `closed`.
    status: String,
}

/// Move an incident to another status (analysts): {"status": "contained"}
#[utoipa::path(post, path = "/incidents/{id}/status", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body = StatusBody,
    responses((status = 204, description = "Move an incident to another status (analysts)")))]
pub(crate) async fn api_incident_status(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<StatusBody>,
) -> AppResult<StatusCode> {
    st.store
        .set_incident_status(&a.actor, id, &b.status)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NoteBody {
    body: String,
    /// Only for the analysts (not shown to the structure).
    #[serde(default)]
    internal: bool,
}

/// Add a note to the conversation (or, analysts, an internal note): {"body": "...", "internal": false}
#[utoipa::path(post, path = "/incidents/{id}/notes", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body = NoteBody,
    responses((status = 204, description = "Add a note to the conversation (or, analysts, an internal note)")))]
pub(crate) async fn api_incident_note(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<NoteBody>,
) -> AppResult<StatusCode> {
    st.store
        .add_incident_note(&a.actor, id, &b.body, b.internal)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ObservableBody {
    /// `ip`, `domain`, `url`, `email`, `md5`, `sha1`, `sha256`, `filename`.
    kind: String,
    value: String,
    /// TLP 2.0 level (`clear` … `red`); default `amber`.
    #[serde(default)]
    tlp: String,
    /// An indicator of compromise (worth detecting).
    #[serde(default)]
    indicator: bool,
    #[serde(default)]
    comment: String,
}

/// Add an observable or indicator of compromise with its TLP
#[utoipa::path(post, path = "/incidents/{id}/observables", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    request_body = ObservableBody,
    responses((status = 204, description = "Add an observable or indicator of compromise with its TLP")))]
pub(crate) async fn api_incident_observable(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<ObservableBody>,
) -> AppResult<StatusCode> {
    st.store
        .add_incident_observable(
            &a.actor,
            id,
            &b.kind,
            &b.value,
            &b.tlp,
            b.indicator,
            &b.comment,
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The incident as a MISP event (health taxonomy as vigie-health machine tags), with what the caller may see
#[utoipa::path(get, path = "/incidents/{id}/misp", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 200, description = "The incident as a MISP event", body = Document)))]
pub(crate) async fn api_incident_misp(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Document>> {
    let inc = st.store.incident_for_export(&a.actor, id).await?;
    Ok(Json(Document(vigie_incidents::misp::event(&inc))))
}

/// The incident as a STIX 2.1 bundle (TLP 2.0 markings), with what the caller may see
#[utoipa::path(get, path = "/incidents/{id}/stix", tag = "incidents",
    params(("id" = i64, Path, description = "The incident's id")),
    responses((status = 200, description = "The incident as a STIX 2.1 bundle", body = Document)))]
pub(crate) async fn api_incident_stix(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Document>> {
    let inc = st.store.incident_for_export(&a.actor, id).await?;
    Ok(Json(Document(vigie_incidents::stix::bundle(&inc))))
}
