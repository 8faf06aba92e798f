//! Notifications for people: what the outbox tells an account is also kept for it
//! (`user_notifications`), to be read in the application — unread first, marked read one by one
//! or all at once — whatever its e-mail preferences; and which kinds of notification each account
//! wants by e-mail (`notification_prefs`: a kind without a row is wanted), which the delivering
//! worker honours ([`Store::email_wanted`]). Each person reads and marks only their own rows,
//! and only those about a structure still in their scope (or about their territory as a whole).

use serde::Serialize;
use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Backend, Sql, Store};
use crate::error::StoreError;
use crate::notify::types::NewNotification;

/// The kinds of notification a person may turn off by e-mail (event prefixes, as webhooks
/// filter them, by whole segments): exposure findings, vulnerability alerts, the weekly bulletin, incidents.
pub const EMAIL_KINDS: [&str; 4] = ["scan.finding", "watch.alert", "watch.bulletin", "incidents"];

/// The kind of `event` among [`EMAIL_KINDS`], if any.
pub fn kind_of(event: &str) -> Option<&'static str> {
    // Whole segments, as webhooks' filters match (`watch.alert` is not `watch.alertx`).
    EMAIL_KINDS.iter().copied().find(|k| {
        event
            .strip_prefix(k)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

/// Inbox rows per multi-row INSERT (7 values each).
const ROW_CHUNK: usize = 200;

/// One notification of a person's list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: i64,
    pub structure_id: Option<i64>,
    /// Dotted event name (`watch.alert.new`…).
    pub event: String,
    /// The event's document (`vigie_domain::events`), from which its message is written.
    pub payload: String,
    pub link: Option<String>,
    pub created_at: i64,
    /// When the person marked it read; `None` while unread.
    pub read_at: Option<i64>,
}

/// A page of a person's notifications.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    /// Unread first, then newest first.
    pub items: Vec<InboxItem>,
    /// Every notification of the list, and how many are unread.
    pub total: i64,
    pub unread: i64,
}

/// Writes the inbox rows of accounts `users[i]` for events `ns[i]`, in the caller's transaction
/// (an account already told of an event under its dedup key is not told again).
pub(crate) async fn write_inbox(
    conn: &mut AnyConnection,
    ns: &[NewNotification],
    users: &[(usize, i64)],
    at: i64,
) -> Result<(), StoreError> {
    let backend = Backend::of(conn);
    for part in users.chunks(ROW_CHUNK) {
        let mut q = Sql::new(
            "INSERT INTO user_notifications (user_id, structure_id, event, payload, link, dedup_key, created_at) VALUES ",
        );
        for (k, (i, uid)) in part.iter().enumerate() {
            let n = &ns[*i];
            if k > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(*uid)
                .push(", ")
                .bind(n.structure_id())
                .push(", ")
                .bind(n.event)
                .push(", ")
                .bind(n.payload.as_str())
                .push(", ")
                .bind(n.link.clone())
                .push(", ")
                .bind(n.dedup_key.as_str())
                .push(", ")
                .bind(at)
                .push(")");
        }
        q.push(" ON CONFLICT (user_id, dedup_key) DO NOTHING");
        q.positional_for(backend).execute(&mut *conn).await?;
    }
    Ok(())
}

/// `WHERE` of a person's own rows that they may still see: theirs, about a structure of their
/// current scope or about no structure (their territory's bulletin).
fn mine(actor: &Actor, user_id: i64) -> Sql {
    let mut q = Sql::new(" WHERE n.user_id = ");
    q.bind(user_id).push(
        " AND (n.structure_id IS NULL OR n.structure_id IN (SELECT s.id FROM structures s WHERE ",
    );
    actor.scope_structures(&mut q, "s");
    q.push("))");
    q
}

impl Store {
    /// The actor's own notifications, unread first then newest first, `limit` from `offset`;
    /// with how many there are and how many are unread. Empty for the platform itself.
    pub async fn list_inbox(
        &self,
        actor: &Actor,
        limit: i64,
        offset: i64,
    ) -> Result<Inbox, StoreError> {
        let Some(uid) = actor.user_id else {
            return Ok(Inbox::default());
        };
        let w = mine(actor, uid);
        let mut q = w.prefixed(
            "SELECT n.id, n.structure_id, n.event, n.payload, n.link, n.created_at, n.read_at \
             FROM user_notifications n",
        );
        q.push(&format!(
            " ORDER BY CASE WHEN n.read_at IS NULL THEN 0 ELSE 1 END, n.id DESC LIMIT {} OFFSET {}",
            limit.clamp(1, 500),
            offset.max(0)
        ));
        let items: Vec<InboxItem> = q.fetch_all(&self.pool).await?;
        let counts: (i64, i64) = w
            .prefixed(
                "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN n.read_at IS NULL THEN 1 ELSE 0 END), 0) AS BIGINT) \
                 FROM user_notifications n",
            )
            .fetch_one(&self.pool)
            .await?;
        Ok(Inbox {
            items,
            total: counts.0,
            unread: counts.1,
        })
    }

