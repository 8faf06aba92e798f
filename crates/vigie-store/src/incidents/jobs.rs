//! The incidents' typed jobs.

use serde::{Deserialize, Serialize};

use crate::jobs::JobSpec;

/// `incidents.reminders` `{}`: queues the reminders whose time has come (see
/// `Store::queue_incident_reminders`). The scheduler queues it at each tick; one copy pending.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reminders {}

impl JobSpec for Reminders {
    const NAME: &'static str = "incidents.reminders";

    fn dedup_key(&self) -> Option<String> {
        Some(Self::NAME.to_string())
    }
}
