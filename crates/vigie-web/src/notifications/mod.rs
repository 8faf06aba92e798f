//! Notifications: the webhooks attached to a territory and what was sent to whom. A page for
//! people (`/notifications`) and the same operations in the API (`/api/v1/webhooks`,
//! `/api/v1/notifications`). Who may attach a webhook where is decided by the store
//! (`vigie_store::notify`): a regional analyst for its region, a GHT officer for its GHT, a
//! structure administrator for its structures.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Deserialize;
use vigie_domain::role::{Permission, Scope};
use vigie_store::notify::{Notification, Webhook, WebhookScope};

use utoipa_axum::routes;

mod inbox;

use crate::auth::{Api, Authed, Page};
use crate::error::{AppError, AppResult};
use crate::routes::{NavItem, Routes};
use crate::ui::{page, Ctx, Opt};
use crate::AppState;

/// Where a webhook goes, as forms and API bodies say it.
#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct WebhookBody {
    pub name: String,
    pub url: String,
    /// `national`, `region`, `ght` or `structure`.
    #[serde(default)]
    pub scope: String,
    /// The region code, GHT id or structure FINESS/id the scope names.
    #[serde(default)]
    pub target: String,
    /// Comma-separated event prefixes; empty = all.
    #[serde(default)]
    pub events: String,
}

async fn webhook_scope(st: &AppState, a: &Authed, b: &WebhookBody) -> AppResult<WebhookScope> {
    let target = b.target.trim();
    let scope = match b.scope.as_str() {
        "" => default_scope(&a.actor.scope),
        "national" => WebhookScope::National,
        "region" => WebhookScope::Region(target.to_string()),
        "ght" => WebhookScope::Ght(target.parse().map_err(|_| {
            AppError::BadRequest(format!("target {target:?}: a GHT id is expected"))
        })?),
        "structure" => {
            let id = match target.parse::<i64>() {
                Ok(id) if target.len() != 9 => id,
                _ => {
                    st.store
                        .find_structure_by_finess(&a.actor, target)
                        .await
                        .map_err(|_| {
                            AppError::BadRequest(format!("structure {target:?} not found"))
                        })?
                        .id
                }
            };
            WebhookScope::Structure(id)
        }
        other => {
            return Err(AppError::BadRequest(format!(
                "scope {other:?}: expected national, region, ght or structure"
            )))
        }
    };
    Ok(scope)
}

/// The territory of the user when a form does not say.
fn default_scope(s: &Scope) -> WebhookScope {
    match s {
        Scope::Region(r) => WebhookScope::Region(r.clone()),
        Scope::Ght(g) => WebhookScope::Ght(*g),
        _ => WebhookScope::National,
    }
}

// ---------- API ----------

/// Webhooks the caller may manage.
#[utoipa::path(get, path = "/webhooks", tag = "notifications",
    responses((status = 200, description = "Webhooks the caller may manage", body = Vec<Webhook>)))]
pub(crate) async fn api_list_webhooks(
    State(st): State<AppState>,
    Api(a): Api,
) -> AppResult<Json<Vec<Webhook>>> {
    Ok(Json(st.store.list_webhooks(&a.actor).await?))
}

/// A webhook just attached, with the secret that signs its deliveries (shown this once).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub(crate) struct NewWebhook {
    webhook: Webhook,
    secret: String,
}

/// Attaches a webhook to a territory: `{name, url, scope: national|region|ght|structure, target,
/// events}`; answers its signing secret once.
#[utoipa::path(post, path = "/webhooks", tag = "notifications",
    responses((status = 201, description = "The webhook, and its signing secret (shown once)", body = NewWebhook)))]
pub(crate) async fn api_create_webhook(
    State(st): State<AppState>,
    Api(a): Api,
    Json(b): Json<WebhookBody>,
) -> AppResult<Response> {
    let scope = webhook_scope(&st, &a, &b).await?;
    let (hook, secret) = st
        .store
        .create_webhook(&a.actor, &b.name, &b.url, scope, &b.events)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(NewWebhook {
            webhook: hook,
            secret,
        }),
    )
        .into_response())
}

/// Removes a webhook.
#[utoipa::path(delete, path = "/webhooks/{id}", tag = "notifications",
    params(("id" = i64, Path, description = "The webhook's id")),
    responses((status = 204, description = "Removed")))]
pub(crate) async fn api_delete_webhook(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    st.store.delete_webhook(&a.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, Default)]
pub struct NotificationQuery {
    pub structure_id: Option<i64>,
    pub limit: Option<i64>,
}

/// E-mails and webhook deliveries about structures in scope (`?structure_id=`, `?limit=`).
#[utoipa::path(get, path = "/notifications", tag = "notifications",
    responses((status = 200, description = "Notifications, newest first", body = Vec<Notification>)))]
pub(crate) async fn api_list_notifications(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<NotificationQuery>,
) -> AppResult<Json<Vec<Notification>>> {
    a.actor.require(Permission::ManageNotifications)?;
    Ok(Json(
        st.store
            .list_notifications(&a.actor, q.structure_id, q.limit.unwrap_or(100))
            .await?,
    ))
}

