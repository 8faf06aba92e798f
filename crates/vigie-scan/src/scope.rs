//! Scope: the only addresses the engine will ever contact.
//!
//! A [`Scope`] is built from what a structure *declared*: IP addresses, CIDR
//! ranges and domain names (resolved to addresses, CNAME chains followed).
//! Every connection the engine makes goes through [`Scope::check`]; there is no
//! way around it from the public API. On top of the declared scope a hard
//! [deny list](DENIED_NETS) (documentation ranges of RFC 5737 and RFC 3849,
//! unspecified, broadcast and multicast addresses) and the assets marked as demo
//! data are refused whatever the caller declared.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// Networks that are never scanned, whatever the caller declares.
pub const DENIED_NETS: &[&str] = &[
    // RFC 5737 documentation ranges (TEST-NET-1..3).
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    // RFC 3849 IPv6 documentation prefix.
    "2001:db8::/32",
    // Unspecified, limited broadcast and multicast: never a host.
    "0.0.0.0/8",
    "255.255.255.255/32",
    "224.0.0.0/4",
    "ff00::/8",
    "::/128",
];

/// Most addresses one nmap-style octet range (`10.0.0-255.1-254`) may declare; larger ranges are
/// declared in CIDR form.
pub const RANGE_LIMIT: u64 = 1 << 16;
/// The same for a range marked as demo data (checked one by one on every connection).
const DEMO_RANGE_LIMIT: u64 = 256;

/// Domain suffixes that are never scanned (RFC 2606 / RFC 6761 reserved names).
pub const DENIED_DOMAINS: &[&str] = &[
    "example",
    "example.com",
    "example.net",
    "example.org",
    "invalid",
    "test",
];

/// Why an address or name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum ScopeError {
    #[error("{0} is in the hard deny list ({1})")]
    Denied(IpAddr, String),
    #[error("{0} belongs to an asset marked as demo data")]
    Demo(IpAddr),
    #[error("{0} is not in the declared scope")]
    OutOfScope(IpAddr),
    #[error("name {0} is outside the declared domains")]
    NameOutOfScope(String),
    #[error("name {0} is in the hard deny list")]
    NameDenied(String),
    #[error("invalid declared asset {0:?}")]
    Invalid(String),
}

/// A declared asset, as a structure declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclaredAsset {
    /// An IP address, a CIDR range or a domain name.
    pub value: String,
    /// Assets marked as demo data are never scanned.
    #[serde(default)]
    pub demo: bool,
}

impl DeclaredAsset {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            demo: false,
        }
    }
    pub fn demo(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            demo: true,
        }
    }
}

/// One DNS answer as seen while resolving a declared name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    /// The CNAME chain followed, first the declared name.
    pub chain: Vec<String>,
    pub addrs: Vec<IpAddr>,
}

/// Resolves names: the system resolver in production, a table in tests.
pub trait NameResolver: Send + Sync {
    fn resolve<'a>(
        &'a self,
        name: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Resolution, String>> + Send + 'a>>;
}

/// The system's resolver (hickory, reading /etc/resolv.conf), CNAME chains recorded.
pub struct SystemResolver {
    inner: hickory_resolver::TokioResolver,
}

impl SystemResolver {
    pub fn new() -> Result<Self, String> {
        let inner = hickory_resolver::Resolver::builder_tokio()
            .map_err(|e| e.to_string())?
            .build();
        Ok(Self { inner })
    }
}

impl NameResolver for SystemResolver {
    fn resolve<'a>(
        &'a self,
        name: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Resolution, String>> + Send + 'a>>
    {
        Box::pin(async move {
            use hickory_resolver::proto::rr::{RData, RecordType};
            let mut res = Resolution {
                chain: vec![name.to_string()],
                addrs: vec![],
            };
            for rt in [RecordType::A, RecordType::AAAA] {
                let Ok(lookup) = self.inner.lookup(name, rt).await else {
                    continue;
                };
                for rec in lookup.record_iter() {
                    match rec.data() {
                        RData::CNAME(c) => {
                            let t = c.0.to_utf8().trim_end_matches('.').to_ascii_lowercase();
                            if !res.chain.contains(&t) {
                                res.chain.push(t);
                            }
                        }
                        RData::A(a) => res.addrs.push(IpAddr::V4(a.0)),
                        RData::AAAA(a) => res.addrs.push(IpAddr::V6(a.0)),
                        _ => {}
                    }
                }
            }
            res.addrs.sort();
            res.addrs.dedup();
            Ok(res)
        })
    }
}

/// A fixed table, for tests and for offline use.
#[derive(Debug, Clone, Default)]
pub struct StaticResolver(pub BTreeMap<String, Resolution>);

