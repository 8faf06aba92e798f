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
