//! The observatory, storage side, on SQLite and on PostgreSQL: the 581 declarations of 2023
//! (imported) keep their published marginals, live declarations count by declaration time and
//! never as drafts, each viewer sees only its territory, and an import with a bad row writes
//! nothing unless the bad rows are skipped.

use vigie_domain::role::{Role, Scope};
use vigie_observatory::history;
use vigie_observatory::{Period, Territory};
use vigie_store::audit::AuditQuery;
use vigie_store::incidents::Declaration;
use vigie_store::testing::{self, TestDb};
use vigie_store::{Actor, StoreError};

use crate::{actor, id_of, seeded, system, user};

pub const DATASET_2023: &[u8] =
    include_bytes!("../../../vigie-observatory/tests/data/observatory-2023.csv");
const FLEYRIAT: &str = "010000024"; // region 84, GHT-01-AIN
const APHP: &str = "750100125"; // region 11, GHT-75-01

fn cert() -> Actor {
    actor(Role::CertAnalyst, Scope::National, None)
}

async fn import_2023(db: &TestDb) {
    let parsed = history::parse(DATASET_2023).unwrap();
    assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
    let r = db
        .store
        .import_observatory_history(&cert(), parsed, false)
        .await
        .unwrap();
    assert_eq!(r.imported, 581);
}

