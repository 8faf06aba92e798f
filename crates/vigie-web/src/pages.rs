//! Server-rendered pages, French first. Forms post back with the session's CSRF token; every
//! action goes through the store, which checks the role and confines it to the caller's scope.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use vigie_domain::role::{Permission, Role, Scope, ALL_ROLES};
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_store::accounts::{ApiToken, User};
use vigie_store::audit::{AuditEntry, AuditQuery};
use vigie_store::registry::ImportReport;
use vigie_store::registry::{Asset, Ght, Structure, StructureFilter, StructureSummary};

use crate::auth::{
    check_totp, new_totp_secret, request_lang, totp_for, ClientIp, Page, PendingMfa,
};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::security::{cookie, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};
use crate::AppState;

/// Every page route with its method: the authorization matrix test walks this list.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/totp"),
    ("POST", "/login/totp"),
    ("GET", "/login/totp/setup"),
    ("POST", "/login/totp/setup"),
    ("POST", "/logout"),
    ("POST", "/lang"),
    ("GET", "/structures"),
    ("GET", "/structures.csv"),
    ("GET", "/structures/{id}"),
    ("POST", "/structures/{id}/contacts"),
    ("POST", "/structures/{id}/assets"),
    ("POST", "/structures/{id}/assets/{asset}/delete"),
    ("GET", "/ghts"),
    ("GET", "/users"),
    ("POST", "/users"),
    ("POST", "/users/{id}/disable"),
    ("POST", "/users/{id}/enable"),
    ("POST", "/users/{id}/reset-mfa"),
    ("GET", "/audit"),
    ("GET", "/audit.csv"),
    ("GET", "/import"),
    ("POST", "/import/finess"),
    ("POST", "/import/ght"),
    ("GET", "/account"),
    ("GET", "/account/password"),
    ("POST", "/account/password"),
    ("POST", "/account/tokens"),
    ("POST", "/account/tokens/{id}/revoke"),
    ("GET", "/notifications"),
    ("POST", "/notifications/webhooks"),
    ("POST", "/notifications/webhooks/{id}/delete"),
    // Exposure (crate::surveillance::PAGE_ROUTES)
    ("GET", "/exposure"),
    ("POST", "/exposure/surveillance"),
    ("GET", "/structures/{id}/exposure"),
    ("POST", "/structures/{id}/exposure/scan"),
    ("POST", "/structures/{id}/exposure/surveillance"),
    (
        "POST",
        "/structures/{id}/exposure/findings/{finding}/acknowledge",
    ),
    ("GET", "/structures/{id}/exposure/report"),
    ("GET", "/structures/{id}/exposure/report.pdf"),
    // Vulnerability watch (crate::watch::PAGE_ROUTES).
    ("POST", "/structures/{id}/inventory"),
    ("POST", "/structures/{id}/inventory/{item}/delete"),
    ("POST", "/structures/{id}/inventory/import"),
    ("GET", "/watch/alerts"),
    ("GET", "/watch/alerts/{id}"),
    ("POST", "/watch/alerts/{id}/triage"),
    ("GET", "/watch/bulletin"),
    ("GET", "/watch/sources"),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/login", get(login_form).post(login))
        .route("/login/totp", get(totp_form).post(totp_submit))
        .route(
            "/login/totp/setup",
            get(totp_setup_form).post(totp_setup_submit),
        )
        .route("/logout", post(logout))
        .route("/lang", post(switch_lang))
        .route("/notifications", get(notifications::page))
        .route("/notifications/webhooks", post(notifications::page_create))
        .route(
            "/notifications/webhooks/{id}/delete",
            post(notifications::page_delete),
        )
        .route("/structures", get(structures))
        .route("/structures.csv", get(structures_csv))
        .route("/structures/{id}", get(structure))
        .route("/structures/{id}/contacts", post(structure_contact))
        .route("/structures/{id}/assets", post(structure_add_asset))
        .route(
            "/structures/{id}/assets/{asset}/delete",
            post(structure_remove_asset),
        )
        .route("/ghts", get(ghts))
        .route("/users", get(users).post(users_create))
        .route("/users/{id}/disable", post(user_disable))
        .route("/users/{id}/enable", post(user_enable))
        .route("/users/{id}/reset-mfa", post(user_reset_mfa))
        .route("/audit", get(audit))
        .route("/audit.csv", get(audit_csv))
        .route("/import", get(import_form))
        .route("/import/finess", post(import_finess))
        .route("/import/ght", post(import_ght))
        .route("/account", get(account))
        .route("/account/password", get(account).post(account_password))
        .route("/account/tokens", post(account_token))
        .route("/account/tokens/{id}/revoke", post(account_token_revoke))
        .merge(crate::watch::page_routes())
}

/// What every page's layout needs.
pub struct Ctx {
    pub tr: Tr,
    pub email: Option<String>,
    pub csrf: String,
    pub show_users: bool,
    pub show_audit: bool,
    pub show_import: bool,
    pub show_notifications: bool,
}

