//! A structure's diagnostics (history, progress by theme, starting one), taking a diagnostic
//! theme by theme (each theme saved when the reader moves on, so that it can be resumed),
//! finishing it and signing it off.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_diagnostics::scoring::shown;
use vigie_diagnostics::{score, Answers, Library, Questionnaire};
use vigie_domain::problem::{Arg, Problem};
use vigie_domain::role::{Permission, Scope};
use vigie_report::chart::{Chart, Series};
use vigie_store::diagnostics::{AnswerInput, Diagnostic, DiagnosticRow, ThemeScoreRow};
use vigie_store::registry::Structure;
use vigie_store::StoreError;

use super::view::{level, questionnaire, questionnaire_title, score_text, theme_title};
use crate::auth::{Authed, Page};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::ui::{page, render, render_status, Ctx, Opt};
use crate::AppState;

/// A problem in the reader's language, a `field` argument named by its label.
pub(crate) fn problem_text(tr: &Tr, p: &Problem) -> String {
    let mut p = p.clone();
    for (name, value) in p.args.iter_mut() {
        if *name == "field" {
            if let Arg::Text(f) = value {
                let key = format!("diagnostics-field-{f}");
                if tr.has(&key) {
                    *f = tr.t(&key);
                }
            }
        }
    }
    tr.problem(&p)
}

/// One diagnostic of the history.
pub(crate) struct HistoryRow {
    pub id: i64,
    pub questionnaire: String,
    pub version: i64,
    pub status: String,
    pub started: String,
    pub started_by: String,
    pub finished: String,
    pub score: String,
    pub level: &'static str,
    pub assisted: bool,
}

pub(crate) fn history_rows(tr: &Tr, rows: &[DiagnosticRow]) -> Vec<HistoryRow> {
    rows.iter()
        .map(|d| HistoryRow {
            id: d.id,
            questionnaire: questionnaire_title(tr, &d.questionnaire_id, d.questionnaire_version),
            version: d.questionnaire_version,
            status: tr.k("diagnostics-status", &d.status),
            started: tr.date(d.started_at),
            started_by: d.started_by.clone(),
            finished: d.finished_at.map(|t| tr.date(t)).unwrap_or_default(),
            score: score_text(tr, d.score_x100),
            level: d.score_x100.map(level).unwrap_or(""),
            assisted: d.assisted == 1,
        })
        .collect()
}

/// The progress chart: one line per theme, a point per finished diagnostic (each scored on its
/// own questionnaire's version).
pub(crate) fn progress_chart(tr: &Tr, history: &[ThemeScoreRow]) -> Option<Chart> {
    let mut by_theme: BTreeMap<(String, String), Vec<(i64, f64)>> = BTreeMap::new();
    let mut order: Vec<(String, String)> = Vec::new();
    for h in history {
        let Some(s) = h.score_x100 else { continue };
        let q = questionnaire(&h.questionnaire_id, h.questionnaire_version);
        let pos = q
            .and_then(|q| q.themes.iter().position(|t| t.id == h.theme_id))
            .unwrap_or(usize::MAX);
        let key = (format!("{:03}", pos.min(999)), h.theme_id.clone());
        if !order.contains(&key) {
            order.push(key.clone());
        }
        let name = q
            .map(|q| theme_title(tr, q, &h.theme_id))
            .unwrap_or_else(|| h.theme_id.clone());
        by_theme
            .entry((key.0.clone(), name))
            .or_default()
            .push((h.finished_at, s as f64 / 100.0));
    }
    let diagnostics = history
        .iter()
        .map(|h| h.diagnostic_id)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if diagnostics == 0 {
        return None;
    }
    let series = by_theme
        .into_iter()
        .map(|((_, name), points)| Series { name, points })
        .collect();
    Some(
        Chart::lines(
            &tr.t("diagnostics-progress_chart"),
            &tr.t("diagnostics-date"),
            &tr.t("diagnostics-score"),
            series,
        )
        .with_id("diagnostics-progress")
        .with_decimals(2)
        .with_summary(&tr.t("diagnostics-progress_summary")),
    )
}

#[derive(Template)]
#[template(path = "diagnostics/structure.html")]
struct StructurePage {
    ctx: Ctx,
    s: Structure,
    rows: Vec<HistoryRow>,
    chart: String,
    chart_table: Vec<Vec<String>>,
    chart_header: Vec<String>,
    questionnaires: Vec<Opt>,
    can_write: bool,
    analyst: bool,
    in_progress: Option<i64>,
    err: String,
}

