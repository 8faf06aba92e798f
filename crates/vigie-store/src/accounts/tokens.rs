//! API tokens: the secret shown once, its hash kept.

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::accounts::passwords::{random_token, token_hash};
use crate::accounts::types::ApiToken;
use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

impl Store {
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
                Problem::new("accounts-token-name-invalid").arg("max", 100u32),
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
