//! Issue 18's corpus: real (product, version) cases over products inside and outside the
//! catalogue, declared by vendor/product name, by CPE, by open key or by bare name, each decided
//! from the record text in `../shared/data` (the `note` column quotes it; `trap` marks the
//! just-fixed, other-branch, notation, precedence, name and substring traps). 100 % right.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use crate::common;

use std::collections::{HashMap, HashSet};
use vigie_intel::ingest::match_cve;
use vigie_intel::matching::{Decision, InventoryItem, Matcher, ProductRef};
use vigie_intel::{product, Catalog};

struct Case {
    line: usize,
    cve: String,
    declared: String,
    version: String,
    expected: String,
    trap: String,
    note: String,
}

fn cases() -> Vec<Case> {
    common::read_csv(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus_open.csv"
    ))
    .into_iter()
    .enumerate()
    .map(|(i, r)| Case {
        line: i + 2,
        cve: r[0].clone(),
        declared: r[1].clone(),
        version: r[2].clone(),
        expected: r[3].clone(),
        trap: r[4].clone(),
        note: r[5].clone(),
    })
    .collect()
}

#[test]
fn open_corpus_decisions() {
    let cases = cases();
    let cat = Catalog::builtin().unwrap();
    let wanted: HashSet<String> = cases.iter().map(|c| c.cve.clone()).collect();
    let corpus = common::load(&wanted);
    for id in &wanted {
        assert!(
            corpus.advisories.contains_key(id),
            "record {id} not found in shared/data"
        );
    }
    let items: Vec<InventoryItem> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| InventoryItem {
            structure_id: i as i64,
            product: ProductRef::Key(c.declared.clone()),
            version: c.version.clone(),
            exposed: true,
            source: "corpus".into(),
        })
        .collect();
    let m = Matcher::new(cat.clone(), items);
    let ctx = corpus.threat_context();
    let mut got: HashMap<(String, usize), Decision> = HashMap::new();
    for id in &wanted {
        for f in match_cve(&m, &corpus.advisories[id], &ctx) {
            got.insert((id.clone(), f.item), f.decision);
        }
    }
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let g = match got.get(&(c.cve.clone(), i)) {
            Some(Decision::Affected) => "affected",
            Some(Decision::NeedsReview) => "review",
            None => "not-affected",
        };
        if g != c.expected {
            failures.push(format!(
                "line {}: {} {} `{}` (key {:?}): expected {}, got {} ({})",
                c.line,
                c.cve,
                c.declared,
                c.version,
                m.item_key(i),
                c.expected,
                g,
                c.note
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The corpus as the issue asks: at least 250 cases over at least 40 products (both corpus
/// files), a third of them traps, declared by name and by CPE.
#[test]
fn corpus_size_and_shape() {
    let cat = Catalog::builtin().unwrap();
    let open = cases();
    let old = common::read_csv(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus.csv"));
    let mut products: HashSet<String> = HashSet::new();
    for c in &open {
        products.insert(product::resolve(&cat, &c.declared).unwrap().key);
    }
    for r in &old {
        products.insert(product::resolve(&cat, &r[1]).unwrap().key);
    }
    let total = open.len() + old.len();
    let traps = open.iter().filter(|c| !c.trap.is_empty()).count();
    let by_cpe = open
        .iter()
        .filter(|c| c.declared.starts_with("cpe:"))
        .count();
    let by_name = open.iter().filter(|c| c.declared.contains('|')).count();
    eprintln!(
        "corpus: {total} cases ({} here), {} products, {traps} traps here, {by_cpe} by CPE, {by_name} by vendor|product",
        open.len(),
        products.len()
    );
    assert!(total >= 250, "{total} cases");
    assert!(products.len() >= 40, "{} products", products.len());
    assert!(traps * 3 >= open.len(), "{traps} traps of {}", open.len());
    assert!(by_cpe >= 20 && by_name >= 40);
}
