//! Accounts: passwords, lock-outs, sessions, API tokens; secrets stored sealed.

use vigie_domain::role::{Role, Scope};
use vigie_store::accounts::{NewUser, TOTP_OFFER_TTL};
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

fn access(
    role: Role,
    region: Option<&str>,
    ght: Option<i64>,
    structures: Vec<i64>,
) -> vigie_store::accounts::UserAccess {
    vigie_store::accounts::UserAccess {
        role,
        region_code: region.map(Into::into),
        ght_id: ght,
        structure_ids: structures,
    }
}

/// An administrator edits only the accounts of its scope (`NotFound` beyond, like a missing
/// one), gives nothing above its own scope or role, and never its own role; a change is audited
/// with what it replaced and seen by the account's very next request.
#[tokio::test]
async fn editing_an_account_keeps_to_scope_and_role_and_takes_effect_at_once() {
    for db in testing::all().await {
        crate::seeded(&db).await;
        let s = &db.store;
        let pitie = crate::id_of(s, "750100125").await; // Île-de-France (11)
        let fleyriat = crate::id_of(s, "010000024").await; // Auvergne-Rhône-Alpes (84)
        let ghts = s.list_ghts(&system(), None).await.unwrap();
        let ght_ain = ghts.iter().find(|g| g.code == "GHT-01-AIN").unwrap().id;
        let ght_paris = ghts.iter().find(|g| g.code == "GHT-75-01").unwrap().id;
        let member = s
            .create_user(
                &system(),
                &user(
                    "m@x.example",
                    Role::StructureMember,
                    None,
                    None,
                    vec![fleyriat],
                ),
            )
            .await
            .unwrap();
        let paris = s
            .create_user(
                &system(),
                &user(
                    "p@x.example",
                    Role::StructureMember,
                    None,
                    None,
                    vec![pitie],
                ),
            )
            .await
            .unwrap();
        // The rules hold for any scope: an administrator bound to region 84.
        let regional_admin = actor(Role::Admin, Scope::Region("84".into()), Some(999_999));
        assert!(matches!(
            s.update_user_access(
                &regional_admin,
                paris,
                &access(Role::StructureAdmin, None, None, vec![pitie])
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.reset_password(&regional_admin, paris).await,
            Err(StoreError::NotFound)
        ));
        for (a, key) in [
            (
                access(Role::CertAnalyst, None, None, vec![]),
                "accounts-grant-outside-scope",
            ),
            (
                access(Role::RegionalAnalyst, Some("11"), None, vec![]),
                "accounts-grant-outside-scope",
            ),
            (
                access(Role::GhtOfficer, None, Some(ght_paris), vec![]),
                "accounts-ght-unknown",
            ),
            (
                access(Role::StructureAdmin, None, None, vec![pitie]),
                "accounts-structure-unknown",
            ),
            (
                access(Role::RegionalAnalyst, None, None, vec![]),
                "accounts-role-needs-region",
            ),
        ] {
            let err = s
                .update_user_access(&regional_admin, member, &a)
                .await
                .unwrap_err();
            assert_eq!(
                err.problem().map(|p| p.key),
                Some(key),
                "{}: {a:?}",
                db.name
            );
        }
        // The same rules at creation.
        let err = s
            .create_user(
                &regional_admin,
                &user("n@x.example", Role::CertAnalyst, None, None, vec![]),
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.problem().map(|p| p.key),
            Some("accounts-grant-outside-scope")
        );
        // Above one's role: only administrators manage accounts, and none changes its own.
        let cert = actor(Role::CertAnalyst, Scope::National, Some(999_998));
        assert!(matches!(
            s.update_user_access(
                &cert,
                member,
                &access(Role::CertAnalyst, None, None, vec![])
            )
            .await,
            Err(StoreError::Forbidden(_))
        ));
        let admin = actor(Role::Admin, Scope::National, Some(member));
        let err = s
            .update_user_access(&admin, member, &access(Role::Admin, None, None, vec![]))
            .await
            .unwrap_err();
        assert_eq!(
            err.problem().map(|p| p.key),
            Some("accounts-cannot-change-own-access")
        );
        // Nothing of the refused edits was written.
        let u = s.get_user(&system(), member).await.unwrap();
        assert_eq!(u.role, "structure_member");
        assert_eq!(s.user_structure_ids(member).await.unwrap(), vec![fleyriat]);

        // A change inside the scope, seen by the account's next request (its cached session).
        let (tok, _) = s
            .create_session(member, true, 3600, None, None)
            .await
            .unwrap();
        let before = s.resolve_session(&tok, 3600, None).await.unwrap().unwrap();
        assert_eq!(before.role, Role::StructureMember);
        s.update_user_access(
            &regional_admin,
            member,
            &access(Role::GhtOfficer, None, Some(ght_ain), vec![]),
        )
        .await
        .unwrap();
        let after = s.resolve_session(&tok, 3600, None).await.unwrap().unwrap();
        assert_eq!(after.role, Role::GhtOfficer, "{}", db.name);
        assert_eq!(after.actor.scope, Scope::Ght(ght_ain));
        assert!(after.mfa_passed, "a role without a required factor");
        assert!(
            s.user_structure_ids(member).await.unwrap().is_empty(),
            "memberships go with a role bound to a GHT"
        );
        // A role that requires a second factor the account has not set up: enrol first; and
        // the tokens made under the old role (which passed no second factor) end.
        let (_, secret) = s
            .create_api_token(&system(), member, "ci", None)
            .await
            .unwrap();
        assert_eq!(s.user_for_token(&secret).await.unwrap(), Some(member));
        s.update_user_access(
            &system(),
            member,
            &access(Role::RegionalAnalyst, Some("84"), None, vec![]),
        )
        .await
        .unwrap();
        let after = s.resolve_session(&tok, 3600, None).await.unwrap().unwrap();
        assert_eq!(after.role, Role::RegionalAnalyst);
        assert_eq!(after.actor.scope, Scope::Region("84".into()));
        assert!(!after.mfa_passed, "{}: the new role must enrol", db.name);
        assert_eq!(s.user_for_token(&secret).await.unwrap(), None);

        // An account of the identity provider gets its role and scope from it at each sign-in:
        // an edit here would be undone, so it is refused.
        let federated = s
            .upsert_oidc_user(&vigie_store::accounts::OidcIdentity {
                issuer: "https://idp.test".into(),
                subject: "sub-1".into(),
                email: "fed@x.example".into(),
                display_name: "Fed".into(),
                role: Role::Auditor,
                region_code: None,
                ght_code: None,
            })
            .await
            .unwrap();
        assert_eq!(
            s.update_user_access(
                &system(),
                federated,
                &access(Role::CertAnalyst, None, None, vec![])
            )
            .await
            .unwrap_err()
            .problem()
            .map(|p| p.key),
            Some("accounts-oidc-managed-access")
        );

        // Each change is audited with what it replaced.
        let pool = sqlx_pool(&db).await;
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT actor, detail FROM audit_log WHERE action = 'user.update' AND target_id = $1 ORDER BY id",
        )
        .bind(member.to_string())
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(rows.len(), 2, "{}: {rows:?}", db.name);
        let d: serde_json::Value = serde_json::from_str(&rows[0].1).unwrap();
        assert_eq!(d["before"]["role"], "structure_member");
        assert_eq!(d["before"]["structures"], serde_json::json!([fleyriat]));
        assert_eq!(d["after"]["role"], "ght_officer");
        assert_eq!(d["after"]["ght"], ght_ain);
        assert_eq!(rows[0].0, "admin@test");
        pool.close().await;
        db.cleanup().await;
    }
}

