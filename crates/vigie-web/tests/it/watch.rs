//! The vulnerability watch's inventory pages with the open product model (issue 18): the form
//! takes any product name and comes back with what was typed when refused; an import's page
//! says, row by row, what resolved to what, in French and in English; a Latin-1 file is refused
//! naming its line, in the reader's language.

use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::testing;

use super::common::*;

#[tokio::test]
async fn inventory_form_and_import_report_with_open_products() {
    for db in testing::all().await {
        let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
        let w = seed(&app.store).await;
        let (c, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let id = w.fleyriat;
        let lang = |l: &'static str| {
            let c = c.clone();
            let csrf = csrf.clone();
            let base = app.base.clone();
            async move {
                c.post(format!("{base}/lang"))
                    .form(&[("csrf", csrf.as_str()), ("lang", l)])
                    .send()
                    .await
                    .unwrap();
            }
        };
        lang("fr").await;

        // The structure's page: a free product field with the catalogue as suggestions.
        let page = c
            .get(format!("{}/structures/{id}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("list=\"i-products\"") && page.contains("<option value=\"fortios\">"),
            "{}: {page}",
            db.name
        );
        assert!(!page.contains("<select id=\"i-product\""));

        // Any product is accepted and shown by its display name.
        let res = c
            .post(format!("{}/structures/{id}/inventory", app.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("product", "Roundcube Webmail"),
                ("version", "1.6.0"),
                ("location", "messagerie"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{}", db.name);
        let page = c
            .get(format!("{}/structures/{id}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<td>Roundcube Webmail</td>"), "{page}");

        // A refused item: the form comes back with what was typed, and why.
        let res = c
            .post(format!("{}/structures/{id}/inventory", app.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("product", "Acme Imaging Gateway"),
                ("version", ""),
                ("location", "PACS salle 2"),
                ("exposed", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let html = res.text().await.unwrap();
        assert!(html.contains("La version est vide"), "{html}");
        assert!(
            html.contains("value=\"Acme Imaging Gateway\"")
                && html.contains("value=\"PACS salle 2\"")
                && html.contains(" checked>"),
            "{html}"
        );

        // The import form carries its token as its first field, never in its address.
        let page = c
            .get(format!("{}/structures/{id}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let form = page
            .split("action=\"/structures/")
            .find(|f| f.contains("/inventory/import\""))
            .expect("the import form");
        assert!(
            form.contains("enctype=\"multipart/form-data\"")
                && form
                    .split("<input")
                    .nth(1)
                    .is_some_and(|i| i.contains("name=\"csrf\"")),
            "{form}"
        );
        assert!(!page.contains("import?csrf"), "{page}");
        // An import: every row with what it resolved to.
        let upload = |body: &'static [u8]| {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(body).file_name("inventaire.csv"),
                );
            c.post(format!("{}/structures/{id}/inventory/import", app.base))
                .multipart(form)
                .send()
        };
        let csv: &'static [u8] = b"product,version,location\nRoundcube Webmail,1.6.0,mail\nFortiGate,7.0.12,fw\n,1.0,rien\nAcme Imaging Gateway,,pacs\n";
        let res = upload(csv).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let html = res.text().await.unwrap();
        for want in [
            "id=\"import-rows\"",
            "<td class=\"mono\">roundcube:webmail</td>",
            "<td>Roundcube Webmail</td>",
            "nom de produit endoflife.date",
            "<td class=\"mono\">fortios</td>",
            "nom connu du catalogue",
            "Conservée",
            "Rejetée",
            "Aucun produit n’est indiqué.",
            "Incomplète (non importée)",
            "La version est vide",
        ] {
            assert!(html.contains(want), "{}: {want} in {html}", db.name);
        }
        lang("en").await;
        let html = upload(csv).await.unwrap().text().await.unwrap();
        for want in [
            "endoflife.date product name",
            "name the catalogue knows",
            "Kept",
            "Rejected",
            "No product is given.",
            "The version is empty",
        ] {
            assert!(html.contains(want), "{}: {want} in {html}", db.name);
        }

        // A bad line among good ones: the good lines are imported, the page says how many, and
        // lists the others with their line, their column and why, in the reader's language;
        // what was stored before is kept.
        lang("fr").await;
        let before = app.store.list_inventory(&system(), id).await.unwrap();
        let mixed: &'static [u8] = b"product,version,location,exposed\nfortios,7.2.9,fw-b,oui\nNginx,1.25.3,proxy,peut-etre\nnginx,,web,non\nApache HTTP Server,2.4.58,web,non\n";
        let res = upload(mixed).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", db.name);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("2 lignes importées sur 4 ; 2 lignes n’ont pas pu l’être"),
            "{}: {html}",
            db.name
        );
        let skipped = html
            .split("id=\"import-skipped\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap_or_else(|| panic!("{}: no list of rows left out: {html}", db.name));
        for want in [
            "<td>Ligne 3</td><td class=\"mono\">exposed</td>",
            "« peut-etre »",
            "<td>Ligne 4</td><td class=\"mono\">version</td>",
            "La version est vide",
        ] {
            assert!(skipped.contains(want), "{}: {want} in {skipped}", db.name);
        }
        let inv = app.store.list_inventory(&system(), id).await.unwrap();
        for b in &before {
            assert!(
                inv.iter().any(|i| i.id == b.id && i.version == b.version),
                "{}: {b:?} lost",
                db.name
            );
        }
        assert!(inv.iter().any(|i| i.version == "7.2.9" && i.exposed == 1));
        assert!(inv.iter().any(|i| i.version == "2.4.58"));
        assert!(!inv.iter().any(|i| i.location == "proxy"));
        lang("en").await;
        let html = upload(mixed).await.unwrap().text().await.unwrap();
        assert!(
            html.contains("2 rows imported out of 4; 2 rows could not be")
                && html.contains("<td>Line 3</td><td class=\"mono\">exposed</td>"),
            "{}: {html}",
            db.name
        );

        // Latin-1: refused, naming the line, in the reader's language; nothing imported.
        let latin1: &'static [u8] =
            b"product,version,location\nfortios,7.4.3,fw\nRoundcube Webmail,1.6.0,\xe9quipe\n";
        let res = upload(latin1).await.unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("Line 3: The file is not UTF-8"),
            "{}: {html}",
            db.name
        );
        lang("fr").await;
        let html = upload(latin1).await.unwrap().text().await.unwrap();
        assert!(
            html.contains("Ligne 3 : Le fichier n’est pas en UTF-8"),
            "{}: {html}",
            db.name
        );
        let inv = app.store.list_inventory(&system(), id).await.unwrap();
        assert!(
            !inv.iter().any(|i| i.version == "7.4.3"),
            "nothing of the Latin-1 file: {inv:?}"
        );
        db.cleanup().await;
    }
}

/// Advisories from the browser (issue 17): a CERT analyst uploads a document (ingested at once,
/// its report and the sources' freshness on the page) or gives an address, checked against the
/// feed policy (loopback only here) and queued for a worker, the request audited; refusals come
/// back beside their field in the reader's language; other roles are refused. Nothing is ever
/// contacted by the pages.
#[tokio::test]
async fn advisories_uploaded_or_fetched_from_an_allowed_address() {
    for db in testing::all().await {
        let app = spawn_app(
            &db,
            vigie_web::WebConfig {
                feeds: vigie_store::watch::FeedPolicy::default().with_hosts(["127.0.0.1"]),
                ..Default::default()
            },
        )
        .await;
        let w = seed(&app.store).await;
        let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
        c.post(format!("{}/lang", app.base))
            .form(&[("csrf", csrf.as_str()), ("lang", "fr")])
            .send()
            .await
            .unwrap();
        let page = c
            .get(format!("{}/watch/sources", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            page.contains("id=\"ingest-upload\"")
                && page.contains("id=\"ingest-url\"")
                && page.contains("contactées : 127.0.0.1"),
            "{page}"
        );
        let upload = |name: &'static str, body: Vec<u8>| {
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(body).file_name(name),
                );
            c.post(format!("{}/watch/sources/upload", app.base))
                .multipart(form)
                .send()
        };
        // A CVE record and the KEV catalogue: ingested, said, and their freshness shown.
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
        let cve = std::fs::read(data.join("cve-records/CVE-2024-55591.json")).unwrap();
        let res = upload("CVE-2024-55591.json", cve).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{}", db.name);
        let html = res.text().await.unwrap();
        assert!(
            html.contains("« CVE-2024-55591.json » importé. Enregistrements nouveaux : 1"),
            "{}: {html}",
            db.name
        );
        let kev =
            std::fs::read(data.join("cisa-kev/known_exploited_vulnerabilities.json")).unwrap();
        let html = upload("kev.json", kev).await.unwrap().text().await.unwrap();
        let table = html
            .split("id=\"watch-sources\"")
            .nth(1)
            .and_then(|t| t.split("</table>").next())
            .unwrap_or_else(|| panic!("no freshness table: {html}"));
        for source in ["<td>cve</td>", "<td>kev</td>"] {
            assert!(table.contains(source), "{}: {source} in {table}", db.name);
        }
        let sources = app.store.watch_sources(&system()).await.unwrap();
        let cve_row = sources.iter().find(|s| s.source == "cve").unwrap();
        assert!(cve_row.records >= 1 && cve_row.last_ingest_at.is_some());
        // The record dates from 2025: older than its usual period, said as such.
        assert!(cve_row.stale && table.contains("En retard"), "{table}");
        // A document of no known format: refused beside the file field.
        let res = upload("notes.json", b"{\"hello\": 1}".to_vec())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
        let html = res.text().await.unwrap();
        let field = html
            .split("id=\"ingest-file\"")
            .nth(1)
            .and_then(|t| t.split("</div>").next())
            .unwrap_or_default();
        assert!(
            field.contains("« notes.json » n’est pas un document d’avis reconnu"),
            "{html}"
        );

        // Addresses: deny by default, refused beside the field with what was typed.
        let give = |url: &'static str| {
            c.post(format!("{}/watch/sources/url", app.base))
                .form(&[("csrf", csrf.as_str()), ("url", url)])
                .send()
        };
        for (url, why) in [
            (
                "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json",
                "« www.cisa.gov » n’est pas parmi les sources autorisées",
            ),
            ("http://169.254.169.254/latest/meta-data/", "« 169.254.169.254 » n’est pas parmi"),
            ("file:///etc/passwd", "Les adresses « file: » ne sont pas lues"),
            ("http://user:pw@127.0.0.1/kev.json", "ni identifiant ni mot de passe"),
            ("kev.json", "Indiquez une adresse complète"),
        ] {
            let res = give(url).await.unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{url}");
            let html = res.text().await.unwrap();
            let field = html
                .split("id=\"ingest-address\"")
                .nth(1)
                .and_then(|t| t.split("</div>").next())
                .unwrap_or_default();
            assert!(field.contains(why), "{url}: {html}");
            assert!(
                html.contains(&format!("value=\"{}\"", url.replace('&', "&amp;"))),
                "{url}: what was typed"
            );
        }
        let queued = |kind: &'static str| {
            let store = app.store.clone();
            async move {
                store
                    .list_jobs(None, 100)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|j| j.kind == kind)
                    .collect::<Vec<_>>()
            }
        };
        assert!(queued("watch.ingest").await.is_empty(), "nothing queued");
        // An allowed address: queued for a worker (the page contacts nothing), audited.
        let res = give("http://127.0.0.1:9/feeds/kev.json").await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let to = res.headers()["location"].to_str().unwrap().to_string();
        let jobs = queued("watch.ingest").await;
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        assert_eq!(
            jobs[0].payload,
            r#"{"url":"http://127.0.0.1:9/feeds/kev.json"}"#
        );
        assert_eq!(to, format!("/watch/sources?queued={}", jobs[0].id));
        let html = c
            .get(format!("{}{to}", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            html.contains(&format!("(tâche n° {})", jobs[0].id)),
            "{html}"
        );
        let admin = vigie_store::Actor::system("test");
        let (audit, _) = app
            .store
            .audit_search(
                &admin,
                &vigie_store::audit::AuditQuery {
                    action: Some("watch.ingest.queue".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), 1, "{audit:?}");
        assert!(audit[0].actor.contains("cert_analyst"), "{audit:?}");
        assert!(audit[0].detail.contains("127.0.0.1:9/feeds/kev.json"));

        // National roles only.
        for r in [Role::RegionalAnalyst, Role::StructureAdmin, Role::Auditor] {
            let (other, other_csrf) = sign_in(&app, &w, r).await;
            let res = other
                .post(format!("{}/watch/sources/url", app.base))
                .form(&[
                    ("csrf", other_csrf.as_str()),
                    ("url", "http://127.0.0.1:9/kev.json"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::FORBIDDEN, "{r}");
        }
        assert_eq!(queued("watch.ingest").await.len(), 1);
        db.cleanup().await;
    }
}
