//! Declaration: a structure (or its GHT officer, its region, the CERT on its behalf) saves a
//! draft, completes it, and submits it; every field is checked and a mistake names its field.

use chrono::{DateTime, Utc};
use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;
use vigie_incidents::clock::{parse_tz, parse_wall_time, Tz, WallTimeError};
use vigie_incidents::incident::{check_dates, DateProblem};
use vigie_incidents::marking::{Pap, Tlp};
use vigie_incidents::taxonomy::{
    CareImpact, IncidentState, IncidentType, OperationsImpact, Origin,
};

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::incidents::clocks::refresh;
use crate::incidents::timeline::add_event;
use crate::incidents::types::Declaration;

/// A declaration once checked: values ready to store.
pub(crate) struct Checked {
    title: String,
    description: String,
    declarant_name: String,
    declarant_email: String,
    declarant_phone: String,
    occurred_at: Option<i64>,
    detected_at: i64,
    time_zone: String,
    state: IncidentState,
    systems: String,
    sites: String,
    provider: String,
    origin: Origin,
    incident_type: IncidentType,
    care_impact: CareImpact,
    operations_impact: OperationsImpact,
    cnil_notified_at: Option<i64>,
    anssi_notified_at: Option<i64>,
    tlp: Tlp,
    pap: Pap,
}

fn field_problem(key: &'static str, field: &'static str) -> Problem {
    Problem::new(key).arg("field", field)
}

fn text(field: &'static str, v: &str, max: usize, required: bool) -> Result<String, StoreError> {
    let t = v.trim();
    if required && t.is_empty() {
        return Err(StoreError::Invalid(field_problem(
            "incidents-field-required",
            field,
        )));
    }
    if t.chars().count() > max {
        return Err(StoreError::Invalid(
            field_problem("incidents-field-too-long", field).arg("max", max),
        ));
    }
    Ok(t.to_string())
}

fn choice<T: std::str::FromStr>(field: &'static str, v: &str, default: T) -> Result<T, StoreError> {
    if v.trim().is_empty() {
        return Ok(default);
    }
    v.parse().map_err(|_| {
        StoreError::Invalid(field_problem("incidents-value-unknown", field).arg("value", v.trim()))
    })
}

/// A date of the form: RFC 3339 with its offset, or a wall-clock time in `tz`.
pub(crate) fn date(field: &'static str, v: &str, tz: Tz) -> Result<Option<i64>, StoreError> {
    let t = v.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
        return Ok(Some(d.timestamp()));
    }
    match parse_wall_time(t, tz) {
        Ok(d) => Ok(Some(d.timestamp())),
        Err(WallTimeError::Nonexistent(_)) => Err(StoreError::Invalid(
            field_problem("incidents-date-nonexistent", field)
                .arg("value", t)
                .arg("zone", tz.name()),
        )),
        Err(WallTimeError::Unreadable(_)) => Err(StoreError::Invalid(
            field_problem("incidents-date-unreadable", field).arg("value", t),
        )),
    }
}

