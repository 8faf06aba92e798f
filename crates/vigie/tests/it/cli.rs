//! The binary itself: worker processes that die, backups that restore, configuration errors.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vigie_store::testing;
use vigie_store::Store;

fn vigie(url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigie"));
    c.env("VIGIE_DATABASE_URL", url)
        .env("VIGIE_LOG", "warn")
        .env("VIGIE_SECURITY_SECRET_KEY", testing::TEST_SECRET_KEY)
        .env_remove("VIGIE_CONFIG");
    c
}

/// A worker killed in the middle of a job: the job is not lost, another worker finishes it once
/// the dead one's lease has run out.
#[tokio::test]
async fn a_job_survives_its_worker_being_killed() {
    let mut dbs = vec![testing::sqlite().await];
    if let Some(pg) = testing::postgres().await {
        dbs.push(pg);
    }
    for db in dbs {
        let id = db
            .store
            .enqueue(
                "system.sleep",
                &serde_json::json!({ "secs": 4 }),
                None,
                None,
                3,
            )
            .await
            .unwrap();
        let mut first = vigie(&db.url)
            .args(["worker"])
            .env("VIGIE_WORKER_LEASE_SECS", "5")
            .env("VIGIE_WORKER_POLL_MS", "100")
            .env("VIGIE_WORKER_CONCURRENCY", "1")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_for(&db.store, id, "running", Duration::from_secs(30)).await;
        first.kill().unwrap();
        first.wait().unwrap();
        let job = db.store.get_job(id).await.unwrap();
        assert_eq!(
            (job.status.as_str(), job.attempts),
            ("running", 1),
            "{}",
            db.name
        );
        let mut second = vigie(&db.url)
            .args(["worker"])
            .env("VIGIE_WORKER_LEASE_SECS", "5")
            .env("VIGIE_WORKER_POLL_MS", "200")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        wait_for(&db.store, id, "done", Duration::from_secs(40)).await;
        second.kill().unwrap();
        second.wait().unwrap();
        let job = db.store.get_job(id).await.unwrap();
        assert_eq!(
            job.attempts, 2,
            "{}: taken once more, by the second worker",
            db.name
        );
        assert_ne!(job.locked_by, None);
        db.cleanup().await;
    }
}

