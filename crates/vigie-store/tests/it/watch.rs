//! Vulnerability watch in the store, on SQLite and PostgreSQL: ingestion of real records
//! (`../shared/data`), incremental and idempotent; alerts through the product index, deduplicated,
//! notified once, closed automatically when the inventory shows a fixed version; scoping.

use std::path::{Path, PathBuf};

use vigie_domain::events::AlertEvent;
use vigie_domain::problem::Problem;
use vigie_domain::role::Role;
use vigie_domain::structure::ContactRole;
use vigie_intel::Corpus;
use vigie_store::accounts::NewUser;
use vigie_store::testing::{self, TestDb};
use vigie_store::watch::{self, AlertFilter, ItemPlace, ItemProblem, NewItem};
use vigie_store::{Actor, Store, StoreError};

use crate::{system, FINESS_SMALL, GHT_SMALL};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn corpus(path: &Path) -> Corpus {
    let mut c = Corpus::default();
    c.add_path(path);
    c
}

fn item(product: &str, version: &str) -> NewItem {
    NewItem {
        product: product.into(),
        version: version.into(),
        location: String::new(),
        origin: "form".into(),
        exposed: true,
    }
}

async fn seeded(db: &TestDb) -> (i64, i64) {
    let s = &db.store;
    s.import_finess(&system(), FINESS_SMALL).await.unwrap();
    s.import_ght(&system(), GHT_SMALL).await.unwrap();
    let a = s
        .find_structure_by_finess(&system(), "010000024")
        .await
        .unwrap()
        .id;
    let b = s
        .find_structure_by_finess(&system(), "750100125")
        .await
        .unwrap()
        .id;
    s.set_contact(
        &system(),
        a,
        ContactRole::SecurityOfficer,
        "RSSI",
        Some("rssi@fleyriat.example"),
        None,
    )
    .await
    .unwrap();
    (a, b)
}

async fn notifications_for(s: &Store, alert: i64) -> usize {
    s.list_notifications(&system(), None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.dedup_key == format!("watch.alert:{alert}") && n.channel == "email")
        .count()
}

