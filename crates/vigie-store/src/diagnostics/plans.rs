//! Action plans: a structure's "plan de réduction des vulnérabilités". Actions come from its
//! diagnostics' priority measures, its open exposure findings, its vulnerability alerts, its
//! incidents' lessons, or are written by hand; each has an owner, a due day, a status and its
//! evidence (a note, or files: see `evidence`; "done" needs one or the other). An action whose
//! finding was verified fixed by a scan, or whose alert was closed, closes itself and says so
//! ([`Store::reconcile_plan_actions`], run by the scheduler's tick).

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::diagnostics::types::{
    ActionRow, ActionUpdate, MeasureRow, NewAction, PlanSources, ACTION_COLUMNS, ACTION_STATUSES,
};
use crate::error::StoreError;

const MAX_TITLE: usize = 200;
const MAX_TEXT: usize = 4000;

fn field(key: &'static str, field: &'static str) -> Problem {
    Problem::new(key).arg("field", field)
}

fn text(f: &'static str, v: &str, max: usize, required: bool) -> Result<String, StoreError> {
    let t = v.trim();
    if required && t.is_empty() {
        return Err(StoreError::Invalid(field("diagnostics-field-required", f)));
    }
    if t.chars().count() > max {
        return Err(StoreError::Invalid(
            field("diagnostics-too-long", f).arg("max", max),
        ));
    }
    Ok(t.to_string())
}

/// A due day typed as `YYYY-MM-DD`: midnight UTC of that day; empty is none.
fn due_day(v: &str) -> Result<Option<i64>, StoreError> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| Some(d.and_utc().timestamp()))
        .ok_or_else(|| {
            StoreError::Invalid(
                field("diagnostics-date-unreadable", "due_on")
                    .arg("value", t.chars().take(40).collect::<String>()),
            )
        })
}

impl Store {
    /// The actions of a structure's plan: open first (most overdue first), then closed.
    pub async fn plan_actions(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<ActionRow>, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut conn = self.pool.acquire().await?;
        Self::diagnostics_structure(&mut conn, actor, structure_id).await?;
        let mut q = Sql::new(&format!(
            "SELECT {ACTION_COLUMNS} FROM plan_actions a JOIN structures s ON s.id = a.structure_id WHERE a.structure_id = "
        ));
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(
            " ORDER BY CASE WHEN a.status IN ('todo', 'in_progress') THEN 0 ELSE 1 END, \
             CASE WHEN a.due_on IS NULL THEN 1 ELSE 0 END, a.due_on, a.id",
        );
        q.fetch_all(&mut *conn).await
    }

    /// Action `id` if its structure is in scope.
    pub(crate) async fn visible_action(
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        id: i64,
    ) -> Result<ActionRow, StoreError> {
        let mut q = Sql::new(&format!(
            "SELECT {ACTION_COLUMNS} FROM plan_actions a JOIN structures s ON s.id = a.structure_id WHERE a.id = "
        ));
        q.bind(id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.fetch_one(&mut *conn).await
    }

    /// The structure of action `id`, if it is in scope.
    pub async fn plan_action_structure(&self, actor: &Actor, id: i64) -> Result<i64, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut conn = self.pool.acquire().await?;
        Ok(Self::visible_action(&mut conn, actor, id)
            .await?
            .structure_id)
    }

