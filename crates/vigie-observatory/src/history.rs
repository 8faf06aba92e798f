//! Past declarations from a CSV file, so that a CERT can load the years before Vigie.
//!
//! The columns (named in a header line, in any order, separated by `;` or `,`; names are read
//! without regard to case):
//!
//! | column | required | values |
//! |---|---|---|
//! | `id` | yes | the declaration's identifier in the former register (unique, at most 64 characters) |
//! | `declared_at` | yes | the declaration's time **with its offset**, RFC 3339 (`2023-03-14T09:30:00+01:00`) |
//! | `region` | yes | INSEE region code (`11`, `84`, `93`…) |
//! | `structure_kind` | yes | `hospital` (or `sanitaire`), `medico_social`, `other` |
//! | `origin` | yes | `malicious`, `non_malicious`, `undetermined` |
//! | `type` | yes | a type of the taxonomy (`ransomware`, `phishing`, `telecom_loss`…) fitting the origin |
//! | `care_impact` | yes | `none`, `degraded_mode`, `interruption`, `potential_endangerment`, `proven_endangerment`, or `yes` / `no` (`yes`: an impact whose level is not known) |
//! | `no_operations_impact` | yes | `yes` / `no` |
//! | `support_requested` | yes | `yes` / `no` |
//! | `major` | yes | `yes` / `no` |
//! | `occurred_at`, `detected_at` | no | times with their offset, for the delays |
//! | `state` | no | `ongoing`, `contained`, `closed` at declaration |
//! | `support_given` | no | `yes` / `no` (absent or empty: no): the CERT gave the structure technical support |
//!
//! Booleans are also read as `oui`/`non`, `true`/`false`, `1`/`0`. A file with an error in any
//! row is refused whole, each bad row listed with its line number and the reason, unless the
//! caller asks to skip the bad rows. The rows carry no structure identity.

use std::collections::HashSet;

use chrono::DateTime;
use vigie_domain::problem::Problem;
use vigie_incidents::taxonomy::{CareImpact, IncidentState, IncidentType, Origin};

/// The largest file read (bytes).
pub const MAX_BYTES: usize = 64 * 1024 * 1024;
/// The most rows one file may hold.
pub const MAX_ROWS: usize = 1_000_000;
/// Longest identifier kept.
pub const MAX_ID: usize = 64;

/// The columns every file must have.
pub const REQUIRED: [&str; 10] = [
    "id",
    "declared_at",
    "region",
    "structure_kind",
    "origin",
    "type",
    "care_impact",
    "no_operations_impact",
    "support_requested",
    "major",
];
/// The columns a file may have.
pub const OPTIONAL: [&str; 4] = ["occurred_at", "detected_at", "state", "support_given"];

/// A care impact, or the operations impact, given only as yes, without its level.
pub const UNSPECIFIED: &str = "unspecified";

/// One past declaration, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryRow {
    /// The line of the file (the header is line 1).
    pub line: usize,
    pub external_id: String,
    /// Unix seconds.
    pub declared_at: i64,
    /// The offset the file gave, in seconds east of UTC.
    pub utc_offset: i32,
    pub occurred_at: Option<i64>,
    pub detected_at: Option<i64>,
    pub region: String,
    /// As stored for structures: `sanitaire`, `medico_social`, `other`.
    pub sector: String,
    pub origin: String,
    pub incident_type: String,
    /// A state of the taxonomy or [`UNSPECIFIED`].
    pub state: String,
    /// A care impact of the taxonomy or [`UNSPECIFIED`].
    pub care_impact: String,
    /// `none` or [`UNSPECIFIED`].
    pub operations_impact: String,
    pub support_requested: bool,
    pub major: bool,
    /// The CERT gave technical support (each such row counts as one structure supported).
    pub support_given: bool,
}

/// A row refused: its line and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RowError {
    pub line: usize,
    pub problem: Problem,
}

/// What a file gave.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub rows: Vec<HistoryRow>,
    pub errors: Vec<RowError>,
}

fn field_problem(key: &'static str, column: &str, value: &str) -> Problem {
    let mut v: String = value.chars().take(80).collect();
    if value.chars().count() > 80 {
        v.push('…');
    }
    Problem::new(key)
        .arg("column", column.to_string())
        .arg("value", v)
}

