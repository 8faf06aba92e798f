//! Inventory files: CSV and CycloneDX JSON, read into rows that each say what was declared and
//! what product key it resolved to (or why not). Unknown products are kept: they get an open key
//! ([`crate::product`]), never a rejection.
//!
//! CSV: a header line naming the columns `product` and `version` (any case), optionally
//! `vendor`, `location`, `exposed`; `,` or `;` separated (whichever the header uses more); a
//! UTF-8 BOM is skipped. `product` holds a catalogue id, a name, `vendor|product`, a CPE or a
//! purl; with a `vendor` column, `vendor` + `product` form the pair. `exposed` is yes/no, oui/non,
//! 1/0, true/false or empty (no).
//!
//! CycloneDX JSON: `bomFormat: "CycloneDX"`; every component (nested ones and
//! `metadata.component` included) with its `cpe`, then `purl`, then `group` + `name`, then `name`.

use crate::catalog::Catalog;
use crate::product::{self, Resolved};
use serde::{Deserialize, Serialize};

/// What one row resolved to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum RowOutcome {
    /// A product key and a version: the row can be stored and matched.
    Ready {
        /// The resolution (key, display name, how).
        resolved: Resolved,
    },
    /// The product resolved but the row cannot be stored as is.
    Incomplete {
        /// The resolution.
        resolved: Resolved,
        /// Why (French, then English).
        reason: String,
    },
    /// The product could not be resolved.
    Rejected {
        /// Why (French, then English).
        reason: String,
    },
}

/// One row of an inventory file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryRow {
    /// `line N` (CSV) or `component N (name version)` (CycloneDX): what error messages name.
    pub label: String,
    /// Line number in the CSV (1 = header), or the component's rank in the SBOM.
    pub line: usize,
    /// The product as declared (`vendor|product`, CPE, purl or name).
    pub declared: String,
    /// Version as declared (or carried by the CPE / purl when the column is empty).
    pub version: String,
    /// Location column (empty when absent).
    pub location: String,
    /// Exposed on the internet.
    pub exposed: bool,
    /// `csv` or `cyclonedx`.
    pub origin: String,
    /// What it resolved to.
    pub outcome: RowOutcome,
}

impl InventoryRow {
    /// The product key when the row is ready to store.
    pub fn key(&self) -> Option<&str> {
        match &self.outcome {
            RowOutcome::Ready { resolved } => Some(&resolved.key),
            _ => None,
        }
    }
}

/// A parsed inventory file: the rows, and the errors that are not about one row (header,
/// encoding, format) or rows that could not be read at all.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryFile {
    /// Rows in file order.
    pub rows: Vec<InventoryRow>,
    /// File-level and unreadable-row errors.
    pub errors: Vec<String>,
}

impl InventoryFile {
    fn failed(error: String) -> InventoryFile {
        InventoryFile {
            rows: Vec::new(),
            errors: vec![error],
        }
    }
}

/// Check UTF-8 and name the first bad line (no lossy decoding).
fn utf8(bytes: &[u8]) -> Result<&str, String> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        let line = bytes.get(..at).map_or(0, |b| b.iter().filter(|c| **c == b'\n').count()) + 1;
        format!(
            "ligne {line} : le fichier n'est pas en UTF-8 (octet invalide à la position {at}) ; enregistrez-le en UTF-8 / line {line}: the file is not UTF-8 (invalid byte at offset {at}); save it as UTF-8"
        )
    })
}

fn outcome(resolved: Result<Resolved, product::Unresolved>, version: &str) -> RowOutcome {
    match resolved {
        Err(e) => RowOutcome::Rejected {
            reason: format!("produit non reconnu : {e} / product not resolved: {e}"),
        },
        Ok(r) if version.trim().is_empty() => RowOutcome::Incomplete {
            resolved: r,
            reason: "version vide (indiquez la version en service, par exemple 7.0.12) / version is empty (say which version runs, for example 7.0.12)".into(),
        },
        Ok(r) if version.chars().count() > 100 || version.chars().any(char::is_control) => {
            RowOutcome::Incomplete {
                resolved: r,
                reason: format!(
                    "version {version:?} trop longue ou avec des caractères de contrôle / version {version:?} is too long or contains control characters"
                ),
            }
        }
        Ok(r) => RowOutcome::Ready { resolved: r },
    }
}