/// A job whose handler panics: the worker survives, the run is recorded as failed with the
/// panic's message, its lease is no longer renewed, and the queue retries it with its backoff
/// until the last attempt leaves it `failed`.
#[tokio::test]
async fn a_panicking_job_fails_with_its_message_and_is_retried() {
    let mut dbs = vec![testing::sqlite().await];
    if let Some(pg) = testing::postgres().await {
        dbs.push(pg);
    }
    for db in dbs {
        let id = db
            .store
            .enqueue(
                "system.sleep",
                &serde_json::json!({ "secs": 0, "panic": true }),
                None,
                None,
                2,
            )
            .await
            .unwrap();
        let mut worker = vigie(&db.url)
            .args(["worker"])
            .env("VIGIE_WORKER_LEASE_SECS", "5")
            .env("VIGIE_WORKER_POLL_MS", "100")
            .env("VIGIE_WORKER_CONCURRENCY", "1")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        // First run: back in the queue for a retry, with the panic's message.
        let start = Instant::now();
        let job = loop {
            let job = db.store.get_job(id).await.unwrap();
            if job.attempts == 1 && job.status == "queued" {
                break job;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{}: the panicking job is not back in the queue: {job:?}",
                db.name
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        assert_eq!(
            job.last_error.as_deref(),
            Some("the job panicked: asked to panic"),
            "{}",
            db.name
        );
        assert_eq!(
            (job.locked_by.as_deref(), job.lease_until),
            (None, None),
            "{}: the lease is released, not renewed",
            db.name
        );
        // Retried after the backoff (10 s), by the same worker which survived the panic.
        wait_for(&db.store, id, "failed", Duration::from_secs(40)).await;
        assert!(
            worker.try_wait().unwrap().is_none(),
            "{}: the worker died",
            db.name
        );
        worker.kill().unwrap();
        worker.wait().unwrap();
        let job = db.store.get_job(id).await.unwrap();
        assert_eq!(job.attempts, 2, "{}", db.name);
        assert_eq!(
            job.last_error.as_deref(),
            Some("the job panicked: asked to panic")
        );
        // Nothing renews the lease of a job that ended: it stays cleared.
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(db.store.get_job(id).await.unwrap().lease_until, None);
        db.cleanup().await;
    }
}

async fn wait_for(store: &Store, id: i64, status: &str, limit: Duration) {
    let start = Instant::now();
    loop {
        if store.get_job(id).await.unwrap().status == status {
            return;
        }
        assert!(start.elapsed() < limit, "job {id} never reached {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn backup_restores_and_export_moves_to_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let src = format!("sqlite://{}/src.db", dir.path().display());
    let out = vigie(&src).arg("demo").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("612 structures"));
    let backup = dir.path().join("backup.vigie.gz");
    let out = vigie(&src)
        .args(["backup", "--out"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut targets = vec![format!("sqlite://{}/restored.db", dir.path().display())];
    let pg = testing::pg_empty().await;
    if let Some((url, _)) = &pg {
        targets.push(url.clone());
    }
    for url in &targets {
        let out = vigie(url)
            .args(["restore", "--from"])
            .arg(&backup)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Same users, same structures: a demo account signs in on the restored copy.
        let out = vigie(url).args(["admin", "list-users"]).output().unwrap();
        let users = String::from_utf8_lossy(&out.stdout);
        assert!(
            users.contains("rssi.ght1@vigie.example") && users.contains("auditeur@vigie.example"),
            "{url}: {users}"
        );
        let store = Store::connect(&vigie_store::ConnectConfig {
            url: url.clone(),
            max_connections: 2,
        })
        .await
        .unwrap();
        let sys = vigie_store::Actor::system("test");
        let (_, n) = store
            .list_structures(&sys, &Default::default())
            .await
            .unwrap();
        assert_eq!(n, 612, "{url}");
        store.close().await;
        // Restoring twice is refused, and says why.
        let out = vigie(url)
            .args(["restore", "--from"])
            .arg(&backup)
            .output()
            .unwrap();
        assert!(!out.status.success());
        // Worded from the store's problem.
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(
            said.contains("The target database is not empty"),
            "{url}: {said}"
        );
    }
    if let Some((_, name)) = pg {
        testing::drop_pg(&name).await;
    }
}

#[test]
fn configuration_errors_say_where_and_why() {
    let out = vigie("sqlite://x.db")
        .env("VIGIE_HTTP_LISTN", "1")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("listn"), "{err}");
    let out = vigie("mysql://x").arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("database.url"));
}

#[test]
fn import_reports_rejected_lines_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/v.db", dir.path().display());
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vigie-store/tests/data/finess-small.csv"
    );
    let out = vigie(&url)
        .args(["import", "finess", file])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("12 lines read: 8 sites (7 created, 0 updated, 1 unchanged), 2 rejected"),
        "{text}"
    );
    assert!(
        text.contains("line 6:") && text.contains("line 8:"),
        "{text}"
    );
    let out = vigie(&url)
        .args(["import", "finess", "/nonexistent.csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.csv"));
}

#[test]
fn output_into_a_closed_pipe_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/v.db", dir.path().display());
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vigie-store/tests/data/finess-small.csv"
    );
    // The reader closes its end before vigie writes anything.
    let mut child = vigie(&url)
        .args(["import", "finess", file])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

