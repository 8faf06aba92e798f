//! The registry under `/api/v1`: regions, structures (list, CSV, one), their contacts,
//! designations and declared assets, GHTs, and the imports of the FINESS extract and of GHT
//! compositions.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use vigie_domain::role::Permission;
use vigie_domain::structure::ContactRole;
use vigie_store::registry::{Asset, Contact, Ght, ImportReport, Structure, StructureSummary};

use super::pages::{asset_kind, structures_to_csv, StructureQuery};
use crate::api_types::{Items, Page};
use crate::auth::Api;
use crate::error::{AppError, AppResult};
use crate::ui::{csv_response, read_body};
use crate::AppState;

/// A region and its health agency.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Region {
    /// INSEE code (`84`).
    code: &'static str,
    name: &'static str,
    /// The regional health agency (ARS).
    ars: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct Regions {
    regions: Vec<Region>,
}

/// A structure with its contacts and its declared assets.
#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct StructureDetail {
    structure: Structure,
    contacts: Vec<Contact>,
    assets: Vec<Asset>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct ContactBody {
    name: String,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct DesignationsBody {
    ose: bool,
    esr: bool,
    overseas: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct AssetBody {
    kind: String,
    value: String,
    attested_by: String,
}

#[derive(Deserialize)]
pub(crate) struct GhtQuery {
    region: Option<String>,
}

/// The 18 regions and their health agencies.
#[utoipa::path(get, path = "/regions", tag = "registry",
    responses((status = 200, description = "The 18 regions and their health agencies", body = Regions)))]
pub(crate) async fn regions(Api(_a): Api) -> Json<Regions> {
    let regions = vigie_domain::geo::regions()
        .iter()
        .map(|r| Region {
            code: r.code,
            name: r.name,
            ars: r.ars,
        })
        .collect();
    Json(Regions { regions })
}

/// Structures in scope, filtered and paginated.
#[utoipa::path(get, path = "/structures", tag = "registry",
    responses((status = 200, description = "Structures in scope, filtered and paginated", body = Page<StructureSummary>)))]
pub(crate) async fn list_structures(
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

/// Structures in scope as CSV (semicolon-separated, UTF-8).
#[utoipa::path(get, path = "/structures.csv", tag = "registry",
    responses((status = 200, description = "Structures in scope as CSV (semicolon-separated, UTF-8)", content_type = "text/csv")))]
pub(crate) async fn structures_csv(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<StructureQuery>,
) -> AppResult<Response> {
    let rows = st.store.export_structures(&a.actor, &q.filter()?).await?;
    Ok(csv_response("structures.csv", structures_to_csv(&rows)?))
}

/// One structure with its contacts and assets.
#[utoipa::path(get, path = "/structures/{id}", tag = "registry", params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "One structure with its contacts and assets", body = StructureDetail)))]
pub(crate) async fn get_structure(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<StructureDetail>> {
    let structure = st.store.get_structure(&a.actor, id).await?;
    let contacts = st.store.list_contacts(&a.actor, id).await?;
    let assets = st.store.list_assets(&a.actor, id).await?;
    Ok(Json(StructureDetail {
        structure,
        contacts,
        assets,
    }))
}

/// Contacts of a structure.
#[utoipa::path(get, path = "/structures/{id}/contacts", tag = "registry", params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "Contacts of a structure", body = Items<Contact>)))]
pub(crate) async fn list_contacts(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Items<Contact>>> {
    Ok(Json(Items::of(st.store.list_contacts(&a.actor, id).await?)))
}

/// The contact of that role was set.
#[utoipa::path(put, path = "/structures/{id}/contacts/{role}", tag = "registry",
    params(("id" = i64, Path, description = "The structure's id"), ("role" = String, Path, description = "director, security_officer or dpo")),
    responses((status = 204, description = "The contact of that role was set")))]
