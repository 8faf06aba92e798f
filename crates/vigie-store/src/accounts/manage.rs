//! Editing accounts after their creation: an administrator changes a role and its territory or
//! resets a password; a person renews or turns off their own second factor. Every write is
//! confined to the actor's scope and audited in its transaction.

use vigie_domain::problem::Problem;
use vigie_domain::role::{Permission, ScopeKind};

use crate::accounts::limiter::login_subject;
use crate::accounts::passwords::{hash_password, random_token, token_hash};
use crate::accounts::types::{User, UserAccess, USER_COLUMNS};
use crate::accounts::users::{check_ght_in_scope, check_grant, check_structure_in_scope};
use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

type Tx = crate::db::WriteTx;

/// The account `id` if the actor's scope holds it (`NotFound` otherwise, like a missing one),
/// read in the transaction that will change it.
async fn user_in_scope(tx: &mut Tx, actor: &Actor, id: i64) -> Result<User, StoreError> {
    let mut q = Sql::new(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = "));
    q.bind(id).push(" AND ");
    actor.scope_users(&mut q, "u");
    q.fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound)
}

/// An account whose role the actor could not give is not the actor's to change.
fn check_may_change(actor: &Actor, target: &User) -> Result<(), StoreError> {
    if !actor.role.may_grant(target.role()) {
        return Err(StoreError::Invalid(
            Problem::new("accounts-role-above-own").arg("role", target.role.clone()),
        ));
    }
    Ok(())
}

