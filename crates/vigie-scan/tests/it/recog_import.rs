//! Imports the Rapid7 Recog fingerprints (BSD-2) kept beside the repository in
//! shared/data/recog (or $VIGIE_RECOG_DIR) and runs their `<example>` self-tests.

use std::path::PathBuf;

use vigie_scan::rules::{import_recog, primary, Facts};

fn recog_dir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("VIGIE_RECOG_DIR") {
        return Some(PathBuf::from(d));
    }
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/recog/xml");
    d.exists().then_some(d)
}

#[test]
fn recog_examples_self_test() {
    let Some(dir) = recog_dir() else {
        eprintln!("SKIPPED recog_examples_self_test: no Recog copy (shared/data/recog/xml or $VIGIE_RECOG_DIR)");
        return;
    };
    let (rules, reports) = import_recog(&dir).expect("import");
    let fps: usize = reports.iter().map(|r| r.fingerprints).sum();
    let imported: usize = reports.iter().map(|r| r.imported).sum();
    let unsupported: usize = reports.iter().map(|r| r.unsupported).sum();
    let examples: usize = reports.iter().map(|r| r.examples).sum();
    let passed: usize = reports.iter().map(|r| r.examples_passed).sum();
    eprintln!(
        "Recog: {} files, {fps} fingerprints, {imported} imported, {unsupported} patterns the Rust regex engine cannot compile; examples {passed}/{examples} pass",
        reports.len()
    );
    for r in &reports {
        for f in r.failures.iter().take(3) {
            eprintln!("  {}: {f}", r.file);
        }
    }
    assert!(reports.len() >= 40, "files");
    assert!(fps >= 4000, "fingerprints {fps}");
    assert_eq!(imported + unsupported, fps);
    assert!(
        imported * 100 / fps >= 99,
        "at least 99% of patterns compile: {imported}/{fps}"
    );
    // examples of the fingerprints we could import: nearly all must pass
    assert_eq!(
        passed, examples,
        "every example of the imported fingerprints passes"
    );
    // and the imported rules work on what a real service sends
    let mut f = Facts::new();
    f.insert(
        "ssh.software".into(),
        "OpenSSH_9.2p1 Debian-2+deb12u10".into(),
    );
    let m = rules.matches(&f, None);
    let p = primary(&m).expect("Recog names OpenSSH");
    assert_eq!(p.version.as_deref(), Some("9.2p1"), "{p:?}");
}