impl Ctx {
    pub(crate) fn of(a: &crate::auth::Authed) -> Ctx {
        Ctx {
            tr: a.tr(),
            email: Some(a.email.clone()),
            csrf: a.csrf.clone(),
            show_users: a.actor.can(Permission::ReadUsers),
            show_audit: a.actor.can(Permission::ReadAudit),
            show_import: a.actor.can(Permission::ImportRegistry),
            show_notifications: a.actor.can(Permission::ManageNotifications),
        }
    }

    fn anonymous(lang: Lang, csrf: String) -> Ctx {
        Ctx {
            tr: Tr { lang },
            email: None,
            csrf,
            show_users: false,
            show_audit: false,
            show_import: false,
            show_notifications: false,
        }
    }
}

/// Renders a page; errors become an error page in the caller's language.
pub(crate) fn render(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    message: String,
    operation: String,
}

/// Turns an error into a page for a signed-in caller.
pub(crate) fn page_error(a: &crate::auth::Authed, e: AppError) -> Response {
    let op = e.log();
    let tr = a.tr();
    let message = match &e {
        AppError::NotFound => tr.t("common.not_found").to_string(),
        AppError::Forbidden => tr.t("common.forbidden").to_string(),
        e => e.public_message(),
    };
    let page = ErrorPage {
        ctx: Ctx::of(a),
        status: e.status().as_u16(),
        message,
        operation: op,
    };
    match page.render() {
        Ok(html) => (e.status(), Html(html)).into_response(),
        Err(_) => e.status().into_response(),
    }
}

/// Runs a page handler body, turning its error into an error page.
macro_rules! page {
    ($a:expr, $body:expr) => {
        match (async { $body }).await {
            Ok(r) => r,
            Err(e) => page_error(&$a, e),
        }
    };
}

pub mod notifications;

