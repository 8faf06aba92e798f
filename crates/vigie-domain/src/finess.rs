//! FINESS numbers (*Fichier national des établissements sanitaires et sociaux*).
//!
//! Every health or social structure in France has a FINESS number: the legal entity
//! (*entité juridique*, EJ) has one, and each of its geographic sites (*établissement*, ET) has
//! its own. A number is 9 characters long.
//!
//! # The rule, as implemented
//!
//! 1. **Length.** Exactly 9 characters, after trimming surrounding whitespace. Lower-case `a`/`b`
//!    are accepted and upper-cased (Corsica).
//! 2. **Department prefix** (characters 1–2):
//!    - `01`–`95` except `20` (metropolitan departments);
//!    - `2A` (Corse-du-Sud) and `2B` (Haute-Corse);
//!    - `97` and `98` for overseas. Overseas numbers are written `97` or `98`, then `0`, then one
//!      digit naming the territory: `9701` Guadeloupe (including Saint-Martin and
//!      Saint-Barthélemy), `9702` Martinique, `9703` Guyane, `9704` La Réunion, `9705`
//!      Saint-Pierre-et-Miquelon, `9706` Mayotte, `9707`/`9708` Saint-Barthélemy/Saint-Martin,
//!      `9805` Mayotte (its pre-2011 code 985 is still used by the numbers issued for Mayotte),
//!      `9806` Wallis-et-Futuna, `9807` Polynésie française, `9808` Nouvelle-Calédonie.
//!      The number itself is always numeric: the letters `9A`…`9J` only appear in the
//!      extract's `departement` *field* (see [`crate::geo::department_from_extract`]).
//! 3. **Digits.** Characters 3–9 are ASCII digits.
//! 4. **Check key.** The 9th character is the Luhn key of the first 8 digits: from the right,
//!    double every other digit starting with the 8th, subtract 9 from any result above 9, sum
//!    everything; the key is `(10 - sum % 10) % 10`.
//!
//! # Corsica (2A/2B)
//!
//! The key of a Corsican number is the same Luhn key, computed with the letter replaced by its
//! rank in the alphabet: `2A` → `21`, `2B` → `22`. No official text states it; it is read off
//! real numbers published by the ARS de Corse in the prefectures' official bulletins (*recueils
//! des actes administratifs*), all four of which satisfy it and none of which satisfies the other
//! candidates (`2A`/`2B` → `20`, the pre-1976 code of Corsica; or `19`/`18`, as in the social
//! security number): `2A0000014` (CH d'Ajaccio, legal entity), `2B0000020` (CH de Bastia),
//! `2B0005342` (CH de Calvi), `2B0004246` (CHI de Corte-Tattone). A wrong key on a Corsican
//! number is rejected like any other.
//!
//! # Sources
//!
//! - The layout and sample lines of the public extract `etalab-cs1100502-stock-20260512-0339.csv`
//!   (data.gouv.fr, *FINESS Extraction du Fichier des établissements*), quoted verbatim in public
//!   test suites: 37 real numbers, metropolitan and overseas, all satisfy the Luhn rule above.
//! - The overseas prefixes are read off those same lines (Guadeloupe/Saint-Martin/Saint-Barthélemy
//!   `9701…`, Martinique `9702…`, Guyane `9703…`, La Réunion `9704…`, Mayotte `9805…`,
//!   Wallis-et-Futuna `9806…`). The others follow the same pattern and are accepted by analogy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A validated FINESS number (9 characters), see the [module documentation](self).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Finess(String);

/// Why a string is not a valid FINESS number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FinessError {
    /// Not 9 characters long (the length is in characters, after trimming).
    #[error("wrong length: expected 9 characters, found {0}")]
    WrongLength(usize),
    /// A character that is not allowed at that position (positions start at 1).
    #[error("bad character {found:?} at position {position}")]
    BadCharacter {
        /// 1-based position in the trimmed input.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// The first characters do not name a known department or overseas territory.
    #[error("unknown department prefix {0:?}")]
    UnknownDepartment(String),
    /// The 9th character is not the Luhn key of the first 8.
    #[error("check key mismatch: expected {expected}, found {found}")]
    CheckKeyMismatch {
        /// The key computed from the first 8 digits.
        expected: char,
        /// The key present in the input.
        found: char,
    },
}

/// Overseas prefixes (first 4 characters) and the geographic code they stand for.
const OVERSEAS: &[(&str, &str)] = &[
    ("9701", "971"),
    ("9702", "972"),
    ("9703", "973"),
    ("9704", "974"),
    ("9705", "975"),
    ("9706", "976"),
    ("9707", "977"),
    ("9708", "978"),
    ("9805", "976"),
    ("9806", "986"),
    ("9807", "987"),
    ("9808", "988"),
];

