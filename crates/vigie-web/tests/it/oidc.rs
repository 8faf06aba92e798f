//! Sign-in through OpenID Connect against a real provider: the certified `oidc-provider` package,
//! started by `tests/oidc/provider.mjs` under Node on 127.0.0.1. Needs `node` and the package:
//!
//!     (cd crates/vigie-web/tests/oidc && npm ci)
//!
//! Each test starts its own provider and its own Vigie (fresh SQLite database in a temporary
//! folder), then plays the browser: a reqwest client with a cookie jar that follows redirects by
//! hand, so that the callback can be inspected or tampered with.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{StatusCode, Url};
use vigie_store::audit::AuditQuery;
use vigie_store::{Actor, ConnectConfig, Store};
use vigie_web::accounts::oidc::{OidcConfig, RoleRule};
use vigie_web::{AppState, WebConfig};

const CLIENT_ID: &str = "vigie-test";
const CLIENT_SECRET: &str = "vigie-test-secret-0123456789abcdef";

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// The Node provider; killed when dropped.
struct Provider {
    child: Child,
    issuer: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_provider(redirect_uri: &str) -> Provider {
    let dir = provider_dir();
    assert!(
        dir.join("node_modules/oidc-provider/package.json").exists(),
        "the test OpenID provider is not installed: run `npm ci` in crates/vigie-web/tests/oidc \
         (cd crates/vigie-web/tests/oidc && npm ci)"
    );
    let mut child = Command::new("node")
        .arg("provider.mjs")
        .arg("0")
        .current_dir(&dir)
        .env("REDIRECT_URI", redirect_uri)
        .env("CLIENT_ID", CLIENT_ID)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run `node` (Node.js 20.19 or later is needed for the OIDC tests): {e}")
        });
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(l)) = lines.next() {
            let _ = tx.send(l);
        }
        // Keep draining so the provider never blocks on a full pipe.
        for _ in lines {}
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the test OpenID provider did not start within 30 s");
    let issuer = line
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected provider output: {line}"))
        .to_string();
    assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer}");
    Provider { child, issuer }
}

fn rule(value: &str, role: &str) -> RoleRule {
    RoleRule {
        claim: "groups".into(),
        value: value.into(),
        role: role.into(),
        region: None,
        region_claim: None,
        ght: None,
        ght_claim: None,
    }
}

struct Env {
    base: String,
    store: Store,
    provider: Provider,
    _dir: tempfile::TempDir,
}

async fn setup(mfa_satisfied_by_provider: bool) -> Env {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&ConnectConfig {
        url: format!("sqlite://{}/vigie.db", dir.path().display()),
        max_connections: 4,
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    store
        .upsert_ght(&Actor::system("test"), "GHT-TEST", "GHT de test", "53")
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let redirect_url = format!("{base}/login/oidc/callback");
    let provider = start_provider(&redirect_url);
    let oidc = OidcConfig {
        issuer_url: provider.issuer.clone(),
        client_id: CLIENT_ID.into(),
        client_secret: Some(CLIENT_SECRET.into()),
        redirect_url,
        scopes: vec![
            "openid".into(),
            "email".into(),
            "profile".into(),
            "groups".into(),
        ],
        mfa_satisfied_by_provider,
        mfa_amr: vigie_web::accounts::oidc::default_mfa_amr(),
        mfa_acr: vec![],
        email_claim: "email".into(),
        name_claim: "name".into(),
        roles: vec![
            rule("vigie-cert", "cert_analyst"),
            RoleRule {
                ght_claim: Some("ght".into()),
                ..rule("vigie-ght", "ght_officer")
            },
        ],
    };
    oidc.validate().unwrap();
    let config = WebConfig {
        public_url: base.clone(),
        oidc: Some(oidc),
        ..WebConfig::default()
    };
    let state = AppState::new(store.clone(), config);
    tokio::spawn(vigie_web::serve(state, listener, std::future::pending()));
    Env {
        base,
        store,
        provider,
        _dir: dir,
    }
}

/// A browser: a cookie jar and redirects followed by hand.
struct Browser {
    http: reqwest::Client,
}

impl Browser {
    fn new() -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .cookie_provider(Arc::new(reqwest::cookie::Jar::default()))
                .no_proxy()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
        }
    }

    /// Follows redirects from `url` until a response that is not one, or until the next hop
    /// would be the Vigie callback (returned unvisited, as `Err(url)`).
    async fn follow(&self, mut url: Url, callback: &str) -> Result<(Url, reqwest::Response), Url> {
        for _ in 0..20 {
            if url.as_str().starts_with(callback) {
                return Err(url);
            }
            assert_eq!(
                url.host_str(),
                Some("127.0.0.1"),
                "left the loopback: {url}"
            );
            let res = self.http.get(url.clone()).send().await.unwrap();
            if !res.status().is_redirection() {
                return Ok((url, res));
            }
            let loc = res.headers()["location"].to_str().unwrap().to_string();
            url = url.join(&loc).unwrap();
        }
        panic!("too many redirects");
    }
}

