//! The scan engine: scope → port discovery → identification → findings.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::discovery::{connect_scan, DiscoveryOptions, PortResult, PortState};
use crate::findings::{assess_all, Finding};
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
            identify: true,
            probe: ProbeOptions::default(),
            probe_concurrency: 64,
            names: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct ScanStats {
    pub discovery_ms: u128,
    pub identification_ms: u128,
    pub ports_probed: usize,
    pub connection_attempts: u64,
    pub refused_by_scope: u64,
    pub method: String,
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
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Runs one scan. The scope is enforced for every target and every
/// connection, whatever `req` asks.
pub async fn scan(scope: Arc<Scope>, req: ScanRequest, rules: Arc<RuleSet>) -> ScanResult {
    let started = now_rfc3339();
    let dialer = Arc::new(Dialer::new(scope.clone(), req.limits));
    let ports = req.ports.ports();
    let mut targets = req.targets.clone();
    targets.sort();
    targets.dedup();
    let t0 = Instant::now();
    let mut method = "connect";
    let (results, refused) = match req.method {
        DiscoveryMethod::Syn if crate::syn::available() => {
            method = "syn";
            match crate::syn::syn_scan(dialer.clone(), &targets, &ports, &req.discovery).await {
                Ok(r) => r,
                Err(_) => {
                    method = "connect";
                    connect_scan(dialer.clone(), &targets, &ports, &req.discovery).await
                }
            }
        }
        _ => connect_scan(dialer.clone(), &targets, &ports, &req.discovery).await,
    };
    let discovery_ms = t0.elapsed().as_millis();
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
    let t1 = Instant::now();
    let mut services = vec![];
    if req.identify {
        let sem = Arc::new(tokio::sync::Semaphore::new(req.probe_concurrency.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for p in &open {
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
        services.sort_by_key(|s| (s.ip, s.port));
    }
    let identification_ms = t1.elapsed().as_millis();
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
            identification_ms,
            ports_probed: ports.len() * targets.len(),
            connection_attempts: dialer.attempts.load(Ordering::Relaxed),
            refused_by_scope: dialer.refused.load(Ordering::Relaxed),
            method: method.into(),
        },
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
    }
}
