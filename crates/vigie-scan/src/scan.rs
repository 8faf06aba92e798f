//! The scan engine: scope → liveness → port discovery → identification → findings.
//!
//! Liveness and the port scan run as a pipeline: the addresses proven up first are port-scanned
//! (and their open ports identified) while the silent ones are still waited for, so an address
//! where nothing lives costs at most one liveness wait, spent in parallel with useful work.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc::unbounded_channel;

use crate::discovery::{
    connect_scan_with, Discovery, DiscoveryOptions, HostHints, PortResult, PortState,
};
use crate::findings::{assess_all, Finding};
use crate::liveness::{HostState, HostStatus, LivenessOptions, ProbeMode};
use crate::net::{Dialer, RateLimits};
use crate::ports::PortSet;
use crate::probe::{identify, ProbeOptions, Service};
use crate::rules::RuleSet;
use crate::scope::Scope;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DiscoveryMethod {
    #[default]
    Connect,
    /// Raw-socket SYN scan (root only); falls back to connect otherwise.
    Syn,
}

#[derive(Debug, Clone)]
pub struct ScanRequest {
    /// Targets the caller asks for. Anything out of scope is refused.
    pub targets: Vec<IpAddr>,
    pub ports: PortSet,
    pub limits: RateLimits,
    pub discovery: DiscoveryOptions,
    pub method: DiscoveryMethod,
    /// Decide which targets are up before scanning their ports (on by default; `enabled:
    /// false` is nmap's `-Pn`).
    pub liveness: LivenessOptions,
    /// Run service identification on open ports.
    pub identify: bool,
    pub probe: ProbeOptions,
    /// Simultaneous identification probes.
    pub probe_concurrency: usize,
    /// Names (in scope) known for each target, used as SNI / Host and for certificate checks.
    pub names: BTreeMap<IpAddr, String>,
}

