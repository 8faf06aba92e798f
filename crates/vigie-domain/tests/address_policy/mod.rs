//! The address policy (`vigie_domain::address_policy`) checked on random addresses and ranges
//! against a reference written independently: the IANA IPv4 and IPv6 special-purpose address
//! registries, the multicast registries and the IPv6 address-space registry, copied below as
//! text, classified by a plain "most specific entry wins" lookup on the parsed strings. Also
//! against the standard library's own predicates where it has them.

#![allow(clippy::expect_used)] // test code: a failed expect is a failed test

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use vigie_domain::address_policy::{check_range, is_public_unicast};

/// What the reference says of an entry.
#[derive(Clone, Copy, Debug)]
enum Ref {
    Public,
    Refused(&'static str),
    /// Routed to the IPv4 address found at this bit offset (from the top) of the IPv6 address.
    Carries(u32),
}

/// iana-ipv4-special-registry (2025), plus multicast (224.0.0.0/4) and the class E block.
/// Entries the registry marks "globally reachable: true" are public (AS112, AMT) unless they
/// sit inside a block refused as a whole (192.0.0.0/24).
const IANA_V4: &[(&str, Ref)] = &[
    ("0.0.0.0/0", Ref::Public),
    ("0.0.0.0/8", Ref::Refused("this-network")),
    ("0.0.0.0/32", Ref::Refused("unspecified")),
    ("10.0.0.0/8", Ref::Refused("private")),
    ("100.64.0.0/10", Ref::Refused("shared")),
    ("127.0.0.0/8", Ref::Refused("loopback")),
    ("169.254.0.0/16", Ref::Refused("link-local")),
    ("169.254.169.254/32", Ref::Refused("cloud-metadata")),
    ("172.16.0.0/12", Ref::Refused("private")),
    ("192.0.0.0/24", Ref::Refused("ietf-protocol-assignments")),
    ("192.0.0.0/29", Ref::Refused("ietf-protocol-assignments")),
    ("192.0.0.8/32", Ref::Refused("ietf-protocol-assignments")),
    ("192.0.0.9/32", Ref::Refused("ietf-protocol-assignments")),
    ("192.0.0.10/32", Ref::Refused("ietf-protocol-assignments")),
    ("192.0.0.170/31", Ref::Refused("ietf-protocol-assignments")),
    ("192.0.2.0/24", Ref::Refused("documentation")),
    ("192.31.196.0/24", Ref::Public),
    ("192.52.193.0/24", Ref::Public),
    ("192.88.99.0/24", Ref::Refused("6to4-relay-anycast")),
    ("192.168.0.0/16", Ref::Refused("private")),
    ("192.175.48.0/24", Ref::Public),
    ("198.18.0.0/15", Ref::Refused("benchmarking")),
    ("198.51.100.0/24", Ref::Refused("documentation")),
    ("203.0.113.0/24", Ref::Refused("documentation")),
    ("224.0.0.0/4", Ref::Refused("multicast")),
    ("240.0.0.0/4", Ref::Refused("reserved")),
    ("255.255.255.255/32", Ref::Refused("broadcast")),
];

/// iana-ipv6-special-registry (2025) and ipv6-address-space: only 2000::/3 is allocated global
/// unicast; fc00::/7, fe80::/10, fec0::/10 (deprecated), ff00::/8 and the rest are not.
const IANA_V6: &[(&str, Ref)] = &[
    ("::/0", Ref::Refused("reserved")),
    ("::/96", Ref::Refused("ipv4-compatible")),
    ("::/128", Ref::Refused("unspecified")),
    ("::1/128", Ref::Refused("loopback")),
    ("::ffff:0:0/96", Ref::Carries(96)),
    ("64:ff9b::/96", Ref::Carries(96)),
    ("64:ff9b:1::/48", Ref::Refused("nat64-local-use")),
    ("100::/64", Ref::Refused("discard-only")),
    ("2000::/3", Ref::Public),
    ("2001::/23", Ref::Refused("ietf-protocol-assignments")),
    ("2001::/32", Ref::Refused("teredo")),
    ("2001:1::1/128", Ref::Refused("ietf-protocol-assignments")),
    ("2001:1::2/128", Ref::Refused("ietf-protocol-assignments")),
    ("2001:1::3/128", Ref::Refused("ietf-protocol-assignments")),
    ("2001:2::/48", Ref::Refused("benchmarking")),
    ("2001:3::/32", Ref::Refused("ietf-protocol-assignments")),
    ("2001:4:112::/48", Ref::Refused("ietf-protocol-assignments")),
    ("2001:10::/28", Ref::Refused("orchid")),
    ("2001:20::/28", Ref::Refused("orchid")),
    ("2001:30::/28", Ref::Refused("ietf-protocol-assignments")),
    ("2001:db8::/32", Ref::Refused("documentation")),
    ("2002::/16", Ref::Carries(16)),
    ("2620:4f:8000::/48", Ref::Public),
    ("3ffe::/16", Ref::Refused("6bone")),
    ("3fff::/20", Ref::Refused("documentation")),
    ("5f00::/16", Ref::Refused("reserved")),
    ("fc00::/7", Ref::Refused("unique-local")),
    ("fd00:ec2::254/128", Ref::Refused("cloud-metadata")),
    ("fe80::/10", Ref::Refused("link-local")),
    ("fec0::/10", Ref::Refused("site-local")),
    ("ff00::/8", Ref::Refused("multicast")),
];

/// (address bits as a big-endian bit string, prefix) — the reference compares bits one by one.
fn bits(ip: IpAddr) -> Vec<bool> {
    let bytes: Vec<u8> = match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    bytes
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1 == 1))
        .collect()
}

