//! The surveillance's job: one scan of one structure.

use serde::{Deserialize, Serialize};

use crate::jobs::JobSpec;

/// `scan.structure` `{"scan_id": 3, "structure_id": 12}`: runs the scan `scan_id`. One pending
/// per structure (dedup key `scan.structure:<structure id>`); a scan that failed on the network
/// is retried with the queue's backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanStructure {
    pub scan_id: i64,
    pub structure_id: i64,
}

impl JobSpec for ScanStructure {
    const NAME: &'static str = "scan.structure";

    fn dedup_key(&self) -> Option<String> {
        Some(scan_job_key(self.structure_id))
    }
}

/// The dedup key of the job of a structure's scan: one pending scan per structure.
pub fn scan_job_key(structure_id: i64) -> String {
    format!("{}:{structure_id}", ScanStructure::NAME)
}
