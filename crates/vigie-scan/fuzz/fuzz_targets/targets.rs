#![no_main]
use libfuzzer_sys::fuzz_target;

// nmap-style targets as a user (or a target file) writes them
fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for (_, word) in vigie_scan::targets::split_target_file(&text) {
        if let Ok(ts) = vigie_scan::targets::parse(&word) {
            for t in ts {
                let _ = t.count();
                if let vigie_scan::targets::Target::Range(r) = &t {
                    let _ = r.expand(4096);
                }
            }
        }
    }
    let _ = vigie_scan::targets::parse(&text);
});
