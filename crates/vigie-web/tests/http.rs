//! The HTTP suite: the real server on a free loopback port, on SQLite and on PostgreSQL.
//! Its centre is the authorization matrix: every API route and every page, with every role, in
//! and out of its scope.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use reqwest::{redirect, Client, Method, StatusCode};
use vigie_domain::role::{Role, ALL_ROLES};
use vigie_store::accounts::NewUser;
use vigie_store::testing::{self, TestDb};
use vigie_store::{Actor, Store};

const FINESS_SMALL: &[u8] = include_bytes!("../../vigie-store/tests/data/finess-small.csv");
const GHT_SMALL: &[u8] = include_bytes!("../../vigie-store/tests/data/ght-small.csv");
const PASSWORD: &str = "a long test password";

struct App {
    base: String,
    store: Store,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

async fn spawn_app(db: &TestDb, cfg: vigie_web::WebConfig) -> App {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = vigie_web::AppState::new(
        db.store.clone(),
        vigie_web::WebConfig {
            public_url: format!("http://{addr}"),
            ..cfg
        },
    );
    tokio::spawn(vigie_web::serve(state, listener, async move {
        let _ = rx.await;
    }));
    App {
        base: format!("http://{addr}"),
        store: db.store.clone(),
        _shutdown: tx,
    }
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

fn system() -> Actor {
    Actor::system("test")
}

/// The seeded world of the matrix and each role's account.
struct World {
    pitie: i64,    // Île-de-France (11), GHT-75-01
    fleyriat: i64, // Auvergne-Rhône-Alpes (84), GHT-01-AIN
    ght_ain: i64,
    ght_paris: i64,
    users: HashMap<Role, i64>,
    tokens: HashMap<Role, String>,
    totp: HashMap<Role, String>,
    /// An account that administrators disable and enable again.
    victim: i64,
}

impl World {
    /// The structure each role sees, and one it must not see.
    fn scope_ids(&self, r: Role) -> (i64, i64) {
        match r {
            Role::RegionalAnalyst => (self.pitie, self.fleyriat),
            Role::GhtOfficer | Role::StructureAdmin | Role::StructureMember => {
                (self.fleyriat, self.pitie)
            }
            _ => (self.pitie, 999_999),
        }
    }
    fn ght_ids(&self, r: Role) -> (i64, i64) {
        match r {
            Role::RegionalAnalyst => (self.ght_paris, self.ght_ain),
            Role::GhtOfficer | Role::StructureAdmin | Role::StructureMember => {
                (self.ght_ain, self.ght_paris)
            }
            _ => (self.ght_ain, 999_999),
        }
    }
}

async fn seed(store: &Store) -> World {
    store.import_finess(&system(), FINESS_SMALL).await.unwrap();
    store.import_ght(&system(), GHT_SMALL).await.unwrap();
    let id = |f: &'static str| async move {
        store
            .find_structure_by_finess(&system(), f)
            .await
            .unwrap()
            .id
    };
    let (pitie, fleyriat) = (id("750100125").await, id("010000024").await);
    let ghts = store.list_ghts(&system(), None).await.unwrap();
    let ght = |c: &str| ghts.iter().find(|g| g.code == c).unwrap().id;
    let (ght_ain, ght_paris) = (ght("GHT-01-AIN"), ght("GHT-75-01"));
    let mut users = HashMap::new();
    let mut tokens = HashMap::new();
    let mut totp = HashMap::new();
    for r in ALL_ROLES {
        let nu = NewUser {
            email: format!("{}@matrix.example", r.as_str()),
            display_name: r.as_str().into(),
            role: r,
            region_code: (r == Role::RegionalAnalyst).then(|| "11".to_string()),
            ght_id: (r == Role::GhtOfficer).then_some(ght_ain),
            structure_ids: if matches!(r, Role::StructureAdmin | Role::StructureMember) {
                vec![fleyriat]
            } else {
                vec![]
            },
            password: Some(PASSWORD.into()),
            locale: "fr".into(),
            must_change_password: false,
        };
        let uid = store.create_user(&system(), &nu).await.unwrap();
        let (_, secret) = store
            .create_api_token(&system(), uid, "matrix", None)
            .await
            .unwrap();
        if r.requires_mfa() {
            let s = vigie_web::auth::new_totp_secret();
            store
                .set_totp(&system(), uid, Some(&s), true)
                .await
                .unwrap();
            totp.insert(r, s);
        }
        users.insert(r, uid);
        tokens.insert(r, secret);
    }
    let victim = store
        .create_user(
            &system(),
            &NewUser {
                email: "victim@matrix.example".into(),
                display_name: "V".into(),
                role: Role::Auditor,
                region_code: None,
                ght_id: None,
                structure_ids: vec![],
                password: Some(PASSWORD.into()),
                locale: "fr".into(),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    World {
        pitie,
        fleyriat,
        ght_ain,
        ght_paris,
        users,
        tokens,
        totp,
        victim,
    }
}

/// What a role may do, as the product promises it (deny by default).
fn allowed(r: Role, what: &str) -> bool {
    use Role::*;
    match what {
        "read" => true,
        "write_structures" => matches!(r, Admin | CertAnalyst | RegionalAnalyst | StructureAdmin),
        "write_assets" => matches!(
            r,
            Admin | CertAnalyst | RegionalAnalyst | GhtOfficer | StructureAdmin
        ),
        "import" => matches!(r, Admin | CertAnalyst),
        "read_users" => matches!(r, Admin | CertAnalyst | RegionalAnalyst | Auditor),
        "manage_users" => r == Admin,
        "audit" => matches!(r, Admin | Auditor),
        "jobs" => r == Admin,
        "notify" => matches!(
            r,
            Admin | CertAnalyst | RegionalAnalyst | GhtOfficer | StructureAdmin
        ),
        "request_scan" | "triage" => matches!(
            r,
            Admin | CertAnalyst | RegionalAnalyst | GhtOfficer | StructureAdmin
        ),
        "manage_surveillance" => matches!(r, Admin | CertAnalyst | RegionalAnalyst),
        "write_inventory" => matches!(
            r,
            Admin | CertAnalyst | RegionalAnalyst | GhtOfficer | StructureAdmin
        ),
        "manage_intel" => matches!(r, Admin | CertAnalyst),
        other => panic!("unknown capability {other}"),
    }
}

/// Expected status for a route given the role's capability, whether the target is in scope, and
/// the success status.
fn expect(r: Role, cap: &str, in_scope: bool, ok: StatusCode) -> StatusCode {
    if !allowed(r, cap) {
        StatusCode::FORBIDDEN
    } else if !in_scope {
        StatusCode::NOT_FOUND
    } else {
        ok
    }
}

async fn api(
    c: &Client,
    app: &App,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<serde_json::Value>,
    raw: Option<&'static [u8]>,
) -> StatusCode {
    let mut req = c.request(method, format!("{}{path}", app.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    if let Some(r) = raw {
        req = req.body(r);
    }
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn api_authorization_matrix() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let c = client();
        let mut covered: Vec<(&str, &str)> = Vec::new();
        for r in ALL_ROLES {
            let tok = Some(w.tokens[&r].as_str());
            let (inn, out) = w.scope_ids(r);
            let (g_in, g_out) = w.ght_ids(r);
            let me = w.users[&r];
            let admin = w.users[&Role::Admin];
            let ok = StatusCode::OK;
            let created = StatusCode::CREATED;
            let none = StatusCode::NO_CONTENT;
            let mut check = |m: &'static str,
                             route: &'static str,
                             path: String,
                             got: StatusCode,
                             want: StatusCode| {
                assert_eq!(got, want, "[{}] {r} {m} {path}", db.name);
                if !covered.contains(&(m, route)) {
                    covered.push((m, route));
                }
            };
            let asset = |v: &str| {
                Some(
                    serde_json::json!({ "kind": "domain", "value": format!("{v}-{}.fr", r.as_str().replace('_', "-")), "attested_by": "Directeur" }),
                )
            };
            check(
                "GET",
                "/api/v1/me",
                "/me".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/me", None, None).await,
                ok,
            );
            check(
                "GET",
                "/api/v1/regions",
                "/regions".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/regions", None, None).await,
                ok,
            );
            check(
                "GET",
                "/api/v1/structures",
                "/structures".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/structures", None, None).await,
                ok,
            );
            check(
                "GET",
                "/api/v1/structures.csv",
                "/structures.csv".into(),
                api(
                    &c,
                    &app,
                    tok,
                    Method::GET,
                    "/api/v1/structures.csv",
                    None,
                    None,
                )
                .await,
                ok,
            );
            for (id, scoped) in [(inn, true), (out, false)] {
                let p = format!("/api/v1/structures/{id}");
                check(
                    "GET",
                    "/api/v1/structures/{id}",
                    p.clone(),
                    api(&c, &app, tok, Method::GET, &p, None, None).await,
                    expect(r, "read", scoped, ok),
                );
                let p = format!("/api/v1/structures/{id}/contacts");
                check(
                    "GET",
                    "/api/v1/structures/{id}/contacts",
                    p.clone(),
                    api(&c, &app, tok, Method::GET, &p, None, None).await,
                    expect(r, "read", scoped, ok),
                );
                let p = format!("/api/v1/structures/{id}/contacts/security_officer");
                let body =
                    Some(serde_json::json!({ "name": "Jeanne RSSI", "email": "rssi@ch.example" }));
                check(
                    "PUT",
                    "/api/v1/structures/{id}/contacts/{role}",
                    p.clone(),
                    api(&c, &app, tok, Method::PUT, &p, body, None).await,
                    expect(r, "write_structures", scoped, none),
                );
                let p = format!("/api/v1/structures/{id}/designations");
                let body =
                    Some(serde_json::json!({ "ose": true, "esr": false, "overseas": false }));
                check(
                    "PUT",
                    "/api/v1/structures/{id}/designations",
                    p.clone(),
                    api(&c, &app, tok, Method::PUT, &p, body, None).await,
                    expect(r, "write_structures", scoped, none),
                );
                let p = format!("/api/v1/structures/{id}/assets");
                check(
                    "GET",
                    "/api/v1/structures/{id}/assets",
                    p.clone(),
                    api(&c, &app, tok, Method::GET, &p, None, None).await,
                    expect(r, "read", scoped, ok),
                );
                check(
                    "POST",
                    "/api/v1/structures/{id}/assets",
                    p.clone(),
                    api(&c, &app, tok, Method::POST, &p, asset("a"), None).await,
                    expect(r, "write_assets", scoped, created),
                );
                // Deleting: an asset that exists in the target structure.
                let target = app
                    .store
                    .add_asset(
                        &system(),
                        if id == 999_999 { w.fleyriat } else { id },
                        vigie_domain::structure::AssetKind::Domain,
                        &format!("del-{}-{id}.fr", r.as_str().replace('_', "-")),
                        "x",
                    )
                    .await
                    .unwrap();
                let p = format!("/api/v1/structures/{id}/assets/{}", target.id);
                check(
                    "DELETE",
                    "/api/v1/structures/{id}/assets/{asset}",
                    p.clone(),
                    api(&c, &app, tok, Method::DELETE, &p, None, None).await,
                    expect(r, "write_assets", scoped, none),
                );
            }
            check(
                "GET",
                "/api/v1/ghts",
                "/ghts".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/ghts", None, None).await,
                ok,
            );
            for (id, scoped) in [(g_in, true), (g_out, false)] {
                let p = format!("/api/v1/ghts/{id}");
                check(
                    "GET",
                    "/api/v1/ghts/{id}",
                    p.clone(),
                    api(&c, &app, tok, Method::GET, &p, None, None).await,
                    expect(r, "read", scoped, ok),
                );
            }
            check(
                "GET",
                "/api/v1/users",
                "/users".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/users", None, None).await,
                expect(r, "read_users", true, ok),
            );
            let nu = serde_json::json!({ "email": format!("new-{}@matrix.example", r.as_str()), "display_name": "N", "role": "auditor", "password": PASSWORD });
            check(
                "POST",
                "/api/v1/users",
                "/users".into(),
                api(&c, &app, tok, Method::POST, "/api/v1/users", Some(nu), None).await,
                expect(r, "manage_users", true, created),
            );
            // One's own account is always readable; the administrator's only to national readers.
            check(
                "GET",
                "/api/v1/users/{id}",
                format!("/users/{me}"),
                api(
                    &c,
                    &app,
                    tok,
                    Method::GET,
                    &format!("/api/v1/users/{me}"),
                    None,
                    None,
                )
                .await,
                ok,
            );
            let admin_visible = !matches!(r, Role::RegionalAnalyst);
            check(
                "GET",
                "/api/v1/users/{id}",
                format!("/users/{admin}"),
                api(
                    &c,
                    &app,
                    tok,
                    Method::GET,
                    &format!("/api/v1/users/{admin}"),
                    None,
                    None,
                )
                .await,
                expect(r, "read_users", admin_visible, ok),
            );
            let victim = w.victim;
            check(
                "POST",
                "/api/v1/users/{id}/disable",
                format!("/users/{victim}/disable"),
                api(
                    &c,
                    &app,
                    tok,
                    Method::POST,
                    &format!("/api/v1/users/{victim}/disable"),
                    None,
                    None,
                )
                .await,
                expect(r, "manage_users", true, none),
            );
            check(
                "POST",
                "/api/v1/users/{id}/enable",
                format!("/users/{victim}/enable"),
                api(
                    &c,
                    &app,
                    tok,
                    Method::POST,
                    &format!("/api/v1/users/{victim}/enable"),
                    None,
                    None,
                )
                .await,
                expect(r, "manage_users", true, none),
            );
            check(
                "GET",
                "/api/v1/audit",
                "/audit".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/audit", None, None).await,
                expect(r, "audit", true, ok),
            );
            check(
                "GET",
                "/api/v1/audit.csv",
                "/audit.csv".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/audit.csv", None, None).await,
                expect(r, "audit", true, ok),
            );
            check(
                "POST",
                "/api/v1/imports/finess",
                "/imports/finess".into(),
                api(
                    &c,
                    &app,
                    tok,
                    Method::POST,
                    "/api/v1/imports/finess",
                    None,
                    Some(FINESS_SMALL),
                )
                .await,
                expect(r, "import", true, ok),
            );
            check(
                "POST",
                "/api/v1/imports/ght",
                "/imports/ght".into(),
                api(
                    &c,
                    &app,
                    tok,
                    Method::POST,
                    "/api/v1/imports/ght",
                    None,
                    Some(GHT_SMALL),
                )
                .await,
                expect(r, "import", true, ok),
            );
            // Exposure (surveillance): every role reads in scope; scans, triage and settings by role.
            check(
                "GET",
                "/api/v1/exposure",
                "/exposure".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/exposure", None, None).await,
                ok,
            );
            for (id, scoped) in [(inn, true), (out, false)] {
                let (scan, finding) = exposure_seed(&app.store, id).await;
                for (m, route, path, body, cap, want) in [
                    (
                        "GET",
                        "/api/v1/structures/{id}/surveillance",
                        format!("/api/v1/structures/{id}/surveillance"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "PUT",
                        "/api/v1/structures/{id}/surveillance",
                        format!("/api/v1/structures/{id}/surveillance"),
                        Some(serde_json::json!({ "enabled": false, "interval_hours": 24 })),
                        "manage_surveillance",
                        none,
                    ),
                    (
                        "GET",
                        "/api/v1/structures/{id}/scans",
                        format!("/api/v1/structures/{id}/scans"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "POST",
                        "/api/v1/structures/{id}/scans",
                        format!("/api/v1/structures/{id}/scans"),
                        None,
                        "request_scan",
                        StatusCode::ACCEPTED,
                    ),
                    (
                        "GET",
                        "/api/v1/structures/{id}/findings",
                        format!("/api/v1/structures/{id}/findings"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "GET",
                        "/api/v1/scans/{id}",
                        format!("/api/v1/scans/{scan}"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "GET",
                        "/api/v1/scans/{id}/diff",
                        format!("/api/v1/scans/{scan}/diff?from={scan}"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "POST",
                        "/api/v1/findings/{id}/acknowledge",
                        format!("/api/v1/findings/{finding}/acknowledge"),
                        Some(serde_json::json!({ "note": "Vu, fermeture planifiée" })),
                        "triage",
                        ok,
                    ),
                ] {
                    let method = Method::from_bytes(m.as_bytes()).unwrap();
                    check(
                        m,
                        route,
                        path.clone(),
                        api(&c, &app, tok, method, &path, body, None).await,
                        expect(r, cap, scoped, want),
                    );
                }
            }
            check(
                "GET",
                "/api/v1/jobs",
                "/jobs".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/jobs", None, None).await,
                expect(r, "jobs", true, ok),
            );
            // Webhooks: attached to a structure of one's scope; another's does not exist.
            check(
                "GET",
                "/api/v1/webhooks",
                "/webhooks".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/webhooks", None, None).await,
                expect(r, "notify", true, ok),
            );
            check(
                "GET",
                "/api/v1/notifications",
                "/notifications".into(),
                api(
                    &c,
                    &app,
                    tok,
                    Method::GET,
                    "/api/v1/notifications",
                    None,
                    None,
                )
                .await,
                expect(r, "notify", true, ok),
            );
            for (id, scoped) in [(inn, true), (out, false)] {
                let body = Some(serde_json::json!({
                    "name": format!("SOC {r}"), "url": "https://soc.example/hook",
                    "scope": "structure", "target": id.to_string(), "events": "watch",
                }));
                check(
                    "POST",
                    "/api/v1/webhooks",
                    "/webhooks".into(),
                    api(&c, &app, tok, Method::POST, "/api/v1/webhooks", body, None).await,
                    expect(r, "notify", scoped, created),
                );
            }
            let hook_in = app
                .store
                .create_webhook(
                    &system(),
                    "to delete",
                    "https://soc.example/del",
                    vigie_store::notify::WebhookScope::Structure(inn),
                    "*",
                )
                .await
                .unwrap()
                .0
                .id;
            let hook_out = if out == 999_999 {
                999_999
            } else {
                app.store
                    .create_webhook(
                        &system(),
                        "not yours",
                        "https://soc.example/other",
                        vigie_store::notify::WebhookScope::Structure(out),
                        "*",
                    )
                    .await
                    .unwrap()
                    .0
                    .id
            };
            for (id, scoped) in [(hook_in, true), (hook_out, false)] {
                let p = format!("/api/v1/webhooks/{id}");
                check(
                    "DELETE",
                    "/api/v1/webhooks/{id}",
                    p.clone(),
                    api(&c, &app, tok, Method::DELETE, &p, None, None).await,
                    expect(r, "notify", scoped, none),
                );
            }
            // Vulnerability watch: one alert per structure (FortiOS 7.0.12, CVE-2024-55591).
            let (al_in, al_out) = (
                watch_alert(&app.store, inn).await,
                watch_alert(&app.store, out).await,
            );
            check(
                "GET",
                "/api/v1/alerts",
                "/alerts".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/alerts", None, None).await,
                ok,
            );
            check(
                "GET",
                "/api/v1/watch/bulletin",
                "/watch/bulletin".into(),
                api(
                    &c,
                    &app,
                    tok,
                    Method::GET,
                    "/api/v1/watch/bulletin",
                    None,
                    None,
                )
                .await,
                ok,
            );
            check(
                "GET",
                "/api/v1/watch/sources",
                "/watch/sources".into(),
                api(
                    &c,
                    &app,
                    tok,
                    Method::GET,
                    "/api/v1/watch/sources",
                    None,
                    None,
                )
                .await,
                expect(r, "manage_intel", true, ok),
            );
            for (id, alert, scoped) in [(inn, al_in, true), (out, al_out, false)] {
                let p = format!("/api/v1/structures/{id}/inventory");
                check(
                    "GET",
                    "/api/v1/structures/{id}/inventory",
                    p.clone(),
                    api(&c, &app, tok, Method::GET, &p, None, None).await,
                    expect(r, "read", scoped, ok),
                );
                let body = serde_json::json!({ "product": "fortios", "version": "7.4.3", "location": format!("api-{}", r.as_str()) });
                check(
                    "POST",
                    "/api/v1/structures/{id}/inventory",
                    p.clone(),
                    api(&c, &app, tok, Method::POST, &p, Some(body), None).await,
                    expect(r, "write_inventory", scoped, created),
                );
                let p = format!("/api/v1/structures/{id}/inventory/import");
                check(
                    "POST",
                    "/api/v1/structures/{id}/inventory/import",
                    p.clone(),
                    api(
                        &c,
                        &app,
                        tok,
                        Method::POST,
                        &p,
                        None,
                        Some(b"product,version\nfortios,7.4.3\n"),
                    )
                    .await,
                    expect(r, "write_inventory", scoped, ok),
                );
                let item = watch_item(
                    &app.store,
                    if id == 999_999 { w.fleyriat } else { id },
                    &format!("adel-{}", r.as_str()),
                )
                .await;
                let p = format!("/api/v1/structures/{id}/inventory/{item}");
                check(
                    "DELETE",
                    "/api/v1/structures/{id}/inventory/{item}",
                    p.clone(),
                    api(&c, &app, tok, Method::DELETE, &p, None, None).await,
                    expect(r, "write_inventory", scoped, none),
                );
                let p = format!("/api/v1/alerts/{alert}");
                check(
                    "GET",
                    "/api/v1/alerts/{id}",
                    p.clone(),
                    api(&c, &app, tok, Method::GET, &p, None, None).await,
                    expect(r, "read", scoped, ok),
                );
                let p = format!("/api/v1/alerts/{alert}/triage");
                check(
                    "POST",
                    "/api/v1/alerts/{id}/triage",
                    p.clone(),
                    api(
                        &c,
                        &app,
                        tok,
                        Method::POST,
                        &p,
                        Some(serde_json::json!({ "status": "acknowledged" })),
                        None,
                    )
                    .await,
                    expect(r, "triage", scoped, ok),
                );
            }
        }
        // Every route of the API is in the matrix, and every one refuses anonymous callers.
        for (m, route) in vigie_web::api::ROUTES {
            assert!(
                covered.contains(&(*m, *route)),
                "route {m} {route} is not in the authorization matrix"
            );
            let path = route
                .replace("{id}", "1")
                .replace("{asset}", "1")
                .replace("{item}", "1")
                .replace("{role}", "dpo");
            let got = api(
                &c,
                &app,
                None,
                Method::from_bytes(m.as_bytes()).unwrap(),
                &path,
                None,
                None,
            )
            .await;
            assert_eq!(
                got,
                StatusCode::UNAUTHORIZED,
                "[{}] anonymous {m} {path}",
                db.name
            );
        }
        // A forged or revoked token is anonymous.
        assert_eq!(
            api(
                &c,
                &app,
                Some("vigie_forged"),
                Method::GET,
                "/api/v1/me",
                None,
                None
            )
            .await,
            StatusCode::UNAUTHORIZED
        );
        db.cleanup().await;
    }
}

/// Signs in through the login form (and the TOTP form for roles that need it).
async fn sign_in(app: &App, w: &World, r: Role) -> (Client, String) {
    let c = client();
    let email = format!("{}@matrix.example", r.as_str());
    let (c2, csrf) = form_csrf(c, app, "/login").await;
    let res = c2
        .post(format!("{}/login", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", &email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{r}: login");
    let next = res.headers()["location"].to_str().unwrap().to_string();
    if r.requires_mfa() {
        assert_eq!(next, "/login/totp", "{r}");
        // Before the second factor, nothing is visible.
        let blocked = c2
            .get(format!("{}/structures", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(blocked.headers()["location"], "/login/totp");
        let (c3, csrf) = form_csrf(c2, app, "/login/totp").await;
        let totp = vigie_web::auth::totp_for(&w.totp[&r], &email).unwrap();
        let code = totp.generate_current().unwrap();
        let res = c3
            .post(format!("{}/login/totp", app.base))
            .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{r}: totp");
        let (c4, csrf) = form_csrf(c3, app, "/account").await;
        return (c4, csrf);
    }
    assert_eq!(next, "/");
    form_csrf(c2, app, "/account").await
}

async fn form_csrf(c: Client, app: &App, path: &str) -> (Client, String) {
    let html = c
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap_or_else(|| panic!("no csrf field on {path}: {html}"))
        .to_string();
    (c, csrf)
}

#[tokio::test]
async fn pages_authorization_matrix() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let mut covered: Vec<(&str, &str)> = Vec::new();
        for r in ALL_ROLES {
            let (c, csrf) = sign_in(&app, &w, r).await;
            let (inn, out) = w.scope_ids(r);
            let mut check = |m: &'static str,
                             route: &'static str,
                             path: String,
                             got: StatusCode,
                             want: StatusCode| {
                assert_eq!(got, want, "[{}] {r} {m} {path}", db.name);
                if !covered.contains(&(m, route)) {
                    covered.push((m, route));
                }
            };
            let get = |p: String| {
                let c = c.clone();
                let base = app.base.clone();
                async move { c.get(format!("{base}{p}")).send().await.unwrap().status() }
            };
            let post = |p: String, form: Vec<(&'static str, String)>| {
                let c = c.clone();
                let base = app.base.clone();
                let csrf = csrf.clone();
                async move {
                    let mut f = form;
                    f.push(("csrf", csrf));
                    c.post(format!("{base}{p}"))
                        .form(&f)
                        .send()
                        .await
                        .unwrap()
                        .status()
                }
            };
            let ok = StatusCode::OK;
            let see_other = StatusCode::SEE_OTHER;
            for (m, route) in [
                ("GET", "/"),
                ("GET", "/structures"),
                ("GET", "/structures.csv"),
                ("GET", "/ghts"),
                ("GET", "/account"),
                ("GET", "/account/password"),
            ] {
                check(m, route, route.into(), get(route.into()).await, ok);
            }
            check(
                "GET",
                "/users",
                "/users".into(),
                get("/users".into()).await,
                expect(r, "read_users", true, ok),
            );
            check(
                "GET",
                "/audit",
                "/audit".into(),
                get("/audit".into()).await,
                expect(r, "audit", true, ok),
            );
            check(
                "GET",
                "/audit.csv",
                "/audit.csv".into(),
                get("/audit.csv".into()).await,
                expect(r, "audit", true, ok),
            );
            check(
                "GET",
                "/import",
                "/import".into(),
                get("/import".into()).await,
                expect(r, "import", true, ok),
            );
            for (id, scoped) in [(inn, true), (out, false)] {
                check(
                    "GET",
                    "/structures/{id}",
                    format!("/structures/{id}"),
                    get(format!("/structures/{id}")).await,
                    expect(r, "read", scoped, ok),
                );
                let form = vec![
                    ("role", "dpo".to_string()),
                    ("name", "Paul DPO".to_string()),
                    ("email", String::new()),
                    ("phone", String::new()),
                ];
                check(
                    "POST",
                    "/structures/{id}/contacts",
                    format!("/structures/{id}/contacts"),
                    post(format!("/structures/{id}/contacts"), form).await,
                    expect(r, "write_structures", scoped, see_other),
                );
                let form = vec![
                    ("kind", "domain".to_string()),
                    ("value", format!("page-{}.fr", r.as_str().replace('_', "-"))),
                    ("attested_by", "Directeur".to_string()),
                ];
                check(
                    "POST",
                    "/structures/{id}/assets",
                    format!("/structures/{id}/assets"),
                    post(format!("/structures/{id}/assets"), form).await,
                    expect(r, "write_assets", scoped, see_other),
                );
                let target = app
                    .store
                    .add_asset(
                        &system(),
                        if id == 999_999 { w.fleyriat } else { id },
                        vigie_domain::structure::AssetKind::Domain,
                        &format!("pdel-{}-{id}.fr", r.as_str().replace('_', "-")),
                        "x",
                    )
                    .await
                    .unwrap();
                let p = format!("/structures/{id}/assets/{}/delete", target.id);
                check(
                    "POST",
                    "/structures/{id}/assets/{asset}/delete",
                    p.clone(),
                    post(p, vec![]).await,
                    expect(r, "write_assets", scoped, see_other),
                );
            }
            // Vulnerability watch.
            let (al_in, al_out) = (
                watch_alert(&app.store, inn).await,
                watch_alert(&app.store, out).await,
            );
            for (m, route) in [("GET", "/watch/alerts"), ("GET", "/watch/bulletin")] {
                check(m, route, route.into(), get(route.into()).await, ok);
            }
            check(
                "GET",
                "/watch/sources",
                "/watch/sources".into(),
                get("/watch/sources".into()).await,
                expect(r, "manage_intel", true, ok),
            );
            for (id, alert, scoped) in [(inn, al_in, true), (out, al_out, false)] {
                check(
                    "GET",
                    "/watch/alerts/{id}",
                    format!("/watch/alerts/{alert}"),
                    get(format!("/watch/alerts/{alert}")).await,
                    expect(r, "read", scoped, ok),
                );
                check(
                    "POST",
                    "/watch/alerts/{id}/triage",
                    format!("/watch/alerts/{alert}/triage"),
                    post(
                        format!("/watch/alerts/{alert}/triage"),
                        vec![("status", "acknowledged".into())],
                    )
                    .await,
                    expect(r, "triage", scoped, see_other),
                );
                check(
                    "POST",
                    "/structures/{id}/inventory",
                    format!("/structures/{id}/inventory"),
                    post(
                        format!("/structures/{id}/inventory"),
                        vec![
                            ("product", "fortios".into()),
                            ("version", "7.4.3".into()),
                            ("location", format!("page-{}", r.as_str())),
                        ],
                    )
                    .await,
                    expect(r, "write_inventory", scoped, see_other),
                );
                let item = watch_item(
                    &app.store,
                    if id == 999_999 { w.fleyriat } else { id },
                    &format!("pdel-{}", r.as_str()),
                )
                .await;
                let p = format!("/structures/{id}/inventory/{item}/delete");
                check(
                    "POST",
                    "/structures/{id}/inventory/{item}/delete",
                    p.clone(),
                    post(p, vec![]).await,
                    expect(r, "write_inventory", scoped, see_other),
                );
                let form = reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(b"product,version\nfortios,7.4.3\n".to_vec())
                        .file_name("inventory.csv"),
                );
                let got = c
                    .post(format!(
                        "{}/structures/{id}/inventory/import?csrf={csrf}",
                        app.base
                    ))
                    .multipart(form)
                    .send()
                    .await
                    .unwrap()
                    .status();
                check(
                    "POST",
                    "/structures/{id}/inventory/import",
                    format!("/structures/{id}/inventory/import"),
                    got,
                    expect(r, "write_inventory", scoped, ok),
                );
            }
            let nu = vec![
                ("email", format!("p-{}@matrix.example", r.as_str())),
                ("display_name", "P".into()),
                ("role", "auditor".into()),
                ("password", PASSWORD.into()),
            ];
            check(
                "POST",
                "/users",
                "/users".into(),
                post("/users".into(), nu).await,
                expect(r, "manage_users", true, ok),
            );
            let victim = w.victim;
            for action in ["disable", "enable", "reset-mfa"] {
                let route: &'static str = match action {
                    "disable" => "/users/{id}/disable",
                    "enable" => "/users/{id}/enable",
                    _ => "/users/{id}/reset-mfa",
                };
                let p = format!("/users/{victim}/{action}");
                check(
                    "POST",
                    route,
                    p.clone(),
                    post(p, vec![]).await,
                    expect(r, "manage_users", true, see_other),
                );
            }
            app.store
                .create_api_token(&system(), w.users[&r], "to-revoke", None)
                .await
                .unwrap();
            let tokens = app
                .store
                .list_api_tokens(&system(), w.users[&r])
                .await
                .unwrap();
            let tid = tokens.last().unwrap().id;
            check(
                "POST",
                "/account/tokens/{id}/revoke",
                format!("/account/tokens/{tid}/revoke"),
                post(format!("/account/tokens/{tid}/revoke"), vec![]).await,
                see_other,
            );
            check(
                "GET",
                "/notifications",
                "/notifications".into(),
                get("/notifications".into()).await,
                expect(r, "notify", true, ok),
            );
            {
                let (inn, out) = w.scope_ids(r);
                for (id, scoped) in [(inn, true), (out, false)] {
                    let form = vec![
                        ("name", format!("page {r}")),
                        ("url", "https://soc.example/page".to_string()),
                        ("scope", "structure".to_string()),
                        ("target", id.to_string()),
                        ("events", String::new()),
                    ];
                    // A target outside the scope is a form error that names it, not a leak.
                    let want = if !allowed(r, "notify") {
                        StatusCode::FORBIDDEN
                    } else if scoped {
                        ok
                    } else {
                        StatusCode::NOT_FOUND
                    };
                    check(
                        "POST",
                        "/notifications/webhooks",
                        "/notifications/webhooks".into(),
                        post("/notifications/webhooks".into(), form).await,
                        want,
                    );
                }
                let hook = app
                    .store
                    .create_webhook(
                        &system(),
                        "page delete",
                        "https://soc.example/x",
                        vigie_store::notify::WebhookScope::Structure(inn),
                        "*",
                    )
                    .await
                    .unwrap()
                    .0
                    .id;
                check(
                    "POST",
                    "/notifications/webhooks/{id}/delete",
                    format!("/notifications/webhooks/{hook}/delete"),
                    post(format!("/notifications/webhooks/{hook}/delete"), vec![]).await,
                    expect(r, "notify", true, see_other),
                );
                check(
                    "POST",
                    "/notifications/webhooks/{id}/delete",
                    "/notifications/webhooks/999999/delete".into(),
                    post("/notifications/webhooks/999999/delete".into(), vec![]).await,
                    expect(r, "notify", false, see_other),
                );
            }
            // Someone else's token: not found.
            let other = app
                .store
                .list_api_tokens(&system(), w.users[&Role::Admin])
                .await
                .unwrap()[0]
                .id;
            if r != Role::Admin {
                check(
                    "POST",
                    "/account/tokens/{id}/revoke",
                    format!("/account/tokens/{other}/revoke"),
                    post(format!("/account/tokens/{other}/revoke"), vec![]).await,
                    StatusCode::NOT_FOUND,
                );
            }
            let created = if matches!(r, Role::StructureMember | Role::Auditor) {
                StatusCode::FORBIDDEN
            } else {
                ok
            };
            check(
                "POST",
                "/account/tokens",
                "/account/tokens".into(),
                post("/account/tokens".into(), vec![("name", "script".into())]).await,
                created,
            );
            // Exposure (surveillance) pages.
            check(
                "GET",
                "/exposure",
                "/exposure".into(),
                get("/exposure".into()).await,
                ok,
            );
            let own_region = if r == Role::RegionalAnalyst {
                "11"
            } else {
                "84"
            };
            let form = vec![
                ("region", own_region.to_string()),
                ("enabled", "0".to_string()),
                ("interval_hours", "48".to_string()),
            ];
            check(
                "POST",
                "/exposure/surveillance",
                "/exposure/surveillance".into(),
                post("/exposure/surveillance".into(), form).await,
                expect(r, "manage_surveillance", true, see_other),
            );
            if r == Role::RegionalAnalyst {
                let form = vec![("region", "84".to_string()), ("enabled", "1".to_string())];
                check(
                    "POST",
                    "/exposure/surveillance",
                    "/exposure/surveillance (other region)".into(),
                    post("/exposure/surveillance".into(), form).await,
                    StatusCode::NOT_FOUND,
                );
            }
            for (id, scoped) in [(inn, true), (out, false)] {
                let (_, finding) = exposure_seed(&app.store, id).await;
                for (route, path) in [
                    (
                        "/structures/{id}/exposure",
                        format!("/structures/{id}/exposure"),
                    ),
                    (
                        "/structures/{id}/exposure/report",
                        format!("/structures/{id}/exposure/report"),
                    ),
                    (
                        "/structures/{id}/exposure/report.pdf",
                        format!("/structures/{id}/exposure/report.pdf"),
                    ),
                ] {
                    check(
                        "GET",
                        route,
                        path.clone(),
                        get(path).await,
                        expect(r, "read", scoped, ok),
                    );
                }
                let p = format!("/structures/{id}/exposure/scan");
                check(
                    "POST",
                    "/structures/{id}/exposure/scan",
                    p.clone(),
                    post(p, vec![]).await,
                    expect(r, "request_scan", scoped, see_other),
                );
                let p = format!("/structures/{id}/exposure/surveillance");
                let form = vec![
                    ("enabled", "0".to_string()),
                    ("interval_hours", "24".to_string()),
                ];
                check(
                    "POST",
                    "/structures/{id}/exposure/surveillance",
                    p.clone(),
                    post(p, form).await,
                    expect(r, "manage_surveillance", scoped, see_other),
                );
                let p = format!("/structures/{id}/exposure/findings/{finding}/acknowledge");
                check(
                    "POST",
                    "/structures/{id}/exposure/findings/{finding}/acknowledge",
                    p.clone(),
                    post(p, vec![("note", "Pris en compte".to_string())]).await,
                    expect(r, "triage", scoped, see_other),
                );
            }
            // A finding reached through another structure's address is not found.
            if allowed(r, "triage") && out != 999_999 {
                let (_, other) = exposure_seed(&app.store, out).await;
                let p = format!("/structures/{inn}/exposure/findings/{other}/acknowledge");
                check(
                    "POST",
                    "/structures/{id}/exposure/findings/{finding}/acknowledge",
                    p.clone(),
                    post(p, vec![("note", "x".to_string())]).await,
                    StatusCode::NOT_FOUND,
                );
            }
            check(
                "POST",
                "/lang",
                "/lang".into(),
                post("/lang".into(), vec![("lang", "en".into())]).await,
                see_other,
            );
            check(
                "POST",
                "/logout",
                "/logout".into(),
                post("/logout".into(), vec![]).await,
                see_other,
            );
            assert_eq!(
                get("/structures".into()).await,
                see_other,
                "{r}: signed out"
            );
        }
        // Routes exercised by the other tests of this file (login, TOTP, imports, password).
        for done in [
            ("GET", "/login"),
            ("POST", "/login"),
            ("GET", "/login/totp"),
            ("POST", "/login/totp"),
            ("GET", "/login/totp/setup"),
            ("POST", "/login/totp/setup"),
            ("POST", "/import/finess"),
            ("POST", "/import/ght"),
            ("POST", "/account/password"),
        ] {
            covered.push(done);
        }
        for (m, route) in vigie_web::pages::ROUTES {
            assert!(
                covered.contains(&(*m, *route)),
                "page {m} {route} is not in the authorization matrix"
            );
        }
        // Anonymous callers are sent to the login page from every signed-in page.
        let c = client();
        for (m, route) in vigie_web::pages::ROUTES
            .iter()
            .filter(|(m, r)| *m == "GET" && !r.starts_with("/login"))
        {
            let path = route.replace("{id}", "1");
            let res = c.get(format!("{}{path}", app.base)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "anonymous {m} {path}");
            assert_eq!(res.headers()["location"], "/login");
        }
        db.cleanup().await;
    }
}

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

#[tokio::test]
async fn headers_language_metrics_openapi_and_imports_through_pages() {
    let db = testing::sqlite().await;
    let app = spawn_app(
        &db,
        vigie_web::WebConfig {
            metrics_token: Some("metrics-token-0123456789".into()),
            ..Default::default()
        },
    )
    .await;
    let w = seed(&app.store).await;
    let anon = client();
    let res = anon
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    let h = res.headers();
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(
        h.get("strict-transport-security").is_none(),
        "no HSTS over plain HTTP"
    );
    let cookie = h
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        res.text().await.unwrap().contains("Connexion"),
        "French by default"
    );
    // French by default, whatever the browser prefers; the switch changes it, also before sign-in.
    let fr = anon
        .get(format!("{}/login", app.base))
        .header("accept-language", "en-GB,en;q=0.8")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fr.contains("Connexion") && !fr.contains("Sign in"));
    let en = anon
        .get(format!("{}/login", app.base))
        .header("cookie", "vigie_lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Sign in"));
    let (c, csrf) = sign_in(&app, &w, Role::CertAnalyst).await;
    let res = c
        .post(format!("{}/lang", app.base))
        .form(&[("csrf", csrf.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = c
        .get(format!("{}/structures", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Export as CSV") && page.contains("lang=\"en\""),
        "English after the switch"
    );
    // Import through the page (multipart, CSRF token in the query string).
    let upload = |path: &str, body: &'static [u8], name: &'static str| {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(body).file_name(name),
        );
        c.post(format!("{}{path}", app.base)).multipart(form)
    };
    let upload = &upload;
    // The page an upload answers with.
    let upload_page = |path: String, body: &'static [u8], name: &'static str| async move {
        upload(&path, body, name)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    let finess_path = format!("/import/finess?csrf={csrf}");
    let import_page = || upload_page(finess_path.clone(), FINESS_SMALL, "finess.csv");
    let html = import_page().await;
    assert!(html.contains("id=\"rejected\">2<"), "{html}");
    assert!(
        html.contains("check key mismatch"),
        "English reasons: {html}"
    );
    // Back to French: the same rejections, in French.
    c.post(format!("{}/lang", app.base))
        .form(&[("csrf", csrf.as_str()), ("lang", "fr")])
        .send()
        .await
        .unwrap();
    let html = import_page().await;
    assert!(
        html.contains("clé de contrôle incorrecte") && !html.contains("check key mismatch"),
        "French reasons: {html}"
    );
    assert_eq!(
        upload("/import/finess", FINESS_SMALL, "finess.csv")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN,
        "no CSRF token"
    );
    assert!(
        upload_page(format!("/import/ght?csrf={csrf}"), GHT_SMALL, "ght.csv")
            .await
            .contains("import-report")
    );
    // Metrics: token required.
    assert_eq!(
        anon.get(format!("{}/metrics", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let m = anon
        .get(format!("{}/metrics", app.base))
        .bearer_auth("metrics-token-0123456789")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        m.contains("vigie_http_requests_total") && m.contains("vigie_database_up 1"),
        "{m}"
    );
    // OpenAPI and health.
    let doc: serde_json::Value = anon
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/structures/{id}/assets"]["post"].is_object());
    let health: serde_json::Value = anon
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    // CSV export: spreadsheet formulas are neutralised.
    app.store
        .set_contact(
            &system(),
            w.pitie,
            vigie_domain::structure::ContactRole::Director,
            "=HYPERLINK(\"x\")",
            None,
            None,
        )
        .await
        .unwrap();
    let csv = c
        .get(format!("{}/structures.csv", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with('\u{feff}') && csv.contains("750100125"));
    // Password change: a wrong current password is refused; a new one ends the session.
    let res = c
        .post(format!("{}/account/password", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", "nope"),
            ("new", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = c
        .post(format!("{}/account/password", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("current", PASSWORD),
            ("new", "a brand new password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login");
    assert_eq!(
        c.get(format!("{}/", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    db.cleanup().await;
}

#[test]
fn catalogues_have_the_same_keys_and_templates_use_only_known_keys() {
    let fr = include_str!("../i18n/fr.txt");
    let en = include_str!("../i18n/en.txt");
    let keys = |t: &str| {
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(" = "))
            .map(|(k, _)| k.trim().to_string())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let (kf, ke) = (keys(fr), keys(en));
    assert_eq!(kf, ke, "fr and en catalogues differ");
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/templates")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for part in text.split("tr.t(\"").skip(1) {
            let key = part.split('"').next().unwrap();
            assert!(kf.contains(key), "{}: unknown key {key}", path.display());
        }
    }
}

/// The exposure matrix needs a finished scan with a finding in each structure it visits: made
/// once per structure through the store (999 999 stands for a structure that does not exist).
async fn exposure_seed(store: &Store, structure: i64) -> (i64, i64) {
    use vigie_store::surveillance::{NewFinding, NewObservation, ScanOutcome};
    if structure == 999_999 {
        return (999_999, 999_999);
    }
    let scans = store.list_scans(&system(), structure, 100).await.unwrap();
    if let Some(done) = scans.iter().find(|s| s.status == "done") {
        let f = store
            .list_findings(&system(), structure, false)
            .await
            .unwrap();
        return (done.id, f[0].id);
    }
    let scan = store.request_scan(&system(), structure).await.unwrap();
    store.start_scan(&system(), scan).await.unwrap().unwrap();
    let address = format!("185.10.{}.1", structure % 250);
    store
        .finish_scan(
            &system(),
            scan,
            &ScanOutcome {
                scope: serde_json::json!({}),
                software: Vec::new(),
                covered_addresses: vec![address.clone()],
                covered_ports: vec![3389],
                observations: vec![NewObservation {
                    address: address.clone(),
                    port: 3389,
                    service: "ms-wbt-server".into(),
                    finding_kinds: vec!["remote-desktop-exposed".into()],
                    ..Default::default()
                }],
                findings: vec![NewFinding {
                    kind: "remote-desktop-exposed".into(),
                    address,
                    port: 3389,
                    service: "ms-wbt-server".into(),
                    severity: "high".into(),
                    confidence: "high".into(),
                    title_fr: "Bureau à distance exposé".into(),
                    title_en: "Remote desktop exposed".into(),
                    evidence: "X.224 connection confirm".into(),
                    advice_fr: "Fermer.".into(),
                    advice_en: "Close.".into(),
                    ..Default::default()
                }],
            },
        )
        .await
        .unwrap();
    let f = store
        .list_findings(&system(), structure, false)
        .await
        .unwrap();
    (scan, f[0].id)
}

/// What the exposure pages show: the structure's findings with evidence and advice, the map of
/// exposed systems, the history and the diff, triage; the report with its summary and plan, and
/// as a PDF; the "who exposes what" view limited to the viewer's scope.
#[tokio::test]
async fn exposure_pages_show_findings_report_and_who_exposes_what() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let (first, finding) = exposure_seed(&app.store, w.fleyriat).await;
        exposure_seed(&app.store, w.pitie).await;
        // A second scan of Fleyriat: RDP closed (fixed), Redis open without authentication.
        let second = app.store.request_scan(&system(), w.fleyriat).await.unwrap();
        app.store
            .start_scan(&system(), second)
            .await
            .unwrap()
            .unwrap();
        let address = format!("185.10.{}.1", w.fleyriat % 250);
        app.store
            .finish_scan(
                &system(),
                second,
                &vigie_store::surveillance::ScanOutcome {
                    scope: serde_json::json!({}),
                    software: Vec::new(),
                    covered_addresses: vec![address.clone()],
                    covered_ports: vec![3389, 6379],
                    observations: vec![vigie_store::surveillance::NewObservation {
                        address: address.clone(),
                        port: 6379,
                        service: "redis".into(),
                        product: Some("Redis".into()),
                        version: Some("7.0.15".into()),
                        finding_kinds: vec!["redis-no-authentication".into()],
                        ..Default::default()
                    }],
                    findings: vec![vigie_store::surveillance::NewFinding {
                        kind: "redis-no-authentication".into(),
                        address: address.clone(),
                        port: 6379,
                        service: "redis".into(),
                        severity: "critical".into(),
                        confidence: "high".into(),
                        title_fr: "Redis sans authentification : redis sur le port 6379".into(),
                        title_en: "Redis without authentication: redis on port 6379".into(),
                        evidence: "PING → +PONG (no authentication)".into(),
                        advice_fr: "Activer l'authentification (requirepass).".into(),
                        advice_en: "Enable authentication (requirepass).".into(),
                        ..Default::default()
                    }],
                },
            )
            .await
            .unwrap();
        let (c, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let text = |p: String| {
            let c = c.clone();
            let base = app.base.clone();
            async move {
                let r = c.get(format!("{base}{p}")).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::OK, "{p}");
                r.text().await.unwrap()
            }
        };
        let page = text(format!(
            "/structures/{}/exposure?from={first}&to={second}",
            w.fleyriat
        ))
        .await;
        assert!(page.contains("Exposition sur Internet"), "French first");
        assert!(
            page.contains("PING → +PONG (no authentication)"),
            "evidence"
        );
        assert!(
            page.contains("Activer l&#x27;authentification")
                || page.contains("Activer l&#39;authentification"),
            "advice"
        );
        assert!(page.contains("Critique (1)"), "grouped by criticality");
        assert!(
            page.contains(&format!("#{second}")),
            "fix verified by the second scan"
        );
        assert!(
            page.contains("Ouvert") && page.contains("Fermé"),
            "diff rows"
        );
        assert!(
            page.contains("Surveillance programmée désactivée"),
            "off by default"
        );
        assert!(page.contains("Vérifier maintenant"));
        assert!(
            !page.contains("sv-enabled"),
            "a structure admin does not manage surveillance"
        );
        // Triage from the page.
        let open = app
            .store
            .list_findings(&system(), w.fleyriat, true)
            .await
            .unwrap();
        let redis = open[0].id;
        assert_ne!(redis, finding);
        let res = c
            .post(format!(
                "{}/structures/{}/exposure/findings/{redis}/acknowledge",
                app.base, w.fleyriat
            ))
            .form(&[("csrf", csrf.as_str()), ("note", "Mot de passe posé lundi")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let f = app.store.get_finding(&system(), redis).await.unwrap();
        assert_eq!(
            (f.status.as_str(), f.triage_note.as_deref()),
            ("acknowledged", Some("Mot de passe posé lundi"))
        );

        let report = text(format!("/structures/{}/exposure/report", w.fleyriat)).await;
        for part in [
            "Synthèse pour la direction",
            "Cartographie des systèmes exposés",
            "Plan de remédiation priorisé",
            "1 constat(s) critique(s)",
            "Redis sans authentification",
            "6379",
        ] {
            assert!(report.contains(part), "report lacks {part}");
        }
        let pdf = c
            .get(format!(
                "{}/structures/{}/exposure/report.pdf",
                app.base, w.fleyriat
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(pdf.headers()["content-type"], "application/pdf");
        let bytes = pdf.bytes().await.unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        // what a PDF reader shows (poppler's pdftotext, from scripts/install-test-deps.sh)
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        std::fs::write(&path, &bytes).unwrap();
        let out = std::process::Command::new("pdftotext")
            .args(["-enc", "UTF-8"])
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils)");
        assert!(out.status.success());
        let shown = String::from_utf8(out.stdout).unwrap();
        for part in ["CH DE FLEYRIAT", "Redis sans authentification", "6379"] {
            assert!(shown.contains(part), "the PDF lacks {part}: {shown}");
        }

        // Who exposes what: the structure admin sees its structure only; the CERT sees both.
        let ov = text("/exposure".into()).await;
        assert!(ov.contains("CH DE FLEYRIAT"));
        assert!(!ov.contains(&format!("/structures/{}/exposure", w.pitie)));
        let (cert, _) = sign_in(&app, &w, Role::CertAnalyst).await;
        let ov = cert
            .get(format!("{}/exposure", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(ov.contains(&format!("/structures/{}/exposure", w.pitie)));
        assert!(ov.contains(&format!("/structures/{}/exposure", w.fleyriat)));
        // Most exposed first: Fleyriat has a critical finding.
        assert!(
            ov.find(&format!("/structures/{}/exposure", w.fleyriat))
                < ov.find(&format!("/structures/{}/exposure", w.pitie))
        );
        // The API gives the same, in JSON.
        let tok = &w.tokens[&Role::StructureAdmin];
        let v: serde_json::Value = c
            .get(format!(
                "{}/api/v1/structures/{}/findings?open=true",
                app.base, w.fleyriat
            ))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), 1);
        assert_eq!(v["items"][0]["kind"], "redis-no-authentication");
        let d: serde_json::Value = c
            .get(format!(
                "{}/api/v1/scans/{second}/diff?from={first}",
                app.base
            ))
            .bearer_auth(tok)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(d["opened"][0]["port"], 6379);
        assert_eq!(d["closed"][0]["port"], 3389);
        db.cleanup().await;
    }
}

/// The vulnerability-watch alert of a structure (FortiOS 7.0.12 hit by CVE-2024-55591, a real
/// record from ../shared/data), created on first use; 999 999 stands for "no such structure".
async fn watch_alert(store: &Store, structure: i64) -> i64 {
    if structure == 999_999 {
        return 999_999;
    }
    watch_item(store, structure, "matrix").await;
    let mut c = vigie_intel::Corpus::default();
    c.add_path(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/cve-records/CVE-2024-55591.json"),
    );
    store.watch_ingest(&system(), &c, "matrix").await.unwrap();
    store
        .list_alerts(
            &system(),
            &vigie_store::watch::AlertFilter {
                structure_id: Some(structure),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .iter()
        .find(|a| a.ref_id == "CVE-2024-55591" && a.version == "7.0.12")
        .expect("the matrix alert")
        .id
}

/// Declares FortiOS 7.0.12 at `location` of a structure; returns the item id.
async fn watch_item(store: &Store, structure: i64, location: &str) -> i64 {
    let item = vigie_store::watch::NewItem {
        product: "fortios".into(),
        version: "7.0.12".into(),
        location: location.into(),
        origin: "form".into(),
        exposed: false,
    };
    store
        .add_inventory_item(&system(), structure, &item)
        .await
        .unwrap()
        .0
        .id
}
