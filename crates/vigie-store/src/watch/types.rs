//! The watch's data: inventories, alerts, advisories, the freshness of each source, bulletins,
//! and what ingestions and imports report.

use serde::{Deserialize, Serialize};
use vigie_domain::problem::Problem;

/// Alert statuses a person may set.
pub const STATUSES: &[&str] = &["new", "acknowledged", "fixed", "not_affected"];
/// Where an inventory item comes from.
pub const ORIGINS: &[&str] = &["form", "csv", "cyclonedx", "scan"];

/// One piece of software a structure runs.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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

pub(crate) const ITEM_COLUMNS: &str = "i.id, i.structure_id, i.product, i.version, i.location, i.origin, i.exposed, i.declared_by, i.created_at, i.updated_at";

/// What matching an advisory against items reads of each (what `to_intel` and the alert drafts
/// use); the other fields stay empty in these rows, which never leave the matching.
pub(crate) const MATCH_COLUMNS: &str =
    "i.id, i.structure_id, i.product, i.version, i.origin, i.exposed";

/// What a form, a CSV line, an SBOM component or the scanner declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewItem {
    /// What names the product: a catalogue id, a product key, a name, `vendor|product`, a CPE
    /// or a purl (`vigie_intel::product::resolve`); stored as the key it resolves to.
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
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Alert {
    pub id: i64,
    pub structure_id: i64,
    pub structure_name: String,
    /// The structure's region (INSEE code).
    pub region_code: String,
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

pub(crate) const ALERT_COLUMNS: &str = "a.id, a.structure_id, s.name AS structure_name, s.region_code, a.inventory_id, a.advisory_id, a.kind, a.ref_id, a.product, \
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
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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

pub(crate) const ADVISORY_COLUMNS: &str = "v.id, v.ref_id, v.title, v.published, v.modified, v.cvss_x10, v.epss_e5, v.kev, v.kev_date, v.certfr, v.certfr_alert, v.created_at";

impl AdvisoryInfo {
    pub fn cvss(&self) -> Option<f32> {
        self.cvss_x10.map(|c| c as f32 / 10.0)
    }
    pub fn epss(&self) -> Option<f32> {
        self.epss_e5.map(|e| e as f32 / 100_000.0)
    }
    /// The CVSS score, for formatting (`7.5`).
    pub fn cvss_score(&self) -> Option<f64> {
        self.cvss_x10.map(|c| c as f64 / 10.0)
    }
    /// The EPSS probability in percent (`94.3`).
    pub fn epss_percent(&self) -> Option<f64> {
        self.epss_e5.map(|e| e as f64 / 1_000.0)
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
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub alerts_new: usize,
    /// Problems of the file as a whole (encoding, header, format), with where; nothing is
    /// imported when there is any.
    pub errors: Vec<ItemProblem>,
    /// The rows not imported (a line that cannot be read, a product or a version refused), each
    /// with its line, its column and why; the other rows are imported all the same.
    pub skipped: Vec<ItemProblem>,
    /// Every row (CSV line, SBOM component): what was declared and what it resolved to, or why
    /// it is not stored.
    pub rows: Vec<ImportRow>,
}

/// One row of an imported inventory: "what resolved to what".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ImportRow {
    pub place: ItemPlace,
    /// The product as declared (a name, `vendor|product`, a CPE, a purl, a catalogue id).
    pub declared: String,
    pub version: String,
    /// `kept` (stored), `ready` (would be stored: the file had errors), `incomplete` (the
    /// product resolved, the row cannot be stored as is) or `rejected` (no product).
    pub status: String,
    /// The product key it resolved to: a catalogue id or an open key (`roundcube:webmail`).
    pub key: Option<String>,
    /// The product's display name.
    pub display: Option<String>,
    /// How it resolved (`catalog-id`, `catalog-name`, `catalog-pair`, `catalog-cpe`,
    /// `open-name`, `open-cpe`, `purl`, `end-of-life-title`, `unqualified`, `open-key`).
    pub by: Option<String>,
    /// Worth knowing about the resolution (several catalogue products share the name).
    pub note: Option<Problem>,
    /// Why the row is not stored.
    pub problem: Option<Problem>,
}

/// Where a declared item comes from: what a problem about it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum ItemPlace {
    /// The form of one item.
    Form,
    /// The uploaded file as a whole (its header, its format).
    File,
    /// A line of a CSV inventory.
    Line { line: u64 },
    /// A component of a CycloneDX SBOM (numbered from 1), with its name and version.
    Component {
        index: usize,
        name: String,
        version: String,
    },
    /// Software a scan identified at `address:port`.
    Scan { location: String },
}

