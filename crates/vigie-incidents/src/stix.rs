//! An incident as a STIX 2.1 bundle: the structure (`identity`), the incident (`incident`), one
//! `observed-data` and its cyber-observable per observable, an `indicator` with a STIX pattern
//! per indicator of compromise, the relationships between them, and the marking definitions:
//! the published TLP 2.0 markings (OASIS TLP 2.0 extension) and the PAP as a statement.
//!
//! Ids are derived (UUID v5) from the incident's and observables' own uuids, so exporting twice
//! gives the same objects; cyber-observables get the deterministic ids of STIX 2.1 §2.9.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::incident::{Incident, Observable, ObservableKind};
use crate::marking::{Pap, Tlp, TLP2_EXTENSION_DEFINITION, TLP2_MARKING_CREATED};

/// The namespace STIX 2.1 fixes for deterministic cyber-observable ids.
const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00abedb4_aa42_466c_9c01_fed23315a9b7);
/// Vigie's namespace for the ids of the objects it derives.
const VIGIE_NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2b0e_5a7d_4c3e_9b1a_8d2f_4e6a_7c90);

fn ts(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn derived(kind: &str, from: Uuid, part: &str) -> String {
    let name = format!("{from}/{kind}/{part}");
    format!(
        "{kind}--{}",
        Uuid::new_v5(&VIGIE_NAMESPACE, name.as_bytes())
    )
}

/// The TLP 2.0 marking definition, as published.
pub fn tlp_marking(tlp: Tlp) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp.stix_marking_id(),
        "created": TLP2_MARKING_CREATED,
        "name": tlp.name(),
        "extensions": {
            TLP2_EXTENSION_DEFINITION: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.as_str(),
            }
        }
    })
}

fn pap_marking(pap: Pap) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": format!("marking-definition--{}", Uuid::new_v5(&VIGIE_NAMESPACE, pap.misp_tag().as_bytes())),
        "created": "2024-01-01T00:00:00.000Z",
        "name": pap.label_en(),
        "definition_type": "statement",
        "definition": {"statement": pap.statement()},
    })
}

/// Escapes a value for a single-quoted string of a STIX pattern.
fn pattern_str(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\'', "\\'")
}

/// The cyber-observable object of an observable (without markings) and the STIX pattern that
/// matches it.
fn sco(o: &Observable) -> (Value, String) {
    let (ty, contributing, pattern): (&str, Value, String) = match o.kind {
        ObservableKind::Ip => {
            let ty = if o.value.contains(':') {
                "ipv6-addr"
            } else {
                "ipv4-addr"
            };
            (
                ty,
                json!({"value": o.value}),
                format!("[{ty}:value = '{}']", pattern_str(&o.value)),
            )
        }
        ObservableKind::Domain => (
            "domain-name",
            json!({"value": o.value}),
            format!("[domain-name:value = '{}']", pattern_str(&o.value)),
        ),
        ObservableKind::Url => (
            "url",
            json!({"value": o.value}),
            format!("[url:value = '{}']", pattern_str(&o.value)),
        ),
        ObservableKind::Email => (
            "email-addr",
            json!({"value": o.value}),
            format!("[email-addr:value = '{}']", pattern_str(&o.value)),
        ),
        ObservableKind::Md5 | ObservableKind::Sha1 | ObservableKind::Sha256 => {
            let algo = match o.kind {
                ObservableKind::Md5 => "MD5",
                ObservableKind::Sha1 => "SHA-1",
                _ => "SHA-256",
            };
            let mut hashes = BTreeMap::new();
            hashes.insert(algo, o.value.clone());
            (
                "file",
                json!({ "hashes": hashes }),
                format!("[file:hashes.'{algo}' = '{}']", pattern_str(&o.value)),
            )
        }
        ObservableKind::FileName => (
            "file",
            json!({"name": o.value}),
            format!("[file:name = '{}']", pattern_str(&o.value)),
        ),
    };
    // Deterministic id: UUID v5 of the canonical JSON of the id-contributing properties
    // (serde_json writes objects with sorted keys and no spaces, as JCS does for these).
    let canonical = contributing.to_string();
    let id = format!(
        "{ty}--{}",
        Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes())
    );
    let mut obj = json!({"type": ty, "spec_version": "2.1", "id": id});
    if let (Some(m), Value::Object(c)) = (obj.as_object_mut(), contributing) {
        m.extend(c);
    }
    (obj, pattern)
}