impl Checked {
    pub(crate) fn from(d: &Declaration, at: i64) -> Result<Checked, StoreError> {
        let title = text("title", &d.title, 200, true)?;
        let description = text("description", &d.description, 20_000, false)?;
        let declarant_name = text("declarant_name", &d.declarant_name, 200, false)?;
        let declarant_email = text("declarant_email", &d.declarant_email, 200, false)?;
        if !declarant_email.is_empty()
            && (!declarant_email.contains('@') || declarant_email.contains(char::is_whitespace))
        {
            return Err(StoreError::Invalid(
                field_problem("incidents-email-invalid", "declarant_email")
                    .arg("value", declarant_email.as_str()),
            ));
        }
        let declarant_phone = text("declarant_phone", &d.declarant_phone, 50, false)?;
        let zone = if d.time_zone.trim().is_empty() {
            "Europe/Paris"
        } else {
            d.time_zone.trim()
        };
        let tz = parse_tz(zone).ok_or_else(|| {
            StoreError::Invalid(
                field_problem("incidents-time-zone-unknown", "time_zone").arg("value", zone),
            )
        })?;
        let occurred_at = date("occurred_at", &d.occurred_at, tz)?;
        let detected_at = date("detected_at", &d.detected_at, tz)?.ok_or_else(|| {
            StoreError::Invalid(field_problem("incidents-field-required", "detected_at"))
        })?;
        let inst = |t: i64| DateTime::<Utc>::from_timestamp(t, 0).unwrap_or_default();
        check_dates(occurred_at.map(inst), inst(detected_at), inst(at)).map_err(|p| {
            StoreError::Invalid(match p {
                DateProblem::DetectedBeforeOccurred => {
                    field_problem("incidents-detected-before-occurred", "detected_at")
                }
                DateProblem::OccurredInFuture => {
                    field_problem("incidents-date-in-future", "occurred_at")
                }
                DateProblem::DetectedInFuture => {
                    field_problem("incidents-date-in-future", "detected_at")
                }
            })
        })?;
        let cnil_notified_at = date("cnil_notified_at", &d.cnil_notified_at, tz)?;
        let anssi_notified_at = date("anssi_notified_at", &d.anssi_notified_at, tz)?;
        for (field, t) in [
            ("cnil_notified_at", cnil_notified_at),
            ("anssi_notified_at", anssi_notified_at),
        ] {
            if t.is_some_and(|t| t > at + 300) {
                return Err(StoreError::Invalid(field_problem(
                    "incidents-date-in-future",
                    field,
                )));
            }
        }
        let origin = choice("origin", &d.origin, Origin::Undetermined)?;
        let incident_type = choice(
            "incident_type",
            &d.incident_type,
            IncidentType::Undetermined,
        )?;
        if !incident_type.fits(origin) {
            return Err(StoreError::Invalid(
                field_problem("incidents-type-origin-mismatch", "incident_type")
                    .arg("type", incident_type.as_str())
                    .arg("origin", origin.as_str()),
            ));
        }
        Ok(Checked {
            title,
            description,
            declarant_name,
            declarant_email,
            declarant_phone,
            occurred_at,
            detected_at,
            time_zone: zone.to_string(),
            state: choice("state", &d.state, IncidentState::Ongoing)?,
            systems: text("systems", &d.systems, 4000, false)?,
            sites: text("sites", &d.sites, 2000, false)?,
            provider: text("provider", &d.provider, 200, false)?,
            origin,
            incident_type,
            care_impact: choice("care_impact", &d.care_impact, CareImpact::None)?,
            operations_impact: choice(
                "operations_impact",
                &d.operations_impact,
                OperationsImpact::None,
            )?,
            cnil_notified_at,
            anssi_notified_at,
            tlp: choice("tlp", &d.tlp, Tlp::Amber)?,
            pap: choice("pap", &d.pap, Pap::Amber)?,
        })
    }
}

/// Binds the declared facts in the order of [`FACT_COLUMNS`].
fn bind_facts(q: &mut Sql, c: &Checked, d: &Declaration) {
    q.bind(c.title.as_str())
        .push(", ")
        .bind(c.description.as_str())
        .push(", ")
        .bind(c.declarant_name.as_str())
        .push(", ")
        .bind(c.declarant_email.as_str())
        .push(", ")
        .bind(c.declarant_phone.as_str())
        .push(", ")
        .bind(c.occurred_at)
        .push(", ")
        .bind(c.detected_at)
        .push(", ")
        .bind(c.time_zone.as_str())
        .push(", ")
        .bind(c.state.as_str())
        .push(", ")
        .bind(c.systems.as_str())
        .push(", ")
        .bind(c.sites.as_str())
        .push(", ")
        .bind(c.provider.as_str())
        .push(", ")
        .bind(c.origin.as_str())
        .push(", ")
        .bind(c.incident_type.as_str())
        .push(", ")
        .bind(c.care_impact.as_str())
        .push(", ")
        .bind(d.data_availability)
        .push(", ")
        .bind(d.data_integrity)
        .push(", ")
        .bind(d.data_confidentiality)
        .push(", ")
        .bind(c.operations_impact.as_str())
        .push(", ")
        .bind(d.significant)
        .push(", ")
        .bind(d.personal_data)
        .push(", ")
        .bind(d.support_requested)
        .push(", ")
        .bind(c.cnil_notified_at)
        .push(", ")
        .bind(c.anssi_notified_at)
        .push(", ")
        .bind(d.complaint_filed)
        .push(", ")
        .bind(c.tlp.as_str())
        .push(", ")
        .bind(c.pap.as_str());
}

const FACT_COLUMNS: [&str; 27] = [
    "title",
    "description",
    "declarant_name",
    "declarant_email",
    "declarant_phone",
    "occurred_at",
    "detected_at",
    "time_zone",
    "state",
    "systems",
    "sites",
    "provider",
    "origin",
    "incident_type",
    "care_impact",
    "data_availability",
    "data_integrity",
    "data_confidentiality",
    "operations_impact",
    "significant",
    "personal_data",
    "support_requested",
    "cnil_notified_at",
    "anssi_notified_at",
    "complaint_filed",
    "tlp",
    "pap",
];