pub async fn not_found(headers: HeaderMap) -> Response {
    let lang = request_lang(&headers);
    let page = ErrorPage {
        ctx: Ctx::anonymous(lang, String::new()),
        status: 404,
        message: Tr { lang }.t("common.not_found").into(),
        operation: crate::error::operation_id(),
    };
    match page.render() {
        Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

pub(crate) fn set_cookie(
    st: &AppState,
    name: &str,
    value: &str,
    max_age: i64,
    http_only: bool,
) -> String {
    let secure = if st.config.tls() { "; Secure" } else { "" };
    let http_only = if http_only { "; HttpOnly" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax{http_only}{secure}")
}

// ---------- login ----------

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    ctx: Ctx,
    error: Option<&'static str>,
    email: String,
    /// Offer the OpenID Connect provider (when one is configured).
    show_oidc: bool,
}

/// The login form sets a CSRF cookie of its own (double submit), as no session exists yet.
pub(crate) fn login_page(
    st: &AppState,
    headers: &HeaderMap,
    error: Option<&'static str>,
    email: String,
    status: StatusCode,
) -> Response {
    let lang = request_lang(headers);
    let csrf = cookie(headers, CSRF_COOKIE)
        .filter(|c| c.len() >= 32)
        .map(str::to_string)
        .unwrap_or_else(|| vigie_store::accounts::random_token(32));
    let page = LoginPage {
        ctx: Ctx::anonymous(lang, csrf.clone()),
        error,
        email,
        show_oidc: st.config.oidc.is_some(),
    };
    match page.render() {
        Ok(html) => (
            status,
            [(
                header::SET_COOKIE,
                set_cookie(st, CSRF_COOKIE, &csrf, 3600, true),
            )],
            Html(html),
        )
            .into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

async fn login_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    login_page(&st, &headers, None, String::new(), StatusCode::OK)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
}

async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    use std::sync::atomic::Ordering;
    let now = vigie_store::db::now();
    let email = f.email.trim().to_lowercase();
    if !st
        .throttle
        .allow(&ip, st.config.login_attempts_per_minute, now)
    {
        let _ = st
            .store
            .audit_login(&email, None, Some(ip), false, "throttled")
            .await;
        return login_page(
            &st,
            &headers,
            Some("login.throttled"),
            email,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let user = match st.store.login_user(&email).await {
        Ok(u) => u,
        Err(e) => return AppError::from(e).into_response(),
    };
    let fail = |reason: &'static str, uid: Option<i64>, msg: &'static str| {
        let st = st.clone();
        let email = email.clone();
        let ip = ip.clone();
        let headers = headers.clone();
        async move {
            st.metrics.logins_failed.fetch_add(1, Ordering::Relaxed);
            let _ = st
                .store
                .audit_login(&email, uid, Some(ip), false, reason)
                .await;
            login_page(&st, &headers, Some(msg), email, StatusCode::UNAUTHORIZED)
        }
    };
    let Some(u) = user else {
        // Same work as a real check, so that timing does not reveal which e-mails exist.
        let _ = vigie_store::accounts::verify_password(&f.password, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0jRzKqCwtTnNrqmAvvXz0QvB2VpJxnQn0X3VtTfsVQU");
        return fail("unknown_user", None, "login.failed").await;
    };
    if u.locked_until > now {
        return fail("locked", Some(u.id), "login.locked").await;
    }
    let ok = u
        .password_hash
        .as_deref()
        .is_some_and(|h| vigie_store::accounts::verify_password(&f.password, h));
    if !ok || u.disabled == 1 {
        let locked = if u.disabled == 0 {
            st.store
                .login_failed(u.id, st.config.max_login_failures, st.config.lockout_secs)
                .await
                .unwrap_or(false)
        } else {
            false
        };
        let reason = if u.disabled == 1 {
            "disabled"
        } else {
            "bad_password"
        };
        return fail(
            reason,
            Some(u.id),
            if locked {
                "login.locked"
            } else {
                "login.failed"
            },
        )
        .await;
    }
    let role: Role = u.role.parse().unwrap_or(Role::StructureMember);
    let mfa = crate::auth::needs_mfa(role, u.totp_enabled == 1);
    if let Err(e) = st.store.login_succeeded(u.id).await {
        return AppError::from(e).into_response();
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let (token, _) = match st
        .store
        .create_session(u.id, !mfa, st.config.session_ttl_secs, Some(ip.clone()), ua)
        .await
    {
        Ok(t) => t,
        Err(e) => return AppError::from(e).into_response(),
    };
    let reason = if mfa { "password_ok_mfa_pending" } else { "ok" };
    let _ = st
        .store
        .audit_login(&email, Some(u.id), Some(ip), true, reason)
        .await;
    if !mfa {
        st.metrics.logins_ok.fetch_add(1, Ordering::Relaxed);
    }
    let next = match (mfa, u.totp_enabled == 1) {
        (true, true) => "/login/totp",
        (true, false) => "/login/totp/setup",
        _ => "/",
    };
    (
        [(
            header::SET_COOKIE,
            set_cookie(
                &st,
                SESSION_COOKIE,
                &token,
                st.config.session_ttl_secs,
                true,
            ),
        )],
        Redirect::to(next),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    ctx: Ctx,
    setup: bool,
    failed: bool,
    action: &'static str,
    secret: String,
    qr_svg: String,
}

async fn totp_form(p: PendingMfa) -> Response {
    let page = TotpPage {
        ctx: Ctx::anonymous(p.lang, p.csrf),
        setup: false,
        failed: false,
        action: "/login/totp",
        secret: String::new(),
        qr_svg: String::new(),
    };
    render(&page).unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
struct CodeForm {
    code: String,
}

async fn totp_submit(
    State(st): State<AppState>,
    p: PendingMfa,
    Form(f): Form<CodeForm>,
) -> Response {
    let r = async {
        let u = st.store.login_user_by_id(p.user_id).await?;
        let secret = u
            .totp_secret
            .filter(|_| u.totp_enabled == 1)
            .ok_or(AppError::Forbidden)?;
        let totp = totp_for(&secret, &u.email)?;
        let now = vigie_store::db::now() as u64;
        let ok = match check_totp(&totp, &f.code, now) {
            Some(step) => st.store.consume_totp_step(u.id, step).await?,
            None => false,
        };
        Ok::<bool, AppError>(ok)
    }
    .await;
    match r {
        Ok(true) => {
            if let Err(e) = st.store.session_mfa_passed(&p.session_token).await {
                return AppError::from(e).into_response();
            }
            st.metrics
                .logins_ok
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let _ = st
                .store
                .audit_login(&p.email, Some(p.user_id), None, true, "mfa_ok")
                .await;
            Redirect::to("/").into_response()
        }
        Ok(false) => {
            let _ = st
                .store
                .audit_login(&p.email, Some(p.user_id), None, false, "mfa_bad_code")
                .await;
            let page = TotpPage {
                ctx: Ctx::anonymous(p.lang, p.csrf),
                setup: false,
                failed: true,
                action: "/login/totp",
                secret: String::new(),
                qr_svg: String::new(),
            };
            match page.render() {
                Ok(h) => (StatusCode::UNAUTHORIZED, Html(h)).into_response(),
                Err(e) => AppError::from(e).into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}

fn qr_svg(url: &str) -> String {
    qrcode::QrCode::new(url.as_bytes())
        .map(|c| {
            c.render::<qrcode::render::svg::Color>()
                .min_dimensions(200, 200)
                .build()
        })
        .unwrap_or_default()
}

/// Enrolment for accounts whose role requires a second factor and that have none yet. A secret is
/// generated once and kept pending until a code proves the app has it.
async fn totp_setup_form(State(st): State<AppState>, p: PendingMfa) -> Response {
    let r = async {
        let u = st.store.login_user_by_id(p.user_id).await?;
        if u.totp_enabled == 1 {
            return Ok(Redirect::to("/login/totp").into_response());
        }
        let secret = match u.totp_secret {
            Some(s) => s,
            None => {
                let s = new_totp_secret();
                let actor = vigie_store::Actor::own_account(Some(u.id), &u.email, None);
                st.store.set_totp(&actor, u.id, Some(&s), false).await?;
                s
            }
        };
        let totp = totp_for(&secret, &u.email)?;
        let page = TotpPage {
            ctx: Ctx::anonymous(p.lang, p.csrf.clone()),
            setup: true,
            failed: false,
            action: "/login/totp/setup",
            qr_svg: qr_svg(&totp.get_url()),
            secret,
        };
        render(&page)
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

async fn totp_setup_submit(
    State(st): State<AppState>,
    p: PendingMfa,
    Form(f): Form<CodeForm>,
) -> Response {
    let r = async {
        let u = st.store.login_user_by_id(p.user_id).await?;
        if u.totp_enabled == 1 {
            return Err(AppError::Forbidden);
        }
        let secret = u.totp_secret.ok_or(AppError::Forbidden)?;
        let totp = totp_for(&secret, &u.email)?;
        let now = vigie_store::db::now() as u64;
        match check_totp(&totp, &f.code, now) {
            Some(step) if st.store.consume_totp_step(u.id, step).await? => {
                let actor = vigie_store::Actor::own_account(Some(u.id), &u.email, None);
                st.store.set_totp(&actor, u.id, Some(&secret), true).await?;
                st.store.consume_totp_step(u.id, step).await?;
                st.store.session_mfa_passed(&p.session_token).await?;
                Ok(Redirect::to("/").into_response())
            }
            _ => {
                let page = TotpPage {
                    ctx: Ctx::anonymous(p.lang, p.csrf.clone()),
                    setup: true,
                    failed: true,
                    action: "/login/totp/setup",
                    qr_svg: qr_svg(&totp.get_url()),
                    secret,
                };
                Ok((StatusCode::UNAUTHORIZED, Html(page.render()?)).into_response())
            }
        }
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(tok) = cookie(&headers, SESSION_COOKIE) {
        let _ = st.store.delete_session(tok).await;
    }
    (
        [(
            header::SET_COOKIE,
            set_cookie(&st, SESSION_COOKIE, "", 0, true),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
}

/// Switches the language: a cookie for everyone, and the account's preference when signed in.
async fn switch_lang(
    State(st): State<AppState>,
    headers: HeaderMap,
    Form(f): Form<LangForm>,
) -> Response {
    let Some(lang) = Lang::parse(&f.lang) else {
        return AppError::BadRequest("lang: expected fr or en".into()).into_response();
    };
    if let Some(tok) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some(s)) = st.store.get_session(tok, st.config.session_idle_secs).await {
            let _ = st.store.set_locale(s.user_id, lang.code()).await;
        }
    }
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.strip_prefix(st.config.public_url.trim_end_matches('/'))
                .or(Some(r))
        })
        .filter(|p| p.starts_with('/') && !p.starts_with("//"))
        .unwrap_or("/")
        .to_string();
    (
        [(
            header::SET_COOKIE,
            set_cookie(&st, LANG_COOKIE, lang.code(), 365 * 86400, false),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

// ---------- dashboard ----------

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    ctx: Ctx,
    display_name: String,
    role: String,
    scope_label: String,
    coverage: vigie_store::registry::Coverage,
    ghts: usize,
    by_sector: Vec<(String, i64)>,
    /// (label, count, link) rows of the role's main breakdown: regions for national roles,
    /// departments and GHTs for regional analysts, the structures themselves for structure roles.
    breakdown_title: &'static str,
    breakdown: Vec<(String, i64, String)>,
    jobs_failed: Option<i64>,
    recent_failures: Vec<AuditEntry>,
    /// Open findings of the scope, when the role reads the exposure.
    exposure: Option<vigie_store::surveillance::ExposureFigures>,
    /// Open alerts of the scope, when the role reads the vulnerability watch.
    alerts: Option<vigie_store::watch::WatchFigures>,
}

fn scope_label(tr: &Tr, scope: &Scope, ght_name: Option<String>) -> String {
    match scope {
        Scope::National => tr.t("scope.national").to_string(),
        Scope::Region(r) => format!("{} {}", tr.t("scope.region"), tr.region_name(r)),
        Scope::Ght(_) => ght_name.unwrap_or_else(|| tr.t("scope.ght").to_string()),
        Scope::Structures { .. } => tr.t("scope.structures").to_string(),
        Scope::Nothing => tr.t("scope.nothing").to_string(),
    }
}

async fn dashboard(State(st): State<AppState>, Page(a): Page) -> Response {
    use vigie_store::registry::Breakdown;
    page!(a, {
        let tr = a.tr();
        let me = st.store.get_user(&a.actor, a.user_id).await?;
        let ghts = st.store.list_ghts(&a.actor, None).await?;
        let coverage = st.store.coverage(&a.actor).await?;
        let by_sector = st
            .store
            .structure_breakdown(&a.actor, Breakdown::Sector)
            .await?
            .into_iter()
            .map(|(k, n)| (tr.k("sector", &k), n))
            .collect();
        let (breakdown_title, breakdown) = match &a.actor.scope {
            Scope::National => (
                "dashboard.by_region",
                st.store
                    .structure_breakdown(&a.actor, Breakdown::Region)
                    .await?
                    .into_iter()
                    .map(|(k, n)| {
                        (
                            tr.region_name(&k).to_string(),
                            n,
                            format!("/structures?region={k}"),
                        )
                    })
                    .collect(),
            ),
            Scope::Region(_) => (
                "dashboard.by_ght",
                ghts.iter()
                    .map(|g| {
                        (
                            g.name.clone(),
                            g.structure_count,
                            format!("/structures?ght={}", g.id),
                        )
                    })
                    .collect(),
            ),
            Scope::Ght(_) => (
                "dashboard.by_department",
                st.store
                    .structure_breakdown(&a.actor, Breakdown::Department)
                    .await?
                    .into_iter()
                    .map(|(k, n)| (k.clone(), n, format!("/structures?department={k}")))
                    .collect(),
            ),
            Scope::Structures { .. } | Scope::Nothing => (
                "dashboard.my_structures",
                st.store
                    .list_structures(
                        &a.actor,
                        &StructureFilter {
                            per_page: 50,
                            ..Default::default()
                        },
                    )
                    .await?
                    .0
                    .into_iter()
                    .map(|s| (s.name, 1, format!("/structures/{}", s.id)))
                    .collect(),
            ),
        };
        let jobs_failed = if a.actor.can(Permission::ManageUsers) {
            Some(
                st.store
                    .job_counts()
                    .await?
                    .into_iter()
                    .find(|(s, _)| s == "failed")
                    .map(|(_, n)| n)
                    .unwrap_or(0),
            )
        } else {
            None
        };
        let recent_failures = if a.actor.can(Permission::ReadAudit) {
            let q = AuditQuery {
                action: Some("auth.login".into()),
                failures_only: true,
                limit: 5,
                ..Default::default()
            };
            st.store.audit_search(&a.actor, &q).await?.0
        } else {
            Vec::new()
        };
        let exposure = if a.actor.can(Permission::ReadExposure) {
            Some(st.store.exposure_figures(&a.actor).await?)
        } else {
            None
        };
        let alerts = if a.actor.can(Permission::ReadVulnerabilities) {
            Some(st.store.watch_figures(&a.actor).await?)
        } else {
            None
        };
        let ght_name = match a.actor.scope {
            Scope::Ght(g) => ghts.iter().find(|x| x.id == g).map(|x| x.name.clone()),
            _ => None,
        };
        render(&DashboardPage {
            scope_label: scope_label(&tr, &a.actor.scope, ght_name),
            ctx: Ctx::of(&a),
            display_name: me.display_name,
            role: me.role,
            coverage,
            ghts: ghts.len(),
            by_sector,
            breakdown_title,
            breakdown,
            jobs_failed,
            recent_failures,
            exposure,
            alerts,
        })
    })
}

// ---------- structures ----------

#[derive(Deserialize, Default, Clone)]
pub struct StructureQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub ght: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub legal_family: String,
    #[serde(default)]
    pub designation: String,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

impl StructureQuery {
    pub fn filter(&self) -> Result<StructureFilter, AppError> {
        let ght_id = match self.ght.trim() {
            "" => None,
            g => Some(
                g.parse()
                    .map_err(|_| AppError::BadRequest(format!("ght: {g:?} is not a GHT id")))?,
            ),
        };
        let designation =
            match self.designation.trim() {
                "" => None,
                d => Some(d.parse().map_err(|_| {
                    AppError::BadRequest(format!("designation: unknown value {d:?}"))
                })?),
            };
        Ok(StructureFilter {
            text: Some(self.q.clone()),
            region_code: Some(self.region.clone()),
            department_code: Some(self.department.clone()),
            ght_id,
            category_code: Some(self.category.clone()),
            sector: Some(self.sector.clone()),
            legal_family: Some(self.legal_family.clone()),
            designation,
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(50),
        })
    }

    /// The filters as a query string, without the page (for links).
    fn query_string(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("region", &self.region),
            ("ght", &self.ght),
            ("category", &self.category),
            ("designation", &self.designation),
            ("sector", &self.sector),
            ("legal_family", &self.legal_family),
            ("department", &self.department),
        ];
        serde_urlencoded::to_string(
            pairs
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "structures.html")]
struct StructuresPage {
    ctx: Ctx,
    rows: Vec<vigie_store::registry::StructureRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    category: String,
    query: String,
    regions: Vec<Opt>,
    ght_options: Vec<Opt>,
    designations: Vec<Opt>,
}

/// An `<option>` of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn region_options(selected: &str) -> Vec<Opt> {
    vigie_domain::geo::regions()
        .iter()
        .map(|r| Opt {
            value: r.code.into(),
            label: r.name.into(),
            selected: r.code == selected,
        })
        .collect()
}

async fn structures(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<StructureQuery>,
) -> Response {
    page!(a, {
        let f = q.filter()?;
        let (rows, total) = st.store.list_structure_rows(&a.actor, &f).await?;
        let per_page = f.per_page.clamp(1, 500);
        let ghts = st.store.ght_options(&a.actor).await?;
        render(&StructuresPage {
            ctx: Ctx::of(&a),
            rows,
            total,
            page: f.page.max(1),
            pages: ((total + per_page - 1) / per_page).max(1),
            query: q.query_string(),
            regions: region_options(&q.region),
            ght_options: ghts
                .into_iter()
                .map(|(id, name)| Opt {
                    selected: id.to_string() == q.ght,
                    value: id.to_string(),
                    label: name,
                })
                .collect(),
            designations: ["ose", "esr", "overseas"]
                .into_iter()
                .map(|d| Opt {
                    value: d.into(),
                    label: String::new(),
                    selected: d == q.designation,
                })
                .collect(),
            q: q.q,
            category: q.category,
        })
    })
}

/// CSV export of the filtered list (every page). Cells that a spreadsheet would run as a formula
/// are neutralised.
pub fn structures_to_csv(rows: &[StructureSummary]) -> Result<Vec<u8>, AppError> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let err = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record([
        "finess_et",
        "nom",
        "categorie",
        "secteur",
        "statut",
        "departement",
        "region",
        "ght",
        "ose",
        "esr",
        "outre_mer",
    ])
    .map_err(err)?;
    for r in rows {
        w.write_record([
            r.finess_et.as_str(),
            &safe_cell(&r.name),
            &safe_cell(&r.category_label),
            &r.sector,
            &r.legal_family,
            &r.department_code,
            &r.region_code,
            &safe_cell(r.ght_name.as_deref().unwrap_or("")),
            if r.ose == 1 { "1" } else { "0" },
            if r.esr == 1 { "1" } else { "0" },
            if r.overseas == 1 { "1" } else { "0" },
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

pub fn csv_response(name: &str, body: Vec<u8>) -> Response {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(body);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn structures_csv(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<StructureQuery>,
) -> Response {
    page!(a, {
        let rows = st.store.export_structures(&a.actor, &q.filter()?).await?;
        Ok(csv_response("structures.csv", structures_to_csv(&rows)?))
    })
}

pub struct ContactView {
    pub role_label: &'static str,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Template)]
#[template(path = "structure.html")]
struct StructurePage {
    ctx: Ctx,
    s: Structure,
    contacts: Vec<ContactView>,
    assets: Vec<Asset>,
    can_write: bool,
    can_assets: bool,
    watch: crate::watch::StructureWatch,
}

async fn structure(State(st): State<AppState>, Page(a): Page, Path(id): Path<i64>) -> Response {
    page!(a, {
        let s = st.store.get_structure(&a.actor, id).await?;
        let fr = a.lang == Lang::Fr;
        let contacts = st
            .store
            .list_contacts(&a.actor, id)
            .await?
            .into_iter()
            .map(|c| ContactView {
                role_label: c
                    .role
                    .parse::<ContactRole>()
                    .map(|r| if fr { r.label_fr() } else { r.label_en() })
                    .unwrap_or("?"),
                name: c.name,
                email: c.email,
                phone: c.phone,
            })
            .collect();
        let assets = st.store.list_assets(&a.actor, id).await?;
        let watch = crate::watch::structure_section(&st, &a, id).await?;
        render(&StructurePage {
            watch,
            ctx: Ctx::of(&a),
            s,
            contacts,
            assets,
            can_write: a.actor.can(Permission::WriteStructures),
            can_assets: a.actor.can(Permission::WriteAssets),
        })
    })
}

#[derive(Deserialize)]
struct ContactForm {
    role: String,
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

async fn structure_contact(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<ContactForm>,
) -> Response {
    page!(a, {
        let role: ContactRole = f.role.parse().map_err(|_| {
            AppError::BadRequest(format!("role: unknown contact role {:?}", f.role))
        })?;
        st.store
            .set_contact(&a.actor, id, role, &f.name, Some(&f.email), Some(&f.phone))
            .await?;
        Ok(Redirect::to(&format!("/structures/{id}")).into_response())
    })
}

#[derive(Deserialize)]
struct AssetForm {
    kind: String,
    value: String,
    attested_by: String,
}

pub fn asset_kind(s: &str) -> Result<AssetKind, AppError> {
    match s {
        "domain" => Ok(AssetKind::Domain),
        "ip_range" => Ok(AssetKind::IpRange),
        k => Err(AppError::BadRequest(format!(
            "kind: expected domain or ip_range, got {k:?}"
        ))),
    }
}

async fn structure_add_asset(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<AssetForm>,
) -> Response {
    page!(a, {
        st.store
            .add_asset(&a.actor, id, asset_kind(&f.kind)?, &f.value, &f.attested_by)
            .await?;
        Ok(Redirect::to(&format!("/structures/{id}")).into_response())
    })
}

async fn structure_remove_asset(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, asset)): Path<(i64, i64)>,
) -> Response {
    page!(a, {
        st.store.remove_asset(&a.actor, id, asset).await?;
        Ok(Redirect::to(&format!("/structures/{id}")).into_response())
    })
}

// ---------- GHTs ----------

#[derive(Template)]
#[template(path = "ghts.html")]
struct GhtsPage {
    ctx: Ctx,
    ghts: Vec<Ght>,
}

async fn ghts(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, {
        let ghts = st.store.list_ghts(&a.actor, None).await?;
        render(&GhtsPage {
            ctx: Ctx::of(&a),
            ghts,
        })
    })
}

// ---------- users ----------

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    ctx: Ctx,
    users: Vec<User>,
    can_manage: bool,
    roles: Vec<&'static str>,
    regions: Vec<Opt>,
    ghts: Vec<Ght>,
    message: Option<String>,
    error: Option<String>,
}

async fn users_page(
    st: &AppState,
    a: &crate::auth::Authed,
    message: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let users = st.store.list_users(&a.actor).await?;
    let can_manage = a.actor.can(Permission::ManageUsers);
    let ghts = if can_manage {
        st.store.list_ghts(&a.actor, None).await?
    } else {
        Vec::new()
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = UsersPage {
        ctx: Ctx::of(a),
        users,
        can_manage,
        roles: ALL_ROLES.iter().map(|r| r.as_str()).collect(),
        regions: region_options(""),
        ghts,
        message,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

async fn users(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, users_page(&st, &a, None, None).await)
}

#[derive(Deserialize)]
struct NewUserForm {
    email: String,
    display_name: String,
    role: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    ght: String,
    #[serde(default)]
    structures: String,
    password: String,
}

async fn users_create(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<NewUserForm>,
) -> Response {
    page!(a, {
        let r = async {
            let role: Role = f
                .role
                .parse()
                .map_err(|e: vigie_domain::role::UnknownRole| {
                    AppError::BadRequest(e.to_string())
                })?;
            let mut structure_ids = Vec::new();
            for finess in f
                .structures
                .split([',', ' ', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                let s = st
                    .store
                    .find_structure_by_finess(&a.actor, finess)
                    .await
                    .map_err(|_| AppError::BadRequest(format!("structure {finess} not found")))?;
                structure_ids.push(s.id);
            }
            let nu = vigie_store::accounts::NewUser {
                email: f.email.clone(),
                display_name: f.display_name.clone(),
                role,
                region_code: Some(f.region.clone()).filter(|r| !r.is_empty()),
                ght_id: f.ght.trim().parse().ok(),
                structure_ids,
                password: Some(f.password.clone()),
                locale: "fr".into(),
                must_change_password: true,
            };
            st.store
                .create_user(&a.actor, &nu)
                .await
                .map_err(AppError::from)
        }
        .await;
        match r {
            Ok(_) => users_page(&st, &a, Some(a.tr().t("users.created").to_string()), None).await,
            Err(AppError::BadRequest(m)) | Err(AppError::Conflict(m)) => {
                users_page(&st, &a, None, Some(m)).await
            }
            Err(e) => Err(e),
        }
    })
}

async fn user_disable(State(st): State<AppState>, Page(a): Page, Path(id): Path<i64>) -> Response {
    page!(a, {
        st.store.set_user_disabled(&a.actor, id, true).await?;
        Ok(Redirect::to("/users").into_response())
    })
}

async fn user_enable(State(st): State<AppState>, Page(a): Page, Path(id): Path<i64>) -> Response {
    page!(a, {
        st.store.set_user_disabled(&a.actor, id, false).await?;
        Ok(Redirect::to("/users").into_response())
    })
}

async fn user_reset_mfa(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        a.actor
            .require(Permission::ManageUsers)
            .map_err(AppError::from)?;
        st.store.get_user(&a.actor, id).await?;
        st.store.set_totp(&a.actor, id, None, false).await?;
        Ok(Redirect::to("/users").into_response())
    })
}

// ---------- audit ----------

#[derive(Deserialize, Default)]
pub struct AuditParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub failures: Option<String>,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

impl AuditParams {
    pub fn query(&self, default_limit: i64) -> AuditQuery {
        let limit = self.limit.unwrap_or(default_limit).clamp(1, 100_000);
        AuditQuery {
            text: Some(self.q.clone()),
            action: Some(self.action.clone()),
            failures_only: self.failures.as_deref() == Some("1"),
            limit,
            offset: (self.page.unwrap_or(1).max(1) - 1) * limit,
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<AuditEntry>,
    total: i64,
    q: String,
    action: String,
    failures: bool,
    query: String,
}

async fn audit(
    State(st): State<AppState>,
    Page(a): Page,
    Query(p): Query<AuditParams>,
) -> Response {
    page!(a, {
        let (entries, total) = st.store.audit_search(&a.actor, &p.query(100)).await?;
        let query =
            serde_urlencoded::to_string([("q", &p.q), ("action", &p.action)]).unwrap_or_default();
        render(&AuditPage {
            ctx: Ctx::of(&a),
            entries,
            total,
            failures: p.failures.as_deref() == Some("1"),
            q: p.q,
            action: p.action,
            query,
        })
    })
}

pub fn audit_to_csv(entries: &[AuditEntry]) -> Result<Vec<u8>, AppError> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .from_writer(Vec::new());
    let err = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record([
        "id",
        "at_utc",
        "actor_user_id",
        "actor",
        "action",
        "target_kind",
        "target_id",
        "success",
        "ip",
        "detail",
    ])
    .map_err(err)?;
    for e in entries {
        let at = chrono::DateTime::from_timestamp(e.at, 0)
            .map(|d| d.to_rfc3339())
            .unwrap_or_default();
        w.write_record([
            e.id.to_string(),
            at,
            e.actor_user_id.map(|i| i.to_string()).unwrap_or_default(),
            safe_cell(&e.actor),
            e.action.clone(),
            e.target_kind.clone(),
            safe_cell(&e.target_id),
            e.success.to_string(),
            e.ip.clone().unwrap_or_default(),
            safe_cell(&e.detail),
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

async fn audit_csv(
    State(st): State<AppState>,
    Page(a): Page,
    Query(p): Query<AuditParams>,
) -> Response {
    page!(a, {
        let (entries, _) = st.store.audit_search(&a.actor, &p.query(100_000)).await?;
        Ok(csv_response("audit.csv", audit_to_csv(&entries)?))
    })
}

// ---------- imports ----------

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    ctx: Ctx,
    report: Option<ImportReport>,
    error: Option<String>,
}

async fn import_form(Page(a): Page) -> Response {
    page!(a, {
        a.actor
            .require(Permission::ImportRegistry)
            .map_err(AppError::from)?;
        render(&ImportPage {
            ctx: Ctx::of(&a),
            report: None,
            error: None,
        })
    })
}

async fn uploaded_file(mut mp: Multipart) -> Result<bytes::Bytes, AppError> {
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("upload: {e}")))?
    {
        if field.name() == Some("file") {
            return field
                .bytes()
                .await
                .map_err(|e| AppError::BadRequest(format!("upload: {e}")));
        }
    }
    Err(AppError::BadRequest("upload: no file field".into()))
}

async fn import_run(
    st: &AppState,
    a: &crate::auth::Authed,
    mp: Multipart,
    ght: bool,
) -> Result<Response, AppError> {
    a.actor.require(Permission::ImportRegistry)?;
    let data = uploaded_file(mp).await?;
    let r = if ght {
        st.store.import_ght(&a.actor, &data[..]).await
    } else {
        st.store.import_finess(&a.actor, &data[..]).await
    };
    let page = match r {
        Ok(report) => ImportPage {
            ctx: Ctx::of(a),
            report: Some(report),
            error: None,
        },
        // The problem as its key and arguments until the pages word problems (vigie-report).
        Err(vigie_store::StoreError::Invalid(p)) => ImportPage {
            ctx: Ctx::of(a),
            report: None,
            error: Some(p.to_string()),
        },
        Err(e) => return Err(e.into()),
    };
    render(&page)
}

async fn import_finess(State(st): State<AppState>, Page(a): Page, mp: Multipart) -> Response {
    page!(a, import_run(&st, &a, mp, false).await)
}

async fn import_ght(State(st): State<AppState>, Page(a): Page, mp: Multipart) -> Response {
    page!(a, import_run(&st, &a, mp, true).await)
}

// ---------- account ----------

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: Ctx,
    tokens: Vec<ApiToken>,
    can_tokens: bool,
    new_token: Option<String>,
    message: Option<&'static str>,
    error: Option<String>,
    must_change: bool,
}

async fn account_page(
    st: &AppState,
    a: &crate::auth::Authed,
    new_token: Option<String>,
    message: Option<&'static str>,
    error: Option<String>,
) -> Result<Response, AppError> {
    let u = st.store.login_user_by_id(a.user_id).await?;
    let tokens = st.store.list_api_tokens(&a.actor, a.user_id).await?;
    let page = AccountPage {
        ctx: Ctx::of(a),
        tokens,
        can_tokens: a.actor.can(Permission::OwnTokens),
        new_token,
        message,
        error,
        must_change: u.must_change_password == 1,
    };
    render(&page)
}

async fn account(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, account_page(&st, &a, None, None, None).await)
}

#[derive(Deserialize)]
struct PasswordForm {
    current: String,
    new: String,
}

async fn account_password(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<PasswordForm>,
) -> Response {
    page!(a, {
        let u = st.store.login_user_by_id(a.user_id).await?;
        if !u
            .password_hash
            .as_deref()
            .is_some_and(|h| vigie_store::accounts::verify_password(&f.current, h))
        {
            return account_page(
                &st,
                &a,
                None,
                None,
                Some(a.tr().t("login.failed").to_string()),
            )
            .await;
        }
        match st
            .store
            .set_password(&a.actor, a.user_id, &f.new, false)
            .await
        {
            Ok(()) => {
                // Changing the password ends every session, this one too: sign in again.
                Ok((
                    [(
                        header::SET_COOKIE,
                        set_cookie(&st, SESSION_COOKIE, "", 0, true),
                    )],
                    Redirect::to("/login"),
                )
                    .into_response())
            }
            Err(vigie_store::StoreError::Invalid(p)) => {
                account_page(&st, &a, None, None, Some(p.to_string())).await
            }
            Err(e) => Err(e.into()),
        }
    })
}

#[derive(Deserialize)]
struct TokenForm {
    name: String,
}

async fn account_token(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<TokenForm>,
) -> Response {
    page!(a, {
        let (_, secret) = st
            .store
            .create_api_token(&a.actor, a.user_id, &f.name, Some(365))
            .await?;
        account_page(&st, &a, Some(secret), None, None).await
    })
}

async fn account_token_revoke(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        st.store.revoke_api_token(&a.actor, a.user_id, id).await?;
        Ok(Redirect::to("/account").into_response())
    })
}
