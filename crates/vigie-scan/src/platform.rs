//! A scan of what one structure declared, as the platform runs it: the rules of a scheduled or
//! requested surveillance scan, apart from any database (the platform stores what this returns).
//!
//! 1. The scope is built ONLY from the declared assets; names are resolved.
//! 2. Every address of it (bounded by `max_addresses`) must pass the platform's address policy
//!    (`PlatformScan::refusal`: loopback, private, link-local, shared… are refused, with the
//!    reason, in the scope snapshot).
//! 3. The engine scans exactly the accepted addresses, with a scope of exactly those: it refuses
//!    any other connection on its own.
//! 4. Names read from certificates that fall inside the declared domains are resolved and their
//!    new accepted addresses scanned once more (never a name outside the declared domains).
//! 5. What the scan *covered* — the addresses whose ports were really scanned — is what may
//!    verify a fix: an address judged down or given up early was not scanned, and a scan that got
//!    no answer at all (the network, not the structure) verifies nothing.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::scope::{DeclaredAsset, NameResolver, Scope};
use crate::{DiscoveryMethod, PortSet, RateLimits, RuleSet, ScanRequest, ScanResult};

/// How the platform scans, from its configuration.
#[derive(Debug, Clone)]
pub struct PlatformOptions {
    /// At most this many addresses per scan; the rest is left out and the snapshot says so.
    pub max_addresses: usize,
    /// The ports, as written in the configuration (`health`, `top100`, `1-1024`…).
    pub ports: String,
    pub limits: RateLimits,
    /// Connections under way at once.
    pub concurrency: usize,
    /// Longest wait for one connection.
    pub timeout: Duration,
    /// Decide first which addresses are up and scan only those (off: nmap's `-Pn`).
    pub liveness: bool,
}

/// Why a scan did not run, with the scope as far as it was built.
#[derive(Debug, Clone)]
pub struct NotRun {
    pub reason: String,
    pub snapshot: Value,
}

/// A scan that ran: the engine's result, the scope snapshot to keep beside it, and what it
/// covered.
#[derive(Debug, Clone)]
pub struct PlatformRun {
    pub result: ScanResult,
    /// What was declared, scanned, refused, judged down, given up, discovered, and the
    /// engine's figures: the scan's record of its own scope.
    pub snapshot: Value,
    /// The addresses whose ports were scanned: only their findings may be taken as fixed.
    pub covered_addresses: Vec<String>,
    /// The ports scanned on them.
    pub covered_ports: Vec<u16>,
}

/// One scan of one structure's declared assets.
pub struct PlatformScan<'a> {
    pub declared: &'a [String],
    pub options: &'a PlatformOptions,
    /// The platform's address policy: why an address is never scanned, or `None`.
    pub refusal: &'a (dyn Fn(IpAddr) -> Option<String> + Send + Sync),
}

