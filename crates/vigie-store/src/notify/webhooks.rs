//! Webhooks: who attaches them where, and their signing keys.

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::notify::destination::check_webhook_destination;
use crate::notify::types::{Webhook, WebhookScope};

impl Store {
    /// Whether the actor may attach a webhook to (or see the webhooks of) `scope`.
    async fn webhook_scope_allowed(
        &self,
        actor: &Actor,
        scope: &WebhookScope,
    ) -> Result<bool, StoreError> {
        use vigie_domain::role::Scope;
        Ok(match scope {
            WebhookScope::National => actor.scope == Scope::National,
            WebhookScope::Region(w) => match &actor.scope {
                Scope::National => vigie_domain::geo::region(w).is_some(),
                Scope::Region(r) => r == w,
                _ => false,
            },
            // A structure's people see their GHT, but its webhooks carry the events of every
            // structure of the GHT: not theirs to attach or read.
            WebhookScope::Ght(_) if matches!(actor.scope, Scope::Structures { .. }) => false,
            WebhookScope::Ght(g) => {
                let mut q = Sql::new("SELECT COUNT(*) FROM ghts g WHERE g.id = ");
                q.bind(*g).push(" AND ");
                actor.scope_ghts(&mut q, "g");
                q.scalar(&self.pool).await? == 1
            }
            WebhookScope::Structure(s) => {
                let mut q = Sql::new("SELECT COUNT(*) FROM structures s WHERE s.id = ");
                q.bind(*s).push(" AND ");
                actor.scope_structures(&mut q, "s");
                q.scalar(&self.pool).await? == 1
            }
        })
    }

    /// Attaches a webhook to a territory the actor covers. Returns it with its signing secret,
    /// which is shown this once.
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        name: &str,
        url: &str,
        scope: WebhookScope,
        events: &str,
    ) -> Result<(Webhook, String), StoreError> {
        actor.require(Permission::ManageNotifications)?;
        let name = name.trim();
        if name.is_empty() || name.len() > 200 {
            return Err(StoreError::Invalid(
                Problem::new("notify-webhook-name-invalid").arg("max", 200u32),
            ));
        }
        check_webhook_destination(url, self.allow_private_webhooks).await?;
        let events = if events.trim().is_empty() {
            "*".to_string()
        } else {
            events
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .collect::<Vec<_>>()
                .join(",")
        };
        if !events
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ',' | '*' | '-'))
        {
            return Err(StoreError::Invalid(
                Problem::new("notify-webhook-events-invalid").arg("value", events),
            ));
        }
        if !self.webhook_scope_allowed(actor, &scope).await? {
            return Err(StoreError::NotFound);
        }
        let secret = {
            use rand::RngCore;
            let mut b = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut b);
            hex::encode(b)
        };
        let (region, ght, structure) = match &scope {
            WebhookScope::National => (None, None, None),
            WebhookScope::Region(r) => (Some(r.clone()), None, None),
            WebhookScope::Ght(g) => (None, Some(*g), None),
            WebhookScope::Structure(s) => (None, None, Some(*s)),
        };
        let at = now();
        let mut tx = self.begin_write().await?;
        let id = Sql::new(
            "INSERT INTO webhooks (name, url, secret, region_code, ght_id, structure_id, events, active, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9) RETURNING id",
        )
        .arg(name)
        .arg(url.trim())
        .arg(self.seal("secret", &secret))
        .arg(region.clone())
        .arg(ght)
        .arg(structure)
        .arg(events.as_str())
        .arg(actor.user_id)
        .arg(at)
        .scalar(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("webhook.create", "webhook", id).detail(serde_json::json!({
                "name": name, "url": url.trim(), "region": region, "ght_id": ght,
                "structure_id": structure, "events": events,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok((
            Webhook {
                id,
                name: name.to_string(),
                url: url.trim().to_string(),
                region_code: region,
                ght_id: ght,
                structure_id: structure,
                events,
                active: 1,
                created_at: at,
            },
            secret,
        ))
    }

    /// The webhooks the actor may manage.
    pub async fn list_webhooks(&self, actor: &Actor) -> Result<Vec<Webhook>, StoreError> {
        actor.require(Permission::ManageNotifications)?;
        let rows: Vec<Webhook> = Sql::new(
            "SELECT id, name, url, region_code, ght_id, structure_id, events, active, created_at FROM webhooks ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for w in rows {
            if self
                .webhook_scope_allowed(actor, &WebhookScope::of(&w))
                .await?
            {
                out.push(w);
            }
        }
        Ok(out)
    }

    /// Removes a webhook the actor may manage (its pending deliveries go with it).
    pub async fn delete_webhook(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        actor.require(Permission::ManageNotifications)?;
        let w: Option<Webhook> = Sql::new(
            "SELECT id, name, url, region_code, ght_id, structure_id, events, active, created_at FROM webhooks WHERE id = $1",
        )
        .arg(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(w) = w else {
            return Err(StoreError::NotFound);
        };
        if !self
            .webhook_scope_allowed(actor, &WebhookScope::of(&w))
            .await?
        {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin_write().await?;
        Sql::new("DELETE FROM notifications WHERE webhook_id = $1 AND status <> 'sent'")
            .arg(id)
            .execute(&mut *tx)
            .await?;
        Sql::new("UPDATE notifications SET webhook_id = NULL WHERE webhook_id = $1")
            .arg(id)
            .execute(&mut *tx)
            .await?;
        Sql::new("DELETE FROM webhooks WHERE id = $1")
            .arg(id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("webhook.delete", "webhook", id)
                .detail(serde_json::json!({ "name": w.name, "url": w.url })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Seals the webhooks' signing keys still stored in clear (see `Store::seal_clear_secrets`).
pub(crate) async fn seal_clear_secrets(store: &Store) -> Result<u64, StoreError> {
    store.seal_clear_column("webhooks", "id", "secret").await
}