impl std::fmt::Display for ItemPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemPlace::Form => f.write_str("form"),
            ItemPlace::File => f.write_str("file"),
            ItemPlace::Line { line } => write!(f, "line {line}"),
            ItemPlace::Component {
                index,
                name,
                version,
            } => write!(f, "component {index} ({name} {version})"),
            ItemPlace::Scan { location } => write!(f, "scan {location}"),
        }
    }
}

/// A problem with one declared item (or with the file), and which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ItemProblem {
    pub place: ItemPlace,
    /// The column (CSV) or field (SBOM) at fault, when one is: `product`, `version`,
    /// `location`, `exposed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub problem: Problem,
}

impl ItemProblem {
    pub fn new(place: ItemPlace, problem: Problem) -> ItemProblem {
        ItemProblem {
            place,
            column: None,
            problem,
        }
    }

    /// The same problem, naming its column.
    pub fn in_column(mut self, column: &str) -> ItemProblem {
        self.column = Some(column.to_string());
        self
    }

    /// The column a problem of an item is about, from its message key
    /// (`watch-inventory-version-empty` → `version`).
    pub fn column_of(problem: &Problem) -> Option<&'static str> {
        ["product", "version", "location", "exposed"]
            .into_iter()
            .find(|c| problem.key.starts_with(&format!("watch-inventory-{c}-")))
    }
}

/// `place: key(args)`, for logs (pages render the problem in the reader's language).
impl std::fmt::Display for ItemProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.column {
            Some(c) => write!(f, "{}, column {c}: {}", self.place, self.problem),
            None => write!(f, "{}: {}", self.place, self.problem),
        }
    }
}

/// Filter of `Store::list_alerts`.
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
    /// Rows skipped before the first one returned (pagination).
    pub offset: i64,
    /// The alerts of one advisory.
    pub advisory_id: Option<i64>,
    /// The reference (a CVE id) or the title contains this (case ignored).
    pub text: Option<String>,
    /// One product key (`fortios`).
    pub product: Option<String>,
    /// One status (`new`, `acknowledged`, `fixed`, `not_affected`).
    pub status: Option<String>,
    /// Only alerts of advisories in CISA's catalogue of known exploited vulnerabilities.
    pub kev_only: bool,
    pub sort: AlertSort,
}

/// The orders of an alert list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AlertSort {
    /// Open first, highest priority first (the default).
    #[default]
    Priority,
    Newest,
    Oldest,
    Structure,
    Reference,
    Status,
}

