//! The one address policy of Vigie: which IP addresses the platform may ever connect to on
//! someone else's behalf (the scanner's targets, the webhooks' endpoints).
//!
//! Only **public unicast** addresses pass. Everything the IANA special-purpose registries (IPv4
//! and IPv6), the multicast registries and the IPv6 address-space registry set aside is refused,
//! with its [`AddressClass`]: loopback, unspecified, "this network", private (RFC 1918), shared
//! (RFC 6598), link-local and the cloud metadata endpoints (`169.254.169.254`, `fd00:ec2::254`),
//! IETF protocol assignments (`192.0.0.0/24`, `2001::/23`), documentation, benchmarking,
//! the deprecated 6to4 relay anycast, multicast, broadcast, reserved (`240.0.0.0/4`, and every
//! IPv6 address outside `2000::/3` that no rule below names), unique-local, site-local,
//! IPv4-compatible (`::/96`), local-use NAT64 (`64:ff9b:1::/48`), discard-only, Teredo, 6bone,
//! ORCHID.
//!
//! An IPv6 address that **embeds an IPv4 address** is judged by the embedded address where that
//! address is where the packet goes: IPv4-mapped (`::ffff:a.b.c.d`, the socket connects to
//! `a.b.c.d`), the well-known NAT64 prefix (`64:ff9b::a.b.c.d`, the translator forwards to
//! `a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`, the relay tunnels to `AA.BB.CC.DD`). The other
//! embedding forms (IPv4-compatible, local-use NAT64, Teredo) are refused outright.
//!
//! Deny by default: the IPv6 rules start from "reserved" and only `2000::/3` (minus its special
//! blocks) is public. The rules are one table ([`RULES_V4`], [`RULES_V6`]); an address takes the
//! verdict of the most specific rule that contains it, and a range passes only when every
//! address in it would ([`check_range`]). `tests/properties.rs` checks both against a reference
//! table written independently from the IANA registries, on random addresses and ranges.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address is not public unicast.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressClass {
    /// `0.0.0.0`, `::`.
    Unspecified,
    /// `0.0.0.0/8` ("this network").
    ThisNetwork,
    /// `127.0.0.0/8`, `::1`.
    Loopback,
    /// RFC 1918: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`.
    Private,
    /// RFC 6598 carrier-grade NAT: `100.64.0.0/10`.
    SharedAddressSpace,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// The instance metadata services of cloud providers (`169.254.169.254`, `fd00:ec2::254`).
    CloudMetadata,
    /// `192.0.0.0/24`, `2001::/23`.
    IetfProtocolAssignments,
    /// `192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// `198.18.0.0/15`, `2001:2::/48`.
    Benchmarking,
    /// `192.88.99.0/24`, the deprecated 6to4 relay anycast (RFC 7526).
    SixToFourRelayAnycast,
    /// `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// `255.255.255.255`.
    Broadcast,
    /// `240.0.0.0/4`, and IPv6 outside `2000::/3` that no other rule names.
    Reserved,
    /// `fc00::/7`.
    UniqueLocal,
    /// `fec0::/10` (deprecated site-local).
    SiteLocal,
    /// `::/96` (deprecated IPv4-compatible addresses, e.g. `::7f00:1`).
    Ipv4Compatible,
    /// `64:ff9b:1::/48`, NAT64 for local use (RFC 8215).
    Nat64LocalUse,
    /// `100::/64`, discard-only (RFC 6666).
    DiscardOnly,
    /// `2001::/32`, Teredo.
    Teredo,
    /// `3ffe::/16`, the former 6bone.
    SixBone,
    /// `2001:10::/28` (ORCHID) and `2001:20::/28` (ORCHIDv2).
    Orchid,
}

