//! Structures (health and social establishments), their classification, contacts and declared
//! assets.
//!
//! # Sector
//!
//! [`sector_of_category`] reads the FINESS *catégorie agrégée* (4 digits) first: the FINESS
//! nomenclature groups categories into `1xxx` *établissements relevant de la loi hospitalière*
//! (1101 CHR/CHU, 1102 CH, 1110 soins de courte durée, 1203 dialyse, 1205 autres…) which we call
//! [`Sector::Sanitaire`], and `4xxx` *établissements et services sociaux et médico-sociaux* (4101
//! handicap, 4401 personnes âgées, 4502 justice des mineurs, 4605 multi-clientèles, 4608
//! protection des majeurs…) which we call [`Sector::MedicoSocial`]. Everything else (`2xxx`
//! other care and prevention such as PMI, `3xxx` training, pharmacies, laboratories…) is
//! [`Sector::Other`]. When the aggregate is missing, a short list of well-known category codes
//! is used (355 CH, 101 CHR/CHU, 365 ESP, 500 EHPAD…). Source: the aggregate codes and labels of
//! the public FINESS extract (`categagretab`/`libcategagretab`).
//!
//! # Legal family
//!
//! The site record carries `codesph`, the *participation au service public hospitalier* code
//! (nomenclature TRE_R73_ESPIC of the ANS): `0` non concerné, `1` établissement public de santé,
//! `2` PSPH par intégration, `3` PSPH par concession, `4` PSPH par association, `5` association
//! 1901 à activité psychiatrique, `6` ESPIC, `7` privé non lucratif non ESPIC, `9` indéterminé.
//! [`legal_family_of`] maps `1` to public and `2`–`7` to private non-profit. For `0`/`9`/empty
//! it only recognises categories that are public by law (CHR/CHU, CH, CHS, army hospitals).
//! **Limit:** the true legal status (*statut juridique*) belongs to the legal entity record,
//! which the site extract does not carry, so [`LegalFamily::PrivateForProfit`] is never derived
//! from the extract: for-profit clinics come out as [`LegalFamily::Unknown`] and must be set by
//! hand or from another source.
//!
//! # Assets
//!
//! [`parse_asset`] validates and normalises what a structure declares it owns:
//!
//! - **Domains**: lower-cased; ASCII only (write IDNs in their `xn--` form); at least two labels;
//!   labels of 1–63 characters among `a-z`, `0-9` and `-`, not starting or ending with `-`;
//!   at most 253 characters; no wildcard; no trailing dot; an all-numeric top-level label is
//!   refused (that is an IP address).
//! - **IP ranges**: CIDR notation, IPv4 or IPv6; a single address becomes `/32` or `/128`.
//!   A range with host bits set (`10.1.2.3/24`) is **refused**, and the error carries the
//!   network it probably meant (`10.1.2.0/24`): a typo in a scan perimeter must not silently
//!   widen or shift it. [`normalize_ip_range`] is the lenient variant that normalises and reports.
//!   Ranges broader than `/16` (IPv4) or `/32` (IPv6) are refused as overly broad.
//!
//! [`is_documentation_or_reserved`] tells the values that must never be scanned: RFC 5737
//! (`192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`), RFC 3849 (`2001:db8::/32`) and the
//! RFC 2606/6761 names (`example.com`, `example.net`, `example.org` and their subdomains, and
//! anything under `.example`, `.test`, `.invalid`, `.localhost`). A range that merely overlaps
//! a documentation range counts as reserved.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// A string did not name any variant of an enumeration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind}: {value:?}")]
pub struct ParseEnumError {
    /// What was being parsed (`"legal family"`, `"sector"`…).
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
}

macro_rules! string_enum {
    ($ty:ident, $kind:literal, [$($variant:ident => $s:literal, $fr:literal, $en:literal);+ $(;)?]) => {
        impl $ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// Stable machine name, as stored and as used in URLs.
            pub fn as_str(&self) -> &'static str {
                match self { $($ty::$variant => $s),+ }
            }
            /// French label, for the interface.
            pub fn label_fr(&self) -> &'static str {
                match self { $($ty::$variant => $fr),+ }
            }
            /// English label.
            pub fn label_en(&self) -> &'static str {
                match self { $($ty::$variant => $en),+ }
            }
        }

        impl FromStr for $ty {
            type Err = ParseEnumError;
            /// Parses the machine name ([`Self::as_str`]), ignoring case and surrounding spaces.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let t = s.trim();
                $(if t.eq_ignore_ascii_case($s) { return Ok($ty::$variant); })+
                Err(ParseEnumError { kind: $kind, value: s.to_string() })
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

/// Legal family of a structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LegalFamily {
    /// Public (établissement public de santé, public medico-social body…).
    Public,
    /// Private non-profit (ESPIC, associations, foundations, mutuals…).
    PrivateNonProfit,
    /// Private for-profit (commercial clinics…).
    PrivateForProfit,
    /// Not known from the available data.
    Unknown,
}

