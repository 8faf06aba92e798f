//! Matching behaviour on small hand-made records, and parsing of the real source files.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::path::PathBuf;
use vigie_intel::matching::{Decision, InventoryItem, Matcher, ProductRef, ThreatContext};
use vigie_intel::model::Source;
use vigie_intel::{parse, Catalog, Corpus};

fn data_dir() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        p.join("README.md").exists(),
        "shared data folder not found at {} (CI has it)",
        p.display()
    );
    p
}

fn item(sid: i64, product: ProductRef, version: &str, exposed: bool) -> InventoryItem {
    InventoryItem {
        structure_id: sid,
        product,
        version: version.into(),
        exposed,
        source: "test".into(),
    }
}

fn cat(id: &str) -> ProductRef {
    ProductRef::Catalog(id.into())
}

fn nvd(id: &str, configurations: &str) -> vigie_intel::Advisory {
    let text = format!(
        r#"{{"id":"{id}","vulnStatus":"Analyzed","sourceIdentifier":"x","configurations":{configurations}}}"#
    );
    let (mut v, errs) = parse::parse_nvd(text.as_bytes(), Some("t.json")).unwrap();
    assert!(errs.is_empty(), "{errs:?}");
    v.remove(0)
}

#[test]
fn na_version_criteria_does_not_match_everything() {
    let m = Matcher::new(
        Catalog::builtin().unwrap(),
        vec![
            item(
                1,
                ProductRef::Cpe("cpe:2.3:a:oracle:mysql:8.0.36:*:*:*:*:*:*:*".into()),
                "",
                false,
            ),
            item(
                2,
                ProductRef::Cpe("cpe:2.3:a:oracle:mysql:-:*:*:*:*:*:*:*".into()),
                "",
                false,
            ),
        ],
    );
    let adv = nvd(
        "CVE-2099-0001",
        r#"[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:oracle:mysql:-:*:*:*:*:*:*:*"}]}]}]"#,
    );
    let f = m.match_advisory(&adv, &ThreatContext::default());
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].item, 1);
}

#[test]
fn substring_products_never_match() {
    let m = Matcher::new(
        Catalog::builtin().unwrap(),
        vec![
            item(1, cat("mysql-server"), "8.0.30", true),
            item(
                2,
                ProductRef::Named {
                    vendor: "Oracle".into(),
                    product: "MySQL".into(),
                },
                "8.0.30",
                true,
            ),
            item(
                3,
                ProductRef::Cpe("cpe:2.3:a:oracle:mysql_connector\\/j:8.0.30:*:*:*:*:*:*:*".into()),
                "",
                true,
            ),
        ],
    );
    let adv = nvd(
        "CVE-2099-0002",
        r#"[{"nodes":[{"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:a:oracle:mysql_connector\/j:*:*:*:*:*:*:*:*","versionEndExcluding":"8.0.33"}]}]}]"#,
    );
    let f = m.match_advisory(&adv, &ThreatContext::default());
    assert_eq!(
        f.iter().map(|f| f.item).collect::<Vec<_>>(),
        vec![2],
        "only the connector item matches: {f:#?}"
    );
}

#[test]
fn and_configuration_checks_the_platform_in_the_same_structure() {
    let m = Matcher::new(
        Catalog::builtin().unwrap(),
        vec![
            item(1, cat("fortios"), "7.0.12", true),
            item(
                1,
                ProductRef::Cpe("cpe:2.3:h:fortinet:fortigate-100f:-:*:*:*:*:*:*:*".into()),
                "-",
                false,
            ),
            item(2, cat("fortios"), "7.0.12", true),
        ],
    );
    let adv = nvd(
        "CVE-2099-0003",
        r#"[{"operator":"AND","nodes":[
            {"operator":"OR","cpeMatch":[{"vulnerable":true,"criteria":"cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*","versionStartIncluding":"7.0.0","versionEndExcluding":"7.0.13"}]},
            {"operator":"OR","cpeMatch":[{"vulnerable":false,"criteria":"cpe:2.3:h:fortinet:fortigate-100f:-:*:*:*:*:*:*:*"}]}]}]"#,
    );
    let f = m.match_advisory(&adv, &ThreatContext::default());
    assert_eq!(f.len(), 2, "{f:#?}");
    let s1 = f.iter().find(|x| x.item == 0).unwrap();
    let s2 = f.iter().find(|x| x.item == 2).unwrap();
    assert_eq!(s1.confidence, vigie_intel::Confidence::High);
    assert_eq!(s2.confidence, vigie_intel::Confidence::Medium);
    assert!(s2.reason.contains("platform"));
    assert!(f.iter().all(|x| x.sources.to_vec() == vec![Source::Nvd]));
}

