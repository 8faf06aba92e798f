//! The vulnerability watch under `/api/v1`: inventories, alerts and their triage, the bulletin,
//! the sources' freshness.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use vigie_domain::role::Permission;
use vigie_store::watch::{self as w, AdvisoryInfo, Alert, InventoryItem, NewItem, SourceFreshness};

use super::pages::{AlertQuery, BulletinQuery};
use crate::api_types::Items;
use crate::auth::Api;
use crate::error::AppResult;
use crate::AppState;

/// An inventory item just declared, and the alerts it raised at once.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct NewInventoryItem {
    item: InventoryItem,
    /// Ids of the new alerts.
    new_alerts: Vec<i64>,
}

/// An alert and the advisory behind it (none for an end-of-life alert).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct AlertDetail {
    alert: Alert,
    advisory: Option<AdvisoryInfo>,
}

/// The advisory sources and whether any is late.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct Sources {
    items: Vec<SourceFreshness>,
    any_stale: bool,
}

/// Software inventory of a structure
#[utoipa::path(get, path = "/structures/{id}/inventory", tag = "watch",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "Software inventory of a structure", body = Items<InventoryItem>)))]
pub(crate) async fn api_inventory(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Items<InventoryItem>>> {
    Ok(Json(Items::of(
        st.store.list_inventory(&a.actor, id).await?,
    )))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ItemBody {
    product: String,
    version: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    exposed: bool,
}

/// Declare a product and version ({product, version, location?, exposed?}); returns the new alerts
#[utoipa::path(post, path = "/structures/{id}/inventory", tag = "watch",
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 201, description = "Declare a product and version ({product, version, location?, exposed?}); returns the new alerts", body = NewInventoryItem)))]
pub(crate) async fn api_inventory_add(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<ItemBody>,
) -> AppResult<Response> {
    let (item, alerts) = st
        .store
        .add_inventory_item(
            &a.actor,
            id,
            &NewItem {
                product: b.product,
                version: b.version,
                location: b.location,
                origin: "form".into(),
                exposed: b.exposed,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewInventoryItem {
            item,
            new_alerts: alerts,
        }),
    )
        .into_response())
}

/// Remove an inventory item (its open alerts close automatically)
#[utoipa::path(delete, path = "/structures/{id}/inventory/{item}", tag = "watch",
    params(("id" = i64, Path, description = "The structure's id"), ("item" = i64, Path, description = "The item's id")),
    responses((status = 204, description = "Remove an inventory item (its open alerts close automatically)")))]
pub(crate) async fn api_inventory_remove(
    State(st): State<AppState>,
    Api(a): Api,
    Path((id, item)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    st.store.remove_inventory_item(&a.actor, id, item).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Import an inventory: CSV (product, version[, location, exposed]) or a CycloneDX JSON SBOM (request body: the file; any product, unknown ones under their open key); per row, what resolved to what; every row that can be stored is, the others are listed in skipped with their line, column and reason; a file wrong as a whole (encoding, header, format) is refused (422, nothing stored)
#[utoipa::path(post, path = "/structures/{id}/inventory/import", tag = "watch",
    request_body(content((String = "text/csv"), (Object = "application/json")), description = "A CSV inventory (product, version[, location, exposed]) or a CycloneDX JSON SBOM"),
    params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "Import an inventory: CSV (product, version[, location, exposed]) or a CycloneDX JSON SBOM (request body: the file; any product, unknown ones under their open key); per row, what resolved to what; every row that can be stored is, the others are listed in skipped with their line, column and reason; a file wrong as a whole (encoding, header, format) is refused (422, nothing stored)", body = w::ImportReport)))]
pub(crate) async fn api_inventory_import(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    a.actor.require(Permission::WriteInventory)?;
    let (items, report) = w::read_inventory(&body)?;
    let report = st
        .store
        .import_inventory(&a.actor, id, &items, report)
        .await?;
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(report)).into_response())
}

/// Alerts in scope, highest priority first (?structure, ?ght, ?region, ?open=1)
#[utoipa::path(get, path = "/alerts", tag = "watch",
    responses((status = 200, description = "Alerts in scope, highest priority first (?structure, ?ght, ?region, ?open=1)", body = Items<Alert>)))]
pub(crate) async fn api_alerts(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<AlertQuery>,
) -> AppResult<Json<Items<Alert>>> {
    Ok(Json(Items::of(
        st.store.list_alerts(&a.actor, &q.filter()?).await?,
    )))
}

/// One alert with its advisory
#[utoipa::path(get, path = "/alerts/{id}", tag = "watch",
    params(("id" = i64, Path, description = "The alert's id")),
    responses((status = 200, description = "One alert with its advisory", body = AlertDetail)))]
pub(crate) async fn api_alert(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<AlertDetail>> {
    let (alert, advisory) = st.store.get_alert(&a.actor, id).await?;
    Ok(Json(AlertDetail { alert, advisory }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct TriageBody {
    status: String,
    #[serde(default)]
    reason: String,
}

/// Triage an alert ({status: new|acknowledged|fixed|not_affected, reason})
#[utoipa::path(post, path = "/alerts/{id}/triage", tag = "watch",
    params(("id" = i64, Path, description = "The alert's id")),
    responses((status = 200, description = "Triage an alert ({status: new|acknowledged|fixed|not_affected, reason})", body = Alert)))]
pub(crate) async fn api_triage(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<TriageBody>,
) -> AppResult<Json<Alert>> {
    Ok(Json(
        st.store
            .triage_alert(&a.actor, id, &b.status, &b.reason)
            .await?,
    ))
}

/// Weekly bulletin (?structure or ?region, ?week=YYYY-Www)
#[utoipa::path(get, path = "/watch/bulletin", tag = "watch",
    responses((status = 200, description = "Weekly bulletin (?structure or ?region, ?week=YYYY-Www)", body = w::Bulletin)))]
pub(crate) async fn api_bulletin(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<BulletinQuery>,
) -> AppResult<Json<w::Bulletin>> {
    Ok(Json(
        st.store
            .watch_bulletin(&a.actor, &q.target(), q.week.as_deref())
            .await?,
    ))
}

/// Freshness of the advisory sources
#[utoipa::path(get, path = "/watch/sources", tag = "watch",
    responses((status = 200, description = "Freshness of the advisory sources", body = Sources)))]
pub(crate) async fn api_sources(
    State(st): State<AppState>,
    Api(a): Api,
) -> AppResult<Json<Sources>> {
    let items = st.store.watch_sources(&a.actor).await?;
    let any_stale = items.iter().any(|s| s.stale);
    Ok(Json(Sources { items, any_stale }))
}
