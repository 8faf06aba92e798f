//! Vulnerability watch in the binary: the `watch.ingest` and `watch.bulletin` jobs and the
//! `vigie watch ...` commands, which work against the database (the standalone `vigie intel ...`
//! works on files only). Parsing is `vigie-intel`'s, storage and matching `vigie_store::watch`'s.

pub mod scan;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use std::sync::Arc;
use vigie_intel::Corpus;
use vigie_store::watch::IngestReport;

use vigie_store::jobs::Job;
use vigie_store::watch::jobs::{Bulletin, Ingest};
use vigie_store::{Actor, Store};

use crate::worker::Ctx;

/// Largest document fetched from a URL.
const MAX_DOWNLOAD: usize = 512 * 1024 * 1024;

#[derive(Subcommand)]
pub enum WatchCommand {
    /// Ingest advisories into the database: a file, a folder (recursively) or an http(s) URL.
    /// CVE JSON 5, NVD 2.0, CISA KEV, EPSS CSV, CERT-FR JSON, endoflife.date; unchanged records
    /// are skipped, malformed ones reported with their file and reason.
    Ingest {
        /// Files, folders or URLs.
        #[arg(required = true)]
        targets: Vec<String>,
        /// Queue a `watch.ingest` job for each target instead of ingesting now.
        #[arg(long)]
        queue: bool,
    },
    /// How old each source is (an alarm when older than its usual period).
    Sources,
    /// Build the weekly bulletins of the current week and queue them as notifications.
    Bulletin,
}

/// The files of `path` in a stable order (a folder is walked recursively).
fn files_of(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = match std::fs::read_dir(path) {
            Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect(),
            Err(_) => {
                out.push(path.to_path_buf());
                return;
            }
        };
        entries.sort();
        for e in entries {
            files_of(&e, out);
        }
    } else {
        out.push(path.to_path_buf());
    }
}

/// Ingests a file or a folder, one document at a time (a bad document never stops the others).
pub async fn ingest_path(
    store: &Store,
    actor: &Actor,
    path: &Path,
) -> anyhow::Result<Vec<IngestReport>> {
    if !path.exists() {
        bail!("{}: no such file or folder", path.display());
    }
    let mut files = Vec::new();
    files_of(path, &mut files);
    let mut reports = Vec::new();
    for f in files {
        let name = f.display().to_string();
        let fc = f.clone();
        let corpus = tokio::task::spawn_blocking(move || {
            let mut c = Corpus::default();
            c.add_path(&fc);
            c
        })
        .await?;
        let empty = corpus.advisories.is_empty()
            && corpus.kev.is_none()
            && corpus.certfr.is_empty()
            && corpus.epss.is_none()
            && corpus.eol.is_empty()
            && corpus.errors.is_empty();
        if empty {
            // Not a source document (a schema, a README, the CSV twin of the KEV JSON...).
            continue;
        }
        let r = store
            .watch_ingest(actor, &corpus, &name)
            .await
            .with_context(|| format!("ingesting {name}"))?;
        reports.push(r);
    }
    Ok(reports)
}

