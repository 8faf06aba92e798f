//! Exposure pages and API: a structure's exposure (findings by criticality with evidence and
//! advice, the map of exposed systems, scan history and diff, triage, "verify now", surveillance
//! on/off), its exposure report (HTML, printable, and PDF), and the regional and national view
//! "who exposes what". Every action goes through the store, which checks the role and the scope.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;
use vigie_domain::role::{Permission, Scope};
use vigie_store::registry::Structure;
use vigie_store::surveillance::{
    ExposureCount, Finding, Observation, Scan, ScanDiff, SurveillanceStatus,
};

use crate::auth::{Api, Page};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, Tr};
use crate::pages::{page_error, render, Ctx};
use crate::AppState;

/// Page routes (listed in [`crate::pages::ROUTES`]).
pub const PAGE_ROUTES: &[(&str, &str)] = &[
    ("GET", "/exposure"),
    ("POST", "/exposure/surveillance"),
    ("GET", "/structures/{id}/exposure"),
    ("POST", "/structures/{id}/exposure/scan"),
    ("POST", "/structures/{id}/exposure/surveillance"),
    (
        "POST",
        "/structures/{id}/exposure/findings/{finding}/acknowledge",
    ),
    ("GET", "/structures/{id}/exposure/report"),
    ("GET", "/structures/{id}/exposure/report.pdf"),
];

/// API routes (listed in [`crate::api::ROUTES`]).
pub const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/exposure"),
    ("GET", "/api/v1/structures/{id}/surveillance"),
    ("PUT", "/api/v1/structures/{id}/surveillance"),
    ("GET", "/api/v1/structures/{id}/scans"),
    ("POST", "/api/v1/structures/{id}/scans"),
    ("GET", "/api/v1/structures/{id}/findings"),
    ("GET", "/api/v1/scans/{id}"),
    ("GET", "/api/v1/scans/{id}/diff"),
    ("POST", "/api/v1/findings/{id}/acknowledge"),
];

/// OpenAPI summaries and tags of [`API_ROUTES`].
pub fn api_summary(method: &str, path: &str) -> (&'static str, &'static str) {
    match (method, path) {
        ("GET", "/api/v1/exposure") => (
            "Who exposes what: open findings per structure, type and severity (?region=)",
            "exposure",
        ),
        ("GET", "/api/v1/structures/{id}/surveillance") => (
            "Scheduled surveillance of a structure (its own setting, its region's, the one applied)",
            "exposure",
        ),
        ("PUT", "/api/v1/structures/{id}/surveillance") => (
            "Turn scheduled surveillance on or off: {\"enabled\": true, \"interval_hours\": 168}",
            "exposure",
        ),
        ("GET", "/api/v1/structures/{id}/scans") => ("Scans of a structure, newest first", "exposure"),
        ("POST", "/api/v1/structures/{id}/scans") => (
            "Verify now: scan the structure's declared assets (one pending scan per structure); 202",
            "exposure",
        ),
        ("GET", "/api/v1/structures/{id}/findings") => (
            "Findings of a structure, most critical first (?open=true leaves out fixed ones)",
            "exposure",
        ),
        ("GET", "/api/v1/scans/{id}") => ("One scan with what it observed", "exposure"),
        ("GET", "/api/v1/scans/{id}/diff") => (
            "What changed between scan ?from= and this scan (opened, closed, changed ports)",
            "exposure",
        ),
        ("POST", "/api/v1/findings/{id}/acknowledge") => (
            "Acknowledge a finding with a note: {\"note\": \"...\"}",
            "exposure",
        ),
        _ => ("", "other"),
    }
}

pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/exposure", get(overview))
        .route("/exposure/surveillance", post(region_surveillance))
        .route("/structures/{id}/exposure", get(exposure))
        .route("/structures/{id}/exposure/scan", post(request_scan))
        .route(
            "/structures/{id}/exposure/surveillance",
            post(structure_surveillance),
        )
        .route(
            "/structures/{id}/exposure/findings/{finding}/acknowledge",
            post(acknowledge),
        )
        .route("/structures/{id}/exposure/report", get(report))
        .route("/structures/{id}/exposure/report.pdf", get(report_pdf))
}

pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/exposure", get(api_overview))
        .route(
            "/structures/{id}/surveillance",
            get(api_get_surveillance).put(api_set_surveillance),
        )
        .route(
            "/structures/{id}/scans",
            get(api_list_scans).post(api_request_scan),
        )
        .route("/structures/{id}/findings", get(api_findings))
        .route("/scans/{id}", get(api_scan))
        .route("/scans/{id}/diff", get(api_diff))
        .route("/findings/{id}/acknowledge", post(api_acknowledge))
}

