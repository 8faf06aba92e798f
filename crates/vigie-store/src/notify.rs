//! The notification outbox. An engine that has something to tell (a new finding, a new alert, a
//! bulletin) calls [`queue`] inside the transaction that records the event: the recipients are
//! resolved there, one row per recipient is written, and one `notify.deliver` job per row is put in
//! the queue. The event and its notifications therefore commit together, and delivery gets the
//! queue's retries with backoff. A `dedup_key` names the event: the same event never reaches the
//! same recipient twice, however often an engine re-runs.
//!
//! Recipients of an event about a structure: the e-mail of its security officer contact (its
//! director when it has none), its structure administrators, the security officers of its GHT; and
//! every active webhook whose territory covers the structure (the structure, its GHT, its region
//! or the whole country) and whose event filter lets the event through. Events about a region go
//! to that region's analysts and webhooks; national events to the CERT analysts and national
//! webhooks. Disabled accounts receive nothing.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use sqlx::AnyConnection;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, packed, Backend, Sql, Store};
use crate::error::StoreError;

/// Job kind that delivers one notification row.
pub const DELIVER_JOB: &str = "notify.deliver";
/// Attempts before a delivery is given up (with the queue's backoff: about 21 minutes in all).
pub const DELIVER_ATTEMPTS: i64 = 8;

/// Whom an event concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    Structure(i64),
    Region(String),
    National,
}

/// An event to tell.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub audience: Audience,
    /// Dotted event name, for example `scan.finding.new` or `watch.alert.new`; webhooks filter on
    /// its prefixes.
    pub event: String,
    pub subject: String,
    /// Plain-text body of the e-mail (always sent, as the first alternative).
    pub text: String,
    /// HTML body of the e-mail, when there is one.
    pub html: Option<String>,
    /// The JSON document posted to webhooks (`event`, `subject` and `link` are added).
    pub payload: serde_json::Value,
    /// Path of the page that shows the event, for example `/structures/12/exposure`.
    pub link: Option<String>,
    /// Names the event; one notification per key and recipient, ever.
    pub dedup_key: String,
}

/// Resolves the recipients of `n`, writes one outbox row per recipient not yet notified of this
/// event, and queues their delivery, all inside the caller's transaction. Returns the ids of the
/// rows written (empty when everyone already had it, or when nobody is to be told).
pub async fn queue(conn: &mut AnyConnection, n: &NewNotification) -> Result<Vec<i64>, StoreError> {
    Ok(queue_many(conn, std::slice::from_ref(n))
        .await?
        .pop()
        .unwrap_or_default())
}

/// Values per `IN (...)` list: well under SQLite's limit of bound parameters.
const IN_CHUNK: usize = 500;
/// Outbox rows per multi-row INSERT (12 values each).
const ROW_CHUNK: usize = 200;
/// Delivery jobs per multi-row INSERT (5 values each).
const JOB_CHUNK: usize = 500;

/// What [`queue_many`] needs to know about the structures it notifies, read in a few queries.
#[derive(Default)]
struct StructureRecipients {
    /// Structure id → (region code, GHT).
    places: HashMap<i64, (String, Option<i64>)>,
    /// Structure id → (role, e-mail) of its security officer and director, security officer first.
    contacts: HashMap<i64, Vec<(String, Option<String>)>>,
    /// Structure id → (user id, e-mail) of its active structure administrators.
    admins: HashMap<i64, Vec<(i64, String)>>,
    /// GHT id → (user id, e-mail) of its active security officers.
    officers: HashMap<i64, Vec<(i64, String)>>,
    /// Every active webhook: id, events, region, GHT, structure; by id.
    hooks: Vec<WebhookTarget>,
}

type WebhookTarget = (i64, String, Option<String>, Option<i64>, Option<i64>);
/// E-mail addresses and webhooks (id, event filter) to tell.
type Recipients = (Vec<String>, Vec<(i64, String)>);

