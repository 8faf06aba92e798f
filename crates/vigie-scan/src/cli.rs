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

use crate::liveness::HostState;
use crate::net::RateLimits;
use crate::ports::PortSet;
use crate::rules::{import_recog, RuleSet};
use crate::scan::{scan, DiscoveryMethod, ScanRequest};
use crate::scope::{DeclaredAsset, Scope, SystemResolver};
use crate::targets::{self, Exclusions, Target};

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
    /// Targets as nmap reads them: addresses, CIDR ranges, octet ranges and lists in any octet
    /// (10.0.0.1-16, 10.0.0-3.1, 10.0.0.1,5,9), comma lists, names. They ARE the scope.
    pub targets: Vec<String>,
    /// Read targets from a file, as nmap's -iL does ("-" = standard input): separated by
    /// blanks or line breaks, "#" starts a comment.
    #[arg(long = "input-list", value_name = "FILE")]
    pub input_list: Vec<String>,
    /// nmap's spelling of --input-list: -iL FILE (the file is the argument after -iL).
    #[arg(short = 'i', value_name = "L", value_parser = ["L"], hide = true)]
    pub nmap_input: Vec<String>,
    /// Leave these out (addresses, ranges, CIDR; comma lists), as nmap's --exclude.
    #[arg(long = "exclude", value_name = "TARGETS")]
    pub exclude: Vec<String>,
    /// Leave out the targets of this file (same form as --input-list).
    #[arg(long = "excludefile", value_name = "FILE")]
    pub exclude_file: Vec<String>,
    /// Refuse targets that expand to more addresses than this (a /16 by default).
    #[arg(long = "max-addresses", default_value_t = 65536)]
    pub max_addresses: usize,
    /// Scan every target, also those that liveness would judge down (nmap's -Pn).
    #[arg(long = "assume-up")]
    pub assume_up: bool,
    /// nmap's host discovery switch: only -Pn (= --assume-up) is read.
    #[arg(short = 'P', value_name = "n", value_parser = ["n"], hide = true)]
    pub nmap_p: Option<String>,
    /// How long an address may stay silent to liveness probes before it is judged down (ms);
    /// shortened to ten times the slowest answer once answers come back.
    #[arg(long = "liveness-timeout-ms", default_value_t = 1000)]
    pub liveness_timeout_ms: u64,
    /// Give an address up after this many unanswered attempts when it answered nothing at
    /// all (0 = never).
    #[arg(long = "give-up-after", default_value_t = 32)]
    pub give_up_after: u32,
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

