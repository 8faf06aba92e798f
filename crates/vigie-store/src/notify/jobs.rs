//! The outbox's job: the delivery of one row.

use serde::{Deserialize, Serialize};

use crate::jobs::JobSpec;

/// `notify.deliver` `{"notification_id": 12}`: delivers one outbox row (e-mail or webhook).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliver {
    pub notification_id: i64,
}

impl JobSpec for Deliver {
    const NAME: &'static str = "notify.deliver";

    /// With the queue's backoff: about 21 minutes in all.
    fn max_attempts() -> i64 {
        8
    }
}
