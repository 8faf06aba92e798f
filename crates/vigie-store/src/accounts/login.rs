//! Signing in: the login form's view of an account, failures and lock-outs, the second factor,
//! passwords.

use vigie_domain::role::Permission;

use crate::accounts::limiter::{bounded, MAX_EMAIL_CHARS};
use crate::accounts::passwords::{check_password_policy, hash_password};
use crate::accounts::types::{LoginUser, LOGIN_COLUMNS};
use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

impl Store {
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

    /// Records a login attempt in the audit log (success or failure, with the reason). What a
    /// stranger typed as an e-mail is kept to [`MAX_EMAIL_CHARS`] characters (with an ellipsis
    /// marker): the log is append-only, and an anonymous form must not be able to fill it.
    pub async fn audit_login(
        &self,
        email: &str,
        user_id: Option<i64>,
        ip: Option<String>,
        ok: bool,
        reason: &str,
    ) -> Result<(), StoreError> {
        let label = bounded(&email.trim().to_lowercase(), MAX_EMAIL_CHARS);
        let ip = ip.map(|i| bounded(&i, 64));
        let actor = Actor::own_account(user_id, &label, ip);
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

    /// Clears the per-account counters of older versions (`users.failed_logins`,
    /// `locked_until`) after a right password: failures now live in `auth_failures`
    /// ([`crate::accounts::limiter`]).
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

    /// Stores a TOTP secret for the user (enrolment pending until confirmed). Removing it (an
    /// administrator's reset of the second factor) also ends every session of the account: a
    /// session opened with the old factor must not outlive it.
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
        if secret.is_none() {
            Sql::new("DELETE FROM sessions WHERE user_id = $1")
                .arg(user_id)
                .execute(&mut *tx)
                .await?;
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
}

/// Seals the TOTP seeds still stored in clear (see `Store::seal_clear_secrets`).
pub(crate) async fn seal_clear_secrets(store: &Store) -> Result<u64, StoreError> {
    store.seal_clear_column("users", "id", "totp_secret").await
}