async fn memberships(tx: &mut Tx, user_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows: Vec<(i64,)> = Sql::new(
        "SELECT structure_id FROM user_structures WHERE user_id = $1 ORDER BY structure_id",
    )
    .arg(user_id)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// How long a second-factor seed offered to an account may be confirmed (seconds).
pub const TOTP_OFFER_TTL: i64 = 15 * 60;

/// Associated data of a second-factor seed offered to an account before it is confirmed.
fn offer_aad(user_id: i64) -> String {
    format!("totp_offer:{user_id}")
}

impl Store {
    /// Changes the role and the territory of an account of the actor's scope, with the rules of
    /// creation ([`check_grant`]): nothing above the actor's own role, nothing outside its scope.
    /// An account outside the scope is `NotFound`; one's own role is not changed here (an
    /// administrator cannot lock themselves out). The change is seen by the account's very next
    /// request (its sessions are read again); when the new role requires a second factor the
    /// account has not set up, its sessions must enrol before they see anything.
    pub async fn update_user_access(
        &self,
        actor: &Actor,
        user_id: i64,
        access: &UserAccess,
    ) -> Result<(), StoreError> {
        actor.require(Permission::ManageUsers)?;
        if actor.user_id == Some(user_id) {
            return Err(StoreError::invalid("accounts-cannot-change-own-access"));
        }
        let structures: Vec<i64> = if access.role.scope_kind() == ScopeKind::Structures {
            let mut s = access.structure_ids.clone();
            s.sort_unstable();
            s.dedup();
            s
        } else {
            Vec::new()
        };
        let (region, ght) = check_grant(
            actor,
            access.role,
            access.region_code.as_deref(),
            access.ght_id,
            &structures,
        )?;
        let mut tx = self.begin_write().await?;
        let before = user_in_scope(&mut tx, actor, user_id).await?;
        check_may_change(actor, &before)?;
        // The identity provider sets these at every sign-in: an edit here would be undone.
        if before.oidc_issuer.is_some() {
            return Err(StoreError::invalid("accounts-oidc-managed-access"));
        }
        if let Some(g) = ght {
            check_ght_in_scope(&mut tx, actor, g).await?;
        }
        let before_structures = memberships(&mut tx, user_id).await?;
        Sql::new(
            "UPDATE users SET role = $1, region_code = $2, ght_id = $3, updated_at = $4 WHERE id = $5",
        )
        .arg(access.role.as_str())
        .arg(region.clone())
        .arg(ght)
        .arg(now())
        .arg(user_id)
        .execute(&mut *tx)
        .await?;
        // Memberships the actor does not see are not the actor's to remove.
        let mut q = Sql::new("DELETE FROM user_structures WHERE user_id = ");
        q.bind(user_id)
            .push(" AND structure_id IN (SELECT s.id FROM structures s WHERE ");
        actor.scope_structures(&mut q, "s");
        q.push(")");
        q.execute(&mut *tx).await?;
        for sid in &structures {
            check_structure_in_scope(&mut tx, actor, *sid).await?;
            Sql::new("INSERT INTO user_structures (user_id, structure_id) VALUES ($1, $2)")
                .arg(user_id)
                .arg(*sid)
                .execute(&mut *tx)
                .await?;
        }
        // A new role is not given to tokens made under the old one (a token never passed a
        // second factor): the account makes new ones.
        let revoked = if before.role != access.role.as_str() {
            Sql::new("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1 AND revoked = 0")
                .arg(user_id)
                .execute(&mut *tx)
                .await?
        } else {
            0
        };
        if access.role.requires_mfa() && before.totp_enabled == 0 {
            Sql::new("UPDATE sessions SET mfa_passed = 0 WHERE user_id = $1")
                .arg(user_id)
                .execute(&mut *tx)
                .await?;
        }
        let after_structures = memberships(&mut tx, user_id).await?;
        record(
            &mut *tx,
            actor,
            Event::new("user.update", "user", user_id).detail(serde_json::json!({
                "before": {
                    "role": before.role, "region": before.region_code, "ght": before.ght_id,
                    "structures": before_structures,
                },
                "after": {
                    "role": access.role.as_str(), "region": region, "ght": ght,
                    "structures": after_structures,
                },
                "tokens_revoked": revoked,
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(())
    }

    /// Gives an account of the actor's scope a new random password, returned to be shown once:
    /// the account must choose its own at its next sign-in, its sessions end, and the lock of its
    /// name after wrong passwords is lifted. Accounts of an identity provider have no password
    /// here; one's own password is changed from one's account.
    pub async fn reset_password(&self, actor: &Actor, user_id: i64) -> Result<String, StoreError> {
        actor.require(Permission::ManageUsers)?;
        if actor.user_id == Some(user_id) {
            return Err(StoreError::invalid("accounts-reset-own-password"));
        }
        let password = random_token(15);
        let hash = hash_password(&password)?;
        let mut tx = self.begin_write().await?;
        let target = user_in_scope(&mut tx, actor, user_id).await?;
        check_may_change(actor, &target)?;
        if target.oidc_issuer.is_some() {
            return Err(StoreError::invalid("accounts-oidc-no-password"));
        }
        // One administrator cannot take another's account over (a reset, then signing in as
        // them): an administrator's password is reset on the command line (`vigie admin`).
        if target.role() == vigie_domain::role::Role::Admin {
            return Err(StoreError::invalid("accounts-admin-reset-cli"));
        }
        Sql::new(
            "UPDATE users SET password_hash = $1, must_change_password = 1, failed_logins = 0, \
             locked_until = 0, updated_at = $2 WHERE id = $3",
        )
        .arg(hash)
        .arg(now())
        .arg(user_id)
        .execute(&mut *tx)
        .await?;
        Sql::new("DELETE FROM sessions WHERE user_id = $1")
            .arg(user_id)
            .execute(&mut *tx)
            .await?;
        // A reset is what is done to an account thought taken: its tokens end with its sessions.
        Sql::new("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1 AND revoked = 0")
            .arg(user_id)
            .execute(&mut *tx)
            .await?;
        Sql::new("DELETE FROM auth_failures WHERE subject = $1")
            .arg(login_subject(&target.email))
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("user.password_reset", "user", user_id),
        )
        .await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(password)
    }

    /// When the account last signed in (its last successful sign-in that did not wait for a
    /// second factor), for an account the actor may read.
    pub async fn last_sign_in(
        &self,
        actor: &Actor,
        user_id: i64,
    ) -> Result<Option<i64>, StoreError> {
        self.get_user(actor, user_id).await?;
        let (at,): (Option<i64>,) = Sql::new(
            "SELECT MAX(at) FROM audit_log WHERE actor_user_id = $1 AND action = 'auth.login' \
             AND success = 1 AND detail NOT LIKE '%mfa_pending%'",
        )
        .arg(user_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }

    /// Seals a second-factor seed offered to the actor's own account, to be carried by the form
    /// that confirms it: the form cannot bring a seed of its own choosing, nor one offered to
    /// someone else, nor one offered more than [`TOTP_OFFER_TTL`] seconds ago.
    pub fn seal_totp_offer(&self, user_id: i64, secret: &str) -> String {
        self.seal_totp_offer_at(user_id, secret, now())
    }

    /// [`Store::seal_totp_offer`] as if offered at `at` (unix seconds).
    pub fn seal_totp_offer_at(&self, user_id: i64, secret: &str, at: i64) -> String {
        self.seal(&offer_aad(user_id), &format!("{at}:{secret}"))
    }

    /// Opens a seed sealed by [`Store::seal_totp_offer`] for this account, while it is fresh.
    pub fn open_totp_offer(&self, user_id: i64, sealed: &str) -> Result<String, StoreError> {
        let bad = || StoreError::invalid("accounts-totp-offer-invalid");
        let opened = match &self.secrets {
            Some(k) => {
                let b = k
                    .open_bytes(&offer_aad(user_id), sealed)
                    .map_err(|_| bad())?;
                String::from_utf8(b).map_err(|_| bad())?
            }
            None => sealed.to_string(),
        };
        let (at, secret) = opened.split_once(':').ok_or_else(bad)?;
        let at: i64 = at.parse().map_err(|_| bad())?;
        let age = now() - at;
        if !(-60..=TOTP_OFFER_TTL).contains(&age) {
            return Err(StoreError::invalid("accounts-totp-offer-expired"));
        }
        Ok(secret.to_string())
    }

    /// Replaces the actor's own second factor by a new seed that a code already proved (the
    /// caller checked the current password and the code). The other sessions, opened with the
    /// old factor, end; `keep_session` (the cookie of the one making the change) stays.
    pub async fn renew_own_totp(
        &self,
        actor: &Actor,
        secret: &str,
        keep_session: Option<&str>,
    ) -> Result<(), StoreError> {
        let user_id = actor.user_id.ok_or(StoreError::NotFound)?;
        let mut tx = self.begin_write().await?;
        let n = Sql::new(
            "UPDATE users SET totp_secret = $1, totp_enabled = 1, totp_last_step = 0, updated_at = $2 \
             WHERE id = $3 AND disabled = 0",
        )
        .arg(self.seal("totp_secret", secret))
        .arg(now())
        .arg(user_id)
        .execute(&mut *tx)
        .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Sql::new("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .arg(user_id)
            .arg(keep_session.map(token_hash).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("user.mfa_renewed", "user", user_id),
        )
        .await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(())
    }

    /// Turns off the actor's own second factor (the caller checked the current password). The
    /// roles that require one keep it.
    pub async fn disable_own_totp(&self, actor: &Actor) -> Result<(), StoreError> {
        let user_id = actor.user_id.ok_or(StoreError::NotFound)?;
        if actor.role.requires_mfa() {
            return Err(StoreError::Invalid(
                Problem::new("accounts-mfa-required").arg("role", actor.role.as_str()),
            ));
        }
        let mut tx = self.begin_write().await?;
        // The role is checked again by the statement itself: an account promoted to a role that
        // requires the second factor while this request was on its way keeps it.
        let optional = vigie_domain::role::ALL_ROLES
            .iter()
            .filter(|r| !r.requires_mfa())
            .map(|r| r.as_str());
        let mut q = Sql::new(
            "UPDATE users SET totp_secret = NULL, totp_enabled = 0, totp_last_step = 0, updated_at = ",
        );
        q.bind(now())
            .push(" WHERE id = ")
            .bind(user_id)
            .push(" AND disabled = 0 AND role IN ")
            .push_in_list(optional);
        let n = q.execute(&mut *tx).await?;
        if n == 0 {
            let role: Option<(String,)> =
                Sql::new("SELECT role FROM users WHERE id = $1 AND disabled = 0")
                    .arg(user_id)
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match role {
                Some((r,)) => {
                    StoreError::Invalid(Problem::new("accounts-mfa-required").arg("role", r))
                }
                None => StoreError::NotFound,
            });
        }
        record(
            &mut *tx,
            actor,
            Event::new("user.mfa_disabled", "user", user_id),
        )
        .await?;
        tx.commit().await?;
        crate::cache::auth_changed();
        crate::cache::registry_changed();
        Ok(())
    }
}
