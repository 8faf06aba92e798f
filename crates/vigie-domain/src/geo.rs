//! French regions and departments, as the health administration sees them.
//!
//! - [`regions`]: the 18 regions (13 metropolitan, 5 overseas), with their INSEE code and the
//!   regional health agency (ARS) in charge.
//! - [`departments`]: the 101 departments (`01`–`95` with `2A`/`2B` instead of `20`, and
//!   `971`–`974`, `976`), followed by the overseas collectivities that appear in FINESS:
//!   Saint-Pierre-et-Miquelon (`975`), Saint-Barthélemy (`977`), Saint-Martin (`978`),
//!   Wallis-et-Futuna (`986`), Polynésie française (`987`) and Nouvelle-Calédonie (`988`).
//!   Saint-Barthélemy and Saint-Martin are attached to region `01` (they fall under the ARS of
//!   Guadeloupe, and FINESS files them under Guadeloupe). The other collectivities have their
//!   own health administrations and no ARS: their `region_code` is empty and
//!   [`region_of_department`] returns `None` for them. [`Department::is_department`] tells the
//!   101 departments from these collectivities.
//!
//! The FINESS extract writes overseas departments with codes of its own in its `departement`
//! field (`9A` Guadeloupe, `9B` Martinique, `9C` Guyane, `9D` La Réunion, `9F` Mayotte, `9J`
//! Wallis-et-Futuna, all seen in lines of the 2026-05-12 extract; `9E` Saint-Pierre-et-Miquelon,
//! not seen in a line but mapped so by two independent public FINESS importers, one of which
//! pairs it with SPM's own projection, EPSG:4467). [`department_from_extract`] maps them to the
//! codes used here. Saint-Barthélemy and Saint-Martin sites are filed under `9A`.

/// A French region.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Region {
    /// INSEE region code (`"11"`, `"84"`, `"01"`…).
    pub code: &'static str,
    /// French name, e.g. `"Île-de-France"`.
    pub name: &'static str,
    /// The regional health agency, e.g. `"ARS Île-de-France"`.
    pub ars: &'static str,
}

/// A department (or an overseas collectivity, see the [module documentation](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Department {
    /// INSEE code: `"01"`, `"2A"`, `"971"`…
    pub code: &'static str,
    /// French name.
    pub name: &'static str,
    /// INSEE code of the region; empty for collectivities outside any ARS region.
    pub region_code: &'static str,
}

impl Department {
    /// True for the 101 departments, false for the overseas collectivities listed after them.
    pub fn is_department(&self) -> bool {
        !matches!(self.code, "975" | "977" | "978" | "986" | "987" | "988")
    }

    /// The region of this department, if it belongs to one.
    pub fn region(&self) -> Option<&'static Region> {
        region(self.region_code)
    }
}

const fn r(code: &'static str, name: &'static str, ars: &'static str) -> Region {
    Region { code, name, ars }
}

const fn d(code: &'static str, name: &'static str, region_code: &'static str) -> Department {
    Department {
        code,
        name,
        region_code,
    }
}

static REGIONS: [Region; 18] = [
    r("11", "Île-de-France", "ARS Île-de-France"),
    r("24", "Centre-Val de Loire", "ARS Centre-Val de Loire"),
    r(
        "27",
        "Bourgogne-Franche-Comté",
        "ARS Bourgogne-Franche-Comté",
    ),
    r("28", "Normandie", "ARS Normandie"),
    r("32", "Hauts-de-France", "ARS Hauts-de-France"),
    r("44", "Grand Est", "ARS Grand Est"),
    r("52", "Pays de la Loire", "ARS Pays de la Loire"),
    r("53", "Bretagne", "ARS Bretagne"),
    r("75", "Nouvelle-Aquitaine", "ARS Nouvelle-Aquitaine"),
    r("76", "Occitanie", "ARS Occitanie"),
    r("84", "Auvergne-Rhône-Alpes", "ARS Auvergne-Rhône-Alpes"),
    r(
        "93",
        "Provence-Alpes-Côte d'Azur",
        "ARS Provence-Alpes-Côte d'Azur",
    ),
    r("94", "Corse", "ARS de Corse"),
    r(
        "01",
        "Guadeloupe",
        "ARS Guadeloupe, Saint-Martin et Saint-Barthélemy",
    ),
    r("02", "Martinique", "ARS Martinique"),
    r("03", "Guyane", "ARS Guyane"),
    r("04", "La Réunion", "ARS La Réunion"),
    r("06", "Mayotte", "ARS Mayotte"),
];

