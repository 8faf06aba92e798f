//! Alerts: written in bulk with their notifications when matching finds them, refreshed, closed
//! by the machine when they no longer apply, triaged by people, listed.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;
use vigie_domain::events::{AlertEvent, ALERT_NEW};
use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{like_escape, now, packed, Backend, Sql, Store};
use crate::error::StoreError;
use crate::notify::{Audience, NewNotification, OutboxEvent};
use crate::watch::catalog::product_name;
use crate::watch::types::{
    AdvisoryInfo, Alert, AlertFilter, ADVISORY_COLUMNS, ALERT_COLUMNS, STATUSES,
};

impl OutboxEvent for AlertEvent {
    const EVENT: &'static str = ALERT_NEW;
}

/// A prospective alert.
pub(crate) struct Draft<'a> {
    pub(crate) structure_id: i64,
    pub(crate) inventory_id: i64,
    pub(crate) advisory_id: Option<i64>,
    pub(crate) kind: &'a str,
    pub(crate) ref_id: String,
    pub(crate) product: &'a str,
    pub(crate) version: &'a str,
    pub(crate) title: String,
    pub(crate) priority: i64,
    /// Why, as the alert pages show it (`watch_alerts.reasons`, French sentences: see
    /// `matching::priority_reasons`).
    pub(crate) reasons: Vec<String>,
    pub(crate) decision: &'a str,
    pub(crate) match_source: String,
    pub(crate) confidence: &'a str,
    pub(crate) kev: bool,
    pub(crate) exposed: bool,
    /// Why, as facts, for the notification.
    pub(crate) facts: AlertFacts,
}

/// What an alert's notification says of why it was raised: the fields of
/// `vigie_domain::events::AlertEvent` that the presentation layer words.
#[derive(Debug, Clone, Default)]
pub(crate) struct AlertFacts {
    /// The matching engine's own words (English, quoting the record).
    pub(crate) match_reason: String,
    pub(crate) kev_date: Option<String>,
    pub(crate) certfr: Vec<String>,
    pub(crate) certfr_alert: bool,
    pub(crate) epss: Option<f64>,
    pub(crate) cvss: Option<f64>,
    pub(crate) eol_date: Option<String>,
    pub(crate) eol_cycle: Option<String>,
}

/// An existing alert: id, status, auto_closed.
pub(crate) type Existing = (i64, String, i64);

pub(crate) async fn advisory_info(
    conn: &mut AnyConnection,
    id: i64,
) -> Result<AdvisoryInfo, StoreError> {
    Sql::new(&format!(
        "SELECT {ADVISORY_COLUMNS} FROM watch_advisories v WHERE v.id = $1"
    ))
    .arg(id)
    .fetch_one(&mut *conn)
    .await
}

