//! The dashboards' charts (issue 17), on SQLite and PostgreSQL: open findings by kind, open
//! alerts by priority level, both week by week, and the territories side by side, each checked
//! against a direct count of the tables and within the actor's scope (another region's findings
//! and alerts are never counted).

use std::path::{Path, PathBuf};

use vigie_domain::role::{Role, Scope};
use vigie_intel::Corpus;
use vigie_store::db::trend::WEEK;
use vigie_store::registry::{LoadBy, OpenLoad};
use vigie_store::surveillance::{NewFinding, ScanOutcome};
use vigie_store::testing::{self, TestDb};
use vigie_store::watch::{AlertLevels, NewItem};
use vigie_store::Store;

use crate::{actor, id_of, seeded, sqlx_pool, system};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
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

async fn scan(s: &Store, id: i64, findings: Vec<NewFinding>) {
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

/// One FortiOS 7.0.12 in the inventory of each structure, then CVE-2024-55591: one alert each.
async fn alerts(s: &Store, ids: &[i64]) {
    for id in ids {
        s.add_inventory_item(
            &system(),
            *id,
            &NewItem {
                product: "fortios".into(),
                version: "7.0.12".into(),
                location: String::new(),
                origin: "form".into(),
                exposed: true,
            },
        )
        .await
        .unwrap();
    }
    let mut c = Corpus::default();
    c.add_path(&data().join("cve-records/CVE-2024-55591.json"));
    s.watch_ingest(&system(), &c, "CVE-2024-55591.json")
        .await
        .unwrap();
}

/// A count read straight from the tables, beside the store's methods.
async fn direct(db: &TestDb, sql: &str) -> i64 {
    let pool = sqlx_pool(db).await;
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

async fn exec(db: &TestDb, sql: &str) {
    let pool = sqlx_pool(db).await;
    sqlx::query(sql).execute(&pool).await.unwrap();
    pool.close().await;
}

fn row<'a>(rows: &'a [OpenLoad], key: &str) -> &'a OpenLoad {
    rows.iter()
        .find(|r| r.key == key)
        .unwrap_or_else(|| panic!("no row {key} in {rows:?}"))
}

