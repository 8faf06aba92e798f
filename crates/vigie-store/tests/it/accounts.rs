//! Accounts: passwords, lock-outs, sessions, API tokens; secrets stored sealed.

use vigie_domain::role::{Role, Scope};
use vigie_store::accounts::NewUser;
use vigie_store::testing;
use vigie_store::StoreError;

use crate::{actor, sqlx_pool, system, user};

#[tokio::test]
async fn accounts_passwords_lockout_sessions_and_tokens() {
    for db in testing::all().await {
        let s = &db.store;
        let nu = |email: &str, role: Role| NewUser {
            email: email.into(),
            display_name: "U".into(),
            role,
            region_code: None,
            ght_id: None,
            structure_ids: vec![],
            password: Some("correct horse battery".into()),
            locale: "fr".into(),
            must_change_password: false,
        };
        let id = s
            .create_user(&system(), &nu("Alice@CERT.example", Role::CertAnalyst))
            .await
            .unwrap();
        assert!(matches!(
            s.create_user(&system(), &nu("alice@cert.example", Role::CertAnalyst))
                .await,
            Err(StoreError::Conflict(_))
        ));
        let err = s
            .create_user(
                &system(),
                &NewUser {
                    password: Some("short".into()),
                    ..nu("b@x.example", Role::Auditor)
                },
            )
            .await
            .unwrap_err();
        let p = err.problem().unwrap();
        assert_eq!(p.key, "accounts-password-too-short", "{err}");
        assert_eq!(p.get("min"), Some(&vigie_domain::problem::Arg::Number(12)));
        let err = s
            .create_user(&system(), &nu("c@x.example", Role::RegionalAnalyst))
            .await
            .unwrap_err();
        assert!(err.to_string().contains("region"), "{err}");
        // A region is stored in the table's form, the one the scope checks compare with.
        let regional = s
            .create_user(
                &system(),
                &NewUser {
                    region_code: Some(" 84 ".into()),
                    ..nu("r@x.example", Role::RegionalAnalyst)
                },
            )
            .await
            .unwrap();
        assert_eq!(
            s.get_user(&system(), regional)
                .await
                .unwrap()
                .region_code
                .as_deref(),
            Some("84")
        );
        // Only administrators manage users.
        let cert = actor(Role::CertAnalyst, Scope::National, Some(id));
        assert!(matches!(
            s.create_user(&cert, &nu("d@x.example", Role::Auditor))
                .await,
            Err(StoreError::Forbidden(_))
        ));

        let u = s.login_user("ALICE@cert.example").await.unwrap().unwrap();
        assert!(vigie_store::accounts::verify_password(
            "correct horse battery",
            u.password_hash.as_deref().unwrap()
        ));
        assert!(!vigie_store::accounts::verify_password(
            "wrong",
            u.password_hash.as_deref().unwrap()
        ));

        let (tok, csrf) = s.create_session(id, false, 3600, None, None).await.unwrap();
        let sess = s.get_session(&tok, 3600).await.unwrap().unwrap();
        assert_eq!(
            (sess.user_id, sess.mfa_passed, sess.csrf_token.as_str()),
            (id, 0, csrf.as_str())
        );
        s.session_mfa_passed(&tok).await.unwrap();
        assert_eq!(
            s.get_session(&tok, 3600).await.unwrap().unwrap().mfa_passed,
            1
        );
        assert!(s.get_session("forged", 3600).await.unwrap().is_none());

        // TOTP steps are single-use.
        assert!(s.consume_totp_step(id, 100).await.unwrap());
        assert!(!s.consume_totp_step(id, 100).await.unwrap());
        assert!(!s.consume_totp_step(id, 99).await.unwrap());

        let (tid, secret) = s
            .create_api_token(&cert, id, "script", Some(30))
            .await
            .unwrap();
        assert_eq!(s.user_for_token(&secret).await.unwrap(), Some(id));
        assert_eq!(s.user_for_token("vigie_forged").await.unwrap(), None);
        s.revoke_api_token(&cert, id, tid).await.unwrap();
        assert_eq!(s.user_for_token(&secret).await.unwrap(), None);

        // A new password ends every session; disabling ends sessions and tokens.
        s.set_password(&system(), id, "another long password", false)
            .await
            .unwrap();
        assert!(s.get_session(&tok, 3600).await.unwrap().is_none());
        let (tok2, _) = s.create_session(id, true, 3600, None, None).await.unwrap();
        let (_, secret2) = s
            .create_api_token(&system(), id, "other", None)
            .await
            .unwrap();
        s.set_user_disabled(&system(), id, true).await.unwrap();
        assert!(s.get_session(&tok2, 3600).await.unwrap().is_none());
        assert_eq!(s.user_for_token(&secret2).await.unwrap(), None);
        assert!(s.actor_for_user(id, None).await.is_err());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn totp_seeds_and_webhook_keys_are_stored_encrypted() {
    use vigie_store::notify::WebhookScope;
    for db in testing::all().await {
        let s = &db.store;
        let id = s
            .create_user(
                &system(),
                &user("cert@cert.example", Role::CertAnalyst, None, None, vec![]),
            )
            .await
            .unwrap();
        s.set_totp(&system(), id, Some("JBSWY3DPEHPK3PXP"), true)
            .await
            .unwrap();
        let pool = sqlx_pool(&db).await;
        let raw: String = sqlx::query_scalar("SELECT totp_secret FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(
            raw.starts_with("enc:v1:") && !raw.contains("JBSWY3DPEHPK3PXP"),
            "{}: {raw}",
            db.name
        );
        let u = s.login_user("cert@cert.example").await.unwrap().unwrap();
        assert_eq!(u.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));

        let (_, secret) = s
            .create_webhook(
                &system(),
                "SOC",
                "https://soc.example/h",
                WebhookScope::National,
                "*",
            )
            .await
            .unwrap();
        let raw: String = sqlx::query_scalar("SELECT secret FROM webhooks")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(raw.starts_with("enc:v1:") && !raw.contains(&secret));

        // A seed written in clear (before encryption existed) still works and gets sealed.
        sqlx::query("UPDATE users SET totp_secret = 'KRSXG5CTMVRXEZLU' WHERE id = $1")
            .bind(id)
            .execute(&pool)
            .await
            .unwrap();
        assert_eq!(
            s.login_user_by_id(id).await.unwrap().totp_secret.as_deref(),
            Some("KRSXG5CTMVRXEZLU")
        );
        assert_eq!(s.seal_clear_secrets().await.unwrap(), 1);
        assert_eq!(s.seal_clear_secrets().await.unwrap(), 0);
        assert_eq!(
            s.login_user_by_id(id).await.unwrap().totp_secret.as_deref(),
            Some("KRSXG5CTMVRXEZLU")
        );

        // Another key cannot read them: a clear error, not a wrong code.
        let other = s
            .clone()
            .with_secret_key(vigie_store::secrets::SecretKey::generate());
        let err = other.login_user_by_id(id).await.unwrap_err().to_string();
        assert!(err.contains("cannot be decrypted"), "{err}");
        db.cleanup().await;
    }
}

/// The one limiter of typed secrets: failures per name and address (a stranger locks only their
/// own address out, and a name that matches no account locks alike), per account for the second
/// factor (every address), per session (it ends at the limit); forgotten after a success or once
/// the window is over.
#[tokio::test]
async fn secret_limiter_counts_per_subject_source_and_session() {
    use vigie_store::accounts::{login_subject, mfa_subject, Lockout, ANY_SOURCE};
    for db in testing::all().await {
        let s = &db.store;
        let l = Lockout {
            max_failures: 5,
            lock_secs: 900,
        };
        for subject in [
            login_subject("known@x.example"),
            login_subject("nobody@x.example"),
        ] {
            for i in 1..=5 {
                assert_eq!(
                    s.auth_failed(&subject, "192.0.2.1", l).await.unwrap(),
                    i == 5
                );
            }
            assert!(s
                .auth_locked_until(&subject, "192.0.2.1")
                .await
                .unwrap()
                .is_some());
            // Another address is not locked out: nobody can keep an account locked for everyone.
            assert!(s
                .auth_locked_until(&subject, "192.0.2.2")
                .await
                .unwrap()
                .is_none());
            // A success does not lift a running lock.
            s.auth_succeeded(&subject, "192.0.2.1").await.unwrap();
            assert!(s
                .auth_locked_until(&subject, "192.0.2.1")
                .await
                .unwrap()
                .is_some());
        }
        // Failures below the limit are forgotten after a success.
        let subject = login_subject("Carol@X.example ");
        assert_eq!(subject, login_subject("carol@x.example"));
        for _ in 0..4 {
            assert!(!s.auth_failed(&subject, "192.0.2.1", l).await.unwrap());
        }
        s.auth_succeeded(&subject, "192.0.2.1").await.unwrap();
        for _ in 0..4 {
            assert!(!s.auth_failed(&subject, "192.0.2.1", l).await.unwrap());
        }
        // The second factor locks for every address.
        for i in 1..=5 {
            assert_eq!(
                s.auth_failed(&mfa_subject(7), ANY_SOURCE, l).await.unwrap(),
                i == 5
            );
        }
        assert!(s
            .auth_locked_until(&mfa_subject(7), "198.51.100.9")
            .await
            .unwrap()
            .is_some());
        assert!(s
            .auth_locked_until(&mfa_subject(8), ANY_SOURCE)
            .await
            .unwrap()
            .is_none());
        // A session ends at its limit of wrong secrets.
        let uid = s
            .create_user(
                &system(),
                &user("sess@x.example", Role::Auditor, None, None, vec![]),
            )
            .await
            .unwrap();
        let (tok, _) = s
            .create_session(uid, false, 3600, None, None)
            .await
            .unwrap();
        assert!(!s.session_secret_failed(&tok, 3).await.unwrap());
        assert!(!s.session_secret_failed(&tok, 3).await.unwrap());
        assert!(s.session_secret_failed(&tok, 3).await.unwrap());
        assert!(s.get_session(&tok, 3600).await.unwrap().is_none());
        // An unknown session counts as ended.
        assert!(s.session_secret_failed("forged", 3).await.unwrap());
        db.cleanup().await;
    }
}

/// Resetting a user's second factor, and setting their password, end their open sessions.
#[tokio::test]
async fn mfa_reset_and_new_password_end_sessions() {
    for db in testing::all().await {
        let s = &db.store;
        let uid = s
            .create_user(
                &system(),
                &NewUser {
                    password: Some("correct horse battery".into()),
                    ..user("mfa@x.example", Role::CertAnalyst, None, None, vec![])
                },
            )
            .await
            .unwrap();
        s.set_totp(&system(), uid, Some("JBSWY3DPEHPK3PXP"), true)
            .await
            .unwrap();
        let (tok, _) = s.create_session(uid, true, 3600, None, None).await.unwrap();
        assert!(s.get_session(&tok, 3600).await.unwrap().is_some());
        s.set_totp(&system(), uid, None, false).await.unwrap();
        assert!(
            s.get_session(&tok, 3600).await.unwrap().is_none(),
            "{}: a session survived the reset of the second factor",
            db.name
        );
        assert!(s.resolve_session(&tok, 3600, None).await.unwrap().is_none());
        let (tok, _) = s.create_session(uid, true, 3600, None, None).await.unwrap();
        s.set_password(&system(), uid, "another long password", true)
            .await
            .unwrap();
        assert!(s.get_session(&tok, 3600).await.unwrap().is_none());
        db.cleanup().await;
    }
}

/// An anonymous sign-in cannot write megabytes into the append-only log: what was typed as an
/// e-mail is kept to 254 characters and an ellipsis.
#[tokio::test]
async fn audit_login_bounds_what_a_stranger_typed() {
    for db in testing::all().await {
        let s = &db.store;
        let typed = format!("{}@x.example", "a".repeat(2_000_000));
        s.audit_login(
            &typed,
            None,
            Some("192.0.2.1".into()),
            false,
            "unknown_user",
        )
        .await
        .unwrap();
        let (rows, _) = s
            .audit_search(
                &system(),
                &vigie_store::audit::AuditQuery {
                    action: Some("auth.login".into()),
                    limit: 5,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let actor = &rows[0].actor;
        assert_eq!(actor.chars().count(), 255, "{}", db.name);
        assert!(actor.ends_with('…'));
        db.cleanup().await;
    }
}