/// Refreshes an existing alert (a new advisory version, a new priority). A version that went back
/// into an affected range reopens what was closed automatically; a decision taken by a person
/// stays.
pub(crate) async fn refresh_alert(
    conn: &mut AnyConnection,
    d: &Draft<'_>,
    old: &Existing,
) -> Result<(), StoreError> {
    let (id, status, auto) = old;
    let reasons = serde_json::to_string(&d.reasons).unwrap_or_else(|_| "[]".into());
    Sql::new(
        "UPDATE watch_alerts SET version = $1, title = $2, priority = $3, reasons = $4, decision = $5, \
         match_source = $6, confidence = $7, advisory_id = $8, updated_at = $9 WHERE id = $10",
    )
    .arg(d.version)
    .arg(d.title.as_str())
    .arg(d.priority)
    .arg(reasons.as_str())
    .arg(d.decision)
    .arg(d.match_source.as_str())
    .arg(d.confidence)
    .arg(d.advisory_id)
    .arg(now())
    .arg(*id)
    .execute(&mut *conn)
    .await?;
    if *auto == 1 && (status == "fixed" || status == "not_affected") {
        Sql::new(
            "UPDATE watch_alerts SET status = 'new', status_reason = NULL, auto_closed = 0, closed_at = NULL WHERE id = $1",
        )
        .arg(*id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Rows per multi-row alert INSERT: 14 values each, well under SQLite's and PostgreSQL's limits
/// on bound values.
const ALERT_ROWS_PER_INSERT: usize = 200;

/// Inserts new alerts in multi-row INSERTs (one statement per 200 alerts instead of one each) and
/// adds each one's notification to `pending`, which the caller queues with `notify::queue_many`
/// in the same transaction. Returns the new ids, in the order of `drafts`.
///
/// The ids come back with their `(inventory_id, kind, ref_id)`, the alerts' unique key, since
/// neither SQLite nor PostgreSQL promises RETURNING rows in the order of the VALUES.
pub(crate) async fn insert_alerts(
    conn: &mut AnyConnection,
    drafts: &[Draft<'_>],
    names: &HashMap<i64, String>,
    pending: &mut Vec<NewNotification>,
) -> Result<Vec<i64>, StoreError> {
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let at = now();
    let backend = Backend::of(conn);
    // The ids are read back after the inserts, packed in one document, from above the largest
    // id before them: thousands of RETURNING rows would each cross from the connection on their
    // own. Matched by the alerts' unique key (inventory_id, kind, ref_id): a row another
    // transaction wrote meanwhile has another key, or this insert would have failed on it.
    let floor = Sql::new("SELECT COALESCE(MAX(id), 0) FROM watch_alerts")
        .scalar(&mut *conn)
        .await?;
    for part in drafts.chunks(ALERT_ROWS_PER_INSERT) {
        let mut q = Sql::new(
            "INSERT INTO watch_alerts (structure_id, inventory_id, advisory_id, kind, ref_id, product, version, title, \
             priority, reasons, decision, match_source, confidence, status, auto_closed, created_at, updated_at) VALUES ",
        );
        for (n, d) in part.iter().enumerate() {
            let reasons = serde_json::to_string(&d.reasons).unwrap_or_else(|_| "[]".into());
            q.push(if n == 0 { "(" } else { ", (" });
            q.bind(d.structure_id).push(", ");
            q.bind(d.inventory_id).push(", ");
            q.bind(d.advisory_id).push(", ");
            q.bind(d.kind).push(", ");
            q.bind(d.ref_id.as_str()).push(", ");
            q.bind(d.product).push(", ");
            q.bind(d.version).push(", ");
            q.bind(d.title.as_str()).push(", ");
            q.bind(d.priority).push(", ");
            q.bind(reasons).push(", ");
            q.bind(d.decision).push(", ");
            q.bind(d.match_source.as_str()).push(", ");
            q.bind(d.confidence).push(", 'new', 0, ");
            q.bind(at).push(", ");
            q.bind(at).push(")");
        }
        q.positional_for(backend).execute(&mut *conn).await?;
    }
    let rows: Vec<(i64, Option<i64>, String, String)> = Sql::new(&format!(
        "SELECT {} FROM watch_alerts WHERE id > $1",
        packed(backend, "id, inventory_id, kind, ref_id")
    ))
    .arg(floor)
    .fetch_packed(&mut *conn)
    .await?;
    let by_key: HashMap<(i64, &str, &str), i64> = rows
        .iter()
        .filter_map(|(id, inv, kind, r)| inv.map(|inv| ((inv, kind.as_str(), r.as_str()), *id)))
        .collect();
    let mut ids = Vec::with_capacity(drafts.len());
    for d in drafts {
        let Some(&id) = by_key.get(&(d.inventory_id, d.kind, d.ref_id.as_str())) else {
            return Err(StoreError::Internal(format!(
                "alert {} on inventory item {} was not found after its insert",
                d.ref_id, d.inventory_id
            )));
        };
        let sname = names.get(&d.structure_id).map(String::as_str).unwrap_or("");
        pending.push(alert_notification(id, d, sname)?);
        ids.push(id);
    }
    Ok(ids)
}

/// The names of the structures in `wanted` that `names` lacks, one query per thousand.
pub(crate) async fn load_names(
    conn: &mut AnyConnection,
    wanted: impl Iterator<Item = i64>,
    names: &mut HashMap<i64, String>,
) -> Result<(), StoreError> {
    let mut wanted: Vec<i64> = wanted.filter(|id| !names.contains_key(id)).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let backend = Backend::of(conn);
    for part in wanted.chunks(1000) {
        let mut q = Sql::new(&format!(
            "SELECT {} FROM structures WHERE id IN ",
            packed(backend, "id, name")
        ));
        q.push_in_list(part.iter().copied());
        names.extend(
            q.positional_for(backend)
                .fetch_packed::<(i64, String), _>(&mut *conn)
                .await?,
        );
    }
    Ok(())
}

/// The outbox entry of a new alert: its `AlertEvent`, which the presentation layer words in each
/// recipient's language when the notification is delivered or listed.
fn alert_notification(
    id: i64,
    d: &Draft<'_>,
    structure: &str,
) -> Result<NewNotification, StoreError> {
    let f = &d.facts;
    let event = AlertEvent {
        alert_id: id,
        structure_id: d.structure_id,
        structure_name: structure.to_string(),
        kind: d.kind.to_string(),
        ref_id: d.ref_id.clone(),
        product: d.product.to_string(),
        product_name: product_name(d.product),
        version: d.version.to_string(),
        priority: d.priority,
        decision: d.decision.to_string(),
        kev: d.kev,
        exposed: d.exposed,
        // An end-of-life alert's stored title is a sentence for the pages: its facts say it.
        title: if d.kind == "eol" {
            String::new()
        } else {
            d.title.clone()
        },
        match_reason: f.match_reason.clone(),
        kev_date: f.kev_date.clone(),
        certfr: f.certfr.clone(),
        certfr_alert: f.certfr_alert,
        epss: f.epss,
        cvss: f.cvss,
        eol_date: f.eol_date.clone(),
        eol_cycle: f.eol_cycle.clone(),
        reasons: Vec::new(),
    };
    NewNotification::new(
        Audience::Structure(d.structure_id),
        &event,
        Some(format!("/watch/alerts/{id}")),
        format!("watch.alert:{id}"),
    )
}

/// Closes the open alerts of `kind` on the considered items that the new evaluation no longer
/// finds.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn close_missing(
    conn: &mut AnyConnection,
    kind: &str,
    advisory_id: Option<i64>,
    considered: Option<&HashSet<i64>>,
    found: &HashSet<(i64, String)>,
    status: &str,
    reason: &str,
) -> Result<usize, StoreError> {
    let mut q = Sql::new(
        "SELECT id, inventory_id, ref_id FROM watch_alerts WHERE status IN ('new', 'acknowledged') AND kind = ",
    );
    q.bind(kind);
    if let Some(a) = advisory_id {
        q.push(" AND advisory_id = ").bind(a);
    }
    if let Some(c) = considered {
        if c.is_empty() {
            return Ok(0);
        }
        q.push(" AND inventory_id IN ")
            .push_in_list(c.iter().copied());
    }
    let rows: Vec<(i64, Option<i64>, String)> = q
        .positional_for(Backend::of(conn))
        .fetch_all(&mut *conn)
        .await?;
    let at = now();
    let mut n = 0;
    for (id, inv, r) in rows {
        let Some(inv) = inv else { continue };
        if found.contains(&(inv, r)) {
            continue;
        }
        Sql::new(
            "UPDATE watch_alerts SET status = $1, status_reason = $2, auto_closed = 1, closed_at = $3, updated_at = $3 WHERE id = $4",
        )
        .arg(status)
        .arg(reason)
        .arg(at)
        .arg(id)
        .execute(&mut *conn)
        .await?;
        n += 1;
    }
    Ok(n)
}

/// A person's triage checked: a known status, a reason for "not affected", not too long.
/// Returns the reason trimmed.
fn triage_reason<'a>(status: &str, reason: &'a str) -> Result<&'a str, StoreError> {
    if !STATUSES.contains(&status) {
        return Err(StoreError::Invalid(
            Problem::new("watch-alert-status-unknown")
                .arg("value", status)
                .arg("allowed", STATUSES.join(", ")),
        ));
    }
    let reason = reason.trim();
    if status == "not_affected" && reason.is_empty() {
        return Err(StoreError::invalid("watch-alert-reason-required"));
    }
    if reason.chars().count() > 2000 {
        return Err(StoreError::Invalid(
            Problem::new("watch-alert-reason-too-long").arg("max", 2000u32),
        ));
    }
    Ok(reason)
}

impl Store {
    /// The WHERE of an alert list: the actor's scope and the filter, every value bound.
    fn alert_where(actor: &Actor, f: &AlertFilter) -> Sql {
        let mut q = Sql::new(" WHERE ");
        actor.scope_structures(&mut q, "s");
        if let Some(id) = f.structure_id {
            q.push(" AND a.structure_id = ").bind(id);
        }
        if let Some(g) = f.ght_id {
            q.push(" AND s.ght_id = ").bind(g);
        }
        if let Some(r) = f.region_code.as_deref().filter(|r| !r.is_empty()) {
            q.push(" AND s.region_code").push_region_eq(r);
        }
        if let Some(v) = f.advisory_id {
            q.push(" AND a.advisory_id = ").bind(v);
        }
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = format!("%{}%", like_escape(&t.to_lowercase()));
            q.push(" AND (LOWER(a.ref_id) LIKE ")
                .bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(a.title) LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\')");
        }
        if let Some(p) = f.product.as_deref().filter(|p| !p.is_empty()) {
            q.push(" AND a.product = ").bind(p);
        }
        if let Some(st) = f.status.as_deref().filter(|s| !s.is_empty()) {
            q.push(" AND a.status = ").bind(st);
        }
        if f.open_only {
            q.push(" AND a.status IN ('new', 'acknowledged')");
        }
        if f.kev_only {
            q.push(" AND a.advisory_id IN (SELECT id FROM watch_advisories WHERE kev = 1)");
        }
        if let Some(t) = f.since {
            q.push(" AND a.created_at >= ").bind(t);
        }
        if let Some(t) = f.until {
            q.push(" AND a.created_at < ").bind(t);
        }
        q
    }

    /// Alerts inside the actor's scope, in the filter's order (highest priority first by
    /// default), `limit` of them (500 by default, at most 5000) from `offset`.
    pub async fn list_alerts(
        &self,
        actor: &Actor,
        f: &AlertFilter,
    ) -> Result<Vec<Alert>, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut conn = self.pool.acquire().await?;
        if let Some(id) = f.structure_id {
            Store::ensure_in_scope(&mut conn, actor, id).await?;
        }
        let mut q = Sql::new(&format!(
            "SELECT {ALERT_COLUMNS} FROM watch_alerts a JOIN structures s ON s.id = a.structure_id"
        ));
        q.push_sql(&Self::alert_where(actor, f));
        q.push(f.sort.order_by());
        q.push(" LIMIT ")
            .bind(f.limit.unwrap_or(500).clamp(1, 5000))
            .push(" OFFSET ")
            .bind(f.offset.max(0));
        q.fetch_all(&mut *conn).await
    }

    /// How many alerts of the actor's scope the filter keeps (its limit and offset aside).
    pub async fn count_alerts(&self, actor: &Actor, f: &AlertFilter) -> Result<i64, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut conn = self.pool.acquire().await?;
        if let Some(id) = f.structure_id {
            Store::ensure_in_scope(&mut conn, actor, id).await?;
        }
        let mut q = Sql::new(
            "SELECT COUNT(*) FROM watch_alerts a JOIN structures s ON s.id = a.structure_id",
        );
        q.push_sql(&Self::alert_where(actor, f));
        q.scalar(&mut *conn).await
    }

    /// The products that have alerts in the actor's scope (product keys, sorted): what an alert
    /// filter may offer.
    pub async fn alert_products(&self, actor: &Actor) -> Result<Vec<String>, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut q = Sql::new(
            "SELECT DISTINCT a.product FROM watch_alerts a JOIN structures s ON s.id = a.structure_id WHERE ",
        );
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY a.product");
        let rows: Vec<(String,)> = q.fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(p,)| p).collect())
    }

    /// One alert (NotFound outside the scope) and its advisory.
    pub async fn get_alert(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<(Alert, Option<AdvisoryInfo>), StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut conn = self.pool.acquire().await?;
        let mut q = Sql::new(&format!(
            "SELECT {ALERT_COLUMNS} FROM watch_alerts a JOIN structures s ON s.id = a.structure_id WHERE a.id = "
        ));
        q.bind(id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        let a: Alert = q.fetch_one(&mut *conn).await?;
        let adv = match a.advisory_id {
            Some(v) => Some(advisory_info(&mut conn, v).await?),
            None => None,
        };
        Ok((a, adv))
    }

    /// Triage: acknowledged, fixed, not_affected (a reason is required) or back to new.
    pub async fn triage_alert(
        &self,
        actor: &Actor,
        id: i64,
        status: &str,
        reason: &str,
    ) -> Result<Alert, StoreError> {
        actor.require(Permission::TriageAlerts)?;
        let reason = triage_reason(status, reason)?;
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(
            "SELECT a.status FROM watch_alerts a JOIN structures s ON s.id = a.structure_id WHERE a.id = ",
        );
        q.bind(id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        let (old,): (String,) = q.fetch_one(&mut *tx).await?;
        let at = now();
        let closed = (status == "fixed" || status == "not_affected").then_some(at);
        Sql::new(
            "UPDATE watch_alerts SET status = $1, status_reason = $2, auto_closed = 0, closed_at = $3, updated_at = $4 WHERE id = $5",
        )
        .arg(status)
        .arg((!reason.is_empty()).then(|| reason.to_string()))
        .arg(closed)
        .arg(at)
        .arg(id)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("watch.alert.triage", "watch_alert", id)
                .detail(serde_json::json!({ "from": old, "to": status, "reason": reason })),
        )
        .await?;
        tx.commit().await?;
        Ok(self.get_alert(actor, id).await?.0)
    }

    /// The same triage for many alerts at once (an advisory's, acknowledged in bulk): one
    /// transaction, one audit entry per alert changed. Alerts outside the scope, or already in
    /// that status, are left as they are; returns how many changed.
    pub async fn triage_alerts(
        &self,
        actor: &Actor,
        ids: &[i64],
        status: &str,
        reason: &str,
    ) -> Result<usize, StoreError> {
        actor.require(Permission::TriageAlerts)?;
        let reason = triage_reason(status, reason)?;
        if ids.is_empty() {
            return Err(StoreError::invalid("watch-alerts-none-selected"));
        }
        if ids.len() > 5000 {
            return Err(StoreError::Invalid(
                Problem::new("watch-alerts-too-many").arg("max", 5000u32),
            ));
        }
        let mut tx = self.begin_write().await?;
        let backend = Backend::of(&tx);
        let mut q = Sql::new(
            "SELECT a.id, a.status FROM watch_alerts a JOIN structures s ON s.id = a.structure_id WHERE a.id IN ",
        );
        q.push_in_list(ids.iter().copied())
            .push(" AND a.status <> ");
        q.bind(status).push(" AND ");
        actor.scope_structures(&mut q, "s");
        let rows: Vec<(i64, String)> = q.positional_for(backend).fetch_all(&mut *tx).await?;
        let at = now();
        let closed = (status == "fixed" || status == "not_affected").then_some(at);
        for (id, old) in &rows {
            Sql::new(
                "UPDATE watch_alerts SET status = $1, status_reason = $2, auto_closed = 0, closed_at = $3, updated_at = $4 WHERE id = $5",
            )
            .arg(status)
            .arg((!reason.is_empty()).then(|| reason.to_string()))
            .arg(closed)
            .arg(at)
            .arg(*id)
            .execute(&mut *tx)
            .await?;
            record(
                &mut *tx,
                actor,
                Event::new("watch.alert.triage", "watch_alert", *id).detail(
                    serde_json::json!({ "from": old, "to": status, "reason": reason, "bulk": true }),
                ),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(rows.len())
    }

    /// Advisories first seen since `since` that concern at least one structure of the scope,
    /// with the number of structures concerned (for the bulletin).
    pub async fn watch_new_advisories(
        &self,
        actor: &Actor,
        since: i64,
        f: &AlertFilter,
    ) -> Result<Vec<(AdvisoryInfo, i64)>, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut q = Sql::new(
            "SELECT a.advisory_id, COUNT(DISTINCT a.structure_id) FROM watch_alerts a JOIN structures s ON s.id = a.structure_id \
             WHERE a.advisory_id IS NOT NULL AND a.created_at >= ",
        );
        q.bind(since).push(" AND ");
        actor.scope_structures(&mut q, "s");
        if let Some(id) = f.structure_id {
            q.push(" AND a.structure_id = ").bind(id);
        }
        if let Some(r) = &f.region_code {
            q.push(" AND s.region_code").push_region_eq(r);
        }
        if let Some(g) = f.ght_id {
            q.push(" AND s.ght_id = ").bind(g);
        }
        if let Some(t) = f.until {
            q.push(" AND a.created_at < ").bind(t);
        }
        q.push(" GROUP BY a.advisory_id");
        let rows: Vec<(i64, i64)> = q.fetch_all(&self.pool).await?;
        let mut out = Vec::new();
        let mut conn = self.pool.acquire().await?;
        for (id, n) in rows {
            out.push((advisory_info(&mut conn, id).await?, n));
        }
        out.sort_by(|a, b| {
            b.0.kev
                .cmp(&a.0.kev)
                .then(b.0.certfr_alert.cmp(&a.0.certfr_alert))
                .then(b.0.cvss_x10.cmp(&a.0.cvss_x10))
                .then(a.0.ref_id.cmp(&b.0.ref_id))
        });
        Ok(out)
    }
}
