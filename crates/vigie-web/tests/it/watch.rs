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