async fn structure_page(
    st: &AppState,
    a: &Authed,
    id: i64,
    err: Option<&Problem>,
    status: StatusCode,
) -> Result<Response, AppError> {
    a.actor.require(Permission::ReadDiagnostics)?;
    let s = st.store.get_structure(&a.actor, id).await?;
    let list = st.store.structure_diagnostics(&a.actor, id).await?;
    let history = st.store.structure_theme_history(&a.actor, id).await?;
    let tr = a.tr();
    let chart = progress_chart(&tr, &history);
    let table = chart.as_ref().map(|c| c.table(tr)).unwrap_or_default();
    // Hospitals get the hospitals' questionnaire first; everyone else the médico-social one.
    let preferred = if s.sector == "sanitaire" {
        "hospital"
    } else {
        "medico-social"
    };
    let questionnaires = Library::builtin()
        .latest_all()
        .map(|q| Opt {
            value: q.id.clone(),
            label: format!("{} (v{})", q.title.get(tr.code()), q.version),
            selected: q.id == preferred,
        })
        .collect();
    let page = StructurePage {
        ctx: Ctx::of(a),
        rows: history_rows(&tr, &list),
        in_progress: list.iter().find(|d| d.in_progress()).map(|d| d.id),
        chart: chart.map(|c| c.svg(tr)).unwrap_or_default(),
        chart_header: table.header,
        chart_table: table.rows,
        questionnaires,
        can_write: a.actor.can(Permission::WriteDiagnostics),
        analyst: !matches!(a.actor.scope, Scope::Structures { .. }),
        err: err.map(|p| problem_text(&tr, p)).unwrap_or_default(),
        s,
    };
    render_status(status, &page)
}

/// A structure's diagnostics: its history, its progress by theme, and starting a new one.
pub(crate) async fn structure(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, structure_page(&st, &a, id, None, StatusCode::OK).await)
}

#[derive(Deserialize)]
pub(crate) struct StartForm {
    #[serde(default)]
    questionnaire: String,
    #[serde(default)]
    assisted: Option<String>,
}

