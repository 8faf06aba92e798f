//! The demo's diagnostics: the region's figures of `Store::diagnostics_overview` checked against
//! a direct count of the tables, for the region's analyst and the nation; old questionnaire
//! versions still readable; the demo seeded once; the scheduler's reconcile closing actions.
//! Both backends, through the real binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use vigie_domain::role::{Role, Scope};
use vigie_store::testing;
use vigie_store::Actor;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn demo(url: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .env("VIGIE_DATABASE_URL", url)
        .env("VIGIE_LOG", "warn")
        .env("VIGIE_SECURITY_SECRET_KEY", testing::TEST_SECRET_KEY)
        .env_remove("VIGIE_CONFIG")
        .current_dir(repo_root())
        .arg("demo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[tokio::test]
async fn the_demos_region_figures_match_a_direct_count() {
    for db in testing::all().await {
        let out = demo(&db.url);
        assert!(out.contains("diagnostics with"), "{}: {out}", db.name);
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
        // Every finished diagnostic of the demo region: structure, finished, id, score.
        let rows: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT d.structure_id, d.finished_at, d.id, d.score_x100 FROM diagnostics d \
             JOIN structures s ON s.id = d.structure_id WHERE s.region_code = '53' AND d.finished_at IS NOT NULL",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        let mut by_structure: BTreeMap<i64, Vec<(i64, i64, i64)>> = BTreeMap::new();
        for (s, f, id, score) in rows {
            by_structure.entry(s).or_default().push((f, id, score));
        }
        let mut distribution = [0i64; 6];
        let (mut progressed, mut progress) = (0i64, 0i64);
        let mut latest_ids = Vec::new();
        for list in by_structure.values_mut() {
            list.sort();
            let (_, id, score) = *list.last().unwrap();
            latest_ids.push(id);
            distribution[((score / 50) as usize).min(5)] += 1;
            if list.len() > 1 {
                progressed += 1;
                progress += score - list[list.len() - 2].2;
            }
        }
        // The most common measures of the latest diagnostics, counted here.
        let measures: Vec<(i64, String)> =
            sqlx::query_as("SELECT diagnostic_id, recommendation_id FROM diagnostic_measures")
                .fetch_all(&pool)
                .await
                .unwrap();
        let mut common: BTreeMap<String, i64> = BTreeMap::new();
        for (d, r) in measures {
            if latest_ids.contains(&d) {
                *common.entry(r).or_default() += 1;
            }
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let actions: Vec<(String, Option<i64>)> =
            sqlx::query_as("SELECT status, due_on FROM plan_actions")
                .fetch_all(&pool)
                .await
                .unwrap();
        let overdue = actions
            .iter()
            .filter(|(s, d)| {
                (s == "todo" || s == "in_progress") && d.is_some_and(|d| d + 86_400 <= now)
            })
            .count() as i64;
        let open = actions
            .iter()
            .filter(|(s, _)| s == "todo" || s == "in_progress")
            .count() as i64;
        let structures: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM structures WHERE region_code = '53'")
                .fetch_one(&pool)
                .await
                .unwrap();

        let region = Actor {
            user_id: None,
            label: "crr".into(),
            role: Role::RegionalAnalyst,
            scope: Scope::Region("53".into()),
            ip: None,
        };
        let nation = Actor::system("test");
        for a in [&region, &nation] {
            let o = db.store.diagnostics_overview(a, None).await.unwrap();
            assert_eq!(o.structures, structures.0, "{}", db.name);
            assert_eq!(o.diagnosed, by_structure.len() as i64, "{}", db.name);
            assert_eq!(o.diagnosed, 84, "12 hospitals and 72 nursing homes");
            assert_eq!(o.distribution, distribution, "{}", db.name);
            assert!(
                distribution.iter().filter(|n| **n > 0).count() >= 3,
                "levels vary: {distribution:?}"
            );
            assert_eq!(
                (o.progressed, o.mean_progress_x100),
                (progressed, progress / progressed.max(1))
            );
            assert!(progressed >= 20, "a third diagnosed twice: {progressed}");
            assert_eq!((o.overdue, o.open_actions), (overdue, open), "{}", db.name);
            assert!(overdue > 0 && open > overdue);
            let mut want: Vec<(String, i64)> = common.clone().into_iter().collect();
            want.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            let got: Vec<(String, i64)> = o
                .common_measures
                .iter()
                .map(|(_, r, n)| (r.clone(), *n))
                .collect();
            // Same counts in the same order (ties broken by questionnaire then id on both sides
            // may differ only among equal counts).
            assert_eq!(
                got.iter().map(|x| x.1).collect::<Vec<_>>(),
                want.iter().take(10).map(|x| x.1).collect::<Vec<_>>(),
                "{}",
                db.name
            );
            for (r, n) in &got {
                assert_eq!(common.get(r), Some(n), "{r}");
            }
        }
        // Old versions stay readable: a nursing home's first diagnostic was on version 1.
        let v1: Vec<(i64,)> =
            sqlx::query_as("SELECT id FROM diagnostics WHERE questionnaire_version = 1 AND questionnaire_id = 'medico-social'")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert!(!v1.is_empty(), "{}", db.name);
        let d = db.store.get_diagnostic(&nation, v1[0].0).await.unwrap();
        let q = vigie_store::diagnostics::questionnaire_of(&d.row).unwrap();
        assert_eq!(q.version, 1);
        assert!(vigie_diagnostics::score(q, &d.answers()).complete);
        // Some nursing homes have their next diagnostic under way.
        let open_diags: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM diagnostics WHERE status = 'in_progress'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(open_diags.0 > 0);

        // Again: nothing more.
        let total: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM diagnostics")
            .fetch_one(&pool)
            .await
            .unwrap();
        demo(&db.url);
        let again: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM diagnostics")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(total, again, "{}", db.name);
        pool.close().await;
        db.cleanup().await;
    }
}