impl AlertSort {
    pub const ALL: &'static [AlertSort] = &[
        AlertSort::Priority,
        AlertSort::Newest,
        AlertSort::Oldest,
        AlertSort::Structure,
        AlertSort::Reference,
        AlertSort::Status,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertSort::Priority => "priority",
            AlertSort::Newest => "newest",
            AlertSort::Oldest => "oldest",
            AlertSort::Structure => "structure",
            AlertSort::Reference => "reference",
            AlertSort::Status => "status",
        }
    }

    /// The order named `s`, or the default one.
    pub fn parse(s: &str) -> AlertSort {
        AlertSort::ALL
            .iter()
            .copied()
            .find(|o| o.as_str() == s)
            .unwrap_or_default()
    }

    /// The ORDER BY of the list (a fixed text per order: nothing from outside is written in).
    pub(crate) fn order_by(self) -> &'static str {
        match self {
            AlertSort::Priority => " ORDER BY CASE WHEN a.status IN ('new', 'acknowledged') THEN 0 ELSE 1 END, a.priority DESC, a.created_at DESC, a.id DESC",
            AlertSort::Newest => " ORDER BY a.created_at DESC, a.id DESC",
            AlertSort::Oldest => " ORDER BY a.created_at, a.id",
            AlertSort::Structure => " ORDER BY s.name, s.id, a.priority DESC, a.id DESC",
            AlertSort::Reference => " ORDER BY a.ref_id, s.name, a.id",
            AlertSort::Status => " ORDER BY CASE a.status WHEN 'new' THEN 0 WHEN 'acknowledged' THEN 1 WHEN 'not_affected' THEN 2 ELSE 3 END, a.priority DESC, a.id DESC",
        }
    }
}

/// An advisory that concerns structures of the viewer's scope, with how many.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AdvisorySummary {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub info: AdvisoryInfo,
    /// Structures of the scope with an alert of this advisory.
    pub structures: i64,
    /// Regions of these structures.
    pub regions: i64,
    /// Alerts still open (new or acknowledged), of which not yet acknowledged (`new`).
    pub open_alerts: i64,
    pub new_alerts: i64,
    pub alerts: i64,
    /// When its latest alert in the scope was raised.
    pub last_alert_at: i64,
}

/// Filter of `Store::list_advisories`.
#[derive(Debug, Clone, Default)]
pub struct AdvisoryFilter {
    /// The reference (CVE id), the title or a product key contains this (case ignored).
    pub text: Option<String>,
    pub kev_only: bool,
    /// Only advisories with an open alert in the scope.
    pub open_only: bool,
    pub region_code: Option<String>,
    pub ght_id: Option<i64>,
    pub limit: Option<i64>,
    pub offset: i64,
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
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Bulletin {
    /// `2026-W47`.
    pub week: String,
    pub from: i64,
    pub to: i64,
    /// Whom it is for: the structure's or the region's name; empty for the actor's whole scope.
    pub territory: String,
    pub alerts: Vec<Alert>,
    /// Advisories first matched this week, with the number of structures concerned.
    pub advisories: Vec<(AdvisoryInfo, i64)>,
}

/// A product and version the scanner read, and where.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScannedSoftware {
    /// The scanner's name for the product (or a CPE): resolved like a declared product, so a
    /// product the catalogue does not know is kept under its open key.
    pub product: String,
    pub version: String,
    /// `address:port` where it answered.
    pub location: String,
    /// Distribution package revision read from the banner (`Debian deb12u10`), when there is one:
    /// such a package may carry backported fixes that its upstream version does not show.
    pub distro: Option<String>,
}

/// What feeding a scan's software into the inventory did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ScannedInventory {
    /// Items recorded or updated (origin `scan`, exposed on the internet).
    pub recorded: usize,
    /// What was not recorded, and why (no product, distribution package).
    pub skipped: Vec<ItemProblem>,
    /// Alerts the recorded items raised.
    pub alerts_new: usize,
}

/// An alert's priority in words a person reads, from its score (`kev·10000 + CERT-FR alert·1000
/// + EPSS bucket·100 + CVSS bucket·10 + exposed`): `urgent` (exploited), `high` (a CERT-FR
/// alert, or CVSS 7 and above), `medium` (CVSS 4 and above, an end of support), `low`.
pub fn priority_level(priority: i64) -> &'static str {
    let cvss = (priority % 100) / 10;
    if priority >= 10_000 {
        "urgent"
    } else if priority >= 1_000 || cvss >= 7 {
        "high"
    } else if cvss >= 4 {
        "medium"
    } else {
        "low"
    }
}