    /// What a structure's plan may take actions from and does not hold yet (open ones).
    pub async fn plan_sources(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<PlanSources, StoreError> {
        actor.require(Permission::ReadDiagnostics)?;
        let mut conn = self.pool.acquire().await?;
        Self::diagnostics_structure(&mut conn, actor, structure_id).await?;
        let latest: Option<(i64, String, i64)> = Sql::new(
            "SELECT id, questionnaire_id, questionnaire_version FROM diagnostics WHERE structure_id = $1 AND latest = 1",
        )
        .arg(structure_id)
        .fetch_optional(&mut *conn)
        .await?;
        let not_in_plan = |kind: &str| {
            format!(
                "NOT EXISTS (SELECT 1 FROM plan_actions a WHERE a.structure_id = $1 AND a.source_kind = '{kind}' \
                 AND a.source_id = x.id AND a.status IN ('todo', 'in_progress'))"
            )
        };
        let mut out = PlanSources::default();
        if let Some((diag, qid, version)) = latest {
            out.measures = Sql::new(
                "SELECT m.diagnostic_id, m.rank, m.recommendation_id, m.priority, m.effort, m.value_x10, m.question_id \
                 FROM diagnostic_measures m WHERE m.diagnostic_id = $2 AND NOT EXISTS (SELECT 1 FROM plan_actions a \
                 WHERE a.structure_id = $1 AND a.source_kind = 'measure' AND a.source_id = m.diagnostic_id \
                 AND a.source_ref = m.recommendation_id) ORDER BY m.rank",
            )
            .arg(structure_id)
            .arg(diag)
            .fetch_all::<MeasureRow, _>(&mut *conn)
            .await?;
            out.latest_questionnaire = Some((qid, version));
        }
        out.findings = Sql::new(&format!(
            "SELECT x.id, x.title_fr, x.title_en, x.severity FROM scan_findings x WHERE x.structure_id = $1 \
             AND x.status <> 'fixed' AND {} ORDER BY x.severity_rank DESC, x.id LIMIT 200",
            not_in_plan("finding")
        ))
        .arg(structure_id)
        .fetch_all(&mut *conn)
        .await?;
        out.alerts = Sql::new(&format!(
            "SELECT x.id, x.ref_id, x.title, x.product FROM watch_alerts x WHERE x.structure_id = $1 \
             AND x.status NOT IN ('fixed', 'not_affected') AND {} ORDER BY x.priority DESC, x.id LIMIT 200",
            not_in_plan("alert")
        ))
        .arg(structure_id)
        .fetch_all(&mut *conn)
        .await?;
        out.incidents = Sql::new(&format!(
            "SELECT x.id, x.title FROM incidents x WHERE x.structure_id = $1 AND x.status <> 'draft' \
             AND x.tlp NOT IN ('red', 'amber+strict') AND {} ORDER BY x.id DESC LIMIT 50",
            not_in_plan("incident")
        ))
        .arg(structure_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(out)
    }

    /// Adds an action to a structure's plan. Its source, when it has one, must be the
    /// structure's own (a measure of its latest diagnostic, an open finding, an open alert, an
    /// incident) and not already behind an open action.
    pub async fn add_plan_action(
        &self,
        actor: &Actor,
        structure_id: i64,
        a: &NewAction,
    ) -> Result<i64, StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let title = text("title", &a.title, MAX_TITLE, true)?;
        let detail = text("detail", &a.detail, MAX_TEXT, false)?;
        let owner = text("owner", &a.owner, MAX_TITLE, false)?;
        let due_on = due_day(&a.due_on)?;
        let kind = match a.source_kind.trim() {
            "" => "manual",
            k => k,
        };
        let source_ref = a.source_ref.trim();
        let at = now();
        let mut tx = self.begin_write().await?;
        Self::diagnostics_structure(&mut tx, actor, structure_id).await?;
        let unknown = || {
            StoreError::Invalid(
                field("diagnostics-source-unknown", "source").arg("kind", kind.to_string()),
            )
        };
        let check = match (kind, a.source_id) {
            ("manual", _) => None,
            ("measure", Some(id)) => Some(
                Sql::new(
                    "SELECT m.diagnostic_id FROM diagnostic_measures m JOIN diagnostics d ON d.id = m.diagnostic_id \
                     WHERE m.diagnostic_id = $1 AND d.structure_id = $2 AND m.recommendation_id = $3",
                )
                .arg(id)
                .arg(structure_id)
                .arg(source_ref),
            ),
            ("finding", Some(id)) => Some(
                Sql::new(
                    "SELECT id FROM scan_findings WHERE id = $1 AND structure_id = $2 AND status <> 'fixed'",
                )
                .arg(id)
                .arg(structure_id),
            ),
            ("alert", Some(id)) => Some(
                Sql::new(
                    "SELECT id FROM watch_alerts WHERE id = $1 AND structure_id = $2 \
                     AND status NOT IN ('fixed', 'not_affected')",
                )
                .arg(id)
                .arg(structure_id),
            ),
            ("incident", Some(id)) => Some(
                Sql::new(
                    "SELECT id FROM incidents WHERE id = $1 AND structure_id = $2 AND status <> 'draft' \
                     AND tlp NOT IN ('red', 'amber+strict')",
                )
                .arg(id)
                .arg(structure_id),
            ),
            _ => return Err(unknown()),
        };
        if let Some(q) = check {
            let found: Option<(i64,)> = q.fetch_optional(&mut *tx).await?;
            if found.is_none() {
                return Err(unknown());
            }
            let dup: Option<(i64,)> = Sql::new(
                "SELECT id FROM plan_actions WHERE structure_id = $1 AND source_kind = $2 AND source_id = $3 \
                 AND source_ref = $4 AND status IN ('todo', 'in_progress')",
            )
            .arg(structure_id)
            .arg(kind)
            .arg(a.source_id)
            .arg(if kind == "measure" { source_ref } else { "" })
            .fetch_optional(&mut *tx)
            .await?;
            if let Some((d,)) = dup {
                return Err(StoreError::Invalid(
                    field("diagnostics-action-duplicate", "source").arg("id", d),
                ));
            }
        }
        let id = Sql::new(
            "INSERT INTO plan_actions (structure_id, title, detail, owner, due_on, status, source_kind, source_id, \
             source_ref, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'todo', $6, $7, $8, $9, $10, $10) \
             RETURNING id",
        )
        .arg(structure_id)
        .arg(title.as_str())
        .arg(detail.as_str())
        .arg(owner.as_str())
        .arg(due_on)
        .arg(kind)
        .arg(if kind == "manual" { None } else { a.source_id })
        .arg(if kind == "measure" { source_ref } else { "" })
        .arg(actor.label.as_str())
        .arg(at)
        .scalar(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("plan.action.add", "plan_action", id).detail(serde_json::json!({
                "structure_id": structure_id,
                "title": title,
                "source_kind": kind,
                "source_id": a.source_id,
                "source_ref": source_ref,
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(id)
    }

    /// Changes an action's owner, due day, status and evidence. Returns its structure.
    pub async fn update_plan_action(
        &self,
        actor: &Actor,
        id: i64,
        u: &ActionUpdate,
    ) -> Result<i64, StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let owner = text("owner", &u.owner, MAX_TITLE, false)?;
        let evidence = text("evidence", &u.evidence, MAX_TEXT, false)?;
        let due_on = due_day(&u.due_on)?;
        let status = u.status.trim();
        if !ACTION_STATUSES.contains(&status) {
            return Err(StoreError::Invalid(
                field("diagnostics-value-unknown", "status")
                    .arg("value", status.chars().take(40).collect::<String>()),
            ));
        }
        let at = now();
        let mut tx = self.begin_write().await?;
        let row = Self::visible_action(&mut tx, actor, id).await?;
        if status == "done" && evidence.is_empty() {
            // A file given as evidence is evidence too.
            let files: Option<(i64,)> =
                Sql::new("SELECT id FROM plan_action_files WHERE action_id = $1 LIMIT 1")
                    .arg(id)
                    .fetch_optional(&mut *tx)
                    .await?;
            if files.is_none() {
                return Err(StoreError::Invalid(field(
                    "diagnostics-evidence-required",
                    "evidence",
                )));
            }
        }
        let closed = matches!(status, "done" | "cancelled");
        let closed_at = if closed {
            row.closed_at.or(Some(at))
        } else {
            None
        };
        Sql::new(
            "UPDATE plan_actions SET owner = $1, due_on = $2, status = $3, evidence = $4, closed_at = $5, \
             auto_closed = CASE WHEN $3 = status THEN auto_closed ELSE 0 END, updated_at = $6 WHERE id = $7",
        )
        .arg(owner.as_str())
        .arg(due_on)
        .arg(status)
        .arg(evidence.as_str())
        .arg(closed_at)
        .arg(at)
        .arg(id)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("plan.action.update", "plan_action", id).detail(serde_json::json!({
                "structure_id": row.structure_id,
                "from": row.status,
                "status": status,
                "owner": owner,
                "due_on": due_on,
            })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(row.structure_id)
    }

    /// Closes the open actions whose source was fixed: a finding a scan verified fixed, an alert
    /// closed (fixed or not affected). Each says why in `closed_note` (`finding-fixed:<scan>`,
    /// `alert-closed:<status>`) and is audited. Returns how many closed.
    pub async fn reconcile_plan_actions(&self, actor: &Actor) -> Result<u64, StoreError> {
        actor.require(Permission::WriteDiagnostics)?;
        let at = now();
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(
            "SELECT a.id, a.structure_id, 'finding-fixed:' || CAST(f.fixed_in_scan_id AS TEXT) FROM plan_actions a \
             JOIN scan_findings f ON f.id = a.source_id AND f.structure_id = a.structure_id \
             JOIN structures s ON s.id = a.structure_id \
             WHERE a.source_kind = 'finding' AND a.status IN ('todo', 'in_progress') \
             AND f.status = 'fixed' AND f.fixed_in_scan_id IS NOT NULL AND ",
        );
        actor.scope_structures(&mut q, "s");
        q.push(
            " UNION ALL SELECT a.id, a.structure_id, 'alert-closed:' || w.status FROM plan_actions a \
             JOIN watch_alerts w ON w.id = a.source_id AND w.structure_id = a.structure_id \
             JOIN structures s ON s.id = a.structure_id \
             WHERE a.source_kind = 'alert' AND a.status IN ('todo', 'in_progress') \
             AND w.status IN ('fixed', 'not_affected') AND ",
        );
        actor.scope_structures(&mut q, "s");
        let rows: Vec<(i64, i64, String)> = q.fetch_all(&mut *tx).await?;
        for (id, structure_id, note) in &rows {
            Sql::new(
                "UPDATE plan_actions SET status = 'done', auto_closed = 1, closed_note = $1, closed_at = $2, \
                 updated_at = $2 WHERE id = $3",
            )
            .arg(note.as_str())
            .arg(at)
            .arg(*id)
            .execute(&mut *tx)
            .await?;
            record(
                &mut *tx,
                actor,
                Event::new("plan.action.auto_close", "plan_action", *id)
                    .detail(serde_json::json!({ "structure_id": structure_id, "note": note })),
            )
            .await?;
        }
        tx.commit().await?;
        crate::cache::diagnostics_changed();
        Ok(rows.len() as u64)
    }
}