impl Store {
    /// Checks that the finding and the alert an incident starts from are the structure's own.
    async fn check_sources(
        conn: &mut sqlx::AnyConnection,
        structure_id: i64,
        d: &Declaration,
    ) -> Result<(), StoreError> {
        for (field, table, id) in [
            ("source_finding_id", "scan_findings", d.source_finding_id),
            ("source_alert_id", "watch_alerts", d.source_alert_id),
        ] {
            if let Some(id) = id {
                let found: Option<(i64,)> = Sql::new(&format!(
                    "SELECT id FROM {table} WHERE id = $1 AND structure_id = $2"
                ))
                .arg(id)
                .arg(structure_id)
                .fetch_optional(&mut *conn)
                .await?;
                if found.is_none() {
                    return Err(StoreError::Invalid(
                        field_problem("incidents-source-unknown", field).arg("id", id),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Saves a new declaration of structure `structure_id` as a draft; returns its id. The
    /// author is named on the case. Nothing is stored when a field is wrong.
    pub async fn create_incident(
        &self,
        actor: &Actor,
        structure_id: i64,
        d: &Declaration,
    ) -> Result<i64, StoreError> {
        actor.require(Permission::DeclareIncidents)?;
        let at = now();
        let c = Checked::from(d, at)?;
        let mut tx = self.begin_write().await?;
        Self::incident_structure_check(&mut tx, actor, structure_id).await?;
        Self::check_sources(&mut tx, structure_id, d).await?;
        let uuid = {
            use rand::RngCore;
            let mut b = [0u8; 16];
            rand::thread_rng().fill_bytes(&mut b);
            vigie_incidents::uuid_from_random(b).to_string()
        };
        let mut q = Sql::new(&format!(
            "INSERT INTO incidents (uuid, structure_id, status, declarant_user_id, created_by_user_id, \
             source_finding_id, source_alert_id, created_at, updated_at, {}) VALUES (",
            FACT_COLUMNS.join(", ")
        ));
        q.bind(uuid.as_str())
            .push(", ")
            .bind(structure_id)
            .push(", 'draft', ")
            .bind(actor.user_id)
            .push(", ")
            .bind(actor.user_id)
            .push(", ")
            .bind(d.source_finding_id)
            .push(", ")
            .bind(d.source_alert_id)
            .push(", ")
            .bind(at)
            .push(", ")
            .bind(at)
            .push(", ");
        bind_facts(&mut q, &c, d);
        q.push(") RETURNING id");
        let id = q.scalar(&mut *tx).await?;
        if let Some(me) = actor.user_id {
            Sql::new(
                "INSERT INTO incident_people (incident_id, user_id, role, added_by, added_at) VALUES ($1, $2, 'declarant', $3, $4)",
            )
            .arg(id)
            .arg(me)
            .arg(actor.label.as_str())
            .arg(at)
            .execute(&mut *tx)
            .await?;
        }
        add_event(&mut tx, actor, id, "created", serde_json::json!({})).await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        refresh(&mut tx, &row).await?;
        record(
            &mut *tx,
            actor,
            Event::new("incident.create", "incident", id).detail(serde_json::json!({
                "structure_id": structure_id,
                "title": c.title,
                "tlp": c.tlp.as_str(),
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Completes a draft (every field again, as on creation).
    pub async fn update_incident_draft(
        &self,
        actor: &Actor,
        id: i64,
        d: &Declaration,
    ) -> Result<(), StoreError> {
        actor.require(Permission::DeclareIncidents)?;
        let at = now();
        let c = Checked::from(d, at)?;
        let mut tx = self.begin_write().await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        if row.status != "draft" {
            return Err(StoreError::Invalid(
                Problem::new("incidents-not-draft").arg("status", row.status.as_str()),
            ));
        }
        Self::check_sources(&mut tx, row.structure_id, d).await?;
        let mut q = Sql::new("UPDATE incidents SET (");
        q.push(&FACT_COLUMNS.join(", "))
            .push(", source_finding_id, source_alert_id, updated_at) = (");
        bind_facts(&mut q, &c, d);
        q.push(", ")
            .bind(d.source_finding_id)
            .push(", ")
            .bind(d.source_alert_id)
            .push(", ")
            .bind(at)
            .push(") WHERE id = ")
            .bind(id);
        q.execute(&mut *tx).await?;
        add_event(&mut tx, actor, id, "updated", serde_json::json!({})).await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        refresh(&mut tx, &row).await?;
        record(
            &mut *tx,
            actor,
            Event::new("incident.update", "incident", id)
                .detail(serde_json::json!({ "structure_id": row.structure_id })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Submits a draft: the declaration is made (the CERT and the region see it from now on,
    /// and the health-code declaration's clock is met).
    pub async fn submit_incident(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        actor.require(Permission::DeclareIncidents)?;
        let at = now();
        let mut tx = self.begin_write().await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        if row.status != "draft" {
            return Err(StoreError::Invalid(
                Problem::new("incidents-not-draft").arg("status", row.status.as_str()),
            ));
        }
        Sql::new(
            "UPDATE incidents SET status = 'submitted', declared_at = $1, updated_at = $1 WHERE id = $2",
        )
        .arg(at)
        .arg(id)
        .execute(&mut *tx)
        .await?;
        add_event(&mut tx, actor, id, "submitted", serde_json::json!({})).await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        refresh(&mut tx, &row).await?;
        record(
            &mut *tx,
            actor,
            Event::new("incident.submit", "incident", id)
                .detail(serde_json::json!({ "structure_id": row.structure_id })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
