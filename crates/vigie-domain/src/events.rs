//! What the engines tell people: the events that go through the notification outbox, as data.
//!
//! An engine that records an event (a new exposure finding, a vulnerability alert, a weekly
//! bulletin) writes its notifications with one of these documents as their payload. The outbox
//! never renders anything: the presentation layer (`vigie-report`) turns a payload into the
//! e-mail's subject and bodies in each recipient's language, when the notification is delivered or
//! listed, and webhooks receive the document itself. A payload is therefore the whole of what a
//! message may say: nothing is looked up again at delivery.
//!
//! Field names are part of the webhook contract: add fields, never rename them.

use serde::{Deserialize, Serialize};

/// Event kind of a new or reopened exposure finding.
pub const FINDING_NEW: &str = "scan.finding.new";
/// Event kind of a new vulnerability or end-of-life alert.
pub const ALERT_NEW: &str = "watch.alert.new";
/// Event kind of a weekly vulnerability bulletin.
pub const BULLETIN: &str = "watch.bulletin";

/// Event kind of the reminder that a regulatory notification an incident owes is due soon.
pub const INCIDENT_DEADLINE: &str = "incidents.deadline.reminder";

/// Event kind of a sector-wide alert: from an incident, the structures that run the product it
/// went through are warned.
pub const INCIDENT_SECTOR_ALERT: &str = "incidents.sector.alert";

/// The payload of [`INCIDENT_SECTOR_ALERT`], one per structure warned. It names neither the
/// incident nor the structure it struck: only the product, the versions this structure runs,
/// the analyst's message and who sends it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SectorAlertEvent {
    /// The alert (one alert, many structures).
    pub alert_id: i64,
    /// The structure warned.
    pub structure_id: i64,
    /// Its name (named `structure` on the wire).
    #[serde(rename = "structure", default)]
    pub structure_name: String,
    /// The catalogue's key of the product (`fortinet:fortios`).
    pub product: String,
    /// Its display name (`Fortinet FortiOS`).
    #[serde(default)]
    pub product_name: String,
    /// The versions this structure runs, as its inventory says.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Only the structures where the product is exposed to the internet were warned.
    #[serde(default)]
    pub exposed_only: bool,
    /// An advisory the attack used (`CVE-2024-55591`), or empty.
    #[serde(default)]
    pub advisory: String,
    /// What the analyst asks the structures to do.
    pub message: String,
    /// Who sends it: the CERT or a regional centre (`national` or a region's INSEE code).
    pub territory: String,
    /// The alert's TLP (`green`, `amber`, `clear`).
    pub tlp: String,
}

/// The payload of [`INCIDENT_DEADLINE`]: a notification an incident owes (to the CNIL, ANSSI,
/// the regional health agency…) whose deadline comes, told to its structure before the deadline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncidentDeadlineEvent {
    pub incident_id: i64,
    /// The case's reference (`INC-2026-000042`).
    pub reference: String,
    #[serde(default)]
    pub structure_id: i64,
    /// The structure's name (named `structure` on the wire).
    #[serde(rename = "structure", default)]
    pub structure_name: String,
    /// The incident's title; empty when it is TLP:RED or TLP:AMBER+STRICT (its content is for the
    /// people named on the case, not for every recipient of its structure).
    #[serde(default)]
    pub title: String,
    /// The incident's TLP (`amber`, `red`…).
    pub tlp: String,
    /// The rule of `vigie-incidents`' `rules.toml` (`gdpr-cnil`, `nis2-early-warning`…).
    pub rule_id: String,
    /// Who is to be notified (`cnil`, `anssi`, `cert_sante`).
    pub authority: String,
    #[serde(default)]
    pub label_fr: String,
    #[serde(default)]
    pub label_en: String,
    pub legal_reference: String,
    /// The deadline, unix seconds (UTC).
    pub deadline: i64,
    /// The deadline may still move (its start is not final yet).
    #[serde(default)]
    pub provisional: bool,
}

/// The payload of [`FINDING_NEW`]: an exposure a scan found (or found again) on a structure.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FindingEvent {
    pub finding_id: i64,
    #[serde(default)]
    pub structure_id: i64,
    #[serde(default)]
    pub structure_name: String,
    /// The finding's kind (`remote-desktop-exposed`…): named `type` on the wire.
    #[serde(rename = "type")]
    pub kind: String,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub evidence: String,
    #[serde(default)]
    pub title_fr: String,
    #[serde(default)]
    pub title_en: String,
    #[serde(default)]
    pub advice_fr: String,
    #[serde(default)]
    pub advice_en: String,
    /// Seen again after a scan had verified it fixed.
    pub reopened: bool,
}

