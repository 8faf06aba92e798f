//! What every page shares: the layout's context (translator, the viewer, the CSRF token, the
//! navigation of the viewer's role), rendering, error pages, cookies, select options and the
//! files pages send or receive (CSV, uploads).

use askama::Template;
use axum::extract::Multipart;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::auth::{request_lang, Authed};
use crate::error::AppError;
use crate::i18n::{Lang, Tr};
use crate::AppState;

/// Weeks of the dashboards' trends (the charts' titles say 12).
pub const TREND_WEEKS: usize = 12;

/// A chart as a page shows it (`{% call ui::chart(ctx, c) %}` in `components/ui.html`): the
/// SVG (sized by its `viewBox`, `role="img"`), its text alternative and its data table, all in
/// the reader's language. Colour is never the only signal: the drawing carries values, hatches
/// and names, and the table says every number.
pub struct ChartBlock {
    /// The chart's id in the page (the SVG's ids and `fig-…`, `alt-…`, `data-…` derive from it).
    pub id: String,
    pub title: String,
    pub svg: String,
    pub description: String,
    pub table: vigie_report::chart::Table,
}

impl ChartBlock {
    /// The chart with the id `id` and whole numbers.
    pub fn of(tr: Tr, id: &str, chart: vigie_report::chart::Chart) -> ChartBlock {
        let chart = chart.with_id(id).with_decimals(0);
        ChartBlock {
            id: chart.dom_id(),
            title: chart.title.clone(),
            svg: chart.svg(tr),
            description: chart.description(tr),
            table: chart.table(tr),
        }
    }
}

/// An entry of the navigation as a page shows it.
pub struct NavLink {
    pub label: &'static str,
    pub path: &'static str,
    pub current: bool,
}

/// What every page's layout needs.
pub struct Ctx {
    pub tr: Tr,
    pub email: Option<String>,
    pub csrf: String,
    /// The navigation of the viewer's role, built from the route registry.
    pub nav: Vec<NavLink>,
    /// How many of the viewer's notifications are unread (the header's bell).
    pub unread: i64,
}

impl Ctx {
    pub fn of(a: &Authed) -> Ctx {
        let parts = crate::routes::parts();
        // The entry whose path is the longest prefix of the page's is the current one.
        let current = parts
            .nav
            .iter()
            .filter(|n| (n.shown)(&a.actor))
            .filter(|n| {
                a.path == n.path || (n.path != "/" && a.path.starts_with(&format!("{}/", n.path)))
            })
            .max_by_key(|n| n.path.len())
            .map(|n| n.path)
            // Else the entry of the same section (`/watch/advisories` is under "Alertes",
            // `/regions` under nothing).
            .or_else(|| {
                let section = |p: &str| p.split('/').nth(1).unwrap_or("").to_string();
                let here = section(&a.path);
                parts
                    .nav
                    .iter()
                    .filter(|n| (n.shown)(&a.actor))
                    .find(|n| n.path != "/" && !here.is_empty() && section(n.path) == here)
                    .map(|n| n.path)
            });
        Ctx {
            tr: a.tr(),
            email: Some(a.email.clone()),
            csrf: a.csrf.clone(),
            nav: parts
                .nav
                .iter()
                .filter(|n| (n.shown)(&a.actor))
                .map(|n| NavLink {
                    label: n.label,
                    path: n.path,
                    current: Some(n.path) == current,
                })
                .collect(),
            unread: a.unread,
        }
    }

    pub fn anonymous(lang: Lang, csrf: String) -> Ctx {
        Ctx {
            tr: Tr { lang },
            email: None,
            csrf,
            nav: Vec::new(),
            unread: 0,
        }
    }
}

/// Renders a page.
pub fn render(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render()?).into_response())
}

/// Renders a page with a status other than 200 (a form sent back with its errors).
pub fn render_status(status: StatusCode, t: &impl Template) -> Result<Response, AppError> {
    Ok((status, Html(t.render()?)).into_response())
}

/// Renders a fragment that a composed page (dashboard, structure page) includes.
pub fn fragment(t: &impl Template) -> crate::routes::Fragment {
    Ok(Some(t.render()?))
}

#[derive(Template)]
#[template(path = "layout/error.html")]
struct ErrorPage {
    ctx: Ctx,
    status: u16,
    message: String,
    operation: String,
}

