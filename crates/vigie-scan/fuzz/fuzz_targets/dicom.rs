#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vigie_scan::wire::parse_dicom_assoc(data);
    let _ = vigie_scan::wire::parse_dicom_cecho_rsp(data);
});
