//! The worker: takes jobs from the queue and runs them, renewing its lease while a job runs so
//! that a job is taken again only when its worker is really gone. And the scheduler, which queues
//! housekeeping. Both are wiring: the queue's rules are in `vigie_store::jobs`, the kinds of job
//! and their handlers in [`registry`], each engine registering its own.

pub mod registry;
pub mod system;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use vigie_store::Store;

use crate::config::Config;
pub use registry::{Ctx, Registry};

/// Stops the renewal of a job's lease when the job ends, whichever way it ends.
struct RenewGuard(tokio::task::JoinHandle<()>);

impl Drop for RenewGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `concurrency` job loops until `shutdown` turns true; a job under way is finished first.
pub async fn run(
    store: Store,
    cfg: Config,
    registry: Arc<Registry>,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let kinds = registry.kinds();
    let ctx = Arc::new(Ctx {
        store: store.clone(),
        cfg: cfg.clone(),
    });
    let mut handles = Vec::new();
    tokio::spawn(vigie_store::watch::reindex_once(store.clone())); // once after deploy (issue 18)
    let wake = std::sync::Arc::new(tokio::sync::Notify::new());
    if store.backend() == vigie_store::Backend::Postgres {
        // LISTEN/NOTIFY wakes idle workers as soon as a job is queued; polling stays as a fallback.
        let url = cfg.database.url.clone();
        let wake = wake.clone();
        tokio::spawn(async move {
            loop {
                match sqlx::postgres::PgListener::connect(&url).await {
                    Ok(mut l) => {
                        if l.listen("vigie_jobs").await.is_ok() {
                            while l.recv().await.is_ok() {
                                wake.notify_waiters();
                            }
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "job notifications unavailable; polling only")
                    }
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        });
    }
    for i in 0..cfg.worker.concurrency {
        let store = store.clone();
        let id = format!("{host}:{}:{i}", std::process::id());
        let lease = cfg.worker.lease_secs;
        let poll = Duration::from_millis(cfg.worker.poll_ms);
        let mut stop = shutdown.clone();
        let wake = wake.clone();
        let ctx = ctx.clone();
        let registry = registry.clone();
        let kinds = kinds.clone();
        handles.push(tokio::spawn(async move {
            tracing::info!(worker = %id, "worker started");
            loop {
                if *stop.borrow() {
                    break;
                }
                match store.claim_job(&id, &kinds, lease).await {
                    Ok(Some(job)) => {
                        tracing::info!(worker = %id, job = job.id, kind = %job.kind, attempt = job.attempts, "job started");
                        let _renew = RenewGuard({
                            let store = store.clone();
                            let id = id.clone();
                            let job_id = job.id;
                            tokio::spawn(async move {
                                loop {
                                    tokio::time::sleep(Duration::from_secs((lease / 3).max(1) as u64)).await;
                                    if !matches!(store.renew_lease(job_id, &id, lease).await, Ok(true)) {
                                        break;
                                    }
                                }
                            })
                        });
                        let (job_id, job_kind) = (job.id, job.kind.clone());
                        let r = registry.run(ctx.clone(), job).await;
                        drop(_renew);
                        let done = match r {
                            Ok(()) => store.complete_job(job_id, &id).await.map(|_| ()),
                            Err(e) => {
                                tracing::warn!(worker = %id, job = job_id, kind = %job_kind, error = %e, "job failed");
                                store.fail_job(job_id, &id, &format!("{e:#}")).await
                            }
                        };
                        if let Err(e) = done {
                            tracing::error!(worker = %id, job = job_id, error = %e, "cannot record the job's end");
                        }
                    }
                    Ok(None) => {
                        tokio::select! {
                            _ = tokio::time::sleep(poll) => {}
                            _ = wake.notified() => {}
                            _ = stop.changed() => {}
                        }
                    }
                    Err(e) => {
                        tracing::error!(worker = %id, error = %e, "cannot claim a job");
                        tokio::time::sleep(poll * 5).await;
                    }
                }
            }
            tracing::info!(worker = %id, "worker stopped");
        }));
    }
    let _ = shutdown.changed().await;
    for h in handles {
        let _ = h.await;
    }
    Ok(())
}

/// Runs every engine's tick (see [`Registry::every_tick`]) at each `[scheduler] tick_secs`.
pub async fn scheduler(
    store: Store,
    cfg: Config,
    registry: Arc<Registry>,
    mut shutdown: watch::Receiver<bool>,
) {
    if !cfg.scheduler.enabled {
        return;
    }
    let tick_secs = cfg.scheduler.tick_secs.max(5);
    let ctx = Arc::new(Ctx { store, cfg });
    loop {
        registry.tick(ctx.clone()).await;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(tick_secs)) => {}
            _ = shutdown.changed() => return,
        }
    }
}
