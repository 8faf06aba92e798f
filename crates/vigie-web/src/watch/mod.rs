//! Vulnerability watch: a structure's inventory and alerts (a section of its page), the list of
//! alerts of the viewer's scope (structure, GHT, region, country), an alert with its triage, the
//! weekly bulletin, the freshness of the sources; pages, API and the dashboard's alerts panel.
//! Every operation goes through `vigie_store::watch`, which checks the role and confines it to
//! the caller's scope.

pub(crate) mod advisories;
pub(crate) mod api;
pub(crate) mod pages;

use askama::Template;
use utoipa_axum::routes;
use vigie_domain::role::Permission;
use vigie_report::chart::{Chart, Orientation, Series};
use vigie_store::watch::{self as w, AlertFilter, InventoryItem};
use vigie_store::watch::{AlertLevels, WatchFigures};

use crate::auth::Authed;
use crate::i18n::Tr;
use crate::routes::{Fragment, NavItem, Routes};
use crate::ui::{fragment, ChartBlock, Ctx, TREND_WEEKS};
use crate::AppState;
use pages::AlertView;

pub fn routes(r: Routes) -> Routes {
    r.post("/structures/{id}/inventory", pages::inventory_add)
        .post(
            "/structures/{id}/inventory/{item}/delete",
            pages::inventory_remove,
        )
        .post("/structures/{id}/inventory/import", pages::inventory_import)
        .get("/watch/alerts", pages::alerts)
        .get("/watch/alerts/{id}", pages::alert)
        .post("/watch/alerts/{id}/triage", pages::alert_triage)
        .get("/watch/advisories", advisories::advisories)
        .get("/watch/advisories/{reference}", advisories::advisory)
        .post(
            "/watch/advisories/{reference}/triage",
            advisories::advisory_triage,
        )
        .get("/watch/bulletin", pages::bulletin)
        .get("/watch/sources", pages::sources)
        .post("/watch/sources/upload", pages::sources_upload)
        .body_limit("/watch/sources/upload", pages::INGEST_UPLOAD_BYTES)
        .post("/watch/sources/url", pages::sources_url)
        .api(routes!(api::api_inventory, api::api_inventory_add))
        .api(routes!(api::api_inventory_remove))
        .api(routes!(api::api_inventory_import))
        .api(routes!(api::api_alerts))
        .api(routes!(api::api_alert))
        .api(routes!(api::api_triage))
        .api(routes!(api::api_bulletin))
        .api(routes!(api::api_sources))
        .nav(NavItem {
            label: "nav-watch",
            path: "/watch/alerts",
            order: 40,
            shown: |_| true,
        })
        .panel(crate::panel!(30, panel))
        .section(crate::section!(20, section))
}

#[derive(Template)]
#[template(path = "watch/panel.html")]
struct Panel {
    ctx: Ctx,
    w: WatchFigures,
    charts: Vec<ChartBlock>,
}

/// The open alerts by priority level and week by week.
fn charts(tr: Tr, levels: &AlertLevels, trend: Vec<(i64, i64)>) -> Vec<ChartBlock> {
    vec![
        ChartBlock::of(
            tr,
            "chart-alerts-level",
            Chart::bars(
                &tr.t("ux-chart_alerts_by_level"),
                &tr.t("ux-chart_priority"),
                &tr.t("ux-chart_alerts"),
                Orientation::Horizontal,
                levels
                    .levels()
                    .into_iter()
                    .map(|(level, n)| (tr.k("ux-priority", level), n as f64)),
            ),
        ),
        ChartBlock::of(
            tr,
            "chart-alerts-trend",
            Chart::lines(
                &tr.t("ux-chart_alerts_trend"),
                &tr.t("ux-chart_week"),
                &tr.t("ux-chart_alerts"),
                vec![Series {
                    name: tr.t("ux-chart_alerts"),
                    points: trend.into_iter().map(|(t, n)| (t, n as f64)).collect(),
                }],
            )
            .with_summary(&tr.t("ux-chart_alerts_trend_summary")),
        ),
    ]
}

/// The dashboard's alert figures and charts, for those who read the vulnerability watch.
async fn panel(st: &AppState, a: &Authed) -> Fragment {
    if !a.actor.can(Permission::ReadVulnerabilities) {
        return Ok(None);
    }
    let (w, levels, trend) = tokio::try_join!(
        st.store.watch_figures(&a.actor),
        st.store.open_alerts_by_level(&a.actor),
        st.store.open_alerts_trend(&a.actor, TREND_WEEKS),
    )?;
    let charts = charts(a.tr(), &levels, trend);
    fragment(&Panel {
        ctx: Ctx::of(a),
        w,
        charts,
    })
}

/// An inventory item as the pages show it.
pub struct ItemView {
    pub i: InventoryItem,
    pub product_name: String,
}

/// What the structure page shows of the watch.
pub struct StructureWatch {
    pub alerts: Vec<AlertView>,
    pub inventory: Vec<ItemView>,
    pub can_inventory: bool,
}

#[derive(Template)]
#[template(path = "watch/structure.html")]
struct Section {
    ctx: Ctx,
    id: i64,
    watch: StructureWatch,
    /// The empty inventory form.
    form: pages::ItemFields,
}

/// A structure's alerts and inventory, on its page.
async fn section(st: &AppState, a: &Authed, id: i64) -> Fragment {
    if !a.actor.can(Permission::ReadVulnerabilities) {
        return Ok(None);
    }
    let alerts = st
        .store
        .list_alerts(
            &a.actor,
            &AlertFilter {
                structure_id: Some(id),
                limit: Some(200),
                ..Default::default()
            },
        )
        .await?
        .into_iter()
        .map(AlertView::of)
        .collect();
    let inventory = st
        .store
        .list_inventory(&a.actor, id)
        .await?
        .into_iter()
        .map(|i| ItemView {
            product_name: w::product_name(&i.product),
            i,
        })
        .collect();
    let can_inventory = a.actor.can(Permission::WriteInventory);
    let products = if can_inventory {
        pages::product_suggestions()?
    } else {
        Vec::new()
    };
    fragment(&Section {
        ctx: Ctx::of(a),
        id,
        watch: StructureWatch {
            alerts,
            inventory,
            can_inventory,
        },
        form: pages::ItemFields {
            structure_id: id,
            product: String::new(),
            version: String::new(),
            location: String::new(),
            exposed: false,
            products,
        },
    })
}
