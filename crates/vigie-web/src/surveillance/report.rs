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
use vigie_domain::role::Permission;
use vigie_report::chart::{Chart, Orientation, Table};
use vigie_report::pdf::{Document, Tlp};
use vigie_store::registry::Structure;
use vigie_store::surveillance::{Finding, Observation, Scan, ScopeSummary};
use vigie_store::watch::{self as w, AlertFilter};

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
    /// The open alerts of known-exploited vulnerabilities (CISA KEV) of the products the
    /// structure runs or exposes, for those who read the vulnerability watch.
    kev: Vec<KevRow>,
}

/// A known-exploited vulnerability of a product of the structure, as the report shows it.
pub(crate) struct KevRow {
    pub(crate) alert_id: i64,
    pub(crate) reference: String,
    pub(crate) product: String,
    pub(crate) version: String,
    /// Seen or declared as exposed on the internet.
    pub(crate) exposed: bool,
    /// The priority in words' key (`urgent`, `high`…).
    pub(crate) level: &'static str,
    pub(crate) status: String,
}

/// The structure's open known-exploited alerts, the exposed products first, then by priority.
async fn kev_rows(st: &AppState, a: &Authed, id: i64) -> AppResult<Vec<KevRow>> {
    if !a.actor.can(Permission::ReadVulnerabilities) {
        return Ok(Vec::new());
    }
    let alerts = st
        .store
        .list_alerts(
            &a.actor,
            &AlertFilter {
                structure_id: Some(id),
                open_only: true,
                kev_only: true,
                limit: Some(500),
                ..Default::default()
            },
        )
        .await?;
    let mut rows: Vec<KevRow> = alerts
        .into_iter()
        .map(|al| KevRow {
            exposed: al
                .reason_list()
                .iter()
                .any(|r| r.starts_with("exposé sur internet")),
            alert_id: al.id,
            product: w::product_name(&al.product),
            level: w::priority_level(al.priority),
            reference: al.ref_id,
            version: al.version,
            status: al.status,
        })
        .collect();
    // Stable: the store's order (highest priority first) within each group.
    rows.sort_by_key(|r| !r.exposed);
    Ok(rows)
}

/// The known-exploited vulnerabilities as a table, in the reader's words.
fn kev_table(tr: &Tr, rows: &[KevRow]) -> Table {
    Table {
        caption: tr.t("surveillance-kev"),
        header: vec![
            tr.t("watch-alert"),
            tr.t("watch-product"),
            tr.t("watch-version"),
            tr.t("watch-exposed"),
            tr.t("watch-priority"),
            tr.t("watch-status"),
        ],
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    r.reference.clone(),
                    r.product.clone(),
                    r.version.clone(),
                    tr.t(if r.exposed { "common-yes" } else { "common-no" }),
                    tr.k("ux-priority", r.level),
                    tr.k("watch-status", &r.status),
                ]
            })
            .collect(),
        numeric: vec![false; 6],
    }
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
    let kev = kev_rows(st, a, id).await?;
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
        kev,
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
        // A map of a hospital's weaknesses (its exposed systems, what attackers already exploit
        // on them) must not reach the public nor its attackers, yet the structure must share it
        // with those who fix it: its IT staff, its provider, its GHT, its regional centre.
        // TLP:AMBER says exactly that (its organisation and those it must inform, on a need to
        // know); TLP:RED would forbid handing it to the provider, TLP:GREEN let it circulate in
        // the whole community. Marked on every page, beside the page number.
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
        // The known-exploited vulnerabilities of what the structure runs: what attackers use
        // today, whether or not the scan saw the product.
        doc.heading(1, &tr.t("surveillance-kev"));
        if d.kev.is_empty() {
            doc.paragraph(&tr.t("surveillance-no_kev"));
        } else {
            doc.paragraph(&tr.t("surveillance-kev_intro"))
                .table(&kev_table(&tr, &d.kev));
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
