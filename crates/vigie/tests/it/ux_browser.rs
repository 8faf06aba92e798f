//! The pages an analyst works in all day (issue 17), in headless Chromium on the demo region with
//! its vulnerability watch (the project's CVE records and the CISA KEV catalogue):
//!
//! (a) "Done when": a CERT analyst, told that a known-exploited CVE affects FortiOS, goes from
//!     the dashboard to the advisory in two clicks, reads which structures of which regions run
//!     it, acknowledges them in bulk (the form carries its CSRF token; each change is audited);
//! (b) the findings of the whole scope, filtered with the form's controls;
//! (c) every role: its dashboard at 1366 px (the header on one line, the current page marked) and
//!     at 390 px (the page never wider than the screen: wide tables scroll inside their box),
//!     with screenshots kept in `docs/screenshots/`;
//! (e) the demo's first minute: its e-mails wait in the outbox, its console ends with its accounts;
//! (d) axe-core (npm, vendored by `npm ci` in `crates/vigie/tests/axe`) on the main pages of every
//!     role: no "serious" or "critical" violation.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use fantoccini::Locator;

use crate::e2e::Page;

/// The demo's accounts, with what each shows: (e-mail, file name of its screenshots).
const ROLES: &[(&str, &str)] = &[
    ("cert@vigie.example", "cert"),
    ("admin@vigie.example", "admin"),
    ("crr@vigie.example", "regional"),
    ("rssi.ght1@vigie.example", "ght"),
    ("admin.ch@vigie.example", "structure-admin"),
    ("membre.ch@vigie.example", "structure-member"),
    ("auditeur@vigie.example", "auditor"),
];

/// The pages every role works in.
const MAIN_PAGES: &[&str] = &[
    "/",
    "/structures",
    "/watch/alerts",
    "/watch/advisories",
    "/exposure",
    "/exposure/findings",
    "/incidents",
    "/diagnostics",
    "/account",
    "/account/notifications",
    "/search?q=centre",
];

/// The `href` of the first element `sel` finds on the page, if any.
async fn first_href(p: &Page<'_>, sel: &str) -> Result<Option<String>> {
    let v =
        p.c.execute(
            "const a = document.querySelector(arguments[0]); return a ? a.getAttribute('href') : null;",
            vec![serde_json::Value::String(sel.into())],
        )
        .await?;
    Ok(v.as_str().map(str::to_string))
}

fn axe_source() -> Result<String> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&p).with_context(|| {
        format!(
            "axe-core is missing ({}): run `cd crates/vigie/tests/axe && npm ci` once",
            p.display()
        )
    })
}

fn screenshots() -> Result<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/screenshots");
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyst_pages_in_the_browser() {
    if let Err(e) = crate::e2e::require_browser() {
        panic!("{e:#}");
    }
    let axe = match axe_source() {
        Ok(a) => a,
        Err(e) => panic!("{e:#}"),
    };
    let dir = tempfile::Builder::new()
        .prefix("vigie-ux-")
        .tempdir()
        .expect("temporary directory");
    let mut server = match crate::e2e::start_vigie_with_intel(dir.path()).await {
        Ok(s) => s,
        Err(e) => panic!("cannot start vigie: {e:#}"),
    };
    let log = std::fs::read_to_string(dir.path().join("vigie.log")).expect("vigie's output");
    let creds = crate::common::demo_credentials(&log);
    let browser = match crate::e2e::start_browser(dir.path()).await {
        Ok(b) => b,
        Err(e) => panic!("cannot start the browser: {e:#}"),
    };
    let p = Page {
        c: &browser.client,
        base: &server.base,
        shots: crate::e2e::screenshot_dir().expect("screenshot directory"),
    };
    let log_path = dir.path().join("vigie.log");
    let outcome = async {
        cert_done_when(&p, &creds).await.context("(a) advisory")?;
        demo_first_minute(&p, &log_path)
            .await
            .context("(e) the demo's first minute")?;
        findings_list(&p).await.context("(b) findings")?;
        every_role(&p, &creds, &axe).await.context("(c, d) roles")
    }
    .await;
    if let Err(e) = outcome {
        let evidence = p.keep_evidence("ux-failure").await;
        let alive = server.proc.ensure_running();
        let tail = server.proc.log_tail();
        let _ = browser.client.clone().close().await;
        panic!("{e:#}\n{evidence}\nvigie: {alive:?}\n{tail}");
    }
    let _ = browser.client.clone().close().await;
}

