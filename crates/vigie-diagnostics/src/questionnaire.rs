//! Questionnaires as data: TOML files under `questionnaires/`, embedded at build time, one per
//! questionnaire and version (`<id>/v<version>.toml`).
//!
//! A questionnaire has themes; each question belongs to a theme, has a weight (> 0) and a set of
//! choices valued 0 to 3 in half steps (its own, or a scale shared by the file). Beside its
//! choices, any question may be answered "don't know", and "not applicable" when the question
//! allows it: neither carries a value. A question may be a follow-up of an earlier one, shown
//! only under some of its answers. Recommendations are linked to answers: a choice names one, or
//! the question names one for every choice valued below its `recommend_below` (2 by default).
//!
//! Question ids are stable across versions: a diagnostic taken on an older version stays
//! readable (every version stays in the library) and comparable with a newer one on the
//! questions both versions share unchanged (see [`crate::scoring::compare`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;

/// A text in French and in English.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub fr: String,
    pub en: String,
}

impl Text {
    /// The text in `lang` (`fr` or `en`; anything else is French).
    pub fn get(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.en
        } else {
            &self.fr
        }
    }
}

/// The effort a recommendation asks.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Effort {
    Low,
    Medium,
    High,
}

impl Effort {
    pub fn as_str(self) -> &'static str {
        match self {
            Effort::Low => "low",
            Effort::Medium => "medium",
            Effort::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Effort> {
        match s {
            "low" => Some(Effort::Low),
            "medium" => Some(Effort::Medium),
            "high" => Some(Effort::High),
            _ => None,
        }
    }
}

/// One possible answer of a question, with its value (0 to 3 in half steps).
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub id: String,
    pub value: f64,
    pub label: Text,
    /// The recommendation this answer calls for, if any (else the question's, below its bar).
    #[serde(default)]
    pub recommendation: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scale {
    id: String,
    choices: Vec<Choice>,
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    pub id: String,
    pub title: Text,
    /// What the theme is about, in plain words.
    pub explain: Text,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: String,
    theme: String,
    weight: f64,
    text: Text,
    explain: Text,
    #[serde(default)]
    scale: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    #[serde(default)]
    not_applicable: bool,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    shown_when: Vec<String>,
    #[serde(default)]
    recommendation: Option<String>,
    #[serde(default)]
    recommend_below: Option<f64>,
}

/// A question, its choices resolved (a scale's copied in).
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: String,
    pub theme: String,
    pub weight: f64,
    pub text: Text,
    /// Why it matters, in plain words for a nursing-home director.
    pub explain: Text,
    pub choices: Vec<Choice>,
    /// Whether "not applicable" may be answered.
    pub not_applicable: bool,
    /// The question this one follows up, and the answers of it under which it is shown.
    pub parent: Option<String>,
    pub shown_when: Vec<String>,
    pub recommendation: Option<String>,
    pub recommend_below: f64,
}

impl Question {
    pub fn choice(&self, id: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.id == id)
    }

    /// The recommendation an answer of this question calls for.
    pub fn recommendation_for<'a>(&'a self, choice: &'a Choice) -> Option<&'a str> {
        choice.recommendation.as_deref().or_else(|| {
            (choice.value < self.recommend_below)
                .then_some(self.recommendation.as_deref())
                .flatten()
        })
    }

    /// Whether a diagnostic's answer to this question means the same in `other` (another
    /// version's question of the same id): same theme, same weight, same choices and values.
    pub fn comparable_with(&self, other: &Question) -> bool {
        self.id == other.id
            && self.theme == other.theme
            && self.weight == other.weight
            && self.choices.len() == other.choices.len()
            && self
                .choices
                .iter()
                .zip(&other.choices)
                .all(|(a, b)| a.id == b.id && a.value == b.value)
    }
}

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    pub id: String,
    /// 1 is the most urgent.
    pub priority: u8,
    pub effort: Effort,
    pub title: Text,
    /// What it means and what to do, in plain words.
    pub explain: Text,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestionnaire {
    id: String,
    version: u32,
    /// `medico_social` or `hospital`: the kind of structure it is written for.
    audience: String,
    title: Text,
    intro: Text,
    #[serde(default)]
    scales: Vec<Scale>,
    themes: Vec<Theme>,
    questions: Vec<RawQuestion>,
    recommendations: Vec<Recommendation>,
}

