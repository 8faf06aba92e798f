//! End-to-end test in headless Chromium, driven through WebDriver as a person would use Vigie:
//!
//! (a) a CERT analyst signs in with a password and a TOTP code and lands on a national dashboard;
//! (b) imports a small FINESS extract through `/import`, reads the exact report, finds an
//!     imported structure through the search and opens its page;
//! (c) switches the pages to English and back to French;
//! (d) the security officer of GHT 1 sees only GHT 1: its 51 structures, nothing of GHT 2 in
//!     the search, and GHT 2's structure page answers 404 like a page that does not exist.
//!
//! It starts the built `vigie` binary (`up --demo`, fresh SQLite database in a temporary
//! directory) and Debian's `chromedriver` with `chromium`; both are killed when the test ends,
//! also on failure. A missing browser fails the test with the command that installs it
//! (`scripts/install-test-deps.sh`). Screenshots of each step go to
//! `<target>/e2e-screenshots/` (or `$E2E_SCREENSHOT_DIR`), with a `failure.png` and
//! `failure.html` when a step fails.

mod e2e;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use e2e::finess::SmallExtract;
use e2e::Page;

const CERT: (&str, &str, &str) = (
    "cert@vigie.example",
    "demo-cert-2026",
    "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU",
);
const GHT1: (&str, &str) = ("rssi.ght1@vigie.example", "demo-ght1-2026");
/// The demo GHTs are named after their support hospital's commune.
const GHT1_NAME: &str = "GHT démo Saint-Brieuc (22)";
const GHT2_NAME: &str = "GHT démo Paimpol (22)";
/// A structure of GHT 2 (its support hospital), out of GHT 1's sight.
const GHT2_STRUCTURE: &str = "Centre hospitalier de Paimpol";
/// Structures per demo GHT: 4 hospitals, 3 clinics, 36 EHPAD, 4 labs, 4 medico-social.
const STRUCTURES_PER_GHT: &str = "51";
/// 12 GHTs of 51 structures.
const DEMO_STRUCTURES: &str = "612";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browser_end_to_end() {
    if let Err(e) = e2e::require_browser() {
        panic!("{e:#}");
    }
    let started = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("vigie-e2e-")
        .tempdir()
        .expect("temporary directory");
    let shots = e2e::screenshot_dir().expect("screenshot directory");
    let extract = e2e::finess::small_extract().expect("small FINESS extract");
    let extract_path = dir.path().join("etalab-e2e.csv");
    std::fs::write(&extract_path, &extract.text).expect("write the extract");

    let mut server = match e2e::start_vigie(dir.path()).await {
        Ok(s) => s,
        Err(e) => panic!("cannot start vigie: {e:#}"),
    };
    let browser = match e2e::start_browser(dir.path()).await {
        Ok(b) => b,
        Err(e) => panic!("cannot start the browser: {e:#}"),
    };
    eprintln!(
        "e2e: vigie and Chromium up in {:.1?}; screenshots in {}",
        started.elapsed(),
        shots.display()
    );

    let page = Page {
        c: &browser.client,
        base: &server.base,
        shots,
    };
    let outcome = scenarios(&page, &extract, &extract_path).await;
    if let Err(e) = outcome {
        let evidence = page.keep_evidence("failure").await;
        let vigie_alive = server.proc.ensure_running();
        let log = server.proc.log_tail();
        let _ = browser.client.clone().close().await;
        panic!("{e:#}\n{evidence}\nvigie: {vigie_alive:?}\n{log}");
    }
    if let Err(e) = browser.client.clone().close().await {
        eprintln!("e2e: closing the WebDriver session: {e}");
    }
    eprintln!("e2e: all scenarios passed in {:.1?}", started.elapsed());
}

async fn scenarios(p: &Page<'_>, extract: &SmallExtract, extract_path: &Path) -> Result<()> {
    step("(a) CERT analyst signs in with password and TOTP", async {
        cert_signs_in_with_password_and_totp(p).await
    })
    .await?;
    step(
        "(b) CERT analyst imports a FINESS file and finds a structure",
        async { import_and_find(p, extract, extract_path).await },
    )
    .await?;
    step("(c) language switch to English and back", async {
        switch_language(p).await
    })
    .await?;
    step("(d) a GHT officer does not see another GHT", async {
        ght_officer_sees_only_its_ght(p).await
    })
    .await
}

