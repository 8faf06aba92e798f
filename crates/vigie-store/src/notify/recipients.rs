//! Who must hear of an event: resolved in the transaction that records it.

use std::collections::HashMap;

use sqlx::AnyConnection;

use crate::db::{packed, Backend, Sql};
use crate::error::StoreError;
use crate::notify::types::Audience;

/// Values per `IN (...)` list: well under SQLite's limit of bound parameters.
const IN_CHUNK: usize = 500;

/// An e-mail address to tell, with its account's language (`None`: not an account's address, a
/// contact's).
pub(crate) type Email = (String, Option<String>);
/// Webhooks to tell: id and event filter.
type Hooks = Vec<(i64, String)>;
/// E-mail addresses and webhooks to tell, and the ids of the accounts among them (whose
/// in-app list keeps the event).
pub(crate) type Recipients = (Vec<Email>, Hooks, Vec<i64>);

type WebhookTarget = (i64, String, Option<String>, Option<i64>, Option<i64>);
/// An account to tell: user id, e-mail, language.
type Account = (i64, String, String);

/// What `queue_many` needs to know about the structures it notifies, read in a few queries.
#[derive(Default)]
pub(crate) struct StructureRecipients {
    /// Structure id → (region code, GHT).
    places: HashMap<i64, (String, Option<i64>)>,
    /// Structure id → (role, e-mail) of its security officer and director, security officer first.
    contacts: HashMap<i64, Vec<(String, Option<String>)>>,
    /// Structure id → its active structure administrators.
    admins: HashMap<i64, Vec<Account>>,
    /// GHT id → its active security officers.
    officers: HashMap<i64, Vec<Account>>,
    /// Every active webhook: id, events, region, GHT, structure; by id.
    hooks: Vec<WebhookTarget>,
}

/// The recipients of events about the structures `ids`, read in a few `IN (...)` queries.
pub(crate) async fn structure_recipients(
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
            packed(backend, "us.structure_id, u.id, u.email, u.locale")
        ));
        q.push_in_list(part.iter().copied());
        let mut rows: Vec<(i64, i64, String, String)> =
            q.positional_for(backend).fetch_packed(&mut *conn).await?;
        rows.sort_unstable_by_key(|r| (r.0, r.1));
        for (sid, uid, email, locale) in rows {
            r.admins.entry(sid).or_default().push((uid, email, locale));
        }
    }
    let mut ghts: Vec<i64> = r.places.values().filter_map(|p| p.1).collect();
    ghts.sort_unstable();
    ghts.dedup();
    for part in ghts.chunks(IN_CHUNK) {
        let mut q = Sql::new(
            "SELECT ght_id, id, email, locale FROM users WHERE disabled = 0 AND role = 'ght_officer' AND ght_id IN ",
        );
        q.push_in_list(part.iter().copied());
        q.push(" ORDER BY ght_id, id");
        let rows: Vec<(i64, i64, String, String)> =
            q.positional_for(backend).fetch_all(&mut *conn).await?;
        for (ght, uid, email, locale) in rows {
            r.officers
                .entry(ght)
                .or_default()
                .push((uid, email, locale));
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
    pub(crate) fn of(&self, id: i64) -> Option<Recipients> {
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
            emails.push((e, None));
        }
        let mut users: Vec<&Account> = self.admins.get(&id).into_iter().flatten().collect();
        if let Some(g) = ght {
            users.extend(self.officers.get(g).into_iter().flatten());
        }
        users.sort_by_key(|u| u.0);
        users.dedup_by_key(|u| u.0);
        let accounts = users.iter().map(|u| u.0).collect();
        emails.extend(
            users
                .into_iter()
                .map(|(_, email, locale)| (email.clone(), Some(locale.clone()))),
        );
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
        Some((emails, hooks, accounts))
    }
}

/// Recipients of a regional or national event.
pub(crate) async fn territory_recipients(
    conn: &mut AnyConnection,
    audience: &Audience,
) -> Result<Recipients, StoreError> {
    // Id, e-mail and language of each account.
    let (users, hooks): (Vec<Account>, Hooks) = match audience {
        Audience::Region(code) => (
            Sql::new(
                "SELECT id, email, locale FROM users WHERE disabled = 0 AND role = 'regional_analyst' AND region_code = $1 ORDER BY id",
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
            Sql::new(
                "SELECT id, email, locale FROM users WHERE disabled = 0 AND role = 'cert_analyst' ORDER BY id",
            )
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
    Ok((
        users
            .iter()
            .map(|(_, e, l)| (e.clone(), Some(l.clone())))
            .collect(),
        hooks,
        users.iter().map(|u| u.0).collect(),
    ))
}
