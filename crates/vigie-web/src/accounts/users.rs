//! The accounts of the viewer's scope, and their administration.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::{Permission, Role, ALL_ROLES};
use vigie_store::accounts::User;
use vigie_store::registry::Ght;

use crate::auth::{Authed, Page};
use crate::error::AppError;
use crate::ui::{page, region_options, Ctx, Opt};
use crate::AppState;

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<User>,
    can_manage: bool,
    roles: Vec<&'static str>,
    regions: Vec<Opt>,
    ghts: Vec<Ght>,
    message: Option<String>,
    error: Option<String>,
}

async fn users_page(
    st: &AppState,
    a: &Authed,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let users = st.store.list_users(&a.actor).await?;
    let can_manage = a.actor.can(Permission::ManageUsers);
    let ghts = if can_manage {
        st.store.list_ghts(&a.actor, None).await?
    } else {
        Vec::new()
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = UsersPage {
        ctx: Ctx::of(a),
        users,
        can_manage,
        roles: ALL_ROLES.iter().map(|r| r.as_str()).collect(),
        regions: region_options(""),
        ghts,
        message,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub(crate) async fn users(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, users_page(&st, &a, None, None).await)
}

#[derive(Deserialize)]
pub(crate) struct NewUserForm {
    email: String,
    display_name: String,
    role: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    ght: String,
    #[serde(default)]
    structures: String,
    password: String,
}

pub(crate) async fn users_create(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<NewUserForm>,
) -> Response {
    page!(a, {
        let r = async {
            let role: Role = f
                .role
                .parse()
                .map_err(|e: vigie_domain::role::UnknownRole| {
                    AppError::BadRequest(e.to_string())
                })?;
            let mut structure_ids = Vec::new();
            for finess in f
                .structures
                .split([',', ' ', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let s = st
                    .store
                    .find_structure_by_finess(&a.actor, finess)
                    .await
                    .map_err(|_| AppError::BadRequest(format!("structure {finess} not found")))?;
                structure_ids.push(s.id);
            }
            let nu = vigie_store::accounts::NewUser {
                email: f.email.clone(),
                display_name: f.display_name.clone(),
                role,
                region_code: Some(f.region.clone()).filter(|r| !r.is_empty()),
                ght_id: f.ght.trim().parse().ok(),
                structure_ids,
                password: Some(f.password.clone()),
                locale: "fr".into(),
                must_change_password: true,
            };
            st.store
                .create_user(&a.actor, &nu)
                .await
                .map_err(AppError::from)
        }
        .await;
        match r {
            Ok(_) => users_page(&st, &a, Some(a.tr().t("users-created").to_string()), None).await,
            Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_) | AppError::Invalid(_))) => {
                let m = e.message(&a.tr());
                users_page(&st, &a, None, Some(m)).await
            }
            Err(e) => Err(e),
        }
    })
}

pub(crate) async fn user_disable(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        st.store.set_user_disabled(&a.actor, id, true).await?;
        Ok(Redirect::to("/users").into_response())
    })
}

pub(crate) async fn user_enable(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        st.store.set_user_disabled(&a.actor, id, false).await?;
        Ok(Redirect::to("/users").into_response())
    })
}

pub(crate) async fn user_reset_mfa(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        a.actor
            .require(Permission::ManageUsers)
            .map_err(AppError::from)?;
        st.store.get_user(&a.actor, id).await?;
        st.store.set_totp(&a.actor, id, None, false).await?;
        Ok(Redirect::to("/users").into_response())
    })
}
