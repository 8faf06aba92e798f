//! Typed findings drawn from identified services, with severity, evidence
//! seen on the wire, and advice in French and English; and the diff of two scans.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::probe::Service;
use crate::versions::{end_of_life, eol_table, Confidence, DistroPatch, EolEntry};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    RemoteDesktopExposed,
    WebmailExposed,
    VpnApplianceExposed,
    DatabaseExposed,
    FileSharingExposed,
    CleartextProtocol,
    FtpAnonymousLogin,
    RedisNoAuthentication,
    DicomExposed,
    Hl7Exposed,
    TlsCertificateExpired,
    TlsSelfSigned,
    TlsLegacyProtocol,
    TlsNameMismatch,
    EndOfLifeSoftware,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RemoteDesktopExposed => "remote-desktop-exposed",
            Self::WebmailExposed => "webmail-exposed",
            Self::VpnApplianceExposed => "vpn-appliance-exposed",
            Self::DatabaseExposed => "database-exposed",
            Self::FileSharingExposed => "file-sharing-exposed",
            Self::CleartextProtocol => "cleartext-protocol",
            Self::FtpAnonymousLogin => "ftp-anonymous-login",
            Self::RedisNoAuthentication => "redis-no-authentication",
            Self::DicomExposed => "dicom-exposed",
            Self::Hl7Exposed => "hl7-exposed",
            Self::TlsCertificateExpired => "tls-certificate-expired",
            Self::TlsSelfSigned => "tls-self-signed",
            Self::TlsLegacyProtocol => "tls-legacy-protocol",
            Self::TlsNameMismatch => "tls-name-mismatch",
            Self::EndOfLifeSoftware => "end-of-life-software",
        }
    }

    /// (severity, advice in French, advice in English)
    pub fn advice(self) -> (Severity, &'static str, &'static str) {
        use Severity::*;
        match self {
            Self::RemoteDesktopExposed => (
                High,
                "Ne pas exposer le bureau à distance (RDP, VNC) sur Internet : le placer derrière un VPN avec authentification multifacteur, activer NLA, restreindre par filtrage les adresses sources autorisées.",
                "Do not expose remote desktop (RDP, VNC) to the internet: put it behind a VPN with multi-factor authentication, enable NLA, filter allowed source addresses.",
            ),
            Self::WebmailExposed => (
                Medium,
                "Webmail exposé : appliquer sans délai les mises à jour de sécurité (Exchange : dernier CU et SU), imposer l'authentification multifacteur, surveiller les journaux d'authentification.",
                "Webmail exposed: apply security updates promptly (Exchange: latest CU and SU), enforce multi-factor authentication, monitor authentication logs.",
            ),
            Self::VpnApplianceExposed => (
                Medium,
                "Équipement VPN exposé : vérifier qu'il est à jour des correctifs publiés par l'éditeur (vulnérabilités activement exploitées), activer l'authentification multifacteur et suivre les avis du CERT Santé et de l'ANSSI.",
                "VPN appliance exposed: check it has every vendor fix (actively exploited flaws), enable multi-factor authentication and follow CERT Santé and ANSSI advisories.",
            ),
            Self::DatabaseExposed => (
                High,
                "Base de données accessible depuis Internet : la retirer de l'exposition (filtrage réseau, écoute sur l'interface interne uniquement) et vérifier l'authentification.",
                "Database reachable from the internet: remove the exposure (network filtering, listen on internal interfaces only) and check authentication.",
            ),
            Self::FileSharingExposed => (
                High,
                "Service de partage de fichiers (SMB, NFS, FTP) exposé : le fermer sur Internet, utiliser un service d'échange sécurisé.",
                "File sharing service (SMB, NFS, FTP) exposed: close it to the internet, use a secure exchange service.",
            ),
            Self::CleartextProtocol => (
                Medium,
                "Protocole sans chiffrement (identifiants et données lisibles sur le réseau) : le remplacer par sa version chiffrée (SFTP, SSH, LDAPS, IMAPS...) ou le fermer.",
                "Cleartext protocol (credentials and data readable on the wire): replace it with its encrypted counterpart (SFTP, SSH, LDAPS, IMAPS...) or close it.",
            ),
            Self::FtpAnonymousLogin => (
                High,
                "Connexion FTP anonyme acceptée : désactiver l'accès anonyme (anonymous_enable=NO) et vérifier qu'aucune donnée sensible n'a été exposée.",
                "Anonymous FTP login accepted: disable anonymous access (anonymous_enable=NO) and check no sensitive data was exposed.",
            ),
            Self::RedisNoAuthentication => (
                Critical,
                "Redis répond sans authentification : exécution de code à distance possible. Le fermer sur Internet, activer l'authentification (requirepass / ACL) et le mode protégé.",
                "Redis answers without authentication: remote code execution is possible. Close it to the internet, enable authentication (requirepass / ACL) and protected mode.",
            ),
            Self::DicomExposed => (
                High,
                "Service DICOM (imagerie médicale) accessible depuis Internet : données de santé exposées. Le placer derrière un VPN et restreindre les AE titles et adresses autorisés.",
                "DICOM (medical imaging) service reachable from the internet: health data exposed. Put it behind a VPN and restrict allowed AE titles and addresses.",
            ),
            Self::Hl7Exposed => (
                High,
                "Interface HL7 (flux de données patient) accessible depuis Internet : la fermer, la réserver au réseau interne ou à un tunnel chiffré authentifié.",
                "HL7 interface (patient data flows) reachable from the internet: close it, keep it on the internal network or an authenticated encrypted tunnel.",
            ),
            Self::TlsCertificateExpired => (
                Medium,
                "Certificat TLS expiré : le renouveler ; un certificat expiré habitue les utilisateurs à ignorer les alertes de sécurité.",
                "Expired TLS certificate: renew it; expired certificates teach users to ignore security warnings.",
            ),
            Self::TlsSelfSigned => (
                Low,
                "Certificat TLS auto-signé : utiliser un certificat émis par une autorité reconnue.",
                "Self-signed TLS certificate: use a certificate issued by a recognised authority.",
            ),
            Self::TlsLegacyProtocol => (
                Medium,
                "Versions obsolètes de TLS acceptées (TLS 1.0/1.1) : les désactiver et n'autoriser que TLS 1.2 et 1.3 (recommandations ANSSI).",
                "Legacy TLS versions accepted (TLS 1.0/1.1): disable them and allow only TLS 1.2 and 1.3 (ANSSI guidance).",
            ),
            Self::TlsNameMismatch => (
                Low,
                "Le certificat TLS ne correspond pas au nom du service : corriger le certificat (noms alternatifs).",
                "The TLS certificate does not match the service name: fix the certificate (subject alternative names).",
            ),
            Self::EndOfLifeSoftware => (
                High,
                "Logiciel en fin de support : plus de correctifs de sécurité. Planifier sa mise à jour vers une version maintenue.",
                "Software past end of support: no more security fixes. Plan an upgrade to a supported version.",
            ),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub severity: Severity,
    pub ip: IpAddr,
    pub port: u16,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub title_fr: String,
    pub title_en: String,
    /// What was seen on the wire (an excerpt).
    pub evidence: String,
    pub remediation_fr: String,
    pub remediation_en: String,
    /// How sure the finding is (version-derived findings are less sure when a distribution backports fixes).
    pub confidence: Confidence,
    pub distro: Option<DistroPatch>,
    /// Extra detail (e.g. the EOL note, the TLS versions accepted).
    pub detail: Option<String>,
}

impl Finding {
    /// Stable identity across scans: kind, address, port.
    pub fn key(&self) -> (FindingKind, IpAddr, u16) {
        (self.kind, self.ip, self.port)
    }
}

fn title(kind: FindingKind, svc: &Service) -> (String, String) {
    let what = svc.product.clone().unwrap_or_else(|| svc.name.clone());
    let (fr, en) = match kind {
        FindingKind::RemoteDesktopExposed => ("Bureau à distance exposé", "Remote desktop exposed"),
        FindingKind::WebmailExposed => ("Webmail exposé", "Webmail exposed"),
        FindingKind::VpnApplianceExposed => ("Équipement VPN exposé", "VPN appliance exposed"),
        FindingKind::DatabaseExposed => ("Base de données exposée", "Database exposed"),
        FindingKind::FileSharingExposed => ("Partage de fichiers exposé", "File sharing exposed"),
        FindingKind::CleartextProtocol => ("Protocole en clair", "Cleartext protocol"),
        FindingKind::FtpAnonymousLogin => ("FTP anonyme autorisé", "Anonymous FTP login"),
        FindingKind::RedisNoAuthentication => (
            "Redis sans authentification",
            "Redis without authentication",
        ),
        FindingKind::DicomExposed => ("Service DICOM exposé", "DICOM service exposed"),
        FindingKind::Hl7Exposed => ("Interface HL7 exposée", "HL7 interface exposed"),
        FindingKind::TlsCertificateExpired => ("Certificat TLS expiré", "Expired TLS certificate"),
        FindingKind::TlsSelfSigned => ("Certificat TLS auto-signé", "Self-signed TLS certificate"),
        FindingKind::TlsLegacyProtocol => ("TLS obsolète accepté", "Legacy TLS accepted"),
        FindingKind::TlsNameMismatch => {
            ("Nom du certificat incorrect", "Certificate name mismatch")
        }
        FindingKind::EndOfLifeSoftware => ("Logiciel en fin de support", "End-of-life software"),
    };
    (
        format!("{fr} : {what} sur le port {}", svc.port),
        format!("{en}: {what} on port {}", svc.port),
    )
}

fn make(
    kind: FindingKind,
    svc: &Service,
    evidence: String,
    confidence: Confidence,
    detail: Option<String>,
) -> Finding {
    let (severity, fr, en) = kind.advice();
    let (title_fr, title_en) = title(kind, svc);
    Finding {
        kind,
        severity,
        ip: svc.ip,
        port: svc.port,
        service: svc.name.clone(),
        product: svc.product.clone(),
        version: svc.version.clone(),
        title_fr,
        title_en,
        evidence: crate::rules::excerpt(&evidence, 400),
        remediation_fr: fr.into(),
        remediation_en: en.into(),
        confidence,
        distro: None,
        detail,
    }
}

fn fact<'a>(svc: &'a Service, k: &str) -> Option<&'a str> {
    svc.facts.get(k).map(String::as_str)
}

