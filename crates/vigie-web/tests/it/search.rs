//! The header's search (`/search`): structures, advisories and people, each within the viewer's
//! scope (counts included), on both backends; what was typed is bound, escaped and capped.

use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::testing::{self};

use super::common::*;

/// The page of `q` for a signed-in client: status and HTML.
async fn search(c: &reqwest::Client, app: &App, q: &str) -> (StatusCode, String) {
    let res = c
        .get(format!("{}/search", app.base))
        .query(&[("q", q)])
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

/// The count shown beside a group's heading (`None`: the group is not on the page).
fn group_count(html: &str, group: &str) -> Option<i64> {
    let at = html.find(&format!("id=\"res-{group}\""))?;
    let rest = &html[at..];
    let b = rest.find("<span class=\"badge\">")? + "<span class=\"badge\">".len();
    rest[b..].split('<').next()?.trim().parse().ok()
}

#[tokio::test]
async fn header_search_finds_only_what_the_viewer_may_see() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        // FortiOS 7.0.12 at Fleyriat (Ain, region 84, GHT of the Ain): CVE-2024-55591 concerns it.
        watch_alert(&app.store, w.fleyriat).await;
        let n = db.name;

        // Every signed-in page carries the search box in its header.
        let (cert, _) = sign_in(&app, &w, Role::CertAnalyst).await;
        let home = cert
            .get(format!("{}/", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            home.contains("action=\"/search\"") && home.contains("id=\"site-q\""),
            "[{n}] the header's search box"
        );

        // National: accents and case ignored, the structure's page linked.
        let (s, html) = search(&cert, &app, "pitié salpêtrière").await;
        assert_eq!(s, StatusCode::OK, "[{n}]");
        assert_eq!(group_count(&html, "structures"), Some(1), "[{n}] {html}");
        assert!(html.contains(&format!("href=\"/structures/{}\"", w.pitie)));
        // A CVE id and a product find the advisory's page.
        for q in ["CVE-2024-55591", "cve-2024-55591", "fortios"] {
            let (_, html) = search(&cert, &app, q).await;
            assert_eq!(group_count(&html, "advisories"), Some(1), "[{n}] {q}");
            assert!(html.contains("href=\"/watch/advisories/CVE-2024-55591\""));
        }
        // People by name or e-mail, for a role that reads accounts.
        let (_, html) = search(&cert, &app, "ght_officer").await;
        assert_eq!(group_count(&html, "people"), Some(1), "[{n}] {html}");
        assert!(html.contains(&format!("href=\"/users/{}\"", w.users[&Role::GhtOfficer])));

        // The regional analyst of Île-de-France: nothing of the Ain, counts included.
        let (reg, _) = sign_in(&app, &w, Role::RegionalAnalyst).await;
        let (_, html) = search(&reg, &app, "fleyriat").await;
        assert_eq!(group_count(&html, "structures"), None, "[{n}] {html}");
        assert!(
            html.contains("id=\"search-empty\""),
            "[{n}] the empty state"
        );
        assert!(!html.contains("FLEYRIAT"), "[{n}]");
        let (_, html) = search(&reg, &app, "fortios").await;
        assert!(!html.contains("/watch/advisories/CVE-2024-55591"), "[{n}]");
        // The advisory itself is public knowledge: named as concerning nothing of the region.
        let (_, html) = search(&reg, &app, "CVE-2024-55591").await;
        assert!(html.contains("id=\"search-known\""), "[{n}] {html}");
        assert_eq!(group_count(&html, "advisories"), None, "[{n}]");
        // Accounts of the region only: the GHT officer and the structure's people are in the Ain.
        let (_, html) = search(&reg, &app, "matrix.example").await;
        assert_eq!(group_count(&html, "people"), Some(1), "[{n}] {html}");
        assert!(html.contains("regional_analyst@matrix.example"));
        assert!(!html.contains("ght_officer@matrix.example"));
        assert!(!html.contains("structure_admin@matrix.example"));

        // The GHT officer of the Ain: its structure and its advisory; no people at all (the role
        // reads no accounts), not even a heading.
        let (ght, _) = sign_in(&app, &w, Role::GhtOfficer).await;
        let (_, html) = search(&ght, &app, "fleyriat").await;
        assert_eq!(group_count(&html, "structures"), Some(1), "[{n}]");
        let (_, html) = search(&ght, &app, "pitie").await;
        assert!(html.contains("id=\"search-empty\""), "[{n}]");
        let (_, html) = search(&ght, &app, "CVE-2024-55591").await;
        assert_eq!(group_count(&html, "advisories"), Some(1), "[{n}]");
        let (_, html) = search(&ght, &app, "matrix").await;
        assert_eq!(group_count(&html, "people"), None, "[{n}]");
        assert!(!html.contains("@matrix.example\""), "[{n}]");

        // A structure's member: its own structure, nothing else.
        let (member, _) = sign_in(&app, &w, Role::StructureMember).await;
        let (_, html) = search(&member, &app, "CH").await;
        assert!(
            !html.contains(&format!("/structures/{}\"", w.pitie)),
            "[{n}]"
        );

        // What is typed is bound and escaped: wildcards, quotes and markup find nothing and run
        // nothing; a long query is cut, and the page says so.
        let (admin, csrf) = sign_in(&app, &w, Role::Admin).await;
        for q in ["%%", "__", "' OR 1=1 --", "\\%", "*"] {
            let (s, html) = search(&admin, &app, q).await;
            assert_eq!(s, StatusCode::OK, "[{n}] {q}");
            assert!(html.contains("id=\"search-empty\""), "[{n}] {q}: {html}");
        }
        let (s, html) = search(&admin, &app, "<script>alert(1)</script>").await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("<script>alert(1)"), "[{n}] escaped");
        assert!(
            html.contains("&lt;script") || html.contains("&#60;script"),
            "[{n}] shown as typed"
        );
        let long = format!("pitie {}", "x".repeat(5000));
        let (s, html) = search(&admin, &app, &long).await;
        assert_eq!(s, StatusCode::OK, "[{n}] a long query");
        assert!(html.contains("id=\"search-cut\""), "[{n}]");
        assert!(!html.contains(&"x".repeat(101)), "[{n}] the query cut");
        // Nothing typed: the form and its help, no result and no empty state.
        let (s, html) = search(&admin, &app, "").await;
        assert_eq!(s, StatusCode::OK);
        assert!(!html.contains("id=\"search-empty\"") && html.contains("id=\"search-hint\""));
        // French first, English too.
        let (_, html) = search(&admin, &app, "nothing-like-this").await;
        assert!(html.contains("Rien ne correspond"), "[{n}] French first");
        admin
            .post(format!("{}/lang", app.base))
            .form(&[("csrf", csrf.as_str()), ("lang", "en")])
            .send()
            .await
            .unwrap();
        let (_, html) = search(&admin, &app, "nothing-like-this").await;
        assert!(html.contains("Nothing matches"), "[{n}] in English");
        let (_, html) = search(&admin, &app, "fleyriat").await;
        assert!(html.contains("1 result for"), "[{n}] {html}");
        db.cleanup().await;
    }
}
