//! Property tests: version comparison never panics and, where defined, is an order;
//! CPE parsing never panics.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use proptest::prelude::*;
use std::cmp::Ordering;
use vigie_intel::cpe::Cpe;
use vigie_intel::version::{compare, Scheme};
use vigie_intel::{parse, Version};

fn scheme() -> impl Strategy<Value = Scheme> {
    proptest::sample::select(Scheme::ALL.to_vec())
}

/// Versions in the shapes vendors use.
fn version() -> impl Strategy<Value = String> {
    let n = || 0u64..30;
    prop_oneof![
        (n(), n(), n()).prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
        (n(), n()).prop_map(|(a, b)| format!("{a}.{b}")),
        (n(), n(), n(), n()).prop_map(|(a, b, c, d)| format!("{a}.{b}-{c}.{d}")),
        (n(), n(), n(), 0u64..9999).prop_map(|(a, b, c, d)| format!("{a}.{b}.{c} build {d:04}")),
        (n(), n(), n(), n()).prop_map(|(a, b, c, d)| format!("15.{a}.{b}{c}.{d}")),
        (n(), n(), 1u64..5).prop_map(|(a, b, p)| format!("{a}.{b}p{p}")),
        (n(), n(), n()).prop_map(|(a, b, c)| format!("{a}.{b}.{c}-log")),
        (n(), n(), n(), n()).prop_map(|(a, b, r, p)| format!("{a}.{b}R{r}.{p}")),
        (n(), n(), n(), 1u64..20).prop_map(|(a, b, c, h)| format!("{a}.{b}.{c}-h{h}")),
        (n(), n(), n(), 1u64..5).prop_map(|(a, b, c, r)| format!("{a}.{b}.{c}-rc{r}")),
        (n(), n(), n(), 1u64..5).prop_map(|(a, b, c, r)| format!("{a}.{b}.{c}-beta.{r}")),
        (0u64..3, n(), n(), 1u64..4)
            .prop_map(|(e, a, b, r)| format!("{e}:{a}.{b}p1-{r}+deb12u{r}")),
        (n(), n(), n()).prop_map(|(a, b, c)| format!("{a}.{b}~rc{c}-1")),
        (2000u64..2030, n()).prop_map(|(y, a)| format!("{y}.{a}")),
        "[0-9a-z.\\-+~: ]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_string(a in "\\PC{0,40}", b in "\\PC{0,40}", s in scheme()) {
        let _ = compare(&a, &b, s);
        let _ = Cpe::parse(&a);
        let _ = Cpe::parse(&format!("cpe:2.3:{a}"));
        let _ = Cpe::parse(&format!("cpe:/{b}"));
    }

    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse::parse_cve5(&bytes, None);
        let _ = parse::parse_nvd(&bytes, None);
        let _ = parse::parse_kev(&bytes, None);
        let _ = parse::parse_certfr(&bytes, None);
        let _ = parse::parse_endoflife(&bytes, None);
        let _ = parse::parse_epss(&bytes[..], None);
    }

    #[test]
    fn reflexive_and_antisymmetric(a in version(), b in version(), s in scheme()) {
        if Version::parse(&a, s).is_some() {
            prop_assert_eq!(compare(&a, &a, s), Some(Ordering::Equal));
        }
        let ab = compare(&a, &b, s);
        let ba = compare(&b, &a, s);
        prop_assert_eq!(ab, ba.map(Ordering::reverse));
    }

    #[test]
    fn transitive(a in version(), b in version(), c in version(), s in scheme()) {
        if let (Some(ab), Some(bc), Some(ac)) = (compare(&a, &b, s), compare(&b, &c, s), compare(&a, &c, s)) {
            if ab != Ordering::Greater && bc != Ordering::Greater {
                prop_assert_ne!(ac, Ordering::Greater, "{} <= {} <= {} but {} > {}", a, b, c, a, c);
            }
            if ab == Ordering::Equal && bc == Ordering::Equal {
                prop_assert_eq!(ac, Ordering::Equal);
            }
        }
    }

    /// A sorted list stays consistent: sorting by the defined comparisons never contradicts.
    #[test]
    fn total_on_plain_dotted(v in proptest::collection::vec((0u64..20, 0u64..20, 0u64..20), 2..20)) {
        let strs: Vec<String> = v.iter().map(|(a, b, c)| format!("{a}.{b}.{c}")).collect();
        for s in [Scheme::Generic, Scheme::Semver, Scheme::FortiOs, Scheme::Mysql, Scheme::PanOs] {
            for x in &strs {
                for y in &strs {
                    prop_assert!(compare(x, y, s).is_some(), "{} vs {} undefined under {:?}", x, y, s);
                }
            }
        }
    }
}
