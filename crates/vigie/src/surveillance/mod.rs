//! The `scan.structure` job: scans what one structure declared and hands the results to the store,
//! which reconciles its findings and notifies it. And the scheduler's part: queue the periodic
//! scans of the structures and regions where an operator turned surveillance on.
//!
//! The scope of a scan is built ONLY from the structure's declared assets that are not demo data
//! (`vigie_store::Store::start_scan` gives them). Declared names are resolved; then every address
//! must be a public one: loopback (the platform's own host, allowed only by the test setting
//! `[surveillance] allow_loopback`), private, link-local, shared and non-host addresses are
//! refused and listed in the scan's scope snapshot. The engine is given a scope of exactly the
//! accepted addresses, and refuses any other connection on its own (hard deny list included).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use vigie_scan::platform::{PlatformOptions, PlatformRun, PlatformScan};
use vigie_scan::scope::{NameResolver, SystemResolver};
use vigie_scan::RateLimits;
use vigie_store::jobs::Job;
use vigie_store::surveillance::{NewFinding, NewObservation, ScanJob, ScanOutcome, ScanStructure};
use vigie_store::watch::ScannedSoftware;
use vigie_store::{Actor, Store};

use crate::config::Config;

/// The surveillance's job: one scan of one structure.
pub fn register_jobs(r: &mut crate::worker::Registry) {
    r.register(
        |ctx: Arc<crate::worker::Ctx>, p: ScanStructure, job: Job| async move {
            run_scan_job(&ctx.store, &ctx.cfg, &job, p.scan_id).await
        },
    );
    // Scans only where an operator turned surveillance on; one pending per structure.
    r.every_tick("surveillance", |ctx: Arc<crate::worker::Ctx>| async move {
        if let Err(e) = schedule(&ctx.store, &ctx.cfg).await {
            tracing::warn!(error = %e, "scheduler: cannot queue surveillance scans");
        }
    });
}

/// Runs the job: start the scan, scan, store. A scan that cannot run for a reason retrying will
/// not change (nothing declared, nothing public) is recorded as failed with that reason and the
/// job ends; database errors make the job fail and the queue retry it.
pub async fn run_scan_job(
    store: &Store,
    cfg: &Config,
    job: &Job,
    scan_id: i64,
) -> anyhow::Result<()> {
    let actor = Actor::system("surveillance");
    let Some(sj) = store.start_scan(&actor, scan_id).await? else {
        tracing::info!(scan = scan_id, "scan already finished; nothing to do");
        return Ok(());
    };
    let resolver: Box<dyn NameResolver> =
        Box::new(SystemResolver::new().map_err(|e| anyhow::anyhow!("DNS resolver: {e}"))?);
    match execute(cfg, &sj, resolver.as_ref()).await {
        Ok(outcome) => {
            let r = store.finish_scan(&actor, scan_id, &outcome).await;
            match r {
                Ok(rec) => {
                    tracing::info!(
                        scan = scan_id,
                        structure = sj.scan.structure_id,
                        new = rec.new.len(),
                        reopened = rec.reopened.len(),
                        fixed = rec.fixed.len(),
                        "scan finished"
                    );
                    Ok(())
                }
                Err(e) => {
                    if job.attempts >= job.max_attempts {
                        let _ = store
                            .fail_scan(
                                &actor,
                                scan_id,
                                &format!("storing the results failed: {e}"),
                                &outcome.scope,
                            )
                            .await;
                    }
                    Err(e.into())
                }
            }
        }
        Err((reason, scope)) => {
            tracing::warn!(scan = scan_id, structure = sj.scan.structure_id, %reason, "scan not run");
            store.fail_scan(&actor, scan_id, &reason, &scope).await?;
            Ok(())
        }
    }
}