macro_rules! page {
    ($a:expr, $body:expr) => {
        match (async { $body }).await {
            Ok(r) => r,
            Err(e) => page_error(&$a, e),
        }
    };
}

/// Severity names, most critical first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// Findings grouped by severity, most critical first (empty groups left out).
fn by_severity(findings: &[Finding]) -> Vec<(String, Vec<Finding>)> {
    SEVERITIES
        .iter()
        .map(|s| {
            (
                s.to_string(),
                findings
                    .iter()
                    .filter(|f| f.severity == *s)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

#[derive(Template)]
#[template(path = "surveillance_exposure.html")]
struct ExposurePage {
    ctx: Ctx,
    s: Structure,
    status: SurveillanceStatus,
    open: Vec<(String, Vec<Finding>)>,
    fixed: Vec<Finding>,
    last_scan: Option<Scan>,
    systems: Vec<Observation>,
    scans: Vec<Scan>,
    diff: Option<ScanDiff>,
    en: bool,
    can_scan: bool,
    can_manage: bool,
    can_triage: bool,
}

#[derive(Deserialize, Default)]
struct DiffQuery {
    from: Option<i64>,
    to: Option<i64>,
}

async fn exposure(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> Response {
    page!(a, {
        let s = st.store.get_structure(&a.actor, id).await?;
        let status = st.store.surveillance_status(&a.actor, id).await?;
        let findings = st.store.list_findings(&a.actor, id, false).await?;
        let (open, fixed): (Vec<Finding>, Vec<Finding>) =
            findings.into_iter().partition(|f| f.status != "fixed");
        let (last_scan, systems) = st.store.exposed_systems(&a.actor, id).await?;
        let scans = st.store.list_scans(&a.actor, id, 50).await?;
        let diff = match (q.from, q.to) {
            (Some(f), Some(t)) => {
                let d = st.store.scan_diff(&a.actor, f, t).await?;
                if scans.iter().any(|x| x.id == t) {
                    Some(d)
                } else {
                    return Err(AppError::NotFound);
                }
            }
            _ => None,
        };
        render(&ExposurePage {
            ctx: Ctx::of(&a),
            s,
            status,
            open: by_severity(&open),
            fixed,
            last_scan,
            systems,
            scans,
            diff,
            en: a.lang == Lang::En,
            can_scan: a.actor.can(Permission::RequestScan),
            can_manage: a.actor.can(Permission::ManageSurveillance),
            can_triage: a.actor.can(Permission::TriageFindings),
        })
    })
}

async fn request_scan(State(st): State<AppState>, Page(a): Page, Path(id): Path<i64>) -> Response {
    page!(a, {
        st.store.request_scan(&a.actor, id).await?;
        Ok(Redirect::to(&format!("/structures/{id}/exposure")).into_response())
    })
}

#[derive(Deserialize)]
struct SurveillanceForm {
    #[serde(default)]
    enabled: String,
    #[serde(default)]
    interval_hours: String,
    #[serde(default)]
    region: String,
}

fn parse_form(f: &SurveillanceForm) -> Result<(bool, i64), AppError> {
    let enabled = matches!(f.enabled.as_str(), "1" | "on" | "true");
    let interval = if f.interval_hours.trim().is_empty() {
        vigie_store::surveillance::DEFAULT_INTERVAL_HOURS
    } else {
        f.interval_hours.trim().parse::<i64>().map_err(|_| {
            AppError::BadRequest(format!(
                "interval_hours: {:?} is not a number of hours",
                f.interval_hours
            ))
        })?
    };
    Ok((enabled, interval))
}

async fn structure_surveillance(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<SurveillanceForm>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::ManageSurveillance)?;
        let (enabled, interval) = parse_form(&f)?;
        st.store
            .set_structure_surveillance(&a.actor, id, enabled, interval)
            .await?;
        Ok(Redirect::to(&format!("/structures/{id}/exposure")).into_response())
    })
}

async fn region_surveillance(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<SurveillanceForm>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::ManageSurveillance)?;
        let (enabled, interval) = parse_form(&f)?;
        st.store
            .set_region_surveillance(&a.actor, f.region.trim(), enabled, interval)
            .await?;
        Ok(Redirect::to(&format!("/exposure?region={}", f.region.trim())).into_response())
    })
}

