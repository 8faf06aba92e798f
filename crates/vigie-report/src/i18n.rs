//! Translations, French first and English too, with Fluent.
//!
//! The catalogues are the `.ftl` files of `i18n/fr/` and `i18n/en/` (every file of each folder is
//! compiled in: `build.rs` lists them). They are parsed once, on first use, into one thread-safe
//! Fluent bundle per language. [`Tr`] is the translator handed to templates and renderers: a
//! `Copy` value holding only the [`Lang`].
//!
//! - A key missing from the catalogue shows as the key itself and is logged once (`tracing`).
//! - Numbers given as arguments select the plural forms with CLDR's rules: French uses the
//!   singular for 0 and 1 (`0 structure`, `1 structure`, `2 structures`), English only for 1.
//!   They are written with the language's separators (`1 234` / `1,234`).
//! - Dates are shown in Europe/Paris time, one format per language ([`Tr::date`],
//!   [`Tr::datetime`]).
//!
//! Fluent identifiers cannot contain dots: the web's former `key = text` catalogues used dotted
//! keys (`nav.dashboard`), which [`legacy_key`] converts (`nav-dashboard`).

use std::borrow::{Borrow, Cow};
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;
use std::sync::{LazyLock, Mutex};

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;
use vigie_domain::problem::{Arg, Problem};

mod catalogues {
    include!(concat!(env!("OUT_DIR"), "/catalogues.rs"));
}

/// A language of the interface. French is the default.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// `fr` or `en`; a region or script subtag (`fr-FR`, `en_GB`) and the case are ignored.
    pub fn parse(s: &str) -> Option<Lang> {
        let primary = s.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Some(Lang::Fr)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first language of an HTTP `Accept-Language` header that Vigie speaks, by the
    /// header's weights; French when none.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (i, part) in header.split(',').enumerate() {
            let mut it = part.split(';');
            let Some(lang) = it.next().and_then(Lang::parse) else {
                continue;
            };
            let q = it
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            // highest weight, then first listed
            if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
                best = Some((q, i, lang));
            }
        }
        best.map(|b| b.2).unwrap_or_default()
    }

    /// `fr` or `en` (also the value of HTML's `lang` attribute).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The other language (for a "switch language" link).
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }

    /// The language's name in itself: `Français`, `English`.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::En => "English",
        }
    }

    fn index(self) -> usize {
        match self {
            Lang::Fr => 0,
            Lang::En => 1,
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Lang, UnknownLang> {
        Lang::parse(s).ok_or(UnknownLang)
    }
}

/// A language code Vigie does not speak.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownLang;

impl fmt::Display for UnknownLang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown language (fr or en)")
    }
}

impl std::error::Error for UnknownLang {}

/// The Fluent identifier of a key of the former `key = text` catalogues: dots become hyphens,
/// everything else is kept (`nav.dashboard` → `nav-dashboard`,
/// `watch.decision.needs-review` → `watch-decision-needs-review`, `structure.finess_ej` →
/// `structure-finess_ej`). To move a template over:
///
/// ```text
/// sed -E 's/tr\.t\("([a-z_]+)\.([a-z_.-]+)"\)/tr.t("\1-\2")/g; :a; s/(tr\.t\("[a-z_-]+)\.([a-z_.-]+"\))/\1-\2/; ta'
/// ```
pub fn legacy_key(key: &str) -> String {
    key.replace('.', "-")
}