/// A questionnaire of one version, checked.
#[derive(Clone, Debug)]
pub struct Questionnaire {
    pub id: String,
    pub version: u32,
    pub audience: String,
    pub title: Text,
    pub intro: Text,
    pub themes: Vec<Theme>,
    pub questions: Vec<Question>,
    pub recommendations: Vec<Recommendation>,
}

/// What is wrong with a questionnaire file.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ValidationError {
    #[error("unreadable TOML: {0}")]
    Toml(String),
    #[error("{kind} id {id:?} is used twice")]
    Duplicate { kind: &'static str, id: String },
    #[error("id {0:?}: ids are lowercase letters, digits and dashes, 1 to 60 characters")]
    BadId(String),
    #[error("question {question:?}: weight {weight} must be greater than 0")]
    Weight { question: String, weight: f64 },
    #[error(
        "question {question:?}: choice {choice:?} is valued {value}, not 0 to 3 in half steps"
    )]
    Value {
        question: String,
        choice: String,
        value: f64,
    },
    #[error("question {question:?}: {what} {target:?} does not exist")]
    Reference {
        question: String,
        what: &'static str,
        target: String,
    },
    #[error("question {0:?} names a scale and choices of its own: one or the other")]
    ScaleAndChoices(String),
    #[error("question {0:?} has no choice")]
    NoChoice(String),
    #[error("question {0:?}: a follow-up must come after the question it follows and name the answers it is shown under")]
    FollowUp(String),
    #[error("choice id {0:?} is reserved for \"don't know\" and \"not applicable\"")]
    Reserved(String),
    #[error("recommendation {id:?}: priority {priority} is not 1 to 4")]
    Priority { id: String, priority: u8 },
    #[error("recommendation {0:?} is linked to no answer")]
    Unused(String),
    #[error("theme {0:?} has no question")]
    EmptyTheme(String),
    #[error("a text of {0:?} is empty in one language")]
    EmptyText(String),
}

/// The answer to one question, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Answer {
    Choice(String),
    DontKnow,
    NotApplicable,
}

impl Answer {
    pub const DONT_KNOW: &'static str = "dont_know";
    pub const NOT_APPLICABLE: &'static str = "not_applicable";

