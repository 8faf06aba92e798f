//! Accounts: creation, scope, the list, language, disabling.

use vigie_domain::problem::Problem;
use vigie_domain::role::{Permission, Role, Scope, ScopeKind};

use crate::accounts::passwords::{check_password_policy, hash_password};
use crate::accounts::types::{NewUser, User, USER_COLUMNS};
use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;

/// The actor of an account: its scope follows from its role and attachments. A role the build
/// does not know falls back to the weakest one; a missing attachment gives an empty scope.
pub(crate) fn actor_of(
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

pub(crate) fn normalize_email(e: &str) -> Result<String, StoreError> {
    let e = e.trim().to_lowercase();
    if !vigie_domain::structure::is_valid_email(&e) {
        return Err(StoreError::Invalid(
            Problem::new("accounts-email-invalid").arg("value", e),
        ));
    }
    Ok(e)
}

/// A language the interface does not speak (it speaks `fr` and `en`).
fn locale_unknown(locale: &str) -> StoreError {
    StoreError::Invalid(Problem::new("accounts-locale-unknown").arg("value", locale))
}

/// What an administrator may give, at creation and at an edit alike: a role that may do nothing
/// the giver may not ([`Role::may_grant`]), with the attachment that role needs, inside the
/// giver's own scope (a national role only from a national scope, a region only the giver's
/// own). Returns the region (in the table's form) and the GHT to store. The GHT and the
/// structures are checked against the giver's scope in the transaction that writes them
/// ([`check_ght_in_scope`], [`check_structure_in_scope`]).
pub(crate) fn check_grant(
    actor: &Actor,
    role: Role,
    region: Option<&str>,
    ght: Option<i64>,
    structure_ids: &[i64],
) -> Result<(Option<String>, Option<i64>), StoreError> {
    if !actor.role.may_grant(role) {
        return Err(StoreError::Invalid(
            Problem::new("accounts-role-above-own").arg("role", role.as_str()),
        ));
    }
    let outside = || {
        StoreError::Invalid(Problem::new("accounts-grant-outside-scope").arg("role", role.as_str()))
    };
    match role.scope_kind() {
        ScopeKind::National => {
            if actor.scope != Scope::National {
                return Err(outside());
            }
            Ok((None, None))
        }
        ScopeKind::Region => {
            let r = region
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .ok_or_else(|| {
                    StoreError::Invalid(
                        Problem::new("accounts-role-needs-region").arg("role", role.as_str()),
                    )
                })?;
            // stored as the table writes it: every scope check compares with that form
            let Some(region) = vigie_domain::geo::region(r) else {
                return Err(StoreError::Invalid(
                    Problem::new("accounts-region-unknown").arg("value", r),
                ));
            };
            match &actor.scope {
                Scope::National => {}
                Scope::Region(own)
                    if vigie_domain::geo::region(own).map(|o| o.code) == Some(region.code) => {}
                _ => return Err(outside()),
            }
            Ok((Some(region.code.to_string()), None))
        }
        ScopeKind::Ght => {
            let g = ght.ok_or_else(|| {
                StoreError::Invalid(
                    Problem::new("accounts-role-needs-ght").arg("role", role.as_str()),
                )
            })?;
            Ok((None, Some(g)))
        }
        ScopeKind::Structures => {
            if structure_ids.is_empty() {
                return Err(StoreError::Invalid(
                    Problem::new("accounts-role-needs-structure").arg("role", role.as_str()),
                ));
            }
            Ok((None, None))
        }
    }
}

/// A GHT given to an account must be one the giver sees.
pub(crate) async fn check_ght_in_scope(
    tx: &mut crate::db::WriteTx,
    actor: &Actor,
    ght: i64,
) -> Result<(), StoreError> {
    let mut q = Sql::new("SELECT COUNT(*) FROM ghts g WHERE g.id = ");
    q.bind(ght).push(" AND ");
    actor.scope_ghts(&mut q, "g");
    if q.scalar(&mut **tx).await? != 1 {
        return Err(StoreError::Invalid(
            Problem::new("accounts-ght-unknown").arg("id", ght),
        ));
    }
    Ok(())
}

/// A structure given to an account must be one the giver sees.
pub(crate) async fn check_structure_in_scope(
    tx: &mut crate::db::WriteTx,
    actor: &Actor,
    structure: i64,
) -> Result<(), StoreError> {
    let mut q = Sql::new("SELECT COUNT(*) FROM structures s WHERE s.id = ");
    q.bind(structure).push(" AND ");
    actor.scope_structures(&mut q, "s");
    if q.scalar(&mut **tx).await? != 1 {
        return Err(StoreError::Invalid(
            Problem::new("accounts-structure-unknown").arg("id", structure),
        ));
    }
    Ok(())
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
                Problem::new("accounts-display-name-invalid").arg("max", 200u32),
            ));
        }
        if !matches!(nu.locale.as_str(), "fr" | "en") {
            return Err(locale_unknown(&nu.locale));
        }
        // Memberships belong to the roles scoped to structures only; each once.
        let structures: Vec<i64> = if nu.role.scope_kind() == ScopeKind::Structures {
            let mut s = nu.structure_ids.clone();
            s.sort_unstable();
            s.dedup();
            s
        } else {
            Vec::new()
        };
        let (region, ght) = check_grant(
            actor,
            nu.role,
            nu.region_code.as_deref(),
            nu.ght_id,
            &structures,
        )?;
        let hash = match &nu.password {
            Some(p) => {
                check_password_policy(p)?;
                Some(hash_password(p)?)
            }
            None => None,
        };
        let mut tx = self.begin_write().await?;
        if let Some(g) = ght {
            check_ght_in_scope(&mut tx, actor, g).await?;
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
        for sid in &structures {
            check_structure_in_scope(&mut tx, actor, *sid).await?;
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

    /// The accounts of the actor's scope of users (as [`Store::list_users`] sees them) whose
    /// name or e-mail holds every word of `text`, accents and case ignored: at most `limit`,
    /// names starting with the first word first, then by name; with how many match in all.
    /// Nothing without [`Permission::ReadUsers`] (an empty answer, not an error: the header's
    /// search asks on behalf of every role). The scope is applied in SQL; the words are matched
    /// here, on the folded text (the accounts of one scope are at most a few thousand short rows).
    pub async fn search_users(
        &self,
        actor: &Actor,
        text: &str,
        limit: usize,
    ) -> Result<(Vec<User>, i64), StoreError> {
        let words = crate::db::search_words(text);
        if !actor.can(Permission::ReadUsers) || words.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut q = Sql::new("SELECT u.id, u.display_name, u.email FROM users u WHERE ");
        actor.scope_users(&mut q, "u");
        let all: Vec<(i64, String, String)> = q.fetch_all(&self.pool).await?;
        let mut found: Vec<(u8, String, i64)> = all
            .into_iter()
            .filter_map(|(id, name, email)| {
                let name = crate::db::fold(&name);
                let hay = format!("{name} {}", crate::db::fold(&email));
                if !words.iter().all(|w| hay.contains(w.as_str())) {
                    return None;
                }
                let rank = u8::from(!name.starts_with(words[0].as_str()));
                Some((rank, name, id))
            })
            .collect();
        found.sort();
        let total = found.len() as i64;
        found.truncate(limit.min(100));
        let ids: Vec<i64> = found.iter().map(|f| f.2).collect();
        if ids.is_empty() {
            return Ok((Vec::new(), total));
        }
        let mut q = Sql::new(&format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.id IN "
        ));
        q.push_in_list(ids.iter().copied());
        q.push(" AND ");
        actor.scope_users(&mut q, "u");
        let mut rows: Vec<User> = q.fetch_all(&self.pool).await?;
        rows.sort_by_key(|u| ids.iter().position(|i| *i == u.id));
        Ok((rows, total))
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

    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        user_id: i64,
        disabled: bool,
    ) -> Result<(), StoreError> {
        actor.require(Permission::ManageUsers)?;
        if actor.user_id == Some(user_id) && disabled {
            return Err(StoreError::invalid("accounts-cannot-disable-self"));
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
            return Err(locale_unknown(locale));
        }
        Sql::new("UPDATE users SET locale = $1 WHERE id = $2")
            .arg(locale)
            .arg(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
