//! Typed records produced by the parsers. Plain data, serialisable, no behaviour beyond helpers:
//! the store crate persists them as they are.

use serde::{Deserialize, Serialize};

/// Where a piece of vulnerability knowledge comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// The CNA container of a CVE JSON 5 record (`affected`).
    CveCna,
    /// The CISA ADP (Vulnrichment) container of a CVE JSON 5 record.
    CisaAdp,
    /// An NVD API 2.0 `configurations` block.
    Nvd,
    /// The CISA Known Exploited Vulnerabilities catalogue.
    Kev,
    /// A CERT-FR alert or advisory.
    CertFr,
    /// endoflife.date.
    EndOfLife,
    /// FIRST EPSS.
    Epss,
}

/// CVE 5 `status` of a version or range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Affected.
    Affected,
    /// Not affected.
    Unaffected,
    /// Unknown (also used when the field is absent or not one of the above).
    Unknown,
}

impl Status {
    /// Parse the CVE 5 string (case-insensitive); anything else is `Unknown`.
    pub fn from_cve(s: Option<&str>) -> Status {
        match s.map(str::to_ascii_lowercase).as_deref() {
            Some("affected") => Status::Affected,
            Some("unaffected") => Status::Unaffected,
            _ => Status::Unknown,
        }
    }
}

/// A status change inside a range (`changes: [{at, status}]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    /// The version at which the status changes.
    pub at: String,
    /// The status from that version on.
    pub status: Status,
}

/// One entry of `affected[].versions[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionEntry {
    /// `version` (start of a range, or the single version).
    pub version: String,
    /// `lessThan` (exclusive upper bound).
    pub less_than: Option<String>,
    /// `lessThanOrEqual` (inclusive upper bound).
    pub less_than_or_equal: Option<String>,
    /// `versionType` (`semver`, `custom`, `git`, `patch`...).
    pub version_type: Option<String>,
    /// `status`.
    pub status: Status,
    /// `changes`.
    pub changes: Vec<StatusChange>,
}

/// One `affected[]` product of a CVE 5 record (CNA or ADP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedProduct {
    /// CNA or CISA ADP.
    pub origin: Source,
    /// `vendor` as written.
    pub vendor: String,
    /// `product` as written.
    pub product: String,
    /// `packageName`, when given.
    pub package_name: Option<String>,
    /// `cpes`, when given.
    pub cpes: Vec<String>,
    /// `defaultStatus` (Unknown when absent).
    pub default_status: Status,
    /// `versions`.
    pub versions: Vec<VersionEntry>,
}

/// One `cpeMatch` of an NVD configuration node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CpeMatch {
    /// `vulnerable`.
    pub vulnerable: bool,
    /// `criteria` (CPE 2.3 formatted string).
    pub criteria: String,
    /// `versionStartIncluding`.
    pub start_including: Option<String>,
    /// `versionStartExcluding`.
    pub start_excluding: Option<String>,
    /// `versionEndIncluding`.
    pub end_including: Option<String>,
    /// `versionEndExcluding`.
    pub end_excluding: Option<String>,
}

/// A node: `operator` over its `cpeMatch` list, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigNode {
    /// true for AND, false for OR.
    pub and: bool,
    /// `negate`.
    pub negate: bool,
    /// `cpeMatch`.
    pub matches: Vec<CpeMatch>,
}

/// One NVD configuration: `operator` over its nodes (AND = e.g. "firmware running on hardware").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    /// true for AND, false for OR (the default).
    pub and: bool,
    /// `negate`.
    pub negate: bool,
    /// `nodes`.
    pub nodes: Vec<ConfigNode>,
}

/// SSVC decision points from the CISA ADP container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Ssvc {
    /// `none`, `poc`, `active`.
    pub exploitation: Option<String>,
    /// `yes`/`no`.
    pub automatable: Option<String>,
    /// `partial`/`total`.
    pub technical_impact: Option<String>,
}

/// Lifecycle state of a CVE record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordState {
    /// Published.
    Published,
    /// Rejected (no affected data is kept).
    Rejected,
}

