//! Configuration: a TOML file, then `VIGIE_<SECTION>_<KEY>` environment variables over it, and for
//! secrets `VIGIE_<SECTION>_<KEY>_FILE` naming a file that holds the value (Docker/Kubernetes
//! secrets). Unknown keys are errors that name the key, so a typo never goes unnoticed.

use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: Database,
    pub http: Http,
    pub security: Security,
    pub worker: Worker,
    pub scheduler: Scheduler,
    pub bootstrap: Bootstrap,
    /// Sign-in through an OpenID Connect provider; off when the section is absent.
    pub oidc: Option<Oidc>,
    pub notify: Notify,
    pub surveillance: Surveillance,
    pub watch: Watch,
}

/// `[watch]`: where advisories may be fetched from when an address is given (the browser's
/// "import from an address", `vigie watch ingest URL`, the `watch.ingest` job). Deny by
/// default: only these hosts are ever contacted, over http(s), redirections included.
///
/// ```toml
/// [watch]
/// feed_hosts = ["www.cisa.gov", "raw.githubusercontent.com"]   # default: the official feeds
/// max_download_mib = 256
/// timeout_secs = 300
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Watch {
    /// Host names (or addresses) advisories may be downloaded from; from the environment, one
    /// string separated by commas or spaces.
    #[serde(deserialize_with = "list")]
    pub feed_hosts: Vec<String>,
    /// Largest document downloaded, in MiB.
    pub max_download_mib: u64,
    /// Time limit of one download, in seconds.
    pub timeout_secs: u64,
}

impl Default for Watch {
    fn default() -> Self {
        let p = vigie_intel::feeds::FeedPolicy::default();
        Watch {
            feed_hosts: p.hosts,
            max_download_mib: p.max_bytes / (1024 * 1024),
            timeout_secs: p.timeout_secs,
        }
    }
}

impl Watch {
    /// The feed policy these settings make.
    pub fn feeds(&self) -> vigie_intel::feeds::FeedPolicy {
        vigie_intel::feeds::FeedPolicy {
            max_bytes: self.max_download_mib.saturating_mul(1024 * 1024),
            timeout_secs: self.timeout_secs,
            ..Default::default()
        }
        .with_hosts(&self.feed_hosts)
    }
}

/// `[surveillance]`: how the `scan.structure` job scans a structure's declared assets. The
/// defaults are polite; scheduled scans only run where an operator turned surveillance on.
///
/// ```toml
/// [surveillance]
/// ports = "health"          # health (default), top100, all, or a list like 22,80,8000-8100
/// rate_per_sec = 200        # connection attempts per second, all targets together
/// rate_per_target = 50      # per address
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Surveillance {
    /// The port set of every scan (a single port may come from the environment as a number).
    #[serde(deserialize_with = "text")]
    pub ports: String,
    pub rate_per_sec: u32,
    pub rate_per_target: u32,
    /// Simultaneous connection attempts.
    pub concurrency: usize,
    /// Connect timeout (upper bound of the adaptive one), milliseconds.
    pub timeout_ms: u64,
    /// At most this many addresses per structure and scan (a large declared range is cut, and the
    /// scan row says so).
    pub max_addresses: usize,
    /// Scheduled scans of one tick start spread over this many seconds.
    pub spread_secs: i64,
    /// FOR TESTS ONLY, default false. Loopback addresses (127.0.0.0/8, ::1) are the platform's own
    /// host: a structure that declares them gets nothing scanned, unless this is true. Private,
    /// link-local and shared address space are refused whatever this says.
    pub allow_loopback: bool,
    /// Decide first which declared addresses are up (a few common ports, ICMP echo where the
    /// system allows it) and scan only their ports (default true). False scans every declared
    /// address as if up, as nmap's `-Pn` does: for a structure whose firewall drops everything
    /// but an unusual port.
    pub liveness: bool,
}

impl Default for Surveillance {
    fn default() -> Self {
        Surveillance {
            ports: "health".into(),
            rate_per_sec: 200,
            rate_per_target: 50,
            concurrency: 128,
            timeout_ms: 1500,
            max_addresses: 1024,
            spread_secs: 3600,
            allow_loopback: false,
            liveness: true,
        }
    }
}

