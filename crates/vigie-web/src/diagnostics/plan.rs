//! A structure's action plan, its "plan de réduction des vulnérabilités": actions from its
//! priority measures, open findings, vulnerability alerts and incidents, or written by hand.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;
use vigie_store::diagnostics::{
    ActionRow, ActionUpdate, EvidenceFileRow, NewAction, ACTION_STATUSES, MAX_FILE_NOTE,
};
use vigie_store::registry::Structure;
use vigie_store::StoreError;

use super::pages::problem_text;
use super::view::{day_input, day_text, recommendation};
use crate::auth::{Authed, Page};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::ui::{page, render_status, Ctx, Opt};
use crate::AppState;

/// An action as the plan shows it.
pub(crate) struct ActionView {
    pub id: i64,
    pub structure_id: i64,
    pub structure_name: String,
    pub title: String,
    pub detail: String,
    pub owner: String,
    pub due: String,
    pub due_input: String,
    pub status: String,
    pub statuses: Vec<Opt>,
    pub evidence: String,
    pub source: String,
    pub source_link: String,
    pub open: bool,
    pub overdue: bool,
    pub closed_note: String,
    /// The files given as its evidence (filled by the plan's page).
    pub files: Vec<FileView>,
}

/// A file given as an action's evidence, as the plan lists it.
pub(crate) struct FileView {
    pub id: i64,
    pub name: String,
    pub note: String,
    pub media_type: String,
    /// Its size, who attached it and when, in words.
    pub meta: String,
}

impl FileView {
    fn of(tr: &Tr, f: &EvidenceFileRow) -> FileView {
        FileView {
            id: f.id,
            name: f.name.clone(),
            note: f.note.clone(),
            media_type: f.media_type.clone(),
            meta: tr.t_args(
                "diagnostics-evidence_file_meta",
                &[
                    ("size", tr.int(f.size).into()),
                    ("by", f.created_by.as_str().into()),
                    ("date", tr.date(f.created_at).into()),
                ],
            ),
        }
    }
}

/// Why an action closed by itself, in words.
pub(crate) fn closed_note(tr: &Tr, note: &str) -> String {
    match note.split_once(':') {
        Some(("finding-fixed", scan)) => tr.t_arg("diagnostics-closed-finding", "scan", scan),
        Some(("alert-closed", status)) => tr.t_arg(
            "diagnostics-closed-alert",
            "status",
            tr.k("diagnostics-alert-status", status),
        ),
        _ => note.to_string(),
    }
}

pub(crate) fn action_views(tr: &Tr, rows: &[ActionRow], now: i64) -> Vec<ActionView> {
    rows.iter()
        .map(|r| {
            let (source, source_link) = match (r.source_kind.as_str(), r.source_id) {
                ("measure", Some(d)) => (
                    tr.t_arg("diagnostics-source-measure", "id", d),
                    format!("/diagnostics/{d}?theme=summary"),
                ),
                ("finding", Some(f)) => (
                    tr.t_arg("diagnostics-source-finding", "id", f),
                    format!("/structures/{}/exposure#finding-{f}", r.structure_id),
                ),
                ("alert", Some(x)) => (
                    tr.t_arg("diagnostics-source-alert", "id", x),
                    format!("/alerts/{x}"),
                ),
                ("incident", Some(x)) => (
                    tr.t_arg("diagnostics-source-incident", "id", x),
                    format!("/incidents/{x}"),
                ),
                _ => (tr.t("diagnostics-source-manual"), String::new()),
            };
            ActionView {
                id: r.id,
                structure_id: r.structure_id,
                structure_name: r.structure_name.clone(),
                title: r.title.clone(),
                detail: r.detail.clone(),
                owner: r.owner.clone(),
                due: day_text(tr, r.due_on),
                due_input: day_input(r.due_on),
                status: tr.k("diagnostics-action-status", &r.status),
                statuses: ACTION_STATUSES
                    .iter()
                    .map(|s| Opt {
                        value: s.to_string(),
                        label: tr.k("diagnostics-action-status", s),
                        selected: *s == r.status,
                    })
                    .collect(),
                evidence: r.evidence.clone(),
                source,
                source_link,
                open: r.open(),
                overdue: r.overdue(now),
                closed_note: if r.auto_closed == 1 {
                    closed_note(tr, &r.closed_note)
                } else {
                    String::new()
                },
                files: Vec::new(),
            }
        })
        .collect()
}

