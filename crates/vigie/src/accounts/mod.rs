//! The accounts' side of the binary: the housekeeping job of sessions.

use std::sync::Arc;

use vigie_store::accounts::jobs::PurgeSessions;
use vigie_store::jobs::Job;

use crate::worker::{Ctx, Registry};

pub fn register_jobs(r: &mut Registry) {
    r.register(|ctx: Arc<Ctx>, _: PurgeSessions, _job: Job| async move {
        let n = ctx.store.purge_expired_sessions().await?;
        tracing::info!(purged = n, "expired sessions purged");
        Ok(())
    });
    // One purge queued at a time (its dedup key), at every tick.
    r.every_tick("accounts", |ctx: Arc<Ctx>| async move {
        if let Err(e) = ctx.store.enqueue_job(&PurgeSessions {}, None).await {
            tracing::warn!(error = %e, "scheduler: cannot queue the purge of sessions");
        }
    });
}
