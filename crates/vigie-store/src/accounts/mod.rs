//! Accounts: users and their memberships, passwords (argon2id), sessions, API tokens (stored
//! hashed), login throttling, the second factor and the accounts an OpenID Connect provider
//! provisions.

pub mod jobs;
pub mod limiter;
mod login;
mod manage;
mod oidc;
pub mod passwords;
mod sessions;
mod tables;
mod tokens;
mod types;
mod users;

pub use limiter::{bounded, login_subject, mfa_subject, Lockout, ANY_SOURCE, MAX_EMAIL_CHARS};
pub(crate) use login::seal_clear_secrets;
pub use manage::TOTP_OFFER_TTL;
pub use passwords::{
    check_password_policy, hash_password, random_token, token_hash, verify_password,
};
pub(crate) use tables::TABLES;
pub use types::{
    ApiToken, LoginUser, NewUser, OidcIdentity, SessionInfo, SessionUser, User, UserAccess,
};