async fn structure_recipients(
    conn: &mut AnyConnection,
    backend: Backend,
    ids: &[i64],
) -> Result<StructureRecipients, StoreError> {
    let mut r = StructureRecipients::default();
    if ids.is_empty() {
        return Ok(r);
    }
    for part in ids.chunks(IN_CHUNK) {
        // Rows packed in one document each: these lists run to thousands for one advisory.
        let mut q = Sql::new(&format!(
            "SELECT {} FROM structures WHERE id IN ",
            packed(backend, "id, region_code, ght_id")
        ));
        q.push_in_list(part.iter().copied());
        let rows: Vec<(i64, String, Option<i64>)> =
            q.positional_for(backend).fetch_packed(&mut *conn).await?;
        r.places
            .extend(rows.into_iter().map(|(id, reg, ght)| (id, (reg, ght))));

        let mut q = Sql::new(&format!(
            "SELECT {} FROM contacts WHERE role IN ('security_officer', 'director') AND structure_id IN ",
            packed(backend, "structure_id, role, email")
        ));
        q.push_in_list(part.iter().copied());
        let mut rows: Vec<(i64, String, Option<String>)> =
            q.positional_for(backend).fetch_packed(&mut *conn).await?;
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
        for (sid, role, email) in rows {
            r.contacts.entry(sid).or_default().push((role, email));
        }

        let mut q = Sql::new(&format!(
            "SELECT {} FROM user_structures us JOIN users u ON u.id = us.user_id \
             WHERE u.disabled = 0 AND u.role = 'structure_admin' AND us.structure_id IN ",
            packed(backend, "us.structure_id, u.id, u.email")
        ));
        q.push_in_list(part.iter().copied());
        let mut rows: Vec<(i64, i64, String)> =
            q.positional_for(backend).fetch_packed(&mut *conn).await?;
        rows.sort_unstable_by_key(|r| (r.0, r.1));
        for (sid, uid, email) in rows {
            r.admins.entry(sid).or_default().push((uid, email));
        }
    }
    let mut ghts: Vec<i64> = r.places.values().filter_map(|p| p.1).collect();
    ghts.sort_unstable();
    ghts.dedup();
    for part in ghts.chunks(IN_CHUNK) {
        let mut q = Sql::new(
            "SELECT ght_id, id, email FROM users WHERE disabled = 0 AND role = 'ght_officer' AND ght_id IN ",
        );
        q.push_in_list(part.iter().copied());
        q.push(" ORDER BY ght_id, id");
        let rows: Vec<(i64, i64, String)> = q.positional_for(backend).fetch_all(&mut *conn).await?;
        for (ght, uid, email) in rows {
            r.officers.entry(ght).or_default().push((uid, email));
        }
    }
    // Webhooks are few (one per territory that asked for one): all active ones, matched below.
    r.hooks = Sql::new(
        "SELECT id, events, region_code, ght_id, structure_id FROM webhooks WHERE active = 1 ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(r)
}

impl StructureRecipients {
    /// E-mails and webhooks (id, events) for an event about structure `id`: the security officer
    /// (else the director), the structure administrators and GHT security officers by user id,
    /// and the webhooks of the structure, its GHT, its region or the whole country.
    fn of(&self, id: i64) -> Option<Recipients> {
        let (region, ght) = self.places.get(&id)?;
        let mut emails = Vec::new();
        let none = Vec::new();
        let contacts = self.contacts.get(&id).unwrap_or(&none);
        if let Some(e) = contacts
            .iter()
            .find(|(r, e)| r == "security_officer" && e.is_some())
            .or_else(|| contacts.iter().find(|(_, e)| e.is_some()))
            .and_then(|(_, e)| e.clone())
        {
            emails.push(e);
        }
        let mut users: Vec<&(i64, String)> = self.admins.get(&id).into_iter().flatten().collect();
        if let Some(g) = ght {
            users.extend(self.officers.get(g).into_iter().flatten());
        }
        users.sort_by_key(|u| u.0);
        users.dedup_by_key(|u| u.0);
        emails.extend(users.into_iter().map(|u| u.1.clone()));
        let hooks = self
            .hooks
            .iter()
            .filter(|(_, _, h_region, h_ght, h_structure)| {
                *h_structure == Some(id)
                    || (ght.is_some() && h_ght == ght)
                    || (h_region.as_deref() == Some(region.as_str())
                        && h_ght.is_none()
                        && h_structure.is_none())
                    || (h_region.is_none() && h_ght.is_none() && h_structure.is_none())
            })
            .map(|(hid, events, ..)| (*hid, events.clone()))
            .collect();
        Some((emails, hooks))
    }
}

/// Recipients of a regional or national event.
async fn territory_recipients(
    conn: &mut AnyConnection,
    audience: &Audience,
) -> Result<Recipients, StoreError> {
    let (users, hooks): (Vec<(String,)>, Vec<(i64, String)>) = match audience {
        Audience::Region(code) => (
            Sql::new(
                "SELECT email FROM users WHERE disabled = 0 AND role = 'regional_analyst' AND region_code = $1 ORDER BY id",
            )
            .arg(code.as_str())
            .fetch_all(&mut *conn)
            .await?,
            Sql::new(
                "SELECT id, events FROM webhooks WHERE active = 1 AND ght_id IS NULL AND structure_id IS NULL AND \
                 (region_code = $1 OR region_code IS NULL) ORDER BY id",
            )
            .arg(code.as_str())
            .fetch_all(&mut *conn)
            .await?,
        ),
        Audience::National => (
            Sql::new("SELECT email FROM users WHERE disabled = 0 AND role = 'cert_analyst' ORDER BY id")
                .fetch_all(&mut *conn)
                .await?,
            Sql::new(
                "SELECT id, events FROM webhooks WHERE active = 1 AND region_code IS NULL AND ght_id IS NULL AND structure_id IS NULL ORDER BY id",
            )
            .fetch_all(&mut *conn)
            .await?,
        ),
        Audience::Structure(_) => (Vec::new(), Vec::new()),
    };
    Ok((users.into_iter().map(|u| u.0).collect(), hooks))
}

/// The JSON document posted to webhooks for `n`.
fn webhook_doc(n: &NewNotification) -> String {
    let structure_id = match &n.audience {
        Audience::Structure(id) => Some(*id),
        _ => None,
    };
    let mut doc = n.payload.clone();
    if !doc.is_object() {
        doc = serde_json::json!({ "data": doc });
    }
    if let Some(o) = doc.as_object_mut() {
        o.insert("event".into(), n.event.clone().into());
        o.insert("subject".into(), n.subject.clone().into());
        o.insert("link".into(), n.link.clone().into());
        o.insert("structure_id".into(), structure_id.into());
        o.insert("dedup_key".into(), n.dedup_key.clone().into());
    }
    doc.to_string()
}

/// [`queue`] for many events at once, in the caller's transaction: the recipients of all the
/// structures concerned are read in a few `IN (...)` queries, and the outbox rows and their
/// delivery jobs are written in multi-row INSERTs. Same recipients, rows, jobs and dedup keys as
/// [`queue`] called on each event in turn; returns the ids written for each event, in order.
/// Fails as a whole (`NotFound`) when an event is about a structure that does not exist.
pub async fn queue_many(
    conn: &mut AnyConnection,
    ns: &[NewNotification],
) -> Result<Vec<Vec<i64>>, StoreError> {
    for (i, n) in ns.iter().enumerate() {
        if n.dedup_key.trim().is_empty() || n.event.trim().is_empty() {
            return Err(StoreError::Invalid(format!(
                "notification {}: event and dedup_key must not be empty",
                i + 1
            )));
        }
    }
    let backend = Backend::of(conn);
    let mut sids: Vec<i64> = ns
        .iter()
        .filter_map(|n| match n.audience {
            Audience::Structure(id) => Some(id),
            _ => None,
        })
        .collect();
    sids.sort_unstable();
    sids.dedup();
    let known = structure_recipients(&mut *conn, backend, &sids).await?;

    // (event index, channel, recipient, webhook id), in the order `queue` wrote them; a recipient
    // that two events of the batch share under one dedup key is written once, for the first.
    let mut rows: Vec<(usize, &'static str, String, Option<i64>)> = Vec::new();
    let mut batch_seen: HashSet<(&str, &'static str, String)> = HashSet::new();
    for (i, n) in ns.iter().enumerate() {
        let (mut emails, mut hooks) = match &n.audience {
            Audience::Structure(id) => known.of(*id).ok_or(StoreError::NotFound)?,
            other => territory_recipients(&mut *conn, other).await?,
        };
        let mut seen = HashSet::new();
        emails.retain(|e| {
            let e = e.trim().to_lowercase();
            !e.is_empty() && e.contains('@') && seen.insert(e)
        });
        hooks.retain(|(_, events)| event_matches(events, &n.event));
        let targets = emails
            .iter()
            .map(|e| ("email", e.trim().to_lowercase(), None))
            .chain(
                hooks
                    .iter()
                    .map(|(id, _)| ("webhook", format!("webhook:{id}"), Some(*id))),
            );
        for (channel, recipient, webhook_id) in targets {
            if batch_seen.insert((n.dedup_key.as_str(), channel, recipient.clone())) {
                rows.push((i, channel, recipient, webhook_id));
            }
        }
    }

    let at = now();
    let docs: Vec<String> = ns.iter().map(webhook_doc).collect();
    // Which rows were written (a conflict on the dedup key writes nothing): on PostgreSQL, the
    // inserts return them. On SQLite they are read back after the inserts, packed in one
    // document (see `db::packed`), instead of thousands of RETURNING rows each crossing from the
    // connection's thread: the rows above the largest id before the inserts, all of them this
    // transaction's since SQLite lets one writer in at a time (callers hold a write
    // transaction; `Store::begin_write`).
    let sqlite = backend == Backend::Sqlite;
    let floor = if sqlite && !rows.is_empty() {
        Sql::new("SELECT COALESCE(MAX(id), 0) FROM notifications")
            .scalar(&mut *conn)
            .await?
    } else {
        0
    };
    let mut ids: Vec<(i64, String, String, String)> = Vec::new();
    for part in rows.chunks(ROW_CHUNK) {
        let mut q = Sql::new(
            "INSERT INTO notifications (structure_id, event, channel, recipient, webhook_id, subject, body_text, body_html, \
             payload, link, dedup_key, status, attempts, created_at) VALUES ",
        );
        for (k, (i, channel, recipient, webhook_id)) in part.iter().enumerate() {
            let n = &ns[*i];
            let structure_id = match n.audience {
                Audience::Structure(id) => Some(id),
                _ => None,
            };
            if k > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(structure_id)
                .push(", ")
                .bind(n.event.as_str())
                .push(", ")
                .bind(*channel)
                .push(", ")
                .bind(recipient.as_str())
                .push(", ")
                .bind(*webhook_id)
                .push(", ")
                .bind(n.subject.as_str())
                .push(", ")
                .bind(n.text.as_str())
                .push(", ")
                .bind(n.html.clone())
                .push(", ")
                .bind(docs[*i].as_str())
                .push(", ")
                .bind(n.link.clone())
                .push(", ")
                .bind(n.dedup_key.as_str())
                .push(", 'pending', 0, ")
                .bind(at)
                .push(")");
        }
        q.push(" ON CONFLICT (dedup_key, channel, recipient) DO NOTHING");
        if sqlite {
            q.positional_for(backend).execute(&mut *conn).await?;
        } else {
            q.push(" RETURNING id, dedup_key, channel, recipient");
            ids.extend(
                q.positional_for(backend)
                    .fetch_all::<(i64, String, String, String), _>(&mut *conn)
                    .await?,
            );
        }
    }
    if sqlite && !rows.is_empty() {
        ids = Sql::new(&format!(
            "SELECT {} FROM notifications WHERE id > $1",
            packed(backend, "id, dedup_key, channel, recipient")
        ))
        .arg(floor)
        .fetch_packed(&mut *conn)
        .await?;
    }
    let written: HashMap<(String, String, String), i64> = ids
        .into_iter()
        .map(|(id, k, c, r)| ((k, c, r), id))
        .collect();

    let mut out = vec![Vec::new(); ns.len()];
    let mut jobs = Vec::new();
    for (i, channel, recipient, _) in rows {
        let key = (ns[i].dedup_key.clone(), channel.to_string(), recipient);
        if let Some(id) = written.get(&key) {
            out[i].push(*id);
            jobs.push(*id);
        }
    }
    for part in jobs.chunks(JOB_CHUNK) {
        let mut q = Sql::new(
            "INSERT INTO jobs (kind, payload, dedup_key, status, attempts, max_attempts, run_at, created_at) VALUES ",
        );
        for (k, id) in part.iter().enumerate() {
            if k > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(DELIVER_JOB)
                .push(", ")
                .bind(serde_json::json!({ "notification_id": id }).to_string())
                .push(", NULL, 'queued', 0, ")
                .bind(DELIVER_ATTEMPTS.max(1))
                .push(", ")
                .bind(at)
                .push(", ")
                .bind(at)
                .push(")");
        }
        q.positional_for(backend).execute(&mut *conn).await?;
    }
    if !jobs.is_empty() && backend == Backend::Postgres {
        // Wakes idle workers at commit, as `jobs::enqueue_in` does.
        sqlx::query("SELECT pg_notify('vigie_jobs', '')")
            .execute(&mut *conn)
            .await?;
    }
    Ok(out)
}

/// Whether a webhook's comma-separated filter of event prefixes lets `event` through.
pub fn event_matches(filter: &str, event: &str) -> bool {
    filter.split(',').map(str::trim).any(|p| {
        p == "*"
            || p == event
            || (!p.is_empty()
                && event.starts_with(p)
                && (p.ends_with('.') || event.as_bytes().get(p.len()) == Some(&b'.')))
    })
}

/// One outbox row, as the delivering worker and the pages see it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub structure_id: Option<i64>,
    pub event: String,
    pub channel: String,
    pub recipient: String,
    pub webhook_id: Option<i64>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub payload: String,
    pub link: Option<String>,
    pub dedup_key: String,
    pub status: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

impl Notification {
    /// Renders the bodies of a row written without them (a watch alert's: see
    /// `watch::alert_notification`) from its payload. Rows written with their bodies are left as
    /// they are.
    pub(crate) fn fill_bodies(&mut self) {
        if !self.body_text.is_empty() || self.body_html.is_some() {
            return;
        }
        if self.event == crate::watch::ALERT_EVENT {
            let payload: serde_json::Value =
                serde_json::from_str(&self.payload).unwrap_or(serde_json::Value::Null);
            if let Some((text, html)) = crate::watch::render_alert_bodies(&payload) {
                self.body_text = text;
                self.body_html = Some(html);
            }
        }
    }

    /// The interface's key for the delivery status.
    pub fn status_key(&self) -> &'static str {
        match self.status.as_str() {
            "sent" => "notifications.status.sent",
            "failed" => "notifications.status.failed",
            "retrying" => "notifications.status.retrying",
            _ => "notifications.status.pending",
        }
    }
}

const NOTIFICATION_COLUMNS: &str = "n.id, n.structure_id, n.event, n.channel, n.recipient, n.webhook_id, n.subject, n.body_text, \
     n.body_html, n.payload, n.link, n.dedup_key, n.status, n.attempts, n.last_error, n.created_at, n.sent_at";

/// A webhook as its administrators see it (the secret is shown once, at creation).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Webhook {
    pub id: i64,
    pub name: String,
    pub url: String,
    pub region_code: Option<String>,
    pub ght_id: Option<i64>,
    pub structure_id: Option<i64>,
    pub events: String,
    pub active: i64,
    pub created_at: i64,
}

/// Where a webhook is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookScope {
    National,
    Region(String),
    Ght(i64),
    Structure(i64),
}

