//! The dashboards' charts (issue 17), on SQLite and PostgreSQL: each chart is an SVG image
//! (`role="img"`, sized by its `viewBox`) with its text alternative and its data table; the CERT
//! sees the regions side by side and their map, a regional analyst the GHTs of its region and the
//! map of its departments, never another region's; a GHT officer the structures of its GHT; the
//! regions' and a GHT's pages have theirs.

use reqwest::{Client, StatusCode};
use vigie_domain::role::Role;
use vigie_store::testing;

use super::common::*;

async fn text(c: &Client, url: String) -> (StatusCode, String) {
    let r = c.get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The figure of chart `id`: its SVG image, its text alternative and its table, in that order.
fn chart<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<figure class=\"chart\" id=\"fig-{id}\""))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let rest = &html[start..];
    let fig = &rest[..rest.find("</figure>").expect("figure closed")];
    let svg = fig.find("<svg ").unwrap_or_else(|| panic!("{id}: no svg"));
    let tag = &fig[svg..svg + fig[svg..].find('>').unwrap()];
    assert!(tag.contains("role=\"img\""), "{id}: {tag}");
    assert!(tag.contains("viewBox=\"0 0 "), "{id}: {tag}");
    assert!(
        !tag.contains(" width="),
        "{id}: scales to its container: {tag}"
    );
    let alt = fig
        .find(&format!("id=\"alt-{id}\""))
        .unwrap_or_else(|| panic!("{id}: no text alternative"));
    let table = fig
        .find("<table class=\"chart-table\">")
        .unwrap_or_else(|| panic!("{id}: no table"));
    assert!(svg < alt && alt < table, "{id}");
    assert!(
        fig[table..].contains("<th scope=\"row\">"),
        "{id}: an empty table"
    );
    fig
}

#[tokio::test]
async fn dashboard_charts_of_the_cert_and_of_a_regional_analyst() {
    for db in testing::all().await {
        let app = spawn_app(&db, vigie_web::WebConfig::default()).await;
        let w = seed(&app.store).await;
        for s in [w.fleyriat, w.pitie] {
            watch_alert(&app.store, s).await;
            exposure_seed(&app.store, s).await;
        }

        // The CERT: severity, kinds, weeks, alerts, the regions side by side and their map.
        let (c, _) = sign_in(&app, &w, Role::CertAnalyst).await;
        let (st, home) = text(&c, format!("{}/", app.base)).await;
        assert_eq!(st, StatusCode::OK, "{}", db.name);
        for id in [
            "chart-findings-severity",
            "chart-findings-kind",
            "chart-findings-trend",
            "chart-alerts-level",
            "chart-alerts-trend",
            "chart-map",
        ] {
            chart(&home, id);
        }
        let regions = chart(&home, "chart-territories");
        assert!(regions.contains("Île-de-France"), "{regions}");
        assert!(regions.contains("Auvergne-Rhône-Alpes"), "{regions}");
        assert!(chart(&home, "chart-map").contains("vigie-chart-map"));
        assert!(chart(&home, "chart-findings-kind").contains("Bureau à distance"));

        // The regions' page: the same side by side, the map, and the counts in its table.
        let (st, page) = text(&c, format!("{}/regions", app.base)).await;
        assert_eq!(st, StatusCode::OK);
        assert!(chart(&page, "chart-territories").contains("Île-de-France"));
        chart(&page, "chart-map");

        // A regional analyst of Île-de-France: its GHTs and its departments, nothing of another
        // region.
        let (c, _) = sign_in(&app, &w, Role::RegionalAnalyst).await;
        let (st, home) = text(&c, format!("{}/", app.base)).await;
        assert_eq!(st, StatusCode::OK, "{}", db.name);
        let ghts = chart(&home, "chart-territories");
        assert!(ghts.contains("GHT AP-HP"), "{ghts}");
        let map = chart(&home, "chart-map");
        assert!(map.contains("Paris"), "{map}");
        assert!(
            !home.contains("Bresse"),
            "another region's GHT on the dashboard"
        );
        chart(&home, "chart-findings-severity");
        chart(&home, "chart-alerts-level");

        // A GHT's page: its structures by open findings; another region's GHT is not found.
        let (st, page) = text(&c, format!("{}/ghts/{}", app.base, w.ght_paris)).await;
        assert_eq!(st, StatusCode::OK);
        let members = chart(&page, "chart-members");
        let pitie = app.store.get_structure(&system(), w.pitie).await.unwrap();
        assert!(members.contains(&pitie.name), "{members}");
        let (st, _) = text(&c, format!("{}/ghts/{}", app.base, w.ght_ain)).await;
        assert_eq!(st, StatusCode::NOT_FOUND);

        // A GHT officer: the structures of its GHT side by side, no map, nothing of another GHT.
        let (c, _) = sign_in(&app, &w, Role::GhtOfficer).await;
        let (st, home) = text(&c, format!("{}/", app.base)).await;
        assert_eq!(st, StatusCode::OK);
        let fleyriat = app
            .store
            .get_structure(&system(), w.fleyriat)
            .await
            .unwrap();
        assert!(chart(&home, "chart-territories").contains(&fleyriat.name));
        assert!(!home.contains("fig-chart-map") && !home.contains(&pitie.name));
        db.cleanup().await;
    }
}
