//! Measures `extract::parse_line` throughput on one core.
//!
//! `cargo run --release -p vigie-domain --example parse_bench [lines] [sites]`
//!
//! With `sites` as second argument, only `structureet` lines are generated.
//!
//! Builds a synthetic extract in memory from realistic `structureet` lines (varying the FINESS
//! numbers so every line is distinct and valid), then times parsing. No file is read.

use std::hint::black_box;
use std::time::Instant;

use vigie_domain::extract::{parse_line, Record};
use vigie_domain::finess::check_key;

const TEMPLATES: [&str; 4] = [
    "structureet;{ET};010780054;CH DE FLEYRIAT;CENTRE HOSPITALIER DE BOURG-EN-BRESSE FLEYRIAT;;;900;RTE;DE PARIS;;;451;01;AIN;01440 VIRIAT;0474454647;0474454114;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;26010004500012;8610Z;03;ARS établissements Publics de santé dotation globale;1;Etablissement public de santé;1979-02-13;1979-02-13;2020-02-04;",
    "structureet;{ET};970302022;E.H.P.A.D. EDMAR LAMA DE CAYENNE;E.H.P.A.D. DU CENTRE HOSPITALIER DE CAYENNE;;;;AV;ALEXIS BLAISE;;BP 6006;302;9C;GUYANE;97306 CAYENNE CEDEX;0594395050;0594305150;500;Etablissement d'hébergement pour personnes âgées dépendantes;4401;Etablissements d'Hébergement pour Personnes Âgées;;8710A;40;ARS/PCD, Tarif global, habilité aide sociale, recours PUI;;;1988-05-02;2017-01-03;2024-04-22;",
    "structureet;{ET};970463600;UAD (LA POSSESSION)-ASDR;UNITE AUTODIALYSE (LA POSSESSION)-ASDR;;;1;R;RAYMOND BARRE;C;ZAC MOULIN JOLI;408;9D;LA REUNION;97419 LA POSSESSION;0262202820;0262285269;146;Structure d'Alternative à la dialyse en centre;1203;Dialyse Ambulatoire;37875112700101;;07;ARS établissements de santé non financés dotation globale;0;Non concerné;2016-09-15;2014-03-31;2023-10-26;",
    "geolocalisation;{ET};870262.2;6571540.8;1,ATLASANTE,96,BAN,EPSG:2154 RGF93 / Lambert-93 (Métropole);2026-05-04",
];

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(2_000_000);
    let only_sites = std::env::args().nth(2).as_deref() == Some("sites");
    let kinds = if only_sites { 3 } else { TEMPLATES.len() };
    let prefixes = ["010", "750", "970", "690"];
    let mut lines = Vec::with_capacity(n);
    for i in 0..n {
        let t = i % kinds;
        let first8 = format!("{}{:05}", prefixes[t], i % 100_000);
        let Some(key) = check_key(&first8) else {
            continue;
        };
        let first8 = if t == 1 {
            format!("9703{}", &first8[4..])
        } else {
            first8
        };
        let key = check_key(&first8).unwrap_or(key);
        lines.push(TEMPLATES[t].replace("{ET}", &format!("{first8}{key}")));
    }
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    // Warm-up.
    for l in lines.iter().take(10_000) {
        black_box(parse_line(l).ok());
    }
    let start = Instant::now();
    let (mut sites, mut others, mut errors) = (0usize, 0usize, 0usize);
    for l in &lines {
        match black_box(parse_line(black_box(l))) {
            Ok(Record::Site(_)) => sites += 1,
            Ok(Record::Other { .. }) => others += 1,
            Err(_) => errors += 1,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} lines ({} sites, {} other, {} errors), {:.1} MB in {:.3} s: {:.0} lines/s, {:.0} MB/s",
        lines.len(),
        sites,
        others,
        errors,
        bytes as f64 / 1e6,
        secs,
        lines.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}