async fn step(name: &str, f: impl std::future::Future<Output = Result<()>>) -> Result<()> {
    let t = Instant::now();
    f.await.with_context(|| format!("scenario {name}"))?;
    eprintln!("e2e: {name}: ok ({:.1?})", t.elapsed());
    Ok(())
}

// ---------- (a) ----------

async fn cert_signs_in_with_password_and_totp(p: &Page<'_>) -> Result<()> {
    // A visitor is sent to the sign-in page, in French.
    p.goto("/").await?;
    p.wait_path("/login").await?;
    p.wait_lang("fr").await?;
    ensure_eq(&p.text("h1").await?, "Connexion", "sign-in title")?;
    no_raw_keys(p).await?;
    p.shot("01-login").await?;

    // A wrong password is refused with a message, and no session.
    p.type_into("#email", CERT.0).await?;
    p.type_into("#password", "not-the-password").await?;
    p.click("#login-submit").await?;
    let alert = p.text("p.error[role=alert]").await?;
    ensure!(
        alert.contains("incorrect"),
        "a wrong password should say so, the page says {alert:?}"
    );
    ensure_eq(&p.path().await?, "/login", "after a wrong password")?;

    p.type_into("#email", CERT.0).await?;
    p.type_into("#password", CERT.1).await?;
    p.click("#login-submit").await?;
    p.wait_path("/login/totp").await?;
    no_raw_keys(p).await?;
    p.shot("02-totp").await?;

    let code = fresh_totp(CERT.2, CERT.0).await?;
    p.type_into("#code", &code).await?;
    p.click("#totp-submit").await?;
    p.wait_path("/").await?;
    ensure_eq(&p.text("#scope").await?, "National", "CERT dashboard scope")?;
    ensure_eq(
        &p.text("#count-structures").await?,
        DEMO_STRUCTURES,
        "structures followed by the CERT (the demo region)",
    )?;
    // The demo is alive: its demo scans' open findings are counted, linked to /exposure.
    let findings = p.text("#count-findings-open").await?;
    ensure!(
        findings.trim().parse::<i64>().is_ok_and(|n| n > 0),
        "open findings on the CERT dashboard: {findings:?}"
    );
    let h1 = p.text("h1").await?;
    ensure!(
        h1.starts_with("Bienvenue") && h1.contains("Analyste CERT Démo"),
        "dashboard greeting: {h1:?}"
    );
    ensure_nav(p, &["Tableau de bord", "Structures", "Imports"]).await?;
    ensure_button(p, "Se déconnecter").await?;
    no_raw_keys(p).await?;
    p.shot("03-dashboard-cert").await?;
    Ok(())
}

/// A TOTP code that stays valid for a few seconds more (not the last second of its window).
async fn fresh_totp(secret: &str, account: &str) -> Result<String> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
    let left = 30 - now.as_secs() % 30;
    if left < 3 {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
    e2e::totp_now(secret, account)
}

// ---------- (b) ----------

