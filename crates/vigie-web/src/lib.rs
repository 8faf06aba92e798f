#![doc = include_str!("../README.md")]

// The core: shared by every engine slice, never importing one.
pub mod api_types;
pub mod auth;
pub mod cookies;
pub mod error;
pub mod files;
pub mod home;
pub mod i18n;
pub mod limits;
pub mod openapi;
pub mod ops;
pub mod routes;
pub mod security;
pub mod ui;

// One slice per engine (pages, API, templates under `templates/<engine>/`), each adding its
// routes, navigation, dashboard panels and structure sections to the registry.
pub mod accounts;
pub mod audit;
pub mod diagnostics;
pub mod incidents;
pub mod notifications;
pub mod observatory;
pub mod registry;
pub mod search;
pub mod surveillance;
pub mod watch;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
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
    /// Trust `X-Forwarded-For` (only behind a reverse proxy that sets it), and only from these
    /// proxies (the right-most address that is not one of them is the client's).
    pub trust_proxy: bool,
    pub trusted_proxies: Vec<auth::ProxyNet>,
    /// Bearer token for `/metrics`; without one, metrics are off.
    pub metrics_token: Option<String>,
    /// Sign-in through an OpenID Connect provider, when configured.
    pub oidc: Option<accounts::oidc::OidcConfig>,
    /// Where advisories may be fetched from (`[watch]`): the addresses a CERT analyst gives are
    /// checked against it before a worker fetches them.
    pub feeds: vigie_store::watch::FeedPolicy,
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
            trusted_proxies: auth::default_trusted_proxies(),
            metrics_token: None,
            oidc: None,
            feeds: vigie_store::watch::FeedPolicy::default(),
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

/// Every route of this build, slice by slice: the one place where the engines are named.
pub fn registry_routes() -> routes::Routes {
    let r = routes::Routes::new()
        .get("/", home::dashboard)
        .nav(routes::NavItem {
            label: "nav-dashboard",
            path: "/",
            order: 0,
            shown: |_| true,
        });
    let r = ops::routes(r);
    let r = accounts::routes(r);
    let r = registry::routes(r);
    let r = surveillance::routes(r);
    let r = watch::routes(r);
    let r = incidents::routes(r);
    let r = diagnostics::routes(r);
    let r = observatory::routes(r);
    let r = notifications::routes(r);
    let r = search::routes(r);
    audit::routes(r)
}

/// Every route this build serves: what the authorization matrix test walks.
pub fn all_routes() -> Vec<routes::RouteInfo> {
    registry_routes().build().list
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let built = registry_routes().build();
    routes::install(built.parts);
    openapi::install(built.openapi);
    built
        .router
        .fallback(ui::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security::csrf,
        ))
        // Bodies are bounded before anything reads them, the CSRF check included (the limits are
        // ours, per route: axum's default one is off).
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limits::body_limit,
        ))
        .layer(axum::extract::DefaultBodyLimit::disable())
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
