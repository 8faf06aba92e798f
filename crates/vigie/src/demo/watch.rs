//! The demo's vulnerability watch: an inventory for each active structure, then real public
//! advisories (CVE records and their CISA KEV entries from `../shared/data`) so that alerts show.

use std::path::{Path, PathBuf};

use anyhow::Context;
use vigie_store::watch::NewItem;
use vigie_store::{Actor, Store};

use super::data::DEMO_INVENTORY;
use super::Activity;

/// Two inventory items for the `i`-th active structure.
pub(super) async fn seed_inventory(
    store: &Store,
    actor: &Actor,
    i: usize,
    sid: i64,
    act: &mut Activity,
) -> anyhow::Result<()> {
    for k in [i % DEMO_INVENTORY.len(), (i + 3) % DEMO_INVENTORY.len()] {
        let (product, version, location, exposed) = DEMO_INVENTORY[k];
        let item = NewItem {
            product: product.into(),
            version: version.into(),
            location: location.into(),
            origin: "form".into(),
            exposed,
        };
        let (_, alerts) = store.add_inventory_item(actor, sid, &item).await?;
        act.inventory_items += 1;
        act.alerts += alerts.len();
    }
    Ok(())
}

/// Ingests the real advisories of `intel` (when given) so that the inventories raise alerts.
pub(super) async fn seed_advisories(
    store: &Store,
    actor: &Actor,
    intel: Option<&Path>,
    act: &mut Activity,
) -> anyhow::Result<()> {
    match intel {
        Some(dir) => {
            let (corpus, advisories) = demo_corpus(dir)?;
            let r = store
                .watch_ingest(
                    actor,
                    &corpus,
                    "vigie demo: real CVE records and KEV entries",
                )
                .await?;
            act.advisories = if r.added + r.changed > 0 {
                advisories
            } else {
                0
            };
            act.alerts += r.alerts_new;
        }
        None => {
            act.note = Some(
                "No advisory ingested: ../shared/data is not here (ingest real ones with `vigie watch ingest`)."
                    .into(),
            );
        }
    }
    Ok(())
}

/// Where `vigie demo` looks for real public advisories: `../shared/data` from the current
/// folder (the project's data set next to the repository). `None` on a machine without it.
pub fn intel_dir() -> Option<PathBuf> {
    let p = PathBuf::from("../shared/data");
    p.join("cve-records").is_dir().then_some(p)
}

/// The CVE records of `dir/cve-records` and their entries of the CISA KEV catalogue.
fn demo_corpus(dir: &Path) -> anyhow::Result<(vigie_intel::Corpus, usize)> {
    let mut corpus = vigie_intel::Corpus::default();
    let records = dir.join("cve-records");
    let mut cves = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&records)
        .with_context(|| format!("reading {}", records.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("CVE-"))
        })
        .collect();
    files.sort();
    for f in &files {
        if let Some(stem) = f.file_stem().and_then(|s| s.to_str()) {
            cves.push(stem.to_string());
        }
        corpus.add_path(f);
    }
    let kev_path = dir.join("cisa-kev/known_exploited_vulnerabilities.json");
    if let Ok(bytes) = std::fs::read(&kev_path) {
        let mut kev: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("reading {}", kev_path.display()))?;
        if let Some(list) = kev
            .get_mut("vulnerabilities")
            .and_then(|v| v.as_array_mut())
        {
            list.retain(|v| {
                v.get("cveID")
                    .and_then(|c| c.as_str())
                    .is_some_and(|c| cves.iter().any(|x| x == c))
            });
            let n = list.len();
            if let Some(count) = kev.get_mut("count") {
                *count = serde_json::json!(n);
            }
        }
        corpus.add_bytes(
            "known_exploited_vulnerabilities.json",
            kev.to_string().as_bytes(),
        );
    }
    Ok((corpus, files.len()))
}
