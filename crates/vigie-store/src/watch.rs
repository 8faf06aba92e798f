//! Vulnerability watch in the store: advisories and the records they come from, the product index,
//! inventories, alerts and the freshness of each source.
//!
//! Parsing and matching are `vigie-intel`'s; this module persists what it parses and runs its
//! matcher on the few inventory items an event concerns:
//! - a new or changed advisory looks up the catalogue products it names
//!   (`watch_advisory_products`) and matches only the inventory items of those products
//!   (`watch_inventory(product)` is indexed), never every inventory;
//! - a new or changed inventory item is matched against the advisories of its product only.
//!
//! Each alert is written, with its notifications (`notify::queue_many`, one batch per advisory, event `watch.alert.new`) and an
//! audit entry, in the transaction of the change that caused it. An alert closes by itself (status
//! `fixed`, `auto_closed = 1`) when its item shows a version that is no longer affected, or is
//! removed; and (`not_affected`, auto) when a corrected advisory no longer covers the version.
//! Records are hashed: re-ingesting an unchanged record does nothing.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;
use vigie_domain::role::Permission;
use vigie_intel::matching::{self, Confidence, Decision, Finding, Matcher, ThreatContext};
use vigie_intel::model::{Advisory, EolProduct, KevEntry, Source};
use vigie_intel::{Catalog, Corpus};

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, packed, Backend, Sql, Store};
use crate::error::StoreError;
use crate::notify::{self, Audience, NewNotification};

/// Job kind that ingests a file, a folder or a URL (`{"path": ..}` or `{"url": ..}`).
pub const INGEST_JOB: &str = "watch.ingest";
/// Event name of a new alert (notifications and webhooks).
pub const ALERT_EVENT: &str = "watch.alert.new";

/// Alert statuses a person may set.
pub const STATUSES: &[&str] = &["new", "acknowledged", "fixed", "not_affected"];
/// Where an inventory item comes from.
pub const ORIGINS: &[&str] = &["form", "csv", "cyclonedx", "scan"];

/// Changed records processed per transaction during an ingestion.
const CHUNK: usize = 200;

/// Usual update period of each source, in days (the freshness alarm rings beyond it).
pub fn usual_period_days(source: &str) -> i64 {
    match source {
        "cve" | "nvd" | "epss" => 2,
        "kev" => 7,
        _ => 30,
    }
}

/// The product catalogue embedded in `vigie-intel`, loaded once.
pub fn catalog() -> Result<&'static Catalog, StoreError> {
    static C: OnceLock<Result<Catalog, String>> = OnceLock::new();
    C.get_or_init(|| Catalog::builtin().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| StoreError::Invalid(format!("product catalogue: {e}")))
}

/// Display name of a catalogue product (the id itself when unknown).
pub fn product_name(id: &str) -> String {
    catalog()
        .ok()
        .and_then(|c| c.get(id))
        .map(|p| p.name.clone())
        .unwrap_or_else(|| id.to_string())
}

/// One piece of software a structure runs.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct InventoryItem {
    pub id: i64,
    pub structure_id: i64,
    pub product: String,
    pub version: String,
    pub location: String,
    pub origin: String,
    pub exposed: i64,
    pub declared_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const ITEM_COLUMNS: &str = "i.id, i.structure_id, i.product, i.version, i.location, i.origin, i.exposed, i.declared_by, i.created_at, i.updated_at";

/// What matching an advisory against items reads of each (what `to_intel` and the alert drafts
/// use); the other fields stay empty in these rows, which never leave the matching.
const MATCH_COLUMNS: &str = "i.id, i.structure_id, i.product, i.version, i.origin, i.exposed";

/// What a form, a CSV line, an SBOM component or the scanner declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    /// Catalogue product id, or a name the catalogue resolves to exactly one product.
    pub product: String,
    pub version: String,
    /// Where it runs or was seen (host, appliance); empty when not said.
    pub location: String,
    /// form, csv, cyclonedx or scan.
    pub origin: String,
    /// Exposed on the internet.
    pub exposed: bool,
}

/// An alert as pages and the API show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Alert {
    pub id: i64,
    pub structure_id: i64,
    pub structure_name: String,
    pub inventory_id: Option<i64>,
    pub advisory_id: Option<i64>,
    pub kind: String,
    pub ref_id: String,
    pub product: String,
    pub version: String,
    pub title: String,
    pub priority: i64,
    pub reasons: String,
    pub decision: String,
    pub match_source: String,
    pub confidence: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub auto_closed: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

const ALERT_COLUMNS: &str = "a.id, a.structure_id, s.name AS structure_name, a.inventory_id, a.advisory_id, a.kind, a.ref_id, a.product, \
     a.version, a.title, a.priority, a.reasons, a.decision, a.match_source, a.confidence, a.status, a.status_reason, \
     a.auto_closed, a.created_at, a.updated_at, a.closed_at";

impl Alert {
    /// The reasons, as a list of sentences (the first one says why it matched).
    pub fn reason_list(&self) -> Vec<String> {
        serde_json::from_str(&self.reasons).unwrap_or_default()
    }

    /// Open = new or acknowledged.
    pub fn is_open(&self) -> bool {
        self.status == "new" || self.status == "acknowledged"
    }
}

/// An advisory as the alert page shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct AdvisoryInfo {
    pub id: i64,
    pub ref_id: String,
    pub title: String,
    pub published: Option<String>,
    pub modified: Option<String>,
    pub cvss_x10: Option<i64>,
    pub epss_e5: Option<i64>,
    pub kev: i64,
    pub kev_date: Option<String>,
    pub certfr: String,
    pub certfr_alert: i64,
    pub created_at: i64,
}

const ADVISORY_COLUMNS: &str = "v.id, v.ref_id, v.title, v.published, v.modified, v.cvss_x10, v.epss_e5, v.kev, v.kev_date, v.certfr, v.certfr_alert, v.created_at";

impl AdvisoryInfo {
    pub fn cvss(&self) -> Option<f32> {
        self.cvss_x10.map(|c| c as f32 / 10.0)
    }
    pub fn epss(&self) -> Option<f32> {
        self.epss_e5.map(|e| e as f32 / 100_000.0)
    }
    pub fn certfr_refs(&self) -> Vec<String> {
        self.certfr
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// How old each source is.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct SourceFreshness {
    pub source: String,
    pub last_ingest_at: Option<i64>,
    pub newest_record: Option<String>,
    pub usual_period_days: i64,
    pub records: i64,
    pub last_added: i64,
    pub last_changed: i64,
    pub last_unchanged: i64,
    pub last_rejected: i64,
    pub last_error: Option<String>,
    /// Days since the newest record (computed).
    #[sqlx(skip)]
    pub age_days: Option<i64>,
    /// Older than its usual period, or no dated record (computed).
    #[sqlx(skip)]
    pub stale: bool,
}

/// What an ingestion did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    pub file: String,
    pub sources: Vec<String>,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Rejected records: `file: record: reason`.
    pub rejected: Vec<String>,
    pub alerts_new: usize,
    pub alerts_closed: usize,
}

/// What an inventory import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub alerts_new: usize,
    /// Lines (CSV) or components (SBOM) that were refused, with why; nothing is imported when
    /// there is any.
    pub errors: Vec<String>,
    /// SBOM components that no catalogue product matches (reported, not imported).
    pub unknown: Vec<String>,
}

/// Filter of [`Store::list_alerts`].
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub structure_id: Option<i64>,
    pub ght_id: Option<i64>,
    pub region_code: Option<String>,
    /// Only new and acknowledged alerts.
    pub open_only: bool,
    pub since: Option<i64>,
    /// Created strictly before.
    pub until: Option<i64>,
    pub limit: Option<i64>,
}