    /// Reads the stored form: a choice id, `dont_know`, `not_applicable`.
    pub fn parse(s: &str) -> Answer {
        match s {
            Answer::DONT_KNOW => Answer::DontKnow,
            Answer::NOT_APPLICABLE => Answer::NotApplicable,
            c => Answer::Choice(c.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Answer::Choice(c) => c,
            Answer::DontKnow => Answer::DONT_KNOW,
            Answer::NotApplicable => Answer::NOT_APPLICABLE,
        }
    }
}

fn good_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 60
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn text_ok(owner: &str, t: &Text) -> Result<(), ValidationError> {
    if t.fr.trim().is_empty() || t.en.trim().is_empty() {
        return Err(ValidationError::EmptyText(owner.to_string()));
    }
    Ok(())
}

impl Questionnaire {
    /// Reads and checks a questionnaire file: unique ids, weights above 0, values 0 to 3 in half
    /// steps, every reference resolving (themes, scales, parents, answers shown under,
    /// recommendations), every recommendation reachable, both languages everywhere.
    pub fn from_toml(src: &str) -> Result<Questionnaire, ValidationError> {
        let raw: RawQuestionnaire =
            toml::from_str(src).map_err(|e| ValidationError::Toml(e.to_string()))?;
        if !good_id(&raw.id) {
            return Err(ValidationError::BadId(raw.id));
        }
        text_ok(&raw.id, &raw.title)?;
        text_ok(&raw.id, &raw.intro)?;
        let mut seen = HashSet::new();
        for t in &raw.themes {
            if !good_id(&t.id) {
                return Err(ValidationError::BadId(t.id.clone()));
            }
            if !seen.insert(t.id.clone()) {
                return Err(ValidationError::Duplicate {
                    kind: "theme",
                    id: t.id.clone(),
                });
            }
            text_ok(&t.id, &t.title)?;
            text_ok(&t.id, &t.explain)?;
        }
        let mut recs = HashSet::new();
        for r in &raw.recommendations {
            if !good_id(&r.id) {
                return Err(ValidationError::BadId(r.id.clone()));
            }
            if !recs.insert(r.id.clone()) {
                return Err(ValidationError::Duplicate {
                    kind: "recommendation",
                    id: r.id.clone(),
                });
            }
            if !(1..=4).contains(&r.priority) {
                return Err(ValidationError::Priority {
                    id: r.id.clone(),
                    priority: r.priority,
                });
            }
            text_ok(&r.id, &r.title)?;
            text_ok(&r.id, &r.explain)?;
        }
        let mut scales: HashMap<&str, &Vec<Choice>> = HashMap::new();
        for s in &raw.scales {
            if scales.insert(s.id.as_str(), &s.choices).is_some() {
                return Err(ValidationError::Duplicate {
                    kind: "scale",
                    id: s.id.clone(),
                });
            }
        }
        let mut questions: Vec<Question> = Vec::with_capacity(raw.questions.len());
        let mut used_recs = HashSet::new();
        for q in raw.questions {
            if !good_id(&q.id) {
                return Err(ValidationError::BadId(q.id));
            }
            if questions.iter().any(|o| o.id == q.id) {
                return Err(ValidationError::Duplicate {
                    kind: "question",
                    id: q.id,
                });
            }
            if !seen.contains(&q.theme) {
                return Err(ValidationError::Reference {
                    question: q.id,
                    what: "theme",
                    target: q.theme,
                });
            }
            if q.weight.is_nan() || q.weight <= 0.0 {
                return Err(ValidationError::Weight {
                    question: q.id,
                    weight: q.weight,
                });
            }
            text_ok(&q.id, &q.text)?;
            text_ok(&q.id, &q.explain)?;
            let mut choices = q.choices.clone();
            if let Some(s) = &q.scale {
                match scales.get(s.as_str()) {
                    Some(c) if choices.is_empty() => choices = (*c).clone(),
                    Some(_) => return Err(ValidationError::ScaleAndChoices(q.id)),
                    None => {
                        return Err(ValidationError::Reference {
                            question: q.id,
                            what: "scale",
                            target: s.clone(),
                        })
                    }
                }
            }
            if choices.is_empty() {
                return Err(ValidationError::NoChoice(q.id));
            }
            let mut ids = HashSet::new();
            for c in &choices {
                if c.id == Answer::DONT_KNOW || c.id == Answer::NOT_APPLICABLE {
                    return Err(ValidationError::Reserved(c.id.clone()));
                }
                if !good_id(&c.id) {
                    return Err(ValidationError::BadId(c.id.clone()));
                }
                if !ids.insert(c.id.as_str()) {
                    return Err(ValidationError::Duplicate {
                        kind: "choice",
                        id: format!("{}/{}", q.id, c.id),
                    });
                }
                let twice = c.value * 2.0;
                if !(0.0..=3.0).contains(&c.value) || twice.fract() != 0.0 {
                    return Err(ValidationError::Value {
                        question: q.id.clone(),
                        choice: c.id.clone(),
                        value: c.value,
                    });
                }
                text_ok(&format!("{}/{}", q.id, c.id), &c.label)?;
                if let Some(r) = &c.recommendation {
                    if !recs.contains(r) {
                        return Err(ValidationError::Reference {
                            question: q.id.clone(),
                            what: "recommendation",
                            target: r.clone(),
                        });
                    }
                    used_recs.insert(r.clone());
                }
            }
            let recommend_below = q.recommend_below.unwrap_or(2.0);
            if let Some(r) = &q.recommendation {
                if !recs.contains(r) {
                    return Err(ValidationError::Reference {
                        question: q.id.clone(),
                        what: "recommendation",
                        target: r.clone(),
                    });
                }
                if choices
                    .iter()
                    .any(|c| c.recommendation.is_none() && c.value < recommend_below)
                {
                    used_recs.insert(r.clone());
                }
            }
            match &q.parent {
                None if !q.shown_when.is_empty() => return Err(ValidationError::FollowUp(q.id)),
                None => {}
                Some(p) => {
                    let Some(parent) = questions.iter().find(|o| &o.id == p) else {
                        return Err(ValidationError::Reference {
                            question: q.id,
                            what: "parent question (earlier in the file)",
                            target: p.clone(),
                        });
                    };
                    if q.shown_when.is_empty() {
                        return Err(ValidationError::FollowUp(q.id));
                    }
                    for w in &q.shown_when {
                        if parent.choice(w).is_none() {
                            return Err(ValidationError::Reference {
                                question: q.id.clone(),
                                what: "answer of its parent",
                                target: w.clone(),
                            });
                        }
                    }
                }
            }
            questions.push(Question {
                id: q.id,
                theme: q.theme,
                weight: q.weight,
                text: q.text,
                explain: q.explain,
                choices,
                not_applicable: q.not_applicable,
                parent: q.parent,
                shown_when: q.shown_when,
                recommendation: q.recommendation,
                recommend_below,
            });
        }
        for t in &raw.themes {
            if !questions.iter().any(|q| q.theme == t.id) {
                return Err(ValidationError::EmptyTheme(t.id.clone()));
            }
        }
        if let Some(r) = raw
            .recommendations
            .iter()
            .find(|r| !used_recs.contains(&r.id))
        {
            return Err(ValidationError::Unused(r.id.clone()));
        }
        Ok(Questionnaire {
            id: raw.id,
            version: raw.version,
            audience: raw.audience,
            title: raw.title,
            intro: raw.intro,
            themes: raw.themes,
            questions,
            recommendations: raw.recommendations,
        })
    }

    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn theme(&self, id: &str) -> Option<&Theme> {
        self.themes.iter().find(|t| t.id == id)
    }

