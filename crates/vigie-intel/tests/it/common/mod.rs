//! Shared by the corpus tests: the shared data folder and the loader of the records a corpus
//! needs (the small folders in full, the wanted members of the Vulnrichment archive streamed).

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::collections::HashSet;
use std::io::Read;
use std::path::PathBuf;
use vigie_intel::Corpus;

pub fn data_dir() -> PathBuf {
    let p = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"));
    assert!(
        p.join("README.md").exists(),
        "shared data folder not found at {} (expected ../shared/data beside the workspace; CI has it)",
        p.display()
    );
    p
}

/// Loads the records the corpus needs: the small folders in full, and the wanted members of
/// the Vulnrichment archive (streamed, never unpacked to disk).
pub fn load(wanted: &HashSet<String>) -> Corpus {
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

/// The records of a CSV file (header skipped), as strings.
pub fn read_csv(path: &str) -> Vec<Vec<String>> {
    let mut rdr = csv::Reader::from_path(path).unwrap();
    rdr.records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}
