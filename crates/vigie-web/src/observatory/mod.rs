//! The observatory of incidents (issue 15): the page for a period and a territory in the
//! viewer's scope (key figures, charts each with its table and text alternative, print style),
//! the PDF report laid out like the official one, the open-data CSV, the JSON of every figure
//! (a download, and `/api/v1/observatory`),
//! and the CERT's import of past declarations. Everything is counted by
//! `vigie_store::observatory`, which checks the role, the scope and the territory.

pub(crate) mod api;
pub(crate) mod pages;
pub mod report;
pub mod view;

use utoipa_axum::routes;

use crate::routes::{NavItem, Routes};

/// The largest history file accepted (the engine refuses more itself).
pub const HISTORY_UPLOAD_BYTES: u64 = vigie_observatory::history::MAX_BYTES as u64;

pub fn routes(r: Routes) -> Routes {
    r.get("/observatory", pages::page)
        .get("/observatory/report.pdf", pages::report_pdf)
        .get("/observatory/opendata.csv", pages::opendata)
        .get("/observatory/data.json", pages::json)
        .get("/observatory/import", pages::import_form)
        .post("/observatory/import", pages::import)
        .body_limit("/observatory/import", HISTORY_UPLOAD_BYTES)
        .api(routes!(api::api_observatory))
        .nav(NavItem {
            label: "nav-observatory",
            path: "/observatory",
            order: 36,
            shown: vigie_store::Store::observatory_visible,
        })
}

/// The standalone HTML of an observatory (the command line's `--format html`): the page's
/// content without the navigation, its style sheet inlined.
pub fn standalone_html(
    tr: &vigie_report::Tr,
    o: &vigie_observatory::Observatory,
    territory_name: &str,
) -> Result<String, askama::Error> {
    pages::standalone(tr, o, territory_name)
}

/// The PDF report of an observatory (the command line's `--format pdf`).
pub fn pdf(
    tr: &vigie_report::Tr,
    o: &vigie_observatory::Observatory,
    territory_name: &str,
) -> Vec<u8> {
    let v = view::View::new(tr, o, territory_name);
    report::pdf(tr, &v, pages::tlp_of(&o.territory))
}
