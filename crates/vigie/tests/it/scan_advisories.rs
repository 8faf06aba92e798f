//! `vigie scan --advisories DIR`: what a standalone scan saw, matched against a folder of
//! advisories; the known-exploited CVEs of each identified service come first.

use std::process::Command;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A loopback web server that announces itself as Apache httpd 2.4.49 (the version of
/// CVE-2021-41773, in CISA's catalogue of known exploited vulnerabilities).
async fn old_apache() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf).await;
                let body = "<html><body><h1>It works!</h1></body></html>";
                let _ = s
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nServer: Apache/2.4.49 (Unix)\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scan_lists_the_known_exploited_cves_of_what_it_saw() {
    let kev = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/cisa-kev/known_exploited_vulnerabilities.json");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        &kev,
        dir.path().join("known_exploited_vulnerabilities.json"),
    )
    .expect("../shared/data/cisa-kev (the project's public data set)");
    let port = old_apache().await;
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_vigie"))
            .args(["scan", "127.0.0.1", "-p", &port.to_string(), "-o", "json"])
            .arg("--advisories")
            .arg(dir.path())
            .env_remove("VIGIE_CONFIG")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let report: serde_json::Value = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "advisories")
        .unwrap_or_else(|| panic!("no advisories in the output:\n{text}"));
    let service = &report["service"];
    assert_eq!(service["location"], format!("127.0.0.1:{port}"));
    assert_eq!(service["key"], "apache-httpd");
    let kev: Vec<&str> = service["known_exploited"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["cve"].as_str())
        .collect();
    assert!(kev.contains(&"CVE-2021-41773"), "{service}");
    assert!(kev.contains(&"CVE-2021-42013"), "{service}");
    // A folder that is not there is said before anything is scanned.
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args([
            "scan",
            "127.0.0.1",
            "-p",
            "1",
            "--advisories",
            "/nonexistent/advisories",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("/nonexistent/advisories: no such file or folder"));
}
