//! Reads: one case with what its reader may see, the CERT's and regions' queue, a structure's
//! incidents, and an incident as the exports take it.

use chrono::{DateTime, Utc};
use vigie_domain::role::Permission;
use vigie_incidents::incident::{Incident, Observable, StructureRef};
use vigie_incidents::marking::Pap;
use vigie_incidents::taxonomy::{DataImpact, Severity};

use crate::actor::Actor;
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::incidents::access::{needs_named, push_named_expr, push_visible, NAMED_TLPS};
use crate::incidents::types::{
    AttachmentRow, ClockRow, EventRow, IncidentCase, IncidentFigures, NoteRow, ObservableRow,
    PersonRow, QueuePage, QueueQuery, QueueRow, StructureIncidents, PAGE_SIZE,
};

const QUEUE_COLUMNS: &str = "i.id, i.structure_id, s.name AS structure_name, s.region_code, i.status, i.title, \
     i.incident_type, i.severity, i.major, i.tlp, i.care_impact, i.declared_at, i.detected_at, i.next_deadline, \
     i.assignee_user_id, (SELECT u.display_name FROM users u WHERE u.id = i.assignee_user_id) AS assignee_name, \
     i.created_at";

/// The incidents' per-process caches (see `cache`).
pub(crate) struct IncidentCaches {
    /// Scoped, filtered count of a queue → (number of incidents, registry generation read).
    queue_counts: crate::cache::Cache<(i64, u64)>,
    /// Scoped, filtered page of a queue, before the reader's restrictions → (rows, registry
    /// generation read).
    queue_pages: crate::cache::Cache<(std::sync::Arc<Vec<QueueRow>>, u64)>,
    /// A reader and a page's restricted incidents → those of them the reader is named on.
    named: crate::cache::Cache<std::sync::Arc<std::collections::HashSet<i64>>>,
}