#[test]
fn index_finds_only_the_product_and_priority_orders_kev_first() {
    let mut items = Vec::new();
    for sid in 0..1000 {
        items.push(item(sid, cat("apache-tomcat"), "9.0.80", sid % 2 == 0));
        items.push(item(sid, cat("nginx"), "1.24.0", false));
    }
    items.push(item(5000, cat("panos"), "10.2.9", true));
    let m = Matcher::new(Catalog::builtin().unwrap(), items);
    let mut corpus = Corpus::default();
    corpus.add_bytes(
        "kev.json",
        br#"{"catalogVersion":"1","dateReleased":"x","vulnerabilities":[{"cveID":"CVE-2024-3400","vendorProject":"Palo Alto Networks","product":"PAN-OS","dateAdded":"2024-04-12"}]}"#,
    );
    assert!(corpus.errors.is_empty(), "{:?}", corpus.errors);
    let f = corpus.match_all(&m);
    // KEV entry without a CVE record: PAN-OS item goes to review, nothing else is touched.
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].decision, Decision::NeedsReview);
    assert_eq!(f[0].structure_id, 5000);
    assert!(f[0].priority.kev && f[0].priority.score >= 10000);
    let p_kev = vigie_intel::Priority::new(true, false, None, Some(5.0), false);
    let p_cert = vigie_intel::Priority::new(false, true, Some(0.9), Some(10.0), true);
    let p_epss = vigie_intel::Priority::new(false, false, Some(0.9), Some(5.0), false);
    let p_cvss = vigie_intel::Priority::new(false, false, Some(0.001), Some(9.8), true);
    assert!(
        p_kev.score > p_cert.score && p_cert.score > p_epss.score && p_epss.score > p_cvss.score
    );
}

#[test]
fn end_of_life_is_a_finding() {
    let d = data_dir();
    let (eol, errs) = parse::parse_endoflife(
        &std::fs::read(d.join("endoflife-date/products-index.json")).unwrap(),
        None,
    )
    .unwrap();
    assert!(errs.is_empty(), "{errs:?}");
    let m = Matcher::new(
        Catalog::builtin().unwrap(),
        vec![
            item(1, cat("fortios"), "6.4.15", true),
            item(2, cat("fortios"), "7.6.1", true),
            item(3, cat("apache-httpd"), "2.2.34", false),
            item(4, cat("windows-server-2012-r2"), "6.3.9600.20000", false),
            item(5, cat("apache-httpd"), "2.4.62", false),
        ],
    );
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let f = m.end_of_life(&eol, today);
    let sids: Vec<i64> = f.iter().map(|x| x.structure_id).collect();
    assert_eq!(sids, vec![1, 3, 4], "{f:#?}");
    assert_eq!(f[0].cycle, "6.4");
}

