//! French first, English too. Catalogues are `key = text` files compiled into the binary; a key
//! missing from a catalogue shows as the key itself (and a test proves none is missing).

use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
}

pub(crate) fn parse_catalogue(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

pub(crate) static FR: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse_catalogue(include_str!("../i18n/fr.txt")));
pub(crate) static EN: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| parse_catalogue(include_str!("../i18n/en.txt")));

/// The translator handed to every template.
#[derive(Clone, Copy, Debug)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        let cat = match self.lang {
            Lang::Fr => &*FR,
            Lang::En => &*EN,
        };
        cat.get(key).copied().unwrap_or(key)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// Picks, between a French and an English text made by the program (an import's reasons),
    /// the one of the page's language.
    pub fn pick<'a>(&self, fr: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// Translates `prefix.key`, for values stored as codes (sectors, designations…).
    pub fn k(&self, prefix: &str, key: &str) -> String {
        let full = format!("{prefix}.{key}");
        let cat = match self.lang {
            Lang::Fr => &*FR,
            Lang::En => &*EN,
        };
        cat.get(full.as_str())
            .map(|v| v.to_string())
            .unwrap_or(full)
    }

    pub fn role(&self, role: &str) -> &'static str {
        match role.parse::<vigie_domain::role::Role>() {
            Ok(r) if self.lang == Lang::Fr => r.label_fr(),
            Ok(r) => r.label_en(),
            Err(_) => "?",
        }
    }

    /// A unix time as a local-looking UTC date and time.
    pub fn datetime(&self, ts: &i64) -> String {
        chrono::DateTime::from_timestamp(*ts, 0)
            .map(|d| match self.lang {
                Lang::Fr => d.format("%d/%m/%Y %H:%M UTC").to_string(),
                Lang::En => d.format("%Y-%m-%d %H:%M UTC").to_string(),
            })
            .unwrap_or_default()
    }

    pub fn region_name(&self, code: &str) -> &'static str {
        vigie_domain::geo::region(code)
            .map(|r| r.name)
            .unwrap_or("?")
    }
}
