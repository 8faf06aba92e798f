//! An incident as the exports see it: the declared facts, the case's qualification, its
//! markings and its observables. The store builds it from what the reader may see; nothing here
//! decides who sees what.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::marking::{Pap, Tlp};
use crate::names::named_enum;
use crate::taxonomy::{
    CareImpact, CaseStatus, DataImpact, IncidentState, IncidentType, OperationsImpact, Origin,
    Severity,
};

/// The structure an incident belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StructureRef {
    /// Its FINESS number.
    pub finess: String,
    pub name: String,
}

/// An incident, for export.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Incident {
    /// Stable identifier, also the MISP event's uuid; STIX ids derive from it.
    pub uuid: Uuid,
    /// The human reference (`INC-2026-000042`).
    pub reference: String,
    pub title: String,
    pub description: String,
    pub structure: StructureRef,
    pub occurred_at: Option<DateTime<Utc>>,
    pub detected_at: DateTime<Utc>,
    pub declared_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub state: IncidentState,
    pub status: CaseStatus,
    pub origin: Origin,
    pub incident_type: IncidentType,
    pub care_impact: CareImpact,
    pub data_impacts: Vec<DataImpact>,
    pub operations_impact: OperationsImpact,
    pub significant: bool,
    pub personal_data: bool,
    pub support_requested: bool,
    /// Systems and applications affected.
    pub systems: String,
    pub sites: String,
    /// The provider involved, if any.
    pub provider: Option<String>,
    pub severity: Option<Severity>,
    pub major: bool,
    pub tlp: Tlp,
    pub pap: Pap,
    pub observables: Vec<Observable>,
}

/// What an observable is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservableKind {
    Ip,
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
    FileName,
}

named_enum!(ObservableKind, "observable kind", [
    Ip => "ip", "Adresse IP", "IP address";
    Domain => "domain", "Nom de domaine", "Domain name";
    Url => "url", "URL", "URL";
    Email => "email", "Adresse électronique", "E-mail address";
    Md5 => "md5", "Empreinte MD5", "MD5 hash";
    Sha1 => "sha1", "Empreinte SHA-1", "SHA-1 hash";
    Sha256 => "sha256", "Empreinte SHA-256", "SHA-256 hash";
    FileName => "filename", "Nom de fichier", "File name";
]);

/// Why an observable's value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ObservableError {
    #[error("empty value")]
    Empty,
    #[error("too long (at most {max} characters)")]
    TooLong { max: usize },
    #[error("not a {kind}: {value:?}")]
    Invalid { kind: ObservableKind, value: String },
}

/// Longest observable value kept.
pub const MAX_OBSERVABLE_LEN: usize = 2048;

impl ObservableKind {
    /// Checks and normalises a value of this kind (addresses in their canonical form, domains
    /// and hashes in lower case, no control characters).
    pub fn normalize(self, value: &str) -> Result<String, ObservableError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(ObservableError::Empty);
        }
        if v.chars().count() > MAX_OBSERVABLE_LEN {
            return Err(ObservableError::TooLong {
                max: MAX_OBSERVABLE_LEN,
            });
        }
        let invalid = || ObservableError::Invalid {
            kind: self,
            value: v.to_string(),
        };
        if v.chars().any(char::is_control) {
            return Err(invalid());
        }
        let hex = |len: usize| {
            if v.len() == len && v.chars().all(|c| c.is_ascii_hexdigit()) {
                Ok(v.to_ascii_lowercase())
            } else {
                Err(invalid())
            }
        };
        match self {
            ObservableKind::Ip => v
                .parse::<IpAddr>()
                .map(|ip| ip.to_string())
                .map_err(|_| invalid()),
            ObservableKind::Domain => {
                let d = v.trim_end_matches('.').to_ascii_lowercase();
                let ok = d.len() <= 253
                    && d.contains('.')
                    && d.split('.').all(|l| {
                        !l.is_empty()
                            && l.len() <= 63
                            && !l.starts_with('-')
                            && !l.ends_with('-')
                            && l.chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                    });
                if ok {
                    Ok(d)
                } else {
                    Err(invalid())
                }
            }
            ObservableKind::Url => {
                let lower = v.to_ascii_lowercase();
                let rest = lower
                    .strip_prefix("http://")
                    .or_else(|| lower.strip_prefix("https://"))
                    .or_else(|| lower.strip_prefix("ftp://"));
                match rest {
                    Some(r) if !r.is_empty() && !v.contains(char::is_whitespace) => {
                        Ok(v.to_string())
                    }
                    _ => Err(invalid()),
                }
            }
            ObservableKind::Email => match v.split_once('@') {
                Some((local, domain))
                    if !local.is_empty()
                        && domain.contains('.')
                        && !domain.contains('@')
                        && !v.contains(char::is_whitespace) =>
                {
                    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
                }
                _ => Err(invalid()),
            },
            ObservableKind::Md5 => hex(32),
            ObservableKind::Sha1 => hex(40),
            ObservableKind::Sha256 => hex(64),
            ObservableKind::FileName => {
                if v.contains('/') || v.contains('\\') {
                    Err(invalid())
                } else {
                    Ok(v.to_string())
                }
            }
        }
    }
}

