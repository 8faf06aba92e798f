//! "My account": the language, the password, the second factor, the API tokens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::Permission;
use vigie_store::accounts::ApiToken;

use vigie_store::accounts::login_subject;

use crate::accounts::login::qr_svg;
use crate::auth::{check_totp, new_totp_secret, source_key, totp_for, Authed, ClientIp, Page};
use crate::cookies::{cookie, LANG_COOKIE, SESSION_COOKIE};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ui::{page, render_status, set_cookie, Ctx};
use crate::AppState;

/// A refusal shown beside the field it is about (`field` is the field's name, or empty for the
/// top of the page).
struct FieldError {
    field: &'static str,
    message: String,
}

impl FieldError {
    fn on(field: &'static str, message: String) -> Option<FieldError> {
        Some(FieldError { field, message })
    }
}

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    ctx: Ctx,
    tokens: Vec<ApiToken>,
    can_tokens: bool,
    new_token: Option<String>,
    message: Option<&'static str>,
    error: Option<FieldError>,
    must_change: bool,
    /// The account's language (`fr` or `en`), as stored.
    locale: String,
    totp_enabled: bool,
    /// The role requires a second factor: it cannot be turned off.
    totp_required: bool,
    /// Which kinds of notification come by e-mail.
    email_prefs: Vec<EmailPref>,
}

/// A kind of notification, whether it comes by e-mail, and the key of its label.
struct EmailPref {
    kind: &'static str,
    on: bool,
    key: String,
}

impl AccountPage {
    /// The error for field `name`, if the refusal is about it.
    fn error_for(&self, name: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == name)
            .map(|e| e.message.as_str())
    }
}

async fn account_page(
    st: &AppState,
    a: &Authed,
    new_token: Option<String>,
    message: Option<&'static str>,
    error: Option<FieldError>,
) -> Result<Response, AppError> {
    let u = st.store.login_user_by_id(a.user_id).await?;
    let tokens = st.store.list_api_tokens(&a.actor, a.user_id).await?;
    let email_prefs = st
        .store
        .email_prefs(&a.actor)
        .await?
        .into_iter()
        .map(|(kind, on)| EmailPref {
            kind,
            on,
            key: crate::ui::notification_kind_key(kind),
        })
        .collect();
    // A refusal comes back as the page itself (200, as it always has for the password form).
    let status = StatusCode::OK;
    let page = AccountPage {
        ctx: Ctx::of(a),
        tokens,
        can_tokens: a.actor.can(Permission::OwnTokens),
        new_token,
        message,
        error,
        must_change: u.must_change_password == 1,
        locale: u.locale,
        totp_enabled: u.totp_enabled == 1,
        totp_required: a.actor.role.requires_mfa(),
        email_prefs,
    };
    render_status(status, &page)
}

#[derive(Deserialize, Default)]
pub(crate) struct AccountQuery {
    /// What was just saved (`email_prefs`), to say so.
    #[serde(default)]
    saved: String,
}

pub(crate) async fn account(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<AccountQuery>,
) -> Response {
    let message = (q.saved == "email_prefs").then_some("account-email_prefs_saved");
    page!(a, account_page(&st, &a, None, message, None).await)
}

