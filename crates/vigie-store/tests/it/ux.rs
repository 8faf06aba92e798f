//! The analyst's views, on SQLite and PostgreSQL: advisories that concern the viewer's territory,
//! one advisory's alerts with their structures and regions, bulk acknowledgement (scoped and
//! audited), alert filters, sorting and paging; the findings of the whole scope with their
//! filters.

use std::path::{Path, PathBuf};

use vigie_domain::role::{Role, Scope};
use vigie_intel::Corpus;
use vigie_store::audit::AuditQuery;
use vigie_store::surveillance::{FindingFilter, FindingSort, NewFinding, ScanOutcome};
use vigie_store::testing;
use vigie_store::watch::{AdvisoryFilter, AlertFilter, AlertSort, NewItem};
use vigie_store::StoreError;

use crate::{actor, id_of, seeded, system};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn fortios(version: &str) -> NewItem {
    NewItem {
        product: "fortios".into(),
        version: version.into(),
        location: String::new(),
        origin: "form".into(),
        exposed: true,
    }
}

#[tokio::test]
async fn advisories_of_the_territory_and_bulk_acknowledgement() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await; // region 84
        let pitie = id_of(s, "750100125").await; // region 11
        s.add_inventory_item(&system(), fleyriat, &fortios("7.0.12"))
            .await
            .unwrap();
        s.add_inventory_item(&system(), pitie, &fortios("7.0.14"))
            .await
            .unwrap();
        let mut c = Corpus::default();
        c.add_path(&data().join("cve-records/CVE-2024-55591.json"));
        s.watch_ingest(&system(), &c, "CVE-2024-55591.json")
            .await
            .unwrap();

        // The CERT sees the advisory, concerning two structures in two regions.
        let (list, total) = s
            .list_advisories(&system(), &AdvisoryFilter::default())
            .await
            .unwrap();
        assert_eq!(total, 1, "{}", db.name);
        let a = &list[0];
        assert_eq!(a.info.ref_id, "CVE-2024-55591");
        assert_eq!(
            (a.structures, a.regions, a.open_alerts, a.new_alerts),
            (2, 2, 2, 2),
            "{}",
            db.name
        );
        // Found by its product, by its reference (any case), not by something else.
        for text in ["FortiOS", "cve-2024-55591", "55591"] {
            let f = AdvisoryFilter {
                text: Some(text.into()),
                ..Default::default()
            };
            assert_eq!(
                s.list_advisories(&system(), &f).await.unwrap().1,
                1,
                "{text}"
            );
        }
        let f = AdvisoryFilter {
            text: Some("roundcube".into()),
            ..Default::default()
        };
        assert_eq!(s.list_advisories(&system(), &f).await.unwrap().1, 0);
        // A LIKE wildcard typed by a person matches itself only.
        let f = AdvisoryFilter {
            text: Some("%".into()),
            ..Default::default()
        };
        assert_eq!(s.list_advisories(&system(), &f).await.unwrap().1, 0);

        // A regional analyst of 84 sees it concerning one structure, its own.
        let r84 = actor(Role::RegionalAnalyst, Scope::Region("84".into()), None);
        let (list, _) = s
            .list_advisories(&r84, &AdvisoryFilter::default())
            .await
            .unwrap();
        assert_eq!((list[0].structures, list[0].regions), (1, 1), "{}", db.name);
        let (info, products) = s.get_advisory(&r84, "CVE-2024-55591").await.unwrap();
        assert!(products.iter().any(|p| p == "fortios"), "{products:?}");
        let f = AlertFilter {
            advisory_id: Some(info.id),
            ..Default::default()
        };
        let mine = s.list_alerts(&r84, &f).await.unwrap();
        assert_eq!(mine.len(), 1);
        assert_eq!(
            (mine[0].structure_id, mine[0].region_code.as_str()),
            (fleyriat, "84")
        );
        assert_eq!(s.count_alerts(&r84, &f).await.unwrap(), 1);
        let all = s.list_alerts(&system(), &f).await.unwrap();
        assert_eq!(all.len(), 2);
        let theirs = all.iter().find(|x| x.structure_id == pitie).unwrap().id;
        assert!(matches!(
            s.get_advisory(&r84, "CVE-0000-0000").await,
            Err(StoreError::NotFound)
        ));

        // Bulk acknowledgement by the analyst of 84, given both ids (one of another region, as
        // a forged form would): only the one in scope changes, with its audit entry.
        let ids = vec![mine[0].id, theirs];
        let changed = s
            .triage_alerts(&r84, &ids, "acknowledged", "")
            .await
            .unwrap();
        assert_eq!(changed, 1, "{}", db.name);
        let (other, _) = s.get_alert(&system(), theirs).await.unwrap();
        assert_eq!(other.status, "new", "{}: out of scope, untouched", db.name);
        let (own, _) = s.get_alert(&system(), mine[0].id).await.unwrap();
        assert_eq!(own.status, "acknowledged");
        let audit = s
            .audit_search(
                &system(),
                &AuditQuery {
                    action: Some("watch.alert.triage".into()),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.1, 1, "{}: {audit:?}", db.name);
        // Again: already acknowledged, nothing changes and nothing is audited twice.
        assert_eq!(
            s.triage_alerts(&r84, &ids, "acknowledged", "")
                .await
                .unwrap(),
            0
        );
        // A reader may not, an empty selection or a missing reason is the person's mistake.
        let reader = actor(Role::Auditor, Scope::National, None);
        assert!(matches!(
            s.triage_alerts(&reader, &ids, "acknowledged", "").await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.triage_alerts(&r84, &[], "acknowledged", "").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(matches!(
            s.triage_alerts(&r84, &ids, "not_affected", " ").await,
            Err(StoreError::Invalid(_))
        ));

        // Filters: status, product, text, KEV; sorting and paging.
        let by = |f: AlertFilter| async move { s.list_alerts(&system(), &f).await.unwrap() };
        let acked = by(AlertFilter {
            status: Some("acknowledged".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(acked.len(), 1);
        let fort = by(AlertFilter {
            product: Some("fortios".into()),
            text: Some("CVE-2024".into()),
            ..Default::default()
        })
        .await;
        assert_eq!(fort.len(), 2);
        let kev = by(AlertFilter {
            kev_only: true,
            ..Default::default()
        })
        .await;
        let want = if info.kev == 1 { 2 } else { 0 };
        assert_eq!(kev.len(), want, "{}: the record's KEV mark", db.name);
        let sorted = by(AlertFilter {
            sort: AlertSort::Structure,
            ..Default::default()
        })
        .await;
        let names: Vec<&str> = sorted.iter().map(|a| a.structure_name.as_str()).collect();
        let mut want = names.clone();
        want.sort_unstable();
        assert_eq!(names, want);
        let second = by(AlertFilter {
            sort: AlertSort::Structure,
            limit: Some(1),
            offset: 1,
            ..Default::default()
        })
        .await;
        assert_eq!(second.len(), 1);
        assert_eq!(second[0].id, sorted[1].id);
        assert_eq!(
            s.alert_products(&r84).await.unwrap(),
            vec!["fortios".to_string()]
        );
        assert_eq!(
            s.find_advisories(&r84, "cve-2024-555", 5)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

fn finding(kind: &str, port: i64, severity: &str) -> NewFinding {
    NewFinding {
        kind: kind.into(),
        address: "185.10.20.1".into(),
        port,
        service: "svc".into(),
        severity: severity.into(),
        confidence: "high".into(),
        title_fr: format!("{kind} sur {port}"),
        title_en: format!("{kind} on {port}"),
        ..Default::default()
    }
}

#[tokio::test]
async fn findings_of_the_whole_scope_filtered_sorted_and_paged() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await; // region 84
        let pitie = id_of(s, "750100125").await; // region 11
        for (id, findings) in [
            (
                fleyriat,
                vec![
                    finding("remote-desktop-exposed", 3389, "high"),
                    finding("redis-no-authentication", 6379, "critical"),
                ],
            ),
            (pitie, vec![finding("telnet-exposed", 23, "medium")]),
        ] {
            let scan = s.request_scan(&system(), id).await.unwrap();
            s.start_scan(&system(), scan).await.unwrap();
            s.finish_scan(
                &system(),
                scan,
                &ScanOutcome {
                    scope: serde_json::json!({ "targets": ["185.10.20.1"] }),
                    software: Vec::new(),
                    covered_addresses: vec!["185.10.20.1".into()],
                    covered_ports: vec![23, 3389, 6379],
                    observations: Vec::new(),
                    findings,
                },
            )
            .await
            .unwrap();
        }
        let (rows, total) = s
            .search_findings(&system(), &FindingFilter::default())
            .await
            .unwrap();
        assert_eq!(total, 3, "{}", db.name);
        assert_eq!(
            rows.iter()
                .map(|r| r.finding.severity.as_str())
                .collect::<Vec<_>>(),
            ["critical", "high", "medium"],
            "most severe first"
        );
        assert_eq!(rows[0].region_code, "84");
        let r11 = actor(Role::RegionalAnalyst, Scope::Region("11".into()), None);
        let (rows, total) = s
            .search_findings(&r11, &FindingFilter::default())
            .await
            .unwrap();
        assert_eq!((total, rows[0].finding.structure_id), (1, pitie));
        // Asking for region 84 from region 11 gives nothing, not another region's findings.
        let (_, total) = s
            .search_findings(
                &r11,
                &FindingFilter {
                    region_code: Some("84".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 0);
        let count =
            |f: FindingFilter| async move { s.search_findings(&system(), &f).await.unwrap().1 };
        assert_eq!(
            count(FindingFilter {
                severity: Some("high".into()),
                ..Default::default()
            })
            .await,
            1
        );
        assert_eq!(
            count(FindingFilter {
                kind: Some("telnet-exposed".into()),
                ..Default::default()
            })
            .await,
            1
        );
        assert_eq!(
            count(FindingFilter {
                older_than_days: Some(3),
                ..Default::default()
            })
            .await,
            0,
            "all seen today"
        );
        assert_eq!(
            count(FindingFilter {
                overdue: true,
                ..Default::default()
            })
            .await,
            0
        );
        assert_eq!(
            count(FindingFilter {
                status: Some("fixed".into()),
                ..Default::default()
            })
            .await,
            0
        );
        let (page, total) = s
            .search_findings(
                &system(),
                &FindingFilter {
                    sort: FindingSort::Kind,
                    limit: Some(2),
                    offset: 2,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!((page.len(), total), (1, 3));
        assert_eq!(page[0].finding.kind, "telnet-exposed");
        assert_eq!(
            s.finding_kinds(&r11).await.unwrap(),
            vec!["telnet-exposed".to_string()]
        );
        let reader = actor(Role::StructureMember, Scope::Nothing, None);
        assert_eq!(
            s.search_findings(&reader, &FindingFilter::default())
                .await
                .map(|r| r.1)
                .unwrap_or(0),
            0
        );
    }
}

/// Issue 17: a nine-letter word is not only a FINESS number; any word of the name, the town, the
/// FINESS numbers or the GHT finds the structure, accents and case ignored.
#[tokio::test]
async fn structures_are_found_by_any_word_of_name_town_number_or_ght() {
    use vigie_store::registry::StructureFilter;
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let names = |text: &'static str| async move {
            s.list_structures(
                &system(),
                &StructureFilter {
                    text: Some(text.into()),
                    page: 1,
                    per_page: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .0
            .into_iter()
            .map(|r| r.name)
            .collect::<Vec<_>>()
        };
        // A nine-letter town (Mayotte), typed in any case.
        assert_eq!(
            names("Chirongui").await,
            vec!["LIEU DE VIE \"MAVOUNA MEMA 1\""],
            "{}",
            db.name
        );
        // The town of a structure whose name does not say it.
        assert_eq!(names("viriat").await, vec!["CH DE FLEYRIAT"], "{}", db.name);
        // Accents typed, none stored.
        assert_eq!(
            names("Salpêtrière").await,
            vec!["GHU APHP SUN SITE PITIE SALPETRIERE"]
        );
        // A word of the GHT's name.
        assert_eq!(names("bugey").await, vec!["CH DE FLEYRIAT"]);
        // A FINESS number, geographical or legal.
        assert_eq!(names("010000024").await, vec!["CH DE FLEYRIAT"]);
        assert_eq!(names("010780054").await, vec!["CH DE FLEYRIAT"]);
        // Several words: each must be found, in any field (the long name included).
        assert_eq!(
            names("cayenne edmar").await,
            vec!["E.H.P.A.D. EDMAR LAMA DE CAYENNE"]
        );
        assert_eq!(
            names("cayenne").await,
            vec![
                "CENTRE HOSPITALIER DE CAYENNE",
                "E.H.P.A.D. EDMAR LAMA DE CAYENNE"
            ]
        );
        // Ranked: a name holding all that was typed, in that order, comes before one that
        // holds the words elsewhere (the EHPAD's long name, its town).
        let ranked = names("hospitalier de cayenne").await;
        assert_eq!(
            ranked.first().map(String::as_str),
            Some("CENTRE HOSPITALIER DE CAYENNE")
        );
        assert!(names("%").await.len() > 1, "a lone sign is no filter");
        assert!(names("zzzzzzzzz").await.is_empty());
    }
}
