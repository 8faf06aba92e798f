//! Vulnerability watch end to end, with the real binary: `vigie up` on SQLite with a real SMTP
//! server on loopback (python `aiosmtpd`) and a webhook receiver; the demo region; an inventory
//! item declared through the API by a structure's administrator; a KEV file holding a real entry
//! (CVE-2024-55591, FortiOS) ingested by the `watch.ingest` job. The e-mail arrives, the signed
//! webhook arrives, the alert is on the structure's page for its user and not on another
//! structure's page.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::{free_port, page, sign_in, Kill};
use hmac::{Hmac, Mac};
use reqwest::{Client, StatusCode};
use sha2::Sha256;
use tokio::io::AsyncWriteExt;
use vigie_store::notify::WebhookScope;
use vigie_store::{Actor, ConnectConfig, Store};

/// An aiosmtpd handler that writes each message as JSON (envelope, decoded subject, text).
const SMTP_HANDLER: &str = r#"
import email, json, os, uuid
from email import policy

class Saver:
    def __init__(self, folder):
        self.folder = folder

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        body = msg.get_body(preferencelist=("plain",))
        doc = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(msg["subject"]),
            "text": body.get_content() if body is not None else "",
        }
        name = os.path.join(self.folder, uuid.uuid4().hex)
        with open(name + ".tmp", "w") as f:
            json.dump(doc, f)
        os.rename(name + ".tmp", name + ".json")
        return "250 OK"
