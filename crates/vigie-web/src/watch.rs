//! Vulnerability watch: the structure's inventory and alerts, the alert page with its triage, the
//! list of alerts of the caller's scope (structure, GHT, region, country), the weekly bulletin,
//! the freshness of the sources; and the same under `/api/v1`. Every operation goes through
//! `vigie_store::watch`, which checks the role and confines it to the caller's scope.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{delete, get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use vigie_domain::role::Permission;
use vigie_store::watch::{
    self as w, AdvisoryInfo, Alert, AlertFilter, BulletinFor, ImportReport, InventoryItem, NewItem,
    SourceFreshness,
};

use crate::auth::{Api, Authed, Page};
use crate::error::{AppError, AppResult};
use crate::pages::{page_error, render, Ctx};
use crate::AppState;

/// Page routes of this module (listed in `pages::ROUTES`).
pub const PAGE_ROUTES: &[(&str, &str)] = &[
    ("POST", "/structures/{id}/inventory"),
    ("POST", "/structures/{id}/inventory/{item}/delete"),
    ("POST", "/structures/{id}/inventory/import"),
    ("GET", "/watch/alerts"),
    ("GET", "/watch/alerts/{id}"),
    ("POST", "/watch/alerts/{id}/triage"),
    ("GET", "/watch/bulletin"),
    ("GET", "/watch/sources"),
];

/// API routes of this module (listed in `api::ROUTES`).
pub const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/structures/{id}/inventory"),
    ("POST", "/api/v1/structures/{id}/inventory"),
    ("DELETE", "/api/v1/structures/{id}/inventory/{item}"),
    ("POST", "/api/v1/structures/{id}/inventory/import"),
    ("GET", "/api/v1/alerts"),
    ("GET", "/api/v1/alerts/{id}"),
    ("POST", "/api/v1/alerts/{id}/triage"),
    ("GET", "/api/v1/watch/bulletin"),
    ("GET", "/api/v1/watch/sources"),
];

/// OpenAPI summaries of [`API_ROUTES`].
pub fn api_summary(method: &str, path: &str) -> Option<(&'static str, &'static str)> {
    Some(match (method, path) {
        ("GET", "/api/v1/structures/{id}/inventory") => {
            ("Software inventory of a structure", "watch")
        }
        ("POST", "/api/v1/structures/{id}/inventory") => (
            "Declare a product and version ({product, version, location?, exposed?}); returns the new alerts",
            "watch",
        ),
        ("DELETE", "/api/v1/structures/{id}/inventory/{item}") => (
            "Remove an inventory item (its open alerts close automatically)",
            "watch",
        ),
        ("POST", "/api/v1/structures/{id}/inventory/import") => (
            "Import an inventory: CSV (product, version[, location, exposed]) or a CycloneDX JSON SBOM (request body: the file); all or nothing, 422 with per-line errors",
            "watch",
        ),
        ("GET", "/api/v1/alerts") => (
            "Alerts in scope, highest priority first (?structure, ?ght, ?region, ?open=1)",
            "watch",
        ),
        ("GET", "/api/v1/alerts/{id}") => ("One alert with its advisory", "watch"),
        ("POST", "/api/v1/alerts/{id}/triage") => (
            "Triage an alert ({status: new|acknowledged|fixed|not_affected, reason})",
            "watch",
        ),
        ("GET", "/api/v1/watch/bulletin") => (
            "Weekly bulletin (?structure or ?region, ?week=YYYY-Www), JSON with its HTML",
            "watch",
        ),
        ("GET", "/api/v1/watch/sources") => (
            "Freshness of each advisory source, with the staleness alarm",
            "watch",
        ),
        _ => return None,
    })
}

pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/structures/{id}/inventory", post(inventory_add))
        .route(
            "/structures/{id}/inventory/{item}/delete",
            post(inventory_remove),
        )
        .route("/structures/{id}/inventory/import", post(inventory_import))
        .route("/watch/alerts", get(alerts))
        .route("/watch/alerts/{id}", get(alert))
        .route("/watch/alerts/{id}/triage", post(alert_triage))
        .route("/watch/bulletin", get(bulletin))
        .route("/watch/sources", get(sources))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/structures/{id}/inventory",
            get(api_inventory).post(api_inventory_add),
        )
        .route(
            "/structures/{id}/inventory/{item}",
            delete(api_inventory_remove),
        )
        .route(
            "/structures/{id}/inventory/import",
            post(api_inventory_import),
        )
        .route("/alerts", get(api_alerts))
        .route("/alerts/{id}", get(api_alert))
        .route("/alerts/{id}/triage", post(api_triage))
        .route("/watch/bulletin", get(api_bulletin))
        .route("/watch/sources", get(api_sources))
}

