//! The evidence of a plan's action as files, through the real server: attached from the plan's
//! page (the CSRF token as the form's first field, as the page sends it), listed on the plan,
//! downloaded with its headers, refused with the reason beside the action's file field in the
//! reader's language and the note typed kept (an oversized file, a disguised type, a
//! path-traversal name), removed after a confirmation, and another structure's as if absent; on
//! SQLite and on PostgreSQL.

use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::testing;

use super::common::*;

/// The plan page's upload form: its CSRF token first, then the note and the file.
fn evidence(csrf: &str, note: &str, name: &str, bytes: &[u8]) -> Form {
    Form::new()
        .text("csrf", csrf.to_string())
        .text("note", note.to_string())
        .part(
            "file",
            Part::bytes(bytes.to_vec()).file_name(name.to_string()),
        )
}

#[tokio::test]
async fn evidence_files_on_the_plan_page_are_checked_served_and_scoped() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let (action, _) = plan_evidence_seed(&app.store, w.fleyriat).await;
        let (theirs, their_file) = plan_evidence_seed(&app.store, w.pitie).await;
        let (admin, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let upload = |c: reqwest::Client, id: i64, form: Form| {
            let base = app.base.clone();
            async move {
                c.post(format!("{base}/plan/actions/{id}/evidence"))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap()
            }
        };
        let plan = |c: reqwest::Client| {
            let base = app.base.clone();
            let id = w.fleyriat;
            async move {
                c.get(format!("{base}/structures/{id}/plan"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            }
        };
        let fetch = |c: reqwest::Client, p: String| {
            let base = app.base.clone();
            async move { c.get(format!("{base}{p}")).send().await.unwrap() }
        };
        // The page offers the form to attach evidence to each action.
        let page = plan(admin.clone()).await;
        assert!(
            page.contains(&format!(
                "action=\"/plan/actions/{action}/evidence\" enctype=\"multipart/form-data\""
            )),
            "{page}"
        );
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
        let r = upload(
            admin.clone(),
            action,
            evidence(
                &csrf,
                "Attestation du prestataire",
                "attestation été.pdf",
                &pdf,
            ),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let files = app
            .store
            .plan_evidence_files(&system(), w.fleyriat)
            .await
            .unwrap();
        let mine = files
            .iter()
            .find(|f| f.name == "attestation été.pdf")
            .unwrap()
            .id;
        // Listed on the plan with its note, as a download.
        let page = plan(admin.clone()).await;
        let link = format!("href=\"/plan/actions/{action}/evidence/{mine}\" download");
        assert!(page.contains(&link), "{page}");
        assert!(page.contains("Attestation du prestataire"));
        // Downloaded as an attachment, with its checked type, never sniffed nor cached.
        let r = fetch(
            admin.clone(),
            format!("/plan/actions/{action}/evidence/{mine}"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        let h = r.headers().clone();
        assert_eq!(h["content-type"], "application/pdf");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h["cache-control"].to_str().unwrap().contains("no-store"));
        assert!(h["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"attestation _t_.pdf\""));
        assert_eq!(r.bytes().await.unwrap().as_ref(), &pdf[..]);
        // A member of the structure reads the plan and its files, and has no form to change it.
        let (member, _) = sign_in(&app, &w, Role::StructureMember).await;
        let page = plan(member.clone()).await;
        assert!(page.contains(&link));
        assert!(!page.contains(&format!("/plan/actions/{action}/evidence/{mine}/delete")));
        assert!(!page.contains(&format!("action=\"/plan/actions/{action}/evidence\"")));
        let r = fetch(
            member.clone(),
            format!("/plan/actions/{action}/evidence/{mine}"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK);
        // Refused beside the action's file field, the note typed kept, nothing stored.
        for (name, content, says) in [
            (
                "rapport.pdf",
                b"MZ\x90\0\x03\0\0\0This program cannot be run".to_vec(),
                "seuls les PDF, images PNG",
            ),
            (
                "capture.pdf",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(),
                "le contenu est un fichier PNG",
            ),
            (
                "../../etc/passwd",
                b"root:x:0:0:root".to_vec(),
                "simple nom de fichier",
            ),
            (
                "gros.txt",
                vec![b'a'; vigie_domain::upload::MAX_SIZE + 1],
                "dépasse la taille autorisée (10 Mio)",
            ),
        ] {
            let r = upload(
                admin.clone(),
                action,
                evidence(&csrf, "Note « gardée »", name, &content),
            )
            .await;
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{name}");
            let html = r.text().await.unwrap();
            let beside = html
                .split(&format!("id=\"f-{action}-error\""))
                .nth(1)
                .unwrap_or_else(|| panic!("{name}: {html}"));
            assert!(beside.contains(says), "{name}: {beside}");
            assert!(
                html.contains("value=\"Note « gardée »\""),
                "{name}: the note typed is kept"
            );
        }
        // Over the route's room: the 413 page that says the limit, nothing read.
        let big = vec![b'a'; vigie_domain::upload::MAX_SIZE + 128 * 1024];
        let r = upload(admin.clone(), action, evidence(&csrf, "", "gros.txt", &big)).await;
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert!(r
            .text()
            .await
            .unwrap()
            .contains("Envoi trop volumineux : la limite est de"));
        // Without the CSRF token: refused.
        let r = admin
            .post(format!("{}/plan/actions/{action}/evidence", app.base))
            .multipart(Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.txt")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        // Another structure's action and file: not found, even with a valid file.
        let r = upload(admin.clone(), theirs, evidence(&csrf, "", "x.txt", b"x")).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        for p in [
            format!("/plan/actions/{theirs}/evidence/{their_file}"),
            format!("/plan/actions/{action}/evidence/{their_file}"),
        ] {
            let r = fetch(admin.clone(), p.clone()).await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{p}");
        }
        assert_eq!(
            app.store
                .plan_evidence_files(&system(), w.fleyriat)
                .await
                .unwrap()
                .len(),
            2,
            "nothing stored by the refusals"
        );
        // In English for a reader who speaks English.
        let r = admin
            .post(format!("{}/lang", app.base))
            .form(&[("lang", "en"), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = upload(
            admin.clone(),
            action,
            evidence(&csrf, "", "..\\..\\boot.ini", b"[boot]"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(r.text().await.unwrap().contains("is not a plain file name"));
        // Removed after the confirmation the page asks for.
        let page = plan(admin.clone()).await;
        let remove = format!("/plan/actions/{action}/evidence/{mine}/delete");
        let at = page.find(&remove).unwrap();
        assert!(
            page[..at].rfind("<details class=\"confirm\">") > page[..at].rfind("</details>"),
            "the removal sits in a confirmation"
        );
        let r = admin
            .post(format!("{}{remove}", app.base))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let r = fetch(
            admin.clone(),
            format!("/plan/actions/{action}/evidence/{mine}"),
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // The regional analyst of the other structure's region attaches to its action.
        let (analyst, acsrf) = sign_in(&app, &w, Role::RegionalAnalyst).await;
        let r = upload(
            analyst.clone(),
            theirs,
            evidence(
                &acsrf,
                "Capture de la console",
                "console.png",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            ),
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        // The plan's API lists each action's files.
        let tok = &w.tokens[&Role::StructureAdmin];
        let doc: serde_json::Value = client()
            .get(format!(
                "{}/api/v1/structures/{}/plan",
                app.base, w.fleyriat
            ))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let a = doc
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == action)
            .unwrap();
        assert_eq!(a["evidence_files"].as_array().unwrap().len(), 1);
        assert_eq!(a["evidence_files"][0]["name"], "preuve.txt");
        db.cleanup().await;
    }
}