#[derive(Deserialize)]
struct AckForm {
    #[serde(default)]
    note: String,
}

async fn acknowledge(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, finding)): Path<(i64, i64)>,
    Form(f): Form<AckForm>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::TriageFindings)?;
        let current = st.store.get_finding(&a.actor, finding).await?;
        if current.structure_id != id {
            return Err(AppError::NotFound);
        }
        st.store
            .acknowledge_finding(&a.actor, finding, &f.note)
            .await?;
        Ok(Redirect::to(&format!("/structures/{id}/exposure#finding-{finding}")).into_response())
    })
}

/// One line of the overview: a structure and its open findings by severity and by type.
struct OverviewRow {
    structure_id: i64,
    name: String,
    region_code: String,
    by_severity: Vec<i64>,
    kinds: Vec<(String, i64)>,
    total: i64,
}

#[derive(Template)]
#[template(path = "surveillance_overview.html")]
struct OverviewPage {
    ctx: Ctx,
    rows: Vec<OverviewRow>,
    severities: Vec<String>,
    region: String,
    regions: Vec<(String, String)>,
    region_setting: Option<vigie_store::surveillance::Setting>,
    can_manage: bool,
}

#[derive(Deserialize, Default)]
struct RegionQuery {
    region: Option<String>,
}

fn overview_rows(counts: &[ExposureCount]) -> Vec<OverviewRow> {
    let mut rows: Vec<OverviewRow> = Vec::new();
    for c in counts {
        if rows.last().map(|r| r.structure_id) != Some(c.structure_id) {
            rows.push(OverviewRow {
                structure_id: c.structure_id,
                name: c.structure_name.clone(),
                region_code: c.region_code.clone(),
                by_severity: vec![0; SEVERITIES.len()],
                kinds: Vec::new(),
                total: 0,
            });
        }
        if let Some(r) = rows.last_mut() {
            if let Some(i) = SEVERITIES.iter().position(|s| *s == c.severity) {
                r.by_severity[i] += c.count;
            }
            match r.kinds.iter_mut().find(|(k, _)| *k == c.kind) {
                Some(k) => k.1 += c.count,
                None => r.kinds.push((c.kind.clone(), c.count)),
            }
            r.total += c.count;
        }
    }
    // Most exposed first: by critical, then high… then total.
    rows.sort_by(|a, b| {
        b.by_severity
            .cmp(&a.by_severity)
            .then(b.total.cmp(&a.total))
            .then(a.name.cmp(&b.name))
    });
    rows
}