async fn import_and_find(p: &Page<'_>, x: &SmallExtract, extract_path: &Path) -> Result<()> {
    p.click("nav a[href='/import']").await?;
    p.wait_path("/import").await?;
    ensure_eq(
        &p.text("h1").await?,
        "Imports du répertoire",
        "import page title",
    )?;
    let file = p.el("#finess-file").await?;
    file.send_keys(
        extract_path
            .to_str()
            .context("the extract's path is not UTF-8")?,
    )
    .await?;
    p.click("#finess-submit").await?;
    p.el("#import-report").await?;
    ensure_eq(
        &p.text("#inserted").await?,
        "3",
        "sites created by the import",
    )?;
    ensure_eq(
        &p.text("#rejected").await?,
        "1",
        "lines rejected by the import",
    )?;
    let report = p.text("#import-report").await?;
    ensure!(
        report.contains("geolocalisation (1)"),
        "the report should count the skipped geolocalisation record: {report:?}"
    );
    // The rejected line is listed with its number and why.
    let rows = p
        .texts("#import-report table:nth-of-type(2) tbody tr")
        .await?;
    ensure!(
        rows.len() == 1,
        "one rejected line expected in the report, found {rows:?}"
    );
    ensure!(
        rows[0].starts_with(&x.rejected_line.to_string())
            && rows[0].contains("clé de contrôle incorrecte"),
        "the rejected line should be line {} for its check key, said in French: {:?}",
        x.rejected_line,
        rows[0]
    );
    no_raw_keys(p).await?;
    p.shot("04-import-report").await?;

    // Find one of the imported sites by (part of) its name, in lower case.
    let site = &x.sites[2];
    search(p, "e2e clisson").await?;
    ensure_eq(&p.text("#total").await?, "1", "results for `e2e clisson`")?;
    let cells = p.texts("table tbody tr td").await?;
    ensure!(
        cells.first().map(String::as_str) == Some(site.name),
        "the result should be {}: {cells:?}",
        site.name
    );
    ensure!(
        cells.get(1) == Some(&site.finess_et) && cells.get(3).map(String::as_str) == Some("44"),
        "the result should show FINESS {} in department 44: {cells:?}",
        site.finess_et
    );
    no_raw_keys(p).await?;
    p.shot("05-search-imported").await?;

    // All three sites are there, and the rejected one is not.
    search(p, "E2E").await?;
    ensure_eq(&p.text("#total").await?, "3", "imported sites named E2E")?;
    let mut names = p.texts("table tbody tr td:first-child a").await?;
    names.sort();
    let mut want: Vec<&str> = x.sites.iter().map(|s| s.name).collect();
    want.sort_unstable();
    ensure!(
        names == want,
        "imported sites: {names:?}, expected {want:?}"
    );

    // Open the site's page.
    search(p, "e2e clisson").await?;
    p.click("table tbody tr td a").await?;
    p.el("#structure-name").await?;
    ensure!(
        p.path().await?.starts_with("/structures/"),
        "the result should link to the structure's page"
    );
    ensure_eq(
        &p.text("#structure-name").await?,
        site.name,
        "structure page title",
    )?;
    ensure_eq(
        &p.text("#finess").await?,
        &site.finess_et,
        "structure page FINESS",
    )?;
    let identity = p.text("section[aria-labelledby=h-identity]").await?;
    ensure!(
        identity.contains("Pays de la Loire") && identity.contains("44190 CLISSON"),
        "the identity should show the region and address: {identity:?}"
    );
    no_raw_keys(p).await?;
    p.shot("06-structure-imported").await?;
    Ok(())
}

