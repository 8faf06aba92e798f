//! The open product model: end of life for products outside the catalogue (real
//! endoflife.date data), the key invariant on real records, inventory files, scanned services,
//! and property tests of the new version schemes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use crate::common;

use proptest::prelude::*;
use std::cmp::Ordering;
use std::collections::HashSet;
use vigie_intel::inventory::{self, RowOutcome};
use vigie_intel::matching::{InventoryItem, Matcher, ProductRef};
use vigie_intel::scan::{match_services, ScannedService};
use vigie_intel::version::{compare, Scheme};
use vigie_intel::{parse, product, Catalog, Corpus};

fn eol_data() -> Vec<vigie_intel::model::EolProduct> {
    let p = common::data_dir().join("endoflife-date/products-index.json");
    parse::parse_endoflife(&std::fs::read(p).unwrap(), Some("products-index.json"))
        .unwrap()
        .0
}

/// 60 end-of-life cases over 30 products outside the catalogue, declared by CPE (end of life)
/// and by endoflife.date title (supported), each decided from the product's `eol` date in
/// endoflife.date as of 2026-09-01 (the `note` column quotes it).
#[test]
fn end_of_life_outside_the_catalogue() {
    let cat = Catalog::builtin().unwrap();
    let rows = common::read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/eol_open.csv"));
    assert!(rows.len() >= 40);
    let items: Vec<InventoryItem> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| InventoryItem {
            structure_id: i as i64,
            product: ProductRef::Key(r[0].clone()),
            version: r[1].clone(),
            exposed: false,
            source: "test".into(),
        })
        .collect();
    for r in &rows {
        let k = product::resolve(&cat, &r[0]).unwrap().key;
        assert!(cat.get(&k).is_none(), "{} is a catalogue product", r[0]);
    }
    let m = Matcher::new(cat, items);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    let found = m.end_of_life(&eol_data(), today);
    let mut failures = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let f = found.iter().find(|f| f.item == i);
        let ok = match r[3].as_str() {
            "eol" => f.is_some_and(|f| f.cycle == r[2]),
            _ => f.is_none(),
        };
        if !ok {
            failures.push(format!(
                "line {}: {} {} expected {} cycle {} ({}), got {:?} (key {:?})",
                i + 2,
                r[0],
                r[1],
                r[3],
                r[2],
                r[4],
                f.map(|f| &f.cycle),
                m.item_key(i)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The invariant: any item `match_advisory` reports shares a key with the advisory
/// ([`product::advisory_keys`]), on real records and items declared every way.
#[test]
fn findings_share_a_key_with_their_advisory() {
    let cat = Catalog::builtin().unwrap();
    let rows = common::read_csv(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus_open.csv"
    ));
    let wanted: HashSet<String> = rows.iter().map(|r| r[0].clone()).collect();
    let corpus = common::load(&wanted);
    let items: Vec<InventoryItem> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| InventoryItem {
            structure_id: i as i64,
            product: ProductRef::Key(r[1].clone()),
            version: r[2].clone(),
            exposed: true,
            source: "t".into(),
        })
        .collect();
    let m = Matcher::new(cat.clone(), items);
    let ctx = corpus.threat_context();
    let mut checked = 0;
    for list in corpus.advisories.values() {
        for adv in list {
            let keys = product::advisory_keys(&cat, adv);
            for f in m.match_advisory(adv, &ctx) {
                let k = m.item_key(f.item).unwrap();
                assert!(
                    keys.iter().any(|x| x == k),
                    "{} item key {k} not in {keys:?}",
                    adv.id
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
    // KEV entries too.
    let kev = parse::parse_kev(
        &std::fs::read(common::data_dir().join("cisa-kev/known_exploited_vulnerabilities.json"))
            .unwrap(),
        None,
    )
    .unwrap()
    .0;
    let mut kev_hits = 0;
    for e in &kev.entries {
        let keys = product::kev_keys(&cat, e);
        for f in m.match_kev_entry(e, &ctx) {
            assert!(keys.iter().any(|x| Some(x.as_str()) == m.item_key(f.item)));
            kev_hits += 1;
        }
    }
    assert!(kev_hits > 0);
}

#[test]
fn inventory_csv_keeps_unknown_products_and_says_why() {
    let cat = Catalog::builtin().unwrap();
    let csv = "product;version;location;exposed\nfortigate;7.2.5;fw1;oui\nRoundcube|Webmail;1.6.6;mail;no\ncpe:2.3:a:acme:widget_server:2.1:*:*:*:*:*:*:*;;srv;\nMicrosoft|Windows;;dc1;non\n;;;\nZimbra;9.0.0 Patch 38;zcs;yes\n";
    let f = inventory::parse_csv(&cat, csv.as_bytes());
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    let keys: Vec<Option<&str>> = f.rows.iter().map(|r| r.key()).collect();
    assert_eq!(
        keys,
        vec![
            Some("fortios"),
            Some("roundcube:webmail"),
            Some("acme:widget_server"),
            None,
            Some("zimbra-collaboration")
        ]
    );
    assert_eq!(f.rows[2].version, "2.1", "version carried by the CPE");
    assert_eq!(f.rows[0].line, 2);
    assert!(f.rows[0].exposed);
    match &f.rows[3].outcome {
        RowOutcome::Incomplete { resolved, reason } => {
            assert_eq!(resolved.key, "microsoft:windows");
            assert!(resolved
                .note
                .as_deref()
                .is_some_and(|n| n.contains("several")));
            assert!(reason.contains("version is empty"));
        }
        o => panic!("{o:?}"),
    }
    // Non-UTF-8: a clear error naming the line, no lossy decoding.
    let bad = b"product,version\nfortios,7.2.5\nnginx,1.2\xff\n";
    let f = inventory::parse_csv(&cat, bad);
    assert!(f.rows.is_empty());
    assert!(
        f.errors[0].contains("line 3") && f.errors[0].contains("UTF-8"),
        "{:?}",
        f.errors
    );
    // Header errors as before.
    let f = inventory::parse_csv(&cat, b"name,ver\nx,1\n");
    assert!(f.errors[0].contains("must name the columns product and version"));
}

#[test]
fn inventory_cyclonedx_resolves_every_component() {
    let cat = Catalog::builtin().unwrap();
    let sbom = br#"{"bomFormat":"CycloneDX","components":[
        {"name":"httpd","version":"2.4.49","cpe":"cpe:2.3:a:apache:http_server:2.4.49:*:*:*:*:*:*:*"},
        {"name":"keycloak-core","version":"24.0.1","purl":"pkg:maven/org.keycloak/keycloak-core@24.0.1"},
        {"name":"libfoo","group":"acme","version":"1.0"},
        {"name":"","version":"1"},
        {"name":"nover"}]}"#;
    let f = inventory::parse_cyclonedx(&cat, sbom);
    let keys: Vec<Option<&str>> = f.rows.iter().map(|r| r.key()).collect();
    assert_eq!(
        keys,
        vec![
            Some("apache-httpd"),
            Some("redhat:keycloak"),
            Some("acme:libfoo"),
            None
        ]
    );
    assert_eq!(f.errors.len(), 1, "{:?}", f.errors);
    assert!(
        inventory::parse_cyclonedx(&cat, b"{\"bomFormat\":\"SPDX\"}").errors[0]
            .contains("CycloneDX")
    );
    assert_eq!(inventory::parse(&cat, sbom).rows.len(), 4);
}

/// The scan path: what a scanner identifies raises the known-exploited CVEs (records of
/// shared/data and the KEV catalogue).
#[test]
fn scanned_services_list_their_known_exploited_cves() {
    let cat = Catalog::builtin().unwrap();
    let wanted: HashSet<String> = ["CVE-2024-38475", "CVE-2024-21762", "CVE-2024-37383"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut corpus: Corpus = common::load(&wanted);
    corpus.add_path(&common::data_dir().join("cisa-kev/known_exploited_vulnerabilities.json"));
    let services = vec![
        ScannedService {
            location: "10.0.0.5:443".into(),
            product: "Apache httpd".into(),
            version: "2.4.59".into(),
        },
        ScannedService {
            location: "10.0.0.1:443".into(),
            product: "FortiGate".into(),
            version: "7.2.6".into(),
        },
        ScannedService {
            location: "10.0.0.9:443".into(),
            product: "cpe:/a:roundcube:webmail:1.6.6".into(),
            version: String::new(),
        },
        ScannedService {
            location: "10.0.0.7:22".into(),
            product: "OpenSSH".into(),
            version: "9.8p1".into(),
        },
    ];
    let r = match_services(&cat, &corpus, &services);
    let kev = |i: usize| -> Vec<&str> {
        r[i].known_exploited
            .iter()
            .map(|c| c.cve.as_str())
            .collect()
    };
    assert!(kev(0).contains(&"CVE-2024-38475"), "{:?}", r[0]);
    assert!(kev(1).contains(&"CVE-2024-21762"), "{:?}", r[1]);
    assert!(kev(2).contains(&"CVE-2024-37383"), "{:?}", r[2]);
    assert!(r[3].known_exploited.is_empty());
    assert_eq!(r[2].key.as_deref(), Some("roundcube:webmail"));
}

/// A known-exploited flaw whose record names no product (CVE-2023-37580: CNA `n/a`/`n/a`, the
/// description says "Zimbra Collaboration (ZCS) 8 before 8.8.15 Patch 41"; KEV: Synacor /
/// Zimbra Collaboration Suite (ZCS)) is not lost: the KEV's product goes to review. A record
/// that names the product decides alone (CVE-2024-37383: Roundcube 1.6.7 is fixed, no KEV
/// review on top).
#[test]
fn kev_products_no_record_names_go_to_review() {
    let cat = Catalog::builtin().unwrap();
    let wanted: HashSet<String> = ["CVE-2023-37580", "CVE-2024-37383"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut corpus: Corpus = common::load(&wanted);
    corpus.add_path(&common::data_dir().join("cisa-kev/known_exploited_vulnerabilities.json"));
    let items = vec![
        InventoryItem {
            structure_id: 1,
            product: ProductRef::Key("zimbra".into()),
            version: "8.8.15 Patch 40".into(),
            exposed: true,
            source: "t".into(),
        },
        InventoryItem {
            structure_id: 2,
            product: ProductRef::Key("Roundcube|Webmail".into()),
            version: "1.6.7".into(),
            exposed: true,
            source: "t".into(),
        },
    ];
    let m = Matcher::new(cat, items);
    let f = corpus.match_all(&m);
    let zimbra: Vec<_> = f
        .iter()
        .filter(|f| f.item == 0 && &*f.cve == "CVE-2023-37580")
        .collect();
    assert_eq!(zimbra.len(), 1, "{f:#?}");
    assert_eq!(zimbra[0].decision, vigie_intel::Decision::NeedsReview);
    assert!(zimbra[0].priority.kev);
    assert!(
        !f.iter().any(|f| f.item == 1 && &*f.cve == "CVE-2024-37383"),
        "{f:#?}"
    );
}

fn vmware() -> impl Strategy<Value = String> {
    let n = || 0u64..9;
    prop_oneof![
        (6u64..9, n(), 0u64..4).prop_map(|(a, b, u)| format!("{a}.{b} U{u}")),
        (6u64..9, n(), 0u64..4, "[a-e]").prop_map(|(a, b, u, l)| format!("{a}.{b} U{u}{l}")),
        (6u64..9, n(), 0u64..4, "[a-e]").prop_map(|(a, b, u, l)| format!("{a}.{b}U{u}{l}")),
        (6u64..9, n(), 0u64..4).prop_map(|(a, b, u)| format!("{a}.{b} Update {u}")),
        (6u64..9, n(), 0u64..4).prop_map(|(a, b, u)| format!("{a}.{b}.{u}")),
        (6u64..9, n()).prop_map(|(a, b)| format!("{a}.{b}")),
        (6u64..9, n(), 0u64..4, 20_000_000u64..25_000_000)
            .prop_map(|(a, b, u, bn)| format!("ESXi{a}{b}U{u}-{bn}")),
        (6u64..9, n(), 20_000_000u64..25_000_000)
            .prop_map(|(a, b, bn)| format!("{a}.{b} build {bn}")),
        (20_000_000u64..25_000_000).prop_map(|bn| bn.to_string()),
        "[0-9a-zA-Z. -]{0,16}",
    ]
}

fn cisco() -> impl Strategy<Value = String> {
    let n = || 0u64..20;
    prop_oneof![
        (n(), n(), n(), n()).prop_map(|(a, b, c, d)| format!("{a}.{b}({c}){d}")),
        (n(), n(), n(), n()).prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        (n(), n(), n(), "[EMST]{1,2}", n())
            .prop_map(|(a, b, c, t, d)| format!("{a}.{b}({c}){t}{d}")),
        (n(), n(), n(), "[a-c]").prop_map(|(a, b, c, l)| format!("{a}.{b}.{c}{l}")),
        (n(), n(), n(), "[a-c]").prop_map(|(a, b, c, l)| format!("{a}.{b}.{c}{l}S")),
        "[0-9a-zA-Z.() ]{0,14}",
    ]
}

fn order_holds(a: &str, b: &str, c: &str, s: Scheme) -> Result<(), TestCaseError> {
    prop_assert_eq!(compare(a, a, s).unwrap_or(Ordering::Equal), Ordering::Equal);
    if let (Some(x), Some(y)) = (compare(a, b, s), compare(b, a, s)) {
        prop_assert_eq!(x, y.reverse(), "antisymmetry {} {}", a, b);
    }
    if let (Some(x), Some(y), Some(z)) = (compare(a, b, s), compare(b, c, s), compare(a, c, s)) {
        if x != Ordering::Greater && y != Ordering::Greater {
            prop_assert_ne!(z, Ordering::Greater, "transitivity {} {} {}", a, b, c);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 800, ..ProptestConfig::default() })]

    /// Cisco trains: never panics; a total order inside a train; other trains never compare.
    #[test]
    fn cisco_scheme_orders(a in cisco(), b in cisco(), c in cisco()) {
        order_holds(&a, &b, &c, Scheme::Cisco)?;
    }

    /// VMware: never panics; antisymmetric and transitive within one notation class (updates
    /// only, or builds). Across classes the comparison is made at the less precise side.
    #[test]
    fn vmware_scheme_orders(a in vmware(), b in vmware(), c in vmware()) {
        let _ = compare(&a, &b, Scheme::Vmware);
        let builds = |s: &str| s.contains("build") || s.contains('-') || (!s.contains('.') && !s.is_empty());
        if builds(&a) == builds(&b) && builds(&b) == builds(&c) {
            order_holds(&a, &b, &c, Scheme::Vmware)?;
        }
    }

    /// `N Patch M`, `NpatchM`, `N PM`, hotfixes: never panic; ordered like releases then patches.
    #[test]
    fn patch_notations(x in 0u64..12, y in 0u64..12, p in 0u64..60, q in 0u64..60) {
        let a = format!("9.0.{x} Patch {p}");
        let b = format!("9.0.{y}patch{q}");
        let c = format!("9.0.{y} P{q}");
        prop_assert_eq!(compare(&b, &c, Scheme::Generic), Some(Ordering::Equal));
        prop_assert_eq!(compare(&a, &b, Scheme::Generic), Some((x, p).cmp(&(y, q))));
    }

    /// Open keys: resolution never panics on any text; a key resolves to itself.
    #[test]
    fn resolution_is_total_and_stable(s in "\\PC{0,40}") {
        let cat = Catalog::builtin().unwrap();
        if let Ok(r) = product::resolve(&cat, &s) {
            let again = product::resolve(&cat, &r.key).unwrap();
            prop_assert_eq!(again.key, r.key);
        }
    }
}

#[test]
fn vendor_notations() {
    use Ordering::*;
    let v = Scheme::Vmware;
    assert_eq!(compare("7.0 U3n", "7.0U3o", v), Some(Less));
    assert_eq!(compare("8.0 Update 2", "8.0 U2", v), Some(Equal));
    assert_eq!(compare("8.0.3", "ESXi80U3-24022510", v), Some(Equal));
    assert_eq!(compare("8.0 U2b", "ESXi80U3-24022510", v), Some(Less));
    assert_eq!(compare("8.0 U2b", "ESXi80U2sb-23305545", v), None);
    assert_eq!(
        compare("8.0 U2b build 23305546", "ESXi80U2sb-23305545", v),
        Some(Greater)
    );
    assert_eq!(compare("8.0.3.00100", "8.0 U3b", v), None);
    assert_eq!(compare("24022510", "8.0 U3", v), None);
    let c = Scheme::Cisco;
    assert_eq!(compare("9.16(4)57", "9.16.4.57", c), Some(Equal));
    assert_eq!(compare("9.16(4)55", "9.16(4)57", c), Some(Less));
    assert_eq!(compare("15.2(7)E8", "15.2(7)E9", c), Some(Less));
    assert_eq!(compare("15.2(7)E8", "15.9(3)M7", c), None);
    assert_eq!(compare("15.2(7)E0a", "15.2(7)E", c), Some(Greater));
    assert_eq!(compare("17.3.4a", "17.3.4", c), Some(Greater));
    assert_eq!(compare("3.7.4aS", "3.7.4S", c), Some(Greater));
    let g = Scheme::Generic;
    assert_eq!(compare("9.0.0 Patch 38", "9.0.0patch38", g), Some(Equal));
    assert_eq!(compare("8.8.15 Patch 46", "9.0.0", g), Some(Less));
    assert_eq!(compare("15.4.2 HF 1", "15.4.2_hf_1", g), Some(Equal));
    assert_eq!(
        compare("21.4R3-S5", "21.4R3-S6", Scheme::Ivanti),
        Some(Less)
    );
}
