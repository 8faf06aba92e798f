//! The authorization matrix: every API route and every page, with every role, in and out of its
//! scope, on SQLite and on PostgreSQL. A route of the registry that the matrix does not visit fails.

use reqwest::{Method, StatusCode};
use vigie_domain::role::{Role, ALL_ROLES};
use vigie_store::testing::{self};

use super::common::*;

#[tokio::test]
async fn api_authorization_matrix() {
    for mut db in testing::all().await {
        // The webhooks created below point to a reserved name: the escape hatch of the address
        // policy lets them be created (nothing is delivered).
        db.store = db.store.clone().with_private_webhooks(true);
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

            // Incidents: every role reads in scope; declaring and handling by role; a TLP:RED
            // incident is for the people named on it only.
            check(
                "GET",
                "/api/v1/incidents",
                "/incidents".into(),
                api(&c, &app, tok, Method::GET, "/api/v1/incidents", None, None).await,
                ok,
            );
            let me_actor = app.store.actor_for_user(me, None).await.unwrap();
            let drafter = if allowed(r, "declare_incidents") {
                me_actor.clone()
            } else {
                system()
            };
            for (id, scoped) in [(inn, true), (out, false)] {
                let sub = incident_seed(&app.store, id, "amber").await;
                let author = if scoped { drafter.clone() } else { system() };
                let draft = incident_draft(&app.store, &author, id).await;
                let draft2 = incident_draft(&app.store, &author, id).await;
                let decl = serde_json::json!({ "title": "Déclaré par l'API", "detected_at": "2026-01-05T09:00" });
                for (m, route, path, body, cap, want) in [
                    (
                        "GET",
                        "/api/v1/structures/{id}/incidents",
                        format!("/api/v1/structures/{id}/incidents"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "POST",
                        "/api/v1/structures/{id}/incidents",
                        format!("/api/v1/structures/{id}/incidents"),
                        Some(decl.clone()),
                        "declare_incidents",
                        created,
                    ),
                    (
                        "GET",
                        "/api/v1/incidents/{id}",
                        format!("/api/v1/incidents/{sub}"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "PUT",
                        "/api/v1/incidents/{id}",
                        format!("/api/v1/incidents/{draft}"),
                        Some(decl.clone()),
                        "declare_incidents",
                        none,
                    ),
                    (
                        "POST",
                        "/api/v1/incidents/{id}/submit",
                        format!("/api/v1/incidents/{draft2}/submit"),
                        None,
                        "declare_incidents",
                        none,
                    ),
                    (
                        "POST",
                        "/api/v1/incidents/{id}/triage",
                        format!("/api/v1/incidents/{sub}/triage"),
                        Some(
                            serde_json::json!({ "incident_type": "phishing", "severity": "low", "major": false }),
                        ),
                        "handle_incidents",
                        none,
                    ),
                    (
                        "GET",
                        "/api/v1/incidents/{id}/assignees",
                        format!("/api/v1/incidents/{sub}/assignees"),
                        None,
                        "handle_incidents",
                        ok,
                    ),
                    (
                        "POST",
                        "/api/v1/incidents/{id}/assign",
                        format!("/api/v1/incidents/{sub}/assign"),
                        Some(serde_json::json!({ "assignee_user_id": null })),
                        "handle_incidents",
                        none,
                    ),
                    (
                        "GET",
                        "/api/v1/incidents/{id}/sector-alerts",
                        format!("/api/v1/incidents/{sub}/sector-alerts"),
                        None,
                        "handle_incidents",
                        ok,
                    ),
                    (
                        "GET",
                        "/api/v1/incidents/{id}/sector-alerts/preview",
                        format!(
                            "/api/v1/incidents/{sub}/sector-alerts/preview?product=nobody:runs"
                        ),
                        None,
                        "handle_incidents",
                        ok,
                    ),
                    // Nobody runs it: past the authorization, refused as a mistake, nothing sent.
                    (
                        "POST",
                        "/api/v1/incidents/{id}/sector-alerts",
                        format!("/api/v1/incidents/{sub}/sector-alerts"),
                        Some(
                            serde_json::json!({ "product": "nobody:runs", "message": "Vérifiez." }),
                        ),
                        "handle_incidents",
                        StatusCode::BAD_REQUEST,
                    ),
                    (
                        "POST",
                        "/api/v1/incidents/{id}/status",
                        format!("/api/v1/incidents/{sub}/status"),
                        Some(serde_json::json!({ "status": "in_progress" })),
                        "handle_incidents",
                        none,
                    ),
                    (
                        "POST",
                        "/api/v1/incidents/{id}/notes",
                        format!("/api/v1/incidents/{sub}/notes"),
                        Some(serde_json::json!({ "body": "Des nouvelles ?" })),
                        "declare_incidents",
                        none,
                    ),
                    (
                        "POST",
                        "/api/v1/incidents/{id}/observables",
                        format!("/api/v1/incidents/{sub}/observables"),
                        Some(
                            serde_json::json!({ "kind": "ip", "value": "192.0.2.66", "tlp": "green", "indicator": true }),
                        ),
                        "declare_incidents",
                        none,
                    ),
                    (
                        "GET",
                        "/api/v1/incidents/{id}/misp",
                        format!("/api/v1/incidents/{sub}/misp"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "GET",
                        "/api/v1/incidents/{id}/stix",
                        format!("/api/v1/incidents/{sub}/stix"),
                        None,
                        "read",
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
            // TLP:RED in scope: not named, not found (its content and its exports); named, seen.
            let red = incident_seed(&app.store, inn, "red").await;
            for path in [
                format!("/api/v1/incidents/{red}"),
                format!("/api/v1/incidents/{red}/stix"),
                format!("/api/v1/incidents/{red}/misp"),
            ] {
                check(
                    "GET",
                    "/api/v1/incidents/{id}",
                    path.clone(),
                    api(&c, &app, tok, Method::GET, &path, None, None).await,
                    StatusCode::NOT_FOUND,
                );
            }
            let note = Some(serde_json::json!({ "body": "x" }));
            check(
                "POST",
                "/api/v1/incidents/{id}/notes",
                format!("/api/v1/incidents/{red}/notes"),
                api(
                    &c,
                    &app,
                    tok,
                    Method::POST,
                    &format!("/api/v1/incidents/{red}/notes"),
                    note,
                    None,
                )
                .await,
                expect(r, "declare_incidents", false, none),
            );
            app.store
                .name_on_incident(&system(), red, &format!("{}@matrix.example", r.as_str()))
                .await
                .unwrap();
            let path = format!("/api/v1/incidents/{red}");
            check(
                "GET",
                "/api/v1/incidents/{id}",
                path.clone(),
                api(&c, &app, tok, Method::GET, &path, None, None).await,
                ok,
            );

            // Diagnostics (issue 16), read only: every role reads its scope's; another
            // structure's diagnostics and plan do not exist for it.
            for path in ["/api/v1/diagnostics", "/api/v1/diagnostics?region=84"] {
                check(
                    "GET",
                    "/api/v1/diagnostics",
                    path.into(),
                    api(&c, &app, tok, Method::GET, path, None, None).await,
                    ok,
                );
            }
            for (id, scoped) in [(inn, true), (out, false)] {
                let fin = diagnostic_seed(&app.store, id).await;
                for (route, path) in [
                    (
                        "/api/v1/structures/{id}/diagnostics",
                        format!("/api/v1/structures/{id}/diagnostics"),
                    ),
                    (
                        "/api/v1/diagnostics/{id}",
                        format!("/api/v1/diagnostics/{fin}"),
                    ),
                    (
                        "/api/v1/structures/{id}/plan",
                        format!("/api/v1/structures/{id}/plan"),
                    ),
                ] {
                    check(
                        "GET",
                        route,
                        path.clone(),
                        api(&c, &app, tok, Method::GET, &path, None, None).await,
                        expect(r, "read", scoped, ok),
                    );
                }
                // An action's evidence file: another structure's as if absent.
                let (action, file) = plan_evidence_seed(&app.store, id).await;
                let path = format!("/api/v1/plan/actions/{action}/evidence/{file}");
                check(
                    "GET",
                    "/api/v1/plan/actions/{id}/evidence/{file}",
                    path.clone(),
                    api(&c, &app, tok, Method::GET, &path, None, None).await,
                    expect(r, "read", scoped, ok),
                );
            }

            // The observatory (issue 15): France or the caller's territory; a period that
            // cannot be read is the caller's mistake.
            check(
                "GET",
                "/api/v1/observatory",
                "/api/v1/observatory?year=2023".into(),
                api(
                    &c,
                    &app,
                    tok,
                    Method::GET,
                    "/api/v1/observatory?year=2023",
                    None,
                    None,
                )
                .await,
                expect(r, "observatory", true, ok),
            );
            check(
                "GET",
                "/api/v1/observatory",
                "/api/v1/observatory?kind=month&month=13".into(),
                api(
                    &c,
                    &app,
                    tok,
                    Method::GET,
                    "/api/v1/observatory?kind=month&month=13",
                    None,
                    None,
                )
                .await,
                expect(r, "observatory", true, StatusCode::BAD_REQUEST),
            );
        }
        // Every route of the API is in the matrix, and every one refuses anonymous callers.
        let routes = vigie_web::all_routes();
        for r in routes.iter().filter(|r| r.api) {
            let (m, route) = (r.method, r.path.as_str());
            assert!(
                covered.contains(&(m, route)),
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

#[tokio::test]
async fn pages_authorization_matrix() {
    for mut db in testing::all().await {
        // Webhooks to a reserved name, created through the escape hatch (nothing is delivered).
        db.store = db.store.clone().with_private_webhooks(true);
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
                ("GET", "/regions"),
                ("GET", "/account"),
                ("GET", "/account/password"),
                ("GET", "/search"),
                ("GET", "/account/notifications"),
            ] {
                check(m, route, route.into(), get(route.into()).await, ok);
            }
            let (g_in, g_out) = w.ght_ids(r);
            for (id, scoped) in [(g_in, true), (g_out, false)] {
                let p = format!("/ghts/{id}");
                check(
                    "GET",
                    "/ghts/{id}",
                    p.clone(),
                    get(p).await,
                    expect(r, "read", scoped, ok),
                );
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
                // Issue 13, item 14: only a regional or CERT analyst (or the administrator)
                // validates a declared asset.
                let p = format!("/structures/{id}/assets/{}/validate", target.id);
                check(
                    "POST",
                    "/structures/{id}/assets/{asset}/validate",
                    p.clone(),
                    post(p, vec![]).await,
                    expect(r, "validate_assets", scoped, see_other),
                );
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
            // Views by advisory (issue 17): the list, one advisory, bulk triage. An alert of
            // another scope slipped into the form is left alone (none selected: the form again).
            check(
                "GET",
                "/watch/advisories",
                "/watch/advisories".into(),
                get("/watch/advisories".into()).await,
                ok,
            );
            for (p, want) in [
                ("/watch/advisories/CVE-2024-55591", ok),
                ("/watch/advisories/CVE-1999-0000", StatusCode::NOT_FOUND),
            ] {
                check(
                    "GET",
                    "/watch/advisories/{reference}",
                    p.into(),
                    get(p.into()).await,
                    want,
                );
            }
            for (alert, scoped) in [(al_in, true), (al_out, false)] {
                let p = "/watch/advisories/CVE-2024-55591/triage";
                let want = if !allowed(r, "triage") {
                    StatusCode::FORBIDDEN
                } else if scoped {
                    see_other
                } else {
                    StatusCode::BAD_REQUEST
                };
                let before = if scoped || alert == 999_999 {
                    None
                } else {
                    Some(
                        app.store
                            .get_alert(&system(), alert)
                            .await
                            .unwrap()
                            .0
                            .status,
                    )
                };
                check(
                    "POST",
                    "/watch/advisories/{reference}/triage",
                    p.into(),
                    post(
                        p.into(),
                        vec![
                            ("alert", alert.to_string()),
                            ("status", "acknowledged".into()),
                        ],
                    )
                    .await,
                    want,
                );
                if let Some(before) = before {
                    let (after, _) = app.store.get_alert(&system(), alert).await.unwrap();
                    assert_eq!(
                        after.status, before,
                        "[{}] {r}: another scope's alert",
                        db.name
                    );
                }
            }
            check(
                "GET",
                "/watch/sources",
                "/watch/sources".into(),
                get("/watch/sources".into()).await,
                expect(r, "manage_intel", true, ok),
            );
            // Feeding advisories from the browser: national roles only. An address off the
            // allow-list comes back refused (nothing queued, nothing contacted); a document of no
            // known format too.
            check(
                "POST",
                "/watch/sources/url",
                "/watch/sources/url".into(),
                post(
                    "/watch/sources/url".into(),
                    vec![("url", "https://feeds.evil.example/kev.json".into())],
                )
                .await,
                expect(r, "manage_intel", true, StatusCode::BAD_REQUEST),
            );
            let form = reqwest::multipart::Form::new()
                .text("csrf", csrf.clone())
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(b"{}".to_vec()).file_name("rien.json"),
                );
            let got = c
                .post(format!("{}/watch/sources/upload", app.base))
                .multipart(form)
                .send()
                .await
                .unwrap()
                .status();
            check(
                "POST",
                "/watch/sources/upload",
                "/watch/sources/upload".into(),
                got,
                expect(r, "manage_intel", true, StatusCode::BAD_REQUEST),
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
                let form = reqwest::multipart::Form::new()
                    .text("csrf", csrf.clone())
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(
                            b"product,version\nfortios,7.4.3\n".to_vec(),
                        )
                        .file_name("inventory.csv"),
                    );
                let got = c
                    .post(format!("{}/structures/{id}/inventory/import", app.base))
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
            // One account's page: one's own always; the administrator's only to the national
            // readers of accounts (it is in no region). Its forms: administrators only.
            let me = w.users[&r];
            let admin = w.users[&Role::Admin];
            check(
                "GET",
                "/users/{id}",
                format!("/users/{me}"),
                get(format!("/users/{me}")).await,
                ok,
            );
            check(
                "GET",
                "/users/{id}",
                format!("/users/{admin}"),
                get(format!("/users/{admin}")).await,
                expect(r, "read_users", !matches!(r, Role::RegionalAnalyst), ok),
            );
            check(
                "POST",
                "/users/{id}",
                format!("/users/{victim}"),
                post(format!("/users/{victim}"), vec![("role", "auditor".into())]).await,
                expect(r, "manage_users", true, ok),
            );
            check(
                "POST",
                "/users/{id}/reset-password",
                format!("/users/{victim}/reset-password"),
                post(format!("/users/{victim}/reset-password"), vec![]).await,
                expect(r, "manage_users", true, ok),
            );
            // One's own notifications: marking one of one's own read, all of them, the e-mail
            // preferences; someone else's notification does not exist.
            let key = format!("matrix:{r}");
            let (mine, theirs) = (
                db.inbox_row(w.users[&r], &key).await,
                db.inbox_row(w.victim, &key).await,
            );
            check(
                "POST",
                "/account/notifications/{id}/read",
                format!("/account/notifications/{mine}/read"),
                post(format!("/account/notifications/{mine}/read"), vec![]).await,
                see_other,
            );
            check(
                "POST",
                "/account/notifications/{id}/read",
                format!("/account/notifications/{theirs}/read"),
                post(format!("/account/notifications/{theirs}/read"), vec![]).await,
                StatusCode::NOT_FOUND,
            );
            check(
                "POST",
                "/account/notifications/read-all",
                "/account/notifications/read-all".into(),
                post("/account/notifications/read-all".into(), vec![]).await,
                see_other,
            );
            check(
                "POST",
                "/account/notifications/email",
                "/account/notifications/email".into(),
                post(
                    "/account/notifications/email".into(),
                    vec![("kind", "watch.alert".into())],
                )
                .await,
                see_other,
            );
            // One's own account: the language; a new second factor (a form without a seed
            // offered by Vigie is refused); turning it off, refused on the page (200, beside the
            // form) to the roles that require it.
            check(
                "POST",
                "/account/language",
                "/account/language".into(),
                post("/account/language".into(), vec![("lang", "fr".into())]).await,
                see_other,
            );
            check(
                "GET",
                "/account/totp",
                "/account/totp".into(),
                get("/account/totp".into()).await,
                ok,
            );
            check(
                "POST",
                "/account/totp",
                "/account/totp".into(),
                post(
                    "/account/totp".into(),
                    vec![
                        ("offer", "x".into()),
                        ("current", PASSWORD.into()),
                        ("code", "000000".into()),
                    ],
                )
                .await,
                StatusCode::BAD_REQUEST,
            );
            check(
                "POST",
                "/account/totp/disable",
                "/account/totp/disable".into(),
                post(
                    "/account/totp/disable".into(),
                    vec![("current", PASSWORD.into())],
                )
                .await,
                ok,
            );
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
            check(
                "GET",
                "/exposure/findings",
                "/exposure/findings".into(),
                get("/exposure/findings".into()).await,
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

            // Incidents.
            check(
                "GET",
                "/incidents",
                "/incidents".into(),
                get("/incidents".into()).await,
                ok,
            );
            let me_actor = app.store.actor_for_user(w.users[&r], None).await.unwrap();
            let drafter = if allowed(r, "declare_incidents") {
                me_actor.clone()
            } else {
                system()
            };
            for (id, scoped) in [(inn, true), (out, false)] {
                let sub = incident_seed(&app.store, id, "amber").await;
                let file = incident_attachment(&app.store, sub).await;
                let author = if scoped { drafter.clone() } else { system() };
                let draft = incident_draft(&app.store, &author, id).await;
                let draft2 = incident_draft(&app.store, &author, id).await;
                let decl = vec![
                    ("title", "Déclaré par la page".to_string()),
                    ("detected_at", "2026-01-05T09:00".to_string()),
                    ("personal_data", "true".to_string()),
                ];
                for (m, route, path, form, cap, want) in [
                    (
                        "GET",
                        "/structures/{id}/incidents/new",
                        format!("/structures/{id}/incidents/new"),
                        None,
                        "declare_incidents",
                        ok,
                    ),
                    (
                        "POST",
                        "/structures/{id}/incidents",
                        format!("/structures/{id}/incidents"),
                        Some(decl.clone()),
                        "declare_incidents",
                        see_other,
                    ),
                    (
                        "GET",
                        "/incidents/{id}",
                        format!("/incidents/{sub}"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "GET",
                        "/incidents/{id}/edit",
                        format!("/incidents/{draft}/edit"),
                        None,
                        "declare_incidents",
                        ok,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/draft",
                        format!("/incidents/{draft}/draft"),
                        Some(decl.clone()),
                        "declare_incidents",
                        see_other,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/submit",
                        format!("/incidents/{draft2}/submit"),
                        Some(vec![]),
                        "declare_incidents",
                        see_other,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/triage",
                        format!("/incidents/{sub}/triage"),
                        Some(vec![
                            ("incident_type", "phishing".to_string()),
                            ("severity", "low".to_string()),
                        ]),
                        "handle_incidents",
                        see_other,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/support",
                        format!("/incidents/{sub}/support"),
                        Some(vec![("given", "1".to_string())]),
                        "handle_incidents",
                        see_other,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/assign",
                        format!("/incidents/{sub}/assign"),
                        Some(vec![]),
                        "handle_incidents",
                        see_other,
                    ),
                    (
                        "GET",
                        "/incidents/{id}/sector",
                        format!("/incidents/{sub}/sector?product=nobody:runs"),
                        None,
                        "handle_incidents",
                        ok,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/sector",
                        format!("/incidents/{sub}/sector"),
                        Some(vec![
                            ("product", "nobody:runs".to_string()),
                            ("message", "Vérifiez.".to_string()),
                        ]),
                        "handle_incidents",
                        StatusCode::BAD_REQUEST,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/status",
                        format!("/incidents/{sub}/status"),
                        Some(vec![("status", "in_progress".to_string())]),
                        "handle_incidents",
                        see_other,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/notes",
                        format!("/incidents/{sub}/notes"),
                        Some(vec![("body", "Bonjour".to_string())]),
                        "declare_incidents",
                        see_other,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/observables",
                        format!("/incidents/{sub}/observables"),
                        Some(vec![
                            ("kind", "domain".to_string()),
                            ("value", "evil.example".to_string()),
                            ("tlp", "green".to_string()),
                        ]),
                        "declare_incidents",
                        see_other,
                    ),
                    (
                        "POST",
                        "/incidents/{id}/notifications",
                        format!("/incidents/{sub}/notifications"),
                        Some(vec![("rule", "csp-declaration".to_string())]),
                        "declare_incidents",
                        see_other,
                    ),
                    (
                        "GET",
                        "/incidents/{id}/misp.json",
                        format!("/incidents/{sub}/misp.json"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "GET",
                        "/incidents/{id}/stix.json",
                        format!("/incidents/{sub}/stix.json"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "GET",
                        "/incidents/{id}/report",
                        format!("/incidents/{sub}/report"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "GET",
                        "/incidents/{id}/report.pdf",
                        format!("/incidents/{sub}/report.pdf"),
                        None,
                        "read",
                        ok,
                    ),
                    (
                        "GET",
                        "/incidents/{id}/attachments/{attachment}",
                        format!("/incidents/{sub}/attachments/{file}"),
                        None,
                        "read",
                        ok,
                    ),
                ] {
                    let got = match form {
                        None => get(path.clone()).await,
                        Some(f) => post(path.clone(), f).await,
                    };
                    check(m, route, path, got, expect(r, cap, scoped, want));
                }
                // Attaching a file (a multipart form, its CSRF token in the query).
                let got = upload_status(
                    &c,
                    format!("{}/incidents/{sub}/attachments", app.base),
                    &csrf,
                    &[],
                    "journal.txt",
                    b"journal de la matrice\n",
                )
                .await;
                check(
                    "POST",
                    "/incidents/{id}/attachments",
                    format!("/incidents/{sub}/attachments"),
                    got,
                    expect(r, "declare_incidents", scoped, see_other),
                );
                // Naming someone: analysts on an incident that needs no named access; others
                // only once named themselves.
                let p = format!("/incidents/{sub}/people");
                let want = if !allowed(r, "declare_incidents") {
                    StatusCode::FORBIDDEN
                } else if !scoped {
                    StatusCode::NOT_FOUND
                } else if allowed(r, "handle_incidents") {
                    see_other
                } else {
                    StatusCode::FORBIDDEN
                };
                let email = format!("{}@matrix.example", r.as_str());
                check(
                    "POST",
                    "/incidents/{id}/people",
                    p.clone(),
                    post(p, vec![("email", email)]).await,
                    want,
                );
            }
            // TLP:RED: its page and its downloads are not found for whoever is not named.
            let red = incident_seed(&app.store, inn, "red").await;
            let red_file = incident_attachment(&app.store, red).await;
            for (route, p) in [
                ("/incidents/{id}", format!("/incidents/{red}")),
                ("/incidents/{id}/report", format!("/incidents/{red}/report")),
                (
                    "/incidents/{id}/report.pdf",
                    format!("/incidents/{red}/report.pdf"),
                ),
                (
                    "/incidents/{id}/attachments/{attachment}",
                    format!("/incidents/{red}/attachments/{red_file}"),
                ),
                (
                    "/incidents/{id}/misp.json",
                    format!("/incidents/{red}/misp.json"),
                ),
                (
                    "/incidents/{id}/stix.json",
                    format!("/incidents/{red}/stix.json"),
                ),
            ] {
                check("GET", route, p.clone(), get(p).await, StatusCode::NOT_FOUND);
            }
            app.store
                .name_on_incident(&system(), red, &format!("{}@matrix.example", r.as_str()))
                .await
                .unwrap();
            check(
                "GET",
                "/incidents/{id}",
                format!("/incidents/{red}"),
                get(format!("/incidents/{red}")).await,
                ok,
            );
            // The observatory (issue 15): France, a region or a GHT in scope; another
            // region's or GHT's is not there; only the CERT imports past declarations.
            for route in [
                "/observatory",
                "/observatory/report.pdf",
                "/observatory/opendata.csv",
                "/observatory/data.json",
            ] {
                check(
                    "GET",
                    route,
                    format!("{route}?year=2023"),
                    get(format!("{route}?year=2023")).await,
                    expect(r, "observatory", true, ok),
                );
                let elsewhere = match r {
                    Role::RegionalAnalyst => Some("region:84".to_string()),
                    Role::GhtOfficer => Some(format!("ght:{}", w.ght_paris)),
                    _ => None,
                };
                if let Some(t) = elsewhere {
                    let p = format!("{route}?year=2023&territory={t}");
                    check("GET", route, p.clone(), get(p).await, StatusCode::NOT_FOUND);
                }
            }
            check(
                "GET",
                "/observatory/import",
                "/observatory/import".into(),
                get("/observatory/import".into()).await,
                expect(r, "import_history", true, ok),
            );
            let history = format!(
                "id,declared_at,region,structure_kind,origin,type,care_impact,no_operations_impact,support_requested,major\nM-{r},2022-03-01T10:00:00+01:00,11,hospital,malicious,phishing,no,yes,no,no\n"
            );
            let got = c
                .post(format!("{}/observatory/import?csrf={csrf}", app.base))
                .multipart(reqwest::multipart::Form::new().part(
                    "file",
                    reqwest::multipart::Part::bytes(history.into_bytes()).file_name("h.csv"),
                ))
                .send()
                .await
                .unwrap()
                .status();
            check(
                "POST",
                "/observatory/import",
                "/observatory/import".into(),
                got,
                expect(r, "import_history", true, ok),
            );
            // Diagnostics and action plans.
            for (route, path) in [
                ("/diagnostics", "/diagnostics".to_string()),
                ("/diagnostics.csv", "/diagnostics.csv".to_string()),
                ("/diagnostics", "/diagnostics?region=84".to_string()),
            ] {
                check("GET", route, path.clone(), get(path).await, ok);
            }
            for (id, scoped) in [(inn, true), (out, false)] {
                let fin = diagnostic_seed(&app.store, id).await;
                let p = format!("/structures/{id}/diagnostics");
                check(
                    "GET",
                    "/structures/{id}/diagnostics",
                    p.clone(),
                    get(p.clone()).await,
                    expect(r, "read", scoped, ok),
                );
                let got = post(p.clone(), vec![("questionnaire", "medico-social".into())]).await;
                check(
                    "POST",
                    "/structures/{id}/diagnostics",
                    p,
                    got,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
                let prog = if id == 999_999 {
                    999_999
                } else {
                    match app
                        .store
                        .structure_diagnostics(&system(), id)
                        .await
                        .unwrap()
                        .into_iter()
                        .find(|d| d.in_progress())
                    {
                        Some(d) => d.id,
                        None => app
                            .store
                            .start_diagnostic(&system(), id, "medico-social", false)
                            .await
                            .unwrap(),
                    }
                };
                for (route, path) in [
                    ("/diagnostics/{id}", format!("/diagnostics/{prog}")),
                    (
                        "/diagnostics/{id}",
                        format!("/diagnostics/{fin}?theme=summary"),
                    ),
                    (
                        "/diagnostics/{id}/report",
                        format!("/diagnostics/{fin}/report"),
                    ),
                    (
                        "/diagnostics/{id}/report.pdf",
                        format!("/diagnostics/{fin}/report.pdf"),
                    ),
                    ("/structures/{id}/plan", format!("/structures/{id}/plan")),
                ] {
                    check(
                        "GET",
                        route,
                        path.clone(),
                        get(path).await,
                        expect(r, "read", scoped, ok),
                    );
                }
                let p = format!("/diagnostics/{prog}/answers");
                let form = vec![
                    ("theme", "governance".to_string()),
                    ("q.gov-referent", "yes".to_string()),
                    ("c.gov-referent", "Mme Le Goff".to_string()),
                ];
                check(
                    "POST",
                    "/diagnostics/{id}/answers",
                    p.clone(),
                    post(p, form).await,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
                if id != 999_999 {
                    app.store
                        .save_diagnostic_answers(&system(), prog, &diagnostic_answers())
                        .await
                        .unwrap();
                }
                let p = format!("/diagnostics/{prog}/finish");
                check(
                    "POST",
                    "/diagnostics/{id}/finish",
                    p.clone(),
                    post(p, vec![]).await,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
                let p = format!("/diagnostics/{fin}/signoff");
                check(
                    "POST",
                    "/diagnostics/{id}/signoff",
                    p.clone(),
                    post(p, vec![("note", "Revu".into())]).await,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
                let p = format!("/structures/{id}/plan");
                check(
                    "POST",
                    "/structures/{id}/plan",
                    p.clone(),
                    post(p, vec![("title", "Charte informatique".into())]).await,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
                let latest = if id == 999_999 {
                    999_999
                } else {
                    diagnostic_seed(&app.store, id).await
                };
                let p = format!("/structures/{id}/plan/from");
                let form = vec![
                    ("source", format!("measure:{latest}:rec-backup-setup")),
                    ("title", "Sauvegarde quotidienne".into()),
                ];
                check(
                    "POST",
                    "/structures/{id}/plan/from",
                    p.clone(),
                    post(p, form).await,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
                let action = if id == 999_999 {
                    999_999
                } else {
                    app.store
                        .add_plan_action(
                            &system(),
                            id,
                            &vigie_store::diagnostics::NewAction {
                                title: "Action de la matrice".into(),
                                ..Default::default()
                            },
                        )
                        .await
                        .unwrap()
                };
                let p = format!("/plan/actions/{action}");
                check(
                    "POST",
                    "/plan/actions/{id}",
                    p.clone(),
                    post(
                        p,
                        vec![
                            ("status", "in_progress".into()),
                            ("owner", "Direction".into()),
                        ],
                    )
                    .await,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
                // Its evidence as files: downloaded by the plan's readers, added (a multipart
                // form, its CSRF token in the query) and removed by whoever changes actions.
                let (action, file) = plan_evidence_seed(&app.store, id).await;
                let p = format!("/plan/actions/{action}/evidence/{file}");
                check(
                    "GET",
                    "/plan/actions/{id}/evidence/{file}",
                    p.clone(),
                    get(p).await,
                    expect(r, "read", scoped, ok),
                );
                let got = upload_status(
                    &c,
                    format!("{}/plan/actions/{action}/evidence", app.base),
                    &csrf,
                    &[("note", "Attestation")],
                    "preuve.txt",
                    b"preuve de la matrice\n",
                )
                .await;
                check(
                    "POST",
                    "/plan/actions/{id}/evidence",
                    format!("/plan/actions/{action}/evidence"),
                    got,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
                let p = format!("/plan/actions/{action}/evidence/{file}/delete");
                check(
                    "POST",
                    "/plan/actions/{id}/evidence/{file}/delete",
                    p.clone(),
                    post(p, vec![]).await,
                    expect(r, "write_diagnostics", scoped, see_other),
                );
            }
            // Reached through one's own structure, another structure's action's file is not
            // found, and a file is not reached through another action.
            if out != 999_999 {
                let (theirs, their_file) = plan_evidence_seed(&app.store, out).await;
                let (mine, _) = plan_evidence_seed(&app.store, inn).await;
                for p in [
                    format!("/plan/actions/{theirs}/evidence/{their_file}"),
                    format!("/plan/actions/{mine}/evidence/{their_file}"),
                ] {
                    check(
                        "GET",
                        "/plan/actions/{id}/evidence/{file}",
                        p.clone(),
                        get(p).await,
                        StatusCode::NOT_FOUND,
                    );
                }
                if allowed(r, "write_diagnostics") {
                    let p = format!("/plan/actions/{mine}/evidence/{their_file}/delete");
                    check(
                        "POST",
                        "/plan/actions/{id}/evidence/{file}/delete",
                        p.clone(),
                        post(p, vec![]).await,
                        StatusCode::NOT_FOUND,
                    );
                }
            }
            // Reached through one's own structure, another structure's diagnostic and action
            // are not found.
            if allowed(r, "write_diagnostics") && out != 999_999 {
                let other = diagnostic_seed(&app.store, out).await;
                let p = format!("/diagnostics/{other}/signoff");
                check(
                    "POST",
                    "/diagnostics/{id}/signoff",
                    p.clone(),
                    post(p, vec![]).await,
                    StatusCode::NOT_FOUND,
                );
                let p = format!("/structures/{inn}/plan/from");
                let form = vec![
                    ("source", format!("measure:{other}:rec-backup-setup")),
                    ("title", "x".into()),
                ];
                check(
                    "POST",
                    "/structures/{id}/plan/from",
                    p.clone(),
                    post(p, form).await,
                    StatusCode::BAD_REQUEST,
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
        // Open to anyone: what operators and the sign-in need (OpenID Connect is not configured
        // here: its two addresses answer 404).
        let c = client();
        for (path, want) in [
            ("/healthz", StatusCode::OK),
            ("/static/app.css", StatusCode::OK),
            ("/api/openapi.json", StatusCode::OK),
            ("/metrics", StatusCode::NOT_FOUND),
            ("/login/oidc", StatusCode::NOT_FOUND),
            ("/login/oidc/callback", StatusCode::NOT_FOUND),
        ] {
            let res = c.get(format!("{}{path}", app.base)).send().await.unwrap();
            assert_eq!(res.status(), want, "anonymous GET {path}");
            covered.push(("GET", path));
        }
        let routes = vigie_web::all_routes();
        for r in routes.iter().filter(|r| !r.api) {
            assert!(
                covered.contains(&(r.method, r.path.as_str())),
                "page {} {} is not in the authorization matrix",
                r.method,
                r.path
            );
        }
        // Anonymous callers are sent to the login page from every signed-in page.
        for (m, route) in routes
            .iter()
            .filter(|r| !r.api && !r.public && r.method == "GET")
            .map(|r| (r.method, r.path.as_str()))
        {
            let path = route.replace("{id}", "1");
            let res = c.get(format!("{}{path}", app.base)).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "anonymous {m} {path}");
            assert_eq!(res.headers()["location"], "/login");
        }
        db.cleanup().await;
    }
}
