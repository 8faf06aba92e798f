//! The pages an analyst works in all day (issue 17), on SQLite and PostgreSQL: from the dashboard
//! to an advisory in two clicks; the advisory's structures by region; bulk acknowledgement (CSRF,
//! scope, audit) and its refusal shown beside the field with what was typed; alert and finding
//! lists with their filters as form controls, sorting, paging and CSV/JSON exports; every page in
//! French and in English without a missing message nor an English phrase on a French page.

use reqwest::{Client, StatusCode};
use vigie_domain::role::Role;
use vigie_store::testing;

use super::common::*;

async fn text(c: &Client, url: String) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn set_lang(c: &Client, app: &App, csrf: &str, lang: &str) {
    c.post(format!("{}/lang", app.base))
        .form(&[("csrf", csrf), ("lang", lang)])
        .send()
        .await
        .unwrap();
}

/// Links of a page (`href="…"`), decoded from HTML's `&amp;`.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .collect()
}

#[tokio::test]
async fn advisory_view_bulk_acknowledgement_and_lists() {
    for db in testing::all().await {
        let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
        let w = seed(&app.store).await;
        let in_84 = watch_alert(&app.store, w.fleyriat).await;
        let in_11 = watch_alert(&app.store, w.pitie).await;
        exposure_seed(&app.store, w.fleyriat).await;
        exposure_seed(&app.store, w.pitie).await;
        let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
        set_lang(&c, &app, &csrf, "fr").await;

        // Two clicks: the dashboard links to the advisories, which link to the advisory.
        let (_, home) = text(&c, format!("{}/", app.base)).await;
        let l = links(&home);
        assert!(
            l.iter().any(|h| h == "/watch/advisories"),
            "{}: {l:?}",
            db.name
        );
        let (st, list) = text(&c, format!("{}/watch/advisories?q=FortiOS", app.base)).await;
        assert_eq!(st, StatusCode::OK, "{list}");
        assert!(
            links(&list).contains(&"/watch/advisories/CVE-2024-55591".to_string()),
            "{}: {list}",
            db.name
        );
        assert!(list.contains("1 avis"), "{list}");

        // The advisory: what it is, its structures grouped by region, their versions.
        let url = format!("{}/watch/advisories/CVE-2024-55591", app.base);
        let (_, page) = text(&c, url.clone()).await;
        assert!(page.contains("Île-de-France") && page.contains("Auvergne-Rhône-Alpes"));
        assert!(
            page.contains("2 structures · 2 régions · 2 alertes ouvertes"),
            "{page}"
        );
        assert!(page.contains("7.0.12"));
        assert!(page.contains(&format!("name=\"alert\" value=\"{in_84}\"")));
        assert!(!page.contains("`"), "no backticks on the page");

        // Without its CSRF field the bulk form is refused and nothing changes.
        let res = c
            .post(format!("{url}/triage"))
            .form(&[
                ("alert", in_84.to_string()),
                ("status", "acknowledged".into()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        // Nothing ticked, a reason typed: the page again, the error beside the field, in
        // French, with the reason kept.
        let res = c
            .post(format!("{url}/triage"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("status", "not_affected"),
                ("reason", "Pare-feu « maison »"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let body = res.text().await.unwrap();
        assert!(
            body.contains("id=\"b-error\">Cochez au moins une alerte."),
            "{body}"
        );
        assert!(body.contains("value=\"Pare-feu « maison »\""), "{body}");
        assert!(!body.contains("Erreur 400"));

        // Both ticked: both acknowledged, each audited.
        let res = c
            .post(format!("{url}/triage"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("alert", &in_84.to_string()),
                ("alert", &in_11.to_string()),
                ("status", "acknowledged"),
                ("reason", ""),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = res.headers()["location"].to_str().unwrap().to_string();
        assert!(
            to.starts_with("/watch/advisories/CVE-2024-55591?done=2"),
            "{to}"
        );
        let (_, body) = text(&c, format!("{}{to}", app.base)).await;
        assert!(body.contains("2 alertes ont changé de statut."), "{body}");
        for id in [in_84, in_11] {
            let (a, _) = app.store.get_alert(&system(), id).await.unwrap();
            assert_eq!(a.status, "acknowledged", "{}", db.name);
        }
        let audit = app
            .store
            .audit_search(
                &system(),
                &vigie_store::audit::AuditQuery {
                    action: Some("watch.alert.triage".into()),
                    limit: 50,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.1, 2, "{}", db.name);

        // A regional analyst of Île-de-France sees only Pitié's structure on the advisory.
        let (r, _) = sign_in(&app, &w, Role::RegionalAnalyst).await;
        let (_, page) = text(&r, url.clone()).await;
        assert!(page.contains("Île-de-France") && !page.contains("Auvergne-Rhône-Alpes"));

        // The alert list: filters are form controls; sorting, exports.
        let (_, alerts) = text(&c, format!("{}/watch/alerts", app.base)).await;
        for control in [
            "<select id=\"f-product\"",
            "<select id=\"f-status\"",
            "<select id=\"f-region\"",
            "<select id=\"f-sort\"",
            "id=\"f-q\"",
        ] {
            assert!(alerts.contains(control), "{control}: {alerts}");
        }
        assert!(alerts.contains("<option value=\"fortios\">"), "{alerts}");
        let (_, filtered) = text(
            &c,
            format!(
                "{}/watch/alerts?q=cve-2024-55591&product=fortios&region=11&sort=structure",
                app.base
            ),
        )
        .await;
        assert!(filtered.contains("1 alerte<"), "{filtered}");
        let csv = c
            .get(format!(
                "{}/watch/alerts?product=fortios&format=csv",
                app.base
            ))
            .send()
            .await
            .unwrap();
        assert!(csv
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap().starts_with("text/csv")));
        let csv = csv.text().await.unwrap();
        assert!(csv.contains("Priorité;Structure;Région;Alerte"), "{csv}");
        assert!(csv.contains("CVE-2024-55591") && csv.contains("Prise en compte"));
        let json: serde_json::Value = c
            .get(format!("{}/watch/alerts?format=json", app.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(json.as_array().is_some_and(|a| a.len() >= 2), "{json}");
        let (st, bad) = text(&c, format!("{}/watch/alerts?ght=abc", app.base)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(bad.contains("attend un nombre"), "{bad}");

        // The findings of the whole scope.
        let (_, findings) = text(&c, format!("{}/exposure/findings", app.base)).await;
        for control in [
            "<select id=\"ff-status\"",
            "<select id=\"ff-severity\"",
            "<select id=\"ff-kind\"",
            "id=\"ff-age\"",
            "id=\"ff-overdue\"",
            "<select id=\"ff-region\"",
            "<select id=\"ff-sort\"",
        ] {
            assert!(findings.contains(control), "{control}");
        }
        assert!(findings.contains("2 constats"), "{findings}");
        assert!(findings.contains("Bureau à distance exposé"));
        let (_, one) = text(&c, format!("{}/exposure/findings?region=84", app.base)).await;
        assert!(one.contains("1 constat<"), "{one}");
        let csv = c
            .get(format!("{}/exposure/findings?format=csv", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(csv.contains("Criticité;Constat;Type;Structure"), "{csv}");
        assert!(csv.contains("Élevée"));
    }
}

/// English phrases that must never be on a French page.
const ENGLISH: &[&str] = &[
    "no SMTP server",
    "Error 400",
    "not found",
    "Advisories concerning",
    "Open alerts",
    "Sign out",
    "undeliverable",
    "confidence",
];

/// Every page an analyst opens, in French and in English: no message key shown raw, no English
/// phrase on a French page.
#[tokio::test]
async fn pages_in_both_languages_without_missing_messages() {
    let db = testing::sqlite().await;
    let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
    let w = seed(&app.store).await;
    let alert = watch_alert(&app.store, w.fleyriat).await;
    exposure_seed(&app.store, w.fleyriat).await;
    let pages = [
        "/".to_string(),
        "/structures".into(),
        format!("/structures/{}", w.fleyriat),
        "/watch/alerts".into(),
        format!("/watch/alerts/{alert}"),
        "/watch/advisories".into(),
        "/watch/advisories/CVE-2024-55591".into(),
        "/watch/bulletin".into(),
        "/exposure".into(),
        "/exposure/findings".into(),
        format!("/structures/{}/exposure", w.fleyriat),
        "/account".into(),
        "/account/totp".into(),
        "/users".into(),
        format!("/users/{}", w.users[&Role::Admin]),
    ];
    let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
    for lang in ["fr", "en"] {
        set_lang(&c, &app, &csrf, lang).await;
        for p in &pages {
            let (st, html) = text(&c, format!("{}{p}", app.base)).await;
            assert_eq!(st, StatusCode::OK, "{lang} {p}");
            assert!(
                html.contains(&format!("<html lang=\"{lang}\"")),
                "{lang} {p}"
            );
            let raw = raw_keys(&html);
            assert!(raw.is_empty(), "{lang} {p}: messages missing: {raw:?}");
            if lang == "fr" {
                for e in ENGLISH {
                    assert!(!html.contains(e), "{p}: English on a French page: {e:?}");
                }
            }
        }
    }
}

/// Message keys of the catalogues shown instead of their text (`ux-findings_count`…): words
/// of the page's text (not inside tags) that look like `prefix-word` with an underscore or a
/// known prefix of the pages' catalogues.
fn raw_keys(html: &str) -> Vec<String> {
    const PREFIXES: &[&str] = &[
        "ux-",
        "watch-",
        "surveillance-",
        "dashboard-",
        "nav-",
        "common-",
        "structure-",
        "structures-",
        "severity-",
        "fstatus-",
        "finding-",
        "account-",
        "users-",
        "import-",
    ];
    let mut text = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')))
        .filter(|w| {
            PREFIXES.iter().any(|p| w.starts_with(p))
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == '_' || c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn raw_keys_are_found() {
    assert_eq!(
        raw_keys("<p>ux-findings_count <b>Bureau</b> remote-desktop-exposed</p>"),
        vec!["ux-findings_count"]
    );
}
