//! Taking a diagnostic: started on the newest version of a questionnaire, answered theme by
//! theme (each save stored at once, so that it can be resumed), finished (scores and priority
//! measures computed by the engine and stored), then signed off.

use vigie_diagnostics::scoring::to_hundredths;
use vigie_diagnostics::{score, Answer, Library, Questionnaire};
use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::diagnostics::types::{
    AnswerInput, AnswerRow, Diagnostic, DiagnosticRow, ThemeScoreRow, DIAGNOSTIC_COLUMNS,
};
use crate::error::StoreError;

/// Longest comment beside an answer, and longest sign-off note.
pub const MAX_COMMENT: usize = 2000;
/// Most answers one save may carry (a questionnaire has far fewer questions).
pub const MAX_ANSWERS: usize = 400;

/// The questionnaire a stored diagnostic was taken on (every version stays in the library).
pub fn questionnaire_of(row: &DiagnosticRow) -> Result<&'static Questionnaire, StoreError> {
    u32::try_from(row.questionnaire_version)
        .ok()
        .and_then(|v| Library::builtin().get(&row.questionnaire_id, v))
        .ok_or_else(|| {
            StoreError::Internal(format!(
                "diagnostic {}: questionnaire {} v{} is not in this build",
                row.id, row.questionnaire_id, row.questionnaire_version
            ))
        })
}

fn too_long(field: &'static str, max: usize) -> StoreError {
    StoreError::Invalid(
        Problem::new("diagnostics-too-long")
            .arg("field", field)
            .arg("max", max),
    )
}

