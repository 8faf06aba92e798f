//! Notifications for people (`/account/notifications`): what the outbox told the signed-in
//! person (new findings, alerts, the bulletin, incident deadlines), unread first, each marked
//! read alone or all at once; the header shows how many are unread. Read and written by the
//! store for the person alone (`vigie_store::notify::inbox`). Which kinds also come by e-mail is
//! chosen on "Mon compte" (`/account/notifications/email`).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_store::notify::{kind_of, Inbox};

use crate::auth::Page;
use crate::routes::Routes;
use crate::ui::{notification_kind_key, page, render, Ctx, Pager};
use crate::AppState;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(crate) struct InboxQuery {
    #[serde(default)]
    page: Option<i64>,
}

/// A notification as the list shows it: its message written in the reader's language.
pub(crate) struct InboxRow {
    pub id: i64,
    pub created_at: i64,
    pub unread: bool,
    pub subject: String,
    pub link: Option<String>,
    /// The message key of its kind (`inbox-kind-watch_alert`).
    pub kind_key: String,
}

#[derive(Template)]
#[template(path = "notifications/inbox.html")]
struct InboxPage {
    ctx: Ctx,
    inbox: Inbox,
    rows: Vec<InboxRow>,
    pager: Pager,
}

impl InboxPage {
    fn counts(&self) -> String {
        self.ctx.tr.t_args(
            "inbox-counts",
            &[
                ("count", self.inbox.total.into()),
                ("unread", self.inbox.unread.into()),
            ],
        )
    }
}

pub(crate) async fn inbox_page(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<InboxQuery>,
) -> Response {
    page!(a, {
        let page = q.page.unwrap_or(1).max(1);
        let inbox = st
            .store
            .list_inbox(&a.actor, PER_PAGE, Pager::offset(page, PER_PAGE))
            .await?;
        let tr = a.tr();
        let rows = inbox
            .items
            .iter()
            .map(|n| InboxRow {
                id: n.id,
                created_at: n.created_at,
                unread: n.read_at.is_none(),
                subject: serde_json::from_str(&n.payload)
                    .ok()
                    .and_then(|p| vigie_report::email::render(&n.event, &p, tr.lang, ""))
                    .map(|e| e.subject)
                    .unwrap_or_else(|| n.event.clone()),
                link: n.link.clone(),
                kind_key: notification_kind_key(kind_of(&n.event).unwrap_or("other")),
            })
            .collect();
        let pager = Pager::new(
            "/account/notifications",
            String::new(),
            page,
            PER_PAGE,
            inbox.total,
        );
        render(&InboxPage {
            ctx: Ctx::of(&a),
            inbox,
            rows,
            pager,
        })
    })
}

pub(crate) async fn mark_read(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        st.store.mark_read(&a.actor, id).await?;
        Ok(Redirect::to("/account/notifications").into_response())
    })
}

pub(crate) async fn mark_all_read(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, {
        st.store.mark_all_read(&a.actor).await?;
        Ok(Redirect::to("/account/notifications").into_response())
    })
}

/// The kinds of notification ticked on "Mon compte" (`kind=watch.alert&kind=…`).
pub(crate) async fn set_email_prefs(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    page!(a, {
        let wanted: Vec<String> = f
            .into_iter()
            .filter(|(k, _)| k == "kind")
            .map(|(_, v)| v)
            .collect();
        st.store.set_email_prefs(&a.actor, &wanted).await?;
        Ok(Redirect::to("/account?saved=email_prefs#account-email-prefs").into_response())
    })
}

pub fn routes(r: Routes) -> Routes {
    r.get("/account/notifications", inbox_page)
        .post("/account/notifications/{id}/read", mark_read)
        .post("/account/notifications/read-all", mark_all_read)
        .post("/account/notifications/email", set_email_prefs)
}
