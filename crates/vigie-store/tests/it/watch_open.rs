//! The open product model in the store (issue 18), on SQLite and PostgreSQL, with real records
//! (`../shared/data`): a product outside the catalogue is kept under its open key and alerted
//! when an advisory names it; a KEV entry whose record names no product sends it to review; end
//! of life for an open key; inventory files read by the engine, refused when not UTF-8, with a
//! report of what each row resolved to; the product index rebuilt once when its rules change.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use vigie_intel::Corpus;
use vigie_store::testing::{self, TestDb};
use vigie_store::watch::{self, AlertFilter, ItemPlace, NewItem};

use crate::system;

pub fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// Records of the Vulnrichment archive (CVE JSON 5 with CISA's ADP), read once per process.
fn vulnrichment() -> &'static Vec<(String, Vec<u8>)> {
    static R: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    R.get_or_init(|| {
        let wanted: HashSet<&str> = ["CVE-2024-37383", "CVE-2024-38475"].into_iter().collect();
        let f = std::fs::File::open(data().join("vulnrichment/vulnrichment-2024-10-24.tar.zst"))
            .unwrap();
        let mut ar = tar::Archive::new(zstd::stream::read::Decoder::new(f).unwrap());
        let mut out = Vec::new();
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let name = e.path().unwrap().display().to_string();
            let stem = name
                .rsplit('/')
                .next()
                .unwrap_or("")
                .trim_end_matches(".json");
            if wanted.contains(stem) {
                let mut b = Vec::new();
                e.read_to_end(&mut b).unwrap();
                out.push((name, b));
            }
        }
        assert_eq!(out.len(), wanted.len(), "records missing from the archive");
        out
    })
}

/// A corpus of real records: these CVE records (Vulnrichment archive or `cve-records/`) and
/// these entries of the real KEV catalogue.
pub fn real(cves: &[&str], kev: &[&str]) -> Corpus {
    let mut c = Corpus::default();
    for cve in cves {
        let file = data().join(format!("cve-records/{cve}.json"));
        if file.exists() {
            c.add_path(&file);
        } else {
            let (name, bytes) = vulnrichment()
                .iter()
                .find(|(n, _)| n.ends_with(&format!("{cve}.json")))
                .unwrap();
            c.add_bytes(name, bytes);
        }
    }
    if !kev.is_empty() {
        c.add_path(&data().join("cisa-kev/known_exploited_vulnerabilities.json"));
        let k = c.kev.as_mut().unwrap();
        k.entries.retain(|e| kev.contains(&e.cve_id.as_str()));
        assert_eq!(k.entries.len(), kev.len());
    }
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    c
}

fn item(product: &str, version: &str, location: &str) -> NewItem {
    NewItem {
        product: product.into(),
        version: version.into(),
        location: location.into(),
        origin: "form".into(),
        exposed: true,
    }
}

async fn structure(db: &TestDb) -> i64 {
    crate::seeded(db).await;
    crate::id_of(&db.store, "010000024").await
}

