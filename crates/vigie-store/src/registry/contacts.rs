//! The contacts of a structure (its security officer, its director…).

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;
use vigie_domain::structure::ContactRole;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::registry::types::Contact;

impl Store {
    pub async fn list_contacts(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<Contact>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        Self::ensure_in_scope(&mut *self.pool.acquire().await?, actor, structure_id).await?;
        let mut q = Sql::new(
            "SELECT c.id, c.structure_id, c.role, c.name, c.email, c.phone, c.updated_at FROM contacts c \
             JOIN structures s ON s.id = c.structure_id WHERE c.structure_id = ",
        );
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY c.role");
        q.fetch_all(&self.pool).await
    }

    /// Sets (creates or replaces) the contact of a given role.
    pub async fn set_contact(
        &self,
        actor: &Actor,
        structure_id: i64,
        role: ContactRole,
        name: &str,
        email: Option<&str>,
        phone: Option<&str>,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteStructures)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(StoreError::Invalid(
                Problem::new("registry-contact-name-invalid").arg("max", 200u32),
            ));
        }
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(e) = email {
            if !vigie_domain::structure::is_valid_email(e) {
                return Err(StoreError::Invalid(
                    Problem::new("registry-contact-email-invalid").arg("value", e),
                ));
            }
        }
        let phone = match phone.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(
                vigie_domain::structure::normalize_phone_fr(p).ok_or_else(|| {
                    StoreError::Invalid(
                        Problem::new("registry-contact-phone-invalid").arg("value", p),
                    )
                })?,
            ),
            None => None,
        };
        let mut tx = self.begin_write().await?;
        Self::ensure_in_scope(&mut tx, actor, structure_id).await?;
        Sql::new(
            "INSERT INTO contacts (structure_id, role, name, email, phone, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (structure_id, role) DO UPDATE SET name = excluded.name, email = excluded.email, \
             phone = excluded.phone, updated_at = excluded.updated_at",
        )
        .arg(structure_id)
        .arg(role.as_str())
        .arg(name)
        .arg(email)
        .arg(phone.clone())
        .arg(now())
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("contact.set", "structure", structure_id).detail(serde_json::json!({
                "role": role.as_str(), "name": name, "email": email, "phone": phone,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