/// The payload of [`ALERT_NEW`]: an advisory (or an end of support) concerns what a structure
/// declared or what the scanner saw there.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    pub alert_id: i64,
    #[serde(default)]
    pub structure_id: i64,
    /// The structure's name (named `structure` on the wire).
    #[serde(rename = "structure", default)]
    pub structure_name: String,
    /// `vuln` (an advisory) or `eol` (a release past its end of support).
    pub kind: String,
    /// The advisory's reference (`CVE-2024-55591`) or the end-of-life cycle (named `ref`).
    #[serde(rename = "ref")]
    pub ref_id: String,
    /// The product's key in the watch's product model.
    pub product: String,
    /// The product's name for people.
    #[serde(default)]
    pub product_name: String,
    pub version: String,
    pub priority: i64,
    /// `affected` or `needs-review`.
    pub decision: String,
    pub kev: bool,
    pub exposed: bool,
    /// The advisory's title, when it has one.
    #[serde(default)]
    pub title: String,
    /// Why the version is concerned, in the engine's words (quotes the record).
    #[serde(default)]
    pub match_reason: String,
    /// When CISA added the advisory to its catalogue of known exploited vulnerabilities.
    #[serde(default)]
    pub kev_date: Option<String>,
    /// CERT-FR references of the advisory (alerts and advisories).
    #[serde(default)]
    pub certfr: Vec<String>,
    /// One of the CERT-FR references is an alert (`CERTFR-…-ALE-…`).
    #[serde(default)]
    pub certfr_alert: bool,
    /// Probability of exploitation (EPSS), 0 to 1.
    #[serde(default)]
    pub epss: Option<f64>,
    #[serde(default)]
    pub cvss: Option<f64>,
    /// End of support date of an `eol` alert (`2024-10-31`).
    #[serde(default)]
    pub eol_date: Option<String>,
    /// The release cycle past its end of support, of an `eol` alert (`7.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eol_cycle: Option<String>,
    /// Reasons written as French sentences by versions before the payload was structured; shown
    /// as they are when present.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
}

/// The payload of [`BULLETIN`]: the alerts raised during one ISO week and the advisories behind
/// them, for a structure or a region.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BulletinEvent {
    /// `2026-W47`.
    pub week: String,
    /// Whom it is for: a structure's or a region's name.
    #[serde(default)]
    pub territory: String,
    /// Path of the bulletin's page.
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub advisories: Vec<BulletinAdvisory>,
    #[serde(default)]
    pub alerts: Vec<BulletinAlert>,
}

/// An advisory first matched during the bulletin's week.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BulletinAdvisory {
    pub ref_id: String,
    pub title: String,
    pub kev: bool,
    pub certfr: Vec<String>,
    pub cvss: Option<f64>,
    /// Structures of the bulletin's territory concerned.
    pub structures: i64,
}

/// An alert raised during the bulletin's week.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BulletinAlert {
    pub alert_id: i64,
    pub structure_name: String,
    pub ref_id: String,
    pub kind: String,
    pub product_name: String,
    pub version: String,
    pub priority: i64,
    /// `new`, `acknowledged`, `fixed` or `not_affected`.
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Payloads written before this module existed still read: an alert's French reasons, a
    /// finding without its titles.
    #[test]
    fn older_payloads_read() {
        let a: AlertEvent = serde_json::from_str(
            r#"{"alert_id":7,"kind":"vuln","ref":"CVE-2024-55591","product":"fortios","version":"7.0.12",
                "priority":10041,"decision":"affected","kev":true,"exposed":false,
                "reasons":["KEV: exploitée activement"],"title":"t","structure":"CH d'Auray"}"#,
        )
        .expect("old alert payload");
        assert_eq!(a.structure_name, "CH d'Auray");
        assert_eq!(a.reasons.len(), 1);
        let f: FindingEvent = serde_json::from_str(
            r#"{"finding_id":3,"type":"telnet-exposed","severity":"high","address":"192.0.2.1",
                "port":23,"service":"telnet","product":null,"version":null,"evidence":"login:",
                "reopened":false}"#,
        )
        .expect("old finding payload");
        assert_eq!(f.kind, "telnet-exposed");
        // and the wire names hold
        let v = serde_json::to_value(&f).expect("json");
        assert_eq!(v["type"], "telnet-exposed");
    }
}
