//! The diagnostics' rows and the shapes of what the pages send.

use serde::{Deserialize, Serialize};
use vigie_diagnostics::{Answer, Answers};

/// A diagnostic's statuses, in order.
pub const STATUSES: &[&str] = &["in_progress", "finished", "signed_off"];

/// An action's statuses.
pub const ACTION_STATUSES: &[&str] = &["todo", "in_progress", "done", "cancelled"];

/// Where an action came from.
pub const SOURCE_KINDS: &[&str] = &["manual", "measure", "finding", "alert", "incident"];

/// The columns of [`DiagnosticRow`], `d` being `diagnostics` and `s` its structure.
pub(crate) const DIAGNOSTIC_COLUMNS: &str = "d.id, d.structure_id, s.name AS structure_name, \
     s.finess_et AS structure_finess, s.region_code, d.questionnaire_id, d.questionnaire_version, \
     d.status, d.assisted, d.started_by, d.started_at, d.updated_at, d.finished_by, d.finished_at, \
     d.signed_off_by, d.signed_off_at, d.sign_off_note, d.score_x100, d.previous_score_x100, d.latest";

/// A diagnostic of a structure.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct DiagnosticRow {
    pub id: i64,
    pub structure_id: i64,
    pub structure_name: String,
    pub structure_finess: String,
    pub region_code: String,
    pub questionnaire_id: String,
    pub questionnaire_version: i64,
    /// `in_progress`, `finished`, `signed_off`.
    pub status: String,
    /// Taken with a regional analyst (1) or by the structure alone (0).
    pub assisted: i64,
    pub started_by: String,
    pub started_at: i64,
    pub updated_at: i64,
    pub finished_by: Option<String>,
    pub finished_at: Option<i64>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<i64>,
    pub sign_off_note: String,
    /// Overall score in hundredths (0 to 300) once finished.
    pub score_x100: Option<i64>,
    /// The score of the structure's finished diagnostic before this one.
    pub previous_score_x100: Option<i64>,
    /// The structure's newest finished diagnostic.
    pub latest: i64,
}

impl DiagnosticRow {
    pub fn in_progress(&self) -> bool {
        self.status == "in_progress"
    }
}

/// One stored answer.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct AnswerRow {
    pub question_id: String,
    pub answer: String,
    pub comment: String,
    pub answered_by: String,
    pub answered_at: i64,
}

/// A diagnostic with its answers.
#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub row: DiagnosticRow,
    pub answers: Vec<AnswerRow>,
}

impl Diagnostic {
    /// The answers as the engine reads them.
    pub fn answers(&self) -> Answers {
        self.answers
            .iter()
            .map(|a| (a.question_id.clone(), Answer::parse(&a.answer)))
            .collect()
    }

    pub fn answer_of(&self, question: &str) -> Option<&AnswerRow> {
        self.answers.iter().find(|a| a.question_id == question)
    }
}

/// One answer sent by a page: an empty `answer` clears it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AnswerInput {
    pub question_id: String,
    pub answer: String,
    #[serde(default)]
    pub comment: String,
}

/// A theme's score of a finished diagnostic: its history, for the progress chart.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct ThemeScoreRow {
    pub diagnostic_id: i64,
    pub finished_at: i64,
    pub questionnaire_id: String,
    pub questionnaire_version: i64,
    pub theme_id: String,
    pub score_x100: Option<i64>,
}

/// A priority measure of a finished diagnostic.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct MeasureRow {
    pub diagnostic_id: i64,
    pub rank: i64,
    pub recommendation_id: String,
    pub priority: i64,
    pub effort: String,
    pub value_x10: i64,
    pub question_id: String,
}

/// The columns of [`ActionRow`], `a` being `plan_actions` and `s` its structure.
pub(crate) const ACTION_COLUMNS: &str = "a.id, a.structure_id, s.name AS structure_name, \
     s.region_code, a.title, a.detail, a.owner, a.due_on, a.status, a.evidence, a.source_kind, \
     a.source_id, a.source_ref, a.auto_closed, a.closed_note, a.closed_at, a.created_by, \
     a.created_at, a.updated_at";

