//! Real-data corpus: (product, version) -> expected decision for a CVE, checked by hand against
//! the record text (see the `note` column of tests/corpus.csv).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::PathBuf;
use vigie_intel::ingest::match_cve;
use vigie_intel::matching::{Decision, InventoryItem, Matcher, ProductRef};
use vigie_intel::{Catalog, Corpus};

fn data_dir() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        p.join("README.md").exists(),
        "shared data folder not found at {} (expected ../shared/data beside the workspace; CI has it)",
        p.display()
    );
    p
}

struct Case {
    line: usize,
    cve: String,
    product: String,
    version: String,
    expected: String,
    note: String,
}

fn cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus.csv");
    let mut rdr = csv::Reader::from_path(path).unwrap();
    rdr.records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.unwrap();
            Case {
                line: i + 2,
                cve: r[0].to_string(),
                product: r[1].to_string(),
                version: r[2].to_string(),
                expected: r[3].to_string(),
                note: r[4].to_string(),
            }
        })
        .collect()
}

/// Loads the records the corpus needs: the small folders in full, and the wanted members of
/// the Vulnrichment archive (streamed, never unpacked to disk).
fn load(wanted: &HashSet<String>) -> Corpus {
    let d = data_dir();
    let mut c = Corpus::default();
    for sub in [
        "cve-records",
        "cve-records/nvd",
        "samples/cve5",
        "samples/nvd-api2",
    ] {
        let mut files: Vec<_> = std::fs::read_dir(d.join(sub))
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        files.sort();
        for f in files {
            if f.extension().is_some_and(|e| e == "json") {
                c.add_bytes(&f.display().to_string(), &std::fs::read(&f).unwrap());
            }
        }
    }
    let f = std::fs::File::open(d.join("vulnrichment/vulnrichment-2024-10-24.tar.zst")).unwrap();
    let mut ar = tar::Archive::new(zstd::stream::read::Decoder::new(f).unwrap());
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().display().to_string();
        let stem = name
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".json")
            .to_string();
        if wanted.contains(&stem) {
            let mut b = Vec::new();
            e.read_to_end(&mut b).unwrap();
            c.add_bytes(&name, &b);
        }
    }
    c
}

#[test]
fn real_corpus_decisions() {
    let cases = cases();
    assert!(cases.len() >= 60, "corpus must hold at least 60 cases");
    let wanted: HashSet<String> = cases.iter().map(|c| c.cve.clone()).collect();
    let corpus = load(&wanted);
    for id in &wanted {
        assert!(
            corpus.advisories.contains_key(id),
            "record {id} not found in shared/data"
        );
    }
    // One inventory: one item per case, each in its own structure.
    let items: Vec<InventoryItem> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| InventoryItem {
            structure_id: i as i64,
            product: if c.product.starts_with("cpe:") {
                ProductRef::Cpe(c.product.clone())
            } else if let Some((v, p)) = c.product.split_once('|') {
                ProductRef::Named {
                    vendor: v.into(),
                    product: p.into(),
                }
            } else {
                ProductRef::Catalog(c.product.clone())
            },
            version: c.version.clone(),
            exposed: true,
            source: "corpus".into(),
        })
        .collect();
    let m = Matcher::new(Catalog::builtin().unwrap(), items);
    let ctx = corpus.threat_context();
    let mut by_cve: HashMap<&str, HashMap<usize, Decision>> = HashMap::new();
    for id in &wanted {
        let findings = match_cve(&m, &corpus.advisories[id], &ctx);
        by_cve.insert(
            id.as_str(),
            findings.into_iter().map(|f| (f.item, f.decision)).collect(),
        );
    }
    let mut failures = Vec::new();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for (i, c) in cases.iter().enumerate() {
        let got = match by_cve[c.cve.as_str()].get(&i) {
            Some(Decision::Affected) => "affected",
            Some(Decision::NeedsReview) => "review",
            None => "not-affected",
        };
        *counts.entry(c.expected.as_str()).or_default() += 1;
        if got != c.expected {
            failures.push(format!(
                "line {}: {} {} `{}`: expected {}, got {} ({})",
                c.line, c.cve, c.product, c.version, c.expected, got, c.note
            ));
        }
    }
    eprintln!("corpus: {} cases {:?}", cases.len(), counts);
    assert!(
        failures.is_empty(),
        "{} corpus failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
