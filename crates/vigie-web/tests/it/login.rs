//! Signing in: the second factor, the lockout, CSRF, and the enrolment forced on the roles that
//! need a second factor.

use reqwest::StatusCode;
use vigie_domain::role::Role;
use vigie_store::accounts::NewUser;
use vigie_store::testing::{self};

use super::common::*;

#[tokio::test]
async fn login_second_factor_lockout_and_csrf() {
    let db = testing::sqlite().await;
    let app = spawn_app(
        &db,
        vigie_web::WebConfig {
            login_attempts_per_minute: 100,
            ..Default::default()
        },
    )
    .await;
    let w = seed(&app.store).await;
    let c = client();
    // No CSRF token, or a wrong one: refused before anything happens.
    let res = c
        .post(format!("{}/login", app.base))
        .form(&[("email", "admin@matrix.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (c, csrf) = form_csrf(c, &app, "/login").await;
    let res = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", "forged"),
            ("email", "admin@matrix.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Wrong password: refused, audited; five of them lock the account even with the right one.
    for _ in 0..5 {
        let res = c
            .post(format!("{}/login", app.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", "auditor@matrix.example"),
                ("password", "wrong password!"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "auditor@matrix.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("verrouillé"));
    let (failures, n) = app
        .store
        .audit_search(
            &system(),
            &vigie_store::audit::AuditQuery {
                action: Some("auth.login".into()),
                failures_only: true,
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Five wrong passwords and one refusal while locked; requests without a valid CSRF token never
    // reach the login and are not login attempts.
    assert_eq!(n, 6, "{failures:?}");
    assert!(failures.iter().any(|e| e.detail.contains("locked")));
    // A TOTP code is accepted once: replaying it on a second login fails.
    let email = "cert_analyst@matrix.example";
    let totp = vigie_web::auth::totp_for(&w.totp[&Role::CertAnalyst], email).unwrap();
    let code = totp.generate_current().unwrap();
    for (i, want) in [(0, StatusCode::SEE_OTHER), (1, StatusCode::UNAUTHORIZED)] {
        let c = client();
        let (c, csrf) = form_csrf(c, &app, "/login").await;
        let res = c
            .post(format!("{}/login", app.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("email", email),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["location"], "/login/totp", "attempt {i}");
        let (c, csrf) = form_csrf(c, &app, "/login/totp").await;
        let res = c
            .post(format!("{}/login/totp", app.base))
            .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), want, "attempt {i}");
        if want != StatusCode::SEE_OTHER {
            assert_eq!(
                c.get(format!("{}/", app.base))
                    .send()
                    .await
                    .unwrap()
                    .headers()["location"],
                "/login/totp"
            );
        }
    }
    db.cleanup().await;
}

#[tokio::test]
async fn mfa_enrolment_is_forced_for_roles_that_require_it() {
    let db = testing::sqlite().await;
    let app = spawn_app(&db, Default::default()).await;
    let uid = app
        .store
        .create_user(
            &system(),
            &NewUser {
                email: "new@crr.example".into(),
                display_name: "N".into(),
                role: Role::RegionalAnalyst,
                region_code: Some("53".into()),
                ght_id: None,
                structure_ids: vec![],
                password: Some(PASSWORD.into()),
                locale: "fr".into(),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    let (c, csrf) = form_csrf(client(), &app, "/login").await;
    let res = c
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", "new@crr.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login/totp/setup");
    let html = c
        .get(format!("{}/login/totp/setup", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = html
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(html.contains("<svg"), "QR code shown");
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let res = c
        .post(format!("{}/login/totp/setup", app.base))
        .form(&[("csrf", csrf), ("code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let code = vigie_web::auth::totp_for(&secret, "new@crr.example")
        .unwrap()
        .generate_current()
        .unwrap();
    let res = c
        .post(format!("{}/login/totp/setup", app.base))
        .form(&[("csrf", csrf), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(
        c.get(format!("{}/structures", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.store.login_user_by_id(uid).await.unwrap().totp_enabled,
        1
    );
    db.cleanup().await;
}
