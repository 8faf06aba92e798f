#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(adv) = vigie_intel::parse::parse_cve5(data, Some("fuzz.json")) {
        // Whatever parses must also match without panicking.
        let m = vigie_intel::Matcher::new(
            vigie_intel::Catalog::builtin().unwrap_or_else(|_| std::process::abort()),
            vec![vigie_intel::InventoryItem {
                structure_id: 1,
                product: vigie_intel::ProductRef::Catalog("fortios".into()),
                version: "7.0.12 build 0523".into(),
                exposed: true,
                source: "fuzz".into(),
            }],
        );
        let _ = m.match_advisory(&adv, &vigie_intel::ThreatContext::default());
    }
});