/// What checking the current password, typed again to confirm a change, concluded.
enum Current {
    Right,
    /// Wrong, locked or throttled: the message key to show.
    Refused(&'static str),
    /// Too many wrong ones in this session: it ended, and this answer signs out.
    SessionEnded(Response),
}

fn signed_out(st: &AppState) -> Response {
    (
        [(
            header::SET_COOKIE,
            set_cookie(st, SESSION_COOKIE, "", 0, true),
        )],
        Redirect::to("/login"),
    )
        .into_response()
}

/// The current password, typed to confirm a change of the account's secrets. It is a secret
/// typed like the sign-in form's: the same throttle of the address, the same lock of the
/// account's name for that address, and each wrong one counts in the session, which ends at the
/// limit (a stolen cookie cannot try passwords).
async fn check_current_password(
    st: &AppState,
    a: &Authed,
    ip: &str,
    headers: &HeaderMap,
    current: &str,
) -> Result<Current, AppError> {
    // What asks for the current password (a new password, a new or no second factor) is done
    // by the person, signed in: never with an API token, which passed no second factor.
    if a.via_token {
        return Err(AppError::Forbidden);
    }
    let source = source_key(ip);
    let subject = login_subject(&a.email);
    if !st.throttle.allow(
        &source,
        st.config.login_attempts_per_minute,
        vigie_store::db::now(),
    ) {
        return Ok(Current::Refused("login-throttled"));
    }
    if st
        .store
        .auth_locked_until(&subject, &source)
        .await?
        .is_some()
    {
        let _ = st
            .store
            .audit_login(
                &a.email,
                Some(a.user_id),
                Some(ip.to_string()),
                false,
                "current_password_locked",
            )
            .await;
        return Ok(Current::Refused("login-locked"));
    }
    let u = st.store.login_user_by_id(a.user_id).await?;
    if u.password_hash
        .as_deref()
        .is_some_and(|h| vigie_store::accounts::verify_password(current, h))
    {
        st.store.auth_succeeded(&subject, &source).await?;
        return Ok(Current::Right);
    }
    let locked = st
        .store
        .auth_failed(&subject, &source, crate::accounts::login::lockout(st))
        .await?;
    let _ = st
        .store
        .audit_login(
            &a.email,
            Some(a.user_id),
            Some(ip.to_string()),
            false,
            "current_password_wrong",
        )
        .await;
    let ended = match cookie(headers, SESSION_COOKIE) {
        Some(t) => {
            st.store
                .session_secret_failed(t, st.config.max_login_failures)
                .await?
        }
        None => false,
    };
    if ended {
        return Ok(Current::SessionEnded(signed_out(st)));
    }
    Ok(Current::Refused(if locked {
        "login-locked"
    } else {
        "login-failed"
    }))
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    current: String,
    new: String,
}

/// The password change, confirmed by the current password.
pub(crate) async fn account_password(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Page(a): Page,
    Form(f): Form<PasswordForm>,
) -> Response {
    page!(a, {
        match check_current_password(&st, &a, &ip, &headers, &f.current).await? {
            Current::Right => {}
            Current::Refused(key) => {
                let e = FieldError::on("current", a.tr().t(key));
                return account_page(&st, &a, None, None, e).await;
            }
            Current::SessionEnded(r) => return Ok(r),
        }
        match st
            .store
            .set_password(&a.actor, a.user_id, &f.new, false)
            .await
        {
            // Changing the password ends every session, this one too: sign in again.
            Ok(()) => Ok(signed_out(&st)),
            Err(vigie_store::StoreError::Invalid(p)) => {
                let e = FieldError::on("new", a.tr().problem(&p));
                account_page(&st, &a, None, None, e).await
            }
            Err(e) => Err(e.into()),
        }
    })
}

#[derive(Deserialize)]
pub(crate) struct LanguageForm {
    #[serde(default)]
    lang: String,
}

/// The account's language: the pages and the e-mails it receives speak it, on every device
/// (the language cookie follows, for the pages seen before signing in).
pub(crate) async fn account_language(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<LanguageForm>,
) -> Response {
    page!(a, {
        let Some(lang) = Lang::parse(&f.lang).filter(|_| matches!(f.lang.as_str(), "fr" | "en"))
        else {
            let p = vigie_domain::problem::Problem::new("accounts-locale-unknown")
                .arg("value", f.lang.clone());
            let e = FieldError::on("lang", a.tr().problem(&p));
            return account_page(&st, &a, None, None, e).await;
        };
        st.store.set_locale(a.user_id, lang.code()).await?;
        Ok((
            [(
                header::SET_COOKIE,
                set_cookie(&st, LANG_COOKIE, lang.code(), 365 * 86400, false),
            )],
            Redirect::to("/account"),
        )
            .into_response())
    })
}

#[derive(Template)]
#[template(path = "accounts/account_totp.html")]
struct TotpRenewPage {
    ctx: Ctx,
    /// The new seed, in base32, to type into the app if the code cannot be scanned.
    secret: String,
    /// The same seed sealed for this account, carried by the form.
    offer: String,
    qr_svg: String,
    /// What was typed in the code field (the password is never sent back).
    code: String,
    error: Option<FieldError>,
    totp_enabled: bool,
}

impl TotpRenewPage {
    fn error_for(&self, name: &str) -> Option<&str> {
        self.error
            .as_ref()
            .filter(|e| e.field == name)
            .map(|e| e.message.as_str())
    }
}

async fn totp_renew_page(
    st: &AppState,
    a: &Authed,
    secret: String,
    code: String,
    error: Option<FieldError>,
) -> Result<Response, AppError> {
    let totp = totp_for(&secret, &a.email)?;
    let u = st.store.login_user_by_id(a.user_id).await?;
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = TotpRenewPage {
        ctx: Ctx::of(a),
        offer: st.store.seal_totp_offer(a.user_id, &secret),
        qr_svg: qr_svg(&totp.get_url()),
        secret,
        code,
        error,
        totp_enabled: u.totp_enabled == 1,
    };
    render_status(status, &page)
}

/// A new authenticator: a new seed is offered (nothing is stored until it is confirmed).
pub(crate) async fn account_totp(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(
        a,
        totp_renew_page(&st, &a, new_totp_secret(), String::new(), None).await
    )
}

#[derive(Deserialize)]
pub(crate) struct TotpRenewForm {
    #[serde(default)]
    offer: String,
    #[serde(default)]
    current: String,
    /// A code of the second factor in place, when there is one.
    #[serde(default)]
    current_code: String,
    #[serde(default)]
    code: String,
}

/// Replaces the second factor by the offered seed, once the current password, a code of the
/// factor in place (when there is one) and a code of the new seed prove the person, the old app
/// and the new one. The account's other sessions end.
pub(crate) async fn account_totp_renew(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Page(a): Page,
    Form(f): Form<TotpRenewForm>,
) -> Response {
    page!(a, {
        let tr = a.tr();
        // The offer is opened first: a form that does not carry one of ours shows a new one.
        // An expired offer is said as such; any other offer not ours, as not ours.
        let secret = match st.store.open_totp_offer(a.user_id, &f.offer) {
            Ok(s) if totp_for(&s, &a.email).is_ok() => s,
            Ok(_) | Err(vigie_store::StoreError::Invalid(_)) => {
                let p = match st.store.open_totp_offer(a.user_id, &f.offer) {
                    Err(vigie_store::StoreError::Invalid(p)) => p,
                    _ => vigie_domain::problem::Problem::new("accounts-totp-offer-invalid"),
                };
                let e = FieldError::on("", tr.problem(&p));
                return totp_renew_page(&st, &a, new_totp_secret(), String::new(), e).await;
            }
            Err(e) => return Err(e.into()),
        };
        match check_current_password(&st, &a, &ip, &headers, &f.current).await? {
            Current::Right => {}
            Current::Refused(key) => {
                let e = FieldError::on("current", tr.t(key));
                return totp_renew_page(&st, &a, secret, f.code.clone(), e).await;
            }
            Current::SessionEnded(r) => return Ok(r),
        }
        let now = vigie_store::db::now() as u64;
        // The second factor in place proves itself too: a stolen session and password alone do
        // not replace it (the code is used up like a sign-in's).
        let u = st.store.login_user_by_id(a.user_id).await?;
        if let (1, Some(old)) = (u.totp_enabled, u.totp_secret.as_deref()) {
            let proved = match check_totp(&totp_for(old, &a.email)?, &f.current_code, now) {
                Some(step) => st.store.consume_totp_step(a.user_id, step).await?,
                None => false,
            };
            if !proved {
                let e = FieldError::on("current_code", tr.t("totp-failed"));
                return totp_renew_page(&st, &a, secret, f.code.clone(), e).await;
            }
        }
        let totp = totp_for(&secret, &a.email)?;
        let Some(step) = check_totp(&totp, &f.code, now) else {
            let e = FieldError::on("code", tr.t("totp-failed"));
            return totp_renew_page(&st, &a, secret, f.code.clone(), e).await;
        };
        let keep = cookie(&headers, SESSION_COOKIE);
        st.store.renew_own_totp(&a.actor, &secret, keep).await?;
        // The code that proved the new seed cannot be used again to sign in.
        st.store.consume_totp_step(a.user_id, step).await?;
        account_page(&st, &a, None, Some("account-totp_renewed"), None).await
    })
}

#[derive(Deserialize)]
pub(crate) struct TotpDisableForm {
    #[serde(default)]
    current: String,
}

/// Turns the second factor off, for the roles that do not require one, confirmed by the current
/// password.
pub(crate) async fn account_totp_disable(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Page(a): Page,
    Form(f): Form<TotpDisableForm>,
) -> Response {
    page!(a, {
        let tr = a.tr();
        if a.actor.role.requires_mfa() {
            let p = vigie_domain::problem::Problem::new("accounts-mfa-required")
                .arg("role", tr.role(a.actor.role.as_str()));
            return account_page(&st, &a, None, None, FieldError::on("", tr.problem(&p))).await;
        }
        match check_current_password(&st, &a, &ip, &headers, &f.current).await? {
            Current::Right => {}
            Current::Refused(key) => {
                let e = FieldError::on("totp_current", tr.t(key));
                return account_page(&st, &a, None, None, e).await;
            }
            Current::SessionEnded(r) => return Ok(r),
        }
        match st.store.disable_own_totp(&a.actor).await {
            Ok(()) => account_page(&st, &a, None, Some("account-totp_disabled"), None).await,
            Err(vigie_store::StoreError::Invalid(p)) => {
                account_page(&st, &a, None, None, FieldError::on("", tr.problem(&p))).await
            }
            Err(e) => Err(e.into()),
        }
    })
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    name: String,
}

pub(crate) async fn account_token(
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

pub(crate) async fn account_token_revoke(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        st.store.revoke_api_token(&a.actor, a.user_id, id).await?;
        Ok(Redirect::to("/account").into_response())
    })
}