async fn overview(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<RegionQuery>,
) -> Response {
    page!(a, {
        let region = q.region.unwrap_or_default().trim().to_string();
        let counts = st
            .store
            .exposure_overview(&a.actor, Some(region.as_str()).filter(|r| !r.is_empty()))
            .await?;
        let regions: Vec<(String, String)> = match &a.actor.scope {
            Scope::National => vigie_domain::geo::regions()
                .iter()
                .map(|r| (r.code.to_string(), r.name.to_string()))
                .collect(),
            Scope::Region(code) => vigie_domain::geo::region(code)
                .map(|r| vec![(r.code.to_string(), r.name.to_string())])
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let can_manage = a.actor.can(Permission::ManageSurveillance) && !regions.is_empty();
        let region_setting = if can_manage && !region.is_empty() {
            st.store.region_surveillance(&a.actor, &region).await?
        } else {
            None
        };
        render(&OverviewPage {
            ctx: Ctx::of(&a),
            rows: overview_rows(&counts),
            severities: SEVERITIES.iter().map(|s| s.to_string()).collect(),
            region,
            regions,
            region_setting,
            can_manage,
        })
    })
}

/// Everything the exposure report shows.
struct ReportData {
    s: Structure,
    open: Vec<Finding>,
    groups: Vec<(String, Vec<Finding>)>,
    counts: Vec<(String, usize)>,
    last_scan: Option<Scan>,
    systems: Vec<Observation>,
    fixed_count: usize,
}

async fn report_data(st: &AppState, a: &crate::auth::Authed, id: i64) -> AppResult<ReportData> {
    let s = st.store.get_structure(&a.actor, id).await?;
    let findings = st.store.list_findings(&a.actor, id, false).await?;
    let fixed_count = findings.iter().filter(|f| f.status == "fixed").count();
    let open: Vec<Finding> = findings
        .into_iter()
        .filter(|f| f.status != "fixed")
        .collect();
    let (last_scan, systems) = st.store.exposed_systems(&a.actor, id).await?;
    let counts = SEVERITIES
        .iter()
        .map(|s| {
            (
                s.to_string(),
                open.iter().filter(|f| f.severity == *s).count(),
            )
        })
        .collect();
    Ok(ReportData {
        groups: by_severity(&open),
        s,
        open,
        counts,
        last_scan,
        systems,
        fixed_count,
    })
}

/// A remediation plan: one action per finding type, most critical first, with the systems it
/// concerns (the same advice applies to each of them).
fn plan(open: &[Finding], en: bool) -> Vec<(String, String, String, Vec<String>)> {
    let mut by_kind: BTreeMap<(i64, String), (String, String, Vec<String>)> = BTreeMap::new();
    for f in open {
        let e = by_kind
            .entry((-f.severity_rank, f.kind.clone()))
            .or_insert_with(|| {
                (
                    f.severity.clone(),
                    if en {
                        f.advice_en.clone()
                    } else {
                        f.advice_fr.clone()
                    },
                    Vec::new(),
                )
            });
        let sys = format!("{}:{}", f.address, f.port);
        if !e.2.contains(&sys) {
            e.2.push(sys);
        }
    }
    by_kind
        .into_iter()
        .map(|((_, kind), (sev, advice, systems))| (sev, kind, advice, systems))
        .collect()
}

#[derive(Template)]
#[template(path = "surveillance_report.html")]
struct ReportPage {
    ctx: Ctx,
    d: ReportData,
    summary: String,
    plan: Vec<(String, String, String, Vec<String>)>,
    en: bool,
    generated: i64,
}

fn summary_text(tr: &Tr, d: &ReportData) -> String {
    let crit = d.counts.first().map_or(0, |c| c.1);
    let high = d.counts.get(1).map_or(0, |c| c.1);
    let systems = d.systems.len();
    let t = |k| tr.t(k).to_string();
    let mut out = t("surveillance.summary_intro")
        .replace("{systems}", &systems.to_string())
        .replace("{open}", &d.open.len().to_string());
    if crit + high > 0 {
        out.push(' ');
        out.push_str(
            &t("surveillance.summary_urgent")
                .replace("{critical}", &crit.to_string())
                .replace("{high}", &high.to_string()),
        );
    } else if d.open.is_empty() {
        out.push(' ');
        out.push_str(&t("surveillance.summary_clean"));
    }
    if d.fixed_count > 0 {
        out.push(' ');
        out.push_str(
            &t("surveillance.summary_fixed").replace("{fixed}", &d.fixed_count.to_string()),
        );
    }
    out
}

async fn report(State(st): State<AppState>, Page(a): Page, Path(id): Path<i64>) -> Response {
    page!(a, {
        let d = report_data(&st, &a, id).await?;
        let en = a.lang == Lang::En;
        render(&ReportPage {
            ctx: Ctx::of(&a),
            summary: summary_text(&a.tr(), &d),
            plan: plan(&d.open, en),
            d,
            en,
            generated: chrono::Utc::now().timestamp(),
        })
    })
}

async fn report_pdf(State(st): State<AppState>, Page(a): Page, Path(id): Path<i64>) -> Response {
    page!(a, {
        let d = report_data(&st, &a, id).await?;
        let tr = a.tr();
        let en = a.lang == Lang::En;
        let mut doc = crate::surveillance_pdf::Doc::new();
        doc.title(&format!(
            "{} — {}",
            tr.t("surveillance.report_title"),
            d.s.name
        ));
        doc.text(&format!(
            "FINESS {} · {} · {}",
            d.s.finess_et,
            tr.region_name(&d.s.region_code),
            tr.datetime(&chrono::Utc::now().timestamp())
        ));
        doc.heading(tr.t("surveillance.summary"));
        doc.text(&summary_text(&tr, &d));
        for (sev, n) in &d.counts {
            doc.text(&format!("{} : {n}", tr.k("severity", sev)));
        }
        doc.heading(tr.t("surveillance.systems"));
        if d.systems.is_empty() {
            doc.text(tr.t("surveillance.no_systems"));
        }
        for o in &d.systems {
            doc.text(&format!(
                "{}:{}  {}  {} {}",
                o.address,
                o.port,
                o.service,
                o.product.as_deref().unwrap_or(""),
                o.version.as_deref().unwrap_or("")
            ));
        }
        doc.heading(tr.t("surveillance.findings"));
        if d.open.is_empty() {
            doc.text(tr.t("surveillance.no_findings"));
        }
        for (sev, group) in &d.groups {
            doc.subheading(&tr.k("severity", sev));
            for f in group {
                doc.bold(&format!(
                    "{} ({}:{})",
                    if en { &f.title_en } else { &f.title_fr },
                    f.address,
                    f.port
                ));
                doc.text(&format!(
                    "{} : {}",
                    tr.t("surveillance.evidence"),
                    f.evidence
                ));
                doc.text(&format!(
                    "{} : {}",
                    tr.t("surveillance.advice"),
                    if en { &f.advice_en } else { &f.advice_fr }
                ));
            }
        }
        doc.heading(tr.t("surveillance.plan"));
        for (i, (sev, kind, advice, systems)) in plan(&d.open, en).iter().enumerate() {
            doc.bold(&format!(
                "{}. [{}] {} — {}",
                i + 1,
                tr.k("severity", sev),
                tr.k("finding", kind),
                systems.join(", ")
            ));
            doc.text(advice);
        }
        let bytes = doc.finish();
        Ok((
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"exposition-{}.pdf\"", d.s.finess_et),
                ),
            ],
            bytes,
        )
            .into_response())
    })
}

