//! The registry's charts: territories side by side (their open findings and alerts stacked, the
//! most findings first) and the map of open findings by region or by department. The counts are
//! the store's (`Store::open_load`, one statement each, within the viewer's scope).

use vigie_report::chart::{Chart, Classes, MapLevel, Orientation};
use vigie_store::registry::{LoadBy, OpenLoad};

use crate::i18n::Tr;
use crate::ui::ChartBlock;

/// Bars of a side-by-side chart, at most (the structures of a large GHT).
pub const MAX_BARS: usize = 25;

/// A row's name in the reader's language.
pub fn name(tr: Tr, unit: LoadBy, r: &OpenLoad) -> String {
    match unit {
        LoadBy::Region => tr.region_name(&r.key).to_string(),
        LoadBy::Department => vigie_domain::geo::department(&r.key)
            .map_or_else(|| r.key.clone(), |d| format!("{} ({})", d.name, d.code)),
        LoadBy::Ght if r.key.is_empty() => tr.t("ux-chart_no_ght"),
        LoadBy::Ght | LoadBy::Structure => r.name.clone(),
    }
}

/// The rows side by side: open findings and open alerts stacked, one bar per row.
pub fn side_by_side(tr: Tr, id: &str, unit: LoadBy, rows: &[OpenLoad]) -> ChartBlock {
    let (title, category) = match unit {
        LoadBy::Region => (tr.t("ux-chart_regions"), tr.t("ux-region")),
        LoadBy::Department => (tr.t("ux-chart_departments"), tr.t("ux-chart_department")),
        LoadBy::Ght => (tr.t("ux-chart_ghts"), tr.t("ux-chart_ght")),
        LoadBy::Structure => (tr.t("ux-chart_members"), tr.t("ux-chart_structure")),
    };
    ChartBlock::of(
        tr,
        id,
        Chart::stacked(
            &title,
            &category,
            &tr.t("ux-chart_open"),
            Orientation::Horizontal,
            vec![tr.t("ux-chart_findings"), tr.t("ux-chart_alerts")],
            rows.iter()
                .take(MAX_BARS)
                .map(|r| (name(tr, unit, r), vec![r.findings as f64, r.alerts as f64])),
        )
        .with_summary(&tr.t("ux-chart_territories_summary")),
    )
}

/// The map of France coloured by open findings, by region or by department (then only the
/// departments of the viewer's territory have a value).
pub fn map(tr: Tr, id: &str, level: MapLevel, rows: &[OpenLoad]) -> ChartBlock {
    let chart = match level {
        MapLevel::Regions => Chart::map(
            &tr.t("ux-chart_regions_map"),
            level,
            &tr.t("ux-chart_findings"),
            rows.iter().map(|r| (r.key.clone(), r.findings as f64)),
            Classes::Auto,
        ),
        MapLevel::Departments => Chart::map(
            &tr.t("ux-chart_departments_map"),
            level,
            &tr.t("ux-chart_findings"),
            rows.iter().map(|r| (r.key.clone(), r.findings as f64)),
            Classes::Auto,
        )
        .with_summary(&tr.t("ux-chart_departments_map_summary")),
    };
    ChartBlock::of(tr, id, chart)
}