async fn alerts_of(db: &TestDb, structure: i64) -> Vec<watch::Alert> {
    db.store
        .list_alerts(
            &system(),
            &AlertFilter {
                structure_id: Some(structure),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

/// Roundcube Webmail is outside the catalogue: declared by its name, it is kept under its open
/// key with its display name, and the known-exploited CVE-2024-37383 (CNA `n/a`; CISA's ADP
/// `roundcube:webmail` 1.6.0 < 1.6.7) alerts it when the record and the KEV entry arrive;
/// 1.6.7, the fix, is not alerted.
#[tokio::test]
async fn a_product_outside_the_catalogue_is_alerted_when_an_advisory_names_it() {
    for db in testing::all().await {
        let s = &db.store;
        let a = structure(&db).await;
        let (it, new) = s
            .add_inventory_item(&system(), a, &item("Roundcube Webmail", "1.6.0", "mail"))
            .await
            .unwrap();
        assert_eq!(it.product, "roundcube:webmail", "{}", db.name);
        assert!(new.is_empty());
        assert_eq!(watch::product_name(&it.product), "Roundcube Webmail");
        s.add_inventory_item(&system(), a, &item("Roundcube|Webmail", "1.6.7", "mail2"))
            .await
            .unwrap();

        let r = s
            .watch_ingest(
                &system(),
                &real(&["CVE-2024-37383"], &["CVE-2024-37383"]),
                "roundcube",
            )
            .await
            .unwrap();
        assert_eq!(r.alerts_new, 1, "{}: {r:?}", db.name);
        let alerts = alerts_of(&db, a).await;
        assert_eq!(alerts.len(), 1, "{}: {alerts:?}", db.name);
        let al = &alerts[0];
        assert_eq!(
            (
                al.ref_id.as_str(),
                al.product.as_str(),
                al.version.as_str(),
                al.decision.as_str()
            ),
            ("CVE-2024-37383", "roundcube:webmail", "1.6.0", "affected"),
            "{}",
            db.name
        );
        assert!(
            al.reason_list().iter().any(|r| r.starts_with("KEV")),
            "{al:?}"
        );
        db.cleanup().await;
    }
}

/// CVE-2023-37580: MITRE's record says `n/a` / `n/a` (the product is only in its description),
/// the KEV entry names Synacor Zimbra Collaboration Suite. The known-exploited flaw is not lost:
/// the Zimbra item goes to review, with the KEV as reason.
#[tokio::test]
async fn a_kev_entry_whose_record_names_no_product_sends_it_to_review() {
    for db in testing::all().await {
        let s = &db.store;
        let a = structure(&db).await;
        let (it, _) = s
            .add_inventory_item(&system(), a, &item("zimbra", "8.8.15 Patch 40", ""))
            .await
            .unwrap();
        assert_eq!(it.product, "zimbra-collaboration");
        let r = s
            .watch_ingest(
                &system(),
                &real(&["CVE-2023-37580"], &["CVE-2023-37580"]),
                "zimbra",
            )
            .await
            .unwrap();
        assert_eq!(r.alerts_new, 1, "{}: {r:?}", db.name);
        let alerts = alerts_of(&db, a).await;
        let al = alerts
            .iter()
            .find(|x| x.ref_id == "CVE-2023-37580")
            .unwrap();
        assert_eq!(al.decision, "needs-review", "{}: {al:?}", db.name);
        assert!(al.reason_list().iter().any(|r| r.contains("KEV")), "{al:?}");
        db.cleanup().await;
    }
}

/// endoflife.date's identifiers give an end of life to products outside the catalogue: Keycloak
/// (by its title, CPE `redhat:keycloak`) declared before the data arrives, Roundcube Webmail
/// 1.5 (by its CPE, end of life 2026-05-10) after; a supported cycle raises nothing.
#[tokio::test]
async fn end_of_life_is_found_for_open_keys() {
    for db in testing::all().await {
        let s = &db.store;
        let a = structure(&db).await;
        let (kc, _) = s
            .add_inventory_item(&system(), a, &item("Keycloak", "26.6.1", "sso"))
            .await
            .unwrap();
        assert_eq!(kc.product, "redhat:keycloak");
        let mut eol = Corpus::default();
        eol.add_path(&data().join("endoflife-date/products-index.json"));
        s.watch_ingest(&system(), &eol, "eol.json").await.unwrap();
        let alerts = alerts_of(&db, a).await;
        assert!(
            alerts
                .iter()
                .any(|x| x.kind == "eol" && x.ref_id == "EOL:redhat:keycloak:26.6"),
            "{}: {alerts:?}",
            db.name
        );
        let (_, new) = s
            .add_inventory_item(
                &system(),
                a,
                &item(
                    "cpe:2.3:a:roundcube:webmail:1.5.6:*:*:*:*:*:*:*",
                    "",
                    "mail",
                ),
            )
            .await
            .unwrap();
        assert_eq!(new.len(), 1, "{}", db.name);
        let (al, _) = s.get_alert(&system(), new[0]).await.unwrap();
        assert_eq!(
            (al.kind.as_str(), al.ref_id.as_str(), al.version.as_str()),
            ("eol", "EOL:roundcube:webmail:1.5", "1.5.6")
        );
        assert!(
            al.title.starts_with("Roundcube Webmail 1.5"),
            "{}",
            al.title
        );
        let (_, new) = s
            .add_inventory_item(&system(), a, &item("Roundcube Webmail", "1.6.9", "mail2"))
            .await
            .unwrap();
        assert!(new.is_empty(), "{}: 1.6 is supported", db.name);
        db.cleanup().await;
    }
}

/// A file saved in Latin-1 is refused, naming the line of the first byte that is not UTF-8;
/// nothing is decoded lossily and nothing is imported.
#[test]
fn a_latin1_csv_is_refused_naming_the_line() {
    let (items, rep) =
        watch::read_inventory(b"product,version,location\nfortios,7.0.12,fw\nRoundcube Webmail,1.6.0,messagerie \xe9quipe\n")
            .unwrap();
    assert!(items.is_empty());
    assert!(rep.rows.is_empty());
    assert_eq!(rep.errors.len(), 1, "{rep:?}");
    assert_eq!(rep.errors[0].place, ItemPlace::Line { line: 3 });
    assert_eq!(rep.errors[0].problem.key, "watch-inventory-not-utf8");
    assert!(
        rep.errors[0]
            .problem
            .args
            .contains(&("line", vigie_domain::problem::Arg::Number(3))),
        "{rep:?}"
    );
}

/// The import report says, for each row, what was declared and what it resolved to (key,
/// display name, how), which rows are kept, which are incomplete or rejected and why.
#[tokio::test]
async fn the_import_report_says_what_resolved_to_what() {
    let csv = "product,version,location\n\
               Roundcube Webmail,1.6.0,mail\n\
               FortiGate,7.0.12,fw\n\
               cpe:2.3:a:roundcube:webmail:1.5.6:*:*:*:*:*:*:*,,old-mail\n\
               Synacor|Zimbra Collaboration Suite,8.8.15,zcs\n\
               ,1.0,nothing\n\
               Acme Imaging Gateway,,pacs\n";
    for db in testing::all().await {
        let s = &db.store;
        let a = structure(&db).await;
        let (items, rep) = watch::read_inventory(csv.as_bytes()).unwrap();
        let rep = s.import_inventory(&system(), a, &items, rep).await.unwrap();
        assert!(rep.errors.is_empty(), "{rep:?}");
        assert_eq!(rep.added, 4, "{rep:?}");
        type Row<'a> = (
            String,
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            Option<&'a str>,
        );
        let got: Vec<Row> = rep
            .rows
            .iter()
            .map(|r| {
                (
                    r.place.to_string(),
                    r.status.as_str(),
                    r.key.as_deref(),
                    r.display.as_deref(),
                    r.by.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "line 2".into(),
                    "kept",
                    Some("roundcube:webmail"),
                    Some("Roundcube Webmail"),
                    Some("end-of-life-title")
                ),
                (
                    "line 3".into(),
                    "kept",
                    Some("fortios"),
                    Some("Fortinet FortiOS (FortiGate)"),
                    Some("catalog-name")
                ),
                (
                    "line 4".into(),
                    "kept",
                    Some("roundcube:webmail"),
                    Some("Roundcube Webmail"),
                    Some("open-cpe")
                ),
                (
                    "line 5".into(),
                    "kept",
                    Some("zimbra-collaboration"),
                    Some("Zimbra Collaboration (ZCS)"),
                    Some("catalog-pair")
                ),
                ("line 6".into(), "rejected", None, None, None),
                (
                    "line 7".into(),
                    "incomplete",
                    Some("_:acme_imaging_gateway"),
                    Some("Acme Imaging Gateway"),
                    Some("unqualified")
                ),
            ],
            "{}",
            db.name
        );
        assert_eq!(rep.rows[2].version, "1.5.6", "the CPE's version");
        assert_eq!(
            rep.rows[4].problem.as_ref().map(|p| p.key),
            Some("watch-inventory-product-empty")
        );
        assert_eq!(
            rep.rows[5].problem.as_ref().map(|p| p.key),
            Some("watch-inventory-version-empty")
        );
        let inv = s.list_inventory(&system(), a).await.unwrap();
        assert_eq!(inv.len(), 4, "{inv:?}");
        db.cleanup().await;
    }
}

/// An index built with the rules before the open model (catalogue ids only) is rebuilt once:
/// the advisory's open keys reach an item declared meanwhile, which is alerted; a second call
/// does nothing.
#[tokio::test]
async fn the_product_index_is_rebuilt_once_when_its_rules_change() {
    for db in testing::all().await {
        let s = &db.store;
        let a = structure(&db).await;
        s.watch_ingest(
            &system(),
            &real(&["CVE-2024-37383"], &["CVE-2024-37383"]),
            "roundcube",
        )
        .await
        .unwrap();
        // The index as the catalogue-only rules wrote it: no open key, an older version.
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        sqlx::query("DELETE FROM watch_advisory_products WHERE product LIKE '%:%'")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE watch_index_state SET version = 'catalogue-only', done_upto = -1")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
        let (_, new) = s
            .add_inventory_item(&system(), a, &item("Roundcube Webmail", "1.6.0", "mail"))
            .await
            .unwrap();
        assert!(new.is_empty(), "{}: the old index misses it", db.name);

        let rep = s.watch_reindex(&system()).await.unwrap();
        assert!(rep.ran, "{rep:?}");
        assert_eq!(
            (rep.advisories, rep.changed),
            (1, 1),
            "{}: {rep:?}",
            db.name
        );
        assert_eq!(rep.alerts_new, 1, "{}: {rep:?}", db.name);
        assert!(rep.eol_products == 0);
        let alerts = alerts_of(&db, a).await;
        assert!(alerts.iter().any(|x| x.ref_id == "CVE-2024-37383"));
        let again = s.watch_reindex(&system()).await.unwrap();
        assert_eq!(again, watch::ReindexReport::default());
        db.cleanup().await;
    }
}

/// The worker runs the rebuild and the ingestion on any thread of its runtime: their futures are
/// `Send` (checked by the compiler; never called).
#[allow(dead_code)]
fn the_watch_futures_can_run_on_any_thread(s: vigie_store::Store) {
    fn send<T: Send>(_: T) {}
    send(watch::reindex_once(s.clone()));
    send(async move {
        let c = Corpus::default();
        let _ = s.watch_ingest(&system(), &c, "x").await;
    });
}
