//! "Mon compte" and the administration of one account (issue 17), on SQLite and PostgreSQL: the
//! language an account chooses speaks on every page and device; the second factor renewed with
//! the current password and a code of the new app, turned off only where the role allows it;
//! an account's role and scope edited with the refusal beside its field and what was typed kept;
//! a password reset shown once.

use reqwest::{Client, StatusCode};
use vigie_domain::role::Role;
use vigie_store::testing;

use super::common::*;

async fn text(c: &Client, url: String) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn post(c: &Client, url: String, form: &[(&str, &str)]) -> (StatusCode, String) {
    let r = c.post(url).form(form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// HTML's escapes of an attribute or a text, undone.
fn unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#43;", "+")
        .replace("&#61;", "=")
        .replace("&amp;", "&")
}

/// The text after `start` up to `end`, unescaped.
fn between(html: &str, start: &str, end: &str) -> String {
    let s = html
        .split(start)
        .nth(1)
        .and_then(|s| s.split(end).next())
        .unwrap_or_else(|| panic!("{start:?} not in {html}"));
    unescape(s)
}

#[tokio::test]
async fn account_language_preference_speaks_on_every_page_and_device() {
    for db in testing::all().await {
        let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
        let w = seed(&app.store).await;
        let me = w.users[&Role::StructureMember];
        let (c, csrf) = sign_in(&app, &w, Role::StructureMember).await;
        let (_, html) = text(&c, format!("{}/account", app.base)).await;
        assert!(html.contains("<html lang=\"fr\"") && html.contains("Mon compte"));
        // A language Vigie does not speak is refused beside the field, in the page's language.
        let (st, html) = post(
            &c,
            format!("{}/account/language", app.base),
            &[("csrf", &csrf), ("lang", "de")],
        )
        .await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("id=\"err-lang\""), "{html}");
        assert!(html.contains("n’est pas proposée"), "{html}");
        // Without the CSRF token nothing changes.
        let res = c
            .post(format!("{}/account/language", app.base))
            .form(&[("lang", "en")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            app.store.get_user(&system(), me).await.unwrap().locale,
            "fr"
        );
        let res = c
            .post(format!("{}/account/language", app.base))
            .form(&[("csrf", csrf.as_str()), ("lang", "en")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            app.store.get_user(&system(), me).await.unwrap().locale,
            "en"
        );
        let (_, html) = text(&c, format!("{}/structures", app.base)).await;
        assert!(html.contains("<html lang=\"en\""), "[{}]", db.name);
        // Another device, without the language cookie, a French browser: the account's choice.
        let other = client();
        let (other, csrf2) = {
            let (c2, csrf) = form_csrf(other, &app, "/login").await;
            let res = c2
                .post(format!("{}/login", app.base))
                .header("accept-language", "fr-FR,fr")
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("email", "structure_member@matrix.example"),
                    ("password", PASSWORD),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER);
            form_csrf(c2, &app, "/account").await
        };
        let (_, html) = text(&other, format!("{}/account", app.base)).await;
        assert!(
            html.contains("<html lang=\"en\"") && html.contains("My account"),
            "[{}] the stored language on another device",
            db.name
        );
        // The header's switch changes the account's language too.
        other
            .post(format!("{}/lang", app.base))
            .form(&[("csrf", csrf2.as_str()), ("lang", "fr")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            app.store.get_user(&system(), me).await.unwrap().locale,
            "fr"
        );
        let (_, html) = text(&c, format!("{}/account", app.base)).await;
        assert!(html.contains("<html lang=\"fr\""));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn account_second_factor_renewed_with_password_and_code_and_off_by_role() {
    for db in testing::all().await {
        let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
        let w = seed(&app.store).await;
        let me = w.users[&Role::StructureAdmin];
        let email = "structure_admin@matrix.example";
        let (c, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let (_, html) = text(&c, format!("{}/account", app.base)).await;
        assert!(html.contains("id=\"account-mfa-state\""));
        assert!(
            !html.contains("/account/totp/disable"),
            "nothing to turn off"
        );
        let (st, html) = text(&c, format!("{}/account/totp", app.base)).await;
        assert_eq!(st, StatusCode::OK);
        let secret = between(&html, "id=\"totp-secret\">", "<");
        let offer = between(&html, "name=\"offer\" value=\"", "\"");
        assert!(!offer.contains(&secret), "the form carries the seed sealed");
        let totp = vigie_web::auth::totp_for(&secret, email).unwrap();
        let url = format!("{}/account/totp", app.base);
        // A wrong password: refused beside its field, the code typed kept, the same seed.
        let (st, html) = post(
            &c,
            url.clone(),
            &[
                ("csrf", &csrf),
                ("offer", &offer),
                ("current", "not my password"),
                ("code", "123456"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(html.contains("id=\"err-current\""), "{html}");
        assert!(html.contains("value=\"123456\""), "the code typed is kept");
        assert_eq!(between(&html, "id=\"totp-secret\">", "<"), secret);
        // A wrong code: beside the code.
        let (st, html) = post(
            &c,
            url.clone(),
            &[
                ("csrf", &csrf),
                ("offer", &offer),
                ("current", PASSWORD),
                ("code", "000000"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(html.contains("id=\"err-code\""), "{html}");
        assert_eq!(
            app.store.login_user_by_id(me).await.unwrap().totp_enabled,
            0
        );
        // A seed the form chose itself is not taken.
        let (st, html) = post(
            &c,
            url.clone(),
            &[
                ("csrf", &csrf),
                ("offer", &secret),
                ("current", PASSWORD),
                ("code", &totp.generate_current().unwrap()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(html.contains("id=\"err-offer\""), "{html}");
        // The password and a code of the new app: saved.
        let (st, html) = post(
            &c,
            url.clone(),
            &[
                ("csrf", &csrf),
                ("offer", &offer),
                ("current", PASSWORD),
                ("code", &totp.generate_current().unwrap()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"account-message\""), "{html}");
        let u = app.store.login_user_by_id(me).await.unwrap();
        assert_eq!(u.totp_enabled, 1);
        assert_eq!(u.totp_secret.as_deref(), Some(secret.as_str()));
        // Renewing it again takes a code of the factor in place too: a session and a password
        // alone do not replace it.
        let (_, html) = text(&c, format!("{}/account/totp", app.base)).await;
        assert!(html.contains("name=\"current_code\""), "{html}");
        let secret2 = between(&html, "id=\"totp-secret\">", "<");
        let offer2 = between(&html, "name=\"offer\" value=\"", "\"");
        let totp2 = vigie_web::auth::totp_for(&secret2, email).unwrap();
        let next_step = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 30;
        for wrong in ["", "000000"] {
            let (st, html) = post(
                &c,
                url.clone(),
                &[
                    ("csrf", &csrf),
                    ("offer", &offer2),
                    ("current", PASSWORD),
                    ("current_code", wrong),
                    ("code", &totp2.generate_current().unwrap()),
                ],
            )
            .await;
            assert_eq!(st, StatusCode::BAD_REQUEST);
            assert!(html.contains("id=\"err-current-code\""), "{html}");
            assert_eq!(
                app.store.login_user_by_id(me).await.unwrap().totp_secret,
                Some(secret.clone())
            );
        }
        let (st, html) = post(
            &c,
            url.clone(),
            &[
                ("csrf", &csrf),
                ("offer", &offer2),
                ("current", PASSWORD),
                ("current_code", &totp.generate(next_step)),
                ("code", &totp2.generate_current().unwrap()),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert_eq!(
            app.store.login_user_by_id(me).await.unwrap().totp_secret,
            Some(secret2.clone())
        );
        // This role may turn it off, with its password.
        let (_, html) = text(&c, format!("{}/account", app.base)).await;
        assert!(html.contains("/account/totp/disable"));
        let off = format!("{}/account/totp/disable", app.base);
        let (_, html) = post(&c, off.clone(), &[("csrf", &csrf), ("current", "nope")]).await;
        assert!(html.contains("id=\"err-totp-current\""), "{html}");
        assert_eq!(
            app.store.login_user_by_id(me).await.unwrap().totp_enabled,
            1
        );
        let (st, _) = post(&c, off.clone(), &[("csrf", &csrf), ("current", PASSWORD)]).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(
            app.store.login_user_by_id(me).await.unwrap().totp_enabled,
            0
        );
        // A national role keeps its second factor.
        let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
        let (_, html) = text(&c, format!("{}/account", app.base)).await;
        assert!(!html.contains("/account/totp/disable"));
        let (_, html) = post(&c, off, &[("csrf", &csrf), ("current", PASSWORD)]).await;
        assert!(html.contains("id=\"err-account\""), "{html}");
        let cert = w.users[&Role::CertAnalyst];
        assert_eq!(
            app.store.login_user_by_id(cert).await.unwrap().totp_enabled,
            1
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn users_page_edits_role_and_scope_keeping_input_and_resets_password() {
    for db in testing::all().await {
        let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
        let w = seed(&app.store).await;
        let member = w.users[&Role::StructureMember];
        let (c, csrf) = sign_in(&app, &w, Role::Admin).await;
        let (_, html) = text(&c, format!("{}/users", app.base)).await;
        assert!(html.contains(&format!("href=\"/users/{member}\"")));
        let url = format!("{}/users/{member}", app.base);
        let (st, html) = text(&c, url.clone()).await;
        assert_eq!(st, StatusCode::OK);
        assert!(
            html.contains("010000024"),
            "its structure, by FINESS: {html}"
        );
        assert!(html.contains("id=\"user-last-sign-in\""));
        // The creation form too: each refusal beside its field, what was typed kept (never the
        // password), in the viewer's language.
        let users_url = format!("{}/users", app.base);
        let typed = |email: &'static str, structures: &'static str, password: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("email", email.to_string()),
                ("display_name", "Jeanne Martin".to_string()),
                ("role", "structure_admin".to_string()),
                ("region", String::new()),
                ("ght", String::new()),
                ("structures", structures.to_string()),
                ("password", password.to_string()),
            ]
        };
        for (form, field, words) in [
            (
                typed("not-an-address", "010000024", "a long enough password"),
                "err-email",
                "adresse électronique",
            ),
            (
                typed(
                    "structure_member@matrix.example",
                    "010000024",
                    "a long enough password",
                ),
                "err-email",
                "existe déjà",
            ),
            (
                typed("jeanne@matrix.example", "010000024", "short"),
                "err-password",
                "12",
            ),
            (
                typed("jeanne@matrix.example", "", "a long enough password"),
                "err-structures",
                "au moins une structure",
            ),
        ] {
            let res = c.post(users_url.clone()).form(&form).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::BAD_REQUEST);
            let html = res.text().await.unwrap();
            assert!(html.contains(&format!("id=\"{field}\"")), "{field}: {html}");
            assert!(html.contains(words), "{field}: {words} in {html}");
            assert!(html.contains("value=\"Jeanne Martin\""));
            assert!(html.contains("<option value=\"structure_admin\" selected>"));
            assert!(
                !html.contains("a long enough password"),
                "the password is not sent back"
            );
        }
        // A regional role without its region: beside the region, what was typed kept.
        let (st, html) = post(
            &c,
            url.clone(),
            &[
                ("csrf", &csrf),
                ("role", "regional_analyst"),
                ("region", ""),
                ("ght", ""),
                ("structures", "010000024, 750100125"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(html.contains("id=\"err-region\""), "{html}");
        assert!(
            html.contains("exige une région"),
            "in the viewer's language"
        );
        assert!(html.contains("<option value=\"regional_analyst\" selected>"));
        assert!(html.contains("value=\"010000024, 750100125\""));
        // An unknown FINESS: beside the structures.
        let (st, html) = post(
            &c,
            url.clone(),
            &[
                ("csrf", &csrf),
                ("role", "structure_admin"),
                ("region", ""),
                ("ght", ""),
                ("structures", "010000024 123456789"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(html.contains("id=\"err-structures\""), "{html}");
        assert!(html.contains("123456789"));
        assert!(html.contains("value=\"010000024 123456789\""));
        assert_eq!(
            app.store.get_user(&system(), member).await.unwrap().role,
            "structure_member"
        );
        // The member's session sees the change at its next request.
        let (mc, _) = sign_in(&app, &w, Role::StructureMember).await;
        let (_, html) = text(&mc, format!("{}/structures", app.base)).await;
        assert!(!html.contains("750100125"));
        let (st, html) = post(
            &c,
            url.clone(),
            &[
                ("csrf", &csrf),
                ("role", "structure_admin"),
                ("region", ""),
                ("ght", ""),
                ("structures", "010000024, 750100125"),
            ],
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{html}");
        assert!(html.contains("id=\"user-message\""));
        let u = app.store.get_user(&system(), member).await.unwrap();
        assert_eq!(u.role, "structure_admin");
        assert_eq!(app.store.user_structure_ids(member).await.unwrap().len(), 2);
        let (_, html) = text(&mc, format!("{}/structures", app.base)).await;
        assert!(
            html.contains("750100125"),
            "[{}] the new scope at once",
            db.name
        );
        // One's own role is not changed here.
        let admin = w.users[&Role::Admin];
        let (st, html) = post(
            &c,
            format!("{}/users/{admin}", app.base),
            &[("csrf", &csrf), ("role", "auditor")],
        )
        .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{html}");
        assert!(html.contains("id=\"err-user\""), "{html}");
        assert_eq!(
            app.store.get_user(&system(), admin).await.unwrap().role,
            "admin"
        );
        // A password reset: shown once, the old one no longer signs in, the new one must change.
        let (st, html) = post(&c, format!("{url}/reset-password"), &[("csrf", &csrf)]).await;
        assert_eq!(st, StatusCode::OK);
        let fresh = between(&html, "id=\"one-time-password\">", "<");
        assert!(fresh.len() >= 12);
        let (_, html) = text(&c, url.clone()).await;
        assert!(!html.contains(&fresh), "shown once");
        assert_eq!(
            text(&mc, format!("{}/structures", app.base)).await.0,
            StatusCode::SEE_OTHER,
            "the member's session ended"
        );
        let login = |password: String| {
            let app = &app;
            async move {
                let (c2, csrf) = form_csrf(client(), app, "/login").await;
                let res = c2
                    .post(format!("{}/login", app.base))
                    .form(&[
                        ("csrf", csrf.as_str()),
                        ("email", "structure_member@matrix.example"),
                        ("password", password.as_str()),
                    ])
                    .send()
                    .await
                    .unwrap();
                (res.status(), c2)
            }
        };
        assert_eq!(login(PASSWORD.into()).await.0, StatusCode::UNAUTHORIZED);
        let (st, c2) = login(fresh).await;
        assert_eq!(st, StatusCode::SEE_OTHER);
        let res = c2
            .get(format!("{}/structures", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["location"], "/account/password");
        db.cleanup().await;
    }
}

/// What asks for the current password (a new password, a new or no second factor) and what
/// changes another account's access or password is done by a person signed in: an API token,
/// which never passed a second factor, is refused even with the right password.
#[tokio::test]
async fn an_api_token_cannot_change_a_password_a_second_factor_or_an_account() {
    for db in testing::all().await {
        let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
        let w = seed(&app.store).await;
        let c = client();
        for (role, path, form) in [
            (
                Role::StructureAdmin,
                "/account/password".to_string(),
                vec![("current", PASSWORD), ("new", "a new long passphrase")],
            ),
            (
                Role::StructureAdmin,
                "/account/totp/disable".to_string(),
                vec![("current", PASSWORD)],
            ),
            (
                Role::Admin,
                format!("/users/{}/reset-password", w.users[&Role::Auditor]),
                vec![],
            ),
        ] {
            let r = c
                .post(format!("{}{path}", app.base))
                .bearer_auth(&w.tokens[&role])
                .form(&form)
                .send()
                .await
                .unwrap();
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "[{}] {role} {path}",
                db.name
            );
        }
        db.cleanup().await;
    }
}
