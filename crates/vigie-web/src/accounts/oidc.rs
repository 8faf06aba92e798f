//! Sign-in through an OpenID Connect provider: the authorization-code flow with PKCE, `state` and
//! `nonce`, the ID token validated (signature, issuer, audience, nonce, expiry, access-token hash),
//! then the provider's claims mapped to a Vigie role and scope by configured rules, first match
//! wins, no match no entry. The account is provisioned or updated from the claims on every login,
//! so a change of group at the provider takes effect at the next sign-in.
//!
//! Where the pending flow lives: in a short-lived (10 min) HttpOnly, SameSite=Lax cookie holding
//! the `state`, the `nonce` and the PKCE verifier, and nowhere on the server. Several Vigie
//! processes behind one address share no memory, and the database schema has no place for it;
//! a cookie makes the flow work on any of them and leaves nothing to purge. It needs no signature:
//! all three values are random secrets of the browser that started the flow, whose only job is to
//! prove that the callback comes back to that same browser (`state`, compared in constant time),
//! that the ID token was minted for this very request (`nonce`) and that a stolen code is useless
//! elsewhere (PKCE). Someone able to read the cookie could already read the session cookie. Over
//! TLS the cookie is named `__Host-…`, so a sibling sub-domain cannot plant one of its own.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessTokenHash, AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;
use vigie_domain::role::{Role, ScopeKind};
use vigie_store::accounts::OidcIdentity;
use vigie_store::StoreError;

use crate::auth::ClientIp;
use crate::cookies::{cookie, SESSION_COOKIE};
use crate::AppState;

/// How long a started sign-in may take at the provider.
const PENDING_TTL_SECS: i64 = 600;
/// How long discovered metadata and signing keys are reused before being fetched again.
const METADATA_TTL: Duration = Duration::from_secs(3600);

/// Settings of the OpenID Connect login (the `[oidc]` section of the configuration).
#[derive(Clone)]
pub struct OidcConfig {
    /// The provider's issuer identifier; its metadata is read from
    /// `<issuer_url>/.well-known/openid-configuration`.
    pub issuer_url: String,
    pub client_id: String,
    /// Absent for a public client (PKCE only).
    pub client_secret: Option<String>,
    /// Where the provider sends the browser back: `<public_url>/login/oidc/callback`.
    pub redirect_url: String,
    /// Scopes asked for; `openid` is always asked.
    pub scopes: Vec<String>,
    /// Trust the provider's second factor: when its `amr` holds one of `mfa_amr` or its `acr` is
    /// one of `mfa_acr`, Vigie does not ask its own TOTP. Otherwise roles that require a second
    /// factor still pass Vigie's.
    pub mfa_satisfied_by_provider: bool,
    pub mfa_amr: Vec<String>,
    pub mfa_acr: Vec<String>,
    /// The claims that carry the e-mail address and the display name.
    pub email_claim: String,
    pub name_claim: String,
    /// Evaluated in order, the first that matches gives the role; none matches: no entry.
    pub roles: Vec<RoleRule>,
}

impl std::fmt::Debug for OidcConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcConfig")
            .field("issuer_url", &self.issuer_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .field("mfa_satisfied_by_provider", &self.mfa_satisfied_by_provider)
            .field("mfa_amr", &self.mfa_amr)
            .field("mfa_acr", &self.mfa_acr)
            .field("email_claim", &self.email_claim)
            .field("name_claim", &self.name_claim)
            .field("roles", &self.roles)
            .finish()
    }
}

pub fn default_scopes() -> Vec<String> {
    vec!["openid".into(), "email".into(), "profile".into()]
}

/// `amr` values (RFC 8176) that count as a second factor done at the provider.
pub fn default_mfa_amr() -> Vec<String> {
    vec!["mfa".into(), "otp".into()]
}

/// One rule of the claims-to-role mapping, e.g.
/// `{ claim = "groups", value = "vigie-ght", role = "ght_officer", ght_claim = "ght" }`.
///
/// `claim` names a claim of the ID token or of the user info (a dotted path such as
/// `realm_access.roles` reaches into objects); it matches when it equals `value` or, for a list,
/// contains it. A regional role takes its region from `region` (fixed) or the claim
/// `region_claim`; a GHT role takes its GHT code from `ght` or `ght_claim`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRule {
    pub claim: String,
    pub value: String,
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_claim: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ght: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ght_claim: Option<String>,
}

fn is_loopback_host(url: &reqwest::Url) -> bool {
    match url.host_str() {
        Some("localhost") => true,
        Some(h) => h
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback()),
        None => false,
    }
}