/// A source that can become an action: kind, id, reference, the title proposed, a label.
pub(crate) struct SourceView {
    pub kind: &'static str,
    pub id: i64,
    pub reference: String,
    pub title: String,
    pub label: String,
}

#[derive(Template)]
#[template(path = "diagnostics/plan.html")]
struct PlanPage {
    ctx: Ctx,
    s: Structure,
    actions: Vec<ActionView>,
    sources: Vec<SourceView>,
    can_write: bool,
    open: usize,
    done: usize,
    overdue: usize,
    form: NewAction,
    err: String,
    err_field: String,
    /// The action whose update failed, and why.
    err_action: i64,
    /// What was typed as the note of a file refused (for `err_action`).
    file_note: String,
    file_note_max: usize,
    max_mib: usize,
}

/// The plan's page; `err` is a mistake and the action it concerns (0: the new action's form),
/// `file_note` the note typed with a file refused.
pub(crate) async fn plan_page(
    st: &AppState,
    a: &Authed,
    id: i64,
    form: NewAction,
    err: Option<(&Problem, i64)>,
    file_note: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    a.actor.require(Permission::ReadDiagnostics)?;
    let s = st.store.get_structure(&a.actor, id).await?;
    let rows = st.store.plan_actions(&a.actor, id).await?;
    let files = st.store.plan_evidence_files(&a.actor, id).await?;
    let src = st.store.plan_sources(&a.actor, id).await?;
    let tr = a.tr();
    let lang = tr.code();
    let now = chrono::Utc::now().timestamp();
    let mut sources = Vec::new();
    if let Some((qid, _)) = &src.latest_questionnaire {
        for m in &src.measures {
            if let Some(r) = recommendation(qid, &m.recommendation_id) {
                sources.push(SourceView {
                    kind: "measure",
                    id: m.diagnostic_id,
                    reference: m.recommendation_id.clone(),
                    title: r.title.get(lang).to_string(),
                    label: format!(
                        "{} {} — {}",
                        tr.t("diagnostics-source-kind-measure"),
                        m.rank,
                        r.title.get(lang)
                    ),
                });
            }
        }
    }
    for (fid, fr, en, sev) in &src.findings {
        let title = tr.pick(fr, en).to_string();
        sources.push(SourceView {
            kind: "finding",
            id: *fid,
            reference: String::new(),
            label: format!(
                "{} ({}) — {title}",
                tr.t("diagnostics-source-kind-finding"),
                tr.k("severity", sev)
            ),
            title,
        });
    }
    for (aid, reference, title, product) in &src.alerts {
        let t = if title.is_empty() {
            format!("{reference} — {product}")
        } else {
            format!("{reference} — {title}")
        };
        sources.push(SourceView {
            kind: "alert",
            id: *aid,
            reference: String::new(),
            label: format!("{} — {t}", tr.t("diagnostics-source-kind-alert")),
            title: t,
        });
    }
    for (iid, title) in &src.incidents {
        let t = tr.t_arg("diagnostics-incident_lesson", "title", title.as_str());
        sources.push(SourceView {
            kind: "incident",
            id: *iid,
            reference: String::new(),
            label: format!("{} — {title}", tr.t("diagnostics-source-kind-incident")),
            title: t,
        });
    }
    let mut actions = action_views(&tr, &rows, now);
    for x in &mut actions {
        x.files = files
            .iter()
            .filter(|f| f.action_id == x.id)
            .map(|f| FileView::of(&tr, f))
            .collect();
    }
    let (err_text, err_field, err_action) = match err {
        Some((p, action)) => (
            problem_text(&tr, p),
            p.get("field").map(|f| f.to_string()).unwrap_or_default(),
            action,
        ),
        None => (String::new(), String::new(), 0),
    };
    let page = PlanPage {
        ctx: Ctx::of(a),
        open: actions.iter().filter(|x| x.open).count(),
        done: rows.iter().filter(|x| x.status == "done").count(),
        overdue: actions.iter().filter(|x| x.overdue).count(),
        actions,
        sources,
        can_write: a.actor.can(Permission::WriteDiagnostics),
        form,
        err: err_text,
        err_field,
        err_action,
        file_note,
        file_note_max: MAX_FILE_NOTE,
        max_mib: crate::files::MAX_MIB,
        s,
    };
    render_status(status, &page)
}

