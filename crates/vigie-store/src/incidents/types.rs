//! The incidents' data: the stored incident, its clocks, timeline, notes, observables, the
//! queue's rows, and what a declaration gives.

use serde::{Deserialize, Serialize};

/// Incidents shown per page of a queue.
pub const PAGE_SIZE: i64 = 50;

/// One incident as stored. Text fields are the machine names of `vigie_incidents`' enums.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct IncidentRow {
    pub id: i64,
    pub uuid: String,
    pub structure_id: i64,
    /// `draft`, `submitted`, `triaged`, `in_progress`, `contained`, `closed`.
    pub status: String,
    pub title: String,
    pub description: String,
    pub declarant_user_id: Option<i64>,
    pub declarant_name: String,
    pub declarant_email: String,
    pub declarant_phone: String,
    pub occurred_at: Option<i64>,
    pub detected_at: i64,
    pub declared_at: Option<i64>,
    pub time_zone: String,
    /// `ongoing`, `contained`, `closed`.
    pub state: String,
    pub systems: String,
    pub sites: String,
    pub provider: String,
    pub origin: String,
    pub incident_type: String,
    pub care_impact: String,
    pub data_availability: i64,
    pub data_integrity: i64,
    pub data_confidentiality: i64,
    pub operations_impact: String,
    pub significant: i64,
    pub personal_data: i64,
    pub support_requested: i64,
    /// The CERT (or the regional centre) gave the structure technical support, and when.
    pub support_given: i64,
    pub support_given_at: Option<i64>,
    pub cnil_notified_at: Option<i64>,
    pub anssi_notified_at: Option<i64>,
    pub complaint_filed: i64,
    pub tlp: String,
    pub pap: String,
    pub severity: Option<String>,
    pub major: i64,
    pub assignee_user_id: Option<i64>,
    pub source_finding_id: Option<i64>,
    pub source_alert_id: Option<i64>,
    pub next_deadline: Option<i64>,
    pub triaged_at: Option<i64>,
    pub contained_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// The structure's name and FINESS number (joined).
    pub structure_name: String,
    pub structure_finess: String,
    pub region_code: String,
}

impl IncidentRow {
    /// The human reference: `INC-<year of creation>-<id>`.
    pub fn reference(&self) -> String {
        reference(self.id, self.created_at)
    }
}

/// The human reference of incident `id` created at `created_at`.
pub fn reference(id: i64, created_at: i64) -> String {
    let year = chrono::DateTime::from_timestamp(created_at, 0)
        .map(|d| d.format("%Y").to_string())
        .unwrap_or_else(|| "0000".into());
    format!("INC-{year}-{id:06}")
}

pub(crate) const INCIDENT_COLUMNS: &str = "i.id, i.uuid, i.structure_id, i.status, i.title, i.description, \
     i.declarant_user_id, i.declarant_name, i.declarant_email, i.declarant_phone, i.occurred_at, i.detected_at, \
     i.declared_at, i.time_zone, i.state, i.systems, i.sites, i.provider, i.origin, i.incident_type, i.care_impact, \
     i.data_availability, i.data_integrity, i.data_confidentiality, i.operations_impact, i.significant, \
     i.personal_data, i.support_requested, i.support_given, i.support_given_at, i.cnil_notified_at, i.anssi_notified_at, i.complaint_filed, i.tlp, i.pap, \
     i.severity, i.major, i.assignee_user_id, i.source_finding_id, i.source_alert_id, i.next_deadline, i.triaged_at, \
     i.contained_at, i.closed_at, i.created_at, i.updated_at, s.name AS structure_name, \
     s.finess_et AS structure_finess, s.region_code";

/// One notification the incident owes.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ClockRow {
    pub rule_id: String,
    /// `cert_sante`, `anssi`, `cnil`.
    pub authority: String,
    pub legal_reference: String,
    pub starts_at: i64,
    pub deadline: i64,
    pub without_delay: i64,
    pub provisional: i64,
    pub done_at: Option<i64>,
}

impl ClockRow {
    /// `done`, `late`, `due` or `overdue` at `now` (unix seconds), as `vigie_incidents` says.
    pub fn status_at(&self, now: i64) -> &'static str {
        match self.done_at {
            Some(d) if self.without_delay == 0 && d > self.deadline => "late",
            Some(_) => "done",
            None if self.without_delay == 0 && now > self.deadline => "overdue",
            None => "due",
        }
    }
}

/// One entry of the timeline.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct EventRow {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    /// `created`, `updated`, `submitted`, `status`, `triaged`, `assigned`, `named`, `note`,
    /// `observable`, `notification`.
    pub kind: String,
    /// JSON.
    pub detail: String,
}

/// A note: the conversation with the structure, or an analysts' internal note.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct NoteRow {
    pub id: i64,
    pub at: i64,
    pub author: String,
    pub internal: i64,
    pub body: String,
}

/// An observable or indicator of compromise.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ObservableRow {
    pub id: i64,
    pub uuid: String,
    pub kind: String,
    pub value: String,
    pub tlp: String,
    pub is_indicator: i64,
    pub comment: String,
    pub seen_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
}

/// Someone an incident can be assigned to.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Assignee {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    /// The account's role (`cert_analyst`, `regional_analyst`…).
    pub role: String,
}

/// A person named on the case.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct PersonRow {
    pub user_id: i64,
    pub display_name: String,
    pub email: String,
    /// `declarant`, `assignee`, `named`.
    pub role: String,
    pub added_at: i64,
}