impl AddressClass {
    /// A stable identifier (logs, JSON, message arguments).
    pub fn key(self) -> &'static str {
        match self {
            AddressClass::Unspecified => "unspecified",
            AddressClass::ThisNetwork => "this-network",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::SharedAddressSpace => "shared",
            AddressClass::LinkLocal => "link-local",
            AddressClass::CloudMetadata => "cloud-metadata",
            AddressClass::IetfProtocolAssignments => "ietf-protocol-assignments",
            AddressClass::Documentation => "documentation",
            AddressClass::Benchmarking => "benchmarking",
            AddressClass::SixToFourRelayAnycast => "6to4-relay-anycast",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Reserved => "reserved",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::SiteLocal => "site-local",
            AddressClass::Ipv4Compatible => "ipv4-compatible",
            AddressClass::Nat64LocalUse => "nat64-local-use",
            AddressClass::DiscardOnly => "discard-only",
            AddressClass::Teredo => "teredo",
            AddressClass::SixBone => "6bone",
            AddressClass::Orchid => "orchid",
        }
    }

    /// Says what the class is, in English (logs, the scan's scope snapshot).
    pub fn describe(self) -> &'static str {
        match self {
            AddressClass::Unspecified => "unspecified address",
            AddressClass::ThisNetwork => "\"this network\" (0.0.0.0/8)",
            AddressClass::Loopback => "loopback address: the platform's own host",
            AddressClass::Private => "private address (RFC 1918): not reachable from the internet",
            AddressClass::SharedAddressSpace => "shared address space (RFC 6598)",
            AddressClass::LinkLocal => "link-local address",
            AddressClass::CloudMetadata => "cloud instance metadata endpoint",
            AddressClass::IetfProtocolAssignments => "IETF protocol assignment",
            AddressClass::Documentation => "documentation address",
            AddressClass::Benchmarking => "benchmarking address (RFC 2544)",
            AddressClass::SixToFourRelayAnycast => "deprecated 6to4 relay anycast",
            AddressClass::Multicast => "multicast address",
            AddressClass::Broadcast => "broadcast address",
            AddressClass::Reserved => "reserved address",
            AddressClass::UniqueLocal => {
                "unique local address (fc00::/7): not reachable from the internet"
            }
            AddressClass::SiteLocal => "site-local address (fec0::/10)",
            AddressClass::Ipv4Compatible => "IPv4-compatible IPv6 address (::/96, deprecated)",
            AddressClass::Nat64LocalUse => "local-use NAT64 prefix (64:ff9b:1::/48)",
            AddressClass::DiscardOnly => "discard-only prefix (100::/64)",
            AddressClass::Teredo => "Teredo address (2001::/32)",
            AddressClass::SixBone => "former 6bone address (3ffe::/16)",
            AddressClass::Orchid => "ORCHID identifier (2001:10::/28, 2001:20::/28)",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}

/// How an IPv6 address carries the IPv4 address it was judged by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Embedding {
    /// `::ffff:0:0/96`.
    Ipv4Mapped,
    /// `64:ff9b::/96`.
    Nat64,
    /// `2002::/16`.
    SixToFour,
}

impl Embedding {
    fn describe(self) -> &'static str {
        match self {
            Embedding::Ipv4Mapped => "IPv4-mapped",
            Embedding::Nat64 => "NAT64",
            Embedding::SixToFour => "6to4",
        }
    }
}

/// An address or range the policy refuses, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Refusal {
    /// The class of the (first) refused address.
    pub class: AddressClass,
    /// Set when the class is that of an IPv4 address embedded in the IPv6 one given.
    pub via: Option<Embedding>,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.via {
            None => write!(f, "{}", self.class),
            Some(e) => write!(f, "{} (embedded in a {} address)", self.class, e.describe()),
        }
    }
}

impl std::error::Error for Refusal {}

/// What a rule says of the addresses it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Public unicast.
    Public,
    /// Refused, of this class.
    Refuse(AddressClass),
    /// Judged by the IPv4 address embedded in it.
    Embedded(Embedding),
}

/// One line of the policy: a range (network, prefix length) and its verdict.
#[derive(Clone, Copy, Debug)]
pub struct Rule<T> {
    pub net: T,
    pub prefix: u8,
    pub verdict: Verdict,
}

const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8, verdict: Verdict) -> Rule<u32> {
    Rule {
        net: u32::from_be_bytes([a, b, c, d]),
        prefix,
        verdict,
    }
}

const fn v6(segments: [u16; 8], prefix: u8, verdict: Verdict) -> Rule<u128> {
    let mut n: u128 = 0;
    let mut i = 0;
    while i < 8 {
        n = (n << 16) | segments[i] as u128;
        i += 1;
    }
    Rule {
        net: n,
        prefix,
        verdict,
    }
}