#[test]
fn real_sources_parse() {
    let d = data_dir();
    let (kev, errs) = parse::parse_kev(
        &std::fs::read(d.join("cisa-kev/known_exploited_vulnerabilities.json")).unwrap(),
        Some("kev"),
    )
    .unwrap();
    assert_eq!(kev.entries.len(), 1404);
    assert!(errs.is_empty());
    let (ale, errs) = parse::parse_certfr(
        &std::fs::read(d.join("certfr-ale/cert-fr-ale_with_cves.json")).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(ale.len(), 261);
    assert!(errs.is_empty());
    assert_eq!(ale.iter().map(|a| a.cves.len()).sum::<usize>(), 492);
    for f in [
        "CERTFR-2026-AVI-0133",
        "CERTFR-2026-AVI-0155",
        "CERTFR-2026-AVI-0187",
    ] {
        let (avi, errs) = parse::parse_certfr(
            &std::fs::read(d.join(format!("samples/certfr-avis/{f}.json"))).unwrap(),
            None,
        )
        .unwrap();
        assert!(errs.is_empty());
        assert_eq!(avi[0].reference, f);
        assert!(!avi[0].is_alert);
        assert!(!avi[0].affected_systems.is_empty());
    }
    let (nv, errs) = parse::parse_nvd(
        &std::fs::read(d.join("samples/nvd-api2/CVE-2023-4966.json")).unwrap(),
        None,
    )
    .unwrap();
    assert!(errs.is_empty());
    assert_eq!(nv[0].configurations[0].nodes[0].matches.len(), 9);
    assert_eq!(nv[0].kev_date_added.as_deref(), Some("2023-10-18"));
    let c5 = parse::parse_cve5(
        &std::fs::read(d.join("samples/cve5/CVE-2023-4966.json")).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(c5.affected.len(), 2);
    assert_eq!(
        c5.ssvc.as_ref().and_then(|s| s.exploitation.as_deref()),
        Some("active")
    );
    assert_eq!(c5.kev_date_added.as_deref(), Some("2023-10-18"));
    assert_eq!(c5.cvss, Some(9.4));
    // A whole folder ingests, with the schema file skipped and nothing rejected.
    let mut c = Corpus::default();
    c.add_path(&d.join("cve-records"));
    c.add_path(&d.join("cisa-kev"));
    c.add_path(&d.join("certfr-ale"));
    assert_eq!(c.advisory_count(), 16, "{:?}", c.errors);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    // Idempotent re-ingestion.
    c.add_path(&d.join("cve-records"));
    assert_eq!(c.advisory_count(), 16);
}

#[test]
fn malformed_records_do_not_stop_ingestion() {
    let mut c = Corpus::default();
    c.add_bytes("a.json", br#"{"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2024-0001","state":"PUBLISHED"},"containers":{"cna":{"affected":[{"vendor":"x","product":"y","versions":[{"version":"1.0","status":"affected"}]}]}}}"#);
    c.add_bytes("b.json", br#"{"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2024-0002"},"containers":{"cna":{"affected":"oops"}}}"#);
    c.add_bytes(
        "c.json",
        br#"{"dataType":"CVE_RECORD","cveMetadata":{"cveId":"CVE-2024-0003"}}"#,
    );
    c.add_bytes("d.json", b"garbage");
    assert_eq!(c.advisory_count(), 2);
    assert_eq!(c.errors.len(), 2);
    assert_eq!(c.errors[0].file.as_deref(), Some("b.json"));
    assert!(c.errors[0].reason.contains("not a CVE JSON 5 record"));
}

#[test]
fn freshness_alarm_and_cli_smoke() {
    let d = data_dir();
    let mut c = Corpus::default();
    c.add_path(&d.join("cisa-kev"));
    c.add_path(&d.join("cve-records"));
    let today = chrono::NaiveDate::from_ymd_opt(2025, 8, 30).unwrap();
    let f = c.freshness(today);
    let kev = f.iter().find(|a| a.source == Source::Kev).unwrap();
    assert_eq!(kev.age_days, Some(5));
    assert!(!kev.stale);
    let later = c.freshness(chrono::NaiveDate::from_ymd_opt(2027, 6, 1).unwrap());
    assert!(later.iter().all(|a| a.stale));

    let dir = std::env::temp_dir().join(format!("vigie-intel-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let inv = dir.join("inv.csv");
    std::fs::write(&inv, "structure_id,product,version,exposed,source\n1,fortios,7.0.16,true,form\n2,fortios,7.0.17,true,form\n3,Oracle|WebLogic Server,12.2.1.4.0,false,csv\n").unwrap();
    let items = vigie_intel::cli::read_inventory(&inv).unwrap();
    assert_eq!(items.len(), 3);
    let m = Matcher::new(Catalog::builtin().unwrap(), items);
    let found = c.match_all(&m);
    let affected: Vec<(i64, &str)> = found
        .iter()
        .filter(|f| f.decision == Decision::Affected)
        .map(|f| (f.structure_id, &*f.cve))
        .collect();
    assert!(affected.contains(&(1, "CVE-2024-55591")), "{affected:?}");
    assert!(!affected.iter().any(|(s, _)| *s == 2), "{affected:?}");
    assert!(affected.contains(&(3, "CVE-2023-21839")), "{affected:?}");
    for cmd in [
        vigie_intel::cli::IntelCommand::Compare {
            a: "13.1-49.15".into(),
            b: "13.1-48.47".into(),
            scheme: "netscaler".into(),
        },
        vigie_intel::cli::IntelCommand::CpeMatch {
            pattern: "cpe:2.3:a:apache:*:*:*:*:*:*:*:*:*".into(),
            target: "cpe:/a:apache:http_server:2.4.58".into(),
        },
        vigie_intel::cli::IntelCommand::Resolve {
            vendor: "Citrix".into(),
            product: "NetScaler ADC".into(),
        },
        vigie_intel::cli::IntelCommand::Match {
            inventory: inv.clone(),
            data: vec![d.join("cve-records")],
            format: vigie_intel::cli::Format::Json,
            review: true,
        },
    ] {
        vigie_intel::cli::run(cmd).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}
