//! An incident as a MISP event (the JSON that MISP imports and `pymisp.MISPEvent.load` reads),
//! the health taxonomy written as machine tags of the `vigie-health` namespace, and that
//! namespace as a MISP taxonomy (`machinetag.json`) so that a MISP instance can know it.

use serde_json::{json, Value};

use crate::incident::{Incident, ObservableKind};
use crate::marking::Tlp;
use crate::taxonomy::{
    CareImpact, CaseStatus, DataImpact, IncidentState, IncidentType, OperationsImpact, Origin,
    Severity,
};

/// The machine-tag namespace of Vigie's health incident taxonomy.
pub const NAMESPACE: &str = "vigie-health";

fn tag(predicate: &str, value: &str) -> String {
    format!("{NAMESPACE}:{predicate}=\"{value}\"")
}

/// The taxonomy tags of an incident (`vigie-health:incident-type="ransomware"`…).
pub fn health_tags(i: &Incident) -> Vec<String> {
    let mut tags = vec![
        tag("origin", i.origin.as_str()),
        tag("incident-type", i.incident_type.as_str()),
        tag("care-impact", i.care_impact.as_str()),
        tag("operations-impact", i.operations_impact.as_str()),
        tag("incident-state", i.state.as_str()),
    ];
    for d in &i.data_impacts {
        tags.push(tag("data-impact", d.as_str()));
    }
    if i.significant {
        tags.push(tag("significant", "yes"));
    }
    if i.personal_data {
        tags.push(tag("personal-data", "yes"));
    }
    if i.support_requested {
        tags.push(tag("support-requested", "yes"));
    }
    if let Some(s) = i.severity {
        tags.push(tag("severity", s.as_str()));
    }
    if i.major {
        tags.push(tag("major", "yes"));
    }
    tags
}

/// MISP's attribute type and category of an observable.
fn misp_type(kind: ObservableKind) -> (&'static str, &'static str) {
    match kind {
        ObservableKind::Ip => ("ip-dst", "Network activity"),
        ObservableKind::Domain => ("domain", "Network activity"),
        ObservableKind::Url => ("url", "Network activity"),
        ObservableKind::Email => ("email-src", "Payload delivery"),
        ObservableKind::Md5 => ("md5", "Payload delivery"),
        ObservableKind::Sha1 => ("sha1", "Payload delivery"),
        ObservableKind::Sha256 => ("sha256", "Payload delivery"),
        ObservableKind::FileName => ("filename", "Payload delivery"),
    }
}

/// MISP's distribution for a TLP: RED and AMBER+STRICT stay in the organisation, AMBER in the
/// community, GREEN goes to connected communities, CLEAR to all.
fn distribution(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Red | Tlp::AmberStrict => "0",
        Tlp::Amber => "1",
        Tlp::Green => "2",
        Tlp::Clear => "3",
    }
}

/// The incident as a MISP event document (`{"Event": {…}}`).
pub fn event(i: &Incident) -> Value {
    let threat_level = match i.severity {
        Some(Severity::Critical | Severity::High) => "1",
        Some(Severity::Medium) => "2",
        Some(Severity::Low) => "3",
        None => "4",
    };
    let analysis = match i.status {
        CaseStatus::Draft | CaseStatus::Submitted => "0",
        CaseStatus::Closed => "2",
        _ => "1",
    };
    let mut tags: Vec<Value> = vec![
        json!({"name": i.tlp.misp_tag()}),
        json!({"name": i.pap.misp_tag()}),
    ];
    tags.extend(health_tags(i).into_iter().map(|t| json!({ "name": t })));
    let attributes: Vec<Value> = i
        .observables
        .iter()
        .map(|o| {
            let (ty, category) = misp_type(o.kind);
            json!({
                "uuid": o.uuid.to_string(),
                "type": ty,
                "category": category,
                "value": o.value,
                "to_ids": o.is_indicator,
                "comment": o.comment,
                "distribution": distribution(o.tlp),
                "timestamp": o.seen_at.unwrap_or(i.detected_at).timestamp().to_string(),
                "Tag": [{"name": o.tlp.misp_tag()}],
            })
        })
        .collect();
    let mut info = format!("{} — {} ({})", i.reference, i.title, i.structure.name);
    if info.chars().count() > 250 {
        info = info.chars().take(250).collect();
    }
    json!({
        "Event": {
            "uuid": i.uuid.to_string(),
            "info": info,
            "date": i.detected_at.format("%Y-%m-%d").to_string(),
            "timestamp": i.updated_at.timestamp().to_string(),
            "threat_level_id": threat_level,
            "analysis": analysis,
            "distribution": distribution(i.tlp),
            "published": false,
            "Tag": tags,
            "Attribute": attributes,
        }
    })
}

/// The `vigie-health` namespace as a MISP taxonomy (`machinetag.json`).
pub fn taxonomy() -> Value {
    fn values<T: Copy>(
        all: &[T],
        name: impl Fn(T) -> &'static str,
        label: impl Fn(T) -> &'static str,
    ) -> Vec<Value> {
        all.iter()
            .map(|v| json!({"value": name(*v), "expanded": label(*v)}))
            .collect()
    }
    let yes = vec![json!({"value": "yes", "expanded": "Yes"})];
    let predicates: Vec<(&str, &str, Vec<Value>)> = vec![
        (
            "origin",
            "Origin of the incident",
            values(Origin::ALL, |v| v.as_str(), |v| v.label_en()),
        ),
        (
            "incident-type",
            "Type of incident",
            values(IncidentType::ALL, |v| v.as_str(), |v| v.label_en()),
        ),
        (
            "care-impact",
            "Impact on care",
            values(CareImpact::ALL, |v| v.as_str(), |v| v.label_en()),
        ),
        (
            "data-impact",
            "Property of the data affected",
            values(DataImpact::ALL, |v| v.as_str(), |v| v.label_en()),
        ),
        (
            "operations-impact",
            "Impact on operations",
            values(OperationsImpact::ALL, |v| v.as_str(), |v| v.label_en()),
        ),
        (
            "incident-state",
            "State of the incident",
            values(IncidentState::ALL, |v| v.as_str(), |v| v.label_en()),
        ),
        (
            "severity",
            "Severity qualified by the CERT",
            values(Severity::ALL, |v| v.as_str(), |v| v.label_en()),
        ),
        (
            "significant",
            "May spread to other structures or have regional or national repercussions",
            yes.clone(),
        ),
        ("personal-data", "Personal data concerned", yes.clone()),
        (
            "support-requested",
            "Support requested from the CERT",
            yes.clone(),
        ),
        ("major", "Major incident", yes),
    ];
    json!({
        "namespace": NAMESPACE,
        "description": "Information-system security incidents of French health and medico-social structures (Vigie).",
        "version": 1,
        "exclusive": false,
        "predicates": predicates.iter().map(|(p, e, _)| json!({"value": p, "expanded": e})).collect::<Vec<_>>(),
        "values": predicates.iter().map(|(p, _, v)| json!({"predicate": p, "entry": v})).collect::<Vec<_>>(),
    })
}