/// `[notify]`: how notifications leave. Without `smtp_url`, e-mails are recorded as undeliverable
/// (visible in the outbox) and webhooks still go.
///
/// ```toml
/// [notify]
/// smtp_url = "smtps://vigie:secret@smtp.ars.example:465"   # or smtp://host:25?tls=required
/// from = "Vigie <vigie@ars.example>"
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Notify {
    /// `smtp://host:port` (no TLS, for a relay on loopback), `smtp://host:587?tls=required`
    /// (STARTTLS), `smtps://user:password@host:465` (implicit TLS). Secrets: use
    /// `VIGIE_NOTIFY_SMTP_URL_FILE`.
    #[serde(deserialize_with = "opt_text")]
    pub smtp_url: Option<String>,
    /// The From: of every e-mail.
    pub from: String,
    /// Timeout of one SMTP exchange or webhook call, in seconds.
    pub timeout_secs: u64,
    /// FOR TESTS ONLY, default false. Webhooks may only point to public internet addresses: a
    /// loopback, private, link-local (cloud metadata) or otherwise special address, literal or
    /// resolved, is refused at creation and at each delivery. True lets them through (test
    /// receivers listen on loopback); logged as a warning at start.
    pub allow_private_webhooks: bool,
    /// Without `smtp_url`, keep e-mails in the outbox (status `kept`, listed on the
    /// notifications page) instead of recording them as undeliverable. `up --demo` turns it on.
    pub keep_in_outbox: bool,
}

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The SMTP address may carry a password: only its scheme and host are shown.
        let smtp = self.smtp_url.as_deref().map(|u| {
            let (scheme, rest) = u.split_once("://").unwrap_or(("?", u));
            let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
            format!("{scheme}://{}", host.split(['/', '?']).next().unwrap_or(""))
        });
        f.debug_struct("Notify")
            .field("smtp_url", &smtp)
            .field("from", &self.from)
            .field("timeout_secs", &self.timeout_secs)
            .field("allow_private_webhooks", &self.allow_private_webhooks)
            .field("keep_in_outbox", &self.keep_in_outbox)
            .finish()
    }
}