impl NameResolver for StaticResolver {
    fn resolve<'a>(
        &'a self,
        name: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Resolution, String>> + Send + 'a>>
    {
        let r = self
            .0
            .get(&name.to_ascii_lowercase())
            .cloned()
            .ok_or_else(|| format!("NXDOMAIN {name}"));
        Box::pin(async move { r })
    }
}

/// The scope of one scan. Immutable once built; cheap to clone.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Scope {
    nets: Vec<IpNet>,
    addrs: BTreeSet<IpAddr>,
    domains: BTreeSet<String>,
    demo_nets: Vec<IpNet>,
    demo_domains: BTreeSet<String>,
    /// Name → resolution, for every declared (and accepted discovered) name.
    pub resolved: BTreeMap<String, Resolution>,
    /// Declared names that did not resolve, with the error.
    pub unresolved: BTreeMap<String, String>,
}

fn denied_nets() -> &'static [IpNet] {
    static NETS: std::sync::OnceLock<Vec<IpNet>> = std::sync::OnceLock::new();
    NETS.get_or_init(|| DENIED_NETS.iter().filter_map(|s| s.parse().ok()).collect())
}

/// Is this address refused by the hard deny list? Returns the matching range.
pub fn hard_denied(ip: IpAddr) -> Option<String> {
    let ip = canonical(ip);
    denied_nets()
        .iter()
        .find(|n| n.contains(&ip))
        .map(|n| n.to_string())
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// Normalises a DNS name: lower case, no trailing dot.
pub fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

fn name_within(name: &str, domain: &str) -> bool {
    name == domain || name.ends_with(&format!(".{domain}"))
}

fn name_denied(name: &str) -> bool {
    DENIED_DOMAINS.iter().any(|d| name_within(name, d))
}

fn looks_like_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
}