/// The incident as a STIX 2.1 bundle.
pub fn bundle(i: &Incident) -> Value {
    let created = ts(i.created_at);
    let modified = ts(i.updated_at.max(i.created_at));
    let incident_id = format!("incident--{}", i.uuid);
    let identity_id = format!(
        "identity--{}",
        Uuid::new_v5(
            &VIGIE_NAMESPACE,
            format!("finess:{}", i.structure.finess).as_bytes()
        )
    );
    let pap = pap_marking(i.pap);
    let pap_id = pap["id"].as_str().unwrap_or_default().to_string();

    let mut tlps: Vec<Tlp> = vec![i.tlp];
    tlps.extend(i.observables.iter().map(|o| o.tlp));
    tlps.sort();
    tlps.dedup();
    let mut objects: Vec<Value> = tlps.iter().map(|t| tlp_marking(*t)).collect();
    objects.push(pap);

    objects.push(json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id,
        "created": created,
        "modified": created,
        "name": i.structure.name,
        "identity_class": "organization",
        "sectors": ["healthcare"],
        "external_references": [{"source_name": "FINESS", "external_id": i.structure.finess}],
        "object_marking_refs": [i.tlp.stix_marking_id()],
    }));

    let mut description = i.description.clone();
    let facts = [
        ("Systems", i.systems.as_str()),
        ("Sites", i.sites.as_str()),
        ("Provider", i.provider.as_deref().unwrap_or("")),
    ];
    for (k, v) in facts {
        if !v.trim().is_empty() {
            description.push_str(&format!("\n{k}: {v}"));
        }
    }
    let mut incident = json!({
        "type": "incident",
        "spec_version": "2.1",
        "id": incident_id,
        "created": created,
        "modified": modified,
        "name": format!("{} — {}", i.reference, i.title),
        "description": description,
        "labels": crate::misp::health_tags(i),
        "created_by_ref": identity_id,
        "external_references": [{"source_name": "vigie", "external_id": i.reference}],
        "object_marking_refs": [i.tlp.stix_marking_id(), pap_id],
    });
    if i.description.is_empty() && description.is_empty() {
        if let Some(m) = incident.as_object_mut() {
            m.remove("description");
        }
    }
    objects.push(incident);

    for o in &i.observables {
        let marking = json!([o.tlp.stix_marking_id()]);
        let seen = ts(o.seen_at.unwrap_or(i.detected_at));
        let (mut sco, pattern) = sco(o);
        let sco_id = sco["id"].as_str().unwrap_or_default().to_string();
        if let Some(m) = sco.as_object_mut() {
            m.insert("object_marking_refs".into(), marking.clone());
        }
        objects.push(sco);
        let od_id = derived("observed-data", o.uuid, "observed");
        objects.push(json!({
            "type": "observed-data",
            "spec_version": "2.1",
            "id": od_id,
            "created": created,
            "modified": modified,
            "first_observed": seen,
            "last_observed": seen,
            "number_observed": 1,
            "object_refs": [sco_id],
            "created_by_ref": identity_id,
            "object_marking_refs": marking,
        }));
        objects.push(relationship(
            o.uuid,
            "observed",
            "related-to",
            &od_id,
            &incident_id,
            &created,
            &marking,
        ));
        if o.is_indicator {
            let ind_id = derived("indicator", o.uuid, "indicator");
            let mut ind = json!({
                "type": "indicator",
                "spec_version": "2.1",
                "id": ind_id,
                "created": created,
                "modified": modified,
                "name": format!("{}: {}", o.kind.label_en(), o.value),
                "indicator_types": ["malicious-activity"],
                "pattern": pattern,
                "pattern_type": "stix",
                "valid_from": seen,
                "created_by_ref": identity_id,
                "object_marking_refs": marking,
            });
            if !o.comment.is_empty() {
                if let Some(m) = ind.as_object_mut() {
                    m.insert("description".into(), Value::String(o.comment.clone()));
                }
            }
            objects.push(ind);
            objects.push(relationship(
                o.uuid, "based-on", "based-on", &ind_id, &od_id, &created, &marking,
            ));
            objects.push(relationship(
                o.uuid,
                "indicator",
                "related-to",
                &ind_id,
                &incident_id,
                &created,
                &marking,
            ));
        }
    }

    json!({
        "type": "bundle",
        "id": derived("bundle", i.uuid, &modified),
        "objects": objects,
    })
}

fn relationship(
    from: Uuid,
    part: &str,
    kind: &str,
    source: &str,
    target: &str,
    created: &str,
    marking: &Value,
) -> Value {
    json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": derived("relationship", from, part),
        "created": created,
        "modified": created,
        "relationship_type": kind,
        "source_ref": source,
        "target_ref": target,
        "object_marking_refs": marking,
    })
}
