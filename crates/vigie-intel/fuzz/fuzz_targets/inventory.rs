#![no_main]
use libfuzzer_sys::fuzz_target;
use vigie_intel::{inventory, Catalog};

fuzz_target!(|data: &[u8]| {
    let Ok(cat) = Catalog::builtin() else { return };
    // CSV and CycloneDX inventories: every input gives rows or errors, never a panic.
    let _ = inventory::parse(&cat, data);
    let _ = inventory::parse_csv(&cat, data);
    let _ = inventory::parse_cyclonedx(&cat, data);
});
