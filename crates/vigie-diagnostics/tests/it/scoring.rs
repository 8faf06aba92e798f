//! Scoring and priority measures, table by table: don't know, not applicable, follow-ups shown
//! and hidden, half steps, shared recommendations, the six first measures, a version change.

use vigie_diagnostics::{compare, score, Answer, Answers, Library, Questionnaire};

/// Two themes; qa3 follows qa2 under "some" and "all".
const FIXTURE: &str = r#"
id = "fixture"
version = 1
audience = "medico_social"
title = { fr = "F", en = "F" }
intro = { fr = "F", en = "F" }
[[scales]]
id = "practice"
choices = [
  { id = "no", value = 0, label = { fr = "Non", en = "No" } },
  { id = "started", value = 1, label = { fr = "En partie", en = "Partly" } },
  { id = "mostly", value = 2, label = { fr = "Surtout", en = "Mostly" } },
  { id = "yes", value = 3, label = { fr = "Oui", en = "Yes" } },
]
[[themes]]
id = "a"
title = { fr = "A", en = "A" }
explain = { fr = "A", en = "A" }
[[themes]]
id = "b"
title = { fr = "B", en = "B" }
explain = { fr = "B", en = "B" }
[[questions]]
id = "qa1"
theme = "a"
weight = 2
scale = "practice"
recommendation = "r1"
text = { fr = "Q", en = "Q" }
explain = { fr = "E", en = "E" }
[[questions]]
id = "qa2"
theme = "a"
weight = 1
not_applicable = true
text = { fr = "Q", en = "Q" }
explain = { fr = "E", en = "E" }
choices = [
  { id = "none", value = 0, label = { fr = "Aucun", en = "None" }, recommendation = "r2" },
  { id = "some", value = 1.5, label = { fr = "Un peu", en = "Some" } },
  { id = "all", value = 3, label = { fr = "Tout", en = "All" } },
]
[[questions]]
id = "qa3"
theme = "a"
weight = 3
parent = "qa2"
shown_when = ["some", "all"]
recommendation = "r3"
text = { fr = "Q", en = "Q" }
explain = { fr = "E", en = "E" }
choices = [
  { id = "no", value = 0, label = { fr = "Non", en = "No" } },
  { id = "yes", value = 3, label = { fr = "Oui", en = "Yes" } },
]
[[questions]]
id = "qb1"
theme = "b"
weight = 1
scale = "practice"
recommendation = "r4"
text = { fr = "Q", en = "Q" }
explain = { fr = "E", en = "E" }
[[questions]]
id = "qb2"
theme = "b"
weight = 4
scale = "practice"
recommendation = "r1"
text = { fr = "Q", en = "Q" }
explain = { fr = "E", en = "E" }
[[recommendations]]
id = "r1"
priority = 2
effort = "low"
title = { fr = "R1", en = "R1" }
explain = { fr = "R1", en = "R1" }
[[recommendations]]
id = "r2"
priority = 2
effort = "medium"
title = { fr = "R2", en = "R2" }
explain = { fr = "R2", en = "R2" }
[[recommendations]]
id = "r3"
priority = 1
effort = "high"
title = { fr = "R3", en = "R3" }
explain = { fr = "R3", en = "R3" }
[[recommendations]]
id = "r4"
priority = 3
effort = "low"
title = { fr = "R4", en = "R4" }
explain = { fr = "R4", en = "R4" }
"#;

fn answers(list: &[(&str, &str)]) -> Answers {
    list.iter()
        .map(|(q, a)| (q.to_string(), Answer::parse(a)))
        .collect()
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => false,
    }
}

struct Case {
    name: &'static str,
    answers: &'static [(&'static str, &'static str)],
    a: Option<f64>,
    b: Option<f64>,
    overall: Option<f64>,
    /// (recommendation, value, question)
    measures: &'static [(&'static str, f64, &'static str)],
    complete: bool,
}