/// The files named by nmap's `-iL FILE` in a command line: clap reads `-iL` as `-i L` and
/// leaves FILE among the positional targets, so the command line itself says which they are.
pub fn nmap_input_files(argv: &[String]) -> Vec<String> {
    let mut out = vec![];
    let mut i = 0;
    while i < argv.len() {
        let next = |k: usize| argv.get(k).cloned();
        match argv[i].as_str() {
            "-iL" => out.extend(next(i + 1)),
            "-i" if argv.get(i + 1).is_some_and(|v| v == "L") => {
                out.extend(next(i + 2));
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The targets of the command line and of its target files, read as nmap reads them.
/// `argv`: the command line, to find the files of nmap's `-iL`.
fn read_targets(args: &ScanArgs, argv: &[String]) -> anyhow::Result<Vec<Target>> {
    let mut files: Vec<String> = args.input_list.clone();
    let mut positional = args.targets.clone();
    if !args.nmap_input.is_empty() {
        for f in nmap_input_files(argv) {
            if let Some(i) = positional.iter().position(|t| *t == f) {
                positional.remove(i);
            }
            files.push(f);
        }
    }
    let mut specs: Vec<Target> = vec![];
    for t in &positional {
        specs.extend(targets::parse(t)?);
    }
    for f in &files {
        specs.extend(targets::read_target_file(f).map_err(|e| anyhow::anyhow!(e))?);
    }
    for d in &args.domains {
        specs.push(Target::Name(crate::scope::normalize_name(d)));
    }
    Ok(specs)
}

fn read_exclusions(args: &ScanArgs) -> anyhow::Result<Exclusions> {
    let mut x = Exclusions::default();
    for e in &args.exclude {
        for t in targets::parse(e)? {
            x.add(t).map_err(|e| anyhow::anyhow!(e))?;
        }
    }
    for f in &args.exclude_file {
        for t in targets::read_target_file(f).map_err(|e| anyhow::anyhow!(e))? {
            x.add(t).map_err(|e| anyhow::anyhow!(e))?;
        }
    }
    Ok(x)
}

/// `vigie scan`: scans, then writes the result in the asked format.
pub async fn run(args: ScanArgs) -> anyhow::Result<()> {
    let result = execute(&args).await?;
    emit(&args, &render(&args, &result))
}

/// Runs the scan the arguments describe (every target through the scope rules).
pub async fn execute(args: &ScanArgs) -> anyhow::Result<crate::scan::ScanResult> {
    let argv: Vec<String> = std::env::args().collect();
    let specs = read_targets(args, &argv)?;
    if specs.is_empty() {
        bail!("no target: name addresses, ranges (10.0.0.1-16, 10.0.0.0/24), names, or -iL FILE");
    }
    let max = args.max_addresses.max(1);
    let known: u128 = specs.iter().filter_map(Target::count).sum();
    if known > max as u128 {
        bail!(
            "the targets expand to {known} addresses, more than --max-addresses {max}: narrow them, or raise the limit"
        );
    }
    let exclusions = read_exclusions(args)?;
    let assets: Vec<DeclaredAsset> = specs
        .iter()
        .map(|t| DeclaredAsset::new(t.to_string()))
        .collect();
    let scope = if specs.iter().any(|t| matches!(t, Target::Name(_))) {
        let r = SystemResolver::new().map_err(|e| anyhow::anyhow!("resolver: {e}"))?;
        Scope::build(&assets, &r).await.context("invalid target")?
    } else {
        Scope::from_networks(assets.iter().map(|a| a.value.as_str())).context("invalid target")?
    };
    for (name, err) in &scope.unresolved {
        eprintln!("vigie scan: {name} not resolved: {err}");
    }
    // every address goes through the scope rules: deny list and demo data are left out
    let all: Vec<IpAddr> = scope.addresses(max.saturating_add(1));
    if all.len() > max {
        bail!("the targets give more than --max-addresses {max} addresses: narrow them, or raise the limit");
    }
    let excluded = all.iter().filter(|ip| exclusions.contains(**ip)).count();
    let targets: Vec<IpAddr> = all
        .into_iter()
        .filter(|ip| !exclusions.contains(*ip))
        .collect();
    if targets.is_empty() {
        bail!(
            "nothing to scan: every target is refused (deny list, demo data), unresolved{}",
            if excluded > 0 { " or excluded" } else { "" }
        );
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
    req.discovery.give_up_after = args.give_up_after;
    req.liveness.enabled = !(args.assume_up || args.nmap_p.is_some());
    req.liveness.timeout = Duration::from_millis(args.liveness_timeout_ms.max(10));
    req.liveness.min_timeout = req.liveness.min_timeout.min(req.liveness.timeout);
    if args.syn && !crate::syn::available() {
        eprintln!("vigie scan: --syn needs root (raw sockets); using the connect scan");
    }
    Ok(scan(Arc::new(scope), req, Arc::new(rules)).await)
}

/// The result in the format `-o` asks for.
pub fn render(args: &ScanArgs, result: &crate::scan::ScanResult) -> String {
    let cmdline = std::env::args().collect::<Vec<_>>().join(" ");
    match args.output {
        OutputFormat::Json => crate::output::to_json_lines(result),
        OutputFormat::NmapXml => crate::output::to_nmap_xml(result, &cmdline),
        OutputFormat::Text => text_report(result),
    }
}

/// Writes `text` where `--out-file` says, or to standard output.
pub fn emit(args: &ScanArgs, text: &str) -> anyhow::Result<()> {
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
            "{:<40} {:<16} {} {}{}\n",
            format!("{}:{}", svc.ip, svc.port),
            svc.name,
            svc.product.clone().unwrap_or_default(),
            svc.version.clone().unwrap_or_default(),
            svc.extrainfo
                .as_deref()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        ));
    }
    for f in &r.findings {
        s.push_str(&format!(
            "[{:?}] {} — {}\n",
            f.severity, f.title_fr, f.evidence
        ));
    }
    let st = &r.stats;
    s.push_str(&format!(
        "hosts: {} up, {} judged down (not scanned), {} given up early\n",
        st.hosts_up, st.hosts_down, st.hosts_given_up
    ));
    for h in &r.hosts {
        match (h.state, &h.given_up) {
            (HostState::Down, _) => {
                s.push_str(&format!("down {}: {} — {}\n", h.ip, h.reason, h.detail))
            }
            (HostState::Up, Some(g)) => s.push_str(&format!("given up {}: {}\n", h.ip, g.detail)),
            _ => {}
        }
    }
    for (ip, why) in &r.refused {
        s.push_str(&format!("refused {ip}: {why}\n"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ScanArgs,
    }

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn nmap_spellings() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("targets.txt");
        std::fs::write(&f, "# lab\n127.0.0.1-2\n\n127.0.0.9 # last\n").unwrap();
        let line = format!("vigie-scan 127.0.1.1 -iL {} -Pn -p 22", f.display());
        let a = Cli::try_parse_from(argv(&line)).unwrap().args;
        assert_eq!(a.nmap_p.as_deref(), Some("n"));
        let t = read_targets(&a, &argv(&line)).unwrap();
        let s: Vec<String> = t.iter().map(Target::to_string).collect();
        assert_eq!(s, ["127.0.1.1", "127.0.0.1-2", "127.0.0.9"]);
        let line2 = format!("vigie-scan -i L {} --exclude 127.0.0.2", f.display());
        let a = Cli::try_parse_from(argv(&line2)).unwrap().args;
        assert_eq!(read_targets(&a, &argv(&line2)).unwrap().len(), 2);
        assert!(read_exclusions(&a)
            .unwrap()
            .contains("127.0.0.2".parse().unwrap()));
        assert!(Cli::try_parse_from(argv("vigie-scan -Px 127.0.0.1")).is_err());
        assert!(Cli::try_parse_from(argv("vigie-scan -iX f")).is_err());
    }

    /// Targets beyond the expansion limit are refused before anything is contacted.
    #[tokio::test]
    async fn expansion_limit_is_a_clear_error() {
        let a = Cli::try_parse_from(argv("vigie-scan 127.0.0-255.1-254 --max-addresses 1000"))
            .unwrap()
            .args;
        let e = run(a).await.unwrap_err().to_string();
        assert!(
            e.contains("65024 addresses, more than --max-addresses 1000"),
            "{e}"
        );
        let a = Cli::try_parse_from(argv("vigie-scan 127.0.0.0/8"))
            .unwrap()
            .args;
        let e = run(a).await.unwrap_err().to_string();
        assert!(e.contains("16777216 addresses"), "{e}");
    }
}