/// Stored secrets need a key: on SQLite one is created beside the database (owner-only), on
/// PostgreSQL the server and the worker refuse to start without one and say how to make it.
#[tokio::test]
async fn the_secret_key_is_created_on_sqlite_and_required_on_postgres() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/data/vigie.db", dir.path().display());
    let out = vigie(&url)
        .env_remove("VIGIE_SECURITY_SECRET_KEY")
        .arg("demo")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let creds = crate::common::demo_credentials(&String::from_utf8_lossy(&out.stdout));
    let key = dir.path().join("data/secret.key");
    let text = std::fs::read_to_string(&key).unwrap();
    assert_eq!(text.trim().len(), 64);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The demo's TOTP seeds are sealed with it.
    let store = vigie_store::Store::connect(&vigie_store::ConnectConfig {
        url: url.clone(),
        max_connections: 1,
    })
    .await
    .unwrap();
    let err = store.login_user("cert@vigie.example").await.unwrap_err();
    assert!(err.to_string().contains("encrypted"), "{err}");
    let store = store.with_secret_key(vigie_store::secrets::SecretKey::parse(&text).unwrap());
    let u = store
        .login_user("cert@vigie.example")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        u.totp_secret.as_deref(),
        creds["cert@vigie.example"].1.as_deref()
    );
    store.close().await;

    if let Some(pg) = testing::postgres().await {
        let out = vigie(&pg.url)
            .env_remove("VIGIE_SECURITY_SECRET_KEY")
            .arg("worker")
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("secret_key is required on PostgreSQL")
                && err.contains("openssl rand -hex 32"),
            "{err}"
        );
        pg.cleanup().await;
    }
}

/// An encrypted backup: unreadable without the identity, restored with it; the wrong identity
/// and a missing one are told apart.
#[tokio::test]
async fn encrypted_backups_restore_only_with_their_identity() {
    use age::secrecy::ExposeSecret;
    let dir = tempfile::tempdir().unwrap();
    let src = format!("sqlite://{}/src.db", dir.path().display());
    let out = vigie(&src).arg("demo").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let id = age::x25519::Identity::generate();
    let other = age::x25519::Identity::generate();
    let id_file = dir.path().join("restore-team.key");
    std::fs::write(&id_file, format!("{}\n", id.to_string().expose_secret())).unwrap();
    let other_file = dir.path().join("other.key");
    std::fs::write(
        &other_file,
        format!("{}\n", other.to_string().expose_secret()),
    )
    .unwrap();
    let recipients = dir.path().join("recipients.txt");
    std::fs::write(&recipients, format!("# restore team\n{}\n", id.to_public())).unwrap();

    let backup = dir.path().join("backup.vigie.age");
    let out = vigie(&src)
        .args(["backup", "--out"])
        .arg(&backup)
        .arg("-R")
        .arg(&recipients)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("encrypted to 1 age recipient"));
    let bytes = std::fs::read(&backup).unwrap();
    assert!(bytes.starts_with(b"age-encryption.org/v1"));
    assert!(
        !bytes.windows(12).any(|w| w == b"vigie.example"),
        "no clear text in the encrypted backup"
    );

    let target = |n: &str| format!("sqlite://{}/{n}.db", dir.path().display());
    let out = vigie(&target("a"))
        .args(["restore", "--from"])
        .arg(&backup)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is encrypted (age)"));
    let out = vigie(&target("b"))
        .args(["restore", "--from"])
        .arg(&backup)
        .arg("--identity")
        .arg(&other_file)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot decrypt"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = vigie(&target("c"))
        .args(["restore", "--from"])
        .arg(&backup)
        .arg("--identity")
        .arg(&id_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("structures: 612"));

    let bad = vigie(&src)
        .args(["backup", "--out"])
        .arg(dir.path().join("x"))
        .args(["-r", "age1notarecipient"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--recipient #1"));
}

/// Issue 13, item 13: `vigie audit verify` says the chain is whole (exit 0), and after a row of
/// the log is changed behind the application's back it names the row and exits non-zero.
#[test]
fn audit_verify_finds_a_changed_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v.db");
    let url = format!("sqlite://{}", db.display());
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vigie-store/tests/data/finess-small.csv"
    );
    let out = vigie(&url)
        .args(["import", "finess", file])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = vigie(&url).args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("audit chain intact"), "{text}");
    // Behind the application's back: the triggers dropped, a row rewritten.
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
             c.executescript('DROP TRIGGER audit_log_no_update; \
             UPDATE audit_log SET actor = \"mallory\" WHERE id = (SELECT MAX(id) FROM audit_log);'); \
             c.commit()",
        )
        .arg(&db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = vigie(&url).args(["audit", "verify"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !out.status.success(),
        "a changed row went unnoticed: {text}"
    );
    assert!(text.contains("BROKEN at row"), "{text}");
}