/// What Vigie answered at the end of a sign-in.
struct Outcome {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

enum AtProvider<'a> {
    SignInAs(&'a str),
    Cancel,
}

/// Runs the flow up to Vigie's callback, lets `tamper` rewrite the callback URL, and returns
/// Vigie's answer to it.
async fn sign_in(
    env: &Env,
    b: &Browser,
    what: AtProvider<'_>,
    tamper: impl FnOnce(Url) -> Url,
) -> Outcome {
    let callback = format!("{}/login/oidc/callback", env.base);
    let start = Url::parse(&format!("{}/login/oidc", env.base)).unwrap();
    let (at, page) = b.follow(start, &callback).await.expect("no login form");
    assert_eq!(page.status(), StatusCode::OK, "{at}");
    assert!(
        at.as_str().starts_with(&env.provider.issuer),
        "expected the provider's sign-in page, got {at}"
    );
    let html = page.text().await.unwrap();
    let next = match what {
        AtProvider::SignInAs(account) => {
            let action = html
                .split("action=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("no form in the provider's page: {html}"));
            let res = b
                .http
                .post(at.join(action).unwrap())
                .form(&[("login", account)])
                .send()
                .await
                .unwrap();
            assert!(res.status().is_redirection(), "{}", res.status());
            at.join(res.headers()["location"].to_str().unwrap())
                .unwrap()
        }
        AtProvider::Cancel => {
            let href = html
                .split("href=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap();
            at.join(href).unwrap()
        }
    };
    let cb = match b.follow(next, &callback).await {
        Err(cb) => cb,
        Ok((u, r)) => panic!(
            "the provider did not send back to Vigie: {u} {}",
            r.status()
        ),
    };
    let res = b.http.get(tamper(cb)).send().await.unwrap();
    Outcome {
        status: res.status(),
        location: res
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string()),
        body: res.text().await.unwrap(),
    }
}

async fn me(env: &Env, b: &Browser) -> (StatusCode, serde_json::Value) {
    let res = b
        .http
        .get(format!("{}/api/v1/me", env.base))
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or_default())
}

/// The login audit entries, newest first, as (success, actor, detail).
async fn logins(env: &Env) -> Vec<(bool, String, String)> {
    let (entries, _) = env
        .store
        .audit_search(
            &Actor::system("test"),
            &AuditQuery {
                action: Some("auth.login".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    entries
        .into_iter()
        .map(|e| (e.success == 1, e.actor, e.detail))
        .collect()
}

#[tokio::test]
async fn login_page_offers_the_identity_provider() {
    let env = setup(false).await;
    let html = reqwest::get(format!("{}/login", env.base))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/login/oidc\""), "{html}");
    assert!(
        html.contains("Se connecter avec le fournisseur d&#39;identité")
            || html.contains("Se connecter avec le fournisseur d'identité"),
        "{html}"
    );
}

#[tokio::test]
async fn ght_officer_signs_in_with_the_ght_of_its_claims() {
    let env = setup(false).await;
    let b = Browser::new();
    let out = sign_in(&env, &b, AtProvider::SignInAs("ght"), |u| u).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", out.body);
    assert_eq!(out.location.as_deref(), Some("/"));
    let (status, info) = me(&env, &b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(info["role"], "ght_officer", "{info}");
    assert_eq!(info["user"]["email"], "rssi@ght-test.example.org");
    assert_eq!(info["user"]["display_name"], "Rose Ssi");
    let ght_id = info["user"]["ght_id"].as_i64().unwrap();
    assert!(
        info["scope"]
            .as_str()
            .unwrap()
            .contains(&format!("Ght({ght_id})")),
        "{info}"
    );
    let dashboard = b.http.get(format!("{}/", env.base)).send().await.unwrap();
    assert_eq!(dashboard.status(), StatusCode::OK);
    let audit = logins(&env).await;
    assert!(
        audit.iter().any(|(ok, actor, d)| *ok
            && actor == "rssi@ght-test.example.org"
            && d.contains("oidc_ok")),
        "{audit:?}"
    );
    // A second sign-in finds the same account, not a new one.
    let b2 = Browser::new();
    let out = sign_in(&env, &b2, AtProvider::SignInAs("ght"), |u| u).await;
    assert_eq!(out.location.as_deref(), Some("/"));
    let (_, me2) = me(&env, &b2).await;
    assert_eq!(me2["user"]["id"], info["user"]["id"]);
}

#[tokio::test]
async fn user_without_a_matching_group_is_refused_and_audited() {
    let env = setup(false).await;
    let b = Browser::new();
    let out = sign_in(&env, &b, AtProvider::SignInAs("nogroup"), |u| u).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert!(
        out.body.contains("n&#39;ouvre aucun accès") || out.body.contains("n'ouvre aucun accès"),
        "{}",
        out.body
    );
    assert_eq!(me(&env, &b).await.0, StatusCode::UNAUTHORIZED);
    let audit = logins(&env).await;
    assert!(
        audit.iter().any(|(ok, actor, d)| !*ok
            && actor == "visiteur@example.org"
            && d.contains("oidc_no_role_mapping")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn cert_analyst_must_enrol_vigie_totp_when_provider_mfa_is_not_trusted() {
    let env = setup(false).await;
    for account in ["cert", "certmfa"] {
        let b = Browser::new();
        let out = sign_in(&env, &b, AtProvider::SignInAs(account), |u| u).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER, "{account}: {}", out.body);
        assert_eq!(
            out.location.as_deref(),
            Some("/login/totp/setup"),
            "{account}"
        );
        // Nothing is readable before the second factor.
        assert_eq!(me(&env, &b).await.0, StatusCode::UNAUTHORIZED, "{account}");
        let setup = b
            .http
            .get(format!("{}/login/totp/setup", env.base))
            .send()
            .await
            .unwrap();
        assert_eq!(setup.status(), StatusCode::OK, "{account}");
    }
}

#[tokio::test]
async fn provider_mfa_is_trusted_only_when_configured_and_asserted() {
    let env = setup(true).await;
    let b = Browser::new();
    let out = sign_in(&env, &b, AtProvider::SignInAs("certmfa"), |u| u).await;
    assert_eq!(out.location.as_deref(), Some("/"), "{}", out.body);
    let (status, me_json) = me(&env, &b).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me_json["role"], "cert_analyst");
    // The same role with a password-only login at the provider still needs Vigie's TOTP.
    let b = Browser::new();
    let out = sign_in(&env, &b, AtProvider::SignInAs("cert"), |u| u).await;
    assert_eq!(out.location.as_deref(), Some("/login/totp/setup"));
    assert_eq!(me(&env, &b).await.0, StatusCode::UNAUTHORIZED);
    let audit = logins(&env).await;
    assert!(
        audit
            .iter()
            .any(|(_, a, d)| a == "analyste-mfa@cert.example.org"
                && d.contains("oidc_ok_provider_mfa")),
        "{audit:?}"
    );
    assert!(
        audit
            .iter()
            .any(|(_, a, d)| a == "analyste@cert.example.org" && d.contains("oidc_ok_mfa_pending")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn tampered_state_is_refused() {
    let env = setup(false).await;
    let b = Browser::new();
    let out = sign_in(&env, &b, AtProvider::SignInAs("ght"), |u| {
        let pairs: Vec<(String, String)> = u
            .query_pairs()
            .map(|(k, v)| {
                let v = if k == "state" {
                    format!("{v}x")
                } else {
                    v.into_owned()
                };
                (k.into_owned(), v)
            })
            .collect();
        let mut u = u.clone();
        u.query_pairs_mut().clear().extend_pairs(pairs);
        u
    })
    .await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);
    assert!(out.body.contains("ne correspond pas"), "{}", out.body);
    assert_eq!(me(&env, &b).await.0, StatusCode::UNAUTHORIZED);
    assert!(logins(&env)
        .await
        .iter()
        .any(|(ok, _, d)| !*ok && d.contains("oidc_bad_state")));

    // A code replayed in another browser (no pending flow there) is refused too.
    let b = Browser::new();
    let mut seen = None;
    let out = sign_in(&env, &b, AtProvider::SignInAs("ght"), |u| {
        seen = Some(u.clone());
        u
    })
    .await;
    assert_eq!(out.location.as_deref(), Some("/"));
    let other = Browser::new();
    let res = other.http.get(seen.unwrap()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(me(&env, &other).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn provider_errors_show_the_login_page_and_are_audited() {
    let env = setup(false).await;
    let b = Browser::new();
    let out = sign_in(&env, &b, AtProvider::Cancel, |u| u).await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED);
    assert!(out.body.contains("annulée ou refusée"), "{}", out.body);
    assert!(out.body.contains("id=\"login-submit\""));
    assert!(logins(&env)
        .await
        .iter()
        .any(|(ok, _, d)| !*ok && d.contains("oidc_provider_error:access_denied")));
}

#[tokio::test]
async fn unverified_email_and_local_accounts_are_not_taken_over() {
    let env = setup(false).await;
    let b = Browser::new();
    let out = sign_in(&env, &b, AtProvider::SignInAs("unverified"), |u| u).await;
    assert_eq!(out.status, StatusCode::UNAUTHORIZED, "{}", out.body);
    assert!(logins(&env)
        .await
        .iter()
        .any(|(ok, _, d)| !*ok && d.contains("oidc_email_unverified")));

    // A local account with a password and the same e-mail as a provider identity.
    let ght_id = env
        .store
        .list_ghts(&Actor::system("test"), None)
        .await
        .unwrap()[0]
        .id;
    env.store
        .create_user(
            &Actor::system("test"),
            &vigie_store::accounts::NewUser {
                email: "rssi@ght-test.example.org".into(),
                display_name: "Local".into(),
                role: vigie_domain::role::Role::GhtOfficer,
                region_code: None,
                ght_id: Some(ght_id),
                structure_ids: vec![],
                password: Some("a long local password 123".into()),
                locale: "fr".into(),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    let b = Browser::new();
    let out = sign_in(&env, &b, AtProvider::SignInAs("ght"), |u| u).await;
    assert_eq!(out.status, StatusCode::FORBIDDEN, "{}", out.body);
    assert_eq!(me(&env, &b).await.0, StatusCode::UNAUTHORIZED);
    assert!(logins(&env)
        .await
        .iter()
        .any(|(ok, _, d)| !*ok && d.contains("oidc_local_account_conflict")));
}

#[tokio::test]
async fn without_oidc_configured_the_routes_do_not_exist() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&ConnectConfig {
        url: format!("sqlite://{}/vigie.db", dir.path().display()),
        max_connections: 2,
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(
        store,
        WebConfig {
            public_url: base.clone(),
            ..WebConfig::default()
        },
    );
    tokio::spawn(vigie_web::serve(state, listener, std::future::pending()));
    let b = Browser::new();
    for path in ["/login/oidc", "/login/oidc/callback?code=x&state=y"] {
        let res = b.http.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let html = b
        .http
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("/login/oidc"));
}
