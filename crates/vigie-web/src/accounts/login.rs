//! Signing in and out: the password form (with its throttle and lockout), the second factor
//! (TOTP) and its enrolment, and the language switch.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::Role;

use vigie_store::accounts::{
    bounded, login_subject, mfa_subject, Lockout, ANY_SOURCE, MAX_EMAIL_CHARS,
};

use crate::auth::{
    check_totp, new_totp_secret, request_lang, source_key, totp_for, ClientIp, PendingMfa,
};
use crate::cookies::{cookie, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ui::{render, set_cookie, Ctx};
use crate::AppState;

#[derive(Template)]
#[template(path = "accounts/login.html")]
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

pub(crate) async fn login_form(State(st): State<AppState>, headers: HeaderMap) -> Response {
    login_page(&st, &headers, None, String::new(), StatusCode::OK)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
}

/// The lockout of every secret a person types (see `vigie_store::accounts::limiter`).
pub(crate) fn lockout(st: &AppState) -> Lockout {
    Lockout {
        max_failures: st.config.max_login_failures,
        lock_secs: st.config.lockout_secs,
    }
}

/// The password form. In order: the throttle of the address (attempts a minute, whatever the
/// name), the lock of this name for this address, then the password. A name that matches no
/// account goes through the same steps, the same counts and the same answers as one that does.
pub(crate) async fn login(
    State(st): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    use std::sync::atomic::Ordering;
    let now = vigie_store::db::now();
    // What a stranger typed is kept, logged and echoed to a sane length only.
    let email = bounded(&f.email.trim().to_lowercase(), MAX_EMAIL_CHARS);
    let source = source_key(&ip);
    if !st
        .throttle
        .allow(&source, st.config.login_attempts_per_minute, now)
    {
        let _ = st
            .store
            .audit_login(&email, None, Some(ip), false, "throttled")
            .await;
        return login_page(
            &st,
            &headers,
            Some("login-throttled"),
            email,
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    let subject = login_subject(&email);
    let locked = match st.store.auth_locked_until(&subject, &source).await {
        Ok(l) => l.is_some(),
        Err(e) => return AppError::from(e).into_response(),
    };
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
    let uid = user.as_ref().map(|u| u.id);
    if locked {
        return fail("locked", uid, "login-locked").await;
    }
    let ok = match &user {
        Some(u) => {
            u.password_hash
                .as_deref()
                .is_some_and(|h| vigie_store::accounts::verify_password(&f.password, h))
                && u.disabled == 0
        }
        None => {
            // Same work as a real check, so that timing does not reveal which e-mails exist.
            let _ = vigie_store::accounts::verify_password(&f.password, "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0jRzKqCwtTnNrqmAvvXz0QvB2VpJxnQn0X3VtTfsVQU");
            false
        }
    };
    let Some(u) = user.clone().filter(|_| ok) else {
        let now_locked = match st.store.auth_failed(&subject, &source, lockout(&st)).await {
            Ok(l) => l,
            Err(e) => return AppError::from(e).into_response(),
        };
        let reason = match &user {
            None => "unknown_user",
            Some(u) if u.disabled == 1 => "disabled",
            Some(_) if now_locked => "bad_password_locked",
            Some(_) => "bad_password",
        };
        let msg = if now_locked {
            "login-locked"
        } else {
            "login-failed"
        };
        return fail(reason, uid, msg).await;
    };
    let role: Role = u.role.parse().unwrap_or(Role::StructureMember);
    let mfa = crate::auth::needs_mfa(role, u.totp_enabled == 1);
    if let Err(e) = st.store.auth_succeeded(&subject, &source).await {
        return AppError::from(e).into_response();
    }
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
#[template(path = "accounts/totp.html")]
struct TotpPage {
    ctx: Ctx,
    setup: bool,
    /// The message key of a refusal.
    error: Option<&'static str>,
    action: &'static str,
    secret: String,
    qr_svg: String,
}

pub(crate) async fn totp_form(p: PendingMfa) -> Response {
    let page = TotpPage {
        ctx: Ctx::anonymous(p.lang, p.csrf),
        setup: false,
        error: None,
        action: "/login/totp",
        secret: String::new(),
        qr_svg: String::new(),
    };
    render(&page).unwrap_or_else(IntoResponse::into_response)
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    code: String,
}

/// What the limiter says before a second-factor code is checked.
enum Gate {
    Open,
    Throttled,
    Locked,
}

/// The throttle of the address, then the lock of the account's second factor.
async fn mfa_gate(st: &AppState, user_id: i64, source: &str) -> Result<Gate, AppError> {
    let now = vigie_store::db::now();
    if !st
        .throttle
        .allow(source, st.config.login_attempts_per_minute, now)
    {
        return Ok(Gate::Throttled);
    }
    if st
        .store
        .auth_locked_until(&mfa_subject(user_id), ANY_SOURCE)
        .await?
        .is_some()
    {
        return Ok(Gate::Locked);
    }
    Ok(Gate::Open)
}

/// A wrong code: counted for the account (all addresses) and for the session, which ends at the
/// limit. Returns (the account's second factor is now locked, the session ended).
async fn mfa_failed(st: &AppState, p: &PendingMfa) -> Result<(bool, bool), AppError> {
    let locked = st
        .store
        .auth_failed(&mfa_subject(p.user_id), ANY_SOURCE, lockout(st))
        .await?;
    let ended = st
        .store
        .session_secret_failed(&p.session_token, st.config.max_login_failures)
        .await?;
    Ok((locked, ended))
}

/// The session ended after too many wrong secrets: its cookie goes, and the password is asked
/// again (which has its own limits).
fn session_ended(st: &AppState) -> Response {
    (
        [(
            header::SET_COOKIE,
            set_cookie(st, SESSION_COOKIE, "", 0, true),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}

pub(crate) async fn totp_submit(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    p: PendingMfa,
    Form(f): Form<CodeForm>,
) -> Response {
    let source = source_key(&ip);
    let audit = |ok: bool, reason: &'static str| {
        let st = st.clone();
        let email = p.email.clone();
        let ip = ip.clone();
        let uid = p.user_id;
        async move {
            let _ = st
                .store
                .audit_login(&email, Some(uid), Some(ip), ok, reason)
                .await;
        }
    };
    let refused = |status: StatusCode, key: &'static str| {
        let page = TotpPage {
            ctx: Ctx::anonymous(p.lang, p.csrf.clone()),
            setup: false,
            error: Some(key),
            action: "/login/totp",
            secret: String::new(),
            qr_svg: String::new(),
        };
        match page.render() {
            Ok(h) => (status, Html(h)).into_response(),
            Err(e) => AppError::from(e).into_response(),
        }
    };
    match mfa_gate(&st, p.user_id, &source).await {
        Ok(Gate::Open) => {}
        Ok(Gate::Throttled) => {
            audit(false, "mfa_throttled").await;
            return refused(StatusCode::TOO_MANY_REQUESTS, "totp-throttled");
        }
        Ok(Gate::Locked) => {
            audit(false, "mfa_locked").await;
            return refused(StatusCode::UNAUTHORIZED, "totp-locked");
        }
        Err(e) => return e.into_response(),
    }
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
            if let Err(e) = st
                .store
                .auth_succeeded(&mfa_subject(p.user_id), ANY_SOURCE)
                .await
            {
                return AppError::from(e).into_response();
            }
            if let Err(e) = st.store.session_mfa_passed(&p.session_token).await {
                return AppError::from(e).into_response();
            }
            st.metrics
                .logins_ok
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            audit(true, "mfa_ok").await;
            Redirect::to("/").into_response()
        }
        Ok(false) => {
            let (locked, ended) = match mfa_failed(&st, &p).await {
                Ok(x) => x,
                Err(e) => return e.into_response(),
            };
            audit(
                false,
                if locked {
                    "mfa_bad_code_locked"
                } else {
                    "mfa_bad_code"
                },
            )
            .await;
            if ended {
                return session_ended(&st);
            }
            refused(
                StatusCode::UNAUTHORIZED,
                if locked { "totp-locked" } else { "totp-failed" },
            )
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) fn qr_svg(url: &str) -> String {
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
pub(crate) async fn totp_setup_form(State(st): State<AppState>, p: PendingMfa) -> Response {
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
            error: None,
            action: "/login/totp/setup",
            qr_svg: qr_svg(&totp.get_url()),
            secret,
        };
        render(&page)
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

pub(crate) async fn totp_setup_submit(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    p: PendingMfa,
    Form(f): Form<CodeForm>,
) -> Response {
    let source = source_key(&ip);
    let r = async {
        let u = st.store.login_user_by_id(p.user_id).await?;
        if u.totp_enabled == 1 {
            return Err(AppError::Forbidden);
        }
        let secret = u.totp_secret.ok_or(AppError::Forbidden)?;
        let totp = totp_for(&secret, &u.email)?;
        let page = |key: &'static str| TotpPage {
            ctx: Ctx::anonymous(p.lang, p.csrf.clone()),
            setup: true,
            error: Some(key),
            action: "/login/totp/setup",
            qr_svg: qr_svg(&totp.get_url()),
            secret: secret.clone(),
        };
        match mfa_gate(&st, u.id, &source).await? {
            Gate::Open => {}
            Gate::Throttled => {
                let html = page("totp-throttled").render()?;
                return Ok((StatusCode::TOO_MANY_REQUESTS, Html(html)).into_response());
            }
            Gate::Locked => {
                let html = page("totp-locked").render()?;
                return Ok((StatusCode::UNAUTHORIZED, Html(html)).into_response());
            }
        }
        let now = vigie_store::db::now() as u64;
        match check_totp(&totp, &f.code, now) {
            Some(step) if st.store.consume_totp_step(u.id, step).await? => {
                let actor = vigie_store::Actor::own_account(Some(u.id), &u.email, Some(ip.clone()));
                st.store.set_totp(&actor, u.id, Some(&secret), true).await?;
                st.store.consume_totp_step(u.id, step).await?;
                st.store
                    .auth_succeeded(&mfa_subject(u.id), ANY_SOURCE)
                    .await?;
                st.store.session_mfa_passed(&p.session_token).await?;
                Ok(Redirect::to("/").into_response())
            }
            _ => {
                let (locked, ended) = mfa_failed(&st, &p).await?;
                let _ = st
                    .store
                    .audit_login(
                        &p.email,
                        Some(p.user_id),
                        Some(ip.clone()),
                        false,
                        "mfa_setup_bad_code",
                    )
                    .await;
                if ended {
                    return Ok(session_ended(&st));
                }
                let key = if locked { "totp-locked" } else { "totp-failed" };
                Ok((StatusCode::UNAUTHORIZED, Html(page(key).render()?)).into_response())
            }
        }
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

pub(crate) async fn logout(State(st): State<AppState>, headers: HeaderMap) -> Response {
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
pub(crate) struct LangForm {
    lang: String,
}

/// Switches the language: a cookie for everyone, and the account's preference when signed in.
pub(crate) async fn switch_lang(
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
