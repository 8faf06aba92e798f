#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(r) = vigie_scan::wire::parse_http_response(data) {
        let _ = r.title();
        let _ = r.headers_text();
    }
});