/// Read a CSV inventory (see the module documentation).
pub fn parse_csv(cat: &Catalog, bytes: &[u8]) -> InventoryFile {
    let mut out = InventoryFile::default();
    let text = match utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}'),
        Err(e) => return InventoryFile::failed(e),
    };
    let first = text.lines().next().unwrap_or_default();
    let delim = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut rd = csv::ReaderBuilder::new()
        .delimiter(delim)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match rd.headers() {
        Ok(h) => h.iter().map(|s| s.to_lowercase()).collect(),
        Err(e) => {
            out.errors
                .push(format!("line 1: cannot read the header: {e}"));
            return out;
        }
    };
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(pc), Some(vc)) = (col("product"), col("version")) else {
        out.errors.push(format!(
            "line 1: the header must name the columns product and version (found: {})",
            headers.join(", ")
        ));
        return out;
    };
    let (lc, ec, vendc) = (col("location"), col("exposed"), col("vendor"));
    for (n, rec) in rd.records().enumerate() {
        let line = rec
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(n as u64 + 2, |p| p.line());
        let r = match rec {
            Err(e) => {
                out.errors.push(format!("line {line}: {e}"));
                continue;
            }
            Ok(r) => r,
        };
        if r.iter().all(str::is_empty) {
            continue;
        }
        let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("").to_string();
        let exposed = get(ec).to_lowercase();
        if !["", "0", "1", "yes", "no", "oui", "non", "true", "false"].contains(&exposed.as_str()) {
            out.errors.push(format!(
                "line {line}: exposed {exposed:?} must be yes/no (oui/non, 1/0)"
            ));
            continue;
        }
        let (vendor, prod) = (get(vendc), get(Some(pc)));
        let declared = if vendor.is_empty() {
            prod
        } else {
            format!("{vendor}|{prod}")
        };
        let resolved = product::resolve(cat, &declared);
        let mut version = get(Some(vc));
        if version.is_empty() {
            if let Ok(Some(v)) = resolved.as_ref().map(|r| r.version.clone()) {
                version = v;
            }
        }
        out.rows.push(InventoryRow {
            label: format!("line {line}"),
            line: line as usize,
            outcome: outcome(resolved, &version),
            declared,
            version,
            location: get(lc),
            exposed: ["1", "yes", "oui", "true"].contains(&exposed.as_str()),
            origin: "csv".into(),
        });
    }
    out
}

/// Read a CycloneDX JSON SBOM (see the module documentation).
pub fn parse_cyclonedx(cat: &Catalog, bytes: &[u8]) -> InventoryFile {
    let mut out = InventoryFile::default();
    let v: serde_json::Value = match utf8(bytes).map(serde_json::from_str) {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return InventoryFile::failed(format!("SBOM: not JSON: {e}")),
        Err(e) => return InventoryFile::failed(e),
    };
    if v.get("bomFormat").and_then(|f| f.as_str()) != Some("CycloneDX") {
        return InventoryFile::failed(
            "SBOM: bomFormat is not \"CycloneDX\" (only CycloneDX JSON is read)".into(),
        );
    }
    fn walk<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>, depth: usize) {
        if depth > 64 {
            return;
        }
        if let Some(list) = v.get("components").and_then(|c| c.as_array()) {
            for c in list {
                out.push(c);
                walk(c, out, depth + 1);
            }
        }
    }
    let mut comps: Vec<&serde_json::Value> = Vec::new();
    if let Some(m) = v.get("metadata").and_then(|m| m.get("component")) {
        comps.push(m);
        walk(m, &mut comps, 0);
    }
    walk(&v, &mut comps, 0);
    for (n, c) in comps.iter().enumerate() {
        let s = |k: &str| {
            c.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let (name, mut version, cpe, purl, group) =
            (s("name"), s("version"), s("cpe"), s("purl"), s("group"));
        let label = format!("component {} ({name} {version})", n + 1);
        if name.is_empty() {
            out.errors.push(format!("{label}: no name"));
            continue;
        }
        // CPE first, then purl, then group + name, then name: the first that resolves.
        let mut tries: Vec<String> = Vec::new();
        if !cpe.is_empty() {
            tries.push(cpe);
        }
        if !purl.is_empty() {
            tries.push(purl);
        }
        if !group.is_empty() {
            tries.push(format!("{group}|{name}"));
        }
        tries.push(name.clone());
        let mut resolved = Err(product::Unresolved::Empty);
        let mut declared = name.clone();
        for t in tries {
            let r = product::resolve(cat, &t);
            let ok = r.is_ok();
            if resolved.is_err() {
                resolved = r;
                declared = t;
            }
            if ok {
                break;
            }
        }
        if version.is_empty() {
            if let Ok(Some(v)) = resolved.as_ref().map(|r| r.version.clone()) {
                version = v;
            }
        }
        out.rows.push(InventoryRow {
            label,
            line: n + 1,
            outcome: outcome(resolved, &version),
            declared,
            version,
            location: String::new(),
            exposed: false,
            origin: "cyclonedx".into(),
        });
    }
    out
}

/// Read either format: CycloneDX when the content is a JSON object, CSV otherwise.
pub fn parse(cat: &Catalog, bytes: &[u8]) -> InventoryFile {
    let head = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    match head.and_then(|i| bytes.get(i)) {
        Some(b'{') => parse_cyclonedx(cat, bytes),
        _ => parse_csv(cat, bytes),
    }
}
