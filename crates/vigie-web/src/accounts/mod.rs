//! Accounts: signing in (password, second factor, OpenID Connect), the viewer's own account, and
//! the administration of the accounts of a scope; pages and API. Everything goes through
//! `vigie_store::accounts`, which checks the role and confines it to the caller's scope.

pub(crate) mod account;
pub(crate) mod api;
pub(crate) mod login;
pub mod oidc;
pub(crate) mod users;

use utoipa_axum::routes;
use vigie_domain::role::Permission;

use crate::routes::{NavItem, Routes};

pub fn routes(r: Routes) -> Routes {
    r.public_get("/login", login::login_form)
        .public_post("/login", login::login)
        .public_get("/login/totp", login::totp_form)
        .public_post("/login/totp", login::totp_submit)
        .public_get("/login/totp/setup", login::totp_setup_form)
        .public_post("/login/totp/setup", login::totp_setup_submit)
        .public_post("/logout", login::logout)
        .public_post("/lang", login::switch_lang)
        .public_get("/login/oidc", oidc::start)
        .public_get("/login/oidc/callback", oidc::callback)
        .get("/account", account::account)
        .get("/account/password", account::account)
        .post("/account/password", account::account_password)
        .post("/account/language", account::account_language)
        .get("/account/totp", account::account_totp)
        .post("/account/totp", account::account_totp_renew)
        .post("/account/totp/disable", account::account_totp_disable)
        .post("/account/tokens", account::account_token)
        .post("/account/tokens/{id}/revoke", account::account_token_revoke)
        .get("/users", users::users)
        .post("/users", users::users_create)
        .get("/users/{id}", users::user)
        .post("/users/{id}", users::user_update)
        .post("/users/{id}/reset-password", users::user_reset_password)
        .post("/users/{id}/disable", users::user_disable)
        .post("/users/{id}/enable", users::user_enable)
        .post("/users/{id}/reset-mfa", users::user_reset_mfa)
        .api(routes!(api::me))
        .api(routes!(api::list_users, api::create_user))
        .api(routes!(api::get_user))
        .api(routes!(api::disable_user))
        .api(routes!(api::enable_user))
        .nav(NavItem {
            label: "nav-users",
            path: "/users",
            order: 80,
            shown: |a| a.can(Permission::ReadUsers),
        })
        .nav(NavItem {
            label: "nav-account",
            path: "/account",
            order: 100,
            shown: |_| true,
        })
}