string_enum!(LegalFamily, "legal family", [
    Public => "public", "Public", "Public";
    PrivateNonProfit => "private_non_profit", "Privé à but non lucratif", "Private non-profit";
    PrivateForProfit => "private_for_profit", "Privé à but lucratif", "Private for-profit";
    Unknown => "unknown", "Inconnu", "Unknown";
]);

/// Sector of activity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sector {
    /// Health care (hospitals, clinics, dialysis…).
    Sanitaire,
    /// Social and medico-social (EHPAD, disability services…).
    MedicoSocial,
    /// Anything else (prevention, training, pharmacies, laboratories…).
    Other,
}

string_enum!(Sector, "sector", [
    Sanitaire => "sanitaire", "Sanitaire", "Health care";
    MedicoSocial => "medico_social", "Médico-social", "Medico-social";
    Other => "other", "Autre", "Other";
]);

/// An official designation a structure may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Designation {
    /// Opérateur de services essentiels (NIS).
    EssentialServiceOperator,
    /// Établissement de santé de référence pour les situations sanitaires exceptionnelles.
    ExceptionalHealthSituationReference,
    /// Located overseas.
    Overseas,
}

string_enum!(Designation, "designation", [
    EssentialServiceOperator => "ose", "Opérateur de services essentiels (OSE)", "Essential service operator (OSE)";
    ExceptionalHealthSituationReference => "esr", "Établissement de santé de référence SSE (ESR)", "Exceptional health situation reference establishment (ESR)";
    Overseas => "overseas", "Outre-mer", "Overseas";
]);

/// The role of a contact person of a structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ContactRole {
    /// Director.
    Director,
    /// Information systems security officer (RSSI).
    SecurityOfficer,
    /// Data protection officer.
    DataProtectionOfficer,
}

string_enum!(ContactRole, "contact role", [
    Director => "director", "Directeur·rice", "Director";
    SecurityOfficer => "security_officer", "RSSI", "Security officer";
    DataProtectionOfficer => "dpo", "DPO", "Data protection officer";
]);

/// Kinds of declared assets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AssetKind {
    /// A DNS domain name.
    Domain,
    /// An IPv4 or IPv6 range in CIDR notation.
    IpRange,
}

string_enum!(AssetKind, "asset kind", [
    Domain => "domain", "Nom de domaine", "Domain";
    IpRange => "ip_range", "Plage d'adresses IP", "IP range";
]);

/// Sector of a FINESS category (`categetab`, 3 digits) and aggregate category
/// (`categagretab`, 4 digits). See the [module documentation](self).
pub fn sector_of_category(category_code: &str, aggregate_code: &str) -> Sector {
    let agg = aggregate_code.trim();
    if agg.len() == 4 && agg.bytes().all(|b| b.is_ascii_digit()) {
        return match agg.as_bytes()[0] {
            b'1' => Sector::Sanitaire,
            b'4' => Sector::MedicoSocial,
            _ => Sector::Other,
        };
    }
    match category_code.trim() {
        // CHR/CHU, hôpital des armées, ES soins de suite, soins chirurgicaux, CLCC, dialyse,
        // hospitalisation à domicile, CHS, CH, ES pluridisciplinaire, ES santé mentale…
        "101" | "106" | "108" | "109" | "114" | "122" | "128" | "129" | "131" | "141" | "146"
        | "156" | "161" | "292" | "355" | "362" | "365" | "366" | "412" | "415" | "430" => {
            Sector::Sanitaire
        }
        // EHPAD, EHPA, résidences autonomie, IME, ITEP, ESAT, MAS, FAM, SESSAD, CMPP, CAMSP,
        // foyers, SSIAD, SAAD, LVA…
        "500" | "501" | "502" | "202" | "183" | "186" | "188" | "189" | "190" | "192" | "195"
        | "246" | "255" | "252" | "253" | "354" | "370" | "377" | "379" | "382" | "390" | "395"
        | "437" | "445" | "446" | "448" | "449" | "460" | "461" | "462" | "464" => {
            Sector::MedicoSocial
        }
        _ => Sector::Other,
    }
}

