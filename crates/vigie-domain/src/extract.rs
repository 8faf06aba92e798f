//! The public FINESS extract (the "etalab" file published on data.gouv.fr by the ministry).
//!
//! # Format
//!
//! Semicolon-separated, one record per line, no header. The first line is metadata:
//! `finess;etalab;111;2026-05-12` (file family, source, version, extraction date). Every other
//! line starts with its record type:
//!
//! - `structureet`: one geographic site (*établissement*), 32 fields:
//!
//!   | # | name | # | name | # | name | # | name |
//!   |---|------|---|------|---|------|---|------|
//!   | 1 | `structureet` | 9 | typvoie | 17 | telephone | 25 | codemft |
//!   | 2 | nofinesset | 10 | voie | 18 | telecopie | 26 | libmft |
//!   | 3 | nofinessej | 11 | compvoie | 19 | categetab | 27 | codesph |
//!   | 4 | rs | 12 | lieuditbp | 20 | libcategetab | 28 | libsph |
//!   | 5 | rslongue | 13 | commune | 21 | categagretab | 29 | dateouv |
//!   | 6 | complrs | 14 | departement | 22 | libcategagretab | 30 | dateautor |
//!   | 7 | compldistrib | 15 | libdepartement | 23 | siret | 31 | datemaj |
//!   | 8 | numvoie | 16 | ligneacheminement | 24 | codeape | 32 | numuai |
//!
//!   Lines usually end with `;` (an empty `numuai`); 31 fields (no `numuai`) are accepted too.
//! - `geolocalisation` (`nofinesset;coordxet;coordyet;sourcecoordet;datemaj`) and any other
//!   record type: returned as [`Record::Other`] so the import can skip and count them.
//!
//! Fields are normally bare, but some names carry CSV quoting (`"LIEU DE VIE ""X"""`): a field
//! that starts with `"` is read as a quoted field (with `""` for a quote) when it is properly
//! closed; otherwise, and for quotes inside a bare field, quotes are kept as they are. A
//! trailing `\r` and a UTF-8 byte-order mark are ignored. Older extracts are ISO-8859-1: decode
//! each line with [`decode_line`].
//!
//! The layout was checked against lines of `etalab-cs1100502-stock-20260512-0339.csv` quoted
//! verbatim in public test suites (see the tests below).
//!
//! # Errors
//!
//! [`LineError`] says which field and why, without the line number (the caller adds it), e.g.
//! `field 2 (nofinesset): check key mismatch: expected 3, found 4` or
//! `structureet record has 20 fields, expected 32`.

use std::borrow::Cow;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::finess::{Finess, FinessError};
use crate::geo;
use crate::structure::normalize_phone_fr;

/// The first line of the extract.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// The source named on the line (`"etalab"`).
    pub source: String,
    /// The extract's version number (`"111"`).
    pub version: String,
    /// The extraction date, when present.
    pub date: Option<NaiveDate>,
}

/// One geographic site (`structureet` record). String fields are trimmed; empty optional
/// fields are `None`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteRecord {
    /// FINESS number of the site (`nofinesset`).
    pub finess_et: Finess,
    /// FINESS number of the legal entity (`nofinessej`).
    pub finess_ej: Option<Finess>,
    /// Short name (`rs`).
    pub name: String,
    /// Long name (`rslongue`), possibly empty.
    pub long_name: String,
    /// Street address: `numvoie typvoie voie compvoie`, then `compldistrib` and `lieuditbp`,
    /// the non-empty parts joined with `", "`.
    pub address: String,
    /// Postal line (`ligneacheminement`), e.g. `"01440 VIRIAT"`.
    pub postal_line: String,
    /// Commune code within the department (`commune`), e.g. `"451"`.
    pub commune_code: String,
    /// Department, normalised to [`crate::geo`] codes (`"9A"` → `"971"`). When the field is
    /// unknown, the department of `finess_et` is used.
    pub department_code: String,
    /// Phone (`telephone`), in E.164 when it could be normalised, else as written.
    pub phone: Option<String>,
    /// Category code (`categetab`), e.g. `"355"`.
    pub category_code: String,
    /// Category label (`libcategetab`).
    pub category_label: String,
    /// Aggregate category code (`categagretab`), e.g. `"1102"`.
    pub aggregate_code: String,
    /// Aggregate category label (`libcategagretab`).
    pub aggregate_label: String,
    /// SIRET (`siret`), not validated.
    pub siret: Option<String>,
    /// Public hospital service participation code (`codesph`).
    pub sph_code: String,
    /// Its label (`libsph`).
    pub sph_label: String,
    /// Opening date (`dateouv`); `None` when empty or malformed.
    pub opened_on: Option<NaiveDate>,
    /// Last update in FINESS (`datemaj`); `None` when empty or malformed.
    pub updated_on: Option<NaiveDate>,
}

