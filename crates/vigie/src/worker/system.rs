//! The queue's own test job: `system.sleep` waits, then succeeds, fails or panics as asked. The
//! end-to-end tests of the queue use it (leases of a killed worker, retries, a panicking job);
//! it touches nothing.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use vigie_store::jobs::{Job, JobSpec};

use super::{Ctx, Registry};

/// `system.sleep` `{"secs": 2, "fail": false, "panic": false}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sleep {
    /// Seconds to wait (1 by default, at most an hour).
    #[serde(default)]
    pub secs: Option<u64>,
    /// Ends with an error once the wait is over.
    #[serde(default)]
    pub fail: bool,
    /// Panics once the wait is over.
    #[serde(default)]
    pub panic: bool,
}

impl JobSpec for Sleep {
    const NAME: &'static str = "system.sleep";
}

pub fn register_jobs(r: &mut Registry) {
    r.register(|_ctx: Arc<Ctx>, p: Sleep, _job: Job| async move {
        tokio::time::sleep(Duration::from_secs(p.secs.unwrap_or(1).min(3600))).await;
        if p.panic {
            panic!("asked to panic");
        }
        if p.fail {
            anyhow::bail!("asked to fail");
        }
        Ok(())
    });
}