/// The plan of a structure.
pub(crate) async fn show(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(
        a,
        plan_page(
            &st,
            &a,
            id,
            NewAction::default(),
            None,
            String::new(),
            StatusCode::OK
        )
        .await
    )
}

/// Adds an action (by hand, or from a source: `source` is `<kind>:<id>:<reference>`).
pub(crate) async fn add(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(mut f): Form<NewAction>,
) -> Response {
    page!(a, {
        match st.store.add_plan_action(&a.actor, id, &f).await {
            Ok(n) => Ok(Redirect::to(&format!("/structures/{id}/plan#action-{n}")).into_response()),
            Err(StoreError::Invalid(p)) => {
                f.source_kind.clear();
                plan_page(
                    &st,
                    &a,
                    id,
                    f,
                    Some((&p, 0)),
                    String::new(),
                    StatusCode::BAD_REQUEST,
                )
                .await
            }
            Err(e) => Err(e.into()),
        }
    })
}

#[derive(serde::Deserialize)]
pub(crate) struct SourceForm {
    #[serde(default)]
    source: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    due_on: String,
}

/// Adds an action from a measure, a finding, an alert or an incident (`source` is
/// `<kind>:<id>:<reference>`), its title proposed by the page.
pub(crate) async fn add_from(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<SourceForm>,
) -> Response {
    page!(a, {
        let mut parts = f.source.splitn(3, ':');
        let kind = parts.next().unwrap_or_default().to_string();
        let source_id = parts.next().and_then(|x| x.parse::<i64>().ok());
        let source_ref = parts.next().unwrap_or_default().to_string();
        let n = NewAction {
            title: f.title,
            detail: String::new(),
            owner: f.owner,
            due_on: f.due_on,
            source_kind: if kind.is_empty() {
                "unknown".into()
            } else {
                kind
            },
            source_id,
            source_ref,
        };
        match st.store.add_plan_action(&a.actor, id, &n).await {
            Ok(x) => Ok(Redirect::to(&format!("/structures/{id}/plan#action-{x}")).into_response()),
            Err(StoreError::Invalid(p)) => {
                plan_page(
                    &st,
                    &a,
                    id,
                    NewAction::default(),
                    Some((&p, 0)),
                    String::new(),
                    StatusCode::BAD_REQUEST,
                )
                .await
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// Changes an action (owner, due day, status, evidence).
pub(crate) async fn update(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(u): Form<ActionUpdate>,
) -> Response {
    page!(a, {
        match st.store.update_plan_action(&a.actor, id, &u).await {
            Ok(structure) => Ok(
                Redirect::to(&format!("/structures/{structure}/plan#action-{id}")).into_response(),
            ),
            Err(StoreError::Invalid(p)) => {
                let structure = st.store.plan_action_structure(&a.actor, id).await?;
                plan_page(
                    &st,
                    &a,
                    structure,
                    NewAction::default(),
                    Some((&p, id)),
                    String::new(),
                    StatusCode::BAD_REQUEST,
                )
                .await
            }
            Err(e) => Err(e.into()),
        }
    })
}