/// A vulnerability advisory in one typed shape, whatever the source format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// CVE id (upper case).
    pub id: String,
    /// Format it came from (CveCna for CVE 5 records, Nvd for NVD records).
    pub format: Source,
    /// Published or rejected.
    pub state: RecordState,
    /// Publication date/time (as written).
    pub published: Option<String>,
    /// Last update date/time (as written): the idempotence key for re-ingestion.
    pub updated: Option<String>,
    /// English description (first one).
    pub description: Option<String>,
    /// CNA + ADP affected products.
    pub affected: Vec<AffectedProduct>,
    /// NVD configurations.
    pub configurations: Vec<Configuration>,
    /// Best CVSS base score found (CNA first, then ADP/NVD), 0-10.
    pub cvss: Option<f32>,
    /// CISA ADP SSVC.
    pub ssvc: Option<Ssvc>,
    /// KEV date added, when the record itself says so (ADP `kev` metric or NVD `cisaExploitAdd`).
    pub kev_date_added: Option<String>,
}

/// One KEV entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevEntry {
    /// `cveID`.
    #[serde(rename = "cveID")]
    pub cve_id: String,
    /// `vendorProject`.
    #[serde(rename = "vendorProject")]
    pub vendor_project: String,
    /// `product`.
    pub product: String,
    /// `vulnerabilityName`.
    #[serde(rename = "vulnerabilityName", default)]
    pub vulnerability_name: String,
    /// `dateAdded`.
    #[serde(rename = "dateAdded")]
    pub date_added: String,
    /// `dueDate`.
    #[serde(rename = "dueDate", default)]
    pub due_date: String,
    /// `knownRansomwareCampaignUse` ("Known"/"Unknown").
    #[serde(rename = "knownRansomwareCampaignUse", default)]
    pub ransomware: Option<String>,
    /// `requiredAction`.
    #[serde(rename = "requiredAction", default)]
    pub required_action: String,
}

/// The KEV catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevCatalog {
    /// `catalogVersion`.
    pub catalog_version: String,
    /// `dateReleased`.
    pub date_released: String,
    /// Entries that parsed.
    pub entries: Vec<KevEntry>,
}

/// One EPSS score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpssScore {
    /// CVE id.
    pub cve: String,
    /// Probability of exploitation activity in the next 30 days, 0-1.
    pub epss: f32,
    /// Percentile, 0-1.
    pub percentile: f32,
}

/// An EPSS file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpssFile {
    /// `model_version` from the first line.
    pub model_version: Option<String>,
    /// `score_date` from the first line.
    pub score_date: Option<String>,
    /// Scores.
    pub scores: Vec<EpssScore>,
}

/// A CERT-FR alert or advisory, reduced to what matching needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertFrItem {
    /// `CERTFR-2024-ALE-014` or `CERTFR-2026-AVI-0133`.
    pub reference: String,
    /// true for an alert (ALE), false for an advisory (AVI).
    pub is_alert: bool,
    /// Title (advisories only).
    pub title: Option<String>,
    /// Date (last revision for the ALE index).
    pub date: Option<String>,
    /// CVE ids.
    pub cves: Vec<String>,
    /// Affected systems: (vendor, product, free-text description in French).
    pub affected_systems: Vec<(String, String, String)>,
}

/// End-of-life value: a date, or a boolean when the source gives no date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EolValue {
    /// Support ends (ended) on this date.
    Date(chrono::NaiveDate),
    /// `true`: already end of life, date unknown.
    Yes,
    /// `false`: supported.
    No,
}

/// One release cycle of an endoflife.date product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseCycle {
    /// `releaseCycle` (`7.0`, `2.4`, `2019`).
    pub cycle: String,
    /// `releaseDate`.
    pub release_date: Option<String>,
    /// `eol` (end of security support).
    pub eol: EolValue,
    /// `latest`.
    pub latest: Option<String>,
}

/// One endoflife.date product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EolProduct {
    /// Slug (`fortios`, `apache-http-server`).
    pub id: String,
    /// `title`.
    pub title: String,
    /// CPE identifiers (`cpe:2.3:o:fortinet:fortios`).
    pub cpes: Vec<String>,
    /// purl identifiers (`pkg:github/apache/httpd`).
    #[serde(default)]
    pub purls: Vec<String>,
    /// Release cycles, newest first as in the source.
    pub releases: Vec<ReleaseCycle>,
}