async fn member_of(s: &Store, email: &str, structure: i64) -> Actor {
    let id = s
        .create_user(
            &system(),
            &NewUser {
                email: email.into(),
                display_name: email.into(),
                role: Role::StructureMember,
                region_code: None,
                ght_id: None,
                structure_ids: vec![structure],
                password: None,
                locale: "fr".into(),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    s.actor_for_user(id, None).await.unwrap()
}

#[tokio::test]
async fn advisory_alerts_affected_items_once_and_closes_when_fixed() {
    for db in testing::all().await {
        let s = &db.store;
        let (a, b) = seeded(&db).await;
        let (fgt_a, _) = s
            .add_inventory_item(&system(), a, &item("fortios", "7.0.12"))
            .await
            .unwrap();
        // Not affected (7.4 is outside 7.0.0 - 7.0.16) and a name-alike that must not match.
        s.add_inventory_item(&system(), b, &item("FortiGate", "7.4.3"))
            .await
            .unwrap();
        s.add_inventory_item(&system(), b, &item("fortiproxy", "7.6.1"))
            .await
            .unwrap();

        let c = corpus(&data().join("cve-records/CVE-2024-55591.json"));
        let r = s
            .watch_ingest(&system(), &c, "CVE-2024-55591.json")
            .await
            .unwrap();
        assert_eq!((r.added, r.changed, r.unchanged), (1, 0, 0), "{}", db.name);
        assert_eq!(r.alerts_new, 1, "{}: {r:?}", db.name);
        let alerts = s
            .list_alerts(&system(), &AlertFilter::default())
            .await
            .unwrap();
        assert_eq!(alerts.len(), 1, "{}", db.name);
        let al = &alerts[0];
        assert_eq!((al.structure_id, al.ref_id.as_str()), (a, "CVE-2024-55591"));
        assert_eq!(
            (al.decision.as_str(), al.status.as_str()),
            ("affected", "new")
        );
        assert_eq!(al.inventory_id, Some(fgt_a.id));
        assert!(al.reason_list()[0].contains("7.0.12"), "{:?}", al.reasons);
        assert_eq!(
            notifications_for(s, al.id).await,
            1,
            "{}: one e-mail to the RSSI",
            db.name
        );

        // Idempotent: the same file again changes nothing and notifies nobody.
        let r = s
            .watch_ingest(&system(), &c, "CVE-2024-55591.json")
            .await
            .unwrap();
        assert_eq!(
            (r.added, r.changed, r.unchanged, r.alerts_new),
            (0, 0, 1, 0),
            "{}",
            db.name
        );

        // KEV raises the priority of the existing alert; no second alert, no second e-mail.
        let kev = corpus(&data().join("cisa-kev/known_exploited_vulnerabilities.json"));
        let t = std::time::Instant::now();
        let r = s.watch_ingest(&system(), &kev, "kev.json").await.unwrap();
        eprintln!(
            "{}: KEV ingestion of {} entries: {:?}",
            db.name,
            r.added,
            t.elapsed()
        );
        assert!(r.added > 1000, "{r:?}");
        let alerts = s
            .list_alerts(
                &system(),
                &AlertFilter {
                    structure_id: Some(a),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let al = alerts
            .iter()
            .find(|x| x.ref_id == "CVE-2024-55591")
            .unwrap();
        assert!(al.priority >= 10_000, "KEV first: {}", al.priority);
        assert!(al.match_source.contains("kev"), "{}", al.match_source);
        assert_eq!(notifications_for(s, al.id).await, 1, "{}", db.name);
        let id = al.id;
        // Structure B has no FortiOS 7.0: nothing about CVE-2024-55591 there.
        let b_alerts = s
            .list_alerts(
                &system(),
                &AlertFilter {
                    structure_id: Some(b),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(
            b_alerts.iter().all(|x| x.ref_id != "CVE-2024-55591"),
            "{}",
            db.name
        );

        // Scope: a member of B does not see A's alert, not even by id.
        let mb = member_of(s, "m@pitie.example", b).await;
        assert!(matches!(
            s.get_alert(&mb, id).await,
            Err(StoreError::NotFound)
        ));
        assert!(s
            .list_alerts(&mb, &AlertFilter::default())
            .await
            .unwrap()
            .iter()
            .all(|x| x.structure_id == b));
        assert!(matches!(
            s.list_alerts(
                &mb,
                &AlertFilter {
                    structure_id: Some(a),
                    ..Default::default()
                }
            )
            .await,
            Err(StoreError::NotFound)
        ));
        // A member may read but not triage nor declare.
        let ma = member_of(s, "m@fleyriat.example", a).await;
        assert!(s.get_alert(&ma, id).await.is_ok());
        assert!(matches!(
            s.triage_alert(&ma, id, "acknowledged", "").await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.add_inventory_item(&ma, a, &item("fortios", "7.0.1"))
                .await,
            Err(StoreError::Forbidden(_))
        ));

        // The inventory shows the fixed version: the alert closes by itself.
        s.add_inventory_item(&system(), a, &item("fortios", "7.0.17"))
            .await
            .unwrap();
        let (al, _) = s.get_alert(&system(), id).await.unwrap();
        assert_eq!(
            (al.status.as_str(), al.auto_closed),
            ("fixed", 1),
            "{}",
            db.name
        );
        assert_eq!(
            al.version, "7.0.12",
            "the alert keeps the version it was about"
        );
        // Back to a vulnerable version: the same alert reopens, still one e-mail.
        s.add_inventory_item(&system(), a, &item("fortios", "7.0.13"))
            .await
            .unwrap();
        let (al, _) = s.get_alert(&system(), id).await.unwrap();
        assert_eq!(
            (al.status.as_str(), al.auto_closed, al.version.as_str()),
            ("new", 0, "7.0.13")
        );
        assert_eq!(notifications_for(s, id).await, 1, "{}", db.name);

        // Triage: not_affected needs a reason; a decision by a person is not reopened.
        assert!(matches!(
            s.triage_alert(&system(), id, "not_affected", " ").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.triage_alert(&system(), id, "closed", "x").await,
            Err(StoreError::Invalid(_))
        ));
        let al = s
            .triage_alert(
                &system(),
                id,
                "not_affected",
                "interface d'administration fermée",
            )
            .await
            .unwrap();
        assert_eq!((al.status.as_str(), al.auto_closed), ("not_affected", 0));
        s.add_inventory_item(&system(), a, &item("fortios", "7.0.14"))
            .await
            .unwrap();
        let (al, _) = s.get_alert(&system(), id).await.unwrap();
        assert_eq!(al.status, "not_affected");

        // Removing the item closes its open alerts.
        s.triage_alert(&system(), id, "acknowledged", "")
            .await
            .unwrap();
        let inv = s.list_inventory(&system(), a).await.unwrap();
        s.remove_inventory_item(&system(), a, inv[0].id)
            .await
            .unwrap();
        let (al, _) = s.get_alert(&system(), id).await.unwrap();
        assert_eq!(
            (al.status.as_str(), al.auto_closed, al.inventory_id),
            ("fixed", 1, None)
        );

        // Freshness: both sources recorded; the KEV catalogue of the data set is older than a week.
        let src = s.watch_sources(&system()).await.unwrap();
        let kev = src.iter().find(|x| x.source == "kev").unwrap();
        assert!(kev.records > 1000 && kev.newest_record.is_some());
        assert!(src.iter().any(|x| x.source == "cve"));
        assert!(matches!(
            s.watch_sources(&ma).await,
            Err(StoreError::Forbidden(_))
        ));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_new_item_is_matched_against_stored_advisories_and_bad_records_never_stop_ingestion() {
    for db in testing::all().await {
        let s = &db.store;
        let (a, _) = seeded(&db).await;
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "CVE-2024-55591.json",
            "CVE-2022-27518.json",
            "CVE-2023-46805.json",
        ] {
            std::fs::copy(data().join("cve-records").join(f), dir.path().join(f)).unwrap();
        }
        std::fs::write(
            dir.path().join("CVE-2099-0001.json"),
            b"{\"cveMetadata\": 12",
        )
        .unwrap();
        let r = s
            .watch_ingest(&system(), &corpus(dir.path()), "folder")
            .await
            .unwrap();
        assert_eq!(r.added, 3, "{}: {r:?}", db.name);
        assert_eq!(r.rejected.len(), 1, "{r:?}");
        assert!(
            r.rejected[0].contains("CVE-2099-0001.json"),
            "{:?}",
            r.rejected
        );
        let src = s.watch_sources(&system()).await.unwrap();
        let cve = src.iter().find(|x| x.source == "cve").unwrap();
        assert!(cve
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("CVE-2099-0001.json"));

        // Declared after the advisory: matched against the advisories of its product.
        let (_, new) = s
            .add_inventory_item(&system(), a, &item("citrix-netscaler-adc", "13.0-58.30"))
            .await
            .unwrap();
        assert_eq!(new.len(), 1, "{}", db.name);
        let (al, adv) = s.get_alert(&system(), new[0]).await.unwrap();
        assert_eq!(al.ref_id, "CVE-2022-27518");
        // The CNA lists only the line 13.0, no fixed build: a person must look.
        assert_eq!(al.decision, "needs-review");
        assert!(adv.unwrap().cvss_x10.is_some());
        // A line the record does not list raises nothing.
        let (_, new) = s
            .add_inventory_item(
                &system(),
                a,
                &NewItem {
                    location: "dmz-2".into(),
                    ..item("citrix-netscaler-adc", "13.1-37.38")
                },
            )
            .await
            .unwrap();
        assert!(new.is_empty(), "{}: {new:?}", db.name);
        // The bulletin of this week lists it, for the structure and its region; queued once.
        let b = s
            .watch_bulletin(&system(), &watch::BulletinFor::Structure(a), None)
            .await
            .unwrap();
        assert!(b.alerts.iter().any(|x| x.ref_id == "CVE-2022-27518"));
        assert!(b
            .advisories
            .iter()
            .any(|(v, n)| v.ref_id == "CVE-2022-27518" && *n == 1));
        assert!(b.territory.contains("FLEYRIAT"), "{}", b.territory);
        let r = s
            .watch_bulletin(&system(), &watch::BulletinFor::Region("84".into()), None)
            .await
            .unwrap();
        assert_eq!(r.advisories.len(), 1);
        let other = s
            .watch_bulletin(&system(), &watch::BulletinFor::Region("11".into()), None)
            .await
            .unwrap();
        assert!(other.alerts.is_empty() && other.advisories.is_empty());
        assert_eq!(other.territory, "Île-de-France");
        let (week, _, _) = watch::iso_week(None).unwrap();
        let n = s
            .watch_queue_bulletins(&system(), Some(&week))
            .await
            .unwrap();
        assert_eq!(
            n, 1,
            "{}: the RSSI of the structure (no regional analyst here)",
            db.name
        );
        assert_eq!(
            s.watch_queue_bulletins(&system(), Some(&week))
                .await
                .unwrap(),
            0
        );
        // Its notification carries the bulletin as data, for its recipient's language.
        let sent = s.list_notifications(&system(), Some(a), 100).await.unwrap();
        let bulletin = sent.iter().find(|n| n.event == "watch.bulletin").unwrap();
        let doc: vigie_domain::events::BulletinEvent =
            serde_json::from_str(&bulletin.payload).unwrap();
        assert_eq!(doc.week, week);
        assert!(doc.alerts.iter().any(|x| x.ref_id == "CVE-2022-27518"));
        assert!(doc.advisories.iter().any(|x| x.ref_id == "CVE-2022-27518"));
        assert_eq!(
            bulletin.link.as_deref(),
            Some(format!("/watch/bulletin?structure={a}&week={week}").as_str())
        );
        assert!(matches!(
            watch::iso_week(Some("2026-47")),
            Err(StoreError::Invalid(_))
        ));
        // A product the catalogue does not know is kept under its open key (never refused);
        // an empty version and a product that names nothing are refused with why.
        let (kept, _) = s
            .add_inventory_item(&system(), a, &item("nginx-plus-turbo", "1.0"))
            .await
            .unwrap();
        assert_eq!(kept.product, "_:nginx_plus_turbo");
        let e = s
            .add_inventory_item(&system(), a, &item("cpe:2.3:a:*:*:1.0", "1.0"))
            .await
            .unwrap_err();
        assert!(
            e.problem()
                .is_some_and(|p| p.key.starts_with("watch-inventory-product-")),
            "{e}"
        );
        let e = s
            .add_inventory_item(&system(), a, &item("fortios", " "))
            .await
            .unwrap_err();
        assert_eq!(
            e.problem().map(|p| p.key),
            Some("watch-inventory-version-empty"),
            "{e}"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn csv_and_cyclonedx_imports_report_per_line_problems() {
    let (items, rep) = watch::read_inventory(
        b"product;version;location;exposed\nfortios;7.0.12;fw1;oui\n\nCitrix ADC;13.1-33.47;;non\nfortios;7.2.1;fw2;maybe\n",
    )
    .unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].0, ItemPlace::Line { line: 2 });
    assert!(items[0].1.exposed);
    // A line that cannot be taken is left out, naming its line and column; the file is fine.
    assert!(rep.errors.is_empty(), "{rep:?}");
    assert_eq!(
        rep.skipped,
        vec![ItemProblem::new(
            ItemPlace::Line { line: 5 },
            Problem::new("watch-inventory-exposed-invalid").arg("value", "maybe")
        )
        .in_column("exposed")]
    );
    let (_, rep) = watch::read_inventory(b"name,release\nx,1\n").unwrap();
    assert_eq!(
        rep.errors[0].problem.key, "watch-inventory-header-columns",
        "{rep:?}"
    );

    let sbom = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5",
        "components": [
            {"type": "application", "name": "FortiOS", "version": "7.0.12", "cpe": "cpe:2.3:o:fortinet:fortios:7.0.12:*:*:*:*:*:*:*"},
            {"type": "library", "name": "left-pad", "version": "1.3.0", "purl": "pkg:npm/left-pad@1.3.0"},
            {"type": "application", "name": "httpd", "version": "2.4.58", "purl": "pkg:generic/apache/httpd@2.4.58"},
            {"type": "application", "name": "nameless-version"}
        ]
    });
    let (items, rep) = watch::read_inventory(sbom.to_string().as_bytes()).unwrap();
    assert!(rep.errors.is_empty(), "{rep:?}");
    assert_eq!(items[0].1.product, "fortios");
    // A component no catalogue product matches is kept under its open key.
    let pad = rep
        .rows
        .iter()
        .find(|r| matches!(&r.place, ItemPlace::Component { name, .. } if name == "left-pad"))
        .unwrap();
    assert_eq!(pad.status, "ready", "{pad:?}");
    assert!(pad.key.is_some(), "{pad:?}");
    assert_eq!(items.len(), 3, "{items:?}");
    let nameless = rep.rows.last().unwrap();
    assert_eq!(
        (
            nameless.status.as_str(),
            nameless.problem.as_ref().map(|p| p.key)
        ),
        ("incomplete", Some("watch-inventory-version-empty"))
    );

    for db in testing::all().await {
        let s = &db.store;
        let (a, _) = seeded(&db).await;
        // A file whose header is wrong: nothing is written.
        let (items, rep) = watch::read_inventory(b"name,release\nfortios,7.0.12\n").unwrap();
        let rep = s.import_inventory(&system(), a, &items, rep).await.unwrap();
        assert_eq!(rep.added, 0, "{rep:?}");
        assert_eq!(rep.errors[0].problem.key, "watch-inventory-header-columns");
        assert!(s.list_inventory(&system(), a).await.unwrap().is_empty());
        // A file with a bad line: the good lines are imported, the bad one listed with its line,
        // its column and why, and the import as a whole is audited.
        let (items, rep) = watch::read_inventory(
            b"product,version,exposed\nfortios,7.0.12,no\nfortios,7.2.1,maybe\n",
        )
        .unwrap();
        let rep = s.import_inventory(&system(), a, &items, rep).await.unwrap();
        assert_eq!(rep.added, 1, "the rows it can: {rep:?}");
        assert!(rep.errors.is_empty(), "{rep:?}");
        assert_eq!(
            rep.skipped,
            vec![ItemProblem::new(
                ItemPlace::Line { line: 3 },
                Problem::new("watch-inventory-exposed-invalid").arg("value", "maybe")
            )
            .in_column("exposed")]
        );
        assert_eq!(rep.rows[0].status, "kept", "{rep:?}");
        assert_eq!(s.list_inventory(&system(), a).await.unwrap().len(), 1);
        let pool = crate::sqlx_pool(&db).await;
        let (audited,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'watch.inventory.import'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        assert_eq!(audited, 1, "{}", db.name);
        let (items, rep) =
            watch::read_inventory(b"product,version\nfortios,7.0.12\nnope,1\nfortios-x,\n")
                .unwrap();
        let rep = s.import_inventory(&system(), a, &items, rep).await.unwrap();
        // FortiOS was stored by the previous file: updated, not added again.
        assert_eq!((rep.added, rep.updated), (1, 1), "{rep:?}");
        let status: Vec<&str> = rep.rows.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(status, ["kept", "kept", "incomplete"], "{rep:?}");
        assert_eq!(
            rep.skipped
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>(),
            ["line 4, column version: watch-inventory-version-empty"],
            "{rep:?}"
        );
        let inv = s.list_inventory(&system(), a).await.unwrap();
        let fortios = inv.iter().find(|i| i.product == "fortios").unwrap();
        assert_eq!(
            (fortios.origin.as_str(), fortios.version.as_str()),
            ("csv", "7.0.12")
        );
        assert!(inv.iter().any(|i| i.product == "_:nope"), "{inv:?}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn end_of_life_is_an_alert_of_its_own_that_closes_on_a_supported_version() {
    for db in testing::all().await {
        let s = &db.store;
        let (a, _) = seeded(&db).await;
        let eol = corpus(&data().join("endoflife-date/products-index.json"));
        let r = s.watch_ingest(&system(), &eol, "eol.json").await.unwrap();
        assert!(r.added > 100, "{r:?}");
        // FortiOS 6.4: end of support 2024-09-30.
        let (declared, new) = s
            .add_inventory_item(&system(), a, &item("fortios", "6.4.15"))
            .await
            .unwrap();
        assert_eq!(new.len(), 1, "{}", db.name);
        let (al, adv) = s.get_alert(&system(), new[0]).await.unwrap();
        assert_eq!(
            (al.kind.as_str(), al.ref_id.as_str()),
            ("eol", "EOL:fortios:6.4")
        );
        assert!(adv.is_none());
        assert!(al.title.contains("30/09/2024"), "{}", al.title);
        // 7.6 is supported until 2030: the end-of-life alert closes by itself.
        s.add_inventory_item(&system(), a, &item("fortios", "7.6.0"))
            .await
            .unwrap();
        let (al, _) = s.get_alert(&system(), al.id).await.unwrap();
        assert_eq!(
            (al.status.as_str(), al.auto_closed),
            ("fixed", 1),
            "{}",
            db.name
        );
        assert_eq!(
            s.list_inventory(&system(), a).await.unwrap()[0].id,
            declared.id
        );
        // Re-ingesting the same data changes nothing.
        let r = s.watch_ingest(&system(), &eol, "eol.json").await.unwrap();
        assert_eq!((r.added, r.changed, r.alerts_new), (0, 0, 0), "{r:?}");
        db.cleanup().await;
    }
}

/// One advisory that concerns more items than one multi-row INSERT holds (200 alerts): every
/// affected item gets its own alert, each alert its own notification, and each notification
/// speaks of its alert's own item (the ids returned by the batched inserts are matched to their
/// rows by key, never by position).
#[tokio::test]
async fn an_advisory_on_hundreds_of_items_alerts_each_once_with_its_own_notification() {
    for db in testing::all().await {
        let s = &db.store;
        let (a, b) = seeded(&db).await;
        let mut affected = std::collections::HashMap::new();
        for n in 0..450 {
            // 7.0.0 to 7.0.16 are affected, 7.4.x are not.
            let (version, hit) = if n % 3 == 2 {
                (format!("7.4.{}", n % 7), false)
            } else {
                (format!("7.0.{}", n % 17), true)
            };
            let structure = if n % 2 == 0 { a } else { b };
            let it = NewItem {
                location: format!("fw-{n}"),
                ..item("fortios", &version)
            };
            let (row, _) = s
                .add_inventory_item(&system(), structure, &it)
                .await
                .unwrap();
            if hit {
                affected.insert(row.id, (structure, version));
            }
        }
        let c = corpus(&data().join("cve-records/CVE-2024-55591.json"));
        let r = s
            .watch_ingest(&system(), &c, "CVE-2024-55591.json")
            .await
            .unwrap();
        assert_eq!(r.alerts_new, affected.len(), "{}: {r:?}", db.name);
        assert_eq!(affected.len(), 300);
        let alerts = s
            .list_alerts(
                &system(),
                &AlertFilter {
                    limit: Some(10_000),
                    ..AlertFilter::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(alerts.len(), 300, "{}", db.name);
        let notes = s.list_notifications(&system(), None, 10_000).await.unwrap();
        for al in &alerts {
            let inv = al.inventory_id.expect("an item's alert");
            let (structure, version) = &affected[&inv];
            assert_eq!((al.structure_id, &al.version), (*structure, version));
            let mine: Vec<_> = notes
                .iter()
                .filter(|n| n.dedup_key == format!("watch.alert:{}", al.id) && n.channel == "email")
                .collect();
            if *structure == a {
                // Structure a has a security officer: one e-mail, about this very item.
                assert_eq!(mine.len(), 1, "{}: alert {}", db.name, al.id);
                // The notification tells this alert, as data: its structure, product, version,
                // why, and its page.
                let p: AlertEvent = serde_json::from_str(&mine[0].payload).unwrap();
                assert_eq!(p.alert_id, al.id);
                assert_eq!(&p.version, version);
                assert_eq!(p.structure_id, *structure);
                assert_eq!(p.structure_name, al.structure_name);
                assert_eq!(p.product_name, watch::product_name("fortios"));
                assert_eq!(p.ref_id, "CVE-2024-55591");
                assert!(!p.match_reason.is_empty(), "{}: {p:?}", db.name);
                assert!(p.reasons.is_empty(), "no sentence: {p:?}");
                assert_eq!(
                    mine[0].link.as_deref(),
                    Some(format!("/watch/alerts/{}", al.id).as_str())
                );
                assert!(mine[0].subject.is_empty() && mine[0].body_text.is_empty());
                let (delivered, _) = s
                    .notification_for_delivery(mine[0].id)
                    .await
                    .unwrap()
                    .unwrap();
                assert_eq!(delivered.payload, mine[0].payload, "{}", db.name);
            }
            assert!(
                mine.len() <= 1,
                "{}: alert {} notified twice",
                db.name,
                al.id
            );
        }
        // Ingesting it again changes nothing: no new alert, no new notification.
        let again = s
            .watch_ingest(&system(), &c, "CVE-2024-55591.json")
            .await
            .unwrap();
        assert_eq!(again.alerts_new, 0, "{}", db.name);
        assert_eq!(
            s.list_notifications(&system(), None, 10_000)
                .await
                .unwrap()
                .len(),
            notes.len()
        );
    }
}