impl Default for Notify {
    fn default() -> Self {
        Notify {
            smtp_url: None,
            from: "Vigie <vigie@localhost>".into(),
            timeout_secs: 20,
            allow_private_webhooks: false,
            keep_in_outbox: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// `sqlite://vigie-data/vigie.db` (default) or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    pub listen: String,
    pub public_url: String,
    pub trust_proxy: bool,
    /// The reverse proxies whose `X-Forwarded-For` is believed (addresses or networks); empty:
    /// a proxy on this machine (127.0.0.0/8, ::1).
    pub trusted_proxies: Vec<String>,
    pub metrics_token: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Security {
    pub session_hours: i64,
    pub idle_hours: i64,
    pub max_login_failures: i64,
    pub lockout_minutes: i64,
    pub login_attempts_per_minute: u32,
    /// 32 bytes (64 hex digits or base64) that encrypt the stored secrets Vigie reads back (TOTP
    /// seeds, webhook keys). Give it through `VIGIE_SECURITY_SECRET_KEY_FILE`. On SQLite, when
    /// absent, a key file `secret.key` is created beside the database; on PostgreSQL it is
    /// required (every node must use the same key).
    #[serde(deserialize_with = "opt_text")]
    pub secret_key: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Worker {
    pub concurrency: usize,
    pub lease_secs: i64,
    pub poll_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scheduler {
    /// Housekeeping only (expired sessions…). Nothing is ever scanned on a schedule unless an
    /// operator turned surveillance on for a structure or a region.
    pub enabled: bool,
    pub tick_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Bootstrap {
    /// The first administrator, created by `vigie up` when there is no user yet.
    pub admin_email: Option<String>,
    /// Its password; when absent a one-time password is generated and printed once.
    pub admin_password: Option<String>,
}

/// `[oidc]`: the provider, the client Vigie is registered as, and `[[oidc.roles]]` rules mapping
/// the provider's claims to roles (evaluated in order, first match wins, no match no entry):
///
/// ```toml
/// [oidc]
/// issuer_url = "https://idp.example.org/realms/sante"
/// client_id = "vigie"
/// # client_secret through VIGIE_OIDC_CLIENT_SECRET or VIGIE_OIDC_CLIENT_SECRET_FILE
/// scopes = ["openid", "email", "profile", "groups"]
/// mfa_satisfied_by_provider = true   # amr holds mfa/otp, or acr is one of mfa_acr
/// [[oidc.roles]]
/// claim = "groups"
/// value = "vigie-cert"
/// role = "cert_analyst"
/// [[oidc.roles]]
/// claim = "groups"
/// value = "vigie-ght"
/// role = "ght_officer"
/// ght_claim = "ght"
/// ```
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Oidc {
    pub issuer_url: String,
    #[serde(deserialize_with = "text")]
    pub client_id: String,
    #[serde(default, deserialize_with = "opt_text")]
    pub client_secret: Option<String>,
    /// Default: `<http.public_url>/login/oidc/callback`.
    #[serde(default)]
    pub redirect_url: Option<String>,
    #[serde(
        default = "vigie_web::accounts::oidc::default_scopes",
        deserialize_with = "list"
    )]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub mfa_satisfied_by_provider: bool,
    #[serde(
        default = "vigie_web::accounts::oidc::default_mfa_amr",
        deserialize_with = "list"
    )]
    pub mfa_amr: Vec<String>,
    #[serde(default, deserialize_with = "list")]
    pub mfa_acr: Vec<String>,
    #[serde(default = "email_claim")]
    pub email_claim: String,
    #[serde(default = "name_claim")]
    pub name_claim: String,
    #[serde(default)]
    pub roles: Vec<vigie_web::accounts::oidc::RoleRule>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oidc")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("mfa_satisfied_by_provider", &self.mfa_satisfied_by_provider)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

fn email_claim() -> String {
    "email".into()
}
fn name_claim() -> String {
    "name".into()
}

/// A string that the environment may have typed as a number (`VIGIE_OIDC_CLIENT_ID=12345`).
#[derive(Deserialize)]
#[serde(untagged)]
enum Text {
    S(String),
    I(i64),
}
impl From<Text> for String {
    fn from(t: Text) -> String {
        match t {
            Text::S(s) => s,
            Text::I(i) => i.to_string(),
        }
    }
}
fn text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Text::deserialize(d).map(String::from)
}
fn opt_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<Text>::deserialize(d).map(|t| t.map(String::from))
}
/// A list, or from the environment one string separated by spaces or commas.
fn list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum L {
        One(String),
        Many(Vec<String>),
    }
    Ok(match L::deserialize(d)? {
        L::One(s) => s
            .split([' ', ','])
            .filter(|x| !x.is_empty())
            .map(str::to_string)
            .collect(),
        L::Many(v) => v,
    })
}

