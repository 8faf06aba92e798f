//! Helpers of the browser end-to-end test (`tests/e2e_browser.rs`): the `vigie` server and
//! `chromedriver` as child processes that die with the test (also when it panics), a WebDriver
//! session on Debian's headless Chromium, and small page helpers.
//!
//! The app has no JavaScript at all: the test only navigates, types and clicks, as a person would.

pub mod finess;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a page element may take to show up after a navigation or a click.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(20);

/// Fails with the command to run when Debian's Chromium or its driver is missing.
pub fn require_browser() -> Result<()> {
    require_files(&[CHROMIUM, CHROMEDRIVER])
}

fn require_files(paths: &[&str]) -> Result<()> {
    let missing: Vec<&str> = paths
        .iter()
        .copied()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if !missing.is_empty() {
        bail!(
            "the browser end-to-end test needs Debian's Chromium and its WebDriver, missing here: {}.\n\
             Install them with `sudo scripts/install-test-deps.sh` \
             (that is: `apt-get update && apt-get install -y chromium chromium-driver`).",
            missing.join(", ")
        );
    }
    Ok(())
}

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> Result<u16> {
    let l = TcpListener::bind("127.0.0.1:0").context("cannot bind 127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// A child process in its own process group, with its output in a log file. Dropping it kills
/// the whole group (chromedriver's Chromium included), also when the test panics.
pub struct Proc {
    name: &'static str,
    child: Child,
    log: PathBuf,
    reaped: bool,
}

impl Proc {
    pub fn spawn(name: &'static str, mut cmd: Command, log: PathBuf) -> Result<Proc> {
        let out = File::create(&log).with_context(|| format!("cannot create {}", log.display()))?;
        let err = out.try_clone()?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .process_group(0);
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {name} ({cmd:?})"))?;
        Ok(Proc {
            name,
            child,
            log,
            reaped: false,
        })
    }

    /// The last lines the process wrote, to explain a failure.
    pub fn log_tail(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = File::open(&self.log) {
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let _ = f.seek(SeekFrom::Start(len.saturating_sub(4000)));
            let _ = f.read_to_string(&mut s);
        }
        format!(
            "--- last output of {} ({}) ---\n{s}",
            self.name,
            self.log.display()
        )
    }

    /// An error when the process has already exited.
    pub fn ensure_running(&mut self) -> Result<()> {
        if let Some(status) = self.child.try_wait()? {
            self.reaped = true;
            bail!("{} exited early ({status})\n{}", self.name, self.log_tail());
        }
        Ok(())
    }

    /// Waits until `url` answers 200, failing early if the process dies.
    pub async fn wait_http_ok(&mut self, url: &str, timeout: Duration) -> Result<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let start = Instant::now();
        loop {
            self.ensure_running()?;
            if let Ok(r) = http.get(url).send().await {
                if r.status().is_success() {
                    return Ok(());
                }
            }
            if start.elapsed() > timeout {
                bail!(
                    "{} did not answer {url} within {timeout:?}\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if self.reaped {
            return;
        }
        // Unreaped, the child's pid (= its process group id) cannot have been reused: kill the
        // group it leads, then the child itself, and reap it.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `vigie` binary serving the demo region on a fresh SQLite database.
pub struct Server {
    pub base: String,
    pub proc: Proc,
}

pub async fn start_vigie(dir: &Path) -> Result<Server> {
    start_vigie_in(dir, dir).await
}

/// The demo with its vulnerability watch alive: started from a folder whose `../shared/data` is
/// the project's public data set (its CVE records and the CISA KEV catalogue), as a newcomer
/// running `vigie up --demo` from a clone beside it.
pub async fn start_vigie_with_intel(dir: &Path) -> Result<Server> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    let run = dir.join("run");
    std::fs::create_dir_all(&run)?;
    std::os::unix::fs::symlink(&data, dir.join("shared"))
        .with_context(|| format!("cannot link {}", data.display()))?;
    start_vigie_in(dir, &run).await
}

async fn start_vigie_in(dir: &Path, workdir: &Path) -> Result<Server> {
    let port = free_port()?;
    let listen = format!("127.0.0.1:{port}");
    let base = format!("http://{listen}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vigie"));
    // Only this test's settings: a VIGIE_* variable of the caller (a PostgreSQL URL in CI…)
    // must not leak into the server.
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("VIGIE_") {
            cmd.env_remove(k);
        }
    }
    cmd.current_dir(workdir)
        .env(
            "VIGIE_DATABASE_URL",
            format!("sqlite://{}", dir.join("vigie.db").display()),
        )
        .env("VIGIE_HTTP_PUBLIC_URL", &base)
        .env("VIGIE_LOG", "warn")
        .args(["up", "--demo", "--listen", &listen]);
    let mut proc = Proc::spawn("vigie", cmd, dir.join("vigie.log"))?;
    proc.wait_http_ok(&format!("{base}/healthz"), Duration::from_secs(90))
        .await?;
    Ok(Server { base, proc })
}

/// A WebDriver session on headless Chromium, and the chromedriver that runs it.
pub struct Browser {
    pub client: Client,
    // Dropped after the client: the driver (and its Chromium), then the profile directory.
    _driver: Proc,
    _profile: tempfile::TempDir,
}

pub async fn start_browser(dir: &Path) -> Result<Browser> {
    require_browser()?;
    let port = free_port()?;
    let mut cmd = Command::new(CHROMEDRIVER);
    cmd.arg(format!("--port={port}"));
    let mut driver = Proc::spawn("chromedriver", cmd, dir.join("chromedriver.log"))?;
    let url = format!("http://127.0.0.1:{port}");
    driver
        .wait_http_ok(&format!("{url}/status"), Duration::from_secs(30))
        .await?;

    let profile = tempfile::Builder::new()
        .prefix("vigie-e2e-chromium-")
        .tempdir()?;
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--window-size=1280,900",
                // A French user's browser: the app follows Accept-Language until one chooses.
                "--lang=fr-FR",
                "--accept-lang=fr-FR,fr",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            "prefs": { "intl": { "accept_languages": "fr-FR,fr" } },
        },
    });
    let serde_json::Value::Object(caps) = caps else {
        bail!("capabilities must be a JSON object");
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let client = match ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&url)
        .await
    {
        Ok(c) => c,
        Err(e) => bail!(
            "chromedriver could not start Chromium: {e}\n{}",
            driver.log_tail()
        ),
    };
    Ok(Browser {
        client,
        _driver: driver,
        _profile: profile,
    })
}