impl PlatformScan<'_> {
    /// Runs the scan (see the module's documentation).
    pub async fn run(&self, resolver: &dyn NameResolver) -> Result<PlatformRun, NotRun> {
        let o = self.options;
        let declared: Vec<&str> = self.declared.iter().map(String::as_str).collect();
        if declared.is_empty() {
            return Err(NotRun {
                reason: "no scannable asset: the structure has declared no domain or IP range \
                         outside demo data, so nothing was scanned (declare its internet-facing \
                         assets first)"
                    .into(),
                snapshot: json!({ "declared": declared }),
            });
        }
        let assets: Vec<DeclaredAsset> = self
            .declared
            .iter()
            .map(|a| DeclaredAsset::new(a.clone()))
            .collect();
        let built = Scope::build(&assets, resolver).await.map_err(|e| NotRun {
            reason: format!("invalid declared asset: {e}"),
            snapshot: json!({ "declared": declared }),
        })?;
        // Every address of the declared scope (bounded), then the platform's own refusals.
        let candidates = built.addresses(o.max_addresses.saturating_add(1));
        let truncated = candidates.len() > o.max_addresses;
        let mut targets: Vec<IpAddr> = Vec::new();
        let mut refused: Vec<Value> = Vec::new();
        for ip in candidates.into_iter().take(o.max_addresses) {
            match (self.refusal)(ip) {
                Some(why) => refused.push(json!({ "address": ip.to_string(), "reason": why })),
                None => targets.push(ip),
            }
        }
        let mut names: BTreeMap<IpAddr, String> = BTreeMap::new();
        for (name, res) in &built.resolved {
            for a in &res.addrs {
                if targets.contains(a) {
                    names.entry(*a).or_insert_with(|| name.clone());
                }
            }
        }
        let ports = PortSet::parse(&o.ports).unwrap_or(PortSet::Health);
        let mut snapshot = json!({
            "declared": declared,
            "targets": targets.iter().map(|t| t.to_string()).collect::<Vec<_>>(),
            "names": names.iter().map(|(k, v)| (k.to_string(), v.clone())).collect::<BTreeMap<_, _>>(),
            "refused": refused.clone(),
            "unresolved": built.unresolved,
            "truncated_at": truncated.then_some(o.max_addresses),
            "ports": o.ports,
        });
        if targets.is_empty() {
            return Err(NotRun {
                reason: "nothing to scan: no declared asset gives a public address (names \
                         unresolved, or addresses refused: see the scope)"
                    .into(),
                snapshot,
            });
        }
        let rules = match RuleSet::builtin() {
            Ok(r) => Arc::new(r),
            Err(e) => {
                return Err(NotRun {
                    reason: format!("fingerprint rules: {e}"),
                    snapshot,
                })
            }
        };
        let mut result = match self.engine(&targets, &ports, &names, rules.clone()).await {
            Ok(r) => r,
            Err(reason) => return Err(NotRun { reason, snapshot }),
        };
        // Names read from certificates inside the declared domains: their new public
        // addresses are scanned too, once.
        let found = discovered_names(&result.services, &built);
        let mut extended = built.clone();
        let mut added: Vec<IpAddr> = Vec::new();
        for n in &found {
            if !matches!(extended.add_discovered_name(n, resolver).await, Ok(true)) {
                continue;
            }
            let Some(res) = extended.resolved.get(n.as_str()) else {
                continue;
            };
            for a in &res.addrs {
                if targets.contains(a) || added.contains(a) {
                    continue;
                }
                if targets.len() + added.len() >= o.max_addresses {
                    break;
                }
                match (self.refusal)(*a) {
                    Some(why) => {
                        refused.push(json!({ "address": a.to_string(), "reason": why, "name": n }))
                    }
                    None => {
                        added.push(*a);
                        names.entry(*a).or_insert_with(|| n.clone());
                    }
                }
            }
        }
        if !added.is_empty() {
            match self.engine(&added, &ports, &names, rules).await {
                Ok(more) => merge(&mut result, more),
                Err(reason) => return Err(NotRun { reason, snapshot }),
            }
            targets.extend(added.iter().copied());
        }
        let answered = any_answered(&result);
        let covered_addresses = covered(&targets, &result);
        if let Some(s) = snapshot.as_object_mut() {
            s.insert(
                "targets".into(),
                json!(targets.iter().map(|t| t.to_string()).collect::<Vec<_>>()),
            );
            s.insert(
                "names".into(),
                json!(names
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.clone()))
                    .collect::<BTreeMap<_, _>>()),
            );
            s.insert("refused".into(), Value::Array(refused));
            s.insert(
                "down".into(),
                json!(result
                    .hosts_down()
                    .map(|h| json!({ "address": h.ip.to_string(), "reason": h.reason, "detail": h.detail }))
                    .collect::<Vec<_>>()),
            );
            s.insert(
                "given_up".into(),
                json!(result
                    .hosts_given_up()
                    .map(|h| json!({
                        "address": h.ip.to_string(),
                        "detail": h.given_up.as_ref().map(|g| g.detail.clone()).unwrap_or_default(),
                    }))
                    .collect::<Vec<_>>()),
            );
            s.insert("stats".into(), json!(result.stats));
            s.insert("discovered_names".into(), json!(found));
            s.insert(
                "discovered_addresses".into(),
                json!(added.iter().map(|a| a.to_string()).collect::<Vec<_>>()),
            );
            s.insert("engine_refused".into(), json!(result.refused));
            if !answered {
                s.insert(
                    "note".into(),
                    "no address answered on any port: nothing is considered fixed by this scan"
                        .into(),
                );
            }
        }
        Ok(PlatformRun {
            result,
            snapshot,
            covered_addresses,
            covered_ports: ports.ports(),
        })
    }

    /// Runs the engine over `targets`, with a scope of exactly those addresses: the engine
    /// refuses any other connection on its own (hard deny list included).
    async fn engine(
        &self,
        targets: &[IpAddr],
        ports: &PortSet,
        names: &BTreeMap<IpAddr, String>,
        rules: Arc<RuleSet>,
    ) -> Result<ScanResult, String> {
        let o = self.options;
        let scope = Scope::from_networks(targets.iter().map(|t| t.to_string()))
            .map_err(|e| format!("scope: {e}"))?;
        let mut req = ScanRequest {
            targets: targets.to_vec(),
            ports: ports.clone(),
            limits: o.limits,
            method: DiscoveryMethod::Connect,
            identify: true,
            probe_concurrency: 16,
            names: names.clone(),
            ..Default::default()
        };
        req.liveness.enabled = o.liveness;
        req.discovery.max_concurrency = o.concurrency.max(1);
        req.discovery.initial_concurrency = req
            .discovery
            .initial_concurrency
            .min(req.discovery.max_concurrency);
        req.discovery.max_timeout = o.timeout.max(Duration::from_millis(10));
        req.discovery.min_timeout = req.discovery.min_timeout.min(req.discovery.max_timeout);
        Ok(crate::scan(Arc::new(scope), req, rules).await)
    }
}

