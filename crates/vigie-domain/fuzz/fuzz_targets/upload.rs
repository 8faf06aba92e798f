//! Fuzzes the check of a file people give: a name and a content, split from the input at its
//! first NUL. Nothing panics, and what is accepted is what the rules say: a plain name whose
//! extension agrees with the type read from the content.
//!
//! `cargo +nightly fuzz run upload` from `crates/vigie-domain`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use vigie_domain::upload::{check, detect, MAX_SIZE};

fuzz_target!(|data: &[u8]| {
    let (name, content) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b"x"[..]),
    };
    let name = String::from_utf8_lossy(name);
    if let Ok(a) = check(&name, content) {
        assert!(!content.is_empty() && content.len() <= MAX_SIZE);
        assert_eq!(detect(content), Some(a.kind));
        assert!(!a.name.contains(['/', '\\']) && !a.name.contains(".."));
        assert!(!a.name.starts_with('.') && !a.name.chars().any(char::is_control));
        if let Some((_, ext)) = a.name.rsplit_once('.') {
            assert!(a.kind.extensions().contains(&ext.to_lowercase().as_str()));
        }
    }
});