/// Starts a diagnostic and opens its first theme.
pub(crate) async fn start(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<StartForm>,
) -> Response {
    page!(a, {
        let assisted = f.assisted.is_some() && !matches!(a.actor.scope, Scope::Structures { .. });
        match st
            .store
            .start_diagnostic(&a.actor, id, &f.questionnaire, assisted)
            .await
        {
            Ok(d) => Ok(Redirect::to(&format!("/diagnostics/{d}")).into_response()),
            Err(StoreError::Invalid(p)) => {
                structure_page(&st, &a, id, Some(&p), StatusCode::BAD_REQUEST).await
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// A choice of a question as the form shows it.
pub(crate) struct ChoiceView {
    pub id: String,
    pub label: String,
    pub value: String,
    pub checked: bool,
}

/// A question as the form shows it.
pub(crate) struct QuestionView {
    pub id: String,
    pub text: String,
    pub explain: String,
    pub follow_up: bool,
    pub choices: Vec<ChoiceView>,
    pub allow_na: bool,
    pub answer: String,
    pub comment: String,
    pub error: String,
}

/// A theme's tab.
pub(crate) struct ThemeTab {
    pub id: String,
    pub title: String,
    pub answered: usize,
    pub shown: usize,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "diagnostics/take.html")]
struct TakePage {
    ctx: Ctx,
    d: DiagnosticRow,
    title: String,
    intro: String,
    tabs: Vec<ThemeTab>,
    theme_id: String,
    theme_title: String,
    theme_explain: String,
    questions: Vec<QuestionView>,
    editable: bool,
    can_write: bool,
    summary: bool,
    complete: bool,
    unanswered: usize,
    /// Theme scores so far (title, score, level).
    scores: Vec<(String, String, &'static str)>,
    overall: String,
    overall_level: &'static str,
    measures: Vec<(String, String, String)>,
    err: String,
    notice: String,
    status_label: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct TakeQuery {
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

/// Typed values of a rejected form, to show them again: question id → (answer, comment).
type Typed = BTreeMap<String, (String, String)>;

fn take_page(
    a: &Authed,
    d: &Diagnostic,
    qn: &Questionnaire,
    theme: Option<&str>,
    typed: Option<&Typed>,
    err: Option<&Problem>,
    notice: &str,
) -> TakePage {
    let tr = a.tr();
    let lang = tr.code();
    let mut answers: Answers = d.answers();
    if let Some(t) = typed {
        for (q, (ans, _)) in t {
            if ans.is_empty() {
                answers.remove(q);
            } else {
                answers.insert(q.clone(), vigie_diagnostics::Answer::parse(ans));
            }
        }
    }
    let s = score(qn, &answers);
    let summary = theme == Some("summary") || (!d.row.in_progress() && theme.is_none());
    let current = if summary {
        String::new()
    } else {
        theme
            .filter(|t| qn.theme(t).is_some())
            .unwrap_or_else(|| qn.themes.first().map(|t| t.id.as_str()).unwrap_or(""))
            .to_string()
    };
    let tabs = qn
        .themes
        .iter()
        .map(|t| {
            let ts = s.theme(&t.id);
            ThemeTab {
                id: t.id.clone(),
                title: t.title.get(lang).to_string(),
                answered: ts.map(|x| x.shown - x.unanswered).unwrap_or(0),
                shown: ts.map(|x| x.shown).unwrap_or(0),
                current: t.id == current,
            }
        })
        .collect();
    let err_question = err
        .and_then(|p| p.get("question"))
        .map(|q| q.to_string())
        .unwrap_or_default();
    let err_text = err.map(|p| problem_text(&tr, p)).unwrap_or_default();
    let questions = qn
        .theme_questions(&current)
        .filter(|q| shown(qn, q, &answers))
        .map(|q| {
            let (answer, comment) = match typed.and_then(|t| t.get(&q.id)) {
                Some((x, c)) => (x.clone(), c.clone()),
                None => d
                    .answer_of(&q.id)
                    .map(|x| (x.answer.clone(), x.comment.clone()))
                    .unwrap_or_default(),
            };
            QuestionView {
                id: q.id.clone(),
                text: q.text.get(lang).to_string(),
                explain: q.explain.get(lang).to_string(),
                follow_up: q.parent.is_some(),
                choices: q
                    .choices
                    .iter()
                    .map(|c| ChoiceView {
                        id: c.id.clone(),
                        label: c.label.get(lang).to_string(),
                        value: tr.decimal(c.value, 1),
                        checked: answer == c.id,
                    })
                    .collect(),
                allow_na: q.not_applicable,
                error: if err_question == q.id {
                    err_text.clone()
                } else {
                    String::new()
                },
                answer,
                comment,
            }
        })
        .collect::<Vec<_>>();
    let (theme_title_s, theme_explain) = qn
        .theme(&current)
        .map(|t| {
            (
                t.title.get(lang).to_string(),
                t.explain.get(lang).to_string(),
            )
        })
        .unwrap_or_default();
    let scores = s
        .themes
        .iter()
        .map(|t| {
            let x = t.score.map(vigie_diagnostics::scoring::to_hundredths);
            (
                theme_title(&tr, qn, &t.theme),
                score_text(&tr, x),
                x.map(level).unwrap_or(""),
            )
        })
        .collect();
    let overall_x = s.overall.map(vigie_diagnostics::scoring::to_hundredths);
    let measures = s
        .measures()
        .iter()
        .filter_map(|m| qn.recommendation(&m.recommendation))
        .map(|r| {
            (
                r.title.get(lang).to_string(),
                r.explain.get(lang).to_string(),
                tr.k("diagnostics-effort", r.effort.as_str()),
            )
        })
        .collect();
    let unanswered = s.themes.iter().map(|t| t.unanswered).sum();
    let can_write = a.actor.can(Permission::WriteDiagnostics);
    TakePage {
        ctx: Ctx::of(a),
        title: qn.title.get(lang).to_string(),
        intro: qn.intro.get(lang).to_string(),
        tabs,
        theme_id: current,
        theme_title: theme_title_s,
        theme_explain,
        questions,
        editable: can_write && d.row.in_progress(),
        can_write,
        summary,
        complete: s.complete,
        unanswered,
        scores,
        overall: score_text(&tr, overall_x),
        overall_level: overall_x.map(level).unwrap_or(""),
        measures,
        // A problem that names a question is shown beside it.
        err: if err_question.is_empty() {
            err_text
        } else {
            String::new()
        },
        notice: notice.to_string(),
        status_label: tr.k("diagnostics-status", &d.row.status),
        d: d.row.clone(),
    }
}

/// A diagnostic: a theme's questions (`?theme=`), or its summary (`?theme=summary`, and what a
/// finished diagnostic opens on).
pub(crate) async fn show(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Query(q): Query<TakeQuery>,
) -> Response {
    page!(a, {
        let d = st.store.get_diagnostic(&a.actor, id).await?;
        let qn = vigie_store::diagnostics::questionnaire_of(&d.row)?;
        let notice = if q.saved.is_some() {
            a.tr().t("diagnostics-saved")
        } else {
            String::new()
        };
        render(&take_page(
            &a,
            &d,
            qn,
            q.theme.as_deref(),
            None,
            None,
            &notice,
        ))
    })
}

/// Saves a theme's answers (`q.<question>` the answer, `c.<question>` a comment), then goes on:
/// to the same theme when a follow-up question appeared or something is left unanswered, else to
/// the next theme, after the last to the summary.
pub(crate) async fn save(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::WriteDiagnostics)?;
        let d = st.store.get_diagnostic(&a.actor, id).await?;
        let qn = vigie_store::diagnostics::questionnaire_of(&d.row)?;
        let theme = fields
            .iter()
            .find(|(k, _)| k == "theme")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        if qn.theme(&theme).is_none() {
            return Err(AppError::BadRequest("unknown theme".into()));
        }
        let mut typed: Typed = BTreeMap::new();
        for (k, v) in &fields {
            if let Some(qid) = k.strip_prefix("q.") {
                typed.entry(qid.to_string()).or_default().0 = v.clone();
            } else if let Some(qid) = k.strip_prefix("c.") {
                typed.entry(qid.to_string()).or_default().1 = v.clone();
            }
        }
        // The theme's questions that the page showed (a question of another theme is refused).
        let answers: Vec<AnswerInput> = typed
            .iter()
            .map(|(q, (ans, comment))| AnswerInput {
                question_id: q.clone(),
                answer: ans.clone(),
                comment: comment.clone(),
            })
            .collect();
        if answers.iter().any(|x| {
            qn.question(&x.question_id)
                .is_some_and(|q| q.theme != theme)
        }) {
            return Err(AppError::BadRequest("question of another theme".into()));
        }
        match st
            .store
            .save_diagnostic_answers(&a.actor, id, &answers)
            .await
        {
            Ok(_) => {
                let d = st.store.get_diagnostic(&a.actor, id).await?;
                let s = score(qn, &d.answers());
                let stay = s.theme(&theme).is_some_and(|t| t.unanswered > 0);
                let next = if stay {
                    theme.clone()
                } else {
                    qn.themes
                        .iter()
                        .position(|t| t.id == theme)
                        .and_then(|i| qn.themes.get(i + 1))
                        .map(|t| t.id.clone())
                        .unwrap_or_else(|| "summary".into())
                };
                Ok(
                    Redirect::to(&format!("/diagnostics/{id}?theme={next}&saved=1"))
                        .into_response(),
                )
            }
            Err(StoreError::Invalid(p)) => render_status(
                StatusCode::BAD_REQUEST,
                &take_page(&a, &d, qn, Some(&theme), Some(&typed), Some(&p), ""),
            ),
            Err(e) => Err(e.into()),
        }
    })
}

/// Finishes a diagnostic; a question left unanswered sends back to the summary, which says so.
pub(crate) async fn finish(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        match st.store.finish_diagnostic(&a.actor, id).await {
            Ok(()) => Ok(Redirect::to(&format!("/diagnostics/{id}?theme=summary")).into_response()),
            Err(StoreError::Invalid(p)) => {
                let d = st.store.get_diagnostic(&a.actor, id).await?;
                let qn = vigie_store::diagnostics::questionnaire_of(&d.row)?;
                render_status(
                    StatusCode::BAD_REQUEST,
                    &take_page(&a, &d, qn, Some("summary"), None, Some(&p), ""),
                )
            }
            Err(e) => Err(e.into()),
        }
    })
}

#[derive(Deserialize)]
pub(crate) struct SignOffForm {
    #[serde(default)]
    note: String,
}

/// Signs off a finished diagnostic.
pub(crate) async fn sign_off(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<SignOffForm>,
) -> Response {
    page!(a, {
        match st.store.sign_off_diagnostic(&a.actor, id, &f.note).await {
            Ok(()) => Ok(Redirect::to(&format!("/diagnostics/{id}?theme=summary")).into_response()),
            Err(StoreError::Invalid(p)) => {
                let d = st.store.get_diagnostic(&a.actor, id).await?;
                let qn = vigie_store::diagnostics::questionnaire_of(&d.row)?;
                render_status(
                    StatusCode::BAD_REQUEST,
                    &take_page(&a, &d, qn, Some("summary"), None, Some(&p), ""),
                )
            }
            Err(e) => Err(e.into()),
        }
    })
}
