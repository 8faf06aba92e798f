//! The accounts of the viewer's scope, and their administration.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::problem::Problem;
use vigie_domain::role::{Permission, Role, ScopeKind, ALL_ROLES};
use vigie_store::accounts::{User, UserAccess};
use vigie_store::StoreError;

use crate::auth::{Authed, Page};
use crate::error::AppError;
use crate::ui::{page, render_status, scope_region_options, Ctx, Opt};
use crate::AppState;

#[derive(Template)]
#[template(path = "accounts/users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<User>,
    can_manage: bool,
    /// The creation form, as typed (the password is never sent back).
    form: NewUserForm,
    roles: Vec<Opt>,
    regions: Vec<Opt>,
    ghts: Vec<Opt>,
    message: Option<String>,
    /// A refusal of the creation form, with the field it is about (empty: the top).
    error: Option<(&'static str, String)>,
}

impl UsersPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

async fn users_page(
    st: &AppState,
    a: &Authed,
    form: NewUserForm,
    message: Option<String>,
    error: Option<(&'static str, String)>,
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
    let tr = a.tr();
    let page = UsersPage {
        ctx: Ctx::of(a),
        users,
        can_manage,
        roles: grantable_roles(a)
            .into_iter()
            .map(|r| Opt {
                value: r.to_string(),
                label: tr.role(r).to_string(),
                selected: r == form.role,
            })
            .collect(),
        regions: scope_region_options(&a.actor, &form.region),
        ghts: crate::ui::options(
            ghts.iter().map(|g| (g.id.to_string(), g.name.clone())),
            &form.ght,
        ),
        form,
        message,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

pub(crate) async fn users(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(
        a,
        users_page(&st, &a, NewUserForm::default(), None, None).await
    )
}

#[derive(Deserialize, Default)]
pub(crate) struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    ght: String,
    #[serde(default)]
    structures: String,
    #[serde(default)]
    password: String,
}

/// Which field of the creation form a refusal is about.
fn new_user_field(key: &str) -> &'static str {
    match key {
        "accounts-email-invalid" | "users-email-taken" => "email",
        "accounts-display-name-invalid" => "display_name",
        "accounts-password-too-short" | "accounts-password-too-long" => "password",
        k => access_field(k),
    }
}

pub(crate) async fn users_create(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<NewUserForm>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::ManageUsers)?;
        let r = async {
            let role: Role = f
                .role
                .parse()
                .map_err(|_| StoreError::Invalid(Problem::new("users-role-unknown")))?;
            let nu = vigie_store::accounts::NewUser {
                email: f.email.clone(),
                display_name: f.display_name.clone(),
                role,
                region_code: Some(f.region.trim().to_string()).filter(|r| !r.is_empty()),
                ght_id: f.ght.trim().parse().ok(),
                structure_ids: structures_of(&st, &a, &f.structures).await?,
                password: Some(f.password.clone()),
                locale: "fr".into(),
                must_change_password: true,
            };
            st.store.create_user(&a.actor, &nu).await
        }
        .await;
        let tr = a.tr();
        match r {
            Ok(_) => {
                let m = Some(tr.t("users-created").to_string());
                users_page(&st, &a, NewUserForm::default(), m, None).await
            }
            Err(StoreError::Invalid(p)) => {
                let e = (new_user_field(p.key), tr.problem(&p));
                users_page(
                    &st,
                    &a,
                    NewUserForm {
                        password: String::new(),
                        ..f
                    },
                    None,
                    Some(e),
                )
                .await
            }
            Err(StoreError::Conflict(_)) => {
                let p =
                    Problem::new("users-email-taken").arg("email", f.email.trim().to_lowercase());
                let e = ("email", tr.problem(&p));
                users_page(
                    &st,
                    &a,
                    NewUserForm {
                        password: String::new(),
                        ..f
                    },
                    None,
                    Some(e),
                )
                .await
            }
            Err(e) => Err(e.into()),
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

/// The roles the viewer may give (none above its own).
fn grantable_roles(a: &Authed) -> Vec<&'static str> {
    ALL_ROLES
        .iter()
        .filter(|r| a.actor.role.may_grant(**r))
        .map(|r| r.as_str())
        .collect()
}

/// The FINESS numbers of a form's list, as the structures of the viewer's scope they name.
async fn structures_of(st: &AppState, a: &Authed, list: &str) -> Result<Vec<i64>, StoreError> {
    let mut ids = Vec::new();
    for finess in list
        .split([',', ' ', ';', '\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match st.store.find_structure_by_finess(&a.actor, finess).await {
            Ok(s) => ids.push(s.id),
            Err(StoreError::NotFound | StoreError::Invalid(_)) => {
                return Err(StoreError::Invalid(
                    Problem::new("users-structure-finess-unknown").arg("finess", finess),
                ))
            }
            Err(e) => return Err(e),
        }
    }
    Ok(ids)
}

/// The role and scope form, as typed (or as stored, before any change).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct AccessForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    ght: String,
    #[serde(default)]
    structures: String,
}

