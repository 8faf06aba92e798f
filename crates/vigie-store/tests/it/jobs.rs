//! The job queue: retries with backoff, leases, concurrent workers.

use vigie_store::jobs::backoff_secs;
use vigie_store::testing;

use crate::sqlx_pool;

#[tokio::test]
async fn job_queue_retries_with_backoff_and_survives_a_dead_worker() {
    for db in testing::all().await {
        let s = &db.store;
        let id = s
            .enqueue("system.sleep", &serde_json::json!({}), None, None, 2)
            .await
            .unwrap();
        let j = s
            .claim_job("w1", &["system.sleep"], 60)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((j.id, j.attempts, j.status.as_str()), (id, 1, "running"));
        assert!(
            s.claim_job("w2", &["system.sleep"], 60)
                .await
                .unwrap()
                .is_none(),
            "a running job is not taken twice"
        );
        // First failure: queued again, later.
        s.fail_job(id, "w1", "boom").await.unwrap();
        let j = s.get_job(id).await.unwrap();
        assert_eq!(j.status, "queued");
        assert!(j.run_at >= vigie_store::db::now() + backoff_secs(1) - 2);
        assert!(
            s.claim_job("w2", &["system.sleep"], 60)
                .await
                .unwrap()
                .is_none(),
            "not before its backoff"
        );
        sqlx::raw_sql(&format!("UPDATE jobs SET run_at = 0 WHERE id = {id}"))
            .execute(&sqlx_pool(&db).await)
            .await
            .unwrap();
        let j = s
            .claim_job("w2", &["system.sleep"], 60)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(j.attempts, 2);
        // Last attempt failed: stays failed with its error.
        s.fail_job(id, "w2", "boom again").await.unwrap();
        let j = s.get_job(id).await.unwrap();
        assert_eq!(
            (j.status.as_str(), j.last_error.as_deref()),
            ("failed", Some("boom again"))
        );

        // A worker that dies keeps its job only until its lease runs out.
        let id2 = s
            .enqueue("system.sleep", &serde_json::json!({}), None, None, 5)
            .await
            .unwrap();
        let j = s.claim_job("dead", &[], 1).await.unwrap().unwrap();
        assert_eq!(j.id, id2);
        assert!(s.claim_job("alive", &[], 60).await.unwrap().is_none());
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let j = s.claim_job("alive", &[], 60).await.unwrap().unwrap();
        assert_eq!(
            (j.id, j.attempts, j.locked_by.as_deref()),
            (id2, 2, Some("alive"))
        );
        assert!(
            !s.complete_job(id2, "dead").await.unwrap(),
            "the dead worker no longer owns it"
        );
        assert!(s.complete_job(id2, "alive").await.unwrap());
        assert_eq!(s.get_job(id2).await.unwrap().status, "done");

        // Deduplicated jobs.
        let a = s
            .enqueue(
                "maintenance.purge_sessions",
                &serde_json::json!({}),
                Some("k"),
                None,
                1,
            )
            .await
            .unwrap();
        let b = s
            .enqueue(
                "maintenance.purge_sessions",
                &serde_json::json!({}),
                Some("k"),
                None,
                1,
            )
            .await
            .unwrap();
        assert_eq!(a, b);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn concurrent_workers_never_take_the_same_job() {
    for db in testing::all().await {
        let s = db.store.clone();
        for i in 0..60 {
            s.enqueue(
                "system.sleep",
                &serde_json::json!({ "i": i }),
                None,
                None,
                1,
            )
            .await
            .unwrap();
        }
        let mut handles = Vec::new();
        for w in 0..6 {
            let s = s.clone();
            handles.push(tokio::spawn(async move {
                let mut mine = Vec::new();
                while let Some(j) = s.claim_job(&format!("w{w}"), &[], 60).await.unwrap() {
                    mine.push(j.id);
                    s.complete_job(j.id, &format!("w{w}")).await.unwrap();
                }
                mine
            }));
        }
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.await.unwrap());
        }
        all.sort();
        let n = all.len();
        all.dedup();
        assert_eq!(
            (n, all.len()),
            (60, 60),
            "{}: a job was claimed twice or lost",
            db.name
        );
        db.cleanup().await;
    }
}

/// Typed jobs keep today's kinds and payloads; a dedup key keeps one copy queued; a claimed job
/// reads back as its type, and as no other.
#[tokio::test]
async fn typed_jobs_queue_and_read_back_as_their_type() {
    use vigie_store::accounts::jobs::PurgeSessions;
    use vigie_store::jobs::JobSpec;
    use vigie_store::notify::Deliver;
    use vigie_store::watch::jobs::{Bulletin, Ingest};
    use vigie_store::StoreError;
    for db in testing::all().await {
        let s = &db.store;
        let a = s.enqueue_job(&PurgeSessions {}, None).await.unwrap();
        assert_eq!(s.enqueue_job(&PurgeSessions {}, None).await.unwrap(), a);
        let j = s.get_job(a).await.unwrap();
        assert_eq!(
            (j.kind.as_str(), j.payload.as_str(), j.max_attempts),
            ("maintenance.purge_sessions", "{}", 3)
        );
        let b = s
            .enqueue_job(&Bulletin::default(), Some(1_000))
            .await
            .unwrap();
        let j = s.get_job(b).await.unwrap();
        assert_eq!((j.kind.as_str(), j.run_at), ("watch.bulletin", 1_000));
        let i = s
            .enqueue_job(&Ingest::Path("/data/kev.json".into()), None)
            .await
            .unwrap();
        let j = s.get_job(i).await.unwrap();
        assert_eq!(j.payload, r#"{"path":"/data/kev.json"}"#, "{}", db.name);
        assert_eq!(
            j.decode::<Ingest>().unwrap(),
            Ingest::Path("/data/kev.json".into())
        );
        assert!(matches!(
            j.decode::<Deliver>(),
            Err(StoreError::Internal(_))
        ));
        assert_eq!(Deliver::max_attempts(), 8);
        db.cleanup().await;
    }
}