impl Store {
    /// Structure `structure_id` if the actor sees it: its region.
    pub(crate) async fn diagnostics_structure(
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<String, StoreError> {
        let mut q = Sql::new("SELECT s.region_code FROM structures s WHERE s.id = ");
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        let r: Option<(String,)> = q.fetch_optional(&mut *conn).await?;
        r.map(|r| r.0).ok_or(StoreError::NotFound)
    }

    /// Diagnostic `id` if its structure is in the actor's scope.
    pub(crate) async fn visible_diagnostic(
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        id: i64,
    ) -> Result<DiagnosticRow, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut q = Sql::new(&format!(
            "SELECT {DIAGNOSTIC_COLUMNS} FROM diagnostics d JOIN structures s ON s.id = d.structure_id WHERE d.id = "
        ));
        q.bind(id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.fetch_one(&mut *conn).await
    }

    /// Starts a diagnostic of structure `structure_id` on the newest version of questionnaire
    /// `questionnaire_id`; `assisted` when a regional analyst takes it with the structure.
    /// One diagnostic at a time is in progress per structure: starting another is refused and
    /// says which one to resume.
    pub async fn start_diagnostic(
        &self,
        actor: &Actor,
        structure_id: i64,
        questionnaire_id: &str,
        assisted: bool,
    ) -> Result<i64, StoreError> {
        self.start_diagnostic_on(actor, structure_id, questionnaire_id, None, assisted)
            .await
    }

    /// [`Store::start_diagnostic`] on a given version of the questionnaire (the newest when
    /// `None`): an older version that is still shipped, to compare with a diagnostic taken on it.
    pub async fn start_diagnostic_on(
        &self,
        actor: &Actor,
        structure_id: i64,
        questionnaire_id: &str,
        version: Option<u32>,
        assisted: bool,
    ) -> Result<i64, StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let lib = Library::builtin();
        let found = match version {
            None => lib.latest(questionnaire_id),
            Some(v) => lib.get(questionnaire_id, v),
        };
        let Some(qn) = found else {
            return Err(StoreError::Invalid(
                Problem::new("diagnostics-questionnaire-unknown")
                    .arg("field", "questionnaire")
                    .arg(
                        "value",
                        questionnaire_id.chars().take(60).collect::<String>(),
                    ),
            ));
        };
        let at = now();
        let mut tx = self.begin_write().await?;
        Self::diagnostics_structure(&mut tx, actor, structure_id).await?;
        let open: Option<(i64,)> = Sql::new(
            "SELECT id FROM diagnostics WHERE structure_id = $1 AND status = 'in_progress' ORDER BY id LIMIT 1",
        )
        .arg(structure_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((open,)) = open {
            return Err(StoreError::Invalid(
                Problem::new("diagnostics-already-in-progress")
                    .arg("field", "questionnaire")
                    .arg("id", open),
            ));
        }
        let id = Sql::new(
            "INSERT INTO diagnostics (structure_id, questionnaire_id, questionnaire_version, status, \
             assisted, started_by, started_by_user_id, started_at, updated_at) \
             VALUES ($1, $2, $3, 'in_progress', $4, $5, $6, $7, $7) RETURNING id",
        )
        .arg(structure_id)
        .arg(qn.id.as_str())
        .arg(i64::from(qn.version))
        .arg(i64::from(assisted))
        .arg(actor.label.as_str())
        .arg(actor.user_id)
        .arg(at)
        .scalar(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("diagnostic.start", "diagnostic", id).detail(serde_json::json!({
                "structure_id": structure_id,
                "questionnaire": qn.id,
                "version": qn.version,
                "assisted": assisted,
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(id)
    }

    /// Diagnostic `id` with its answers.
    pub async fn get_diagnostic(&self, actor: &Actor, id: i64) -> Result<Diagnostic, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let row = Self::visible_diagnostic(&mut conn, actor, id).await?;
        let answers: Vec<AnswerRow> = Sql::new(
            "SELECT question_id, answer, comment, answered_by, answered_at FROM diagnostic_answers \
             WHERE diagnostic_id = $1 ORDER BY question_id",
        )
        .arg(id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(Diagnostic { row, answers })
    }

    /// Saves answers of a diagnostic in progress (a theme at a time, as the page goes): each is
    /// checked against the diagnostic's questionnaire; an empty answer clears it. Nothing is
    /// saved when one is wrong.
    pub async fn save_diagnostic_answers(
        &self,
        actor: &Actor,
        id: i64,
        answers: &[AnswerInput],
    ) -> Result<usize, StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        if answers.len() > MAX_ANSWERS {
            return Err(StoreError::Invalid(
                Problem::new("diagnostics-too-many-answers").arg("max", MAX_ANSWERS),
            ));
        }
        let at = now();
        let mut tx = self.begin_write().await?;
        let row = Self::visible_diagnostic(&mut tx, actor, id).await?;
        if !row.in_progress() {
            return Err(StoreError::Invalid(
                Problem::new("diagnostics-not-in-progress").arg("status", row.status.as_str()),
            ));
        }
        let qn = questionnaire_of(&row)?;
        let mut saved = 0;
        for a in answers {
            let Some(q) = qn.question(&a.question_id) else {
                return Err(StoreError::Invalid(
                    Problem::new("diagnostics-question-unknown").arg(
                        "question",
                        a.question_id.chars().take(60).collect::<String>(),
                    ),
                ));
            };
            if a.comment.chars().count() > MAX_COMMENT {
                return Err(too_long("comment", MAX_COMMENT));
            }
            let answer = a.answer.trim();
            if answer.is_empty() {
                Sql::new(
                    "DELETE FROM diagnostic_answers WHERE diagnostic_id = $1 AND question_id = $2",
                )
                .arg(id)
                .arg(q.id.as_str())
                .execute(&mut *tx)
                .await?;
                continue;
            }
            let parsed = Answer::parse(answer);
            if !qn.accepts(q, &parsed) {
                return Err(StoreError::Invalid(
                    Problem::new("diagnostics-answer-invalid")
                        .arg("question", q.id.as_str())
                        .arg("value", answer.chars().take(60).collect::<String>()),
                ));
            }
            Sql::new(
                "INSERT INTO diagnostic_answers (diagnostic_id, question_id, answer, comment, answered_by, answered_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (diagnostic_id, question_id) DO UPDATE SET \
                 answer = excluded.answer, comment = excluded.comment, answered_by = excluded.answered_by, \
                 answered_at = excluded.answered_at",
            )
            .arg(id)
            .arg(q.id.as_str())
            .arg(parsed.as_str())
            .arg(a.comment.trim())
            .arg(actor.label.as_str())
            .arg(at)
            .execute(&mut *tx)
            .await?;
            saved += 1;
        }
        Sql::new("UPDATE diagnostics SET updated_at = $1 WHERE id = $2")
            .arg(at)
            .arg(id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("diagnostic.answers", "diagnostic", id).detail(serde_json::json!({
                "structure_id": row.structure_id,
                "answers": answers.iter().map(|a| (a.question_id.as_str(), a.answer.trim())).collect::<std::collections::BTreeMap<_, _>>(),
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(saved)
    }

    /// Finishes a diagnostic whose every shown question is answered ("don't know" and "not
    /// applicable" are answers): stores its scores by theme, its overall score and its priority
    /// measures, and makes it the structure's latest.
    pub async fn finish_diagnostic(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let at = now();
        let mut tx = self.begin_write().await?;
        let row = Self::visible_diagnostic(&mut tx, actor, id).await?;
        if !row.in_progress() {
            return Err(StoreError::Invalid(
                Problem::new("diagnostics-not-in-progress").arg("status", row.status.as_str()),
            ));
        }
        let qn = questionnaire_of(&row)?;
        let answers: Vec<AnswerRow> = Sql::new(
            "SELECT question_id, answer, comment, answered_by, answered_at FROM diagnostic_answers WHERE diagnostic_id = $1",
        )
        .arg(id)
        .fetch_all(&mut *tx)
        .await?;
        let d = Diagnostic {
            row: row.clone(),
            answers,
        };
        let s = score(qn, &d.answers());
        if !s.complete {
            let missing: usize = s.themes.iter().map(|t| t.unanswered).sum();
            return Err(StoreError::Invalid(
                Problem::new("diagnostics-incomplete").arg("count", missing),
            ));
        }
        let overall = s.overall.map(to_hundredths).unwrap_or(0);
        for t in &s.themes {
            Sql::new(
                "INSERT INTO diagnostic_theme_scores (diagnostic_id, theme_id, score_x100) VALUES ($1, $2, $3)",
            )
            .arg(id)
            .arg(t.theme.as_str())
            .arg(t.score.map(to_hundredths))
            .execute(&mut *tx)
            .await?;
        }
        // The structure's previous latest gives the progress, and stops being the latest.
        let previous: Option<(Option<i64>,)> = Sql::new(
            "SELECT score_x100 FROM diagnostics WHERE structure_id = $1 AND latest = 1 AND id <> $2",
        )
        .arg(row.structure_id)
        .arg(id)
        .fetch_optional(&mut *tx)
        .await?;
        Sql::new(
            "UPDATE diagnostic_measures SET latest = 0 WHERE latest = 1 AND diagnostic_id IN \
             (SELECT id FROM diagnostics WHERE structure_id = $1 AND latest = 1)",
        )
        .arg(row.structure_id)
        .execute(&mut *tx)
        .await?;
        Sql::new("UPDATE diagnostics SET latest = 0 WHERE structure_id = $1 AND latest = 1")
            .arg(row.structure_id)
            .execute(&mut *tx)
            .await?;
        for (rank, m) in s.measures().iter().enumerate() {
            Sql::new(
                "INSERT INTO diagnostic_measures (diagnostic_id, rank, recommendation_id, priority, effort, value_x10, question_id, latest) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1)",
            )
            .arg(id)
            .arg(rank as i64 + 1)
            .arg(m.recommendation.as_str())
            .arg(i64::from(m.priority))
            .arg(m.effort.as_str())
            .arg((m.value * 10.0).round() as i64)
            .arg(m.question.as_str())
            .execute(&mut *tx)
            .await?;
        }
        Sql::new(
            "UPDATE diagnostics SET status = 'finished', finished_by = $1, finished_by_user_id = $2, \
             finished_at = $3, updated_at = $3, score_x100 = $4, previous_score_x100 = $5, latest = 1 WHERE id = $6",
        )
        .arg(actor.label.as_str())
        .arg(actor.user_id)
        .arg(at)
        .arg(overall)
        .arg(previous.and_then(|p| p.0))
        .arg(id)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("diagnostic.finish", "diagnostic", id).detail(serde_json::json!({
                "structure_id": row.structure_id,
                "score_x100": overall,
                "measures": s.measures().iter().map(|m| m.recommendation.as_str()).collect::<Vec<_>>(),
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(())
    }

    /// Signs off a finished diagnostic (the structure's director, or the regional analyst who
    /// reviewed it), with a note.
    pub async fn sign_off_diagnostic(
        &self,
        actor: &Actor,
        id: i64,
        note: &str,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let note = note.trim();
        if note.chars().count() > MAX_COMMENT {
            return Err(too_long("note", MAX_COMMENT));
        }
        let at = now();
        let mut tx = self.begin_write().await?;
        let row = Self::visible_diagnostic(&mut tx, actor, id).await?;
        if row.status != "finished" {
            return Err(StoreError::Invalid(
                Problem::new("diagnostics-not-finished").arg("status", row.status.as_str()),
            ));
        }
        Sql::new(
            "UPDATE diagnostics SET status = 'signed_off', signed_off_by = $1, signed_off_by_user_id = $2, \
             signed_off_at = $3, sign_off_note = $4, updated_at = $3 WHERE id = $5",
        )
        .arg(actor.label.as_str())
        .arg(actor.user_id)
        .arg(at)
        .arg(note)
        .arg(id)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("diagnostic.sign_off", "diagnostic", id).detail(serde_json::json!({
                "structure_id": row.structure_id,
                "note": note,
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(())
    }

    /// Moves a demo structure's diagnostic back in time (the demo's history: diagnostics taken
    /// months apart). Refused for a structure that is not demo data.
    pub async fn backdate_demo_diagnostic(
        &self,
        actor: &Actor,
        id: i64,
        started_at: i64,
        finished_at: Option<i64>,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let mut tx = self.begin_write().await?;
        let row = Self::visible_diagnostic(&mut tx, actor, id).await?;
        let demo: (i64,) = Sql::new("SELECT is_demo FROM structures WHERE id = $1")
            .arg(row.structure_id)
            .fetch_one(&mut *tx)
            .await?;
        if demo.0 != 1 {
            return Err(StoreError::NotFound);
        }
        Sql::new(
            "UPDATE diagnostics SET started_at = $1, updated_at = COALESCE($2, $1), finished_at = \
             CASE WHEN finished_at IS NULL THEN NULL ELSE $2 END, signed_off_at = CASE WHEN signed_off_at IS NULL \
             THEN NULL ELSE $2 END WHERE id = $3",
        )
        .arg(started_at)
        .arg(finished_at)
        .arg(id)
        .execute(&mut *tx)
        .await?;
        Sql::new("UPDATE diagnostic_answers SET answered_at = $1 WHERE diagnostic_id = $2")
            .arg(started_at)
            .arg(id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("diagnostic.backdate_demo", "diagnostic", id).detail(serde_json::json!({
                "started_at": started_at, "finished_at": finished_at,
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(())
    }

    /// The diagnostics of a structure, newest first.
    pub async fn structure_diagnostics(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<DiagnosticRow>, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut conn = self.pool.acquire().await?;
        Self::diagnostics_structure(&mut conn, actor, structure_id).await?;
        let mut q = Sql::new(&format!(
            "SELECT {DIAGNOSTIC_COLUMNS} FROM diagnostics d JOIN structures s ON s.id = d.structure_id WHERE d.structure_id = "
        ));
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY d.id DESC");
        q.fetch_all(&mut *conn).await
    }

    /// The theme scores of a structure's finished diagnostics, oldest first: its progress.
    pub async fn structure_theme_history(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<ThemeScoreRow>, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut conn = self.pool.acquire().await?;
        Self::diagnostics_structure(&mut conn, actor, structure_id).await?;
        let mut q = Sql::new(
            "SELECT t.diagnostic_id, d.finished_at, d.questionnaire_id, d.questionnaire_version, t.theme_id, t.score_x100 \
             FROM diagnostic_theme_scores t JOIN diagnostics d ON d.id = t.diagnostic_id \
             JOIN structures s ON s.id = d.structure_id WHERE d.structure_id = ",
        );
        q.bind(structure_id)
            .push(" AND d.finished_at IS NOT NULL AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY d.finished_at, d.id, t.theme_id");
        q.fetch_all(&mut *conn).await
    }

    /// The priority measures of a finished diagnostic, in order.
    pub async fn diagnostic_measures(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<crate::diagnostics::types::MeasureRow>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        Self::visible_diagnostic(&mut conn, actor, id).await?;
        Sql::new(
            "SELECT diagnostic_id, rank, recommendation_id, priority, effort, value_x10, question_id \
             FROM diagnostic_measures WHERE diagnostic_id = $1 ORDER BY rank",
        )
        .arg(id)
        .fetch_all(&mut *conn)
        .await
    }
}
