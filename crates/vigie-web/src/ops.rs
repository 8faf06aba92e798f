//! What operators use: the health check, the metrics (Prometheus), the job queue (API and the
//! dashboard's count of failed jobs for administrators), the style sheet and the API's document.

use std::sync::atomic::Ordering;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use utoipa_axum::routes;
use vigie_domain::role::Permission;

use crate::api_types::Items;
use crate::auth::{Api, Authed};
use crate::error::AppResult;
use crate::routes::{Fragment, Routes};
use crate::ui::{fragment, Ctx};
use crate::AppState;
use vigie_store::jobs::Job;

pub fn routes(r: Routes) -> Routes {
    r.public_get("/healthz", healthz)
        .public_get("/metrics", metrics)
        .public_get("/static/app.css", css)
        .public_get("/api/openapi.json", crate::openapi::document)
        .api(routes!(jobs))
        .panel(crate::panel!(15, failed_jobs))
}

pub(crate) async fn healthz(State(st): State<AppState>) -> Response {
    match st.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            axum::Json(
                serde_json::json!({ "status": "ok", "database": st.store.backend().as_str() }),
            ),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response()
        }
    }
}

pub(crate) async fn metrics(
    State(st): State<AppState>,
    headers: axum::http::HeaderMap,
) -> Response {
    let Some(expected) = st.config.metrics_token.as_deref() else {
        return (StatusCode::NOT_FOUND, "metrics are off: set metrics_token").into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    use subtle::ConstantTimeEq;
    if given.len() != expected.len() || !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "unauthorized",
        )
            .into_response();
    }
    let m = &st.metrics;
    let mut out = String::new();
    let mut line = |name: &str, help: &str, kind: &str, v: String| {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"
        ));
    };
    line(
        "vigie_http_requests_total",
        "HTTP requests served.",
        "counter",
        m.requests.load(Ordering::Relaxed).to_string(),
    );
    line(
        "vigie_http_errors_5xx_total",
        "HTTP responses with a 5xx status.",
        "counter",
        m.errors_5xx.load(Ordering::Relaxed).to_string(),
    );
    line(
        "vigie_logins_total{result=\"ok\"}",
        "Login attempts.",
        "counter",
        m.logins_ok.load(Ordering::Relaxed).to_string(),
    );
    out.push_str(&format!(
        "vigie_logins_total{{result=\"failed\"}} {}\n",
        m.logins_failed.load(Ordering::Relaxed)
    ));
    let up = st.store.ping().await.is_ok();
    out.push_str(&format!("# HELP vigie_database_up Whether the database answers.\n# TYPE vigie_database_up gauge\nvigie_database_up {}\n", up as u8));
    if let Ok(counts) = st.store.job_counts().await {
        out.push_str("# HELP vigie_jobs Jobs in the queue by status.\n# TYPE vigie_jobs gauge\n");
        for (status, n) in counts {
            out.push_str(&format!("vigie_jobs{{status=\"{status}\"}} {n}\n"));
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out).into_response()
}

pub(crate) async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

#[derive(Deserialize)]
pub(crate) struct JobsQuery {
    status: Option<String>,
}

/// The job queue, for platform administrators (`?status=`).
#[utoipa::path(get, path = "/jobs", tag = "operations",
    responses((status = 200, description = "The last 200 jobs of the queue", body = Items<Job>)))]
pub(crate) async fn jobs(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<JobsQuery>,
) -> AppResult<Json<Items<Job>>> {
    a.actor.require(Permission::ManageUsers)?;
    Ok(Json(Items::of(
        st.store.list_jobs(q.status.as_deref(), 200).await?,
    )))
}

#[derive(Template)]
#[template(path = "ops/panel.html")]
struct FailedJobs {
    ctx: Ctx,
    failed: i64,
}

/// The dashboard's count of failed jobs, for platform administrators.
async fn failed_jobs(st: &AppState, a: &Authed) -> Fragment {
    if !a.actor.can(Permission::ManageUsers) {
        return Ok(None);
    }
    let failed = st
        .store
        .job_counts()
        .await?
        .into_iter()
        .find(|(s, _)| s == "failed")
        .map(|(_, n)| n)
        .unwrap_or(0);
    fragment(&FailedJobs {
        ctx: Ctx::of(a),
        failed,
    })
}
