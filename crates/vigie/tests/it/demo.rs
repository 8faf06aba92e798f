//! `vigie demo` shows a living system: demo scans with findings and alerts from real advisories,
//! seen by the demo accounts within their scope only, counted on the dashboard, and seeded once
//! (running the command again duplicates nothing). Both backends, the real binary and server.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{free_port, page, sign_in, Kill};
use reqwest::{redirect, Client, StatusCode};
use vigie_domain::role::{Role, Scope};
use vigie_store::testing;
use vigie_store::Actor;

/// The repository's root: `vigie demo` looks for `../shared/data` from there.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vigie(url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_vigie"));
    c.env("VIGIE_DATABASE_URL", url)
        .env("VIGIE_LOG", "warn")
        .env("VIGIE_SECURITY_SECRET_KEY", testing::TEST_SECRET_KEY)
        .env_remove("VIGIE_CONFIG")
        .current_dir(repo_root());
    c
}

fn demo(url: &str) -> String {
    let out = vigie(url).arg("demo").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// Password, then the code of the second factor.
async fn sign_in_totp(base: &str, email: &str, password: &str, secret: &str) -> Client {
    let c = Client::builder()
        .cookie_store(true)
        .redirect(redirect::Policy::none())
        .build()
        .unwrap();
    let csrf_of = |html: &str| {
        html.split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_string()
    };
    let (_, html) = page(&c, &format!("{base}/login")).await;
    let res = c
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login/totp", "{email}");
    // A code that stays valid a few seconds more.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    if 30 - now % 30 < 3 {
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        totp_rs::Secret::Encoded(secret.into()).to_bytes().unwrap(),
        Some("Vigie".into()),
        email.into(),
    )
    .unwrap();
    let (_, html) = page(&c, &format!("{base}/login/totp")).await;
    let res = c
        .post(format!("{base}/login/totp"))
        .form(&[
            ("csrf", csrf_of(&html).as_str()),
            ("code", totp.generate_current().unwrap().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "totp {email}");
    assert_eq!(res.headers()["location"], "/", "{email}");
    c
}

/// The number shown in the element of id `id` (inside a link or not).
fn figure(html: &str, id: &str) -> i64 {
    let after = html
        .split(&format!("id=\"{id}\">"))
        .nth(1)
        .unwrap_or_else(|| panic!("no #{id} on the dashboard"));
    let mut text = String::new();
    let mut in_tag = false;
    for c in after.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag && c.is_ascii_digit() => text.push(c),
            c if !in_tag && !c.is_whitespace() && !text.is_empty() => break,
            _ => {}
        }
        if in_tag && !text.is_empty() {
            break;
        }
    }
    text.parse()
        .unwrap_or_else(|_| panic!("#{id}: no number in {:?}", &after[..80.min(after.len())]))
}

const GHT1_HOSPITAL: &str = "Centre hospitalier de Saint-Brieuc";
const GHT2_HOSPITAL: &str = "Centre hospitalier de Paimpol";

