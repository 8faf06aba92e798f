//! Reading inventory files: a CSV of products and versions, a CycloneDX JSON SBOM. Each item
//! keeps where it came from, for the problems reported about it.

use vigie_domain::problem::Problem;

use crate::error::StoreError;
use crate::watch::catalog::catalog;
use crate::watch::types::{ItemPlace, ItemProblem, NewItem};

/// Items read from a file, each with where it came from.
pub type PlacedItems = Vec<(ItemPlace, NewItem)>;

/// Reads a CSV inventory: a header line with `product` and `version` columns (and optionally
/// `location`, `exposed`); `,` or `;` separated. Returns the items with their line numbers and the
/// per-line errors.
pub fn parse_inventory_csv(bytes: &[u8]) -> (PlacedItems, Vec<ItemProblem>) {
    let at = |line: u64| ItemPlace::Line { line };
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim_start_matches('\u{feff}');
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
            errors.push(ItemProblem::new(
                at(1),
                Problem::new("watch-inventory-header-unreadable").arg("detail", e.to_string()),
            ));
            return (items, errors);
        }
    };
    let col = |n: &str| headers.iter().position(|h| h == n);
    let (Some(pc), Some(vc)) = (col("product"), col("version")) else {
        errors.push(ItemProblem::new(
            at(1),
            Problem::new("watch-inventory-header-columns").arg("found", headers.join(", ")),
        ));
        return (items, errors);
    };
    let (lc, ec) = (col("location"), col("exposed"));
    for (n, rec) in rd.records().enumerate() {
        let line = rec
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(n as u64 + 2, |p| p.line());
        match rec {
            Err(e) => errors.push(ItemProblem::new(
                at(line),
                Problem::new("watch-inventory-line-unreadable").arg("detail", e.to_string()),
            )),
            Ok(r) => {
                if r.iter().all(str::is_empty) {
                    continue;
                }
                let get = |c: Option<usize>| c.and_then(|c| r.get(c)).unwrap_or("").to_string();
                let exposed = get(ec).to_lowercase();
                if !["", "0", "1", "yes", "no", "oui", "non", "true", "false"]
                    .contains(&exposed.as_str())
                {
                    errors.push(ItemProblem::new(
                        at(line),
                        Problem::new("watch-inventory-exposed-invalid").arg("value", exposed),
                    ));
                    continue;
                }
                items.push((
                    at(line),
                    NewItem {
                        product: get(Some(pc)),
                        version: get(Some(vc)),
                        location: get(lc),
                        origin: "csv".into(),
                        exposed: ["1", "yes", "oui", "true"].contains(&exposed.as_str()),
                    },
                ));
            }
        }
    }
    (items, errors)
}

/// Reads a CycloneDX JSON SBOM: each component (name, version, cpe, purl) is mapped to a catalogue
/// product by its CPE, then its purl name, then its name. Returns the items, the errors and the
/// components no catalogue product matches (or several). Fails (`Internal`) only when the product
/// catalogue cannot be loaded.
#[allow(clippy::type_complexity)]
pub fn parse_cyclonedx(
    bytes: &[u8],
) -> Result<(PlacedItems, Vec<ItemProblem>, Vec<ItemProblem>), StoreError> {
    let mut items = Vec::new();
    let mut errors = Vec::new();
    let mut unknown = Vec::new();
    let v: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            errors.push(ItemProblem::new(
                ItemPlace::File,
                Problem::new("watch-sbom-not-json").arg("detail", e.to_string()),
            ));
            return Ok((items, errors, unknown));
        }
    };
    if v.get("bomFormat").and_then(|f| f.as_str()) != Some("CycloneDX") {
        errors.push(ItemProblem::new(
            ItemPlace::File,
            Problem::new("watch-sbom-not-cyclonedx"),
        ));
        return Ok((items, errors, unknown));
    }
    let cat = catalog()?;
    let mut comps: Vec<&serde_json::Value> = Vec::new();
    fn walk<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a serde_json::Value>) {
        if let Some(list) = v.get("components").and_then(|c| c.as_array()) {
            for c in list {
                out.push(c);
                walk(c, out);
            }
        }
    }
    if let Some(m) = v.get("metadata").and_then(|m| m.get("component")) {
        comps.push(m);
        walk(m, &mut comps);
    }
    walk(&v, &mut comps);
    for (n, c) in comps.iter().enumerate() {
        let s = |k: &str| {
            c.get(k)
                .and_then(|x| x.as_str())
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let (name, version, cpe, purl) = (s("name"), s("version"), s("cpe"), s("purl"));
        let place = || ItemPlace::Component {
            index: n + 1,
            name: name.clone(),
            version: version.clone(),
        };
        if name.is_empty() {
            errors.push(ItemProblem::new(
                place(),
                Problem::new("watch-sbom-component-no-name"),
            ));
            continue;
        }
        let mut ids: Vec<String> = Vec::new();
        if !cpe.is_empty() {
            if let Ok(c) = vigie_intel::Cpe::parse(&cpe) {
                if let (Some(v), Some(p)) = (c.vendor.as_value(), c.product.as_value()) {
                    ids = cat
                        .resolve_cpe(v, p)
                        .into_iter()
                        .map(str::to_string)
                        .collect();
                }
            }
        }
        if ids.is_empty() && !purl.is_empty() {
            // pkg:type/namespace/name@version
            let body = purl.split(['@', '?', '#']).next().unwrap_or("");
            let mut parts = body.rsplit('/');
            let pname = parts.next().unwrap_or("");
            let ns = parts.next().unwrap_or("");
            if !ns.is_empty() && !ns.starts_with("pkg:") {
                ids = cat
                    .resolve_cve(ns, pname)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
            }
            if ids.is_empty() {
                ids = cat
                    .resolve_name(pname)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
            }
        }
        if ids.is_empty() {
            let group = s("group");
            if !group.is_empty() {
                ids = cat
                    .resolve_cve(&group, &name)
                    .into_iter()
                    .map(str::to_string)
                    .collect();
            }
        }
        if ids.is_empty() {
            ids = cat
                .resolve_name(&name)
                .into_iter()
                .map(str::to_string)
                .collect();
        }
        match ids.as_slice() {
            [] => unknown.push(ItemProblem::new(
                place(),
                Problem::new("watch-sbom-component-unknown"),
            )),
            [one] => {
                if version.is_empty() {
                    errors.push(ItemProblem::new(
                        place(),
                        Problem::new("watch-sbom-component-no-version"),
                    ));
                    continue;
                }
                items.push((
                    place(),
                    NewItem {
                        product: one.clone(),
                        version,
                        location: String::new(),
                        origin: "cyclonedx".into(),
                        exposed: false,
                    },
                ))
            }
            many => unknown.push(ItemProblem::new(
                place(),
                Problem::new("watch-sbom-component-ambiguous").arg("candidates", many.join(", ")),
            )),
        }
    }
    Ok((items, errors, unknown))
}