use AddressClass as C;
use Verdict::{Embedded, Public, Refuse};

/// The IPv4 rules. The first line is the default.
pub const RULES_V4: &[Rule<u32>] = &[
    v4(0, 0, 0, 0, 0, Public),
    v4(0, 0, 0, 0, 8, Refuse(C::ThisNetwork)),
    v4(0, 0, 0, 0, 32, Refuse(C::Unspecified)),
    v4(10, 0, 0, 0, 8, Refuse(C::Private)),
    v4(100, 64, 0, 0, 10, Refuse(C::SharedAddressSpace)),
    v4(127, 0, 0, 0, 8, Refuse(C::Loopback)),
    v4(169, 254, 0, 0, 16, Refuse(C::LinkLocal)),
    v4(169, 254, 169, 254, 32, Refuse(C::CloudMetadata)),
    v4(172, 16, 0, 0, 12, Refuse(C::Private)),
    v4(192, 0, 0, 0, 24, Refuse(C::IetfProtocolAssignments)),
    v4(192, 0, 2, 0, 24, Refuse(C::Documentation)),
    v4(192, 88, 99, 0, 24, Refuse(C::SixToFourRelayAnycast)),
    v4(192, 168, 0, 0, 16, Refuse(C::Private)),
    v4(198, 18, 0, 0, 15, Refuse(C::Benchmarking)),
    v4(198, 51, 100, 0, 24, Refuse(C::Documentation)),
    v4(203, 0, 113, 0, 24, Refuse(C::Documentation)),
    v4(224, 0, 0, 0, 4, Refuse(C::Multicast)),
    v4(240, 0, 0, 0, 4, Refuse(C::Reserved)),
    v4(255, 255, 255, 255, 32, Refuse(C::Broadcast)),
];

/// The IPv6 rules. The first line is the default: reserved.
pub const RULES_V6: &[Rule<u128>] = &[
    v6([0, 0, 0, 0, 0, 0, 0, 0], 0, Refuse(C::Reserved)),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 96, Refuse(C::Ipv4Compatible)),
    v6([0, 0, 0, 0, 0, 0, 0, 0], 128, Refuse(C::Unspecified)),
    v6([0, 0, 0, 0, 0, 0, 0, 1], 128, Refuse(C::Loopback)),
    v6(
        [0, 0, 0, 0, 0, 0xffff, 0, 0],
        96,
        Embedded(Embedding::Ipv4Mapped),
    ),
    v6(
        [0x64, 0xff9b, 0, 0, 0, 0, 0, 0],
        96,
        Embedded(Embedding::Nat64),
    ),
    v6(
        [0x64, 0xff9b, 1, 0, 0, 0, 0, 0],
        48,
        Refuse(C::Nat64LocalUse),
    ),
    v6([0x100, 0, 0, 0, 0, 0, 0, 0], 64, Refuse(C::DiscardOnly)),
    v6([0x2000, 0, 0, 0, 0, 0, 0, 0], 3, Public),
    v6(
        [0x2001, 0, 0, 0, 0, 0, 0, 0],
        23,
        Refuse(C::IetfProtocolAssignments),
    ),
    v6([0x2001, 0, 0, 0, 0, 0, 0, 0], 32, Refuse(C::Teredo)),
    v6([0x2001, 2, 0, 0, 0, 0, 0, 0], 48, Refuse(C::Benchmarking)),
    v6([0x2001, 0x10, 0, 0, 0, 0, 0, 0], 28, Refuse(C::Orchid)),
    v6([0x2001, 0x20, 0, 0, 0, 0, 0, 0], 28, Refuse(C::Orchid)),
    v6(
        [0x2001, 0xdb8, 0, 0, 0, 0, 0, 0],
        32,
        Refuse(C::Documentation),
    ),
    v6(
        [0x2002, 0, 0, 0, 0, 0, 0, 0],
        16,
        Embedded(Embedding::SixToFour),
    ),
    v6([0x3ffe, 0, 0, 0, 0, 0, 0, 0], 16, Refuse(C::SixBone)),
    v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20, Refuse(C::Documentation)),
    v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7, Refuse(C::UniqueLocal)),
    v6(
        [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254],
        128,
        Refuse(C::CloudMetadata),
    ),
    v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10, Refuse(C::LinkLocal)),
    v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10, Refuse(C::SiteLocal)),
    v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8, Refuse(C::Multicast)),
];

