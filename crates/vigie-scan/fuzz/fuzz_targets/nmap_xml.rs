#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = vigie_scan::output::import_nmap_xml(s);
        let _ = vigie_scan::output::import_masscan(s);
    }
});
