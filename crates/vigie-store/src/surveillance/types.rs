//! The surveillance's data: settings, scans, what a scan saw, findings, and what a finished scan
//! hands over.

use serde::{Deserialize, Serialize};

use crate::watch::types::ScannedSoftware;

/// Default interval of scheduled scans: weekly.
pub const DEFAULT_INTERVAL_HOURS: i64 = 168;

/// Finding statuses that are still open (not fixed).
pub const OPEN_STATUSES: &[&str] = &["new", "notified", "acknowledged", "reopened"];

/// Rank of a severity name, for sorting (critical first).
pub fn severity_rank(s: &str) -> i64 {
    match s {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// One surveillance setting (of a structure or of a region).
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Setting {
    pub id: i64,
    pub structure_id: Option<i64>,
    pub region_code: Option<String>,
    pub enabled: i64,
    pub interval_hours: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

/// What applies to one structure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SurveillanceStatus {
    pub structure: Option<Setting>,
    pub region: Option<Setting>,
    /// Whether scheduled scans run for this structure.
    pub enabled: bool,
    pub interval_hours: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Scan {
    pub id: i64,
    pub structure_id: i64,
    /// `schedule` or `request`.
    pub origin: String,
    pub requested_by: String,
    pub requested_by_user_id: Option<i64>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub scope: String,
    pub ports: String,
    pub targets_count: i64,
    pub open_ports_count: i64,
    pub findings_count: i64,
    pub new_count: i64,
    pub fixed_count: i64,
    pub error: Option<String>,
}

impl Scan {
    /// What the scan's scope snapshot says of the addresses it did not scan: refused by the
    /// address policy, judged down, given up early (an unreadable snapshot reads as empty).
    pub fn scope_summary(&self) -> ScopeSummary {
        serde_json::from_str(&self.scope).unwrap_or_default()
    }
}

/// The parts of a scan's scope snapshot a reader is shown.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct ScopeSummary {
    /// Addresses scanned (or to be scanned).
    #[serde(default)]
    pub targets: Vec<String>,
    /// Addresses the platform never scans, with the reason.
    #[serde(default)]
    pub refused: Vec<Excluded>,
    /// Addresses judged down before their ports were scanned.
    #[serde(default)]
    pub down: Vec<Excluded>,
    /// Addresses whose port scan was given up early.
    #[serde(default)]
    pub given_up: Vec<Excluded>,
    /// Declared names that did not resolve, with the resolver's answer.
    #[serde(default)]
    pub unresolved: std::collections::BTreeMap<String, String>,
}

/// An address left out of a scan, and why.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct Excluded {
    pub address: String,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub detail: String,
}

pub(crate) const SCAN_COLUMNS: &str = "sc.id, sc.structure_id, sc.origin, sc.requested_by, sc.requested_by_user_id, sc.status, \
     sc.created_at, sc.started_at, sc.finished_at, sc.scope, sc.ports, sc.targets_count, sc.open_ports_count, \
     sc.findings_count, sc.new_count, sc.fixed_count, sc.error";

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, PartialEq, Eq, utoipa::ToSchema)]
pub struct Observation {
    pub id: i64,
    pub scan_id: i64,
    pub structure_id: i64,
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub cpe: Option<String>,
    /// TLS facts as JSON (protocol versions accepted, certificate subject, expiry…), when TLS.
    pub tls: Option<String>,
    pub evidence: String,
    /// Comma-separated finding types drawn from this port in this scan.
    pub finding_kinds: String,
}

pub(crate) const OBSERVATION_COLUMNS: &str =
    "o.id, o.scan_id, o.structure_id, o.address, o.port, o.service, o.product, o.version, \
     o.cpe, o.tls, o.evidence, o.finding_kinds";

/// An observation to store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewObservation {
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub cpe: Option<String>,
    pub tls: Option<String>,
    pub evidence: String,
    pub finding_kinds: Vec<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Finding {
    pub id: i64,
    pub structure_id: i64,
    pub kind: String,
    pub finding_key: String,
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub severity: String,
    pub severity_rank: i64,
    pub confidence: String,
    pub title_fr: String,
    pub title_en: String,
    pub evidence: String,
    pub advice_fr: String,
    pub advice_en: String,
    pub detail: Option<String>,
    pub status: String,
    pub first_seen_scan_id: Option<i64>,
    pub last_seen_scan_id: Option<i64>,
    pub fixed_in_scan_id: Option<i64>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub notified_at: Option<i64>,
    pub fixed_at: Option<i64>,
    pub reopened_count: i64,
    pub triage_note: Option<String>,
    pub triaged_by: Option<String>,
    pub triaged_at: Option<i64>,
}

pub(crate) const FINDING_COLUMNS: &str = "f.id, f.structure_id, f.kind, f.finding_key, f.address, f.port, f.service, f.product, \
     f.version, f.severity, f.severity_rank, f.confidence, f.title_fr, f.title_en, f.evidence, f.advice_fr, \
     f.advice_en, f.detail, f.status, f.first_seen_scan_id, f.last_seen_scan_id, f.fixed_in_scan_id, \
     f.first_seen_at, f.last_seen_at, f.notified_at, f.fixed_at, f.reopened_count, f.triage_note, \
     f.triaged_by, f.triaged_at";

/// A finding as a scan reports it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewFinding {
    /// The type, e.g. `redis-no-authentication`.
    pub kind: String,
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    pub confidence: String,
    pub title_fr: String,
    pub title_en: String,
    pub evidence: String,
    pub advice_fr: String,
    pub advice_en: String,
    pub detail: Option<String>,
}

