//! The regulatory rules, as data (`data/rules.toml`, embedded at build time): which notification
//! an incident owes, to whom, from which fact its clock starts and how long it runs, each with
//! its legal reference.

use serde::Deserialize;

use crate::names::named_enum;
use crate::taxonomy::Nis2Entity;

/// The rules shipped with Vigie.
pub const RULES_TOML: &str = include_str!("../data/rules.toml");

/// Who receives a notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Authority {
    /// The regional health agency and CERT Santé (the health sector's reporting portal).
    CertSante,
    /// ANSSI, the national cybersecurity agency (NIS 2 authority).
    Anssi,
    /// The CNIL, the data protection authority.
    Cnil,
}

named_enum!(Authority, "authority", [
    CertSante => "cert_sante", "ARS / CERT Santé", "Regional health agency / CERT Santé";
    Anssi => "anssi", "ANSSI", "ANSSI";
    Cnil => "cnil", "CNIL", "CNIL";
]);

/// The fact a clock starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Start {
    /// When the structure detected the incident (became aware of it).
    Detection,
    /// When the incident occurred (the detection when unknown).
    Occurrence,
    /// When the declaration was submitted.
    Declaration,
}

/// How long a clock runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delay {
    /// "Sans délai": due at once, with no fixed term after which it is late.
    WithoutDelay,
    /// Elapsed hours (a clock change neither adds nor removes any).
    Hours(u32),
    /// Calendar months, at the same wall-clock time in the reference time zone.
    Months(u32),
}

impl Delay {
    /// Reads `without_delay`, `24h`, `72 h`, `1 month`, `2 months`.
    pub fn parse(s: &str) -> Option<Delay> {
        let t = s.trim().to_ascii_lowercase();
        if t == "without_delay" {
            return Some(Delay::WithoutDelay);
        }
        if let Some(m) = t.strip_suffix("months").or_else(|| t.strip_suffix("month")) {
            return m.trim().parse().ok().filter(|n| *n > 0).map(Delay::Months);
        }
        let h = t.strip_suffix('h')?;
        h.trim().parse().ok().map(Delay::Hours)
    }
}

/// When a rule applies. Every condition given must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// The structure is one of these NIS 2 classes.
    #[serde(default)]
    pub nis2_entity: Option<Vec<Nis2Entity>>,
    /// The incident is significant (or not).
    #[serde(default)]
    pub significant: Option<bool>,
    /// Personal data was breached and the structure is the controller.
    #[serde(default)]
    pub personal_data_breach: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    authority: Authority,
    label_fr: String,
    label_en: String,
    legal_reference: String,
    summary_fr: String,
    summary_en: String,
    #[serde(default)]
    start: Option<Start>,
    #[serde(default)]
    start_after: Option<String>,
    delay: String,
    #[serde(default)]
    fulfilled_by_declaration: bool,
    #[serde(default)]
    when: When,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    rule: Vec<RawRule>,
}

/// Where a rule's clock starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartFrom {
    Fact(Start),
    /// When the notification of that rule was made (until it is, its deadline).
    After(String),
}

/// One notification rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub authority: Authority,
    pub label_fr: String,
    pub label_en: String,
    /// The text that obliges it (article of the code, directive or regulation).
    pub legal_reference: String,
    pub summary_fr: String,
    pub summary_en: String,
    pub start: StartFrom,
    pub delay: Delay,
    /// Submitting the declaration in Vigie makes this notification.
    pub fulfilled_by_declaration: bool,
    pub when: When,
}

impl Rule {
    /// The label in `lang` (`"en"` or French).
    pub fn label(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.label_en
        } else {
            &self.label_fr
        }
    }
}

/// A rules file that cannot be used, said with the rule and the reason.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RulesError {
    #[error("rules file: {0}")]
    Syntax(String),
    #[error("rule {rule:?}: {reason}")]
    Rule { rule: String, reason: String },
}

