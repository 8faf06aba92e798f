//! The registry: structures (list, search, CSV, a structure's page with its contacts and declared
//! assets), GHTs, regions, and the imports of the FINESS extract and of GHT compositions; pages,
//! API and the dashboard's registry panels. Everything goes through `vigie_store::registry`,
//! which checks the role and confines it to the caller's scope.

pub(crate) mod api;
pub(crate) mod charts;
pub(crate) mod dashboard;
pub(crate) mod import;
pub(crate) mod pages;

use utoipa_axum::routes;
use vigie_domain::role::Permission;

use crate::routes::{NavItem, Routes};

/// The largest FINESS extract taken (page or API): the national extract is tens of megabytes.
pub const FINESS_UPLOAD_BYTES: u64 = 128 * 1024 * 1024;
/// The largest GHT composition taken (a few thousand lines).
pub const GHT_UPLOAD_BYTES: u64 = 8 * 1024 * 1024;

pub fn routes(r: Routes) -> Routes {
    r.get("/structures", pages::structures)
        .get("/structures.csv", pages::structures_csv)
        .get("/structures/{id}", pages::structure)
        .post("/structures/{id}/contacts", pages::structure_contact)
        .post("/structures/{id}/assets", pages::structure_add_asset)
        .post(
            "/structures/{id}/assets/{asset}/delete",
            pages::structure_remove_asset,
        )
        .post(
            "/structures/{id}/assets/{asset}/validate",
            pages::structure_validate_asset,
        )
        .get("/ghts", pages::ghts)
        .get("/ghts/{id}", pages::ght)
        .get("/regions", pages::regions)
        .get("/import", import::import_form)
        .post("/import/finess", import::import_finess)
        .post("/import/ght", import::import_ght)
        .api(routes!(api::regions))
        .api(routes!(api::list_structures))
        .api(routes!(api::structures_csv))
        .api(routes!(api::get_structure))
        .api(routes!(api::list_contacts))
        .api(routes!(api::set_contact))
        .api(routes!(api::set_designations))
        .api(routes!(api::list_assets, api::add_asset))
        .api(routes!(api::remove_asset))
        .api(routes!(api::list_ghts))
        .api(routes!(api::get_ght))
        .api(routes!(api::import_finess))
        .api(routes!(api::import_ght))
        .body_limit("/import/finess", FINESS_UPLOAD_BYTES)
        .body_limit("/api/v1/imports/finess", FINESS_UPLOAD_BYTES)
        .body_limit("/import/ght", GHT_UPLOAD_BYTES)
        .body_limit("/api/v1/imports/ght", GHT_UPLOAD_BYTES)
        .nav(NavItem {
            label: "nav-structures",
            path: "/structures",
            order: 10,
            shown: |_| true,
        })
        .nav(NavItem {
            label: "nav-ghts",
            path: "/ghts",
            order: 20,
            shown: |_| true,
        })
        .nav(NavItem {
            label: "nav-import",
            path: "/import",
            order: 90,
            shown: |a| a.can(Permission::ImportRegistry),
        })
        .panel(crate::panel!(10, dashboard::figures))
        .panel(crate::panel!(40, dashboard::breakdown))
}