"#;

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn vigie(url: &str, env: &[(&str, String)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigie"));
    c.env("VIGIE_DATABASE_URL", url)
        .env("VIGIE_LOG", "warn")
        // The webhook receiver listens on loopback: the test-only escape hatch of the address
        // policy (crates/vigie/tests/notify.rs shows it refused without).
        .env("VIGIE_NOTIFY_ALLOW_PRIVATE_WEBHOOKS", "true")
        .env_remove("VIGIE_CONFIG");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn run(url: &str, args: &[&str]) -> String {
    let out = vigie(url, &[]).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "vigie {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[derive(Clone, Debug)]
struct Hook {
    headers: Vec<(String, String)>,
    body: String,
}

/// A minimal HTTP/1.1 receiver on loopback: stores each request, answers 204.
async fn webhook_receiver() -> (u16, Arc<Mutex<Vec<Hook>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let store = store.clone();
            tokio::spawn(async move {
                let Some((headers, body)) = crate::common::read_http_request(&mut sock).await
                else {
                    return;
                };
                store.lock().unwrap().push(Hook { headers, body });
                let _ = sock
                    .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (port, got)
}

fn header<'a>(h: &'a Hook, name: &str) -> &'a str {
    h.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// The alert mail this test waits for: to the structure's administrator, about the KEV entry.
fn is_kev_mail(m: &serde_json::Value) -> bool {
    m["to"].to_string().contains("admin.ch@vigie.example")
        && m["subject"]
            .as_str()
            .is_some_and(|s| s.contains("CVE-2024-55591"))
}

#[tokio::test]
async fn a_kev_entry_reaches_the_structure_that_runs_the_product_by_mail_webhook_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/vigie.db", dir.path().display());

    // SMTP server on loopback.
    let mail = dir.path().join("mail");
    std::fs::create_dir_all(&mail).unwrap();
    std::fs::write(dir.path().join("vigie_smtp_saver.py"), SMTP_HANDLER).unwrap();
    let smtp_port = free_port();
    let _smtp = Kill(
        Command::new("python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{smtp_port}"),
                "-c",
                "vigie_smtp_saver.Saver",
                mail.to_str().unwrap(),
            ])
            .env("PYTHONPATH", dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd; scripts/install-test-deps.sh)"),
    );
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", smtp_port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "aiosmtpd did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let (hook_port, hooks) = webhook_receiver().await;

    // The demo region, a token for the administrator of its support hospital.
    let creds = crate::common::demo_credentials(&run(&url, &["demo"]));
    let store = Store::connect(&ConnectConfig {
        url: url.clone(),
        max_connections: 2,
    })
    .await
    .unwrap();
    let sys = Actor::system("e2e");
    let chadmin = store
        .find_user_by_email(&sys, "admin.ch@vigie.example")
        .await
        .unwrap();
    let mine = store.user_structure_ids(chadmin.id).await.unwrap()[0];
    let ght1 = store
        .find_user_by_email(&sys, "rssi.ght1@vigie.example")
        .await
        .unwrap();
    let ght_actor = store.actor_for_user(ght1.id, None).await.unwrap();
    let (ght_structures, _) = store
        .list_structures(
            &ght_actor,
            &vigie_store::registry::StructureFilter {
                page: 1,
                per_page: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        ght_structures.iter().any(|s| s.id == mine),
        "the support hospital belongs to GHT 1"
    );
    let other = ght_structures.iter().find(|s| s.id != mine).unwrap().id;
    let (_, secret) = store
        .clone()
        .with_private_webhooks(true)
        .create_webhook(
            &sys,
            "SOC",
            &format!("http://127.0.0.1:{hook_port}/vigie"),
            WebhookScope::Structure(mine),
            "watch.",
        )
        .await
        .unwrap();
    let token = run(
        &url,
        &[
            "admin",
            "token",
            "--email",
            "admin.ch@vigie.example",
            "--name",
            "e2e",
        ],
    );
    let token = token.trim().to_string();
    assert!(!token.is_empty() && !token.contains(' '), "{token:?}");

    // The platform.
    let http_port = free_port();
    let base = format!("http://127.0.0.1:{http_port}");
    let _up = Kill(
        vigie(
            &url,
            &[
                (
                    "VIGIE_NOTIFY_SMTP_URL",
                    format!("smtp://127.0.0.1:{smtp_port}"),
                ),
                ("VIGIE_HTTP_PUBLIC_URL", base.clone()),
                ("VIGIE_WORKER_POLL_MS", "100".into()),
            ],
        )
        .args(["up", "--listen", &format!("127.0.0.1:{http_port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap(),
    );
    let c = Client::new();
    let start = Instant::now();
    while c.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "vigie up never answered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The structure declares FortiOS 7.0.12 (affected by CVE-2024-55591: 7.0.0 to 7.0.16).
    let res = c
        .post(format!("{base}/api/v1/structures/{mine}/inventory"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "product": "fortios", "version": "7.0.12", "location": "pare-feu", "exposed": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    // Not in its scope: another structure's inventory.
    let res = c
        .post(format!("{base}/api/v1/structures/{other}/inventory"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "product": "fortios", "version": "7.0.12" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // A KEV file holding the real entry, ingested by the worker through a queued job.
    let kev: serde_json::Value = serde_json::from_slice(
        &std::fs::read(data().join("cisa-kev/known_exploited_vulnerabilities.json")).unwrap(),
    )
    .unwrap();
    let mut one = kev.clone();
    one["vulnerabilities"] = serde_json::Value::Array(
        kev["vulnerabilities"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["cveID"] == "CVE-2024-55591")
            .cloned()
            .collect(),
    );
    one["count"] = 1.into();
    let kev_file = dir.path().join("kev.json");
    std::fs::write(&kev_file, one.to_string()).unwrap();
    let out = run(
        &url,
        &["watch", "ingest", "--queue", kev_file.to_str().unwrap()],
    );
    assert!(out.contains("queued"), "{out}");

    // The e-mail arrives at the SMTP server.
    let start = Instant::now();
    let mails: Vec<serde_json::Value> = loop {
        let found: Vec<serde_json::Value> = std::fs::read_dir(&mail)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
            .collect();
        // The demo's own exposure findings are mailed too: wait for this alert's mail.
        if found.iter().any(is_kev_mail) {
            break found;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no e-mail to admin.ch@vigie.example; got {found:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let m = mails.iter().find(|m| is_kev_mail(m)).unwrap();
    let subject = m["subject"].as_str().unwrap();
    assert!(subject.contains("CVE-2024-55591"), "{subject}");
    assert!(subject.contains("activement exploitée"), "{subject}");
    assert!(subject.contains("7.0.12"), "{subject}");
    let text = m["text"].as_str().unwrap();
    assert!(text.contains("/watch/alerts/"), "{text}");
    // The body (rendered when the notification is delivered) tells the alert itself.
    for part in [
        "Vigie a relevé une alerte pour",
        "Vulnérabilité activement exploitée CVE-2024-55591",
        "Version : 7.0.12",
        "Pourquoi :",
    ] {
        assert!(text.contains(part), "{part:?} not in {text}");
    }
    // Nobody outside the structure's circle was told: every recipient is its RSSI contact, one
    // of its administrators or an officer of its GHT. (The demo runs FortiOS 7.0.12 in other
    // structures too, whose own circles get their own alert; and mails its demo findings.)
    let mine_name = &ght_structures.iter().find(|s| s.id == mine).unwrap().name;
    let about_alert = |m: &&serde_json::Value| {
        m["subject"]
            .as_str()
            .is_some_and(|s| s.contains("CVE-2024-55591") && s.ends_with(&format!("— {mine_name}")))
    };
    for m in mails.iter().filter(about_alert) {
        for to in m["to"].as_array().unwrap() {
            let to = to.as_str().unwrap();
            assert!(
                to == "admin.ch@vigie.example"
                    || to == "rssi.ght1@vigie.example"
                    || to.ends_with(".example"),
                "{to}"
            );
            assert_ne!(to, "rssi.ght2@vigie.example", "another GHT's officer");
            assert_ne!(to, "membre.ch@vigie.example", "members are not notified");
        }
    }

    // The signed webhook arrives.
    let start = Instant::now();
    let hook = loop {
        if let Some(h) = hooks.lock().unwrap().first().cloned() {
            break h;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no webhook");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(header(&hook, "x-vigie-event"), "watch.alert.new");
    let ts = header(&hook, "x-vigie-timestamp");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{}", hook.body).as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(
        header(&hook, "x-vigie-signature"),
        expected,
        "HMAC of <timestamp>.<body>"
    );
    let doc: serde_json::Value = serde_json::from_str(&hook.body).unwrap();
    assert_eq!(doc["ref"], "CVE-2024-55591");
    assert_eq!(doc["structure_id"], mine);
    assert_eq!(doc["kev"], true);
    let age = chrono_now() - ts.parse::<i64>().unwrap();
    assert!((0..300).contains(&age), "fresh timestamp");

    // The alert is on the structure's page for its user...
    let ch = sign_in(
        &base,
        "admin.ch@vigie.example",
        &creds["admin.ch@vigie.example"].0,
    )
    .await;
    let (st, html) = page(&ch, &format!("{base}/structures/{mine}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        html.contains("CVE-2024-55591"),
        "alert on its structure's page"
    );
    let (st, _) = page(&ch, &format!("{base}/structures/{other}")).await;
    assert_eq!(
        st,
        StatusCode::NOT_FOUND,
        "another structure does not exist for it"
    );
    // ... and not on another structure's page, for someone who sees both.
    let g = sign_in(
        &base,
        "rssi.ght1@vigie.example",
        &creds["rssi.ght1@vigie.example"].0,
    )
    .await;
    let (st, html) = page(&g, &format!("{base}/structures/{other}")).await;
    assert_eq!(st, StatusCode::OK);
    assert!(
        !html.contains("CVE-2024-55591"),
        "no alert on another structure"
    );
    let (_, html) = page(&g, &format!("{base}/watch/alerts")).await;
    assert!(
        html.contains("CVE-2024-55591"),
        "the GHT's list of alerts shows it"
    );

    // Triage by the structure, then the same KEV again: nothing new is sent.
    let (_, alerts) = page(&ch, &format!("{base}/watch/alerts")).await;
    assert!(alerts.contains("CVE-2024-55591"));
    // The demo's own mails are delivered first: wait until no mail has arrived for 3 seconds.
    let start = Instant::now();
    let (mut last, mut still) = (0, Instant::now());
    loop {
        let n = std::fs::read_dir(&mail).unwrap().count();
        if n != last {
            (last, still) = (n, Instant::now());
        } else if still.elapsed() > Duration::from_secs(3) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "mails still arriving"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let before = std::fs::read_dir(&mail).unwrap().count();
    let out = run(&url, &["watch", "ingest", kev_file.to_str().unwrap()]);
    assert!(out.contains("0 new, 0 changed, 1 unchanged"), "{out}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(std::fs::read_dir(&mail).unwrap().count(), before);
    let sources = run(&url, &["watch", "sources"]);
    assert!(
        sources.contains("kev") && sources.contains("STALE"),
        "{sources}"
    );
    store.close().await;
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}