/// The rules, in the order of the file (predecessors first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    /// The rules shipped with Vigie.
    pub fn builtin() -> &'static Rules {
        static BUILTIN: std::sync::OnceLock<Rules> = std::sync::OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The shipped file is checked by the tests; a broken one would stop no one silently:
            // it yields no rule at all, which `builtin_rules_load` catches.
            Rules::parse(RULES_TOML).unwrap_or(Rules { rules: Vec::new() })
        })
    }

    /// Reads and checks a rules file: every rule has a unique id, one start, a delay that reads,
    /// and a predecessor that comes before it.
    pub fn parse(text: &str) -> Result<Rules, RulesError> {
        let raw: RawRules = toml::from_str(text).map_err(|e| RulesError::Syntax(e.to_string()))?;
        let mut rules: Vec<Rule> = Vec::new();
        for r in raw.rule {
            let bad = |reason: &str| RulesError::Rule {
                rule: r.id.clone(),
                reason: reason.to_string(),
            };
            if r.id.trim().is_empty() {
                return Err(bad("empty id"));
            }
            if rules.iter().any(|x| x.id == r.id) {
                return Err(bad("id used twice"));
            }
            if r.legal_reference.trim().is_empty() {
                return Err(bad("no legal reference"));
            }
            let delay = Delay::parse(&r.delay)
                .ok_or_else(|| bad("delay must be without_delay, <n>h or <n> month(s)"))?;
            let start = match (r.start, &r.start_after) {
                (Some(s), None) => StartFrom::Fact(s),
                (None, Some(after)) => {
                    if !rules.iter().any(|x| &x.id == after) {
                        return Err(bad("start_after names no rule listed before it"));
                    }
                    StartFrom::After(after.clone())
                }
                _ => return Err(bad("give exactly one of start and start_after")),
            };
            rules.push(Rule {
                id: r.id,
                authority: r.authority,
                label_fr: r.label_fr,
                label_en: r.label_en,
                legal_reference: r.legal_reference,
                summary_fr: r.summary_fr,
                summary_en: r.summary_en,
                start,
                delay,
                fulfilled_by_declaration: r.fulfilled_by_declaration,
                when: r.when,
            });
        }
        Ok(Rules { rules })
    }

    /// Every rule, in file order.
    pub fn all(&self) -> &[Rule] {
        &self.rules
    }

    /// The rule with this id.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_rules_load_with_their_legal_references() {
        let rules = Rules::parse(RULES_TOML).unwrap();
        let ids: Vec<_> = rules.all().iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "csp-declaration",
                "nis2-early-warning",
                "nis2-notification",
                "nis2-final-report",
                "gdpr-cnil"
            ]
        );
        assert_eq!(Rules::builtin(), &rules);
        let csp = rules.get("csp-declaration").unwrap();
        assert!(csp.legal_reference.contains("L.1111-8-2"));
        assert!(csp.legal_reference.contains("D.1111-16-2"));
        assert_eq!(csp.delay, Delay::WithoutDelay);
        assert!(rules
            .get("gdpr-cnil")
            .unwrap()
            .legal_reference
            .contains("art. 33"));
        assert!(rules
            .get("nis2-early-warning")
            .unwrap()
            .legal_reference
            .contains("2022/2555"));
        assert_eq!(
            rules.get("nis2-final-report").unwrap().delay,
            Delay::Months(1)
        );
    }

    #[test]
    fn delays_read() {
        assert_eq!(Delay::parse("24h"), Some(Delay::Hours(24)));
        assert_eq!(Delay::parse(" 72 h"), Some(Delay::Hours(72)));
        assert_eq!(Delay::parse("1 month"), Some(Delay::Months(1)));
        assert_eq!(Delay::parse("2 months"), Some(Delay::Months(2)));
        assert_eq!(Delay::parse("without_delay"), Some(Delay::WithoutDelay));
        assert_eq!(Delay::parse("0 months"), None);
        assert_eq!(Delay::parse("soon"), None);
    }

    #[test]
    fn a_bad_rules_file_says_which_rule_and_why() {
        let base = r#"[[rule]]
id = "a"
authority = "cnil"
label_fr = "x"
label_en = "x"
legal_reference = "RGPD"
summary_fr = "x"
summary_en = "x"
"#;
        let e = Rules::parse(&format!("{base}start_after = \"b\"\ndelay = \"1h\"\n")).unwrap_err();
        assert!(
            matches!(e, RulesError::Rule { ref rule, .. } if rule == "a"),
            "{e}"
        );
        let e =
            Rules::parse(&format!("{base}start = \"detection\"\ndelay = \"soon\"\n")).unwrap_err();
        assert!(e.to_string().contains("delay"), "{e}");
        let e = Rules::parse(&format!(
            "{base}start = \"detection\"\ndelay = \"1h\"\n[rule.when]\nweather = true\n"
        ))
        .unwrap_err();
        assert!(matches!(e, RulesError::Syntax(_)), "{e}");
        let e = Rules::parse(&format!("{base}delay = \"1h\"\n")).unwrap_err();
        assert!(e.to_string().contains("exactly one"), "{e}");
    }
}
