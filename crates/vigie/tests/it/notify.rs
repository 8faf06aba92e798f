//! Delivery of notifications by a real `vigie worker` process: e-mail to a real SMTP server
//! (aiosmtpd from PyPI, on a loopback port, writing what it receives to a Maildir) and webhooks
//! to receivers on loopback that check the documented HMAC signature.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;
use vigie_domain::events::{AlertEvent, FindingEvent};
use vigie_domain::structure::ContactRole;
use vigie_store::notify::{Audience, NewNotification, WebhookScope};
use vigie_store::{testing, Actor};

const FINESS_SMALL: &[u8] = include_bytes!("../../../vigie-store/tests/data/finess-small.csv");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Smtp {
    child: Child,
    maildir: tempfile::TempDir,
    port: u16,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts aiosmtpd on a free loopback port with its Mailbox handler.
fn start_smtp() -> Smtp {
    let maildir = tempfile::tempdir().unwrap();
    let port = free_port();
    let child = Command::new("python3")
        .args(["-m", "aiosmtpd", "-n", "-l"])
        .arg(format!("127.0.0.1:{port}"))
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(maildir.path().join("mail"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 -m aiosmtpd (scripts/install-test-deps.sh installs it)");
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "aiosmtpd did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Smtp {
        child,
        maildir,
        port,
    }
}

fn mails(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(rd) = std::fs::read_dir(dir.join("mail").join(sub)) {
            for e in rd.flatten() {
                out.push(std::fs::read_to_string(e.path()).unwrap());
            }
        }
    }
    out
}

/// What a webhook receiver saw: headers (lower-case names) and body.
#[derive(Debug)]
struct Hit {
    headers: Vec<(String, String)>,
    body: String,
}

impl Hit {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// A minimal HTTP/1.1 receiver on loopback answering every request with `status`.
async fn receiver(status: u16) -> (u16, mpsc::UnboundedReceiver<Hit>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let Some((headers, body)) = crate::common::read_http_request(&mut sock).await
                else {
                    return;
                };
                let _ = tx.send(Hit { headers, body });
                let resp = format!(
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
                let _ = sock.write_all(resp.as_bytes()).await;
            });
        }
    });
    (port, rx)
}

fn worker(url: &str, smtp_port: u16) -> Child {
    worker_with(url, smtp_port, true)
}

/// A worker; `allow_private_webhooks` is the test-only escape hatch that lets webhooks reach
/// the receivers of these tests, on loopback.
fn worker_with(url: &str, smtp_port: u16, allow_private_webhooks: bool) -> Child {
    Command::new(env!("CARGO_BIN_EXE_vigie"))
        .arg("worker")
        .env(
            "VIGIE_NOTIFY_ALLOW_PRIVATE_WEBHOOKS",
            allow_private_webhooks.to_string(),
        )
        .env("VIGIE_DATABASE_URL", url)
        .env("VIGIE_LOG", "warn")
        .env("VIGIE_SECURITY_SECRET_KEY", testing::TEST_SECRET_KEY)
        .env_remove("VIGIE_CONFIG")
        .env("VIGIE_WORKER_POLL_MS", "100")
        .env("VIGIE_HTTP_PUBLIC_URL", "https://vigie.test")
        .env(
            "VIGIE_NOTIFY_SMTP_URL",
            format!("smtp://127.0.0.1:{smtp_port}"),
        )
        .env("VIGIE_NOTIFY_FROM", "Vigie <vigie@vigie.test>")
        .env("VIGIE_NOTIFY_TIMEOUT_SECS", "5")
        .stdout(Stdio::null())
        .spawn()
        .unwrap()
}