/// An incident with everything its reader may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IncidentCase {
    pub incident: IncidentRow,
    pub reference: String,
    pub clocks: Vec<ClockRow>,
    pub events: Vec<EventRow>,
    pub notes: Vec<NoteRow>,
    pub observables: Vec<ObservableRow>,
    pub people: Vec<PersonRow>,
    /// The reader is named on the case.
    pub named: bool,
    /// Observables the reader may not see (their TLP needs named access).
    pub hidden_observables: i64,
    /// Files attached to the case that the reader may see (never their content).
    pub attachments: Vec<AttachmentRow>,
    /// Attachments the reader may not see (their TLP needs named access).
    pub hidden_attachments: i64,
}

/// The dashboard's incident figures (see `Store::incident_figures`).
#[derive(Debug, Clone, Copy, Default, Serialize, utoipa::ToSchema)]
pub struct IncidentFigures {
    pub open: i64,
    pub overdue: i64,
    pub untriaged: i64,
    pub major: i64,
}

/// A file attached to a case, without its content.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct AttachmentRow {
    pub id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i64,
    /// SHA-256 of the content, hexadecimal.
    pub sha256: String,
    pub tlp: String,
    pub created_by: String,
    pub created_at: i64,
}

/// One row of a queue. A restricted incident (TLP:RED or AMBER+STRICT, reader not named) shows
/// no title.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct QueueRow {
    pub id: i64,
    pub structure_id: i64,
    pub structure_name: String,
    pub region_code: String,
    pub status: String,
    pub title: String,
    pub incident_type: String,
    pub severity: Option<String>,
    pub major: i64,
    pub tlp: String,
    pub care_impact: String,
    pub declared_at: Option<i64>,
    pub detected_at: i64,
    pub next_deadline: Option<i64>,
    pub assignee_user_id: Option<i64>,
    /// The name of the person the case is assigned to (hidden with the title of a restricted
    /// case the reader is not named on).
    pub assignee_name: Option<String>,
    pub created_at: i64,
    pub restricted: i64,
    /// Its earliest open deadline has passed.
    pub overdue: i64,
}

impl QueueRow {
    pub fn reference(&self) -> String {
        reference(self.id, self.created_at)
    }
}

/// A queue's filters and page.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueQuery {
    /// One status (`submitted`, `triaged`…); empty: every status but drafts and closed ones
    /// (`all` for every status but drafts).
    #[serde(default)]
    pub status: Option<String>,
    /// One severity (`low` … `critical`).
    #[serde(default)]
    pub severity: Option<String>,
    /// Only incidents with a deadline passed.
    #[serde(default)]
    pub overdue: Option<bool>,
    /// Narrow to one region (INSEE code), within the reader's scope.
    #[serde(default)]
    pub region: Option<String>,
    /// Only the cases assigned to the reader.
    #[serde(default)]
    pub mine: Option<bool>,
    /// 1-based page of 50.
    #[serde(default)]
    pub page: Option<i64>,
}

/// A page of a queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueuePage {
    pub rows: Vec<QueueRow>,
    pub total: i64,
    pub page: i64,
    pub pages: i64,
}

/// What a declaration gives (the form's fields and the API's body): texts as typed, checked by
/// the store, which says which field is wrong and why.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Declaration {
    pub title: String,
    pub description: String,
    pub declarant_name: String,
    pub declarant_email: String,
    pub declarant_phone: String,
    /// `YYYY-MM-DDTHH:MM` in `time_zone`, or RFC 3339 with its offset; empty if unknown.
    pub occurred_at: String,
    /// Same forms; required.
    pub detected_at: String,
    /// An IANA zone (`Europe/Paris`, `America/Cayenne`…); empty: Europe/Paris.
    pub time_zone: String,
    /// `ongoing`, `contained`, `closed`.
    pub state: String,
    pub systems: String,
    pub sites: String,
    /// The provider involved, if any.
    pub provider: String,
    /// `malicious`, `non_malicious`, `undetermined`.
    pub origin: String,
    /// One of `vigie_incidents::taxonomy::IncidentType`'s names.
    pub incident_type: String,
    /// `none`, `degraded_mode`, `interruption`, `potential_endangerment`, `proven_endangerment`.
    pub care_impact: String,
    pub data_availability: bool,
    pub data_integrity: bool,
    pub data_confidentiality: bool,
    /// `none`, `minor`, `major`, `stopped`.
    pub operations_impact: String,
    pub significant: bool,
    pub personal_data: bool,
    pub support_requested: bool,
    /// When the CNIL was notified, if it was (same forms as the dates).
    pub cnil_notified_at: String,
    /// When ANSSI was notified, if it was.
    pub anssi_notified_at: String,
    pub complaint_filed: bool,
    /// `clear`, `green`, `amber`, `amber+strict`, `red`; empty: amber.
    pub tlp: String,
    /// `clear`, `green`, `amber`, `red`; empty: amber.
    pub pap: String,
    /// The exposure finding the incident started from.
    pub source_finding_id: Option<i64>,
    /// The vulnerability alert the incident started from.
    pub source_alert_id: Option<i64>,
}

/// An analyst's qualification.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Triage {
    /// One of the incident types.
    pub incident_type: String,
    /// `low`, `medium`, `high`, `critical`.
    pub severity: String,
    pub major: bool,
}

/// A structure's designations as the clocks read them.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Designations {
    /// `essential`, `important`, or none.
    pub nis2_entity: Option<String>,
    pub data_controller: bool,
}

/// What a structure's page shows of its incidents.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StructureIncidents {
    pub rows: Vec<QueueRow>,
    pub open: i64,
    pub overdue: i64,
}
