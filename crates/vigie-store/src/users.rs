//! Accounts: users, memberships, passwords (argon2id), sessions, API tokens and login throttling.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use base64::Engine;
use rand::RngCore;
use serde::Serialize;
use sha2::{Digest, Sha256};
use vigie_domain::role::{Permission, Role, Scope, ScopeKind};

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

/// Hashes a password with argon2id (the crate's OWASP-recommended defaults).
pub fn hash_password(password: &str) -> Result<String, StoreError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StoreError::Invalid(format!("cannot hash password: {e}")))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Minimum rules for a password chosen by a person.
pub fn check_password_policy(password: &str) -> Result<(), StoreError> {
    let n = password.chars().count();
    if n < 12 {
        return Err(StoreError::Invalid(format!(
            "password: at least 12 characters are required (got {n})"
        )));
    }
    if n > 256 {
        return Err(StoreError::Invalid(
            "password: at most 256 characters".into(),
        ));
    }
    Ok(())
}

/// A random secret, URL-safe base64 of `bytes` random bytes.
pub fn random_token(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 of a high-entropy secret (session ids, API tokens): enough for random secrets.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
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
pub struct CachedSession {
    user_id: i64,
    csrf_token: String,
    mfa_passed: i64,
    last_seen: i64,
    expires_at: i64,
    email: String,
    role: String,
    region_code: Option<String>,
    ght_id: Option<i64>,
    locale: String,
    totp_enabled: i64,
    must_change_password: i64,
}

/// The actor of an account: its scope follows from its role and attachments. A role the build
/// does not know falls back to the weakest one; a missing attachment gives an empty scope.
fn actor_of(
    id: i64,
    email: String,
    role: &str,
    region: Option<String>,
    ght: Option<i64>,
    ip: Option<String>,
) -> Actor {
    let role: Role = role.parse().unwrap_or(Role::StructureMember);
    let scope = match role.scope_kind() {
        ScopeKind::National => Scope::National,
        ScopeKind::Region => region.map(Scope::Region).unwrap_or(Scope::Nothing),
        ScopeKind::Ght => ght.map(Scope::Ght).unwrap_or(Scope::Nothing),
        ScopeKind::Structures => Scope::Structures { user_id: id },
    };
    Actor {
        user_id: Some(id),
        label: email,
        role,
        scope,
        ip,
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionInfo {
    pub user_id: i64,
    pub csrf_token: String,
    pub mfa_passed: i64,
    pub expires_at: i64,
    pub last_seen: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
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

const LOGIN_COLUMNS: &str =
    "id, email, password_hash, role, disabled, locked_until, failed_logins, totp_enabled, \
    totp_secret, totp_last_step, must_change_password, locale";

const USER_COLUMNS: &str = "u.id, u.email, u.display_name, u.role, u.region_code, u.ght_id, u.locale, \
    u.totp_enabled, u.failed_logins, u.locked_until, u.must_change_password, u.disabled, u.oidc_issuer, u.created_at";

fn normalize_email(e: &str) -> Result<String, StoreError> {
    let e = e.trim().to_lowercase();
    if !vigie_domain::structure::is_valid_email(&e) {
        return Err(StoreError::Invalid(format!(
            "e-mail {e:?} is not a valid address"
        )));
    }
    Ok(e)
}

impl Store {
    /// Builds the actor of a signed-in user: role and scope come from the database, never from
    /// the request.
    pub async fn actor_for_user(
        &self,
        user_id: i64,
        ip: Option<String>,
    ) -> Result<Actor, StoreError> {
        let u: User = Sql::new(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.disabled = 0"
        ))
        .arg(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(actor_of(
            u.id,
            u.email,
            &u.role,
            u.region_code,
            u.ght_id,
            ip,
        ))
    }

    /// Resolves a session cookie in one query: the session, its account and the account's scope.
    /// `None` when the session is unknown, expired, or its account disabled.
    ///
    /// The answer is cached for this process ([`crate::cache`]): any write to `users` or
    /// `sessions` in this process (logout, password change, disabled account, second factor…)
    /// invalidates it at once; a write made by another process is seen within
    /// [`crate::cache::TTL`].
    pub async fn resolve_session(
        &self,
        token: &str,
        idle_secs: i64,
        ip: Option<String>,
    ) -> Result<Option<SessionUser>, StoreError> {
        let h = token_hash(token);
        let at = now();
        let cache = &self.caches.sessions;
        let row = cache
            .get_or_load(&h, |r| r.expires_at > at, || async {
                Sql::new(
                    "SELECT s.user_id, s.csrf_token, s.mfa_passed, s.last_seen, s.expires_at, u.email, u.role, \
                     u.region_code, u.ght_id, u.locale, u.totp_enabled, u.must_change_password \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
                )
                .arg(h.as_str())
                .arg(at)
                .fetch_optional::<CachedSession, _>(&self.pool)
                .await
            })
            .await?;
        let Some(mut r) = row else {
            return Ok(None);
        };
        if self.touch_session(&h, at, r.last_seen, idle_secs).await? {
            r.last_seen = at;
            r.expires_at = at + idle_secs;
            cache.update(&h, r.clone());
        }
        let role = r.role.parse().unwrap_or(Role::StructureMember);
        Ok(Some(SessionUser {
            actor: actor_of(
                r.user_id,
                r.email.clone(),
                &r.role,
                r.region_code,
                r.ght_id,
                ip,
            ),
            user_id: r.user_id,
            email: r.email,
            role,
            csrf_token: r.csrf_token,
            mfa_passed: r.mfa_passed == 1,
            totp_enabled: r.totp_enabled == 1,
            must_change_password: r.must_change_password == 1,
            locale: r.locale,
        }))
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Sql::new("SELECT COUNT(*) FROM users")
            .scalar(&self.pool)
            .await
    }

    pub async fn create_user(&self, actor: &Actor, nu: &NewUser) -> Result<i64, StoreError> {
        actor.require(Permission::ManageUsers)?;
        let email = normalize_email(&nu.email)?;
        let display_name = nu.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 200 {
            return Err(StoreError::Invalid(
                "display name: required, at most 200 characters".into(),
            ));
        }
        if !matches!(nu.locale.as_str(), "fr" | "en") {
            return Err(StoreError::Invalid(format!(
                "locale {:?}: expected fr or en",
                nu.locale
            )));
        }
        let (region, ght) = match nu.role.scope_kind() {
            ScopeKind::National => (None, None),
            ScopeKind::Region => {
                let r = nu.region_code.clone().ok_or_else(|| {
                    StoreError::Invalid(format!("role {}: a region is required", nu.role))
                })?;
                // stored as the table writes it: every scope check compares with that form
                let Some(region) = vigie_domain::geo::region(&r) else {
                    return Err(StoreError::Invalid(format!("unknown region code {r:?}")));
                };
                (Some(region.code.to_string()), None)
            }
            ScopeKind::Ght => {
                let g = nu.ght_id.ok_or_else(|| {
                    StoreError::Invalid(format!("role {}: a GHT is required", nu.role))
                })?;
                (None, Some(g))
            }
            ScopeKind::Structures => {
                if nu.structure_ids.is_empty() {
                    return Err(StoreError::Invalid(format!(
                        "role {}: at least one structure is required",
                        nu.role
                    )));
                }
                (None, None)
            }
        };
        let hash = match &nu.password {
            Some(p) => {
                check_password_policy(p)?;
                Some(hash_password(p)?)
            }
            None => None,
        };
        let mut tx = self.begin_write().await?;
        if let Some(g) = ght {
            let mut q = Sql::new("SELECT COUNT(*) FROM ghts g WHERE g.id = ");
            q.bind(g).push(" AND ");
            actor.scope_ghts(&mut q, "g");
            if q.scalar(&mut *tx).await? != 1 {
                return Err(StoreError::Invalid(format!("GHT {g} does not exist")));
            }
        }
        let at = now();
        let id = Sql::new(
            "INSERT INTO users (email, display_name, password_hash, role, region_code, ght_id, locale, \
             must_change_password, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .arg(email.as_str())
        .arg(display_name)
        .arg(hash)
        .arg(nu.role.as_str())
        .arg(region)
        .arg(ght)
        .arg(nu.locale.as_str())
        .arg(nu.must_change_password)
        .arg(at)
        .scalar(&mut *tx)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a user with e-mail {email} already exists")),
            e => e,
        })?;
        for sid in &nu.structure_ids {
            let mut q = Sql::new("SELECT COUNT(*) FROM structures s WHERE s.id = ");
            q.bind(*sid).push(" AND ");
            actor.scope_structures(&mut q, "s");
            if q.scalar(&mut *tx).await? != 1 {
                return Err(StoreError::Invalid(format!(
                    "structure {sid} does not exist"
                )));
            }
            Sql::new("INSERT INTO user_structures (user_id, structure_id) VALUES ($1, $2)")
                .arg(id)
                .arg(*sid)
                .execute(&mut *tx)
                .await?;
        }
        record(
            &mut *tx,
            actor,
            Event::new("user.create", "user", id).detail(serde_json::json!({
                "email": email, "role": nu.role.as_str(), "region": nu.region_code, "ght": nu.ght_id,
                "structures": nu.structure_ids,
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(id)
    }

    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>, StoreError> {
        actor.require(Permission::ReadUsers)?;
        let mut q = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE "));
        actor.scope_users(&mut q, "u");
        q.push(" ORDER BY u.email");
        q.fetch_all(&self.pool).await
    }

    pub async fn get_user(&self, actor: &Actor, id: i64) -> Result<User, StoreError> {
        // Everyone may read their own account.
        if actor.user_id != Some(id) {
            actor.require(Permission::ReadUsers)?;
        }
        let mut q = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = "));
        q.bind(id);
        if actor.user_id != Some(id) {
            q.push(" AND ");
            actor.scope_users(&mut q, "u");
        }
        q.fetch_one(&self.pool).await
    }

    pub async fn find_user_by_email(&self, actor: &Actor, email: &str) -> Result<User, StoreError> {
        actor.require(Permission::ReadUsers)?;
        let mut q = Sql::new(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.email = "
        ));
        q.bind(email.trim().to_lowercase()).push(" AND ");
        actor.scope_users(&mut q, "u");
        q.fetch_one(&self.pool).await
    }

    pub async fn user_structure_ids(&self, user_id: i64) -> Result<Vec<i64>, StoreError> {
        let rows: Vec<(i64,)> = Sql::new(
            "SELECT structure_id FROM user_structures WHERE user_id = $1 ORDER BY structure_id",
        )
        .arg(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The login form's view of an account. Not scoped: it runs before anyone is signed in, and
    /// its result never leaves the server.
    pub async fn login_user(&self, email: &str) -> Result<Option<LoginUser>, StoreError> {
        let u: Option<LoginUser> = Sql::new(&format!(
            "SELECT {LOGIN_COLUMNS} FROM users WHERE email = $1"
        ))
        .arg(email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        u.map(|u| self.open_login_user(u)).transpose()
    }

    pub async fn login_user_by_id(&self, id: i64) -> Result<LoginUser, StoreError> {
        let u: LoginUser = Sql::new(&format!("SELECT {LOGIN_COLUMNS} FROM users WHERE id = $1"))
            .arg(id)
            .fetch_one(&self.pool)
            .await?;
        self.open_login_user(u)
    }

    /// Decrypts the TOTP seed of an account read for sign-in.
    fn open_login_user(&self, mut u: LoginUser) -> Result<LoginUser, StoreError> {
        if let Some(s) = &u.totp_secret {
            u.totp_secret = Some(self.open("totp_secret", s)?);
        }
        Ok(u)
    }

    /// Records a login attempt in the audit log (success or failure, with the reason).
    pub async fn audit_login(
        &self,
        email: &str,
        user_id: Option<i64>,
        ip: Option<String>,
        ok: bool,
        reason: &str,
    ) -> Result<(), StoreError> {
        let actor = Actor::own_account(user_id, &email.trim().to_lowercase(), ip);
        let mut ev = Event::new(
            "auth.login",
            "user",
            user_id.map(|i| i.to_string()).unwrap_or_default(),
        )
        .detail(serde_json::json!({ "reason": reason }));
        if !ok {
            ev = ev.failed();
        }
        record(&self.pool, &actor, ev).await
    }

    /// Counts a failed login; locks the account for `lock_secs` at `max_failures`.
    pub async fn login_failed(
        &self,
        user_id: i64,
        max_failures: i64,
        lock_secs: i64,
    ) -> Result<bool, StoreError> {
        let at = now();
        let failures = Sql::new(
            "UPDATE users SET failed_logins = failed_logins + 1, updated_at = $1 WHERE id = $2 RETURNING failed_logins",
        )
        .arg(at)
        .arg(user_id)
        .scalar(&self.pool)
        .await?;
        if failures >= max_failures {
            Sql::new("UPDATE users SET locked_until = $1, failed_logins = 0 WHERE id = $2")
                .arg(at + lock_secs)
                .arg(user_id)
                .execute(&self.pool)
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    pub async fn login_succeeded(&self, user_id: i64) -> Result<(), StoreError> {
        Sql::new("UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = $1")
            .arg(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Accepts a TOTP time step only once: replaying a seen code fails.
    pub async fn consume_totp_step(&self, user_id: i64, step: i64) -> Result<bool, StoreError> {
        let n =
            Sql::new("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step < $1")
                .arg(step)
                .arg(user_id)
                .execute(&self.pool)
                .await?;
        Ok(n == 1)
    }

    /// Stores a TOTP secret for the user (enrolment pending until confirmed).
    pub async fn set_totp(
        &self,
        actor: &Actor,
        user_id: i64,
        secret: Option<&str>,
        enabled: bool,
    ) -> Result<(), StoreError> {
        if actor.user_id != Some(user_id) {
            actor.require(Permission::ManageUsers)?;
        }
        let mut tx = self.begin_write().await?;
        let n = Sql::new("UPDATE users SET totp_secret = $1, totp_enabled = $2, totp_last_step = 0, updated_at = $3 WHERE id = $4")
            .arg(secret.map(|s| self.seal("totp_secret", s)))
            .arg(enabled)
            .arg(now())
            .arg(user_id)
            .execute(&mut *tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        let action = match (secret.is_some(), enabled) {
            (true, true) => "user.mfa_enabled",
            (true, false) => "user.mfa_enrolment_started",
            (false, _) => "user.mfa_reset",
        };
        record(&mut *tx, actor, Event::new(action, "user", user_id)).await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(())
    }

    /// Sets a new password; other sessions of the user end.
    pub async fn set_password(
        &self,
        actor: &Actor,
        user_id: i64,
        password: &str,
        must_change: bool,
    ) -> Result<(), StoreError> {
        if actor.user_id != Some(user_id) {
            actor.require(Permission::ManageUsers)?;
        }
        check_password_policy(password)?;
        let hash = hash_password(password)?;
        let mut tx = self.begin_write().await?;
        let n = Sql::new("UPDATE users SET password_hash = $1, must_change_password = $2, failed_logins = 0, locked_until = 0, updated_at = $3 WHERE id = $4")
            .arg(hash)
            .arg(must_change)
            .arg(now())
            .arg(user_id)
            .execute(&mut *tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Sql::new("DELETE FROM sessions WHERE user_id = $1")
            .arg(user_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("user.password_set", "user", user_id),
        )
        .await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(())
    }

    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> Result<(), StoreError> {
        actor.require(Permission::ManageUsers)?;
        if actor.user_id == Some(user_id) && disabled {
            return Err(StoreError::Invalid(
                "you cannot disable your own account".into(),
            ));
        }
        let mut tx = self.begin_write().await?;
        let n = Sql::new("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
            .arg(disabled)
            .arg(now())
            .arg(user_id)
            .execute(&mut *tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            Sql::new("DELETE FROM sessions WHERE user_id = $1")
                .arg(user_id)
                .execute(&mut *tx)
                .await?;
            Sql::new("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1")
                .arg(user_id)
                .execute(&mut *tx)
                .await?;
        }
        record(
            &mut *tx,
            actor,
            Event::new(
                if disabled {
                    "user.disable"
                } else {
                    "user.enable"
                },
                "user",
                user_id,
            ),
        )
        .await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(())
    }

    pub async fn set_locale(&self, user_id: i64, locale: &str) -> Result<(), StoreError> {
        if !matches!(locale, "fr" | "en") {
            return Err(StoreError::Invalid(format!(
                "locale {locale:?}: expected fr or en"
            )));
        }
        Sql::new("UPDATE users SET locale = $1 WHERE id = $2")
            .arg(locale)
            .arg(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Finds or provisions the account of an OpenID Connect identity. The role and scope always
    /// come from the provider's claims through the configured mapping, on every login.
    pub async fn upsert_oidc_user(&self, id: &OidcIdentity) -> Result<i64, StoreError> {
        let OidcIdentity {
            issuer,
            subject,
            email,
            display_name,
            role,
            region_code,
            ght_code,
        } = id;
        let (issuer, subject, display_name, role) = (
            issuer.as_str(),
            subject.as_str(),
            display_name.as_str(),
            *role,
        );
        let region_code = region_code.clone();
        let ght_code = ght_code.clone();
        let email = normalize_email(email)?;
        let ght_id = match ght_code {
            Some(code) => Some(
                Sql::new("SELECT id FROM ghts WHERE code = $1")
                    .arg(code.as_str())
                    .scalar(&self.pool)
                    .await
                    .map_err(|_| {
                        StoreError::Invalid(format!(
                            "unknown GHT code {code:?} in the identity claims"
                        ))
                    })?,
            ),
            None => None,
        };
        let actor = Actor::system(&format!("oidc:{issuer}"));
        let mut tx = self.begin_write().await?;
        // The identity (issuer, subject) decides; an e-mail only links an account that no other
        // identity holds yet.
        let by_identity: Option<(i64,)> =
            Sql::new("SELECT id FROM users WHERE oidc_issuer = $1 AND oidc_subject = $2")
                .arg(issuer)
                .arg(subject)
                .fetch_optional(&mut *tx)
                .await?;
        let existing = match by_identity {
            Some(row) => Some(row),
            None => {
                let by_email: Option<(i64, Option<String>)> =
                    Sql::new("SELECT id, oidc_subject FROM users WHERE email = $1")
                        .arg(email.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                match by_email {
                    Some((_, Some(_))) => {
                        return Err(StoreError::Conflict(format!(
                            "the account {email} is already linked to another identity"
                        )))
                    }
                    Some((id, None)) => Some((id,)),
                    None => None,
                }
            }
        };
        let at = now();
        let id = match existing {
            Some((id,)) => {
                Sql::new("UPDATE users SET oidc_issuer = $1, oidc_subject = $2, display_name = $3, role = $4, region_code = $5, ght_id = $6, updated_at = $7 WHERE id = $8")
                    .arg(issuer).arg(subject).arg(display_name).arg(role.as_str()).arg(region_code.clone()).arg(ght_id).arg(at).arg(id)
                    .execute(&mut *tx).await?;
                id
            }
            None => Sql::new("INSERT INTO users (email, display_name, role, region_code, ght_id, oidc_issuer, oidc_subject, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
                .arg(email.as_str()).arg(display_name).arg(role.as_str()).arg(region_code.clone()).arg(ght_id).arg(issuer).arg(subject).arg(at)
                .scalar(&mut *tx).await?,
        };
        record(
            &mut *tx,
            &actor,
            Event::new("user.oidc_sync", "user", id).detail(serde_json::json!({
                "email": email, "role": role.as_str(), "region": region_code, "ght": ght_id,
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(id)
    }

    // ---- sessions ----

    /// Opens a session; returns the secret for the cookie and the CSRF token.
    pub async fn create_session(
        &self,
        user_id: i64,
        mfa_passed: bool,
        ttl_secs: i64,
        ip: Option<String>,
        user_agent: Option<String>,
    ) -> Result<(String, String), StoreError> {
        let token = random_token(32);
        let csrf = random_token(32);
        let at = now();
        Sql::new("INSERT INTO sessions (id_hash, user_id, csrf_token, mfa_passed, created_at, last_seen, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $5, $6, $7, $8)")
            .arg(token_hash(&token))
            .arg(user_id)
            .arg(csrf.as_str())
            .arg(mfa_passed)
            .arg(at)
            .arg(at + ttl_secs)
            .arg(ip)
            .arg(user_agent.map(|u| u.chars().take(300).collect::<String>()))
            .execute(&self.pool)
            .await?;
        Ok((token, csrf))
    }

    /// A live session for the cookie's secret; slides its expiry at most once a minute.
    pub async fn get_session(
        &self,
        token: &str,
        idle_secs: i64,
    ) -> Result<Option<SessionInfo>, StoreError> {
        let h = token_hash(token);
        let at = now();
        let s: Option<SessionInfo> = Sql::new("SELECT s.user_id, s.csrf_token, s.mfa_passed, s.expires_at, s.last_seen FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0")
            .arg(h.as_str())
            .arg(at)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(s) = &s {
            self.touch_session(&h, at, s.last_seen, idle_secs).await?;
        }
        Ok(s)
    }

    /// Slides a session's expiry, at most once a minute (not a write per request).
    async fn touch_session(
        &self,
        id_hash: &str,
        at: i64,
        last_seen: i64,
        idle_secs: i64,
    ) -> Result<bool, StoreError> {
        if at - last_seen > 60 {
            // This statement text is what the caches recognise as a slide (see `cache`): keep it.
            Sql::new("UPDATE sessions SET last_seen = $1, expires_at = $2 WHERE id_hash = $3")
                .arg(at)
                .arg(at + idle_secs)
                .arg(id_hash)
                .execute(&self.pool)
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    pub async fn session_mfa_passed(&self, token: &str) -> Result<(), StoreError> {
        Sql::new("UPDATE sessions SET mfa_passed = 1 WHERE id_hash = $1")
            .arg(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token: &str) -> Result<(), StoreError> {
        Sql::new("DELETE FROM sessions WHERE id_hash = $1")
            .arg(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn purge_expired_sessions(&self) -> Result<u64, StoreError> {
        Sql::new("DELETE FROM sessions WHERE expires_at <= $1")
            .arg(now())
            .execute(&self.pool)
            .await
    }

    // ---- API tokens ----

    /// Creates an API token for `user_id`; the secret is shown once and only its hash is kept.
    pub async fn create_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        name: &str,
        ttl_days: Option<i64>,
    ) -> Result<(i64, String), StoreError> {
        if actor.user_id == Some(user_id) {
            actor.require(Permission::OwnTokens)?;
        } else {
            actor.require(Permission::ManageUsers)?;
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid(
                "token name: required, at most 100 characters".into(),
            ));
        }
        let secret = format!("vigie_{}", random_token(32));
        let at = now();
        let mut tx = self.begin_write().await?;
        let exists = Sql::new("SELECT COUNT(*) FROM users WHERE id = $1 AND disabled = 0")
            .arg(user_id)
            .scalar(&mut *tx)
            .await?;
        if exists != 1 {
            return Err(StoreError::NotFound);
        }
        let id = Sql::new("INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .arg(user_id)
            .arg(name)
            .arg(secret.chars().take(12).collect::<String>())
            .arg(token_hash(&secret))
            .arg(at)
            .arg(ttl_days.map(|d| at + d * 86_400))
            .scalar(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("token.create", "user", user_id)
                .detail(serde_json::json!({ "token_id": id, "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// The user behind a bearer token, if the token is live.
    pub async fn user_for_token(&self, secret: &str) -> Result<Option<i64>, StoreError> {
        let at = now();
        let row: Option<(i64, i64)> = Sql::new("SELECT t.id, t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked = 0 AND (t.expires_at IS NULL OR t.expires_at > $2) AND u.disabled = 0")
            .arg(token_hash(secret))
            .arg(at)
            .fetch_optional(&self.pool)
            .await?;
        if let Some((tid, uid)) = row {
            Sql::new("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)")
                .arg(at)
                .arg(tid)
                .arg(at - 60)
                .execute(&self.pool)
                .await?;
            return Ok(Some(uid));
        }
        Ok(None)
    }

    pub async fn list_api_tokens(
        &self,
        actor: &Actor,
        user_id: i64,
    ) -> Result<Vec<ApiToken>, StoreError> {
        if actor.user_id != Some(user_id) {
            actor.require(Permission::ManageUsers)?;
        }
        Sql::new("SELECT id, user_id, name, prefix, created_at, expires_at, last_used_at, revoked FROM api_tokens WHERE user_id = $1 ORDER BY id")
            .arg(user_id)
            .fetch_all(&self.pool)
            .await
    }

    pub async fn revoke_api_token(
        &self,
        actor: &Actor,
        user_id: i64,
        token_id: i64,
    ) -> Result<(), StoreError> {
        if actor.user_id != Some(user_id) {
            actor.require(Permission::ManageUsers)?;
        }
        let mut tx = self.begin_write().await?;
        let n = Sql::new("UPDATE api_tokens SET revoked = 1 WHERE id = $1 AND user_id = $2")
            .arg(token_id)
            .arg(user_id)
            .execute(&mut *tx)
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        record(
            &mut *tx,
            actor,
            Event::new("token.revoke", "user", user_id)
                .detail(serde_json::json!({ "token_id": token_id })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
