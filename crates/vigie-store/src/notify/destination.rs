//! Where a webhook may point: its address is parsed as the HTTP client parses it (the WHATWG URL
//! rules of the `url` crate, so `127.1`, `0x7f000001`, `2130706433` and `%31%32%37.0.0.1` are all
//! seen as the `127.0.0.1` they are), and its host must lead to public unicast addresses only
//! (`vigie_domain::address_policy`).
//!
//! - At creation ([`validate_webhook_url`], then [`check_webhook_destination`]): a literal
//!   address outside the policy is refused; so are names under `localhost` (RFC 6761, never sent
//!   to a resolver), the reserved names of RFC 2606 (`.example`, `.test`, `.invalid`, `example.com`…,
//!   they do not exist on the internet), a name that does not resolve and a name any of whose
//!   addresses is outside the policy. This resolution is advisory: names change.
//! - At delivery, the worker resolves the name again with [`resolve_webhook_host`], which checks
//!   EVERY address, and connects only to the addresses it returned (the HTTP client is given
//!   them as its resolver), so a name rebound to loopback between two lookups reaches nothing.
//!
//! The escape hatch, `allow_private` (`[notify] allow_private_webhooks`, off by default, for
//! tests whose receivers listen on loopback), skips the address checks and the resolution at
//! creation; it is logged when the process starts.
//!
//! Resolution goes to the system resolver only (`getaddrinfo` through tokio).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use vigie_domain::address_policy::{is_public_unicast, Refusal};
use vigie_domain::problem::Problem;

use crate::error::StoreError;

/// The longest a resolution may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The host of a webhook's address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebhookHost {
    Ip(IpAddr),
    /// Lower case, without a trailing dot.
    Name(String),
}

/// A parsed webhook address.
#[derive(Clone, Debug)]
pub struct WebhookTarget {
    pub url: url::Url,
    pub host: WebhookHost,
    pub port: u16,
}

/// Why a destination is refused. Its text never holds the webhook's address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DestinationRefusal {
    /// A literal or resolved address outside the policy.
    #[error("the destination is not a public internet address ({0})")]
    Address(Refusal),
    /// `localhost` or a name under it.
    #[error("the destination is a localhost name (loopback)")]
    LocalName,
    /// A reserved name (RFC 2606) that does not exist on the internet.
    #[error("the destination is a reserved name that does not exist on the internet")]
    ReservedName,
    /// The name did not resolve (or not in time).
    #[error("the destination's name does not resolve")]
    Unresolved,
}

impl DestinationRefusal {
    /// The class key of the refused address (`loopback`, `private`…) or of the name.
    pub fn class_key(&self) -> &'static str {
        match self {
            DestinationRefusal::Address(r) => r.class.key(),
            DestinationRefusal::LocalName => "loopback",
            DestinationRefusal::ReservedName => "reserved-name",
            DestinationRefusal::Unresolved => "unresolved",
        }
    }
}

fn invalid(key: &'static str, url: &str) -> StoreError {
    StoreError::Invalid(Problem::new(key).arg("url", url))
}

/// Checks a webhook address: absolute http(s) as the HTTP client reads it, no credentials, a
/// host; unless `allow_private`, a literal address must be public and the name neither a
/// localhost nor a reserved name. Names are resolved by [`check_webhook_destination`].
pub fn validate_webhook_url(url: &str, allow_private: bool) -> Result<WebhookTarget, StoreError> {
    let u = url.trim();
    if u.len() > 2000 || u.chars().any(char::is_whitespace) {
        return Err(StoreError::Invalid(
            Problem::new("notify-webhook-url-malformed").arg("max", 2000u32),
        ));
    }
    let lower = u.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(invalid("notify-webhook-url-scheme", u));
    }
    let parsed = url::Url::parse(u).map_err(|e| match e {
        url::ParseError::EmptyHost => invalid("notify-webhook-url-no-host", u),
        _ => StoreError::Invalid(Problem::new("notify-webhook-url-malformed").arg("max", 2000u32)),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("notify-webhook-url-scheme", u));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(invalid("notify-webhook-url-credentials", u));
    }
    let host = match parsed.host() {
        Some(url::Host::Ipv4(a)) => WebhookHost::Ip(IpAddr::V4(a)),
        Some(url::Host::Ipv6(a)) => WebhookHost::Ip(IpAddr::V6(a)),
        Some(url::Host::Domain(d)) if !d.trim_end_matches('.').is_empty() => {
            WebhookHost::Name(d.trim_end_matches('.').to_ascii_lowercase())
        }
        _ => return Err(invalid("notify-webhook-url-no-host", u)),
    };
    let port = parsed.port_or_known_default().unwrap_or(443);
    let target = WebhookTarget {
        url: parsed,
        host,
        port,
    };
    if !allow_private {
        if let Err(r) = check_host_offline(&target.host) {
            return Err(refused(u, &target.host, &r));
        }
    }
    Ok(target)
}

fn refused(url: &str, host: &WebhookHost, r: &DestinationRefusal) -> StoreError {
    let shown = match host {
        WebhookHost::Ip(a) => a.to_string(),
        WebhookHost::Name(n) => n.clone(),
    };
    let key = match r {
        DestinationRefusal::Unresolved => "notify-webhook-url-unresolved",
        _ => "notify-webhook-url-refused",
    };
    StoreError::Invalid(
        Problem::new(key)
            .arg("url", url)
            .arg("host", shown)
            .arg("class", r.class_key()),
    )
}

/// What can be said of a host without asking a resolver.
fn check_host_offline(host: &WebhookHost) -> Result<(), DestinationRefusal> {
    match host {
        WebhookHost::Ip(a) => is_public_unicast(*a).map_err(DestinationRefusal::Address),
        WebhookHost::Name(n) => check_name(n),
    }
}