/// Legal family from the site record's `codesph` and category. See the
/// [module documentation](self) for the mapping and its limits.
pub fn legal_family_of(sph_code: &str, category_code: &str) -> LegalFamily {
    match sph_code.trim() {
        "1" => return LegalFamily::Public,
        "2" | "3" | "4" | "5" | "6" | "7" => return LegalFamily::PrivateNonProfit,
        _ => {}
    }
    match category_code.trim() {
        // CHR/CHU, hôpital des armées, CHS (santé mentale), CH: public by law.
        "101" | "114" | "292" | "355" => LegalFamily::Public,
        // Centres de lutte contre le cancer: private non-profit by law.
        "131" => LegalFamily::PrivateNonProfit,
        _ => LegalFamily::Unknown,
    }
}

/// Pragmatic e-mail syntax check: `local@domain`, local part of 1–64 characters among the
/// RFC 5322 "atext" set and dots (no leading, trailing or doubled dot), domain as for
/// [`parse_asset`] with [`AssetKind::Domain`] (ASCII, at least two labels, alphabetic TLD),
/// at most 254 characters in all. No quoted local parts, no IP literals, no IDN.
pub fn is_valid_email(s: &str) -> bool {
    if s.len() > 254 || s != s.trim() {
        return false;
    }
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 {
        return false;
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return false;
    }
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c);
    if !local.chars().all(atext) {
        return false;
    }
    match validate_domain(domain) {
        Ok(d) => d.rsplit('.').next().is_some_and(|tld| {
            tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
        }),
        Err(_) => false,
    }
}

/// Overseas numbering: national prefix (after the leading 0) → country code.
const OVERSEAS_PHONE: &[(&str, &str)] = &[
    ("590", "590"), // Guadeloupe, Saint-Martin, Saint-Barthélemy (fixed)
    ("690", "590"), // Guadeloupe (mobile)
    ("691", "590"),
    ("596", "596"), // Martinique (fixed)
    ("696", "596"), // Martinique (mobile)
    ("697", "596"),
    ("594", "594"), // Guyane (fixed)
    ("694", "594"), // Guyane (mobile)
    ("262", "262"), // La Réunion (fixed)
    ("263", "262"),
    ("692", "262"), // La Réunion (mobile)
    ("693", "262"),
    ("269", "262"), // Mayotte (fixed)
    ("639", "262"), // Mayotte (mobile)
];

/// Normalises a French phone number to E.164 (`"+33123456789"`).
///
/// Accepts `"01 23 45 67 89"`, `"01.23.45.67.89"`, `"0123456789"`, `"+33 1 23 45 67 89"`,
/// `"+33 (0)1 23 45 67 89"` and `"0033123456789"`. Numbers of the overseas departments written
/// nationally (`0590…`, `0596…`, `0594…`, `0262…`, `0692…`, `0269…`, `0639…`) get their own
/// country code (`+590`, `+596`, `+594`, `+262`); numbers already written with one of those
/// codes are kept. Returns `None` for anything else.
pub fn normalize_phone_fr(s: &str) -> Option<String> {
    // Collect at most 16 significant characters on the stack: digits, and a leading '+'.
    let mut buf = [0u8; 16];
    let mut len = 0usize;
    let mut plus = false;
    let t = s.trim();
    let mut rest = t;
    while let Some(c) = rest.chars().next() {
        let width = c.len_utf8();
        if rest.starts_with("(0)") {
            rest = &rest[3..];
            continue;
        }
        match c {
            '0'..='9' => {
                *buf.get_mut(len)? = c as u8;
                len += 1;
            }
            '+' if len == 0 && !plus => plus = true,
            ' ' | '.' | '-' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return None,
        }
        rest = &rest[width..];
    }
    let digits = std::str::from_utf8(&buf[..len]).ok()?;
    let international = if plus {
        digits
    } else if let Some(r) = digits.strip_prefix("00") {
        r
    } else if let Some(national) = digits.strip_prefix('0') {
        // National form: 0 + 9 digits.
        if national.len() != 9 || national.starts_with('0') {
            return None;
        }
        let cc = OVERSEAS_PHONE
            .iter()
            .find(|(p, _)| national.starts_with(p))
            .map_or("33", |(_, cc)| *cc);
        return Some(e164(cc, national));
    } else {
        return None;
    };
    for cc in ["33", "590", "596", "594", "262"] {
        if let Some(national) = international.strip_prefix(cc) {
            if national.len() == 9 && !national.starts_with('0') {
                return Some(e164(cc, national));
            }
        }
    }
    None
}

