//! Scores and priority measures.
//!
//! * A question counts when it is shown (a follow-up only under the answers it follows) and
//!   answered with one of its choices; "don't know", "not applicable", no answer and the answers
//!   of a follow-up no longer shown carry no value.
//! * Score of a theme = Σ(value × weight) / Σ(weight) over its counted questions; the overall
//!   score is the same sum over every counted question. No counted question: no score.
//! * Priority measures: the recommendations the shown answers call for, each once (at its
//!   lowest value), ordered by priority then lowest value then the questionnaire's order; the
//!   first [`crate::PRIORITY_MEASURES`].

use std::collections::{BTreeMap, HashMap};

use crate::questionnaire::{Answer, Effort, Question, Questionnaire};
use crate::PRIORITY_MEASURES;

/// The answers of a diagnostic, by question id.
pub type Answers = BTreeMap<String, Answer>;

#[derive(Clone, Debug, PartialEq)]
pub struct ThemeScore {
    pub theme: String,
    /// 0 to 3; `None` when no question of the theme counted.
    pub score: Option<f64>,
    /// Questions shown (follow-ups only under their answers).
    pub shown: usize,
    /// Questions counted (answered with a choice).
    pub counted: usize,
    pub dont_know: usize,
    pub not_applicable: usize,
    /// Shown and not answered yet.
    pub unanswered: usize,
}

/// A priority measure: a recommendation an answer called for.
#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    pub recommendation: String,
    pub priority: u8,
    pub effort: Effort,
    /// The lowest value among the answers that called for it.
    pub value: f64,
    /// The question of that answer.
    pub question: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    pub themes: Vec<ThemeScore>,
    pub overall: Option<f64>,
    /// Every recommendation called for, in order; the first six are the priority measures.
    pub recommendations: Vec<Measure>,
    /// Every shown question has an answer (a choice, don't know or not applicable).
    pub complete: bool,
}

impl Score {
    /// The priority measures: the first six recommendations.
    pub fn measures(&self) -> &[Measure] {
        &self.recommendations[..self.recommendations.len().min(PRIORITY_MEASURES)]
    }

    pub fn theme(&self, id: &str) -> Option<&ThemeScore> {
        self.themes.iter().find(|t| t.theme == id)
    }
}

/// Whether question `q` is shown, given the answers (a follow-up under its parent's answers, its
/// parent itself shown).
pub fn shown(qn: &Questionnaire, q: &Question, answers: &Answers) -> bool {
    let mut cur = q;
    // Parents come before their follow-ups in a checked file: the walk ends.
    for _ in 0..qn.questions.len() {
        let Some(p) = &cur.parent else {
            return true;
        };
        let Some(Answer::Choice(c)) = answers.get(p) else {
            return false;
        };
        if !cur.shown_when.iter().any(|w| w == c) {
            return false;
        }
        match qn.question(p) {
            Some(parent) => cur = parent,
            None => return false,
        }
    }
    false
}

/// Scores answers on a questionnaire (see the module).
pub fn score(qn: &Questionnaire, answers: &Answers) -> Score {
    score_on(qn, answers, |_| true)
}

