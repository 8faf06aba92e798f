//! The observatory under `/api/v1`: every figure of a period and a territory within the caller's
//! scope, as the page's JSON download gives them.

use axum::extract::{Query, State};
use axum::Json;

use super::pages::{compute, ObsQuery};
use crate::api_types::Document;
use crate::auth::Api;
use crate::error::AppResult;
use crate::AppState;

/// The observatory of incidents of a period and a territory: key figures, breakdowns by origin, type, month, weekday and hour, region and sector, impacts, year over year, delays
#[utoipa::path(get, path = "/observatory", tag = "observatory", params(ObsQuery),
    responses((status = 200, description = "Every figure of the observatory of a period and a territory", body = Document)))]
pub(crate) async fn api_observatory(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<ObsQuery>,
) -> AppResult<Json<Document>> {
    let (o, _, _) = compute(&st.store, &a, &q).await?;
    Ok(Json(Document::of(&o)?))
}
