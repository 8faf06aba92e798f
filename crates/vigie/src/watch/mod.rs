//! Vulnerability watch in the binary: the `watch.ingest` and `watch.bulletin` jobs and the
//! `vigie watch ...` commands, which work against the database (the standalone `vigie intel ...`
//! works on files only). Parsing is `vigie-intel`'s, storage and matching `vigie_store::watch`'s.

pub mod scan;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use std::sync::Arc;
use vigie_intel::feeds::FeedPolicy;
use vigie_intel::Corpus;
use vigie_store::watch::IngestReport;

use vigie_store::jobs::Job;
use vigie_store::watch::jobs::{Bulletin, Ingest};
use vigie_store::{Actor, Store};

use crate::worker::Ctx;

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

/// Downloads a document and ingests it. The address must pass the deployment's feed policy
/// (`[watch]`: http(s), no credentials, an allowed host), and so must every redirection; the
/// download stops at the policy's size and time limits. Nothing else is ever contacted.
pub async fn ingest_url(
    store: &Store,
    actor: &Actor,
    url: &str,
    policy: &FeedPolicy,
) -> anyhow::Result<Vec<IngestReport>> {
    let checked = policy
        .check(url)
        .map_err(|e| anyhow::anyhow!("{url}: refused: {e}"))?;
    let name = checked
        .path_segments()
        .and_then(|mut s| s.next_back())
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
    // A name without a known extension (`/feeds/kev`) is read as JSON.
    let name = if [".json", ".csv", ".tar.zst"]
        .iter()
        .any(|e| name.ends_with(e))
    {
        name
    } else {
        format!("{name}.json")
    };
    let body = download(&checked, policy).await?;
    // Read like a file of that name (a `.tar.zst` archive of records included).
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

/// The body at `url`, under `policy`: redirections only to addresses it accepts (at most 5),
/// at most `max_bytes`, within `timeout_secs`.
pub async fn download(url: &reqwest::Url, policy: &FeedPolicy) -> anyhow::Result<Vec<u8>> {
    let redirects = policy.clone();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(policy.timeout_secs))
        .connect_timeout(std::time::Duration::from_secs(policy.timeout_secs.min(30)))
        .redirect(reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                attempt.error("more than 5 redirections")
            } else if let Err(e) = redirects.check(attempt.url().as_str()) {
                let e = format!("redirection refused: {e}");
                attempt.error(e)
            } else {
                attempt.follow()
            }
        }))
        .build()?;
    let mut resp = client
        .get(url.clone())
        .send()
        .await
        .with_context(|| format!("fetching {url}"))?
        .error_for_status()
        .with_context(|| format!("fetching {url}"))?;
    if resp.content_length().is_some_and(|n| n > policy.max_bytes) {
        bail!("{url}: larger than {} bytes", policy.max_bytes);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .with_context(|| format!("reading {url}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > policy.max_bytes {
            bail!("{url}: larger than {} bytes", policy.max_bytes);
        }
    }
    Ok(body)
}