/// Is this a public unicast address, reachable on the internet and not the platform's own
/// network? `Err` says why not.
pub fn is_public_unicast(ip: IpAddr) -> Result<(), Refusal> {
    check_range(ip, 128)
}

/// Does this address pass the policy?
pub fn is_public(ip: IpAddr) -> bool {
    is_public_unicast(ip).is_ok()
}

/// Checks a whole range (`addr/prefix`, host bits ignored): it passes only when every address in
/// it is public unicast; otherwise `Err` gives the class of one address it holds that is not.
/// A prefix longer than the family's is treated as a single address.
pub fn check_range(addr: IpAddr, prefix: u8) -> Result<(), Refusal> {
    match addr {
        IpAddr::V4(a) => {
            check_v4(u32::from(a), prefix.min(32)).map_err(|class| Refusal { class, via: None })
        }
        IpAddr::V6(a) => check_v6(u128::from(a), prefix.min(128)),
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0)
}

/// Whether `inner` (a rule's range) lies within `outer` (network, prefix).
fn within32(net: u32, prefix: u8, outer_net: u32, outer_prefix: u8) -> bool {
    prefix >= outer_prefix && (net & mask32(outer_prefix)) == (outer_net & mask32(outer_prefix))
}

fn within128(net: u128, prefix: u8, outer_net: u128, outer_prefix: u8) -> bool {
    prefix >= outer_prefix && (net & mask128(outer_prefix)) == (outer_net & mask128(outer_prefix))
}

/// The range passes when the most specific rule containing all of it is public, and no more
/// specific rule inside it refuses anything. (Every rule is inside the default, so some rule
/// always contains the range.)
fn check_v4(addr: u32, prefix: u8) -> Result<(), AddressClass> {
    let net = addr & mask32(prefix);
    let mut container: Option<&Rule<u32>> = None;
    for r in RULES_V4 {
        if within32(net, prefix, r.net, r.prefix) {
            if container.is_none_or(|c| r.prefix > c.prefix) {
                container = Some(r);
            }
        } else if within32(r.net, r.prefix, net, prefix) {
            if let Refuse(class) = r.verdict {
                return Err(class);
            }
        }
    }
    match container.map(|r| r.verdict) {
        Some(Public) => Ok(()),
        Some(Refuse(class)) => Err(class),
        // No IPv4 rule embeds (and the default is public).
        Some(Embedded(_)) | None => Err(AddressClass::Reserved),
    }
}

/// The IPv4 range carried by an IPv6 range inside an embedding rule (the whole IPv4 space
/// when the IPv6 range holds the whole embedding prefix or more).
fn embedded_v4(embedding: Embedding, net: u128, prefix: u8) -> (u32, u8) {
    match embedding {
        Embedding::Ipv4Mapped | Embedding::Nat64 => {
            // The IPv4 address is the low 32 bits.
            (net as u32, prefix.saturating_sub(96))
        }
        Embedding::SixToFour => {
            // 2002:AABB:CCDD::/48: bits 16 to 48.
            ((net >> 80) as u32, prefix.saturating_sub(16).min(32))
        }
    }
}

fn check_v6(addr: u128, prefix: u8) -> Result<(), Refusal> {
    let net = addr & mask128(prefix);
    let mut container: Option<&Rule<u128>> = None;
    for r in RULES_V6 {
        if within128(net, prefix, r.net, r.prefix) {
            if container.is_none_or(|c| r.prefix > c.prefix) {
                container = Some(r);
            }
        } else if within128(r.net, r.prefix, net, prefix) {
            match r.verdict {
                Public => {}
                Refuse(class) => return Err(Refusal { class, via: None }),
                Embedded(e) => {
                    let (n4, p4) = embedded_v4(e, r.net, r.prefix);
                    check_v4(n4, p4).map_err(|class| Refusal {
                        class,
                        via: Some(e),
                    })?;
                }
            }
        }
    }
    match container.map(|r| r.verdict) {
        Some(Public) => Ok(()),
        Some(Refuse(class)) => Err(Refusal { class, via: None }),
        Some(Embedded(e)) => {
            let (n4, p4) = embedded_v4(e, net, prefix);
            check_v4(n4, p4).map_err(|class| Refusal {
                class,
                via: Some(e),
            })
        }
        None => Err(Refusal {
            class: AddressClass::Reserved,
            via: None,
        }),
    }
}

