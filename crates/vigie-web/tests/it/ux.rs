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

/// The value of the input `id` of a page.
fn input_value(html: &str, id: &str) -> String {
    html.split(&format!("id=\"{id}\""))
        .nth(1)
        .and_then(|t| t.split('>').next())
        .and_then(|t| t.split("value=\"").nth(1))
        .and_then(|t| t.split('"').next())
        .unwrap_or_default()
        .to_string()
}

/// The asset form and the exposure page's forms, refused for the person's mistake, come back
/// with the error beside the field, in the reader's language, keeping what was typed — never an
/// "Erreur 400" page; nothing is stored.
#[tokio::test]
async fn refused_asset_and_exposure_forms_keep_what_was_typed() {
    for db in testing::all().await {
        let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
        let w = seed(&app.store).await;
        let id = w.fleyriat;
        let (_, finding) = exposure_seed(&app.store, id).await;
        let (c, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let post = |path: String, form: Vec<(&'static str, &'static str)>| {
            let c = c.clone();
            let csrf = csrf.clone();
            let base = app.base.clone();
            async move {
                let mut f: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
                f.extend(form);
                let r = c
                    .post(format!("{base}{path}"))
                    .form(&f)
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap())
            }
        };
        let assets = || async {
            app.store
                .list_assets(&system(), id)
                .await
                .unwrap()
                .into_iter()
                .map(|a| a.value)
                .collect::<Vec<_>>()
        };
        for lang in ["fr", "en"] {
            set_lang(&c, &app, &csrf, lang).await;
            // A range too broad: the structure's page again, the error under the value.
            let (st, html) = post(
                format!("/structures/{id}/assets"),
                vec![
                    ("kind", "ip_range"),
                    ("value", "185.0.0.0/8"),
                    ("attested_by", "Directeur des SI"),
                ],
            )
            .await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{} {lang}", db.name);
            assert!(
                !html.contains("Erreur 400") && !html.contains("Error 400"),
                "{html}"
            );
            let form = html.split("id=\"asset-form\"").nth(1).expect("the form");
            let want = if lang == "fr" {
                "La plage « 185.0.0.0/8 » est trop large"
            } else {
                "The range “185.0.0.0/8” is too broad"
            };
            let value_field = form.split("id=\"a-by\"").next().unwrap_or_default();
            assert!(
                value_field.contains(want) && value_field.contains("id=\"a-error\""),
                "{} {lang}: {form}",
                db.name
            );
            assert_eq!(input_value(&html, "a-value"), "185.0.0.0/8");
            assert_eq!(input_value(&html, "a-by"), "Directeur des SI");
            assert!(
                form.contains("<option value=\"ip_range\" selected>"),
                "{form}"
            );
            // No attestation: the error under "attested by", the value kept.
            let (st, html) = post(
                format!("/structures/{id}/assets"),
                vec![
                    ("kind", "domain"),
                    ("value", "ch-fleyriat.fr"),
                    ("attested_by", " "),
                ],
            )
            .await;
            assert_eq!(st, StatusCode::BAD_REQUEST);
            let after_by = html
                .split("id=\"a-by\"")
                .nth(1)
                .and_then(|t| t.split("</div>").next())
                .unwrap_or_default();
            assert!(after_by.contains("id=\"a-error\""), "{lang}: {html}");
            assert_eq!(input_value(&html, "a-value"), "ch-fleyriat.fr");
            // An unknown kind is said in words too.
            let (st, html) = post(
                format!("/structures/{id}/assets"),
                vec![("kind", "ftp"), ("value", "x.fr"), ("attested_by", "DSI")],
            )
            .await;
            assert_eq!(st, StatusCode::BAD_REQUEST);
            assert!(
                html.contains(if lang == "fr" {
                    "« ftp »"
                } else {
                    "“ftp”"
                }),
                "{html}"
            );
        }
        assert!(assets().await.is_empty(), "nothing stored");
        // Declared twice: the second says so in words, next to the value.
        set_lang(&c, &app, &csrf, "fr").await;
        let ok = vec![
            ("kind", "domain"),
            ("value", "ch-fleyriat.fr"),
            ("attested_by", "DSI"),
        ];
        let (st, _) = post(format!("/structures/{id}/assets"), ok.clone()).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let (st, html) = post(format!("/structures/{id}/assets"), ok).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(
            html.contains("L’actif « ch-fleyriat.fr » est déjà déclaré"),
            "{html}"
        );
        assert_eq!(assets().await, ["ch-fleyriat.fr"]);

        // A finding acknowledged without a note: the exposure page again, the error beside this
        // finding's note.
        let (st, html) = post(
            format!("/structures/{id}/exposure/findings/{finding}/acknowledge"),
            vec![("note", "   ")],
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{}", db.name);
        let note = html
            .split(&format!("id=\"note-{finding}\""))
            .nth(1)
            .and_then(|t| t.split("</div>").next())
            .unwrap_or_default();
        assert!(
            note.contains("Indiquez ce qui est fait au sujet de ce constat"),
            "{html}"
        );
        let f = app.store.get_finding(&system(), finding).await.unwrap();
        assert_ne!(f.status, "acknowledged");

        // The surveillance settings with an interval that is not one, by the CERT.
        let (cert, cert_csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
        for (typed, want) in [
            ("toutes les semaines", "pas « toutes les semaines »"),
            ("0", "Un intervalle de 0 heures n’est pas admis"),
        ] {
            let r = cert
                .post(format!(
                    "{}/structures/{id}/exposure/surveillance",
                    app.base
                ))
                .form(&[
                    ("csrf", cert_csrf.as_str()),
                    ("enabled", "1"),
                    ("interval_hours", typed),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
            let html = r.text().await.unwrap();
            let field = html
                .split("id=\"sv-interval\"")
                .nth(1)
                .and_then(|t| t.split("</div>").next())
                .unwrap_or_default();
            assert!(field.contains(want), "{typed}: {html}");
            assert_eq!(input_value(&html, "sv-interval"), typed);
            let r = cert
                .post(format!("{}/exposure/surveillance", app.base))
                .form(&[
                    ("csrf", cert_csrf.as_str()),
                    ("region", "84"),
                    ("enabled", "0"),
                    ("interval_hours", typed),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
            let html = r.text().await.unwrap();
            assert!(html.contains(want), "{typed}: {html}");
            assert_eq!(input_value(&html, "rs-interval"), typed);
            assert!(html.contains("<option value=\"0\" selected>"), "{html}");
        }
        let status = app.store.surveillance_status(&system(), id).await.unwrap();
        assert!(!status.enabled, "nothing stored");
        db.cleanup().await;
    }
}