/// Builds the scope, runs the engine (`vigie_scan::platform`: the rules of a platform scan) and
/// turns its result into what the store keeps.
pub async fn execute(
    cfg: &Config,
    sj: &ScanJob,
    resolver: &dyn NameResolver,
) -> Result<ScanOutcome, (String, serde_json::Value)> {
    let sc = &cfg.surveillance;
    let declared: Vec<String> = sj.assets.iter().map(|a| a.value.clone()).collect();
    let options = PlatformOptions {
        max_addresses: sc.max_addresses,
        ports: sc.ports.clone(),
        limits: RateLimits {
            global_per_sec: sc.rate_per_sec,
            per_target_per_sec: sc.rate_per_target,
        },
        concurrency: sc.concurrency,
        timeout: Duration::from_millis(sc.timeout_ms),
        liveness: sc.liveness,
    };
    let allow_loopback = sc.allow_loopback;
    let refusal = move |ip: IpAddr| vigie_scan::platform::refusal(ip, allow_loopback);
    let run = PlatformScan {
        declared: &declared,
        options: &options,
        refusal: &refusal,
    }
    .run(resolver)
    .await
    .map_err(|n| (n.reason, n.snapshot))?;
    Ok(outcome(run))
}

/// The engine's result in the store's terms.
fn outcome(run: PlatformRun) -> ScanOutcome {
    let result = run.result;
    let text = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let findings: Vec<NewFinding> = result
        .findings
        .iter()
        .map(|f| NewFinding {
            kind: f.kind.as_str().to_string(),
            address: f.ip.to_string(),
            port: i64::from(f.port),
            service: f.service.clone(),
            product: f.product.clone(),
            version: f.version.clone(),
            severity: text(serde_json::to_value(f.severity).unwrap_or_default()),
            confidence: text(serde_json::to_value(f.confidence).unwrap_or_default()),
            title_fr: f.title_fr.clone(),
            title_en: f.title_en.clone(),
            evidence: f.evidence.clone(),
            advice_fr: f.remediation_fr.clone(),
            advice_en: f.remediation_en.clone(),
            detail: f.detail.clone(),
        })
        .collect();
    let mut observations: Vec<NewObservation> = result
        .services
        .iter()
        .map(|s| NewObservation {
            address: s.ip.to_string(),
            port: i64::from(s.port),
            service: s.name.clone(),
            product: s.product.clone(),
            version: s.version.clone(),
            cpe: s.cpe.clone(),
            tls: s.tls.as_ref().map(|t| {
                let leaf = t.chain.first();
                serde_json::json!({
                    "negotiated": t.negotiated,
                    "accepted_versions": t.accepted_versions,
                    "trusted": t.trusted,
                    "verify_error": t.verify_error,
                    "name_mismatch": t.name_mismatch,
                    "subject": leaf.map(|c| c.subject.clone()),
                    "issuer": leaf.map(|c| c.issuer.clone()),
                    "not_after": leaf.map(|c| c.not_after.clone()),
                    "expired": leaf.map(|c| c.expired),
                    "self_signed": leaf.map(|c| c.self_signed),
                })
                .to_string()
            }),
            evidence: s.evidence.chars().take(1000).collect(),
            finding_kinds: result
                .findings
                .iter()
                .filter(|f| f.ip == s.ip && f.port == s.port)
                .map(|f| f.kind.as_str().to_string())
                .collect(),
        })
        .collect();
    // Open ports the identification did not return (should not happen) are still observed.
    for p in &result.open_ports {
        if !observations
            .iter()
            .any(|o| o.address == p.ip.to_string() && o.port == i64::from(p.port))
        {
            observations.push(NewObservation {
                address: p.ip.to_string(),
                port: i64::from(p.port),
                service: "unknown".into(),
                ..Default::default()
            });
        }
    }
    let software = result
        .services
        .iter()
        .filter_map(|s| {
            Some(ScannedSoftware {
                product: s.product.clone()?,
                version: s.version.clone()?,
                location: std::net::SocketAddr::new(s.ip, s.port).to_string(),
                distro: s.distro.as_ref().map(|d| {
                    format!("{} {}", d.distro, d.patch_level.clone().unwrap_or_default())
                        .trim()
                        .to_string()
                }),
            })
        })
        .collect();
    ScanOutcome {
        scope: run.snapshot,
        covered_addresses: run.covered_addresses,
        covered_ports: run.covered_ports.into_iter().map(i64::from).collect(),
        observations,
        findings,
        software,
    }
}

