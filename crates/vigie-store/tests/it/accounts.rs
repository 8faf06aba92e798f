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
        for i in 1..=5 {
            let locked = s.login_failed(id, 5, 900).await.unwrap();
            assert_eq!(locked, i == 5);
        }
        assert!(
            s.login_user("alice@cert.example")
                .await
                .unwrap()
                .unwrap()
                .locked_until
                > vigie_store::db::now()
        );

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
            .clone()
            .with_private_webhooks(true)
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
