//! The outbox: recipients, one row per recipient and event, delivery jobs, webhooks.

use vigie_domain::events::AlertEvent;
use vigie_domain::role::{Role, Scope};
use vigie_domain::structure::ContactRole;
use vigie_store::testing;
use vigie_store::StoreError;

use crate::{actor, id_of, seeded, sqlx_pool, system, user};

#[tokio::test]
async fn notifications_reach_the_structure_its_ght_and_the_webhooks_of_its_territory_once() {
    use vigie_store::notify::{self, Audience, NewNotification, WebhookScope};
    for db in testing::all().await {
        // The webhooks of this test point to reserved names: the escape hatch of the address
        // policy lets them be created (nothing is delivered here).
        let store = db.store.clone().with_private_webhooks(true);
        let s = &store;
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
        let admin = s
            .create_user(
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
        let rssi = s
            .create_user(
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

        // Accounts that read English get their notifications in English; the RSSI's address is
        // a contact's and an account's: the account's language wins. Contacts and webhooks: French.
        s.set_locale(admin, "en").await.unwrap();
        s.set_locale(rssi, "en").await.unwrap();
        let alert = AlertEvent {
            alert_id: 1,
            kind: "vuln".into(),
            ref_id: "CVE-2024-0001".into(),
            ..Default::default()
        };
        let event = |audience: Audience, key: &str| {
            NewNotification::new(
                audience,
                &alert,
                Some(format!("/structures/{fleyriat}")),
                key.into(),
            )
            .unwrap()
        };
        let n = event(Audience::Structure(fleyriat), "watch.alert:1");
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
        // The rows keep the event's document and the recipient's language; no message.
        let rows: Vec<(String, String, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT recipient, lang, subject, body_text, body_html, payload FROM notifications ORDER BY recipient",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        for (recipient, lang, subject, text, html, payload) in &rows {
            let want = if recipient.ends_with("@fleyriat.example") {
                "en"
            } else {
                "fr"
            };
            assert_eq!(lang, want, "{}: {recipient}", db.name);
            assert!(subject.is_empty() && text.is_empty() && html.is_none());
            let doc: AlertEvent = serde_json::from_str(payload).unwrap();
            assert_eq!(doc, alert, "{}", db.name);
        }
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
        assert!(!row.is_legacy());
        // The worker builds a webhook's document from the row and the subject it wrote.
        let doc: serde_json::Value = serde_json::from_str(&row.webhook_document("Alert")).unwrap();
        assert_eq!(doc["ref"], "CVE-2024-0001");
        assert_eq!(doc["event"], "watch.alert.new");
        assert_eq!(doc["subject"], "Alert");
        assert_eq!(doc["structure_id"], fleyriat);
        assert_eq!(doc["dedup_key"], "watch.alert:1");
        assert_eq!(doc["link"], format!("/structures/{fleyriat}"));
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
        let batch = vec![
            n.clone(), // already sent: nobody again
            event(Audience::Structure(pitie), "watch.alert:3"),
            event(Audience::Structure(fleyriat), "watch.alert:2"),
            event(Audience::Region("84".into()), "watch.region:84"),
            event(Audience::Structure(fleyriat), "watch.alert:2"), // twice in the batch: once
        ];
        type Row = (
            String,
            String,
            Option<i64>,
            Option<i64>,
            String,
            String,
            String,
        );
        let rows_of = |key: String| {
            let pool = pool.clone();
            async move {
                let r: Vec<Row> = sqlx::query_as(
                    "SELECT channel, recipient, webhook_id, structure_id, subject, payload, lang FROM notifications \
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
            alone.push((ids.len(), rows_of(e.dedup_key().to_string()).await));
            for id in &ids {
                sqlx::query("DELETE FROM jobs WHERE payload = $1")
                    .bind(serde_json::json!({ "notification_id": id }).to_string())
                    .execute(&pool)
                    .await
                    .unwrap();
            }
            sqlx::query("DELETE FROM notifications WHERE dedup_key = $1")
                .bind(e.dedup_key().to_string())
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
            assert_eq!(
                got[k + 1].len(),
                alone[k].0,
                "{} {}",
                db.name,
                e.dedup_key()
            );
            assert_eq!(
                rows_of(e.dedup_key().to_string()).await,
                alone[k].1,
                "{} {}",
                db.name,
                e.dedup_key()
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

/// Issue 13, item 2: the webhooks a GHT officer pointed at the platform itself, its cloud's
/// metadata and private networks. Every address class, in every disguise the HTTP client
/// understands, is refused at creation, and nothing is stored.
pub const REFUSED_WEBHOOK_URLS: &[&str] = &[
    // loopback, and the forms the WHATWG parser turns into 127.0.0.1
    "http://127.0.0.1:9999/x",
    "http://127.0.0.1:8091/api/v1/me",
    "http://127.1/x",
    "http://0x7f000001/x",
    "http://2130706433/x",
    "http://0177.0.0.1/x",
    "http://%31%32%37.0.0.1/x",
    "http://[::1]:9999/x",
    // unspecified
    "http://0.0.0.0:9999/x",
    "http://0/x",
    "http://[::]/x",
    // private, unique-local
    "http://10.0.0.1/x",
    "http://172.16.0.1/x",
    "http://192.168.1.1/x",
    "http://[fc00::1]/x",
    "http://[fd12:3456::1]/x",
    // link-local and the metadata endpoints
    "http://169.254.1.1/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/x",
    "http://[fd00:ec2::254]/x",
    // shared address space, benchmarking, IETF protocol assignments, multicast, broadcast
    "http://100.64.0.1/x",
    "http://198.18.0.1/x",
    "http://[2001:2::1]/x",
    "http://192.0.0.1/x",
    "http://224.0.0.1/x",
    "http://255.255.255.255/x",
    "http://240.0.0.1/x",
    // IPv6 forms that carry an IPv4 address
    "http://[::ffff:127.0.0.1]/x",
    "http://[::ffff:169.254.169.254]/x",
    "http://[64:ff9b::a9fe:a9fe]/x",
    "http://[64:ff9b::7f00:1]/x",
    "http://[64:ff9b:1::a00:1]/x",
    "http://[2002:7f00:1::1]/x",
    "http://[2002:a9fe:a9fe::1]/x",
    "http://[::7f00:1]/x",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/x",
    "http://[fec0::1]/x",
    // names: localhost resolves (hosts file) to loopback; names under it never resolve anywhere
    // else; reserved names do not exist
    "http://localhost:9999/x",
    "http://LOCALHOST./x",
    "http://app.localhost/x",
    "http://a.b.localhost:8091/api/v1/me",
    "https://soc.example/hook",
    "https://x.test/hook",
    "https://x.invalid/hook",
];

#[tokio::test]
async fn webhooks_to_addresses_outside_the_policy_are_refused_at_creation() {
    use vigie_store::notify::WebhookScope;
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let ght_ain = s
            .list_ghts(&system(), None)
            .await
            .unwrap()
            .iter()
            .find(|g| g.code == "GHT-01-AIN")
            .unwrap()
            .id;
        let officer = s
            .create_user(
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
        let officer = s.actor_for_user(officer, None).await.unwrap();
        for url in REFUSED_WEBHOOK_URLS {
            let got = s
                .create_webhook(&officer, "probe", url, WebhookScope::Ght(ght_ain), "*")
                .await;
            match got {
                Err(StoreError::Invalid(p)) => assert!(
                    p.key == "notify-webhook-url-refused"
                        || p.key == "notify-webhook-url-unresolved",
                    "[{}] {url}: {p:?}",
                    db.name
                ),
                other => panic!("[{}] {url} not refused: {other:?}", db.name),
            }
        }
        assert!(s.list_webhooks(&officer).await.unwrap().is_empty());
        // The test-only escape hatch lets the same address through (receivers of the delivery
        // tests listen on loopback).
        let open = s.clone().with_private_webhooks(true);
        open.create_webhook(
            &officer,
            "loopback",
            "http://127.0.0.1:9999/x",
            WebhookScope::Ght(ght_ain),
            "*",
        )
        .await
        .unwrap();
        db.cleanup().await;
    }
}

/// Issue 13, item 3: a GHT officer reads the outcome of a national webhook's delivery about a
/// structure of their GHT: the error says what happened, never the webhook's address (a Slack or
/// Teams address carries its secret in its path), whether it was recorded now or by an earlier
/// version.
#[tokio::test]
async fn delivery_errors_never_show_a_webhook_address() {
    use vigie_store::notify::{self, Audience, NewNotification, WebhookScope};
    const SECRET_URL: &str = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX";
    for db in testing::all().await {
        let store = db.store.clone().with_private_webhooks(true);
        let s = &store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await;
        let ght_ain = s
            .list_ghts(&system(), None)
            .await
            .unwrap()
            .iter()
            .find(|g| g.code == "GHT-01-AIN")
            .unwrap()
            .id;
        let (national, _) = s
            .create_webhook(
                &system(),
                "SOC national",
                SECRET_URL,
                WebhookScope::National,
                "*",
            )
            .await
            .unwrap();
        let officer = s
            .create_user(
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
        let officer = s.actor_for_user(officer, None).await.unwrap();
        // The national webhook is not theirs to read...
        assert!(s
            .list_webhooks(&officer)
            .await
            .unwrap()
            .iter()
            .all(|w| w.id != national.id));
        let n = NewNotification::new(
            Audience::Structure(fleyriat),
            &AlertEvent::default(),
            None,
            "k:1".into(),
        )
        .unwrap();
        let pool = sqlx_pool(&db).await;
        let mut conn = pool.acquire().await.unwrap();
        let ids = notify::queue(&mut conn, &n).await.unwrap();
        drop(conn);
        let hook_row: i64 =
            sqlx::query_scalar("SELECT id FROM notifications WHERE webhook_id = $1")
                .bind(national.id)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(ids.contains(&hook_row));
        // ...nor its address through the outcome of its delivery: recorded now,
        s.record_delivery(
            hook_row,
            Err((
                &format!("webhook: error sending request for url ({SECRET_URL})"),
                false,
            )),
        )
        .await
        .unwrap();
        let seen = s
            .list_notifications(&officer, Some(fleyriat), 100)
            .await
            .unwrap();
        let row = seen.iter().find(|r| r.id == hook_row).unwrap();
        let e = row.last_error.as_deref().unwrap();
        assert!(
            !e.contains("hooks.slack.com") && !e.contains("secret"),
            "{e}"
        );
        assert!(e.contains("error sending request"), "{e}");
        // or by an earlier version, which stored the client's message as it was.
        sqlx::query("UPDATE notifications SET last_error = $1 WHERE id = $2")
            .bind(format!(
                "error sending request for url ({SECRET_URL}?token=abc)"
            ))
            .bind(hook_row)
            .execute(&pool)
            .await
            .unwrap();
        let seen = s.list_notifications(&officer, None, 100).await.unwrap();
        let e = seen
            .iter()
            .find(|r| r.id == hook_row)
            .unwrap()
            .last_error
            .clone()
            .unwrap();
        assert!(
            !e.contains("slack") && !e.contains("token") && !e.contains("T000"),
            "{e}"
        );
        pool.close().await;
        db.cleanup().await;
    }
}

/// Issue 13, item 9: a structure's admin reads the notifications about its structure, but not
/// the address of a GHT officer it cannot see through `/api/v1/users`, nor the number of a
/// national webhook; its own address and its structure's contacts stay visible.
#[tokio::test]
async fn recipients_out_of_sight_are_hidden() {
    use vigie_store::notify::{self, Audience, NewNotification, WebhookScope};
    for db in testing::all().await {
        let store = db.store.clone().with_private_webhooks(true);
        let s = &store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await;
        let ght_ain = s
            .list_ghts(&system(), None)
            .await
            .unwrap()
            .iter()
            .find(|g| g.code == "GHT-01-AIN")
            .unwrap()
            .id;
        s.set_contact(
            &system(),
            fleyriat,
            ContactRole::SecurityOfficer,
            "RSSI",
            Some("rssi@fleyriat.example"),
            None,
        )
        .await
        .unwrap();
        s.create_user(
            &system(),
            &user(
                "officer@ght-ain.example",
                Role::GhtOfficer,
                None,
                Some(ght_ain),
                vec![],
            ),
        )
        .await
        .unwrap();
        let admin = s
            .create_user(
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
        let (national, _) = s
            .create_webhook(
                &system(),
                "SOC",
                "https://soc.example/n",
                WebhookScope::National,
                "*",
            )
            .await
            .unwrap();
        let n = NewNotification::new(
            Audience::Structure(fleyriat),
            &AlertEvent::default(),
            None,
            "k:9".into(),
        )
        .unwrap();
        let pool = sqlx_pool(&db).await;
        let mut conn = pool.acquire().await.unwrap();
        notify::queue(&mut conn, &n).await.unwrap();
        drop(conn);
        pool.close().await;
        let a = s.actor_for_user(admin, None).await.unwrap();
        let users: Vec<String> = s
            .list_users(&a)
            .await
            .map(|u| u.into_iter().map(|u| u.email).collect())
            .unwrap_or_default();
        assert!(!users.contains(&"officer@ght-ain.example".to_string()));
        let rows = s.list_notifications(&a, Some(fleyriat), 100).await.unwrap();
        let shown: Vec<&str> = rows.iter().map(|r| r.recipient.as_str()).collect();
        assert!(
            !shown.contains(&"officer@ght-ain.example"),
            "[{}] {shown:?}",
            db.name
        );
        assert!(
            !shown.contains(&format!("webhook:{}", national.id).as_str()),
            "{shown:?}"
        );
        assert!(rows.iter().all(|r| r.webhook_id.is_none()), "{rows:?}");
        assert!(shown.contains(&"admin@fleyriat.example"), "{shown:?}");
        assert!(shown.contains(&"rssi@fleyriat.example"), "{shown:?}");
        // The national level sees them all.
        let all = s
            .list_notifications(&system(), Some(fleyriat), 100)
            .await
            .unwrap();
        assert!(all.iter().any(|r| r.recipient == "officer@ght-ain.example"));
        db.cleanup().await;
    }
}

/// Notifications for people: what the outbox tells an account is kept in its own list (once per
/// event, unread first, marked read one by one or all at once; nobody reads or marks another's),
/// whatever its e-mail preferences, which turn e-mails off by kind (audited) and which the
/// delivering worker asks for (`email_wanted`).
#[tokio::test]
async fn people_read_their_own_notifications_and_choose_their_emails() {
    use vigie_store::notify::{Audience, NewNotification};
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let fleyriat = id_of(s, "010000024").await;
        let pitie = id_of(s, "750100125").await;
        let new_user = |email: &'static str, role: Role, structures: Vec<i64>| async move {
            s.create_user(&system(), &user(email, role, None, None, structures))
                .await
                .unwrap()
        };
        let admin = new_user(
            "admin@fleyriat.example",
            Role::StructureAdmin,
            vec![fleyriat],
        )
        .await;
        let other = new_user("admin@pitie.example", Role::StructureAdmin, vec![pitie]).await;
        let cert = new_user("cert@cert.example", Role::CertAnalyst, vec![]).await;
        let alert = AlertEvent {
            alert_id: 1,
            kind: "vuln".into(),
            ref_id: "CVE-2024-0001".into(),
            ..Default::default()
        };
        let ev = |audience: Audience, key: &str| {
            NewNotification::new(audience, &alert, Some("/watch/alerts/1".into()), key.into())
                .unwrap()
        };
        for (audience, key) in [
            (Audience::Structure(fleyriat), "watch.alert:1"),
            (Audience::Structure(fleyriat), "watch.alert:2"),
            (Audience::Structure(pitie), "watch.alert:3"),
            (Audience::National, "watch.national:1"),
            (Audience::Structure(fleyriat), "watch.alert:1"), // the same event again: once
        ] {
            s.queue_notification(&ev(audience, key)).await.unwrap();
        }
        let me = s.actor_for_user(admin, None).await.unwrap();
        let inbox = s.list_inbox(&me, 50, 0).await.unwrap();
        assert_eq!((inbox.total, inbox.unread), (2, 2), "[{}]", db.name);
        assert_eq!(s.unread_count(&me).await.unwrap(), 2);
        let newest = inbox.items[0].id;
        assert!(inbox.items.iter().all(|n| n.structure_id == Some(fleyriat)));
        // Another's notification does not exist for me.
        let them = s.actor_for_user(other, None).await.unwrap();
        let theirs = s.list_inbox(&them, 50, 0).await.unwrap();
        assert_eq!(theirs.total, 1, "[{}]", db.name);
        assert!(matches!(
            s.mark_read(&me, theirs.items[0].id).await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(s.unread_count(&them).await.unwrap(), 1);
        // Read one: the unread one comes first.
        s.mark_read(&me, newest).await.unwrap();
        s.mark_read(&me, newest).await.unwrap();
        let inbox = s.list_inbox(&me, 50, 0).await.unwrap();
        assert_eq!(inbox.unread, 1);
        assert!(
            inbox.items[0].read_at.is_none(),
            "[{}] unread first",
            db.name
        );
        assert_eq!(inbox.items[1].id, newest);
        assert_eq!(s.mark_all_read(&me).await.unwrap(), 1);
        assert_eq!(s.unread_count(&me).await.unwrap(), 0);
        assert_eq!(s.unread_count(&them).await.unwrap(), 1, "mine only");
        // The CERT hears of national events.
        let c = s.actor_for_user(cert, None).await.unwrap();
        assert_eq!(s.list_inbox(&c, 50, 0).await.unwrap().total, 1);

        // E-mail preferences: every kind on until turned off; by kind; audited once per change.
        assert!(s.email_prefs(&me).await.unwrap().iter().all(|(_, on)| *on));
        assert!(s
            .email_wanted("admin@fleyriat.example", "watch.alert.new")
            .await
            .unwrap());
        let keep: Vec<String> = ["scan.finding", "watch.bulletin", "incidents"]
            .map(String::from)
            .to_vec();
        s.set_email_prefs(&me, &keep).await.unwrap();
        s.set_email_prefs(&me, &keep).await.unwrap();
        let prefs = s.email_prefs(&me).await.unwrap();
        assert_eq!(
            prefs.iter().filter(|(_, on)| !on).collect::<Vec<_>>(),
            vec![&("watch.alert", false)]
        );
        assert!(!s
            .email_wanted("Admin@Fleyriat.example", "watch.alert.new")
            .await
            .unwrap());
        assert!(s
            .email_wanted("admin@fleyriat.example", "scan.finding.new")
            .await
            .unwrap());
        assert!(s
            .email_wanted("admin@pitie.example", "watch.alert.new")
            .await
            .unwrap());
        assert!(s
            .email_wanted("rssi@contact.example", "watch.alert.new")
            .await
            .unwrap());
        let pool = sqlx_pool(&db).await;
        let audited: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.notification_prefs' AND target_id = $1",
        )
        .bind(admin.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(audited.0, 1, "[{}] one change, one entry", db.name);
        let err = s
            .set_email_prefs(&me, &["watch.alert; DROP TABLE users".into()])
            .await
            .unwrap_err();
        assert_eq!(err.problem().unwrap().key, "notify-kind-unknown");
        // The in-app list keeps what is no longer e-mailed; the e-mail's row is left unsent.
        s.queue_notification(&ev(Audience::Structure(fleyriat), "watch.alert:4"))
            .await
            .unwrap();
        assert_eq!(s.unread_count(&me).await.unwrap(), 1, "[{}]", db.name);
        let (row,): (i64,) = sqlx::query_as(
            "SELECT id FROM notifications WHERE dedup_key = 'watch.alert:4' AND recipient = 'admin@fleyriat.example'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        s.skip_delivery(row).await.unwrap();
        let (status,): (String,) = sqlx::query_as("SELECT status FROM notifications WHERE id = $1")
            .bind(row)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(status, "skipped");
        db.cleanup().await;
    }
}
