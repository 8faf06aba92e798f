//! Surveillance of internet exposure: a structure's exposure and its report (HTML and PDF), the
//! regional and national view "who exposes what", scans and findings; pages, API, the dashboard's
//! exposure panel and the structure page's link to its exposure. Every action goes through
//! `vigie_store::surveillance`, which checks the role and the scope.

pub(crate) mod api;
pub(crate) mod findings;
pub(crate) mod pages;
pub(crate) mod report;

use askama::Template;
use utoipa_axum::routes;
use vigie_domain::role::Permission;
use vigie_report::chart::{Chart, Orientation, Series};
use vigie_store::surveillance::ExposureFigures;

use crate::auth::Authed;
use crate::i18n::Tr;
use crate::routes::{Fragment, NavItem, Routes};
use crate::ui::{fragment, ChartBlock, Ctx, TREND_WEEKS};
use crate::AppState;

pub use pages::SEVERITIES;

pub fn routes(r: Routes) -> Routes {
    r.get("/exposure", pages::overview)
        .get("/exposure/findings", findings::findings)
        .post("/exposure/surveillance", pages::region_surveillance)
        .get("/structures/{id}/exposure", pages::exposure)
        .post("/structures/{id}/exposure/scan", pages::request_scan)
        .post(
            "/structures/{id}/exposure/surveillance",
            pages::structure_surveillance,
        )
        .post(
            "/structures/{id}/exposure/findings/{finding}/acknowledge",
            pages::acknowledge,
        )
        .get("/structures/{id}/exposure/report", report::report)
        .get("/structures/{id}/exposure/report.pdf", report::report_pdf)
        .api(routes!(api::api_overview))
        .api(routes!(
            api::api_get_surveillance,
            api::api_set_surveillance
        ))
        .api(routes!(api::api_list_scans, api::api_request_scan))
        .api(routes!(api::api_findings))
        .api(routes!(api::api_scan))
        .api(routes!(api::api_diff))
        .api(routes!(api::api_acknowledge))
        .nav(NavItem {
            label: "nav-exposure",
            path: "/exposure",
            order: 30,
            shown: |_| true,
        })
        .panel(crate::panel!(20, panel))
        .section(crate::section!(10, section))
}

#[derive(Template)]
#[template(path = "surveillance/panel.html")]
struct Panel {
    ctx: Ctx,
    e: ExposureFigures,
    charts: Vec<ChartBlock>,
}

/// Finding types shown in the dashboard's chart, at most.
const TOP_KINDS: i64 = 8;

/// The open findings by severity, by type (the most frequent) and week by week.
fn charts(
    tr: Tr,
    e: &ExposureFigures,
    kinds: &[(String, i64)],
    trend: Vec<(i64, i64)>,
) -> Vec<ChartBlock> {
    let counts = [e.critical, e.high, e.medium, e.low, e.info];
    let mut out = vec![ChartBlock::of(
        tr,
        "chart-findings-severity",
        Chart::bars(
            &tr.t("ux-chart_findings_by_severity"),
            &tr.t("ux-chart_severity"),
            &tr.t("ux-chart_findings"),
            Orientation::Horizontal,
            SEVERITIES
                .iter()
                .zip(counts)
                .map(|(sev, n)| (tr.k("severity", sev), n as f64)),
        ),
    )];
    if !kinds.is_empty() {
        out.push(ChartBlock::of(
            tr,
            "chart-findings-kind",
            Chart::bars(
                &tr.t("ux-chart_findings_by_kind"),
                &tr.t("ux-chart_kind"),
                &tr.t("ux-chart_findings"),
                Orientation::Horizontal,
                kinds.iter().map(|(k, n)| (tr.k("finding", k), *n as f64)),
            ),
        ));
    }
    out.push(ChartBlock::of(
        tr,
        "chart-findings-trend",
        Chart::lines(
            &tr.t("ux-chart_findings_trend"),
            &tr.t("ux-chart_week"),
            &tr.t("ux-chart_findings"),
            vec![Series {
                name: tr.t("ux-chart_findings"),
                points: trend.into_iter().map(|(t, n)| (t, n as f64)).collect(),
            }],
        )
        .with_summary(&tr.t("ux-chart_findings_trend_summary")),
    ));
    out
}

/// The dashboard's exposure figures and charts, for those who read the exposure.
async fn panel(st: &AppState, a: &Authed) -> Fragment {
    if !a.actor.can(Permission::ReadExposure) {
        return Ok(None);
    }
    let (e, kinds, trend) = tokio::try_join!(
        st.store.exposure_figures(&a.actor),
        st.store.open_findings_by_kind(&a.actor, TOP_KINDS),
        st.store.open_findings_trend(&a.actor, TREND_WEEKS),
    )?;
    let charts = charts(a.tr(), &e, &kinds, trend);
    fragment(&Panel {
        ctx: Ctx::of(a),
        e,
        charts,
    })
}

#[derive(Template)]
#[template(path = "surveillance/section.html")]
struct Section {
    ctx: Ctx,
    id: i64,
}

/// The structure page's way to its exposure.
async fn section(_st: &AppState, a: &Authed, id: i64) -> Fragment {
    fragment(&Section {
        ctx: Ctx::of(a),
        id,
    })
}
