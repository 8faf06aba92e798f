//! Case handling: triage, assignment, status, notes and the conversation, observables, the
//! people named on the case, notifications made, and a structure's designations.

use vigie_domain::problem::Problem;
use vigie_domain::role::{Permission, ScopeKind, ALL_ROLES};
use vigie_incidents::incident::ObservableKind;
use vigie_incidents::marking::Tlp;
use vigie_incidents::rules::Rules;
use vigie_incidents::taxonomy::{CaseStatus, IncidentType, Nis2Entity, Severity};

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::incidents::clocks::refresh;
use crate::incidents::declare::date;
use crate::incidents::timeline::event_and_audit;
use crate::incidents::types::{Assignee, Designations, IncidentRow, Triage};

/// Longest note kept.
pub const MAX_NOTE: usize = 10_000;

fn unknown(field: &'static str, v: &str) -> StoreError {
    StoreError::Invalid(
        Problem::new("incidents-value-unknown")
            .arg("field", field)
            .arg("value", v.trim()),
    )
}

impl Store {
    /// Runs `f` on the visible, non-draft incident `id` in a write transaction, then refreshes
    /// its clocks, records the timeline event and the audit entry, and commits.
    async fn case_write<F>(
        &self,
        actor: &Actor,
        id: i64,
        action: &'static str,
        kind: &'static str,
        f: F,
    ) -> Result<(), StoreError>
    where
        F: for<'c> FnOnce(
            &'c mut sqlx::AnyConnection,
            &'c IncidentRow,
            bool,
        ) -> std::pin::Pin<
            Box<
                dyn std::future::Future<Output = Result<serde_json::Value, StoreError>> + Send + 'c,
            >,
        >,
    {
        let mut tx = self.begin_write().await?;
        let (row, named) = Self::visible_incident(&mut tx, actor, id).await?;
        let detail = f(&mut tx, &row, named).await?;
        Sql::new("UPDATE incidents SET updated_at = $1 WHERE id = $2")
            .arg(now())
            .arg(id)
            .execute(&mut *tx)
            .await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        refresh(&mut tx, &row).await?;
        event_and_audit(&mut tx, actor, id, row.structure_id, kind, action, detail).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Qualifies an incident: its type (which settles its origin), severity, major or not. A
    /// submitted incident becomes `triaged`.
    pub async fn triage_incident(
        &self,
        actor: &Actor,
        id: i64,
        t: &Triage,
    ) -> Result<(), StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let ty: IncidentType = t
            .incident_type
            .parse()
            .map_err(|_| unknown("incident_type", &t.incident_type))?;
        let sev: Severity = t
            .severity
            .parse()
            .map_err(|_| unknown("severity", &t.severity))?;
        let major = t.major;
        self.case_write(actor, id, "incident.triage", "triaged", move |conn, row, _| {
            Box::pin(async move {
                if row.status == "draft" {
                    return Err(StoreError::Invalid(Problem::new("incidents-still-draft")));
                }
                let origin = if ty == IncidentType::Undetermined { row.origin.clone() } else { ty.origin().as_str().to_string() };
                let at = now();
                Sql::new(
                    "UPDATE incidents SET incident_type = $1, origin = $2, severity = $3, severity_rank = $4, major = $5, \
                     triaged_at = COALESCE(triaged_at, $6), status = CASE WHEN status = 'submitted' THEN 'triaged' ELSE status END \
                     WHERE id = $7",
                )
                .arg(ty.as_str())
                .arg(origin)
                .arg(sev.as_str())
                .arg(sev as i64 + 1)
                .arg(major)
                .arg(at)
                .arg(row.id)
                .execute(&mut *conn)
                .await?;
                Ok(serde_json::json!({"incident_type": ty.as_str(), "severity": sev.as_str(), "major": major}))
            })
        })
        .await
    }

    /// The people incident `id` can be assigned to: active accounts whose role may handle
    /// incidents and whose scope covers its structure (the CERT's analysts, the analysts of its
    /// region…), by name. Asked by an analyst who may read the case; the same rule as
    /// [`Store::assign_incident`] checks, so every name offered is accepted. A regional analyst
    /// is not shown the national accounts (outside the accounts of their scope).
    pub async fn incident_assignees(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<Assignee>, StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let mut conn = self.pool.acquire().await?;
        let (row, _) = Self::visible_incident(&mut conn, actor, id).await?;
        let (region, ght): (String, Option<i64>) =
            Sql::new("SELECT region_code, ght_id FROM structures WHERE id = $1")
                .arg(row.structure_id)
                .fetch_one(&mut *conn)
                .await?;
        // Which roles may handle incidents, by the kind of scope they have: derived from the
        // roles' grants, so a role given the permission later is offered with its scope's rule.
        let roles_of = |kind: ScopeKind| -> Vec<&'static str> {
            ALL_ROLES
                .iter()
                .filter(|r| r.can(Permission::HandleIncidents) && r.scope_kind() == kind)
                .map(|r| r.as_str())
                .collect()
        };
        let mut q = Sql::new(
            "SELECT u.id AS user_id, u.display_name, u.email, u.role FROM users u WHERE u.disabled = 0 AND (1 = 0",
        );
        // The national team is offered to national readers only: the accounts of a region's
        // analyst's scope are those of their region (as the user list shows them).
        let national = if matches!(actor.scope, vigie_domain::role::Scope::National) {
            roles_of(ScopeKind::National)
        } else {
            Vec::new()
        };
        if !national.is_empty() {
            q.push(" OR u.role IN ").push_in_list(national);
        }
        let regional = roles_of(ScopeKind::Region);
        if !regional.is_empty() {
            q.push(" OR (u.role IN ")
                .push_in_list(regional)
                .push(" AND u.region_code = ")
                .bind(region)
                .push(")");
        }
        let ght_roles = roles_of(ScopeKind::Ght);
        if let (false, Some(g)) = (ght_roles.is_empty(), ght) {
            q.push(" OR (u.role IN ")
                .push_in_list(ght_roles)
                .push(" AND u.ght_id = ")
                .bind(g)
                .push(")");
        }
        let members = roles_of(ScopeKind::Structures);
        if !members.is_empty() {
            q.push(" OR (u.role IN ")
                .push_in_list(members)
                .push(" AND EXISTS (SELECT 1 FROM user_structures us WHERE us.user_id = u.id AND us.structure_id = ")
                .bind(row.structure_id)
                .push("))");
        }
        q.push(") ORDER BY u.display_name, u.id LIMIT 500");
        q.fetch_all(&mut *conn).await
    }

    /// Records that the CERT (or the regional centre handling the case) gave the structure
    /// technical support on this incident, or takes it back (`given` false). Counted by the
    /// observatory as "structures given technical support"; a timeline event and an audit
    /// entry, like every change of the case.
    pub async fn record_incident_support(
        &self,
        actor: &Actor,
        id: i64,
        given: bool,
    ) -> Result<(), StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let kind = if given {
            "support_given"
        } else {
            "support_withdrawn"
        };
        self.case_write(actor, id, "incident.support", kind, move |conn, row, _| {
            Box::pin(async move {
                if row.status == "draft" {
                    return Err(StoreError::Invalid(Problem::new("incidents-still-draft")));
                }
                Sql::new(
                    "UPDATE incidents SET support_given = $1, \
                     support_given_at = CASE WHEN $2 = 1 THEN COALESCE(support_given_at, $3) ELSE NULL END \
                     WHERE id = $4",
                )
                .arg(i64::from(given))
                .arg(i64::from(given))
                .arg(now())
                .arg(row.id)
                .execute(&mut *conn)
                .await?;
                Ok(serde_json::json!({ "support_given": given }))
            })
        })
        .await
    }

    /// Assigns an incident to an analyst (a user who may handle incidents and whose scope
    /// covers the structure), who is then named on the case; `None` unassigns.
    pub async fn assign_incident(
        &self,
        actor: &Actor,
        id: i64,
        user_id: Option<i64>,
    ) -> Result<(), StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let assignee = match user_id {
            Some(u) => {
                let a = self.actor_for_user(u, None).await.map_err(|_| {
                    StoreError::Invalid(Problem::new("incidents-assignee-invalid").arg("id", u))
                })?;
                if !a.can(Permission::HandleIncidents) {
                    return Err(StoreError::Invalid(
                        Problem::new("incidents-assignee-invalid").arg("id", u),
                    ));
                }
                Some(a)
            }
            None => None,
        };
        let label = actor.label.clone();
        self.case_write(
            actor,
            id,
            "incident.assign",
            "assigned",
            move |conn, row, _| {
                Box::pin(async move {
                    if row.status == "draft" {
                        return Err(StoreError::Invalid(Problem::new("incidents-still-draft")));
                    }
                    if let Some(a) = &assignee {
                        if Store::incident_structure_check(&mut *conn, a, row.structure_id)
                            .await
                            .is_err()
                        {
                            return Err(StoreError::Invalid(
                                Problem::new("incidents-assignee-invalid")
                                    .arg("id", a.user_id.unwrap_or_default()),
                            ));
                        }
                        name_person(
                            &mut *conn,
                            row.id,
                            a.user_id.unwrap_or_default(),
                            "assignee",
                            &label,
                        )
                        .await?;
                    }
                    Sql::new("UPDATE incidents SET assignee_user_id = $1 WHERE id = $2")
                        .arg(assignee.as_ref().and_then(|a| a.user_id))
                        .arg(row.id)
                        .execute(&mut *conn)
                        .await?;
                    Ok(serde_json::json!({"assignee": assignee.as_ref().map(|a| a.label.clone())}))
                })
            },
        )
        .await
    }

    /// Moves an incident to another status (the moves `CaseStatus::next` allows), with its
    /// timestamps; containing or closing the case sets the incident's state too.
    pub async fn set_incident_status(
        &self,
        actor: &Actor,
        id: i64,
        to: &str,
    ) -> Result<(), StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let to: CaseStatus = to.parse().map_err(|_| unknown("status", to))?;
        self.case_write(
            actor,
            id,
            "incident.status",
            "status",
            move |conn, row, _| {
                Box::pin(async move {
                    let from: CaseStatus = row.status.parse().map_err(|_| {
                        StoreError::Internal(format!(
                            "incident {} has status {:?}",
                            row.id, row.status
                        ))
                    })?;
                    if !from.can_move_to(to) {
                        return Err(StoreError::Invalid(
                            Problem::new("incidents-status-move-invalid")
                                .arg("from", from.as_str())
                                .arg("to", to.as_str()),
                        ));
                    }
                    let at = now();
                    let mut q = Sql::new("UPDATE incidents SET status = ");
                    q.bind(to.as_str());
                    match to {
                        CaseStatus::Triaged => {
                            q.push(", triaged_at = COALESCE(triaged_at, ")
                                .bind(at)
                                .push(")");
                        }
                        CaseStatus::Contained => {
                            q.push(", state = 'contained', contained_at = COALESCE(contained_at, ")
                                .bind(at)
                                .push(")");
                        }
                        CaseStatus::Closed => {
                            q.push(", state = 'closed', closed_at = ").bind(at);
                        }
                        CaseStatus::InProgress => {
                            q.push(", closed_at = NULL");
                        }
                        _ => {}
                    }
                    q.push(" WHERE id = ").bind(row.id);
                    q.execute(&mut *conn).await?;
                    Ok(serde_json::json!({"from": from.as_str(), "to": to.as_str()}))
                })
            },
        )
        .await
    }

    /// Adds a note: the conversation with the structure, or (analysts only) an internal note.
    pub async fn add_incident_note(
        &self,
        actor: &Actor,
        id: i64,
        body: &str,
        internal: bool,
    ) -> Result<(), StoreError> {
        if internal {
            actor.require(Permission::HandleIncidents)?;
        } else if !actor.can(Permission::HandleIncidents) {
            actor.require(Permission::DeclareIncidents)?;
        }
        let body = body.trim().to_string();
        if body.is_empty() || body.chars().count() > MAX_NOTE {
            return Err(StoreError::Invalid(
                Problem::new("incidents-note-invalid").arg("max", MAX_NOTE),
            ));
        }
        let (label, user) = (actor.label.clone(), actor.user_id);
        self.case_write(actor, id, "incident.note", "note", move |conn, row, _| {
            Box::pin(async move {
                Sql::new("INSERT INTO incident_notes (incident_id, at, author, author_user_id, internal, body) VALUES ($1, $2, $3, $4, $5, $6)")
                    .arg(row.id)
                    .arg(now())
                    .arg(label)
                    .arg(user)
                    .arg(internal)
                    .arg(body.as_str())
                    .execute(&mut *conn)
                    .await?;
                Ok(serde_json::json!({"internal": internal}))
            })
        })
        .await
    }

    /// Adds an observable or indicator of compromise, checked and normalised, with its TLP.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_incident_observable(
        &self,
        actor: &Actor,
        id: i64,
        kind: &str,
        value: &str,
        tlp: &str,
        is_indicator: bool,
        comment: &str,
    ) -> Result<(), StoreError> {
        if !actor.can(Permission::HandleIncidents) {
            actor.require(Permission::DeclareIncidents)?;
        }
        let kind: ObservableKind = kind.parse().map_err(|_| unknown("kind", kind))?;
        let tlp: Tlp = if tlp.trim().is_empty() {
            Tlp::Amber
        } else {
            tlp.parse().map_err(|_| unknown("tlp", tlp))?
        };
        let value = kind.normalize(value).map_err(|e| {
            StoreError::Invalid(
                Problem::new("incidents-observable-invalid")
                    .arg("kind", kind.as_str())
                    .arg("value", value.trim().chars().take(200).collect::<String>())
                    .arg("reason", e.to_string()),
            )
        })?;
        let comment = comment.trim().to_string();
        if comment.chars().count() > 2000 {
            return Err(StoreError::Invalid(
                Problem::new("incidents-field-too-long")
                    .arg("field", "comment")
                    .arg("max", 2000u32),
            ));
        }
        let label = actor.label.clone();
        self.case_write(actor, id, "incident.observable", "observable", move |conn, row, _| {
            Box::pin(async move {
                let dup: Option<(i64,)> = Sql::new("SELECT id FROM incident_observables WHERE incident_id = $1 AND kind = $2 AND value = $3")
                    .arg(row.id)
                    .arg(kind.as_str())
                    .arg(value.as_str())
                    .fetch_optional(&mut *conn)
                    .await?;
                if dup.is_some() {
                    return Err(StoreError::Invalid(Problem::new("incidents-observable-duplicate").arg("value", value.as_str())));
                }
                let uuid = {
                    use rand::RngCore;
                    let mut b = [0u8; 16];
                    rand::thread_rng().fill_bytes(&mut b);
                    vigie_incidents::uuid_from_random(b).to_string()
                };
                Sql::new(
                    "INSERT INTO incident_observables (incident_id, uuid, kind, value, tlp, is_indicator, comment, seen_at, created_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)",
                )
                .arg(row.id)
                .arg(uuid)
                .arg(kind.as_str())
                .arg(value.as_str())
                .arg(tlp.as_str())
                .arg(is_indicator)
                .arg(comment.as_str())
                .arg(label)
                .arg(now())
                .execute(&mut *conn)
                .await?;
                // The timeline says what kind and which TLP, not the value (it may be narrower
                // than the incident's own marking).
                Ok(serde_json::json!({"kind": kind.as_str(), "tlp": tlp.as_str(), "indicator": is_indicator}))
            })
        })
        .await
    }

    /// Names a person on the case (by e-mail): who may read the structure's incidents. Only a
    /// person already named, or an analyst when the incident needs no named access, may do it.
    pub async fn name_on_incident(
        &self,
        actor: &Actor,
        id: i64,
        email: &str,
    ) -> Result<(), StoreError> {
        if !actor.can(Permission::HandleIncidents) {
            actor.require(Permission::DeclareIncidents)?;
        }
        let email = email.trim().to_lowercase();
        let found: Option<(i64,)> =
            Sql::new("SELECT id FROM users WHERE LOWER(email) = $1 AND disabled = 0")
                .arg(email.as_str())
                .fetch_optional(&self.pool)
                .await?;
        let not_found = || {
            StoreError::Invalid(
                Problem::new("incidents-person-invalid").arg("value", email.as_str()),
            )
        };
        let (uid,) = found.ok_or_else(not_found)?;
        let person = self
            .actor_for_user(uid, None)
            .await
            .map_err(|_| not_found())?;
        if !person.can(Permission::ReadIncidents) {
            return Err(not_found());
        }
        let label = actor.label.clone();
        let handler = actor.can(Permission::HandleIncidents);
        self.case_write(
            actor,
            id,
            "incident.name",
            "named",
            move |conn, row, named| {
                Box::pin(async move {
                    let restricted = row
                        .tlp
                        .parse::<Tlp>()
                        .map(Tlp::needs_named_access)
                        .unwrap_or(true);
                    if !named && (restricted || !handler) {
                        return Err(StoreError::Forbidden("name people on this case"));
                    }
                    if Store::incident_structure_check(&mut *conn, &person, row.structure_id)
                        .await
                        .is_err()
                    {
                        return Err(StoreError::Invalid(
                            Problem::new("incidents-person-invalid")
                                .arg("value", person.label.as_str()),
                        ));
                    }
                    name_person(&mut *conn, row.id, uid, "named", &label).await?;
                    Ok(serde_json::json!({"person": person.label}))
                })
            },
        )
        .await
    }

    /// Records that a notification owed (a rule of `vigie_incidents`) was made, at `at` (a form
    /// date in the incident's time zone, or RFC 3339).
    pub async fn record_incident_notification(
        &self,
        actor: &Actor,
        id: i64,
        rule_id: &str,
        at: &str,
    ) -> Result<(), StoreError> {
        if !actor.can(Permission::HandleIncidents) {
            actor.require(Permission::DeclareIncidents)?;
        }
        let rule = Rules::builtin()
            .get(rule_id)
            .ok_or_else(|| unknown("rule", rule_id))?
            .id
            .clone();
        let at = at.to_string();
        self.case_write(actor, id, "incident.notification", "notification", move |conn, row, _| {
            Box::pin(async move {
                let tz = vigie_incidents::clock::parse_tz(&row.time_zone).unwrap_or(vigie_incidents::clock::REFERENCE_TZ);
                let when = match date("notified_at", &at, tz)? {
                    Some(t) => t,
                    None => now(),
                };
                if when > now() + 300 {
                    return Err(StoreError::Invalid(Problem::new("incidents-date-in-future").arg("field", "notified_at")));
                }
                let n = Sql::new("UPDATE incident_clocks SET done_at = $1 WHERE incident_id = $2 AND rule_id = $3")
                    .arg(when)
                    .arg(row.id)
                    .arg(rule.as_str())
                    .execute(&mut *conn)
                    .await?;
                if n == 0 {
                    return Err(StoreError::Invalid(Problem::new("incidents-notification-not-owed").arg("rule", rule.as_str())));
                }
                Ok(serde_json::json!({"rule": rule, "at": when}))
            })
        })
        .await
    }

    /// Sets a structure's designations (NIS 2 class, data controller) and refreshes the clocks
    /// of its incidents.
    pub async fn set_incident_designations(
        &self,
        actor: &Actor,
        structure_id: i64,
        d: &Designations,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteStructures)?;
        let nis2 = match d
            .nis2_entity
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(n) => Some(
                n.parse::<Nis2Entity>()
                    .map_err(|_| unknown("nis2_entity", n))?
                    .as_str(),
            ),
            None => None,
        };
        let mut tx = self.begin_write().await?;
        Self::incident_structure_check(&mut tx, actor, structure_id).await?;
        Sql::new("DELETE FROM incident_designations WHERE structure_id = $1")
            .arg(structure_id)
            .execute(&mut *tx)
            .await?;
        Sql::new("INSERT INTO incident_designations (structure_id, nis2_entity, data_controller, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)")
            .arg(structure_id)
            .arg(nis2)
            .arg(d.data_controller)
            .arg(actor.label.as_str())
            .arg(now())
            .execute(&mut *tx)
            .await?;
        let rows: Vec<IncidentRow> = Sql::new(&format!(
            "SELECT {} FROM incidents i JOIN structures s ON s.id = i.structure_id WHERE i.structure_id = $1",
            crate::incidents::types::INCIDENT_COLUMNS
        ))
        .arg(structure_id)
        .fetch_all(&mut *tx)
        .await?;
        for r in &rows {
            refresh(&mut tx, r).await?;
        }
        record(
            &mut *tx,
            actor,
            Event::new("incident.designations", "structure", structure_id).detail(
                serde_json::json!({"nis2_entity": nis2, "data_controller": d.data_controller}),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn name_person(
    conn: &mut sqlx::AnyConnection,
    incident_id: i64,
    user_id: i64,
    role: &str,
    by: &str,
) -> Result<(), StoreError> {
    let exists: Option<(i64,)> =
        Sql::new("SELECT id FROM incident_people WHERE incident_id = $1 AND user_id = $2")
            .arg(incident_id)
            .arg(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    if exists.is_none() {
        Sql::new("INSERT INTO incident_people (incident_id, user_id, role, added_by, added_at) VALUES ($1, $2, $3, $4, $5)")
            .arg(incident_id)
            .arg(user_id)
            .arg(role)
            .arg(by)
            .arg(now())
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
