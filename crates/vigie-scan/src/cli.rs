//! `vigie scan ...`: the standalone command (no server, no database).
//! Its scope is exactly the targets named on the command line (plus the
//! addresses of `--domain` names); the hard deny list still applies.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::net::RateLimits;
use crate::ports::PortSet;
use crate::rules::{import_recog, RuleSet};
use crate::scan::{scan, DiscoveryMethod, ScanRequest};
use crate::scope::{DeclaredAsset, Scope, SystemResolver};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// JSON lines (summary, ports, services, findings)
    Json,
    /// nmap-compatible XML (-oX)
    NmapXml,
    /// human-readable table
    Text,
}

#[derive(Debug, Clone, clap::Args)]
pub struct ScanArgs {
    /// Targets: IP addresses or CIDR ranges. They ARE the scope.
    pub targets: Vec<String>,
    /// Declared domain names: resolved (A/AAAA, CNAME chains) and added to the scope.
    #[arg(long = "domain")]
    pub domains: Vec<String>,
    /// Ports: health (default), topN, all, or a list like 22,80,8000-8100.
    #[arg(short = 'p', long, default_value = "health")]
    pub ports: String,
    /// Output format.
    #[arg(short = 'o', long = "output", value_enum, default_value = "json")]
    pub output: OutputFormat,
    /// Write output to this file instead of standard output.
    #[arg(long = "out-file")]
    pub out_file: Option<PathBuf>,
    /// Global rate limit, connection attempts (or SYN packets) per second; 0 = unlimited.
    #[arg(long, default_value_t = 1000)]
    pub rate: u32,
    /// Per-target rate limit, per second; 0 = unlimited.
    #[arg(long = "rate-per-target", default_value_t = 200)]
    pub rate_per_target: u32,
    /// SYN scan through raw sockets (root); falls back to connect otherwise.
    #[arg(long)]
    pub syn: bool,
    /// Only discover ports, no service identification.
    #[arg(long = "no-identify")]
    pub no_identify: bool,
    /// Maximum simultaneous connection attempts.
    #[arg(long, default_value_t = 1024)]
    pub concurrency: usize,
    /// Connect timeout (ms), the upper bound of the adaptive one.
    #[arg(long = "timeout-ms", default_value_t = 1500)]
    pub timeout_ms: u64,
    /// Simultaneous service probes.
    #[arg(long = "probe-concurrency", default_value_t = 64)]
    pub probe_concurrency: usize,
    /// Extra fingerprints: a Rapid7 Recog XML file or directory.
    #[arg(long = "recog")]
    pub recog: Option<PathBuf>,
    /// Do not try anonymous FTP login.
    #[arg(long = "no-ftp-anonymous")]
    pub no_ftp_anonymous: bool,
}

pub async fn run(args: ScanArgs) -> anyhow::Result<()> {
    if args.targets.is_empty() && args.domains.is_empty() {
        bail!("no target: name IP addresses, CIDR ranges or --domain names");
    }
    let mut assets: Vec<DeclaredAsset> = args.targets.iter().map(DeclaredAsset::new).collect();
    assets.extend(args.domains.iter().map(DeclaredAsset::new));
    let scope = if args.domains.is_empty() {
        Scope::from_networks(&args.targets).context("invalid target")?
    } else {
        let r = SystemResolver::new().map_err(|e| anyhow::anyhow!("resolver: {e}"))?;
        Scope::build(&assets, &r).await.context("invalid target")?
    };
    for (name, err) in &scope.unresolved {
        eprintln!("vigie scan: {name} not resolved: {err}");
    }
    let targets: Vec<IpAddr> = scope.addresses(1 << 20);
    if targets.is_empty() {
        bail!("nothing to scan: every target is refused (deny list, demo data) or unresolved");
    }
    let mut names = BTreeMap::new();
    for (name, res) in &scope.resolved {
        for a in &res.addrs {
            names.entry(*a).or_insert_with(|| name.clone());
        }
    }
    let mut rules = RuleSet::builtin()?;
    if let Some(p) = &args.recog {
        let (extra, reports) = import_recog(p)
            .with_context(|| format!("reading Recog fingerprints from {}", p.display()))?;
        let total: usize = reports.iter().map(|r| r.examples).sum();
        let passed: usize = reports.iter().map(|r| r.examples_passed).sum();
        eprintln!(
            "vigie scan: imported {} Recog fingerprints; self-test {passed}/{total} examples pass",
            extra.rules.len()
        );
        rules.extend(extra);
    }
    let ports = PortSet::parse(&args.ports).map_err(|e| anyhow::anyhow!(e))?;
    let mut req = ScanRequest {
        targets,
        ports,
        limits: RateLimits {
            global_per_sec: args.rate,
            per_target_per_sec: args.rate_per_target,
        },
        method: if args.syn {
            DiscoveryMethod::Syn
        } else {
            DiscoveryMethod::Connect
        },
        identify: !args.no_identify,
        probe_concurrency: args.probe_concurrency,
        names,
        ..Default::default()
    };
    req.discovery.max_concurrency = args.concurrency.max(1);
    req.discovery.initial_concurrency = req
        .discovery
        .initial_concurrency
        .min(req.discovery.max_concurrency);
    req.discovery.max_timeout = Duration::from_millis(args.timeout_ms.max(10));
    req.discovery.min_timeout = req.discovery.min_timeout.min(req.discovery.max_timeout);
    req.probe.ftp_anonymous_check = !args.no_ftp_anonymous;
    if args.syn && !crate::syn::available() {
        eprintln!("vigie scan: --syn needs root (raw sockets); using the connect scan");
    }
    let result = scan(Arc::new(scope), req, Arc::new(rules)).await;
    let cmdline = std::env::args().collect::<Vec<_>>().join(" ");
    let text = match args.output {
        OutputFormat::Json => crate::output::to_json_lines(&result),
        OutputFormat::NmapXml => crate::output::to_nmap_xml(&result, &cmdline),
        OutputFormat::Text => text_report(&result),
    };
    match &args.out_file {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display()))?,
        None => {
            let mut o = std::io::stdout().lock();
            o.write_all(text.as_bytes())?;
            o.flush()?;
        }
    }
    Ok(())
}

fn text_report(r: &crate::scan::ScanResult) -> String {
    let mut s = String::new();
    for svc in &r.services {
        s.push_str(&format!(
            "{:<40} {:<16} {} {}\n",
            format!("{}:{}", svc.ip, svc.port),
            svc.name,
            svc.product.clone().unwrap_or_default(),
            svc.version.clone().unwrap_or_default()
        ));
    }
    for f in &r.findings {
        s.push_str(&format!(
            "[{:?}] {} — {}\n",
            f.severity, f.title_fr, f.evidence
        ));
    }
    for (ip, why) in &r.refused {
        s.push_str(&format!("refused {ip}: {why}\n"));
    }
    s
}