/// Types `q` in the search box of the structures list and submits the form.
async fn search(p: &Page<'_>, q: &str) -> Result<()> {
    if p.path().await? != "/structures" {
        p.goto("/structures").await?;
    }
    p.type_into("#q", q).await?;
    p.click("#filter-submit").await?;
    let want = q.to_string();
    let start = Instant::now();
    loop {
        let url = p.c.current_url().await?;
        if url.path() == "/structures" && url.query_pairs().any(|(k, v)| k == "q" && v == want) {
            break;
        }
        if start.elapsed() > e2e::PAGE_TIMEOUT {
            bail!("the search for {q:?} did not load (still on {url})");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    p.el("#total").await?;
    Ok(())
}

// ---------- (c) ----------

async fn switch_language(p: &Page<'_>) -> Result<()> {
    // On the structure's page (where (b) ended): the switch keeps the page.
    let here = p.path().await?;
    ensure_eq(
        &p.text("#lang-switch").await?,
        "English",
        "language button in French",
    )?;
    p.click("#lang-switch").await?;
    p.wait_lang("en").await?;
    ensure_eq(&p.path().await?, &here, "the page after switching language")?;
    ensure_nav(
        p,
        &["Dashboard", "Structures", "GHTs", "Imports", "My account"],
    )
    .await?;
    ensure_button(p, "Sign out").await?;
    ensure_eq(
        &p.text("#lang-switch").await?,
        "Français",
        "language button in English",
    )?;
    ensure_eq(
        &p.text("#h-identity").await?,
        "Identity",
        "identity heading",
    )?;
    ensure_eq(
        &p.text("#h-contacts").await?,
        "Contacts",
        "contacts heading",
    )?;
    no_raw_keys(p).await?;
    p.shot("07-structure-en").await?;

    // The choice holds on other pages.
    p.click("nav a[href='/']").await?;
    p.wait_path("/").await?;
    p.wait_lang("en").await?;
    let h1 = p.text("h1").await?;
    ensure!(
        h1.starts_with("Welcome"),
        "English dashboard greeting: {h1:?}"
    );
    let body = p.body_text().await?;
    ensure!(
        body.contains("Structures followed") && body.contains("By sector"),
        "English dashboard labels missing: {body:?}"
    );
    ensure_eq(&p.text("#scope").await?, "National", "scope in English")?;
    ensure_eq(
        &p.text("#count-structures").await?,
        "615",
        "structures followed after importing 3 sites into the 612 of the demo",
    )?;
    no_raw_keys(p).await?;
    p.shot("08-dashboard-en").await?;

    // And back to French.
    p.click("#lang-switch").await?;
    p.wait_lang("fr").await?;
    ensure_eq(&p.path().await?, "/", "the page after switching back")?;
    ensure_nav(
        p,
        &[
            "Tableau de bord",
            "Structures",
            "GHT",
            "Imports",
            "Mon compte",
        ],
    )
    .await?;
    ensure_button(p, "Se déconnecter").await?;
    let h1 = p.text("h1").await?;
    ensure!(
        h1.starts_with("Bienvenue"),
        "French dashboard greeting: {h1:?}"
    );
    no_raw_keys(p).await?;
    p.shot("09-dashboard-fr").await?;
    Ok(())
}

// ---------- (d) ----------

async fn ght_officer_sees_only_its_ght(p: &Page<'_>) -> Result<()> {
    // The CERT sees GHT 2's support hospital: note its page.
    search(p, GHT2_STRUCTURE).await?;
    ensure_eq(
        &p.text("#total").await?,
        "1",
        "CERT search for GHT 2's hospital",
    )?;
    let link = p.el("table tbody tr td a").await?;
    let ght2_page = link.attr("href").await?.context("the result has no link")?;
    let row = p.text("table tbody tr").await?;
    ensure!(
        row.contains(GHT2_NAME),
        "the hospital should be in {GHT2_NAME}: {row:?}"
    );

    // Sign out, then in as GHT 1's security officer (no second factor for this role).
    p.click("form[action='/logout'] button").await?;
    p.wait_path("/login").await?;
    p.goto("/").await?;
    p.wait_path("/login").await?;
    p.type_into("#email", GHT1.0).await?;
    p.type_into("#password", GHT1.1).await?;
    p.click("#login-submit").await?;
    p.wait_path("/").await?;
    let scope = p.text("#scope").await?;
    ensure!(
        scope.contains(GHT1_NAME) && !scope.contains("Paimpol"),
        "GHT 1 officer's scope should name {GHT1_NAME}: {scope:?}"
    );
    ensure_eq(
        &p.text("#count-structures").await?,
        STRUCTURES_PER_GHT,
        "structures followed by GHT 1's officer",
    )?;
    let nav = p.texts("header nav a").await?;
    ensure!(
        !nav.iter().any(|n| n == "Imports"),
        "a GHT officer should not be offered imports: {nav:?}"
    );
    no_raw_keys(p).await?;
    p.shot("10-dashboard-ght1").await?;

    // The list holds GHT 1's structures only, and its GHT filter offers GHT 1 only.
    p.click("nav a[href='/structures']").await?;
    p.wait_path("/structures").await?;
    ensure_eq(
        &p.text("#total").await?,
        STRUCTURES_PER_GHT,
        "GHT 1's structures",
    )?;
    let ghts = p.texts("#ght option").await?;
    ensure!(
        ghts.iter().any(|g| g == GHT1_NAME) && !ghts.iter().any(|g| g == GHT2_NAME),
        "GHT filter of GHT 1's officer: {ghts:?}"
    );
    let listed_ghts = p.texts("table tbody tr td:nth-child(5)").await?;
    ensure!(
        !listed_ghts.is_empty() && listed_ghts.iter().all(|g| g == GHT1_NAME),
        "every listed structure should be in {GHT1_NAME}: {listed_ghts:?}"
    );

    // Searching GHT 2's hospital, or the imported sites, finds nothing.
    search(p, "Paimpol").await?;
    ensure_eq(
        &p.text("#total").await?,
        "0",
        "GHT 1 officer's search for Paimpol",
    )?;
    let body = p.body_text().await?;
    ensure!(
        body.contains("Aucune structure ne correspond."),
        "an empty search should say so: {body:?}"
    );
    no_raw_keys(p).await?;
    p.shot("11-ght1-search-ght2").await?;
    search(p, "E2E").await?;
    ensure_eq(
        &p.text("#total").await?,
        "0",
        "GHT 1 officer's search for E2E",
    )?;

    // GHT 2's structure page, typed directly: the same 404 as a page that does not exist.
    p.goto(&ght2_page).await?;
    let h1 = p.text("h1").await?;
    ensure_eq(
        &h1,
        "Erreur 404",
        "GHT 2's structure page for GHT 1's officer",
    )?;
    let body = p.body_text().await?;
    ensure!(
        body.contains("Page introuvable.") && !body.contains("Paimpol"),
        "the 404 page should reveal nothing: {body:?}"
    );
    no_raw_keys(p).await?;
    p.shot("12-ght1-ght2-structure-404").await?;
    p.goto("/structures/987654321").await?;
    ensure_eq(&p.text("h1").await?, &h1, "a structure that does not exist")?;
    ensure!(
        p.body_text().await?.contains("Page introuvable."),
        "a missing structure should answer the same page"
    );
    Ok(())
}

// ---------- checks ----------

fn ensure_eq(got: &str, want: &str, what: &str) -> Result<()> {
    ensure!(
        got == want,
        "{what}: expected {want:?}, the page shows {got:?}"
    );
    Ok(())
}

/// The header's navigation shows these links.
async fn ensure_nav(p: &Page<'_>, want: &[&str]) -> Result<()> {
    let nav = p.texts("header nav a").await?;
    for w in want {
        ensure!(
            nav.iter().any(|n| n == w),
            "navigation lacks {w:?}: {nav:?}"
        );
    }
    Ok(())
}

/// A visible button with this text.
async fn ensure_button(p: &Page<'_>, want: &str) -> Result<()> {
    let buttons = p.texts("button").await?;
    ensure!(
        buttons.iter().any(|b| b == want),
        "no {want:?} button: {buttons:?}"
    );
    Ok(())
}

/// Prefixes of the translation catalogues' keys: a key shown raw means a missing translation.
const KEY_PREFIXES: &[&str] = &[
    "account",
    "app",
    "asset",
    "audit",
    "common",
    "dashboard",
    "designation",
    "family",
    "ghts",
    "import",
    "login",
    "nav",
    "role",
    "scope",
    "sector",
    "structure",
    "structures",
    "totp",
    "users",
];

/// Fails when the page shows a translation key instead of its text (`nav.xxx`…).
async fn no_raw_keys(p: &Page<'_>) -> Result<()> {
    let text = p.body_text().await?;
    let title = p.c.title().await?;
    let raw = raw_keys(&format!("{title}\n{text}"));
    ensure!(
        raw.is_empty(),
        "untranslated keys on {}: {raw:?}",
        p.path().await?
    );
    Ok(())
}

fn raw_keys(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_'))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| {
            w.split_once('.').is_some_and(|(prefix, rest)| {
                KEY_PREFIXES.contains(&prefix)
                    && !rest.is_empty()
                    && rest
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
            })
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn raw_keys_are_spotted() {
    assert_eq!(
        raw_keys("Tableau de bord nav.skip Structures (sector.other)."),
        vec!["nav.skip", "sector.other"]
    );
    assert!(raw_keys("cert@vigie.example ch-de-brest.example 44190 CLISSON.").is_empty());
}
