//! Diagnostics (issue 16): the platform side of the `vigie-diagnostics` engine.
//!
//! * **Taking a diagnostic** (`take`): started on the newest version of a questionnaire, by the
//!   structure alone or by a regional analyst with it; answers saved as they go (a theme at a
//!   time), resumed later; finished once every shown question is answered, when the engine's
//!   scores by theme, overall score and priority measures are stored; then signed off. A
//!   diagnostic keeps its questionnaire's id and version: it stays readable after a new version.
//! * **Action plans** (`plans`): a structure's actions, from its measures, open findings,
//!   vulnerability alerts and incidents, or written by hand; owner, due day, status, evidence
//!   (a note, and files: `evidence`, sealed like every file people give).
//!   An action whose finding was verified fixed, or whose alert was closed, closes itself and
//!   says so (`Store::reconcile_plan_actions`, run by the scheduler).
//! * **The region's view** (`region`): which structures were diagnosed and when, the score
//!   distribution, by region, the most common measures, overdue actions, progress; in SQL,
//!   over the actor's scope.
//!
//! Every public method takes the `Actor`; every write is audited in its transaction.

mod evidence;
mod plans;
mod region;
mod tables;
mod take;
mod types;

pub use evidence::MAX_FILE_NOTE;
pub use region::LISTED;
pub(crate) use tables::TABLES;
pub use take::{questionnaire_of, MAX_ANSWERS, MAX_COMMENT};
pub use types::{
    ActionRow, ActionUpdate, AnswerInput, AnswerRow, DiagnosedRow, Diagnostic, DiagnosticRow,
    EvidenceFileRow, MeasureRow, NewAction, Overview, PlanSources, ThemeScoreRow, ACTION_STATUSES,
    SOURCE_KINDS, STATUSES,
};
