//! The real `scan.structure` job, run by a real `vigie worker`, against services this test starts
//! on loopback: a Redis that answers without authentication, then asks for a password (the fix),
//! and an HTTP server. Loopback is the platform's own host: it is scanned only because the test
//! turns on `[surveillance] allow_loopback`; without it the scan is refused with a clear error.
//! A listener on another loopback address, outside the declared /32, must see no connection.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_store::testing::{self, TestDb};
use vigie_store::{Actor, Store};

const FINESS_SMALL: &[u8] = include_bytes!("../../../vigie-store/tests/data/finess-small.csv");

fn system() -> Actor {
    Actor::system("test")
}

/// A Redis-like service: PING → +PONG and INFO without authentication, or -NOAUTH once
/// `auth` is set. Anything else (a TLS hello, an HTTP request) gets an error line.
async fn fake_redis(l: TcpListener, auth: Arc<AtomicBool>) {
    loop {
        let Ok((mut s, _)) = l.accept().await else {
            return;
        };
        let auth = auth.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            loop {
                let n = match tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await {
                    Ok(Ok(n)) if n > 0 => n,
                    _ => return,
                };
                let req = String::from_utf8_lossy(&buf[..n]).to_uppercase();
                let reply: Vec<u8> = if auth.load(Ordering::SeqCst) && !req.starts_with("QUIT") {
                    b"-NOAUTH Authentication required.\r\n".to_vec()
                } else if req.starts_with("PING") {
                    b"+PONG\r\n".to_vec()
                } else if req.starts_with("INFO") {
                    let body = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n";
                    format!("${}\r\n{body}\r\n", body.len()).into_bytes()
                } else if req.starts_with("QUIT") {
                    let _ = s.write_all(b"+OK\r\n").await;
                    return;
                } else {
                    let _ = s.write_all(b"-ERR unknown command\r\n").await;
                    return;
                };
                if s.write_all(&reply).await.is_err() {
                    return;
                }
            }
        });
    }
}

async fn fake_http(l: TcpListener) {
    loop {
        let Ok((mut s, _)) = l.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            let _ = tokio::time::timeout(Duration::from_secs(5), s.read(&mut buf)).await;
            let body = "<html><head><title>Portail patients</title></head><body>ok</body></html>";
            let _ = s
                .write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Type: text/html\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                )
                .await;
        });
    }
}

/// Counts connections; answers nothing.
async fn counting(l: TcpListener, seen: Arc<AtomicUsize>) {
    while let Ok((_s, _)) = l.accept().await {
        seen.fetch_add(1, Ordering::SeqCst);
    }
}

