//! Who is calling: a session cookie (pages, and the API from our own pages) or a bearer API token
//! (scripts). Role and scope always come from the database. Sessions of accounts that need a second
//! factor see nothing until it is passed.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use totp_rs::{Algorithm, Secret, TOTP};
use vigie_store::Actor;

use crate::cookies::{cookie, LANG_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// A signed-in caller.
#[derive(Clone, Debug)]
pub struct Authed {
    pub actor: Actor,
    pub user_id: i64,
    pub email: String,
    /// The session's CSRF token, for the forms of the page (empty for bearer tokens).
    pub csrf: String,
    pub lang: Lang,
    pub via_token: bool,
    /// The path of the request (the navigation marks the current page).
    pub path: String,
    /// How many of the person's notifications are unread (the header's count): counted for
    /// pages only, 0 for the API.
    pub unread: i64,
}

impl Authed {
    pub fn tr(&self) -> Tr {
        Tr { lang: self.lang }
    }
}

/// Why a caller is not (yet) let in.
#[derive(Debug)]
pub enum AuthFail {
    Anonymous,
    NeedsMfa,
    NeedsEnrolment,
    MustChangePassword,
    Internal(String),
}

/// An address or a network (`10.0.0.0/8`, `2001:db8::/32`, `127.0.0.1`): a reverse proxy
/// whose `X-Forwarded-For` is believed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProxyNet {
    addr: IpAddr,
    prefix: u8,
}

impl ProxyNet {
    /// Parses `address` or `address/prefix`.
    pub fn parse(s: &str) -> Result<ProxyNet, String> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or network"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
            None => max,
        };
        Ok(ProxyNet { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The proxies believed when `trust_proxy` is on and no list is configured: one on this machine.
pub fn default_trusted_proxies() -> Vec<ProxyNet> {
    vec![
        ProxyNet {
            addr: IpAddr::V4(std::net::Ipv4Addr::LOCALHOST),
            prefix: 8,
        },
        ProxyNet {
            addr: IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            prefix: 128,
        },
    ]
}

/// An IPv4 address carried in IPv6 (`::ffff:a.b.c.d`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// The client's address. Without `trust_proxy`, the peer of the connection. With it, and only
/// when the peer is one of the trusted proxies, `X-Forwarded-For` is read from the right (each
/// proxy appends the address it saw): the right-most address that is not a trusted proxy is the
/// client; what is left of it was typed by the client and is ignored. A value that is not an
/// address stops the walk at the last trusted hop.
pub fn client_ip(parts: &Parts, trust_proxy: bool, trusted: &[ProxyNet]) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| canonical(c.0.ip()))?;
    if !trust_proxy {
        return Some(peer);
    }
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>().map(canonical) else {
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    Some(client)
}

/// What an address counts as for the throttle and the lockout: an IPv4 address itself, an IPv6
/// address its /64 (one subscriber's network: rotating addresses inside it changes nothing).
pub fn source_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => {
            let net = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", std::net::Ipv6Addr::from(net))
        }
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => "unknown".into(),
    }
}

/// The caller's address (`unknown` when the server was not started with connection info).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            client_ip(parts, st.config.trust_proxy, &st.config.trusted_proxies)
                .map(|ip| ip.to_string())
                .unwrap_or_else(|| "unknown".into()),
        ))
    }
}

/// The language of a request before sign-in: the explicit choice (the switch's cookie), else
/// French (once signed in, the account's stored language wins). The browser's preference is not
/// followed: Vigie's users are French, and a French hospital's computer set to
/// English must not change what the team sees.
pub fn request_lang(headers: &axum::http::HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .unwrap_or_default()
}

/// Whether this account must pass a second factor.
pub fn needs_mfa(role: vigie_domain::role::Role, totp_enabled: bool) -> bool {
    totp_enabled || role.requires_mfa()
}

async fn resolve(parts: &mut Parts, st: &AppState) -> Result<Authed, AuthFail> {
    let ip = client_ip(parts, st.config.trust_proxy, &st.config.trusted_proxies)
        .map(|ip| ip.to_string());
    let internal = |e: vigie_store::StoreError| AuthFail::Internal(e.to_string());
    if let Some(tok) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        let uid = st
            .store
            .user_for_token(tok.trim())
            .await
            .map_err(internal)?
            .ok_or(AuthFail::Anonymous)?;
        let actor = st
            .store
            .actor_for_user(uid, ip)
            .await
            .map_err(|_| AuthFail::Anonymous)?;
        return Ok(Authed {
            email: actor.label.clone(),
            actor,
            user_id: uid,
            csrf: String::new(),
            lang: request_lang(&parts.headers),
            via_token: true,
            path: parts.uri.path().to_string(),
            unread: 0,
        });
    }
    let tok = cookie(&parts.headers, SESSION_COOKIE).ok_or(AuthFail::Anonymous)?;
    let s = st
        .store
        .resolve_session(tok, st.config.session_idle_secs, ip)
        .await
        .map_err(internal)?
        .ok_or(AuthFail::Anonymous)?;
    if !s.mfa_passed && needs_mfa(s.role, s.totp_enabled) {
        return Err(if s.totp_enabled {
            AuthFail::NeedsMfa
        } else {
            AuthFail::NeedsEnrolment
        });
    }
    if s.must_change_password && !parts.uri.path().starts_with("/account/password") {
        return Err(AuthFail::MustChangePassword);
    }
    // A signed-in account speaks its own language ("Mon compte", or the switch, which stores
    // it), on every device and in its e-mails alike; the cookie only for an unreadable value.
    let lang = Lang::parse(&s.locale)
        .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(Lang::parse))
        .unwrap_or_default();
    Ok(Authed {
        email: s.email,
        actor: s.actor,
        user_id: s.user_id,
        csrf: s.csrf_token,
        lang,
        via_token: false,
        path: parts.uri.path().to_string(),
        unread: 0,
    })
}

