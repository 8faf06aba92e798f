//! The registry's panels of the dashboard: how many structures the scope holds and how well they
//! are known (declared assets, security officer), then its territories side by side (regions
//! and their map for national roles, GHTs and the map of departments for a region, the
//! structures of a GHT), the scope's main breakdown and its sectors.

use askama::Template;
use vigie_domain::role::Scope;
use vigie_report::chart::MapLevel;
use vigie_store::registry::{Breakdown, Coverage, LoadBy, StructureFilter};

use super::charts;
use crate::auth::Authed;
use crate::routes::Fragment;
use crate::ui::{fragment, ChartBlock, Ctx};
use crate::AppState;

#[derive(Template)]
#[template(path = "registry/panel.html")]
struct FiguresPanel {
    ctx: Ctx,
    coverage: Coverage,
    ghts: usize,
}

pub(crate) async fn figures(st: &AppState, a: &Authed) -> Fragment {
    let coverage = st.store.coverage(&a.actor).await?;
    let ghts = st.store.list_ghts(&a.actor, None).await?.len();
    fragment(&FiguresPanel {
        ctx: Ctx::of(a),
        coverage,
        ghts,
    })
}

#[derive(Template)]
#[template(path = "registry/breakdown.html")]
struct BreakdownPanel {
    ctx: Ctx,
    by_sector: Vec<(String, i64)>,
    /// (label, count, link) rows of the role's main breakdown: regions for national roles,
    /// GHTs for regional analysts, departments for GHT officers, the structures themselves for
    /// structure roles.
    breakdown_title: &'static str,
    breakdown: Vec<(String, i64, String)>,
    /// The territories side by side and their map.
    charts: Vec<ChartBlock>,
}

/// The scope's territories side by side: the regions and their map for national roles, the
/// GHTs and the map of the region's departments for a region, the structures of a GHT.
async fn territory_charts(st: &AppState, a: &Authed) -> crate::error::AppResult<Vec<ChartBlock>> {
    let tr = a.tr();
    let load = |by| st.store.open_load(&a.actor, by, None);
    Ok(match &a.actor.scope {
        Scope::National => {
            let regions = load(LoadBy::Region).await?;
            vec![
                charts::side_by_side(tr, "chart-territories", LoadBy::Region, &regions),
                charts::map(tr, "chart-map", MapLevel::Regions, &regions),
            ]
        }
        Scope::Region(_) => {
            let (ghts, departments) =
                tokio::try_join!(load(LoadBy::Ght), load(LoadBy::Department))?;
            vec![
                charts::side_by_side(tr, "chart-territories", LoadBy::Ght, &ghts),
                charts::map(tr, "chart-map", MapLevel::Departments, &departments),
            ]
        }
        Scope::Ght(_) => {
            let members = load(LoadBy::Structure).await?;
            vec![charts::side_by_side(
                tr,
                "chart-territories",
                LoadBy::Structure,
                &members,
            )]
        }
        Scope::Structures { .. } | Scope::Nothing => Vec::new(),
    })
}

pub(crate) async fn breakdown(st: &AppState, a: &Authed) -> Fragment {
    let tr = a.tr();
    let by_sector = st
        .store
        .structure_breakdown(&a.actor, Breakdown::Sector)
        .await?
        .into_iter()
        .map(|(k, n)| (tr.k("sector", &k), n))
        .collect();
    let (breakdown_title, breakdown) = match &a.actor.scope {
        Scope::National => (
            "dashboard-by_region",
            st.store
                .structure_breakdown(&a.actor, Breakdown::Region)
                .await?
                .into_iter()
                .map(|(k, n)| {
                    (
                        tr.region_name(&k).to_string(),
                        n,
                        format!("/structures?region={k}"),
                    )
                })
                .collect(),
        ),
        Scope::Region(_) => (
            "dashboard-by_ght",
            st.store
                .list_ghts(&a.actor, None)
                .await?
                .into_iter()
                .map(|g| {
                    (
                        g.name.clone(),
                        g.structure_count,
                        format!("/structures?ght={}", g.id),
                    )
                })
                .collect(),
        ),
        Scope::Ght(_) => (
            "dashboard-by_department",
            st.store
                .structure_breakdown(&a.actor, Breakdown::Department)
                .await?
                .into_iter()
                .map(|(k, n)| (k.clone(), n, format!("/structures?department={k}")))
                .collect(),
        ),
        Scope::Structures { .. } | Scope::Nothing => (
            "dashboard-my_structures",
            st.store
                .list_structures(
                    &a.actor,
                    &StructureFilter {
                        per_page: 50,
                        ..Default::default()
                    },
                )
                .await?
                .0
                .into_iter()
                .map(|s| (s.name, 1, format!("/structures/{}", s.id)))
                .collect(),
        ),
    };
    let charts = territory_charts(st, a).await?;
    fragment(&BreakdownPanel {
        ctx: Ctx::of(a),
        by_sector,
        breakdown_title,
        breakdown,
        charts,
    })
}
