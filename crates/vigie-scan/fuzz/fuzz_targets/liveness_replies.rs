#![no_main]
use libfuzzer_sys::fuzz_target;

// what liveness reads: raw ICMP and TCP packets, the kernel's neighbour table
fuzz_target!(|data: &[u8]| {
    let _ = vigie_scan::liveness::parse_icmp(data);
    let _ = vigie_scan::syn::parse_segment(data);
    let _ = vigie_scan::liveness::parse_proc_arp(&String::from_utf8_lossy(data));
});
