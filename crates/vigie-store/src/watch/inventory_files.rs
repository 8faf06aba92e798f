//! Inventory files (a CSV of products and versions, a CycloneDX JSON SBOM), read by
//! `vigie_intel::inventory`: each row says what was declared and which product key it resolved
//! to, or why not. Unknown products are kept under their open key. The engine's problems are
//! turned into message keys here, so that pages word them in the reader's language.

use vigie_domain::problem::Problem;
use vigie_intel::inventory::{self, RowOutcome};
use vigie_intel::product::{self, Unresolved};

use crate::error::StoreError;
use crate::watch::catalog::catalog;
use crate::watch::types::{ImportReport, ImportRow, ItemPlace, ItemProblem, NewItem};

/// Items read from a file, each with where it came from.
pub type PlacedItems = Vec<(ItemPlace, NewItem)>;

/// The problem of a product that resolves to nothing.
pub(crate) fn unresolved_problem(e: &Unresolved) -> Problem {
    match e {
        Unresolved::Empty => Problem::new("watch-inventory-product-empty"),
        Unresolved::BadText => Problem::new("watch-inventory-product-invalid").arg("max", 200u32),
        Unresolved::BadCpe(v) => Problem::new("watch-inventory-product-bad-cpe").arg("value", v),
        Unresolved::WildcardCpe(v) => {
            Problem::new("watch-inventory-product-wildcard-cpe").arg("value", v)
        }
        Unresolved::BadPurl(v) => Problem::new("watch-inventory-product-bad-purl").arg("value", v),
    }
}

/// The note `product::resolve` gives when several catalogue products share a name.
pub(crate) fn note_problem(key: &str, note: &str) -> Problem {
    let candidates = note
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map_or("", |(c, _)| c);
    Problem::new("watch-inventory-product-shared-name")
        .arg("key", key)
        .arg("candidates", candidates)
}

/// `line N: …` → (N, …).
fn line_of(e: &str) -> Option<(u64, &str)> {
    let rest = e.strip_prefix("line ")?;
    let (n, detail) = rest.split_once(": ")?;
    Some((n.parse().ok()?, detail))
}

/// A file-level error of the engine (header, format, unreadable line) as a message key.
fn file_problem(e: &str) -> ItemProblem {
    if let Some(d) = e.strip_prefix("SBOM: not JSON: ") {
        return ItemProblem::new(
            ItemPlace::File,
            Problem::new("watch-sbom-not-json").arg("detail", d),
        );
    }
    if e.starts_with("SBOM: bomFormat") {
        return ItemProblem::new(ItemPlace::File, Problem::new("watch-sbom-not-cyclonedx"));
    }
    if let Some(rest) = e.strip_prefix("component ") {
        if let (Some((n, _)), true) = (rest.split_once(' '), e.ends_with(": no name")) {
            if let Ok(index) = n.parse() {
                return ItemProblem::new(
                    ItemPlace::Component {
                        index,
                        name: String::new(),
                        version: String::new(),
                    },
                    Problem::new("watch-sbom-component-no-name"),
                );
            }
        }
    }
    if let Some((line, d)) = line_of(e) {
        let at = ItemPlace::Line { line };
        let p = if let Some(h) = d.strip_prefix("cannot read the header: ") {
            Problem::new("watch-inventory-header-unreadable").arg("detail", h)
        } else if let Some(f) = d
            .strip_prefix("the header must name the columns product and version (found: ")
            .and_then(|f| f.strip_suffix(')'))
        {
            Problem::new("watch-inventory-header-columns").arg("found", f)
        } else if let Some(v) = d
            .strip_prefix("exposed ")
            .and_then(|v| v.strip_suffix(" must be yes/no (oui/non, 1/0)"))
        {
            Problem::new("watch-inventory-exposed-invalid").arg("value", v.trim_matches('"'))
        } else {
            Problem::new("watch-inventory-line-unreadable").arg("detail", d)
        };
        return ItemProblem::new(at, p);
    }
    ItemProblem::new(
        ItemPlace::File,
        Problem::new("watch-inventory-file-unreadable").arg("detail", e),
    )
}

