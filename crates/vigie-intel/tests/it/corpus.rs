//! Real-data corpus: (product, version) -> expected decision for a CVE, checked by hand against
//! the record text (see the `note` column of tests/corpus.csv).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use crate::common;
use common::load;
use std::collections::{HashMap, HashSet};
use vigie_intel::ingest::match_cve;
use vigie_intel::matching::{Decision, InventoryItem, Matcher, ProductRef};
use vigie_intel::Catalog;

struct Case {
    line: usize,
    cve: String,
    product: String,
    version: String,
    expected: String,
    note: String,
}

fn cases() -> Vec<Case> {
    common::read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus.csv"))
        .into_iter()
        .enumerate()
        .map(|(i, r)| Case {
            line: i + 2,
            cve: r[0].clone(),
            product: r[1].clone(),
            version: r[2].clone(),
            expected: r[3].clone(),
            note: r[4].clone(),
        })
        .collect()
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