    /// How many of the actor's own notifications are unread (the header's count).
    pub async fn unread_count(&self, actor: &Actor) -> Result<i64, StoreError> {
        let Some(uid) = actor.user_id else {
            return Ok(0);
        };
        let mut q = mine(actor, uid).prefixed("SELECT COUNT(*) FROM user_notifications n");
        q.push(" AND n.read_at IS NULL");
        q.scalar(&self.pool).await
    }

    /// Marks one of the actor's notifications read (`NotFound` for anyone else's). Marking a
    /// read one again changes nothing.
    pub async fn mark_read(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        let uid = actor.user_id.ok_or(StoreError::NotFound)?;
        let mut tx = self.begin_write().await?;
        let mut q = mine(actor, uid).prefixed("SELECT COUNT(*) FROM user_notifications n");
        q.push(" AND n.id = ").bind(id);
        if q.scalar(&mut *tx).await? != 1 {
            return Err(StoreError::NotFound);
        }
        Sql::new(
            "UPDATE user_notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
        )
        .arg(now())
        .arg(id)
        .arg(uid)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Marks every notification of the actor read; returns how many were unread.
    pub async fn mark_all_read(&self, actor: &Actor) -> Result<u64, StoreError> {
        let Some(uid) = actor.user_id else {
            return Ok(0);
        };
        let _turn = self.write_turn().await?;
        let n = Sql::new(
            "UPDATE user_notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
        )
        .arg(now())
        .arg(uid)
        .execute(&self.pool)
        .await?;
        Ok(n)
    }

    /// Which kinds of notification ([`EMAIL_KINDS`], in that order) the actor receives by
    /// e-mail.
    pub async fn email_prefs(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(&'static str, bool)>, StoreError> {
        let uid = actor.user_id.ok_or(StoreError::NotFound)?;
        let off: Vec<(String,)> =
            Sql::new("SELECT kind FROM notification_prefs WHERE user_id = $1 AND email = 0")
                .arg(uid)
                .fetch_all(&self.pool)
                .await?;
        Ok(EMAIL_KINDS
            .iter()
            .map(|k| (*k, !off.iter().any(|(o,)| o == k)))
            .collect())
    }

    /// Sets which kinds of notification the actor receives by e-mail: the kinds of
    /// [`EMAIL_KINDS`] in `wanted` on, the others off (an unknown kind is refused); audited with
    /// what changed. The in-app list keeps everything.
    pub async fn set_email_prefs(
        &self,
        actor: &Actor,
        wanted: &[String],
    ) -> Result<(), StoreError> {
        let uid = actor.user_id.ok_or(StoreError::NotFound)?;
        if let Some(k) = wanted.iter().find(|k| !EMAIL_KINDS.contains(&k.as_str())) {
            return Err(StoreError::Invalid(
                vigie_domain::problem::Problem::new("notify-kind-unknown").arg("value", k.clone()),
            ));
        }
        let before = self.email_prefs(actor).await?;
        let mut tx = self.begin_write().await?;
        let at = now();
        let mut changed = serde_json::Map::new();
        for (kind, was) in before {
            let on = wanted.iter().any(|w| w == kind);
            Sql::new(
                "INSERT INTO notification_prefs (user_id, kind, email, updated_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, kind) DO UPDATE SET email = excluded.email, updated_at = excluded.updated_at",
            )
            .arg(uid)
            .arg(kind)
            .arg(on)
            .arg(at)
            .execute(&mut *tx)
            .await?;
            if on != was {
                changed.insert(kind.to_string(), on.into());
            }
        }
        if !changed.is_empty() {
            record(
                &mut *tx,
                actor,
                Event::new("user.notification_prefs", "user", uid)
                    .detail(serde_json::Value::Object(changed)),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Whether the e-mail of `event` is to be sent to `recipient`: no, when it is the address of
    /// an account that turned that kind off ([`Store::set_email_prefs`]); yes otherwise (a
    /// contact's address, an event of no kind a person can turn off).
    pub async fn email_wanted(&self, recipient: &str, event: &str) -> Result<bool, StoreError> {
        let Some(kind) = kind_of(event) else {
            return Ok(true);
        };
        let off: i64 = Sql::new(
            "SELECT COUNT(*) FROM notification_prefs p JOIN users u ON u.id = p.user_id \
             WHERE LOWER(u.email) = $1 AND p.kind = $2 AND p.email = 0",
        )
        .arg(recipient.trim().to_lowercase())
        .arg(kind)
        .scalar(&self.pool)
        .await?;
        Ok(off == 0)
    }

    /// Records that an e-mail was not sent because its recipient turned its kind off.
    pub async fn skip_delivery(&self, id: i64) -> Result<(), StoreError> {
        let _turn = self.write_turn().await?;
        Sql::new(
            "UPDATE notifications SET status = 'skipped', last_error = NULL WHERE id = $1 AND status <> 'sent'",
        )
        .arg(id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_its_kind() {
        assert_eq!(kind_of("scan.finding.new"), Some("scan.finding"));
        assert_eq!(kind_of("watch.alert.new"), Some("watch.alert"));
        assert_eq!(kind_of("watch.bulletin"), Some("watch.bulletin"));
        assert_eq!(kind_of("incidents.deadline.reminder"), Some("incidents"));
        assert_eq!(kind_of("watch.alertx"), None);
    }
}