// ------------------------------------------------------------------ API

async fn api_overview(
    State(st): State<AppState>,
    Api(a): Api,
    Query(q): Query<RegionQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let rows = st
        .store
        .exposure_overview(&a.actor, q.region.as_deref())
        .await?;
    Ok(Json(json!({ "items": rows })))
}

async fn api_get_surveillance(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<SurveillanceStatus>> {
    Ok(Json(st.store.surveillance_status(&a.actor, id).await?))
}

#[derive(Deserialize)]
struct SurveillanceBody {
    enabled: bool,
    #[serde(default)]
    interval_hours: Option<i64>,
}

async fn api_set_surveillance(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<SurveillanceBody>,
) -> AppResult<StatusCode> {
    st.store
        .set_structure_surveillance(
            &a.actor,
            id,
            b.enabled,
            b.interval_hours
                .unwrap_or(vigie_store::surveillance::DEFAULT_INTERVAL_HOURS),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn api_list_scans(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    let scans = st.store.list_scans(&a.actor, id, 200).await?;
    Ok(Json(json!({ "items": scans })))
}

async fn api_request_scan(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    let scan = st.store.request_scan(&a.actor, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "scan_id": scan, "link": format!("/api/v1/scans/{scan}") })),
    ))
}

#[derive(Deserialize, Default)]
struct FindingsQuery {
    #[serde(default)]
    open: Option<bool>,
}

async fn api_findings(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Query(q): Query<FindingsQuery>,
) -> AppResult<Json<serde_json::Value>> {
    let items = st
        .store
        .list_findings(&a.actor, id, q.open.unwrap_or(false))
        .await?;
    Ok(Json(json!({ "items": items })))
}

async fn api_scan(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
) -> AppResult<Json<serde_json::Value>> {
    let scan = st.store.get_scan(&a.actor, id).await?;
    let observations = st.store.scan_observations(&a.actor, id).await?;
    Ok(Json(json!({ "scan": scan, "observations": observations })))
}

async fn api_diff(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Query(q): Query<DiffQuery>,
) -> AppResult<Json<ScanDiff>> {
    let from = q.from.ok_or_else(|| {
        AppError::BadRequest("from: give the id of the earlier scan (?from=12)".into())
    })?;
    Ok(Json(st.store.scan_diff(&a.actor, from, id).await?))
}

#[derive(Deserialize)]
struct AckBody {
    note: String,
}

async fn api_acknowledge(
    State(st): State<AppState>,
    Api(a): Api,
    Path(id): Path<i64>,
    Json(b): Json<AckBody>,
) -> AppResult<Json<Finding>> {
    Ok(Json(
        st.store.acknowledge_finding(&a.actor, id, &b.note).await?,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_exposure_route_is_listed_for_the_matrix_and_the_openapi_document() {
        for r in super::PAGE_ROUTES {
            assert!(
                crate::pages::ROUTES.contains(r),
                "{r:?} not in pages::ROUTES"
            );
        }
        for r in super::API_ROUTES {
            assert!(crate::api::ROUTES.contains(r), "{r:?} not in api::ROUTES");
            assert!(
                !super::api_summary(r.0, r.1).0.is_empty(),
                "{r:?} has no summary"
            );
        }
    }
}