    pub fn recommendation(&self, id: &str) -> Option<&Recommendation> {
        self.recommendations.iter().find(|r| r.id == id)
    }

    /// The questions of a theme, in the file's order (follow-ups included).
    pub fn theme_questions<'a>(&'a self, theme: &'a str) -> impl Iterator<Item = &'a Question> {
        self.questions.iter().filter(move |q| q.theme == theme)
    }

    /// Whether `answer` is a valid answer to question `q`.
    pub fn accepts(&self, q: &Question, answer: &Answer) -> bool {
        match answer {
            Answer::Choice(c) => q.choice(c).is_some(),
            Answer::DontKnow => true,
            Answer::NotApplicable => q.not_applicable,
        }
    }
}

/// The questionnaires shipped with Vigie: `(path, file)`, every version of each.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "medico-social/v1.toml",
        include_str!("../questionnaires/medico-social/v1.toml"),
    ),
    (
        "medico-social/v2.toml",
        include_str!("../questionnaires/medico-social/v2.toml"),
    ),
    (
        "hospital/v1.toml",
        include_str!("../questionnaires/hospital/v1.toml"),
    ),
];

/// Every questionnaire of every version, by id then version.
#[derive(Debug, Default)]
pub struct Library {
    by_id: BTreeMap<String, BTreeMap<u32, Questionnaire>>,
}

static BUILTIN_LIBRARY: LazyLock<Library> = LazyLock::new(|| {
    let mut lib = Library::default();
    for (_, src) in BUILTIN {
        // The files are checked by this crate's tests; one that does not load is left out
        // rather than taking the platform down.
        if let Ok(q) = Questionnaire::from_toml(src) {
            lib.add(q);
        }
    }
    lib
});

impl Library {
    /// The questionnaires shipped with Vigie.
    pub fn builtin() -> &'static Library {
        &BUILTIN_LIBRARY
    }

    pub fn add(&mut self, q: Questionnaire) {
        self.by_id
            .entry(q.id.clone())
            .or_default()
            .insert(q.version, q);
    }

    /// Questionnaire `id` of `version`: an old version stays readable.
    pub fn get(&self, id: &str, version: u32) -> Option<&Questionnaire> {
        self.by_id.get(id)?.get(&version)
    }

    /// The newest version of questionnaire `id`: what a new diagnostic takes.
    pub fn latest(&self, id: &str) -> Option<&Questionnaire> {
        self.by_id.get(id)?.values().next_back()
    }

    /// The newest version of each questionnaire.
    pub fn latest_all(&self) -> impl Iterator<Item = &Questionnaire> {
        self.by_id.values().filter_map(|v| v.values().next_back())
    }
}
