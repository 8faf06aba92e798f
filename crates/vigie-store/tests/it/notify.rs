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
