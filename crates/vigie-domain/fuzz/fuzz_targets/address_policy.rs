//! Fuzzes the address policy: any address and prefix, never a panic, and the verdicts agree
//! with each other (a range passes only when both its halves do; an address inside a range that
//! passes passes; the class of an IPv4 address embedded in a followed IPv6 form is the class of
//! the IPv6 address).
//!
//! `cargo +nightly fuzz run address_policy` from `crates/vigie-domain`.

#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use vigie_domain::address_policy::{check_range, embedded_ipv4, is_public_unicast};

fuzz_target!(|data: &[u8]| {
    if data.len() < 34 {
        return;
    }
    let v6 = data[0] & 1 == 1;
    let mut a = [0u8; 16];
    a.copy_from_slice(&data[1..17]);
    let mut b = [0u8; 16];
    b.copy_from_slice(&data[17..33]);
    let (ip, inside, max) = if v6 {
        (
            IpAddr::V6(Ipv6Addr::from(a)),
            u128::from_be_bytes(b),
            128u8,
        )
    } else {
        (
            IpAddr::V4(Ipv4Addr::new(a[0], a[1], a[2], a[3])),
            u128::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
            32u8,
        )
    };
    let prefix = data[33] % (max + 1);
    let verdict = check_range(ip, prefix);
    // An address of the range (the range's bits, random host bits).
    let member = match ip {
        IpAddr::V4(x) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V4(Ipv4Addr::from((u32::from(x) & mask) | (inside as u32 & !mask)))
        }
        IpAddr::V6(x) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from((u128::from(x) & mask) | (inside & !mask)))
        }
    };
    if verdict.is_ok() {
        assert!(is_public_unicast(member).is_ok(), "{member} in {ip}/{prefix}");
    }
    if is_public_unicast(member).is_err() {
        assert!(verdict.is_err(), "{ip}/{prefix} holds {member}");
    }
    if prefix < max {
        let bit = max - prefix - 1;
        let (lo, hi) = match ip {
            IpAddr::V4(x) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                let n = u32::from(x) & mask;
                (IpAddr::V4(n.into()), IpAddr::V4((n | (1 << bit)).into()))
            }
            IpAddr::V6(x) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                let n = u128::from(x) & mask;
                (IpAddr::V6(n.into()), IpAddr::V6((n | (1 << bit)).into()))
            }
        };
        let halves = check_range(lo, prefix + 1).is_ok() && check_range(hi, prefix + 1).is_ok();
        assert_eq!(verdict.is_ok(), halves, "{ip}/{prefix}");
    }
    if let IpAddr::V6(x) = member {
        if let Some((_, v4)) = embedded_ipv4(x) {
            assert_eq!(
                is_public_unicast(member).map_err(|r| r.class),
                is_public_unicast(IpAddr::V4(v4)).map_err(|r| r.class),
                "{member} carries {v4}"
            );
        }
    }
});