/// Whether any address answered on any port (open or closed): when none did, the network
/// failed, not the structure, and the scan proves nothing fixed.
fn any_answered(result: &ScanResult) -> bool {
    !result.open_ports.is_empty() || result.closed_count > 0
}

/// What a scan of `targets` really covered: not the addresses judged down nor those given up
/// early (their ports were not scanned), and nothing at all when no address answered on any
/// port (the network, not the structure).
pub fn covered(targets: &[IpAddr], result: &ScanResult) -> Vec<String> {
    if !any_answered(result) {
        return Vec::new();
    }
    let unscanned: HashSet<IpAddr> = result
        .hosts_down()
        .chain(result.hosts_given_up())
        .map(|h| h.ip)
        .collect();
    targets
        .iter()
        .filter(|t| !unscanned.contains(t))
        .map(|t| t.to_string())
        .collect()
}

/// The platform's address policy for the scanner (`vigie_domain::address_policy`, shared with
/// the webhooks): why it never scans `ip`, or `None`. Only public unicast addresses pass; IPv6
/// forms that embed an IPv4 address are judged by it (NAT64, 6to4, IPv4-mapped) or refused
/// (IPv4-compatible, Teredo, local-use NAT64). Loopback, the platform's own host, passes only
/// when `allow_loopback` (a setting for tests).
pub fn refusal(ip: IpAddr, allow_loopback: bool) -> Option<String> {
    use vigie_domain::address_policy::{is_public_unicast, AddressClass};
    match is_public_unicast(ip) {
        Ok(()) => None,
        Err(r) if allow_loopback && r.class == AddressClass::Loopback && r.via.is_none() => None,
        Err(r) => Some(format!("{r}: never scanned by the platform")),
    }
}

/// Adds the second pass's result to the first.
fn merge(result: &mut ScanResult, more: ScanResult) {
    result.open_ports.extend(more.open_ports);
    result.closed_count += more.closed_count;
    result.filtered_count += more.filtered_count;
    result.services.extend(more.services);
    result.findings.extend(more.findings);
    result.refused.extend(more.refused);
    result.hosts.extend(more.hosts);
    result.stats.hosts_up += more.stats.hosts_up;
    result.stats.hosts_down += more.stats.hosts_down;
    result.stats.hosts_given_up += more.stats.hosts_given_up;
    result.stats.connection_attempts += more.stats.connection_attempts;
    result.stats.ports_probed += more.stats.ports_probed;
    result.stats.refused_by_scope += more.stats.refused_by_scope;
}

