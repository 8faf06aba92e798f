//! The accounts under `/api/v1`: who is calling, the users of the caller's scope and their
//! administration.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use vigie_domain::role::{Permission, Role};

use crate::auth::Api;
use crate::error::{AppError, AppResult};
use crate::AppState;

/// The caller's account, role, scope and permissions.
#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, description = "The caller's account, role, scope and permissions")))]
pub(crate) async fn me(
    State(st): State<AppState>,
    Api(a): Api,
) -> AppResult<Json<serde_json::Value>> {
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

/// Users in the caller's scope.
#[utoipa::path(get, path = "/users", tag = "accounts",
    responses((status = 200, description = "Users in scope")))]
pub(crate) async fn list_users(
    State(st): State<AppState>,
    Api(a): Api,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(
        json!({ "items": st.store.list_users(&a.actor).await? }),
    ))
}

/// One user.
#[utoipa::path(get, path = "/users/{id}", tag = "accounts",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 200, description = "One user")))]
pub(crate) async fn get_user(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    Ok(Json(json!(st.store.get_user(&a.actor, id).await?)))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub(crate) struct NewUserBody {
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

/// Creates a user (administrators).
#[utoipa::path(post, path = "/users", tag = "accounts",
    responses((status = 201, description = "The user was created")))]
pub(crate) async fn create_user(
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

/// Disables a user, ending its sessions and tokens.
#[utoipa::path(post, path = "/users/{id}/disable", tag = "accounts",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 204, description = "Disabled")))]
pub(crate) async fn disable_user(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    st.store.set_user_disabled(&a.actor, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enables a user.
#[utoipa::path(post, path = "/users/{id}/enable", tag = "accounts",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 204, description = "Enabled")))]
pub(crate) async fn enable_user(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    st.store.set_user_disabled(&a.actor, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}
