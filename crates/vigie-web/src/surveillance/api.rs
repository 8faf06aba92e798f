//! Exposure under `/api/v1`: who exposes what, a structure's surveillance setting, scans,
//! findings, a scan's diff, acknowledging a finding.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use vigie_store::surveillance::{
    ExposureCount, Finding, Observation, Scan, ScanDiff, SurveillanceStatus,
};

use super::pages::{DiffQuery, RegionQuery};

/// A scan asked for: where to follow it.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ScanRequested {
    scan_id: i64,
    link: String,
}

/// A scan and what it observed on each open port.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct ScanDetail {
    scan: Scan,
    observations: Vec<Observation>,
}
use crate::api_types::Items;
use crate::auth::Api;
use crate::error::{AppError, AppResult};
use crate::AppState;

/// Who exposes what: open findings per structure, type and severity (?region=)
#[utoipa::path(get, path = "/exposure", tag = "exposure",
    responses((status = 200, description = "Who exposes what: open findings per structure, type and severity (?region=)", body = Items<ExposureCount>)))]
pub(crate) async fn api_overview(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<RegionQuery>,
) -> AppResult<Json<Items<ExposureCount>>> {
    let rows = st
        .store
        .exposure_overview(&a.actor, q.region.as_deref())
        .await?;
    Ok(Json(Items::of(rows)))
}

/// Scheduled surveillance of a structure (its own setting, its region's, the one applied)
#[utoipa::path(get, path = "/structures/{id}/surveillance", tag = "exposure",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "Scheduled surveillance of a structure (its own setting, its region's, the one applied)", body = SurveillanceStatus)))]
pub(crate) async fn api_get_surveillance(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<SurveillanceStatus>> {
    Ok(Json(st.store.surveillance_status(&a.actor, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct SurveillanceBody {
    enabled: bool,
    #[serde(default)]
    interval_hours: Option<i64>,
}

/// Turn scheduled surveillance on or off: {"enabled": true, "interval_hours": 168}
#[utoipa::path(put, path = "/structures/{id}/surveillance", tag = "exposure",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 204, description = "Turn scheduled surveillance on or off: {\"enabled\": true, \"interval_hours\": 168}")))]
pub(crate) async fn api_set_surveillance(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<SurveillanceBody>,
) -> AppResult<StatusCode> {
    st.store
        .set_structure_surveillance(
            &a.actor,
            id,
            b.enabled,
            b.interval_hours
                .unwrap_or(vigie_store::surveillance::DEFAULT_INTERVAL_HOURS),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Scans of a structure, newest first
#[utoipa::path(get, path = "/structures/{id}/scans", tag = "exposure",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "Scans of a structure, newest first", body = Items<Scan>)))]
pub(crate) async fn api_list_scans(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Items<Scan>>> {
    let scans = st.store.list_scans(&a.actor, id, 200).await?;
    Ok(Json(Items::of(scans)))
}

/// Verify now: scan the structure's declared assets (one pending scan per structure)
#[utoipa::path(post, path = "/structures/{id}/scans", tag = "exposure",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 202, description = "Verify now: scan the structure's declared assets (one pending scan per structure)", body = ScanRequested)))]
pub(crate) async fn api_request_scan(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<(StatusCode, Json<ScanRequested>)> {
    let scan = st.store.request_scan(&a.actor, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ScanRequested {
            scan_id: scan,
            link: format!("/api/v1/scans/{scan}"),
        }),
    ))
}

#[derive(Deserialize, Default)]
pub(crate) struct FindingsQuery {
    #[serde(default)]
    open: Option<bool>,
}

/// Findings of a structure, most critical first (?open=true leaves out fixed ones)
#[utoipa::path(get, path = "/structures/{id}/findings", tag = "exposure",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "Findings of a structure, most critical first (?open=true leaves out fixed ones)", body = Items<Finding>)))]
pub(crate) async fn api_findings(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Query(q): Query<FindingsQuery>,
) -> AppResult<Json<Items<Finding>>> {
    let items = st
        .store
        .list_findings(&a.actor, id, q.open.unwrap_or(false))
        .await?;
    Ok(Json(Items::of(items)))
}

/// One scan with what it observed
#[utoipa::path(get, path = "/scans/{id}", tag = "exposure",
    params(("id" = i64, Path, description = "The scan's id")),
    responses((status = 200, description = "One scan with what it observed", body = ScanDetail)))]
pub(crate) async fn api_scan(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<ScanDetail>> {
    let scan = st.store.get_scan(&a.actor, id).await?;
    let observations = st.store.scan_observations(&a.actor, id).await?;
    Ok(Json(ScanDetail { scan, observations }))
}

/// What changed between scan ?from= and this scan (opened, closed, changed ports)
#[utoipa::path(get, path = "/scans/{id}/diff", tag = "exposure",
    params(("id" = i64, Path, description = "The scan's id")),
    responses((status = 200, description = "What changed between scan ?from= and this scan (opened, closed, changed ports)", body = ScanDiff)))]
pub(crate) async fn api_diff(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> AppResult<Json<ScanDiff>> {
    let from = q.from.ok_or_else(|| {
        AppError::BadRequest("from: give the id of the earlier scan (?from=12)".into())
    })?;
    Ok(Json(st.store.scan_diff(&a.actor, from, id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AckBody {
    note: String,
}

/// Acknowledge a finding with a note: {"note": "..."}
#[utoipa::path(post, path = "/findings/{id}/acknowledge", tag = "exposure",
    params(("id" = i64, Path, description = "The finding's id")),
    responses((status = 200, description = "Acknowledge a finding with a note: {\"note\": \"...\"}", body = Finding)))]
pub(crate) async fn api_acknowledge(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<AckBody>,
) -> AppResult<Json<Finding>> {
    Ok(Json(
        st.store.acknowledge_finding(&a.actor, id, &b.note).await?,
    ))
}