/// Turns an error into a page for a signed-in caller.
pub fn page_error(a: &Authed, e: AppError) -> Response {
    let op = e.log();
    let tr = a.tr();
    let message = e.message(&tr);
    let page = ErrorPage {
        ctx: Ctx::of(a),
        status: e.status().as_u16(),
        message,
        operation: op,
    };
    match page.render() {
        Ok(html) => (e.status(), Html(html)).into_response(),
        Err(_) => e.status().into_response(),
    }
}

/// Runs a page handler body, turning its error into an error page.
macro_rules! page {
    ($a:expr, $body:expr) => {
        match (async { $body }).await {
            Ok(r) => r,
            Err(e) => $crate::ui::page_error(&$a, e),
        }
    };
}
pub(crate) use page;

/// An error page for a caller not (yet) known: no navigation, the language of the request.
pub fn error_page(lang: Lang, e: AppError) -> Response {
    let op = e.log();
    let page = ErrorPage {
        ctx: Ctx::anonymous(lang, String::new()),
        status: e.status().as_u16(),
        message: e.message(&Tr { lang }),
        operation: op,
    };
    match page.render() {
        Ok(html) => (e.status(), Html(html)).into_response(),
        Err(_) => e.status().into_response(),
    }
}

/// The page of an address that exists nowhere.
pub async fn not_found(headers: HeaderMap) -> Response {
    let lang = request_lang(&headers);
    let page = ErrorPage {
        ctx: Ctx::anonymous(lang, String::new()),
        status: 404,
        message: Tr { lang }.t("common-not_found"),
        operation: crate::error::operation_id(),
    };
    match page.render() {
        Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
        Err(_) => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A `Set-Cookie` value (secure when the public address is https).
pub fn set_cookie(st: &AppState, name: &str, value: &str, max_age: i64, http_only: bool) -> String {
    let secure = if st.config.tls() { "; Secure" } else { "" };
    let http_only = if http_only { "; HttpOnly" } else { "" };
    format!("{name}={value}; Path=/; Max-Age={max_age}; SameSite=Lax{http_only}{secure}")
}

/// An `<option>` of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The regions as options.
pub fn region_options(selected: &str) -> Vec<Opt> {
    vigie_domain::geo::regions()
        .iter()
        .map(|r| Opt {
            value: r.code.into(),
            label: r.name.into(),
            selected: r.code == selected,
        })
        .collect()
}

/// A spreadsheet cell that would otherwise run as a formula, neutralised: a text starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe (OWASP's advice), and
/// so does one whose first such character only follows spaces. A plain number (`-4.5`) is left as
/// it is: a spreadsheet reads it as the number, never as a formula.
pub fn safe_cell(s: &str) -> String {
    let risky = |c: char| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r');
    let first = s.trim_start_matches(' ').chars().next();
    let number = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && s.parse::<f64>().is_ok();
    if first.is_some_and(risky) && !number {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// A CSV writer that neutralises every cell it writes ([`safe_cell`]): no export can forget one.
pub struct CsvWriter(csv::Writer<Vec<u8>>);

impl CsvWriter {
    pub fn write_record<I, T>(&mut self, record: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<str>,
    {
        self.0
            .write_record(record.into_iter().map(|c| safe_cell(c.as_ref())))
    }
}

/// A semicolon-separated CSV writer, as French spreadsheets read them.
pub fn csv_writer() -> CsvWriter {
    CsvWriter(
        csv::WriterBuilder::new()
            .delimiter(b';')
            .from_writer(Vec::new()),
    )
}

/// The bytes of a finished CSV writer.
pub fn csv_bytes(w: CsvWriter) -> Result<Vec<u8>, AppError> {
    w.0.into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// A PDF written by `vigie_report::pdf`, shown by the browser's reader, saved as `name`.
pub fn pdf_response(name: &str, bytes: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A CSV download (UTF-8 with its byte order mark, so that spreadsheets read the accents).
pub fn csv_response(name: &str, body: Vec<u8>) -> Response {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend(body);
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A multipart error as the user should read it: over the route's limit (`limit` bytes), a 413
/// saying the limit in their language; else what was wrong with the form.
pub fn upload_error(e: axum::extract::multipart::MultipartError, limit: u64) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge(limit)
    } else {
        AppError::BadRequest(format!("upload: {}", e.body_text()))
    }
}

/// The `file` field of a multipart form, of at most `limit` bytes (the route's body limit).
pub async fn uploaded_file(mut mp: Multipart, limit: u64) -> Result<bytes::Bytes, AppError> {
    while let Some(field) = mp.next_field().await.map_err(|e| upload_error(e, limit))? {
        if field.name() == Some("file") {
            return field.bytes().await.map_err(|e| upload_error(e, limit));
        }
    }
    Err(AppError::BadRequest("upload: no file field".into()))
}

/// A raw request body (an API upload), read only once the caller's rights were checked, cut at
/// `limit` bytes.
pub async fn read_body(body: axum::body::Body, limit: u64) -> Result<bytes::Bytes, AppError> {
    axum::body::to_bytes(body, usize::try_from(limit).unwrap_or(usize::MAX))
        .await
        .map_err(|e| {
            let mut src: Option<&(dyn std::error::Error + 'static)> = Some(&e);
            while let Some(s) = src {
                if s.is::<http_body_util::LengthLimitError>() {
                    return AppError::TooLarge(limit);
                }
                src = s.source();
            }
            AppError::BadRequest(format!("upload: {e}"))
        })
}

/// The pages of a long list (alerts, advisories, findings): where the reader is, and the list's
/// filters as a query string for the links to the other pages and to the exports.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub per_page: i64,
    /// The filters, without the page (`q=fortios&open=1`).
    pub query: String,
    /// The list's path (`/watch/alerts`).
    pub path: &'static str,
}

impl Pager {
    pub fn new(path: &'static str, query: String, page: i64, per_page: i64, total: i64) -> Pager {
        let per_page = per_page.clamp(1, 500);
        Pager {
            page: page.max(1),
            pages: ((total + per_page - 1) / per_page).max(1),
            total,
            per_page,
            query,
            path,
        }
    }

    /// Rows to skip for page `page`.
    pub fn offset(page: i64, per_page: i64) -> i64 {
        (page.max(1) - 1).saturating_mul(per_page.clamp(1, 500))
    }

    /// The link to page `n`.
    pub fn link(&self, n: i64) -> String {
        if self.query.is_empty() {
            format!("{}?page={n}", self.path)
        } else {
            format!("{}?{}&page={n}", self.path, self.query)
        }
    }

    /// The link to the list's export as `format` (`csv`, `json`): every row the filters keep.
    pub fn export(&self, format: &str) -> String {
        if self.query.is_empty() {
            format!("{}?format={format}", self.path)
        } else {
            format!("{}?{}&format={format}", self.path, self.query)
        }
    }
}

/// Non-empty filters as a query string.
pub fn query_string<S: AsRef<str>>(pairs: &[(&str, S)]) -> String {
    serde_urlencoded::to_string(
        pairs
            .iter()
            .map(|(k, v)| (*k, v.as_ref()))
            .filter(|(_, v)| !v.trim().is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default()
}

/// An optional id typed in a filter (`""` is none); anything else is the person's mistake.
pub fn optional_id(name: &str, s: &str) -> Result<Option<i64>, AppError> {
    match s.trim() {
        "" => Ok(None),
        v => v.parse().map(Some).map_err(|_| {
            AppError::Invalid(
                vigie_domain::problem::Problem::new("ux-filter-not-a-number")
                    .arg("field", name)
                    .arg("value", v),
            )
        }),
    }
}

/// A checkbox of a filter form (`1`, `on`, `true`).
pub fn checked(s: &str) -> bool {
    matches!(s, "1" | "on" | "true")
}

/// A JSON download of a list's rows.
pub fn json_download(name: &str, value: &impl serde::Serialize) -> Result<Response, AppError> {
    let body = serde_json::to_vec_pretty(value).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// The regions a filter of the viewer's lists may offer: every region for a national scope, the
/// viewer's own for a regional one, none otherwise (the filter is then not shown).
pub fn scope_region_options(actor: &vigie_store::Actor, selected: &str) -> Vec<Opt> {
    use vigie_domain::role::Scope;
    match &actor.scope {
        Scope::National => region_options(selected),
        Scope::Region(r) => region_options(selected)
            .into_iter()
            .filter(|o| &o.value == r)
            .collect(),
        _ => Vec::new(),
    }
}

/// Options of a select from (value, label) pairs.
pub fn options(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Opt> {
    items
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == selected,
            value,
            label,
        })
        .collect()
}

/// The message key naming a kind of notification (`watch.alert` → `inbox-kind-watch_alert`),
/// in a person's list and in their e-mail preferences.
pub fn notification_kind_key(kind: &str) -> String {
    format!("inbox-kind-{}", kind.replace('.', "_"))
}
