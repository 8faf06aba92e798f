//! Fuzzes the FINESS extract line parser and the FINESS number parser.
//!
//! `cargo +nightly fuzz run finess_line` from `crates/vigie-domain`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_domain::extract::{decode_line, parse_line, parse_metadata};
use vigie_domain::finess::{check_key, Finess};

fuzz_target!(|data: &[u8]| {
    let lossy = String::from_utf8_lossy(data);
    let _ = parse_line(&lossy);
    let _ = parse_metadata(&lossy);
    if let Ok(f) = Finess::parse(&lossy) {
        let _ = f.department_code();
        assert_eq!(Finess::parse(f.as_str()).as_ref(), Ok(&f));
    }
    let _ = check_key(&lossy);
    // The Latin-1 fallback path, as the import uses it.
    let decoded = decode_line(data);
    let _ = parse_line(&decoded);
    let _ = parse_line(&format!("structureet;{decoded}"));
});