/// Scheduler tick: queue the scans that are due (surveillance on, interval elapsed, none
/// pending), spread over `[surveillance] spread_secs`.
pub async fn schedule(store: &Store, cfg: &Config) -> anyhow::Result<usize> {
    let actor = Actor::system("scheduler");
    let queued = store
        .schedule_surveillance(&actor, cfg.surveillance.spread_secs)
        .await?;
    if !queued.is_empty() {
        tracing::info!(scans = queued.len(), "surveillance scans queued");
    }
    Ok(queued.len())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {

    fn job(assets: &[(&str, &str)]) -> vigie_store::surveillance::ScanJob {
        vigie_store::surveillance::ScanJob {
            scan: vigie_store::surveillance::Scan {
                id: 1,
                structure_id: 1,
                origin: "request".into(),
                requested_by: "test".into(),
                requested_by_user_id: None,
                status: "running".into(),
                created_at: 0,
                started_at: None,
                finished_at: None,
                scope: "{}".into(),
                ports: String::new(),
                targets_count: 0,
                open_ports_count: 0,
                findings_count: 0,
                new_count: 0,
                fixed_count: 0,
                error: None,
            },
            structure_name: "CH".into(),
            assets: assets
                .iter()
                .map(|(k, v)| vigie_store::surveillance::ScanAsset {
                    kind: k.to_string(),
                    value: v.to_string(),
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn certificate_names_are_kept_only_inside_the_declared_domains() {
        use vigie_scan::scope::{DeclaredAsset, Scope, StaticResolver};
        let declared = Scope::build(
            &[
                DeclaredAsset::new("ch-test.fr"),
                DeclaredAsset::demo("demo.ch-test.fr"),
            ],
            &StaticResolver::default(),
        )
        .await
        .unwrap();
        let svc = vigie_scan::Service {
            tls: Some(vigie_scan::tls::TlsInfo {
                chain: vec![vigie_scan::tls::CertInfo {
                    sans: vec![
                        "Portail.CH-test.fr.".into(),
                        "*.rdv.ch-test.fr".into(),
                        "www.autre-hopital.fr".into(),
                        "x.demo.ch-test.fr".into(),
                        "ch-test.fr.example".into(),
                    ],
                    ..Default::default()
                }],
                ..Default::default()
            }),
            ..Default::default()
        };
        assert_eq!(
            vigie_scan::platform::discovered_names(&[svc.clone(), svc], &declared),
            vec![
                "portail.ch-test.fr".to_string(),
                "rdv.ch-test.fr".to_string()
            ]
        );
    }

    /// A certificate names another host of the declared domain: it is resolved and scanned in
    /// the same scan; a name outside the declared domains is never contacted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn names_from_certificates_inside_the_declared_domains_are_scanned_too() {
        use std::collections::BTreeMap;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        use vigie_scan::scope::{Resolution, StaticResolver};
        if std::process::Command::new("openssl")
            .arg("version")
            .output()
            .is_err()
        {
            eprintln!("skipping: the openssl command (Debian package openssl) is not installed");
            return;
        }
        let dir = std::env::temp_dir().join(format!("vigie-san-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (cert, key) = (dir.join("c.pem"), dir.join("k.pem"));
        let ok = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30"])
            .args(["-subj", "/CN=portail.ch-test.fr"])
            .args([
                "-addext",
                "subjectAltName=DNS:portail.ch-test.fr,DNS:admin.ch-test.fr,DNS:www.autre-hopital.fr",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success());
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut server = std::process::Command::new("openssl")
            .args(["s_server", "-quiet", "-www", "-accept"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // admin.ch-test.fr (declared domain) on 127.0.0.3; www.autre-hopital.fr on 127.0.0.4.
        let admin = std::net::TcpListener::bind(("127.0.0.3", port)).unwrap();
        let admin_seen = Arc::new(AtomicUsize::new(0));
        let outside = std::net::TcpListener::bind(("127.0.0.4", port)).unwrap();
        let outside_seen = Arc::new(AtomicUsize::new(0));
        for (l, seen) in [(admin, admin_seen.clone()), (outside, outside_seen.clone())] {
            std::thread::spawn(move || {
                for c in l.incoming() {
                    seen.fetch_add(1, Ordering::SeqCst);
                    drop(c);
                }
            });
        }
        let mut table = BTreeMap::new();
        for (n, a) in [
            ("portail.ch-test.fr", "127.0.0.1"),
            ("admin.ch-test.fr", "127.0.0.3"),
            ("www.autre-hopital.fr", "127.0.0.4"),
        ] {
            table.insert(
                n.to_string(),
                Resolution {
                    chain: vec![n.into()],
                    addrs: vec![a.parse().unwrap()],
                },
            );
        }
        let resolver = StaticResolver(table);
        let mut cfg = crate::config::Config::default();
        cfg.surveillance.allow_loopback = true;
        cfg.surveillance.ports = port.to_string();
        cfg.surveillance.timeout_ms = 500;
        let j = job(&[("domain", "ch-test.fr"), ("domain", "portail.ch-test.fr")]);
        let out = super::execute(&cfg, &j, &resolver).await;
        let _ = server.kill();
        let _ = server.wait();
        let _ = std::fs::remove_dir_all(&dir);
        let out = out.unwrap();
        assert_eq!(
            out.scope["discovered_names"],
            serde_json::json!(["admin.ch-test.fr", "portail.ch-test.fr"]),
            "{}",
            out.scope
        );
        assert_eq!(
            out.scope["discovered_addresses"],
            serde_json::json!(["127.0.0.3"])
        );
        assert_eq!(out.scope["names"]["127.0.0.3"], "admin.ch-test.fr");
        assert_eq!(
            out.covered_addresses,
            vec!["127.0.0.1".to_string(), "127.0.0.3".to_string()]
        );
        assert!(out.observations.iter().any(|o| o.address == "127.0.0.3"));
        assert!(admin_seen.load(Ordering::SeqCst) > 0);
        assert_eq!(
            outside_seen.load(Ordering::SeqCst),
            0,
            "a name outside the declared domains was contacted"
        );
    }

    /// Declared names are resolved; only public (here: loopback, allowed for the test)
    /// addresses are scanned, with the name kept for the probes; a name resolving to a private
    /// address is refused and said so; an unresolved name is listed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn declared_names_are_resolved_and_private_answers_refused() {
        use std::collections::BTreeMap;
        use vigie_scan::scope::{Resolution, StaticResolver};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        // Accepts and hangs up at once: an open port whose probes end quickly.
        std::thread::spawn(move || {
            for c in l.incoming() {
                drop(c)
            }
        });
        let mut table = BTreeMap::new();
        table.insert(
            "portail.ch-test.fr".to_string(),
            Resolution {
                chain: vec!["portail.ch-test.fr".into(), "lb.hebergeur.fr".into()],
                addrs: vec!["127.0.0.1".parse().unwrap()],
            },
        );
        table.insert(
            "intranet.ch-test.fr".to_string(),
            Resolution {
                chain: vec!["intranet.ch-test.fr".into()],
                addrs: vec!["10.1.2.3".parse().unwrap()],
            },
        );
        let resolver = StaticResolver(table);
        let mut cfg = crate::config::Config::default();
        cfg.surveillance.allow_loopback = true;
        cfg.surveillance.ports = port.to_string();
        cfg.surveillance.timeout_ms = 300;
        let j = job(&[
            ("domain", "portail.ch-test.fr"),
            ("domain", "intranet.ch-test.fr"),
            ("domain", "absent.ch-test.fr"),
        ]);
        let out = super::execute(&cfg, &j, &resolver).await.unwrap();
        let scope = &out.scope;
        assert_eq!(scope["targets"], serde_json::json!(["127.0.0.1"]));
        assert_eq!(scope["names"]["127.0.0.1"], "portail.ch-test.fr");
        assert_eq!(scope["refused"][0]["address"], "10.1.2.3");
        assert!(scope["refused"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("private"));
        assert!(scope["unresolved"]
            .as_object()
            .unwrap()
            .contains_key("absent.ch-test.fr"));
        assert_eq!(out.covered_addresses, vec!["127.0.0.1".to_string()]);
        assert_eq!(out.covered_ports, vec![i64::from(port)]);
        assert_eq!(out.observations.len(), 1, "{:?}", out.observations);
        assert_eq!(out.observations[0].port, i64::from(port));

        // Only private answers: nothing to scan, said why, and nothing contacted.
        let j = job(&[("domain", "intranet.ch-test.fr")]);
        let (err, scope) = super::execute(&cfg, &j, &resolver).await.unwrap_err();
        assert!(err.starts_with("nothing to scan"), "{err}");
        assert_eq!(scope["targets"], serde_json::json!([]));
    }
}
