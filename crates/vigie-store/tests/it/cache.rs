//! The per-process caches (sessions, counts, GHT options) never serve stale data after a write made
//! in this process, and serve another process's write within `cache::TTL`. On both backends.
//!
//! One test function on purpose, run in a process of its own: the caches' write generations are
//! process-wide, and a test running beside this one would bump them, which would hide what the
//! "other process" half checks.

use std::time::Instant;

use vigie_domain::role::{Role, Scope};
use vigie_domain::structure::Designation;
use vigie_store::accounts::NewUser;
use vigie_store::cache::TTL;
use vigie_store::registry::{StructureFilter, StructureInput};
use vigie_store::testing::{self, TestDb};
use vigie_store::{Actor, Store};

use crate::{sqlx_pool, system, FINESS_SMALL, GHT_SMALL};

fn auditor() -> Actor {
    Actor {
        user_id: Some(1),
        label: "auditor@test".into(),
        role: Role::Auditor,
        scope: Scope::National,
        ip: None,
    }
}

fn site(finess: &str, name: &str) -> StructureInput {
    StructureInput {
        finess_et: finess.into(),
        name: name.into(),
        long_name: name.into(),
        category_code: "355".into(),
        category_label: "Centre Hospitalier (C.H.)".into(),
        legal_family: "public".into(),
        sector: "sanitaire".into(),
        department_code: "75".into(),
        region_code: "11".into(),
        source: "finess".into(),
        ..Default::default()
    }
}

async fn total(s: &Store, a: &Actor, f: &StructureFilter) -> i64 {
    s.list_structures(a, f).await.unwrap().1
}

/// The names on the HTML list's page (`list_structure_rows`, whose rows are cached).
async fn page_names(s: &Store, a: &Actor, f: &StructureFilter) -> Vec<String> {
    let (rows, _) = s.list_structure_rows(a, f).await.unwrap();
    rows.into_iter().map(|r| r.name).collect()
}

/// Set in the process that runs the checks alone.
const ALONE: &str = "VIGIE_STORE_CACHE_TEST_ALONE";

#[tokio::test]
async fn caches_never_serve_stale_data_after_a_write() {
    // The other tests of this binary write beside this one: the checks run in a process of
    // their own, this binary started again for this one test.
    if std::env::var_os(ALONE).is_none() {
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "cache::caches_never_serve_stale_data_after_a_write",
                "--test-threads=1",
            ])
            .env(ALONE, "1")
            .output()
            .unwrap();
        let log = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{log}");
        assert!(log.contains("1 passed"), "the test did not run: {log}");
        return;
    }
    for db in testing::all().await {
        sessions(&db).await;
        counts_and_options(&db).await;
        db.cleanup().await;
    }
}