/// A value of a message's argument. Numbers select plural forms; identifiers that look like
/// numbers (years, ports, FINESS numbers) are better passed as text, which is never reformatted.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Int(i64),
    Float(f64),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Value<'a> {
        Value::Text(Cow::Borrowed(s))
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(s: &'a String) -> Value<'a> {
        Value::Text(Cow::Borrowed(s.as_str()))
    }
}
impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::Text(Cow::Owned(s))
    }
}
impl From<f64> for Value<'_> {
    fn from(x: f64) -> Self {
        Value::Float(x)
    }
}
macro_rules! int_values {
    ($($t:ty),*) => {$(
        impl From<$t> for Value<'_> {
            fn from(n: $t) -> Self {
                Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
        impl From<&$t> for Value<'_> {
            fn from(n: &$t) -> Self {
                Value::Int(i64::try_from(*n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_values!(i64, i32, u32, u16, u8, u64, usize);

impl<'a> From<&'a Arg> for Value<'a> {
    fn from(a: &'a Arg) -> Value<'a> {
        match a {
            Arg::Text(s) => Value::Text(Cow::Borrowed(s.as_str())),
            Arg::Number(n) => Value::Int(*n),
        }
    }
}

impl<'a> From<Value<'a>> for FluentValue<'a> {
    fn from(v: Value<'a>) -> FluentValue<'a> {
        match v {
            Value::Text(s) => FluentValue::String(s),
            Value::Int(n) => FluentValue::from(n),
            Value::Float(x) => FluentValue::from(x),
        }
    }
}

type Bundle = FluentBundle<FluentResource>;

/// Fluent's own number formatting knows no grouping: numbers are written by [`Tr::number`]'s
/// rules, per language.
fn format_fr<M>(v: &FluentValue<'_>, _: &M) -> Option<String> {
    match v {
        FluentValue::Number(n) => Some(format_number(
            Lang::Fr,
            n.value,
            n.options.minimum_fraction_digits,
        )),
        _ => None,
    }
}
fn format_en<M>(v: &FluentValue<'_>, _: &M) -> Option<String> {
    match v {
        FluentValue::Number(n) => Some(format_number(
            Lang::En,
            n.value,
            n.options.minimum_fraction_digits,
        )),
        _ => None,
    }
}

fn build_bundle(lang: Lang) -> Bundle {
    let id: LanguageIdentifier = match lang {
        Lang::Fr => unic_langid::langid!("fr"),
        Lang::En => unic_langid::langid!("en"),
    };
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // No Unicode isolation marks around arguments: they would end up in e-mails and PDFs.
    bundle.set_use_isolating(false);
    bundle.set_formatter(Some(match lang {
        Lang::Fr => format_fr,
        Lang::En => format_en,
    }));
    for (name, text) in files(lang) {
        let resource = match FluentResource::try_new((*text).to_string()) {
            Ok(r) => r,
            Err((r, errors)) => {
                tracing::error!(
                    lang = lang.code(),
                    file = name,
                    ?errors,
                    "catalogue has syntax errors"
                );
                r
            }
        };
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(
                lang = lang.code(),
                file = name,
                ?errors,
                "catalogue redefines messages"
            );
        }
    }
    bundle
}

/// The catalogue files of a language: (file name, text).
pub fn files(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::Fr => catalogues::FR,
        Lang::En => catalogues::EN,
    }
}

static BUNDLES: LazyLock<[Bundle; 2]> =
    LazyLock::new(|| [build_bundle(Lang::Fr), build_bundle(Lang::En)]);

static REPORTED: LazyLock<Mutex<HashSet<(Lang, String)>>> =
    LazyLock::new(|| Mutex::new(HashSet::new()));

/// Logs a problem with a message once per language and key.
fn report_once(lang: Lang, key: &str, what: &str) {
    let first = REPORTED
        .lock()
        .map(|mut seen| seen.insert((lang, key.to_string())))
        .unwrap_or(false);
    if first {
        tracing::warn!(lang = lang.code(), key, "translation {what}");
    }
}

/// The translator: what templates, e-mails, charts and documents call to say something in the
/// reader's language. Cheap to copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Tr {
    pub lang: Lang,
}

/// Templates pass fields by reference: `chart.svg(ctx.tr)` hands a `&Tr`.
impl From<&Tr> for Tr {
    fn from(tr: &Tr) -> Tr {
        *tr
    }
}

impl From<Lang> for Tr {
    fn from(lang: Lang) -> Tr {
        Tr { lang }
    }
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The language's code (`fr`, `en`).
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    fn bundle(&self) -> &'static Bundle {
        &BUNDLES[self.lang.index()]
    }

    /// True when the catalogue has the message.
    pub fn has(&self, key: &str) -> bool {
        self.bundle().has_message(key)
    }

    /// The message `key` without arguments; the key itself when missing (logged once).
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with named arguments: `tr.t_args("surveillance-summary_fixed",
    /// &[("fixed", 3.into())])`.
    pub fn t_args(&self, key: &str, args: &[(&str, Value<'_>)]) -> String {
        let mut fa = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fa.set(*name, FluentValue::from(value.clone()));
        }
        self.format(key, Some(&fa))
    }

    /// The message `key` with one argument.
    pub fn t_arg<'a>(&self, key: &str, name: &str, value: impl Into<Value<'a>>) -> String {
        self.t_args(key, &[(name, value.into())])
    }

    /// The message `key` with its `$count` argument: `tr.count("structures-count", 2)`.
    pub fn count<'a>(&self, key: &str, n: impl Into<Value<'a>>) -> String {
        self.t_args(key, &[("count", n.into())])
    }

    /// The language's colon after a label: ` :` in French (a space before it), `:` in English.
    pub fn colon(&self) -> &'static str {
        match self.lang {
            Lang::Fr => " :",
            Lang::En => ":",
        }
    }

    /// The message `key` as a label followed by the language's colon: `Structure :` /
    /// `Structure:`.
    pub fn label(&self, key: &str) -> String {
        format!("{}{}", self.t(key), self.colon())
    }

    /// The message `prefix-value`, for values stored as codes: `tr.k("severity", "high")`.
    pub fn k(&self, prefix: &str, value: &str) -> String {
        self.t(&format!("{prefix}-{value}"))
    }

    /// Of a French and an English text made by the program (a finding's title, an import's
    /// reasons), the one in this language.
    pub fn pick<'a>(&self, fr: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Fr => fr,
            Lang::En => en,
        }
    }

    /// A role's name (`cert_national`…) for people; `?` for an unknown role.
    pub fn role(&self, role: &str) -> &'static str {
        match role.parse::<vigie_domain::role::Role>() {
            Ok(r) if self.lang == Lang::Fr => r.label_fr(),
            Ok(r) => r.label_en(),
            Err(_) => "?",
        }
    }

    /// A region's name from its INSEE code (the domain's names, which are French proper nouns
    /// in both languages); `?` for an unknown code.
    pub fn region_name(&self, code: &str) -> &'static str {
        vigie_domain::geo::region(code).map_or("?", |r| r.name)
    }

    /// A mistake told by the domain or the store, in this language.
    pub fn problem(&self, p: &Problem) -> String {
        let args: Vec<(&str, Value<'_>)> =
            p.args.iter().map(|(n, v)| (*n, Value::from(v))).collect();
        self.t_args(p.key, &args)
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle();
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            report_once(self.lang, key, "missing");
            return key.to_string();
        };
        let mut errors = Vec::new();
        let text = bundle
            .format_pattern(pattern, args, &mut errors)
            .into_owned();
        if !errors.is_empty() {
            report_once(self.lang, key, "formatted with errors (missing argument?)");
        }
        text
    }
}