fn e164(cc: &str, national: &str) -> String {
    let mut out = String::with_capacity(1 + cc.len() + national.len());
    out.push('+');
    out.push_str(cc);
    out.push_str(national);
    out
}

/// Why a declared asset was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AssetError {
    /// Empty input.
    #[error("empty value")]
    Empty,
    /// A domain contains characters outside ASCII (IDNs must be written in `xn--` form).
    #[error("non-ASCII domain: write internationalised names in their xn-- form")]
    NonAscii,
    /// A wildcard (`*`) in a domain.
    #[error("wildcards are not allowed")]
    Wildcard,
    /// A domain with a trailing dot.
    #[error("trailing dot is not allowed")]
    TrailingDot,
    /// A domain with a single label.
    #[error("a domain needs at least two labels")]
    SingleLabel,
    /// A domain longer than 253 characters.
    #[error("domain longer than 253 characters")]
    TooLong,
    /// A label that is empty, too long, or has bad characters.
    #[error("invalid label {0:?}")]
    InvalidLabel(String),
    /// Not a valid address or CIDR range.
    #[error("invalid IP range {0:?}")]
    InvalidIp(String),
    /// The prefix length is not a number within the address family's size.
    #[error("invalid prefix length {0:?}")]
    InvalidPrefix(String),
    /// Host bits are set; the network the input probably meant is given.
    #[error("host bits set: did you mean {network}?")]
    HostBitsSet {
        /// The input with host bits cleared.
        network: String,
    },
    /// The range is broader than allowed.
    #[error("range too broad: /{prefix} is shorter than the minimum /{minimum}")]
    TooBroad {
        /// The prefix length given.
        prefix: u8,
        /// The shortest prefix allowed for the family.
        minimum: u8,
    },
}

/// Shortest IPv4 prefix accepted.
pub const MIN_PREFIX_V4: u8 = 16;
/// Shortest IPv6 prefix accepted.
pub const MIN_PREFIX_V6: u8 = 32;

fn validate_domain(value: &str) -> Result<String, AssetError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(AssetError::Empty);
    }
    if !v.is_ascii() {
        return Err(AssetError::NonAscii);
    }
    if v.contains('*') {
        return Err(AssetError::Wildcard);
    }
    if v.ends_with('.') {
        return Err(AssetError::TrailingDot);
    }
    if v.len() > 253 {
        return Err(AssetError::TooLong);
    }
    let lower = v.to_ascii_lowercase();
    let mut labels = 0usize;
    for label in lower.split('.') {
        labels += 1;
        let ok = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !ok {
            return Err(AssetError::InvalidLabel(label.to_string()));
        }
    }
    if labels < 2 {
        return Err(AssetError::SingleLabel);
    }
    if let Some(tld) = lower.rsplit('.').next() {
        if tld.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AssetError::InvalidLabel(tld.to_string()));
        }
    }
    Ok(lower)
}

/// A parsed CIDR range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

