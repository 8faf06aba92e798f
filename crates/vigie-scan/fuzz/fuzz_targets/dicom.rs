#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(a) = vigie_scan::wire::parse_dicom_assoc(data) {
        // the implementation named from what the association answer carries
        let _ = vigie_scan::medical::identify_dicom(
            vigie_scan::medical::dicom_table(),
            a.implementation_uid.as_deref(),
            a.implementation_version.as_deref(),
        );
        let _ = vigie_scan::medical::dicom_extrainfo(&a);
    }
    let _ = vigie_scan::wire::parse_dicom_cecho_rsp(data);
});
