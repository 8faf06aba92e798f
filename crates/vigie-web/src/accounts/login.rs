//! Signing in and out: the password form (with its throttle and lockout), the second factor
//! (TOTP) and its enrolment, and the language switch.

use askama::Template;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::Role;

use crate::auth::{check_totp, new_totp_secret, request_lang, totp_for, ClientIp, PendingMfa};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::security::{cookie, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE};
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

pub(crate) async fn login(
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
            Some("login-throttled"),
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
        return fail("unknown_user", None, "login-failed").await;
    };
    if u.locked_until > now {
        return fail("locked", Some(u.id), "login-locked").await;
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
                "login-locked"
            } else {
                "login-failed"
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
#[template(path = "accounts/totp.html")]
struct TotpPage {
    ctx: Ctx,
    setup: bool,
    failed: bool,
    action: &'static str,
    secret: String,
    qr_svg: String,
}

pub(crate) async fn totp_form(p: PendingMfa) -> Response {
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
pub(crate) struct CodeForm {
    code: String,
}

pub(crate) async fn totp_submit(
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

pub(crate) async fn totp_setup_submit(
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
