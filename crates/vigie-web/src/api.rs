//! The JSON API under `/api/v1`: the same operations as the pages, for scripts (bearer tokens) and
//! for our own pages (session cookie + `X-CSRF-Token`). Documented in `/api/openapi.json`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;
use vigie_domain::role::{Permission, Role};
use vigie_domain::structure::ContactRole;
use vigie_store::registry::StructureSummary;

use crate::auth::Api;
use crate::error::{AppError, AppResult};
use crate::pages::notifications;
use crate::pages::{
    asset_kind, audit_to_csv, csv_response, structures_to_csv, AuditParams, StructureQuery,
};
use crate::AppState;

/// Every route of the API, with its method: the OpenAPI document and the authorization matrix
/// test are both checked against this list.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/me"),
    ("GET", "/api/v1/regions"),
    ("GET", "/api/v1/structures"),
    ("GET", "/api/v1/structures.csv"),
    ("GET", "/api/v1/structures/{id}"),
    ("GET", "/api/v1/structures/{id}/contacts"),
    ("PUT", "/api/v1/structures/{id}/contacts/{role}"),
    ("PUT", "/api/v1/structures/{id}/designations"),
    ("GET", "/api/v1/structures/{id}/assets"),
    ("POST", "/api/v1/structures/{id}/assets"),
    ("DELETE", "/api/v1/structures/{id}/assets/{asset}"),
    ("GET", "/api/v1/ghts"),
    ("GET", "/api/v1/ghts/{id}"),
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/{id}"),
    ("POST", "/api/v1/users/{id}/disable"),
    ("POST", "/api/v1/users/{id}/enable"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/audit.csv"),
    ("POST", "/api/v1/imports/finess"),
    ("POST", "/api/v1/imports/ght"),
    ("GET", "/api/v1/jobs"),
    ("GET", "/api/v1/webhooks"),
    ("POST", "/api/v1/webhooks"),
    ("DELETE", "/api/v1/webhooks/{id}"),
    ("GET", "/api/v1/notifications"),
    // Exposure (crate::surveillance::API_ROUTES)
    ("GET", "/api/v1/exposure"),
    ("GET", "/api/v1/structures/{id}/surveillance"),
    ("PUT", "/api/v1/structures/{id}/surveillance"),
    ("GET", "/api/v1/structures/{id}/scans"),
    ("POST", "/api/v1/structures/{id}/scans"),
    ("GET", "/api/v1/structures/{id}/findings"),
    ("GET", "/api/v1/scans/{id}"),
    ("GET", "/api/v1/scans/{id}/diff"),
    ("POST", "/api/v1/findings/{id}/acknowledge"),
    // Vulnerability watch (crate::watch::API_ROUTES).
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

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/regions", get(regions))
        .route("/structures", get(list_structures))
        .route("/structures.csv", get(structures_csv))
        .route("/structures/{id}", get(get_structure))
        .route("/structures/{id}/contacts", get(list_contacts))
        .route("/structures/{id}/contacts/{role}", put(set_contact))
        .route("/structures/{id}/designations", put(set_designations))
        .route("/structures/{id}/assets", get(list_assets).post(add_asset))
        .route("/structures/{id}/assets/{asset}", delete(remove_asset))
        .route("/ghts", get(list_ghts))
        .route("/ghts/{id}", get(get_ght))
        .route("/users", get(list_users).post(create_user))
        .route("/users/{id}", get(get_user))
        .route("/users/{id}/disable", post(disable_user))
        .route("/users/{id}/enable", post(enable_user))
        .route("/audit", get(audit))
        .route("/audit.csv", get(audit_csv))
        .route("/imports/finess", post(import_finess))
        .route("/imports/ght", post(import_ght))
        .route("/jobs", get(jobs))
        .route(
            "/webhooks",
            get(notifications::api_list_webhooks).post(notifications::api_create_webhook),
        )
        .route("/webhooks/{id}", delete(notifications::api_delete_webhook))
        .route("/notifications", get(notifications::api_list_notifications))
        .merge(crate::watch::api_routes())
        .fallback(|| async { AppError::NotFound })
}

async fn me(State(st): State<AppState>, Api(a): Api) -> AppResult<Json<serde_json::Value>> {
    let u = st.store.get_user(&a.actor, a.user_id).await?;
    let structures = st.store.user_structure_ids(a.user_id).await?;
    Ok(Json(json!({
        "user": u,
        "role": a.actor.role.as_str(),
        "scope": format!("{:?}", a.actor.scope),
        "structure_ids": structures,
        "permissions": {
            "read_structures": a.actor.can(Permission::ReadStructures),
            "write_structures": a.actor.can(Permission::WriteStructures),
            "write_assets": a.actor.can(Permission::WriteAssets),
            "import_registry": a.actor.can(Permission::ImportRegistry),
            "read_users": a.actor.can(Permission::ReadUsers),
            "manage_users": a.actor.can(Permission::ManageUsers),
            "read_audit": a.actor.can(Permission::ReadAudit),
        }
    })))
}

async fn regions(Api(_a): Api) -> Json<serde_json::Value> {
    let regions: Vec<_> = vigie_domain::geo::regions()
        .iter()
        .map(|r| json!({ "code": r.code, "name": r.name, "ars": r.ars }))
        .collect();
    Json(json!({ "regions": regions }))
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    total: i64,
    page: i64,
    per_page: i64,
}

async fn list_structures(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<StructureQuery>,
) -> AppResult<Json<Page<StructureSummary>>> {
    let f = q.filter()?;
    let (items, total) = st.store.list_structures(&a.actor, &f).await?;
    Ok(Json(Page {
        items,
        total,
        page: f.page.max(1),
        per_page: f.per_page.clamp(1, 500),
    }))
}

