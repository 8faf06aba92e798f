//! Medical protocols' implementations named from what their answers carry: the DICOM
//! A-ASSOCIATE-AC's implementation class UID and version name (table of public UID roots in
//! `rules/dicom_implementations.toml`, each with its source), and the HL7 v2 acknowledgement's
//! sending application and facility (MSH-3, MSH-4).

use regex::Regex;
use serde::Deserialize;

use crate::rules::ProductMatch;
use crate::wire::{DicomAssoc, Hl7Ack};

/// The table of DICOM implementations, reviewed data compiled into the binary.
pub const DICOM_IMPLEMENTATIONS: &str = include_str!("../rules/dicom_implementations.toml");

#[derive(Debug, Clone, Deserialize)]
struct EntrySpec {
    id: String,
    uid_root: String,
    #[serde(default)]
    name_pattern: Option<String>,
    #[serde(default)]
    uid_version: Option<String>,
    #[serde(default)]
    name_version: Option<String>,
    product: String,
    vendor: String,
    #[serde(default)]
    cpe: Option<String>,
    #[serde(default)]
    note: Option<String>,
    source: String,
}

#[derive(Debug, Deserialize)]
struct TableFile {
    implementation: Vec<EntrySpec>,
}

/// One compiled entry of the table.
#[derive(Debug, Clone)]
pub struct DicomEntry {
    spec: EntrySpec,
    name_pattern: Option<Regex>,
    uid_version: Option<Regex>,
    name_version: Option<Regex>,
}

impl DicomEntry {
    pub fn id(&self) -> &str {
        &self.spec.id
    }
    pub fn source(&self) -> &str {
        &self.spec.source
    }
}

/// Compiles a table written like `rules/dicom_implementations.toml`.
pub fn parse_dicom_table(text: &str) -> Result<Vec<DicomEntry>, String> {
    let f: TableFile = toml::from_str(text).map_err(|e| e.to_string())?;
    let re = |id: &str, p: &Option<String>| -> Result<Option<Regex>, String> {
        p.as_deref()
            .map(|p| Regex::new(p).map_err(|e| format!("{id}: {e}")))
            .transpose()
    };
    let mut out = vec![];
    for spec in f.implementation {
        if spec.source.trim().is_empty() {
            return Err(format!("{}: no source", spec.id));
        }
        out.push(DicomEntry {
            name_pattern: re(&spec.id, &spec.name_pattern)?,
            uid_version: re(&spec.id, &spec.uid_version)?,
            name_version: re(&spec.id, &spec.name_version)?,
            spec,
        });
    }
    Ok(out)
}

/// The built-in table (empty if it failed to compile, which a unit test forbids).
pub fn dicom_table() -> &'static [DicomEntry] {
    static TABLE: std::sync::OnceLock<Vec<DicomEntry>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| parse_dicom_table(DICOM_IMPLEMENTATIONS).unwrap_or_default())
}

fn joined(re: &Regex, text: &str) -> Option<String> {
    let caps = re.captures(text)?;
    let parts: Vec<&str> = caps.iter().skip(1).flatten().map(|m| m.as_str()).collect();
    (!parts.is_empty()).then(|| parts.join("."))
}

fn under_root(uid: &str, root: &str) -> bool {
    uid == root
        || uid
            .strip_prefix(root)
            .is_some_and(|rest| rest.starts_with('.'))
}

/// Names the DICOM implementation from its class UID and version name, when the table knows
/// its UID root (and the version name, if the entry asks for one, has the entry's form).
pub fn identify_dicom(
    table: &[DicomEntry],
    uid: Option<&str>,
    version_name: Option<&str>,
) -> Option<ProductMatch> {
    let uid = uid.map(str::trim).filter(|u| !u.is_empty())?;
    let name = version_name.map(str::trim).filter(|n| !n.is_empty());
    let e = table.iter().find(|e| {
        under_root(uid, &e.spec.uid_root)
            && match (&e.name_pattern, name) {
                (Some(p), Some(n)) => p.is_match(n),
                _ => true,
            }
    })?;
    let version = e
        .uid_version
        .as_ref()
        .and_then(|r| joined(r, uid))
        .or_else(|| {
            e.name_version
                .as_ref()
                .and_then(|r| name.and_then(|n| joined(r, n)))
        });
    let cpe = e
        .spec
        .cpe
        .as_deref()
        .map(|t| t.replace("{version}", version.as_deref().unwrap_or("-")));
    let mut evidence = format!("implementation class UID {uid}");
    if let Some(n) = name {
        evidence.push_str(&format!(", version name {n}"));
    }
    if let Some(note) = &e.spec.note {
        evidence.push_str(&format!(" ({note})"));
    }
    Some(ProductMatch {
        rule: format!("dicom-implementation:{}", e.spec.id),
        source: "builtin:dicom_implementations".into(),
        service: Some("dicom".into()),
        product: Some(e.spec.product.clone()),
        vendor: Some(e.spec.vendor.clone()),
        version,
        cpe,
        os: None,
        tags: vec!["dicom".into()],
        evidence: crate::rules::excerpt(&evidence, 300),
        field: "dicom.implementation_uid".into(),
    })
}

