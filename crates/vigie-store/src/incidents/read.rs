//! Reads: one case with what its reader may see, the CERT's and regions' queue, a structure's
//! incidents, and an incident as the exports take it.

use chrono::{DateTime, Utc};
use vigie_domain::role::Permission;
use vigie_incidents::incident::{Incident, Observable, StructureRef};
use vigie_incidents::marking::{Pap, Tlp};
use vigie_incidents::taxonomy::{DataImpact, Severity};

use crate::actor::Actor;
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::incidents::access::{push_named_expr, push_visible, NAMED_TLPS};
use crate::incidents::types::{
    ClockRow, EventRow, IncidentCase, NoteRow, ObservableRow, PersonRow, QueuePage, QueueQuery,
    QueueRow, StructureIncidents, PAGE_SIZE,
};

const QUEUE_COLUMNS: &str = "i.id, i.structure_id, s.name AS structure_name, s.region_code, i.status, i.title, \
     i.incident_type, i.severity, i.major, i.tlp, i.care_impact, i.declared_at, i.detected_at, i.next_deadline, \
     i.assignee_user_id, i.created_at";

impl Store {
    /// Incident `id` with its clocks, timeline, notes (internal ones for analysts only),
    /// observables (those whose TLP needs named access only for named people) and people.
    pub async fn get_incident_case(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<IncidentCase, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let (incident, named) = Self::visible_incident(&mut conn, actor, id).await?;
        let clocks: Vec<ClockRow> = Sql::new(
            "SELECT rule_id, authority, legal_reference, starts_at, deadline, without_delay, provisional, done_at \
             FROM incident_clocks WHERE incident_id = $1 ORDER BY id",
        )
        .arg(id)
        .fetch_all(&mut *conn)
        .await?;
        let events: Vec<EventRow> = Sql::new(
            "SELECT id, at, actor, kind, detail FROM incident_events WHERE incident_id = $1 ORDER BY id",
        )
        .arg(id)
        .fetch_all(&mut *conn)
        .await?;
        let mut nq = Sql::new(
            "SELECT id, at, author, internal, body FROM incident_notes WHERE incident_id = ",
        );
        nq.bind(id);
        if !actor.can(Permission::HandleIncidents) {
            nq.push(" AND internal = 0");
        }
        nq.push(" ORDER BY id");
        let notes: Vec<NoteRow> = nq.fetch_all(&mut *conn).await?;
        let all: Vec<ObservableRow> = Sql::new(
            "SELECT id, uuid, kind, value, tlp, is_indicator, comment, seen_at, created_by, created_at \
             FROM incident_observables WHERE incident_id = $1 ORDER BY id",
        )
        .arg(id)
        .fetch_all(&mut *conn)
        .await?;
        let (observables, hidden): (Vec<_>, Vec<_>) = all.into_iter().partition(|o| {
            named
                || !o
                    .tlp
                    .parse::<Tlp>()
                    .map(Tlp::needs_named_access)
                    .unwrap_or(true)
        });
        let people: Vec<PersonRow> = Sql::new(
            "SELECT p.user_id, u.display_name, u.email, p.role, p.added_at FROM incident_people p \
             JOIN users u ON u.id = p.user_id WHERE p.incident_id = $1 ORDER BY p.id",
        )
        .arg(id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(IncidentCase {
            reference: incident.reference(),
            incident,
            clocks,
            events,
            notes,
            observables,
            people,
            named,
            hidden_observables: hidden.len() as i64,
        })
    }

    /// The queue of the CERT (national) or of a region (its scope): submitted incidents, overdue
    /// first (the most overdue first), then the newest declarations; 50 a page. A restricted
    /// incident (TLP:RED or AMBER+STRICT) appears to an analyst not named on it without its
    /// title, and not at all to anyone else who is not named.
    pub async fn incident_queue(
        &self,
        actor: &Actor,
        f: &QueueQuery,
    ) -> Result<QueuePage, StoreError> {
        actor.require(Permission::ReadIncidents)?;
        let at = now();
        let mut w = Sql::new(" FROM incidents i JOIN structures s ON s.id = i.structure_id WHERE i.status <> 'draft'");
        push_visible(&mut w, actor);
        if !actor.can(Permission::HandleIncidents) {
            w.push(" AND (i.tlp NOT IN ").push(NAMED_TLPS).push(" OR ");
            push_named_expr(&mut w, actor);
            w.push(" = 1)");
        }
        match f.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                w.push(" AND i.status <> 'closed'");
            }
            Some("all") => {}
            Some(s) => {
                let st: vigie_incidents::taxonomy::CaseStatus = s.parse().map_err(|_| {
                    StoreError::Invalid(
                        vigie_domain::problem::Problem::new("incidents-value-unknown")
                            .arg("field", "status")
                            .arg("value", s),
                    )
                })?;
                w.push(" AND i.status = ").bind(st.as_str());
            }
        }
        if let Some(s) = f
            .severity
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let sev: Severity = s.parse().map_err(|_| {
                StoreError::Invalid(
                    vigie_domain::problem::Problem::new("incidents-value-unknown")
                        .arg("field", "severity")
                        .arg("value", s),
                )
            })?;
            w.push(" AND i.severity_rank = ").bind(sev as i64 + 1);
        }
        if f.overdue == Some(true) {
            w.push(" AND i.next_deadline < ").bind(at);
        }
        if let Some(r) = f.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            w.push(" AND s.region_code").push_region_eq(r);
        }
        let total = w.prefixed("SELECT COUNT(*)").scalar(&self.pool).await?;
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let page = f.page.unwrap_or(1).clamp(1, pages);
        let mut q = Sql::new(&format!("SELECT {QUEUE_COLUMNS}, "));
        q.push("CAST(CASE WHEN i.tlp IN ")
            .push(NAMED_TLPS)
            .push(" AND ");
        push_named_expr(&mut q, actor);
        q.push(
            " = 0 THEN 1 ELSE 0 END AS BIGINT) AS restricted, CAST(CASE WHEN i.next_deadline < ",
        )
        .bind(at)
        .push(" THEN 1 ELSE 0 END AS BIGINT) AS overdue");
        q.push_sql(&w);
        q.push(" ORDER BY CASE WHEN i.next_deadline < ")
            .bind(at)
            .push(" THEN 0 ELSE 1 END, CASE WHEN i.next_deadline < ")
            .bind(at)
            .push(" THEN i.next_deadline ELSE 0 END, i.id DESC LIMIT ")
            .push(&PAGE_SIZE.to_string())
            .push(" OFFSET ")
            .push(&((page - 1) * PAGE_SIZE).to_string());
        let mut rows: Vec<QueueRow> = q.fetch_all(&self.pool).await?;
        for r in &mut rows {
            if r.restricted == 1 {
                r.title.clear();
            }
        }
        Ok(QueuePage {
            rows,
            total,
            page,
            pages,
        })
    }

    /// A structure's incidents (its page's section): the open ones first, at most 20, with the
    /// counts of open and overdue ones.
    pub async fn structure_incidents(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<StructureIncidents, StoreError> {
        actor.require(Permission::ReadIncidents)?;
        let at = now();
        let mut conn = self.pool.acquire().await?;
        Self::incident_structure_check(&mut conn, actor, structure_id).await?;
        let mut w = Sql::new(
            " FROM incidents i JOIN structures s ON s.id = i.structure_id WHERE i.structure_id = ",
        );
        w.bind(structure_id);
        push_visible(&mut w, actor);
        w.push(" AND (i.tlp NOT IN ").push(NAMED_TLPS).push(" OR ");
        push_named_expr(&mut w, actor);
        w.push(" = 1)");
        let mut counts = Sql::new("SELECT CAST(COALESCE(SUM(CASE WHEN i.status <> 'closed' THEN 1 ELSE 0 END), 0) AS BIGINT), CAST(COALESCE(SUM(CASE WHEN i.next_deadline < ");
        counts.bind(at).push(" THEN 1 ELSE 0 END), 0) AS BIGINT)");
        counts.push_sql(&w);
        let (open, overdue): (i64, i64) = counts.fetch_one(&mut *conn).await?;
        let mut q = Sql::new(&format!("SELECT {QUEUE_COLUMNS}, CAST(0 AS BIGINT) AS restricted, CAST(CASE WHEN i.next_deadline < "));
        q.bind(at).push(" THEN 1 ELSE 0 END AS BIGINT) AS overdue");
        q.push_sql(&w);
        q.push(" ORDER BY CASE WHEN i.status = 'closed' THEN 1 ELSE 0 END, i.id DESC LIMIT 20");
        let rows: Vec<QueueRow> = q.fetch_all(&mut *conn).await?;
        Ok(StructureIncidents {
            rows,
            open,
            overdue,
        })
    }

    /// Incident `id` as the MISP and STIX exports take it, with only what the reader may see.
    pub async fn incident_for_export(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Incident, StoreError> {
        let case = self.get_incident_case(actor, id).await?;
        let i = &case.incident;
        let t = |s: i64| DateTime::<Utc>::from_timestamp(s, 0).unwrap_or_default();
        let bad = |what: &str, v: &str| {
            StoreError::Internal(format!("incident {id}: stored {what} {v:?} unreadable"))
        };
        let parse_uuid = |s: &str| vigie_incidents::Uuid::parse_str(s).map_err(|_| bad("uuid", s));
        let mut data_impacts = Vec::new();
        for (flag, d) in [
            (i.data_availability, DataImpact::Availability),
            (i.data_integrity, DataImpact::Integrity),
            (i.data_confidentiality, DataImpact::Confidentiality),
        ] {
            if flag == 1 {
                data_impacts.push(d);
            }
        }
        let mut observables = Vec::new();
        for o in &case.observables {
            observables.push(Observable {
                uuid: parse_uuid(&o.uuid)?,
                kind: o
                    .kind
                    .parse()
                    .map_err(|_| bad("observable kind", &o.kind))?,
                value: o.value.clone(),
                tlp: o.tlp.parse().map_err(|_| bad("tlp", &o.tlp))?,
                is_indicator: o.is_indicator == 1,
                comment: o.comment.clone(),
                seen_at: o.seen_at.map(t),
            });
        }
        Ok(Incident {
            uuid: parse_uuid(&i.uuid)?,
            reference: case.reference.clone(),
            title: i.title.clone(),
            description: i.description.clone(),
            structure: StructureRef {
                finess: i.structure_finess.clone(),
                name: i.structure_name.clone(),
            },
            occurred_at: i.occurred_at.map(t),
            detected_at: t(i.detected_at),
            declared_at: i.declared_at.map(t),
            created_at: t(i.created_at),
            updated_at: t(i.updated_at),
            state: i.state.parse().map_err(|_| bad("state", &i.state))?,
            status: i.status.parse().map_err(|_| bad("status", &i.status))?,
            origin: i.origin.parse().map_err(|_| bad("origin", &i.origin))?,
            incident_type: i
                .incident_type
                .parse()
                .map_err(|_| bad("type", &i.incident_type))?,
            care_impact: i
                .care_impact
                .parse()
                .map_err(|_| bad("care impact", &i.care_impact))?,
            data_impacts,
            operations_impact: i
                .operations_impact
                .parse()
                .map_err(|_| bad("operations impact", &i.operations_impact))?,
            significant: i.significant == 1,
            personal_data: i.personal_data == 1,
            support_requested: i.support_requested == 1,
            systems: i.systems.clone(),
            sites: i.sites.clone(),
            provider: Some(i.provider.clone()).filter(|p| !p.is_empty()),
            severity: i.severity.as_deref().and_then(|s| s.parse().ok()),
            major: i.major == 1,
            tlp: i.tlp.parse().map_err(|_| bad("tlp", &i.tlp))?,
            pap: i.pap.parse::<Pap>().map_err(|_| bad("pap", &i.pap))?,
            observables,
        })
    }
}
