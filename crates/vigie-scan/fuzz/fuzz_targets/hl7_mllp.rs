#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(a) = vigie_scan::wire::parse_hl7_mllp(data) {
        let _ = vigie_scan::medical::hl7_extrainfo(&a);
    }
});
