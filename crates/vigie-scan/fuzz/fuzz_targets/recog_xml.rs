#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok((fps, _, _, _)) = vigie_scan::rules::parse_recog(s, "fuzz.xml") {
            for f in &fps {
                let _ = vigie_scan::rules::recog_check(f);
            }
        }
    }
});