async fn sessions(db: &TestDb) {
    let s = &db.store;
    let n = db.name;
    let id = s
        .create_user(
            &system(),
            &NewUser {
                email: "cached@cert.example".into(),
                display_name: "Cached".into(),
                role: Role::CertAnalyst,
                region_code: None,
                ght_id: None,
                structure_ids: vec![],
                password: Some("a long enough password".into()),
                locale: "fr".into(),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    let (tok, _) = s.create_session(id, false, 3600, None, None).await.unwrap();
    let u = s.resolve_session(&tok, 3600, None).await.unwrap().unwrap();
    assert!(!u.mfa_passed, "{n}");
    assert_eq!(u.locale, "fr", "{n}");
    // Second factor passed, language changed: the next request sees it.
    s.session_mfa_passed(&tok).await.unwrap();
    let u = s.resolve_session(&tok, 3600, None).await.unwrap().unwrap();
    assert!(u.mfa_passed, "{n}: stale session after the second factor");
    s.set_locale(id, "en").await.unwrap();
    let u = s.resolve_session(&tok, 3600, None).await.unwrap().unwrap();
    assert_eq!(
        u.locale, "en",
        "{n}: stale account after a change of language"
    );
    // Logout ends the session at once.
    s.delete_session(&tok).await.unwrap();
    assert!(
        s.resolve_session(&tok, 3600, None).await.unwrap().is_none(),
        "{n}: a logged-out session still resolves"
    );
    // A new password ends every session at once.
    let (tok, _) = s.create_session(id, true, 3600, None, None).await.unwrap();
    assert!(s.resolve_session(&tok, 3600, None).await.unwrap().is_some());
    s.set_password(&system(), id, "another long password", false)
        .await
        .unwrap();
    assert!(
        s.resolve_session(&tok, 3600, None).await.unwrap().is_none(),
        "{n}: a session survived a password change"
    );
    // Disabling an account ends its sessions at once.
    let (tok, _) = s.create_session(id, true, 3600, None, None).await.unwrap();
    assert!(s.resolve_session(&tok, 3600, None).await.unwrap().is_some());
    s.set_user_disabled(&system(), id, true).await.unwrap();
    assert!(
        s.resolve_session(&tok, 3600, None).await.unwrap().is_none(),
        "{n}: a disabled account's session still resolves"
    );
    s.set_user_disabled(&system(), id, false).await.unwrap();

    // A second handle on the same database (a clone, or another Store of this process) is told too.
    let (tok, _) = s.create_session(id, true, 3600, None, None).await.unwrap();
    let other = s.clone();
    assert!(other
        .resolve_session(&tok, 3600, None)
        .await
        .unwrap()
        .is_some());
    s.delete_session(&tok).await.unwrap();
    assert!(other
        .resolve_session(&tok, 3600, None)
        .await
        .unwrap()
        .is_none());

    // Another process (here: a raw connection that bypasses the store) revokes a session: this
    // process may serve it for at most TTL, and then no more.
    let (tok, _) = s.create_session(id, true, 3600, None, None).await.unwrap();
    let cached_at = Instant::now();
    assert!(s.resolve_session(&tok, 3600, None).await.unwrap().is_some());
    let raw = sqlx_pool(db).await;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(id)
        .execute(&raw)
        .await
        .unwrap();
    let still = s.resolve_session(&tok, 3600, None).await.unwrap();
    if cached_at.elapsed() < TTL / 2 {
        assert!(
            still.is_some(),
            "{n}: the session cache did not serve (is it on?)"
        );
    }
    tokio::time::sleep(TTL).await;
    assert!(
        s.resolve_session(&tok, 3600, None).await.unwrap().is_none(),
        "{n}: another process's revocation is not seen after TTL"
    );
    raw.close().await;
}

async fn counts_and_options(db: &TestDb) {
    let s = &db.store;
    let n = db.name;
    s.import_finess(&system(), FINESS_SMALL).await.unwrap();
    s.import_ght(&system(), GHT_SMALL).await.unwrap();
    let idf = StructureFilter {
        region_code: Some("11".into()),
        page: 1,
        per_page: 50,
        ..Default::default()
    };
    let before = total(s, &auditor(), &idf).await;
    assert!(before > 0, "{n}");
    let search = StructureFilter {
        text: Some("cache test".into()),
        ..idf.clone()
    };
    // The page is read (and cached) before the structure exists.
    assert!(page_names(s, &auditor(), &search).await.is_empty(), "{n}");
    // An import in this process: the next count includes it, and so does the next page.
    s.upsert_structures(&system(), &[site("750000010", "HOPITAL CACHE TEST")])
        .await
        .unwrap();
    assert_eq!(
        total(s, &auditor(), &idf).await,
        before + 1,
        "{n}: stale count after an import"
    );
    assert_eq!(
        page_names(s, &auditor(), &search).await,
        ["HOPITAL CACHE TEST"],
        "{n}: stale page after an import"
    );
    // A change of name: the page shows the new one at once.
    s.upsert_structures(
        &system(),
        &[site("750000010", "HOPITAL CACHE TEST RENOMME")],
    )
    .await
    .unwrap();
    assert_eq!(
        page_names(s, &auditor(), &search).await,
        ["HOPITAL CACHE TEST RENOMME"],
        "{n}: stale page after a change of name"
    );
    // A designation: the filtered count follows.
    let ose = StructureFilter {
        designation: Some(Designation::EssentialServiceOperator),
        ..idf.clone()
    };
    let ose_before = total(s, &auditor(), &ose).await;
    let sid = s
        .find_structure_by_finess(&system(), "750000010")
        .await
        .unwrap()
        .id;
    s.set_designations(&system(), sid, true, false, false)
        .await
        .unwrap();
    assert_eq!(
        total(s, &auditor(), &ose).await,
        ose_before + 1,
        "{n}: stale count after a designation"
    );
    // A GHT composition: the GHT officer's count and options follow.
    let ght = s.list_ghts(&system(), Some("11")).await.unwrap()[0].id;
    let officer = Actor {
        user_id: Some(2),
        label: "officer@test".into(),
        role: Role::GhtOfficer,
        scope: Scope::Ght(ght),
        ip: None,
    };
    let all = StructureFilter {
        page: 1,
        per_page: 50,
        ..Default::default()
    };
    let in_ght = total(s, &officer, &all).await;
    let csv = format!(
        "ght_code;ght_name;region_code;finess_et;support\n{};GHT AP-HP;11;750000010;0\n",
        s.get_ght(&system(), ght).await.unwrap().code
    );
    s.import_ght(&system(), csv.as_bytes()).await.unwrap();
    assert_eq!(
        total(s, &officer, &all).await,
        in_ght + 1,
        "{n}: stale GHT count after a composition"
    );
    let options = s.ght_options(&auditor()).await.unwrap();
    s.upsert_ght(&system(), "GHT-CACHE", "GHT Cache Test", "11")
        .await
        .unwrap();
    let after = s.ght_options(&auditor()).await.unwrap();
    assert_eq!(after.len(), options.len() + 1, "{n}: stale GHT options");
    assert!(after.iter().any(|(_, name)| name == "GHT Cache Test"));
    // Scopes never share an entry: the officer sees only its GHT.
    let theirs = s.ght_options(&officer).await.unwrap();
    assert_eq!(theirs.len(), 1, "{n}");
    assert_eq!(theirs[0].0, ght);

    // Another process adds a structure: seen within TTL.
    let cached_at = Instant::now();
    let now = total(s, &auditor(), &idf).await;
    let raw = sqlx_pool(db).await;
    sqlx::query(
        "INSERT INTO structures (finess_et, name, department_code, region_code, created_at, updated_at) \
         VALUES ('750000028', 'AUTRE PROCESSUS', '75', '11', 0, 0)",
    )
    .execute(&raw)
    .await
    .unwrap();
    let still = total(s, &auditor(), &idf).await;
    if cached_at.elapsed() < TTL / 2 {
        assert_eq!(still, now, "{n}: the count cache did not serve (is it on?)");
    }
    tokio::time::sleep(TTL).await;
    assert_eq!(
        total(s, &auditor(), &idf).await,
        now + 1,
        "{n}: another process's write is not seen after TTL"
    );
    raw.close().await;
}