/// Checks a webhook address: absolute http(s), no credentials in it.
pub fn validate_webhook_url(url: &str) -> Result<(), StoreError> {
    let u = url.trim();
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or_else(|| {
            StoreError::Invalid(format!(
                "webhook url {u:?}: must start with https:// (or http:// on a private network)"
            ))
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() {
        return Err(StoreError::Invalid(format!("webhook url {u:?}: no host")));
    }
    if host.contains('@') {
        return Err(StoreError::Invalid(format!(
            "webhook url {u:?}: credentials do not belong in the address; the signature authenticates Vigie"
        )));
    }
    if u.len() > 2000 || u.chars().any(char::is_whitespace) {
        return Err(StoreError::Invalid(format!(
            "webhook url {u:?}: too long or contains spaces"
        )));
    }
    Ok(())
}

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
    /// `None` when it no longer exists (its structure or webhook was deleted).
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
        let Some(mut n) = n else { return Ok(None) };
        n.fill_bodies();
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
        let mut rows: Vec<Notification> = q.fetch_all(&self.pool).await?;
        rows.iter_mut().for_each(Notification::fill_bodies);
        Ok(rows)
    }

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
                "webhook name: required, at most 200 characters".into(),
            ));
        }
        validate_webhook_url(url)?;
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
            return Err(StoreError::Invalid(format!(
                "webhook events {events:?}: a comma-separated list of event prefixes such as watch.alert,scan.finding"
            )));
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
                .webhook_scope_allowed(actor, &webhook_scope(&w))
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
            .webhook_scope_allowed(actor, &webhook_scope(&w))
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