fn sha(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

fn day_of(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn source_name(s: Source) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// A changed record waiting to be stored.
enum Change<'a> {
    Record(&'a Advisory),
    Kev(&'a KevEntry),
    CertFr(&'a vigie_intel::model::CertFrItem),
    Eol(&'a EolProduct),
}

impl Change<'_> {
    fn key(&self) -> (String, String) {
        match self {
            Change::Record(a) => (
                if a.format == Source::Nvd {
                    "nvd"
                } else {
                    "cve"
                }
                .to_string(),
                a.id.clone(),
            ),
            Change::Kev(k) => ("kev".into(), k.cve_id.clone()),
            Change::CertFr(c) => ("certfr".into(), c.reference.clone()),
            Change::Eol(e) => ("eol".into(), e.id.clone()),
        }
    }
    fn data(&self) -> String {
        let r = match self {
            Change::Record(a) => serde_json::to_string(a),
            Change::Kev(k) => serde_json::to_string(k),
            Change::CertFr(c) => serde_json::to_string(c),
            Change::Eol(e) => serde_json::to_string(e),
        };
        r.unwrap_or_default()
    }
}

/// A prospective alert.
struct Draft<'a> {
    structure_id: i64,
    inventory_id: i64,
    advisory_id: Option<i64>,
    kind: &'a str,
    ref_id: String,
    product: &'a str,
    version: &'a str,
    title: String,
    priority: i64,
    reasons: Vec<String>,
    decision: &'a str,
    match_source: String,
    confidence: &'a str,
    kev: bool,
    exposed: bool,
}

#[derive(Default)]
struct Outcome {
    new_ids: Vec<i64>,
    closed: usize,
}

impl Outcome {
    fn add(&mut self, o: Outcome) {
        self.new_ids.extend(o.new_ids);
        self.closed += o.closed;
    }
}

async fn advisory_info(conn: &mut AnyConnection, id: i64) -> Result<AdvisoryInfo, StoreError> {
    Sql::new(&format!(
        "SELECT {ADVISORY_COLUMNS} FROM watch_advisories v WHERE v.id = $1"
    ))
    .arg(id)
    .fetch_one(&mut *conn)
    .await
}

fn threat_context(info: &AdvisoryInfo) -> ThreatContext {
    let mut ctx = ThreatContext::default();
    if info.kev == 1 {
        ctx.kev.insert(
            info.ref_id.clone(),
            info.kev_date.clone().unwrap_or_default(),
        );
    }
    let refs = info.certfr_refs();
    if !refs.is_empty() {
        ctx.certfr.insert(info.ref_id.clone(), refs);
    }
    if let Some(e) = info.epss() {
        ctx.epss.insert(info.ref_id.clone(), e);
    }
    ctx
}

fn to_intel(items: &[InventoryItem]) -> Vec<vigie_intel::InventoryItem> {
    items
        .iter()
        .map(|i| vigie_intel::InventoryItem {
            structure_id: i.structure_id,
            product: vigie_intel::ProductRef::Catalog(i.product.clone()),
            version: i.version.clone(),
            exposed: i.exposed == 1,
            source: i.origin.clone(),
        })
        .collect()
}

/// Records of an advisory: its CVE 5 / NVD records and its KEV entry.
struct Records {
    advisories: Vec<Advisory>,
    kev: Option<KevEntry>,
}

fn parse_records(rows: Vec<(String, String)>) -> Result<Records, StoreError> {
    let mut r = Records {
        advisories: Vec::new(),
        kev: None,
    };
    for (source, data) in rows {
        let bad = |e: serde_json::Error| {
            StoreError::Invalid(format!("stored {source} record cannot be read back: {e}"))
        };
        match source.as_str() {
            "cve" | "nvd" => r.advisories.push(serde_json::from_str(&data).map_err(bad)?),
            "kev" => r.kev = Some(serde_json::from_str(&data).map_err(bad)?),
            _ => {}
        }
    }
    Ok(r)
}

fn evaluate(
    cat: &Catalog,
    info: &AdvisoryInfo,
    recs: &Records,
    items: &[InventoryItem],
) -> Vec<Finding> {
    if items.is_empty() {
        return Vec::new();
    }
    let ctx = threat_context(info);
    let m = Matcher::new(cat.clone(), to_intel(items));
    let mut f = vigie_intel::ingest::match_cve(&m, &recs.advisories, &ctx);
    if let Some(k) = &recs.kev {
        if !recs.advisories.iter().any(matching::has_version_data) {
            let have: HashSet<usize> = f.iter().map(|x| x.item).collect();
            f.extend(
                m.match_kev_entry(k, &ctx)
                    .into_iter()
                    .filter(|x| !have.contains(&x.item)),
            );
        }
    }
    f
}

fn priority_reasons(f: &Finding, info: &AdvisoryInfo) -> Vec<String> {
    let mut v = vec![f.reason.to_string()];
    if f.priority.kev {
        v.push(format!(
            "KEV: exploitée activement (ajoutée au catalogue CISA le {})",
            info.kev_date.clone().unwrap_or_default()
        ));
    }
    if f.priority.certfr_alert {
        v.push(format!(
            "Alerte CERT-FR : {}",
            info.certfr.replace(',', ", ")
        ));
    } else if !info.certfr.is_empty() {
        v.push(format!("Avis CERT-FR : {}", info.certfr.replace(',', ", ")));
    }
    if let Some(e) = f.priority.epss {
        v.push(format!("EPSS {:.1} %", e * 100.0));
    }
    if let Some(c) = f.priority.cvss {
        v.push(format!("CVSS {c:.1}"));
    }
    if f.priority.exposed {
        v.push("exposé sur internet".into());
    }
    v
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Affected => "affected",
        Decision::NeedsReview => "needs-review",
    }
}

fn confidence_name(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// An existing alert: id, status, auto_closed.
type Existing = (i64, String, i64);

/// Refreshes an existing alert (a new advisory version, a new priority). A version that went back
/// into an affected range reopens what was closed automatically; a decision taken by a person
/// stays.
async fn refresh_alert(
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
/// adds each one's notification to `pending`, which the caller queues with [`notify::queue_many`]
/// in the same transaction. Returns the new ids, in the order of `drafts`.
///
/// The ids come back with their `(inventory_id, kind, ref_id)`, the alerts' unique key, since
/// neither SQLite nor PostgreSQL promises RETURNING rows in the order of the VALUES.
async fn insert_alerts(
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
            return Err(StoreError::Invalid(format!(
                "alert {} on inventory item {} was not found after its insert",
                d.ref_id, d.inventory_id
            )));
        };
        let sname = names.get(&d.structure_id).map(String::as_str).unwrap_or("");
        pending.push(alert_notification(id, d, sname));
        ids.push(id);
    }
    Ok(ids)
}

/// The names of the structures in `wanted` that `names` lacks, one query per thousand.
async fn load_names(
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

/// The outbox entry of a new alert. Only the subject is written out here: the e-mail's bodies
/// are rendered from the payload when the notification is delivered or listed
/// ([`render_alert_bodies`]), so that an advisory affecting thousands of structures does not
/// write megabytes of text in the transaction that creates its alerts.
fn alert_notification(id: i64, d: &Draft<'_>, structure: &str) -> NewNotification {
    let review = if d.decision == "needs-review" {
        " (à vérifier)"
    } else {
        ""
    };
    let subject = format!(
        "[Vigie] {} : {} {}{review} — {structure}",
        alert_what(d.kind, d.kev, &d.ref_id),
        product_name(d.product),
        d.version
    );
    NewNotification {
        audience: Audience::Structure(d.structure_id),
        event: ALERT_EVENT.into(),
        subject,
        text: String::new(),
        html: None,
        payload: serde_json::json!({
            "alert_id": id, "kind": d.kind, "ref": d.ref_id, "product": d.product, "version": d.version,
            "priority": d.priority, "decision": d.decision, "kev": d.kev, "exposed": d.exposed,
            "reasons": d.reasons, "title": d.title, "structure": structure,
        }),
        link: Some(format!("/watch/alerts/{id}")),
        dedup_key: format!("watch.alert:{id}"),
    }
}

/// What an alert is about, in the words of its e-mail.
fn alert_what(kind: &str, kev: bool, ref_id: &str) -> String {
    if kind == "eol" {
        "Fin de support".to_string()
    } else if kev {
        format!("Vulnérabilité activement exploitée {ref_id}")
    } else {
        format!("Vulnérabilité {ref_id}")
    }
}

/// The plain-text and HTML bodies of an alert's e-mail, from the payload its outbox row keeps
/// (see [`alert_notification`]). `None` when the payload is not an alert's.
pub(crate) fn render_alert_bodies(payload: &serde_json::Value) -> Option<(String, String)> {
    let field = |k: &str| payload.get(k).and_then(serde_json::Value::as_str);
    let id = payload.get("alert_id")?.as_i64()?;
    let kind = field("kind")?;
    let structure = field("structure").unwrap_or("");
    let version = field("version").unwrap_or("");
    let title = field("title").unwrap_or("");
    let kev = payload.get("kev").and_then(serde_json::Value::as_bool) == Some(true);
    let review = field("decision") == Some("needs-review");
    let priority = payload
        .get("priority")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    let reasons: Vec<&str> = payload
        .get("reasons")
        .and_then(serde_json::Value::as_array)
        .map(|r| r.iter().filter_map(serde_json::Value::as_str).collect())
        .unwrap_or_default();
    let what = alert_what(kind, kev, field("ref").unwrap_or(""));
    let pname = product_name(field("product").unwrap_or(""));
    let link = format!("/watch/alerts/{id}");
    let mut text = format!(
        "Bonjour,\n\nVigie a relevé une alerte pour {structure} :\n\n  {what}\n  Produit : {pname}\n  Version : {version}\n"
    );
    if !title.is_empty() {
        text.push_str(&format!("  Intitulé : {title}\n"));
    }
    text.push_str(&format!("  Priorité : {priority}\n\nPourquoi :\n"));
    for r in &reasons {
        text.push_str(&format!("  - {r}\n"));
    }
    if review {
        text.push_str("\nLa version n'a pas pu être comparée avec certitude : une vérification humaine est nécessaire.\n");
    }
    text.push_str(&format!(
        "\nDétail et suivi (pris en compte, corrigé, non concerné) : {link}\n\n-- \nVigie, veille et alerte du CERT Santé\n"
    ));
    let mut html = format!(
        "<p>Bonjour,</p><p>Vigie a relevé une alerte pour <strong>{}</strong> :</p><table>\
         <tr><th scope=\"row\">Alerte</th><td>{}</td></tr>\
         <tr><th scope=\"row\">Produit</th><td>{}</td></tr>\
         <tr><th scope=\"row\">Version</th><td>{}</td></tr>\
         <tr><th scope=\"row\">Priorité</th><td>{}</td></tr>",
        html_escape(structure),
        html_escape(&what),
        html_escape(&pname),
        html_escape(version),
        priority
    );
    if !title.is_empty() {
        html.push_str(&format!(
            "<tr><th scope=\"row\">Intitulé</th><td>{}</td></tr>",
            html_escape(title)
        ));
    }
    html.push_str("</table><p>Pourquoi :</p><ul>");
    for r in &reasons {
        html.push_str(&format!("<li>{}</li>", html_escape(r)));
    }
    html.push_str("</ul>");
    if review {
        html.push_str("<p>La version n'a pas pu être comparée avec certitude : une vérification humaine est nécessaire.</p>");
    }
    html.push_str(&format!(
        "<p><a href=\"{link}\">Détail et suivi de l'alerte</a></p><p>Vigie, veille et alerte du CERT Santé</p>"
    ));
    Some((text, html))
}

/// Closes the open alerts of `kind` on the considered items that the new evaluation no longer
/// finds.
#[allow(clippy::too_many_arguments)]
async fn close_missing(
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

/// Applies the findings of one advisory on `items`.
async fn apply_advisory(
    conn: &mut AnyConnection,
    info: &AdvisoryInfo,
    recs: &Records,
    items: &[InventoryItem],
    restrict: Option<&HashSet<i64>>,
    close: (&str, &str),
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let cat = catalog()?;
    let findings = evaluate(cat, info, recs, items);
    let mut out = Outcome::default();
    let mut found = HashSet::new();
    // One query for the alerts this advisory already has, and one per thousand structures for
    // their names, instead of one of each per alert.
    let existing: HashMap<i64, Existing> = if findings.is_empty() {
        HashMap::new()
    } else {
        Sql::new(
            "SELECT inventory_id, id, status, auto_closed FROM watch_alerts WHERE advisory_id = $1 AND kind = 'vuln' \
             AND inventory_id IS NOT NULL",
        )
        .arg(info.id)
        .fetch_all::<(i64, i64, String, i64), _>(&mut *conn)
        .await?
        .into_iter()
        .map(|(inv, id, st, auto)| (inv, (id, st, auto)))
        .collect()
    };
    load_names(
        conn,
        findings
            .iter()
            .filter_map(|f| items.get(f.item))
            .map(|i| i.structure_id),
        names,
    )
    .await?;
    let title = if info.title.is_empty() {
        recs.kev
            .as_ref()
            .map(|k| k.vulnerability_name.clone())
            .unwrap_or_default()
    } else {
        info.title.clone()
    };
    let mut pending = Vec::new();
    let mut fresh = Vec::new();
    for f in &findings {
        let Some(item) = items.get(f.item) else {
            continue;
        };
        // One alert per (item, advisory): a second finding on the same item is the same alert.
        if !found.insert((item.id, info.ref_id.clone())) {
            continue;
        }
        let d = Draft {
            structure_id: item.structure_id,
            inventory_id: item.id,
            advisory_id: Some(info.id),
            kind: "vuln",
            ref_id: info.ref_id.clone(),
            product: &item.product,
            version: &item.version,
            title: truncate(&title, 300),
            priority: i64::from(f.priority.score),
            reasons: priority_reasons(f, info),
            decision: decision_name(f.decision),
            match_source: f
                .sources
                .to_vec()
                .into_iter()
                .map(source_name)
                .collect::<Vec<_>>()
                .join(","),
            confidence: confidence_name(f.confidence),
            kev: f.priority.kev,
            exposed: item.exposed == 1,
        };
        match existing.get(&item.id) {
            Some(old) => refresh_alert(conn, &d, old).await?,
            None => fresh.push(d),
        }
    }
    out.new_ids = insert_alerts(conn, &fresh, names, &mut pending).await?;
    notify::queue_many(&mut *conn, &pending).await?;
    out.closed = close_missing(
        conn,
        "vuln",
        Some(info.id),
        restrict,
        &found,
        close.0,
        close.1,
    )
    .await?;
    Ok(out)
}

/// End-of-life alerts of `items` (all of one catalogue product family linked to `eol`).
async fn apply_eol(
    conn: &mut AnyConnection,
    eol: &EolProduct,
    items: &[InventoryItem],
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let cat = catalog()?;
    let mut out = Outcome::default();
    if items.is_empty() {
        return Ok(out);
    }
    let m = Matcher::new(cat.clone(), to_intel(items));
    let findings = m.end_of_life(std::slice::from_ref(eol), today());
    let mut found = HashSet::new();
    let mut pending = Vec::new();
    let mut fresh = Vec::new();
    // The end-of-life alerts these items already have, in one query per thousand items.
    let mut existing: HashMap<(i64, String), Existing> = HashMap::new();
    let mut ids: Vec<i64> = findings
        .iter()
        .filter_map(|f| items.get(f.item))
        .map(|i| i.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for part in ids.chunks(1000) {
        let mut q = Sql::new(
            "SELECT inventory_id, ref_id, id, status, auto_closed FROM watch_alerts WHERE kind = 'eol' AND inventory_id IN (",
        );
        for (n, id) in part.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
        for (inv, r, id, st, auto) in q
            .positional_for(Backend::of(conn))
            .fetch_all::<(i64, String, i64, String, i64), _>(&mut *conn)
            .await?
        {
            existing.insert((inv, r), (id, st, auto));
        }
    }
    load_names(
        conn,
        findings
            .iter()
            .filter_map(|f| items.get(f.item))
            .map(|i| i.structure_id),
        names,
    )
    .await?;
    for f in &findings {
        let Some(item) = items.get(f.item) else {
            continue;
        };
        let ref_id = format!("EOL:{}:{}", f.product, f.cycle);
        if !found.insert((item.id, ref_id.clone())) {
            continue;
        }
        let when = f
            .eol_date
            .map(|d| format!("depuis le {}", d.format("%d/%m/%Y")))
            .unwrap_or_else(|| "date non publiée".into());
        let d = Draft {
            structure_id: item.structure_id,
            inventory_id: item.id,
            advisory_id: None,
            kind: "eol",
            ref_id,
            product: &item.product,
            version: &item.version,
            title: format!(
                "{} {} : fin de support de sécurité ({when})",
                eol.title, f.cycle
            ),
            priority: 50 + i64::from(f.exposed),
            reasons: vec![format!(
                "endoflife.date : le cycle {} de {} n'a plus de correctifs de sécurité ({when})",
                f.cycle, eol.title
            )],
            decision: "affected",
            match_source: "end-of-life".into(),
            confidence: "high",
            kev: false,
            exposed: f.exposed,
        };
        match existing.get(&(item.id, d.ref_id.clone())) {
            Some(old) => refresh_alert(conn, &d, old).await?,
            None => fresh.push(d),
        }
    }
    out.new_ids = insert_alerts(conn, &fresh, names, &mut pending).await?;
    notify::queue_many(&mut *conn, &pending).await?;
    let considered: HashSet<i64> = items.iter().map(|i| i.id).collect();
    out.closed = close_missing(
        conn,
        "eol",
        None,
        Some(&considered),
        &found,
        "fixed",
        "version supportée",
    )
    .await?;
    Ok(out)
}

/// Items of the given products inside the actor's scope.
async fn items_of_products(
    conn: &mut AnyConnection,
    actor: &Actor,
    products: &[String],
) -> Result<Vec<InventoryItem>, StoreError> {
    if products.is_empty() {
        return Ok(Vec::new());
    }
    // A national actor (the ingestion runs as one) sees every structure: no join is needed to
    // scope the items, which spares a structure lookup per item (thousands of pages read for
    // a popular product). The columns matching does not use are not read.
    let national = matches!(actor.scope, vigie_domain::role::Scope::National);
    let backend = Backend::of(conn);
    let mut q = Sql::new(&format!(
        "SELECT {} FROM watch_inventory i {} WHERE i.product IN ",
        packed(backend, MATCH_COLUMNS),
        if national {
            ""
        } else {
            "JOIN structures s ON s.id = i.structure_id"
        }
    ));
    q.push_in_list(products.iter().map(String::as_str));
    if !national {
        q.push(" AND ");
        actor.scope_structures(&mut q, "s");
    }
    let rows: Vec<(i64, i64, String, String, String, i64)> =
        q.positional_for(backend).fetch_packed(&mut *conn).await?;
    let mut items: Vec<InventoryItem> = rows
        .into_iter()
        .map(
            |(id, structure_id, product, version, origin, exposed)| InventoryItem {
                id,
                structure_id,
                product,
                version,
                location: String::new(),
                origin,
                exposed,
                declared_by: String::new(),
                created_at: 0,
                updated_at: 0,
            },
        )
        .collect();
    items.sort_unstable_by_key(|i| i.id);
    Ok(items)
}

/// Re-evaluates one advisory after one of its records changed: refreshes its product index and
/// matches the inventory items of those products only.
async fn rematch_advisory(
    conn: &mut AnyConnection,
    actor: &Actor,
    advisory_id: i64,
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let cat = catalog()?;
    let rows: Vec<(String, String)> = Sql::new(
        "SELECT source, data FROM watch_records WHERE advisory_id = $1 AND source IN ('cve', 'nvd', 'kev') ORDER BY source",
    )
    .arg(advisory_id)
    .fetch_all(&mut *conn)
    .await?;
    let recs = parse_records(rows)?;
    let mut products: Vec<String> = recs
        .advisories
        .iter()
        .flat_map(|a| matching::advisory_products(cat, a))
        .collect();
    if let Some(k) = &recs.kev {
        products.extend(matching::kev_products(cat, k));
    }
    products.sort();
    products.dedup();
    let old: Vec<(String,)> = Sql::new(
        "SELECT product FROM watch_advisory_products WHERE advisory_id = $1 ORDER BY product",
    )
    .arg(advisory_id)
    .fetch_all(&mut *conn)
    .await?;
    if old.iter().map(|o| &o.0).ne(products.iter()) {
        Sql::new("DELETE FROM watch_advisory_products WHERE advisory_id = $1")
            .arg(advisory_id)
            .execute(&mut *conn)
            .await?;
        for p in &products {
            Sql::new("INSERT INTO watch_advisory_products (advisory_id, product) VALUES ($1, $2)")
                .arg(advisory_id)
                .arg(p.as_str())
                .execute(&mut *conn)
                .await?;
        }
    }
    let info = advisory_info(conn, advisory_id).await?;
    let items = items_of_products(conn, actor, &products).await?;
    apply_advisory(
        conn,
        &info,
        &recs,
        &items,
        None,
        (
            "not_affected",
            "avis corrigé : la version n'est plus concernée",
        ),
        names,
    )
    .await
}

/// Matches one inventory item against the advisories of its product and its end-of-life data.
async fn rematch_item(
    conn: &mut AnyConnection,
    item: &InventoryItem,
    close_reason: &str,
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let cat = catalog()?;
    let rows: Vec<(i64, String, String)> = Sql::new(
        "SELECT r.advisory_id, r.source, r.data FROM watch_records r JOIN watch_advisory_products p \
         ON p.advisory_id = r.advisory_id WHERE p.product = $1 AND r.source IN ('cve', 'nvd', 'kev') ORDER BY r.advisory_id",
    )
    .arg(item.product.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let mut by_adv: Vec<(i64, Vec<(String, String)>)> = Vec::new();
    for (a, s, d) in rows {
        match by_adv.last_mut() {
            Some((id, v)) if *id == a => v.push((s, d)),
            _ => by_adv.push((a, vec![(s, d)])),
        }
    }
    let items = std::slice::from_ref(item);
    let considered: HashSet<i64> = [item.id].into_iter().collect();
    let mut out = Outcome::default();
    let mut seen = HashSet::new();
    for (adv, rows) in by_adv {
        seen.insert(adv);
        let recs = parse_records(rows)?;
        let info = advisory_info(conn, adv).await?;
        out.add(
            apply_advisory(
                conn,
                &info,
                &recs,
                items,
                Some(&considered),
                ("fixed", close_reason),
                names,
            )
            .await?,
        );
    }
    // Open alerts of advisories that no longer name this product.
    let stale: Vec<(i64,)> = Sql::new(
        "SELECT id FROM watch_alerts WHERE inventory_id = $1 AND kind = 'vuln' AND status IN ('new', 'acknowledged') \
         AND (advisory_id IS NULL OR advisory_id NOT IN (SELECT advisory_id FROM watch_advisory_products WHERE product = $2))",
    )
    .arg(item.id)
    .arg(item.product.as_str())
    .fetch_all(&mut *conn)
    .await?;
    for (id,) in stale {
        Sql::new(
            "UPDATE watch_alerts SET status = 'fixed', status_reason = $1, auto_closed = 1, closed_at = $2, updated_at = $2 WHERE id = $3",
        )
        .arg(close_reason)
        .arg(now())
        .arg(id)
        .execute(&mut *conn)
        .await?;
        out.closed += 1;
    }
    if let Some(slug) = cat.get(&item.product).and_then(|p| p.eol.clone()) {
        let eol: Option<(String,)> =
            Sql::new("SELECT data FROM watch_records WHERE source = 'eol' AND ref_id = $1")
                .arg(slug.as_str())
                .fetch_optional(&mut *conn)
                .await?;
        if let Some((data,)) = eol {
            let e: EolProduct = serde_json::from_str(&data).map_err(|e| {
                StoreError::Invalid(format!("stored end-of-life record {slug}: {e}"))
            })?;
            out.add(apply_eol(conn, &e, items, names).await?);
        }
    }
    Ok(out)
}

/// Finds or creates the advisory row of a CVE id.
async fn advisory_id_for(conn: &mut AnyConnection, ref_id: &str) -> Result<i64, StoreError> {
    let at = now();
    let existing: Option<(i64,)> = Sql::new("SELECT id FROM watch_advisories WHERE ref_id = $1")
        .arg(ref_id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((id,)) = existing {
        return Ok(id);
    }
    Sql::new(
        "INSERT INTO watch_advisories (ref_id, title, certfr, created_at, updated_at) VALUES ($1, '', '', $2, $2) RETURNING id",
    )
    .arg(ref_id)
    .arg(at)
    .scalar(&mut *conn)
    .await
}

/// Stores one changed record; returns the advisory to re-evaluate, if any, and the EOL product.
async fn store_change(
    conn: &mut AnyConnection,
    c: &Change<'_>,
    hash: &str,
    data: &str,
    file: &str,
) -> Result<(Vec<i64>, Option<EolProduct>), StoreError> {
    let at = now();
    let (source, ref_id) = c.key();
    let mut rematch = Vec::new();
    let mut eol = None;
    let advisory_id = match c {
        Change::Record(a) => {
            let id = advisory_id_for(conn, &a.id).await?;
            let title = a
                .description
                .as_deref()
                .map(|d| truncate(d.trim(), 300))
                .unwrap_or_default();
            Sql::new(
                "UPDATE watch_advisories SET title = CASE WHEN $1 = '' THEN title ELSE $1 END, \
                 published = COALESCE($2, published), modified = COALESCE($3, modified), \
                 cvss_x10 = COALESCE($4, cvss_x10), kev = CASE WHEN $5 = 1 THEN 1 ELSE kev END, \
                 kev_date = COALESCE(kev_date, $6), updated_at = $7 WHERE id = $8",
            )
            .arg(title)
            .arg(a.published.clone())
            .arg(a.updated.clone())
            .arg(a.cvss.map(|c| (f64::from(c) * 10.0).round() as i64))
            .arg(i64::from(a.kev_date_added.is_some()))
            .arg(a.kev_date_added.clone())
            .arg(at)
            .arg(id)
            .execute(&mut *conn)
            .await?;
            rematch.push(id);
            Some(id)
        }
        Change::Kev(k) => {
            let id = advisory_id_for(conn, &k.cve_id).await?;
            Sql::new(
                "UPDATE watch_advisories SET kev = 1, kev_date = $1, title = CASE WHEN title = '' THEN $2 ELSE title END, \
                 published = COALESCE(published, $1), updated_at = $3 WHERE id = $4",
            )
            .arg(k.date_added.as_str())
            .arg(truncate(&k.vulnerability_name, 300))
            .arg(at)
            .arg(id)
            .execute(&mut *conn)
            .await?;
            rematch.push(id);
            Some(id)
        }
        Change::CertFr(item) => {
            for cve in &item.cves {
                let id = advisory_id_for(conn, cve).await?;
                let (refs,): (String,) =
                    Sql::new("SELECT certfr FROM watch_advisories WHERE id = $1")
                        .arg(id)
                        .fetch_one(&mut *conn)
                        .await?;
                let mut list: Vec<&str> = refs.split(',').filter(|s| !s.is_empty()).collect();
                if !list.contains(&item.reference.as_str()) {
                    list.push(&item.reference);
                }
                let joined = list.join(",");
                Sql::new(
                    "UPDATE watch_advisories SET certfr = $1, certfr_alert = CASE WHEN $2 = 1 THEN 1 ELSE certfr_alert END, \
                     title = CASE WHEN title = '' THEN $3 ELSE title END, updated_at = $4 WHERE id = $5",
                )
                .arg(joined)
                .arg(i64::from(item.is_alert))
                .arg(item.title.clone().unwrap_or_default())
                .arg(at)
                .arg(id)
                .execute(&mut *conn)
                .await?;
                rematch.push(id);
            }
            None
        }
        Change::Eol(e) => {
            eol = Some((*e).clone());
            None
        }
    };
    Sql::new(
        "INSERT INTO watch_records (source, ref_id, advisory_id, hash, data, file, ingested_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (source, ref_id) DO UPDATE SET advisory_id = excluded.advisory_id, hash = excluded.hash, data = excluded.data, \
         file = excluded.file, ingested_at = excluded.ingested_at",
    )
    .arg(source.as_str())
    .arg(ref_id.as_str())
    .arg(advisory_id)
    .arg(hash)
    .arg(data)
    .arg(file)
    .arg(at)
    .execute(&mut *conn)
    .await?;
    Ok((rematch, eol))
}

impl Store {
    /// Ingests what `vigie-intel` parsed from one file (or folder): stores the records that are
    /// new or changed (by content hash), re-evaluates the advisories they belong to against the
    /// inventories of their products, writes alerts with their notifications, updates the
    /// freshness of each source. The rejected records of `corpus.errors` are reported and
    /// recorded as the source's last error; they never stop the rest.
    pub async fn watch_ingest(
        &self,
        actor: &Actor,
        corpus: &Corpus,
        file: &str,
    ) -> Result<IngestReport, StoreError> {
        actor.require(Permission::ManageIntel)?;
        let mut report = IngestReport {
            file: file.to_string(),
            rejected: corpus.errors.iter().map(|e| e.to_string()).collect(),
            ..Default::default()
        };
        let mut changes: Vec<Change> = Vec::new();
        let mut ids: Vec<&String> = corpus.advisories.keys().collect();
        ids.sort();
        for id in ids {
            for a in corpus.advisories.get(id).into_iter().flatten() {
                changes.push(Change::Record(a));
            }
        }
        if let Some(k) = &corpus.kev {
            changes.extend(k.entries.iter().map(Change::Kev));
        }
        changes.extend(corpus.certfr.iter().map(Change::CertFr));
        changes.extend(corpus.eol.iter().map(Change::Eol));

        // Which sources this document holds, and the newest date of each.
        let mut newest: HashMap<String, Option<String>> = HashMap::new();
        let mut bump = |s: &str, d: Option<&str>| {
            let e = newest.entry(s.to_string()).or_insert(None);
            if let Some(d) = d.and_then(|d| d.get(..10)).filter(|d| day_of(d).is_some()) {
                if e.as_deref().is_none_or(|o| o < d) {
                    *e = Some(d.to_string());
                }
            }
        };
        for c in &changes {
            match c {
                Change::Record(a) => bump(
                    if a.format == Source::Nvd {
                        "nvd"
                    } else {
                        "cve"
                    },
                    a.updated.as_deref(),
                ),
                Change::Kev(_) => {}
                Change::CertFr(i) => bump("certfr", i.date.as_deref()),
                Change::Eol(_) => bump("eol", Some(&today().to_string())),
            }
        }
        if let Some(k) = &corpus.kev {
            bump("kev", Some(&k.date_released));
        }
        if let Some(e) = &corpus.epss {
            bump("epss", e.score_date.as_deref());
        }

        // Skip unchanged records by hash.
        let mut known: HashMap<(String, String), String> = HashMap::new();
        for s in newest.keys() {
            let rows: Vec<(String, String)> =
                Sql::new("SELECT ref_id, hash FROM watch_records WHERE source = $1")
                    .arg(s.as_str())
                    .fetch_all(&self.pool)
                    .await?;
            known.extend(rows.into_iter().map(|(r, h)| ((s.clone(), r), h)));
        }
        let mut todo = Vec::new();
        let mut per_source: HashMap<String, (i64, i64, i64)> = HashMap::new();
        for c in changes {
            let key = c.key();
            let data = c.data();
            let hash = sha(&data);
            let counts = per_source.entry(key.0.clone()).or_default();
            match known.get(&key) {
                Some(h) if *h == hash => {
                    counts.2 += 1;
                    report.unchanged += 1;
                }
                Some(_) => {
                    counts.1 += 1;
                    report.changed += 1;
                    todo.push((c, hash, data));
                }
                None => {
                    counts.0 += 1;
                    report.added += 1;
                    todo.push((c, hash, data));
                }
            }
        }

        let mut names = HashMap::new();
        for chunk in todo.chunks(CHUNK) {
            let mut tx = self.begin_write().await?;
            let mut rematch: Vec<i64> = Vec::new();
            let mut eols = Vec::new();
            for (c, hash, data) in chunk {
                let (r, e) = store_change(&mut tx, c, hash, data, file).await?;
                rematch.extend(r);
                eols.extend(e);
            }
            rematch.sort_unstable();
            rematch.dedup();
            let mut out = Outcome::default();
            for id in &rematch {
                out.add(rematch_advisory(&mut tx, actor, *id, &mut names).await?);
            }
            for e in &eols {
                let cat = catalog()?;
                let products: Vec<String> = cat
                    .resolve_eol(&e.id)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
                let items = items_of_products(&mut tx, actor, &products).await?;
                out.add(apply_eol(&mut tx, e, &items, &mut names).await?);
            }
            record(
                &mut *tx,
                actor,
                Event::new("watch.ingest", "watch_source", file).detail(serde_json::json!({
                    "records": chunk.iter().map(|(c, _, _)| {
                        let (s, r) = c.key();
                        format!("{s}:{r}")
                    }).collect::<Vec<_>>(),
                    "alerts_new": out.new_ids, "alerts_closed": out.closed,
                })),
            )
            .await?;
            tx.commit().await?;
            report.alerts_new += out.new_ids.len();
            report.alerts_closed += out.closed;
        }

        // EPSS: scores of the advisories we know; those with alerts are re-prioritized.
        if let Some(e) = &corpus.epss {
            let rows: Vec<(i64, String, Option<i64>)> =
                Sql::new("SELECT id, ref_id, epss_e5 FROM watch_advisories")
                    .fetch_all(&self.pool)
                    .await?;
            let map: HashMap<String, (i64, Option<i64>)> =
                rows.into_iter().map(|(id, r, v)| (r, (id, v))).collect();
            let mut upd: Vec<(i64, i64)> = Vec::new();
            let counts = per_source.entry("epss".into()).or_default();
            for s in &e.scores {
                let v = (f64::from(s.epss) * 100_000.0).round() as i64;
                match map.get(&s.cve) {
                    Some((id, old)) if *old != Some(v) => {
                        if old.is_some() {
                            counts.1 += 1;
                        } else {
                            counts.0 += 1;
                        }
                        upd.push((*id, v));
                    }
                    Some(_) => counts.2 += 1,
                    None => {}
                }
            }
            let with_alerts: HashSet<i64> = Sql::new(
                "SELECT DISTINCT advisory_id FROM watch_alerts WHERE advisory_id IS NOT NULL",
            )
            .fetch_all::<(i64,), _>(&self.pool)
            .await?
            .into_iter()
            .map(|r| r.0)
            .collect();
            for chunk in upd.chunks(CHUNK * 10) {
                let mut tx = self.begin_write().await?;
                let mut out = Outcome::default();
                for (id, v) in chunk {
                    Sql::new("UPDATE watch_advisories SET epss_e5 = $1 WHERE id = $2")
                        .arg(*v)
                        .arg(*id)
                        .execute(&mut *tx)
                        .await?;
                    if with_alerts.contains(id) {
                        out.add(rematch_advisory(&mut tx, actor, *id, &mut names).await?);
                    }
                }
                record(
                    &mut *tx,
                    actor,
                    Event::new("watch.ingest", "watch_source", file)
                        .detail(serde_json::json!({ "epss_updated": chunk.len() })),
                )
                .await?;
                tx.commit().await?;
                report.alerts_new += out.new_ids.len();
                report.alerts_closed += out.closed;
            }
        }

        // Freshness.
        let error = if report.rejected.is_empty() {
            None
        } else {
            Some(format!(
                "{} record(s) rejected in {file}; first: {}",
                report.rejected.len(),
                report.rejected.first().cloned().unwrap_or_default()
            ))
        };
        let mut sources: Vec<String> = newest.keys().cloned().collect();
        sources.sort();
        let mut tx = self.begin_write().await?;
        let at = now();
        for s in &sources {
            let (a, c, u) = per_source.get(s).copied().unwrap_or_default();
            let total: i64 = if s == "epss" {
                Sql::new("SELECT COUNT(*) FROM watch_advisories WHERE epss_e5 IS NOT NULL")
                    .scalar(&mut *tx)
                    .await?
            } else {
                Sql::new("SELECT COUNT(*) FROM watch_records WHERE source = $1")
                    .arg(s.as_str())
                    .scalar(&mut *tx)
                    .await?
            };
            let new_date = newest.get(s).cloned().flatten();
            Sql::new(
                "INSERT INTO watch_sources (source, last_ingest_at, newest_record, usual_period_days, records, last_added, \
                 last_changed, last_unchanged, last_rejected, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (source) DO UPDATE SET last_ingest_at = excluded.last_ingest_at, \
                 newest_record = CASE WHEN watch_sources.newest_record IS NULL OR watch_sources.newest_record < excluded.newest_record \
                 THEN excluded.newest_record ELSE watch_sources.newest_record END, records = excluded.records, \
                 last_added = excluded.last_added, last_changed = excluded.last_changed, last_unchanged = excluded.last_unchanged, \
                 last_rejected = excluded.last_rejected, last_error = excluded.last_error",
            )
            .arg(s.as_str())
            .arg(at)
            .arg(new_date)
            .arg(usual_period_days(s))
            .arg(total)
            .arg(a)
            .arg(c)
            .arg(u)
            .arg(report.rejected.len() as i64)
            .arg(error.clone())
            .execute(&mut *tx)
            .await?;
        }
        if sources.is_empty() {
            // Nothing recognisable: keep the error visible on the freshness page.
            Sql::new(
                "INSERT INTO watch_sources (source, last_ingest_at, usual_period_days, last_rejected, last_error) \
                 VALUES ('unknown', $1, 30, $2, $3) ON CONFLICT (source) DO UPDATE SET last_ingest_at = excluded.last_ingest_at, \
                 last_rejected = excluded.last_rejected, last_error = excluded.last_error",
            )
            .arg(at)
            .arg(report.rejected.len() as i64)
            .arg(error.clone())
            .execute(&mut *tx)
            .await?;
        }
        record(
            &mut *tx,
            actor,
            Event::new("watch.ingest.done", "watch_source", file).detail(serde_json::json!({
                "sources": sources, "added": report.added, "changed": report.changed,
                "unchanged": report.unchanged, "rejected": report.rejected.len(),
                "alerts_new": report.alerts_new, "alerts_closed": report.alerts_closed,
            })),
        )
        .await?;
        tx.commit().await?;
        report.sources = sources;
        Ok(report)
    }

    /// Freshness of every source, with the alarm computed as of now.
    pub async fn watch_sources(&self, actor: &Actor) -> Result<Vec<SourceFreshness>, StoreError> {
        actor.require(Permission::ManageIntel)?;
        let mut rows: Vec<SourceFreshness> = Sql::new(
            "SELECT source, last_ingest_at, newest_record, usual_period_days, records, last_added, last_changed, \
             last_unchanged, last_rejected, last_error FROM watch_sources ORDER BY source",
        )
        .fetch_all(&self.pool)
        .await?;
        let t = today();
        for r in &mut rows {
            r.age_days = r
                .newest_record
                .as_deref()
                .and_then(day_of)
                .map(|d| (t - d).num_days());
            r.stale = r.age_days.is_none_or(|a| a > r.usual_period_days);
        }
        Ok(rows)
    }

    /// The inventory of a structure.
    pub async fn list_inventory(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<InventoryItem>, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut conn = self.pool.acquire().await?;
        Store::ensure_in_scope(&mut conn, actor, structure_id).await?;
        let mut q = Sql::new(&format!(
            "SELECT {ITEM_COLUMNS} FROM watch_inventory i JOIN structures s ON s.id = i.structure_id WHERE i.structure_id = "
        ));
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY i.product, i.location, i.id");
        q.fetch_all(&mut *conn).await
    }

    /// Declares (or updates the version of) one inventory item, matches it against the
    /// advisories of its product, writes the alerts. Returns the item and the new alert ids.
    pub async fn add_inventory_item(
        &self,
        actor: &Actor,
        structure_id: i64,
        item: &NewItem,
    ) -> Result<(InventoryItem, Vec<i64>), StoreError> {
        actor.require(Permission::WriteInventory)?;
        let item = validate_item(item, "inventory item")?;
        let mut tx = self.begin_write().await?;
        Store::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let mut names = HashMap::new();
        let (it, out, _) = upsert_item(&mut tx, actor, structure_id, &item, &mut names).await?;
        tx.commit().await?;
        Ok((it, out.new_ids))
    }

    /// Removes an inventory item; its open alerts close (fixed, automatically).
    pub async fn remove_inventory_item(
        &self,
        actor: &Actor,
        structure_id: i64,
        item_id: i64,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteInventory)?;
        let mut tx = self.begin_write().await?;
        Store::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let row: Option<(String, String)> = Sql::new(
            "SELECT product, version FROM watch_inventory WHERE id = $1 AND structure_id = $2",
        )
        .arg(item_id)
        .arg(structure_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((product, version)) = row else {
            return Err(StoreError::NotFound);
        };
        let at = now();
        let closed = Sql::new(
            "UPDATE watch_alerts SET status = 'fixed', status_reason = 'retiré de l''inventaire', auto_closed = 1, \
             closed_at = $1, updated_at = $1 WHERE inventory_id = $2 AND status IN ('new', 'acknowledged')",
        )
        .arg(at)
        .arg(item_id)
        .execute(&mut *tx)
        .await?;
        Sql::new("UPDATE watch_alerts SET inventory_id = NULL WHERE inventory_id = $1")
            .arg(item_id)
            .execute(&mut *tx)
            .await?;
        Sql::new("DELETE FROM watch_inventory WHERE id = $1")
            .arg(item_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("watch.inventory.remove", "structure", structure_id).detail(
                serde_json::json!({ "item_id": item_id, "product": product, "version": version, "alerts_closed": closed }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Imports several items at once (CSV lines, SBOM components): all or nothing. `errors` are
    /// the problems found while reading the file; when there are any, nothing is written.
    pub async fn import_inventory(
        &self,
        actor: &Actor,
        structure_id: i64,
        items: &[(String, NewItem)],
        mut report: ImportReport,
    ) -> Result<ImportReport, StoreError> {
        actor.require(Permission::WriteInventory)?;
        let mut valid = Vec::new();
        for (where_, it) in items {
            match validate_item(it, where_) {
                Ok(v) => valid.push(v),
                Err(StoreError::Invalid(m)) => report.errors.push(m),
                Err(e) => return Err(e),
            }
        }
        let mut tx = self.begin_write().await?;
        Store::ensure_in_scope(&mut tx, actor, structure_id).await?;
        if !report.errors.is_empty() {
            return Ok(report);
        }
        let mut names = HashMap::new();
        for it in &valid {
            let (_, out, added) = upsert_item(&mut tx, actor, structure_id, it, &mut names).await?;
            if added {
                report.added += 1;
            } else {
                report.updated += 1;
            }
            report.alerts_new += out.new_ids.len();
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Alerts inside the actor's scope, highest priority first.
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
            "SELECT {ALERT_COLUMNS} FROM watch_alerts a JOIN structures s ON s.id = a.structure_id WHERE "
        ));
        actor.scope_structures(&mut q, "s");
        if let Some(id) = f.structure_id {
            q.push(" AND a.structure_id = ").bind(id);
        }
        if let Some(g) = f.ght_id {
            q.push(" AND s.ght_id = ").bind(g);
        }
        if let Some(r) = &f.region_code {
            q.push(" AND s.region_code").push_region_eq(r);
        }
        if f.open_only {
            q.push(" AND a.status IN ('new', 'acknowledged')");
        }
        if let Some(t) = f.since {
            q.push(" AND a.created_at >= ").bind(t);
        }
        if let Some(t) = f.until {
            q.push(" AND a.created_at < ").bind(t);
        }
        q.push(" ORDER BY CASE WHEN a.status IN ('new', 'acknowledged') THEN 0 ELSE 1 END, a.priority DESC, a.created_at DESC, a.id DESC");
        q.push(" LIMIT ")
            .bind(f.limit.unwrap_or(500).clamp(1, 5000));
        q.fetch_all(&mut *conn).await
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
        if !STATUSES.contains(&status) {
            return Err(StoreError::Invalid(format!(
                "alert status {status:?}: must be one of {}",
                STATUSES.join(", ")
            )));
        }
        let reason = reason.trim();
        if status == "not_affected" && reason.is_empty() {
            return Err(StoreError::Invalid(
                "alert status not_affected: say why the structure is not affected (reason)".into(),
            ));
        }
        if reason.chars().count() > 2000 {
            return Err(StoreError::Invalid(
                "alert reason: at most 2000 characters".into(),
            ));
        }
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

/// Whom a bulletin is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulletinFor {
    Structure(i64),
    Region(String),
    /// Everything the actor's scope covers.
    Scope,
}

/// A weekly digest: the alerts raised during one ISO week and the advisories behind them.
#[derive(Debug, Clone, Serialize)]
pub struct Bulletin {
    /// `2026-W47`.
    pub week: String,
    pub from: i64,
    pub to: i64,
    pub title: String,
    pub alerts: Vec<Alert>,
    /// Advisories first matched this week, with the number of structures concerned.
    pub advisories: Vec<(AdvisoryInfo, i64)>,
    /// Self-contained HTML (every value escaped).
    pub html: String,
    pub text: String,
}

/// Bounds (unix seconds, [from, to)) of an ISO week `YYYY-Www`; the current week when `None`.
pub fn iso_week(label: Option<&str>) -> Result<(String, i64, i64), StoreError> {
    use chrono::Datelike;
    let monday = match label.map(str::trim).filter(|l| !l.is_empty()) {
        None => {
            let d = today();
            d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
        }
        Some(l) => {
            let bad = || {
                StoreError::Invalid(format!(
                    "week {l:?}: expected YYYY-Www, for example 2026-W47"
                ))
            };
            let (y, w) = l.split_once("-W").ok_or_else(bad)?;
            let y: i32 = y.parse().map_err(|_| bad())?;
            let w: u32 = w.parse().map_err(|_| bad())?;
            chrono::NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).ok_or_else(bad)?
        }
    };
    let iso = monday.iso_week();
    let from = monday
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default();
    Ok((
        format!("{}-W{:02}", iso.year(), iso.week()),
        from,
        from + 7 * 86_400,
    ))
}

fn bulletin_body(
    title: &str,
    week: &str,
    alerts: &[Alert],
    advisories: &[(AdvisoryInfo, i64)],
) -> (String, String) {
    let mut text = format!("{title}\nSemaine {week}\n\n");
    let mut html = format!(
        "<h2>{}</h2><p>Semaine {}</p>",
        html_escape(title),
        html_escape(week)
    );
    if advisories.is_empty() && alerts.is_empty() {
        text.push_str("Aucune nouvelle alerte cette semaine.\n");
        html.push_str("<p>Aucune nouvelle alerte cette semaine.</p>");
        return (text, html);
    }
    if !advisories.is_empty() {
        text.push_str("Nouveaux avis qui vous concernent :\n");
        html.push_str("<h3>Nouveaux avis qui vous concernent</h3><table><thead><tr><th scope=\"col\">Avis</th>\
            <th scope=\"col\">Intitulé</th><th scope=\"col\">Exploitée (KEV)</th><th scope=\"col\">CERT-FR</th>\
            <th scope=\"col\">CVSS</th><th scope=\"col\">Structures concernées</th></tr></thead><tbody>");
        for (a, n) in advisories {
            let cvss = a
                .cvss()
                .map(|c| format!("{c:.1}"))
                .unwrap_or_else(|| "-".into());
            text.push_str(&format!(
                "  - {} {}{} (CVSS {cvss}) : {n} structure(s) — {}\n",
                a.ref_id,
                if a.kev == 1 { "[exploitée] " } else { "" },
                if a.certfr.is_empty() {
                    String::new()
                } else {
                    format!("[{}] ", a.certfr)
                },
                truncate(&a.title, 120)
            ));
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{n}</td></tr>",
                html_escape(&a.ref_id),
                html_escape(&truncate(&a.title, 200)),
                if a.kev == 1 { "oui" } else { "non" },
                html_escape(&a.certfr.replace(',', ", ")),
                html_escape(&cvss)
            ));
        }
        html.push_str("</tbody></table>");
        text.push('\n');
    }
    if !alerts.is_empty() {
        text.push_str("Alertes de la semaine :\n");
        html.push_str("<h3>Alertes de la semaine</h3><table><thead><tr><th scope=\"col\">Structure</th>\
            <th scope=\"col\">Alerte</th><th scope=\"col\">Produit</th><th scope=\"col\">Version</th>\
            <th scope=\"col\">Priorité</th><th scope=\"col\">Statut</th></tr></thead><tbody>");
        for a in alerts {
            let p = product_name(&a.product);
            text.push_str(&format!(
                "  - {} : {} {} {} (priorité {}, {})\n",
                a.structure_name, a.ref_id, p, a.version, a.priority, a.status
            ));
            html.push_str(&format!(
                "<tr><td>{}</td><td><a href=\"/watch/alerts/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html_escape(&a.structure_name),
                a.id,
                html_escape(&a.ref_id),
                html_escape(&p),
                html_escape(&a.version),
                a.priority,
                html_escape(&a.status)
            ));
        }
        html.push_str("</tbody></table>");
    }
    (text, html)
}

impl Store {
    /// The bulletin of one ISO week (the current one when `week` is `None`) for a structure, a
    /// region or the actor's whole scope.
    pub async fn watch_bulletin(
        &self,
        actor: &Actor,
        target: &BulletinFor,
        week: Option<&str>,
    ) -> Result<Bulletin, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let (week, from, to) = iso_week(week)?;
        let mut f = AlertFilter {
            since: Some(from),
            until: Some(to),
            limit: Some(5000),
            ..Default::default()
        };
        let title = match target {
            BulletinFor::Structure(id) => {
                f.structure_id = Some(*id);
                let mut conn = self.pool.acquire().await?;
                Store::ensure_in_scope(&mut conn, actor, *id).await?;
                let (n,): (String,) = Sql::new("SELECT name FROM structures WHERE id = $1")
                    .arg(*id)
                    .fetch_one(&mut *conn)
                    .await?;
                format!("Bulletin de veille Vigie — {n}")
            }
            BulletinFor::Region(code) => {
                f.region_code = Some(code.clone());
                let name = vigie_domain::geo::region(code).map_or(code.as_str(), |r| r.name);
                format!("Bulletin de veille Vigie — région {name}")
            }
            BulletinFor::Scope => "Bulletin de veille Vigie".to_string(),
        };
        let alerts = self.list_alerts(actor, &f).await?;
        let advisories = self.watch_new_advisories(actor, from, &f).await?;
        let (text, html) = bulletin_body(&title, &week, &alerts, &advisories);
        Ok(Bulletin {
            week,
            from,
            to,
            title,
            alerts,
            advisories,
            html,
            text,
        })
    }

    /// Queues the bulletins of a week (default: the previous, complete week) for every structure
    /// and every region that had alerts in it. Dedup keys carry the ISO week: a bulletin is sent
    /// once. Returns the number of notification rows written.
    pub async fn watch_queue_bulletins(
        &self,
        actor: &Actor,
        week: Option<&str>,
    ) -> Result<usize, StoreError> {
        actor.require(Permission::ManageIntel)?;
        let week = match week {
            Some(w) => w.to_string(),
            None => {
                let (_, from, _) = iso_week(None)?;
                let prev = chrono::DateTime::from_timestamp(from - 86_400, 0)
                    .map(|d| d.date_naive())
                    .unwrap_or_else(today);
                use chrono::Datelike;
                let w = prev.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
        };
        let (week, from, to) = iso_week(Some(&week))?;
        let mut q = Sql::new(
            "SELECT DISTINCT a.structure_id, s.region_code FROM watch_alerts a JOIN structures s ON s.id = a.structure_id \
             WHERE a.created_at >= ",
        );
        q.bind(from)
            .push(" AND a.created_at < ")
            .bind(to)
            .push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY a.structure_id");
        let rows: Vec<(i64, String)> = q.fetch_all(&self.pool).await?;
        let mut regions: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
        regions.sort();
        regions.dedup();
        let mut targets: Vec<(BulletinFor, Audience, String)> = rows
            .iter()
            .map(|(id, _)| {
                (
                    BulletinFor::Structure(*id),
                    Audience::Structure(*id),
                    format!("watch.bulletin:{week}:structure:{id}"),
                )
            })
            .collect();
        targets.extend(regions.into_iter().map(|r| {
            (
                BulletinFor::Region(r.clone()),
                Audience::Region(r.clone()),
                format!("watch.bulletin:{week}:region:{r}"),
            )
        }));
        let mut n = 0;
        for (target, audience, key) in targets {
            let b = self.watch_bulletin(actor, &target, Some(&week)).await?;
            let link = match &target {
                BulletinFor::Structure(id) => format!("/watch/bulletin?structure={id}&week={week}"),
                BulletinFor::Region(r) => format!("/watch/bulletin?region={r}&week={week}"),
                BulletinFor::Scope => format!("/watch/bulletin?week={week}"),
            };
            let mut tx = self.begin_write().await?;
            let ids = notify::queue(
                &mut tx,
                &NewNotification {
                    audience,
                    event: "watch.bulletin".into(),
                    subject: format!("[Vigie] {} — semaine {week}", b.title),
                    text: format!("{}\nLe bulletin en ligne : {link}\n", b.text),
                    html: Some(format!(
                        "{}<p><a href=\"{link}\">Le bulletin en ligne</a></p>",
                        b.html
                    )),
                    payload: serde_json::json!({
                        "week": week, "alerts": b.alerts.len(), "advisories": b.advisories.len(),
                    }),
                    link: Some(link),
                    dedup_key: key.clone(),
                },
            )
            .await?;
            record(
                &mut *tx,
                actor,
                Event::new("watch.bulletin.queue", "watch_bulletin", &key)
                    .detail(serde_json::json!({ "notifications": ids.len() })),
            )
            .await?;
            tx.commit().await?;
            n += ids.len();
        }
        Ok(n)
    }
}

/// What feeding a scan's software into the inventory did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ScannedInventory {
    /// Items recorded or updated (origin `scan`, exposed on the internet).
    pub recorded: usize,
    /// What was not recorded, and why (unknown product, distribution package).
    pub skipped: Vec<String>,
    /// Alerts the recorded items raised.
    pub alerts_new: usize,
}

/// Records in a structure's inventory the software a scan identified (origin `scan`, exposed,
/// located at `address:port`), inside the scan's transaction, and rematches it: a vulnerable
/// version seen on the internet is alerted, and a later scan that sees a fixed version closes the
/// alert. Products the catalogue does not know, or knows ambiguously, are skipped; so are
/// distribution packages (`OpenSSH_9.2p1 Debian-2+deb12u10`), whose backported fixes the upstream
/// version does not show: the scan's own findings still describe them.
pub(crate) async fn record_scanned_software(
    conn: &mut AnyConnection,
    actor: &Actor,
    structure_id: i64,
    software: &[crate::surveillance::ScannedSoftware],
) -> Result<ScannedInventory, StoreError> {
    let mut out = ScannedInventory::default();
    let mut names = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for sw in software {
        if sw.product.trim().is_empty() || sw.version.trim().is_empty() {
            continue;
        }
        if !seen.insert((sw.product.clone(), sw.location.clone())) {
            continue;
        }
        if let Some(d) = &sw.distro {
            out.skipped.push(format!(
                "{} {} at {}: {d} package, backported fixes unknown",
                sw.product, sw.version, sw.location
            ));
            continue;
        }
        let item = NewItem {
            product: sw.product.clone(),
            version: sw.version.clone(),
            location: sw.location.clone(),
            origin: "scan".into(),
            exposed: true,
        };
        match validate_item(&item, &format!("scan {}", sw.location)) {
            Ok(item) => {
                let (_, o, _) = upsert_item(conn, actor, structure_id, &item, &mut names).await?;
                out.recorded += 1;
                out.alerts_new += o.new_ids.len();
            }
            Err(StoreError::Invalid(m)) => out.skipped.push(m),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Checks and normalises one declared item; `where_` says which line/component for errors.
fn validate_item(item: &NewItem, where_: &str) -> Result<NewItem, StoreError> {
    let cat = catalog()?;
    let p = item.product.trim();
    let product = if cat.get(p).is_some() {
        p.to_string()
    } else {
        let ids = cat.resolve_name(p);
        match ids.as_slice() {
            [one] => (*one).to_string(),
            [] => {
                return Err(StoreError::Invalid(format!(
                    "{where_}: product {p:?} is not in the catalogue (use a catalogue id such as \"fortios\" or a product name it knows)"
                )))
            }
            many => {
                return Err(StoreError::Invalid(format!(
                    "{where_}: product {p:?} is ambiguous ({}); use the catalogue id",
                    many.join(", ")
                )))
            }
        }
    };
    let version = item.version.trim();
    if version.is_empty() {
        return Err(StoreError::Invalid(format!(
            "{where_}: version is empty (say which version runs, for example 7.0.12)"
        )));
    }
    if version.chars().count() > 100 || version.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "{where_}: version {version:?} is too long or contains control characters"
        )));
    }
    let location = item.location.trim();
    if location.chars().count() > 200 || location.chars().any(char::is_control) {
        return Err(StoreError::Invalid(format!(
            "{where_}: location is too long (200 characters at most) or contains control characters"
        )));
    }
    if !ORIGINS.contains(&item.origin.as_str()) {
        return Err(StoreError::Invalid(format!(
            "{where_}: origin {:?} must be one of {}",
            item.origin,
            ORIGINS.join(", ")
        )));
    }
    Ok(NewItem {
        product,
        version: version.to_string(),
        location: location.to_string(),
        origin: item.origin.clone(),
        exposed: item.exposed,
    })
}

/// Inserts or updates an item (same structure, product and location), audits it, rematches it.
/// Returns the item, what matching did, and whether it was new.
async fn upsert_item(
    conn: &mut AnyConnection,
    actor: &Actor,
    structure_id: i64,
    item: &NewItem,
    names: &mut HashMap<i64, String>,
) -> Result<(InventoryItem, Outcome, bool), StoreError> {
    let at = now();
    let old: Option<(i64, String)> = Sql::new(
        "SELECT id, version FROM watch_inventory WHERE structure_id = $1 AND product = $2 AND location = $3",
    )
    .arg(structure_id)
    .arg(item.product.as_str())
    .arg(item.location.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let (id, added, previous) = match old {
        Some((id, v)) => {
            Sql::new(
                "UPDATE watch_inventory SET version = $1, origin = $2, exposed = $3, declared_by = $4, updated_at = $5 WHERE id = $6",
            )
            .arg(item.version.as_str())
            .arg(item.origin.as_str())
            .arg(item.exposed)
            .arg(actor.label.as_str())
            .arg(at)
            .arg(id)
            .execute(&mut *conn)
            .await?;
            (id, false, Some(v))
        }
        None => {
            let id = Sql::new(
                "INSERT INTO watch_inventory (structure_id, product, version, location, origin, exposed, declared_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .arg(structure_id)
            .arg(item.product.as_str())
            .arg(item.version.as_str())
            .arg(item.location.as_str())
            .arg(item.origin.as_str())
            .arg(item.exposed)
            .arg(actor.label.as_str())
            .arg(at)
            .scalar(&mut *conn)
            .await?;
            (id, true, None)
        }
    };
    let it: InventoryItem = Sql::new(&format!(
        "SELECT {ITEM_COLUMNS} FROM watch_inventory i WHERE i.id = $1"
    ))
    .arg(id)
    .fetch_one(&mut *conn)
    .await?;
    let reason = format!("version {} déclarée, qui n'est plus concernée", it.version);
    let out = rematch_item(conn, &it, &reason, names).await?;
    record(
        &mut *conn,
        actor,
        Event::new(
            if added { "watch.inventory.add" } else { "watch.inventory.update" },
            "structure",
            structure_id,
        )
        .detail(serde_json::json!({
            "item_id": id, "product": it.product, "version": it.version, "previous_version": previous,
            "location": it.location, "origin": it.origin, "alerts_new": out.new_ids, "alerts_closed": out.closed,
        })),
    )
    .await?;
    Ok((it, out, added))
}

/// Reads a CSV inventory: a header line with `product` and `version` columns (and optionally
/// `location`, `exposed`); `,` or `;` separated. Returns the items with their line numbers and the
/// per-line errors.
pub fn parse_inventory_csv(bytes: &[u8]) -> (Vec<(String, NewItem)>, Vec<String>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or_default();
    let delim = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut rd = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match rd.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(e) => {
            errors.push(format!("line 1: cannot read the header: {e}"));
            return (items, errors);
        }
    };
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(pc), Some(vc)) = (col("product"), col("version")) else {
        errors.push(format!(
            "line 1: the header must name the columns product and version (found: {})",
            headers.join(", ")
        ));
        return (items, errors);
    };
    let (lc, ec) = (col("location"), col("exposed"));
    for (n, rec) in rd.records().enumerate() {
        let line = rec
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(n as u64 + 2, |p| p.line());
        match rec {
            Err(e) => errors.push(format!("line {line}: {e}")),
            Ok(r) => {
                if r.iter().all(str::is_empty) {
                    continue;
                }
                let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("").to_string();
                let exposed = get(ec).to_lowercase();
                if !["", "0", "1", "yes", "no", "oui", "non", "true", "false"]
                    .contains(&exposed.as_str())
                {
                    errors.push(format!(
                        "line {line}: exposed {exposed:?} must be yes/no (oui/non, 1/0)"
                    ));
                    continue;
                }
                items.push((
                    format!("line {line}"),
                    NewItem {
                        product: get(Some(pc)),
                        version: get(Some(vc)),
                        location: get(lc),
                        origin: "csv".into(),
                        exposed: ["1", "yes", "oui", "true"].contains(&exposed.as_str()),
                    },
                ));
            }
        }
    }
    (items, errors)
}

/// Reads a CycloneDX JSON SBOM: each component (name, version, cpe, purl) is mapped to a catalogue
/// product by its CPE, then its purl name, then its name. Returns the items, the errors and the
/// components no catalogue product matches.
pub fn parse_cyclonedx(bytes: &[u8]) -> (Vec<(String, NewItem)>, Vec<String>, Vec<String>) {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut unknown = Vec::new();
    let v: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            errors.push(format!("SBOM: not JSON: {e}"));
            return (items, errors, unknown);
        }
    };
    if v.get("bomFormat").and_then(|f| f.as_str()) != Some("CycloneDX") {
        errors.push("SBOM: bomFormat is not \"CycloneDX\" (only CycloneDX JSON is read)".into());
        return (items, errors, unknown);
    }
    let Ok(cat) = catalog() else {
        errors.push("SBOM: the product catalogue cannot be loaded".into());
        return (items, errors, unknown);
    };
    let mut comps: Vec<&serde_json::Value> = Vec::new();
    fn walk<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
        if let Some(list) = v.get("components").and_then(|c| c.as_array()) {
            for c in list {
                out.push(c);
                walk(c, out);
            }
        }
    }
    if let Some(m) = v.get("metadata").and_then(|m| m.get("component")) {
        comps.push(m);
        walk(m, &mut comps);
    }
    walk(&v, &mut comps);
    for (n, c) in comps.iter().enumerate() {
        let s = |k: &str| {
            c.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let (name, version, cpe, purl) = (s("name"), s("version"), s("cpe"), s("purl"));
        let label = format!("component {} ({name} {version})", n + 1);
        if name.is_empty() {
            errors.push(format!("{label}: no name"));
            continue;
        }
        let mut ids: Vec<String> = Vec::new();
        if !cpe.is_empty() {
            if let Ok(c) = vigie_intel::Cpe::parse(&cpe) {
                if let (Some(v), Some(p)) = (c.vendor.as_value(), c.product.as_value()) {
                    ids = cat
                        .resolve_cpe(v, p)
                        .into_iter()
                        .map(str::to_string)
                        .collect();
                }
            }
        }
        if ids.is_empty() && !purl.is_empty() {
            // pkg:type/namespace/name@version
            let body = purl.split(['@', '?', '#']).next().unwrap_or("");
            let mut parts = body.rsplit('/');
            let pname = parts.next().unwrap_or("");
            let ns = parts.next().unwrap_or("");
            if !ns.is_empty() && !ns.starts_with("pkg:") {
                ids = cat
                    .resolve_cve(ns, pname)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
            }
            if ids.is_empty() {
                ids = cat
                    .resolve_name(pname)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
            }
        }
        if ids.is_empty() {
            let group = s("group");
            if !group.is_empty() {
                ids = cat
                    .resolve_cve(&group, &name)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
            }
        }
        if ids.is_empty() {
            ids = cat
                .resolve_name(&name)
                .into_iter()
                .map(str::to_string)
                .collect();
        }
        match ids.as_slice() {
            [] => unknown.push(format!("{label}: no catalogue product matches")),
            [one] => {
                if version.is_empty() {
                    errors.push(format!("{label}: no version"));
                    continue;
                }
                items.push((
                    label,
                    NewItem {
                        product: one.clone(),
                        version,
                        location: String::new(),
                        origin: "cyclonedx".into(),
                        exposed: false,
                    },
                ))
            }
            many => unknown.push(format!(
                "{label}: ambiguous, several catalogue products match ({})",
                many.join(", ")
            )),
        }
    }
    (items, errors, unknown)
}