static DEPARTMENTS: [Department; 107] = [
    d("01", "Ain", "84"),
    d("02", "Aisne", "32"),
    d("03", "Allier", "84"),
    d("04", "Alpes-de-Haute-Provence", "93"),
    d("05", "Hautes-Alpes", "93"),
    d("06", "Alpes-Maritimes", "93"),
    d("07", "Ardèche", "84"),
    d("08", "Ardennes", "44"),
    d("09", "Ariège", "76"),
    d("10", "Aube", "44"),
    d("11", "Aude", "76"),
    d("12", "Aveyron", "76"),
    d("13", "Bouches-du-Rhône", "93"),
    d("14", "Calvados", "28"),
    d("15", "Cantal", "84"),
    d("16", "Charente", "75"),
    d("17", "Charente-Maritime", "75"),
    d("18", "Cher", "24"),
    d("19", "Corrèze", "75"),
    d("2A", "Corse-du-Sud", "94"),
    d("2B", "Haute-Corse", "94"),
    d("21", "Côte-d'Or", "27"),
    d("22", "Côtes-d'Armor", "53"),
    d("23", "Creuse", "75"),
    d("24", "Dordogne", "75"),
    d("25", "Doubs", "27"),
    d("26", "Drôme", "84"),
    d("27", "Eure", "28"),
    d("28", "Eure-et-Loir", "24"),
    d("29", "Finistère", "53"),
    d("30", "Gard", "76"),
    d("31", "Haute-Garonne", "76"),
    d("32", "Gers", "76"),
    d("33", "Gironde", "75"),
    d("34", "Hérault", "76"),
    d("35", "Ille-et-Vilaine", "53"),
    d("36", "Indre", "24"),
    d("37", "Indre-et-Loire", "24"),
    d("38", "Isère", "84"),
    d("39", "Jura", "27"),
    d("40", "Landes", "75"),
    d("41", "Loir-et-Cher", "24"),
    d("42", "Loire", "84"),
    d("43", "Haute-Loire", "84"),
    d("44", "Loire-Atlantique", "52"),
    d("45", "Loiret", "24"),
    d("46", "Lot", "76"),
    d("47", "Lot-et-Garonne", "75"),
    d("48", "Lozère", "76"),
    d("49", "Maine-et-Loire", "52"),
    d("50", "Manche", "28"),
    d("51", "Marne", "44"),
    d("52", "Haute-Marne", "44"),
    d("53", "Mayenne", "52"),
    d("54", "Meurthe-et-Moselle", "44"),
    d("55", "Meuse", "44"),
    d("56", "Morbihan", "53"),
    d("57", "Moselle", "44"),
    d("58", "Nièvre", "27"),
    d("59", "Nord", "32"),
    d("60", "Oise", "32"),
    d("61", "Orne", "28"),
    d("62", "Pas-de-Calais", "32"),
    d("63", "Puy-de-Dôme", "84"),
    d("64", "Pyrénées-Atlantiques", "75"),
    d("65", "Hautes-Pyrénées", "76"),
    d("66", "Pyrénées-Orientales", "76"),
    d("67", "Bas-Rhin", "44"),
    d("68", "Haut-Rhin", "44"),
    d("69", "Rhône", "84"),
    d("70", "Haute-Saône", "27"),
    d("71", "Saône-et-Loire", "27"),
    d("72", "Sarthe", "52"),
    d("73", "Savoie", "84"),
    d("74", "Haute-Savoie", "84"),
    d("75", "Paris", "11"),
    d("76", "Seine-Maritime", "28"),
    d("77", "Seine-et-Marne", "11"),
    d("78", "Yvelines", "11"),
    d("79", "Deux-Sèvres", "75"),
    d("80", "Somme", "32"),
    d("81", "Tarn", "76"),
    d("82", "Tarn-et-Garonne", "76"),
    d("83", "Var", "93"),
    d("84", "Vaucluse", "93"),
    d("85", "Vendée", "52"),
    d("86", "Vienne", "75"),
    d("87", "Haute-Vienne", "75"),
    d("88", "Vosges", "44"),
    d("89", "Yonne", "27"),
    d("90", "Territoire de Belfort", "27"),
    d("91", "Essonne", "11"),
    d("92", "Hauts-de-Seine", "11"),
    d("93", "Seine-Saint-Denis", "11"),
    d("94", "Val-de-Marne", "11"),
    d("95", "Val-d'Oise", "11"),
    d("971", "Guadeloupe", "01"),
    d("972", "Martinique", "02"),
    d("973", "Guyane", "03"),
    d("974", "La Réunion", "04"),
    d("976", "Mayotte", "06"),
    // Overseas collectivities present in FINESS (not departments).
    d("975", "Saint-Pierre-et-Miquelon", ""),
    d("977", "Saint-Barthélemy", "01"),
    d("978", "Saint-Martin", "01"),
    d("986", "Wallis-et-Futuna", ""),
    d("987", "Polynésie française", ""),
    d("988", "Nouvelle-Calédonie", ""),
];

