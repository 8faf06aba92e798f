//! Incidents through the real server: attachments (upload, download with its headers, the
//! attacks: another tenant, an analyst not named on a TLP:RED case, an oversized file, a
//! disguised type, a path-traversal name) and the printable report (HTML and PDF, its TLP
//! marking on every page), on SQLite and on PostgreSQL.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::testing;

use super::common::*;

fn file(name: &str, bytes: &[u8]) -> Form {
    Form::new().text("tlp", "").part(
        "file",
        Part::bytes(bytes.to_vec()).file_name(name.to_string()),
    )
}

#[tokio::test]
async fn attachments_over_http_are_checked_served_as_downloads_and_scoped() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let amber = incident_seed(&app.store, w.fleyriat, "amber").await;
        let red = incident_seed(&app.store, w.fleyriat, "red").await;
        // The structure's administrator is named on neither: the platform declared them. It
        // names itself on the RED one (as the declarant would be).
        app.store
            .name_on_incident(&system(), red, "structure_admin@matrix.example")
            .await
            .unwrap();
        let (admin, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let upload = |c: reqwest::Client, csrf: String, id: i64, form: Form| {
            let base = app.base.clone();
            async move {
                c.post(format!("{base}/incidents/{id}/attachments?csrf={csrf}"))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
        let r = upload(
            admin.clone(),
            csrf.clone(),
            amber,
            file("rapport d'analyse.pdf", &pdf),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let page = admin
            .get(format!("{}/incidents/{amber}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let link = page
            .split(&format!("href=\"/incidents/{amber}/attachments/"))
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no attachment link: {page}"))
            .to_string();
        assert!(page.contains("rapport d&#39;analyse.pdf"));
        let path = format!("/incidents/{amber}/attachments/{link}");

        // The CERT's analyst (national) downloads it: an attachment, its type, nosniff.
        let (cert, _) = sign_in(&app, &w, Role::CertAnalyst).await;
        let r = cert
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let disposition = r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_string();
        assert!(
            disposition.starts_with("attachment; filename=\"rapport d_analyse.pdf\""),
            "{disposition}"
        );
        assert!(
            disposition.contains("filename*=UTF-8''rapport%20d%27analyse.pdf"),
            "{disposition}"
        );
        assert!(r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("no-store"));
        assert_eq!(r.bytes().await.unwrap().to_vec(), pdf);

        // Another region's analyst (Île-de-France) and another GHT's officer: not found.
        let (region, _) = sign_in(&app, &w, Role::RegionalAnalyst).await;
        let r = region
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // On the TLP:RED case, the administrator (named) attaches; the CERT (not named) gets 404.
        let r = upload(
            admin.clone(),
            csrf.clone(),
            red,
            file("journal.txt", b"10:02 connexion VPN admin\n"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let case = app.store.get_incident_case(&system(), red).await.unwrap();
        let secret = case.attachments[0].id;
        let r = cert
            .get(format!("{}/incidents/{red}/attachments/{secret}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "TLP:RED to an unnamed analyst"
        );
        let r = admin
            .get(format!("{}/incidents/{red}/attachments/{secret}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
        // The RED case's attachment asked through the AMBER case: not found either.
        let r = cert
            .get(format!(
                "{}/incidents/{amber}/attachments/{secret}",
                app.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);

        // Refused, the reason beside the file field, nothing stored.
        for (name, content, says) in [
            (
                "rapport.pdf",
                b"MZ\x90\0\x03\0\0\0This program cannot be run in DOS mode".to_vec(),
                "Ce type de fichier n&#39;est pas accepté",
            ),
            (
                "capture.pdf",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
                "se termine par .pdf",
            ),
            (
                "../../etc/passwd",
                b"root:x:0:0:root".to_vec(),
                "simple nom de fichier",
            ),
            (
                "page.html",
                b"<script>alert(1)</script>".to_vec(),
                "se termine par .html",
            ),
        ] {
            let r = upload(admin.clone(), csrf.clone(), amber, file(name, &content)).await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{name}");
            let html = r.text().await.unwrap();
            let beside = html
                .split("id=\"a-file-error\"")
                .nth(1)
                .unwrap_or_else(|| panic!("{name}: {html}"));
            assert!(beside.contains(says), "{name}: {beside}");
        }
        // Over the limit: the 413 page that says the limit, nothing read, nothing stored.
        let big = vec![b'a'; vigie_domain::upload::MAX_SIZE + 128 * 1024];
        let r = upload(admin.clone(), csrf.clone(), amber, file("gros.txt", &big)).await;
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        // Just over the engine's limit but inside the route's room: refused by the store.
        let over = vec![b'a'; vigie_domain::upload::MAX_SIZE + 1];
        let r = upload(admin.clone(), csrf.clone(), amber, file("gros.txt", &over)).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("dépasse la taille autorisée (10 Mio)"));
        // Without the CSRF token: refused.
        let r = admin
            .post(format!("{}/incidents/{amber}/attachments", app.base))
            .multipart(file("x.txt", b"x"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Another structure's incident: not found, even with a valid file.
        let other = incident_seed(&app.store, w.pitie, "amber").await;
        let r = upload(admin.clone(), csrf.clone(), other, file("x.txt", b"x")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        let case = app.store.get_incident_case(&system(), amber).await.unwrap();
        assert_eq!(case.attachments.len(), 1, "nothing stored by the refusals");
        assert!(app
            .store
            .get_incident_case(&system(), other)
            .await
            .unwrap()
            .attachments
            .is_empty());
        db.cleanup().await;
    }
}

/// The printable report: HTML with its marking, and a PDF that a reader shows with the marking
/// on every page; an incident whose observable is RED is marked RED.
#[tokio::test]
async fn the_incident_report_prints_with_its_marking_on_every_page() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let id = incident_seed(&app.store, w.fleyriat, "amber").await;
        for n in 0..40 {
            app.store
                .add_incident_note(&system(), id, &format!("Échange n° {n} avec la structure : sauvegardes vérifiées, serveurs isolés."), false)
                .await
                .unwrap();
        }
        let (c, _) = sign_in(&app, &w, Role::CertAnalyst).await;
        let html = c
            .get(format!("{}/incidents/{id}/report", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(html.status(), StatusCode::OK);
        let html = html.text().await.unwrap();
        assert!(html.contains("id=\"tlp\""), "{html}");
        assert!(html.contains("TLP:AMBER"));
        assert!(html.contains("Rapport d&#39;incident"));
        let pdf = c
            .get(format!("{}/incidents/{id}/report.pdf", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.unwrap();
        let shown = pdftotext(&bytes);
        let pages: Vec<&str> = shown
            .split('\u{c}')
            .filter(|p| !p.trim().is_empty())
            .collect();
        assert!(pages.len() >= 2, "{} pages: {shown}", pages.len());
        for (n, p) in pages.iter().enumerate() {
            assert!(p.matches("TLP:AMBER").count() >= 2, "page {}: {p}", n + 1);
        }
        assert!(shown.contains("Échange n° 39"));
        // A RED observable seen by a named person makes the whole report RED.
        app.store
            .add_incident_observable(&system(), id, "ip", "192.0.2.66", "red", true, "C2")
            .await
            .unwrap();
        app.store
            .name_on_incident(&system(), id, "cert_analyst@matrix.example")
            .await
            .unwrap();
        let bytes = c
            .get(format!("{}/incidents/{id}/report.pdf", app.base))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let shown = pdftotext(&bytes);
        assert!(
            shown.contains("TLP:RED") && !shown.contains("TLP:AMBER"),
            "{shown}"
        );
        // Out of scope: not found.
        let (region, _) = sign_in(&app, &w, Role::RegionalAnalyst).await;
        for p in ["report", "report.pdf"] {
            let r = region
                .get(format!("{}/incidents/{id}/{p}", app.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{p}");
        }
        db.cleanup().await;
    }
}

fn pdftotext(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

/// A sector-wide alert through the pages: the case offers the struck structure's products; the
/// preview lists whom it would reach (not the struck structure); a mistake comes back in French
/// next to the form, keeping the message typed, and sends nothing; sent, the case lists it.
#[tokio::test]
async fn a_sector_alert_is_previewed_then_sent_and_a_mistake_keeps_the_message() {
    use vigie_store::watch::NewItem;
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        for (structure, version) in [(w.fleyriat, "7.0.12"), (w.pitie, "7.2.4")] {
            app.store
                .add_inventory_item(
                    &system(),
                    structure,
                    &NewItem {
                        product: "fortios".into(),
                        version: version.into(),
                        location: String::new(),
                        origin: "form".into(),
                        exposed: true,
                    },
                )
                .await
                .unwrap();
        }
        let id = incident_seed(&app.store, w.fleyriat, "amber").await;
        let (cert, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
        let get = |path: String| {
            let c = cert.clone();
            let base = app.base.clone();
            async move {
                let r = c.get(format!("{base}{path}")).send().await.unwrap();
                (r.status(), r.text().await.unwrap())
            }
        };
        let (status, case) = get(format!("/incidents/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        let key = case
            .split("id=\"sa-product\" name=\"product\"><option value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_else(|| panic!("no product offered: {case}"))
            .to_string();
        assert!(case.contains("Aucune alerte sectorielle envoyée"));

        let (status, preview) = get(format!("/incidents/{id}/sector?product={key}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            preview.contains("Cette alerte atteindra 1 structure de votre périmètre."),
            "{preview}"
        );
        assert!(preview.contains(&format!("href=\"/structures/{}\"", w.pitie)));
        assert!(!preview.contains(&format!("href=\"/structures/{}\"", w.fleyriat)));

        let send = |tlp: &'static str| {
            let c = cert.clone();
            let base = app.base.clone();
            let (csrf, key) = (csrf.clone(), key.clone());
            async move {
                let r = c
                    .post(format!("{base}/incidents/{id}/sector"))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("product", key.as_str()),
                        (
                            "message",
                            "Mettez à jour FortiOS <vite> et changez les mots de passe.",
                        ),
                        ("tlp", tlp),
                    ])
                    .send()
                    .await
                    .unwrap();
                (r.status(), r.text().await.unwrap_or_default())
            }
        };
        let (status, again) = send("red").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(again.contains("id=\"sector-error\""), "{again}");
        assert!(
            again.contains("TLP:CLEAR, TLP:GREEN ou TLP:AMBER"),
            "{again}"
        );
        assert!(
            again.contains("Mettez à jour FortiOS &#60;vite&#62; et changez les mots de passe."),
            "the message typed is kept: {again}"
        );
        assert!(app
            .store
            .incident_sector_alerts(&system(), id)
            .await
            .unwrap()
            .is_empty());

        let (status, _) = send("green").await;
        assert_eq!(status, StatusCode::SEE_OTHER, "back to the case");
        let (_, case) = get(format!("/incidents/{id}")).await;
        assert!(case.contains("id=\"sector-alerts\""), "{case}");
        assert!(case.contains("TLP:GREEN"));
        assert!(case.contains("alerte sectorielle envoyée"));
        db.cleanup().await;
    }
}
