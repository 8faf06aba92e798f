//! Reading the outbox: a row to deliver, the record of each attempt, the rows a page lists.

use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::notify::destination::redact_delivery_error;
use crate::notify::queue::queue;
use crate::notify::types::{NewNotification, Notification, NOTIFICATION_COLUMNS};

/// What a viewer reads in place of a recipient it may not see.
pub const HIDDEN_RECIPIENT: &str = "…";

impl Store {
    /// [`queue`] in a transaction of its own, for events that have nothing else to commit
    /// (bulletins, tests).
    pub async fn queue_notification(&self, n: &NewNotification) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let ids = queue(&mut tx, n).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// The row to deliver, with the webhook's address and secret when it goes to a webhook.
    /// `None` when it no longer exists (its structure or webhook was deleted). The row is as
    /// stored: the worker has the presentation layer write its message (see
    /// [`Notification::is_legacy`]).
    pub async fn notification_for_delivery(
        &self,
        id: i64,
    ) -> Result<Option<(Notification, Option<(String, String, bool)>)>, StoreError> {
        let n: Option<Notification> = Sql::new(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications n WHERE n.id = $1"
        ))
        .arg(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(n) = n else { return Ok(None) };
        let hook = match n.webhook_id {
            Some(w) => Sql::new("SELECT url, secret, active FROM webhooks WHERE id = $1")
                .arg(w)
                .fetch_optional::<(String, String, i64), _>(&self.pool)
                .await?
                .map(|(u, s, a)| self.open("secret", &s).map(|s| (u, s, a == 1)))
                .transpose()?,
            None => None,
        };
        Ok(Some((n, hook)))
    }

    /// Records one delivery attempt: sent, or failed with its error (`final_failure` when the
    /// queue will not retry, or when retrying cannot help).
    pub async fn record_delivery(
        &self,
        id: i64,
        outcome: Result<(), (&str, bool)>,
    ) -> Result<(), StoreError> {
        let q = match outcome {
            Ok(()) => Sql::new(
                "UPDATE notifications SET status = 'sent', attempts = attempts + 1, sent_at = $1, last_error = NULL WHERE id = $2",
            )
            .arg(now()),
            Err((e, final_failure)) => Sql::new(
                "UPDATE notifications SET status = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3",
            )
            .arg(if final_failure { "failed" } else { "retrying" })
            .arg(redact_delivery_error(e)),
        };
        let _turn = self.write_turn().await?;
        q.arg(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Keeps an e-mail in the outbox without sending it (`kept`): the demo, which has no mail
    /// server, shows its e-mails on the notifications page instead of failing them.
    pub async fn keep_in_outbox(&self, id: i64) -> Result<(), StoreError> {
        let _turn = self.write_turn().await?;
        Sql::new(
            "UPDATE notifications SET status = 'kept', attempts = attempts + 1, last_error = NULL WHERE id = $1",
        )
        .arg(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Notifications about structures in the actor's scope, newest first (`structure_id` narrows
    /// to one structure). Regional and national notifications are seen by those territories.
    pub async fn list_notifications(
        &self,
        actor: &Actor,
        structure_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<Notification>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Sql::new(&format!(
            "SELECT {NOTIFICATION_COLUMNS} FROM notifications n JOIN structures s ON s.id = n.structure_id WHERE "
        ));
        actor.scope_structures(&mut q, "s");
        if let Some(id) = structure_id {
            q.push(" AND n.structure_id = ").bind(id);
        }
        q.push(" ORDER BY n.id DESC LIMIT ")
            .bind(limit.clamp(1, 1000));
        let mut rows: Vec<Notification> = q.fetch_all(&self.pool).await?;
        // Rows recorded by earlier versions kept the client's error with the webhook's address.
        for n in &mut rows {
            if let Some(e) = n.last_error.as_mut() {
                *e = redact_delivery_error(e);
            }
        }
        self.hide_recipients_out_of_sight(actor, &mut rows).await?;
        Ok(rows)
    }

    /// A notification's recipients are people and webhooks: the viewer sees a person's address
    /// only when it may see the person (an account in its scope of users, as `/api/v1/users`
    /// shows them, or a contact of a structure in its scope), and a webhook's number only when
    /// it may manage the webhook. The others read [`HIDDEN_RECIPIENT`].
    async fn hide_recipients_out_of_sight(
        &self,
        actor: &Actor,
        rows: &mut [Notification],
    ) -> Result<(), StoreError> {
        if actor.scope == vigie_domain::role::Scope::National || rows.is_empty() {
            return Ok(());
        }
        let mut q = Sql::new("SELECT LOWER(u.email) FROM users u WHERE ");
        actor.scope_users(&mut q, "u");
        q.push(" UNION SELECT LOWER(c.email) FROM contacts c JOIN structures s ON s.id = c.structure_id WHERE c.email IS NOT NULL AND ");
        actor.scope_structures(&mut q, "s");
        let visible: Vec<(Option<String>,)> = q.fetch_all(&self.pool).await?;
        let visible: std::collections::HashSet<String> =
            visible.into_iter().filter_map(|(e,)| e).collect();
        let hooks: std::collections::HashSet<i64> = if actor.can(Permission::ManageNotifications) {
            self.list_webhooks(actor)
                .await?
                .into_iter()
                .map(|w| w.id)
                .collect()
        } else {
            Default::default()
        };
        for n in rows.iter_mut() {
            let shown = match n.webhook_id {
                Some(w) => hooks.contains(&w),
                None if n.channel == "webhook" => false,
                None => visible.contains(&n.recipient.to_lowercase()),
            };
            if !shown {
                n.recipient = HIDDEN_RECIPIENT.to_string();
                if n.channel == "webhook" {
                    n.webhook_id = None;
                }
            }
        }
        Ok(())
    }
}