/// An action of a structure's plan.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct ActionRow {
    pub id: i64,
    pub structure_id: i64,
    pub structure_name: String,
    pub region_code: String,
    pub title: String,
    pub detail: String,
    pub owner: String,
    /// Midnight (UTC) of the day it is due.
    pub due_on: Option<i64>,
    /// `todo`, `in_progress`, `done`, `cancelled`.
    pub status: String,
    pub evidence: String,
    /// `manual`, `measure`, `finding`, `alert`, `incident`.
    pub source_kind: String,
    pub source_id: Option<i64>,
    /// The recommendation of a measure.
    pub source_ref: String,
    /// Closed by itself when its source was fixed.
    pub auto_closed: i64,
    /// Why it closed by itself (a key of the catalogues and what it names, as JSON).
    pub closed_note: String,
    pub closed_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl ActionRow {
    pub fn open(&self) -> bool {
        self.status == "todo" || self.status == "in_progress"
    }

    /// Open and past its due day at `now`.
    pub fn overdue(&self, now: i64) -> bool {
        self.open() && self.due_on.is_some_and(|d| d + 86_400 <= now)
    }
}

/// A file given as an action's evidence, without its content.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct EvidenceFileRow {
    pub id: i64,
    pub action_id: i64,
    pub name: String,
    /// What it shows, as the person wrote it (may be empty).
    pub note: String,
    pub media_type: String,
    pub size: i64,
    /// SHA-256 of the content, hexadecimal.
    pub sha256: String,
    pub created_by: String,
    pub created_at: i64,
}

/// A new action, as a form sends it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NewAction {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub owner: String,
    /// `YYYY-MM-DD` or empty.
    #[serde(default)]
    pub due_on: String,
    /// `manual` (or empty), `measure`, `finding`, `alert`, `incident`.
    #[serde(default)]
    pub source_kind: String,
    #[serde(default)]
    pub source_id: Option<i64>,
    #[serde(default)]
    pub source_ref: String,
}

/// A change to an action, as a form sends it.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActionUpdate {
    #[serde(default)]
    pub owner: String,
    #[serde(default)]
    pub due_on: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub evidence: String,
}

/// What a structure's plan may take actions from, not yet in it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PlanSources {
    /// The priority measures of the structure's latest finished diagnostic.
    pub measures: Vec<MeasureRow>,
    pub latest_questionnaire: Option<(String, i64)>,
    /// Open findings: id, French title, English title, severity.
    pub findings: Vec<(i64, String, String, String)>,
    /// Open alerts: id, reference, title, product.
    pub alerts: Vec<(i64, String, String, String)>,
    /// Incidents (not drafts): id, title.
    pub incidents: Vec<(i64, String)>,
}

/// A structure's latest finished diagnostic, as the region's view lists it.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct DiagnosedRow {
    pub diagnostic_id: i64,
    pub structure_id: i64,
    pub structure_name: String,
    pub structure_finess: String,
    pub region_code: String,
    pub department_code: String,
    pub questionnaire_id: String,
    pub questionnaire_version: i64,
    pub finished_at: i64,
    pub status: String,
    pub score_x100: i64,
    pub previous_score_x100: Option<i64>,
    /// How many diagnostics the structure finished.
    pub diagnostics: i64,
}

/// The region's (or the nation's) view of its diagnostics.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Overview {
    /// Structures in scope.
    pub structures: i64,
    /// Structures with a finished diagnostic.
    pub diagnosed: i64,
    /// Structures diagnosed in the last twelve months.
    pub diagnosed_last_year: i64,
    /// Diagnosed structures by overall score: [0, 0.5), [0.5, 1), … [2.5, 3].
    pub distribution: [i64; 6],
    /// Per region: code, structures diagnosed, mean score in hundredths.
    pub by_region: Vec<(String, i64, i64)>,
    /// The most common priority measures: questionnaire, recommendation, structures.
    pub common_measures: Vec<(String, String, i64)>,
    /// Structures diagnosed at least twice, and their mean change of score (hundredths).
    pub progressed: i64,
    pub mean_progress_x100: i64,
    /// Open actions past their due day, and the first of them (most overdue first).
    pub overdue: i64,
    pub overdue_rows: Vec<ActionRow>,
    /// Open actions, done actions.
    pub open_actions: i64,
    pub done_actions: i64,
    /// The latest diagnosed structures (newest first, 50 at most).
    pub recent: Vec<DiagnosedRow>,
}