/// Where a row of the engine is: its CSV line, or its component (`component N (name version)`).
fn place_of(r: &inventory::InventoryRow) -> ItemPlace {
    if r.origin == "cyclonedx" {
        let inner = r
            .label
            .split_once(" (")
            .and_then(|(_, x)| x.strip_suffix(')'))
            .unwrap_or("");
        let name = inner
            .strip_suffix(r.version.as_str())
            .unwrap_or(inner)
            .trim_end();
        ItemPlace::Component {
            index: r.line,
            name: name.to_string(),
            version: r.version.clone(),
        }
    } else {
        ItemPlace::Line {
            line: r.line as u64,
        }
    }
}

/// Reads an inventory file: a CycloneDX JSON SBOM when it starts like JSON, a CSV otherwise
/// (`vigie_intel::inventory`). Returns the items ready to store, and the report of every row
/// (what it resolved to, or why it is not stored) and of the file's errors. A file that is not
/// UTF-8 is refused, naming the line of the first bad byte (nothing is decoded lossily).
pub fn read_inventory(bytes: &[u8]) -> Result<(PlacedItems, ImportReport), StoreError> {
    let cat = catalog()?;
    let mut report = ImportReport::default();
    if let Err(e) = std::str::from_utf8(bytes) {
        let at = e.valid_up_to();
        let line = bytes
            .get(..at)
            .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
            + 1;
        report.errors.push(ItemProblem::new(
            ItemPlace::Line { line: line as u64 },
            Problem::new("watch-inventory-not-utf8")
                .arg("line", line as u64)
                .arg("offset", at as u64),
        ));
        return Ok((Vec::new(), report));
    }
    let file = inventory::parse(cat, bytes);
    // A line after the header that cannot be read is a row left out; the header, the format and
    // the encoding are the file's.
    for p in file.errors.iter().map(String::as_str).map(file_problem) {
        let row = match &p.place {
            ItemPlace::Line { line } => *line > 1,
            ItemPlace::Component { .. } => true,
            _ => false,
        };
        if row {
            let column = ItemProblem::column_of(&p.problem);
            report.skipped.push(match column {
                Some(c) => p.in_column(c),
                None => p,
            });
        } else {
            report.errors.push(p);
        }
    }
    let mut items = Vec::new();
    for r in &file.rows {
        let place = place_of(r);
        let mut row = ImportRow {
            place: place.clone(),
            declared: r.declared.clone(),
            version: r.version.clone(),
            status: String::new(),
            key: None,
            display: None,
            by: None,
            note: None,
            problem: None,
        };
        let resolved = match &r.outcome {
            RowOutcome::Ready { resolved } => {
                row.status = "ready".into();
                items.push((
                    place,
                    NewItem {
                        product: resolved.key.clone(),
                        version: r.version.clone(),
                        location: r.location.clone(),
                        origin: r.origin.clone(),
                        exposed: r.exposed,
                    },
                ));
                Some(resolved)
            }
            RowOutcome::Incomplete { resolved, .. } => {
                row.status = "incomplete".into();
                row.problem = Some(if r.version.trim().is_empty() {
                    Problem::new("watch-inventory-version-empty")
                } else {
                    Problem::new("watch-inventory-version-invalid").arg("max", 100u32)
                });
                Some(resolved)
            }
            RowOutcome::Rejected { reason } => {
                row.status = "rejected".into();
                row.problem = Some(match product::resolve(cat, &r.declared) {
                    Err(e) => unresolved_problem(&e),
                    Ok(_) => {
                        Problem::new("watch-inventory-product-unresolved").arg("detail", reason)
                    }
                });
                None
            }
        };
        if let Some(res) = resolved {
            row.key = Some(res.key.clone());
            row.display = Some(res.display.clone());
            row.by = serde_json::to_value(res.by)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string));
            row.note = res.note.as_deref().map(|n| note_problem(&res.key, n));
        }
        if let Some(p) = &row.problem {
            let column = if row.status == "rejected" {
                "product"
            } else {
                "version"
            };
            report
                .skipped
                .push(ItemProblem::new(row.place.clone(), p.clone()).in_column(column));
        }
        report.rows.push(row);
    }
    Ok((items, report))
}
