//! The report of a finished diagnostic, printable as HTML and as a PDF: the scores by theme and
//! what they mean in plain words, the priority measures and what each asks, the progress since
//! the previous diagnostic (on the questions both share unchanged).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use vigie_diagnostics::scoring::to_hundredths;
use vigie_diagnostics::{compare, score, Questionnaire};
use vigie_domain::problem::Problem;
use vigie_report::chart::{Chart, Orientation, Table};
use vigie_report::pdf::{Document, KeyFigure, Tlp};
use vigie_store::diagnostics::{questionnaire_of, Diagnostic};
use vigie_store::StoreError;

use super::view::{delta_text, level, score_text, theme_title};
use crate::auth::{Authed, Page};
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::ui::{page, render, Ctx};
use crate::AppState;

/// A theme of the report.
pub(crate) struct ThemeLine {
    pub title: String,
    pub explain: String,
    pub score: String,
    pub level: &'static str,
    pub meaning: String,
    pub before: String,
    pub change: String,
}

/// A priority measure of the report.
pub(crate) struct MeasureLine {
    pub rank: usize,
    pub title: String,
    pub explain: String,
    pub effort: String,
    pub priority: String,
}

struct ReportData {
    d: Diagnostic,
    title: String,
    overall: String,
    overall_level: &'static str,
    overall_meaning: String,
    themes: Vec<ThemeLine>,
    measures: Vec<MeasureLine>,
    previous: Option<(String, String, usize)>,
    dont_know: usize,
    chart: Chart,
}

async fn report_data(st: &AppState, a: &Authed, id: i64) -> AppResult<ReportData> {
    let d = st.store.get_diagnostic(&a.actor, id).await?;
    if d.row.in_progress() {
        return Err(StoreError::Invalid(
            Problem::new("diagnostics-not-finished").arg("status", d.row.status.as_str()),
        )
        .into());
    }
    let qn: &Questionnaire = questionnaire_of(&d.row)?;
    let tr = a.tr();
    let lang = tr.code();
    let answers = d.answers();
    let s = score(qn, &answers);
    // The structure's finished diagnostic before this one, compared on unchanged questions.
    let history = st
        .store
        .structure_diagnostics(&a.actor, d.row.structure_id)
        .await?;
    let before = history
        .iter()
        .filter(|x| {
            x.id != d.row.id
                && x.finished_at.is_some()
                && x.finished_at < d.row.finished_at
                && x.questionnaire_id == d.row.questionnaire_id
        })
        .max_by_key(|x| (x.finished_at, x.id));
    let mut comparison = None;
    let mut previous = None;
    if let Some(b) = before {
        let old = st.store.get_diagnostic(&a.actor, b.id).await?;
        let old_qn = questionnaire_of(&old.row)?;
        let (themes, ob, oa, common) = compare(old_qn, &old.answers(), qn, &answers);
        previous = Some((
            b.finished_at.map(|t| tr.date(t)).unwrap_or_default(),
            match (ob, oa) {
                (Some(x), Some(y)) => delta_text(&tr, to_hundredths(y) - to_hundredths(x)),
                _ => "—".into(),
            },
            common.len(),
        ));
        comparison = Some(themes);
    }
    let themes = s
        .themes
        .iter()
        .map(|t| {
            let x = t.score.map(to_hundredths);
            let lv = x.map(level).unwrap_or("");
            let cmp = comparison
                .as_ref()
                .and_then(|c| c.iter().find(|c| c.theme == t.theme));
            let (before_s, change) = match cmp {
                Some(c) => (
                    score_text(&tr, c.before.map(to_hundredths)),
                    match (c.before, c.after) {
                        (Some(b), Some(a)) => delta_text(&tr, to_hundredths(a) - to_hundredths(b)),
                        _ => "—".into(),
                    },
                ),
                None => (String::new(), String::new()),
            };
            ThemeLine {
                title: theme_title(&tr, qn, &t.theme),
                explain: qn
                    .theme(&t.theme)
                    .map(|x| x.explain.get(lang).to_string())
                    .unwrap_or_default(),
                score: score_text(&tr, x),
                level: lv,
                meaning: if lv.is_empty() {
                    tr.t("diagnostics-level-none-meaning")
                } else {
                    tr.t(&format!("diagnostics-level-{lv}-meaning"))
                },
                before: before_s,
                change,
            }
        })
        .collect::<Vec<_>>();
    let measures = s
        .measures()
        .iter()
        .enumerate()
        .filter_map(|(i, m)| {
            qn.recommendation(&m.recommendation).map(|r| MeasureLine {
                rank: i + 1,
                title: r.title.get(lang).to_string(),
                explain: r.explain.get(lang).to_string(),
                effort: tr.k("diagnostics-effort", r.effort.as_str()),
                priority: tr.k("diagnostics-priority", &r.priority.to_string()),
            })
        })
        .collect();
    let overall_x = s.overall.map(to_hundredths);
    let overall_level = overall_x.map(level).unwrap_or("");
    let chart = Chart::bars(
        &tr.t("diagnostics-by_theme"),
        &tr.t("diagnostics-theme"),
        &tr.t("diagnostics-score"),
        Orientation::Horizontal,
        s.themes
            .iter()
            .map(|t| (theme_title(&tr, qn, &t.theme), t.score.unwrap_or(0.0))),
    )
    .with_id("diagnostics-themes")
    .with_decimals(2);
    Ok(ReportData {
        title: qn.title.get(lang).to_string(),
        overall: score_text(&tr, overall_x),
        overall_level,
        overall_meaning: if overall_level.is_empty() {
            tr.t("diagnostics-level-none-meaning")
        } else {
            tr.t(&format!("diagnostics-level-{overall_level}-meaning"))
        },
        themes,
        measures,
        previous,
        dont_know: s.themes.iter().map(|t| t.dont_know).sum(),
        chart,
        d,
    })
}

