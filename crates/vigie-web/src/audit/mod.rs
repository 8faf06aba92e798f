//! The audit log: every write and every sign-in, searchable by those who may read it (platform
//! administrators and auditors), as a page, a CSV and through the API.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use serde::Deserialize;
use utoipa_axum::routes;
use vigie_domain::role::Permission;
use vigie_store::audit::{AuditEntry, AuditQuery};

use crate::api_types::Found;
use crate::auth::{Api, Authed, Page};
use crate::error::{AppError, AppResult};
use crate::routes::{Fragment, NavItem, Routes};
use crate::ui::{
    csv_bytes, csv_response, csv_writer, fragment, options, page, query_string, render, Ctx, Opt,
    Pager,
};
use crate::AppState;

#[derive(Deserialize, Default)]
pub struct AuditParams {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub failures: Option<String>,
    /// The family of actions (`auth`, `watch`…).
    #[serde(default)]
    pub family: String,
    /// Part of the person's name or e-mail.
    #[serde(default)]
    pub person: String,
    /// The period, as days (`2026-12-01`), both included.
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub limit: Option<i64>,
}

impl AuditParams {
    pub fn query(&self, default_limit: i64) -> AuditQuery {
        let limit = self.limit.unwrap_or(default_limit).clamp(1, 100_000);
        let day = |d: &str| {
            chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc().timestamp())
        };
        AuditQuery {
            text: Some(self.q.clone()),
            action: Some(self.action.clone()),
            family: Some(self.family.clone()),
            person: Some(self.person.clone()),
            since: day(&self.from),
            until: day(&self.to).map(|t| t + 86_400),
            failures_only: self.failures.as_deref() == Some("1"),
            limit,
            offset: (self.page.unwrap_or(1).max(1) - 1) * limit,
            ..Default::default()
        }
    }
}

/// An entry as the page shows it: its action and its details in words.
pub(crate) struct EntryView {
    pub e: AuditEntry,
    /// The action in words (its code when the catalogue does not name it).
    pub action: String,
    /// The details as `name: value` pairs.
    pub details: Vec<(String, String)>,
}

impl EntryView {
    fn of(tr: &crate::i18n::Tr, e: AuditEntry) -> EntryView {
        let key = format!("ux-audit-{}", e.action.replace('.', "-"));
        let action = if tr.has(&key) {
            tr.t(&key)
        } else {
            e.action.clone()
        };
        let details = match serde_json::from_str::<serde_json::Value>(&e.detail) {
            Ok(serde_json::Value::Object(m)) => m
                .into_iter()
                .filter(|(_, v)| !v.is_null() && v.as_str() != Some(""))
                .map(|(k, v)| {
                    let v = match v {
                        serde_json::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, v)
                })
                .collect(),
            _ if e.detail.is_empty() || e.detail == "{}" => Vec::new(),
            _ => vec![(String::new(), e.detail.clone())],
        };
        EntryView { e, action, details }
    }
}

#[derive(Template)]
#[template(path = "audit/audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<EntryView>,
    p: AuditParams,
    failures: bool,
    families: Vec<Opt>,
    query: String,
    pager: Pager,
}

const AUDIT_PER_PAGE: i64 = 50;

pub(crate) async fn page_audit(
    State(st): State<AppState>,
    Page(a): Page,
    Query(p): Query<AuditParams>,
) -> Response {
    page!(a, {
        let (entries, total) = st
            .store
            .audit_search(&a.actor, &p.query(AUDIT_PER_PAGE))
            .await?;
        let tr = a.tr();
        let failures = p.failures.as_deref().unwrap_or("").to_string();
        let query = query_string(&[
            ("q", &p.q),
            ("action", &p.action),
            ("family", &p.family),
            ("person", &p.person),
            ("from", &p.from),
            ("to", &p.to),
            ("failures", &failures),
        ]);
        let families = st.store.audit_families(&a.actor).await?;
        let families = options(
            families.into_iter().map(|f| {
                let key = format!("ux-audit_family-{f}");
                let label = if tr.has(&key) { tr.t(&key) } else { f.clone() };
                (f, label)
            }),
            p.family.trim(),
        );
        render(&AuditPage {
            ctx: Ctx::of(&a),
            entries: entries.into_iter().map(|e| EntryView::of(&tr, e)).collect(),
            failures: p.failures.as_deref() == Some("1"),
            families,
            pager: Pager::new(
                "/audit",
                query.clone(),
                p.page.unwrap_or(1),
                AUDIT_PER_PAGE,
                total,
            ),
            query,
            p,
        })
    })
}

