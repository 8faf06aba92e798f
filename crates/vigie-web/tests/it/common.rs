//! What the suites share: the real server on a free loopback port, a client, the seeded world
//! of the authorization matrix, signing in.

#![allow(dead_code)]

use std::collections::HashMap;

use reqwest::{redirect, Client, Method, StatusCode};
use vigie_domain::role::{Role, ALL_ROLES};
use vigie_store::accounts::NewUser;
use vigie_store::testing::TestDb;
use vigie_store::{Actor, Store};

pub const FINESS_SMALL: &[u8] = include_bytes!("../../../vigie-store/tests/data/finess-small.csv");
pub const GHT_SMALL: &[u8] = include_bytes!("../../../vigie-store/tests/data/ght-small.csv");
pub const PASSWORD: &str = "a long test password";

pub struct App {
    pub base: String,
    pub store: Store,
    pub _shutdown: tokio::sync::oneshot::Sender<()>,
}

pub async fn spawn_app(db: &TestDb, cfg: vigie_web::WebConfig) -> App {
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

pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn system() -> Actor {
    Actor::system("test")
}

/// The seeded world of the matrix and each role's account.
pub struct World {
    pub pitie: i64,    // Île-de-France (11), GHT-75-01
    pub fleyriat: i64, // Auvergne-Rhône-Alpes (84), GHT-01-AIN
    pub ght_ain: i64,
    pub ght_paris: i64,
    pub users: HashMap<Role, i64>,
    pub tokens: HashMap<Role, String>,
    pub totp: HashMap<Role, String>,
    /// An account that administrators disable and enable again.
    pub victim: i64,
}

impl World {
    /// The structure each role sees, and one it must not see.
    pub fn scope_ids(&self, r: Role) -> (i64, i64) {
        match r {
            Role::RegionalAnalyst => (self.pitie, self.fleyriat),
            Role::GhtOfficer | Role::StructureAdmin | Role::StructureMember => {
                (self.fleyriat, self.pitie)
            }
            _ => (self.pitie, 999_999),
        }
    }
    pub fn ght_ids(&self, r: Role) -> (i64, i64) {
        match r {
            Role::RegionalAnalyst => (self.ght_paris, self.ght_ain),
            Role::GhtOfficer | Role::StructureAdmin | Role::StructureMember => {
                (self.ght_ain, self.ght_paris)
            }
            _ => (self.ght_ain, 999_999),
        }
    }
}

pub async fn seed(store: &Store) -> World {
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
pub fn allowed(r: Role, what: &str) -> bool {
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
        "declare_incidents" => matches!(
            r,
            Admin | CertAnalyst | RegionalAnalyst | GhtOfficer | StructureAdmin
        ),
        "handle_incidents" => matches!(r, Admin | CertAnalyst | RegionalAnalyst),
        "validate_assets" => matches!(r, Admin | CertAnalyst | RegionalAnalyst),
        "observatory" => matches!(
            r,
            Admin | CertAnalyst | RegionalAnalyst | GhtOfficer | Auditor
        ),
        "import_history" => matches!(r, Admin | CertAnalyst),
        "write_diagnostics" => matches!(
            r,
            Admin | CertAnalyst | RegionalAnalyst | GhtOfficer | StructureAdmin
        ),
        other => panic!("unknown capability {other}"),
    }
}

/// Expected status for a route given the role's capability, whether the target is in scope, and
/// the success status.
pub fn expect(r: Role, cap: &str, in_scope: bool, ok: StatusCode) -> StatusCode {
    if !allowed(r, cap) {
        StatusCode::FORBIDDEN
    } else if !in_scope {
        StatusCode::NOT_FOUND
    } else {
        ok
    }
}

pub async fn api(
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

/// Signs in through the login form (and the TOTP form for roles that need it).
pub async fn sign_in(app: &App, w: &World, r: Role) -> (Client, String) {
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

pub async fn form_csrf(c: Client, app: &App, path: &str) -> (Client, String) {
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

/// The exposure matrix needs a finished scan with a finding in each structure it visits: made
/// once per structure through the store (999 999 stands for a structure that does not exist).
pub async fn exposure_seed(store: &Store, structure: i64) -> (i64, i64) {
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

/// The vulnerability-watch alert of a structure (FortiOS 7.0.12 hit by CVE-2024-55591, a real
/// record from ../shared/data), created on first use; 999 999 stands for "no such structure".
pub async fn watch_alert(store: &Store, structure: i64) -> i64 {
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
pub async fn watch_item(store: &Store, structure: i64, location: &str) -> i64 {
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

/// An incident of `structure` declared and submitted by the platform (nobody named on it), with
/// `tlp`; 999 999 for the structure that does not exist.
pub async fn incident_seed(store: &Store, structure: i64, tlp: &str) -> i64 {
    if structure == 999_999 {
        return 999_999;
    }
    let id = incident_draft(store, &system(), structure).await;
    if tlp != "amber" {
        // Re-marked while still a draft.
        let d = vigie_store::incidents::Declaration {
            title: "Incident de la matrice".into(),
            detected_at: "2026-01-05T09:00".into(),
            tlp: tlp.into(),
            ..Default::default()
        };
        store
            .update_incident_draft(&system(), id, &d)
            .await
            .unwrap();
    }
    store.submit_incident(&system(), id).await.unwrap();
    id
}

/// A text file attached to incident `incident` by the platform; 999 999 for the incident that
/// does not exist.
pub async fn incident_attachment(store: &Store, incident: i64) -> i64 {
    if incident == 999_999 {
        return 999_999;
    }
    store
        .add_incident_attachment(&system(), incident, "matrice.txt", "", b"matrice\n")
        .await
        .unwrap()
}

/// A draft of `structure` saved by `actor`; 999 999 for the structure that does not exist.
pub async fn incident_draft(store: &Store, actor: &vigie_store::Actor, structure: i64) -> i64 {
    if structure == 999_999 {
        return 999_999;
    }
    let d = vigie_store::incidents::Declaration {
        title: "Incident de la matrice".into(),
        detected_at: "2026-01-05T09:00".into(),
        ..Default::default()
    };
    store.create_incident(actor, structure, &d).await.unwrap()
}

/// Every question of the newest medico-social questionnaire answered with its lowest choice.
pub fn diagnostic_answers() -> Vec<vigie_store::diagnostics::AnswerInput> {
    vigie_diagnostics::Library::builtin()
        .latest("medico-social")
        .unwrap()
        .questions
        .iter()
        .map(|q| vigie_store::diagnostics::AnswerInput {
            question_id: q.id.clone(),
            answer: q
                .choices
                .iter()
                .min_by(|a, b| a.value.total_cmp(&b.value))
                .unwrap()
                .id
                .clone(),
            comment: String::new(),
        })
        .collect()
}

/// A diagnostic of `structure` finished a moment ago (any diagnostic left in progress there is
/// finished first); 999 999 for the structure that does not exist.
pub async fn diagnostic_seed(store: &Store, structure: i64) -> i64 {
    if structure == 999_999 {
        return 999_999;
    }
    for d in store
        .structure_diagnostics(&system(), structure)
        .await
        .unwrap()
    {
        if d.in_progress() {
            diagnostic_finish(store, d.id).await;
        }
    }
    let id = store
        .start_diagnostic(&system(), structure, "medico-social", false)
        .await
        .unwrap();
    diagnostic_finish(store, id).await;
    id
}

/// Answers every question of diagnostic `id` and finishes it.
pub async fn diagnostic_finish(store: &Store, id: i64) {
    if id == 999_999 {
        return;
    }
    store
        .save_diagnostic_answers(&system(), id, &diagnostic_answers())
        .await
        .unwrap();
    store.finish_diagnostic(&system(), id).await.unwrap();
}

/// An action of `structure`'s plan with a text file as its evidence, added by the platform:
/// (action, file); 999 999 for both when the structure does not exist.
pub async fn plan_evidence_seed(store: &Store, structure: i64) -> (i64, i64) {
    if structure == 999_999 {
        return (999_999, 999_999);
    }
    let action = store
        .add_plan_action(
            &system(),
            structure,
            &vigie_store::diagnostics::NewAction {
                title: "Preuve de la matrice".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let file = store
        .add_action_evidence_file(&system(), action, "preuve.txt", "", b"preuve\n")
        .await
        .unwrap();
    (action, file)
}

/// Sends file `name` with `bytes` as the `file` field of a multipart form (beside the `texts`
/// fields), its CSRF token in the query; the status answered.
pub async fn upload_status(
    c: &Client,
    url: String,
    csrf: &str,
    texts: &[(&'static str, &'static str)],
    name: &'static str,
    bytes: &[u8],
) -> reqwest::StatusCode {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in texts {
        form = form.text(*k, *v);
    }
    let form = form.part(
        "file",
        reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name),
    );
    c.post(format!("{url}?csrf={csrf}"))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
}