/// Where the department information of a number sits.
enum Prefix {
    /// Metropolitan department: the first two characters.
    Metro,
    /// Corsica: `2A` or `2B`.
    Corsica,
    /// Overseas: the geographic code for the first four characters.
    Overseas(&'static str),
}

/// Classifies the prefix of `b` (ASCII, at least 2 bytes; 4 are needed for overseas).
fn classify(b: &[u8]) -> Result<Prefix, FinessError> {
    let (c0, c1) = match b {
        [c0, c1, ..] => (*c0, *c1),
        _ => return Err(FinessError::WrongLength(b.len())),
    };
    if !c0.is_ascii_digit() {
        return Err(FinessError::BadCharacter {
            position: 1,
            found: char::from(c0),
        });
    }
    if c0 == b'2' && (c1 == b'A' || c1 == b'B') {
        return Ok(Prefix::Corsica);
    }
    if !c1.is_ascii_digit() {
        return Err(FinessError::BadCharacter {
            position: 2,
            found: char::from(c1),
        });
    }
    let dep = (c0 - b'0') * 10 + (c1 - b'0');
    match dep {
        0 | 20 | 96 | 99 => Err(FinessError::UnknownDepartment(
            String::from_utf8_lossy(&b[..2]).into_owned(),
        )),
        97 | 98 => {
            let four = b.get(..4).ok_or(FinessError::WrongLength(b.len()))?;
            let four = std::str::from_utf8(four).unwrap_or("");
            OVERSEAS
                .iter()
                .find(|(p, _)| *p == four)
                .map(|(_, code)| Prefix::Overseas(code))
                .ok_or_else(|| FinessError::UnknownDepartment(four.to_string()))
        }
        _ => Ok(Prefix::Metro),
    }
}

/// Luhn key of 8 ASCII digits.
fn luhn_key(digits: &[u8; 8]) -> u8 {
    let mut sum = 0u32;
    for (i, d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 0 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    // `sum % 10` is below 10, so the key is a single digit.
    ((10 - sum % 10) % 10) as u8
}

/// The 8 digits the Luhn key is computed on (`2A`/`2B` become `21`/`22`, see the [module
/// documentation](self)).
fn luhn_digits(b: &[u8]) -> Option<[u8; 8]> {
    let mut out = [0u8; 8];
    for (i, slot) in out.iter_mut().enumerate() {
        let c = *b.get(i)?;
        *slot = if i == 1 && c == b'A' {
            b'1'
        } else if i == 1 && c == b'B' {
            b'2'
        } else if c.is_ascii_digit() {
            c
        } else {
            return None;
        };
    }
    Some(out)
}

/// Computes the 9th character (the check key) for the first 8 characters of a FINESS number.
///
/// Returns `None` unless `first8` is exactly 8 characters with a valid department prefix
/// followed by digits. Used by the demo generator to make valid numbers: for any 8 valid leading
/// characters, `first8 + key` parses (Corsica included, see the [module documentation](self)).
pub fn check_key(first8: &str) -> Option<char> {
    let b = first8.as_bytes();
    if b.len() != 8 {
        return None;
    }
    classify(b).ok()?;
    if !b[2..].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let digits = luhn_digits(b)?;
    Some(char::from(b'0' + luhn_key(&digits)))
}

impl FinessError {
    /// The same reason in French, for the interface (the `Display` text is English, for logs
    /// and the API).
    pub fn fr(&self) -> String {
        match self {
            FinessError::WrongLength(n) => {
                format!("longueur incorrecte : 9 caractères attendus, {n} trouvé(s)")
            }
            FinessError::BadCharacter { position, found } => {
                format!("caractère {found:?} non admis en position {position}")
            }
            FinessError::UnknownDepartment(p) => format!("préfixe de département inconnu {p:?}"),
            FinessError::CheckKeyMismatch { expected, found } => {
                format!("clé de contrôle incorrecte : {expected} attendue, {found} trouvée")
            }
        }
    }
}

impl Finess {
    /// Parses and validates a FINESS number (surrounding whitespace is ignored, `2a`/`2b` are
    /// upper-cased).
    pub fn parse(s: &str) -> Result<Finess, FinessError> {
        let s = s.trim();
        if s.len() != 9 || !s.is_ascii() {
            let len = s.chars().count();
            if len != 9 {
                return Err(FinessError::WrongLength(len));
            }
        }
        // Only ASCII is allowed; report the first offending character with its position.
        if let Some((i, c)) = s.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
            return Err(FinessError::BadCharacter {
                position: i + 1,
                found: c,
            });
        }
        let mut b = [0u8; 9];
        b.copy_from_slice(s.as_bytes());
        if b[0] == b'2' && (b[1] == b'a' || b[1] == b'b') {
            b[1] = b[1].to_ascii_uppercase();
        }
        classify(&b)?;
        for (i, c) in b.iter().enumerate().skip(2) {
            if !c.is_ascii_digit() {
                return Err(FinessError::BadCharacter {
                    position: i + 1,
                    found: char::from(*c),
                });
            }
        }
        let digits = luhn_digits(&b).ok_or(FinessError::WrongLength(9))?;
        let expected = luhn_key(&digits);
        if b[8] - b'0' != expected {
            return Err(FinessError::CheckKeyMismatch {
                expected: char::from(b'0' + expected),
                found: char::from(b[8]),
            });
        }
        // All bytes are ASCII, so this cannot fail; fall back to an error rather than panic.
        let text = std::str::from_utf8(&b).map_err(|_| FinessError::WrongLength(9))?;
        Ok(Finess(text.to_string()))
    }

    /// The number as a 9-character string.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The geographic department code the number belongs to, as used by [`crate::geo`]:
    /// `"75"`, `"2A"`, or a 3-character overseas code such as `"971"` or `"976"`.
    pub fn department_code(&self) -> &str {
        match classify(self.0.as_bytes()) {
            Ok(Prefix::Overseas(code)) => code,
            _ => self.0.get(..2).unwrap_or(""),
        }
    }

    /// Whether the check key of this number was verified: always, Corsican numbers included
    /// since their rule was read off real numbers (see the [module documentation](self)). Kept
    /// for the callers that still ask.
    pub fn key_is_verified(&self) -> bool {
        true
    }
}

impl fmt::Display for Finess {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Finess {
    type Err = FinessError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Finess::parse(s)
    }
}

impl AsRef<str> for Finess {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Finess {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Finess {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Finess::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real FINESS numbers, with what they are. The first group is quoted verbatim from the
    /// public extract of 2026-05-12; the second from public lists of university hospitals.
    const REAL: &[(&str, &str, &str)] = &[
        ("010000024", "01", "CH de Fleyriat, Bourg-en-Bresse (site)"),
        ("010780054", "01", "CH de Bourg-en-Bresse (legal entity)"),
        ("750712184", "75", "AP-HP (legal entity)"),
        ("750100125", "75", "AP-HP Pitié-Salpêtrière (site)"),
        (
            "830200523",
            "83",
            "Polyclinique mutualiste Malartic, Ollioules (site)",
        ),
        (
            "970100400",
            "971",
            "CH Louis Constant Fleming, Saint-Martin (site)",
        ),
        ("970100012", "971", "Polyclinique de la Guadeloupe (site)"),
        ("970102018", "971", "PMI Saint-Barthélemy (site)"),
        (
            "970210126",
            "972",
            "CMPP intersectoriel Aloès, Martinique (site)",
        ),
        ("970300026", "973", "CH de Cayenne (site)"),
        ("970302022", "973", "CH de Cayenne (legal entity)"),
        (
            "970400024",
            "974",
            "CHU de La Réunion, site Félix Guyon (site)",
        ),
        ("970408589", "974", "CHU de La Réunion (legal entity)"),
        (
            "980501506",
            "976",
            "Lieu de vie Mavouna Mema 1, Mayotte (site)",
        ),
        ("980502199", "976", "Ubipharm Mayotte (site)"),
        (
            "980600027",
            "986",
            "Hôpital de Sia, Wallis-et-Futuna (site)",
        ),
        ("590799730", "59", "ALEFPA (legal entity, Nord)"),
        ("690781810", "69", "Hospices Civils de Lyon (legal entity)"),
        ("330781196", "33", "CHU de Bordeaux (legal entity)"),
        ("130786049", "13", "AP-HM (legal entity)"),
        ("590780193", "59", "CHU de Lille (legal entity)"),
        ("310781406", "31", "CHU de Toulouse (legal entity)"),
        ("970100228", "971", "CHU de la Guadeloupe (legal entity)"),
        ("970211207", "972", "CHU de Martinique (legal entity)"),
    ];