/// A reset password is random, shown once, must be changed at the next sign-in; the old one no
/// longer works and the account's sessions end. Last sign-in is the last completed one.
#[tokio::test]
async fn password_reset_replaces_the_old_one_and_ends_sessions() {
    for db in testing::all().await {
        let s = &db.store;
        let uid = s
            .create_user(
                &system(),
                &NewUser {
                    password: Some("correct horse battery".into()),
                    ..user("reset@x.example", Role::Auditor, None, None, vec![])
                },
            )
            .await
            .unwrap();
        assert_eq!(s.last_sign_in(&system(), uid).await.unwrap(), None);
        s.audit_login(
            "reset@x.example",
            Some(uid),
            None,
            true,
            "password_ok_mfa_pending",
        )
        .await
        .unwrap();
        assert_eq!(
            s.last_sign_in(&system(), uid).await.unwrap(),
            None,
            "a sign-in waiting for its second factor is not one"
        );
        s.audit_login("reset@x.example", Some(uid), None, true, "mfa_ok")
            .await
            .unwrap();
        assert!(s.last_sign_in(&system(), uid).await.unwrap().is_some());

        let (tok, _) = s.create_session(uid, true, 3600, None, None).await.unwrap();
        let (_, secret) = s
            .create_api_token(&system(), uid, "ci", None)
            .await
            .unwrap();
        assert_eq!(s.user_for_token(&secret).await.unwrap(), Some(uid));
        let cert = actor(Role::CertAnalyst, Scope::National, Some(999_998));
        assert!(matches!(
            s.reset_password(&cert, uid).await,
            Err(StoreError::Forbidden(_))
        ));
        let own = actor(Role::Admin, Scope::National, Some(uid));
        assert_eq!(
            s.reset_password(&own, uid)
                .await
                .unwrap_err()
                .problem()
                .map(|p| p.key),
            Some("accounts-reset-own-password")
        );
        let fresh = s.reset_password(&system(), uid).await.unwrap();
        assert!(fresh.chars().count() >= 12, "{fresh}");
        let u = s.login_user("reset@x.example").await.unwrap().unwrap();
        let hash = u.password_hash.unwrap();
        assert!(!vigie_store::accounts::verify_password(
            "correct horse battery",
            &hash
        ));
        assert!(vigie_store::accounts::verify_password(&fresh, &hash));
        assert_eq!(u.must_change_password, 1);
        assert!(s.resolve_session(&tok, 3600, None).await.unwrap().is_none());
        assert_eq!(
            s.user_for_token(&secret).await.unwrap(),
            None,
            "the account's tokens end with its sessions"
        );
        assert_ne!(fresh, s.reset_password(&system(), uid).await.unwrap());
        // One administrator does not take another's account over from the pages.
        let other_admin = s
            .create_user(
                &system(),
                &user("admin2@x.example", Role::Admin, None, None, vec![]),
            )
            .await
            .unwrap();
        assert_eq!(
            s.reset_password(&system(), other_admin)
                .await
                .unwrap_err()
                .problem()
                .map(|p| p.key),
            Some("accounts-admin-reset-cli")
        );
        let pool = sqlx_pool(&db).await;
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset' AND target_id = $1",
        )
        .bind(uid.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(n, 2);
        pool.close().await;
        db.cleanup().await;
    }
}

