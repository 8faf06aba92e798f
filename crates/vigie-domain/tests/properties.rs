//! Property tests: no input makes the parsers panic, and `check_key` makes parseable numbers.

use proptest::prelude::*;
use vigie_domain::extract::{decode_line, parse_line, parse_metadata};
use vigie_domain::finess::{check_key, Finess};
use vigie_domain::ght::{parse_ght_header, parse_ght_row};
use vigie_domain::structure::{
    is_documentation_or_reserved, is_valid_email, normalize_phone_fr, parse_asset, AssetKind,
};

const REAL_LINE: &str = "structureet;010000024;010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT;;;900;RTE;DE PARIS;;;451;01;AIN;01440 VIRIAT;0474454647;0474454114;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;1979-02-13;1979-02-13;2020-02-04;";

/// Valid department prefixes of a FINESS number, as written in the number.
fn prefix() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u8..=95)
            .prop_filter("no 20", |d| *d != 20)
            .prop_map(|d| format!("{d:02}")),
        Just("2A".to_string()),
        Just("2B".to_string()),
        prop::sample::select(vec![
            "9701", "9702", "9703", "9704", "9705", "9706", "9707", "9708", "9805", "9806", "9807",
            "9808",
        ])
        .prop_map(str::to_string),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn finess_parse_never_panics(s in ".*") {
        let _ = Finess::parse(&s);
        let _ = check_key(&s);
    }

    #[test]
    fn finess_parse_never_panics_on_near_misses(s in "[0-9AB9 ]{0,12}") {
        if let Ok(f) = Finess::parse(&s) {
            prop_assert_eq!(f.as_str().len(), 9);
            let _ = f.department_code();
        }
    }

    #[test]
    fn check_key_makes_valid_numbers(p in prefix(), rest in "[0-9]{7}") {
        let first8: String = format!("{p}{rest}").chars().take(8).collect();
        let key = check_key(&first8);
        prop_assert!(key.is_some(), "{}", first8);
        let number = format!("{first8}{}", key.unwrap_or('0'));
        let f = Finess::parse(&number);
        prop_assert!(f.is_ok(), "{} -> {:?}", number, f);
        let f = f.unwrap_or_else(|_| unreachable!());
        prop_assert!(vigie_domain::geo::department(f.department_code()).is_some(), "{}", number);
        // A single changed key is rejected, Corsica included.
        prop_assert!(f.key_is_verified());
        for k in '0'..='9' {
            if Some(k) != key {
                let other = format!("{first8}{k}");
                prop_assert!(Finess::parse(&other).is_err(), "{}", other);
            }
        }
    }

    #[test]
    fn parse_line_never_panics(s in ".*") {
        let _ = parse_line(&s);
        let _ = parse_metadata(&s);
        let line = format!("structureet;{s}");
        let _ = parse_line(&line);
    }

    #[test]
    fn parse_line_never_panics_on_structured_noise(
        fields in prop::collection::vec("[^;\n]{0,12}|\"[^\n]{0,10}\"?|", 0..40)
    ) {
        let line = format!("structureet;{}", fields.join(";"));
        let _ = parse_line(&line);
    }

    #[test]
    fn parse_line_survives_mutations_of_a_real_line(pos in 0usize..400, byte in any::<u8>()) {
        let mut bytes = REAL_LINE.as_bytes().to_vec();
        let i = pos % bytes.len();
        bytes[i] = byte;
        let line = decode_line(&bytes);
        let _ = parse_line(&line);
        let mut truncated = REAL_LINE.as_bytes().to_vec();
        truncated.truncate(i);
        let _ = parse_line(&decode_line(&truncated));
    }

    #[test]
    fn decode_line_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let s = decode_line(&bytes);
        prop_assert!(s.chars().count() <= bytes.len());
    }

    #[test]
    fn ght_never_panics(h in ".*", r in ".*") {
        if let Ok(fmt) = parse_ght_header(&h) {
            let _ = parse_ght_row(&fmt, &r);
        }
        if let Ok(fmt) = parse_ght_header("ght_code;ght_name;region_code;finess_et;support") {
            let _ = parse_ght_row(&fmt, &r);
        }
    }

    #[test]
    fn structure_helpers_never_panic(s in ".*") {
        let _ = is_valid_email(&s);
        let _ = normalize_phone_fr(&s);
        let _ = parse_asset(AssetKind::Domain, &s);
        let _ = parse_asset(AssetKind::IpRange, &s);
        let _ = is_documentation_or_reserved(&s);
    }

    #[test]
    fn ip_ranges_normalise_idempotently(a in any::<u32>(), p in 16u8..=32) {
        let input = format!("{}/{p}", std::net::Ipv4Addr::from(a));
        let (net, _) = vigie_domain::structure::normalize_ip_range(&input)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parse_asset(AssetKind::IpRange, &net), Ok(net.clone()));
    }
}

/// The address policy against a reference table written from the IANA registries.
mod address_policy;
