//! A small FINESS extract in the public format (see `vigie_domain::extract`): the metadata line,
//! three sites in Loire-Atlantique (44, outside the Bretagne demo region), one `geolocalisation`
//! record to be skipped, and one site whose FINESS check key is wrong, to be rejected.

use anyhow::{Context, Result};

/// One site of the extract.
pub struct Site {
    pub finess_et: String,
    pub name: &'static str,
}

pub struct SmallExtract {
    pub text: String,
    pub sites: Vec<Site>,
    /// The 1-based number of the line that must be rejected.
    pub rejected_line: usize,
}

/// A valid FINESS number of department 44: `440` + 5 digits + the Luhn key.
fn finess44(seq: u32) -> Result<String> {
    let first8 = format!("440{seq:05}");
    let key = vigie_domain::finess::check_key(&first8)
        .with_context(|| format!("no check key for {first8}"))?;
    Ok(format!("{first8}{key}"))
}

/// A `structureet` record: 32 fields, ending with an empty `numuai` (so with `;`).
fn site_line(
    et: &str,
    ej: &str,
    name: &str,
    commune: (&str, &str),
    category: (&str, &str, &str, &str),
    phone: &str,
) -> String {
    let (commune_code, postal_line) = commune;
    let (cat, cat_label, agg, agg_label) = category;
    let fields: [&str; 32] = [
        "structureet",
        et,
        ej,
        name,
        name,
        "",
        "",
        "12",
        "RUE",
        "DES ESSAIS",
        "",
        "",
        commune_code,
        "44",
        "LOIRE ATLANTIQUE",
        postal_line,
        phone,
        "",
        cat,
        cat_label,
        agg,
        agg_label,
        "",
        "",
        "03",
        "ARS établissements Publics de santé dotation globale",
        "1",
        "Etablissement public de santé",
        "2001-03-01",
        "2001-03-01",
        "2026-05-04",
        "",
    ];
    fields.join(";")
}

pub fn small_extract() -> Result<SmallExtract> {
    let sites = [
        (
            finess44(90_001)?,
            finess44(90_002)?,
            "CH E2E ANCENIS",
            ("003", "44150 ANCENIS SAINT GEREON"),
            (
                "355",
                "Centre Hospitalier (C.H.)",
                "1102",
                "Centres Hospitaliers",
            ),
            "0261919001",
        ),
        (
            finess44(90_011)?,
            finess44(90_012)?,
            "EHPAD E2E LES SALINES GUERANDE",
            ("069", "44350 GUERANDE"),
            (
                "500",
                "Etablissement d'hébergement pour personnes âgées dépendantes",
                "4401",
                "Etablissements d'Hébergement pour Personnes Âgées",
            ),
            "0261919002",
        ),
        (
            finess44(90_021)?,
            finess44(90_022)?,
            "LBM E2E CLISSON",
            ("043", "44190 CLISSON"),
            (
                "611",
                "Laboratoire de Biologie Médicale",
                "2206",
                "Laboratoires de Biologie Médicale",
            ),
            "0261919003",
        ),
    ];
    let mut lines = vec!["finess;etalab;111;2026-05-12".to_string()];
    for (et, ej, name, commune, cat, phone) in &sites {
        lines.push(site_line(et, ej, name, *commune, *cat, phone));
    }
    lines.push(format!(
        "geolocalisation;{};356120.4;6712090.1;1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);2026-05-04",
        sites[0].0
    ));
    // A site whose FINESS number has a wrong check key: the whole line is rejected.
    let good = finess44(90_031)?;
    let wrong_key = match good.chars().last() {
        Some('0') => '1',
        _ => '0',
    };
    let bad = format!("{}{wrong_key}", &good[..8]);
    let bad_ej = finess44(90_032)?;
    lines.push(site_line(
        &bad,
        &bad_ej,
        "CLINIQUE E2E CLE FAUSSE NANTES",
        ("109", "44000 NANTES"),
        (
            "365",
            "Etablissement de Soins Pluridisciplinaire",
            "1106",
            "Etablissements de Soins Pluridisciplinaires",
        ),
        "0261919004",
    ));
    let rejected_line = lines.len();
    let mut text = lines.join("\n");
    text.push('\n');
    Ok(SmallExtract {
        text,
        sites: sites
            .into_iter()
            .map(|(et, _, name, ..)| Site {
                finess_et: et,
                name,
            })
            .collect(),
        rejected_line,
    })
}

#[test]
fn the_small_extract_parses_as_intended() -> Result<()> {
    use vigie_domain::extract::{parse_line, parse_metadata, Record};
    let x = small_extract()?;
    let lines: Vec<&str> = x.text.lines().collect();
    parse_metadata(lines[0]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut sites = 0;
    let mut other = 0;
    let mut errors = Vec::new();
    for (i, l) in lines.iter().enumerate().skip(1) {
        match parse_line(l) {
            Ok(Record::Site(_)) => sites += 1,
            Ok(_) => other += 1,
            Err(e) => errors.push((i + 1, e.to_string())),
        }
    }
    assert_eq!((sites, other), (3, 1));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, x.rejected_line);
    assert!(errors[0].1.contains("check key"), "{errors:?}");
    Ok(())
}
