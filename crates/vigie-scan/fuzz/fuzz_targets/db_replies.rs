#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vigie_scan::wire::parse_pg_reply(data);
    let _ = vigie_scan::wire::parse_redis_ping(data);
    let _ = vigie_scan::wire::redis_info_field(data, "redis_version");
    let _ = vigie_scan::wire::parse_mssql_prelogin(data);
    let _ = vigie_scan::wire::parse_ldap_bind_response(data);
});
