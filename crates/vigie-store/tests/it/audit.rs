//! The audit log: every write recorded, the log itself append-only.

use vigie_domain::role::{Role, Scope};
use vigie_domain::structure::ContactRole;
use vigie_store::testing;
use vigie_store::StoreError;

use crate::{actor, id_of, seeded, sqlx_pool, system};

#[tokio::test]
async fn audit_log_records_writes_and_refuses_changes() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let id = id_of(s, "010000024").await;
        s.set_contact(
            &system(),
            id,
            ContactRole::DataProtectionOfficer,
            "Paul DPO",
            Some("dpo@ch.example"),
            None,
        )
        .await
        .unwrap();
        let auditor = actor(Role::Auditor, Scope::National, None);
        let (entries, total) = s
            .audit_search(
                &auditor,
                &vigie_store::audit::AuditQuery {
                    action: Some("contact.set".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 1, "{}", db.name);
        assert_eq!(entries[0].target_id, id.to_string());
        assert!(entries[0].detail.contains("Paul DPO"));
        let (_, imports) = s
            .audit_search(
                &auditor,
                &vigie_store::audit::AuditQuery {
                    text: Some("registry.upsert".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert!(imports >= 1);
        // Append-only, enforced by the database itself.
        let pool_err = sqlx::raw_sql("UPDATE audit_log SET action = 'x'")
            .execute(&sqlx_pool(&db).await)
            .await;
        assert!(
            pool_err.is_err(),
            "{}: audit_log accepted an UPDATE",
            db.name
        );
        let pool_err = sqlx::raw_sql("DELETE FROM audit_log")
            .execute(&sqlx_pool(&db).await)
            .await;
        assert!(
            pool_err.is_err(),
            "{}: audit_log accepted a DELETE",
            db.name
        );
        // Roles without the permission cannot read it.
        let cert = actor(Role::CertAnalyst, Scope::National, None);
        assert!(matches!(
            s.audit_search(&cert, &Default::default()).await,
            Err(StoreError::Forbidden(_))
        ));
        db.cleanup().await;
    }
}

/// Turns off the append-only triggers, as someone with the database owner's rights could: the
/// test-only path by which a row is changed or removed behind the application's back.
async fn tamper(pool: &sqlx::AnyPool, db_name: &str, statement: &str) {
    let mut conn = pool.acquire().await.unwrap();
    if db_name == "postgres" {
        sqlx::raw_sql(&format!(
            "ALTER TABLE audit_log DISABLE TRIGGER USER; {statement}; ALTER TABLE audit_log ENABLE TRIGGER USER"
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
    } else {
        sqlx::raw_sql(&format!(
            "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {statement}; \
             CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END; \
             CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        ))
        .execute(&mut *conn)
        .await
        .unwrap();
    }
}

async fn ids(pool: &sqlx::AnyPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM audit_log ORDER BY id")
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Issue 13, item 13: the audit log is a hash chain. Rows written before the chain are its
/// first links; a row changed, a row removed in the middle or at the end is found by
/// `verify_audit_chain`, which names it.
#[tokio::test]
async fn audit_chain_finds_a_row_changed_or_removed() {
    for db in testing::all().await {
        let s = &db.store;
        let pool = sqlx_pool(&db).await;
        // Two rows of an earlier version, without hashes.
        for i in 0..2 {
            sqlx::query(
                "INSERT INTO audit_log (at, actor, action, target_kind, target_id, success, detail) \
                 VALUES ($1, 'legacy', 'old.action', 'x', $2, 1, '{}')",
            )
            .bind(1_700_000_000i64 + i)
            .bind(i.to_string())
            .execute(&pool)
            .await
            .unwrap();
        }
        seeded(&db).await;
        for i in 0..4 {
            s.create_user(
                &system(),
                &crate::user(
                    &format!("u{i}@chain.example"),
                    Role::CertAnalyst,
                    None,
                    None,
                    vec![],
                ),
            )
            .await
            .unwrap();
        }
        let r = s.verify_audit_chain(&system()).await.unwrap();
        assert!(r.broken.is_none(), "[{}] {r:?}", db.name);
        assert_eq!(r.legacy_rows, 2, "[{}]", db.name);
        assert!(r.rows >= 6);
        let all = ids(&pool).await;
        let unhashed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE hash IS NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(unhashed, 2);

        // A row changed: found at that row.
        let victim = all[all.len() - 3];
        tamper(
            &pool,
            db.name,
            &format!("UPDATE audit_log SET actor = 'someone else' WHERE id = {victim}"),
        )
        .await;
        let r = s.verify_audit_chain(&system()).await.unwrap();
        let b = r.broken.expect("a changed row is found");
        assert_eq!(b.id, Some(victim), "[{}] {}", db.name, b.reason);
        tamper(
            &pool,
            db.name,
            &format!("DELETE FROM audit_log WHERE id = {victim}"),
        )
        .await;
        // A row removed in the middle: found at the row after it.
        let r = s.verify_audit_chain(&system()).await.unwrap();
        let b = r.broken.expect("a removed row is found");
        assert_eq!(b.id, Some(all[all.len() - 2]), "[{}] {}", db.name, b.reason);

        // A legacy row changed: the first chained row no longer follows.
        let db2 = if db.name == "sqlite" {
            testing::sqlite().await
        } else {
            match testing::postgres().await {
                Some(d) => d,
                None => continue,
            }
        };
        let pool2 = sqlx_pool(&db2).await;
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target_kind, target_id, success, detail) \
             VALUES (1, 'legacy', 'old', 'x', '1', 1, '{}')",
        )
        .execute(&pool2)
        .await
        .unwrap();
        db2.store
            .create_user(
                &system(),
                &crate::user("v@chain.example", Role::CertAnalyst, None, None, vec![]),
            )
            .await
            .unwrap();
        assert!(db2
            .store
            .verify_audit_chain(&system())
            .await
            .unwrap()
            .broken
            .is_none());
        let first = ids(&pool2).await[0];
        tamper(
            &pool2,
            db2.name,
            &format!("UPDATE audit_log SET detail = '{{\"x\":1}}' WHERE id = {first}"),
        )
        .await;
        let b = db2
            .store
            .verify_audit_chain(&system())
            .await
            .unwrap()
            .broken;
        assert!(b.is_some(), "[{}] a changed legacy row is found", db2.name);
        // The last row removed: the log no longer reaches the chain's head.
        let last = *ids(&pool2).await.last().unwrap();
        tamper(
            &pool2,
            db2.name,
            &format!("UPDATE audit_log SET detail = '{{}}' WHERE id = {first}"),
        )
        .await;
        assert!(db2
            .store
            .verify_audit_chain(&system())
            .await
            .unwrap()
            .broken
            .is_none());
        tamper(
            &pool2,
            db2.name,
            &format!("DELETE FROM audit_log WHERE id = {last}"),
        )
        .await;
        let b = db2
            .store
            .verify_audit_chain(&system())
            .await
            .unwrap()
            .broken
            .unwrap();
        assert_eq!(b.id, None, "[{}] {}", db2.name, b.reason);
        pool2.close().await;
        db2.cleanup().await;
        pool.close().await;
        db.cleanup().await;
    }
}

/// Concurrent writers cannot fork the chain: 24 audited writes at once, the chain stays whole.
#[tokio::test]
async fn concurrent_writers_keep_one_chain() {
    for db in testing::all().await {
        let s = db.store.clone();
        let mut tasks = Vec::new();
        for i in 0..24 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.create_user(
                    &system(),
                    &crate::user(
                        &format!("c{i}@chain.example"),
                        Role::CertAnalyst,
                        None,
                        None,
                        vec![],
                    ),
                )
                .await
                .unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let r = s.verify_audit_chain(&system()).await.unwrap();
        assert!(r.broken.is_none(), "[{}] {r:?}", db.name);
        assert!(r.rows >= 24);
        db.cleanup().await;
    }
}

/// On PostgreSQL, TRUNCATE (which the row triggers do not see) is refused too.
#[tokio::test]
async fn truncate_of_the_audit_log_is_refused_on_postgres() {
    let Some(db) = testing::postgres().await else {
        return;
    };
    db.store
        .create_user(
            &system(),
            &crate::user("t@chain.example", Role::CertAnalyst, None, None, vec![]),
        )
        .await
        .unwrap();
    let pool = sqlx_pool(&db).await;
    let e = sqlx::raw_sql("TRUNCATE audit_log").execute(&pool).await;
    assert!(e.is_err(), "TRUNCATE audit_log went through");
    assert!(format!("{:?}", e.unwrap_err()).contains("append-only"));
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(n >= 1);
    pool.close().await;
    db.cleanup().await;
}