    #[test]
    fn real_numbers_parse_with_their_department() {
        for (n, dep, what) in REAL {
            let f = Finess::parse(n).unwrap_or_else(|e| panic!("{n} ({what}): {e}"));
            assert_eq!(f.department_code(), *dep, "{n} ({what})");
            assert_eq!(f.as_str(), *n);
            assert!(f.key_is_verified());
            assert_eq!(check_key(&n[..8]), n.chars().nth(8), "{n} ({what})");
        }
    }

    #[test]
    fn every_wrong_key_of_a_real_number_is_rejected() {
        for (n, _, _) in REAL {
            for k in '0'..='9' {
                let candidate = format!("{}{k}", &n[..8]);
                if candidate == *n {
                    continue;
                }
                let err = Finess::parse(&candidate).unwrap_err();
                assert!(
                    matches!(err, FinessError::CheckKeyMismatch { .. }),
                    "{candidate}: {err}"
                );
            }
        }
    }

    #[test]
    fn rejections_say_why() {
        assert_eq!(
            Finess::parse("75071218").unwrap_err(),
            FinessError::WrongLength(8)
        );
        assert_eq!(
            Finess::parse("7507121845").unwrap_err(),
            FinessError::WrongLength(10)
        );
        assert_eq!(Finess::parse("").unwrap_err(), FinessError::WrongLength(0));
        assert_eq!(
            Finess::parse("750712185").unwrap_err(),
            FinessError::CheckKeyMismatch {
                expected: '4',
                found: '5'
            }
        );
        assert_eq!(
            Finess::parse("75071X184").unwrap_err(),
            FinessError::BadCharacter {
                position: 6,
                found: 'X'
            }
        );
        assert_eq!(
            Finess::parse("75071é184").unwrap_err(),
            FinessError::BadCharacter {
                position: 6,
                found: 'é'
            }
        );
        assert_eq!(
            Finess::parse("200000003").unwrap_err(),
            FinessError::UnknownDepartment("20".into())
        );
        assert_eq!(
            Finess::parse("000000000").unwrap_err(),
            FinessError::UnknownDepartment("00".into())
        );
        assert_eq!(
            Finess::parse("960000000").unwrap_err(),
            FinessError::UnknownDepartment("96".into())
        );
        assert_eq!(
            Finess::parse("979000000").unwrap_err(),
            FinessError::UnknownDepartment("9790".into())
        );
        assert_eq!(
            Finess::parse("2C0000000").unwrap_err(),
            FinessError::BadCharacter {
                position: 2,
                found: 'C'
            }
        );
        assert_eq!(
            Finess::parse("A10000000").unwrap_err(),
            FinessError::BadCharacter {
                position: 1,
                found: 'A'
            }
        );
        assert_eq!(
            Finess::parse("750712184").map(|f| f.to_string()),
            Ok("750712184".to_string())
        );
        let msg = Finess::parse("750712185").unwrap_err().to_string();
        assert_eq!(msg, "check key mismatch: expected 4, found 5");
    }

