//! A structure's exposure (findings by criticality with evidence and advice, the map of exposed
//! systems, scan history and diff, triage, "verify now", surveillance on/off) and the regional
//! and national view "who exposes what".

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::{Permission, Scope};
use vigie_store::registry::Structure;
use vigie_store::surveillance::{
    ExposureCount, Finding, Observation, Scan, ScanDiff, ScopeSummary, SurveillanceStatus,
};

use crate::auth::Page;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ui::{page, render, Ctx};
use crate::AppState;

/// Severity names, most critical first.
pub const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

/// Findings grouped by severity, most critical first (empty groups left out).
pub(crate) fn by_severity(findings: &[Finding]) -> Vec<(String, Vec<Finding>)> {
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
#[template(path = "surveillance/exposure.html")]
struct ExposurePage {
    ctx: Ctx,
    s: Structure,
    status: SurveillanceStatus,
    open: Vec<(String, Vec<Finding>)>,
    fixed: Vec<Finding>,
    last_scan: Option<Scan>,
    /// What the last scan left out: refused, judged down, given up, unresolved.
    unscanned: ScopeSummary,
    systems: Vec<Observation>,
    scans: Vec<Scan>,
    diff: Option<ScanDiff>,
    en: bool,
    can_scan: bool,
    can_manage: bool,
    can_triage: bool,
}

#[derive(Deserialize, Default)]
pub(crate) struct DiffQuery {
    pub(crate) from: Option<i64>,
    pub(crate) to: Option<i64>,
}

pub(crate) async fn exposure(
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
            unscanned: last_scan
                .as_ref()
                .map(Scan::scope_summary)
                .unwrap_or_default(),
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

pub(crate) async fn request_scan(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        st.store.request_scan(&a.actor, id).await?;
        Ok(Redirect::to(&format!("/structures/{id}/exposure")).into_response())
    })
}

#[derive(Deserialize)]
pub(crate) struct SurveillanceForm {
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

pub(crate) async fn structure_surveillance(
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

pub(crate) async fn region_surveillance(
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
pub(crate) struct AckForm {
    #[serde(default)]
    note: String,
}

pub(crate) async fn acknowledge(
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
#[template(path = "surveillance/overview.html")]
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
pub(crate) struct RegionQuery {
    pub(crate) region: Option<String>,
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

pub(crate) async fn overview(
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
