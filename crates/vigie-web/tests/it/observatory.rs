//! The observatory through the real server, on SQLite and on PostgreSQL: the 581 declarations of
//! 2023 imported through the CERT's page show their published figures on the page, in the PDF
//! (read back with poppler's `pdftotext`) and in the JSON; the open data never publishes a count
//! under 5; a regional centre sees its region only; a bad file imports nothing.

use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::testing;

use super::common::*;

const DATASET_2023: &[u8] =
    include_bytes!("../../../vigie-observatory/tests/data/observatory-2023.csv");

/// Spaces as a reader sees them (French numbers use narrow no-break spaces).
fn plain(s: &str) -> String {
    s.replace(['\u{202f}', '\u{a0}'], " ")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
}

async fn upload(
    c: &reqwest::Client,
    app: &App,
    csrf: &str,
    body: Vec<u8>,
    skip: bool,
) -> (StatusCode, String) {
    // As the page's form sends it: the token is the first field, never in the address.
    let mut form = reqwest::multipart::Form::new().text("csrf", csrf.to_string());
    if skip {
        form = form.text("skip_bad_rows", "1");
    }
    let form = form.part(
        "file",
        reqwest::multipart::Part::bytes(body).file_name("history.csv"),
    );
    let res = c
        .post(format!("{}/observatory/import", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

fn pdf_text(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("observatory.pdf");
    std::fs::write(&path, bytes).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn the_2023_figures_show_on_the_page_in_the_pdf_and_in_the_json() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
        // The import form carries its token as a field, not in its address.
        let form = c
            .get(format!("{}/observatory/import", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            form.contains("action=\"/observatory/import\"") && !form.contains("csrf="),
            "[{}] {form}",
            db.name
        );
        let (status, html) = upload(&c, &app, &csrf, DATASET_2023.to_vec(), false).await;
        assert_eq!(status, StatusCode::OK, "[{}] {html}", db.name);
        assert!(
            plain(&html).contains("581 déclarations importées"),
            "{html}"
        );

        let get = |p: &str| c.get(format!("{}{p}", app.base)).send();
        let res = get("/observatory?kind=year&year=2023&territory=fr")
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let page = plain(&res.text().await.unwrap());
        for (id, value) in [
            ("kf-declarations", "581"),
            ("kf-malicious", "50 %"),
            ("kf-care", "35 %"),
            ("kf-no-ops", "53 %"),
            ("kf-support", "165"),
            ("kf-ransomware", "69"),
        ] {
            let want = format!("id=\"{id}\"><span class=\"big\">{value}</span>");
            assert!(page.contains(&want), "[{}] page lacks {want}", db.name);
        }
        assert!(
            page.contains(
                "581 déclarations d'incident de sécurité du 1 janv. 2023 au 31 déc. 2023"
            ) || page.contains("581 déclarations d'incident de sécurité"),
            "{page}"
        );
        // each chart with its table and its text alternative (the header's icons aside)
        let main = page.split("<main").nth(1).unwrap_or_default();
        let charts = main.matches("<svg").count();
        assert!(charts >= 10, "{charts} charts");
        assert_eq!(page.matches("class=\"obs-alt\"").count(), charts);
        assert!(page.matches("<table class=\"obs-table\">").count() >= charts);
        assert!(page.contains("Compromission du système d'information"));

        let pdf = get("/observatory/report.pdf?kind=year&year=2023")
            .await
            .unwrap();
        assert_eq!(pdf.status(), StatusCode::OK);
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let text = plain(&pdf_text(&pdf.bytes().await.unwrap()));
        for part in [
            "Observatoire des incidents",
            "Résumé",
            "Chiffres clés",
            "581",
            "50 %",
            "35 %",
            "53 %",
            "165",
            "Déclarations par mois",
            "Incidents malveillants par type",
            "Méthode",
            "TLP:CLEAR",
        ] {
            assert!(
                text.contains(part),
                "[{}] the PDF lacks {part}: {text}",
                db.name
            );
        }

        let json: serde_json::Value = get("/observatory/data.json?kind=year&year=2023")
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(json["key"]["declarations"], 581);
        assert_eq!(json["key"]["malicious"], 290);
        assert_eq!(json["key"]["care_impact"], 203);
        assert_eq!(json["key"]["no_operations_impact"], 308);
        assert_eq!(json["key"]["support_requests"], 165);
        assert_eq!(json["by_month"].as_array().unwrap().len(), 12);

        let csv = get("/observatory/opendata.csv?kind=year&year=2023")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let mut suppressed = 0;
        for line in csv.lines().filter(|l| !l.starts_with('#')).skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 5, "{line}");
            if f[4] == "suppressed" {
                suppressed += 1;
                assert_eq!(f[3], "", "{line}");
            } else {
                let n: i64 = f[3].parse().unwrap();
                assert!(n == 0 || n >= 5, "published small count: {line}");
            }
        }
        assert!(suppressed > 0, "the small regions are hidden");
        assert!(
            csv.contains("region_sector,total,total,581,published"),
            "{csv}"
        );

        // English too
        let en = c
            .post(format!("{}/lang", app.base))
            .form(&[("lang", "en"), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(en.status(), StatusCode::SEE_OTHER);
        let page = get("/observatory?year=2023")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("50%") && page.contains("support requests"),
            "{page}"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_regional_centre_sees_its_region_and_nothing_else() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
        assert_eq!(
            upload(&c, &app, &csrf, DATASET_2023.to_vec(), false)
                .await
                .0,
            StatusCode::OK
        );
        let (r, _) = sign_in(&app, &w, Role::RegionalAnalyst).await;
        let get = |p: String| r.get(format!("{}{p}", app.base)).send();
        let res = get("/observatory?year=2023".into()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "[{}]", db.name);
        let page = plain(&res.text().await.unwrap());
        assert!(
            page.contains("id=\"kf-declarations\"><span class=\"big\">120</span>"),
            "{page}"
        );
        assert!(page.contains("<span id=\"obs-territory\">Île-de-France</span>"));
        // the selector offers its region and its GHTs, never France nor another region
        assert!(!page.contains("value=\"fr\""));
        assert!(!page.contains("value=\"region:84\""));
        let json: serde_json::Value = get("/observatory/data.json?year=2023".into())
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(json["key"]["declarations"], 120);
        assert_eq!(json["territory"]["code"], "11");
        // another region, another region's GHT: not there (IDOR)
        for p in [
            "/observatory?year=2023&territory=region:84".to_string(),
            "/observatory/data.json?year=2023&territory=84".to_string(),
            "/observatory/report.pdf?year=2023&territory=region:84".to_string(),
            "/observatory/opendata.csv?year=2023&territory=region:84".to_string(),
            format!(
                "/observatory/data.json?year=2023&territory=ght:{}",
                w.ght_ain
            ),
        ] {
            assert_eq!(
                get(p.clone()).await.unwrap().status(),
                StatusCode::NOT_FOUND,
                "{p}"
            );
        }
        // injected or nonsense parameters are refused, beside their field
        let res = get("/observatory?year=2023&territory=11'%20OR%20'1'='1".into())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        assert!(res.text().await.unwrap().contains("id=\"err-territory\""));
        let res = get("/observatory?kind=year&year=deux-mille".into())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("id=\"err-year\"") && html.contains("value=\"deux-mille\""),
            "{html}"
        );
        assert_eq!(
            get("/observatory?kind=custom&from=2023-05-01&to=2001-01-01".into())
                .await
                .unwrap()
                .status(),
            StatusCode::BAD_REQUEST
        );
        // no import for a region
        assert_eq!(
            get("/observatory/import".into()).await.unwrap().status(),
            StatusCode::FORBIDDEN
        );
        // a structure has no observatory
        let (s, _) = sign_in(&app, &w, Role::StructureAdmin).await;
        let res = s
            .get(format!("{}/observatory?year=2023", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_bad_file_imports_nothing_and_says_which_lines() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
        let file = "id;declared_at;region;structure_kind;origin;type;care_impact;no_operations_impact;support_requested;major\n\
                    B-1;2022-01-03T09:00:00+01:00;11;hospital;malicious;ransomware;yes;no;yes;no\n\
                    B-2;2022-01-03T09:00:00+01:00;99;hospital;malicious;ransomware;yes;no;yes;no\n\
                    B-3;2022-01-04T09:00:00+01:00;84;hospital;malicious;telecom_loss;no;yes;no;no\n\
                    B-4;2022-01-05T09:00:00+01:00;84;other;non_malicious;telecom_loss;no;yes;no;no\n";
        let (status, html) = upload(&c, &app, &csrf, file.as_bytes().to_vec(), false).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "[{}]", db.name);
        let html = plain(&html);
        assert!(html.contains("id=\"import-refused\""), "{html}");
        assert!(
            html.contains("<td>3</td><td>Colonne region : valeur inconnue « 99 ».</td>"),
            "{html}"
        );
        assert!(
            html.contains(
                "<td>4</td><td>Le type telecom_loss ne correspond pas à l'origine malicious.</td>"
            ),
            "{html}"
        );
        assert!(
            html.contains("Aucune déclaration importée n'est encore dans la base."),
            "{html}"
        );
        let (status, html) = upload(&c, &app, &csrf, file.as_bytes().to_vec(), true).await;
        assert_eq!(status, StatusCode::OK);
        assert!(plain(&html).contains("2 déclarations importées."), "{html}");
        // a file without the columns, and no file at all
        let (status, html) = upload(&c, &app, &csrf, b"id,when\n1,2\n".to_vec(), false).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("Il manque la colonne declared_at"), "{html}");
        let (status, _) = upload(&c, &app, &csrf, Vec::new(), false).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // without the CSRF token, nothing
        let res = c
            .post(format!("{}/observatory/import", app.base))
            .multipart(reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(file.as_bytes().to_vec()).file_name("h.csv"),
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        db.cleanup().await;
    }
}
