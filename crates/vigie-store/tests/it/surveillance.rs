//! Surveillance of internet exposure, storage side, on SQLite and on PostgreSQL: settings off by
//! default, scans confined to declared non-demo assets, the finding lifecycle
//! (new → notified → fixed → reopened, acknowledged by triage), scope isolation and the diff.

use vigie_domain::events::FindingEvent;
use vigie_domain::role::{Role, Scope};
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_store::accounts::NewUser;
use vigie_store::surveillance::{NewFinding, NewObservation, ScanAsset, ScanOutcome, SCAN_JOB};
use vigie_store::testing::{self, TestDb};
use vigie_store::{Actor, Store, StoreError};

use crate::{actor, id_of, seeded, system};

async fn structure_admin(store: &Store, email: &str, structure: i64) -> Actor {
    let id = store
        .create_user(
            &system(),
            &NewUser {
                email: email.into(),
                display_name: email.into(),
                role: Role::StructureAdmin,
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
    actor(
        Role::StructureAdmin,
        Scope::Structures { user_id: id },
        Some(id),
    )
}

fn finding(kind: &str, address: &str, port: i64, severity: &str) -> NewFinding {
    NewFinding {
        kind: kind.into(),
        address: address.into(),
        port,
        service: "svc".into(),
        product: Some("Prod".into()),
        version: Some("1.0".into()),
        severity: severity.into(),
        confidence: "high".into(),
        title_fr: format!("{kind} sur {port}"),
        title_en: format!("{kind} on {port}"),
        evidence: format!("evidence of {kind} <b>"),
        advice_fr: "Fermer le service.".into(),
        advice_en: "Close the service.".into(),
        detail: None,
    }
}

fn observation(address: &str, port: i64, service: &str, kinds: &[&str]) -> NewObservation {
    NewObservation {
        address: address.into(),
        port,
        service: service.into(),
        product: Some("Prod".into()),
        version: Some("1.0".into()),
        evidence: "banner".into(),
        finding_kinds: kinds.iter().map(|k| k.to_string()).collect(),
        ..Default::default()
    }
}

fn outcome(obs: Vec<NewObservation>, findings: Vec<NewFinding>) -> ScanOutcome {
    ScanOutcome {
        scope: serde_json::json!({ "targets": ["185.10.20.1"] }),
        software: Vec::new(),
        covered_addresses: vec!["185.10.20.1".into()],
        covered_ports: vec![22, 3389, 6379],
        observations: obs,
        findings,
    }
}

async fn job_count(db: &TestDb, kind: &str) -> i64 {
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let n: (i64,) = sqlx::query_as(&format!(
        "SELECT COUNT(*) FROM jobs WHERE kind = '{kind}' AND status = 'queued'"
    ))
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    n.0
}

#[tokio::test]
async fn surveillance_is_off_by_default_managed_in_scope_and_scheduled_once() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await; // region 84
        let pitie = id_of(s, "750100125").await; // region 11
        let regional84 = actor(Role::RegionalAnalyst, Scope::Region("84".into()), None);
        let admin = structure_admin(s, "a@fleyriat.fr", fleyriat).await;

        // Off by default, for everyone, and the scheduler queues nothing.
        let st = s.surveillance_status(&system(), fleyriat).await.unwrap();
        assert!(!st.enabled, "{}", db.name);
        assert!(st.structure.is_none() && st.region.is_none());
        assert!(s
            .schedule_surveillance(&system(), 3600)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(job_count(&db, SCAN_JOB).await, 0);

        // Who may turn it on: not a structure admin; not a regional analyst elsewhere.
        assert!(matches!(
            s.set_structure_surveillance(&admin, fleyriat, true, 24)
                .await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.set_structure_surveillance(&regional84, pitie, true, 24)
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.set_region_surveillance(&regional84, "11", true, 24).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.set_region_surveillance(&regional84, "84", true, 0).await,
            Err(StoreError::Invalid(_))
        ));

        // The region on: its structures are scheduled, once, spread in time.
        s.set_region_surveillance(&regional84, "84", true, 24)
            .await
            .unwrap();
        assert!(
            s.surveillance_status(&admin, fleyriat)
                .await
                .unwrap()
                .enabled
        );
        assert!(
            !s.surveillance_status(&system(), pitie)
                .await
                .unwrap()
                .enabled
        );
        let queued = s.schedule_surveillance(&system(), 3600).await.unwrap();
        let region84 = s
            .list_structures(
                &regional84,
                &vigie_store::registry::StructureFilter {
                    per_page: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .1;
        assert_eq!(queued.len() as i64, region84, "{}", db.name);
        let scan = s.get_scan(&system(), queued[0]).await.unwrap();
        assert_eq!(
            (scan.origin.as_str(), scan.status.as_str()),
            ("schedule", "queued")
        );
        // One pending scan per structure: a second tick and a "verify now" add nothing.
        assert!(s
            .schedule_surveillance(&system(), 3600)
            .await
            .unwrap()
            .is_empty());
        let pending = s
            .list_scans(&system(), fleyriat, 10)
            .await
            .unwrap()
            .into_iter()
            .find(|x| x.status == "queued")
            .unwrap();
        assert_eq!(s.request_scan(&admin, fleyriat).await.unwrap(), pending.id);
        assert_eq!(job_count(&db, SCAN_JOB).await, region84);
        // ... but "verify now" does not wait for the scheduled scan's turn in the spread.
        let job = s
            .claim_job("w", &[SCAN_JOB], 60)
            .await
            .unwrap()
            .expect("the verified structure's scan is ready now");
        let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap();
        assert_eq!(payload["structure_id"], fleyriat, "{}", db.name);

        // A structure's own setting wins over its region's.
        s.set_structure_surveillance(&regional84, fleyriat, false, 24)
            .await
            .unwrap();
        let st = s.surveillance_status(&admin, fleyriat).await.unwrap();
        assert!(!st.enabled && st.region.is_some());

        let (log, _) = s
            .audit_search(
                &system(),
                &vigie_store::audit::AuditQuery {
                    action: Some("surveillance.set".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(log.len(), 2, "{}", db.name);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_scan_only_sees_declared_assets_that_are_not_demo() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await;
        let pitie = id_of(s, "750100125").await;
        let admin = structure_admin(s, "a@fleyriat.fr", fleyriat).await;

        // No asset: the job gets an empty list (and writes its clear error in the scan row).
        let scan = s.request_scan(&admin, fleyriat).await.unwrap();
        let job = s.start_scan(&system(), scan).await.unwrap().unwrap();
        assert!(job.assets.is_empty());
        s.fail_scan(
            &system(),
            scan,
            "no scannable asset",
            &serde_json::json!({}),
        )
        .await
        .unwrap();
        let row = s.get_scan(&admin, scan).await.unwrap();
        assert_eq!(
            (row.status.as_str(), row.error.as_deref()),
            ("failed", Some("no scannable asset"))
        );
        // A finished scan is not started again (a job re-run after its worker died).
        assert!(s.start_scan(&system(), scan).await.unwrap().is_none());

        s.add_asset(
            &admin,
            fleyriat,
            AssetKind::IpRange,
            "185.10.20.0/24",
            "DSI",
        )
        .await
        .unwrap();
        s.add_asset(&admin, fleyriat, AssetKind::Domain, "ch-fleyriat.fr", "DSI")
            .await
            .unwrap();
        // Documentation ranges and reserved names are demo data: never in a scan's scope.
        s.add_asset(&admin, fleyriat, AssetKind::IpRange, "192.0.2.0/24", "DSI")
            .await
            .unwrap();
        s.add_asset(&admin, fleyriat, AssetKind::Domain, "ch.example.org", "DSI")
            .await
            .unwrap();
        // Another structure's assets are never part of this one's scan.
        s.add_asset(&system(), pitie, AssetKind::IpRange, "185.99.0.0/24", "DSI")
            .await
            .unwrap();
        // Issue 13, item 14: what a structure declares waits for an analyst; nothing pending is
        // scanned, and the structure cannot validate its own declarations.
        let declared = s.list_assets(&admin, fleyriat).await.unwrap();
        assert!(declared.iter().all(|a| a.is_pending()), "{declared:?}");
        let scan = s.request_scan(&admin, fleyriat).await.unwrap();
        let job = s.start_scan(&system(), scan).await.unwrap().unwrap();
        assert!(
            job.assets.is_empty(),
            "[{}] pending assets scanned: {:?}",
            db.name,
            job.assets
        );
        s.fail_scan(
            &system(),
            scan,
            "no scannable asset",
            &serde_json::json!({}),
        )
        .await
        .unwrap();
        for a in &declared {
            assert!(
                matches!(
                    s.validate_asset(&admin, fleyriat, a.id).await,
                    Err(StoreError::Forbidden(_))
                ),
                "a structure admin validated its own asset"
            );
        }
        // A regional analyst of another region does not see the structure.
        let idf = actor(Role::RegionalAnalyst, Scope::Region("11".into()), None);
        assert!(matches!(
            s.validate_asset(&idf, fleyriat, declared[0].id).await,
            Err(StoreError::NotFound)
        ));
        // The regional analyst of its region validates (audited).
        let ara = actor(Role::RegionalAnalyst, Scope::Region("84".into()), None);
        for a in &declared {
            let v = s.validate_asset(&ara, fleyriat, a.id).await.unwrap();
            assert!(!v.is_pending());
        }
        let (audit, _) = s
            .audit_search(
                &system(),
                &vigie_store::audit::AuditQuery {
                    action: Some("asset.validate".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), declared.len(), "[{}]", db.name);
        // An asset an analyst declares is validated at once.
        let by_analyst = s
            .add_asset(
                &ara,
                fleyriat,
                AssetKind::Domain,
                "portail.ch-fleyriat.fr",
                "ARS",
            )
            .await
            .unwrap();
        assert!(!by_analyst.is_pending());
        s.remove_asset(&ara, fleyriat, by_analyst.id).await.unwrap();
        let scan = s.request_scan(&admin, fleyriat).await.unwrap();
        let job = s.start_scan(&system(), scan).await.unwrap().unwrap();
        assert_eq!(
            job.assets,
            vec![
                ScanAsset {
                    kind: "domain".into(),
                    value: "ch-fleyriat.fr".into()
                },
                ScanAsset {
                    kind: "ip_range".into(),
                    value: "185.10.20.0/24".into()
                },
            ],
            "{}",
            db.name
        );
        assert_eq!(s.get_scan(&admin, scan).await.unwrap().status, "running");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn findings_go_new_notified_fixed_reopened_and_are_triaged() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await;
        let pitie = id_of(s, "750100125").await;
        s.set_contact(
            &system(),
            fleyriat,
            ContactRole::SecurityOfficer,
            "RSSI",
            Some("rssi@ch-fleyriat.fr"),
            None,
        )
        .await
        .unwrap();
        let admin = structure_admin(s, "a@fleyriat.fr", fleyriat).await;
        let other = structure_admin(s, "a@pitie.fr", pitie).await;
        let ip = "185.10.20.1";

        // Scan 1: Redis without authentication and RDP.
        let s1 = s.request_scan(&admin, fleyriat).await.unwrap();
        s.start_scan(&system(), s1).await.unwrap().unwrap();
        let r1 = s
            .finish_scan(
                &system(),
                s1,
                &outcome(
                    vec![
                        observation(ip, 6379, "redis", &["redis-no-authentication"]),
                        observation(ip, 3389, "ms-wbt-server", &["remote-desktop-exposed"]),
                    ],
                    vec![
                        finding("redis-no-authentication", ip, 6379, "critical"),
                        finding("database-exposed", ip, 6379, "high"),
                        finding("remote-desktop-exposed", ip, 3389, "high"),
                    ],
                ),
            )
            .await
            .unwrap();
        assert_eq!(r1.new.len(), 3, "{}", db.name);
        // One e-mail (the RSSI contact) + one (the structure admin) per finding.
        assert_eq!(r1.notifications, 6, "{}", db.name);
        let fs = s.list_findings(&admin, fleyriat, false).await.unwrap();
        assert!(fs.iter().all(|f| f.status == "notified"));
        assert_eq!(fs[0].kind, "redis-no-authentication", "critical first");
        assert_eq!(
            fs[0].finding_key,
            "185.10.20.1:6379:redis-no-authentication"
        );
        let notes = s
            .list_notifications(&admin, Some(fleyriat), 100)
            .await
            .unwrap();
        assert_eq!(notes.len(), 6);
        // Each notification carries its finding as data, for the presentation layer to word
        // (and escape) in its recipient's language: the store writes no message.
        let event = |n: &vigie_store::notify::Notification| {
            serde_json::from_str::<FindingEvent>(&n.payload).unwrap()
        };
        let n = notes
            .iter()
            .find(|n| event(n).kind == "redis-no-authentication")
            .unwrap();
        assert_eq!(n.event, "scan.finding.new");
        assert!(n.subject.is_empty() && n.body_text.is_empty() && n.body_html.is_none());
        let f = event(n);
        assert_eq!(
            (
                f.finding_id,
                f.structure_id,
                f.severity.as_str(),
                f.reopened
            ),
            (fs[0].id, fleyriat, "critical", false)
        );
        assert_eq!(f.advice_fr, "Fermer le service.");
        assert_eq!(f.evidence, "evidence of redis-no-authentication <b>");
        assert_eq!(f.structure_name, "CH DE FLEYRIAT");
        assert_eq!(
            n.link.as_deref(),
            Some(format!("/structures/{fleyriat}/exposure#finding-{}", fs[0].id).as_str())
        );

        // Triage: acknowledged with a note, by the structure; never by another structure.
        let rdp = fs.iter().find(|f| f.port == 3389).unwrap().id;
        assert!(matches!(
            s.acknowledge_finding(&other, rdp, "pas chez nous").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.acknowledge_finding(&admin, rdp, "  ").await,
            Err(StoreError::Invalid(_))
        ));
        let ack = s
            .acknowledge_finding(&admin, rdp, "Fermeture prévue au prochain créneau")
            .await
            .unwrap();
        assert_eq!(ack.status, "acknowledged");
        assert_eq!(ack.triaged_by.as_deref(), Some("structure_admin@test"));

        // Scan 2: Redis now asks for a password (still a database), RDP closed. Port 22 was
        // not covered by a finding before, and a port the scan did not cover keeps its finding.
        let s2 = s.request_scan(&admin, fleyriat).await.unwrap();
        s.start_scan(&system(), s2).await.unwrap().unwrap();
        let r2 = s
            .finish_scan(
                &system(),
                s2,
                &outcome(
                    vec![observation(ip, 6379, "redis", &["database-exposed"])],
                    vec![finding("database-exposed", ip, 6379, "high")],
                ),
            )
            .await
            .unwrap();
        let redis = fs[0].id;
        assert_eq!(r2.new.len(), 0);
        assert_eq!(r2.seen_again.len(), 1);
        let mut fixed = r2.fixed.clone();
        fixed.sort();
        let mut expect = vec![redis, rdp];
        expect.sort();
        assert_eq!(fixed, expect, "{}", db.name);
        let f = s.get_finding(&admin, rdp).await.unwrap();
        assert_eq!(
            (f.status.as_str(), f.fixed_in_scan_id, f.last_seen_scan_id),
            ("fixed", Some(s2), Some(s1))
        );
        assert_eq!(r2.notifications, 0, "nothing new, nobody told");
        let row = s.get_scan(&admin, s2).await.unwrap();
        assert_eq!(
            (
                row.status.as_str(),
                row.open_ports_count,
                row.fixed_count,
                row.new_count
            ),
            ("done", 1, 2, 0)
        );
        assert!(matches!(
            s.acknowledge_finding(&admin, rdp, "x").await,
            Err(StoreError::Invalid(_))
        ));

        // Scan 3: RDP is back: reopened, and told again under another key.
        let s3 = s.request_scan(&admin, fleyriat).await.unwrap();
        s.start_scan(&system(), s3).await.unwrap().unwrap();
        let r3 = s
            .finish_scan(
                &system(),
                s3,
                &outcome(
                    vec![
                        observation(ip, 6379, "redis", &["database-exposed"]),
                        observation(ip, 3389, "ms-wbt-server", &["remote-desktop-exposed"]),
                    ],
                    vec![
                        finding("database-exposed", ip, 6379, "high"),
                        finding("remote-desktop-exposed", ip, 3389, "high"),
                    ],
                ),
            )
            .await
            .unwrap();
        assert_eq!(r3.reopened, vec![rdp], "{}", db.name);
        assert_eq!(r3.notifications, 2);
        let f = s.get_finding(&admin, rdp).await.unwrap();
        assert_eq!(
            (f.status.as_str(), f.reopened_count, f.fixed_in_scan_id),
            ("reopened", 1, None)
        );
        let notes = s
            .list_notifications(&admin, Some(fleyriat), 100)
            .await
            .unwrap();
        assert_eq!(notes.len(), 8);
        assert!(notes.iter().any(
            |n| n.dedup_key == format!("scan.finding:{rdp}:reopened:{s3}") && event(n).reopened
        ));
        // A finished scan's results are not overwritten.
        assert!(matches!(
            s.finish_scan(&system(), s3, &outcome(vec![], vec![])).await,
            Err(StoreError::Invalid(_))
        ));

        // The diff of scans 2 and 3: RDP opened, Redis unchanged.
        let d = s.scan_diff(&admin, s2, s3).await.unwrap();
        assert_eq!(d.opened.len(), 1);
        assert_eq!(d.opened[0].port, 3389);
        assert_eq!((d.closed.len(), d.changed.len(), d.unchanged), (0, 0, 1));
        let d = s.scan_diff(&admin, s1, s2).await.unwrap();
        assert_eq!((d.closed.len(), d.changed.len()), (1, 1));

        // Scope isolation: the other structure sees none of it, as if it did not exist.
        assert!(matches!(
            s.get_scan(&other, s1).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.get_finding(&other, rdp).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.list_findings(&other, fleyriat, false).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.scan_diff(&other, s1, s2).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.request_scan(&other, fleyriat).await,
            Err(StoreError::NotFound)
        ));
        assert!(s.exposure_overview(&other, None).await.unwrap().is_empty());

        // Who exposes what: per structure, type and severity, open findings only, scoped.
        let national = actor(Role::CertAnalyst, Scope::National, None);
        let rows = s.exposure_overview(&national, None).await.unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows
            .iter()
            .all(|r| r.structure_id == fleyriat && r.count == 1));
        let region11 = actor(Role::RegionalAnalyst, Scope::Region("11".into()), None);
        assert!(s
            .exposure_overview(&region11, None)
            .await
            .unwrap()
            .is_empty());
        let member = actor(Role::Auditor, Scope::National, None);
        assert_eq!(
            s.exposure_overview(&member, Some("84"))
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(s
            .exposure_overview(&member, Some("11"))
            .await
            .unwrap()
            .is_empty());
        db.cleanup().await;
    }
}

/// Branches merge in any order: a database that has 0004 (surveillance) but lacks an earlier
/// migration gets the missing one at the next start (and what builds on it: 0006 adds a column
/// to 0002's notifications).
#[tokio::test]
async fn a_migration_recorded_out_of_order_is_still_applied() {
    for db in testing::all().await {
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        for q in [
            "DROP TABLE notifications",
            "DROP TABLE webhooks",
            "DELETE FROM schema_migrations WHERE version IN (2, 6)",
        ] {
            sqlx::query(q).execute(&pool).await.unwrap();
        }
        pool.close().await;
        assert_eq!(db.store.migrate().await.unwrap(), 2, "{}", db.name);
        assert_eq!(db.store.migrate().await.unwrap(), 0);
        assert!(db
            .store
            .list_notifications(&system(), None, 10)
            .await
            .unwrap()
            .is_empty());
        db.cleanup().await;
    }
}

/// What a scan identifies feeds the vulnerability watch: a FortiOS version affected by a real
/// advisory, seen on the internet, raises an alert on that structure (origin scan, its address
/// and port); a later scan that sees a fixed version closes it; a distribution package and a
/// product the catalogue does not know are not recorded.
#[tokio::test]
async fn identified_software_feeds_the_vulnerability_watch() {
    use vigie_store::watch::AlertFilter;
    use vigie_store::watch::ScannedSoftware;
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await;
        let pitie = id_of(s, "750100125").await;
        let mut corpus = vigie_intel::Corpus::default();
        corpus.add_path(&data.join("cve-records/CVE-2024-55591.json"));
        s.watch_ingest(&system(), &corpus, "CVE-2024-55591.json")
            .await
            .unwrap();

        let scan_with = |version: &str| {
            let mut o = outcome(vec![], vec![]);
            o.software = vec![
                ScannedSoftware {
                    product: "FortiGate".into(),
                    version: version.into(),
                    location: "185.10.20.1:10443".into(),
                    distro: None,
                },
                ScannedSoftware {
                    product: "OpenSSH".into(),
                    version: "9.2p1".into(),
                    location: "185.10.20.1:22".into(),
                    distro: Some("Debian deb12u10".into()),
                },
                ScannedSoftware {
                    product: "Unheard-of Appliance".into(),
                    version: "1.0".into(),
                    location: "185.10.20.1:8443".into(),
                    distro: None,
                },
            ];
            o
        };
        let run = |o: ScanOutcome| async move {
            let scan = s.request_scan(&system(), fleyriat).await.unwrap();
            s.start_scan(&system(), scan).await.unwrap().unwrap();
            s.finish_scan(&system(), scan, &o).await.unwrap();
        };
        run(scan_with("7.0.12")).await;

        let inv = s.list_inventory(&system(), fleyriat).await.unwrap();
        assert_eq!(
            inv.len(),
            2,
            "{}: upstream products, the one outside the catalogue under its open key: {inv:?}",
            db.name
        );
        let fgt = inv.iter().find(|i| i.product == "fortios").unwrap();
        assert_eq!(
            (
                fgt.version.as_str(),
                fgt.origin.as_str(),
                fgt.location.as_str(),
                fgt.exposed
            ),
            ("7.0.12", "scan", "185.10.20.1:10443", 1)
        );
        assert!(
            inv.iter().any(|i| i.product == "_:unheard_of_appliance"),
            "{inv:?}"
        );
        let open = |st: &'static str| AlertFilter {
            structure_id: Some(fleyriat),
            open_only: st == "open",
            ..Default::default()
        };
        let alerts = s.list_alerts(&system(), &open("open")).await.unwrap();
        assert!(
            alerts
                .iter()
                .any(|a| a.ref_id == "CVE-2024-55591" && a.status == "new"),
            "{}: {alerts:?}",
            db.name
        );
        // Nothing on another structure.
        let other = AlertFilter {
            structure_id: Some(pitie),
            ..Default::default()
        };
        assert!(s.list_alerts(&system(), &other).await.unwrap().is_empty());

        // The fix, seen by the next scan, closes the alert.
        run(scan_with("7.0.17")).await;
        let alerts = s.list_alerts(&system(), &open("all")).await.unwrap();
        let a = alerts
            .iter()
            .find(|a| a.ref_id == "CVE-2024-55591")
            .unwrap();
        assert_eq!(
            (a.status.as_str(), a.auto_closed),
            ("fixed", 1),
            "{}",
            db.name
        );
        db.cleanup().await;
    }
}

/// The scan -> watch path of issue 18: the scanner's `Apache httpd 2.4.49` on a structure's
/// host becomes an `apache-httpd` item through the surveillance's feed, and raises the
/// known-exploited alerts of the real KEV catalogue: CVE-2021-41773 (only its KEV entry is in
/// `../shared/data`, no record: product-level review, known exploited) and CVE-2024-38475
/// (Vulnrichment record, `2.4.59 and earlier`: affected).
#[tokio::test]
async fn a_scanned_apache_httpd_raises_its_known_exploited_alerts() {
    use vigie_store::watch::{AlertFilter, ScannedSoftware};
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await;
        let corpus =
            crate::watch_open::real(&["CVE-2024-38475"], &["CVE-2021-41773", "CVE-2024-38475"]);
        s.watch_ingest(&system(), &corpus, "httpd").await.unwrap();
        let mut o = outcome(vec![], vec![]);
        o.software = vec![ScannedSoftware {
            product: "Apache httpd".into(),
            version: "2.4.49".into(),
            location: "185.10.20.1:443".into(),
            distro: None,
        }];
        let scan = s.request_scan(&system(), fleyriat).await.unwrap();
        s.start_scan(&system(), scan).await.unwrap().unwrap();
        s.finish_scan(&system(), scan, &o).await.unwrap();

        let inv = s.list_inventory(&system(), fleyriat).await.unwrap();
        assert_eq!(
            inv.iter()
                .map(|i| (i.product.as_str(), i.version.as_str(), i.origin.as_str()))
                .collect::<Vec<_>>(),
            vec![("apache-httpd", "2.4.49", "scan")],
            "{}",
            db.name
        );
        let alerts = s
            .list_alerts(
                &system(),
                &AlertFilter {
                    structure_id: Some(fleyriat),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let of = |cve: &str| alerts.iter().find(|a| a.ref_id == cve);
        let a41773 = of("CVE-2021-41773").unwrap_or_else(|| panic!("{}: {alerts:?}", db.name));
        assert_eq!(a41773.decision, "needs-review");
        assert!(a41773.reason_list().iter().any(|r| r.starts_with("KEV")));
        let a38475 = of("CVE-2024-38475").unwrap_or_else(|| panic!("{}: {alerts:?}", db.name));
        assert_eq!(a38475.decision, "affected", "{a38475:?}");
        assert!(a38475.reason_list().iter().any(|r| r.starts_with("KEV")));
        db.cleanup().await;
    }
}
