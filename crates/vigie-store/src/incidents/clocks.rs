//! The clocks an incident owes, computed by `vigie_incidents` from its facts and its
//! structure's designations, stored with it, and its earliest open deadline kept for the queues.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use vigie_incidents::clock::{clocks, ClockFacts};
use vigie_incidents::rules::Rules;
use vigie_incidents::taxonomy::{CareImpact, DataImpact, Nis2Entity};

use crate::db::Sql;
use crate::error::StoreError;
use crate::incidents::types::{Designations, IncidentRow};

fn instant(t: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// A structure's designations: its own row, else essential when it is an OSE, and controller.
pub(crate) async fn designations(
    conn: &mut sqlx::AnyConnection,
    structure_id: i64,
) -> Result<Designations, StoreError> {
    let own: Option<(Option<String>, i64)> = Sql::new(
        "SELECT nis2_entity, data_controller FROM incident_designations WHERE structure_id = $1",
    )
    .arg(structure_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((nis2_entity, controller)) = own {
        return Ok(Designations {
            nis2_entity,
            data_controller: controller == 1,
        });
    }
    let ose: Option<(i64,)> = Sql::new("SELECT ose FROM structures WHERE id = $1")
        .arg(structure_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(Designations {
        nis2_entity: (ose.map(|o| o.0).unwrap_or(0) == 1).then(|| "essential".to_string()),
        data_controller: true,
    })
}

/// Recomputes and stores the clocks of incident `inc` (inside the caller's transaction), keeping
/// the notifications already recorded as made, and its `next_deadline`.
pub(crate) async fn refresh(
    conn: &mut sqlx::AnyConnection,
    inc: &IncidentRow,
) -> Result<(), StoreError> {
    let d = designations(&mut *conn, inc.structure_id).await?;
    let recorded: Vec<(String, Option<i64>, i64, Option<i64>)> = Sql::new(
        "SELECT rule_id, done_at, deadline, reminded_at FROM incident_clocks WHERE incident_id = $1",
    )
    .arg(inc.id)
    .fetch_all(&mut *conn)
    .await?;
    // A reminder already queued stays recorded while its clock keeps the same deadline.
    let reminded: BTreeMap<(String, i64), i64> = recorded
        .iter()
        .filter_map(|(r, _, deadline, at)| at.map(|at| ((r.clone(), *deadline), at)))
        .collect();
    let mut made: BTreeMap<String, DateTime<Utc>> = recorded
        .into_iter()
        .filter_map(|(r, d, _, _)| d.map(|d| (r, instant(d))))
        .collect();
    if let Some(t) = inc.cnil_notified_at {
        made.entry("gdpr-cnil".into()).or_insert(instant(t));
    }
    if let Some(t) = inc.anssi_notified_at {
        made.entry("nis2-early-warning".into())
            .or_insert(instant(t));
    }
    let mut data_impacts = Vec::new();
    if inc.data_availability == 1 {
        data_impacts.push(DataImpact::Availability);
    }
    if inc.data_integrity == 1 {
        data_impacts.push(DataImpact::Integrity);
    }
    if inc.data_confidentiality == 1 {
        data_impacts.push(DataImpact::Confidentiality);
    }
    let facts = ClockFacts {
        occurred_at: inc.occurred_at.map(instant),
        detected_at: instant(inc.detected_at),
        declared_at: inc.declared_at.map(instant),
        significant: inc.significant == 1,
        care_impact: inc.care_impact.parse().unwrap_or(CareImpact::None),
        data_impacts,
        personal_data: inc.personal_data == 1,
        nis2: d
            .nis2_entity
            .as_deref()
            .and_then(|n| n.parse::<Nis2Entity>().ok()),
        data_controller: d.data_controller,
        made,
    };
    let owed = clocks(Rules::builtin(), &facts);
    Sql::new("DELETE FROM incident_clocks WHERE incident_id = $1")
        .arg(inc.id)
        .execute(&mut *conn)
        .await?;
    let mut next: Option<i64> = None;
    for c in &owed {
        let deadline = c.deadline.timestamp();
        let done = c.done_at.map(|t| t.timestamp());
        if done.is_none() && !c.without_delay {
            next = Some(next.map_or(deadline, |n| n.min(deadline)));
        }
        Sql::new(
            "INSERT INTO incident_clocks (incident_id, rule_id, authority, legal_reference, starts_at, deadline, \
             without_delay, provisional, done_at, reminded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .arg(inc.id)
        .arg(c.rule_id.as_str())
        .arg(c.authority.as_str())
        .arg(c.legal_reference.as_str())
        .arg(c.starts_at.timestamp())
        .arg(deadline)
        .arg(c.without_delay)
        .arg(c.provisional)
        .arg(done)
        .arg(reminded.get(&(c.rule_id.clone(), deadline)).copied())
        .execute(&mut *conn)
        .await?;
    }
    if inc.status == "closed" {
        next = None;
    }
    Sql::new("UPDATE incidents SET next_deadline = $1 WHERE id = $2")
        .arg(next)
        .arg(inc.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