fn worker(db: &TestDb, ports: &str, allow_loopback: bool) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args(["worker"])
        .env("VIGIE_DATABASE_URL", &db.url)
        .env("VIGIE_LOG", "warn")
        .env("VIGIE_SECURITY_SECRET_KEY", testing::TEST_SECRET_KEY)
        .env_remove("VIGIE_CONFIG")
        .env("VIGIE_WORKER_POLL_MS", "100")
        .env("VIGIE_WORKER_CONCURRENCY", "1")
        .env("VIGIE_SCHEDULER_ENABLED", "false")
        .env("VIGIE_SURVEILLANCE_PORTS", ports)
        .env("VIGIE_SURVEILLANCE_TIMEOUT_MS", "500")
        .env(
            "VIGIE_SURVEILLANCE_ALLOW_LOOPBACK",
            if allow_loopback { "true" } else { "false" },
        )
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_finished(
    store: &Store,
    scan: i64,
    worker: &mut std::process::Child,
) -> vigie_store::surveillance::Scan {
    let t0 = Instant::now();
    loop {
        if let Some(status) = worker.try_wait().unwrap() {
            panic!("the worker exited ({status}) before scan {scan} finished");
        }
        let s = store.get_scan(&system(), scan).await.unwrap();
        if s.status == "done" || s.status == "failed" {
            return s;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(90),
            "scan {scan} still {} after 90 s",
            s.status
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn run_scan(
    db: &TestDb,
    structure: i64,
    ports: &str,
    loopback: bool,
) -> vigie_store::surveillance::Scan {
    let id = db.store.request_scan(&system(), structure).await.unwrap();
    let mut w = worker(db, ports, loopback);
    let s = wait_finished(&db.store, id, &mut w).await;
    w.kill().unwrap();
    w.wait().unwrap();
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scan_job_finds_notifies_and_verifies_the_fix_on_loopback_only() {
    let redis = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redis_port = redis.local_addr().unwrap().port();
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http_port = http.local_addr().unwrap().port();
    // Same ports on 127.0.0.2: outside the declared 127.0.0.1/32, never to be contacted.
    let outside_seen = Arc::new(AtomicUsize::new(0));
    for p in [redis_port, http_port] {
        let l = TcpListener::bind(("127.0.0.2", p)).await.unwrap();
        tokio::spawn(counting(l, outside_seen.clone()));
    }
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let auth = Arc::new(AtomicBool::new(false));
    tokio::spawn(fake_redis(redis, auth.clone()));
    tokio::spawn(fake_http(http));
    let ports = format!("{redis_port},{http_port},{closed}");

    for db in testing::all().await {
        auth.store(false, Ordering::SeqCst);
        let s = &db.store;
        s.import_finess(&system(), FINESS_SMALL).await.unwrap();
        let fleyriat = s
            .find_structure_by_finess(&system(), "010000024")
            .await
            .unwrap()
            .id;
        let cayenne = s
            .find_structure_by_finess(&system(), "970300026")
            .await
            .unwrap()
            .id;
        s.set_contact(
            &system(),
            fleyriat,
            ContactRole::SecurityOfficer,
            "RSSI",
            Some("rssi@ch-fleyriat.fr"),
            None,
        )
        .await
        .unwrap();
        s.add_asset(
            &system(),
            fleyriat,
            AssetKind::IpRange,
            "127.0.0.1/32",
            "test",
        )
        .await
        .unwrap();
        // A demo (documentation) range declared alongside is never scanned.
        s.add_asset(
            &system(),
            fleyriat,
            AssetKind::IpRange,
            "192.0.2.0/24",
            "test",
        )
        .await
        .unwrap();

        // Without the test setting, loopback is the platform's own host: refused, said why.
        let refused = run_scan(&db, fleyriat, &ports, false).await;
        assert_eq!(refused.status, "failed", "{}", db.name);
        let err = refused.error.clone().unwrap();
        assert!(err.contains("nothing to scan"), "{err}");
        assert!(refused.scope.contains("loopback"), "{}", refused.scope);
        assert!(refused.scope.contains("127.0.0.1"));
        assert!(
            !refused.scope.contains("192.0.2"),
            "demo asset in the scope: {}",
            refused.scope
        );

        // A structure that declared nothing: a clear error, never a scan of anything else.
        let empty = run_scan(&db, cayenne, &ports, true).await;
        assert_eq!(empty.status, "failed");
        assert!(
            empty
                .error
                .as_deref()
                .unwrap()
                .starts_with("no scannable asset"),
            "{:?}",
            empty.error
        );

        // Scan 1: Redis open without authentication, an nginx past its support.
        let first = run_scan(&db, fleyriat, &ports, true).await;
        assert_eq!(first.status, "done", "{}: {:?}", db.name, first.error);
        assert_eq!(first.targets_count, 1);
        let obs = s.scan_observations(&system(), first.id).await.unwrap();
        let seen: Vec<(i64, &str)> = obs.iter().map(|o| (o.port, o.service.as_str())).collect();
        assert_eq!(
            seen,
            {
                let mut v = vec![
                    (i64::from(redis_port), "redis"),
                    (i64::from(http_port), "http"),
                ];
                v.sort();
                v
            },
            "{}",
            db.name
        );
        let web = obs.iter().find(|o| o.port == i64::from(http_port)).unwrap();
        assert_eq!(
            (web.product.as_deref(), web.version.as_deref()),
            (Some("nginx"), Some("1.18.0"))
        );
        let findings = s.list_findings(&system(), fleyriat, false).await.unwrap();
        let kinds = |fs: &[vigie_store::surveillance::Finding], status: &str| {
            let mut v: Vec<String> = fs
                .iter()
                .filter(|f| f.status == status)
                .map(|f| format!("{}:{}", f.port, f.kind))
                .collect();
            v.sort();
            v
        };
        let mut expected = vec![
            format!("{redis_port}:redis-no-authentication"),
            format!("{redis_port}:database-exposed"),
            format!("{http_port}:end-of-life-software"),
        ];
        expected.sort();
        assert_eq!(kinds(&findings, "notified"), expected, "{}", db.name);
        assert_eq!(findings[0].severity, "critical");
        assert!(findings[0].evidence.contains("PONG"));
        let notes = s
            .list_notifications(&system(), Some(fleyriat), 100)
            .await
            .unwrap();
        assert_eq!(notes.len(), 3, "one e-mail to the RSSI per finding");
        assert!(notes.iter().all(|n| n.event == "scan.finding.new"
            && n.recipient == "rssi@ch-fleyriat.fr"
            && n.link
                .as_deref()
                .unwrap()
                .starts_with(&format!("/structures/{fleyriat}/exposure"))));

        // The structure fixes Redis (a password): the next scan verifies it.
        auth.store(true, Ordering::SeqCst);
        let second = run_scan(&db, fleyriat, &ports, true).await;
        assert_eq!(second.status, "done");
        let findings = s.list_findings(&system(), fleyriat, false).await.unwrap();
        assert_eq!(
            kinds(&findings, "fixed"),
            vec![format!("{redis_port}:redis-no-authentication")],
            "{}",
            db.name
        );
        let fixed = findings.iter().find(|f| f.status == "fixed").unwrap();
        assert_eq!(fixed.fixed_in_scan_id, Some(second.id));
        assert_eq!(second.fixed_count, 1);
        assert_eq!(kinds(&findings, "notified").len(), 2);
        assert_eq!(
            s.list_notifications(&system(), Some(fleyriat), 100)
                .await
                .unwrap()
                .len(),
            3,
            "nothing new, nobody told again"
        );
        db.cleanup().await;
    }
    assert_eq!(
        outside_seen.load(Ordering::SeqCst),
        0,
        "a listener outside the declared /32 was contacted"
    );
}