#[derive(Template)]
#[template(path = "diagnostics/report.html")]
struct ReportPage {
    ctx: Ctx,
    r: ReportData,
    chart: String,
    previous_text: String,
}

/// "Since the diagnostic of …: +0,40 on the 30 questions both share."
fn previous_text(tr: &Tr, r: &ReportData) -> String {
    match &r.previous {
        Some((date, change, common)) => tr.t_args(
            "diagnostics-since_previous",
            &[
                ("date", date.as_str().into()),
                ("change", change.as_str().into()),
                ("questions", (*common).into()),
            ],
        ),
        None => String::new(),
    }
}

/// The report as a printable page.
pub(crate) async fn report(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let r = report_data(&st, &a, id).await?;
        let tr = a.tr();
        render(&ReportPage {
            ctx: Ctx::of(&a),
            chart: r.chart.svg(tr),
            previous_text: previous_text(&tr, &r),
            r,
        })
    })
}

fn level_words(tr: &Tr, lv: &str) -> String {
    if lv.is_empty() {
        String::new()
    } else {
        tr.k("diagnostics-level", lv)
    }
}

/// The report as a PDF (TLP:AMBER: for the structure and those who support it).
pub(crate) async fn report_pdf(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let r = report_data(&st, &a, id).await?;
        let tr = a.tr();
        let mut doc = Document::new(
            tr,
            &format!(
                "{} — {}",
                tr.t("diagnostics-report"),
                r.d.row.structure_name
            ),
        );
        doc.tlp(Tlp::Amber)
            .author("Vigie")
            .subject(&r.title)
            .subtitle(&format!(
                "{} (v{}) · FINESS {} · {} · {}",
                r.title,
                r.d.row.questionnaire_version,
                r.d.row.structure_finess,
                tr.region_name(&r.d.row.region_code),
                r.d.row.finished_at.map(|t| tr.date(t)).unwrap_or_default()
            ));
        doc.key_figures(&[
            KeyFigure::new(r.overall.clone(), tr.t("diagnostics-overall")),
            KeyFigure::new(level_words(&tr, r.overall_level), tr.t("diagnostics-level")),
            KeyFigure::new(r.measures.len().to_string(), tr.t("diagnostics-measures")),
        ]);
        doc.heading(1, &tr.t("diagnostics-summary"))
            .paragraph(&r.overall_meaning);
        if r.dont_know > 0 {
            doc.paragraph(&tr.count("diagnostics-dont_know_count", r.dont_know));
        }
        if r.previous.is_some() {
            doc.paragraph(&previous_text(&tr, &r));
        }
        doc.chart(&r.chart).table(&r.chart.table(tr));
        doc.heading(1, &tr.t("diagnostics-measures"))
            .paragraph(&tr.t("diagnostics-measures_intro"));
        for m in &r.measures {
            doc.heading(2, &format!("{}. {}", m.rank, m.title))
                .paragraph(&m.explain)
                .paragraph(&format!(
                    "{}{} {} · {}{} {}",
                    tr.t("diagnostics-priority"),
                    tr.colon(),
                    m.priority,
                    tr.t("diagnostics-effort"),
                    tr.colon(),
                    m.effort
                ));
        }
        doc.heading(1, &tr.t("diagnostics-by_theme"));
        doc.table(&Table {
            caption: tr.t("diagnostics-by_theme"),
            header: vec![
                tr.t("diagnostics-theme"),
                tr.t("diagnostics-score"),
                tr.t("diagnostics-level"),
                tr.t("diagnostics-since_last"),
            ],
            rows: r
                .themes
                .iter()
                .map(|t| {
                    vec![
                        t.title.clone(),
                        t.score.clone(),
                        level_words(&tr, t.level),
                        t.change.clone(),
                    ]
                })
                .collect(),
            numeric: vec![false, true, false, true],
        });
        for t in &r.themes {
            doc.heading(2, &t.title)
                .paragraph(&t.explain)
                .paragraph(&format!("{} — {}", t.score, t.meaning));
        }
        let bytes = doc.finish();
        Ok((
            [
                (header::CONTENT_TYPE, "application/pdf".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"diagnostic-{id}.pdf\""),
                ),
            ],
            bytes,
        )
            .into_response())
    })
}