#[tokio::test]
async fn the_581_declarations_of_2023_keep_their_published_marginals() {
    for db in testing::all().await {
        seeded(&db).await;
        import_2023(&db).await;
        let y = Period::year(2023).unwrap();
        let o = db
            .store
            .observatory(&cert(), &y, &Territory::France)
            .await
            .unwrap();
        let k = &o.key;
        assert_eq!(k.declarations, 581, "[{}]", db.name);
        assert_eq!(k.malicious, 290);
        assert_eq!((k.malicious_share * 100.0).round(), 50.0);
        assert_eq!(k.care_impact, 203);
        assert_eq!((k.care_impact_share * 100.0).round(), 35.0);
        assert_eq!(k.no_operations_impact, 308);
        assert_eq!((k.no_operations_impact_share * 100.0).round(), 53.0);
        assert_eq!(k.support_requests, 165);
        assert_eq!(k.ransomware, 69);
        assert_eq!(k.major, 12);
        // imported declarations carry no structure
        assert_eq!(k.structures, 0);
        // breakdowns add up
        assert_eq!(o.by_month.iter().map(|m| m.n).sum::<i64>(), 581);
        assert_eq!(o.by_month.len(), 12);
        assert_eq!(o.by_weekday.iter().sum::<i64>(), 581);
        assert_eq!(o.by_hour.iter().sum::<i64>(), 581);
        assert_eq!(o.by_region.iter().map(|r| r.n).sum::<i64>(), 581);
        assert_eq!(o.by_sector.iter().map(|r| r.n).sum::<i64>(), 581);
        assert_eq!(o.by_state.iter().map(|r| r.n).sum::<i64>(), 581);
        assert_eq!(o.by_care_impact.iter().map(|r| r.n).sum::<i64>(), 581);
        let types: std::collections::HashMap<&str, i64> = o
            .by_type
            .iter()
            .map(|t| (t.incident_type.as_str(), t.n))
            .collect();
        assert_eq!(types["system_compromise"], 115);
        assert_eq!(types["infrastructure_failure"], 150);
        let infra = o
            .by_type
            .iter()
            .find(|t| t.incident_type == "infrastructure_failure")
            .unwrap();
        assert_eq!((infra.share_of_origin * 100.0).round(), 60.0);
        assert_eq!(o.by_region[0].region, "11");
        assert_eq!(o.by_region[0].n, 120);
        // the delays of the rows that give both dates
        assert!(o.delays.detection_to_declaration.count > 400);
        assert!(o.delays.detection_to_declaration.median_minutes.unwrap() >= 30);
        assert!(o.delays.occurrence_to_detection.count > 300);
        // nothing the year before, nothing in 2024
        assert_eq!(o.year_over_year.key.declarations, 0);
        let next = db
            .store
            .observatory(&cert(), &Period::year(2024).unwrap(), &Territory::France)
            .await
            .unwrap();
        assert_eq!(next.key.declarations, 0);
        assert_eq!(next.year_over_year.key.declarations, 581);
        // a quarter and a month
        let q1 = db
            .store
            .observatory(
                &cert(),
                &Period::quarter(2023, 1).unwrap(),
                &Territory::France,
            )
            .await
            .unwrap();
        let jan = db
            .store
            .observatory(
                &cert(),
                &Period::month(2023, 1).unwrap(),
                &Territory::France,
            )
            .await
            .unwrap();
        assert_eq!(
            q1.key.declarations,
            o.by_month[..3].iter().map(|m| m.n).sum::<i64>()
        );
        assert_eq!(jan.key.declarations, o.by_month[0].n);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_region_sees_only_its_region_and_a_structure_sees_no_observatory() {
    for db in testing::all().await {
        seeded(&db).await;
        import_2023(&db).await;
        let s = &db.store;
        let y = Period::year(2023).unwrap();
        let idf = actor(Role::RegionalAnalyst, Scope::Region("11".into()), None);
        // France, for a regional centre, is its region
        let o = s.observatory(&idf, &y, &Territory::France).await.unwrap();
        assert_eq!(o.territory, Territory::Region("11".into()), "[{}]", db.name);
        assert_eq!(o.key.declarations, 120);
        assert_eq!(o.by_region.len(), 1);
        assert_eq!(o.by_region[0].region, "11");
        // another region is not there
        assert!(matches!(
            s.observatory(&idf, &y, &Territory::Region("84".into()))
                .await,
            Err(StoreError::NotFound)
        ));
        // the CERT sees any region
        let ara = s
            .observatory(&cert(), &y, &Territory::Region("84".into()))
            .await
            .unwrap();
        assert_eq!(ara.key.declarations, 80);
        // a GHT out of scope is not there either; in scope, imported rows carry no GHT
        let aphp = s.find_structure_by_finess(&system(), APHP).await.unwrap();
        let fley = s
            .find_structure_by_finess(&system(), FLEYRIAT)
            .await
            .unwrap();
        let (g_paris, g_ain) = (aphp.ght_id.unwrap(), fley.ght_id.unwrap());
        assert!(matches!(
            s.observatory(&idf, &y, &Territory::Ght(g_ain)).await,
            Err(StoreError::NotFound)
        ));
        let ght = actor(Role::GhtOfficer, Scope::Ght(g_ain), None);
        let g = s.observatory(&ght, &y, &Territory::France).await.unwrap();
        assert_eq!(g.territory, Territory::Ght(g_ain));
        assert_eq!(g.key.declarations, 0);
        assert!(matches!(
            s.observatory(&ght, &y, &Territory::Ght(g_paris)).await,
            Err(StoreError::NotFound)
        ));
        let opts = s.observatory_territories(&idf).await.unwrap();
        assert_eq!(opts[0].territory, Territory::Region("11".into()));
        assert!(opts.iter().all(|t| t.territory != Territory::France));
        assert!(opts.iter().any(|t| t.territory == Territory::Ght(g_paris)));
        assert!(opts.iter().all(|t| t.territory != Territory::Ght(g_ain)));
        // structure accounts have no observatory
        for role in [Role::StructureAdmin, Role::StructureMember] {
            let a = actor(role, Scope::Structures { user_id: 1 }, Some(1));
            assert!(matches!(
                s.observatory(&a, &y, &Territory::France).await,
                Err(StoreError::Forbidden(_))
            ));
            assert!(s.observatory_territories(&a).await.is_err());
        }
        // and only the CERT imports
        let one = history::parse(DATASET_2023).unwrap();
        assert!(matches!(
            s.import_observatory_history(&idf, one, true).await,
            Err(StoreError::Forbidden(_))
        ));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn live_declarations_count_when_declared_and_never_as_drafts() {
    for db in testing::all().await {
        seeded(&db).await;
        let s = &db.store;
        let fleyriat = id_of(s, FLEYRIAT).await;
        let aphp = id_of(s, APHP).await;
        let declarant = s
            .create_user(
                &system(),
                &user("rssi@obs.example", Role::CertAnalyst, None, None, vec![]),
            )
            .await
            .unwrap();
        let who = s.actor_for_user(declarant, None).await.unwrap();
        let detected = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() - 7200, 0)
            .unwrap()
            .to_rfc3339();
        let occurred = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() - 10800, 0)
            .unwrap()
            .to_rfc3339();
        let d = |t: &str, care: &str| Declaration {
            title: "Chiffrement".into(),
            description: "x".into(),
            detected_at: detected.clone(),
            occurred_at: occurred.clone(),
            origin: "malicious".into(),
            incident_type: t.into(),
            care_impact: care.into(),
            support_requested: true,
            ..Declaration::default()
        };
        for (sid, t, care) in [
            (fleyriat, "ransomware", "degraded_mode"),
            (fleyriat, "phishing", "none"),
            (aphp, "ransomware", "interruption"),
        ] {
            let id = s.create_incident(&who, sid, &d(t, care)).await.unwrap();
            s.submit_incident(&who, id).await.unwrap();
        }
        // a draft is not a declaration
        s.create_incident(&who, aphp, &d("ransomware", "none"))
            .await
            .unwrap();
        let now = chrono::Utc::now();
        let year = {
            use chrono::Datelike;
            Period::year(now.year()).unwrap()
        };
        let o = s
            .observatory(&cert(), &year, &Territory::France)
            .await
            .unwrap();
        assert_eq!(o.key.declarations, 3, "[{}]", db.name);
        assert_eq!(o.key.structures, 2);
        assert_eq!(o.key.ransomware, 2);
        assert_eq!(o.key.care_impact, 2);
        assert_eq!(o.key.support_requests, 3);
        assert_eq!(o.delays.occurrence_to_detection.median_minutes, Some(60));
        let ara = actor(Role::RegionalAnalyst, Scope::Region("84".into()), None);
        let r = s
            .observatory(&ara, &year, &Territory::France)
            .await
            .unwrap();
        assert_eq!(r.key.declarations, 2);
        assert_eq!(r.key.structures, 1);
        assert_eq!(r.by_region.len(), 1);
        let g_ain = s
            .find_structure_by_finess(&system(), FLEYRIAT)
            .await
            .unwrap()
            .ght_id
            .unwrap();
        let ght = actor(Role::GhtOfficer, Scope::Ght(g_ain), None);
        assert_eq!(
            s.observatory(&ght, &year, &Territory::France)
                .await
                .unwrap()
                .key
                .declarations,
            2
        );
        // The counts are kept per process: one more declaration is still seen at once.
        let id = s
            .create_incident(&who, aphp, &d("phishing", "none"))
            .await
            .unwrap();
        s.submit_incident(&who, id).await.unwrap();
        let o = s
            .observatory(&cert(), &year, &Territory::France)
            .await
            .unwrap();
        assert_eq!(o.key.declarations, 4, "[{}]", db.name);
        assert_eq!(o.key.structures_supported, 0);

        // The CERT records the technical support it gave: twice to Fleyriat, once to the AP-HP,
        // then takes one back; distinct structures are counted, each change audited.
        let fley_ids: Vec<(i64,)> = sqlx::query_as(
            "SELECT id FROM incidents WHERE structure_id = $1 AND status <> 'draft' ORDER BY id",
        )
        .bind(fleyriat)
        .fetch_all(&crate::sqlx_pool(&db).await)
        .await
        .unwrap();
        for (i,) in &fley_ids {
            s.record_incident_support(&who, *i, true).await.unwrap();
        }
        s.record_incident_support(&who, id, true).await.unwrap();
        let member = actor(
            Role::StructureMember,
            Scope::Structures { user_id: 1 },
            Some(1),
        );
        assert!(s.record_incident_support(&member, id, true).await.is_err());
        let o = s
            .observatory(&cert(), &year, &Territory::France)
            .await
            .unwrap();
        assert_eq!(o.key.structures_supported, 2, "[{}]", db.name);
        s.record_incident_support(&who, id, false).await.unwrap();
        let o = s
            .observatory(&cert(), &year, &Territory::France)
            .await
            .unwrap();
        assert_eq!(o.key.structures_supported, 1, "[{}]", db.name);
        let (audit, _) = s
            .audit_search(
                &system(),
                &AuditQuery {
                    action: Some("incident.support".into()),
                    limit: 20,
                    ..AuditQuery::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), fley_ids.len() + 2, "[{}]", db.name);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_import_with_a_bad_row_writes_nothing_unless_told_to_skip() {
    for db in testing::all().await {
        seeded(&db).await;
        let s = &db.store;
        let csv = "id,declared_at,region,structure_kind,origin,type,care_impact,no_operations_impact,support_requested,major\n\
                   H-1,2022-05-02T10:00:00+02:00,11,hospital,malicious,ransomware,yes,no,yes,no\n\
                   H-2,2022-05-03T10:00:00,11,hospital,malicious,ransomware,yes,no,yes,no\n\
                   H-3,2022-05-04T10:00:00+02:00,53,other,non_malicious,telecom_loss,no,yes,no,no\n";
        let r = s
            .import_observatory_history(&cert(), history::parse(csv.as_bytes()).unwrap(), false)
            .await
            .unwrap();
        assert!(r.refused, "[{}]", db.name);
        assert_eq!(r.imported, 0);
        assert_eq!(r.errors.len(), 1);
        assert_eq!(r.errors[0].line, 3);
        assert_eq!(r.errors[0].problem.key, "observatory-import-bad_date");
        assert_eq!(s.observatory_history_count(&cert()).await.unwrap(), 0);
        let r = s
            .import_observatory_history(&cert(), history::parse(csv.as_bytes()).unwrap(), true)
            .await
            .unwrap();
        assert!(!r.refused);
        assert_eq!(r.imported, 2);
        // the same file again: every identifier is already there
        let r = s
            .import_observatory_history(&cert(), history::parse(csv.as_bytes()).unwrap(), false)
            .await
            .unwrap();
        assert!(r.refused);
        let keys: Vec<(usize, &str)> = r.errors.iter().map(|e| (e.line, e.problem.key)).collect();
        assert_eq!(
            keys,
            vec![
                (2, "observatory-import-already"),
                (3, "observatory-import-bad_date"),
                (4, "observatory-import-already")
            ]
        );
        assert_eq!(s.observatory_history_count(&cert()).await.unwrap(), 2);
        let o = s
            .observatory(&cert(), &Period::year(2022).unwrap(), &Territory::France)
            .await
            .unwrap();
        assert_eq!(o.key.declarations, 2);
        assert_eq!(o.key.care_impact, 1);
        assert!(o
            .by_care_impact
            .iter()
            .any(|p| p.key == "unspecified" && p.n == 1));
        let (audit, _) = s
            .audit_search(
                &system(),
                &AuditQuery {
                    text: Some("observatory.import".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), 1, "one import was written, one audit entry");
        db.cleanup().await;
    }
}

/// Random declarations (drafts among them), written straight in SQL as another process or a
/// hand-made fix would, and random imported ones.
async fn random_declarations(
    pool: &sqlx::AnyPool,
    rng: &mut rand::rngs::StdRng,
    structures: &[i64],
    n: usize,
    tag: &str,
) {
    use rand::Rng;
    const TYPES: [(&str, &str); 6] = [
        ("malicious", "ransomware"),
        ("malicious", "phishing"),
        ("malicious", "system_compromise"),
        ("non_malicious", "infrastructure_failure"),
        ("non_malicious", "telecom_loss"),
        ("undetermined", "undetermined"),
    ];
    const CARE: [&str; 4] = ["none", "degraded_mode", "interruption", "none"];
    const OPS: [&str; 3] = ["none", "minor", "major"];
    const STATES: [&str; 3] = ["ongoing", "contained", "closed"];
    // 2020-01-01 .. 2025-06-30, summer-time changes and month ends included
    let (lo, hi) = (1_577_833_200i64, 1_751_234_400i64);
    for i in 0..n {
        let declared = rng.gen_range(lo..hi);
        let detected = declared - rng.gen_range(0..20_000);
        let occurred = if rng.gen_bool(0.3) {
            None
        } else {
            Some(detected - rng.gen_range(0..200_000))
        };
        let (origin, ty) = TYPES[rng.gen_range(0..TYPES.len())];
        let care = CARE[rng.gen_range(0..CARE.len())];
        let ops = OPS[rng.gen_range(0..OPS.len())];
        let state = STATES[rng.gen_range(0..STATES.len())];
        let flags: [i64; 3] = [
            rng.gen_range(0..2),
            i64::from(rng.gen_bool(0.1)),
            rng.gen_range(0..2),
        ];
        if rng.gen_bool(0.15) {
            let region = ["11", "84", "93", "76"][rng.gen_range(0..4)];
            let sector = ["sanitaire", "medico_social", "other"][rng.gen_range(0..3)];
            sqlx::query(
                "INSERT INTO observatory_history (external_id, declared_at, utc_offset, occurred_at, \
                 detected_at, region_code, sector, origin, incident_type, state, care_impact, \
                 operations_impact, support_requested, major, support_given, imported_at, imported_by) \
                 VALUES ($1, $2, 3600, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, 'test')",
            )
            .bind(format!("{tag}-h{i}"))
            .bind(declared)
            .bind(occurred)
            .bind(detected)
            .bind(region)
            .bind(sector)
            .bind(origin)
            .bind(ty)
            .bind(state)
            .bind(care)
            .bind(ops)
            .bind(flags[0])
            .bind(flags[1])
            .bind(flags[2])
            .execute(pool)
            .await
            .unwrap();
            continue;
        }
        let draft = rng.gen_bool(0.05);
        sqlx::query(
            "INSERT INTO incidents (uuid, structure_id, status, title, occurred_at, detected_at, \
             declared_at, state, origin, incident_type, care_impact, operations_impact, \
             support_requested, major, support_given, created_at, updated_at) \
             VALUES ($1, $2, $3, 'x', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 0, 0)",
        )
        .bind(format!("{tag}-{i}"))
        .bind(structures[rng.gen_range(0..structures.len())])
        .bind(if draft { "draft" } else { "submitted" })
        .bind(occurred)
        .bind(detected)
        .bind(if draft { None } else { Some(declared) })
        .bind(state)
        .bind(origin)
        .bind(ty)
        .bind(care)
        .bind(ops)
        .bind(flags[0])
        .bind(flags[1])
        .bind(flags[2])
        .execute(pool)
        .await
        .unwrap();
    }
}

/// Every figure read through the roll-up equals the same figure counted from the declarations,
/// for random periods (cut months, summer-time changes, years, ten-day spans) and every
/// territory and viewer: after a refresh, with stale days after writes made behind its back (a
/// triage, a declaration moved in time, a deletion, a structure moved to another GHT and
/// region, imported rows), and after the next refresh.
#[tokio::test]
async fn the_rollup_always_agrees_with_counting_the_declarations() {
    use rand::{Rng, SeedableRng};
    for db in testing::all().await {
        seeded(&db).await;
        let s = &db.store;
        let pool = crate::sqlx_pool(&db).await;
        let seed: u64 = rand::random();
        eprintln!("[{}] seed {seed}", db.name);
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let structures: Vec<(i64, String, Option<i64>)> =
            sqlx::query_as("SELECT id, region_code, ght_id FROM structures ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        let ids: Vec<i64> = structures.iter().map(|s| s.0).collect();
        random_declarations(&pool, &mut rng, &ids, 700, "a").await;
        assert!(s.refresh_observatory_rollup().await.unwrap() > 0);
        let dirty: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM observatory_dirty")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(dirty.0, 0, "[{}] the refresh clears its marks", db.name);

        let ghts: Vec<(i64, String)> = structures
            .iter()
            .filter_map(|s| s.2.map(|g| (g, s.1.clone())))
            .collect();
        let mut viewers: Vec<(Actor, Territory)> = vec![
            (cert(), Territory::France),
            (cert(), Territory::Region("11".into())),
            (cert(), Territory::Region("84".into())),
            (
                actor(Role::RegionalAnalyst, Scope::Region("11".into()), None),
                Territory::France,
            ),
        ];
        for (g, region) in ghts.iter().take(3) {
            viewers.push((cert(), Territory::Ght(*g)));
            viewers.push((
                actor(Role::GhtOfficer, Scope::Ght(*g), None),
                Territory::France,
            ));
            viewers.push((
                actor(Role::RegionalAnalyst, Scope::Region(region.clone()), None),
                Territory::Ght(*g),
            ));
        }
        let name = db.name;
        let compare = |rng: &mut rand::rngs::StdRng, when: &'static str| {
            let mut periods = vec![
                Period::custom(
                    chrono::NaiveDate::from_ymd_opt(2016, 1, 1).unwrap(),
                    chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
                )
                .unwrap(),
                Period::year(rng.gen_range(2020..=2025)).unwrap(),
                Period::quarter(rng.gen_range(2020..=2025), rng.gen_range(1..=4)).unwrap(),
                Period::month(rng.gen_range(2020..=2025), rng.gen_range(1..=12)).unwrap(),
            ];
            for _ in 0..4 {
                let from = chrono::NaiveDate::from_ymd_opt(2019, 6, 1).unwrap()
                    + chrono::Duration::days(rng.gen_range(0..2000));
                let last = from + chrono::Duration::days(rng.gen_range(0..1200));
                periods.push(Period::custom(from, last).unwrap());
            }
            let picks: Vec<(Period, (Actor, Territory))> = periods
                .into_iter()
                .map(|p| (p, viewers[rng.gen_range(0..viewers.len())].clone()))
                .chain(
                    viewers
                        .iter()
                        .map(|v| (Period::year(2023).unwrap(), v.clone())),
                )
                .collect();
            async move {
                for (p, (a, t)) in picks {
                    let rolled = s.observatory_counted(&a, &p, &t, true).await.unwrap();
                    let counted = s.observatory_counted(&a, &p, &t, false).await.unwrap();
                    assert_eq!(
                        rolled, counted,
                        "[{name}] {when}: {p:?} {t:?} as {:?}",
                        a.scope
                    );
                }
            }
        };
        compare(&mut rng, "after a refresh").await;
        // the comparison sees a roll-up that is wrong by one (the roll-up is what was read)
        let y2023 = Period::year(2023).unwrap();
        let jan = vigie_observatory::period::month_index(2023, 1);
        for delta in ["n + 1", "n - 1"] {
            sqlx::query(&format!(
                "UPDATE observatory_rollup_months SET n = {delta} WHERE start = {jan}"
            ))
            .execute(&pool)
            .await
            .unwrap();
            let rolled = s
                .observatory_counted(&cert(), &y2023, &Territory::France, true)
                .await
                .unwrap();
            let counted = s
                .observatory_counted(&cert(), &y2023, &Territory::France, false)
                .await
                .unwrap();
            assert_eq!(rolled == counted, delta == "n - 1", "[{}] {delta}", db.name);
        }

        // writes behind the roll-up's back
        sqlx::query(
            "UPDATE incidents SET incident_type = 'ransomware', origin = 'malicious', support_given = 1 \
             WHERE id IN (SELECT id FROM incidents WHERE status <> 'draft' ORDER BY id LIMIT 40)",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "UPDATE incidents SET declared_at = declared_at - 86400 * 45 WHERE id IN \
             (SELECT id FROM incidents WHERE status <> 'draft' ORDER BY id DESC LIMIT 30)",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("DELETE FROM incidents WHERE id IN (SELECT id FROM incidents ORDER BY id LIMIT 10 OFFSET 100)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("UPDATE incidents SET status = 'submitted', declared_at = detected_at + 600 WHERE status = 'draft'")
            .execute(&pool)
            .await
            .unwrap();
        let (moved, to_ght, to_region) = (
            ids[0],
            ghts.last().unwrap().0,
            ghts.last().unwrap().1.clone(),
        );
        sqlx::query(
            "UPDATE structures SET ght_id = $1, region_code = $2, sector = 'other' WHERE id = $3",
        )
        .bind(to_ght)
        .bind(to_region)
        .bind(moved)
        .execute(&pool)
        .await
        .unwrap();
        random_declarations(&pool, &mut rng, &ids, 120, "b").await;
        let dirty: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM observatory_dirty")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(dirty.0 > 0, "[{}] the writes marked their days", db.name);
        compare(&mut rng, "with stale days").await;
        s.refresh_observatory_rollup().await.unwrap();
        compare(&mut rng, "after the next refresh").await;
        db.cleanup().await;
    }
}

/// The scheduler's refresh leaves a month still receiving declarations (a day marked today) to
/// be counted from them, recounts the others, and the full refresh clears everything.
#[tokio::test]
async fn the_scheduler_leaves_the_month_being_declared_to_the_declarations() {
    for db in testing::all().await {
        seeded(&db).await;
        let s = &db.store;
        let pool = crate::sqlx_pool(&db).await;
        s.refresh_observatory_rollup().await.unwrap();
        let today = chrono::Utc::now().timestamp().div_euclid(86_400);
        // 2024-03-10, long settled.
        for day in [today, 19_792] {
            sqlx::query(&format!(
                "INSERT INTO observatory_dirty (day) VALUES ({day})"
            ))
            .execute(&pool)
            .await
            .unwrap();
        }
        let marks = || async {
            let v: Vec<(i64,)> = sqlx::query_as("SELECT day FROM observatory_dirty ORDER BY day")
                .fetch_all(&pool)
                .await
                .unwrap();
            v.into_iter().map(|d| d.0).collect::<Vec<_>>()
        };
        assert_eq!(s.refresh_settled_observatory_rollup().await.unwrap(), 1);
        assert_eq!(marks().await, vec![today], "[{}]", db.name);
        assert_eq!(s.refresh_settled_observatory_rollup().await.unwrap(), 0);
        assert!(s.refresh_observatory_rollup().await.unwrap() >= 1);
        assert!(marks().await.is_empty());
        pool.close().await;
        db.cleanup().await;
    }
}