/// A signed-in caller of a page: anonymous callers are sent to the login page.
pub struct Page(pub Authed);

impl FromRequestParts<AppState> for Page {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        match resolve(parts, st).await {
            Ok(mut a) => {
                a.unread = st
                    .store
                    .unread_count(&a.actor)
                    .await
                    .map_err(|e| AppError::from(e).into_response())?;
                Ok(Page(a))
            }
            Err(AuthFail::Anonymous) => Err(Redirect::to("/login").into_response()),
            Err(AuthFail::NeedsMfa) => Err(Redirect::to("/login/totp").into_response()),
            Err(AuthFail::NeedsEnrolment) => Err(Redirect::to("/login/totp/setup").into_response()),
            Err(AuthFail::MustChangePassword) => {
                Err(Redirect::to("/account/password").into_response())
            }
            Err(AuthFail::Internal(e)) => Err(AppError::Internal(e).into_response()),
        }
    }
}

/// A signed-in caller of the API: anonymous callers get 401.
pub struct Api(pub Authed);

impl FromRequestParts<AppState> for Api {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        match resolve(parts, st).await {
            Ok(a) => Ok(Api(a)),
            Err(AuthFail::Internal(e)) => Err(AppError::Internal(e)),
            Err(_) => Err(AppError::Unauthorized),
        }
    }
}

/// A session that has passed the password but not yet the second factor.
pub struct PendingMfa {
    pub user_id: i64,
    pub email: String,
    pub session_token: String,
    pub csrf: String,
    pub lang: Lang,
}

impl FromRequestParts<AppState> for PendingMfa {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        let Some(tok) = cookie(&parts.headers, SESSION_COOKIE).map(str::to_string) else {
            return Err(Redirect::to("/login").into_response());
        };
        let s = match st
            .store
            .get_session(&tok, st.config.session_idle_secs)
            .await
        {
            Ok(Some(s)) => s,
            Ok(None) => return Err(Redirect::to("/login").into_response()),
            Err(e) => return Err(AppError::from(e).into_response()),
        };
        let u = st
            .store
            .login_user_by_id(s.user_id)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        Ok(PendingMfa {
            user_id: u.id,
            email: u.email,
            session_token: tok,
            csrf: s.csrf_token,
            lang: cookie(&parts.headers, LANG_COOKIE)
                .and_then(Lang::parse)
                .or_else(|| Lang::parse(&u.locale))
                .unwrap_or_default(),
        })
    }
}

/// The TOTP of an account (RFC 6238: SHA-1, 6 digits, 30 s, one step of clock skew).
pub fn totp_for(secret_b32: &str, email: &str) -> Result<TOTP, AppError> {
    let bytes = Secret::Encoded(secret_b32.to_string())
        .to_bytes()
        .map_err(|e| AppError::Internal(format!("bad TOTP secret: {e:?}")))?;
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        Some("Vigie".into()),
        email.replace(':', "_"),
    )
    .map_err(|e| AppError::Internal(format!("TOTP: {e}")))
}

pub fn new_totp_secret() -> String {
    Secret::generate_secret().to_encoded().to_string()
}

/// Checks a code; returns the time step it matched (for replay protection).
pub fn check_totp(totp: &TOTP, code: &str, now: u64) -> Option<i64> {
    let code = code.trim().replace(' ', "");
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let step = now / 30;
    [step.saturating_sub(1), step, step + 1]
        .into_iter()
        .find(|s| totp.generate(s * 30) == code)
        .map(|s| s as i64)
}

/// Attempts per source per minute, before any secret is checked (a password, a second-factor
/// code, the current password): callers key it by [`source_key`].
#[derive(Default)]
pub struct Throttle {
    hits: Mutex<HashMap<String, (u32, i64)>>,
}

impl Throttle {
    /// Counts an attempt; false when `ip` made more than `limit` in the current minute.
    pub fn allow(&self, ip: &str, limit: u32, now: i64) -> bool {
        let Ok(mut m) = self.hits.lock() else {
            return false;
        };
        if m.len() > 100_000 {
            m.retain(|_, (_, start)| now - *start < 60);
        }
        let e = m.entry(ip.to_string()).or_insert((0, now));
        if now - e.1 >= 60 {
            *e = (0, now);
        }
        e.0 += 1;
        e.0 <= limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totp_accepts_current_and_adjacent_steps_only() {
        let secret = new_totp_secret();
        let t = totp_for(&secret, "a@b.fr").unwrap();
        let now = 1_800_000_000u64;
        let code = t.generate(now);
        assert_eq!(check_totp(&t, &code, now), Some((now / 30) as i64));
        assert!(check_totp(&t, &code, now + 30).is_some());
        assert!(check_totp(&t, &code, now + 600).is_none());
        assert!(check_totp(&t, "12345", now).is_none());
        assert!(check_totp(&t, "abcdef", now).is_none());
    }

    #[test]
    fn throttle_counts_per_minute() {
        let th = Throttle::default();
        for _ in 0..5 {
            assert!(th.allow("1.2.3.4", 5, 100));
        }
        assert!(!th.allow("1.2.3.4", 5, 110));
        assert!(th.allow("5.6.7.8", 5, 110));
        assert!(th.allow("1.2.3.4", 5, 161));
    }
}
