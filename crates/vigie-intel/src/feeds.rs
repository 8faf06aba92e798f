//! Which addresses advisories may be fetched from. Fetching a document is an outgoing connection
//! from a server that holds sensitive data, so it is denied by default: `http` or `https` only,
//! no credentials in the address, and only to the hosts of an allow-list (by default, the hosts
//! of the official feeds). A redirection is followed only to an address the same rules accept.
//! The fetching itself (timeout, size limit) is the caller's; the limits are here.

use std::fmt;

/// The hosts of the official feeds: CVE records (CVEProject on GitHub), NVD, CISA KEV, FIRST
/// EPSS, CERT-FR, endoflife.date.
pub const OFFICIAL_HOSTS: &[&str] = &[
    "raw.githubusercontent.com",
    "github.com",
    "objects.githubusercontent.com",
    "services.nvd.nist.gov",
    "nvd.nist.gov",
    "www.cisa.gov",
    "epss.cyentia.com",
    "epss.empiricalsecurity.com",
    "api.first.org",
    "www.cert.ssi.gouv.fr",
    "cert.ssi.gouv.fr",
    "endoflife.date",
];

/// Largest document fetched by default (bytes).
pub const DEFAULT_MAX_BYTES: u64 = 256 * 1024 * 1024;
/// Default time limit of a fetch, in seconds (connection, redirections and body).
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;

/// The rules an address must follow to be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPolicy {
    /// Host names (lower case) or IP addresses allowed; nothing else is ever contacted.
    pub hosts: Vec<String>,
    /// Largest document, in bytes.
    pub max_bytes: u64,
    /// Time limit of one fetch, in seconds.
    pub timeout_secs: u64,
}

impl Default for FeedPolicy {
    fn default() -> FeedPolicy {
        FeedPolicy {
            hosts: OFFICIAL_HOSTS.iter().map(|h| h.to_string()).collect(),
            max_bytes: DEFAULT_MAX_BYTES,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
        }
    }
}

/// Why an address is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not an absolute address.
    Invalid,
    /// Another scheme than `http` and `https` (`file:`, `ftp:`…).
    Scheme(String),
    /// A user name or a password in the address.
    Credentials,
    /// A host outside the allow-list.
    Host(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Invalid => f.write_str("not an absolute http(s) address"),
            Refusal::Scheme(s) => write!(f, "scheme {s:?}: only http and https are fetched"),
            Refusal::Credentials => f.write_str("credentials in the address"),
            Refusal::Host(h) => write!(f, "host {h:?} is not in the allowed feed hosts"),
        }
    }
}

impl std::error::Error for Refusal {}

impl FeedPolicy {
    /// The address, parsed, when it may be fetched.
    pub fn check(&self, address: &str) -> Result<url::Url, Refusal> {
        let u = url::Url::parse(address.trim()).map_err(|_| Refusal::Invalid)?;
        if u.scheme() != "https" && u.scheme() != "http" {
            return Err(Refusal::Scheme(u.scheme().to_string()));
        }
        if !u.username().is_empty() || u.password().is_some() {
            return Err(Refusal::Credentials);
        }
        // `host_str` is lower case for names; an IPv6 address comes in brackets.
        let host = u
            .host_str()
            .ok_or(Refusal::Invalid)?
            .trim_matches(['[', ']'])
            .trim_end_matches('.')
            .to_ascii_lowercase();
        if host.is_empty() {
            return Err(Refusal::Invalid);
        }
        if !self.hosts.iter().any(|h| {
            h.trim()
                .trim_matches(['[', ']'])
                .eq_ignore_ascii_case(&host)
        }) {
            return Err(Refusal::Host(host));
        }
        Ok(u)
    }

    /// The policy with these hosts instead of the official ones (empty entries ignored).
    pub fn with_hosts<S: AsRef<str>>(mut self, hosts: impl IntoIterator<Item = S>) -> FeedPolicy {
        self.hosts = hosts
            .into_iter()
            .map(|h| h.as_ref().trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_to_the_allowed_hosts() {
        let p = FeedPolicy::default();
        assert!(p
            .check("https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json")
            .is_ok());
        assert!(p.check("https://WWW.CISA.GOV./x.json").is_ok());
        assert_eq!(
            p.check("https://169.254.169.254/latest/meta-data"),
            Err(Refusal::Host("169.254.169.254".into()))
        );
        assert_eq!(
            p.check("http://localhost:5432/"),
            Err(Refusal::Host("localhost".into()))
        );
        assert_eq!(
            p.check("file:///etc/passwd"),
            Err(Refusal::Scheme("file".into()))
        );
        assert_eq!(
            p.check("gopher://www.cisa.gov/"),
            Err(Refusal::Scheme("gopher".into()))
        );
        assert_eq!(
            p.check("https://user:pw@www.cisa.gov/"),
            Err(Refusal::Credentials)
        );
        assert_eq!(p.check("www.cisa.gov/kev.json"), Err(Refusal::Invalid));
        // A look-alike host is another host.
        assert_eq!(
            p.check("https://www.cisa.gov.evil.example/kev.json"),
            Err(Refusal::Host("www.cisa.gov.evil.example".into()))
        );
        assert_eq!(
            p.check("https://evil.example/?u=https://www.cisa.gov/"),
            Err(Refusal::Host("evil.example".into()))
        );
        let lo = FeedPolicy::default().with_hosts(["127.0.0.1", "::1"]);
        assert!(lo.check("http://127.0.0.1:8080/kev.json").is_ok());
        assert!(lo.check("http://[::1]:8080/kev.json").is_ok());
        assert!(lo.check("https://www.cisa.gov/").is_err());
    }
}