type Creds = std::collections::HashMap<String, (String, Option<String>)>;

async fn sign_in(p: &Page<'_>, creds: &Creds, email: &str) -> Result<()> {
    let (password, totp) = creds
        .get(email)
        .with_context(|| format!("no credentials for {email}"))?;
    p.goto("/login").await?;
    p.type_into("#email", email).await?;
    p.type_into("#password", password).await?;
    p.click("#login-submit").await?;
    if let Some(secret) = totp {
        p.el("#code").await?;
        let code = crate::e2e::fresh_totp(secret, email).await?;
        p.type_into("#code", &code).await?;
        p.click("#totp-submit").await?;
    }
    p.wait_path("/").await?;
    p.el("#scope").await?;
    Ok(())
}

async fn sign_out(p: &Page<'_>) -> Result<()> {
    p.goto("/").await?;
    p.click("form[action='/logout'] button").await?;
    p.wait_path("/login").await
}

async fn width(p: &Page<'_>, w: u32) -> Result<()> {
    p.c.set_window_size(w, if w < 600 { 844 } else { 900 })
        .await?;
    Ok(())
}

/// The page's scroll width and the viewport's.
async fn scroll_width(p: &Page<'_>) -> Result<(i64, i64)> {
    let v =
        p.c.execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await?;
    let a = v.as_array().context("two numbers")?;
    Ok((
        a.first().and_then(|x| x.as_i64()).unwrap_or(-1),
        a.get(1).and_then(|x| x.as_i64()).unwrap_or(-1),
    ))
}

/// The header's height and how far apart (px) the middles of its links and buttons are: one
/// line when they are all centred on the same line.
async fn header_lines(p: &Page<'_>) -> Result<(f64, f64)> {
    let v =
        p.c.execute(
            "const h = document.querySelector('header.top');\
             const mids = [...h.querySelectorAll('a:not(.skip), button')]\
               .map(e => { const r = e.getBoundingClientRect(); return (r.top + r.bottom) / 2; });\
             return [h.getBoundingClientRect().height, Math.max(...mids) - Math.min(...mids)];",
            vec![],
        )
        .await?;
    let a = v.as_array().context("two numbers")?;
    Ok((
        a.first().and_then(|x| x.as_f64()).unwrap_or(0.0),
        a.get(1).and_then(|x| x.as_f64()).unwrap_or(f64::MAX),
    ))
}

/// axe-core's serious and critical violations on the current page.
async fn axe_violations(p: &Page<'_>, axe: &str) -> Result<Vec<String>> {
    p.c.execute(axe, vec![]).await?;
    let v = p
        .c
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations\
               .filter(v => v.impact === 'serious' || v.impact === 'critical')\
               .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)\
                 .map(n => n.target.join(' ')).join(' | ')))).catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}