#[tokio::test]
async fn the_demo_shows_findings_and_alerts_within_each_scope() {
    let intel = repo_root().join("../shared/data/cve-records").is_dir();
    for db in testing::all().await {
        let first = demo(&db.url);
        assert!(first.contains("612 structures"), "{}: {first}", db.name);
        let creds = crate::common::demo_credentials(&first);
        let pw = |email: &str| creds[email].0.clone();
        assert!(
            first.contains("Demo activity: 40 demo scans"),
            "{}: {first}",
            db.name
        );

        let system = Actor::system("test");
        let national = db.store.exposure_figures(&system).await.unwrap();
        let alerts = db.store.watch_figures(&system).await.unwrap();
        assert_eq!(national.structures, 40, "{}: {national:?}", db.name);
        assert!(
            national.critical > 0 && national.high > 0 && national.medium > 0,
            "{}: {national:?}",
            db.name
        );
        if intel {
            // Real advisories: FortiOS 7.0.12 is hit by CVE-2024-55591, in the KEV catalogue.
            assert!(alerts.open > 0 && alerts.kev > 0, "{}: {alerts:?}", db.name);
        } else {
            eprintln!("../shared/data is not here: the alert half is not checked");
        }
        // Demo scans are marked as such and nothing is scanned: scope snapshot says demo.
        let overview = db.store.exposure_overview(&system, None).await.unwrap();
        let sid = |name: &str| {
            overview
                .iter()
                .find(|c| c.structure_name == name)
                .unwrap_or_else(|| panic!("{name} has no finding"))
                .structure_id
        };
        let (ght1_sid, ght2_sid) = (sid(GHT1_HOSPITAL), sid(GHT2_HOSPITAL));
        let scans = db.store.list_scans(&system, ght1_sid, 10).await.unwrap();
        assert_eq!(scans.len(), 1, "{}", db.name);
        assert_eq!(scans[0].requested_by, "demo");
        assert_eq!(scans[0].status, "done");
        let scope: serde_json::Value = serde_json::from_str(&scans[0].scope).unwrap();
        assert_eq!(scope["demo"], true, "{}: {scope}", db.name);

        // Twice: nothing more.
        let again = demo(&db.url);
        assert!(
            again.contains("already there") && again.contains("Demo activity: 0 demo scans"),
            "{}: {again}",
            db.name
        );
        // The credentials were printed once, when they were generated.
        assert!(!again.contains(" password "), "{}: {again}", db.name);
        assert_eq!(
            db.store.exposure_figures(&system).await.unwrap(),
            national,
            "{}",
            db.name
        );
        assert_eq!(
            db.store.watch_figures(&system).await.unwrap(),
            alerts,
            "{}",
            db.name
        );
        assert_eq!(
            db.store
                .list_scans(&system, ght1_sid, 10)
                .await
                .unwrap()
                .len(),
            1
        );

        // The platform, as the demo accounts see it.
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let _up = Kill(
            vigie(&db.url)
                .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let start = Instant::now();
        while Client::new()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_err()
        {
            assert!(start.elapsed() < Duration::from_secs(30), "never answered");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }

        // The GHT 1 officer: the exposure and the alerts of GHT 1, not of GHT 2.
        let ght1 = sign_in(
            &base,
            "rssi.ght1@vigie.example",
            &pw("rssi.ght1@vigie.example"),
        )
        .await;
        let (st, html) = page(&ght1, &format!("{base}/exposure")).await;
        assert_eq!(st, StatusCode::OK, "{}", db.name);
        assert!(
            html.contains(GHT1_HOSPITAL) && !html.contains(GHT2_HOSPITAL),
            "{}: GHT 1 officer's exposure page",
            db.name
        );
        let (st, html) = page(&ght1, &format!("{base}/structures/{ght1_sid}/exposure")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(html.contains("192.0.2."), "{}: finding addresses", db.name);
        let (st, _) = page(&ght1, &format!("{base}/structures/{ght2_sid}/exposure")).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{}", db.name);
        if intel {
            let (st, html) = page(&ght1, &format!("{base}/watch/alerts")).await;
            assert_eq!(st, StatusCode::OK);
            assert!(
                html.contains("CVE-2024-55591") && html.contains("Saint-Brieuc"),
                "{}: GHT 1 officer's alerts",
                db.name
            );
            assert!(!html.contains("Paimpol"), "{}: GHT 2 alert shown", db.name);
        }

        // Their dashboard counts exactly their scope, which is less than the region's.
        let ght1_id = db
            .store
            .list_ghts(&system, Some("53"))
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.code == "DEMO-53-01")
            .unwrap()
            .id;
        let ght1_actor = Actor {
            user_id: None,
            label: "ght1".into(),
            role: Role::GhtOfficer,
            scope: Scope::Ght(ght1_id),
            ip: None,
        };
        let mine = db.store.exposure_figures(&ght1_actor).await.unwrap();
        let my_alerts = db.store.watch_figures(&ght1_actor).await.unwrap();
        assert_eq!(mine.structures, 4, "{}: {mine:?}", db.name);
        assert!(mine.total() > 0 && mine.total() < national.total());
        let (st, html) = page(&ght1, &format!("{base}/")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(figure(&html, "count-findings-open"), mine.total());
        assert_eq!(figure(&html, "count-findings-critical"), mine.critical);
        assert_eq!(figure(&html, "count-findings-high"), mine.high);
        assert_eq!(figure(&html, "count-exposed-structures"), 4);
        assert_eq!(figure(&html, "count-alerts-open"), my_alerts.open);
        assert_eq!(figure(&html, "count-alerts-kev"), my_alerts.kev);
        assert!(html.contains("href=\"/exposure\"") && html.contains("href=\"/watch/alerts\""));
        if intel {
            assert!(my_alerts.kev > 0 && my_alerts.open < alerts.open);
        }

        // The CERT analyst (second factor): the national figures.
        let cert = sign_in_totp(
            &base,
            "cert@vigie.example",
            &pw("cert@vigie.example"),
            creds["cert@vigie.example"].1.as_deref().unwrap(),
        )
        .await;
        let (st, html) = page(&cert, &format!("{base}/")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(figure(&html, "count-findings-open"), national.total());
        assert_eq!(figure(&html, "count-exposed-structures"), 40);
        assert_eq!(figure(&html, "count-alerts-open"), alerts.open);
        assert_eq!(figure(&html, "count-alerts-kev"), alerts.kev);

        // A structure member of GHT 1's hospital sees their own structure, nothing of GHT 2.
        let member = sign_in(
            &base,
            "membre.ch@vigie.example",
            &pw("membre.ch@vigie.example"),
        )
        .await;
        let (st, html) = page(&member, &format!("{base}/structures/{ght1_sid}/exposure")).await;
        assert_eq!(st, StatusCode::OK, "{}", db.name);
        assert!(html.contains("192.0.2."));
        let (st, _) = page(&member, &format!("{base}/structures/{ght2_sid}/exposure")).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{}", db.name);
        let (st, html) = page(&member, &format!("{base}/watch/alerts")).await;
        assert_eq!(st, StatusCode::OK);
        assert!(!html.contains("Paimpol"), "{}: member sees GHT 2", db.name);
        if intel {
            assert!(
                html.contains("Saint-Brieuc"),
                "{}: member's own alerts",
                db.name
            );
        }
        // The GHT 2 officer sees GHT 2, not GHT 1.
        let ght2 = sign_in(
            &base,
            "rssi.ght2@vigie.example",
            &pw("rssi.ght2@vigie.example"),
        )
        .await;
        let (_, html) = page(&ght2, &format!("{base}/exposure")).await;
        assert!(
            html.contains(GHT2_HOSPITAL) && !html.contains(GHT1_HOSPITAL),
            "{}: GHT 2 officer's exposure page",
            db.name
        );
        drop(_up);
        db.cleanup().await;
    }
}

/// The demo never loads beside real data: on a database with a real account, or a real
/// structure, `vigie demo` is refused, says why, and adds nothing (no demo account with
/// credentials anyone could read in the output).
#[tokio::test]
async fn the_demo_is_refused_on_a_database_that_holds_real_accounts_or_structures() {
    for db in testing::all().await {
        let system = Actor::system("test");
        // A real administrator.
        db.store
            .create_user(
                &system,
                &vigie_store::accounts::NewUser {
                    email: "rssi@chu-real.fr".into(),
                    display_name: "RSSI".into(),
                    role: Role::Admin,
                    region_code: None,
                    ght_id: None,
                    structure_ids: vec![],
                    password: Some("a long enough passphrase 42".into()),
                    locale: "fr".into(),
                    must_change_password: false,
                },
            )
            .await
            .unwrap();
        let out = vigie(&db.url).arg("demo").output().unwrap();
        assert!(!out.status.success(), "{}", db.name);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("the demo is refused") && err.contains("rssi@chu-real.fr"),
            "{}: {err}",
            db.name
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains(" password "));
        let users = db.store.list_users(&system).await.unwrap();
        assert_eq!(users.len(), 1, "{}: nothing added", db.name);
        assert!(db
            .store
            .list_ghts(&system, Some("53"))
            .await
            .unwrap()
            .is_empty());
        db.cleanup().await;
    }
    // A real structure (from a FINESS extract), no account.
    for db in testing::all().await {
        let system = Actor::system("test");
        db.store
            .import_finess(
                &system,
                &include_bytes!("../../../vigie-store/tests/data/finess-small.csv")[..],
            )
            .await
            .unwrap();
        let out = vigie(&db.url).arg("demo").output().unwrap();
        assert!(!out.status.success(), "{}", db.name);
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("structure(s) that are not demo data"),
            "{}",
            db.name
        );
        assert!(db.store.list_users(&system).await.unwrap().is_empty());
        db.cleanup().await;
    }
}