macro_rules! page {
    ($a:expr, $body:expr) => {
        match (async { $body }).await {
            Ok(r) => r,
            Err(e) => page_error(&$a, e),
        }
    };
}

/// An alert as the pages show it.
pub struct AlertView {
    pub a: Alert,
    pub product_name: String,
    pub reasons: Vec<String>,
}

impl AlertView {
    fn of(a: Alert) -> AlertView {
        AlertView {
            product_name: w::product_name(&a.product),
            reasons: a.reason_list(),
            a,
        }
    }
}

/// An inventory item as the pages show it.
pub struct ItemView {
    pub i: InventoryItem,
    pub product_name: String,
}

/// What the structure page shows of the watch.
pub struct StructureWatch {
    pub alerts: Vec<AlertView>,
    pub inventory: Vec<ItemView>,
    pub can_inventory: bool,
    pub products: Vec<(String, String)>,
}

/// Loads the watch section of a structure's page.
pub async fn structure_section(
    st: &AppState,
    a: &Authed,
    id: i64,
) -> Result<StructureWatch, AppError> {
    if !a.actor.can(Permission::ReadVulnerabilities) {
        return Ok(StructureWatch {
            alerts: Vec::new(),
            inventory: Vec::new(),
            can_inventory: false,
            products: Vec::new(),
        });
    }
    let alerts = st
        .store
        .list_alerts(
            &a.actor,
            &AlertFilter {
                structure_id: Some(id),
                limit: Some(200),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(AlertView::of)
        .collect();
    let inventory = st
        .store
        .list_inventory(&a.actor, id)
        .await?
        .into_iter()
        .map(|i| ItemView {
            product_name: w::product_name(&i.product),
            i,
        })
        .collect();
    let mut products: Vec<(String, String)> = w::catalog()?
        .products()
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    products.sort_by_key(|x| x.1.to_lowercase());
    Ok(StructureWatch {
        alerts,
        inventory,
        can_inventory: a.actor.can(Permission::WriteInventory),
        products,
    })
}

#[derive(Deserialize)]
struct ItemForm {
    product: String,
    version: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    exposed: Option<String>,
}

async fn inventory_add(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<ItemForm>,
) -> Response {
    page!(a, {
        st.store
            .add_inventory_item(
                &a.actor,
                id,
                &NewItem {
                    product: f.product,
                    version: f.version,
                    location: f.location,
                    origin: "form".into(),
                    exposed: f.exposed.is_some(),
                },
            )
            .await?;
        Ok::<_, AppError>(Redirect::to(&format!("/structures/{id}#h-watch")).into_response())
    })
}

async fn inventory_remove(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, item)): Path<(i64, i64)>,
) -> Response {
    page!(a, {
        st.store.remove_inventory_item(&a.actor, id, item).await?;
        Ok::<_, AppError>(Redirect::to(&format!("/structures/{id}#h-watch")).into_response())
    })
}

/// Reads an uploaded inventory: CycloneDX JSON when it starts like JSON, CSV otherwise.
fn read_inventory(data: &[u8]) -> AppResult<(w::PlacedItems, ImportReport)> {
    let head = data
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF);
    Ok(if head == Some(&b'{') {
        let (items, errors, unknown) = w::parse_cyclonedx(data)?;
        (
            items,
            ImportReport {
                errors,
                unknown,
                ..Default::default()
            },
        )
    } else {
        let (items, errors) = w::parse_inventory_csv(data);
        (
            items,
            ImportReport {
                errors,
                ..Default::default()
            },
        )
    })
}

#[derive(Template)]
#[template(path = "watch_import.html")]
struct ImportPage {
    ctx: Ctx,
    structure_id: i64,
    report: ImportReport,
}

async fn inventory_import(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Response {
    page!(a, {
        a.actor.require(Permission::WriteInventory)?;
        let mut data = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| AppError::BadRequest(format!("upload: {e}")))?
        {
            if field.name() == Some("file") {
                data = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| AppError::BadRequest(format!("upload: {e}")))?,
                );
                break;
            }
        }
        let data = data.ok_or_else(|| AppError::BadRequest("upload: no file field".into()))?;
        let (items, report) = read_inventory(&data)?;
        let report = st
            .store
            .import_inventory(&a.actor, id, &items, report)
            .await?;
        render(&ImportPage {
            ctx: Ctx::of(&a),
            structure_id: id,
            report,
        })
    })
}

#[derive(Deserialize, Default)]
struct AlertQuery {
    structure: Option<i64>,
    ght: Option<i64>,
    region: Option<String>,
    open: Option<String>,
}