/// The 18 regions: 13 metropolitan, then the 5 overseas regions.
pub fn regions() -> &'static [Region] {
    &REGIONS
}

/// The 101 departments, then the 6 overseas collectivities (see the [module documentation](self)).
pub fn departments() -> &'static [Department] {
    &DEPARTMENTS
}

/// The region with this INSEE code (`"11"`, `"01"`…). Surrounding whitespace is ignored.
pub fn region(code: &str) -> Option<&'static Region> {
    let code = code.trim();
    REGIONS.iter().find(|r| r.code == code)
}

/// The department with this code (`"01"`, `"2A"`, `"971"`…; `"2a"` is accepted).
pub fn department(code: &str) -> Option<&'static Department> {
    let code = code.trim();
    // Fast path: the table is ordered so that a code's index can be computed.
    let index = match code.as_bytes() {
        [b'2', b'A' | b'a'] => Some(19),
        [b'2', b'B' | b'b'] => Some(20),
        [a @ b'0'..=b'9', b @ b'0'..=b'9'] => {
            let n = usize::from(a - b'0') * 10 + usize::from(b - b'0');
            match n {
                1..=19 => Some(n - 1),
                21..=95 => Some(n),
                _ => None,
            }
        }
        [b'9', b'7', c @ b'1'..=b'4'] => Some(95 + usize::from(c - b'0')),
        [b'9', b'7', b'6'] => Some(100),
        _ => None,
    };
    if let Some(d) = index.and_then(|i| DEPARTMENTS.get(i)) {
        if d.code.eq_ignore_ascii_case(code) {
            return Some(d);
        }
    }
    DEPARTMENTS
        .iter()
        .find(|d| d.code.eq_ignore_ascii_case(code))
}

/// The region a department belongs to; `None` for unknown codes and for collectivities outside
/// any ARS region.
pub fn region_of_department(code: &str) -> Option<&'static Region> {
    department(code).and_then(Department::region)
}

