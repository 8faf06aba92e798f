//! The exports, read by real validators: the STIX 2.1 bundle by `stix2` (parsed with
//! `allow_custom=False`) and `stix2-validator`, the MISP event by `pymisp` (`MISPEvent().load`).
//! The validators are installed, pinned, by `scripts/install-test-deps.sh`; without them these
//! tests say SKIPPED, unless `VIGIE_TEST_STRICT` is set, when they fail.

use std::io::Write;
use std::process::Command;

use chrono::{DateTime, Utc};
use uuid::Uuid;
use vigie_incidents::incident::{Incident, Observable, ObservableKind, StructureRef};
use vigie_incidents::marking::{Pap, Tlp};
use vigie_incidents::taxonomy::*;
use vigie_incidents::{misp, stix};

fn t(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

fn observable(n: u128, kind: ObservableKind, value: &str, tlp: Tlp, ioc: bool) -> Observable {
    Observable {
        uuid: Uuid::from_u128(0x1000 + n),
        kind,
        value: kind.normalize(value).unwrap(),
        tlp,
        is_indicator: ioc,
        comment: if ioc {
            "vu dans l'en-tête du courriel, l'attaquant's \"lure\"".into()
        } else {
            String::new()
        },
        seen_at: Some(t("2026-03-02T07:15:00Z")),
    }
}

fn sample() -> Incident {
    use ObservableKind::*;
    Incident {
        uuid: Uuid::from_u128(0x5e1f_0000_0000_4000_8000_0000_0000_0042),
        reference: "INC-2026-000042".into(),
        title: "Rançongiciel sur le PACS".into(),
        description: "Chiffrement des serveurs d'imagerie ; mode dégradé aux urgences.".into(),
        structure: StructureRef {
            finess: "750712184".into(),
            name: "Centre hospitalier d'exemple".into(),
        },
        occurred_at: Some(t("2026-03-01T23:00:00Z")),
        detected_at: t("2026-03-02T06:40:00Z"),
        declared_at: Some(t("2026-03-02T08:00:00Z")),
        created_at: t("2026-03-02T07:50:00Z"),
        updated_at: t("2026-03-03T10:00:00Z"),
        state: IncidentState::Ongoing,
        status: CaseStatus::Triaged,
        origin: Origin::Malicious,
        incident_type: IncidentType::Ransomware,
        care_impact: CareImpact::DegradedMode,
        data_impacts: vec![DataImpact::Availability, DataImpact::Confidentiality],
        operations_impact: OperationsImpact::Major,
        significant: true,
        personal_data: true,
        support_requested: true,
        systems: "PACS, annuaire".into(),
        sites: "Site principal".into(),
        provider: Some("Prestataire d'infogérance".into()),
        severity: Some(Severity::High),
        major: true,
        tlp: Tlp::Amber,
        pap: Pap::Amber,
        observables: vec![
            observable(1, Ip, "192.0.2.10", Tlp::Amber, true),
            observable(2, Ip, "2001:db8::66", Tlp::Green, false),
            observable(3, Domain, "evil.example", Tlp::Clear, true),
            observable(
                4,
                Url,
                "https://evil.example/it's/payload?x=1",
                Tlp::Amber,
                true,
            ),
            observable(5, Email, "factures@evil.example", Tlp::Green, true),
            observable(6, Md5, "d41d8cd98f00b204e9800998ecf8427e", Tlp::Amber, true),
            observable(
                7,
                Sha1,
                "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                Tlp::Amber,
                false,
            ),
            observable(
                8,
                Sha256,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                Tlp::Red,
                true,
            ),
            observable(9, FileName, "facture 2026.pdf.exe", Tlp::AmberStrict, true),
        ],
    }
}

/// Runs `script` on the document (in a temporary file) with python3; `None` when the validators
/// are missing and the run is not strict.
fn python(modules: &str, script: &str, doc: &serde_json::Value) -> Option<String> {
    let probe = Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .output();
    let present = probe.as_ref().is_ok_and(|o| o.status.success());
    if !present {
        if std::env::var_os("VIGIE_TEST_STRICT").is_some() {
            panic!("python3 modules {modules} missing (scripts/install-test-deps.sh installs them) and VIGIE_TEST_STRICT is set");
        }
        eprintln!("SKIPPED: python3 modules {modules} missing (scripts/install-test-deps.sh installs them)");
        return None;
    }
    let mut file = tempfile::NamedTempFile::with_suffix(".json").unwrap();
    file.write_all(serde_json::to_string_pretty(doc).unwrap().as_bytes())
        .unwrap();
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "validator refused the document:\n{}\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        serde_json::to_string_pretty(doc).unwrap()
    );
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

const STIX_CHECK: &str = r#"
import json, sys, collections
import stix2
from stix2validator import validate_string, ValidationOptions
text = open(sys.argv[1], encoding="utf-8").read()
bundle = stix2.parse(text, allow_custom=False)
res = validate_string(text, ValidationOptions(version="2.1"))
if not res.is_valid:
    for e in res.errors:
        print("ERROR", res.object_id, e)
    sys.exit(1)
for w in res.warnings or []:
    print("WARNING", w, file=sys.stderr)
counts = collections.Counter(o.type for o in bundle.objects)
patterns = sorted(o.pattern for o in bundle.objects if o.type == "indicator")
incident = next(o for o in bundle.objects if o.type == "incident")
print(json.dumps({"counts": counts, "patterns": patterns, "incident_markings": incident.object_marking_refs, "labels": incident.labels}))
"#;

#[test]
fn stix_bundle_is_valid_stix_2_1() {
    let inc = sample();
    let doc = stix::bundle(&inc);
    // Exporting twice gives the same bundle (ids derive from the incident's).
    assert_eq!(doc, stix::bundle(&inc));
    let Some(out) = python("stix2, stix2validator", STIX_CHECK, &doc) else {
        return;
    };
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let c = &v["counts"];
    assert_eq!(c["incident"], 1);
    assert_eq!(c["identity"], 1);
    assert_eq!(c["observed-data"], 9);
    assert_eq!(c["indicator"], 7);
    // 9 observed-data → incident, 7 indicator → observed-data, 7 indicator → incident.
    assert_eq!(c["relationship"], 23);
    // The TLP levels used (all five here) and the PAP statement.
    assert_eq!(c["marking-definition"], 6);
    assert_eq!(c["ipv4-addr"], 1);
    assert_eq!(c["ipv6-addr"], 1);
    assert_eq!(c["file"], 4);
    let patterns: Vec<String> = serde_json::from_value(v["patterns"].clone()).unwrap();
    assert!(
        patterns.contains(&"[url:value = 'https://evil.example/it\\'s/payload?x=1']".to_string()),
        "{patterns:?}"
    );
    assert!(patterns.contains(&"[file:hashes.'SHA-256' = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855']".to_string()));
    assert_eq!(v["incident_markings"][0], Tlp::Amber.stix_marking_id());
    let labels: Vec<String> = serde_json::from_value(v["labels"].clone()).unwrap();
    assert!(labels.contains(&"vigie-health:incident-type=\"ransomware\"".to_string()));
}

#[test]
fn stix_bundle_of_a_bare_draft_is_valid() {
    let mut inc = sample();
    inc.observables.clear();
    inc.description.clear();
    inc.systems.clear();
    inc.sites.clear();
    inc.provider = None;
    inc.severity = None;
    inc.status = CaseStatus::Draft;
    inc.tlp = Tlp::Red;
    let doc = stix::bundle(&inc);
    if let Some(out) = python("stix2, stix2validator", STIX_CHECK, &doc) {
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(v["counts"]["marking-definition"], 2);
        assert_eq!(v["incident_markings"][0], Tlp::Red.stix_marking_id());
    }
}

const MISP_CHECK: &str = r#"
import json, sys
from pymisp import MISPEvent
e = MISPEvent()
e.load(open(sys.argv[1], encoding="utf-8").read())
print(json.dumps({
    "uuid": e.uuid, "info": e.info, "threat": int(e.threat_level_id), "analysis": int(e.analysis),
    "distribution": int(e.distribution), "date": e.date.isoformat(),
    "tags": [t.name for t in e.tags],
    "attributes": [[a.type, a.category, a.value, bool(a.to_ids), [t.name for t in a.tags]] for a in e.attributes],
}))
"#;

#[test]
fn misp_event_loads_in_pymisp_with_the_health_taxonomy() {
    let inc = sample();
    let doc = misp::event(&inc);
    let Some(out) = python("pymisp", MISP_CHECK, &doc) else {
        return;
    };
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["uuid"], inc.uuid.to_string());
    assert_eq!(v["threat"], 1);
    assert_eq!(v["analysis"], 1);
    assert_eq!(v["distribution"], 1, "TLP:AMBER stays in the community");
    assert_eq!(v["date"], "2026-03-02");
    let tags: Vec<String> = serde_json::from_value(v["tags"].clone()).unwrap();
    for want in [
        "tlp:amber",
        "PAP:AMBER",
        "vigie-health:origin=\"malicious\"",
        "vigie-health:incident-type=\"ransomware\"",
        "vigie-health:care-impact=\"degraded_mode\"",
        "vigie-health:data-impact=\"confidentiality\"",
        "vigie-health:significant=\"yes\"",
    ] {
        assert!(tags.contains(&want.to_string()), "{want} not in {tags:?}");
    }
    let attrs = v["attributes"].as_array().unwrap();
    assert_eq!(attrs.len(), 9);
    let types: Vec<&str> = attrs.iter().map(|a| a[0].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "ip-dst",
            "ip-dst",
            "domain",
            "url",
            "email-src",
            "md5",
            "sha1",
            "sha256",
            "filename"
        ]
    );
    assert_eq!(attrs[7][4][0], "tlp:red");
    assert_eq!(attrs[8][4][0], "tlp:amber+strict");
    assert_eq!(
        attrs[6][3], false,
        "an observable that is not an indicator is not for IDS"
    );
}

#[test]
fn every_tag_emitted_is_in_the_published_taxonomy() {
    let tax = misp::taxonomy();
    let mut known = std::collections::BTreeSet::new();
    for v in tax["values"].as_array().unwrap() {
        let p = v["predicate"].as_str().unwrap();
        for e in v["entry"].as_array().unwrap() {
            known.insert(format!(
                "vigie-health:{p}=\"{}\"",
                e["value"].as_str().unwrap()
            ));
        }
    }
    let preds: Vec<&str> = tax["predicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_str().unwrap())
        .collect();
    for t in IncidentType::ALL {
        let mut inc = sample();
        inc.incident_type = *t;
        for tag in misp::health_tags(&inc) {
            assert!(known.contains(&tag), "{tag} missing from the taxonomy");
            let pred = tag
                .trim_start_matches("vigie-health:")
                .split('=')
                .next()
                .unwrap()
                .to_string();
            assert!(preds.contains(&pred.as_str()));
        }
    }
}