/// A whole number as templates hand it: by value or behind any number of references (askama
/// passes fields by reference, and `if let` in a loop adds one more).
pub trait Number {
    fn get(&self) -> i64;
}

impl Number for i64 {
    fn get(&self) -> i64 {
        *self
    }
}

impl<T: Number + ?Sized> Number for &T {
    fn get(&self) -> i64 {
        (**self).get()
    }
}

impl Tr {
    /// A whole number with the language's grouping: `1 234` (narrow no-break space) / `1,234`.
    pub fn int(&self, n: impl Number) -> String {
        format_number(self.lang, n.get() as f64, None)
    }

    /// A number with exactly `digits` decimals: `12,5` / `12.5`.
    pub fn decimal(&self, x: impl Borrow<f64>, digits: usize) -> String {
        format_number(self.lang, *x.borrow(), Some(digits))
    }

    /// A percentage (given in percent, 12.5 for 12.5 %) with `digits` decimals: `12,5 %` (narrow
    /// no-break space before the sign) / `12.5%`.
    pub fn percent(&self, x: impl Borrow<f64>, digits: usize) -> String {
        let n = self.decimal(x, digits);
        match self.lang {
            Lang::Fr => format!("{n}\u{202f}%"),
            Lang::En => format!("{n}%"),
        }
    }