/// Downloads a document and ingests it.
pub async fn ingest_url(
    store: &Store,
    actor: &Actor,
    url: &str,
) -> anyhow::Result<Vec<IngestReport>> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        bail!("{url}: only http(s) URLs are fetched");
    }
    let name = url
        .split(['?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or("download.json")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect::<String>();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(300))
        .build()?;
    let mut resp = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("fetching {url}"))?
        .error_for_status()
        .with_context(|| format!("fetching {url}"))?;
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .with_context(|| format!("reading {url}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_DOWNLOAD {
            bail!("{url}: larger than {MAX_DOWNLOAD} bytes");
        }
    }
    let dir = std::env::temp_dir().join(format!(
        "vigie-watch-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join(&name);
    std::fs::write(&file, &body)?;
    let r = ingest_path(store, actor, &file).await;
    let _ = std::fs::remove_dir_all(&dir);
    let mut r = r?;
    for x in &mut r {
        x.file = url.to_string();
    }
    Ok(r)
}

/// Ingests a path or a URL.
pub async fn ingest(
    store: &Store,
    actor: &Actor,
    target: &str,
) -> anyhow::Result<Vec<IngestReport>> {
    if target.starts_with("http://") || target.starts_with("https://") {
        ingest_url(store, actor, target).await
    } else {
        ingest_path(store, actor, Path::new(target)).await
    }
}

fn print_report(r: &IngestReport) {
    println!(
        "{}: {} — {} new, {} changed, {} unchanged, {} rejected; {} new alert(s), {} closed",
        r.file,
        if r.sources.is_empty() {
            "no source recognised".to_string()
        } else {
            r.sources.join(", ")
        },
        r.added,
        r.changed,
        r.unchanged,
        r.rejected.len(),
        r.alerts_new,
        r.alerts_closed
    );
    for e in r.rejected.iter().take(20) {
        println!("  rejected: {e}");
    }
    if r.rejected.len() > 20 {
        println!("  ... and {} more", r.rejected.len() - 20);
    }
}

/// The watch's jobs: ingesting a document, queueing the weekly bulletins.
pub fn register_jobs(r: &mut crate::worker::Registry) {
    r.register(
        |ctx: Arc<Ctx>, p: Ingest, _job: Job| async move { ingest_job(&ctx.store, &p).await },
    );
    r.register(|ctx: Arc<Ctx>, p: Bulletin, _job: Job| async move {
        bulletin_job(&ctx.store, &p).await
    });
    r.every_tick("watch", |ctx: Arc<Ctx>| async move {
        schedule(&ctx.store).await
    });
}

/// The `watch.ingest` job: a file, a folder or a URL.
async fn ingest_job(store: &Store, job: &Ingest) -> anyhow::Result<()> {
    let actor = Actor::system("job:watch.ingest");
    let target = match job {
        Ingest::Path(p) => p,
        Ingest::Url(u) => u,
    };
    let reports = ingest(store, &actor, target).await?;
    for r in &reports {
        tracing::info!(
            file = %r.file, added = r.added, changed = r.changed, unchanged = r.unchanged,
            rejected = r.rejected.len(), alerts_new = r.alerts_new, alerts_closed = r.alerts_closed,
            "advisories ingested"
        );
    }
    Ok(())
}

/// The `watch.bulletin` job.
async fn bulletin_job(store: &Store, job: &Bulletin) -> anyhow::Result<()> {
    let actor = Actor::system("job:watch.bulletin");
    let n = store
        .watch_queue_bulletins(&actor, job.week.as_deref())
        .await?;
    tracing::info!(notifications = n, "weekly bulletins queued");
    Ok(())
}

/// Called at each scheduler tick: keeps one bulletin job queued for next Monday 06:00 UTC (its
/// dedup key holds one pending copy; once it ran, the next tick queues the following week's).
/// The job builds the bulletin of the week that just ended; notification dedup keys name the
/// ISO week, so a bulletin is never sent twice.
async fn schedule(store: &Store) {
    let Ok((_, monday, _)) = vigie_store::watch::iso_week(None) else {
        return;
    };
    let run_at = monday + 7 * 86_400 + 6 * 3600;
    if let Err(e) = store.enqueue_job(&Bulletin::default(), Some(run_at)).await {
        tracing::warn!(error = %e, "scheduler: cannot queue the weekly bulletin");
    }
}

/// `vigie watch ...`.
pub async fn command(store: &Store, cmd: WatchCommand) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match cmd {
        WatchCommand::Ingest { targets, queue } => {
            for t in targets {
                if queue {
                    let job = if t.starts_with("http") {
                        Ingest::Url(t.clone())
                    } else {
                        Ingest::Path(
                            std::fs::canonicalize(&t)
                                .with_context(|| format!("{t}: no such file or folder"))?
                                .display()
                                .to_string(),
                        )
                    };
                    let id = store.enqueue_job(&job, None).await?;
                    println!("{t}: job {id} queued");
                    continue;
                }
                let started = std::time::Instant::now();
                for r in ingest(store, &actor, &t).await? {
                    print_report(&r);
                }
                println!("{t}: done in {:.2} s", started.elapsed().as_secs_f64());
            }
            Ok(())
        }
        WatchCommand::Sources => {
            for s in store.watch_sources(&actor).await? {
                println!(
                    "{:<8} newest {:<10} age {:>5} days (usual {:>2}) {:>7} records{}{}",
                    s.source,
                    s.newest_record.as_deref().unwrap_or("-"),
                    s.age_days.map_or("-".to_string(), |a| a.to_string()),
                    s.usual_period_days,
                    s.records,
                    if s.stale { "  STALE" } else { "" },
                    s.last_error
                        .as_deref()
                        .map(|e| format!("  last error: {e}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        WatchCommand::Bulletin => {
            let n = store.watch_queue_bulletins(&actor, None).await?;
            println!("{n} bulletin notification(s) queued");
            Ok(())
        }
    }
}