#[test]
fn scores_and_measures_table() {
    let q = Questionnaire::from_toml(FIXTURE).unwrap();
    let cases = [
        Case {
            name: "nothing answered",
            answers: &[],
            a: None,
            b: None,
            overall: None,
            measures: &[],
            complete: false,
        },
        Case {
            name: "all best, follow-up shown",
            answers: &[
                ("qa1", "yes"),
                ("qa2", "all"),
                ("qa3", "yes"),
                ("qb1", "yes"),
                ("qb2", "yes"),
            ],
            a: Some(3.0),
            b: Some(3.0),
            overall: Some(3.0),
            measures: &[],
            complete: true,
        },
        Case {
            // (1×2 + 0×1) / 3; qa3 hidden under "none"; r2 (value 0) before r1 (value 1) at
            // the same priority.
            name: "weights, hidden follow-up, lower value first",
            answers: &[("qa1", "started"), ("qa2", "none")],
            a: Some(2.0 / 3.0),
            b: None,
            overall: Some(2.0 / 3.0),
            measures: &[("r2", 0.0, "qa2"), ("r1", 1.0, "qa1")],
            complete: false,
        },
        Case {
            name: "a hidden follow-up's stored answer counts for nothing",
            answers: &[
                ("qa1", "yes"),
                ("qa2", "none"),
                ("qa3", "no"),
                ("qb1", "yes"),
                ("qb2", "yes"),
            ],
            a: Some(6.0 / 3.0),
            b: Some(3.0),
            overall: Some((6.0 + 0.0 + 3.0 + 12.0) / 8.0),
            measures: &[("r2", 0.0, "qa2")],
            complete: true,
        },
        Case {
            // (2×2 + 1.5×1 + 0×3) / 6; r3 is priority 1: first; qa1 "mostly" (2) is not below 2.
            name: "half step and a shown follow-up",
            answers: &[("qa1", "mostly"), ("qa2", "some"), ("qa3", "no")],
            a: Some(5.5 / 6.0),
            b: None,
            overall: Some(5.5 / 6.0),
            measures: &[("r3", 0.0, "qa3")],
            complete: false,
        },
        Case {
            // qa3 hidden (its parent is not a choice); "don't know" carries no value.
            name: "don't know",
            answers: &[
                ("qa1", "yes"),
                ("qa2", "dont_know"),
                ("qb1", "dont_know"),
                ("qb2", "started"),
            ],
            a: Some(3.0),
            b: Some(1.0),
            overall: Some((6.0 + 4.0) / 6.0),
            measures: &[("r1", 1.0, "qb2")],
            complete: true,
        },
        Case {
            name: "not applicable where allowed",
            answers: &[
                ("qa1", "no"),
                ("qa2", "not_applicable"),
                ("qb1", "yes"),
                ("qb2", "yes"),
            ],
            a: Some(0.0),
            b: Some(3.0),
            overall: Some(15.0 / 7.0),
            measures: &[("r1", 0.0, "qa1")],
            complete: true,
        },
        Case {
            // qa1 does not allow it: unanswered, not counted.
            name: "not applicable where not allowed",
            answers: &[
                ("qa1", "not_applicable"),
                ("qa2", "all"),
                ("qa3", "yes"),
                ("qb1", "yes"),
                ("qb2", "yes"),
            ],
            a: Some(3.0),
            b: Some(3.0),
            overall: Some(3.0),
            measures: &[],
            complete: false,
        },
        Case {
            name: "every answer don't know or N/A: no score",
            answers: &[
                ("qa1", "dont_know"),
                ("qa2", "not_applicable"),
                ("qb1", "dont_know"),
                ("qb2", "dont_know"),
            ],
            a: None,
            b: None,
            overall: None,
            measures: &[],
            complete: true,
        },
        Case {
            // r1 is called for twice: once, at its lowest value, by the question of that value.
            name: "a shared recommendation once, at its lowest value",
            answers: &[
                ("qa1", "started"),
                ("qa2", "all"),
                ("qa3", "yes"),
                ("qb1", "started"),
                ("qb2", "no"),
            ],
            a: Some((2.0 + 3.0 + 9.0) / 6.0),
            b: Some(1.0 / 5.0),
            overall: Some(15.0 / 11.0),
            measures: &[("r1", 0.0, "qb2"), ("r4", 1.0, "qb1")],
            complete: true,
        },
        Case {
            // Priority before value: r3 (priority 1, value 0), r1 (2, value 0), r4 (3, value 0).
            name: "priority first",
            answers: &[
                ("qa1", "mostly"),
                ("qa2", "some"),
                ("qa3", "no"),
                ("qb1", "no"),
                ("qb2", "no"),
            ],
            a: Some(5.5 / 6.0),
            b: Some(0.0),
            overall: Some(5.5 / 11.0),
            measures: &[("r3", 0.0, "qa3"), ("r1", 0.0, "qb2"), ("r4", 0.0, "qb1")],
            complete: true,
        },
        Case {
            name: "an unknown choice is no answer",
            answers: &[("qa1", "perhaps")],
            a: None,
            b: None,
            overall: None,
            measures: &[],
            complete: false,
        },
    ];
    for c in cases {
        let s = score(&q, &answers(c.answers));
        assert!(
            close(s.theme("a").unwrap().score, c.a),
            "{}: theme a {:?}",
            c.name,
            s.theme("a")
        );
        assert!(
            close(s.theme("b").unwrap().score, c.b),
            "{}: theme b {:?}",
            c.name,
            s.theme("b")
        );
        assert!(
            close(s.overall, c.overall),
            "{}: overall {:?}",
            c.name,
            s.overall
        );
        let got: Vec<(&str, f64, &str)> = s
            .measures()
            .iter()
            .map(|m| (m.recommendation.as_str(), m.value, m.question.as_str()))
            .collect();
        assert_eq!(got, c.measures, "{}", c.name);
        assert_eq!(s.complete, c.complete, "{}", c.name);
    }
}