impl Default for IncidentCaches {
    fn default() -> IncidentCaches {
        IncidentCaches {
            queue_counts: crate::cache::Cache::new(crate::cache::Domain::Incidents),
            queue_pages: crate::cache::Cache::new(crate::cache::Domain::Incidents),
            named: crate::cache::Cache::new(crate::cache::Domain::Incidents),
        }
    }
}

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
        let (observables, hidden): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|o| named || !needs_named(&o.tlp));
        let all: Vec<AttachmentRow> = Sql::new(
            "SELECT id, name, media_type, size, sha256, tlp, created_by, created_at \
             FROM incident_attachments WHERE incident_id = $1 ORDER BY id",
        )
        .arg(id)
        .fetch_all(&mut *conn)
        .await?;
        let (attachments, hidden_files): (Vec<_>, Vec<_>) =
            all.into_iter().partition(|a| named || !needs_named(&a.tlp));
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
            attachments,
            hidden_attachments: hidden_files.len() as i64,
        })
    }

    /// The queue of the CERT (national) or of a region (its scope): submitted incidents, overdue
    /// first (the most overdue first), then the newest declarations; 50 a page. A restricted
    /// incident (TLP:RED or AMBER+STRICT) appears to an analyst not named on it without its
    /// title, and not at all to anyone else who is not named.
    ///
    /// Read in at most three short statements that each follow an index and stop after the
    /// page, whatever the number of incidents: the overdue ones in deadline order
    /// (`incidents(next_deadline, id)`), then, when the page goes past them, the others newest
    /// first (`incidents(id)`), then whom of the page's restricted incidents the reader is named
    /// on. The total of a filter is counted once per process and kept while no incident (nor
    /// structure) was written here, at most `cache::TTL` (see `cache`): the scope is in its key.
    pub async fn incident_queue(
        &self,
        actor: &Actor,
        f: &QueueQuery,
    ) -> Result<QueuePage, StoreError> {
        actor.require(Permission::ReadIncidents)?;
        let at = now();
        // `CROSS JOIN`: SQLite then reads the incidents first, along the index that gives the
        // page's order, and looks each one's structure up (a region's structures first would
        // sort all their incidents for one page).
        let mut w = Sql::new(
            " FROM incidents i CROSS JOIN structures s WHERE s.id = i.structure_id AND i.status <> 'draft'",
        );
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
        if let Some(r) = f.region.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
            w.push(" AND s.region_code").push_region_eq(r);
        }
        if f.mine == Some(true) {
            match actor.user_id {
                Some(me) => w.push(" AND i.assignee_user_id = ").bind(me),
                None => w.push(" AND 1 = 0"),
            };
        }
        let overdue_only = f.overdue == Some(true);
        let total = if overdue_only {
            let mut c = w.prefixed("SELECT COUNT(*)");
            c.push(" AND i.next_deadline < ").bind(at);
            c.scalar(&self.pool).await?
        } else {
            let count = w.prefixed("SELECT COUNT(*)");
            let registry = crate::cache::Domain::Registry.generation();
            self.caches
                .get::<IncidentCaches>()
                .queue_counts
                .get_or_load(
                    &count.cache_key(),
                    |v: &(i64, u64)| v.1 == crate::cache::Domain::Registry.generation(),
                    || async { count.scalar(&self.pool).await.map(|n| Some((n, registry))) },
                )
                .await?
                .map(|v| v.0)
                .unwrap_or(0)
        };
        let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let page = f.page.unwrap_or(1).clamp(1, pages);
        let offset = (page - 1) * PAGE_SIZE;
        // The page is kept like its count (a queue that a whole CERT keeps open is read once per
        // change and `cache::TTL`): the key is the scoped, filtered statement and the page, and
        // the reader's restrictions are applied below, at every view. A case passing its
        // deadline moves to the overdue ones at most `cache::TTL` late.
        let mut key = w.prefixed("queue page");
        key.push(&format!(" PAGE {page} OVERDUE {overdue_only}"));
        let registry = crate::cache::Domain::Registry.generation();
        let cached = self
            .caches
            .get::<IncidentCaches>()
            .queue_pages
            .get_or_load(
                &key.cache_key(),
                |v: &(std::sync::Arc<Vec<QueueRow>>, u64)| {
                    v.1 == crate::cache::Domain::Registry.generation()
                },
                || async {
                    let rows = self.queue_rows(&w, at, offset, overdue_only).await?;
                    Ok::<_, StoreError>(Some((std::sync::Arc::new(rows), registry)))
                },
            )
            .await?;
        let mut rows: Vec<QueueRow> = cached.map(|v| v.0.as_ref().clone()).unwrap_or_default();
        // Which of the page's restricted incidents the reader is not named on.
        let restricted: Vec<i64> = rows
            .iter()
            .filter(|r| needs_named(&r.tlp))
            .map(|r| r.id)
            .collect();
        if !restricted.is_empty() {
            // Kept like the page, in the incidents' domain: naming or removing someone on a
            // case here is seen at the next view, from another process within `cache::TTL`.
            let named: std::sync::Arc<std::collections::HashSet<i64>> = match actor.user_id {
                None => std::sync::Arc::new(restricted.iter().copied().collect()),
                Some(me) => {
                    let mut q =
                        Sql::new("SELECT incident_id FROM incident_people WHERE user_id = ");
                    q.bind(me).push(" AND incident_id IN ");
                    q.push_in_list(restricted.iter().copied());
                    self.caches
                        .get::<IncidentCaches>()
                        .named
                        .get_or_load(
                            &q.cache_key(),
                            |_| true,
                            || async {
                                let ids: Vec<(i64,)> = q.fetch_all(&self.pool).await?;
                                Ok::<_, StoreError>(Some(std::sync::Arc::new(
                                    ids.into_iter().map(|r| r.0).collect(),
                                )))
                            },
                        )
                        .await?
                        .unwrap_or_default()
                }
            };
            for r in &mut rows {
                if needs_named(&r.tlp) && !named.contains(&r.id) {
                    r.restricted = 1;
                    r.title.clear();
                    r.assignee_name = None;
                }
            }
        }
        Ok(QueuePage {
            rows,
            total,
            page,
            pages,
        })
    }

    /// The rows of one page of a queue (`w`: its scoped, filtered `FROM … WHERE`): the overdue
    /// ones as far as the page reaches, then the others newest first.
    async fn queue_rows(
        &self,
        w: &Sql,
        at: i64,
        offset: i64,
        overdue_only: bool,
    ) -> Result<Vec<QueueRow>, StoreError> {
        let columns = format!("SELECT {QUEUE_COLUMNS}, CAST(0 AS BIGINT) AS restricted, ");
        // The overdue ones, as far as this page reaches.
        let mut q = w.prefixed("");
        q.push(" AND i.next_deadline < ")
            .bind(at)
            .push(" ORDER BY i.next_deadline, i.id DESC LIMIT ")
            .push(&(offset + PAGE_SIZE).to_string());
        let overdue: Vec<QueueRow> = q
            .prefixed(&format!("{columns}CAST(1 AS BIGINT) AS overdue"))
            .fetch_all(&self.pool)
            .await?;
        let seen = overdue.len() as i64;
        let mut rows: Vec<QueueRow> = overdue
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .collect();
        if !overdue_only && seen < offset + PAGE_SIZE {
            // All the overdue ones were read: the page goes on with the others, newest first.
            let mut q = w.prefixed("");
            q.push(" AND (i.next_deadline IS NULL OR i.next_deadline >= ")
                .bind(at)
                .push(") ORDER BY i.id DESC LIMIT ")
                .push(&(PAGE_SIZE - rows.len() as i64).to_string())
                .push(" OFFSET ")
                .push(&(offset - seen).max(0).to_string());
            let more: Vec<QueueRow> = q
                .prefixed(&format!("{columns}CAST(0 AS BIGINT) AS overdue"))
                .fetch_all(&self.pool)
                .await?;
            rows.extend(more);
        }
        Ok(rows)
    }

    /// The dashboard's incident figures within the actor's scope: open cases, those with an
    /// overdue deadline, those awaiting triage, the major ones. Restricted cases (TLP:RED,
    /// AMBER+STRICT) count for an analyst, and for anyone else only when named on them.
    pub async fn incident_figures(&self, actor: &Actor) -> Result<IncidentFigures, StoreError> {
        actor.require(Permission::ReadIncidents)?;
        let at = now();
        let mut q = Sql::new(
            "SELECT CAST(COUNT(*) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN i.next_deadline < $1 THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN i.status = 'submitted' THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(i.major), 0) AS BIGINT) \
             FROM incidents i CROSS JOIN structures s WHERE s.id = i.structure_id \
             AND i.status IN ('submitted', 'triaged', 'in_progress', 'contained')",
        )
        .arg(at);
        push_visible(&mut q, actor);
        if !actor.can(Permission::HandleIncidents) {
            q.push(" AND (i.tlp NOT IN ").push(NAMED_TLPS).push(" OR ");
            push_named_expr(&mut q, actor);
            q.push(" = 1)");
        }
        let (open, overdue, untriaged, major): (i64, i64, i64, i64) =
            q.fetch_one(&self.pool).await?;
        Ok(IncidentFigures {
            open,
            overdue,
            untriaged,
            major,
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