#[tokio::test]
async fn dashboard_figures_by_kind_level_week_and_territory() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await; // region 84
        let pitie = id_of(s, "750100125").await; // region 11
        scan(
            s,
            fleyriat,
            vec![
                finding("remote-desktop-exposed", 3389, "high"),
                finding("redis-no-authentication", 6379, "critical"),
                finding("telnet-exposed", 23, "medium"),
            ],
        )
        .await;
        scan(s, pitie, vec![finding("telnet-exposed", 23, "medium")]).await;
        alerts(s, &[fleyriat, pitie]).await;
        let r11 = actor(Role::RegionalAnalyst, Scope::Region("11".into()), None);
        let r84 = actor(Role::RegionalAnalyst, Scope::Region("84".into()), None);

        // By kind: the most frequent first, the region's own only.
        let kinds = s.open_findings_by_kind(&system(), 10).await.unwrap();
        assert_eq!(
            kinds,
            vec![
                ("telnet-exposed".to_string(), 2),
                ("redis-no-authentication".to_string(), 1),
                ("remote-desktop-exposed".to_string(), 1),
            ],
            "{}",
            db.name
        );
        assert_eq!(
            kinds.iter().map(|k| k.1).sum::<i64>(),
            direct(
                &db,
                "SELECT COUNT(*) FROM scan_findings WHERE status <> 'fixed'"
            )
            .await
        );
        assert_eq!(
            s.open_findings_by_kind(&system(), 1).await.unwrap().len(),
            1
        );
        assert_eq!(
            s.open_findings_by_kind(&r11, 10).await.unwrap(),
            vec![("telnet-exposed".to_string(), 1)]
        );

        // Alerts by level: CVE-2024-55591 is known exploited, so urgent.
        let levels = s.open_alerts_by_level(&system()).await.unwrap();
        assert_eq!(
            levels.total(),
            direct(
                &db,
                "SELECT COUNT(*) FROM watch_alerts WHERE status IN ('new', 'acknowledged')"
            )
            .await,
            "{}",
            db.name
        );
        assert_eq!(levels.total(), 2);
        assert_eq!(s.open_alerts_by_level(&r11).await.unwrap().total(), 1);
        let reader = actor(Role::StructureMember, Scope::Nothing, None);
        assert_eq!(
            s.open_alerts_by_level(&reader).await.unwrap_or_default(),
            AlertLevels::default()
        );

        // Week by week: move the sightings into the past, and fix one finding 8 days ago.
        let at = vigie_store::db::now();
        exec(
            &db,
            &format!(
                "UPDATE scan_findings SET first_seen_at = {} WHERE kind = 'redis-no-authentication'",
                at - 3 * WEEK - 100
            ),
        )
        .await;
        exec(
            &db,
            &format!(
                "UPDATE scan_findings SET status = 'fixed', first_seen_at = {}, fixed_at = {} \
                 WHERE kind = 'remote-desktop-exposed'",
                at - 30 * 86_400,
                at - 8 * 86_400
            ),
        )
        .await;
        exec(
            &db,
            &format!(
                "UPDATE watch_alerts SET created_at = {} WHERE structure_id = {fleyriat}",
                at - 2 * WEEK - 100
            ),
        )
        .await;
        let trend = s.open_findings_trend(&system(), 12).await.unwrap();
        assert_eq!(trend.len(), 12);
        assert!(trend.windows(2).all(|w| w[1].0 - w[0].0 == WEEK));
        assert_eq!(
            trend.iter().map(|p| p.1).collect::<Vec<_>>(),
            // oldest first: the fixed one open from 30 to 8 days ago, the redis one from 3 weeks
            // ago, the two telnets now
            vec![0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 1, 3],
            "{}",
            db.name
        );
        assert_eq!(
            trend[11].1,
            direct(
                &db,
                "SELECT COUNT(*) FROM scan_findings WHERE status <> 'fixed'"
            )
            .await
        );
        let trend11 = s.open_findings_trend(&r11, 12).await.unwrap();
        assert_eq!(
            trend11.iter().map(|p| p.1).collect::<Vec<_>>(),
            vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        );
        let alerts_trend = s.open_alerts_trend(&system(), 12).await.unwrap();
        assert_eq!(
            alerts_trend.iter().map(|p| p.1).collect::<Vec<_>>(),
            vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2],
            "{}",
            db.name
        );
        assert_eq!(
            s.open_alerts_trend(&r11, 12)
                .await
                .unwrap()
                .iter()
                .map(|p| p.1)
                .collect::<Vec<_>>(),
            vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        );

        // Regions side by side: each row is what the tables hold for that region.
        let regions = s.open_load(&system(), LoadBy::Region, None).await.unwrap();
        for code in ["84", "11"] {
            let r = row(&regions, code);
            assert_eq!(
                (r.structures, r.findings, r.alerts),
                (
                    direct(
                        &db,
                        &format!("SELECT COUNT(*) FROM structures WHERE region_code = '{code}'")
                    )
                    .await,
                    direct(
                        &db,
                        &format!(
                            "SELECT COUNT(*) FROM scan_findings f JOIN structures s ON s.id = f.structure_id \
                             WHERE f.status <> 'fixed' AND s.region_code = '{code}'"
                        )
                    )
                    .await,
                    direct(
                        &db,
                        &format!(
                            "SELECT COUNT(*) FROM watch_alerts a JOIN structures s ON s.id = a.structure_id \
                             WHERE a.status IN ('new', 'acknowledged') AND s.region_code = '{code}'"
                        )
                    )
                    .await,
                ),
                "{} region {code}",
                db.name
            );
        }
        assert_eq!(
            (row(&regions, "84").findings, row(&regions, "84").alerts),
            (2, 1)
        );
        assert_eq!(regions[0].key, "84", "the most findings first");
        assert_eq!(
            regions.iter().map(|r| r.structures).sum::<i64>(),
            direct(&db, "SELECT COUNT(*) FROM structures").await
        );
        // A region sees itself only.
        let own = s.open_load(&r11, LoadBy::Region, None).await.unwrap();
        assert_eq!(own.len(), 1);
        assert_eq!(
            (own[0].key.as_str(), own[0].findings, own[0].alerts),
            ("11", 1, 1)
        );
        // By department.
        let deps = s.open_load(&r84, LoadBy::Department, None).await.unwrap();
        assert_eq!(row(&deps, "01").findings, 2);
        assert!(deps.iter().all(|d| d.key != "75"));

        // GHTs of a region, and the structures of one GHT.
        let fs = s.get_structure(&system(), fleyriat).await.unwrap();
        let ght = fs.ght_id.unwrap();
        let ghts = s.open_load(&r84, LoadBy::Ght, None).await.unwrap();
        let g = row(&ghts, &ght.to_string());
        assert_eq!(
            (g.name.as_str(), g.findings, g.alerts),
            ("GHT Bresse Haut-Bugey", 2, 1)
        );
        assert_eq!(ghts.iter().map(|g| g.findings).sum::<i64>(), 2);
        let members = s
            .open_load(&system(), LoadBy::Structure, Some(ght))
            .await
            .unwrap();
        let f = row(&members, &fleyriat.to_string());
        assert_eq!(
            (f.name.as_str(), f.structures, f.findings, f.alerts),
            (fs.name.as_str(), 1, 2, 1)
        );
        assert!(members.iter().all(|m| m.key != pitie.to_string()));
        // Another region's GHT, asked from region 11: nothing of it.
        assert!(s
            .open_load(&r11, LoadBy::Structure, Some(ght))
            .await
            .unwrap()
            .is_empty());

        // The figures are kept per scope, yet a change made here shows at the next view: a new
        // scan's finding, an alert of a new inventory item.
        let before = (
            s.exposure_figures(&r11).await.unwrap().total(),
            s.open_findings_by_kind(&r11, 10).await.unwrap(),
            s.watch_figures(&r11).await.unwrap().open,
            s.open_alerts_by_level(&r11).await.unwrap().total(),
            row(
                &s.open_load(&system(), LoadBy::Region, None).await.unwrap(),
                "11",
            )
            .findings,
        );
        scan(
            s,
            pitie,
            vec![
                finding("telnet-exposed", 23, "medium"),
                finding("remote-desktop-exposed", 3389, "high"),
            ],
        )
        .await;
        s.add_inventory_item(
            &system(),
            pitie,
            &NewItem {
                product: "fortios".into(),
                version: "7.0.12".into(),
                location: "fw-2".into(),
                origin: "form".into(),
                exposed: true,
            },
        )
        .await
        .unwrap();
        let after = (
            s.exposure_figures(&r11).await.unwrap().total(),
            s.open_findings_by_kind(&r11, 10).await.unwrap(),
            s.watch_figures(&r11).await.unwrap().open,
            s.open_alerts_by_level(&r11).await.unwrap().total(),
            row(
                &s.open_load(&system(), LoadBy::Region, None).await.unwrap(),
                "11",
            )
            .findings,
        );
        assert_eq!(after.0, before.0 + 1, "{}", db.name);
        assert_eq!(after.1.len(), before.1.len() + 1);
        assert_eq!((after.2, after.3), (before.2 + 1, before.3 + 1));
        assert_eq!(after.4, before.4 + 1);
        db.cleanup().await;
    }
}
