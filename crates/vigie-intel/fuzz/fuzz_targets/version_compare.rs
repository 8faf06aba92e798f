#![no_main]
use libfuzzer_sys::fuzz_target;
use vigie_intel::version::{compare, Scheme};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (a, b) = text.split_once('\n').unwrap_or((&text, "1.0"));
    for s in Scheme::ALL {
        let ab = compare(a, b, s);
        let ba = compare(b, a, s);
        // Antisymmetry must hold for every input.
        if ab.map(std::cmp::Ordering::reverse) != ba {
            std::process::abort();
        }
    }
    let _ = vigie_intel::Cpe::parse(&text);
});