impl OidcConfig {
    /// Checks the settings; the error names the key at fault.
    pub fn validate(&self) -> Result<(), String> {
        let issuer = reqwest::Url::parse(&self.issuer_url)
            .map_err(|e| format!("issuer_url: {:?} is not a URL: {e}", self.issuer_url))?;
        match issuer.scheme() {
            "https" => {}
            "http" if is_loopback_host(&issuer) => {}
            _ => {
                return Err(format!(
                    "issuer_url: {:?} must use https (plain http only on the loopback, for tests)",
                    self.issuer_url
                ))
            }
        }
        if self.client_id.trim().is_empty() {
            return Err("client_id: required".into());
        }
        let redirect = reqwest::Url::parse(&self.redirect_url)
            .map_err(|e| format!("redirect_url: {:?} is not a URL: {e}", self.redirect_url))?;
        if !matches!(redirect.scheme(), "https" | "http") {
            return Err("redirect_url: must start with http:// or https://".into());
        }
        if let Some(s) = self
            .scopes
            .iter()
            .find(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return Err(format!("scopes: {s:?} is not a scope"));
        }
        if self.email_claim.is_empty() || self.name_claim.is_empty() {
            return Err("email_claim, name_claim: must not be empty".into());
        }
        if self.roles.is_empty() {
            return Err(
                "roles: no [[oidc.roles]] rule, so nobody could sign in: add at least one".into(),
            );
        }
        for (i, r) in self.roles.iter().enumerate() {
            validate_rule(r).map_err(|e| format!("roles[{i}]: {e}"))?;
        }
        Ok(())
    }
}

fn validate_rule(r: &RoleRule) -> Result<(), String> {
    if r.claim.trim().is_empty() || r.value.is_empty() {
        return Err("claim and value are required".into());
    }
    let role: Role = r.role.parse().map_err(|_| {
        format!(
            "role {:?} is not one of admin, cert_analyst, regional_analyst, ght_officer, \
             structure_admin, structure_member, auditor",
            r.role
        )
    })?;
    let kind = role.scope_kind();
    let region_given = r.region.is_some() || r.region_claim.is_some();
    let ght_given = r.ght.is_some() || r.ght_claim.is_some();
    if r.region.is_some() && r.region_claim.is_some() {
        return Err("give region or region_claim, not both".into());
    }
    if r.ght.is_some() && r.ght_claim.is_some() {
        return Err("give ght or ght_claim, not both".into());
    }
    if let Some(code) = &r.region {
        if vigie_domain::geo::region(code).is_none() {
            return Err(format!("region {code:?} is not a region code"));
        }
    }
    match kind {
        ScopeKind::Region if !region_given => Err(format!(
            "role {} works in one region: give region or region_claim",
            r.role
        )),
        ScopeKind::Ght if !ght_given => Err(format!(
            "role {} works in one GHT: give ght or ght_claim",
            r.role
        )),
        ScopeKind::Region if ght_given => Err(format!("role {} has no GHT", r.role)),
        ScopeKind::Ght if region_given => Err(format!(
            "role {} is scoped by its GHT: drop region/region_claim",
            r.role
        )),
        ScopeKind::National | ScopeKind::Structures if region_given || ght_given => Err(format!(
            "role {} has no region or GHT scope: drop region/ght settings",
            r.role
        )),
        _ => Ok(()),
    }
}

// ---------- claims mapping (pure) ----------

/// The role and scope that the claims map to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapped {
    pub role: Role,
    pub region_code: Option<String>,
    pub ght_code: Option<String>,
    /// Which rule matched (its index), for the audit log.
    pub rule: usize,
}

/// Why the claims give no entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapError {
    /// No rule matches: deny by default.
    NoRule,
    /// The matching rule needs a region that the claims do not give (or not a valid one).
    Region { rule: usize },
    /// The matching rule needs a GHT that the claims do not give.
    Ght { rule: usize },
    /// The rule names a role this build does not know (caught by `validate` first).
    Role { rule: usize },
}

/// A claim by name, or by a dotted path into nested objects when no claim has that exact name.
pub fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(v) = claims.get(name) {
        return Some(v);
    }
    let mut parts = name.split('.');
    let mut cur = claims.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    Some(cur)
}

fn scalar_eq(v: &Value, expected: &str) -> bool {
    match v {
        Value::String(s) => s == expected,
        Value::Number(n) => n.to_string() == expected,
        Value::Bool(b) => b.to_string() == expected,
        _ => false,
    }
}

/// Whether the claim equals `value` or, being a list, holds it. A string claim may also be a
/// space-separated list (as `scope` or some `roles` claims are).
pub fn claim_has(claims: &Map<String, Value>, name: &str, value: &str) -> bool {
    match claim(claims, name) {
        Some(Value::Array(items)) => items.iter().any(|v| scalar_eq(v, value)),
        Some(Value::String(s)) => s == value || s.split_whitespace().any(|w| w == value),
        Some(v) => scalar_eq(v, value),
        None => false,
    }
}