async fn wait_text(p: &Page<'_>, css: &str, want: &str) -> Result<String> {
    let start = Instant::now();
    loop {
        if let Ok(t) = p.text(css).await {
            if t.contains(want) {
                return Ok(t);
            }
            if start.elapsed() > crate::e2e::PAGE_TIMEOUT {
                bail!("`{css}` says {t:?}, expected {want:?}");
            }
        } else if start.elapsed() > crate::e2e::PAGE_TIMEOUT {
            bail!("no `{css}`");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------- (a) ----------

async fn cert_done_when(p: &Page<'_>, creds: &Creds) -> Result<()> {
    width(p, 1366).await?;
    sign_in(p, creds, "cert@vigie.example").await?;
    // Click 1: the dashboard's way to the advisories of the territory.
    p.click("#dashboard-advisories").await?;
    p.wait_path("/watch/advisories").await?;
    let listed = p.texts("#advisories tbody tr td:first-child a").await?;
    ensure!(
        listed.iter().any(|r| r == "CVE-2024-55591"),
        "the known-exploited FortiOS advisory should be listed: {listed:?}"
    );
    // Known exploited ones first: every row before a row without the mark has it.
    let marks = p.texts("#advisories tbody tr td:nth-child(2)").await?;
    let first_plain = marks
        .iter()
        .position(|m| !m.contains("Exploitée activement"))
        .unwrap_or(marks.len());
    ensure!(
        marks[first_plain..]
            .iter()
            .all(|m| !m.contains("Exploitée activement")),
        "known-exploited advisories first: {marks:?}"
    );
    p.shot("ux-01-advisories").await?;
    // Click 2: the advisory.
    p.click("a[href='/watch/advisories/CVE-2024-55591']")
        .await?;
    p.wait_path("/watch/advisories/CVE-2024-55591").await?;
    let kev = p.text("#advisory-kev").await?;
    ensure!(kev.contains("Exploitée activement"), "{kev:?}");
    let regions = p.texts("section[aria-labelledby=h-structures] h3").await?;
    ensure!(
        regions.iter().any(|r| r.starts_with("Bretagne")),
        "the demo region's structures run FortiOS 7.0.12: {regions:?}"
    );
    let rows = p.texts(".advisory-alerts tbody tr").await?;
    ensure!(
        !rows.is_empty()
            && rows
                .iter()
                .all(|r| r.contains("FortiOS") && r.contains("7.0.12")),
        "{rows:?}"
    );
    let summary = p.text("#advisory-summary").await?;
    ensure!(summary.contains("structures"), "{summary:?}");
    let body = p.body_text().await?;
    ensure!(!body.contains('`'), "no backticks on the page");
    p.shot("ux-02-advisory").await?;

    // Acknowledged in bulk: every new alert is ticked already.
    let ticked =
        p.c.find_all(Locator::Css("input[name=alert]:checked"))
            .await?
            .len();
    ensure!(ticked == rows.len(), "{ticked} ticked of {}", rows.len());
    p.click("#bulk-submit").await?;
    let done = wait_text(p, "#bulk-done", "changé de statut").await?;
    ensure!(
        done.starts_with(&ticked.to_string()),
        "{done:?} after ticking {ticked}"
    );
    let statuses = p.texts(".alert-status").await?;
    ensure!(
        statuses.iter().all(|s| s == "Prise en compte"),
        "{statuses:?}"
    );
    p.shot("ux-03-acknowledged").await?;
    Ok(())
}

// ---------- (e) ----------

/// The demo keeps its e-mails in the outbox (no 200 "undeliverable" warnings), and once its
/// first jobs are done the console's last lines are the demo's accounts.
async fn demo_first_minute(p: &Page<'_>, log: &std::path::Path) -> Result<()> {
    p.goto("/notifications").await?;
    let outbox = p.texts("#outbox tbody tr").await?;
    ensure!(
        !outbox.is_empty()
            && outbox
                .iter()
                .all(|r| !r.contains("aucun serveur de courriel n")),
        "{outbox:?}"
    );
    ensure!(
        outbox
            .iter()
            .any(|r| r.contains("Gardé dans la boîte d'envoi")),
        "{outbox:?}"
    );
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log)?;
        ensure!(
            !text.contains("undeliverable"),
            "the demo's e-mails should wait in the outbox: {text}"
        );
        let tail: Vec<&str> = text
            .lines()
            .rev()
            .filter(|l| !l.trim().is_empty())
            .take(12)
            .collect();
        if tail.first().is_some_and(|l| l.contains("listening on"))
            && tail.iter().any(|l| l.contains("cert@vigie.example"))
            && text.matches("cert@vigie.example").count() >= 2
        {
            return Ok(());
        }
        if start.elapsed() > Duration::from_secs(45) {
            bail!("the console does not end with the demo's accounts: {tail:?}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

// ---------- (b) ----------

async fn findings_list(p: &Page<'_>) -> Result<()> {
    p.goto("/").await?;
    p.click("#dashboard-findings").await?;
    p.wait_path("/exposure/findings").await?;
    let total = p.text("#findings-total").await?;
    ensure!(total.ends_with("constats"), "{total:?}");
    // The severity filter, as a person uses it: pick, then filter.
    p.el("#ff-severity")
        .await?
        .select_by_value("high")
        .await
        .context("severity select")?;
    p.click("#finding-filter-submit").await?;
    let start = Instant::now();
    while !p.c.current_url().await?.as_str().contains("severity=high") {
        if start.elapsed() > crate::e2e::PAGE_TIMEOUT {
            bail!("the filter did not load");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sev = p.texts("#findings tbody td:first-child").await?;
    ensure!(
        !sev.is_empty() && sev.iter().all(|s| s == "Élevée"),
        "{sev:?}"
    );
    p.shot("ux-04-findings-high").await?;
    Ok(())
}

// ---------- (c) and (d) ----------

async fn every_role(p: &Page<'_>, creds: &Creds, axe: &str) -> Result<()> {
    let shots = screenshots()?;
    let mut problems = Vec::new();
    for (i, (email, name)) in ROLES.iter().enumerate() {
        if i > 0 {
            width(p, 1366).await?;
            sign_out(p).await?;
            sign_in(p, creds, email).await?;
        }
        width(p, 1366).await?;
        p.goto("/").await?;
        p.el("#scope").await?;
        let (h, spread) = header_lines(p).await?;
        if spread > 10.0 || h > 60.0 {
            problems.push(format!(
                "{email}: the header takes {h} px, its links {spread} px apart, at 1366 px"
            ));
        }
        let current = p.texts("header nav a[aria-current=page]").await?;
        if current.len() != 1 {
            problems.push(format!("{email}: current page marked {current:?}"));
        }
        std::fs::write(
            shots.join(format!("dashboard-{name}-1366.png")),
            p.c.screenshot().await?,
        )?;
        // The main pages, then what this role reaches from them: the observatory when its
        // navigation offers it, the first incident of its queue, the first diagnostic of its
        // overview (its own page and its report).
        let mut pages: Vec<String> = MAIN_PAGES.iter().map(|s| s.to_string()).collect();
        p.goto("/").await?;
        if first_href(p, "header nav a[href='/observatory']")
            .await?
            .is_some()
        {
            pages.push("/observatory".into());
        }
        p.goto("/incidents").await?;
        p.el("main h1").await?;
        if let Some(h) = first_href(p, "#queue tbody a[href^='/incidents/']").await? {
            pages.push(h);
        }
        p.goto("/diagnostics").await?;
        p.el("main h1").await?;
        if let Some(h) = first_href(p, "main a[href^='/diagnostics/'][href$='/report']").await? {
            pages.push(h.trim_end_matches("/report").to_string());
            pages.push(h);
        }
        for page in &pages {
            p.goto(page).await?;
            p.el("main h1").await?;
            for v in axe_violations(p, axe).await? {
                problems.push(format!("{email} {page}: axe {v}"));
            }
        }
        width(p, 390).await?;
        for page in &pages {
            p.goto(page).await?;
            p.el("main h1").await?;
            let (scroll, view) = scroll_width(p).await?;
            if scroll > view {
                problems.push(format!(
                    "{email} {page}: {scroll} px wide in a {view} px screen"
                ));
            }
        }
        p.goto("/").await?;
        p.el("#scope").await?;
        std::fs::write(
            shots.join(format!("dashboard-{name}-390.png")),
            p.c.screenshot().await?,
        )?;
    }
    // The advisory's page and an alert's at 390 px too, for the regional analyst.
    width(p, 1366).await?;
    sign_out(p).await?;
    sign_in(p, creds, "crr@vigie.example").await?;
    width(p, 390).await?;
    for page in ["/watch/advisories/CVE-2024-55591", "/watch/alerts/1"] {
        p.goto(page).await?;
        p.el("main h1").await?;
        let (scroll, view) = scroll_width(p).await?;
        if scroll > view {
            problems.push(format!("{page}: {scroll} px wide in a {view} px screen"));
        }
    }
    ensure!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}
