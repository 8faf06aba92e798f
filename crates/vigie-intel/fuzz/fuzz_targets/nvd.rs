#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vigie_intel::parse::parse_nvd(data, Some("fuzz.json"));
});