/// The department named by the `departement` field of the FINESS extract.
///
/// Accepts the extract's own overseas codes (`9A` → `971`, `9B` → `972`, `9C` → `973`,
/// `9D` → `974`, `9E` → `975`, `9F` → `976`, `9J` → `986`), the usual codes (`"75"`, `"2A"`,
/// `"971"`) and a single digit for departments 1–9 (`"1"` → `"01"`).
pub fn department_from_extract(code: &str) -> Option<&'static Department> {
    let code = code.trim();
    let mapped = match code.as_bytes() {
        [b'9', c] => match c.to_ascii_uppercase() {
            b'A' => "971",
            b'B' => "972",
            b'C' => "973",
            b'D' => "974",
            b'E' => "975",
            b'F' => "976",
            b'J' => "986",
            _ => code,
        },
        [c @ b'1'..=b'9'] => {
            return DEPARTMENTS.get(usize::from(c - b'1'));
        }
        _ => code,
    };
    department(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn counts_and_uniqueness() {
        assert_eq!(regions().len(), 18);
        assert_eq!(
            departments().iter().filter(|d| d.is_department()).count(),
            101
        );
        let codes: HashSet<_> = departments().iter().map(|d| d.code).collect();
        assert_eq!(codes.len(), departments().len());
        let rcodes: HashSet<_> = regions().iter().map(|r| r.code).collect();
        assert_eq!(rcodes.len(), 18);
        // Every department points to an existing region; every region has a department.
        for d in departments().iter().filter(|d| d.is_department()) {
            assert!(region(d.region_code).is_some(), "{}", d.code);
        }
        for r in regions() {
            assert!(
                departments().iter().any(|d| d.region_code == r.code),
                "{}",
                r.code
            );
        }
        assert!(department("20").is_none());
        // The fast path and the scan agree for every code.
        for d in departments() {
            assert_eq!(department(d.code), Some(d));
            assert_eq!(department(&d.code.to_ascii_lowercase()), Some(d));
        }
        for bad in ["00", "20", "96", "99", "970", "975x", "2C", "", "1"] {
            assert_eq!(department(bad), None, "{bad}");
        }
    }

    #[test]
    fn departments_per_region() {
        let count = |code: &str| {
            departments()
                .iter()
                .filter(|d| d.is_department() && d.region_code == code)
                .count()
        };
        assert_eq!(count("11"), 8);
        assert_eq!(count("24"), 6);
        assert_eq!(count("27"), 8);
        assert_eq!(count("28"), 5);
        assert_eq!(count("32"), 5);
        assert_eq!(count("44"), 10);
        assert_eq!(count("52"), 5);
        assert_eq!(count("53"), 4);
        assert_eq!(count("75"), 12);
        assert_eq!(count("76"), 13);
        assert_eq!(count("84"), 12);
        assert_eq!(count("93"), 6);
        assert_eq!(count("94"), 2);
        for overseas in ["01", "02", "03", "04", "06"] {
            assert_eq!(count(overseas), 1);
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(region("11").map(|r| r.name), Some("Île-de-France"));
        assert_eq!(
            region(" 84 ").map(|r| r.ars),
            Some("ARS Auvergne-Rhône-Alpes")
        );
        assert_eq!(department("2a").map(|d| d.name), Some("Corse-du-Sud"));
        assert_eq!(region_of_department("2B").map(|r| r.code), Some("94"));
        assert_eq!(region_of_department("976").map(|r| r.name), Some("Mayotte"));
        assert_eq!(region_of_department("978").map(|r| r.code), Some("01"));
        assert_eq!(region_of_department("975"), None);
        assert_eq!(region_of_department("986"), None);
        assert_eq!(region_of_department("99"), None);
        assert_eq!(region("05"), None);
    }

    #[test]
    fn extract_codes() {
        assert_eq!(department_from_extract("9A").map(|d| d.code), Some("971"));
        assert_eq!(department_from_extract("9B").map(|d| d.code), Some("972"));
        assert_eq!(department_from_extract("9C").map(|d| d.code), Some("973"));
        assert_eq!(department_from_extract("9D").map(|d| d.code), Some("974"));
        assert_eq!(department_from_extract("9E").map(|d| d.code), Some("975"));
        assert_eq!(department_from_extract("9f").map(|d| d.code), Some("976"));
        assert_eq!(department_from_extract("9J").map(|d| d.code), Some("986"));
        assert_eq!(department_from_extract("01").map(|d| d.code), Some("01"));
        assert_eq!(department_from_extract("1").map(|d| d.code), Some("01"));
        assert_eq!(department_from_extract("2A").map(|d| d.code), Some("2A"));
        assert_eq!(department_from_extract("971").map(|d| d.code), Some("971"));
        assert_eq!(department_from_extract("9Z"), None);
        assert_eq!(department_from_extract(""), None);
    }
}