/// The same, counting only the questions `keep` accepts.
fn score_on(qn: &Questionnaire, answers: &Answers, keep: impl Fn(&Question) -> bool) -> Score {
    #[derive(Default)]
    struct Acc {
        sum: f64,
        weight: f64,
        shown: usize,
        counted: usize,
        dont_know: usize,
        na: usize,
        unanswered: usize,
    }
    let mut acc: HashMap<&str, Acc> = HashMap::new();
    let mut total = Acc::default();
    let mut recs: Vec<(usize, Measure)> = Vec::new();
    for (index, q) in qn.questions.iter().enumerate() {
        if !keep(q) || !shown(qn, q, answers) {
            continue;
        }
        let a = acc.entry(q.theme.as_str()).or_default();
        a.shown += 1;
        total.shown += 1;
        match answers.get(&q.id) {
            None => {
                a.unanswered += 1;
                total.unanswered += 1;
            }
            Some(Answer::DontKnow) => a.dont_know += 1,
            Some(Answer::NotApplicable) if q.not_applicable => a.na += 1,
            // "Not applicable" to a question that does not allow it counts as unanswered.
            Some(Answer::NotApplicable) => {
                a.unanswered += 1;
                total.unanswered += 1;
            }
            Some(Answer::Choice(c)) => match q.choice(c) {
                None => {
                    a.unanswered += 1;
                    total.unanswered += 1;
                }
                Some(choice) => {
                    a.sum += choice.value * q.weight;
                    a.weight += q.weight;
                    a.counted += 1;
                    total.sum += choice.value * q.weight;
                    total.weight += q.weight;
                    total.counted += 1;
                    if let Some(r) = q
                        .recommendation_for(choice)
                        .and_then(|r| qn.recommendation(r))
                    {
                        match recs.iter_mut().find(|(_, m)| m.recommendation == r.id) {
                            Some((i, m)) if choice.value < m.value => {
                                *i = index;
                                m.value = choice.value;
                                m.question = q.id.clone();
                            }
                            Some(_) => {}
                            None => recs.push((
                                index,
                                Measure {
                                    recommendation: r.id.clone(),
                                    priority: r.priority,
                                    effort: r.effort,
                                    value: choice.value,
                                    question: q.id.clone(),
                                },
                            )),
                        }
                    }
                }
            },
        }
    }
    recs.sort_by(|(ia, a), (ib, b)| {
        a.priority
            .cmp(&b.priority)
            .then(a.value.total_cmp(&b.value))
            .then(ia.cmp(ib))
    });
    let ratio = |a: &Acc| (a.weight > 0.0).then(|| a.sum / a.weight);
    let themes = qn
        .themes
        .iter()
        .map(|t| {
            let a = acc.remove(t.id.as_str()).unwrap_or_default();
            ThemeScore {
                theme: t.id.clone(),
                score: ratio(&a),
                shown: a.shown,
                counted: a.counted,
                dont_know: a.dont_know,
                not_applicable: a.na,
                unanswered: a.unanswered,
            }
        })
        .collect();
    Score {
        themes,
        overall: ratio(&total),
        recommendations: recs.into_iter().map(|(_, m)| m).collect(),
        complete: total.unanswered == 0,
    }
}

/// One theme of two diagnostics compared on the questions both questionnaires share unchanged.
#[derive(Clone, Debug, PartialEq)]
pub struct ThemeComparison {
    pub theme: String,
    pub before: Option<f64>,
    pub after: Option<f64>,
}

/// Compares an earlier diagnostic (`old` answers on questionnaire `old_qn`) with a later one,
/// on the questions both versions share unchanged ([`Question::comparable_with`]); the questions
/// counted are returned too. Two diagnostics of the same version compare on every question.
pub fn compare(
    old_qn: &Questionnaire,
    old: &Answers,
    new_qn: &Questionnaire,
    new: &Answers,
) -> (Vec<ThemeComparison>, Option<f64>, Option<f64>, Vec<String>) {
    let common: Vec<String> = new_qn
        .questions
        .iter()
        .filter(|q| old_qn.question(&q.id).is_some_and(|o| o.comparable_with(q)))
        .map(|q| q.id.clone())
        .collect();
    let keep = |q: &Question| common.contains(&q.id);
    let before = score_on(old_qn, old, keep);
    let after = score_on(new_qn, new, keep);
    let themes = new_qn
        .themes
        .iter()
        .map(|t| ThemeComparison {
            theme: t.id.clone(),
            before: before.theme(&t.id).and_then(|s| s.score),
            after: after.theme(&t.id).and_then(|s| s.score),
        })
        .collect();
    (themes, before.overall, after.overall, common)
}

/// A score as the store keeps it: hundredths, rounded (0 to 300).
pub fn to_hundredths(score: f64) -> i64 {
    (score * 100.0).round() as i64
}
