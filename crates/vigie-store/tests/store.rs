//! The storage suite: every scenario runs on SQLite and on PostgreSQL (see `vigie_store::testing`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use vigie_domain::role::{Role, Scope};
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_store::jobs::backoff_secs;
use vigie_store::registry::StructureFilter;
use vigie_store::testing::{self, TestDb};
use vigie_store::users::NewUser;
use vigie_store::{Actor, Store, StoreError};

const FINESS_SMALL: &[u8] = include_bytes!("data/finess-small.csv");
const GHT_SMALL: &[u8] = include_bytes!("data/ght-small.csv");

fn system() -> Actor {
    Actor::system("test")
}

fn actor(role: Role, scope: Scope, user_id: Option<i64>) -> Actor {
    Actor {
        user_id,
        label: format!("{role}@test"),
        role,
        scope,
        ip: None,
    }
}

async fn seeded(db: &TestDb) {
    db.store
        .import_finess(&system(), FINESS_SMALL)
        .await
        .unwrap();
    db.store.import_ght(&system(), GHT_SMALL).await.unwrap();
}

async fn id_of(store: &Store, finess: &str) -> i64 {
    store
        .find_structure_by_finess(&system(), finess)
        .await
        .unwrap()
        .id
}

#[tokio::test]
async fn finess_import_reports_rejections_and_is_idempotent() {
    for db in testing::all().await {
        let s = &db.store;
        let r = s.import_finess(&system(), FINESS_SMALL).await.unwrap();
        assert_eq!(r.lines, 12, "{}", db.name);
        assert_eq!(r.sites, 8, "{}", db.name);
        assert_eq!(r.skipped.get("geolocalisation"), Some(&1));
        assert_eq!(
            (r.counts.inserted, r.counts.updated, r.counts.unchanged),
            (7, 0, 1),
            "{}",
            db.name
        );
        let rejected: Vec<u64> = r.rejected.iter().map(|x| x.line).collect();
        assert_eq!(rejected, vec![6, 8], "{}: {:?}", db.name, r.rejected);
        assert!(
            r.rejected[0].reason.contains("key"),
            "{}",
            r.rejected[0].reason
        );
        // The interface speaks French first: each reason also comes in French.
        assert!(
            r.rejected[0]
                .reason_fr
                .contains("clé de contrôle incorrecte"),
            "{}",
            r.rejected[0].reason_fr
        );
        assert!(r.rejected.iter().all(|x| !x.reason_fr.is_empty()));
        assert_eq!(r.extract_date.as_deref(), Some("2026-05-12"));

        let cayenne = s
            .find_structure_by_finess(&system(), "970300026")
            .await
            .unwrap();
        assert_eq!(cayenne.region_code, "03", "Guyane");
        assert_eq!(cayenne.department_code, "973");
        assert_eq!(cayenne.legal_family, "public");
        assert_eq!(cayenne.sector, "sanitaire");
        assert_eq!(cayenne.overseas, 1);
        let pitie = s
            .find_structure_by_finess(&system(), "750100125")
            .await
            .unwrap();
        assert_eq!(pitie.region_code, "11");
        assert_eq!(pitie.finess_ej.as_deref(), Some("750712184"));

        // Re-import: nothing duplicated, nothing rewritten.
        let r2 = s.import_finess(&system(), FINESS_SMALL).await.unwrap();
        assert_eq!(
            (r2.counts.inserted, r2.counts.updated, r2.counts.unchanged),
            (0, 0, 8),
            "{}",
            db.name
        );
        let (_, total) = s
            .list_structures(
                &system(),
                &StructureFilter {
                    per_page: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 7);

        // An update of one site changes that site only, and keeps what Vigie owns (contacts, GHT).
        let id = pitie.id;
        s.set_contact(
            &system(),
            id,
            ContactRole::SecurityOfficer,
            "Jeanne RSSI",
            Some("rssi@aphp.example"),
            Some("01 99 00 12 34"),
        )
        .await
        .unwrap();
        let renamed = String::from_utf8(FINESS_SMALL.to_vec())
            .unwrap()
            .replace("GHU APHP SUN SITE PITIE SALPETRIERE", "PITIE RENOMMEE");
        let r3 = s
            .import_finess(&system(), renamed.as_bytes())
            .await
            .unwrap();
        assert_eq!(
            (r3.counts.inserted, r3.counts.updated),
            (0, 1),
            "{}",
            db.name
        );
        assert_eq!(
            s.get_structure(&system(), id).await.unwrap().name,
            "PITIE RENOMMEE"
        );
        assert_eq!(s.list_contacts(&system(), id).await.unwrap().len(), 1);

        // A file whose first line is not a metadata line imports nothing and loses nothing.
        let err = s
            .import_finess(&system(), &b"structureet;010000024\n"[..])
            .await
            .unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let (_, total) = s
            .list_structures(
                &system(),
                &StructureFilter {
                    per_page: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 7);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn ght_import_attaches_structures_and_reports_bad_rows() {
    for db in testing::all().await {
        let s = &db.store;
        s.import_finess(&system(), FINESS_SMALL).await.unwrap();
        let r = s.import_ght(&system(), GHT_SMALL).await.unwrap();
        assert_eq!(r.counts.updated, 2, "{}", db.name);
        let lines: Vec<u64> = r.rejected.iter().map(|x| x.line).collect();
        assert_eq!(lines, vec![4, 5], "{}: {:?}", db.name, r.rejected);
        assert!(
            r.rejected[1].reason.contains("region"),
            "{}",
            r.rejected[1].reason
        );
        assert!(
            r.rejected[1].reason_fr.contains("région"),
            "{}",
            r.rejected[1].reason_fr
        );
        assert!(r.rejected.iter().all(|x| !x.reason_fr.is_empty()));
        let ghts = s.list_ghts(&system(), None).await.unwrap();
        assert_eq!(ghts.len(), 2);
        let ain = ghts.iter().find(|g| g.code == "GHT-01-AIN").unwrap();
        assert_eq!(ain.structure_count, 1);
        assert_eq!(ain.support_structure_id, Some(id_of(s, "010000024").await));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn every_read_and_write_is_confined_to_the_scope() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let pitie = id_of(s, "750100125").await; // Île-de-France, GHT-75-01
        let fleyriat = id_of(s, "010000024").await; // Auvergne-Rhône-Alpes, GHT-01-AIN
        let cayenne = id_of(s, "970300026").await; // Guyane, no GHT
        let ghts = s.list_ghts(&system(), None).await.unwrap();
        let ght_ain = ghts.iter().find(|g| g.code == "GHT-01-AIN").unwrap().id;

        let member_id = s
            .create_user(
                &system(),
                &NewUser {
                    email: "m@ch.example".into(),
                    display_name: "M".into(),
                    role: Role::StructureMember,
                    region_code: None,
                    ght_id: None,
                    structure_ids: vec![fleyriat],
                    password: None,
                    locale: "fr".into(),
                    must_change_password: false,
                },
            )
            .await
            .unwrap();
        let regional = actor(Role::RegionalAnalyst, Scope::Region("11".into()), None);
        let ght = actor(Role::GhtOfficer, Scope::Ght(ght_ain), None);
        let member = actor(
            Role::StructureMember,
            Scope::Structures { user_id: member_id },
            Some(member_id),
        );
        let nobody = actor(Role::CertAnalyst, Scope::Nothing, None);
        let all = StructureFilter {
            per_page: 100,
            ..Default::default()
        };

        let count = |a: Actor| {
            let all = all.clone();
            async move { s.list_structures(&a, &all).await.unwrap().1 }
        };
        assert_eq!(count(system()).await, 7);
        assert_eq!(count(regional.clone()).await, 1, "{}", db.name);
        assert_eq!(count(ght.clone()).await, 1);
        assert_eq!(count(member.clone()).await, 1);
        assert_eq!(count(nobody.clone()).await, 0);
        assert_eq!(s.export_structures(&regional, &all).await.unwrap().len(), 1);

        // Out of scope is indistinguishable from missing.
        for (a, visible, hidden) in [
            (&regional, pitie, fleyriat),
            (&ght, fleyriat, pitie),
            (&member, fleyriat, cayenne),
        ] {
            assert!(s.get_structure(a, visible).await.is_ok());
            assert!(matches!(
                s.get_structure(a, hidden).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.get_structure(a, 999_999).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.list_assets(a, hidden).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.list_contacts(a, hidden).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.find_structure_by_finess(a, "970400024").await,
                Err(StoreError::NotFound)
            ));
        }
        // Writes: out of scope answers NotFound and changes nothing.
        assert!(matches!(
            s.add_asset(
                &regional,
                fleyriat,
                AssetKind::Domain,
                "ch-fleyriat.fr",
                "x"
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.set_contact(&regional, fleyriat, ContactRole::Director, "X", None, None)
                .await,
            Err(StoreError::NotFound)
        ));
        // Without the permission the answer is Forbidden, in scope or not: existence is never told.
        assert!(matches!(
            s.set_contact(&ght, pitie, ContactRole::Director, "X", None, None)
                .await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.set_contact(&ght, fleyriat, ContactRole::Director, "X", None, None)
                .await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.set_designations(&regional, cayenne, true, true, true)
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(s.list_assets(&system(), fleyriat).await.unwrap().is_empty());
        // In scope, with the permission: allowed, and audited.
        let asset = s
            .add_asset(
                &ght,
                fleyriat,
                AssetKind::IpRange,
                "10.20.0.0/24",
                "Directeur CH",
            )
            .await
            .unwrap();
        assert_eq!(asset.is_demo, 0);
        assert!(matches!(
            s.remove_asset(&regional, fleyriat, asset.id).await,
            Err(StoreError::NotFound)
        ));
        // A member reads but may not write, even in scope.
        assert!(matches!(
            s.add_asset(&member, fleyriat, AssetKind::Domain, "ch.example", "x")
                .await,
            Err(StoreError::Forbidden(_))
        ));
        // GHTs are scoped too.
        assert_eq!(s.list_ghts(&ght, None).await.unwrap().len(), 1);
        assert_eq!(s.list_ghts(&regional, None).await.unwrap().len(), 1);
        assert_eq!(s.list_ghts(&member, None).await.unwrap().len(), 1);
        assert!(s.list_ghts(&nobody, None).await.unwrap().is_empty());
        // Users: a member sees only itself.
        assert!(matches!(
            s.list_users(&member).await,
            Err(StoreError::Forbidden(_))
        ));
        assert_eq!(
            s.get_user(&member, member_id).await.unwrap().email,
            "m@ch.example"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn asset_rules_and_demo_marking() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let id = id_of(s, "010000024").await;
        let err = s
            .add_asset(&system(), id, AssetKind::IpRange, "0.0.0.0/0", "x")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let err = s
            .add_asset(&system(), id, AssetKind::Domain, "*.example.org", "x")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let err = s
            .add_asset(&system(), id, AssetKind::Domain, "ch-fleyriat.fr", " ")
            .await
            .unwrap_err();
        assert!(err.to_string().contains("attest"), "{err}");
        let a = s
            .add_asset(
                &system(),
                id,
                AssetKind::Domain,
                "CH-Fleyriat.FR",
                "Directeur",
            )
            .await
            .unwrap();
        assert_eq!(a.value, "ch-fleyriat.fr");
        assert!(matches!(
            s.add_asset(&system(), id, AssetKind::Domain, "ch-fleyriat.fr", "x")
                .await,
            Err(StoreError::Conflict(_))
        ));
        let doc = s
            .add_asset(
                &system(),
                id,
                AssetKind::IpRange,
                "192.0.2.0/28",
                "Directeur",
            )
            .await
            .unwrap();
        assert_eq!(doc.is_demo, 1, "documentation ranges are never scanned");
        db.cleanup().await;
    }
}

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

async fn sqlx_pool(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&db.url).await.unwrap()
}

#[tokio::test]
async fn accounts_passwords_lockout_sessions_and_tokens() {
    for db in testing::all().await {
        let s = &db.store;
        let nu = |email: &str, role: Role| NewUser {
            email: email.into(),
            display_name: "U".into(),
            role,
            region_code: None,
            ght_id: None,
            structure_ids: vec![],
            password: Some("correct horse battery".into()),
            locale: "fr".into(),
            must_change_password: false,
        };
        let id = s
            .create_user(&system(), &nu("Alice@CERT.example", Role::CertAnalyst))
            .await
            .unwrap();
        assert!(matches!(
            s.create_user(&system(), &nu("alice@cert.example", Role::CertAnalyst))
                .await,
            Err(StoreError::Conflict(_))
        ));
        let err = s
            .create_user(
                &system(),
                &NewUser {
                    password: Some("short".into()),
                    ..nu("b@x.example", Role::Auditor)
                },
            )
            .await
            .unwrap_err();
        assert!(err.to_string().contains("12 characters"), "{err}");
        let err = s
            .create_user(&system(), &nu("c@x.example", Role::RegionalAnalyst))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("region"), "{err}");
        // A region is stored in the table's form, the one the scope checks compare with.
        let regional = s
            .create_user(
                &system(),
                &NewUser {
                    region_code: Some(" 84 ".into()),
                    ..nu("r@x.example", Role::RegionalAnalyst)
                },
            )
            .await
            .unwrap();
        assert_eq!(
            s.get_user(&system(), regional)
                .await
                .unwrap()
                .region_code
                .as_deref(),
            Some("84")
        );
        // Only administrators manage users.
        let cert = actor(Role::CertAnalyst, Scope::National, Some(id));
        assert!(matches!(
            s.create_user(&cert, &nu("d@x.example", Role::Auditor))
                .await,
            Err(StoreError::Forbidden(_))
        ));

        let u = s.login_user("ALICE@cert.example").await.unwrap().unwrap();
        assert!(vigie_store::users::verify_password(
            "correct horse battery",
            u.password_hash.as_deref().unwrap()
        ));
        assert!(!vigie_store::users::verify_password(
            "wrong",
            u.password_hash.as_deref().unwrap()
        ));
        for i in 1..=5 {
            let locked = s.login_failed(id, 5, 900).await.unwrap();
            assert_eq!(locked, i == 5);
        }
        assert!(
            s.login_user("alice@cert.example")
                .await
                .unwrap()
                .unwrap()
                .locked_until
                > vigie_store::db::now()
        );

        let (tok, csrf) = s.create_session(id, false, 3600, None, None).await.unwrap();
        let sess = s.get_session(&tok, 3600).await.unwrap().unwrap();
        assert_eq!(
            (sess.user_id, sess.mfa_passed, sess.csrf_token.as_str()),
            (id, 0, csrf.as_str())
        );
        s.session_mfa_passed(&tok).await.unwrap();
        assert_eq!(
            s.get_session(&tok, 3600).await.unwrap().unwrap().mfa_passed,
            1
        );
        assert!(s.get_session("forged", 3600).await.unwrap().is_none());

        // TOTP steps are single-use.
        assert!(s.consume_totp_step(id, 100).await.unwrap());
        assert!(!s.consume_totp_step(id, 100).await.unwrap());
        assert!(!s.consume_totp_step(id, 99).await.unwrap());

        let (tid, secret) = s
            .create_api_token(&cert, id, "script", Some(30))
            .await
            .unwrap();
        assert_eq!(s.user_for_token(&secret).await.unwrap(), Some(id));
        assert_eq!(s.user_for_token("vigie_forged").await.unwrap(), None);
        s.revoke_api_token(&cert, id, tid).await.unwrap();
        assert_eq!(s.user_for_token(&secret).await.unwrap(), None);

        // A new password ends every session; disabling ends sessions and tokens.
        s.set_password(&system(), id, "another long password", false)
            .await
            .unwrap();
        assert!(s.get_session(&tok, 3600).await.unwrap().is_none());
        let (tok2, _) = s.create_session(id, true, 3600, None, None).await.unwrap();
        let (_, secret2) = s
            .create_api_token(&system(), id, "other", None)
            .await
            .unwrap();
        s.set_user_disabled(&system(), id, true).await.unwrap();
        assert!(s.get_session(&tok2, 3600).await.unwrap().is_none());
        assert_eq!(s.user_for_token(&secret2).await.unwrap(), None);
        assert!(s.actor_for_user(id, None).await.is_err());
        db.cleanup().await;
    }
}

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

#[tokio::test]
async fn archive_moves_a_deployment_between_backends_and_restores_only_into_empty() {
    let src = testing::sqlite().await;
    seeded(&src).await;
    let id = id_of(&src.store, "010000024").await;
    src.store
        .add_asset(
            &system(),
            id,
            AssetKind::Domain,
            "ch-fleyriat.fr",
            "Directeur",
        )
        .await
        .unwrap();
    src.store
        .create_user(
            &system(),
            &NewUser {
                email: "a@b.example".into(),
                display_name: "A".into(),
                role: Role::Auditor,
                region_code: None,
                ght_id: None,
                structure_ids: vec![],
                password: Some("a long enough password".into()),
                locale: "en".into(),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    let mut archive = Vec::new();
    let exported = src.store.export_archive(&mut archive).await.unwrap();

    let mut targets = vec![];
    let (url, dir) = testing::sqlite_url();
    targets.push((url, None, Some(dir)));
    if let Some((url, name)) = testing::pg_empty().await {
        targets.push((url, Some(name), None));
    }
    for (url, pg_name, _dir) in targets {
        let dst = Store::connect(&vigie_store::ConnectConfig {
            url: url.clone(),
            max_connections: 4,
        })
        .await
        .unwrap();
        let restored = dst.import_archive(&archive[..]).await.unwrap();
        assert_eq!(restored.total(), exported.total(), "{url}");
        let a = src
            .store
            .list_structures(
                &system(),
                &StructureFilter {
                    per_page: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let b = dst
            .list_structures(
                &system(),
                &StructureFilter {
                    per_page: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&b).unwrap(),
            "{url}"
        );
        assert_eq!(
            dst.list_assets(&system(), id).await.unwrap()[0].value,
            "ch-fleyriat.fr"
        );
        assert!(dst.login_user("a@b.example").await.unwrap().is_some());
        // Ids keep counting after the restored ones.
        let new = dst
            .add_asset(&system(), id, AssetKind::Domain, "autre.fr", "x")
            .await
            .unwrap();
        assert!(new.id > 1);
        // A second restore is refused: nothing is overwritten.
        let err = dst.import_archive(&archive[..]).await.unwrap_err();
        assert!(err.to_string().contains("not empty"), "{err}");
        dst.close().await;
        if let Some(n) = pg_name {
            testing::drop_pg(&n).await;
        }
    }
    // A damaged archive leaves the target empty.
    let (url, _dir) = testing::sqlite_url();
    let dst = Store::connect(&vigie_store::ConnectConfig {
        url,
        max_connections: 2,
    })
    .await
    .unwrap();
    let mut cut = archive.clone();
    cut.truncate(archive.len() / 2);
    assert!(dst.import_archive(&cut[..]).await.is_err());
    assert_eq!(dst.count_users().await.unwrap(), 0);
    src.cleanup().await;
}

#[tokio::test]
async fn migrations_are_idempotent() {
    for db in testing::all().await {
        assert_eq!(db.store.migrate().await.unwrap(), 0);
        assert_eq!(
            db.store.schema_version().await.unwrap(),
            vigie_store::migrate::latest_version()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn every_table_is_archived() {
    for db in testing::all().await {
        let pool = sqlx_pool(&db).await;
        let q = match db.name {
            "sqlite" => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            _ => "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        };
        let tables: Vec<(String,)> = sqlx::query_as(q).fetch_all(&pool).await.unwrap();
        let archived = vigie_store::archive::archived_tables();
        for (t,) in tables {
            if t == "schema_migrations" || t == "sessions" {
                continue;
            }
            assert!(
                archived.contains(&t.as_str()),
                "{}: table {t} is not in the backup archive (vigie_store::archive::TABLES)",
                db.name
            );
        }
        db.cleanup().await;
    }
}

fn user(
    email: &str,
    role: Role,
    region: Option<&str>,
    ght: Option<i64>,
    structures: Vec<i64>,
) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: email.into(),
        role,
        region_code: region.map(Into::into),
        ght_id: ght,
        structure_ids: structures,
        password: None,
        locale: "fr".into(),
        must_change_password: false,
    }
}

#[tokio::test]
async fn notifications_reach_the_structure_its_ght_and_the_webhooks_of_its_territory_once() {
    use vigie_store::notify::{self, Audience, NewNotification, WebhookScope};
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await; // region 84, GHT-01-AIN
        let pitie = id_of(s, "750100125").await; // region 11, GHT-75-01
        let ghts = s.list_ghts(&system(), None).await.unwrap();
        let ght_ain = ghts.iter().find(|g| g.code == "GHT-01-AIN").unwrap().id;
        let ght_paris = ghts.iter().find(|g| g.code == "GHT-75-01").unwrap().id;
        s.set_contact(
            &system(),
            fleyriat,
            ContactRole::Director,
            "D",
            Some("dir@fleyriat.example"),
            None,
        )
        .await
        .unwrap();
        s.set_contact(
            &system(),
            fleyriat,
            ContactRole::SecurityOfficer,
            "R",
            Some("RSSI@fleyriat.example"),
            None,
        )
        .await
        .unwrap();
        s.create_user(
            &system(),
            &user(
                "admin@fleyriat.example",
                Role::StructureAdmin,
                None,
                None,
                vec![fleyriat],
            ),
        )
        .await
        .unwrap();
        // Its RSSI also has an account: one e-mail, not two.
        s.create_user(
            &system(),
            &user(
                "rssi@fleyriat.example",
                Role::StructureAdmin,
                None,
                None,
                vec![fleyriat],
            ),
        )
        .await
        .unwrap();
        s.create_user(
            &system(),
            &user(
                "member@fleyriat.example",
                Role::StructureMember,
                None,
                None,
                vec![fleyriat],
            ),
        )
        .await
        .unwrap();
        s.create_user(
            &system(),
            &user(
                "rssi@ght-ain.example",
                Role::GhtOfficer,
                None,
                Some(ght_ain),
                vec![],
            ),
        )
        .await
        .unwrap();
        s.create_user(
            &system(),
            &user(
                "rssi@ght-paris.example",
                Role::GhtOfficer,
                None,
                Some(ght_paris),
                vec![],
            ),
        )
        .await
        .unwrap();
        let gone = s
            .create_user(
                &system(),
                &user(
                    "gone@fleyriat.example",
                    Role::StructureAdmin,
                    None,
                    None,
                    vec![fleyriat],
                ),
            )
            .await
            .unwrap();
        s.set_user_disabled(&system(), gone, true).await.unwrap();
        s.create_user(
            &system(),
            &user(
                "ara@ars.example",
                Role::RegionalAnalyst,
                Some("84"),
                None,
                vec![],
            ),
        )
        .await
        .unwrap();

        let national = s
            .create_webhook(
                &system(),
                "SOC national",
                "https://soc.example/n",
                WebhookScope::National,
                "*",
            )
            .await
            .unwrap()
            .0;
        let region84 = s
            .create_webhook(
                &system(),
                "ARA",
                "https://ara.example/h",
                WebhookScope::Region("84".into()),
                "watch",
            )
            .await
            .unwrap()
            .0;
        s.create_webhook(
            &system(),
            "IDF",
            "https://idf.example/h",
            WebhookScope::Region("11".into()),
            "*",
        )
        .await
        .unwrap();
        s.create_webhook(
            &system(),
            "scan only",
            "https://scan.example/h",
            WebhookScope::Ght(ght_ain),
            "scan",
        )
        .await
        .unwrap();
        let own = s
            .create_webhook(
                &system(),
                "CH",
                "https://ch.example/h",
                WebhookScope::Structure(fleyriat),
                "*",
            )
            .await
            .unwrap()
            .0;
        // A regional analyst cannot attach a webhook to another region: it does not exist for them.
        let ara = actor(Role::RegionalAnalyst, Scope::Region("84".into()), None);
        assert!(matches!(
            s.create_webhook(
                &ara,
                "x",
                "https://x.example",
                WebhookScope::Region("11".into()),
                "*"
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.create_webhook(
                &ara,
                "x",
                "https://x.example",
                WebhookScope::Structure(pitie),
                "*"
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(s.list_webhooks(&ara).await.unwrap().len(), 3, "{}", db.name);
        let member = actor(
            Role::StructureMember,
            Scope::Structures { user_id: 1 },
            Some(1),
        );
        assert!(matches!(
            s.list_webhooks(&member).await,
            Err(StoreError::Forbidden(_))
        ));

        let n = NewNotification {
            audience: Audience::Structure(fleyriat),
            event: "watch.alert.new".into(),
            subject: "Alerte".into(),
            text: "texte".into(),
            html: None,
            payload: serde_json::json!({ "cve": "CVE-2024-0001" }),
            link: Some(format!("/structures/{fleyriat}")),
            dedup_key: "watch.alert:1".into(),
        };
        let pool = sqlx_pool(&db).await;
        let mut conn = pool.acquire().await.unwrap();
        let ids = notify::queue(&mut conn, &n).await.unwrap();
        let mut recipients: Vec<(String, String)> = sqlx::query_as(
            "SELECT channel, recipient FROM notifications ORDER BY channel, recipient",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        recipients.sort();
        let expected: Vec<(String, String)> = vec![
            ("email".into(), "admin@fleyriat.example".into()),
            ("email".into(), "rssi@fleyriat.example".into()),
            ("email".into(), "rssi@ght-ain.example".into()),
            ("webhook".into(), format!("webhook:{}", national.id)),
            ("webhook".into(), format!("webhook:{}", own.id)),
            ("webhook".into(), format!("webhook:{}", region84.id)),
        ];
        let mut expected = expected;
        expected.sort();
        assert_eq!(recipients, expected, "{}", db.name);
        assert_eq!(ids.len(), 6);
        let jobs: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'notify.deliver'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(jobs, 6, "{}", db.name);
        // The same event again reaches nobody twice.
        assert!(notify::queue(&mut conn, &n).await.unwrap().is_empty());
        drop(conn);

        let (row, hook) = s.notification_for_delivery(ids[0]).await.unwrap().unwrap();
        assert_eq!(row.status, "pending");
        assert!(hook.is_none() == (row.channel == "email"));
        s.record_delivery(ids[0], Err(("connection refused", false)))
            .await
            .unwrap();
        s.record_delivery(ids[0], Ok(())).await.unwrap();
        let (row, _) = s.notification_for_delivery(ids[0]).await.unwrap().unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("sent", 2));

        // Notifications are seen within scope only.
        let paris_ght = actor(Role::GhtOfficer, Scope::Ght(ght_paris), None);
        assert!(s
            .list_notifications(&paris_ght, None, 50)
            .await
            .unwrap()
            .is_empty());
        let ain_ght = actor(Role::GhtOfficer, Scope::Ght(ght_ain), None);
        assert_eq!(
            s.list_notifications(&ain_ght, Some(fleyriat), 50)
                .await
                .unwrap()
                .len(),
            6
        );

        // A batch (one advisory's fan-out) writes, for each event, exactly the rows and jobs
        // that queueing it alone writes: recipients resolved per structure, never mixed up.
        let event = |audience: Audience, key: &str| NewNotification {
            audience,
            dedup_key: key.into(),
            ..n.clone()
        };
        let batch = vec![
            n.clone(), // already sent: nobody again
            event(Audience::Structure(pitie), "watch.alert:3"),
            event(Audience::Structure(fleyriat), "watch.alert:2"),
            event(Audience::Region("84".into()), "watch.region:84"),
            event(Audience::Structure(fleyriat), "watch.alert:2"), // twice in the batch: once
        ];
        type Row = (String, String, Option<i64>, Option<i64>, String, String);
        let rows_of = |key: String| {
            let pool = pool.clone();
            async move {
                let r: Vec<Row> = sqlx::query_as(
                    "SELECT channel, recipient, webhook_id, structure_id, subject, payload FROM notifications \
                     WHERE dedup_key = $1 ORDER BY channel, recipient",
                )
                .bind(key)
                .fetch_all(&pool)
                .await
                .unwrap();
                r
            }
        };
        let mut alone = Vec::new();
        for e in &batch[1..4] {
            let mut tx = pool.begin().await.unwrap();
            let ids = notify::queue(&mut tx, e).await.unwrap();
            tx.commit().await.unwrap();
            alone.push((ids.len(), rows_of(e.dedup_key.clone()).await));
            for id in &ids {
                sqlx::query("DELETE FROM jobs WHERE payload = $1")
                    .bind(serde_json::json!({ "notification_id": id }).to_string())
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            sqlx::query("DELETE FROM notifications WHERE dedup_key = $1")
                .bind(e.dedup_key.clone())
                .execute(&pool)
                .await
                .unwrap();
        }
        let jobs_before: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE kind = 'notify.deliver'")
                .fetch_one(&pool)
                .await
                .unwrap();
        let mut tx = pool.begin().await.unwrap();
        let got = notify::queue_many(&mut tx, &batch).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(got.len(), 5, "{}", db.name);
        assert!(
            got[0].is_empty() && got[4].is_empty(),
            "{}: {got:?}",
            db.name
        );
        for (k, e) in batch[1..4].iter().enumerate() {
            assert_eq!(got[k + 1].len(), alone[k].0, "{} {}", db.name, e.dedup_key);
            assert_eq!(
                rows_of(e.dedup_key.clone()).await,
                alone[k].1,
                "{} {}",
                db.name,
                e.dedup_key
            );
        }
        let fleyriat_2: Vec<(String, String)> = alone[1]
            .1
            .iter()
            .map(|r| (r.0.clone(), r.1.clone()))
            .collect();
        assert_eq!(fleyriat_2, expected, "{}", db.name);
        let pitie_rows: Vec<String> = alone[0].1.iter().map(|r| r.1.clone()).collect();
        assert!(
            pitie_rows.contains(&"rssi@ght-paris.example".to_string())
                && pitie_rows.contains(&format!("webhook:{}", national.id))
                && !pitie_rows.contains(&format!("webhook:{}", region84.id))
                && !pitie_rows.contains(&format!("webhook:{}", own.id))
                && !pitie_rows.contains(&"rssi@ght-ain.example".to_string()),
            "{}: {pitie_rows:?}",
            db.name
        );
        let region_rows: Vec<String> = alone[2].1.iter().map(|r| r.1.clone()).collect();
        let mut want = vec![
            "ara@ars.example".to_string(),
            format!("webhook:{}", national.id),
            format!("webhook:{}", region84.id),
        ];
        want.sort();
        assert_eq!(region_rows, want, "{}", db.name);
        // One delivery job per row written, each naming its row.
        let written: Vec<i64> = got.iter().flatten().copied().collect();
        let jobs: Vec<String> = sqlx::query_scalar(
            "SELECT payload FROM jobs WHERE kind = 'notify.deliver' ORDER BY id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            jobs.len() as i64,
            jobs_before + written.len() as i64,
            "{}",
            db.name
        );
        for id in &written {
            let doc = serde_json::json!({ "notification_id": id }).to_string();
            assert_eq!(
                jobs.iter().filter(|j| **j == doc).count(),
                1,
                "{} {doc}",
                db.name
            );
        }
        // An event about a structure that does not exist fails the whole batch.
        let mut tx = pool.begin().await.unwrap();
        assert!(matches!(
            notify::queue_many(
                &mut tx,
                &[
                    event(Audience::Structure(fleyriat), "x:1"),
                    event(Audience::Structure(999_999), "x:2")
                ]
            )
            .await,
            Err(StoreError::NotFound)
        ));
        drop(tx);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn totp_seeds_and_webhook_keys_are_stored_encrypted() {
    use vigie_store::notify::WebhookScope;
    for db in testing::all().await {
        let s = &db.store;
        let id = s
            .create_user(
                &system(),
                &user("cert@cert.example", Role::CertAnalyst, None, None, vec![]),
            )
            .await
            .unwrap();
        s.set_totp(&system(), id, Some("JBSWY3DPEHPK3PXP"), true)
            .await
            .unwrap();
        let pool = sqlx_pool(&db).await;
        let raw: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(
            raw.starts_with("enc:v1:") && !raw.contains("JBSWY3DPEHPK3PXP"),
            "{}: {raw}",
            db.name
        );
        let u = s.login_user("cert@cert.example").await.unwrap().unwrap();
        assert_eq!(u.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));

        let (_, secret) = s
            .create_webhook(
                &system(),
                "SOC",
                "https://soc.example/h",
                WebhookScope::National,
                "*",
            )
            .await
            .unwrap();
        let raw: String = sqlx::query_scalar("SELECT secret FROM webhooks")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(raw.starts_with("enc:v1:") && !raw.contains(&secret));

        // A seed written in clear (before encryption existed) still works and gets sealed.
        sqlx::query("UPDATE users SET totp_secret = 'KRSXG5CTMVRXEZLU' WHERE id = $1")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(
            s.login_user_by_id(id).await.unwrap().totp_secret.as_deref(),
            Some("KRSXG5CTMVRXEZLU")
        );
        assert_eq!(s.seal_clear_secrets().await.unwrap(), 1);
        assert_eq!(s.seal_clear_secrets().await.unwrap(), 0);
        assert_eq!(
            s.login_user_by_id(id).await.unwrap().totp_secret.as_deref(),
            Some("KRSXG5CTMVRXEZLU")
        );

        // Another key cannot read them: a clear error, not a wrong code.
        let other = s
            .clone()
            .with_secret_key(vigie_store::secrets::SecretKey::generate());
        let err = other.login_user_by_id(id).await.unwrap_err().to_string();
        assert!(err.contains("cannot be decrypted"), "{err}");
        db.cleanup().await;
    }
}

/// Rows packed in one JSON document come back as they were, on both backends: numbers, text
/// with quotes, accents and newlines, NULL; and no row at all.
#[tokio::test]
async fn packed_rows_read_back_as_rows() {
    for db in testing::all().await {
        let s = &db.store;
        let pool = sqlx_pool(&db).await;
        let mut tx = pool.begin().await.expect("begin");
        vigie_store::db::Sql::new(
            "CREATE TEMPORARY TABLE packed_t (id BIGINT, name TEXT, n BIGINT)",
        )
        .execute(&mut *tx)
        .await
        .expect("create");
        let got: Vec<(i64, String, Option<i64>)> = vigie_store::db::Sql::new(&format!(
            "SELECT {} FROM packed_t",
            vigie_store::db::packed(s.backend(), "id, name, n")
        ))
        .fetch_packed(&mut *tx)
        .await
        .expect("empty");
        assert!(got.is_empty(), "{}: {got:?}", db.name);
        let rows = [
            (
                1i64,
                "Centre hospitalier \"Saint-Éloi\"\nsite B".to_string(),
                Some(7i64),
            ),
            (2, String::new(), None),
            (9_007_199_254_740_993, "x\\y\t\u{1}".to_string(), Some(-3)),
        ];
        for (id, name, n) in &rows {
            vigie_store::db::Sql::new("INSERT INTO packed_t (id, name, n) VALUES ($1, $2, $3)")
                .arg(*id)
                .arg(name.as_str())
                .arg(*n)
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
        let mut got: Vec<(i64, String, Option<i64>)> = vigie_store::db::Sql::new(&format!(
            "SELECT {} FROM packed_t",
            vigie_store::db::packed(s.backend(), "id, name, n")
        ))
        .fetch_packed(&mut *tx)
        .await
        .expect("packed");
        got.sort();
        assert_eq!(got, rows.to_vec(), "{}", db.name);
        tx.rollback().await.expect("rollback");
        db.cleanup().await;
    }
}
