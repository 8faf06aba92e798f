//! Diagnostics in the binary: the scheduler's tick that closes the plan actions whose source was
//! fixed (a finding verified fixed by a scan, an alert closed). The surveillance and the watch
//! never know of plans: the diagnostics slice reads their state and reconciles.

use std::sync::Arc;

use vigie_store::{Actor, Store};

pub fn register_jobs(r: &mut crate::worker::Registry) {
    r.every_tick("diagnostics", |ctx: Arc<crate::worker::Ctx>| async move {
        if let Err(e) = reconcile(&ctx.store).await {
            tracing::warn!(error = %e, "scheduler: cannot reconcile plan actions");
        }
    });
}

/// Closes the actions whose source was fixed; returns how many.
pub async fn reconcile(store: &Store) -> anyhow::Result<u64> {
    let n = store
        .reconcile_plan_actions(&Actor::system("diagnostics"))
        .await?;
    if n > 0 {
        tracing::info!(closed = n, "plan actions closed by their fixed source");
    }
    Ok(n)
}