    /// A number as charts and tables show it: whole numbers grouped, others with up to `digits`
    /// decimals (trailing zeros dropped).
    pub fn number(&self, x: impl Borrow<f64>, digits: usize) -> String {
        let x = *x.borrow();
        if x.fract() == 0.0 {
            return format_number(self.lang, x, None);
        }
        let s = format_number(self.lang, x, Some(digits));
        let sep = decimal_separator(self.lang);
        if s.contains(sep) {
            s.trim_end_matches('0').trim_end_matches(sep).to_string()
        } else {
            s
        }
    }

    /// A day, in Europe/Paris time: `4 décembre 2026` / `4 December 2026` (`1er` for the first
    /// day in French). Empty for a time out of range.
    pub fn date(&self, unix_seconds: impl Number) -> String {
        paris(unix_seconds.get())
            .map(|d| self.day(d.year(), d.month(), d.day(), false))
            .unwrap_or_default()
    }

    /// A day and time, in Europe/Paris time: `4 déc. 2026 à 14:08` / `4 Dec 2026, 14:08`.
    pub fn datetime(&self, unix_seconds: impl Number) -> String {
        use chrono::Timelike;
        paris(unix_seconds.get())
            .map(|d| {
                let day = self.day(d.year(), d.month(), d.day(), true);
                match self.lang {
                    Lang::Fr => format!("{day} à {:02}:{:02}", d.hour(), d.minute()),
                    Lang::En => format!("{day}, {:02}:{:02}", d.hour(), d.minute()),
                }
            })
            .unwrap_or_default()
    }

    /// A calendar date written `2024-10-31` (or the start of an RFC 3339 time) as [`Tr::date`]
    /// writes days; anything else is given back as it is.
    pub fn date_ymd(&self, s: &str) -> String {
        let head = s.trim().get(..10).unwrap_or(s.trim());
        match chrono::NaiveDate::parse_from_str(head, "%Y-%m-%d") {
            Ok(d) => self.day(d.year(), d.month(), d.day(), false),
            Err(_) => s.to_string(),
        }
    }

    /// A day without its year, for a chart's axis: `4 déc.` / `4 Dec`.
    pub fn day_month(&self, unix_seconds: impl Number) -> String {
        paris(unix_seconds.get())
            .map(|d| {
                let m = d.month0() as usize % 12;
                match self.lang {
                    Lang::Fr => format!("{} {}", d.day(), MONTHS_FR_SHORT[m]),
                    Lang::En => format!("{} {}", d.day(), MONTHS_EN_SHORT[m]),
                }
            })
            .unwrap_or_default()
    }

    /// A month, for a chart's axis: `déc. 2026` / `Dec 2026`.
    pub fn month_year(&self, unix_seconds: impl Number) -> String {
        paris(unix_seconds.get())
            .map(|d| {
                let m = d.month0() as usize % 12;
                match self.lang {
                    Lang::Fr => format!("{} {}", MONTHS_FR_SHORT[m], d.year()),
                    Lang::En => format!("{} {}", MONTHS_EN_SHORT[m], d.year()),
                }
            })
            .unwrap_or_default()
    }

    fn day(&self, year: i32, month: u32, day: u32, short: bool) -> String {
        let m = usize::try_from(month.saturating_sub(1))
            .unwrap_or(0)
            .min(11);
        match self.lang {
            Lang::Fr => {
                let name = if short {
                    MONTHS_FR_SHORT[m]
                } else {
                    MONTHS_FR[m]
                };
                let d = if day == 1 {
                    "1er".to_string()
                } else {
                    day.to_string()
                };
                format!("{d} {name} {year}")
            }
            Lang::En => {
                let name = if short {
                    MONTHS_EN_SHORT[m]
                } else {
                    MONTHS_EN[m]
                };
                format!("{day} {name} {year}")
            }
        }
    }
}

use chrono::Datelike;