/// What an association answer says of the implementation, for the service's extra information.
pub fn dicom_extrainfo(a: &DicomAssoc) -> Option<String> {
    let mut parts = vec![];
    if let Some(u) = a.implementation_uid.as_deref().filter(|u| !u.is_empty()) {
        parts.push(format!("implementation class UID {u}"));
    }
    if let Some(n) = a
        .implementation_version
        .as_deref()
        .filter(|n| !n.is_empty())
    {
        parts.push(format!("version name {n}"));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// An HL7 v2 HD field (`namespace^universal id^type`) as text: its non-empty components.
pub fn hd_text(field: &str, component_sep: char) -> String {
    field
        .split(component_sep)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What an HL7 acknowledgement says of the system that answered, for the service's extra
/// information: its sending application (MSH-3), facility (MSH-4) and HL7 version (MSH-12).
pub fn hl7_extrainfo(a: &Hl7Ack) -> Option<String> {
    let mut parts = vec![];
    let app = hd_text(&a.sending_application, a.component_separator);
    let fac = hd_text(&a.sending_facility, a.component_separator);
    if !app.is_empty() {
        parts.push(format!("sending application {app}"));
    }
    if !fac.is_empty() {
        parts.push(format!("facility {fac}"));
    }
    if !a.version.trim().is_empty() {
        parts.push(format!("HL7 {}", a.version.trim()));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_compiles_with_sources() {
        let t = parse_dicom_table(DICOM_IMPLEMENTATIONS).unwrap();
        assert!(t.len() >= 5);
        assert_eq!(dicom_table().len(), t.len());
        assert!(
            t.iter().all(|e| e.source().len() > 20),
            "every entry cites a source"
        );
        let mut ids: Vec<&str> = t.iter().map(DicomEntry::id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), t.len(), "ids are unique");
    }

    #[test]
    fn implementations_named() {
        let t = dicom_table();
        let m = identify_dicom(
            t,
            Some("1.2.276.0.7230010.3.0.3.6.7"),
            Some("OFFIS_DCMTK_367"),
        )
        .unwrap();
        assert_eq!(
            (m.product.as_deref(), m.version.as_deref(), m.cpe.as_deref()),
            (
                Some("DCMTK"),
                Some("3.6.7"),
                Some("cpe:2.3:a:offis:dcmtk:3.6.7:*:*:*:*:*:*:*")
            )
        );
        assert!(m.evidence.contains("Orthanc"));
        // version from the name when the UID does not carry it
        let m = identify_dicom(t, Some("1.2.276.0.7230010.3"), Some("OFFIS_DCMTK_368")).unwrap();
        assert_eq!(m.version.as_deref(), Some("3.6.8"));
        let m = identify_dicom(t, Some("1.2.40.0.13.1.3"), Some("dcm4che-5.31.0")).unwrap();
        assert_eq!(
            (m.product.as_deref(), m.version.as_deref()),
            (Some("dcm4che"), Some("5.31.0"))
        );
        // dcm4go borrows dcm4che's UID: not named dcm4che
        assert!(identify_dicom(t, Some("1.2.40.0.13.1.3"), Some("dcm4go-1.0")).is_none());
        let m = identify_dicom(t, Some("1.3.6.1.4.1.30071.8"), Some("fo-dicom 5.1.2")).unwrap();
        assert_eq!(
            (m.product.as_deref(), m.version.as_deref()),
            (Some("fo-dicom"), Some("5.1.2"))
        );
        let m = identify_dicom(
            t,
            Some("1.2.826.0.1.3680043.9.3811.2.0.2"),
            Some("PYNETDICOM_202"),
        )
        .unwrap();
        assert_eq!(
            (m.product.as_deref(), m.version.as_deref()),
            (Some("pynetdicom"), Some("2.0.2"))
        );
        // a root is a whole component prefix, never a string prefix
        assert!(identify_dicom(t, Some("1.2.276.0.72300101"), None).is_none());
        assert!(identify_dicom(t, Some("1.2.3.4"), Some("X")).is_none());
        assert!(identify_dicom(t, None, Some("OFFIS_DCMTK_367")).is_none());
        assert!(identify_dicom(t, Some("  "), None).is_none());
    }

    #[test]
    fn hl7_identity() {
        let a = Hl7Ack {
            sending_application: "MIRTH^1.2.3^ISO".into(),
            sending_facility: "CHU-LAB".into(),
            version: "2.5".into(),
            component_separator: '^',
            ..Default::default()
        };
        assert_eq!(
            hl7_extrainfo(&a).as_deref(),
            Some("sending application MIRTH 1.2.3 ISO; facility CHU-LAB; HL7 2.5")
        );
        assert_eq!(hl7_extrainfo(&Hl7Ack::default()), None);
    }
}