fn entry(s: &str) -> (IpAddr, usize) {
    let (a, p) = s.split_once('/').expect("table entry has a prefix");
    (
        a.parse().expect("table address"),
        p.parse().expect("table prefix"),
    )
}

fn contains(entry_s: &str, ip: IpAddr) -> Option<usize> {
    let (net, prefix) = entry(entry_s);
    if net.is_ipv4() != ip.is_ipv4() {
        return None;
    }
    (bits(net)[..prefix] == bits(ip)[..prefix]).then_some(prefix)
}

/// The reference verdict: `None` public, `Some(key)` refused of that class.
fn reference(ip: IpAddr) -> Option<&'static str> {
    let table = if ip.is_ipv4() { IANA_V4 } else { IANA_V6 };
    let (_, verdict) = table
        .iter()
        .filter_map(|(s, r)| contains(s, ip).map(|p| (p, *r)))
        .max_by_key(|(p, _)| *p)
        .expect("the default entry holds every address");
    match verdict {
        Ref::Public => None,
        Ref::Refused(k) => Some(k),
        Ref::Carries(offset) => {
            let b = bits(ip);
            let mut v: u32 = 0;
            for bit in &b[offset as usize..offset as usize + 32] {
                v = (v << 1) | u32::from(*bit);
            }
            reference(IpAddr::V4(Ipv4Addr::from(v)))
        }
    }
}

fn policy(ip: IpAddr) -> Option<&'static str> {
    is_public_unicast(ip).err().map(|r| r.class.key())
}

/// Some address of a table entry, with random host bits.
fn in_entry(table: &'static [(&'static str, Ref)]) -> impl Strategy<Value = IpAddr> {
    (prop::sample::select(table), any::<u128>()).prop_map(|((s, _), noise)| {
        let (net, prefix) = entry(s);
        match net {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - prefix as u32).unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(
                    (u32::from(a) & mask) | (noise as u32 & !mask),
                ))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - prefix as u32).unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from((u128::from(a) & mask) | (noise & !mask)))
            }
        }
    })
}

fn interesting_v4() -> impl Strategy<Value = Ipv4Addr> {
    prop_oneof![
        any::<u32>().prop_map(Ipv4Addr::from),
        in_entry(IANA_V4).prop_map(|ip| match ip {
            IpAddr::V4(a) => a,
            IpAddr::V6(_) => Ipv4Addr::UNSPECIFIED,
        }),
    ]
}

