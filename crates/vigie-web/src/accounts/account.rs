//! "My account": the password, the API tokens.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::Permission;
use vigie_store::accounts::ApiToken;

use vigie_store::accounts::login_subject;

use crate::auth::{source_key, Authed, ClientIp, Page};
use crate::cookies::{cookie, SESSION_COOKIE};
use crate::error::AppError;
use crate::ui::{page, render, set_cookie, Ctx};
use crate::AppState;

#[derive(Template)]
#[template(path = "accounts/account.html")]
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
    a: &Authed,
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

pub(crate) async fn account(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, account_page(&st, &a, None, None, None).await)
}

#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    current: String,
    new: String,
}

/// The password change. The current password is a secret typed like the sign-in form's: the same
/// throttle of the address, the same lock of the account's name for that address, and each wrong
/// one counts in the session, which ends at the limit (a stolen cookie cannot try passwords).
pub(crate) async fn account_password(
    State(st): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Page(a): Page,
    Form(f): Form<PasswordForm>,
) -> Response {
    let session_token = cookie(&headers, SESSION_COOKIE).map(str::to_string);
    page!(a, {
        let source = source_key(&ip);
        let subject = login_subject(&a.email);
        let refuse =
            |key: &'static str| account_page(&st, &a, None, None, Some(a.tr().t(key).to_string()));
        if !st.throttle.allow(
            &source,
            st.config.login_attempts_per_minute,
            vigie_store::db::now(),
        ) {
            return refuse("login-throttled").await;
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
                    Some(ip.clone()),
                    false,
                    "current_password_locked",
                )
                .await;
            return refuse("login-locked").await;
        }
        let u = st.store.login_user_by_id(a.user_id).await?;
        if !u
            .password_hash
            .as_deref()
            .is_some_and(|h| vigie_store::accounts::verify_password(&f.current, h))
        {
            let locked = st
                .store
                .auth_failed(&subject, &source, crate::accounts::login::lockout(&st))
                .await?;
            let _ = st
                .store
                .audit_login(
                    &a.email,
                    Some(a.user_id),
                    Some(ip.clone()),
                    false,
                    "current_password_wrong",
                )
                .await;
            let ended = match &session_token {
                Some(t) => {
                    st.store
                        .session_secret_failed(t, st.config.max_login_failures)
                        .await?
                }
                None => false,
            };
            if ended {
                return Ok((
                    [(
                        header::SET_COOKIE,
                        set_cookie(&st, SESSION_COOKIE, "", 0, true),
                    )],
                    Redirect::to("/login"),
                )
                    .into_response());
            }
            return refuse(if locked {
                "login-locked"
            } else {
                "login-failed"
            })
            .await;
        }
        st.store.auth_succeeded(&subject, &source).await?;
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
                account_page(&st, &a, None, None, Some(a.tr().problem(&p))).await
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