/// A claim as one text value: a string or a number, or a list of exactly one of those.
pub fn claim_text(claims: &Map<String, Value>, name: &str) -> Option<String> {
    let v = match claim(claims, name)? {
        Value::Array(items) if items.len() == 1 => &items[0],
        v => v,
    };
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Maps the claims to a role and scope: the first rule that matches decides, and a matching rule
/// whose scope claims are missing refuses (it does not fall through to a weaker rule).
pub fn map_role(rules: &[RoleRule], claims: &Map<String, Value>) -> Result<Mapped, MapError> {
    let (i, rule) = rules
        .iter()
        .enumerate()
        .find(|(_, r)| claim_has(claims, &r.claim, &r.value))
        .ok_or(MapError::NoRule)?;
    let role: Role = rule.role.parse().map_err(|_| MapError::Role { rule: i })?;
    let from = |fixed: &Option<String>, claim_name: &Option<String>| match (fixed, claim_name) {
        (Some(v), _) => Some(v.clone()),
        (None, Some(c)) => claim_text(claims, c),
        (None, None) => None,
    };
    let (mut region_code, mut ght_code) = (None, None);
    match role.scope_kind() {
        ScopeKind::Region => {
            // stored as the table writes it (" 84" from a claim is region "84")
            let code = from(&rule.region, &rule.region_claim)
                .and_then(|c| vigie_domain::geo::region(&c))
                .ok_or(MapError::Region { rule: i })?;
            region_code = Some(code.code.to_string());
        }
        ScopeKind::Ght => {
            ght_code = Some(from(&rule.ght, &rule.ght_claim).ok_or(MapError::Ght { rule: i })?);
        }
        ScopeKind::National | ScopeKind::Structures => {}
    }
    Ok(Mapped {
        role,
        region_code,
        ght_code,
        rule: i,
    })
}

/// Whether the provider says the user passed a second factor: `amr` holds one of `amr_values`, or
/// `acr` is one of `acr_values`.
pub fn provider_did_mfa(
    claims: &Map<String, Value>,
    amr_values: &[String],
    acr_values: &[String],
) -> bool {
    let amr = match claims.get("amr") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .any(|a| amr_values.iter().any(|v| v == a)),
        _ => false,
    };
    let acr = claims
        .get("acr")
        .and_then(Value::as_str)
        .is_some_and(|a| acr_values.iter().any(|v| v == a));
    amr || acr
}

// ---------- the provider ----------

/// Every claim, standard or not: the mapping reads claims by configured names.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct AllClaims(HashMap<String, Value>);
impl AdditionalClaims for AllClaims {}

type IdFields = IdTokenFields<
    AllClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResp = StandardTokenResponse<IdFields, CoreTokenType>;
type OidcClient = Client<
    AllClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResp,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

struct Provider {
    client: OidcClient,
    http: reqwest::Client,
    fetched: Instant,
}

/// Discovered providers, by configuration: discovery is lazy (the provider may be down when Vigie
/// starts), retried at the next sign-in when it fails, and redone after `METADATA_TTL` or when an
/// ID token does not verify (the provider may have rotated its keys).
static PROVIDERS: LazyLock<Mutex<HashMap<String, Arc<Provider>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn cache_key(cfg: &OidcConfig) -> String {
    format!(
        "{}\n{}\n{}",
        cfg.issuer_url, cfg.client_id, cfg.redirect_url
    )
}

fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        // Following redirects would let a provider's answer steer requests elsewhere (SSRF).
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// Reads the provider's metadata and keys (or reuses them); errors say what failed.
pub async fn discover(cfg: &OidcConfig) -> Result<(), String> {
    provider(cfg).await.map(|_| ())
}

