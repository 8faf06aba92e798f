//! The accounts' job: housekeeping of sessions.

use serde::{Deserialize, Serialize};

use crate::jobs::JobSpec;

/// `maintenance.purge_sessions` `{}`: deletes the expired sessions. One copy queued at a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurgeSessions {}

impl JobSpec for PurgeSessions {
    const NAME: &'static str = "maintenance.purge_sessions";

    fn dedup_key(&self) -> Option<String> {
        Some(Self::NAME.to_string())
    }
}