impl Scope {
    /// Builds a scope from IPs and CIDRs only (no names). Refuses invalid entries.
    pub fn from_networks<I, S>(items: I) -> Result<Self, ScopeError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut s = Scope::default();
        for it in items {
            s.add_network(it.as_ref(), false)?;
        }
        Ok(s)
    }

    fn add_network(&mut self, v: &str, demo: bool) -> Result<bool, ScopeError> {
        let v = v.trim();
        if let Ok(ip) = v.parse::<IpAddr>() {
            let ip = canonical(ip);
            if demo {
                self.demo_nets.push(IpNet::from(ip));
            } else {
                self.addrs.insert(ip);
            }
            return Ok(true);
        }
        if let Ok(net) = v.parse::<IpNet>() {
            let net = net.trunc();
            if demo {
                self.demo_nets.push(net);
            } else {
                self.nets.push(net);
            }
            return Ok(true);
        }
        // nmap's octet ranges (10.0.0.1-16, 10.0.0-3.*): their addresses, bounded
        if let Some(range) = crate::targets::parse_octet_range(v) {
            let range = range.map_err(|e| ScopeError::Invalid(e.to_string()))?;
            let limit = if demo { DEMO_RANGE_LIMIT } else { RANGE_LIMIT };
            let Some(addrs) = range.expand(limit) else {
                return Err(ScopeError::Invalid(format!(
                    "{v}: {} addresses, more than the {limit} one octet range may declare (declare it in CIDR form)",
                    range.count()
                )));
            };
            for a in addrs {
                if demo {
                    self.demo_nets.push(IpNet::from(IpAddr::V4(a)));
                } else {
                    self.addrs.insert(IpAddr::V4(a));
                }
            }
            return Ok(true);
        }
        Ok(false)
    }

    /// Builds a scope from declared assets, resolving declared names with `resolver`.
    pub async fn build(
        assets: &[DeclaredAsset],
        resolver: &dyn NameResolver,
    ) -> Result<Self, ScopeError> {
        let mut s = Scope::default();
        let mut names = vec![];
        for a in assets {
            if s.add_network(&a.value, a.demo)? {
                continue;
            }
            let name = normalize_name(a.value.trim_start_matches("*."));
            if !looks_like_name(&name) {
                return Err(ScopeError::Invalid(a.value.clone()));
            }
            if a.demo {
                s.demo_domains.insert(name);
            } else {
                s.domains.insert(name.clone());
                names.push(name);
            }
        }
        for name in names {
            s.resolve_into(&name, resolver).await;
        }
        Ok(s)
    }

    async fn resolve_into(&mut self, name: &str, resolver: &dyn NameResolver) {
        if name_denied(name) || self.demo_domains.iter().any(|d| name_within(name, d)) {
            self.unresolved
                .insert(name.to_string(), "denied or demo name".into());
            return;
        }
        match resolver.resolve(name).await {
            Ok(r) => {
                for a in &r.addrs {
                    self.addrs.insert(canonical(*a));
                }
                self.resolved.insert(name.to_string(), r);
            }
            Err(e) => {
                self.unresolved.insert(name.to_string(), e);
            }
        }
    }

    /// A name discovered elsewhere (a certificate's SAN, a redirect): accepted,
    /// resolved and its addresses added only when it falls inside a declared
    /// domain. Wildcards are not resolved but accepted as names.
    pub async fn add_discovered_name(
        &mut self,
        name: &str,
        resolver: &dyn NameResolver,
    ) -> Result<bool, ScopeError> {
        let n = normalize_name(name);
        let base = n.trim_start_matches("*.").to_string();
        if name_denied(&base) {
            return Err(ScopeError::NameDenied(n));
        }
        if !self.name_in_scope(&base) {
            return Err(ScopeError::NameOutOfScope(n));
        }
        if n.starts_with("*.") || self.resolved.contains_key(&base) {
            return Ok(false);
        }
        self.resolve_into(&base, resolver).await;
        Ok(true)
    }

    /// Is this DNS name inside one of the declared domains (and not demo nor denied)?
    pub fn name_in_scope(&self, name: &str) -> bool {
        let n = normalize_name(name);
        !name_denied(&n)
            && !self.demo_domains.iter().any(|d| name_within(&n, d))
            && self.domains.iter().any(|d| name_within(&n, d))
    }

    /// THE check: may the engine open a connection to `ip`?
    pub fn check(&self, ip: IpAddr) -> Result<(), ScopeError> {
        let ip = canonical(ip);
        if let Some(range) = hard_denied(ip) {
            return Err(ScopeError::Denied(ip, range));
        }
        if self.demo_nets.iter().any(|n| n.contains(&ip)) {
            return Err(ScopeError::Demo(ip));
        }
        if self.addrs.contains(&ip) || self.nets.iter().any(|n| n.contains(&ip)) {
            return Ok(());
        }
        Err(ScopeError::OutOfScope(ip))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.check(ip).is_ok()
    }

    /// Declared domains (normalised).
    pub fn domains(&self) -> impl Iterator<Item = &str> {
        self.domains.iter().map(String::as_str)
    }

    /// Enumerates every address of the scope, up to `limit` (large ranges are
    /// cut, never silently widened). Denied and demo addresses are left out.
    pub fn addresses(&self, limit: usize) -> Vec<IpAddr> {
        let mut out: Vec<IpAddr> = vec![];
        let mut seen = HashSet::new();
        let mut push = |ip: IpAddr, out: &mut Vec<IpAddr>| {
            if out.len() < limit && self.check(ip).is_ok() && seen.insert(ip) {
                out.push(ip);
            }
        };
        for a in &self.addrs {
            push(*a, &mut out);
        }
        for n in &self.nets {
            let single = matches!(n, IpNet::V4(v) if v.prefix_len() >= 31)
                || matches!(n, IpNet::V6(v) if v.prefix_len() >= 127);
            if single {
                for h in n.hosts() {
                    push(h, &mut out);
                }
                push(n.network(), &mut out);
            } else {
                // bounded walk: a huge declared range is cut, never scanned whole by accident
                for (examined, h) in n.hosts().enumerate() {
                    if out.len() >= limit || examined >= limit.saturating_mul(4).max(1 << 16) {
                        break;
                    }
                    push(h, &mut out);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> StaticResolver {
        let mut m = BTreeMap::new();
        m.insert(
            "chu-exemple.fr".to_string(),
            Resolution {
                chain: vec!["chu-exemple.fr".into()],
                addrs: vec!["10.1.0.5".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))],
            },
        );
        m.insert(
            "vpn.chu-exemple.fr".to_string(),
            Resolution {
                chain: vec!["vpn.chu-exemple.fr".into(), "edge.cdn.other.net".into()],
                addrs: vec!["10.9.9.9".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))],
            },
        );
        m.insert(
            "mail.other.org".to_string(),
            Resolution {
                chain: vec![],
                addrs: vec!["10.66.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))],
            },
        );
        StaticResolver(m)
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[tokio::test]
    async fn declared_networks_and_names() {
        let r = table();
        let s = Scope::build(
            &[
                DeclaredAsset::new("10.2.0.0/24"),
                DeclaredAsset::new("chu-exemple.fr"),
                DeclaredAsset::new("vpn.chu-exemple.fr"),
            ],
            &r,
        )
        .await
        .unwrap();
        assert!(s.check(ip("10.2.0.77")).is_ok());
        assert!(s.check(ip("10.1.0.5")).is_ok());
        assert!(
            s.check(ip("10.9.9.9")).is_ok(),
            "CNAME target address is in scope"
        );
        assert_eq!(s.resolved["vpn.chu-exemple.fr"].chain.len(), 2);
        assert_eq!(
            s.check(ip("10.2.1.1")),
            Err(ScopeError::OutOfScope(ip("10.2.1.1")))
        );
        assert!(
            s.check(ip("::ffff:10.2.0.1")).is_ok(),
            "v4-mapped is canonicalised"
        );
    }

    #[tokio::test]
    async fn san_names_only_inside_declared_domains() {
        let r = table();
        let mut s = Scope::build(&[DeclaredAsset::new("chu-exemple.fr")], &r)
            .await
            .unwrap();
        assert!(matches!(
            s.add_discovered_name("mail.other.org", &r).await,
            Err(ScopeError::NameOutOfScope(_))
        ));
        assert!(!s.contains(ip("10.66.0.1")));
        assert!(matches!(
            s.add_discovered_name("evilchu-exemple.fr", &r).await,
            Err(ScopeError::NameOutOfScope(_))
        ));
        assert_eq!(
            s.add_discovered_name("VPN.chu-exemple.fr.", &r).await,
            Ok(true)
        );
        assert!(s.contains(ip("10.9.9.9")));
        assert_eq!(
            s.add_discovered_name("*.chu-exemple.fr", &r).await,
            Ok(false)
        );
    }

    #[tokio::test]
    async fn hard_deny_list_cannot_be_overridden() {
        let r = table();
        let s = Scope::build(
            &[
                DeclaredAsset::new("192.0.2.0/24"),
                DeclaredAsset::new("198.51.100.7"),
                DeclaredAsset::new("203.0.113.0/25"),
                DeclaredAsset::new("2001:db8::/48"),
                DeclaredAsset::new("0.0.0.0/0"),
            ],
            &r,
        )
        .await
        .unwrap();
        for a in [
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "2001:db8::1",
            "::ffff:192.0.2.10",
        ] {
            assert!(matches!(s.check(ip(a)), Err(ScopeError::Denied(..))), "{a}");
        }
        assert!(s.addresses(1000).iter().all(|a| hard_denied(*a).is_none()));
        let names = Scope::build(&[DeclaredAsset::new("www.example.com")], &r)
            .await
            .unwrap();
        assert!(names.addresses(10).is_empty());
    }

    #[tokio::test]
    async fn demo_assets_are_never_in_scope() {
        let r = table();
        let s = Scope::build(
            &[
                DeclaredAsset::new("10.5.0.0/16"),
                DeclaredAsset::demo("10.5.3.0/24"),
                DeclaredAsset::demo("chu-exemple.fr"),
            ],
            &r,
        )
        .await
        .unwrap();
        assert!(s.contains(ip("10.5.4.1")));
        assert_eq!(
            s.check(ip("10.5.3.1")),
            Err(ScopeError::Demo(ip("10.5.3.1")))
        );
        assert!(
            !s.contains(ip("10.1.0.5")),
            "demo domain is not even resolved"
        );
    }

    #[test]
    fn invalid_assets_refused() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let r = table();
        let e = rt.block_on(Scope::build(&[DeclaredAsset::new("not a name!")], &r));
        assert!(matches!(e, Err(ScopeError::Invalid(_))));
    }

    #[test]
    fn nmap_octet_ranges_are_declared_addresses() {
        let s = Scope::from_networks(["10.0.0.1-3", "10.0.1-2.9"]).unwrap();
        assert_eq!(
            s.addresses(100),
            ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.9", "10.0.2.9"]
                .map(ip)
                .to_vec()
        );
        assert!(!s.contains(ip("10.0.0.4")));
        let big = Scope::from_networks(["10.0-255.0-255.0-255"]);
        assert!(matches!(big, Err(ScopeError::Invalid(m)) if m.contains("CIDR form")));
        assert!(matches!(
            Scope::from_networks(["10.0.0.7-2"]),
            Err(ScopeError::Invalid(_))
        ));
        // the deny list still wins over a declared range
        let d = Scope::from_networks(["192.0.2.1-9", "10.9.9.9"]).unwrap();
        assert_eq!(d.addresses(100), vec![ip("10.9.9.9")]);
    }

    #[test]
    fn enumerate_small_ranges() {
        let s = Scope::from_networks(["10.0.0.0/30", "10.0.0.9/32"]).unwrap();
        assert_eq!(
            s.addresses(100),
            vec![ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.9")]
        );
    }
}