#[tokio::test]
async fn a_worker_delivers_e_mails_and_signed_webhooks_once() {
    let smtp = start_smtp();
    let (ok_port, mut ok_hits) = receiver(200).await;
    let (gone_port, mut gone_hits) = receiver(410).await;
    let mut dbs = vec![testing::sqlite().await];
    if let Some(pg) = testing::postgres().await {
        dbs.push(pg);
    }
    for db in dbs {
        let store = db.store.clone().with_private_webhooks(true);
        let s = &store;
        let sys = Actor::system("test");
        s.import_finess(&sys, FINESS_SMALL).await.unwrap();
        let ch = s
            .find_structure_by_finess(&sys, "010000024")
            .await
            .unwrap()
            .id;
        let mailbox = format!("rssi-{}@fleyriat.test", db.name);
        s.set_contact(
            &sys,
            ch,
            ContactRole::SecurityOfficer,
            "RSSI",
            Some(&mailbox),
            None,
        )
        .await
        .unwrap();
        let (ok_hook, secret) = s
            .create_webhook(
                &sys,
                "SOC",
                &format!("http://127.0.0.1:{ok_port}/vigie"),
                WebhookScope::Structure(ch),
                "watch",
            )
            .await
            .unwrap();
        s.create_webhook(
            &sys,
            "gone",
            &format!("http://127.0.0.1:{gone_port}/old"),
            WebhookScope::National,
            "*",
        )
        .await
        .unwrap();
        // The structure's administrator turned vulnerability alerts off by e-mail ("Mon
        // compte"): the worker does not send them its copy.
        let quiet = format!("admin-{}@fleyriat.test", db.name);
        let admin = s
            .create_user(
                &sys,
                &vigie_store::accounts::NewUser {
                    email: quiet.clone(),
                    display_name: "Admin".into(),
                    role: vigie_domain::role::Role::StructureAdmin,
                    region_code: None,
                    ght_id: None,
                    structure_ids: vec![ch],
                    password: None,
                    locale: "fr".into(),
                    must_change_password: false,
                },
            )
            .await
            .unwrap();
        let admin = s.actor_for_user(admin, None).await.unwrap();
        s.set_email_prefs(&admin, &["scan.finding".to_string()])
            .await
            .unwrap();
        let alert = AlertEvent {
            alert_id: 1,
            structure_id: ch,
            kind: "vuln".into(),
            ref_id: "CVE-2024-21762".into(),
            product: "fortios".into(),
            version: "7.0.12".into(),
            kev: true,
            ..Default::default()
        };
        let n = NewNotification::new(
            Audience::Structure(ch),
            &alert,
            Some(format!("/structures/{ch}")),
            format!("watch.alert:{}", db.name),
        )
        .unwrap();
        let ids = s.queue_notification(&n).await.unwrap();
        assert_eq!(ids.len(), 4, "{}: two e-mails, two webhooks", db.name);

        let mut w = worker(&db.url, smtp.port);
        let start = Instant::now();
        let rows = loop {
            let rows: Vec<_> = s.list_notifications(&sys, Some(ch), 10).await.unwrap();
            if rows
                .iter()
                .all(|n| matches!(n.status.as_str(), "sent" | "failed" | "skipped"))
            {
                break rows;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{}: deliveries still pending: {rows:?}",
                db.name
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        w.kill().unwrap();
        w.wait().unwrap();

        // The e-mail reached the SMTP server, to the RSSI, with the page's absolute link.
        let email = rows.iter().find(|n| n.recipient == mailbox).unwrap();
        assert_eq!(
            (email.status.as_str(), email.recipient.as_str()),
            ("sent", mailbox.as_str())
        );
        let got = mails(smtp.maildir.path());
        let mail = got
            .iter()
            .find(|m| m.contains(&format!("To: {mailbox}")))
            .unwrap_or_else(|| panic!("{}: no mail to {mailbox} in {got:?}", db.name));
        // Its subject and bodies are the presentation layer's (vigie-report), in the row's
        // language: an HTML alternative among them.
        assert!(mail.contains(&format!("To: {mailbox}")), "{mail}");
        assert!(mail.contains("From: Vigie <vigie@vigie.test>"), "{mail}");
        assert!(mail.contains("text/html"), "{mail}");
        assert!(mail.contains("https://vigie.test/watch/alerts/"), "{mail}");
        // Nothing to the administrator who turned alerts off; the row says so, and the
        // administrator's own list has the alert.
        let skipped = rows.iter().find(|n| n.recipient == quiet).unwrap();
        assert_eq!(skipped.status, "skipped", "{}", db.name);
        assert!(!got.iter().any(|m| m.contains(&format!("To: {quiet}"))));
        assert_eq!(s.unread_count(&admin).await.unwrap(), 1);

        // The webhook got the event, signed with its secret.
        let hit = ok_hits.recv().await.unwrap();
        assert_eq!(hit.header("x-vigie-event"), "watch.alert.new");
        let ts = hit.header("x-vigie-timestamp");
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(format!("{ts}.{}", hit.body).as_bytes());
        assert_eq!(
            hit.header("x-vigie-signature"),
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        );
        let doc: serde_json::Value = serde_json::from_str(&hit.body).unwrap();
        assert_eq!(doc["ref"], "CVE-2024-21762");
        assert_eq!(doc["event"], "watch.alert.new");
        assert_eq!(doc["structure_id"], ch);
        let ok_row = rows
            .iter()
            .find(|n| n.webhook_id == Some(ok_hook.id))
            .unwrap();
        assert_eq!(ok_row.status, "sent");
        assert_eq!(hit.header("x-vigie-delivery"), ok_row.id.to_string());

        // A receiver that answers 410 Gone is not retried: the row says why.
        gone_hits.recv().await.unwrap();
        let gone = rows
            .iter()
            .find(|n| n.channel == "webhook" && n.webhook_id != Some(ok_hook.id))
            .unwrap();
        assert_eq!(gone.status, "failed");
        assert_eq!(gone.attempts, 1);
        assert!(gone.last_error.as_deref().unwrap_or("").contains("410"));

        // Queued again, the same event reaches nobody a second time.
        let again = s.queue_notification(&n).await.unwrap();
        assert!(again.is_empty());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_unreachable_smtp_server_is_retried_and_says_why() {
    let db = testing::sqlite().await;
    let s = &db.store;
    let sys = Actor::system("test");
    s.import_finess(&sys, FINESS_SMALL).await.unwrap();
    let ch = s
        .find_structure_by_finess(&sys, "010000024")
        .await
        .unwrap()
        .id;
    s.set_contact(
        &sys,
        ch,
        ContactRole::SecurityOfficer,
        "RSSI",
        Some("rssi@fleyriat.test"),
        None,
    )
    .await
    .unwrap();
    let ids = s
        .queue_notification(
            &NewNotification::new(
                Audience::Structure(ch),
                &FindingEvent::default(),
                None,
                "k".into(),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    // Nothing listens on this port.
    let mut w = worker(&db.url, free_port());
    let start = Instant::now();
    let row = loop {
        let (row, _) = s.notification_for_delivery(ids[0]).await.unwrap().unwrap();
        if row.attempts > 0 {
            break row;
        }
        assert!(start.elapsed() < Duration::from_secs(60), "never attempted");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    w.kill().unwrap();
    w.wait().unwrap();
    assert_eq!(row.status, "retrying");
    assert!(
        row.last_error.as_deref().unwrap_or("").contains("SMTP"),
        "{row:?}"
    );
    let jobs = s.list_jobs(Some("queued"), 10).await.unwrap();
    assert!(
        jobs.iter()
            .any(|j| j.kind == "notify.deliver" && j.attempts == 1 && j.last_error.is_some()),
        "the delivery is queued again with its error: {jobs:?}"
    );
    db.cleanup().await;
}

/// A mail as its reader sees it, decoded by Python's standard `email` package (a real MIME
/// parser): recipient, subject, plain-text body.
fn read_mail(raw: &str) -> (String, String, String) {
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import email, email.policy, json, sys\n\
             m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)\n\
             print(json.dumps([str(m['to']), str(m['subject']), m.get_body(('plain',)).get_content()]))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(raw.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python could not read the mail");
    let v: (String, String, String) = serde_json::from_slice(&out.stdout).unwrap();
    v
}

/// Fleyriat, imported from the small extract: its id.
async fn fleyriat(s: &vigie_store::Store) -> i64 {
    let sys = Actor::system("test");
    s.import_finess(&sys, FINESS_SMALL).await.unwrap();
    s.find_structure_by_finess(&sys, "010000024")
        .await
        .unwrap()
        .id
}

/// A structure administrator of `ch` whose account speaks `locale`: its id.
async fn admin_of(s: &vigie_store::Store, ch: i64, email: &str, locale: &str) -> i64 {
    s.create_user(
        &Actor::system("test"),
        &vigie_store::accounts::NewUser {
            email: email.to_string(),
            display_name: "Admin".into(),
            role: vigie_domain::role::Role::StructureAdmin,
            region_code: None,
            ght_id: None,
            structure_ids: vec![ch],
            password: Some("a long enough passphrase 42".into()),
            locale: locale.into(),
            must_change_password: false,
        },
    )
    .await
    .unwrap()
}

/// Every e-mail goes out in its recipient's language: the same alert reaches a structure
/// administrator whose account speaks English in English and one whose account speaks French in
/// French, read at the SMTP server.
#[tokio::test]
async fn each_recipient_reads_the_alert_in_the_language_of_their_account() {
    let smtp = start_smtp();
    let mut dbs = vec![testing::sqlite().await];
    if let Some(pg) = testing::postgres().await {
        dbs.push(pg);
    }
    for db in dbs {
        let s = &db.store;
        let english = format!("it-{}@fleyriat.test", db.name);
        let french = format!("dsi-{}@fleyriat.test", db.name);
        let ch = fleyriat(s).await;
        admin_of(s, ch, &english, "en").await;
        admin_of(s, ch, &french, "fr").await;
        let alert = AlertEvent {
            alert_id: 7,
            structure_id: ch,
            kind: "vuln".into(),
            ref_id: "CVE-2024-21762".into(),
            product: "fortios".into(),
            version: "7.0.12".into(),
            kev: true,
            ..Default::default()
        };
        let n = NewNotification::new(
            Audience::Structure(ch),
            &alert,
            Some(format!("/structures/{ch}")),
            format!("watch.alert.lang:{}", db.name),
        )
        .unwrap();
        let ids = s.queue_notification(&n).await.unwrap();
        assert_eq!(ids.len(), 2, "{}: one e-mail per administrator", db.name);
        let mut w = worker(&db.url, smtp.port);
        let start = Instant::now();
        let got = loop {
            let got: Vec<_> = mails(smtp.maildir.path())
                .iter()
                .map(|m| read_mail(m))
                .filter(|(to, _, _)| to == &english || to == &french)
                .collect();
            if got.len() == 2 {
                break got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{}: mails still missing: {got:?}",
                db.name
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        w.kill().unwrap();
        w.wait().unwrap();
        let (_, subject_en, body_en) = got.iter().find(|(to, _, _)| to == &english).unwrap();
        let (_, subject_fr, body_fr) = got.iter().find(|(to, _, _)| to == &french).unwrap();
        assert!(
            subject_en.starts_with("[Vigie] Actively exploited vulnerability CVE-2024-21762"),
            "{subject_en}"
        );
        assert!(body_en.starts_with("Hello,"), "{body_en}");
        assert!(!body_en.contains("Bonjour"), "{body_en}");
        assert!(subject_fr.contains("CVE-2024-21762"), "{subject_fr}");
        assert!(
            !subject_fr.contains("Actively exploited"),
            "the French administrator got English: {subject_fr}"
        );
        assert!(body_fr.starts_with("Bonjour"), "{body_fr}");
        db.cleanup().await;
    }
}

/// Issue 13, item 2, at delivery: webhooks whose address passed once (created through the
/// escape hatch here; in life, a name that resolved to a public address and was rebound, or a
/// row of an earlier version) are refused by a worker without the hatch, for every loopback
/// form, literal or resolved: the receiver on loopback gets NOTHING, and the rows say why
/// without the address. The same delivery with the hatch on reaches it.
#[tokio::test]
async fn webhooks_to_loopback_are_refused_at_delivery() {
    let (port, mut hits) = receiver(200).await;
    let db = testing::sqlite().await;
    let open = db.store.clone().with_private_webhooks(true);
    let sys = Actor::system("test");
    open.import_finess(&sys, FINESS_SMALL).await.unwrap();
    let ch = open
        .find_structure_by_finess(&sys, "010000024")
        .await
        .unwrap()
        .id;
    let urls = [
        format!("http://127.0.0.1:{port}/literal"),
        format!("http://127.1:{port}/short"),
        format!("http://0x7f000001:{port}/hex"),
        format!("http://[::1]:{port}/v6"),
        format!("http://[::ffff:127.0.0.1]:{port}/mapped"),
        format!("http://[::ffff:7f00:1]:{port}/mapped-hex"),
        format!("http://0.0.0.0:{port}/unspecified"),
        // a name the system resolver turns into loopback, checked after resolution
        format!("http://localhost:{port}/name"),
        format!("http://LOCALHOST.:{port}/name-dot"),
        format!("http://app.localhost:{port}/sub"),
    ];
    for (i, u) in urls.iter().enumerate() {
        open.create_webhook(&sys, &format!("h{i}"), u, WebhookScope::Structure(ch), "*")
            .await
            .unwrap();
    }
    let n = NewNotification::new(
        Audience::Structure(ch),
        &FindingEvent::default(),
        None,
        "refused".into(),
    )
    .unwrap();
    let ids = open.queue_notification(&n).await.unwrap();
    assert_eq!(ids.len(), urls.len());

    let mut w = worker_with(&db.url, free_port(), false);
    let start = Instant::now();
    let rows = loop {
        let rows = open.list_notifications(&sys, Some(ch), 100).await.unwrap();
        if rows.iter().all(|n| n.status == "failed") {
            break rows;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "deliveries not all refused: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    w.kill().unwrap();
    w.wait().unwrap();
    for r in &rows {
        let e = r.last_error.as_deref().unwrap_or("");
        assert!(e.starts_with("webhook refused"), "{r:?}");
        assert!(!e.contains(&port.to_string()) && !e.contains("://"), "{e}");
        assert_eq!(r.attempts, 1, "refused once, not retried: {r:?}");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        hits.try_recv().is_err(),
        "the loopback receiver got a request"
    );

    // The same delivery, with the escape hatch: it arrives.
    let again = NewNotification::new(
        Audience::Structure(ch),
        &FindingEvent::default(),
        None,
        "allowed".into(),
    )
    .unwrap();
    open.queue_notification(&again).await.unwrap();
    let mut w = worker_with(&db.url, free_port(), true);
    let hit = tokio::time::timeout(Duration::from_secs(60), hits.recv())
        .await
        .expect("with the escape hatch the receiver is reached")
        .unwrap();
    assert!(
        hit.header("x-vigie-event").starts_with("scan.finding"),
        "{hit:?}"
    );
    w.kill().unwrap();
    w.wait().unwrap();
    db.cleanup().await;
}

/// Issue 14: the reminder of a regulatory deadline, run as the scheduler queues it (the typed
/// `incidents.reminders` job) by a real worker, reaches the structure's administrator at the
/// SMTP server in the language of their account, names the notification owed and its deadline,
/// and is not sent again when the job runs again.
#[tokio::test]
async fn incident_deadline_reminders_reach_the_structure_once_in_its_language() {
    let smtp = start_smtp();
    let mut dbs = vec![testing::sqlite().await];
    if let Some(pg) = testing::postgres().await {
        dbs.push(pg);
    }
    for db in dbs {
        let s = &db.store;
        let english = format!("dpo-{}@fleyriat.test", db.name);
        let ch = fleyriat(s).await;
        let uid = admin_of(s, ch, &english, "en").await;
        let admin = s.actor_for_user(uid, None).await.unwrap();
        // Personal data breached, detected 60 hours ago: the CNIL's 72 hours end in 12.
        let detected = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64
            - 60 * 3600;
        let d = vigie_store::incidents::Declaration {
            title: "Patient records exposed".into(),
            detected_at: chrono::DateTime::from_timestamp(detected, 0)
                .unwrap()
                .to_rfc3339(),
            personal_data: true,
            data_confidentiality: true,
            ..Default::default()
        };
        let id = s.create_incident(&admin, ch, &d).await.unwrap();
        s.submit_incident(&admin, id).await.unwrap();
        let reference = s.get_incident_case(&admin, id).await.unwrap().reference;

        let job = vigie_store::incidents::jobs::Reminders::default();
        let first = s.enqueue_job(&job, None).await.unwrap();
        let mut w = worker(&db.url, smtp.port);
        let start = Instant::now();
        let got = loop {
            let got: Vec<_> = mails(smtp.maildir.path())
                .iter()
                .map(|m| read_mail(m))
                .filter(|(to, _, _)| to == &english)
                .collect();
            if !got.is_empty() {
                break got;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{}: no reminder reached {english}",
                db.name
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let (_, subject, body) = &got[0];
        assert!(
            subject.starts_with(&format!(
                "[Vigie] {reference}: GDPR: personal data breach notification to the CNIL, due "
            )),
            "{subject}"
        );
        assert!(body.starts_with("Hello,"), "{body}");
        assert!(body.contains("Patient records exposed"), "{body}");
        assert!(
            body.contains(&format!("https://vigie.test/incidents/{id}")),
            "{body}"
        );
        assert!(!body.contains("Bonjour"), "{body}");
        // The job again (the next tick): it finds nothing more to send.
        while s.get_job(first).await.unwrap().status != "done" {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let again = s.enqueue_job(&job, None).await.unwrap();
        let start = Instant::now();
        while s.get_job(again).await.unwrap().status != "done" {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the second run did not end"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
        w.kill().unwrap();
        w.wait().unwrap();
        let count = mails(smtp.maildir.path())
            .iter()
            .map(|m| read_mail(m))
            .filter(|(to, _, _)| to == &english)
            .count();
        assert_eq!(count, 1, "{}: the reminder went once", db.name);
        db.cleanup().await;
    }
}
