//! The exposure report of a structure, printable as HTML and as a PDF: what is exposed, how
//! critical, and the plan to fix it.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;

use super::pages::{by_severity, SEVERITIES};
use crate::auth::{Authed, Page};
use crate::error::AppResult;
use crate::i18n::{Lang, Tr};
use crate::ui::{page, render, Ctx};
use crate::AppState;
use vigie_report::chart::{Chart, Orientation, Table};
use vigie_report::pdf::{Document, Tlp};
use vigie_store::registry::Structure;
use vigie_store::surveillance::{Finding, Observation, Scan, ScopeSummary};

/// The open findings by severity, as a chart (with its table beside it).
fn severity_chart(tr: &Tr, d: &ReportData) -> Chart {
    Chart::bars(
        &tr.t("surveillance-by_severity"),
        &tr.t("surveillance-severity"),
        &tr.t("surveillance-findings"),
        Orientation::Horizontal,
        d.counts
            .iter()
            .map(|(sev, n)| (tr.k("severity", sev), *n as f64)),
    )
    .with_decimals(0)
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
    /// The open findings by severity, as an SVG chart (its table is the one under it).
    chart: String,
    /// What the last scan left out (address, why, detail).
    unscanned: Vec<Vec<String>>,
}

/// The addresses the last scan did not scan, and why: judged down, given up early, refused by
/// the address policy, names unresolved (address, why, the scanner's detail).
pub(crate) fn unscanned_rows(tr: &Tr, last_scan: Option<&Scan>) -> Vec<Vec<String>> {
    let u: ScopeSummary = last_scan.map(Scan::scope_summary).unwrap_or_default();
    let mut rows = Vec::new();
    for x in &u.down {
        let detail = if x.detail.is_empty() {
            x.reason.clone()
        } else {
            format!("{}: {}", x.reason, x.detail)
        };
        rows.push(vec![
            x.address.clone(),
            tr.t("surveillance-unscanned-down"),
            detail,
        ]);
    }
    for x in &u.given_up {
        rows.push(vec![
            x.address.clone(),
            tr.t("surveillance-unscanned-given_up"),
            x.detail.clone(),
        ]);
    }
    for x in &u.refused {
        rows.push(vec![
            x.address.clone(),
            tr.t("surveillance-unscanned-refused"),
            x.reason.clone(),
        ]);
    }
    for (name, why) in &u.unresolved {
        rows.push(vec![
            name.clone(),
            tr.t("surveillance-unscanned-unresolved"),
            why.clone(),
        ]);
    }
    rows
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
        let tr = a.tr();
        render(&ReportPage {
            ctx: Ctx::of(&a),
            chart: severity_chart(&tr, &d).svg(tr),
            summary: summary_text(&tr, &d),
            plan: plan(&d.open, en),
            unscanned: unscanned_rows(&tr, d.last_scan.as_ref()),
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
        let mut doc = Document::new(
            tr,
            &format!("{} — {}", tr.t("surveillance-report_title"), d.s.name),
        );
        // A structure's exposure is not for the public: shared with the structure and those who
        // support it (TLP:AMBER).
        doc.tlp(Tlp::Amber)
            .author("Vigie")
            .subject(&tr.t("surveillance-report_title"))
            .subtitle(&format!(
                "FINESS {} · {} · {}",
                d.s.finess_et,
                tr.region_name(&d.s.region_code),
                tr.datetime(chrono::Utc::now().timestamp())
            ));
        doc.heading(1, &tr.t("surveillance-summary"))
            .paragraph(&summary_text(&tr, &d));
        let chart = severity_chart(&tr, &d);
        doc.chart(&chart).table(&chart.table(tr));
        doc.heading(1, &tr.t("surveillance-systems"));
        if d.systems.is_empty() {
            doc.paragraph(&tr.t("surveillance-no_systems"));
        } else {
            doc.table(&Table {
                caption: tr.t("surveillance-systems"),
                header: vec![
                    tr.t("surveillance-system"),
                    tr.t("surveillance-service"),
                    tr.t("surveillance-product"),
                ],
                rows: d
                    .systems
                    .iter()
                    .map(|o| {
                        vec![
                            format!("{}:{}", o.address, o.port),
                            o.service.clone(),
                            format!(
                                "{} {}",
                                o.product.as_deref().unwrap_or(""),
                                o.version.as_deref().unwrap_or("")
                            )
                            .trim()
                            .to_string(),
                        ]
                    })
                    .collect(),
                numeric: vec![false, false, false],
            });
        }
        let unscanned = unscanned_rows(&tr, d.last_scan.as_ref());
        if !unscanned.is_empty() {
            doc.heading(2, &tr.t("surveillance-unscanned"))
                .paragraph(&tr.t("surveillance-unscanned-intro"))
                .table(&Table {
                    caption: tr.t("surveillance-unscanned"),
                    header: vec![
                        tr.t("surveillance-address"),
                        tr.t("surveillance-unscanned-why"),
                        tr.t("surveillance-unscanned-detail"),
                    ],
                    rows: unscanned,
                    numeric: vec![false, false, false],
                });
        }
        doc.heading(1, &tr.t("surveillance-findings"));
        if d.open.is_empty() {
            doc.paragraph(&tr.t("surveillance-no_findings"));
        }
        for (sev, group) in &d.groups {
            doc.heading(2, &tr.k("severity", sev));
            for f in group {
                doc.strong(&format!(
                    "{} ({}:{})",
                    if en { &f.title_en } else { &f.title_fr },
                    f.address,
                    f.port
                ));
                doc.bullets([
                    format!("{} {}", tr.label("surveillance-evidence"), f.evidence),
                    format!(
                        "{} {}",
                        tr.label("surveillance-advice"),
                        if en { &f.advice_en } else { &f.advice_fr }
                    ),
                ]);
            }
        }
        doc.heading(1, &tr.t("surveillance-plan"));
        for (i, (sev, kind, advice, systems)) in plan(&d.open, en).iter().enumerate() {
            doc.strong(&format!(
                "{}. [{}] {} — {}",
                i + 1,
                tr.k("severity", sev),
                tr.k("finding", kind),
                systems.join(", ")
            ));
            doc.paragraph(advice);
        }
        Ok(crate::ui::pdf_response(
            &format!("exposition-{}.pdf", d.s.finess_et),
            doc.finish(),
        ))
    })
}