pub(crate) async fn set_contact(
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

/// The designations (OSE, ESR, overseas) were set.
#[utoipa::path(put, path = "/structures/{id}/designations", tag = "registry", params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 204, description = "The designations (OSE, ESR, overseas) were set")))]
pub(crate) async fn set_designations(
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

/// Declared assets of a structure.
#[utoipa::path(get, path = "/structures/{id}/assets", tag = "registry", params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 200, description = "Declared assets of a structure", body = Items<Asset>)))]
pub(crate) async fn list_assets(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Items<Asset>>> {
    Ok(Json(Items::of(st.store.list_assets(&a.actor, id).await?)))
}

/// The asset (domain or IP range) was declared, with who attests it.
#[utoipa::path(post, path = "/structures/{id}/assets", tag = "registry", params(("id" = i64, Path, description = "The structure's id")),
    responses((status = 201, description = "The asset (domain or IP range) was declared, with who attests it", body = Asset)))]
pub(crate) async fn add_asset(
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

/// The asset was removed.
#[utoipa::path(delete, path = "/structures/{id}/assets/{asset}", tag = "registry",
    params(("id" = i64, Path, description = "The structure's id"), ("asset" = i64, Path, description = "The asset's id")),
    responses((status = 204, description = "The asset was removed")))]
pub(crate) async fn remove_asset(
    State(st): State<AppState>,
    Api(a): Api,
    Path((id, asset)): Path<(i64, i64)>,
) -> AppResult<StatusCode> {
    st.store.remove_asset(&a.actor, id, asset).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// GHTs in scope (?region=).
#[utoipa::path(get, path = "/ghts", tag = "registry",
    responses((status = 200, description = "GHTs in scope (?region=)", body = Items<Ght>)))]
pub(crate) async fn list_ghts(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<GhtQuery>,
) -> AppResult<Json<Items<Ght>>> {
    Ok(Json(Items::of(
        st.store.list_ghts(&a.actor, q.region.as_deref()).await?,
    )))
}

/// One GHT.
#[utoipa::path(get, path = "/ghts/{id}", tag = "registry", params(("id" = i64, Path, description = "The GHT's id")),
    responses((status = 200, description = "One GHT", body = Ght)))]
pub(crate) async fn get_ght(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<Ght>> {
    Ok(Json(st.store.get_ght(&a.actor, id).await?))
}

/// The FINESS extract (request body: the file) was imported; the report counts and lists refused lines.
#[utoipa::path(post, path = "/imports/finess", tag = "imports",
    request_body(content = String, content_type = "text/csv", description = "The FINESS extract as the open-data portal publishes it (semicolon-separated)"),
    responses((status = 200, description = "The FINESS extract (request body: the file) was imported; the report counts and lists refused lines", body = ImportReport)))]
pub(crate) async fn import_finess(
    State(st): State<AppState>,
    Api(a): Api,
    body: Body,
) -> AppResult<Json<ImportReport>> {
    // The rights first: nobody else makes the server read tens of megabytes.
    a.actor.require(Permission::ImportRegistry)?;
    let body = read_body(body, super::FINESS_UPLOAD_BYTES).await?;
    Ok(Json(st.store.import_finess(&a.actor, &body[..]).await?))
}

/// The GHT composition CSV (request body: the file) was imported.
#[utoipa::path(post, path = "/imports/ght", tag = "imports",
    request_body(content = String, content_type = "text/csv", description = "A GHT composition: one line per establishment and its GHT"),
    responses((status = 200, description = "The GHT composition CSV (request body: the file) was imported", body = ImportReport)))]
pub(crate) async fn import_ght(
    State(st): State<AppState>,
    Api(a): Api,
    body: Body,
) -> AppResult<Json<ImportReport>> {
    a.actor.require(Permission::ImportRegistry)?;
    let body = read_body(body, super::GHT_UPLOAD_BYTES).await?;
    Ok(Json(st.store.import_ght(&a.actor, &body[..]).await?))
}
