//! Surveillance of internet exposure: the platform side of the scanner.
//!
//! * **Settings**: scheduled surveillance is OFF until an operator (`ManageSurveillance`) turns it
//!   on for a structure or for a region; a structure's own setting wins over its region's.
//! * **Scans**: one row per scan of a structure (`scan.structure` job), with who or what asked, its
//!   status and times, the snapshot of its scope, its port set, its counts and its error. One
//!   pending scan per structure: asking again while one is queued or running returns that one.
//! * **Observations**: what a scan saw on each open port (service, product, version, CPE, TLS
//!   facts, an excerpt of the evidence).
//! * **Findings**: identified across scans by a stable key (`address:port:type`), with a lifecycle:
//!   `new` → `notified` (the structure was told, in the same transaction) → `acknowledged`
//!   (triage, with a note) → `fixed` (a later scan covered that address and port and no longer
//!   saw it) → `reopened` (seen again after a fix; told again).
//!
//! The scanner engine (`vigie-scan`) never touches the database: the job handler in the binary
//! runs it and hands its results to `Store::finish_scan`, which reconciles the findings and feeds
//! the software the scan identified to the vulnerability watch (`crate::watch`).

mod events;
mod figures;
mod findings;
pub mod jobs;
mod listing;
mod reconcile;
mod scans;
mod scope;
mod settings;
mod tables;
mod types;

pub use figures::ExposureFigures;
pub use jobs::{scan_job_key, ScanStructure};
pub use listing::finding_status_filter_ok;
pub(crate) use tables::TABLES;
pub use types::{
    finding_key, severity_rank, treatment_days, Excluded, ExposureCount, Finding, FindingFilter,
    FindingRow, FindingSort, NewFinding, NewObservation, Observation, Reconciliation, Scan,
    ScanAsset, ScanDiff, ScanJob, ScanOutcome, ScopeSummary, Setting, SurveillanceStatus,
    DEFAULT_INTERVAL_HOURS, OPEN_STATUSES,
};

/// Job kind that runs one scan.
pub const SCAN_JOB: &str = <ScanStructure as crate::jobs::JobSpec>::NAME;