fn boolean(column: &str, v: &str) -> Result<bool, Problem> {
    match v.trim().to_ascii_lowercase().as_str() {
        "yes" | "oui" | "true" | "1" | "y" | "o" => Ok(true),
        "no" | "non" | "false" | "0" | "n" => Ok(false),
        _ => Err(field_problem("observatory-import-bad_boolean", column, v)),
    }
}

fn instant(column: &str, v: &str) -> Result<(i64, i32), Problem> {
    DateTime::parse_from_rfc3339(v.trim())
        .map(|d| (d.timestamp(), d.offset().local_minus_utc()))
        .map_err(|_| field_problem("observatory-import-bad_date", column, v))
}

fn sector(v: &str) -> Result<String, Problem> {
    match v
        .trim()
        .to_ascii_lowercase()
        .replace(['-', ' '], "_")
        .as_str()
    {
        "hospital" | "sanitaire" | "hopital" | "hôpital" => Ok("sanitaire".into()),
        "medico_social" | "médico_social" => Ok("medico_social".into()),
        "other" | "autre" => Ok("other".into()),
        _ => Err(field_problem(
            "observatory-import-bad_value",
            "structure_kind",
            v,
        )),
    }
}

/// Reads a file. Errors of the file as a whole (no header, a required column missing, too
/// large) are `Err`; errors of rows are listed in [`Parsed::errors`].
pub fn parse(bytes: &[u8]) -> Result<Parsed, Problem> {
    if bytes.len() > MAX_BYTES {
        return Err(Problem::new("observatory-import-too_large").arg("max", MAX_BYTES as i64));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let delimiter = if first.iter().filter(|b| **b == b';').count()
        >= first.iter().filter(|b| **b == b',').count()
    {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| Problem::new("observatory-import-no_header"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    for name in REQUIRED {
        if col(name).is_none() {
            return Err(Problem::new("observatory-import-missing_column").arg("column", name));
        }
    }
    let idx: Vec<usize> = REQUIRED.iter().filter_map(|n| col(n)).collect();
    let opt: Vec<Option<usize>> = OPTIONAL.iter().map(|n| col(n)).collect();
    let mut out = Parsed::default();
    let mut seen = HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map(|p| p.line() as usize)
            .unwrap_or(i + 2);
        if out.rows.len() + out.errors.len() >= MAX_ROWS {
            return Err(Problem::new("observatory-import-too_many").arg("max", MAX_ROWS as i64));
        }
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                out.errors.push(RowError {
                    line,
                    problem: Problem::new("observatory-import-unreadable"),
                });
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        match row(line, &record, &idx, &opt) {
            Ok(r) => {
                if !seen.insert(r.external_id.clone()) {
                    out.errors.push(RowError {
                        line,
                        problem: field_problem(
                            "observatory-import-duplicate",
                            "id",
                            &r.external_id,
                        ),
                    });
                } else {
                    out.rows.push(r);
                }
            }
            Err(problem) => out.errors.push(RowError { line, problem }),
        }
    }
    Ok(out)
}

fn row(
    line: usize,
    r: &csv::StringRecord,
    idx: &[usize],
    opt: &[Option<usize>],
) -> Result<HistoryRow, Problem> {
    let get = |i: usize| -> Result<&str, Problem> {
        let c = idx.get(i).copied().unwrap_or(usize::MAX);
        match r.get(c).map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(Problem::new("observatory-import-empty").arg("column", REQUIRED[i])),
        }
    };
    let get_opt = |i: usize| -> Option<&str> {
        opt.get(i)
            .copied()
            .flatten()
            .and_then(|c| r.get(c))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let id = get(0)?;
    if id.chars().count() > MAX_ID || id.chars().any(char::is_control) {
        return Err(field_problem("observatory-import-bad_value", "id", id));
    }
    let (declared_at, utc_offset) = instant("declared_at", get(1)?)?;
    let region = vigie_domain::geo::region(get(2)?)
        .map(|r| r.code.to_string())
        .ok_or_else(|| {
            field_problem(
                "observatory-import-bad_value",
                "region",
                r.get(idx[2]).unwrap_or(""),
            )
        })?;
    let sector = sector(get(3)?)?;
    let origin: Origin = get(4)?.parse().map_err(|_| {
        field_problem(
            "observatory-import-bad_value",
            "origin",
            r.get(idx[4]).unwrap_or(""),
        )
    })?;
    let t = get(5)?;
    let incident_type: IncidentType = t
        .parse()
        .map_err(|_| field_problem("observatory-import-bad_value", "type", t))?;
    if !incident_type.fits(origin) {
        return Err(Problem::new("observatory-import-type_origin")
            .arg("type", incident_type.as_str())
            .arg("origin", origin.as_str()));
    }
    let care = get(6)?;
    let care_impact = match care.parse::<CareImpact>() {
        Ok(c) => c.as_str().to_string(),
        Err(_) => {
            if boolean("care_impact", care)? {
                UNSPECIFIED.to_string()
            } else {
                CareImpact::None.as_str().to_string()
            }
        }
    };
    let operations_impact = if boolean("no_operations_impact", get(7)?)? {
        "none".to_string()
    } else {
        UNSPECIFIED.to_string()
    };
    let support_requested = boolean("support_requested", get(8)?)?;
    let major = boolean("major", get(9)?)?;
    let occurred_at = get_opt(0).map(|v| instant("occurred_at", v)).transpose()?;
    let detected_at = get_opt(1).map(|v| instant("detected_at", v)).transpose()?;
    let state = match get_opt(2) {
        None => UNSPECIFIED.to_string(),
        Some(s) => s
            .parse::<IncidentState>()
            .map(|s| s.as_str().to_string())
            .map_err(|_| field_problem("observatory-import-bad_value", "state", s))?,
    };
    let support_given = get_opt(3)
        .map(|v| boolean("support_given", v))
        .transpose()?
        .unwrap_or(false);
    let now = chrono::Utc::now().timestamp() + 300;
    if declared_at > now {
        return Err(field_problem(
            "observatory-import-future",
            "declared_at",
            get(1)?,
        ));
    }
    if let (Some((o, _)), Some((d, _))) = (occurred_at, detected_at) {
        if d < o {
            return Err(Problem::new("observatory-import-dates_order"));
        }
    }
    if let Some((d, _)) = detected_at {
        if d > declared_at {
            return Err(Problem::new("observatory-import-dates_order"));
        }
    }
    Ok(HistoryRow {
        line,
        external_id: id.to_string(),
        declared_at,
        utc_offset,
        occurred_at: occurred_at.map(|x| x.0),
        detected_at: detected_at.map(|x| x.0),
        region,
        sector,
        origin: origin.as_str().to_string(),
        incident_type: incident_type.as_str().to_string(),
        state,
        care_impact,
        operations_impact,
        support_requested,
        major,
        support_given,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "id;declared_at;region;structure_kind;origin;type;care_impact;no_operations_impact;support_requested;major;occurred_at\n";

    #[test]
    fn good_rows_are_read_and_bad_ones_said_with_their_line() {
        let csv = format!(
            "{HEAD}A1;2023-03-14T09:30:00+01:00;11;hospital;malicious;ransomware;interruption;no;yes;yes;2023-03-13T22:00:00+01:00\n\
             A2;2023-03-15T09:30:00Z;84;medico_social;non_malicious;telecom_loss;no;oui;non;0;\n\
             A3;2023-03-15T09:30:00;84;other;malicious;phishing;no;yes;no;no;\n\
             A4;2023-03-15T09:30:00+02:00;99;other;malicious;phishing;no;yes;no;no;\n\
             A5;2023-03-15T09:30:00+02:00;84;other;malicious;telecom_loss;no;yes;no;no;\n\
             A1;2023-03-15T09:30:00+02:00;84;other;malicious;phishing;no;yes;no;no;\n\
             A7;2023-03-15T09:30:00+02:00;84;other;malicious;phishing;maybe;yes;no;no;\n"
        );
        let p = parse(csv.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.rows[0].care_impact, "interruption");
        assert_eq!(p.rows[0].utc_offset, 3600);
        assert_eq!(p.rows[0].operations_impact, UNSPECIFIED);
        assert_eq!(p.rows[1].operations_impact, "none");
        assert_eq!(p.rows[1].sector, "medico_social");
        let lines: Vec<(usize, &str)> = p.errors.iter().map(|e| (e.line, e.problem.key)).collect();
        assert_eq!(
            lines,
            vec![
                (4, "observatory-import-bad_date"),
                (5, "observatory-import-bad_value"),
                (6, "observatory-import-type_origin"),
                (7, "observatory-import-duplicate"),
                (8, "observatory-import-bad_boolean"),
            ]
        );
    }

    #[test]
    fn a_missing_column_refuses_the_file() {
        let e = parse(b"id,declared_at\n1,2023-01-01T00:00:00Z\n").err();
        assert_eq!(e.map(|p| p.key), Some("observatory-import-missing_column"));
    }
}
