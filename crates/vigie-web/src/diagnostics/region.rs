//! The region's diagnostics view (the nation's for the CERT and the auditors): structures
//! diagnosed, distribution of their scores and map, most common priority measures, overdue
//! actions, progress; and its CSV export.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use vigie_domain::role::{Permission, Scope};
use vigie_report::chart::{Chart, Classes, MapLevel, Orientation};
use vigie_store::diagnostics::Overview;

use super::plan::{action_views, ActionView};
use super::view::{delta_text, level, questionnaire_title, recommendation_title, score_text};
use crate::auth::Page;
use crate::i18n::Tr;
use crate::ui::{csv_bytes, csv_response, csv_writer, page, region_options, render, Ctx, Opt};
use crate::AppState;

#[derive(Deserialize, Default)]
pub(crate) struct RegionQuery {
    #[serde(default)]
    region: Option<String>,
}

/// The score buckets' labels: `0 – 0,5`, … `2,5 – 3`.
fn bucket_labels(tr: &Tr) -> Vec<String> {
    (0..6)
        .map(|i| {
            format!(
                "{} – {}",
                tr.decimal(i as f64 / 2.0, 1),
                tr.decimal((i + 1) as f64 / 2.0, 1)
            )
        })
        .collect()
}

pub(crate) fn distribution_chart(tr: &Tr, o: &Overview) -> Chart {
    Chart::bars(
        &tr.t("diagnostics-distribution"),
        &tr.t("diagnostics-score"),
        &tr.t("diagnostics-structures_diagnosed"),
        Orientation::Vertical,
        bucket_labels(tr)
            .into_iter()
            .zip(o.distribution.iter().map(|n| *n as f64)),
    )
    .with_id("diagnostics-distribution")
    .with_decimals(0)
}

pub(crate) fn map_chart(tr: &Tr, o: &Overview) -> Chart {
    Chart::map(
        &tr.t("diagnostics-map"),
        MapLevel::Regions,
        &tr.t("diagnostics-mean_score"),
        o.by_region
            .iter()
            .map(|(r, _, mean)| (r.clone(), *mean as f64 / 100.0)),
        Classes::Thresholds(vec![1.0, 1.5, 2.0, 2.5]),
    )
    .with_id("diagnostics-map")
    .with_decimals(2)
}

/// A diagnosed structure as the view lists it.
pub(crate) struct DiagnosedView {
    pub structure_id: i64,
    pub diagnostic_id: i64,
    pub name: String,
    pub finess: String,
    pub region: String,
    pub questionnaire: String,
    pub finished: String,
    pub score: String,
    pub level: &'static str,
    pub progress: String,
    pub diagnostics: i64,
}

#[derive(Template)]
#[template(path = "diagnostics/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    o: Overview,
    national: bool,
    regions: Vec<Opt>,
    region: String,
    distribution: String,
    distribution_table: Vec<(String, i64)>,
    map: String,
    by_region: Vec<(String, i64, String)>,
    measures: Vec<(String, String, i64)>,
    overdue: Vec<ActionView>,
    recent: Vec<DiagnosedView>,
    progress: String,
    coverage: String,
}

/// The view of the reader's scope (a national reader may pick a region).
pub(crate) async fn overview(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<RegionQuery>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::ReadDiagnostics)?;
        let national = matches!(a.actor.scope, Scope::National);
        let region = q.region.filter(|r| national && !r.trim().is_empty());
        let o = st
            .store
            .diagnostics_overview(&a.actor, region.as_deref())
            .await?;
        let tr = a.tr();
        let now = chrono::Utc::now().timestamp();
        let map = if national && region.is_none() {
            map_chart(&tr, &o).svg(tr)
        } else {
            String::new()
        };
        let recent = o
            .recent
            .iter()
            .map(|r| DiagnosedView {
                structure_id: r.structure_id,
                diagnostic_id: r.diagnostic_id,
                name: r.structure_name.clone(),
                finess: r.structure_finess.clone(),
                region: tr.region_name(&r.region_code).to_string(),
                questionnaire: questionnaire_title(
                    &tr,
                    &r.questionnaire_id,
                    r.questionnaire_version,
                ),
                finished: tr.date(r.finished_at),
                score: score_text(&tr, Some(r.score_x100)),
                level: level(r.score_x100),
                progress: r
                    .previous_score_x100
                    .map(|p| delta_text(&tr, r.score_x100 - p))
                    .unwrap_or_default(),
                diagnostics: r.diagnostics,
            })
            .collect();
        let coverage = if o.structures > 0 {
            tr.percent(o.diagnosed as f64 / o.structures as f64, 1)
        } else {
            "—".into()
        };
        render(&OverviewPage {
            ctx: Ctx::of(&a),
            national,
            regions: region_options(region.as_deref().unwrap_or("")),
            region: region.clone().unwrap_or_default(),
            distribution: distribution_chart(&tr, &o).svg(tr),
            distribution_table: bucket_labels(&tr)
                .into_iter()
                .zip(o.distribution.iter().copied())
                .collect(),
            map,
            by_region: o
                .by_region
                .iter()
                .map(|(r, n, mean)| {
                    (
                        tr.region_name(r).to_string(),
                        *n,
                        score_text(&tr, Some(*mean)),
                    )
                })
                .collect(),
            measures: o
                .common_measures
                .iter()
                .map(|(qid, rid, n)| {
                    (
                        recommendation_title(&tr, qid, rid),
                        questionnaire_title(&tr, qid, 0),
                        *n,
                    )
                })
                .collect(),
            overdue: action_views(&tr, &o.overdue_rows, now),
            recent,
            progress: delta_text(&tr, o.mean_progress_x100),
            coverage,
            o,
        })
    })
}

/// Every diagnosed structure of the scope with its latest diagnostic, as CSV.
pub(crate) async fn export_csv(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<RegionQuery>,
) -> Response {
    page!(a, {
        let national = matches!(a.actor.scope, Scope::National);
        let region = q.region.filter(|r| national && !r.trim().is_empty());
        let rows = st
            .store
            .diagnosed_structures(&a.actor, region.as_deref())
            .await?;
        let tr = a.tr();
        let mut w = csv_writer();
        let header = [
            "finess",
            "structure",
            "region",
            "department",
            "questionnaire",
            "version",
            "finished",
            "status",
            "score",
            "previous_score",
            "diagnostics",
        ];
        w.write_record(header)
            .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
        for r in rows {
            let score = |x: i64| format!("{:.2}", x as f64 / 100.0);
            w.write_record([
                r.structure_finess.clone(),
                r.structure_name.clone(),
                tr.region_name(&r.region_code).to_string(),
                r.department_code.clone(),
                r.questionnaire_id.clone(),
                r.questionnaire_version.to_string(),
                chrono::DateTime::from_timestamp(r.finished_at, 0)
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                r.status.clone(),
                score(r.score_x100),
                r.previous_score_x100.map(score).unwrap_or_default(),
                r.diagnostics.to_string(),
            ])
            .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
        }
        Ok(csv_response("diagnostics.csv", csv_bytes(w)?))
    })
}
