#![no_main]
use libfuzzer_sys::fuzz_target;
use vigie_intel::{product, Catalog};

fuzz_target!(|data: &[u8]| {
    let Ok(cat) = Catalog::builtin() else { return };
    let text = String::from_utf8_lossy(data);
    // Any text resolves or is refused, never panics; a key resolves to itself.
    if let Ok(r) = product::resolve(&cat, &text) {
        match product::resolve(&cat, &r.key) {
            Ok(again) if again.key == r.key => {}
            _ => std::process::abort(),
        }
    }
});