impl AlertQuery {
    fn filter(&self) -> AlertFilter {
        AlertFilter {
            structure_id: self.structure,
            ght_id: self.ght,
            region_code: self.region.clone().filter(|r| !r.is_empty()),
            open_only: matches!(self.open.as_deref(), Some("1" | "true" | "on")),
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "watch_alerts.html")]
struct AlertsPage {
    ctx: Ctx,
    alerts: Vec<AlertView>,
    open_only: bool,
    can_sources: bool,
}

async fn alerts(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<AlertQuery>,
) -> Response {
    page!(a, {
        let f = q.filter();
        let alerts = st.store.list_alerts(&a.actor, &f).await?;
        render(&AlertsPage {
            ctx: Ctx::of(&a),
            alerts: alerts.into_iter().map(AlertView::of).collect(),
            open_only: f.open_only,
            can_sources: a.actor.can(Permission::ManageIntel),
        })
    })
}

#[derive(Template)]
#[template(path = "watch_alert.html")]
struct AlertPage {
    ctx: Ctx,
    v: AlertView,
    adv: Option<AdvisoryInfo>,
    can_triage: bool,
}

async fn alert(State(st): State<AppState>, Page(a): Page, Path(id): Path<i64>) -> Response {
    page!(a, {
        let (al, adv) = st.store.get_alert(&a.actor, id).await?;
        render(&AlertPage {
            ctx: Ctx::of(&a),
            v: AlertView::of(al),
            adv,
            can_triage: a.actor.can(Permission::TriageAlerts),
        })
    })
}

#[derive(Deserialize)]
struct TriageForm {
    status: String,
    #[serde(default)]
    reason: String,
}

async fn alert_triage(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<TriageForm>,
) -> Response {
    page!(a, {
        st.store
            .triage_alert(&a.actor, id, &f.status, &f.reason)
            .await?;
        Ok::<_, AppError>(Redirect::to(&format!("/watch/alerts/{id}")).into_response())
    })
}

#[derive(Deserialize, Default)]
struct BulletinQuery {
    structure: Option<i64>,
    region: Option<String>,
    week: Option<String>,
}

impl BulletinQuery {
    fn target(&self) -> BulletinFor {
        match (
            self.structure,
            self.region.as_deref().filter(|r| !r.is_empty()),
        ) {
            (Some(id), _) => BulletinFor::Structure(id),
            (None, Some(r)) => BulletinFor::Region(r.to_string()),
            _ => BulletinFor::Scope,
        }
    }
}

#[derive(Template)]
#[template(path = "watch_bulletin.html")]
struct BulletinPage {
    ctx: Ctx,
    b: w::Bulletin,
    alerts: Vec<AlertView>,
}

async fn bulletin(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<BulletinQuery>,
) -> Response {
    page!(a, {
        let b = st
            .store
            .watch_bulletin(&a.actor, &q.target(), q.week.as_deref())
            .await?;
        let alerts = b.alerts.iter().cloned().map(AlertView::of).collect();
        render(&BulletinPage {
            ctx: Ctx::of(&a),
            b,
            alerts,
        })
    })
}

#[derive(Template)]
#[template(path = "watch_sources.html")]
struct SourcesPage {
    ctx: Ctx,
    sources: Vec<SourceFreshness>,
}

async fn sources(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, {
        let sources = st.store.watch_sources(&a.actor).await?;
        render(&SourcesPage {
            ctx: Ctx::of(&a),
            sources,
        })
    })
}

// ---------- API ----------

async fn api_inventory(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        json!({ "items": st.store.list_inventory(&a.actor, id).await? }),
    ))
}

#[derive(Deserialize)]
struct ItemBody {
    product: String,
    version: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    exposed: bool,
}

async fn api_inventory_add(
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
        Json(json!({ "item": item, "new_alerts": alerts })),
    )
        .into_response())
}

async fn api_inventory_remove(
    State(st): State<AppState>,
    Api(a): Api,
    Path((id, item)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    st.store.remove_inventory_item(&a.actor, id, item).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_inventory_import(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    body: Bytes,
) -> AppResult<Response> {
    a.actor.require(Permission::WriteInventory)?;
    let (items, report) = read_inventory(&body)?;
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

async fn api_alerts(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<AlertQuery>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        json!({ "items": st.store.list_alerts(&a.actor, &q.filter()).await? }),
    ))
}

async fn api_alert(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    let (al, adv) = st.store.get_alert(&a.actor, id).await?;
    Ok(Json(json!({ "alert": al, "advisory": adv })))
}

#[derive(Deserialize)]
struct TriageBody {
    status: String,
    #[serde(default)]
    reason: String,
}

async fn api_triage(
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

async fn api_bulletin(
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

async fn api_sources(
    State(st): State<AppState>,
    Api(a): Api,
) -> AppResult<Json<serde_json::Value>> {
    let sources = st.store.watch_sources(&a.actor).await?;
    let stale = sources.iter().any(|s| s.stale);
    Ok(Json(json!({ "items": sources, "any_stale": stale })))
}
