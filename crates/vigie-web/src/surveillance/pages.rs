//! A structure's exposure (findings by criticality with evidence and advice, the map of exposed
//! systems, scan history and diff, triage, "verify now", surveillance on/off) and the regional
//! and national view "who exposes what".

use std::borrow::Borrow;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::problem::Problem;
use vigie_domain::role::{Permission, Scope};
use vigie_store::registry::Structure;
use vigie_store::surveillance::{
    ExposureCount, Finding, Observation, Scan, ScanDiff, ScopeSummary, SurveillanceStatus,
};
use vigie_store::StoreError;

use crate::auth::{Authed, Page};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::ui::{page, render, render_status, Ctx};
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
    /// A refused form of the page, with what was typed.
    form: Refused,
}

/// A form of the exposure pages refused for the person's mistake: the settings (state and
/// interval typed) or a finding's acknowledgement (its note), and why, in the reader's language.
#[derive(Default)]
pub(crate) struct Refused {
    /// The settings form: (enabled, interval as typed).
    pub(crate) settings: Option<(bool, String)>,
    /// The acknowledgement: (finding id, note as typed).
    pub(crate) ack: Option<(i64, String)>,
    pub(crate) error: String,
}

impl Refused {
    /// The interval the settings form shows: as typed when refused, else `current`.
    pub(crate) fn interval(&self, current: impl std::fmt::Display) -> String {
        self.settings
            .as_ref()
            .map_or_else(|| current.to_string(), |(_, i)| i.clone())
    }

    /// Whether the settings form shows "on": as chosen when refused, else `current`.
    pub(crate) fn enabled(&self, current: impl Borrow<bool>) -> bool {
        self.settings
            .as_ref()
            .map_or(*current.borrow(), |(e, _)| *e)
    }

    /// The note typed for `finding` when its acknowledgement was refused.
    pub(crate) fn note(&self, finding: impl Borrow<i64>) -> &str {
        match &self.ack {
            Some((id, n)) if id == finding.borrow() => n,
            _ => "",
        }
    }

    /// Why the acknowledgement of `finding` was refused (empty otherwise).
    pub(crate) fn ack_error(&self, finding: impl Borrow<i64>) -> &str {
        match &self.ack {
            Some((id, _)) if id == finding.borrow() => &self.error,
            _ => "",
        }
    }

    /// Why the settings were refused (empty otherwise).
    pub(crate) fn settings_error(&self) -> &str {
        if self.settings.is_some() {
            &self.error
        } else {
            ""
        }
    }
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
    page!(
        a,
        render(&exposure_page(&st, &a, id, &q, Refused::default()).await?)
    )
}

/// A structure's exposure page, with a refused form (or none).
async fn exposure_page(
    st: &AppState,
    a: &Authed,
    id: i64,
    q: &DiffQuery,
    form: Refused,
) -> AppResult<ExposurePage> {
    {
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
        Ok(ExposurePage {
            ctx: Ctx::of(a),
            form,
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
    }
}

/// The exposure page again with `form` and a 400, for a refusal that is the person's mistake.
async fn refused_page(st: &AppState, a: &Authed, id: i64, form: Refused) -> AppResult<Response> {
    let page = exposure_page(st, a, id, &DiffQuery::default(), form).await?;
    render_status(StatusCode::BAD_REQUEST, &page)
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

impl SurveillanceForm {
    fn enabled(&self) -> bool {
        matches!(self.enabled.as_str(), "1" | "on" | "true")
    }

    /// The interval typed, in hours (empty: the default); not a number is the person's mistake.
    fn interval(&self) -> Result<i64, StoreError> {
        let typed = self.interval_hours.trim();
        if typed.is_empty() {
            return Ok(vigie_store::surveillance::DEFAULT_INTERVAL_HOURS);
        }
        typed.parse::<i64>().map_err(|_| {
            StoreError::Invalid(
                Problem::new("ux-surveillance-interval-not-a-number").arg("value", typed),
            )
        })
    }

    /// What the form gives back when refused.
    fn refused(&self, error: String) -> Refused {
        Refused {
            settings: Some((self.enabled(), self.interval_hours.clone())),
            ack: None,
            error,
        }
    }
}

pub(crate) async fn structure_surveillance(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<SurveillanceForm>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::ManageSurveillance)?;
        let r = match f.interval() {
            Ok(interval) => {
                st.store
                    .set_structure_surveillance(&a.actor, id, f.enabled(), interval)
                    .await
            }
            Err(e) => Err(e),
        };
        match r {
            Ok(_) => Ok(Redirect::to(&format!("/structures/{id}/exposure#h-surv")).into_response()),
            Err(StoreError::Invalid(p)) => {
                refused_page(&st, &a, id, f.refused(a.tr().problem(&p))).await
            }
            Err(e) => Err(e.into()),
        }
    })
}

pub(crate) async fn region_surveillance(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<SurveillanceForm>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::ManageSurveillance)?;
        let region = f.region.trim().to_string();
        let r = match f.interval() {
            Ok(interval) => {
                st.store
                    .set_region_surveillance(&a.actor, &region, f.enabled(), interval)
                    .await
            }
            Err(e) => Err(e),
        };
        match r {
            Ok(_) => Ok(Redirect::to(&format!(
                "/exposure?{}",
                crate::ui::query_string(&[("region", region.as_str())])
            ))
            .into_response()),
            Err(StoreError::Invalid(p)) => {
                let refused = f.refused(a.tr().problem(&p));
                let page = overview_page(&st, &a, region, refused).await?;
                render_status(StatusCode::BAD_REQUEST, &page)
            }
            Err(e) => Err(e.into()),
        }
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
        match st
            .store
            .acknowledge_finding(&a.actor, finding, &f.note)
            .await
        {
            Ok(_) => Ok(
                Redirect::to(&format!("/structures/{id}/exposure#finding-{finding}"))
                    .into_response(),
            ),
            // The page again, the error beside this finding's note, what was typed kept.
            Err(StoreError::Invalid(p)) => {
                let refused = Refused {
                    settings: None,
                    ack: Some((finding, f.note)),
                    error: a.tr().problem(&p),
                };
                refused_page(&st, &a, id, refused).await
            }
            Err(e) => Err(e.into()),
        }
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
    /// The region's settings refused, with what was typed.
    form: Refused,
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
        render(&overview_page(&st, &a, region, Refused::default()).await?)
    })
}

/// Who exposes what in `region` (or the viewer's whole scope), with a refused settings form.
async fn overview_page(
    st: &AppState,
    a: &Authed,
    region: String,
    form: Refused,
) -> AppResult<OverviewPage> {
    {
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
        Ok(OverviewPage {
            ctx: Ctx::of(a),
            rows: overview_rows(&counts),
            severities: SEVERITIES.iter().map(|s| s.to_string()).collect(),
            region,
            regions,
            region_setting,
            can_manage,
            form,
        })
    }
}