#[test]
fn counts_of_a_theme_say_what_was_shown_and_how_it_was_answered() {
    let q = Questionnaire::from_toml(FIXTURE).unwrap();
    let s = score(&q, &answers(&[("qa1", "dont_know"), ("qa2", "some")]));
    let a = s.theme("a").unwrap();
    assert_eq!(
        (
            a.shown,
            a.counted,
            a.dont_know,
            a.not_applicable,
            a.unanswered
        ),
        (3, 1, 1, 0, 1)
    );
    let s = score(&q, &answers(&[("qa2", "not_applicable")]));
    let a = s.theme("a").unwrap();
    assert_eq!(
        (
            a.shown,
            a.counted,
            a.dont_know,
            a.not_applicable,
            a.unanswered
        ),
        (2, 0, 0, 1, 1)
    );
}

/// Every question answered with its lowest choice (N/A never), on the real questionnaire.
fn worst(q: &Questionnaire) -> Answers {
    q.questions
        .iter()
        .map(|x| {
            let low = x
                .choices
                .iter()
                .min_by(|a, b| a.value.total_cmp(&b.value))
                .unwrap();
            (x.id.clone(), Answer::Choice(low.id.clone()))
        })
        .collect()
}

#[test]
fn six_priority_measures_by_priority_then_value_then_order() {
    let q = Library::builtin().get("medico-social", 1).unwrap();
    let s = score(q, &worst(q));
    assert_eq!(s.overall, Some(0.0));
    let got: Vec<&str> = s
        .measures()
        .iter()
        .map(|m| m.recommendation.as_str())
        .collect();
    // Seven priority-1 recommendations are called for at value 0; the six first in the
    // questionnaire's order are the measures (rec-backup-offline is not: bak-offline is hidden
    // when there is no backup).
    assert_eq!(
        got,
        [
            "rec-backup-setup",
            "rec-mfa",
            "rec-obsolete",
            "rec-updates",
            "rec-remote-secure",
            "rec-incident-contacts"
        ]
    );
    assert!(s
        .recommendations
        .iter()
        .any(|m| m.recommendation == "rec-degraded"));
    assert!(!s
        .recommendations
        .iter()
        .any(|m| m.recommendation == "rec-backup-offline"));

    // Priority beats value: a priority-1 measure at 1 comes before priority-2 ones at 0.
    let mut a = worst(q);
    for id in [
        "bak-exists",
        "acc-mfa",
        "upd-os",
        "upd-auto",
        "rem-any",
        "inc-contacts",
        "inc-degraded",
    ] {
        let best = q
            .question(id)
            .unwrap()
            .choices
            .iter()
            .max_by(|a, b| a.value.total_cmp(&b.value))
            .unwrap()
            .id
            .clone();
        a.insert(id.into(), Answer::Choice(best));
    }
    a.insert("bak-exists".into(), Answer::Choice("manual".into()));
    let s = score(q, &a);
    let got: Vec<(&str, u8, f64)> = s
        .measures()
        .iter()
        .map(|m| (m.recommendation.as_str(), m.priority, m.value))
        .collect();
    assert_eq!(got[0], ("rec-backup-offline", 1, 0.0));
    assert_eq!(got[1], ("rec-backup-setup", 1, 1.0));
    assert!(
        got[2..].iter().all(|(_, p, v)| *p == 2 && *v == 0.0),
        "{got:?}"
    );
}

