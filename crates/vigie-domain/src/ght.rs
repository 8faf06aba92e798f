//! GHT composition files (*groupements hospitaliers de territoire*).
//!
//! There is no standard public file describing which establishments form each GHT, so Vigie
//! defines its own, simple CSV format:
//!
//! ```text
//! ght_code;ght_name;region_code;finess_et;support
//! GHT-IDF-01;GHT Exemple Paris Centre;11;750100125;1
//! GHT-IDF-01;GHT Exemple Paris Centre;11;750712184;0
//! GHT-NA-05;GHT Exemple Gironde;75;330781196;1
//! ```
//!
//! - The first line is a header naming the five columns, in any order (names are matched
//!   without regard to case or surrounding spaces; a UTF-8 byte-order mark is ignored).
//!   Extra columns are allowed and ignored.
//! - The separator is `;` or `,`, detected from the header (`;` wins when both appear).
//! - Fields may be quoted CSV-style (`"GHT Sud, Est"`), which is needed when a name contains
//!   the separator.
//! - `ght_code`: required, free text (trimmed). `ght_name`: required. `region_code`: an INSEE
//!   region code known to [`crate::geo`] (`"11"`, `"01"`…). `finess_et`: a valid FINESS number
//!   (see [`crate::finess`]). `support`: `1` for the GHT's support establishment, `0` or empty
//!   otherwise (`true`/`false`, `oui`/`non`, `yes`/`no` are accepted too).
//! - One row per establishment; the file is UTF-8 (use [`crate::extract::decode_line`] for
//!   Latin-1 files).

use std::borrow::Cow;

use crate::extract::{split_fields, LineError, LineFault};
use crate::finess::Finess;
use crate::geo;

/// Column names, in the documented order.
pub const GHT_COLUMNS: [&str; 5] = [
    "ght_code",
    "ght_name",
    "region_code",
    "finess_et",
    "support",
];

/// What the header told us: the separator and where each column is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GhtFormat {
    /// The separator, `;` or `,`.
    pub separator: char,
    /// Index of each of [`GHT_COLUMNS`] in a row.
    pub positions: [usize; 5],
    /// Number of columns in the header.
    pub columns: usize,
}

/// One establishment of a GHT.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GhtRow {
    /// Identifier of the GHT.
    pub ght_code: String,
    /// Name of the GHT.
    pub ght_name: String,
    /// INSEE region code, validated.
    pub region_code: String,
    /// The establishment.
    pub finess_et: Finess,
    /// Whether it is the support establishment of the GHT.
    pub support: bool,
}

fn clean(line: &str) -> &str {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    line.strip_prefix('\u{feff}').unwrap_or(line)
}

/// Reads the header line and detects the separator.
pub fn parse_ght_header(line: &str) -> Result<GhtFormat, LineError> {
    let line = clean(line);
    let separator = if line.contains(';') {
        ';'
    } else if line.contains(',') {
        ','
    } else {
        return Err(LineError {
            fault: LineFault::NoSeparator,
            reason: format!(
                "header has no ';' or ',' separator; expected {}",
                GHT_COLUMNS.join(";")
            ),
            reason_fr: format!(
                "l'en-tête n'a pas de séparateur ';' ou ',' ; attendu : {}",
                GHT_COLUMNS.join(";")
            ),
        });
    };
    let names: Vec<Cow<'_, str>> = split_fields(line, separator);
    let mut positions = [0usize; 5];
    for (slot, wanted) in positions.iter_mut().zip(GHT_COLUMNS) {
        let found = names
            .iter()
            .position(|n| n.trim().trim_matches('"').eq_ignore_ascii_case(wanted));
        match found {
            Some(p) => *slot = p,
            None => {
                return Err(LineError {
                    fault: LineFault::MissingColumn { column: wanted },
                    reason: format!(
                        "header lacks column {wanted:?}; expected {}",
                        GHT_COLUMNS.join(&separator.to_string())
                    ),
                    reason_fr: format!(
                        "il manque la colonne {wanted:?} dans l'en-tête ; attendu : {}",
                        GHT_COLUMNS.join(&separator.to_string())
                    ),
                })
            }
        }
    }
    Ok(GhtFormat {
        separator,
        positions,
        columns: names.len(),
    })
}

fn column_error(fault: LineFault, index: usize, name: &str, why: &str, why_fr: &str) -> LineError {
    LineError {
        fault,
        reason: format!("field {} ({}): {}", index + 1, name, why),
        reason_fr: format!("champ {} ({}) : {}", index + 1, name, why_fr),
    }
}