/// One parsed line.
// Records are produced one at a time and consumed at once; boxing the site would cost an
// allocation per line for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// A `structureet` record.
    Site(SiteRecord),
    /// Any other record type (`geolocalisation`, …), to be skipped and counted.
    Other {
        /// The record type (first field).
        kind: String,
    },
}

/// Why a line could not be parsed. The caller adds the line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// What is wrong, as data: what a caller that speaks the reader's language words.
    pub fault: LineFault,
    /// What is wrong, naming the field (1-based, as in the module table) when there is one.
    pub reason: String,
    /// The same, in French (the interface's first language).
    pub reason_fr: String,
}

/// What is wrong with a line of an extract or of a GHT composition, without words. Fields are
/// numbered from 1, as in the format tables; texts quoted from the line are cut to 40 characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LineFault {
    /// The extract's first line does not start with `finess`.
    NotFinessMetadata { found: String },
    /// The metadata line names no source.
    MetadataWithoutSource,
    /// The metadata line's date is not `YYYY-MM-DD`.
    MetadataDate { value: String },
    /// An empty line.
    Empty,
    /// A record with the wrong number of fields.
    FieldCount { found: usize, expected: usize },
    /// A field that should hold a FINESS number does not.
    Finess {
        field: usize,
        name: &'static str,
        error: FinessError,
    },
    /// A GHT composition's header has neither `;` nor `,`.
    NoSeparator,
    /// A GHT composition's header lacks one of its columns.
    MissingColumn { column: &'static str },
    /// A required field is empty.
    Required { field: usize, name: &'static str },
    /// A field that should hold a region code holds something else.
    UnknownRegion {
        field: usize,
        name: &'static str,
        value: String,
    },
    /// A field that should hold 1 or 0 holds something else.
    Flag {
        field: usize,
        name: &'static str,
        value: String,
    },
}

impl LineError {
    fn new(fault: LineFault, reason: impl Into<String>, reason_fr: impl Into<String>) -> Self {
        LineError {
            fault,
            reason: reason.into(),
            reason_fr: reason_fr.into(),
        }
    }

    fn field(index: usize, why: &FinessError) -> Self {
        let name = FIELD_NAMES.get(index).copied().unwrap_or("?");
        LineError::new(
            LineFault::Finess {
                field: index + 1,
                name,
                error: why.clone(),
            },
            format!("field {} ({}): {}", index + 1, name, why),
            format!("champ {} ({}) : {}", index + 1, name, why.fr()),
        )
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for LineError {}

/// Names of the `structureet` fields, 0-based.
const FIELD_NAMES: [&str; 32] = [
    "record type",
    "nofinesset",
    "nofinessej",
    "rs",
    "rslongue",
    "complrs",
    "compldistrib",
    "numvoie",
    "typvoie",
    "voie",
    "compvoie",
    "lieuditbp",
    "commune",
    "departement",
    "libdepartement",
    "ligneacheminement",
    "telephone",
    "telecopie",
    "categetab",
    "libcategetab",
    "categagretab",
    "libcategagretab",
    "siret",
    "codeape",
    "codemft",
    "libmft",
    "codesph",
    "libsph",
    "dateouv",
    "dateautor",
    "datemaj",
    "numuai",
];

/// Fields of a `structureet` record.
const SITE_FIELDS: usize = 32;
/// Most fields we look at before giving up on a line.
const MAX_FIELDS: usize = 40;

/// Decodes one line of the extract: UTF-8 when valid, else ISO-8859-1 (every byte is the
/// code point of the same value), which older extracts use.
pub fn decode_line(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

/// Strips a trailing line ending and a leading byte-order mark.
fn clean(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    line.strip_prefix('\u{feff}').unwrap_or(line)
}

/// Parses the metadata line (`finess;etalab;111;2026-05-12`).
pub fn parse_metadata(line: &str) -> Result<Metadata, LineError> {
    let line = clean(line);
    let mut fields = line.split(';').map(str::trim);
    let family = fields.next().unwrap_or("");
    if !family.eq_ignore_ascii_case("finess") {
        return Err(LineError::new(
            LineFault::NotFinessMetadata {
                found: truncate(family).to_string(),
            },
            format!(
                "metadata line must start with \"finess\", found {:?}",
                truncate(family)
            ),
            format!(
                "la ligne de métadonnées doit commencer par « finess », trouvé {:?}",
                truncate(family)
            ),
        ));
    }
    let source = fields.next().unwrap_or("").to_string();
    if source.is_empty() {
        return Err(LineError::new(
            LineFault::MetadataWithoutSource,
            "metadata line has no source",
            "la ligne de métadonnées n'indique pas sa source",
        ));
    }
    let version = fields.next().unwrap_or("").to_string();
    let date = match fields.next().unwrap_or("") {
        "" => None,
        d => Some(parse_date(d).ok_or_else(|| {
            LineError::new(
                LineFault::MetadataDate {
                    value: truncate(d).to_string(),
                },
                format!("metadata date {:?} is not YYYY-MM-DD", truncate(d)),
                format!(
                    "la date de la ligne de métadonnées {:?} n'est pas au format AAAA-MM-JJ",
                    truncate(d)
                ),
            )
        })?),
    };
    Ok(Metadata {
        source,
        version,
        date,
    })
}

/// At most 40 characters of `s`, for error messages.
fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// `YYYY-MM-DD` (also accepts `DD/MM/YYYY`).
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        let mut n = 0u32;
        for &c in part {
            if !c.is_ascii_digit() {
                return None;
            }
            n = n * 10 + u32::from(c - b'0');
        }
        Some(n)
    };
    match b.len() {
        10 if b[4] == b'-' && b[7] == b'-' => {
            let y = i32::try_from(num(0..4)?).ok()?;
            NaiveDate::from_ymd_opt(y, num(5..7)?, num(8..10)?)
        }
        10 if b[2] == b'/' && b[5] == b'/' => {
            let y = i32::try_from(num(6..10)?).ok()?;
            NaiveDate::from_ymd_opt(y, num(3..5)?, num(0..2)?)
        }
        _ => None,
    }
}

/// Splits a line with quote support (slow path, only for lines containing `"`).
fn split_quoted(line: &str, sep: u8) -> Vec<Cow<'_, str>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0usize;
    loop {
        if b.get(i) == Some(&b'"') {
            // Try to read a properly closed quoted field.
            let mut j = i + 1;
            let mut value = String::new();
            let mut seg = j;
            let mut closed_at = None;
            while j < b.len() {
                if b[j] == b'"' {
                    if b.get(j + 1) == Some(&b'"') {
                        value.push_str(&line[seg..j + 1]);
                        j += 2;
                        seg = j;
                        continue;
                    }
                    // A closing quote must end the field.
                    if j + 1 == b.len() || b[j + 1] == sep {
                        value.push_str(&line[seg..j]);
                        closed_at = Some(j + 1);
                    }
                    break;
                }
                j += 1;
            }
            if let Some(end) = closed_at {
                out.push(Cow::Owned(value));
                if end >= b.len() {
                    return out;
                }
                i = end + 1;
                continue;
            }
            // Not a well-formed quoted field: fall through and read it bare.
        }
        match b[i..].iter().position(|&c| c == sep) {
            Some(p) => {
                out.push(Cow::Borrowed(&line[i..i + p]));
                i += p + 1;
            }
            None => {
                out.push(Cow::Borrowed(&line[i..]));
                return out;
            }
        }
    }
}

/// Splits `line` on `;` into `out`, returning the number of fields (which may exceed the
/// array: only the first `MAX_FIELDS` are stored).
fn split_fast<'a>(line: &'a str, out: &mut [&'a str; MAX_FIELDS]) -> usize {
    // A plain byte loop: fields are short, so a memchr per field costs more than it saves.
    let bytes = line.as_bytes();
    let mut n = 0usize;
    let mut start = 0usize;
    for (i, &c) in bytes.iter().enumerate() {
        if c == b';' {
            if let (Some(slot), Some(field)) = (out.get_mut(n), line.get(start..i)) {
                *slot = field;
            }
            n += 1;
            start = i + 1;
        }
    }
    if let (Some(slot), Some(field)) = (out.get_mut(n), line.get(start..)) {
        *slot = field;
    }
    n + 1
}

/// Splits a line of `sep`-separated fields, handling CSV quoting as described in the
/// [module documentation](self). Shared with [`crate::ght`].
pub(crate) fn split_fields(line: &str, sep: char) -> Vec<Cow<'_, str>> {
    if line.contains('"') && sep.is_ascii() {
        let mut buf = [0u8; 4];
        let sep_byte = sep.encode_utf8(&mut buf).as_bytes()[0];
        split_quoted(line, sep_byte)
    } else {
        line.split(sep).map(Cow::Borrowed).collect()
    }
}