/// IPv6 forms that carry an IPv4 address, the one followed and the ones that are not.
fn embedding_v6() -> impl Strategy<Value = IpAddr> {
    (interesting_v4(), 0u8..5, any::<u64>()).prop_map(|(a, form, low)| {
        let n = u128::from(u32::from(a));
        let v = match form {
            0 => (0xffffu128 << 32) | n,                        // ::ffff:a.b.c.d
            1 => (0x64_ff9bu128 << 96) | n,                     // 64:ff9b::a.b.c.d
            2 => (0x2002u128 << 112) | (n << 80) | low as u128, // 2002:AABB:CCDD::/48
            3 => n,                                             // ::a.b.c.d
            _ => (0x64_ff9b_0001u128 << 80) | n,                // 64:ff9b:1::a.b.c.d
        };
        IpAddr::V6(Ipv6Addr::from(v))
    })
}

fn any_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<u32>().prop_map(|a| IpAddr::V4(a.into())),
        any::<u128>().prop_map(|a| IpAddr::V6(a.into())),
        // Global unicast space, mostly public: the other side of the verdict.
        any::<u128>().prop_map(|a| IpAddr::V6(((a >> 3) | (1u128 << 125)).into())),
        in_entry(IANA_V4),
        in_entry(IANA_V6),
        embedding_v6(),
    ]
}

fn max_prefix(ip: IpAddr) -> u8 {
    if ip.is_ipv4() {
        32
    } else {
        128
    }
}

fn with_prefix(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(a) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4((u32::from(a) & mask).into())
        }
        IpAddr::V6(a) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6((u128::from(a) & mask).into())
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5_000, .. ProptestConfig::default() })]

    /// Every address gets the reference's verdict and class.
    #[test]
    fn policy_matches_the_iana_reference(ip in any_ip()) {
        prop_assert_eq!(policy(ip), reference(ip), "{}", ip);
    }

    /// What the policy lets through is none of what the standard library knows to be special.
    #[test]
    fn public_is_not_special_for_std(ip in any_ip()) {
        if is_public_unicast(ip).is_ok() {
            prop_assert!(!ip.is_loopback() && !ip.is_unspecified() && !ip.is_multicast(), "{}", ip);
            match ip {
                IpAddr::V4(a) => prop_assert!(
                    !a.is_private() && !a.is_link_local() && !a.is_broadcast()
                        && !a.is_documentation(),
                    "{}", a
                ),
                IpAddr::V6(a) => {
                    prop_assert!(!a.is_unique_local() && !a.is_unicast_link_local(), "{}", a);
                    if let Some(v4) = a.to_ipv4_mapped() {
                        prop_assert!(!v4.is_loopback() && !v4.is_private(), "{}", a);
                    }
                }
            }
        }
    }

    /// A range passes exactly when both its halves do (so, by induction, when every address
    /// in it does), and a single address is judged as a range of one.
    #[test]
    fn a_range_passes_iff_its_halves_do(ip in any_ip(), cut in any::<u8>()) {
        let max = max_prefix(ip);
        let prefix = cut % max;
        let net = with_prefix(ip, prefix);
        let bit = max - prefix - 1;
        let high = match net {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) | (1u32 << bit)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) | (1u128 << bit)).into()),
        };
        let whole = check_range(net, prefix).is_ok();
        let halves = check_range(net, prefix + 1).is_ok() && check_range(high, prefix + 1).is_ok();
        prop_assert_eq!(whole, halves, "{}/{}", net, prefix);
        prop_assert_eq!(check_range(ip, max).is_ok(), reference(ip).is_none(), "{}", ip);
        // A range holding a refused address is refused.
        if reference(ip).is_some() {
            prop_assert!(check_range(ip, prefix).is_err(), "{}/{} holds {}", net, prefix, ip);
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// Small IPv4 ranges, address by address, against the reference.
    #[test]
    fn small_v4_ranges_by_enumeration(a in interesting_v4(), prefix in 24u8..=32) {
        let net = u32::from(a) & u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
        let size = 1u64 << (32 - prefix);
        let all_public = (0..size).all(|i| {
            reference(IpAddr::V4(Ipv4Addr::from(net.wrapping_add(i as u32)))).is_none()
        });
        prop_assert_eq!(
            check_range(IpAddr::V4(net.into()), prefix).is_ok(),
            all_public,
            "{}/{}", Ipv4Addr::from(net), prefix
        );
    }
}

#[test]
fn every_entry_of_the_reference_is_judged_like_the_reference() {
    for (s, _) in IANA_V4.iter().chain(IANA_V6) {
        let (net, _) = entry(s);
        assert_eq!(policy(net), reference(net), "{s}");
    }
}