/// One's own second factor: a new seed replaces the old one and ends the other sessions; it is
/// turned off only by the roles that do not require it; a seed offered to one account does not
/// open for another.
#[tokio::test]
async fn own_second_factor_renewed_or_turned_off_by_role() {
    for db in testing::all().await {
        let s = &db.store;
        let uid = s
            .create_user(
                &system(),
                &user("own@x.example", Role::Auditor, None, None, vec![]),
            )
            .await
            .unwrap();
        let other = s
            .create_user(
                &system(),
                &user("other@x.example", Role::Auditor, None, None, vec![]),
            )
            .await
            .unwrap();
        let offer = s.seal_totp_offer(uid, "JBSWY3DPEHPK3PXP");
        assert!(!offer.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(s.open_totp_offer(uid, &offer).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(s.open_totp_offer(other, &offer).is_err());
        assert!(s.open_totp_offer(uid, "JBSWY3DPEHPK3PXP").is_err());
        // An offer left in a page expires: its form cannot confirm it a day later.
        let now = chrono::Utc::now().timestamp();
        let old = s.seal_totp_offer_at(uid, "JBSWY3DPEHPK3PXP", now - TOTP_OFFER_TTL - 5);
        assert!(matches!(
            s.open_totp_offer(uid, &old),
            Err(StoreError::Invalid(ref p)) if p.key == "accounts-totp-offer-expired"
        ));
        let recent = s.seal_totp_offer_at(uid, "JBSWY3DPEHPK3PXP", now - TOTP_OFFER_TTL + 60);
        assert_eq!(s.open_totp_offer(uid, &recent).unwrap(), "JBSWY3DPEHPK3PXP");

        let me = s.actor_for_user(uid, None).await.unwrap();
        let (keep, _) = s.create_session(uid, true, 3600, None, None).await.unwrap();
        let (elsewhere, _) = s.create_session(uid, true, 3600, None, None).await.unwrap();
        s.renew_own_totp(&me, "JBSWY3DPEHPK3PXP", Some(&keep))
            .await
            .unwrap();
        assert!(s
            .resolve_session(&keep, 3600, None)
            .await
            .unwrap()
            .is_some());
        assert!(s
            .resolve_session(&elsewhere, 3600, None)
            .await
            .unwrap()
            .is_none());
        let u = s.login_user_by_id(uid).await.unwrap();
        assert_eq!(u.totp_enabled, 1);
        assert_eq!(u.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
        // The auditor's role requires its second factor.
        assert_eq!(
            s.disable_own_totp(&me)
                .await
                .unwrap_err()
                .problem()
                .map(|p| p.key),
            Some("accounts-mfa-required")
        );
        assert_eq!(s.login_user_by_id(uid).await.unwrap().totp_enabled, 1);
        // A structure member may turn it off.
        let sid = {
            crate::seeded(&db).await;
            crate::id_of(s, "750100125").await
        };
        s.update_user_access(
            &system(),
            uid,
            &access(Role::StructureMember, None, None, vec![sid]),
        )
        .await
        .unwrap();
        let me = s.actor_for_user(uid, None).await.unwrap();
        // Promoted to a role that requires it while a request to turn it off was on its way
        // (the request's actor still a member): the factor stays.
        s.update_user_access(&system(), uid, &access(Role::Auditor, None, None, vec![]))
            .await
            .unwrap();
        assert_eq!(
            s.disable_own_totp(&me)
                .await
                .unwrap_err()
                .problem()
                .map(|p| p.key),
            Some("accounts-mfa-required")
        );
        assert_eq!(s.login_user_by_id(uid).await.unwrap().totp_enabled, 1);
        s.update_user_access(
            &system(),
            uid,
            &access(Role::StructureMember, None, None, vec![sid]),
        )
        .await
        .unwrap();
        let me = s.actor_for_user(uid, None).await.unwrap();
        s.disable_own_totp(&me).await.unwrap();
        let u = s.login_user_by_id(uid).await.unwrap();
        assert_eq!((u.totp_enabled, u.totp_secret), (0, None));
        let pool = sqlx_pool(&db).await;
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM audit_log WHERE action IN ('user.mfa_renewed', 'user.mfa_disabled') AND target_id = $1",
        )
        .bind(uid.to_string())
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(n, 2);
        pool.close().await;
        db.cleanup().await;
    }
}

/// The header's search of people: by any word of the name or the e-mail, accents and case
/// ignored, within the actor's scope of users (counts included), nothing for a role that reads
/// no accounts; wildcards are plain characters.
#[tokio::test]
async fn people_are_searched_by_name_or_email_within_scope() {
    for db in testing::all().await {
        crate::seeded(&db).await;
        let s = &db.store;
        let named = |email: &str, name: &str, role: Role, region: Option<&str>| NewUser {
            display_name: name.into(),
            ..user(email, role, region, None, vec![])
        };
        let helene = s
            .create_user(
                &system(),
                &named(
                    "h.martin@ars.example",
                    "Hélène Martin",
                    Role::RegionalAnalyst,
                    Some("84"),
                ),
            )
            .await
            .unwrap();
        s.create_user(
            &system(),
            &named(
                "marc@crr-idf.example",
                "Marc Martinez",
                Role::RegionalAnalyst,
                Some("11"),
            ),
        )
        .await
        .unwrap();
        s.create_user(
            &system(),
            &named("cert@cert.example", "Anne Martin", Role::CertAnalyst, None),
        )
        .await
        .unwrap();
        let national = actor(Role::CertAnalyst, Scope::National, None);
        let (rows, total) = s.search_users(&national, "HELENE", 10).await.unwrap();
        assert_eq!((rows.len(), total), (1, 1), "[{}]", db.name);
        assert_eq!(rows[0].id, helene);
        // Every word must be found; names starting with the first word come first.
        let (rows, total) = s.search_users(&national, "martin", 10).await.unwrap();
        assert_eq!(total, 3, "[{}]", db.name);
        assert_eq!(rows[0].display_name, "Anne Martin", "by name");
        let (rows, _) = s.search_users(&national, "ma", 10).await.unwrap();
        assert_eq!(rows[0].display_name, "Marc Martinez", "[{}]", db.name);
        let (_, total) = s
            .search_users(&national, "martin ars.example", 10)
            .await
            .unwrap();
        assert_eq!(total, 1, "[{}]", db.name);
        // The limit bounds the rows, not the count.
        let (rows, total) = s.search_users(&national, "martin", 1).await.unwrap();
        assert_eq!((rows.len(), total), (1, 3), "[{}]", db.name);
        // A regional analyst of Auvergne-Rhône-Alpes sees its region's accounts only.
        let regional = actor(
            Role::RegionalAnalyst,
            Scope::Region("84".into()),
            Some(helene),
        );
        let (rows, total) = s.search_users(&regional, "martin", 10).await.unwrap();
        assert_eq!(total, 1, "[{}] {rows:?}", db.name);
        assert_eq!(rows[0].id, helene);
        // A role that reads no accounts gets nothing, an empty query nothing, wildcards nothing.
        let ght = actor(Role::GhtOfficer, Scope::Ght(1), None);
        assert_eq!(s.search_users(&ght, "martin", 10).await.unwrap().1, 0);
        assert_eq!(s.search_users(&national, "  ", 10).await.unwrap().1, 0);
        assert_eq!(s.search_users(&national, "%%", 10).await.unwrap().1, 0);
        assert_eq!(
            s.search_users(&national, "' OR 1=1 --", 10)
                .await
                .unwrap()
                .1,
            0
        );
        db.cleanup().await;
    }
}
