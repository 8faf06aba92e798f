//! The one registry of what the HTTP side serves. Every page, every API operation, every entry of
//! the navigation, every section of a structure's page and every panel of the dashboard is added
//! here by the engine slice that owns it (`crate::<engine>::routes`), and everything else is
//! derived from it: the router, the list of routes that the authorization matrix test walks (a
//! route cannot be served without being in that list), the OpenAPI document (from each API
//! operation's `#[utoipa::path]`, which is also what registers it) and the navigation of each role.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use axum::handler::Handler;
use axum::routing::{on, MethodFilter};
use axum::Router;
use utoipa::openapi::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use vigie_store::Actor;

use crate::auth::Authed;
use crate::error::AppError;
use crate::AppState;

/// Where the API is mounted; the OpenAPI document's paths are relative to it.
pub const API_PREFIX: &str = "/api/v1";

/// A route as the authorization matrix sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteInfo {
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: &'static str,
    /// The full path, `{name}` for path parameters (`/api/v1/structures/{id}`).
    pub path: String,
    /// Under `/api/v1`, documented in the OpenAPI document.
    pub api: bool,
    /// Answers without any sign-in (the sign-in pages themselves, health, style sheet…).
    pub public: bool,
}

/// An entry of the navigation bar.
#[derive(Clone, Copy)]
pub struct NavItem {
    /// Translation key of its label.
    pub label: &'static str,
    pub path: &'static str,
    /// Place in the bar (lower first).
    pub order: u16,
    /// Whether the viewer sees it.
    pub shown: fn(&Actor) -> bool,
}

/// HTML rendered by a slice for a page that another part composes.
pub type Fragment = Result<Option<String>, AppError>;
type FragmentFuture<'a> = Pin<Box<dyn Future<Output = Fragment> + Send + 'a>>;

/// A section of a structure's page (`/structures/{id}`), rendered by the engine that owns it.
#[derive(Clone, Copy)]
pub struct StructureSection {
    pub order: u16,
    pub render: for<'a> fn(&'a AppState, &'a Authed, i64) -> FragmentFuture<'a>,
}

/// A panel of the dashboard (`/`), rendered by the engine that owns it.
#[derive(Clone, Copy)]
pub struct DashboardPanel {
    pub order: u16,
    pub render: for<'a> fn(&'a AppState, &'a Authed) -> FragmentFuture<'a>,
}

/// Boxes an engine's async section renderer (`fn(&AppState, &Authed, i64) -> impl Future`).
#[macro_export]
macro_rules! section {
    ($order:expr, $f:path) => {
        $crate::routes::StructureSection {
            order: $order,
            render: |st, a, id| Box::pin($f(st, a, id)),
        }
    };
}

/// Boxes an engine's async dashboard panel renderer (`fn(&AppState, &Authed) -> impl Future`).
#[macro_export]
macro_rules! panel {
    ($order:expr, $f:path) => {
        $crate::routes::DashboardPanel {
            order: $order,
            render: |st, a| Box::pin($f(st, a)),
        }
    };
}

/// What the slices add to; see the module's documentation.
pub struct Routes {
    pages: Router<AppState>,
    api: OpenApiRouter<AppState>,
    list: Vec<RouteInfo>,
    body_limits: Vec<BodyLimit>,
    nav: Vec<NavItem>,
    sections: Vec<StructureSection>,
    panels: Vec<DashboardPanel>,
}

impl Default for Routes {
    fn default() -> Routes {
        Routes::new()
    }
}

fn method_name(m: MethodFilter) -> &'static str {
    if m == MethodFilter::GET {
        "GET"
    } else if m == MethodFilter::POST {
        "POST"
    } else if m == MethodFilter::PUT {
        "PUT"
    } else if m == MethodFilter::DELETE {
        "DELETE"
    } else if m == MethodFilter::PATCH {
        "PATCH"
    } else {
        "OTHER"
    }
}

impl Routes {
    pub fn new() -> Routes {
        Routes {
            pages: Router::new(),
            api: OpenApiRouter::new(),
            list: Vec::new(),
            body_limits: Vec::new(),
            nav: Vec::new(),
            sections: Vec::new(),
            panels: Vec::new(),
        }
    }

    fn add<H, T>(mut self, m: MethodFilter, path: &'static str, public: bool, h: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.pages = self.pages.route(path, on(m, h));
        self.list.push(RouteInfo {
            method: method_name(m),
            path: path.to_string(),
            api: false,
            public,
        });
        self
    }