/// Ingests a path or a URL (fetched under `policy`).
pub async fn ingest(
    store: &Store,
    actor: &Actor,
    target: &str,
    policy: &FeedPolicy,
) -> anyhow::Result<Vec<IngestReport>> {
    if target.contains("://") {
        ingest_url(store, actor, target, policy).await
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
    r.register(|ctx: Arc<Ctx>, p: Ingest, _job: Job| async move {
        ingest_job(&ctx.store, &p, &ctx.cfg.watch.feeds()).await
    });
    r.register(|ctx: Arc<Ctx>, p: Bulletin, _job: Job| async move {
        bulletin_job(&ctx.store, &p).await
    });
    r.every_tick("watch", |ctx: Arc<Ctx>| async move {
        schedule(&ctx.store).await
    });
}

/// The `watch.ingest` job: a file, a folder or a URL.
async fn ingest_job(store: &Store, job: &Ingest, policy: &FeedPolicy) -> anyhow::Result<()> {
    let actor = Actor::system("job:watch.ingest");
    let reports = match job {
        Ingest::Path(p) => ingest_path(store, &actor, Path::new(p)).await?,
        Ingest::Url(u) => ingest_url(store, &actor, u, policy).await?,
    };
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
pub async fn command(store: &Store, cmd: WatchCommand, policy: &FeedPolicy) -> anyhow::Result<()> {
    let actor = Actor::system("cli");
    match cmd {
        WatchCommand::Ingest { targets, queue } => {
            for t in targets {
                if queue {
                    let job = if t.contains("://") {
                        policy
                            .check(&t)
                            .map_err(|e| anyhow::anyhow!("{t}: refused: {e}"))?;
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
                for r in ingest(store, &actor, &t, policy).await? {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// The KEV catalogue of the project's data set, when it is there.
    fn kev() -> Option<Vec<u8>> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../../shared/data/cisa-kev/known_exploited_vulnerabilities.json"),
        )
        .ok()
    }

    /// A feed server on loopback: `/kev.json` (the catalogue), `/in` (a redirection to it),
    /// `/out` (a redirection to the same server named `localhost`, a host off the list),
    /// `/big` (4 KiB), `/slow` (never answers). Counts the requests, and those that named
    /// `localhost`.
    async fn feed_server(body: Vec<u8>) -> (u16, Arc<AtomicUsize>, Arc<AtomicUsize>) {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let (hits, off_list) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (h, o) = (hits.clone(), off_list.clone());
        let body = Arc::new(body);
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let (h, o, body) = (h.clone(), o.clone(), body.clone());
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    let req = String::from_utf8_lossy(&buf[..n]).to_string();
                    h.fetch_add(1, Ordering::SeqCst);
                    if req.to_ascii_lowercase().contains("host: localhost") {
                        o.fetch_add(1, Ordering::SeqCst);
                    }
                    let path = req.split(' ').nth(1).unwrap_or("/").to_string();
                    let (head, payload): (String, Vec<u8>) = match path.as_str() {
                        "/kev.json" => ("200 OK".into(), body.to_vec()),
                        "/in" => ("302 Found\r\nLocation: /kev.json".into(), Vec::new()),
                        "/out" => (
                            format!("302 Found\r\nLocation: http://localhost:{port}/kev.json"),
                            Vec::new(),
                        ),
                        "/big" => ("200 OK".into(), vec![b'x'; 4096]),
                        "/slow" => {
                            tokio::time::sleep(std::time::Duration::from_secs(30)).await;
                            return;
                        }
                        _ => ("404 Not Found".into(), Vec::new()),
                    };
                    let _ = s
                        .write_all(
                            format!(
                                "HTTP/1.1 {head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                payload.len()
                            )
                            .as_bytes(),
                        )
                        .await;
                    let _ = s.write_all(&payload).await;
                });
            }
        });
        (port, hits, off_list)
    }

    /// Fetching obeys the feed policy: only the allowed hosts (loopback here), redirections
    /// only to them, the size and time limits; nothing else is ever contacted.
    #[tokio::test]
    async fn downloads_stay_on_the_allow_list_and_within_the_limits() {
        let (port, hits, off_list) = feed_server(b"{\"x\": 1}".to_vec()).await;
        let policy = FeedPolicy {
            max_bytes: 1024,
            timeout_secs: 2,
            ..Default::default()
        }
        .with_hosts(["127.0.0.1"]);
        let url = |p: &str| reqwest::Url::parse(&format!("http://127.0.0.1:{port}{p}")).unwrap();
        assert_eq!(
            download(&url("/kev.json"), &policy).await.unwrap(),
            b"{\"x\": 1}"
        );
        assert_eq!(download(&url("/in"), &policy).await.unwrap(), b"{\"x\": 1}");
        let e = format!("{:#}", download(&url("/out"), &policy).await.unwrap_err());
        assert!(e.contains("redirection refused"), "{e}");
        assert_eq!(
            off_list.load(Ordering::SeqCst),
            0,
            "localhost was contacted"
        );
        let e = format!("{:#}", download(&url("/big"), &policy).await.unwrap_err());
        assert!(e.contains("larger than 1024 bytes"), "{e}");
        let started = std::time::Instant::now();
        assert!(download(&url("/slow"), &policy).await.is_err());
        assert!(started.elapsed().as_secs() < 10, "the time limit holds");
        let before = hits.load(Ordering::SeqCst);
        // An address off the list is refused before anything is contacted.
        let db = vigie_store::testing::sqlite().await;
        let actor = Actor::system("test");
        for refused in [
            format!("http://localhost:{port}/kev.json"),
            "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
                .to_string(),
            "file:///etc/passwd".to_string(),
        ] {
            let e = format!(
                "{:#}",
                ingest_url(&db.store, &actor, &refused, &policy)
                    .await
                    .unwrap_err()
            );
            assert!(e.contains("refused"), "{refused}: {e}");
        }
        assert_eq!(hits.load(Ordering::SeqCst), before);
        db.cleanup().await;
    }

    /// A document fetched from an allowed address is ingested like a file.
    #[tokio::test]
    async fn an_allowed_address_is_ingested() {
        let Some(doc) = kev() else {
            eprintln!("skipped: ../shared/data is not there");
            return;
        };
        let (port, _, _) = feed_server(doc).await;
        let policy = FeedPolicy::default().with_hosts(["127.0.0.1"]);
        let db = vigie_store::testing::sqlite().await;
        let actor = Actor::system("test");
        let url = format!("http://127.0.0.1:{port}/in");
        let r = ingest_url(&db.store, &actor, &url, &policy).await.unwrap();
        assert_eq!(r.len(), 1);
        assert!(r[0].sources.iter().any(|s| s == "kev"), "{r:?}");
        assert!(r[0].added > 1000, "{r:?}");
        let sources = db.store.watch_sources(&actor).await.unwrap();
        assert!(sources
            .iter()
            .any(|s| s.source == "kev" && s.records > 1000));
        db.cleanup().await;
    }
}