/// Parses one line of the extract (not the metadata line, which comes back as
/// [`Record::Other`] with kind `"finess"`).
pub fn parse_line(line: &str) -> Result<Record, LineError> {
    let line = clean(line);
    if line.trim().is_empty() {
        return Err(LineError::new(LineFault::Empty, "empty line", "ligne vide"));
    }
    let kind_end = line.find(';').unwrap_or(line.len());
    let kind = line[..kind_end].trim();
    if kind != "structureet" {
        return Ok(Record::Other {
            kind: truncate(kind).to_string(),
        });
    }
    if line.contains('"') {
        let owned = split_quoted(line, b';');
        let refs: Vec<&str> = owned.iter().map(|c| c.as_ref()).collect();
        return parse_site(&refs).map(Record::Site);
    }
    let mut fields = [""; MAX_FIELDS];
    let n = split_fast(line, &mut fields);
    if n > MAX_FIELDS {
        return Err(count_error(n));
    }
    parse_site(&fields[..n]).map(Record::Site)
}

fn count_error(n: usize) -> LineError {
    LineError::new(
        LineFault::FieldCount {
            found: n,
            expected: SITE_FIELDS,
        },
        format!("structureet record has {n} fields, expected {SITE_FIELDS}"),
        format!("l'enregistrement structureet a {n} champ(s), {SITE_FIELDS} attendus"),
    )
}

