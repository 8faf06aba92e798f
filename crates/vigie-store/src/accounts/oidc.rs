//! Accounts provisioned by an OpenID Connect provider.

use vigie_domain::problem::Problem;

use crate::accounts::types::OidcIdentity;
use crate::accounts::users::normalize_email;
use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

impl Store {
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
                    .map_err(|e| match e {
                        StoreError::NotFound => StoreError::Invalid(
                            Problem::new("accounts-oidc-ght-unknown").arg("code", &code),
                        ),
                        e => e,
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
}