async fn provider(cfg: &OidcConfig) -> Result<Arc<Provider>, String> {
    let key = cache_key(cfg);
    if let Ok(m) = PROVIDERS.lock() {
        if let Some(p) = m.get(&key).filter(|p| p.fetched.elapsed() < METADATA_TTL) {
            return Ok(p.clone());
        }
    }
    let http = http_client()?;
    let issuer = IssuerUrl::new(cfg.issuer_url.clone()).map_err(|e| format!("issuer_url: {e}"))?;
    let metadata = CoreProviderMetadata::discover_async(issuer, &http)
        .await
        .map_err(|e| format!("discovery at {}: {}", cfg.issuer_url, error_chain(&e)))?;
    let redirect =
        RedirectUrl::new(cfg.redirect_url.clone()).map_err(|e| format!("redirect_url: {e}"))?;
    let client = OidcClient::from_provider_metadata(
        metadata,
        ClientId::new(cfg.client_id.clone()),
        cfg.client_secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(redirect);
    let p = Arc::new(Provider {
        client,
        http,
        fetched: Instant::now(),
    });
    if let Ok(mut m) = PROVIDERS.lock() {
        m.insert(key, p.clone());
    }
    Ok(p)
}

fn forget_provider(cfg: &OidcConfig) {
    if let Ok(mut m) = PROVIDERS.lock() {
        m.remove(&cache_key(cfg));
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

fn pending_cookie_name(st: &AppState) -> &'static str {
    if st.config.tls() {
        "__Host-vigie_oidc"
    } else {
        "vigie_oidc"
    }
}

fn pending_cookie(st: &AppState, value: &str, max_age: i64) -> String {
    crate::ui::set_cookie(st, pending_cookie_name(st), value, max_age, true)
}

/// The pending flow from its cookie: `state.nonce.verifier`, each base64url.
fn parse_pending(v: &str) -> Option<(String, String, String)> {
    let mut it = v.split('.');
    let (s, n, p) = (it.next()?, it.next()?, it.next()?);
    let ok = |x: &str| {
        (16..=128).contains(&x.len())
            && x.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if it.next().is_some() || !ok(s) || !ok(n) || !ok(p) {
        return None;
    }
    Some((s.to_string(), n.to_string(), p.to_string()))
}

/// GET /login/oidc: sends the browser to the provider.
pub(crate) async fn start(
    State(st): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
) -> Response {
    let Some(cfg) = st.config.oidc.clone() else {
        return crate::ui::not_found(headers).await;
    };
    let now = vigie_store::db::now();
    if !st
        .throttle
        .allow(&ip, st.config.login_attempts_per_minute, now)
    {
        return refuse_page(
            &st,
            &headers,
            "login-throttled",
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let p = match provider(&cfg).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "OpenID Connect provider unreachable");
            return refuse_page(
                &st,
                &headers,
                "login-oidc_unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
            );
        }
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut req = p.client.authorize_url(
        CoreAuthenticationFlow::AuthorizationCode,
        CsrfToken::new_random,
        Nonce::new_random,
    );
    for s in cfg.scopes.iter().filter(|s| s.as_str() != "openid") {
        req = req.add_scope(Scope::new(s.clone()));
    }
    let (url, state, nonce) = req.set_pkce_challenge(challenge).url();
    let value = format!(
        "{}.{}.{}",
        state.secret(),
        nonce.secret(),
        verifier.secret()
    );
    let mut res = Redirect::to(url.as_str()).into_response();
    if let Ok(v) = HeaderValue::from_str(&pending_cookie(&st, &value, PENDING_TTL_SECS)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// The login page with a message, the pending-flow cookie cleared.
fn refuse_page(
    st: &AppState,
    headers: &HeaderMap,
    msg: &'static str,
    status: StatusCode,
) -> Response {
    let mut res = crate::accounts::login::login_page(st, headers, Some(msg), String::new(), status);
    if let Ok(v) = HeaderValue::from_str(&pending_cookie(st, "", 0)) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

#[derive(Deserialize, Default)]
pub(crate) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

/// A failed sign-in: why (for the audit log) and what the user is told.
struct Refusal {
    reason: String,
    message: &'static str,
    status: StatusCode,
    label: Option<String>,
    user_id: Option<i64>,
}

fn refusal(reason: impl Into<String>, message: &'static str, status: StatusCode) -> Refusal {
    Refusal {
        reason: reason.into(),
        message,
        status,
        label: None,
        user_id: None,
    }
}

impl Refusal {
    fn who(mut self, label: &str) -> Refusal {
        self.label = Some(label.to_string());
        self
    }
}

/// GET /login/oidc/callback: the provider sends the browser back here.
pub(crate) async fn callback(
    State(st): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    RawQuery(query): RawQuery,
) -> Response {
    use std::sync::atomic::Ordering;
    let Some(cfg) = st.config.oidc.clone() else {
        return crate::ui::not_found(headers).await;
    };
    match sign_in(&st, &cfg, &headers, &ip, query.as_deref().unwrap_or("")).await {
        Ok(res) => res,
        Err(r) => {
            st.metrics.logins_failed.fetch_add(1, Ordering::Relaxed);
            tracing::info!(reason = %r.reason, "OpenID Connect sign-in refused");
            let label = r.label.unwrap_or_else(|| "oidc".into());
            let _ = st
                .store
                .audit_login(&label, r.user_id, Some(ip), false, &r.reason)
                .await;
            refuse_page(&st, &headers, r.message, r.status)
        }
    }
}

/// A short, safe rendering of a provider's error code for the audit log.
fn error_code(e: &str) -> String {
    e.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect()
}

async fn sign_in(
    st: &AppState,
    cfg: &OidcConfig,
    headers: &HeaderMap,
    ip: &str,
    query: &str,
) -> Result<Response, Refusal> {
    use std::sync::atomic::Ordering;
    const UNAUTH: StatusCode = StatusCode::UNAUTHORIZED;
    let now = vigie_store::db::now();
    if !st
        .throttle
        .allow(ip, st.config.login_attempts_per_minute, now)
    {
        return Err(refusal(
            "oidc_throttled",
            "login-throttled",
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let q: CallbackQuery = serde_urlencoded::from_str(query).map_err(|_| {
        refusal(
            "oidc_bad_callback",
            "login-oidc_failed",
            StatusCode::BAD_REQUEST,
        )
    })?;
    if let Some(err) = &q.error {
        let msg = if err == "access_denied" {
            "login-oidc_denied"
        } else {
            "login-oidc_failed"
        };
        return Err(refusal(
            format!("oidc_provider_error:{}", error_code(err)),
            msg,
            UNAUTH,
        ));
    }
    let (state, nonce, verifier) = cookie(headers, pending_cookie_name(st))
        .and_then(parse_pending)
        .ok_or_else(|| refusal("oidc_no_pending_flow", "login-oidc_expired", UNAUTH))?;
    let given_state = q.state.unwrap_or_default();
    if given_state.len() != state.len()
        || !bool::from(given_state.as_bytes().ct_eq(state.as_bytes()))
    {
        return Err(refusal("oidc_bad_state", "login-oidc_state", UNAUTH));
    }
    let p = provider(cfg).await.map_err(|e| {
        tracing::warn!(error = %e, "OpenID Connect provider unreachable");
        refusal(
            "oidc_provider_unreachable",
            "login-oidc_unavailable",
            StatusCode::SERVICE_UNAVAILABLE,
        )
    })?;
    // RFC 9207: a provider that names itself in the answer must be ours (mix-up defence).
    if let Some(iss) = &q.iss {
        if *iss != cfg.issuer_url {
            return Err(refusal("oidc_bad_iss", "login-oidc_failed", UNAUTH));
        }
    }
    let code = q
        .code
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or_else(|| refusal("oidc_no_code", "login-oidc_failed", UNAUTH))?;
    let token = p
        .client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| {
            tracing::warn!(error = %e, "OpenID Connect: no token endpoint");
            refusal("oidc_no_token_endpoint", "login-oidc_failed", UNAUTH)
        })?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&p.http)
        .await
        .map_err(|e| {
            tracing::warn!(error = %error_chain(&e), "OpenID Connect: code exchange failed");
            refusal("oidc_token_exchange", "login-oidc_failed", UNAUTH)
        })?;
    let id_token = token
        .id_token()
        .ok_or_else(|| refusal("oidc_no_id_token", "login-oidc_failed", UNAUTH))?;
    let verifier = p.client.id_token_verifier().set_allowed_algs([
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
        CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        CoreJwsSigningAlgorithm::RsaSsaPssSha384,
        CoreJwsSigningAlgorithm::RsaSsaPssSha512,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        CoreJwsSigningAlgorithm::EcdsaP384Sha384,
        CoreJwsSigningAlgorithm::EdDsa,
    ]);
    let nonce = Nonce::new(nonce);
    let claims = id_token.claims(&verifier, &nonce).map_err(|e| {
        tracing::warn!(error = %e, "OpenID Connect: ID token refused");
        // Perhaps new signing keys: read the provider's metadata again next time.
        forget_provider(cfg);
        refusal("oidc_id_token_invalid", "login-oidc_failed", UNAUTH)
    })?;
    if let Some(expected) = claims.access_token_hash() {
        let bad = || refusal("oidc_at_hash_mismatch", "login-oidc_failed", UNAUTH);
        let alg = id_token.signing_alg().map_err(|_| bad())?;
        let key = id_token.signing_key(&verifier).map_err(|_| bad())?;
        let actual =
            AccessTokenHash::from_token(token.access_token(), alg, key).map_err(|_| bad())?;
        if actual != *expected {
            return Err(bad());
        }
    }
    let issuer = claims.issuer().to_string();
    let subject = claims.subject().to_string();
    let who = format!("oidc:{subject}");
    let mut all: Map<String, Value> = match serde_json::to_value(claims) {
        Ok(Value::Object(m)) => m,
        _ => return Err(refusal("oidc_claims_unreadable", "login-oidc_failed", UNAUTH).who(&who)),
    };
    // How the user authenticated (`amr`, `acr`) is read from the ID token only: it is the
    // provider's signed statement about this very sign-in.
    let id_token_claims = all.clone();
    // Claims asked for with scopes often come only from the user info endpoint; the ID token's
    // own claims win over them.
    if let Ok(req) = p
        .client
        .user_info(token.access_token().clone(), Some(claims.subject().clone()))
    {
        let info = req
            .request_async::<AllClaims, _, CoreGenderClaim>(&p.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %error_chain(&e), "OpenID Connect: user info refused");
                refusal("oidc_userinfo", "login-oidc_failed", UNAUTH).who(&who)
            })?;
        if let Ok(Value::Object(m)) = serde_json::to_value(&info) {
            for (k, v) in m {
                all.entry(k).or_insert(v);
            }
        }
    }
    let email = claim_text(&all, &cfg.email_claim)
        .map(|e| e.to_lowercase())
        .filter(|e| vigie_domain::structure::is_valid_email(e))
        .ok_or_else(|| refusal("oidc_no_email", "login-oidc_no_email", UNAUTH).who(&who))?;
    // The e-mail links the identity to an existing account: an address the provider has not
    // verified could claim someone else's.
    if all.get("email_verified") == Some(&Value::Bool(false)) {
        return Err(refusal("oidc_email_unverified", "login-oidc_no_email", UNAUTH).who(&email));
    }
    let mapped = map_role(&cfg.roles, &all).map_err(|e| {
        let (reason, msg) = match e {
            MapError::NoRule => ("oidc_no_role_mapping".to_string(), "login-oidc_no_role"),
            MapError::Region { rule } => {
                (format!("oidc_rule_{rule}_no_region"), "login-oidc_no_scope")
            }
            MapError::Ght { rule } => (format!("oidc_rule_{rule}_no_ght"), "login-oidc_no_scope"),
            MapError::Role { rule } => (format!("oidc_rule_{rule}_bad_role"), "login-oidc_no_role"),
        };
        refusal(reason, msg, StatusCode::FORBIDDEN).who(&email)
    })?;
    // A local account (one with a password) is never taken over by an identity that merely
    // carries the same e-mail address: only one already linked to this provider.
    let internal = |e: StoreError| {
        tracing::error!(error = %e, "OpenID Connect sign-in: store");
        refusal(
            "oidc_internal_error",
            "login-oidc_failed",
            StatusCode::INTERNAL_SERVER_ERROR,
        )
        .who(&email)
    };
    if let Some(local) = st.store.login_user(&email).await.map_err(internal)? {
        if local.password_hash.is_some() {
            let linked = st
                .store
                .find_user_by_email(&vigie_store::Actor::system("oidc"), &email)
                .await
                .map_err(internal)?
                .oidc_issuer;
            if linked.as_deref() != Some(issuer.as_str()) {
                let mut r = refusal(
                    "oidc_local_account_conflict",
                    "login-oidc_conflict",
                    StatusCode::FORBIDDEN,
                )
                .who(&email);
                r.user_id = Some(local.id);
                return Err(r);
            }
        }
        if local.disabled == 1 {
            let mut r =
                refusal("disabled", "login-oidc_disabled", StatusCode::FORBIDDEN).who(&email);
            r.user_id = Some(local.id);
            return Err(r);
        }
    }
    let display_name = claim_text(&all, &cfg.name_claim).unwrap_or_else(|| email.clone());
    let uid = st
        .store
        .upsert_oidc_user(&OidcIdentity {
            issuer: issuer.clone(),
            subject,
            email: email.clone(),
            display_name: display_name.chars().take(200).collect(),
            role: mapped.role,
            region_code: mapped.region_code.clone(),
            ght_code: mapped.ght_code.clone(),
        })
        .await
        .map_err(|e| match e {
            StoreError::Invalid(p) if p.key == "accounts-oidc-ght-unknown" => refusal(
                "oidc_unknown_ght",
                "login-oidc_no_scope",
                StatusCode::FORBIDDEN,
            )
            .who(&email),
            e => internal(e),
        })?;
    let u = st.store.login_user_by_id(uid).await.map_err(internal)?;
    if u.disabled == 1 {
        let mut r = refusal("disabled", "login-oidc_disabled", StatusCode::FORBIDDEN).who(&email);
        r.user_id = Some(uid);
        return Err(r);
    }
    let provider_mfa = cfg.mfa_satisfied_by_provider
        && provider_did_mfa(&id_token_claims, &cfg.mfa_amr, &cfg.mfa_acr);
    let needs = crate::auth::needs_mfa(mapped.role, u.totp_enabled == 1);
    let mfa_passed = !needs || provider_mfa;
    st.store.login_succeeded(uid).await.map_err(internal)?;
    // A session id from before the sign-in is never reused (fixation).
    if let Some(old) = cookie(headers, SESSION_COOKIE) {
        let _ = st.store.delete_session(old).await;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (session, _) = st
        .store
        .create_session(
            uid,
            mfa_passed,
            st.config.session_ttl_secs,
            Some(ip.to_string()),
            ua,
        )
        .await
        .map_err(internal)?;
    let reason = match (needs, mfa_passed) {
        (true, true) => format!("oidc_ok_provider_mfa:rule_{}", mapped.rule),
        (true, false) => format!("oidc_ok_mfa_pending:rule_{}", mapped.rule),
        _ => format!("oidc_ok:rule_{}", mapped.rule),
    };
    let _ = st
        .store
        .audit_login(&email, Some(uid), Some(ip.to_string()), true, &reason)
        .await;
    if mfa_passed {
        st.metrics.logins_ok.fetch_add(1, Ordering::Relaxed);
    }
    let next = match (mfa_passed, u.totp_enabled == 1) {
        (true, _) => "/",
        (false, true) => "/login/totp",
        (false, false) => "/login/totp/setup",
    };
    let mut res = Redirect::to(next).into_response();
    for c in [
        crate::ui::set_cookie(
            st,
            SESSION_COOKIE,
            &session,
            st.config.session_ttl_secs,
            true,
        ),
        pending_cookie(st, "", 0),
    ] {
        if let Ok(v) = HeaderValue::from_str(&c) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    fn rule(claim: &str, value: &str, role: &str) -> RoleRule {
        RoleRule {
            claim: claim.into(),
            value: value.into(),
            role: role.into(),
            region: None,
            region_claim: None,
            ght: None,
            ght_claim: None,
        }
    }

    fn rules() -> Vec<RoleRule> {
        vec![
            rule("groups", "vigie-admin", "admin"),
            rule("groups", "vigie-cert", "cert_analyst"),
            RoleRule {
                region_claim: Some("region".into()),
                ..rule("groups", "vigie-crrs", "regional_analyst")
            },
            RoleRule {
                region: Some("53".into()),
                ..rule("groups", "ars-bretagne", "regional_analyst")
            },
            RoleRule {
                ght_claim: Some("ght".into()),
                ..rule("groups", "vigie-ght", "ght_officer")
            },
            rule("realm_access.roles", "vigie-audit", "auditor"),
        ]
    }

    #[test]
    fn first_matching_rule_wins() {
        let c = claims(json!({"groups": ["vigie-ght", "vigie-cert"], "ght": "GHT-1"}));
        let m = map_role(&rules(), &c).unwrap();
        assert_eq!(m.role, Role::CertAnalyst);
        assert_eq!(m.rule, 1);
        assert_eq!((m.region_code, m.ght_code), (None, None));
    }

    #[test]
    fn no_match_is_refused() {
        assert_eq!(
            map_role(&rules(), &claims(json!({"groups": ["staff"]}))),
            Err(MapError::NoRule)
        );
        assert_eq!(
            map_role(&rules(), &claims(json!({}))),
            Err(MapError::NoRule)
        );
        // Near misses do not match: case, substrings, other claims.
        for c in [
            json!({"groups": ["Vigie-Cert"]}),
            json!({"groups": ["vigie-cert-old"]}),
            json!({"groups": "vigie-certx"}),
            json!({"group": ["vigie-cert"]}),
            json!({"groups": [["vigie-cert"]]}),
            json!({"groups": {"vigie-cert": true}}),
        ] {
            assert_eq!(
                map_role(&rules(), &claims(c.clone())),
                Err(MapError::NoRule),
                "{c}"
            );
        }
        assert_eq!(
            map_role(&[], &claims(json!({"groups": ["vigie-admin"]}))),
            Err(MapError::NoRule)
        );
    }

    #[test]
    fn scopes_come_from_claims_or_fixed_values() {
        let m = map_role(
            &rules(),
            &claims(json!({"groups": "vigie-ght", "ght": "GHT-7"})),
        )
        .unwrap();
        assert_eq!(
            (m.role, m.ght_code.as_deref()),
            (Role::GhtOfficer, Some("GHT-7"))
        );
        let m = map_role(
            &rules(),
            &claims(json!({"groups": ["vigie-crrs"], "region": 84})),
        )
        .unwrap();
        assert_eq!(
            (m.role, m.region_code.as_deref()),
            (Role::RegionalAnalyst, Some("84"))
        );
        // a claim's code is kept in the table's form, the one every scope check compares with
        let m = map_role(
            &rules(),
            &claims(json!({"groups": ["vigie-crrs"], "region": " 84 "})),
        )
        .unwrap();
        assert_eq!(m.region_code.as_deref(), Some("84"));
        let m = map_role(
            &rules(),
            &claims(json!({"groups": ["ars-bretagne"], "region": "11"})),
        )
        .unwrap();
        assert_eq!(m.region_code.as_deref(), Some("53"));
        let m = map_role(
            &rules(),
            &claims(json!({"realm_access": {"roles": ["vigie-audit"]}})),
        )
        .unwrap();
        assert_eq!(m.role, Role::Auditor);
    }

    #[test]
    fn matching_rule_without_its_scope_refuses_rather_than_falling_through() {
        let mut r = rules();
        r.push(rule("groups", "vigie-ght", "structure_member"));
        assert_eq!(
            map_role(&r, &claims(json!({"groups": ["vigie-ght"]}))),
            Err(MapError::Ght { rule: 4 })
        );
        assert_eq!(
            map_role(
                &r,
                &claims(json!({"groups": ["vigie-crrs"], "region": "99"}))
            ),
            Err(MapError::Region { rule: 2 })
        );
        assert_eq!(
            map_role(
                &r,
                &claims(json!({"groups": ["vigie-crrs"], "region": ["53", "84"]}))
            ),
            Err(MapError::Region { rule: 2 })
        );
    }

    #[test]
    fn claim_values_of_several_shapes() {
        let c = claims(json!({
            "roles": "a b c", "n": 3, "flag": true, "one": ["x"],
            "https://example.org/claims/groups": ["g"], "nested": {"deep": {"v": "w"}}
        }));
        assert!(claim_has(&c, "roles", "b"));
        assert!(!claim_has(&c, "roles", "a b"));
        assert!(claim_has(&c, "roles", "a b c"));
        assert!(claim_has(&c, "n", "3"));
        assert!(claim_has(&c, "flag", "true"));
        assert!(claim_has(&c, "https://example.org/claims/groups", "g"));
        assert!(claim_has(&c, "nested.deep.v", "w"));
        assert!(!claim_has(&c, "nested.deep", "w"));
        assert_eq!(claim_text(&c, "one").as_deref(), Some("x"));
        assert_eq!(claim_text(&c, "flag"), None);
        assert_eq!(claim_text(&c, "missing"), None);
    }

    #[test]
    fn provider_mfa_from_amr_or_acr() {
        let amr = default_mfa_amr();
        let acr = vec!["urn:loa:high".to_string()];
        assert!(provider_did_mfa(
            &claims(json!({"amr": ["pwd", "mfa"]})),
            &amr,
            &acr
        ));
        assert!(provider_did_mfa(
            &claims(json!({"amr": ["otp"]})),
            &amr,
            &[]
        ));
        assert!(provider_did_mfa(
            &claims(json!({"acr": "urn:loa:high"})),
            &amr,
            &acr
        ));
        assert!(!provider_did_mfa(
            &claims(json!({"amr": ["pwd"]})),
            &amr,
            &acr
        ));
        assert!(!provider_did_mfa(
            &claims(json!({"amr": "mfa"})),
            &amr,
            &acr
        ));
        assert!(!provider_did_mfa(
            &claims(json!({"acr": "urn:loa:low"})),
            &amr,
            &acr
        ));
        assert!(!provider_did_mfa(&claims(json!({})), &amr, &acr));
    }

    fn config() -> OidcConfig {
        OidcConfig {
            issuer_url: "https://idp.example.org/realms/sante".into(),
            client_id: "vigie".into(),
            client_secret: Some("s3cret".into()),
            redirect_url: "https://vigie.example.org/login/oidc/callback".into(),
            scopes: default_scopes(),
            mfa_satisfied_by_provider: false,
            mfa_amr: default_mfa_amr(),
            mfa_acr: vec![],
            email_claim: "email".into(),
            name_claim: "name".into(),
            roles: rules(),
        }
    }

    #[test]
    fn configuration_is_checked() {
        assert_eq!(config().validate(), Ok(()));
        assert!(!format!("{:?}", config()).contains("s3cret"));
        let bad = |f: &dyn Fn(&mut OidcConfig)| {
            let mut c = config();
            f(&mut c);
            c.validate().unwrap_err()
        };
        assert!(bad(&|c| c.issuer_url = "http://idp.example.org".into()).contains("issuer_url"));
        assert!(bad(&|c| c.issuer_url = "not a url".into()).contains("issuer_url"));
        assert!(bad(&|c| c.client_id = " ".into()).contains("client_id"));
        assert!(bad(&|c| c.roles.clear()).contains("roles"));
        assert!(bad(&|c| c.roles[0].role = "root".into()).contains("roles[0]"));
        assert!(bad(&|c| c.roles[2].region_claim = None).contains("region"));
        assert!(bad(&|c| c.roles[3].region = Some("99".into())).contains("99"));
        assert!(bad(&|c| c.roles[4].ght_claim = None).contains("GHT"));
        assert!(bad(&|c| c.roles[1].ght = Some("X".into())).contains("roles[1]"));
        assert!(bad(&|c| c.scopes.push("a b".into())).contains("scopes"));
        let mut c = config();
        c.issuer_url = "http://127.0.0.1:4444".into();
        assert_eq!(c.validate(), Ok(()));
    }

    #[test]
    fn pending_cookie_parsing() {
        let s = "A".repeat(22);
        let v = format!("{s}.{s}.{}", "b".repeat(43));
        assert!(parse_pending(&v).is_some());
        assert!(parse_pending(&format!("{v}.x")).is_none());
        assert!(parse_pending(&format!("{s}.{s}")).is_none());
        assert!(parse_pending(&format!("{s}.{s}.short")).is_none());
        assert!(parse_pending(&format!("{s}.{s}.{}", "é".repeat(30))).is_none());
    }
}
