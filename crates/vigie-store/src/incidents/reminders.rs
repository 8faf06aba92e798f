//! Reminders before the regulatory deadlines: when a clock's reminder time has come
//! (`vigie_incidents::clock::reminder_at`: a quarter of its span before the deadline, between
//! one hour and one day ahead), its structure is told through the notification outbox, in each
//! recipient's language (the e-mail is written by `vigie-report` at delivery). A clock is
//! reminded once for a given deadline: `incident_clocks.reminded_at` is set in the transaction
//! that queues the notifications, and the outbox's dedup key names the incident, the rule and
//! the deadline, so a re-run or a second worker sends nothing twice. A deadline that moves (the
//! facts changed) is a new deadline, and is reminded again.

use chrono::{DateTime, Utc};
use vigie_domain::events::{IncidentDeadlineEvent, INCIDENT_DEADLINE};
use vigie_domain::role::Permission;
use vigie_incidents::clock::{reminder_at, REMINDER_MAX};
use vigie_incidents::rules::Rules;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{Sql, Store};
use crate::error::StoreError;
use crate::incidents::access::needs_named;
use crate::incidents::timeline::add_event;
use crate::incidents::types::reference;
use crate::notify::{queue_many, Audience, NewNotification, OutboxEvent};

impl OutboxEvent for IncidentDeadlineEvent {
    const EVENT: &'static str = INCIDENT_DEADLINE;
}

/// An open clock whose deadline comes within a day.
#[derive(sqlx::FromRow)]
struct Due {
    clock_id: i64,
    incident_id: i64,
    rule_id: String,
    authority: String,
    legal_reference: String,
    starts_at: i64,
    deadline: i64,
    provisional: i64,
    structure_id: i64,
    structure_name: String,
    title: String,
    tlp: String,
    created_at: i64,
}

fn instant(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

impl Store {
    /// Queues the reminder of every clock of a submitted, open incident (within the actor's
    /// scope) whose reminder time has come at `at` and whose deadline has not passed: one
    /// notification per recipient of its structure, a timeline event and an audit entry per
    /// incident, all in one transaction. Returns how many clocks were reminded.
    pub async fn queue_incident_reminders(
        &self,
        actor: &Actor,
        at: i64,
    ) -> Result<usize, StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let mut tx = self.begin_write().await?;
        let mut q = Sql::new(
            "SELECT c.id AS clock_id, c.incident_id, c.rule_id, c.authority, c.legal_reference, c.starts_at, \
             c.deadline, c.provisional, i.structure_id, s.name AS structure_name, i.title, i.tlp, i.created_at \
             FROM incident_clocks c JOIN incidents i ON i.id = c.incident_id JOIN structures s ON s.id = i.structure_id \
             WHERE c.done_at IS NULL AND c.without_delay = 0 AND c.reminded_at IS NULL AND c.deadline > ",
        );
        q.bind(at)
            .push(" AND c.deadline <= ")
            .bind(at + REMINDER_MAX.num_seconds())
            .push(" AND i.status NOT IN ('draft', 'closed') AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY c.deadline, c.id");
        let rows: Vec<Due> = q.fetch_all(&mut *tx).await?;
        let due: Vec<Due> = rows
            .into_iter()
            .filter(|r| reminder_at(instant(r.starts_at), instant(r.deadline)).timestamp() <= at)
            .collect();
        if due.is_empty() {
            return Ok(0);
        }
        let rules = Rules::builtin();
        let mut notes = Vec::with_capacity(due.len());
        for r in &due {
            let restricted = needs_named(&r.tlp);
            let rule = rules.get(&r.rule_id);
            let ev = IncidentDeadlineEvent {
                incident_id: r.incident_id,
                reference: reference(r.incident_id, r.created_at),
                structure_id: r.structure_id,
                structure_name: r.structure_name.clone(),
                title: if restricted {
                    String::new()
                } else {
                    r.title.clone()
                },
                tlp: r.tlp.clone(),
                rule_id: r.rule_id.clone(),
                authority: r.authority.clone(),
                label_fr: rule.map(|x| x.label_fr.clone()).unwrap_or_default(),
                label_en: rule.map(|x| x.label_en.clone()).unwrap_or_default(),
                legal_reference: r.legal_reference.clone(),
                deadline: r.deadline,
                provisional: r.provisional == 1,
            };
            notes.push(NewNotification::new(
                Audience::Structure(r.structure_id),
                &ev,
                Some(format!("/incidents/{}", r.incident_id)),
                format!(
                    "incidents.deadline:{}:{}:{}",
                    r.incident_id, r.rule_id, r.deadline
                ),
            )?);
        }
        queue_many(&mut tx, &notes).await?;
        let mut mark = Sql::new("UPDATE incident_clocks SET reminded_at = ");
        mark.bind(at).push(" WHERE id IN ");
        mark.push_in_list(due.iter().map(|r| r.clock_id));
        mark.execute(&mut *tx).await?;
        for r in &due {
            let detail = serde_json::json!({ "rule_id": r.rule_id, "deadline": r.deadline });
            add_event(&mut tx, actor, r.incident_id, "reminder", detail.clone()).await?;
            record(
                &mut *tx,
                actor,
                Event::new("incident.reminder", "incident", r.incident_id).detail(detail),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(due.len())
    }
}
