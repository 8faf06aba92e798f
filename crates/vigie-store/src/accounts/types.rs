//! The accounts' data: users, what sign-in and sessions read, API tokens.

use serde::Serialize;
use vigie_domain::role::Role;

use crate::actor::Actor;

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub region_code: Option<String>,
    pub ght_id: Option<i64>,
    pub locale: String,
    pub totp_enabled: i64,
    pub failed_logins: i64,
    pub locked_until: i64,
    pub must_change_password: i64,
    pub disabled: i64,
    pub oidc_issuer: Option<String>,
    pub created_at: i64,
}

impl User {
    pub fn role(&self) -> Role {
        // A role the build does not know (a newer database) falls back to the weakest one.
        self.role.parse().unwrap_or(Role::StructureMember)
    }
}

/// What the login form needs, including secrets: never leaves the server.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LoginUser {
    pub id: i64,
    pub email: String,
    pub password_hash: Option<String>,
    pub role: String,
    pub disabled: i64,
    pub locked_until: i64,
    pub failed_logins: i64,
    pub totp_enabled: i64,
    pub totp_secret: Option<String>,
    pub totp_last_step: i64,
    pub must_change_password: i64,
    pub locale: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub region_code: Option<String>,
    pub ght_id: Option<i64>,
    pub structure_ids: Vec<i64>,
    pub password: Option<String>,
    pub locale: String,
    pub must_change_password: bool,
}

/// The role of an account and its territory, as an administrator edits them.
#[derive(Debug, Clone)]
pub struct UserAccess {
    pub role: Role,
    pub region_code: Option<String>,
    pub ght_id: Option<i64>,
    /// Memberships, for the roles bound to structures (ignored for the others, whose memberships
    /// the edit removes).
    pub structure_ids: Vec<i64>,
}

/// An identity asserted by an OpenID Connect provider, with the role its claims map to.
#[derive(Debug, Clone)]
pub struct OidcIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub region_code: Option<String>,
    pub ght_code: Option<String>,
}

/// A live session with its account, as one request needs it.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub actor: Actor,
    pub user_id: i64,
    pub email: String,
    pub role: Role,
    pub csrf_token: String,
    pub mfa_passed: bool,
    pub totp_enabled: bool,
    pub must_change_password: bool,
    pub locale: String,
}

/// A session as resolved from the database, kept in the per-process session cache
/// ([`crate::cache`]) under the hash of its cookie.
#[derive(sqlx::FromRow, Clone)]
pub(crate) struct CachedSession {
    pub(crate) user_id: i64,
    pub(crate) csrf_token: String,
    pub(crate) mfa_passed: i64,
    pub(crate) last_seen: i64,
    pub(crate) expires_at: i64,
    pub(crate) email: String,
    pub(crate) role: String,
    pub(crate) region_code: Option<String>,
    pub(crate) ght_id: Option<i64>,
    pub(crate) locale: String,
    pub(crate) totp_enabled: i64,
    pub(crate) must_change_password: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionInfo {
    pub user_id: i64,
    pub csrf_token: String,
    pub mfa_passed: i64,
    pub expires_at: i64,
    pub last_seen: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub revoked: i64,
}

pub(crate) const LOGIN_COLUMNS: &str =
    "id, email, password_hash, role, disabled, locked_until, failed_logins, totp_enabled, \
    totp_secret, totp_last_step, must_change_password, locale";

pub(crate) const USER_COLUMNS: &str = "u.id, u.email, u.display_name, u.role, u.region_code, u.ght_id, u.locale, \
    u.totp_enabled, u.failed_logins, u.locked_until, u.must_change_password, u.disabled, u.oidc_issuer, u.created_at";
