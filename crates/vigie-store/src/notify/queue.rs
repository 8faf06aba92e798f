//! Writing the outbox: one row per recipient of an event, and the delivery job of each row.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;

use crate::db::{now, packed, Backend, Sql};
use crate::error::StoreError;
use crate::jobs::enqueue_many_in;
use crate::notify::inbox::write_inbox;
use crate::notify::jobs::Deliver;
use crate::notify::recipients::{structure_recipients, territory_recipients, Email};
use crate::notify::types::{Audience, NewNotification};

/// Outbox rows per multi-row INSERT (10 values each).
const ROW_CHUNK: usize = 200;

/// An outbox row to write: event index, channel, recipient, webhook id, language.
type Row = (usize, &'static str, String, Option<i64>, Option<String>);

/// The language of a recipient who has no account (a contact's address, a webhook).
const DEFAULT_LANG: &str = "fr";

/// Resolves the recipients of `n`, writes one outbox row per recipient not yet notified of this
/// event, and queues their delivery, all inside the caller's transaction. Returns the ids of the
/// rows written (empty when everyone already had it, or when nobody is to be told).
pub async fn queue(conn: &mut AnyConnection, n: &NewNotification) -> Result<Vec<i64>, StoreError> {
    Ok(queue_many(conn, std::slice::from_ref(n))
        .await?
        .pop()
        .unwrap_or_default())
}

/// The e-mail addresses of one event, each once (lower-cased, without the empty or malformed
/// ones), in order; an address that is both a contact's and an account's takes the account's
/// language.
fn unique_emails(emails: Vec<Email>) -> Vec<Email> {
    let mut out: Vec<Email> = Vec::with_capacity(emails.len());
    let mut at: HashMap<String, usize> = HashMap::with_capacity(emails.len());
    for (e, lang) in emails {
        let e = e.trim().to_lowercase();
        if e.is_empty() || !e.contains('@') {
            continue;
        }
        match at.get(&e) {
            Some(&i) => {
                if out[i].1.is_none() {
                    out[i].1 = lang;
                }
            }
            None => {
                at.insert(e.clone(), out.len());
                out.push((e, lang));
            }
        }
    }
    out
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
    for n in ns {
        if n.dedup_key.trim().is_empty() {
            return Err(StoreError::Internal(format!(
                "a {} notification without a dedup key",
                n.event
            )));
        }
    }
    let backend = Backend::of(conn);
    let mut sids: Vec<i64> = ns
        .iter()
        .filter_map(NewNotification::structure_id)
        .collect();
    sids.sort_unstable();
    sids.dedup();
    let known = structure_recipients(&mut *conn, backend, &sids).await?;

    // In the order `queue` wrote them; a recipient that two events of the batch share under one
    // dedup key is written once, for the first.
    let mut rows: Vec<Row> = Vec::new();
    let mut batch_seen: HashSet<(&str, &'static str, String)> = HashSet::new();
    // The accounts told of each event, for their in-app list (every kind, whatever their e-mail
    // preferences): (event index, user id), each account once per dedup key.
    let mut inbox: Vec<(usize, i64)> = Vec::new();
    let mut inbox_seen: HashSet<(&str, i64)> = HashSet::new();
    for (i, n) in ns.iter().enumerate() {
        let (emails, mut hooks, accounts) = match &n.audience {
            Audience::Structure(id) => known.of(*id).ok_or(StoreError::NotFound)?,
            other => territory_recipients(&mut *conn, other).await?,
        };
        hooks.retain(|(_, events)| event_matches(events, n.event));
        for uid in accounts {
            if inbox_seen.insert((n.dedup_key.as_str(), uid)) {
                inbox.push((i, uid));
            }
        }
        let targets = unique_emails(emails)
            .into_iter()
            .map(|(e, lang)| ("email", e, None, lang))
            .chain(
                hooks
                    .iter()
                    .map(|(id, _)| ("webhook", format!("webhook:{id}"), Some(*id), None)),
            );
        for (channel, recipient, webhook_id, lang) in targets {
            if batch_seen.insert((n.dedup_key.as_str(), channel, recipient.clone())) {
                rows.push((i, channel, recipient, webhook_id, lang));
            }
        }
    }

    let at = now();
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
        // Subject and bodies are left empty: the presentation layer writes them from the
        // payload, in the row's language (see the module's documentation).
        let mut q = Sql::new(
            "INSERT INTO notifications (structure_id, event, channel, recipient, webhook_id, subject, body_text, body_html, \
             payload, link, dedup_key, lang, status, attempts, created_at) VALUES ",
        );
        for (k, (i, channel, recipient, webhook_id, lang)) in part.iter().enumerate() {
            let n = &ns[*i];
            if k > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(n.structure_id())
                .push(", ")
                .bind(n.event)
                .push(", ")
                .bind(*channel)
                .push(", ")
                .bind(recipient.as_str())
                .push(", ")
                .bind(*webhook_id)
                .push(", '', '', NULL, ")
                .bind(n.payload.as_str())
                .push(", ")
                .bind(n.link.clone())
                .push(", ")
                .bind(n.dedup_key.as_str())
                .push(", ")
                .bind(lang.as_deref().unwrap_or(DEFAULT_LANG))
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
    for (i, channel, recipient, _, _) in rows {
        let key = (ns[i].dedup_key.clone(), channel.to_string(), recipient);
        if let Some(id) = written.get(&key) {
            out[i].push(*id);
            jobs.push(Deliver {
                notification_id: *id,
            });
        }
    }
    enqueue_many_in(&mut *conn, &jobs).await?;
    write_inbox(&mut *conn, ns, &inbox, at).await?;
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
    fn an_address_is_told_once_in_its_accounts_language() {
        let got = unique_emails(vec![
            ("RSSI@ch.fr ".into(), None),
            ("admin@ch.fr".into(), Some("en".into())),
            ("rssi@ch.fr".into(), Some("en".into())),
            ("not an address".into(), None),
            (" ".into(), Some("fr".into())),
            ("admin@ch.fr".into(), Some("fr".into())),
        ]);
        assert_eq!(
            got,
            vec![
                ("rssi@ch.fr".to_string(), Some("en".to_string())),
                ("admin@ch.fr".to_string(), Some("en".to_string())),
            ]
        );
    }
}