async fn structures_csv(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<StructureQuery>,
) -> AppResult<Response> {
    let rows = st.store.export_structures(&a.actor, &q.filter()?).await?;
    Ok(csv_response("structures.csv", structures_to_csv(&rows)?))
}

async fn get_structure(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    let s = st.store.get_structure(&a.actor, id).await?;
    let contacts = st.store.list_contacts(&a.actor, id).await?;
    let assets = st.store.list_assets(&a.actor, id).await?;
    Ok(Json(
        json!({ "structure": s, "contacts": contacts, "assets": assets }),
    ))
}

async fn list_contacts(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        json!({ "items": st.store.list_contacts(&a.actor, id).await? }),
    ))
}

#[derive(Deserialize)]
struct ContactBody {
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

async fn set_contact(
    State(st): State<AppState>,
    Api(a): Api,
    Path((id, role)): Path<(i64, String)>,
    Json(b): Json<ContactBody>,
) -> AppResult<StatusCode> {
    let role: ContactRole = role.parse().map_err(|_| {
        AppError::BadRequest(format!(
            "role: unknown contact role {role:?} (director, security_officer, dpo)"
        ))
    })?;
    st.store
        .set_contact(
            &a.actor,
            id,
            role,
            &b.name,
            b.email.as_deref(),
            b.phone.as_deref(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct DesignationsBody {
    ose: bool,
    esr: bool,
    overseas: bool,
}

async fn set_designations(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<DesignationsBody>,
) -> AppResult<StatusCode> {
    st.store
        .set_designations(&a.actor, id, b.ose, b.esr, b.overseas)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_assets(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        json!({ "items": st.store.list_assets(&a.actor, id).await? }),
    ))
}

#[derive(Deserialize)]
struct AssetBody {
    kind: String,
    value: String,
    attested_by: String,
}

async fn add_asset(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<AssetBody>,
) -> AppResult<Response> {
    let asset = st
        .store
        .add_asset(&a.actor, id, asset_kind(&b.kind)?, &b.value, &b.attested_by)
        .await?;
    Ok((StatusCode::CREATED, Json(asset)).into_response())
}

async fn remove_asset(
    State(st): State<AppState>,
    Api(a): Api,
    Path((id, asset)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    st.store.remove_asset(&a.actor, id, asset).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
struct GhtQuery {
    region: Option<String>,
}

async fn list_ghts(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<GhtQuery>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        json!({ "items": st.store.list_ghts(&a.actor, q.region.as_deref()).await? }),
    ))
}

async fn get_ght(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(json!(st.store.get_ght(&a.actor, id).await?)))
}

async fn list_users(State(st): State<AppState>, Api(a): Api) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        json!({ "items": st.store.list_users(&a.actor).await? }),
    ))
}

async fn get_user(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(json!(st.store.get_user(&a.actor, id).await?)))
}

#[derive(Deserialize)]
struct NewUserBody {
    email: String,
    display_name: String,
    role: String,
    region_code: Option<String>,
    ght_id: Option<i64>,
    #[serde(default)]
    structure_ids: Vec<i64>,
    password: Option<String>,
    locale: Option<String>,
}

async fn create_user(
    State(st): State<AppState>,
    Api(a): Api,
    Json(b): Json<NewUserBody>,
) -> AppResult<Response> {
    let role: Role = b
        .role
        .parse()
        .map_err(|e: vigie_domain::role::UnknownRole| AppError::BadRequest(e.to_string()))?;
    let nu = vigie_store::accounts::NewUser {
        email: b.email,
        display_name: b.display_name,
        role,
        region_code: b.region_code,
        ght_id: b.ght_id,
        structure_ids: b.structure_ids,
        must_change_password: b.password.is_some(),
        password: b.password,
        locale: b.locale.unwrap_or_else(|| "fr".into()),
    };
    let id = st.store.create_user(&a.actor, &nu).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))).into_response())
}

async fn disable_user(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    st.store.set_user_disabled(&a.actor, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn enable_user(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    st.store.set_user_disabled(&a.actor, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn audit(
    State(st): State<AppState>,
    Api(a): Api,
    Query(p): Query<AuditParams>,
) -> AppResult<Json<serde_json::Value>> {
    let (items, total) = st.store.audit_search(&a.actor, &p.query(100)).await?;
    Ok(Json(json!({ "items": items, "total": total })))
}

async fn audit_csv(
    State(st): State<AppState>,
    Api(a): Api,
    Query(p): Query<AuditParams>,
) -> AppResult<Response> {
    let (items, _) = st.store.audit_search(&a.actor, &p.query(100_000)).await?;
    Ok(csv_response("audit.csv", audit_to_csv(&items)?))
}

async fn import_finess(
    State(st): State<AppState>,
    Api(a): Api,
    body: Bytes,
) -> AppResult<Json<serde_json::Value>> {
    a.actor.require(Permission::ImportRegistry)?;
    Ok(Json(json!(
        st.store.import_finess(&a.actor, &body[..]).await?
    )))
}

async fn import_ght(
    State(st): State<AppState>,
    Api(a): Api,
    body: Bytes,
) -> AppResult<Json<serde_json::Value>> {
    a.actor.require(Permission::ImportRegistry)?;
    Ok(Json(json!(st.store.import_ght(&a.actor, &body[..]).await?)))
}

#[derive(Deserialize)]
struct JobsQuery {
    status: Option<String>,
}

/// The job queue, for platform administrators.
async fn jobs(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<JobsQuery>,
) -> AppResult<Json<serde_json::Value>> {
    a.actor.require(Permission::ManageUsers)?;
    Ok(Json(
        json!({ "items": st.store.list_jobs(q.status.as_deref(), 200).await? }),
    ))
}