/// Derives the findings of one identified service.
pub fn assess(svc: &Service, eol: &[EolEntry]) -> Vec<Finding> {
    use FindingKind::*;
    let mut out = vec![];
    let ev = svc.evidence.clone();
    let has_tag = |t: &str| svc.tags.iter().any(|x| x == t);
    let name = svc.name.as_str();
    if name == "ms-wbt-server" || name == "vnc" || has_tag("remote-desktop") {
        out.push(make(
            RemoteDesktopExposed,
            svc,
            ev.clone(),
            Confidence::High,
            fact(svc, "rdp.protocol").map(|p| format!("RDP security protocol: {p}")),
        ));
    }
    if has_tag("webmail") {
        out.push(make(
            WebmailExposed,
            svc,
            ev_match(svc, "webmail"),
            Confidence::High,
            None,
        ));
    }
    if has_tag("vpn") {
        out.push(make(
            VpnApplianceExposed,
            svc,
            ev_match(svc, "vpn"),
            Confidence::High,
            None,
        ));
    }
    let db = matches!(
        name,
        "mysql" | "postgresql" | "ms-sql-s" | "redis" | "mongodb" | "elasticsearch" | "oracle-tns"
    ) || has_tag("database");
    if db {
        out.push(make(
            DatabaseExposed,
            svc,
            ev.clone(),
            Confidence::High,
            None,
        ));
    }
    if matches!(name, "microsoft-ds" | "netbios-ssn" | "nfs" | "ftp") || has_tag("file-sharing") {
        out.push(make(
            FileSharingExposed,
            svc,
            ev.clone(),
            Confidence::High,
            fact(svc, "smb.dialect").map(|d| format!("SMB dialect {d}")),
        ));
    }
    // HL7 v2 over MLLP identified by a probe in clear: patient data readable on the wire
    let hl7_clear = name == "hl7-mllp" && svc.tls.is_none();
    let cleartext = match name {
        "ftp" | "telnet" => true,
        "hl7-mllp" => hl7_clear,
        "ldap" => true,
        "pop3" | "imap" => true,
        "http" => fact(svc, "http.body")
            .is_some_and(|b| b.to_ascii_lowercase().contains("type=\"password\"")),
        _ => false,
    };
    if cleartext {
        out.push(make(
            CleartextProtocol,
            svc,
            ev.clone(),
            Confidence::High,
            hl7_clear.then(|| {
                "HL7 v2 over MLLP without TLS: patient data and acknowledgements readable on the wire; use MLLP over TLS or an authenticated encrypted tunnel (flux HL7 en clair : utiliser MLLP sur TLS ou un tunnel chiffré authentifié)".to_string()
            }),
        ));
    }
    if fact(svc, "ftp.anonymous") == Some("true") {
        let e = format!(
            "USER anonymous → {}",
            fact(svc, "ftp.anonymous.reply").unwrap_or("230")
        );
        out.push(make(FtpAnonymousLogin, svc, e, Confidence::High, None));
    }
    if fact(svc, "redis.auth") == Some("none") {
        out.push(make(
            RedisNoAuthentication,
            svc,
            ev.clone(),
            Confidence::High,
            None,
        ));
    }
    if name == "dicom" {
        out.push(make(DicomExposed, svc, ev.clone(), Confidence::High, None));
    }
    if name == "hl7-mllp" {
        out.push(make(Hl7Exposed, svc, ev.clone(), Confidence::High, None));
    }
    if let Some(t) = &svc.tls {
        if let Some(leaf) = t.chain.first() {
            let cert_ev = format!(
                "subject {}; issuer {}; notAfter {}",
                leaf.subject, leaf.issuer, leaf.not_after
            );
            if leaf.expired {
                out.push(make(
                    TlsCertificateExpired,
                    svc,
                    cert_ev.clone(),
                    Confidence::High,
                    Some(format!("expired {}", leaf.not_after)),
                ));
            }
            if leaf.self_signed {
                out.push(make(
                    TlsSelfSigned,
                    svc,
                    cert_ev.clone(),
                    Confidence::High,
                    None,
                ));
            }
            if t.name_mismatch == Some(true) {
                out.push(make(
                    TlsNameMismatch,
                    svc,
                    format!("{cert_ev}; SAN {:?}", leaf.sans),
                    Confidence::High,
                    t.name_checked.clone(),
                ));
            }
        }
        let legacy: Vec<&String> = t
            .accepted_versions
            .iter()
            .filter(|v| *v == "TLSv1" || *v == "TLSv1.1")
            .collect();
        if !legacy.is_empty() {
            let e = format!(
                "handshake accepted with {}",
                legacy
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            out.push(make(
                TlsLegacyProtocol,
                svc,
                e,
                Confidence::High,
                Some(format!("accepted: {}", t.accepted_versions.join(", "))),
            ));
        }
    }
    if let (Some(p), Some(v)) = (&svc.product, &svc.version) {
        if let Some(e) = end_of_life(eol, p, v) {
            // a distribution package may carry backported fixes: less sure
            let confidence = if svc.distro.is_some() {
                Confidence::Low
            } else {
                Confidence::Medium
            };
            let mut f = make(
                EndOfLifeSoftware,
                svc,
                format!("{p} {v} read from: {}", ev),
                confidence,
                Some(format!("{} (since {})", e.note, e.since)),
            );
            f.distro = svc.distro.clone();
            out.push(f);
        }
    }
    for f in &mut out {
        if f.distro.is_none() {
            f.distro = svc.distro.clone();
        }
    }
    out
}

fn ev_match(svc: &Service, tag: &str) -> String {
    svc.matches
        .iter()
        .find(|m| m.tags.iter().any(|t| t == tag))
        .map(|m| format!("{} matched {}: {}", m.rule, m.field, m.evidence))
        .unwrap_or_else(|| svc.evidence.clone())
}

/// All findings of a set of services, most severe first.
pub fn assess_all(services: &[Service]) -> Vec<Finding> {
    let eol = eol_table();
    let mut v: Vec<Finding> = services.iter().flat_map(|s| assess(s, &eol)).collect();
    v.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(a.ip.cmp(&b.ip))
            .then(a.port.cmp(&b.port))
            .then(a.kind.cmp(&b.kind))
    });
    v
}