// ---------- page ----------

#[derive(Template)]
#[template(path = "notifications/notifications.html")]
struct NotificationsPage {
    ctx: Ctx,
    webhooks: Vec<Webhook>,
    sent: Vec<Notification>,
    scopes: Vec<Opt>,
    default_target: String,
    secret: Option<String>,
    error: Option<String>,
}

impl NotificationsPage {
    fn where_(&self, w: &Webhook) -> String {
        let t = &self.ctx.tr;
        match (&w.structure_id, &w.ght_id, &w.region_code) {
            (Some(s), _, _) => format!("{} #{s}", t.t("notifications-scope-structure")),
            (None, Some(g), _) => format!("{} #{g}", t.t("notifications-scope-ght")),
            (None, None, Some(r)) => t.region_name(r).to_string(),
            (None, None, None) => t.t("notifications-scope-national").to_string(),
        }
    }

    fn when(&self, at: &i64) -> String {
        self.ctx.tr.datetime(at)
    }

    /// Why a delivery failed, in the reader's language when the worker's reason is a known one.
    fn failure(&self, e: &str) -> String {
        if e.starts_with("no SMTP server configured") {
            self.ctx.tr.t("ux-no_smtp")
        } else {
            e.to_string()
        }
    }

    /// A row's subject: as it was written (rows of older versions), else its event's, in the
    /// reader's language.
    fn subject(&self, n: &Notification) -> String {
        if n.is_legacy() {
            return n.subject.clone();
        }
        serde_json::from_str(&n.payload)
            .ok()
            .and_then(|p| vigie_report::email::render(&n.event, &p, self.ctx.tr.lang, ""))
            .map(|e| e.subject)
            .unwrap_or_else(|| n.event.clone())
    }
}

async fn render_page(
    st: &AppState,
    a: &Authed,
    secret: Option<String>,
    error: Option<String>,
) -> Result<Response, AppError> {
    a.actor.require(Permission::ManageNotifications)?;
    let webhooks = st.store.list_webhooks(&a.actor).await?;
    let sent = st.store.list_notifications(&a.actor, None, 100).await?;
    let tr = a.tr();
    let national = matches!(a.actor.scope, Scope::National);
    let mut scopes = Vec::new();
    let mut push = |value: &str, key: &str, selected: bool| {
        scopes.push(Opt {
            value: value.into(),
            label: tr.t(key),
            selected,
        })
    };
    if national {
        push("national", "notifications-scope-national", true);
    }
    if national || matches!(a.actor.scope, Scope::Region(_)) {
        push(
            "region",
            "notifications-scope-region",
            matches!(a.actor.scope, Scope::Region(_)),
        );
    }
    if !matches!(a.actor.scope, Scope::Structures { .. }) {
        push(
            "ght",
            "notifications-scope-ght",
            matches!(a.actor.scope, Scope::Ght(_)),
        );
    }
    push(
        "structure",
        "notifications-scope-structure",
        matches!(a.actor.scope, Scope::Structures { .. }),
    );
    let default_target = match &a.actor.scope {
        Scope::Region(r) => r.clone(),
        Scope::Ght(g) => g.to_string(),
        _ => String::new(),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let page = NotificationsPage {
        ctx: Ctx::of(a),
        webhooks,
        sent,
        scopes,
        default_target,
        secret,
        error,
    };
    Ok((status, axum::response::Html(page.render()?)).into_response())
}

pub async fn notifications_page(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, render_page(&st, &a, None, None).await)
}

pub async fn page_create(
    State(st): State<AppState>,
    Page(a): Page,
    Form(b): Form<WebhookBody>,
) -> Response {
    page!(a, {
        let r = async {
            let scope = webhook_scope(&st, &a, &b).await?;
            st.store
                .create_webhook(&a.actor, &b.name, &b.url, scope, &b.events)
                .await
                .map_err(AppError::from)
        }
        .await;
        match r {
            Ok((_, secret)) => render_page(&st, &a, Some(secret), None).await,
            Err(e @ (AppError::BadRequest(_) | AppError::Conflict(_) | AppError::Invalid(_))) => {
                let m = e.message(&a.tr());
                render_page(&st, &a, None, Some(m)).await
            }
            Err(e) => Err(e),
        }
    })
}

pub async fn page_delete(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        st.store.delete_webhook(&a.actor, id).await?;
        Ok(Redirect::to("/notifications").into_response())
    })
}

pub fn routes(r: Routes) -> Routes {
    let r = inbox::routes(r);
    r.get("/notifications", notifications_page)
        .post("/notifications/webhooks", page_create)
        .post("/notifications/webhooks/{id}/delete", page_delete)
        .api(routes!(api_list_webhooks, api_create_webhook))
        .api(routes!(api_delete_webhook))
        .api(routes!(api_list_notifications))
        .nav(NavItem {
            label: "nav-notifications",
            path: "/notifications",
            order: 95,
            shown: |a| a.can(Permission::ManageNotifications),
        })
}