fn opt(s: &str) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.to_string())
    }
}

/// Builds the site record from its fields (already split).
fn parse_site(raw: &[&str]) -> Result<SiteRecord, LineError> {
    let n = raw.len();
    // 32 is the norm; 31 when numuai and the final separator are missing; 33 when a final
    // separator follows numuai.
    let ok_count = n == SITE_FIELDS
        || n == SITE_FIELDS - 1
        || (n == SITE_FIELDS + 1 && raw.last().is_some_and(|s| s.trim().is_empty()));
    if !ok_count {
        return Err(count_error(n));
    }
    let f = |i: usize| raw.get(i).map_or("", |s| s.trim());

    let finess_et = Finess::parse(f(1)).map_err(|e| LineError::field(1, &e))?;
    let finess_ej = match f(2) {
        "" => None,
        s => Some(Finess::parse(s).map_err(|e| LineError::field(2, &e))?),
    };

    let mut address = String::with_capacity(64);
    for part in [f(7), f(8), f(9), f(10)] {
        if !part.is_empty() {
            if !address.is_empty() {
                address.push(' ');
            }
            address.push_str(part);
        }
    }
    for part in [f(6), f(11)] {
        if !part.is_empty() {
            if !address.is_empty() {
                address.push_str(", ");
            }
            address.push_str(part);
        }
    }

    let department_code = match geo::department_from_extract(f(13)) {
        Some(d) => d.code.to_string(),
        None => finess_et.department_code().to_string(),
    };

    let phone = match f(16) {
        "" => None,
        p => Some(normalize_phone_fr(p).unwrap_or_else(|| p.to_string())),
    };

    Ok(SiteRecord {
        name: f(3).to_string(),
        long_name: f(4).to_string(),
        address,
        postal_line: f(15).to_string(),
        commune_code: f(12).to_string(),
        department_code,
        phone,
        category_code: f(18).to_string(),
        category_label: f(19).to_string(),
        aggregate_code: f(20).to_string(),
        aggregate_label: f(21).to_string(),
        siret: opt(f(22)),
        sph_code: f(26).to_string(),
        sph_label: f(27).to_string(),
        opened_on: parse_date(f(28)),
        updated_on: parse_date(f(30)),
        finess_et,
        finess_ej,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines of the public extract `etalab-cs1100502-stock-20260512-0339.csv`, as quoted
    /// verbatim in public test suites.
    const FLEYRIAT: &str = "structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT;;;900;RTE;DE PARIS;;;451;01;AIN;01440 VIRIAT;0474454647;0474454114;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;1979-02-13;1979-02-13;2020-02-04;";
    const CAYENNE: &str = "structureet;970300026;970302022;CENTRE HOSPITALIER DE CAYENNE;CENTRE HOSPITALIER  DE CAYENNE;;;;AV;ALEXIS BLAISE;;BP 6006;302;9C;GUYANE;97306 CAYENNE CEDEX;0594395050;0594305250;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26973302800022;;03;ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;1904-04-04;1998-04-29;2024-04-22;";
    const FELIX_GUYON: &str = "structureet;970400024;970408589;CHU SITE FELIX GUYON (SAINT DENIS);CHU SITE FELIX GUYON (SAINT DENIS);;;;ALL;DES TOPAZES;;CS 11021;411;9D;LA REUNION;97405 ST DENIS CEDEX;0262905050;0262905051;101;Centre Hospitalier Régional (C.H.R.);1101;Centres Hospitaliers Régionaux;20003001300011;8610Z;03;ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;1957-07-01;1957-07-01;2023-11-13;";
    const DIALYSE: &str = "structureet;970409645;970463600;UAD (LA POSSESSION)-ASDR;UNITE AUTODIALYSE (LA POSSESSION)-ASDR;;;1;R;RAYMOND BARRE;C;ZAC MOULIN JOLI;408;9D;LA REUNION;97419 LA POSSESSION;0262202820;0262285269;146;Structure d'Alternative à la dialyse en centre;1203;Dialyse Ambulatoire;37875112700101;;07;ARS établissements de santé non financés dotation globale;0;Non concerné;2016-09-15;2014-03-31;2023-10-26;";
    const MAYOTTE_QUOTED: &str = "structureet;980501506;980501498;\"LIEU DE VIE \"\"MAVOUNA MEMA 1\"\"\";\"LIEU DE VIE ET D'ACCUEIL \"\"MAVOUNA MEMA 1\"\"\";ASSOCIATION MESSO;;12;R;ANCIEN TERRAIN DE FOOT;;;606;9F;MAYOTTE;97620 CHIRONGUI;0269666815;;462;Lieux de Vie et d'Accueil;4605;Etablissements et services multi-clientèles;82967998400015;;08;Président du Conseil Départemental;;;2019-04-01;2019-03-18;2025-05-07;";
    const WALLIS: &str = "structureet;980600027;980600019;HOPITAL DE SIA;;;;;;;;BP 4 - MATA'UTU;613;9J;WALLIS ET FUTUNA;98600 UVEA;;;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;13000323900014;;99;Indéterminé;1;Etablissement public de santé;2024-10-30;2024-10-30;2024-10-30;";
    const EHPAD_CAYENNE: &str = "structureet;970302287;970302022;E.H.P.A.D. EDMAR LAMA DE CAYENNE;E.H.P.A.D. DU CENTRE HOSPITALIER DE CAYENNE;;;;AV;ALEXIS BLAISE;;BP 6006;302;9C;GUYANE;97306 CAYENNE CEDEX;0594395050;0594305150;500;Etablissement d'hébergement pour personnes âgées dépendantes;4401;Etablissements d'Hébergement pour Personnes Âgées;;8710A;40;ARS/PCD, Tarif global, habilité aide sociale, recours PUI;;;1988-05-02;2017-01-03;2024-04-22;";
    /// Hand-written in the same layout (Paris, Lyon).
    const PITIE: &str = "structureet;750100125;750712184;GHU APHP SUN SITE PITIE SALPETRIERE;GHU AP-HP SORBONNE UNIVERSITE SITE PITIE SALPETRIERE;;;47;BD;DE L HOPITAL;;;113;75;PARIS;75013 PARIS;0142160000;;101;Centre Hospitalier Régional (C.H.R.);1101;Centres Hospitaliers Régionaux;26750045200516;8610Z;03;ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;1970-01-01;1970-01-01;2025-01-15;\r\n";
    const GEO: &str = "geolocalisation;010000024;870262.2;6571540.8;1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);2026-05-04";

    fn site(line: &str) -> SiteRecord {
        match parse_line(line) {
            Ok(Record::Site(s)) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn metadata() {
        let m = parse_metadata("finess;etalab;111;2026-05-12\r\n").unwrap();
        assert_eq!(m.source, "etalab");
        assert_eq!(m.version, "111");
        assert_eq!(m.date, NaiveDate::from_ymd_opt(2026, 5, 12));
        let m = parse_metadata("\u{feff}finess;etalab;98;").unwrap();
        assert_eq!(m.date, None);
        assert!(parse_metadata("structureet;010000024").is_err());
        assert!(parse_metadata("finess;etalab;98;2026-13-01").is_err());
        assert!(parse_metadata("").is_err());
    }

    #[test]
    fn metropolitan_hospital() {
        let s = site(FLEYRIAT);
        assert_eq!(s.finess_et.as_str(), "010000024");
        assert_eq!(s.finess_ej.as_ref().map(Finess::as_str), Some("010780054"));
        assert_eq!(s.name, "CH DE FLEYRIAT");
        assert_eq!(
            s.long_name,
            "CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT"
        );
        assert_eq!(s.address, "900 RTE DE PARIS");
        assert_eq!(s.postal_line, "01440 VIRIAT");
        assert_eq!(s.commune_code, "451");
        assert_eq!(s.department_code, "01");
        assert_eq!(s.phone.as_deref(), Some("+33474454647"));
        assert_eq!(s.category_code, "355");
        assert_eq!(s.category_label, "Centre Hospitalier (C.H.)");
        assert_eq!(s.aggregate_code, "1102");
        assert_eq!(s.aggregate_label, "Centres Hospitaliers");
        assert_eq!(s.siret.as_deref(), Some("26010004500012"));
        assert_eq!(s.sph_code, "1");
        assert_eq!(s.sph_label, "Etablissement public de santé");
        assert_eq!(s.opened_on, NaiveDate::from_ymd_opt(1979, 2, 13));
        assert_eq!(s.updated_on, NaiveDate::from_ymd_opt(2020, 2, 4));
    }

    #[test]
    fn overseas_lines() {
        let s = site(CAYENNE);
        assert_eq!(s.department_code, "973");
        assert_eq!(s.address, "AV ALEXIS BLAISE, BP 6006");
        assert_eq!(s.long_name, "CENTRE HOSPITALIER  DE CAYENNE");
        assert_eq!(s.phone.as_deref(), Some("+594594395050"));
        assert_eq!(s.opened_on, NaiveDate::from_ymd_opt(1904, 4, 4));

        let s = site(FELIX_GUYON);
        assert_eq!(s.department_code, "974");
        assert_eq!(s.category_code, "101");

        let s = site(DIALYSE);
        assert_eq!(s.address, "1 R RAYMOND BARRE C, ZAC MOULIN JOLI");
        assert_eq!(s.sph_code, "0");
        assert_eq!(s.siret.as_deref(), Some("37875112700101"));

        let s = site(WALLIS);
        assert_eq!(s.department_code, "986");
        assert_eq!(s.long_name, "");
        assert_eq!(s.phone, None);
        assert_eq!(s.address, "BP 4 - MATA'UTU");

        let s = site(EHPAD_CAYENNE);
        assert_eq!(s.aggregate_code, "4401");
        assert_eq!(s.siret, None);
        assert_eq!(s.sph_code, "");
    }

    #[test]
    fn quoted_fields() {
        let s = site(MAYOTTE_QUOTED);
        assert_eq!(s.name, "LIEU DE VIE \"MAVOUNA MEMA 1\"");
        assert_eq!(s.long_name, "LIEU DE VIE ET D'ACCUEIL \"MAVOUNA MEMA 1\"");
        assert_eq!(s.department_code, "976");
        assert_eq!(s.finess_et.department_code(), "976");
        assert_eq!(s.address, "12 R ANCIEN TERRAIN DE FOOT");
        assert_eq!(s.phone.as_deref(), Some("+262269666815"));

        // A quoted field containing the separator.
        let line = FLEYRIAT.replacen("CH DE FLEYRIAT", "\"CH DE FLEYRIAT; SITE A\"", 1);
        assert_eq!(site(&line).name, "CH DE FLEYRIAT; SITE A");
        // Stray quotes inside a bare field are kept.
        let line = FLEYRIAT.replacen("CH DE FLEYRIAT", "CH \"DE\" FLEYRIAT", 1);
        assert_eq!(site(&line).name, "CH \"DE\" FLEYRIAT");
        // An unterminated quote is read as a bare field.
        let line = FLEYRIAT.replacen("CH DE FLEYRIAT", "\"CH DE FLEYRIAT", 1);
        assert_eq!(site(&line).name, "\"CH DE FLEYRIAT");
        // A quote that does not close the field is read as a bare field.
        let line = FLEYRIAT.replacen("CH DE FLEYRIAT", "\"CH\" DE FLEYRIAT", 1);
        assert_eq!(site(&line).name, "\"CH\" DE FLEYRIAT");
    }

    #[test]
    fn crlf_and_hand_written_line() {
        let s = site(PITIE);
        assert_eq!(s.finess_et.as_str(), "750100125");
        assert_eq!(s.department_code, "75");
        assert_eq!(s.updated_on, NaiveDate::from_ymd_opt(2025, 1, 15));
        assert_eq!(s.address, "47 BD DE L HOPITAL");
    }

    #[test]
    fn field_counts() {
        // Without the final separator (31 fields).
        let short = FLEYRIAT.strip_suffix(';').unwrap();
        assert!(matches!(parse_line(short), Ok(Record::Site(_))));
        // With an extra empty field (33).
        let long = format!("{FLEYRIAT};");
        assert!(matches!(parse_line(&long), Ok(Record::Site(_))));
        // Truncated.
        let cut: Vec<&str> = FLEYRIAT.split(';').take(20).collect();
        let err = parse_line(&cut.join(";")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "structureet record has 20 fields, expected 32"
        );
        // Far too long.
        let huge = format!("{FLEYRIAT}{}", "x;".repeat(100));
        assert_eq!(
            parse_line(&huge).unwrap_err().to_string(),
            "structureet record has 132 fields, expected 32"
        );
    }

    #[test]
    fn field_errors_name_the_field() {
        let bad = FLEYRIAT.replacen("010000024", "010000023", 1);
        assert_eq!(
            parse_line(&bad).unwrap_err().to_string(),
            "field 2 (nofinesset): check key mismatch: expected 4, found 3"
        );
        let bad = FLEYRIAT.replacen("010780054", "01078005", 1);
        assert_eq!(
            parse_line(&bad).unwrap_err().to_string(),
            "field 3 (nofinessej): wrong length: expected 9 characters, found 8"
        );
        let no_ej = FLEYRIAT.replacen("010780054", "", 1);
        assert_eq!(site(&no_ej).finess_ej, None);
    }

    #[test]
    fn other_records_and_empty_lines() {
        assert_eq!(
            parse_line(GEO),
            Ok(Record::Other {
                kind: "geolocalisation".into()
            })
        );
        assert_eq!(
            parse_line("finess;etalab;111;2026-05-12"),
            Ok(Record::Other {
                kind: "finess".into()
            })
        );
        assert!(parse_line("").is_err());
        assert!(parse_line("\r\n").is_err());
    }

    #[test]
    fn unknown_department_falls_back_to_the_number() {
        let line = FLEYRIAT.replacen(";01;AIN;", ";XX;AIN;", 1);
        assert_eq!(site(&line).department_code, "01");
    }

    #[test]
    fn dates() {
        assert_eq!(
            parse_date("2026-05-12"),
            NaiveDate::from_ymd_opt(2026, 5, 12)
        );
        assert_eq!(
            parse_date("12/05/2026"),
            NaiveDate::from_ymd_opt(2026, 5, 12)
        );
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(parse_date("2026-5-12"), None);
        assert_eq!(parse_date("é026-05-12"), None);
        assert_eq!(parse_date(""), None);
    }

    #[test]
    fn decoding() {
        assert_eq!(decode_line(b"CH \xc3\x89PINAL"), "CH ÉPINAL");
        assert!(matches!(decode_line(b"abc"), Cow::Borrowed(_)));
        assert_eq!(decode_line(b"CH \xc9PINAL"), "CH ÉPINAL");
        assert_eq!(decode_line(b"\xe9\xe8\xf4"), "éèô");
        let latin1: Vec<u8> = FLEYRIAT
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        let s = site(&decode_line(&latin1));
        assert_eq!(s.sph_label, "Etablissement public de santé");
    }
}