pub(crate) fn paris(unix_seconds: i64) -> Option<chrono::DateTime<chrono_tz::Tz>> {
    chrono::DateTime::from_timestamp(unix_seconds, 0)
        .map(|d| d.with_timezone(&chrono_tz::Europe::Paris))
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];
const MONTHS_FR_SHORT: [&str; 12] = [
    "janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
    "déc.",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_EN_SHORT: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn decimal_separator(lang: Lang) -> char {
    match lang {
        Lang::Fr => ',',
        Lang::En => '.',
    }
}

/// `x` with the language's grouping and decimal separator; `digits` decimals when given, else
/// Rust's shortest exact form.
fn format_number(lang: Lang, x: f64, digits: Option<usize>) -> String {
    if !x.is_finite() {
        return "–".to_string();
    }
    let raw = match digits {
        Some(d) => format!("{:.*}", d, x),
        None if x.fract() == 0.0 && x.abs() < 9.0e15 => format!("{}", x as i64),
        None => format!("{x}"),
    };
    let (sign, rest) = match raw.strip_prefix('-') {
        // "-0" or "-0.0" rounds to zero: no sign
        Some(r) if r.chars().any(|c| c.is_ascii_digit() && c != '0') => ("-", r),
        Some(r) => ("", r),
        None => ("", raw.as_str()),
    };
    let (int, frac) = rest.split_once('.').unwrap_or((rest, ""));
    let group = match lang {
        Lang::Fr => '\u{202f}',
        Lang::En => ',',
    };
    let mut out = String::with_capacity(raw.len() + 4);
    out.push_str(sign);
    let len = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (len - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push(decimal_separator(lang));
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FR: Tr = Tr { lang: Lang::Fr };
    const EN: Tr = Tr { lang: Lang::En };

    #[test]
    fn languages() {
        assert_eq!(Lang::parse("fr"), Some(Lang::Fr));
        assert_eq!(Lang::parse("EN-gb"), Some(Lang::En));
        assert_eq!(Lang::parse("fr_CA"), Some(Lang::Fr));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!("en".parse::<Lang>(), Ok(Lang::En));
        assert_eq!(Lang::default(), Lang::Fr);
        assert_eq!(Lang::Fr.other(), Lang::En);
        assert_eq!(Lang::En.code(), "en");
        assert_eq!(
            Lang::from_accept_language("de-DE,en;q=0.8,fr;q=0.9"),
            Lang::Fr
        );
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("de, it"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("fr;q=0, en"), Lang::En);
        assert_eq!(
            serde_json::to_string(&Lang::En).ok().as_deref(),
            Some("\"en\"")
        );
    }

    #[test]
    fn legacy_keys() {
        assert_eq!(legacy_key("nav.dashboard"), "nav-dashboard");
        assert_eq!(legacy_key("structure.finess_ej"), "structure-finess_ej");
        assert_eq!(
            legacy_key("watch.decision.needs-review"),
            "watch-decision-needs-review"
        );
        assert_eq!(FR.t(&legacy_key("nav.dashboard")), "Tableau de bord");
        assert_eq!(EN.t(&legacy_key("nav.dashboard")), "Dashboard");
    }

    #[test]
    fn program_texts_roles_and_regions() {
        assert_eq!(FR.pick("oui", "yes"), "oui");
        assert_eq!(EN.pick("oui", "yes"), "yes");
        assert_eq!(FR.region_name("53"), "Bretagne");
        assert_eq!(EN.region_name("99"), "?");
        assert_eq!(FR.role("nobody"), "?");
    }

    #[test]
    fn missing_keys_show_as_themselves() {
        assert_eq!(FR.t("no-such-message"), "no-such-message");
        assert_eq!(EN.t("no-such-message"), "no-such-message");
        assert!(!FR.has("no-such-message"));
        assert!(FR.has("nav-dashboard"));
    }

    #[test]
    fn plurals_follow_each_language() {
        assert_eq!(FR.count("structures-count", 0), "structure");
        assert_eq!(FR.count("structures-count", 1), "structure");
        assert_eq!(FR.count("structures-count", 2), "structures");
        assert_eq!(EN.count("structures-count", 0), "structures");
        assert_eq!(EN.count("structures-count", 1), "structure");
        assert_eq!(EN.count("structures-count", 2), "structures");
        assert_eq!(
            FR.t_arg("surveillance-summary_fixed", "fixed", 1),
            "1 constat a été corrigé et vérifié par une analyse ultérieure."
        );
        assert_eq!(
            FR.t_arg("surveillance-summary_fixed", "fixed", 0),
            "0 constat a été corrigé et vérifié par une analyse ultérieure."
        );
        assert_eq!(
            EN.t_arg("surveillance-summary_fixed", "fixed", 0usize),
            "0 findings were fixed and verified by a later scan."
        );
        assert_eq!(
            FR.t_args(
                "surveillance-summary_intro",
                &[("systems", 1234.into()), ("open", 1.into())]
            ),
            "La dernière analyse a vu 1\u{202f}234 services exposés sur Internet ; 1 constat reste ouvert."
        );
        assert_eq!(
            EN.t_args(
                "surveillance-summary_intro",
                &[("systems", 1234.into()), ("open", 1.into())]
            ),
            "The latest scan saw 1,234 services exposed to the internet; 1 finding remains open."
        );
    }

    #[test]
    fn problems_are_told_in_the_language() {
        let p = Problem::new("chart-map-unknown-codes")
            .arg("codes", "99, 2C")
            .arg("count", 2u32);
        assert_eq!(FR.problem(&p), "2 codes ne sont pas sur la carte : 99, 2C.");
        assert_eq!(EN.problem(&p), "2 codes are not on the map: 99, 2C.");
        assert_eq!(
            FR.problem(&Problem::new("no-such-problem")),
            "no-such-problem"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(FR.int(1234), "1\u{202f}234");
        assert_eq!(EN.int(1234), "1,234");
        assert_eq!(FR.int(-1234567), "-1\u{202f}234\u{202f}567");
        assert_eq!(EN.int(999), "999");
        assert_eq!(FR.percent(12.5, 1), "12,5\u{202f}%");
        assert_eq!(EN.percent(12.5, 1), "12.5%");
        assert_eq!(FR.decimal(9.8, 1), "9,8");
        assert_eq!(EN.decimal(-0.04, 1), "0.0");
        assert_eq!(FR.number(2.50, 2), "2,5");
        assert_eq!(EN.number(12345.0, 2), "12,345");
        assert_eq!(FR.number(f64::NAN, 2), "–");
    }

    #[test]
    fn dates_in_paris_time() {
        // 2026-12-04T13:08:00Z is 14:08 in Paris (winter time)
        let t = 1_796_389_680;
        assert_eq!(FR.date(t), "4 décembre 2026");
        assert_eq!(EN.date(t), "4 December 2026");
        assert_eq!(FR.datetime(t), "4 déc. 2026 à 14:08");
        assert_eq!(EN.datetime(t), "4 Dec 2026, 14:08");
        // summer time: 2026-07-01T22:30:00Z is 2 July 00:30 in Paris
        let s = 1_782_945_000;
        assert_eq!(FR.datetime(s), "2 juil. 2026 à 00:30");
        assert_eq!(FR.date(1_785_542_400), "1er août 2026");
        assert_eq!(FR.date_ymd("2024-10-31"), "31 octobre 2024");
        assert_eq!(EN.date_ymd("2024-10-31T00:00:00Z"), "31 October 2024");
        assert_eq!(EN.date_ymd("soon"), "soon");
        assert_eq!(FR.date(i64::MAX), "");
    }

    /// Tr is shared by the web's request handlers and the worker's threads.
    #[test]
    fn translator_is_send_and_sync() {
        fn shared<T: Send + Sync + Copy + 'static>() {}
        shared::<Tr>();
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let tr = Tr::new(if i % 2 == 0 { Lang::Fr } else { Lang::En });
                    tr.count("structures-count", i)
                })
            })
            .collect();
        for h in handles {
            assert!(h.join().is_ok_and(|s| s.starts_with("structure")));
        }
    }
}