#[test]
fn a_version_change_compares_on_the_questions_left_unchanged() {
    let lib = Library::builtin();
    let v1 = lib.get("medico-social", 1).unwrap();
    let v2 = lib.get("medico-social", 2).unwrap();
    // The first diagnostic, on version 1: everything at its lowest but the budget at its best.
    let mut before = worst(v1);
    before.insert("gov-budget".into(), Answer::Choice("yes".into()));
    // A year later, on version 2: backups improved, the budget dropped, the new question at 3.
    let mut after = worst(v2);
    after.insert("bak-exists".into(), Answer::Choice("daily".into()));
    after.insert("bak-offline".into(), Answer::Choice("yes".into()));
    after.insert("bak-restore".into(), Answer::Choice("mostly".into()));
    after.insert("pro-notify".into(), Answer::Choice("yes".into()));

    // The old diagnostic is still read on its own version.
    let old = score(v1, &before);
    assert!(close(
        old.theme("governance").unwrap().score,
        Some(3.0 / 7.0)
    ));

    let (themes, b, a, common) = compare(v1, &before, v2, &after);
    assert!(
        !common.contains(&"gov-budget".to_string()),
        "weight changed"
    );
    assert!(
        !common.contains(&"pro-notify".to_string()),
        "new in version 2"
    );
    assert_eq!(common.len(), v1.questions.len() - 1);
    let theme = |id: &str| themes.iter().find(|t| t.theme == id).unwrap();
    // Governance compares without the budget: 0 then 0, although the budget changed.
    assert!(close(theme("governance").before, Some(0.0)));
    assert!(close(theme("governance").after, Some(0.0)));
    // Backups: bak-offline and bak-restore were hidden before (no backup), shown after.
    // Before: bak-exists 0 (w3) + bak-saas 0 (w2) = 0. After: (3×3 + 3×3 + 2×2 + 0×2) / 10.
    assert!(close(theme("backups").before, Some(0.0)));
    assert!(close(theme("backups").after, Some(22.0 / 10.0)));
    // Providers compare without pro-notify: 0 both times.
    assert!(close(theme("providers").after, Some(0.0)));
    assert!(close(b, Some(0.0)));
    assert!(a.unwrap() > 0.0);
    // Scored alone, version 2 counts pro-notify and the budget.
    let new = score(v2, &after);
    assert!(new.theme("providers").unwrap().score.unwrap() > 0.0);
}