/// Which field of the role and scope form a refusal is about.
fn access_field(key: &str) -> &'static str {
    match key {
        "accounts-role-needs-region" | "accounts-region-unknown" => "region",
        "accounts-role-needs-ght" | "accounts-ght-unknown" => "ght",
        "accounts-role-needs-structure"
        | "accounts-structure-unknown"
        | "users-structure-finess-unknown" => "structures",
        _ => "role",
    }
}

#[derive(Template)]
#[template(path = "accounts/user.html")]
struct UserPage {
    ctx: Ctx,
    user: User,
    own: bool,
    can_manage: bool,
    last_sign_in: Option<i64>,
    /// What the account sees, in words: its region, its GHT or its structures.
    scope: Vec<String>,
    form: AccessForm,
    roles: Vec<Opt>,
    regions: Vec<Opt>,
    ghts: Vec<Opt>,
    message: Option<&'static str>,
    /// A refusal of the form, with the field it is about.
    error: Option<(&'static str, String)>,
    /// The one-time password just set, shown this once.
    new_password: Option<String>,
}

impl UserPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

struct Shown {
    form: Option<AccessForm>,
    message: Option<&'static str>,
    error: Option<(&'static str, String)>,
    new_password: Option<String>,
}

async fn user_page(st: &AppState, a: &Authed, id: i64, shown: Shown) -> Result<Response, AppError> {
    let user = st.store.get_user(&a.actor, id).await?;
    let own = a.user_id == id;
    let can_manage = a.actor.can(Permission::ManageUsers) && !own;
    let last_sign_in = st.store.last_sign_in(&a.actor, id).await?;
    let ghts = if a.actor.can(Permission::ReadStructures) {
        st.store.list_ghts(&a.actor, None).await?
    } else {
        Vec::new()
    };
    let tr = a.tr();
    let mut scope = Vec::new();
    let mut finess = Vec::new();
    match user.role().scope_kind() {
        ScopeKind::National => scope.push(tr.t("users-scope-national")),
        ScopeKind::Region => scope.extend(
            user.region_code
                .as_deref()
                .and_then(vigie_domain::geo::region)
                .map(|r| r.name.to_string()),
        ),
        ScopeKind::Ght => scope.extend(user.ght_id.map(|g| {
            ghts.iter()
                .find(|x| x.id == g)
                .map(|x| x.name.clone())
                .unwrap_or_else(|| format!("GHT {g}"))
        })),
        ScopeKind::Structures => {
            for sid in st.store.user_structure_ids(id).await? {
                // Only the structures the viewer sees are named.
                match st.store.get_structure(&a.actor, sid).await {
                    Ok(s) => {
                        scope.push(format!("{} — {}", s.finess_et, s.name));
                        finess.push(s.finess_et);
                    }
                    Err(StoreError::NotFound | StoreError::Forbidden(_)) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
    let form = shown.form.unwrap_or_else(|| AccessForm {
        role: user.role.clone(),
        region: user.region_code.clone().unwrap_or_default(),
        ght: user.ght_id.map(|g| g.to_string()).unwrap_or_default(),
        structures: finess.join(", "),
    });
    let roles = grantable_roles(a)
        .into_iter()
        .map(|r| Opt {
            value: r.to_string(),
            label: tr.role(r).to_string(),
            selected: r == form.role,
        })
        .collect();
    let ght_options = crate::ui::options(
        ghts.iter().map(|g| (g.id.to_string(), g.name.clone())),
        &form.ght,
    );
    let status = if shown.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Without the form (one's own account), a refusal shows at the top.
    let error = shown
        .error
        .map(|(field, m)| (if can_manage { field } else { "" }, m));
    let page = UserPage {
        ctx: Ctx::of(a),
        regions: scope_region_options(&a.actor, &form.region),
        user,
        own,
        can_manage,
        last_sign_in,
        scope,
        form,
        roles,
        ghts: ght_options,
        message: shown.message,
        error,
        new_password: shown.new_password,
    };
    render_status(status, &page)
}

const NOTHING: Shown = Shown {
    form: None,
    message: None,
    error: None,
    new_password: None,
};

/// An account of the viewer's scope (one's own is always readable): its role and scope, its
/// second factor, when it last signed in; for administrators, the forms that change them.
pub(crate) async fn user(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, user_page(&st, &a, id, NOTHING).await)
}

/// Changes an account's role and scope, with the rules of creation; a refusal comes back beside
/// its field, with what was typed.
pub(crate) async fn user_update(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<AccessForm>,
) -> Response {
    page!(a, {
        // Changing another's access or password is done by a person signed in, not a token.
        if a.via_token {
            return Err(AppError::Forbidden);
        }
        a.actor.require(Permission::ManageUsers)?;
        let r = async {
            let role: Role = f
                .role
                .parse()
                .map_err(|_| StoreError::Invalid(Problem::new("users-role-unknown")))?;
            let structure_ids = if role.scope_kind() == ScopeKind::Structures {
                structures_of(&st, &a, &f.structures).await?
            } else {
                Vec::new()
            };
            let access = UserAccess {
                role,
                region_code: Some(f.region.trim().to_string()).filter(|r| !r.is_empty()),
                ght_id: f.ght.trim().parse().ok(),
                structure_ids,
            };
            st.store.update_user_access(&a.actor, id, &access).await
        }
        .await;
        match r {
            Ok(()) => {
                let shown = Shown {
                    message: Some("users-updated"),
                    ..NOTHING
                };
                user_page(&st, &a, id, shown).await
            }
            Err(StoreError::Invalid(p)) => {
                let shown = Shown {
                    form: Some(f.clone()),
                    error: Some((access_field(p.key), a.tr().problem(&p))),
                    ..NOTHING
                };
                user_page(&st, &a, id, shown).await
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// Resets an account's password to a one-time one, shown in the answer only.
pub(crate) async fn user_reset_password(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        // Changing another's access or password is done by a person signed in, not a token.
        if a.via_token {
            return Err(AppError::Forbidden);
        }
        a.actor.require(Permission::ManageUsers)?;
        match st.store.reset_password(&a.actor, id).await {
            Ok(password) => {
                let shown = Shown {
                    new_password: Some(password),
                    ..NOTHING
                };
                user_page(&st, &a, id, shown).await
            }
            Err(StoreError::Invalid(p)) => {
                let shown = Shown {
                    error: Some(("", a.tr().problem(&p))),
                    ..NOTHING
                };
                user_page(&st, &a, id, shown).await
            }
            Err(e) => Err(e.into()),
        }
    })
}