/// The IPv4 address an IPv6 address is judged by, when it embeds one the policy follows.
pub fn embedded_ipv4(ip: Ipv6Addr) -> Option<(Embedding, Ipv4Addr)> {
    let n = u128::from(ip);
    RULES_V6
        .iter()
        .filter(|r| within128(n, 128, r.net, r.prefix))
        .max_by_key(|r| r.prefix)
        .and_then(|r| match r.verdict {
            Embedded(e) => Some((e, Ipv4Addr::from(embedded_v4(e, n, 128).0))),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> Option<AddressClass> {
        let ip: IpAddr = s.parse().unwrap();
        is_public_unicast(ip).err().map(|r| r.class)
    }

    fn range(s: &str) -> Result<(), Refusal> {
        let (a, p) = s.split_once('/').unwrap();
        check_range(a.parse().unwrap(), p.parse().unwrap())
    }

    #[test]
    fn the_findings_of_issue_13() {
        // Every address the scanner and the webhooks accepted during the attacks.
        for (s, c) in [
            ("127.0.0.1", C::Loopback),
            ("0.0.0.0", C::Unspecified),
            ("169.254.169.254", C::CloudMetadata),
            ("10.0.0.1", C::Private),
            ("64:ff9b::a9fe:a9fe", C::CloudMetadata),
            ("2002:a9fe:a9fe::1", C::CloudMetadata),
            ("::7f00:1", C::Ipv4Compatible),
            ("fec0::1", C::SiteLocal),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", C::Teredo),
            ("198.18.0.1", C::Benchmarking),
            ("192.0.0.1", C::IetfProtocolAssignments),
            ("::ffff:127.0.0.1", C::Loopback),
            ("64:ff9b:1::1", C::Nat64LocalUse),
        ] {
            assert_eq!(class(s), Some(c), "{s}");
        }
        assert!(matches!(
            range("64:ff9b:1::/48"),
            Err(Refusal {
                class: C::Nat64LocalUse,
                ..
            })
        ));
    }

    #[test]
    fn public_addresses_pass() {
        for s in [
            "8.8.8.8",
            "1.1.1.1",
            "193.51.24.1",
            "2a01:e0a::1",
            "2001:4860:4860::8888",
            "64:ff9b::808:808",
            "::ffff:8.8.8.8",
            "2002:808:808::1",
            "192.0.3.1",
            "100.128.0.1",
            "172.32.0.1",
        ] {
            assert_eq!(class(s), None, "{s}");
        }
    }

    #[test]
    fn ranges() {
        assert!(range("193.51.24.0/24").is_ok());
        assert!(range("2a01:e0a::/32").is_ok());
        assert_eq!(range("8.0.0.0/6").unwrap_err().class, C::Private);
        assert_eq!(
            range("169.254.169.0/24").unwrap_err().class,
            C::CloudMetadata
        );
        assert_eq!(
            range("2002::/16").unwrap_err().via,
            Some(Embedding::SixToFour)
        );
        assert!(range("2002:808:800::/40").is_ok());
        assert!(range("2002:a00::/24").is_err());
        assert!(range("64:ff9b::808:800/120").is_ok());
        assert_eq!(
            range("2000::/3").unwrap_err().class,
            C::IetfProtocolAssignments
        );
        assert!(range("::/0").is_err());
        assert_eq!(range("0.0.0.0/0").unwrap_err().class, C::ThisNetwork);
    }

    #[test]
    fn embedded() {
        assert_eq!(
            embedded_ipv4("64:ff9b::a9fe:a9fe".parse().unwrap()),
            Some((Embedding::Nat64, Ipv4Addr::new(169, 254, 169, 254)))
        );
        assert_eq!(
            embedded_ipv4("2002:a9fe:a9fe::1".parse().unwrap()),
            Some((Embedding::SixToFour, Ipv4Addr::new(169, 254, 169, 254)))
        );
        assert_eq!(embedded_ipv4("2a01::1".parse().unwrap()), None);
    }
}
