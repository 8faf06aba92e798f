//! The accounts under `/api/v1`: who is calling, the users of the caller's scope and their
//! administration.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use vigie_domain::role::{Permission, Role};
use vigie_store::accounts::User;

use crate::api_types::{Created, Items};
use crate::auth::Api;
use crate::error::{AppError, AppResult};
use crate::AppState;

/// What the caller's role allows.
#[derive(Serialize, ToSchema)]
pub(crate) struct Permissions {
    read_structures: bool,
    write_structures: bool,
    write_assets: bool,
    import_registry: bool,
    read_users: bool,
    manage_users: bool,
    read_audit: bool,
}

/// The caller.
#[derive(Serialize, ToSchema)]
pub(crate) struct Me {
    user: User,
    role: &'static str,
    /// The scope, as the server names it (`National`, `Region("84")`, `Ght(3)`…).
    scope: String,
    /// The structures the caller is a member of.
    structure_ids: Vec<i64>,
    permissions: Permissions,
}

/// The caller's account, role, scope and permissions.
#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, description = "The caller's account, role, scope and permissions", body = Me)))]
pub(crate) async fn me(State(st): State<AppState>, Api(a): Api) -> AppResult<Json<Me>> {
    let user = st.store.get_user(&a.actor, a.user_id).await?;
    let structure_ids = st.store.user_structure_ids(a.user_id).await?;
    let can = |p| a.actor.can(p);
    Ok(Json(Me {
        user,
        role: a.actor.role.as_str(),
        scope: format!("{:?}", a.actor.scope),
        structure_ids,
        permissions: Permissions {
            read_structures: can(Permission::ReadStructures),
            write_structures: can(Permission::WriteStructures),
            write_assets: can(Permission::WriteAssets),
            import_registry: can(Permission::ImportRegistry),
            read_users: can(Permission::ReadUsers),
            manage_users: can(Permission::ManageUsers),
            read_audit: can(Permission::ReadAudit),
        },
    }))
}

/// Users in the caller's scope.
#[utoipa::path(get, path = "/users", tag = "accounts",
    responses((status = 200, description = "Users in scope", body = Items<User>)))]
pub(crate) async fn list_users(
    State(st): State<AppState>,
    Api(a): Api,
) -> AppResult<Json<Items<User>>> {
    Ok(Json(Items::of(st.store.list_users(&a.actor).await?)))
}

/// One user.
#[utoipa::path(get, path = "/users/{id}", tag = "accounts",
    params(("id" = i64, Path, description = "The user's id")),
    responses((status = 200, description = "One user", body = User)))]
pub(crate) async fn get_user(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<User>> {
    Ok(Json(st.store.get_user(&a.actor, id).await?))
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
    responses((status = 201, description = "The user was created", body = Created)))]
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
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
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