impl Cidr {
    fn parse(value: &str) -> Result<Cidr, AssetError> {
        let v = value.trim();
        if v.is_empty() {
            return Err(AssetError::Empty);
        }
        let (a, p) = match v.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (v, None),
        };
        let addr: IpAddr = a
            .parse()
            .map_err(|_| AssetError::InvalidIp(value.to_string()))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            None => max,
            Some(p) => {
                if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(AssetError::InvalidPrefix(p.to_string()));
                }
                let n: u8 = p
                    .parse()
                    .map_err(|_| AssetError::InvalidPrefix(p.to_string()))?;
                if n > max {
                    return Err(AssetError::InvalidPrefix(p.to_string()));
                }
                n
            }
        };
        Ok(Cidr { addr, prefix })
    }

    fn network(&self) -> Cidr {
        let addr = match self.addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4(Ipv4Addr::from(u32::from(a) & mask))
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6(Ipv6Addr::from(u128::from(a) & mask))
            }
        };
        Cidr {
            addr,
            prefix: self.prefix,
        }
    }

    /// Whether two ranges share at least one address.
    fn overlaps(&self, other: &Cidr) -> bool {
        let shortest = self.prefix.min(other.prefix);
        match (self.addr, other.addr) {
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {
                Cidr {
                    addr: self.addr,
                    prefix: shortest,
                }
                .network()
                    == Cidr {
                        addr: other.addr,
                        prefix: shortest,
                    }
                    .network()
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Normalises an IP range leniently: returns the network form and whether host bits had to be
/// cleared (`"10.1.2.3/24"` → `("10.1.2.0/24", true)`). Breadth limits still apply.
pub fn normalize_ip_range(value: &str) -> Result<(String, bool), AssetError> {
    let cidr = Cidr::parse(value)?;
    let minimum = if cidr.addr.is_ipv4() {
        MIN_PREFIX_V4
    } else {
        MIN_PREFIX_V6
    };
    if cidr.prefix < minimum {
        return Err(AssetError::TooBroad {
            prefix: cidr.prefix,
            minimum,
        });
    }
    let net = cidr.network();
    Ok((net.to_string(), net != cidr))
}

/// Validates and normalises a declared asset. See the [module documentation](self).
pub fn parse_asset(kind: AssetKind, value: &str) -> Result<String, AssetError> {
    match kind {
        AssetKind::Domain => validate_domain(value),
        AssetKind::IpRange => {
            let (net, cleared) = normalize_ip_range(value)?;
            if cleared {
                return Err(AssetError::HostBitsSet { network: net });
            }
            Ok(net)
        }
    }
}

/// True for documentation and reserved values that must never be scanned (see the
/// [module documentation](self)). Accepts a domain, an address or a CIDR range; anything that
/// is neither is reported as not reserved.
pub fn is_documentation_or_reserved(value: &str) -> bool {
    let v = value.trim();
    if let Ok(cidr) = Cidr::parse(v) {
        const DOC: [(IpAddr, u8); 4] = [
            (IpAddr::V4(Ipv4Addr::new(192, 0, 2, 0)), 24),
            (IpAddr::V4(Ipv4Addr::new(198, 51, 100, 0)), 24),
            (IpAddr::V4(Ipv4Addr::new(203, 0, 113, 0)), 24),
            (
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0)),
                32,
            ),
        ];
        return DOC.iter().any(|(addr, prefix)| {
            cidr.overlaps(&Cidr {
                addr: *addr,
                prefix: *prefix,
            })
        });
    }
    let lower = v.trim_end_matches('.').to_ascii_lowercase();
    let under = |suffix: &str| {
        lower == suffix
            || lower
                .strip_suffix(suffix)
                .is_some_and(|head| head.ends_with('.'))
    };
    [
        "example.com",
        "example.net",
        "example.org",
        "example",
        "test",
        "invalid",
        "localhost",
    ]
    .iter()
    .any(|s| under(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip() {
        for f in LegalFamily::ALL {
            assert_eq!(f.as_str().parse::<LegalFamily>(), Ok(*f));
        }
        for s in Sector::ALL {
            assert_eq!(s.as_str().parse::<Sector>(), Ok(*s));
        }
        for d in Designation::ALL {
            assert_eq!(d.as_str().parse::<Designation>(), Ok(*d));
        }
        for r in ContactRole::ALL {
            assert_eq!(r.as_str().parse::<ContactRole>(), Ok(*r));
        }
        for k in AssetKind::ALL {
            assert_eq!(k.as_str().parse::<AssetKind>(), Ok(*k));
        }
        assert_eq!(
            LegalFamily::PrivateNonProfit.label_fr(),
            "Privé à but non lucratif"
        );
        assert_eq!(Sector::MedicoSocial.label_fr(), "Médico-social");
        assert_eq!(ContactRole::Director.label_fr(), "Directeur·rice");
        assert_eq!(ContactRole::DataProtectionOfficer.as_str(), "dpo");
        assert_eq!(
            Designation::ExceptionalHealthSituationReference.as_str(),
            "esr"
        );
        assert_eq!(AssetKind::IpRange.as_str(), "ip_range");
        let err = "nope".parse::<Sector>().unwrap_err();
        assert_eq!(err.to_string(), "unknown sector: \"nope\"");
        assert_eq!(
            serde_json::to_string(&ContactRole::SecurityOfficer).unwrap(),
            "\"security_officer\""
        );
        let d: Designation = serde_json::from_str("\"ose\"").unwrap();
        assert_eq!(d, Designation::EssentialServiceOperator);
    }

    #[test]
    fn sectors() {
        assert_eq!(sector_of_category("355", "1102"), Sector::Sanitaire);
        assert_eq!(sector_of_category("101", "1101"), Sector::Sanitaire);
        assert_eq!(sector_of_category("699", "1205"), Sector::Sanitaire);
        assert_eq!(sector_of_category("500", "4401"), Sector::MedicoSocial);
        assert_eq!(sector_of_category("189", "4106"), Sector::MedicoSocial);
        assert_eq!(sector_of_category("223", "2202"), Sector::Other);
        assert_eq!(sector_of_category("355", ""), Sector::Sanitaire);
        assert_eq!(sector_of_category("500", " "), Sector::MedicoSocial);
        assert_eq!(sector_of_category("620", ""), Sector::Other);
        assert_eq!(sector_of_category("", ""), Sector::Other);
    }

    #[test]
    fn legal_families() {
        assert_eq!(legal_family_of("1", "355"), LegalFamily::Public);
        assert_eq!(legal_family_of("6", "365"), LegalFamily::PrivateNonProfit);
        assert_eq!(legal_family_of("7", "146"), LegalFamily::PrivateNonProfit);
        assert_eq!(legal_family_of("0", "365"), LegalFamily::Unknown);
        assert_eq!(legal_family_of("", "355"), LegalFamily::Public);
        assert_eq!(legal_family_of("9", "131"), LegalFamily::PrivateNonProfit);
        assert_eq!(legal_family_of("", ""), LegalFamily::Unknown);
    }

    #[test]
    fn emails() {
        for ok in [
            "rssi@chu-exemple.fr",
            "jean.dupont+cert@ars.sante.fr",
            "a@b.co",
            "o'brien@hopital.example",
        ] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "@ars.sante.fr",
            "rssi@",
            "rssi@localhost",
            "rssi.@ars.fr",
            ".rssi@ars.fr",
            "r..ssi@ars.fr",
            "rssi@@ars.fr",
            "rs si@ars.fr",
            "rssi@ars..fr",
            "rssi@-ars.fr",
            "rssi@ars.f",
            "rssi@192.168.0.1",
            "rssi@hôpital.fr",
            " rssi@ars.fr",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }

    #[test]
    fn phones() {
        for (input, want) in [
            ("01 23 45 67 89", "+33123456789"),
            ("+33 1 23 45 67 89", "+33123456789"),
            ("0123456789", "+33123456789"),
            ("01.23.45.67.89", "+33123456789"),
            ("+33 (0)1 23 45 67 89", "+33123456789"),
            ("0033123456789", "+33123456789"),
            ("06 12 34 56 78", "+33612345678"),
            ("0590 27 60 27", "+590590276027"),
            ("0262 90 50 50", "+262262905050"),
            ("0692 12 34 56", "+262692123456"),
            ("0596748677", "+596596748677"),
            ("0594395050", "+594594395050"),
            ("0269666815", "+262269666815"),
            ("+590 590 27 60 27", "+590590276027"),
        ] {
            assert_eq!(normalize_phone_fr(input).as_deref(), Some(want), "{input}");
        }
        for bad in [
            "",
            "12345",
            "01 23 45 67",
            "0023456789",
            "+44 20 7946 0958",
            "01 23 45 67 89 0",
            "abc",
            "+33 0 12 34 56 78",
        ] {
            assert_eq!(normalize_phone_fr(bad), None, "{bad}");
        }
    }

    #[test]
    fn domains() {
        assert_eq!(
            parse_asset(AssetKind::Domain, " CHU-Exemple.FR "),
            Ok("chu-exemple.fr".into())
        );
        assert_eq!(
            parse_asset(AssetKind::Domain, "xn--hpital-gva.fr"),
            Ok("xn--hpital-gva.fr".into())
        );
        assert_eq!(
            parse_asset(AssetKind::Domain, "*.chu.fr"),
            Err(AssetError::Wildcard)
        );
        assert_eq!(
            parse_asset(AssetKind::Domain, "chu.fr."),
            Err(AssetError::TrailingDot)
        );
        assert_eq!(
            parse_asset(AssetKind::Domain, "localhost"),
            Err(AssetError::SingleLabel)
        );
        assert_eq!(
            parse_asset(AssetKind::Domain, "hôpital.fr"),
            Err(AssetError::NonAscii)
        );
        assert_eq!(parse_asset(AssetKind::Domain, ""), Err(AssetError::Empty));
        assert!(matches!(
            parse_asset(AssetKind::Domain, "-chu.fr"),
            Err(AssetError::InvalidLabel(_))
        ));
        assert!(matches!(
            parse_asset(AssetKind::Domain, "chu_x.fr"),
            Err(AssetError::InvalidLabel(_))
        ));
        assert!(matches!(
            parse_asset(AssetKind::Domain, "a..fr"),
            Err(AssetError::InvalidLabel(_))
        ));
        assert!(matches!(
            parse_asset(AssetKind::Domain, "10.0.0.1"),
            Err(AssetError::InvalidLabel(_))
        ));
        let long_label = format!("{}.fr", "a".repeat(64));
        assert!(matches!(
            parse_asset(AssetKind::Domain, &long_label),
            Err(AssetError::InvalidLabel(_))
        ));
        let long = format!("{}fr", "abcdefghi.".repeat(26));
        assert_eq!(
            parse_asset(AssetKind::Domain, &long),
            Err(AssetError::TooLong)
        );
    }

    #[test]
    fn ip_ranges() {
        let p = |v: &str| parse_asset(AssetKind::IpRange, v);
        assert_eq!(p("192.0.2.0/24"), Ok("192.0.2.0/24".into()));
        assert_eq!(p("192.0.2.7"), Ok("192.0.2.7/32".into()));
        assert_eq!(p(" 2001:DB8::/48 "), Ok("2001:db8::/48".into()));
        assert_eq!(p("2001:db8::1"), Ok("2001:db8::1/128".into()));
        assert_eq!(p("10.20.0.0/16"), Ok("10.20.0.0/16".into()));
        assert_eq!(
            p("192.0.2.7/24"),
            Err(AssetError::HostBitsSet {
                network: "192.0.2.0/24".into()
            })
        );
        assert_eq!(
            normalize_ip_range("192.0.2.7/24"),
            Ok(("192.0.2.0/24".into(), true))
        );
        assert_eq!(
            normalize_ip_range("192.0.2.0/24"),
            Ok(("192.0.2.0/24".into(), false))
        );
        assert_eq!(
            p("10.0.0.0/8"),
            Err(AssetError::TooBroad {
                prefix: 8,
                minimum: 16
            })
        );
        assert_eq!(
            p("0.0.0.0/0"),
            Err(AssetError::TooBroad {
                prefix: 0,
                minimum: 16
            })
        );
        assert_eq!(
            p("::/0"),
            Err(AssetError::TooBroad {
                prefix: 0,
                minimum: 32
            })
        );
        assert_eq!(
            p("2001:db8::/31"),
            Err(AssetError::TooBroad {
                prefix: 31,
                minimum: 32
            })
        );
        assert!(matches!(
            p("192.0.2.0/33"),
            Err(AssetError::InvalidPrefix(_))
        ));
        assert!(matches!(p("192.0.2.0/"), Err(AssetError::InvalidPrefix(_))));
        assert!(matches!(
            p("192.0.2.0/+8"),
            Err(AssetError::InvalidPrefix(_))
        ));
        assert!(matches!(p("192.0.2/24"), Err(AssetError::InvalidIp(_))));
        assert!(matches!(p("chu.fr"), Err(AssetError::InvalidIp(_))));
        assert_eq!(p(""), Err(AssetError::Empty));
    }

    #[test]
    fn reserved() {
        for yes in [
            "192.0.2.10",
            "192.0.2.0/24",
            "198.51.100.0/25",
            "203.0.113.255",
            "2001:db8::1",
            "2001:db8:1::/48",
            "192.0.0.0/16",
            "example.com",
            "www.example.com",
            "mail.example.org",
            "example.net",
            "chu.example",
            "demo.test",
            "x.invalid",
            "localhost",
            "app.localhost",
            "WWW.EXAMPLE.COM.",
        ] {
            assert!(is_documentation_or_reserved(yes), "{yes}");
        }
        for no in [
            "192.0.3.1",
            "8.8.8.8",
            "2001:db9::1",
            "chu-bordeaux.fr",
            "notexample.com",
            "example.com.fr",
            "testing.fr",
            "",
        ] {
            assert!(!is_documentation_or_reserved(no), "{no}");
        }
    }
}
