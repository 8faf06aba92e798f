//! Sessions: the cookie's secret kept hashed, resolved in one query and cached per process.

use vigie_domain::role::Role;

use crate::accounts::passwords::{random_token, token_hash};
use crate::accounts::types::{CachedSession, SessionInfo, SessionUser};
use crate::accounts::users::actor_of;
use crate::cache::{Cache, Domain};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

/// The accounts' per-process caches (see [`crate::cache`]), kept in the store's
/// [`crate::cache::Caches`].
pub(crate) struct AccountsCaches {
    /// Session cookie (its hash) → the session and its account.
    sessions: Cache<CachedSession>,
}

impl Default for AccountsCaches {
    fn default() -> AccountsCaches {
        AccountsCaches {
            sessions: Cache::new(Domain::Auth),
        }
    }
}

impl Store {
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
        let caches = self.caches.get::<AccountsCaches>();
        let cache = &caches.sessions;
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
            let _turn = self.write_turn().await?;
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

    /// Removes the expired sessions, and the sign-in failures that count no more.
    pub async fn purge_expired_sessions(&self) -> Result<u64, StoreError> {
        let n = Sql::new("DELETE FROM sessions WHERE expires_at <= $1")
            .arg(now())
            .execute(&self.pool)
            .await?;
        Ok(n + self.purge_auth_failures().await?)
    }
}