/// What changed between two scans.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanDiff {
    pub new_ports: Vec<(IpAddr, u16)>,
    pub gone_ports: Vec<(IpAddr, u16)>,
    /// (ip, port, before "product version", after)
    pub changed_services: Vec<(IpAddr, u16, String, String)>,
    pub new_findings: Vec<Finding>,
    /// Findings no longer seen: fixed, as verified by the later scan.
    pub gone_findings: Vec<Finding>,
    /// Same finding, different evidence or severity.
    pub changed_findings: Vec<(Finding, Finding)>,
}

fn svc_label(s: &Service) -> String {
    format!(
        "{} {} {}",
        s.name,
        s.product.clone().unwrap_or_default(),
        s.version.clone().unwrap_or_default()
    )
    .trim()
    .to_string()
}

/// Diff of `before` and `after` (services and findings).
pub fn diff(
    before_services: &[Service],
    before: &[Finding],
    after_services: &[Service],
    after: &[Finding],
) -> ScanDiff {
    let bs: BTreeMap<(IpAddr, u16), &Service> = before_services
        .iter()
        .map(|s| ((s.ip, s.port), s))
        .collect();
    let as_: BTreeMap<(IpAddr, u16), &Service> =
        after_services.iter().map(|s| ((s.ip, s.port), s)).collect();
    let mut d = ScanDiff::default();
    for (k, s) in &as_ {
        match bs.get(k) {
            None => d.new_ports.push(*k),
            Some(old) if svc_label(old) != svc_label(s) => {
                d.changed_services
                    .push((k.0, k.1, svc_label(old), svc_label(s)))
            }
            _ => {}
        }
    }
    d.gone_ports = bs
        .keys()
        .filter(|k| !as_.contains_key(k))
        .copied()
        .collect();
    let bf: BTreeMap<_, &Finding> = before.iter().map(|f| (f.key(), f)).collect();
    let af: BTreeMap<_, &Finding> = after.iter().map(|f| (f.key(), f)).collect();
    for (k, f) in &af {
        match bf.get(k) {
            None => d.new_findings.push((*f).clone()),
            Some(old)
                if old.severity != f.severity
                    || old.evidence != f.evidence
                    || old.version != f.version =>
            {
                d.changed_findings.push(((*old).clone(), (*f).clone()))
            }
            _ => {}
        }
    }
    d.gone_findings = bf
        .iter()
        .filter(|(k, _)| !af.contains_key(k))
        .map(|(_, f)| (*f).clone())
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{CertInfo, TlsInfo};

    fn svc(name: &str, port: u16) -> Service {
        Service {
            ip: "10.0.0.1".parse().unwrap(),
            port,
            name: name.into(),
            evidence: "x".into(),
            ..Default::default()
        }
    }

    #[test]
    fn findings_from_services() {
        let mut redis = svc("redis", 6379);
        redis.facts.insert("redis.auth".into(), "none".into());
        let mut ftp = svc("ftp", 21);
        ftp.facts.insert("ftp.anonymous".into(), "true".into());
        let mut web = svc("https", 443);
        web.tls = Some(TlsInfo {
            accepted_versions: vec!["TLSv1".into(), "TLSv1.2".into()],
            chain: vec![CertInfo {
                expired: true,
                self_signed: true,
                ..Default::default()
            }],
            ..Default::default()
        });
        let f = assess_all(&[
            redis,
            ftp,
            web,
            svc("ms-wbt-server", 3389),
            svc("dicom", 104),
            svc("hl7-mllp", 2575),
        ]);
        let kinds: Vec<&str> = f.iter().map(|f| f.kind.as_str()).collect();
        for k in [
            "redis-no-authentication",
            "database-exposed",
            "ftp-anonymous-login",
            "file-sharing-exposed",
            "cleartext-protocol",
            "tls-certificate-expired",
            "tls-self-signed",
            "tls-legacy-protocol",
            "remote-desktop-exposed",
            "dicom-exposed",
            "hl7-exposed",
        ] {
            assert!(kinds.contains(&k), "{k} missing from {kinds:?}");
        }
        assert_eq!(
            f[0].kind,
            FindingKind::RedisNoAuthentication,
            "critical first"
        );
        let hl7_clear = f
            .iter()
            .find(|f| f.port == 2575 && f.kind == FindingKind::CleartextProtocol)
            .expect("HL7 MLLP in clear is a cleartext protocol");
        assert!(hl7_clear
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("MLLP over TLS"));
        assert!(
            !f.iter()
                .any(|f| f.port == 104 && f.kind == FindingKind::CleartextProtocol),
            "only HL7 among the medical protocols is flagged so far"
        );
        assert!(f
            .iter()
            .all(|f| !f.remediation_fr.is_empty() && !f.remediation_en.is_empty()));
    }

    #[test]
    fn eol_with_distro_is_low_confidence() {
        let mut s = svc("ssh", 22);
        s.product = Some("OpenSSH".into());
        s.version = Some("6.6.1p1".into());
        s.distro = crate::versions::distro_patch("OpenSSH_6.6.1p1 Ubuntu-2ubuntu2.13");
        let f = assess_all(&[s.clone()]);
        let e = f
            .iter()
            .find(|f| f.kind == FindingKind::EndOfLifeSoftware)
            .unwrap();
        assert_eq!(e.confidence, Confidence::Low);
        assert_eq!(
            e.distro.as_ref().unwrap().patch_level.as_deref(),
            Some("2ubuntu2.13")
        );
        s.distro = None;
        let f = assess_all(&[s]);
        assert_eq!(
            f.iter()
                .find(|f| f.kind == FindingKind::EndOfLifeSoftware)
                .unwrap()
                .confidence,
            Confidence::Medium
        );
    }

    #[test]
    fn diff_new_gone_changed() {
        let a = svc("ms-wbt-server", 3389);
        let mut b = svc("redis", 6379);
        b.facts.insert("redis.auth".into(), "none".into());
        let before_s = vec![a.clone()];
        let after_s = vec![b.clone()];
        let d = diff(
            &before_s,
            &assess_all(&before_s),
            &after_s,
            &assess_all(&after_s),
        );
        assert_eq!(d.new_ports.len(), 1);
        assert_eq!(d.gone_ports.len(), 1);
        assert!(d
            .gone_findings
            .iter()
            .any(|f| f.kind == FindingKind::RemoteDesktopExposed));
        assert!(d
            .new_findings
            .iter()
            .any(|f| f.kind == FindingKind::RedisNoAuthentication));
        let mut b2 = b.clone();
        b2.product = Some("Redis".into());
        b2.version = Some("7.0".into());
        let d2 = diff(&[b.clone()], &[], &[b2], &[]);
        assert_eq!(d2.changed_services.len(), 1);
    }
}
