//! The exposure report of a structure, printable as HTML and as a PDF: what is exposed, how
//! critical, and the plan to fix it.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::pages::{by_severity, SEVERITIES};
use crate::auth::{Authed, Page};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::ui::{page, render, Ctx};
use crate::AppState;
use vigie_store::registry::Structure;
use vigie_store::surveillance::{Finding, Observation, Scan};

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

async fn report_data(st: &AppState, a: &Authed, id: i64) -> AppResult<ReportData> {
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
#[template(path = "surveillance/report.html")]
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
    let mut out = tr.t_args(
        "surveillance-summary_intro",
        &[
            ("systems", d.systems.len().into()),
            ("open", d.open.len().into()),
        ],
    );
    if crit + high > 0 {
        out.push(' ');
        out.push_str(&tr.t_args(
            "surveillance-summary_urgent",
            &[("critical", crit.into()), ("high", high.into())],
        ));
    } else if d.open.is_empty() {
        out.push(' ');
        out.push_str(&tr.t("surveillance-summary_clean"));
    }
    if d.fixed_count > 0 {
        out.push(' ');
        out.push_str(&tr.t_arg("surveillance-summary_fixed", "fixed", d.fixed_count));
    }
    out
}

pub(crate) async fn report(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
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

pub(crate) async fn report_pdf(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let d = report_data(&st, &a, id).await?;
        let tr = a.tr();
        let en = a.lang == Lang::En;
        let mut doc = super::pdf::Doc::new();
        doc.title(&format!(
            "{} — {}",
            tr.t("surveillance-report_title"),
            d.s.name
        ));
        doc.text(&format!(
            "FINESS {} · {} · {}",
            d.s.finess_et,
            tr.region_name(&d.s.region_code),
            tr.datetime(chrono::Utc::now().timestamp())
        ));
        doc.heading(&tr.t("surveillance-summary"));
        doc.text(&summary_text(&tr, &d));
        for (sev, n) in &d.counts {
            doc.text(&format!("{} : {n}", tr.k("severity", sev)));
        }
        doc.heading(&tr.t("surveillance-systems"));
        if d.systems.is_empty() {
            doc.text(&tr.t("surveillance-no_systems"));
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
        doc.heading(&tr.t("surveillance-findings"));
        if d.open.is_empty() {
            doc.text(&tr.t("surveillance-no_findings"));
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
                    tr.t("surveillance-evidence"),
                    f.evidence
                ));
                doc.text(&format!(
                    "{} : {}",
                    tr.t("surveillance-advice"),
                    if en { &f.advice_en } else { &f.advice_fr }
                ));
            }
        }
        doc.heading(&tr.t("surveillance-plan"));
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