/// An observable or indicator of compromise, with its own marking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Observable {
    /// Stable identifier (MISP attribute uuid; STIX ids derive from it).
    pub uuid: Uuid,
    pub kind: ObservableKind,
    /// Normalised value ([`ObservableKind::normalize`]).
    pub value: String,
    pub tlp: Tlp,
    /// An indicator of compromise (worth detecting), not only something seen.
    pub is_indicator: bool,
    pub comment: String,
    /// When it was seen (the incident's detection when unknown).
    pub seen_at: Option<DateTime<Utc>>,
}

/// A date given in a declaration that contradicts the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateProblem {
    #[error("the detection is before the occurrence")]
    DetectedBeforeOccurred,
    #[error("the occurrence is in the future")]
    OccurredInFuture,
    #[error("the detection is in the future")]
    DetectedInFuture,
}

/// Checks the declared dates against each other and `now` (a few minutes of clock skew
/// between the person's computer and the server are allowed).
pub fn check_dates(
    occurred_at: Option<DateTime<Utc>>,
    detected_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DateProblem> {
    let skew = chrono::Duration::minutes(5);
    if let Some(o) = occurred_at {
        if o > now + skew {
            return Err(DateProblem::OccurredInFuture);
        }
        if detected_at < o {
            return Err(DateProblem::DetectedBeforeOccurred);
        }
    }
    if detected_at > now + skew {
        return Err(DateProblem::DetectedInFuture);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observables_are_checked_and_normalised() {
        use ObservableKind::*;
        let ok = [
            (Ip, " 2001:DB8::1 ", "2001:db8::1"),
            (Ip, "192.0.2.10", "192.0.2.10"),
            (Domain, "Evil.Example.", "evil.example"),
            (
                Url,
                "https://evil.example/a?b=1",
                "https://evil.example/a?b=1",
            ),
            (Email, "Bob@Evil.EXAMPLE", "Bob@evil.example"),
            (
                Md5,
                "D41D8CD98F00B204E9800998ECF8427E",
                "d41d8cd98f00b204e9800998ecf8427e",
            ),
            (FileName, "facture.pdf.exe", "facture.pdf.exe"),
        ];
        for (k, input, want) in ok {
            assert_eq!(k.normalize(input).as_deref(), Ok(want), "{k} {input}");
        }
        let bad = [
            (Ip, "999.1.1.1"),
            (Domain, "nodot"),
            (Domain, "-bad.example"),
            (Url, "javascript:alert(1)"),
            (Email, "a@b@c.example"),
            (Sha256, "abc"),
            (FileName, "../etc/passwd"),
            (Domain, "a\u{0}.example"),
        ];
        for (k, input) in bad {
            assert!(k.normalize(input).is_err(), "{k} {input:?}");
        }
        assert_eq!(Ip.normalize("  "), Err(ObservableError::Empty));
    }

    #[test]
    fn dates_contradicting_each_other_are_refused() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let now = t("2026-05-10T12:00:00Z");
        assert_eq!(
            check_dates(
                Some(t("2026-05-10T10:00:00Z")),
                t("2026-05-10T09:00:00Z"),
                now
            ),
            Err(DateProblem::DetectedBeforeOccurred)
        );
        assert_eq!(
            check_dates(None, t("2026-05-11T09:00:00Z"), now),
            Err(DateProblem::DetectedInFuture)
        );
        assert_eq!(
            check_dates(
                Some(t("2026-05-09T10:00:00Z")),
                t("2026-05-10T12:03:00Z"),
                now
            ),
            Ok(()),
            "a few minutes of skew are allowed"
        );
    }
}