impl Default for ScanRequest {
    fn default() -> Self {
        Self {
            targets: vec![],
            ports: PortSet::Health,
            limits: RateLimits::default(),
            discovery: DiscoveryOptions::default(),
            method: DiscoveryMethod::Connect,
            liveness: LivenessOptions::default(),
            identify: true,
            probe: ProbeOptions::default(),
            probe_concurrency: 64,
            names: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ScanStats {
    /// From the start of the scan to the end of the last port discovery (liveness included:
    /// the two overlap).
    pub discovery_ms: u128,
    /// Time spent identifying services, summed over the batches of live addresses.
    pub identification_ms: u128,
    pub ports_probed: usize,
    pub connection_attempts: u64,
    pub refused_by_scope: u64,
    pub method: String,
    /// How long liveness took (0 with `-Pn`).
    #[serde(default)]
    pub liveness_ms: u128,
    #[serde(default)]
    pub hosts_up: usize,
    /// Addresses judged down: their ports were not scanned.
    #[serde(default)]
    pub hosts_down: usize,
    /// Addresses whose port scan was given up early (no answer to their first attempts).
    #[serde(default)]
    pub hosts_given_up: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ScanResult {
    pub started: String,
    pub finished: String,
    /// Open ports (closed and filtered ones are counted, not listed).
    pub open_ports: Vec<PortResult>,
    pub closed_count: usize,
    pub filtered_count: usize,
    pub services: Vec<Service>,
    pub findings: Vec<Finding>,
    /// Targets refused by the scope, with the reason.
    pub refused: Vec<(IpAddr, String)>,
    /// Names read from certificates (subject alternative names) that fall
    /// inside the declared domains: candidates for `Scope::add_discovered_name`.
    /// Names outside the declared domains are never added.
    pub discovered_names: Vec<String>,
    pub stats: ScanStats,
    /// Every target in scope: up (and how it was known) or down (and why), and whether its
    /// port scan was given up early.
    #[serde(default)]
    pub hosts: Vec<HostStatus>,
}

impl ScanResult {
    /// The addresses judged down, with their reason: their ports were not scanned.
    pub fn hosts_down(&self) -> impl Iterator<Item = &HostStatus> {
        self.hosts.iter().filter(|h| h.state == HostState::Down)
    }

    /// The addresses whose port scan was given up early.
    pub fn hosts_given_up(&self) -> impl Iterator<Item = &HostStatus> {
        self.hosts.iter().filter(|h| h.given_up.is_some())
    }
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// What one batch of live addresses gave.
struct Batch {
    discovery: Discovery,
    services: Vec<Service>,
    method: &'static str,
    identification: Duration,
    ended: Instant,
}

/// Port discovery then identification of one batch of live addresses.
async fn scan_batch(
    dialer: Arc<Dialer>,
    req: Arc<ScanRequest>,
    rules: Arc<RuleSet>,
    ports: Arc<Vec<u16>>,
    targets: Vec<IpAddr>,
    hints: HostHints,
    syn: bool,
) -> Batch {
    let mut method = "connect";
    let discovery = if syn {
        method = "syn";
        match crate::syn::syn_scan_with(dialer.clone(), &targets, &ports, &req.discovery, &hints)
            .await
        {
            Ok(d) => d,
            Err(_) => {
                method = "connect";
                connect_scan_with(dialer.clone(), &targets, &ports, &req.discovery, &hints).await
            }
        }
    } else {
        connect_scan_with(dialer.clone(), &targets, &ports, &req.discovery, &hints).await
    };
    let ended = Instant::now();
    let t1 = Instant::now();
    let mut services = vec![];
    if req.identify {
        let sem = Arc::new(tokio::sync::Semaphore::new(req.probe_concurrency.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for p in discovery
            .results
            .iter()
            .filter(|r| r.state == PortState::Open)
        {
            let Ok(permit) = sem.clone().acquire_owned().await else {
                break;
            };
            let d = dialer.clone();
            let rules = rules.clone();
            let mut opts = req.probe.clone();
            if opts.server_name.is_none() {
                opts.server_name = req.names.get(&p.ip).cloned();
            }
            let (ip, port) = (p.ip, p.port);
            set.spawn_blocking(move || {
                let s = identify(&d, ip, port, &rules, &opts);
                drop(permit);
                s
            });
        }
        while let Some(r) = set.join_next().await {
            if let Ok(s) = r {
                services.push(s);
            }
        }
    }
    Batch {
        discovery,
        services,
        method,
        identification: t1.elapsed(),
        ended,
    }
}

/// A batch starts when no other runs and the live addresses waiting for it stopped coming for
/// this long...
const BATCH_QUIET: Duration = Duration::from_millis(25);
/// ...or the first of them waited this long.
const BATCH_HOLD: Duration = Duration::from_millis(200);

/// Runs one scan. The scope is enforced for every target and every
/// connection, whatever `req` asks.
pub async fn scan(scope: Arc<Scope>, req: ScanRequest, rules: Arc<RuleSet>) -> ScanResult {
    let started = now_rfc3339();
    let dialer = Arc::new(Dialer::new(scope.clone(), req.limits));
    let ports = Arc::new(req.ports.ports());
    let mut targets = req.targets.clone();
    targets.sort();
    targets.dedup();
    // the scope first: a refused target is listed and never contacted, not even by liveness
    let mut refused = vec![];
    let mut in_scope = vec![];
    for t in targets {
        match dialer.authorize(t) {
            Ok(()) => in_scope.push(t),
            Err(e) => refused.push((t, e.to_string())),
        }
    }
    let t0 = Instant::now();
    let syn = req.method == DiscoveryMethod::Syn && crate::syn::available();
    let (tx, mut rx) = unbounded_channel::<HostStatus>();
    let live = if req.liveness.enabled && !in_scope.is_empty() {
        let mut lopts = req.liveness.clone();
        // a short port list is probed whole: a host answering only there is found up
        if ports.len() <= 8 {
            for p in ports.iter() {
                if !lopts.tcp_ports.contains(p) {
                    lopts.tcp_ports.push(*p);
                }
            }
        }
        let mode = if syn {
            ProbeMode::Raw
        } else {
            ProbeMode::Connect
        };
        Some(tokio::spawn(crate::liveness::run(
            dialer.clone(),
            in_scope.clone(),
            lopts,
            mode,
            tx,
        )))
    } else {
        for t in &in_scope {
            let _ = tx.send(HostStatus::user_set(*t));
        }
        drop(tx);
        None
    };
    let req = Arc::new(req);
    let mut hosts: BTreeMap<IpAddr, HostStatus> = BTreeMap::new();
    let mut waiting: Vec<IpAddr> = vec![];
    let mut first_waiting: Option<Instant> = None;
    let mut last_event = Instant::now();
    let mut live_done = false;
    let mut running: Option<tokio::task::JoinHandle<Batch>> = None;
    let mut batches: Vec<Batch> = vec![];
    let mut hints = HostHints::default();
    loop {
        if running.is_none() && !waiting.is_empty() {
            let quiet = last_event.elapsed() >= BATCH_QUIET;
            let held = first_waiting.is_some_and(|f| f.elapsed() >= BATCH_HOLD);
            if live_done || quiet || held {
                let batch: Vec<IpAddr> = std::mem::take(&mut waiting);
                first_waiting = None;
                let h = HostHints {
                    answered_tcp: batch
                        .iter()
                        .filter(|ip| hints.answered_tcp.contains(ip))
                        .copied()
                        .collect(),
                    rtt: batch
                        .iter()
                        .filter_map(|ip| hints.rtt.get(ip).map(|r| (*ip, *r)))
                        .collect(),
                };
                running = Some(tokio::spawn(scan_batch(
                    dialer.clone(),
                    req.clone(),
                    rules.clone(),
                    ports.clone(),
                    batch,
                    h,
                    syn,
                )));
            }
        }
        if live_done && running.is_none() && waiting.is_empty() {
            break;
        }
        let batch_done = async {
            match running.as_mut() {
                Some(h) => h.await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            m = rx.recv(), if !live_done => match m {
                Some(st) => {
                    last_event = Instant::now();
                    if st.state == HostState::Up {
                        if matches!(st.reason.as_str(), "syn-ack" | "reset" | "conn-refused") {
                            hints.answered_tcp.insert(st.ip);
                        }
                        if let Some(us) = st.rtt_us {
                            hints.rtt.insert(st.ip, Duration::from_micros(us));
                        }
                        waiting.push(st.ip);
                        first_waiting.get_or_insert_with(Instant::now);
                    }
                    hosts.insert(st.ip, st);
                }
                None => live_done = true,
            },
            b = batch_done => {
                running = None;
                if let Ok(b) = b {
                    batches.push(b);
                }
            }
            _ = tokio::time::sleep(Duration::from_millis(10)) => {}
        }
    }
    let report = match live {
        Some(h) => h.await.ok(),
        None => None,
    };
    let discovery_ms = batches
        .iter()
        .map(|b| b.ended.saturating_duration_since(t0))
        .max()
        .unwrap_or_default()
        .as_millis();
    let mut results: Vec<PortResult> = vec![];
    let mut services: Vec<Service> = vec![];
    let mut identification = Duration::ZERO;
    let mut method = if syn { "syn" } else { "connect" };
    let mut not_probed = 0usize;
    let mut scanned: HashSet<IpAddr> = HashSet::new();
    for b in batches {
        if b.method == "connect" && syn {
            method = "connect";
        }
        identification += b.identification;
        results.extend(b.discovery.results);
        services.extend(b.services);
        refused.extend(b.discovery.refused);
        for (ip, g) in b.discovery.given_up {
            not_probed += g.ports_not_probed;
            if let Some(h) = hosts.get_mut(&ip) {
                h.given_up = Some(g);
            }
        }
    }
    for r in &results {
        scanned.insert(r.ip);
    }
    results.sort_by_key(|r| (r.ip, r.port));
    services.sort_by_key(|s| (s.ip, s.port));
    let open: Vec<PortResult> = results
        .iter()
        .filter(|r| r.state == PortState::Open)
        .cloned()
        .collect();
    let closed_count = results
        .iter()
        .filter(|r| r.state == PortState::Closed)
        .count();
    let filtered_count = results
        .iter()
        .filter(|r| r.state == PortState::Filtered)
        .count();
    let findings = assess_all(&services);
    let mut discovered_names: Vec<String> = services
        .iter()
        .filter_map(|s| s.tls.as_ref())
        .flat_map(|t| t.chain.first().map(|c| c.sans.clone()).unwrap_or_default())
        .map(|n| crate::scope::normalize_name(&n))
        .filter(|n| scope.name_in_scope(n.trim_start_matches("*.")))
        .collect();
    discovered_names.sort();
    discovered_names.dedup();
    let hosts: Vec<HostStatus> = hosts.into_values().collect();
    let hosts_up = hosts.iter().filter(|h| h.state == HostState::Up).count();
    let hosts_given_up = hosts.iter().filter(|h| h.given_up.is_some()).count();
    ScanResult {
        started,
        finished: now_rfc3339(),
        open_ports: open,
        closed_count,
        filtered_count,
        services,
        findings,
        refused,
        discovered_names,
        stats: ScanStats {
            discovery_ms,
            identification_ms: identification.as_millis(),
            ports_probed: (ports.len() * hosts_up).saturating_sub(not_probed),
            connection_attempts: dialer.attempts.load(Ordering::Relaxed),
            refused_by_scope: dialer.refused.load(Ordering::Relaxed),
            method: method.into(),
            liveness_ms: report.map(|r| r.elapsed.as_millis()).unwrap_or(0),
            hosts_up,
            hosts_down: hosts.len() - hosts_up,
            hosts_given_up,
        },
        hosts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    /// Runs without root: a loopback HTTP server in scope is identified, a
    /// loopback listener outside the scope is never contacted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn scan_identifies_in_scope_and_refuses_the_rest() {
        let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let web_port = web.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in web.incoming().flatten() {
                let mut s = s;
                let mut buf = [0u8; 1024];
                let _ = s.read(&mut buf);
                let _ = s.write_all(b"HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Length: 44\r\nConnection: close\r\n\r\n<html><title>Intranet CHU</title></html>\n\n\n\n");
            }
        });
        let outside = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
        let outside_port = outside.local_addr().unwrap().port();
        outside.set_nonblocking(true).unwrap();
        let scope = Arc::new(Scope::from_networks(["127.0.0.1/32"]).unwrap());
        let req = ScanRequest {
            targets: vec![
                "127.0.0.1".parse().unwrap(),
                "127.0.0.2".parse().unwrap(),
                "192.0.2.1".parse().unwrap(),
            ],
            ports: PortSet::List(vec![web_port, outside_port]),
            limits: RateLimits {
                global_per_sec: 0,
                per_target_per_sec: 0,
            },
            ..Default::default()
        };
        let r = scan(scope, req, Arc::new(RuleSet::builtin().unwrap())).await;
        assert_eq!(r.refused.len(), 2, "{:?}", r.refused);
        assert!(r.open_ports.iter().all(|p| p.ip.to_string() == "127.0.0.1"));
        let s = r
            .services
            .iter()
            .find(|s| s.port == web_port)
            .expect("web service");
        assert_eq!(
            (s.name.as_str(), s.product.as_deref(), s.version.as_deref()),
            ("http", Some("nginx"), Some("1.18.0"))
        );
        assert!(
            r.findings
                .iter()
                .any(|f| f.kind == crate::findings::FindingKind::EndOfLifeSoftware),
            "nginx 1.18 is past support"
        );
        assert!(
            outside.accept().is_err(),
            "the out-of-scope listener saw a connection"
        );
        assert_eq!(r.stats.refused_by_scope, 2);
        // liveness: the in-scope address proven up by its open port, the refused ones not
        // even probed
        assert_eq!(r.hosts.len(), 1);
        assert_eq!(r.hosts[0].state, HostState::Up);
        assert_eq!(r.stats.hosts_up, 1);
    }

    /// Liveness off (-Pn): every target is "user-set" up and scanned.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_liveness_every_target_is_scanned() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        let scope = Arc::new(Scope::from_networks(["127.0.0.1-2"]).unwrap());
        let mut req = ScanRequest {
            targets: vec!["127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap()],
            ports: PortSet::List(vec![port]),
            limits: RateLimits {
                global_per_sec: 0,
                per_target_per_sec: 0,
            },
            identify: false,
            ..Default::default()
        };
        req.liveness.enabled = false;
        let r = scan(scope, req, Arc::new(RuleSet::builtin().unwrap())).await;
        assert!(r.hosts.iter().all(|h| h.reason == "user-set"));
        assert_eq!(r.hosts.len(), 2);
        assert_eq!(r.open_ports.len(), 1);
        assert_eq!(r.closed_count, 1);
        assert_eq!(r.stats.liveness_ms, 0);
    }
}