fn under(name: &str, suffix: &str) -> bool {
    name == suffix
        || name
            .strip_suffix(suffix)
            .is_some_and(|head| head.ends_with('.'))
}

/// Names under `localhost` are loopback (RFC 6761 §6.3) and never sent to a resolver (which
/// would ask the DNS); `localhost` itself is resolved (from the hosts file) and refused for its
/// addresses. The reserved names of RFC 2606 and RFC 6761 do not exist on the internet.
fn check_name(name: &str) -> Result<(), DestinationRefusal> {
    let n = name.trim_end_matches('.').to_ascii_lowercase();
    if n.ends_with(".localhost") {
        return Err(DestinationRefusal::LocalName);
    }
    if [
        "example",
        "test",
        "invalid",
        "example.com",
        "example.net",
        "example.org",
    ]
    .iter()
    .any(|s| under(&n, s))
    {
        return Err(DestinationRefusal::ReservedName);
    }
    Ok(())
}

/// Resolves a webhook's host with the system resolver and checks EVERY address against the
/// policy (unless `allow_private`): the addresses returned are the only ones to connect to.
/// A literal address is checked and returned as it is.
pub async fn resolve_webhook_host(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, DestinationRefusal> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        if !allow_private {
            is_public_unicast(ip).map_err(DestinationRefusal::Address)?;
        }
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    let name = bare.trim_end_matches('.').to_ascii_lowercase();
    match check_name(&name) {
        Ok(()) => {}
        // Never sent to a resolver, even through the escape hatch: names under localhost are
        // loopback, reserved names exist nowhere.
        Err(DestinationRefusal::LocalName) if allow_private => {
            return Ok(vec![
                SocketAddr::new(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), port),
                SocketAddr::new(IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), port),
            ]);
        }
        Err(r) => return Err(r),
    }
    let found = tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port)))
        .await
        .map_err(|_| DestinationRefusal::Unresolved)?
        .map_err(|_| DestinationRefusal::Unresolved)?;
    let mut out: Vec<SocketAddr> = Vec::new();
    for a in found {
        if !allow_private {
            is_public_unicast(a.ip()).map_err(DestinationRefusal::Address)?;
        }
        if !out.contains(&a) {
            out.push(a);
        }
    }
    if out.is_empty() {
        return Err(DestinationRefusal::Unresolved);
    }
    Ok(out)
}

/// The check at creation: [`validate_webhook_url`], then the name resolved and every address
/// checked (advisory: the worker checks again at each delivery).
pub async fn check_webhook_destination(
    url: &str,
    allow_private: bool,
) -> Result<WebhookTarget, StoreError> {
    let target = validate_webhook_url(url, allow_private)?;
    if allow_private {
        return Ok(target);
    }
    if let WebhookHost::Name(n) = &target.host {
        if let Err(r) = resolve_webhook_host(n, target.port, false).await {
            return Err(refused(url.trim(), &target.host, &r));
        }
    }
    Ok(target)
}

/// A delivery error as it may be shown to anyone who reads the outbox: no address (a webhook's
/// URL may carry its secret in its path), only what happened. Applied when the error is
/// recorded and again when rows written by earlier versions are read.
pub fn redact_delivery_error(e: &str) -> String {
    let mut out = String::with_capacity(e.len().min(500));
    let mut rest = e;
    while let Some(i) = rest.find("://") {
        // Back to the start of the scheme.
        let head = &rest[..i];
        let start = head
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
            .map_or(0, |p| p + 1);
        out.push_str(&head[..start]);
        out.push_str("[address hidden]");
        let tail = &rest[i + 3..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '>' | ','))
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out.chars().take(500).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls_are_checked() {
        assert!(validate_webhook_url("https://soc.chu-exemple.fr/hooks/vigie", false).is_ok());
        assert!(validate_webhook_url("http://10.0.0.5:8080/x", false).is_err());
        assert!(validate_webhook_url("http://10.0.0.5:8080/x", true).is_ok());
        assert!(validate_webhook_url("ftp://x", true).is_err());
        assert!(validate_webhook_url("https://user:pw@host/x", true).is_err());
        // "https:///x" is read as host "x" by the client's parser, as here; no host at all:
        assert!(validate_webhook_url("https://", true).is_err());
        assert!(validate_webhook_url("http://:80/x", true).is_err());
        assert!(validate_webhook_url("https://a b", true).is_err());
        assert!(validate_webhook_url("file:///etc/passwd", true).is_err());
    }

    #[test]
    fn the_client_parser_sees_through_disguised_loopback() {
        for u in [
            "http://127.1/",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://%31%32%37.0.0.1/",
            "http://[::ffff:7f00:1]/",
            "http://[0:0:0:0:0:ffff:127.0.0.1]/",
            "http://a.b.localhost/",
            "http://A.LOCALHOST./",
            "http://evil.example\\@127.0.0.1/",
            "http://0/",
        ] {
            let e = validate_webhook_url(u, false);
            assert!(e.is_err(), "{u} accepted: {:?}", e.map(|t| t.host));
        }
    }

    #[test]
    fn errors_are_redacted() {
        assert_eq!(
            redact_delivery_error(
                "webhook: error sending request for url (https://hooks.slack.com/services/T0/B0/secret)"
            ),
            "webhook: error sending request for url ([address hidden])"
        );
        assert_eq!(
            redact_delivery_error("webhook answered HTTP 405"),
            "webhook answered HTTP 405"
        );
        assert!(!redact_delivery_error("x http://a/b?c=d y").contains("a/b"));
    }
}
