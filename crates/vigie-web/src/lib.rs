#![doc = include_str!("../README.md")]

pub mod api;
pub mod auth;
pub mod error;
pub mod i18n;
pub mod oidc;
pub mod openapi;
pub mod pages;
pub mod security;
pub mod surveillance;
pub mod surveillance_pdf;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use vigie_store::Store;

/// Settings of the HTTP side.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The address users reach Vigie at; `https://…` turns on secure cookies and HSTS.
    pub public_url: String,
    pub session_ttl_secs: i64,
    pub session_idle_secs: i64,
    /// Failed passwords before an account locks, and for how long.
    pub max_login_failures: i64,
    pub lockout_secs: i64,
    /// Login attempts per source address per minute.
    pub login_attempts_per_minute: u32,
    /// Trust `X-Forwarded-For` (only behind a reverse proxy that sets it).
    pub trust_proxy: bool,
    /// Bearer token for `/metrics`; without one, metrics are off.
    pub metrics_token: Option<String>,
    /// Sign-in through an OpenID Connect provider, when configured.
    pub oidc: Option<oidc::OidcConfig>,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            public_url: "http://127.0.0.1:8080".into(),
            session_ttl_secs: 12 * 3600,
            session_idle_secs: 12 * 3600,
            max_login_failures: 5,
            lockout_secs: 15 * 60,
            login_attempts_per_minute: 30,
            trust_proxy: false,
            metrics_token: None,
            oidc: None,
        }
    }
}

impl WebConfig {
    pub fn tls(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[derive(Default)]
pub struct Metrics {
    pub requests: AtomicU64,
    pub errors_5xx: AtomicU64,
    pub logins_ok: AtomicU64,
    pub logins_failed: AtomicU64,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<WebConfig>,
    pub throttle: Arc<auth::Throttle>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(store: Store, config: WebConfig) -> AppState {
        AppState {
            store,
            config: Arc::new(config),
            throttle: Arc::new(auth::Throttle::default()),
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(surveillance::page_routes())
        .merge(oidc::routes())
        .nest("/api/v1", api::routes().merge(surveillance::api_routes()))
        .route("/api/openapi.json", get(openapi::document))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/static/app.css", get(css))
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::csrf,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), count))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::headers,
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(300),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

async fn count(State(st): State<AppState>, req: Request, next: Next) -> Response {
    st.metrics.requests.fetch_add(1, Ordering::Relaxed);
    let res = next.run(req).await;
    if res.status().is_server_error() {
        st.metrics.errors_5xx.fetch_add(1, Ordering::Relaxed);
    }
    res
}

async fn healthz(State(st): State<AppState>) -> Response {
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

/// Prometheus text format, behind its own bearer token (or an auditor's/admin's API token).
async fn metrics(State(st): State<AppState>, headers: axum::http::HeaderMap) -> Response {
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

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
        .into_response()
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}
