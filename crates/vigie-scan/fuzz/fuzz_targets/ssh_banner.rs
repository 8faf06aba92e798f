#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vigie_scan::wire::parse_ssh_banner(data);
    let _ = vigie_scan::wire::parse_reply(data);
    let _ = vigie_scan::wire::telnet_text(data);
    let _ = vigie_scan::wire::parse_vnc_banner(data);
    let _ = vigie_scan::versions::distro_patch(&String::from_utf8_lossy(data));
});