/// Names in the leaf certificates' subject alternative names that fall inside the declared
/// domains (wildcards reduced to their base), normalised, sorted, once each.
pub fn discovered_names(services: &[crate::Service], declared: &Scope) -> Vec<String> {
    let mut out: Vec<String> = services
        .iter()
        .filter_map(|s| s.tls.as_ref())
        .filter_map(|t| t.chain.first())
        .flat_map(|c| c.sans.iter())
        .map(|n| {
            crate::scope::normalize_name(n)
                .trim_start_matches("*.")
                .to_string()
        })
        .filter(|n| declared.name_in_scope(n))
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GivenUp, HostState, HostStatus, PortResult, PortState};

    fn host(ip: &str, state: HostState, given_up: bool) -> HostStatus {
        HostStatus {
            ip: ip.parse().expect("address"),
            state,
            reason: if state == HostState::Down {
                "no-response".into()
            } else {
                "syn-ack".into()
            },
            detail: String::new(),
            rtt_us: None,
            mac: None,
            given_up: given_up.then(|| GivenUp {
                silent_attempts: 32,
                ports_not_probed: 10,
                detail: "no answer to its first 32 attempts".into(),
            }),
        }
    }

    /// Only the addresses whose ports were scanned may verify a fix: a portal briefly down
    /// must not see its findings closed.
    #[test]
    fn addresses_judged_down_or_given_up_are_not_covered() {
        let targets: Vec<IpAddr> = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
            .iter()
            .map(|a| a.parse().expect("address"))
            .collect();
        let mut result = ScanResult {
            closed_count: 3,
            hosts: vec![
                host("127.0.0.1", HostState::Up, false),
                host("127.0.0.2", HostState::Down, false),
                host("127.0.0.3", HostState::Up, true),
            ],
            ..Default::default()
        };
        assert_eq!(covered(&targets, &result), vec!["127.0.0.1".to_string()]);
        // Nothing answered on any port: nothing covered at all.
        result.closed_count = 0;
        assert!(covered(&targets, &result).is_empty());
        result.open_ports.push(PortResult {
            ip: targets[0],
            port: 443,
            state: PortState::Open,
            rtt_us: None,
        });
        assert_eq!(covered(&targets, &result), vec!["127.0.0.1".to_string()]);
    }

    /// Issue 13, finding 8: the IPv6 forms that embed an IPv4 address, and the special blocks,
    /// were accepted as scannable assets.
    #[test]
    fn only_public_unicast_addresses_are_scanned() {
        let r = |s: &str, lo: bool| refusal(s.parse().expect("address"), lo);
        assert!(r("127.0.0.1", false).is_some());
        assert!(r("127.0.0.1", true).is_none());
        assert!(r("::1", false).is_some());
        assert!(r("::1", true).is_none());
        for a in [
            "::ffff:127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "fd00::1",
            "fe80::1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:a9fe:a9fe::1",
            "::7f00:1",
            "fec0::1",
            "2001::1",
            "198.18.0.1",
            "192.0.0.1",
        ] {
            assert!(r(a, true).is_some(), "{a} must be refused");
        }
        assert!(r("185.10.20.1", false).is_none());
        assert!(r("2a01:4f8::1", false).is_none());
        // The NAT64 form of a public address routes to it: judged by it.
        assert!(r("64:ff9b::b90a:1401", false).is_none());
    }

    /// The second pass's hosts and counters are merged, so that its down addresses are known.
    #[test]
    fn the_second_pass_is_merged_with_its_hosts() {
        let mut first = ScanResult::default();
        first.stats.hosts_up = 1;
        let mut more = ScanResult {
            hosts: vec![host("127.0.0.9", HostState::Down, false)],
            ..Default::default()
        };
        more.stats.hosts_down = 1;
        merge(&mut first, more);
        assert_eq!(first.hosts_down().count(), 1);
        assert_eq!((first.stats.hosts_up, first.stats.hosts_down), (1, 1));
    }
}