impl Default for Database {
    fn default() -> Self {
        Database {
            url: "sqlite://vigie-data/vigie.db".into(),
            max_connections: 8,
        }
    }
}
impl Default for Http {
    fn default() -> Self {
        Http {
            listen: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
            trust_proxy: false,
            trusted_proxies: Vec::new(),
            metrics_token: None,
        }
    }
}
impl std::fmt::Debug for Security {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Security")
            .field("session_hours", &self.session_hours)
            .field("idle_hours", &self.idle_hours)
            .field("max_login_failures", &self.max_login_failures)
            .field("lockout_minutes", &self.lockout_minutes)
            .field("login_attempts_per_minute", &self.login_attempts_per_minute)
            .field("secret_key", &self.secret_key.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Default for Security {
    fn default() -> Self {
        Security {
            session_hours: 12,
            idle_hours: 4,
            max_login_failures: 5,
            lockout_minutes: 15,
            login_attempts_per_minute: 30,
            secret_key: None,
        }
    }
}
impl Default for Worker {
    fn default() -> Self {
        Worker {
            concurrency: 2,
            lease_secs: 60,
            poll_ms: 1000,
        }
    }
}
impl Default for Scheduler {
    fn default() -> Self {
        Scheduler {
            enabled: true,
            tick_secs: 60,
        }
    }
}
const SECTIONS: [&str; 10] = [
    "database",
    "http",
    "security",
    "worker",
    "scheduler",
    "bootstrap",
    "oidc",
    "notify",
    "surveillance",
    "watch",
];

impl Config {
    /// Loads the file (if given), then the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let vars: Vec<(String, String)> = std::env::vars().collect();
        Self::load_with(path, &vars)
    }

    pub fn load_with(path: Option<&Path>, vars: &[(String, String)]) -> anyhow::Result<Config> {
        let mut root = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| {
                    format!("cannot read the configuration file {}", p.display())
                })?;
                text.parse::<toml::Table>()
                    .with_context(|| format!("{}: invalid TOML", p.display()))?
            }
            None => toml::Table::new(),
        };
        for (k, v) in vars {
            let Some(rest) = k.strip_prefix("VIGIE_") else {
                continue;
            };
            // VIGIE_CONFIG and VIGIE_LOG are read elsewhere; VIGIE_TEST_* belongs to the test suites.
            if rest == "CONFIG" || rest == "LOG" || rest.starts_with("TEST_") {
                continue;
            }
            let (rest, value) = match rest.strip_suffix("_FILE") {
                Some(r) => {
                    let text = std::fs::read_to_string(v)
                        .with_context(|| format!("{k}: cannot read {v}"))?;
                    (r, text.trim_end_matches(['\n', '\r']).to_string())
                }
                None => (rest, v.clone()),
            };
            let lower = rest.to_lowercase();
            let Some(section) = SECTIONS
                .iter()
                .find(|s| lower.starts_with(&format!("{s}_")))
            else {
                bail!("{k}: unknown setting (sections: {})", SECTIONS.join(", "));
            };
            let key = &lower[section.len() + 1..];
            let table = root
                .entry(section.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            let Some(table) = table.as_table_mut() else {
                bail!("[{section}] must be a table");
            };
            // Typed like TOML: numbers and booleans parse as such, everything else is a string.
            let typed = if let Ok(i) = value.parse::<i64>() {
                toml::Value::Integer(i)
            } else if let Ok(b) = value.parse::<bool>() {
                toml::Value::Boolean(b)
            } else {
                toml::Value::String(value)
            };
            table.insert(key.to_string(), typed);
        }
        let cfg: Config = toml::Value::Table(root)
            .try_into()
            .map_err(|e: toml::de::Error| anyhow::anyhow!("configuration: {}", e.message()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    fn validate(&self) -> anyhow::Result<()> {
        vigie_store::db::Backend::from_url(&self.database.url)
            .map_err(|e| anyhow::anyhow!("database.url: {e}"))?;
        self.http
            .listen
            .parse::<std::net::SocketAddr>()
            .with_context(|| {
                format!("http.listen: {:?} is not an address:port", self.http.listen)
            })?;
        self.trusted_proxies()?;
        if !(self.http.public_url.starts_with("http://")
            || self.http.public_url.starts_with("https://"))
        {
            bail!("http.public_url: must start with http:// or https://");
        }
        if self.watch.max_download_mib == 0 || self.watch.timeout_secs == 0 {
            bail!("watch: max_download_mib and timeout_secs must be at least 1");
        }
        if self.worker.concurrency == 0 || self.worker.lease_secs < 5 {
            bail!("worker: concurrency must be at least 1 and lease_secs at least 5");
        }
        vigie_scan::PortSet::parse(&self.surveillance.ports)
            .map_err(|e| anyhow::anyhow!("surveillance.ports: {e}"))?;
        if self.surveillance.concurrency == 0 || self.surveillance.max_addresses == 0 {
            bail!("surveillance: concurrency and max_addresses must be at least 1");
        }
        if let Some(t) = &self.http.metrics_token {
            if t.len() < 16 {
                bail!("http.metrics_token: use at least 16 characters");
            }
        }
        if let Some(o) = &self.web().oidc {
            o.validate().map_err(|e| anyhow::anyhow!("oidc.{e}"))?;
        }
        Ok(())
    }

    /// The trusted proxies, parsed (the default ones when none is given).
    fn trusted_proxies(&self) -> anyhow::Result<Vec<vigie_web::auth::ProxyNet>> {
        if self.http.trusted_proxies.is_empty() {
            return Ok(vigie_web::auth::default_trusted_proxies());
        }
        self.http
            .trusted_proxies
            .iter()
            .map(|p| {
                vigie_web::auth::ProxyNet::parse(p)
                    .map_err(|e| anyhow::anyhow!("http.trusted_proxies: {e}"))
            })
            .collect()
    }

    pub fn web(&self) -> vigie_web::WebConfig {
        vigie_web::WebConfig {
            public_url: self.http.public_url.clone(),
            session_ttl_secs: self.security.session_hours * 3600,
            session_idle_secs: self.security.idle_hours * 3600,
            max_login_failures: self.security.max_login_failures,
            lockout_secs: self.security.lockout_minutes * 60,
            login_attempts_per_minute: self.security.login_attempts_per_minute,
            trust_proxy: self.http.trust_proxy,
            trusted_proxies: self
                .trusted_proxies()
                .unwrap_or_else(|_| vigie_web::auth::default_trusted_proxies()),
            metrics_token: self.http.metrics_token.clone(),
            feeds: self.watch.feeds(),
            oidc: self
                .oidc
                .as_ref()
                .map(|o| vigie_web::accounts::oidc::OidcConfig {
                    issuer_url: o.issuer_url.clone(),
                    client_id: o.client_id.clone(),
                    client_secret: o.client_secret.clone().filter(|s| !s.is_empty()),
                    redirect_url: o.redirect_url.clone().unwrap_or_else(|| {
                        format!(
                            "{}/login/oidc/callback",
                            self.http.public_url.trim_end_matches('/')
                        )
                    }),
                    scopes: o.scopes.clone(),
                    mfa_satisfied_by_provider: o.mfa_satisfied_by_provider,
                    mfa_amr: o.mfa_amr.clone(),
                    mfa_acr: o.mfa_acr.clone(),
                    email_claim: o.email_claim.clone(),
                    name_claim: o.name_claim.clone(),
                    roles: o.roles.clone(),
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn environment_overrides_file_and_reads_secret_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vigie.toml");
        std::fs::write(
            &file,
            "[http]\nlisten = \"127.0.0.1:9000\"\n[worker]\nconcurrency = 4\n",
        )
        .unwrap();
        let secret = dir.path().join("token");
        std::fs::write(&secret, "0123456789abcdef-secret\n").unwrap();
        let cfg = Config::load_with(
            Some(&file),
            &vars(&[
                ("VIGIE_WORKER_CONCURRENCY", "3"),
                ("VIGIE_HTTP_METRICS_TOKEN_FILE", secret.to_str().unwrap()),
                ("VIGIE_DATABASE_URL", "postgres://u@localhost/v"),
                ("VIGIE_TEST_PG_REQUIRED", "1"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(cfg.http.listen, "127.0.0.1:9000");
        assert_eq!(cfg.worker.concurrency, 3);
        assert_eq!(
            cfg.http.metrics_token.as_deref(),
            Some("0123456789abcdef-secret")
        );
        assert_eq!(cfg.database.url, "postgres://u@localhost/v");
    }

    #[test]
    fn oidc_section_from_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vigie.toml");
        std::fs::write(
            &file,
            r#"
[http]
public_url = "https://vigie.example.org/"
[oidc]
issuer_url = "https://idp.example.org/realms/sante"
scopes = ["openid", "email", "groups"]
[[oidc.roles]]
claim = "groups"
value = "vigie-cert"
role = "cert_analyst"
[[oidc.roles]]
claim = "groups"
value = "vigie-ght"
role = "ght_officer"
ght_claim = "ght"
"#,
        )
        .unwrap();
        let secret = dir.path().join("oidc-secret");
        std::fs::write(&secret, "very-secret\n").unwrap();
        let cfg = Config::load_with(
            Some(&file),
            &vars(&[
                ("VIGIE_OIDC_CLIENT_ID", "12345"),
                ("VIGIE_OIDC_CLIENT_SECRET_FILE", secret.to_str().unwrap()),
                ("VIGIE_OIDC_MFA_SATISFIED_BY_PROVIDER", "true"),
            ]),
        )
        .unwrap();
        let web = cfg.web();
        let o = web.oidc.as_ref().unwrap();
        assert_eq!(o.client_id, "12345");
        assert_eq!(o.client_secret.as_deref(), Some("very-secret"));
        assert_eq!(
            o.redirect_url,
            "https://vigie.example.org/login/oidc/callback"
        );
        assert_eq!(o.scopes, ["openid", "email", "groups"]);
        assert!(o.mfa_satisfied_by_provider);
        assert_eq!(o.mfa_amr, ["mfa", "otp"]);
        assert_eq!(o.roles.len(), 2);
        assert_eq!(o.roles[1].ght_claim.as_deref(), Some("ght"));
        assert!(!format!("{cfg:?}").contains("very-secret"));
        assert!(Config::load_with(None, &[]).unwrap().web().oidc.is_none());
        // A rule that cannot work, an unknown key, a missing issuer: refused, saying where.
        std::fs::write(
            &file,
            "[oidc]\nissuer_url = \"https://idp.example.org\"\nclient_id = \"v\"\n[[oidc.roles]]\nclaim = \"groups\"\nvalue = \"g\"\nrole = \"ght_officer\"\n",
        )
        .unwrap();
        let err = Config::load_with(Some(&file), &[]).unwrap_err().to_string();
        assert!(err.contains("oidc.roles[0]"), "{err}");
        let err = Config::load_with(None, &vars(&[("VIGIE_OIDC_ISSUER", "x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("issuer"), "{err}");
    }

    #[test]
    fn typos_and_bad_values_say_where() {
        let err = Config::load_with(None, &vars(&[("VIGIE_HTTP_LISTN", "x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("listn"), "{err}");
        let err = Config::load_with(None, &vars(&[("VIGIE_NOPE_X", "1")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("VIGIE_NOPE_X"), "{err}");
        let err = Config::load_with(None, &vars(&[("VIGIE_DATABASE_URL", "mysql://x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("database.url"), "{err}");
    }

    #[test]
    fn surveillance_is_polite_by_default_and_its_ports_are_checked() {
        let cfg = Config::load_with(None, &vars(&[])).unwrap();
        assert!(
            !cfg.surveillance.allow_loopback,
            "loopback scanning is for tests only"
        );
        assert_eq!(cfg.surveillance.ports, "health");
        assert!(cfg.surveillance.rate_per_sec <= 200 && cfg.surveillance.rate_per_target <= 50);
        let one = Config::load_with(None, &vars(&[("VIGIE_SURVEILLANCE_PORTS", "443")])).unwrap();
        assert_eq!(one.surveillance.ports, "443");
        let err = Config::load_with(None, &vars(&[("VIGIE_SURVEILLANCE_PORTS", "80-x")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("surveillance.ports"), "{err}");
    }

    /// Advisories are fetched only from the official feeds unless the configuration says
    /// otherwise; from the environment, the hosts are one list separated by commas.
    #[test]
    fn feeds_are_the_official_ones_unless_configured() {
        let cfg = Config::load_with(None, &vars(&[])).unwrap();
        let p = cfg.watch.feeds();
        assert!(p.check("https://www.cisa.gov/kev.json").is_ok());
        assert!(p.check("http://127.0.0.1/kev.json").is_err());
        let lo = Config::load_with(
            None,
            &vars(&[
                ("VIGIE_WATCH_FEED_HOSTS", "127.0.0.1, ::1"),
                ("VIGIE_WATCH_MAX_DOWNLOAD_MIB", "8"),
            ]),
        )
        .unwrap();
        let p = lo.watch.feeds();
        assert_eq!(p.hosts, ["127.0.0.1", "::1"]);
        assert_eq!(p.max_bytes, 8 * 1024 * 1024);
        assert!(p.check("https://www.cisa.gov/kev.json").is_err());
        assert_eq!(lo.web().feeds, p);
        let err = Config::load_with(None, &vars(&[("VIGIE_WATCH_TIMEOUT_SECS", "0")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("watch"), "{err}");
    }
}