    /// Real Corsican numbers, from the ARS de Corse's orders in the prefectures' official
    /// bulletins (recueils des actes administratifs de Corse-du-Sud, 2017, and de Haute-Corse,
    /// 2024 and 2025).
    const CORSICA: &[(&str, &str, &str)] = &[
        ("2A0000014", "2A", "CH d'Ajaccio (legal entity)"),
        ("2B0000020", "2B", "CH de Bastia"),
        ("2B0005342", "2B", "CH de Calvi"),
        ("2B0004246", "2B", "CHI de Corte-Tattone"),
    ];

    #[test]
    fn corsica() {
        for (n, dep, what) in CORSICA {
            let f = Finess::parse(n).unwrap_or_else(|e| panic!("{n} ({what}): {e}"));
            assert_eq!(f.department_code(), *dep, "{n} ({what})");
            assert!(f.key_is_verified());
            assert_eq!(check_key(&n[..8]), n.chars().nth(8), "{n} ({what})");
            // Lower case is accepted and upper-cased.
            assert_eq!(Finess::parse(&n.to_lowercase()).unwrap().as_str(), *n);
            // Every other key is refused, as for any number.
            for k in '0'..='9' {
                let candidate = format!("{}{k}", &n[..8]);
                if candidate != *n {
                    assert!(
                        matches!(
                            Finess::parse(&candidate),
                            Err(FinessError::CheckKeyMismatch { .. })
                        ),
                        "{candidate}"
                    );
                }
            }
        }
        assert!(Finess::parse("2B000001X").is_err());
    }

    #[test]
    fn check_key_refuses_bad_input() {
        assert_eq!(check_key("7507121"), None);
        assert_eq!(check_key("750712184"), None);
        assert_eq!(check_key("20071218"), None);
        assert_eq!(check_key("7507121X"), None);
        assert_eq!(check_key("97900000"), None);
        assert_eq!(check_key("éé071218"), None);
    }

    #[test]
    fn whitespace_and_traits() {
        let f: Finess = " 750712184\t".parse().unwrap();
        assert_eq!(f.as_str(), "750712184");
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, "\"750712184\"");
        let back: Finess = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f);
        let bad: Result<Finess, _> = serde_json::from_str("\"750712185\"");
        assert!(bad.unwrap_err().to_string().contains("check key mismatch"));
    }
}