pub fn audit_to_csv(entries: &[AuditEntry]) -> Result<Vec<u8>, AppError> {
    let mut w = csv_writer();
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
            e.actor.clone(),
            e.action.clone(),
            e.target_kind.clone(),
            e.target_id.clone(),
            e.success.to_string(),
            e.ip.clone().unwrap_or_default(),
            e.detail.clone(),
        ])
        .map_err(err)?;
    }
    csv_bytes(w)
}

pub(crate) async fn page_audit_csv(
    State(st): State<AppState>,
    Page(a): Page,
    Query(p): Query<AuditParams>,
) -> Response {
    page!(a, {
        let (entries, _) = st.store.audit_search(&a.actor, &p.query(100_000)).await?;
        Ok(csv_response("audit.csv", audit_to_csv(&entries)?))
    })
}

/// Searches the audit log (`?q=`, `?action=`, `?failures=1`, `?page=`, `?limit=`), newest first.
#[utoipa::path(get, path = "/audit", tag = "audit",
    responses((status = 200, description = "Entries of the audit log and their total", body = Found<AuditEntry>)))]
pub(crate) async fn api_audit(
    State(st): State<AppState>,
    Api(a): Api,
    Query(p): Query<AuditParams>,
) -> AppResult<Json<Found<AuditEntry>>> {
    let (items, total) = st.store.audit_search(&a.actor, &p.query(100)).await?;
    Ok(Json(Found { items, total }))
}

/// The audit log as CSV (same filters).
#[utoipa::path(get, path = "/audit.csv", tag = "audit",
    responses((status = 200, description = "The audit log as CSV (semicolon-separated, UTF-8)", content_type = "text/csv")))]
pub(crate) async fn api_audit_csv(
    State(st): State<AppState>,
    Api(a): Api,
    Query(p): Query<AuditParams>,
) -> AppResult<Response> {
    let (items, _) = st.store.audit_search(&a.actor, &p.query(100_000)).await?;
    Ok(csv_response("audit.csv", audit_to_csv(&items)?))
}

#[derive(Template)]
#[template(path = "audit/panel.html")]
struct FailuresPanel {
    ctx: Ctx,
    recent_failures: Vec<AuditEntry>,
}

/// The dashboard's panel of the last failed sign-ins, for those who read the audit log.
pub(crate) async fn failures_panel(st: &AppState, a: &Authed) -> Fragment {
    if !a.actor.can(Permission::ReadAudit) {
        return Ok(None);
    }
    let q = AuditQuery {
        action: Some("auth.login".into()),
        failures_only: true,
        limit: 5,
        ..Default::default()
    };
    let recent_failures = st.store.audit_search(&a.actor, &q).await?.0;
    if recent_failures.is_empty() {
        return Ok(None);
    }
    fragment(&FailuresPanel {
        ctx: Ctx::of(a),
        recent_failures,
    })
}

pub fn routes(r: Routes) -> Routes {
    r.get("/audit", page_audit)
        .get("/audit.csv", page_audit_csv)
        .api(routes!(api_audit))
        .api(routes!(api_audit_csv))
        .nav(NavItem {
            label: "nav-audit",
            path: "/audit",
            order: 85,
            shown: |a| a.can(Permission::ReadAudit),
        })
        .panel(crate::panel!(50, failures_panel))
}