/// Where screenshots go: `<target>/e2e-screenshots/`, or `$E2E_SCREENSHOT_DIR`.
pub fn screenshot_dir() -> Result<PathBuf> {
    let dir = match std::env::var_os("E2E_SCREENSHOT_DIR") {
        Some(d) => PathBuf::from(d),
        None => {
            let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
            tmp.parent().unwrap_or(tmp).join("e2e-screenshots")
        }
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // A failure of an earlier run must not be mistaken for this run's.
    for stale in ["failure.png", "failure.html"] {
        let _ = std::fs::remove_file(dir.join(stale));
    }
    Ok(dir)
}

/// Page helpers on one WebDriver session.
pub struct Page<'a> {
    pub c: &'a Client,
    pub base: &'a str,
    pub shots: PathBuf,
}

impl Page<'_> {
    pub async fn goto(&self, path: &str) -> Result<()> {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .with_context(|| format!("cannot open {path}"))
    }

    /// The element, once it is on the page.
    pub async fn el(&self, css: &str) -> Result<fantoccini::elements::Element> {
        match self
            .c
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => Ok(e),
            Err(e) => bail!("no element `{css}` on {}: {e}", self.where_am_i().await),
        }
    }

    /// The visible text of an element.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.el(css).await?.text().await?.trim().to_string())
    }

    pub async fn texts(&self, css: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for e in self.c.find_all(Locator::Css(css)).await? {
            out.push(e.text().await?.trim().to_string());
        }
        Ok(out)
    }

    /// The whole visible text of the page.
    pub async fn body_text(&self) -> Result<String> {
        self.text("body").await
    }

    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let e = self.el(css).await?;
        e.clear().await?;
        e.send_keys(text).await?;
        Ok(())
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.el(css)
            .await?
            .click()
            .await
            .with_context(|| format!("cannot click `{css}`"))
    }

    /// The path of the current page.
    pub async fn path(&self) -> Result<String> {
        Ok(self.c.current_url().await?.path().to_string())
    }

    /// Waits until the current path is `want` (form posts answer with redirects).
    pub async fn wait_path(&self, want: &str) -> Result<()> {
        let start = Instant::now();
        loop {
            let p = self.path().await?;
            if p == want {
                return Ok(());
            }
            if start.elapsed() > PAGE_TIMEOUT {
                bail!("expected to be on {want}, still on {p}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until `<html lang>` is `lang`.
    pub async fn wait_lang(&self, lang: &str) -> Result<()> {
        let start = Instant::now();
        loop {
            // The element found may belong to the page being replaced (a stale reference while
            // the navigation is under way): that is "not yet", not a failure.
            let l = match self.el("html").await {
                Ok(e) => e.attr("lang").await.map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if matches!(&l, Ok(Some(v)) if v == lang) {
                return Ok(());
            }
            if start.elapsed() > PAGE_TIMEOUT {
                bail!("expected the page in `{lang}`, it is in {l:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn where_am_i(&self) -> String {
        match self.c.current_url().await {
            Ok(u) => u.to_string(),
            Err(e) => format!("(unknown page: {e})"),
        }
    }

    /// Saves a screenshot of the viewport as `<name>.png` and returns its path.
    pub async fn shot(&self, name: &str) -> Result<PathBuf> {
        let png = self.c.screenshot().await?;
        let path = self.shots.join(format!("{name}.png"));
        std::fs::write(&path, png).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    /// Saves a screenshot and the page source after a failure; returns where they are.
    pub async fn keep_evidence(&self, name: &str) -> String {
        let mut said = format!("page: {}", self.where_am_i().await);
        if let Ok(p) = self.shot(name).await {
            said.push_str(&format!("; screenshot: {}", p.display()));
        }
        if let Ok(src) = self.c.source().await {
            let p = self.shots.join(format!("{name}.html"));
            if std::fs::write(&p, src).is_ok() {
                said.push_str(&format!("; source: {}", p.display()));
            }
        }
        said
    }
}

/// A code to type now: not from the last seconds of its 30 s window, and not from a window whose
/// code this secret already gave in this process (the server refuses a code played twice, so a
/// second sign-in within 30 s waits for the next window).
pub async fn fresh_totp(secret_base32: &str, account: &str) -> Result<String> {
    static PLAYED: std::sync::Mutex<Vec<(String, u64)>> = std::sync::Mutex::new(Vec::new());
    loop {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?;
        let window = now.as_secs() / 30;
        let left = 30 - now.as_secs() % 30;
        let played = PLAYED
            .lock()
            .map(|p| p.iter().any(|(s, w)| s == secret_base32 && *w == window))
            .unwrap_or(false);
        if left < 3 || played {
            tokio::time::sleep(std::time::Duration::from_secs(left + 1)).await;
            continue;
        }
        if let Ok(mut p) = PLAYED.lock() {
            p.push((secret_base32.to_string(), window));
        }
        return totp_now(secret_base32, account);
    }
}

/// The current code of a base32 TOTP secret (SHA-1, 6 digits, 30 s), as an authenticator app
/// would show it.
pub fn totp_now(secret_base32: &str, account: &str) -> Result<String> {
    let bytes = totp_rs::Secret::Encoded(secret_base32.to_string())
        .to_bytes()
        .map_err(|e| anyhow::anyhow!("bad TOTP secret: {e:?}"))?;
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Vigie".into()),
        account.into(),
    )
    .map_err(|e| anyhow::anyhow!("bad TOTP parameters: {e:?}"))?;
    Ok(totp.generate_current()?)
}

#[test]
fn a_missing_browser_names_the_install_command() {
    let err = require_files(&[CHROMIUM, "/nonexistent/chromedriver"])
        .expect_err("a missing file must fail")
        .to_string();
    assert!(err.contains("/nonexistent/chromedriver"), "{err}");
    assert!(err.contains("scripts/install-test-deps.sh"), "{err}");
    assert!(
        err.contains("apt-get install -y chromium chromium-driver"),
        "{err}"
    );
}