/// Parses one data row according to the header.
pub fn parse_ght_row(fmt: &GhtFormat, line: &str) -> Result<GhtRow, LineError> {
    let line = clean(line);
    if line.trim().is_empty() {
        return Err(LineError {
            fault: LineFault::Empty,
            reason: "empty line".into(),
            reason_fr: "ligne vide".into(),
        });
    }
    let fields = split_fields(line, fmt.separator);
    if fields.len() != fmt.columns {
        return Err(LineError {
            fault: LineFault::FieldCount {
                found: fields.len(),
                expected: fmt.columns,
            },
            reason: format!("row has {} fields, expected {}", fields.len(), fmt.columns),
            reason_fr: format!(
                "la ligne a {} champ(s), {} attendus",
                fields.len(),
                fmt.columns
            ),
        });
    }
    let get = |k: usize| -> (usize, &str) {
        let idx = fmt.positions[k];
        (idx, fields.get(idx).map_or("", |f| f.trim()))
    };
    let required = |k: usize| -> Result<String, LineError> {
        let (idx, v) = get(k);
        if v.is_empty() {
            Err(column_error(
                LineFault::Required {
                    field: idx + 1,
                    name: GHT_COLUMNS[k],
                },
                idx,
                GHT_COLUMNS[k],
                "must not be empty",
                "ne doit pas être vide",
            ))
        } else {
            Ok(v.to_string())
        }
    };
    let ght_code = required(0)?;
    let ght_name = required(1)?;
    let (ridx, region) = get(2);
    let region_code = match geo::region(region) {
        Some(r) => r.code.to_string(),
        None => {
            return Err(column_error(
                LineFault::UnknownRegion {
                    field: ridx + 1,
                    name: GHT_COLUMNS[2],
                    value: region.chars().take(40).collect(),
                },
                ridx,
                GHT_COLUMNS[2],
                &format!("unknown region code {region:?}"),
                &format!("code de région inconnu {region:?}"),
            ))
        }
    };
    let (fidx, finess) = get(3);
    let finess_et = Finess::parse(finess).map_err(|e| {
        column_error(
            LineFault::Finess {
                field: fidx + 1,
                name: GHT_COLUMNS[3],
                error: e.clone(),
            },
            fidx,
            GHT_COLUMNS[3],
            &e.to_string(),
            &e.fr(),
        )
    })?;
    let (sidx, support) = get(4);
    let support = match support.to_ascii_lowercase().as_str() {
        "1" | "true" | "oui" | "yes" | "o" | "y" => true,
        "0" | "" | "false" | "non" | "no" | "n" => false,
        other => {
            return Err(column_error(
                LineFault::Flag {
                    field: sidx + 1,
                    name: GHT_COLUMNS[4],
                    value: other.chars().take(40).collect(),
                },
                sidx,
                GHT_COLUMNS[4],
                &format!("expected 1 or 0, found {other:?}"),
                &format!("1 ou 0 attendu, trouvé {other:?}"),
            ))
        }
    };
    Ok(GhtRow {
        ght_code,
        ght_name,
        region_code,
        finess_et,
        support,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semicolon_file() {
        let fmt = parse_ght_header("\u{feff}ght_code;ght_name;region_code;finess_et;support\r\n")
            .unwrap();
        assert_eq!(fmt.separator, ';');
        assert_eq!(fmt.positions, [0, 1, 2, 3, 4]);
        let row = parse_ght_row(
            &fmt,
            "GHT-IDF-01;GHT Exemple Paris Centre;11;750100125;1\r\n",
        )
        .unwrap();
        assert_eq!(row.ght_code, "GHT-IDF-01");
        assert_eq!(row.ght_name, "GHT Exemple Paris Centre");
        assert_eq!(row.region_code, "11");
        assert_eq!(row.finess_et.as_str(), "750100125");
        assert!(row.support);
        let row = parse_ght_row(&fmt, "GHT-IDF-01;GHT Exemple Paris Centre;11;750712184;").unwrap();
        assert!(!row.support);
    }

    #[test]
    fn comma_file_with_reordered_and_extra_columns() {
        let fmt =
            parse_ght_header("Finess_ET, GHT_code ,ght_name,comment,region_code,support").unwrap();
        assert_eq!(fmt.separator, ',');
        assert_eq!(fmt.columns, 6);
        let row = parse_ght_row(
            &fmt,
            "970408589,GHT-974,\"GHT Réunion, Mayotte\",any,04,oui",
        )
        .unwrap();
        assert_eq!(row.ght_name, "GHT Réunion, Mayotte");
        assert_eq!(row.region_code, "04");
        assert_eq!(row.finess_et.department_code(), "974");
        assert!(row.support);
    }

    #[test]
    fn errors() {
        assert!(parse_ght_header("ght_code ght_name").is_err());
        let err = parse_ght_header("ght_code;ght_name;region_code;finess_et").unwrap_err();
        assert!(err.reason.contains("support"), "{err}");
        let fmt = parse_ght_header("ght_code;ght_name;region_code;finess_et;support").unwrap();
        let e = |l: &str| parse_ght_row(&fmt, l).unwrap_err().to_string();
        assert_eq!(
            e("A;B;99;750712184;1"),
            "field 3 (region_code): unknown region code \"99\""
        );
        assert_eq!(
            e("A;B;11;750712185;1"),
            "field 4 (finess_et): check key mismatch: expected 4, found 5"
        );
        assert_eq!(
            e("A;B;11;750712184;2"),
            "field 5 (support): expected 1 or 0, found \"2\""
        );
        assert_eq!(
            e(";B;11;750712184;1"),
            "field 1 (ght_code): must not be empty"
        );
        assert_eq!(e("A;B;11;750712184"), "row has 4 fields, expected 5");
        assert_eq!(e(""), "empty line");
    }
}
