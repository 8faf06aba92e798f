//! What every page shares: security headers, the language, metrics, the OpenAPI document,
//! imports through the pages, and the catalogues of both languages.

use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::testing::{self};

use super::common::*;

#[tokio::test]
async fn headers_language_metrics_openapi_and_imports_through_pages() {
    let db = testing::sqlite().await;
    let app = spawn_app(
        &db,
        vigie_web::WebConfig {
            metrics_token: Some("metrics-token-0123456789".into()),
            ..Default::default()
        },
    )
    .await;
    let w = seed(&app.store).await;
    let anon = client();
    let res = anon
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let h = res.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
    let cookie = h
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        res.text().await.unwrap().contains("Connexion"),
        "French by default"
    );
    // French by default, whatever the browser prefers; the switch changes it, also before sign-in.
    let fr = anon
        .get(format!("{}/login", app.base))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fr.contains("Connexion") && !fr.contains("Sign in"));
    let en = anon
        .get(format!("{}/login", app.base))
        .header("cookie", "vigie_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Sign in"));
    let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
    let res = c
        .post(format!("{}/lang", app.base))
        .form(&[("csrf", csrf.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = c
        .get(format!("{}/structures", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Export as CSV") && page.contains("lang=\"en\""),
        "English after the switch"
    );
    // Import through the page (multipart, CSRF token in the query string).
    let upload = |path: &str, body: &'static [u8], name: &'static str| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(body).file_name(name),
        );
        c.post(format!("{}{path}", app.base)).multipart(form)
    };
    let upload = &upload;
    // The page an upload answers with.
    let upload_page = |path: String, body: &'static [u8], name: &'static str| async move {
        upload(&path, body, name)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let finess_path = format!("/import/finess?csrf={csrf}");
    let import_page = || upload_page(finess_path.clone(), FINESS_SMALL, "finess.csv");
    let html = import_page().await;
    assert!(html.contains("id=\"rejected\">2<"), "{html}");
    assert!(html.contains("wrong check key"), "English reasons: {html}");
    // Back to French: the same rejections, in French.
    c.post(format!("{}/lang", app.base))
        .form(&[("csrf", csrf.as_str()), ("lang", "fr")])
        .send()
        .await
        .unwrap();
    let html = import_page().await;
    assert!(
        html.contains("clé de contrôle incorrecte") && !html.contains("wrong check key"),
        "French reasons: {html}"
    );
    assert_eq!(
        upload("/import/finess", FINESS_SMALL, "finess.csv")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN,
        "no CSRF token"
    );
    assert!(
        upload_page(format!("/import/ght?csrf={csrf}"), GHT_SMALL, "ght.csv")
            .await
            .contains("import-report")
    );
    // Metrics: token required.
    assert_eq!(
        anon.get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let m = anon
        .get(format!("{}/metrics", app.base))
        .bearer_auth("metrics-token-0123456789")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("vigie_http_requests_total") && m.contains("vigie_database_up 1"),
        "{m}"
    );
    // OpenAPI and health.
    let doc: serde_json::Value = anon
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/structures/{id}/assets"]["post"].is_object());
    let health: serde_json::Value = anon
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    // CSV export: spreadsheet formulas are neutralised.
    app.store
        .set_contact(
            &system(),
            w.pitie,
            vigie_domain::structure::ContactRole::Director,
            "=HYPERLINK(\"x\")",
            None,
            None,
        )
        .await
        .unwrap();
    let csv = c
        .get(format!("{}/structures.csv", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("750100125"));
    // Password change: a wrong current password is refused; a new one ends the session.
    let res = c
        .post(format!("{}/account/password", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", "nope"),
            ("new", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = c
        .post(format!("{}/account/password", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", PASSWORD),
            ("new", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login");
    assert_eq!(
        c.get(format!("{}/", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    db.cleanup().await;
}

/// Every key the templates and the pages' code name exists in both languages (the catalogues
/// themselves are checked against each other by vigie-report).
#[test]
fn templates_and_pages_use_only_known_keys() {
    use vigie_web::i18n::{Lang, Tr};
    let mut files = Vec::new();
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("templates"), root.join("src")];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    let mut checked = 0;
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for marker in ["tr.t(\"", "label: \"", "tr().t(\""] {
            for part in text.split(marker).skip(1) {
                let key = part.split('"').next().unwrap();
                for lang in [Lang::Fr, Lang::En] {
                    assert!(
                        Tr::new(lang).has(key),
                        "{}: key {key} missing in {lang}",
                        path.display()
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(
        checked > 300,
        "only {checked} keys found: the markers are stale"
    );
}

/// Every action the store writes to the audit log is named in words in both languages on the
/// audit page (`ux-audit-<action>`): the actions are read from the store's sources, each first
/// string of an `Event::new(` (a conditional's strings all count).
#[test]
fn every_audit_action_has_a_label_in_both_languages() {
    use vigie_web::i18n::{Lang, Tr};
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../vigie-store/src");
    let mut dirs = vec![root];
    let mut actions = std::collections::BTreeSet::new();
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split("Event::new(").skip(1) {
                // Up to the first argument's end: the action (or the branches that choose it).
                let head: String = part.chars().take(200).collect();
                let head = head.split(", \"").next().unwrap_or_default();
                for (i, piece) in head.split('"').enumerate() {
                    let is_action = i % 2 == 1
                        && piece.contains('.')
                        && piece
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                    if is_action {
                        actions.insert(piece.to_string());
                    }
                }
            }
        }
    }
    assert!(
        actions.len() > 40,
        "only {} actions found: the marker is stale",
        actions.len()
    );
    for a in &actions {
        let key = format!("ux-audit-{}", a.replace('.', "-"));
        for lang in [Lang::Fr, Lang::En] {
            assert!(
                Tr::new(lang).has(&key),
                "audit action {a}: {key} missing in {lang}"
            );
        }
    }
}
