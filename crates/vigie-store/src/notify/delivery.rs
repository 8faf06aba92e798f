//! Reading the outbox: a row to deliver, the record of each attempt, the rows a page lists.

use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::notify::queue::queue;
use crate::notify::types::{NewNotification, Notification, NOTIFICATION_COLUMNS};

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
            .arg(e.chars().take(2000).collect::<String>()),
        };
        q.arg(id).execute(&self.pool).await?;
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
        q.fetch_all(&self.pool).await
    }
}
