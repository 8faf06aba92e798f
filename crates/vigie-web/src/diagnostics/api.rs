//! Diagnostics under `/api/v1`: the region's (the nation's) overview, a structure's diagnostics,
//! one diagnostic with its answers and scores, and a structure's action plan with its evidence
//! files (listed, and each downloaded). Read only: taking a diagnostic is done in the pages,
//! theme by theme, by people.

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Deserialize;

use vigie_store::diagnostics::{ActionRow, EvidenceFileRow};

use crate::api_types::Document;
use crate::auth::Api;
use crate::error::AppResult;
use crate::AppState;

/// The overview's filter.
#[derive(Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct OverviewQuery {
    /// A region's code (within the caller's scope; another region's counts nothing).
    #[serde(default)]
    region: Option<String>,
}

/// The diagnostics of the caller's scope: structures diagnosed, score distribution, by region, most common priority measures, overdue actions, the latest diagnosed structures
#[utoipa::path(get, path = "/diagnostics", tag = "diagnostics", params(OverviewQuery),
    responses((status = 200, description = "The diagnostics overview of the caller's scope (optionally one region)", body = Document)))]
pub(crate) async fn api_diagnostics_overview(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<OverviewQuery>,
) -> AppResult<Json<Document>> {
    let o = st
        .store
        .diagnostics_overview(&a.actor, q.region.as_deref())
        .await?;
    Ok(Json(Document::of(&o)?))
}

/// A structure's diagnostics, newest first
#[utoipa::path(get, path = "/structures/{id}/diagnostics", tag = "diagnostics",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "A structure's diagnostics, newest first", body = Document)))]
pub(crate) async fn api_structure_diagnostics(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Document>> {
    let list = st.store.structure_diagnostics(&a.actor, id).await?;
    Ok(Json(Document::of(&list)?))
}

/// One diagnostic: its questionnaire, answers, scores by theme and priority measures
#[utoipa::path(get, path = "/diagnostics/{id}", tag = "diagnostics",
    params(("id" = i64, Path, description = "The diagnostic's id")),
    responses((status = 200, description = "One diagnostic with its answers, scores and measures", body = Document)))]
pub(crate) async fn api_get_diagnostic(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Document>> {
    let d = st.store.get_diagnostic(&a.actor, id).await?;
    Ok(Json(Document::of(&d)?))
}

/// An action of the plan with the files given as its evidence (their content is downloaded at
/// `/plan/actions/{id}/evidence/{file}`).
#[derive(serde::Serialize)]
struct PlanAction {
    #[serde(flatten)]
    action: ActionRow,
    evidence_files: Vec<EvidenceFileRow>,
}

/// A structure's action plan: each action with its owner, due day, status, evidence (a note and files) and source
#[utoipa::path(get, path = "/structures/{id}/plan", tag = "diagnostics",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "A structure's action plan", body = Document)))]
pub(crate) async fn api_structure_plan(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Document>> {
    let actions = st.store.plan_actions(&a.actor, id).await?;
    let files = st.store.plan_evidence_files(&a.actor, id).await?;
    let actions: Vec<PlanAction> = actions
        .into_iter()
        .map(|action| PlanAction {
            evidence_files: files
                .iter()
                .filter(|f| f.action_id == action.id)
                .cloned()
                .collect(),
            action,
        })
        .collect();
    Ok(Json(Document::of(&actions)?))
}