impl NewFinding {
    /// The stable key of a finding across scans.
    pub fn key(&self) -> String {
        finding_key(&self.address, self.port, &self.kind)
    }
}

/// `address:port:type` (IPv6 addresses in brackets).
pub fn finding_key(address: &str, port: i64, kind: &str) -> String {
    if address.contains(':') {
        format!("[{address}]:{port}:{kind}")
    } else {
        format!("{address}:{port}:{kind}")
    }
}

/// Everything a finished scan hands to the store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanOutcome {
    /// Snapshot of the scope (JSON): targets, names, what was refused and why.
    pub scope: serde_json::Value,
    /// The addresses the scan probed.
    pub covered_addresses: Vec<String>,
    /// The ports it probed on each of them.
    pub covered_ports: Vec<i64>,
    pub observations: Vec<NewObservation>,
    pub findings: Vec<NewFinding>,
    /// Software the scan identified with a version, for the vulnerability watch's inventory.
    #[serde(default)]
    pub software: Vec<ScannedSoftware>,
}

/// A product and version the scanner read, and where.
/// What the reconciliation did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Reconciliation {
    pub new: Vec<i64>,
    pub seen_again: Vec<i64>,
    pub reopened: Vec<i64>,
    pub fixed: Vec<i64>,
    pub notifications: usize,
}

/// A declared asset a scan may use.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, PartialEq, Eq)]
pub struct ScanAsset {
    pub kind: String,
    pub value: String,
}

/// What the job needs to run a scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanJob {
    pub scan: Scan,
    pub structure_name: String,
    /// The structure's declared assets that are not demo data (the structure is not demo either).
    pub assets: Vec<ScanAsset>,
}

/// Differences between two scans of a structure (observations and the finding types on them).
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ScanDiff {
    pub from: i64,
    pub to: i64,
    /// Ports open in `to` and not in `from`.
    pub opened: Vec<Observation>,
    /// Ports open in `from` and no longer in `to`.
    pub closed: Vec<Observation>,
    /// Same port, different service, product, version or finding types: (before, after).
    pub changed: Vec<(Observation, Observation)>,
    pub unchanged: usize,
}

/// One line of the "who exposes what" views: open findings of one structure, by type and severity.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ExposureCount {
    pub structure_id: i64,
    pub structure_name: String,
    pub region_code: String,
    pub kind: String,
    pub severity: String,
    pub severity_rank: i64,
    pub count: i64,
}

/// Days within which an open finding of this severity is expected to be dealt with, counted from
/// its first sighting; past them it is overdue. `None` for a finding never overdue (`info`).
pub fn treatment_days(severity: &str) -> Option<i64> {
    match severity {
        "critical" => Some(7),
        "high" => Some(30),
        "medium" => Some(90),
        "low" => Some(180),
        _ => None,
    }
}

/// A finding of the list across the scope, with its structure.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct FindingRow {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub finding: Finding,
    pub structure_name: String,
    pub region_code: String,
    pub ght_id: Option<i64>,
}

/// Filter of `Store::search_findings`.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// `open` (anything but fixed), `all`, or one status (`new`, `notified`, `acknowledged`,
    /// `reopened`, `fixed`); open when empty.
    pub status: Option<String>,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: Option<String>,
    /// One type (`remote-desktop-exposed`).
    pub kind: Option<String>,
    /// First seen at least this many days ago.
    pub older_than_days: Option<i64>,
    /// Open past its treatment delay (`treatment_days`).
    pub overdue: bool,
    pub region_code: Option<String>,
    pub ght_id: Option<i64>,
    pub structure_id: Option<i64>,
    pub sort: FindingSort,
    pub limit: Option<i64>,
    pub offset: i64,
}

/// The orders of the findings list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FindingSort {
    /// Most severe first (the default).
    #[default]
    Severity,
    /// Seen first the longest ago first.
    Oldest,
    Newest,
    Structure,
    Kind,
}

impl FindingSort {
    pub const ALL: &'static [FindingSort] = &[
        FindingSort::Severity,
        FindingSort::Oldest,
        FindingSort::Newest,
        FindingSort::Structure,
        FindingSort::Kind,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FindingSort::Severity => "severity",
            FindingSort::Oldest => "oldest",
            FindingSort::Newest => "newest",
            FindingSort::Structure => "structure",
            FindingSort::Kind => "kind",
        }
    }

    /// The order named `s`, or the default one.
    pub fn parse(s: &str) -> FindingSort {
        FindingSort::ALL
            .iter()
            .copied()
            .find(|o| o.as_str() == s)
            .unwrap_or_default()
    }

    /// The ORDER BY (a fixed text per order).
    pub(crate) fn order_by(self) -> &'static str {
        match self {
            FindingSort::Severity => {
                " ORDER BY CASE WHEN f.status = 'fixed' THEN 1 ELSE 0 END, f.severity_rank DESC, f.first_seen_at, f.id"
            }
            FindingSort::Oldest => " ORDER BY f.first_seen_at, f.id",
            FindingSort::Newest => " ORDER BY f.first_seen_at DESC, f.id DESC",
            FindingSort::Structure => " ORDER BY s.name, s.id, f.severity_rank DESC, f.id",
            FindingSort::Kind => " ORDER BY f.kind, f.severity_rank DESC, f.id",
        }
    }
}
