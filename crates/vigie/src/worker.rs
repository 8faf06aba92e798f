//! The worker: takes jobs from the queue and runs them, renewing its lease while a job runs so
//! that a job is taken again only when its worker is really gone. And the scheduler, which queues
//! housekeeping. Both are wiring: the queue's rules are in `vigie_store::jobs`.

use std::time::Duration;

use anyhow::Context;
use tokio::sync::watch;
use vigie_store::jobs::Job;
use vigie_store::Store;

use crate::config::Config;
use crate::notify::Notifier;

/// Job kinds this build runs.
pub const KINDS: &[&str] = &[
    "maintenance.purge_sessions",
    "system.sleep",
    vigie_store::notify::DELIVER_JOB,
    vigie_store::surveillance::SCAN_JOB,
    vigie_store::watch::INGEST_JOB,
    crate::vuln_watch::BULLETIN_JOB,
];

/// What a job handler has at hand.
pub struct Ctx {
    pub store: Store,
    pub cfg: Config,
    pub notifier: Notifier,
}

async fn run_job(ctx: &Ctx, job: &Job) -> anyhow::Result<()> {
    let store = &ctx.store;
    let payload: serde_json::Value =
        serde_json::from_str(&job.payload).context("payload is not JSON")?;
    match job.kind.as_str() {
        vigie_store::notify::DELIVER_JOB => {
            let id = payload
                .get("notification_id")
                .and_then(|v| v.as_i64())
                .context("payload: notification_id missing")?;
            ctx.notifier
                .deliver(store, id, job.attempts >= job.max_attempts)
                .await
        }
        vigie_store::surveillance::SCAN_JOB => {
            crate::surveillance::run_scan_job(store, &ctx.cfg, job, &payload).await
        }
        vigie_store::watch::INGEST_JOB => crate::vuln_watch::ingest_job(store, &payload).await,
        crate::vuln_watch::BULLETIN_JOB => crate::vuln_watch::bulletin_job(store, &payload).await,
        "maintenance.purge_sessions" => {
            let n = store.purge_expired_sessions().await?;
            tracing::info!(purged = n, "expired sessions purged");
            Ok(())
        }
        // A job that only waits: used to check the queue end to end (leases, kills, retries).
        "system.sleep" => {
            let secs = payload
                .get("secs")
                .and_then(|v| v.as_u64())
                .unwrap_or(1)
                .min(3600);
            tokio::time::sleep(Duration::from_secs(secs)).await;
            if payload.get("fail").and_then(|v| v.as_bool()) == Some(true) {
                anyhow::bail!("asked to fail");
            }
            Ok(())
        }
        other => anyhow::bail!("no handler for job kind {other:?}"),
    }
}

/// Runs `concurrency` job loops until `shutdown` turns true; a job under way is finished first.
pub async fn run(
    store: Store,
    cfg: Config,
    mut shutdown: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    let ctx = std::sync::Arc::new(Ctx {
        store: store.clone(),
        notifier: Notifier::from_config(&cfg)?,
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
        handles.push(tokio::spawn(async move {
            tracing::info!(worker = %id, "worker started");
            loop {
                if *stop.borrow() {
                    break;
                }
                match store.claim_job(&id, KINDS, lease).await {
                    Ok(Some(job)) => {
                        tracing::info!(worker = %id, job = job.id, kind = %job.kind, attempt = job.attempts, "job started");
                        let renew = {
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
                        };
                        let r = run_job(&ctx, &job).await;
                        renew.abort();
                        let done = match r {
                            Ok(()) => store.complete_job(job.id, &id).await.map(|_| ()),
                            Err(e) => {
                                tracing::warn!(worker = %id, job = job.id, error = %e, "job failed");
                                store.fail_job(job.id, &id, &format!("{e:#}")).await
                            }
                        };
                        if let Err(e) = done {
                            tracing::error!(worker = %id, job = job.id, error = %e, "cannot record the job's end");
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

/// Queues housekeeping at each tick. Idempotent (dedup keys), so several schedulers may run.
pub async fn scheduler(store: Store, cfg: Config, mut shutdown: watch::Receiver<bool>) {
    if !cfg.scheduler.enabled {
        return;
    }
    loop {
        if let Err(e) = store
            .enqueue(
                "maintenance.purge_sessions",
                &serde_json::json!({}),
                Some("maintenance.purge_sessions"),
                None,
                3,
            )
            .await
        {
            tracing::warn!(error = %e, "scheduler: cannot queue housekeeping");
        }
        // Scans only where an operator turned surveillance on; one pending per structure.
        if let Err(e) = crate::surveillance::schedule(&store, &cfg).await {
            tracing::warn!(error = %e, "scheduler: cannot queue surveillance scans");
        }
        crate::vuln_watch::schedule(&store).await;
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(cfg.scheduler.tick_secs.max(5))) => {}
            _ = shutdown.changed() => return,
        }
    }
}
