//! Notifications for people: the header's unread count, the list (`/account/notifications`),
//! marking read, and the e-mail preferences on "Mon compte", on both backends.

use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::testing::{self};

use super::common::*;

async fn html(c: &reqwest::Client, app: &App, path: &str) -> String {
    c.get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn post(
    c: &reqwest::Client,
    app: &App,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(format!("{}{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn people_see_mark_and_choose_their_notifications() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let n = db.name;
        // A vulnerability alert at Fleyriat: its administrator and its GHT's officer are told.
        watch_alert(&app.store, w.fleyriat).await;
        let (c, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let home = html(&c, &app, "/").await;
        assert!(
            home.contains("id=\"unread-count\">1<"),
            "[{n}] the header's count"
        );
        let page = html(&c, &app, "/account/notifications").await;
        assert!(page.contains("CVE-2024-55591"), "[{n}] {page}");
        assert!(page.contains("Non lue") && page.contains("Alerte de vulnérabilité"));
        let id: i64 = page
            .split("action=\"/account/notifications/")
            .skip(1)
            .find_map(|s| s.split('/').next()?.parse().ok())
            .expect("a mark-read form");
        // Somebody else cannot mark it; the person can, and the count goes.
        let (other, other_csrf) = sign_in(&app, &w, Role::RegionalAnalyst).await;
        let res = post(
            &other,
            &app,
            &format!("/account/notifications/{id}/read"),
            &[("csrf", &other_csrf)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "[{n}]");
        assert!(!html(&other, &app, "/account/notifications")
            .await
            .contains("CVE-2024-55591"));
        let res = post(
            &c,
            &app,
            &format!("/account/notifications/{id}/read"),
            &[("csrf", &csrf)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "[{n}]");
        assert!(!html(&c, &app, "/").await.contains("id=\"unread-count\""));
        // Without its CSRF token, nothing is marked.
        let (ght, ght_csrf) = sign_in(&app, &w, Role::GhtOfficer).await;
        assert!(html(&ght, &app, "/")
            .await
            .contains("id=\"unread-count\">1<"));
        let res = post(&ght, &app, "/account/notifications/read-all", &[]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "[{n}]");
        let res = post(
            &ght,
            &app,
            "/account/notifications/read-all",
            &[("csrf", &ght_csrf)],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert!(!html(&ght, &app, "/").await.contains("id=\"unread-count\""));

        // E-mail preferences on "Mon compte": every kind ticked until unticked.
        let account = html(&c, &app, "/account").await;
        assert_eq!(account.matches("name=\"kind\"").count(), 4, "[{n}]");
        assert_eq!(account.matches(" checked>").count(), 4, "[{n}]");
        let res = post(
            &c,
            &app,
            "/account/notifications/email",
            &[
                ("csrf", &csrf),
                ("kind", "scan.finding"),
                ("kind", "incidents"),
            ],
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "[{n}]");
        let account = html(&c, &app, "/account?saved=email_prefs").await;
        assert_eq!(account.matches(" checked>").count(), 2, "[{n}]");
        assert!(
            account.contains("id=\"account-message\"") && account.contains("sont enregistrées")
        );
        assert!(!app
            .store
            .email_wanted("structure_admin@matrix.example", "watch.alert.new")
            .await
            .unwrap());
        // An unknown kind is refused, in the reader's language.
        let res = post(
            &c,
            &app,
            "/account/notifications/email",
            &[("csrf", &csrf), ("kind", "<b>x</b>")],
        )
        .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "[{n}]");
        assert!(res.text().await.unwrap().contains("type de notification"));
        // English too.
        let page = html(&c, &app, "/account/notifications").await;
        assert!(page.contains("Mes notifications"));
        post(&c, &app, "/lang", &[("csrf", &csrf), ("lang", "en")]).await;
        let page = html(&c, &app, "/account/notifications").await;
        assert!(page.contains("My notifications") && page.contains("Vulnerability alert"));
        db.cleanup().await;
    }
}