    /// A page (or a file) that needs a signed-in caller.
    pub fn get<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(MethodFilter::GET, path, false, h)
    }

    /// A form's target that needs a signed-in caller.
    pub fn post<H: Handler<T, AppState>, T: 'static>(self, path: &'static str, h: H) -> Routes {
        self.add(MethodFilter::POST, path, false, h)
    }

    /// A page open to anyone (sign-in, health, the style sheet).
    pub fn public_get<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        h: H,
    ) -> Routes {
        self.add(MethodFilter::GET, path, true, h)
    }

    /// A form's target open to anyone (sign-in, language).
    pub fn public_post<H: Handler<T, AppState>, T: 'static>(
        self,
        path: &'static str,
        h: H,
    ) -> Routes {
        self.add(MethodFilter::POST, path, true, h)
    }

    /// API operations, from handlers annotated with `#[utoipa::path]`
    /// (`utoipa_axum::routes!(a, b)`): the annotation gives the method, the path (relative to
    /// [`API_PREFIX`]) and the document.
    pub fn api(mut self, r: UtoipaMethodRouter<AppState>) -> Routes {
        self.api = self.api.routes(r);
        self
    }

    /// A route that takes a body larger than [`crate::security::DEFAULT_BODY_BYTES`] (an upload):
    /// its own explicit limit, in bytes, checked before anything is read. `path` is the full path
    /// (`/api/v1/imports/finess`, `{name}` for a parameter); the method is POST or PUT.
    pub fn body_limit(mut self, path: &'static str, bytes: u64) -> Routes {
        self.body_limits.push(BodyLimit { path, bytes });
        self
    }

    pub fn nav(mut self, item: NavItem) -> Routes {
        self.nav.push(item);
        self
    }

    pub fn section(mut self, s: StructureSection) -> Routes {
        self.sections.push(s);
        self
    }

    pub fn panel(mut self, p: DashboardPanel) -> Routes {
        self.panels.push(p);
        self
    }

    /// Everything derived from the registry.
    pub fn build(self) -> Built {
        let (api_router, openapi) = self.api.split_for_parts();
        let mut list = self.list;
        for (path, item) in &openapi.paths.paths {
            for (m, op) in [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("DELETE", &item.delete),
                ("PATCH", &item.patch),
            ] {
                if op.is_some() {
                    list.push(RouteInfo {
                        method: m,
                        path: format!("{API_PREFIX}{path}"),
                        api: true,
                        public: false,
                    });
                }
            }
        }
        list.sort_by(|a, b| (&a.path, a.method).cmp(&(&b.path, b.method)));
        let mut nav = self.nav;
        nav.sort_by_key(|n| n.order);
        let mut sections = self.sections;
        sections.sort_by_key(|s| s.order);
        let mut panels = self.panels;
        panels.sort_by_key(|p| p.order);
        let public_posts = list
            .iter()
            .filter(|r| r.public && r.method != "GET")
            .map(|r| r.path.clone())
            .collect();
        Built {
            router: self.pages.nest(API_PREFIX, api_router),
            openapi,
            list,
            parts: Arc::new(Parts {
                nav,
                sections,
                panels,
                body_limits: self.body_limits,
                public_posts,
            }),
        }
    }
}

/// The explicit body limit of an upload route.
#[derive(Clone, Copy, Debug)]
pub struct BodyLimit {
    pub path: &'static str,
    pub bytes: u64,
}

/// The composed parts that pages read at each request.
pub struct Parts {
    pub nav: Vec<NavItem>,
    pub sections: Vec<StructureSection>,
    pub panels: Vec<DashboardPanel>,
    /// The upload routes and their limits.
    pub body_limits: Vec<BodyLimit>,
    /// The routes that take a body from anyone (sign-in, language, sign-out).
    pub public_posts: Vec<String>,
}

/// Whether a request path matches a route's path (`{name}` matches one segment).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut p = pattern.split('/');
    let mut q = path.split('/');
    loop {
        match (p.next(), q.next()) {
            (None, None) => return true,
            (Some(a), Some(b)) => {
                let param = a.starts_with('{') && a.ends_with('}');
                if !(a == b || param && !b.is_empty()) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// The registry, built: the router (without state nor middleware), the OpenAPI document as the
/// annotations give it, every route, and the composed parts.
pub struct Built {
    pub router: Router<AppState>,
    pub openapi: OpenApi,
    pub list: Vec<RouteInfo>,
    pub parts: Arc<Parts>,
}

static PARTS: OnceLock<Arc<Parts>> = OnceLock::new();

/// Makes the composed parts of a built registry the ones pages read (the first router built
/// installs them; every build of this binary has the same).
pub fn install(parts: Arc<Parts>) {
    let _ = PARTS.set(parts);
}

/// The navigation, sections and panels of this build (empty before a router is built).
pub fn parts() -> Arc<Parts> {
    PARTS.get().cloned().unwrap_or_else(|| {
        Arc::new(Parts {
            nav: Vec::new(),
            sections: Vec::new(),
            panels: Vec::new(),
            body_limits: Vec::new(),
            public_posts: Vec::new(),
        })
    })
}

#[cfg(test)]
mod tests {
    /// The router is made of the registry only: the list holds every route of every slice once.
    #[test]
    fn routes_are_listed_once() {
        let list = crate::all_routes();
        let mut seen = std::collections::HashSet::new();
        for r in &list {
            assert!(seen.insert((r.method, r.path.clone())), "{r:?} twice");
        }
        assert!(list.iter().any(|r| r.path == "/api/v1/me" && r.api));
        assert!(list.iter().any(|r| r.path == "/login" && r.public));
    }

    #[test]
    fn paths_match_their_patterns() {
        use super::path_matches;
        assert!(path_matches(
            "/api/v1/imports/finess",
            "/api/v1/imports/finess"
        ));
        assert!(path_matches(
            "/structures/{id}/inventory/import",
            "/structures/12/inventory/import"
        ));
        assert!(!path_matches(
            "/structures/{id}/inventory/import",
            "/structures//inventory/import"
        ));
        assert!(!path_matches(
            "/structures/{id}",
            "/structures/12/inventory"
        ));
        assert!(!path_matches("/import/finess", "/import/finess/"));
    }

    /// Every explicit body limit names a route that exists.
    #[test]
    fn body_limits_name_routes() {
        let built = crate::registry_routes().build();
        for l in &built.parts.body_limits {
            assert!(
                built
                    .list
                    .iter()
                    .any(|r| r.path == l.path && r.method != "GET"),
                "{l:?} names no route"
            );
        }
        assert!(!built.parts.body_limits.is_empty());
    }
}