fn webhook_scope(w: &Webhook) -> WebhookScope {
    match (&w.structure_id, &w.ght_id, &w.region_code) {
        (Some(s), _, _) => WebhookScope::Structure(*s),
        (None, Some(g), _) => WebhookScope::Ght(*g),
        (None, None, Some(r)) => WebhookScope::Region(r.clone()),
        (None, None, None) => WebhookScope::National,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_filters_match_whole_segments() {
        assert!(event_matches("*", "watch.alert.new"));
        assert!(event_matches("watch.alert", "watch.alert.new"));
        assert!(event_matches("scan, watch", "watch.alert.new"));
        assert!(event_matches("watch.alert.new", "watch.alert.new"));
        assert!(!event_matches("watch.al", "watch.alert.new"));
        assert!(!event_matches("scan.finding", "watch.alert.new"));
        assert!(!event_matches("", "watch.alert.new"));
    }

    #[test]
    fn webhook_urls_are_checked() {
        assert!(validate_webhook_url("https://soc.example.org/hooks/vigie").is_ok());
        assert!(validate_webhook_url("http://10.0.0.5:8080/x").is_ok());
        assert!(validate_webhook_url("ftp://x").is_err());
        assert!(validate_webhook_url("https://user:pw@host/x").is_err());
        assert!(validate_webhook_url("https:///x").is_err());
        assert!(validate_webhook_url("https://a b").is_err());
    }
}
