//! The questionnaire files: every shipped version loads and passes the checks; each check
//! refuses the mistake it is for; question ids stay stable across versions.

use vigie_diagnostics::questionnaire::BUILTIN;
use vigie_diagnostics::{Library, Questionnaire, ValidationError};

#[test]
fn every_shipped_questionnaire_passes_the_checks() {
    for (path, src) in BUILTIN {
        let q = Questionnaire::from_toml(src).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            format!("{}/v{}.toml", q.id, q.version),
            *path,
            "a file's place says its id and version"
        );
        assert!(q.questions.len() >= 25, "{path}: a real questionnaire");
        for t in &q.themes {
            assert!(
                q.theme_questions(&t.id).count() >= 3,
                "{path}: theme {} has at least three questions",
                t.id
            );
        }
    }
    let lib = Library::builtin();
    assert_eq!(lib.latest("medico-social").unwrap().version, 2);
    assert_eq!(lib.get("medico-social", 1).unwrap().version, 1);
    assert_eq!(lib.latest("hospital").unwrap().version, 1);
    assert_eq!(lib.latest_all().count(), 2);
}

#[test]
fn the_medico_social_questionnaire_covers_the_themes_the_issue_names() {
    let q = Library::builtin().latest("medico-social").unwrap();
    let themes: Vec<&str> = q.themes.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        themes,
        [
            "governance",
            "backups",
            "accounts",
            "updates",
            "remote_access",
            "awareness",
            "incident",
            "providers"
        ]
    );
    assert!(
        q.questions.iter().any(|x| x.parent.is_some()),
        "it has follow-up questions"
    );
}

#[test]
fn question_ids_are_stable_across_versions() {
    let lib = Library::builtin();
    let v1 = lib.get("medico-social", 1).unwrap();
    let v2 = lib.get("medico-social", 2).unwrap();
    // Every question of version 1 is still in version 2; only the ones the file's header says
    // changed are not comparable.
    let changed: Vec<&str> = v1
        .questions
        .iter()
        .filter(|q| !v2.question(&q.id).is_some_and(|n| q.comparable_with(n)))
        .map(|q| q.id.as_str())
        .collect();
    assert_eq!(changed, ["gov-budget"]);
    let added: Vec<&str> = v2
        .questions
        .iter()
        .filter(|q| v1.question(&q.id).is_none())
        .map(|q| q.id.as_str())
        .collect();
    assert_eq!(added, ["pro-notify"]);
}

const BASE: &str = r#"
id = "t"
version = 1
audience = "medico_social"
title = { fr = "T", en = "T" }
intro = { fr = "I", en = "I" }
[[themes]]
id = "a"
title = { fr = "A", en = "A" }
explain = { fr = "A", en = "A" }
[[questions]]
id = "q1"
theme = "a"
weight = 1
text = { fr = "Q", en = "Q" }
explain = { fr = "E", en = "E" }
recommendation = "r1"
choices = [ { id = "no", value = 0, label = { fr = "Non", en = "No" } }, { id = "yes", value = 3, label = { fr = "Oui", en = "Yes" } } ]
[[recommendations]]
id = "r1"
priority = 1
effort = "low"
title = { fr = "R", en = "R" }
explain = { fr = "R", en = "R" }
"#;

const FOLLOW_UP: &str = r#"
[[questions]]
id = "q2"
theme = "a"
weight = 1
parent = "q1"
shown_when = ["yes"]
text = { fr = "Q", en = "Q" }
explain = { fr = "E", en = "E" }
choices = [ { id = "no", value = 0, label = { fr = "Non", en = "No" } } ]
"#;

#[test]
fn each_check_refuses_its_mistake() {
    assert!(Questionnaire::from_toml(BASE).is_ok());
    assert!(Questionnaire::from_toml(&format!("{BASE}{FOLLOW_UP}")).is_ok());
    type Want = fn(&ValidationError) -> bool;
    let cases: Vec<(String, Want)> = vec![
        (
            BASE.replace("weight = 1", "weight = 0"),
            |e| matches!(e, ValidationError::Weight { .. }),
        ),
        (
            BASE.replace("weight = 1", "weight = -2"),
            |e| matches!(e, ValidationError::Weight { .. }),
        ),
        (
            BASE.replace("value = 3", "value = 2.3"),
            |e| matches!(e, ValidationError::Value { .. }),
        ),
        (
            BASE.replace("value = 3", "value = 3.5"),
            |e| matches!(e, ValidationError::Value { .. }),
        ),
        (
            BASE.replace("theme = \"a\"", "theme = \"b\""),
            |e| matches!(e, ValidationError::Reference { what: "theme", .. }),
        ),
        (
            BASE.replace("recommendation = \"r1\"", "recommendation = \"r9\""),
            |e| matches!(e, ValidationError::Reference { what: "recommendation", .. }),
        ),
        (
            BASE.replace("id = \"yes\"", "id = \"no\""),
            |e| matches!(e, ValidationError::Duplicate { kind: "choice", .. }),
        ),
        (
            BASE.replace("id = \"yes\"", "id = \"dont_know\""),
            |e| matches!(e, ValidationError::Reserved(_)),
        ),
        (
            format!("{BASE}{}", FOLLOW_UP.replace("q2", "q1")),
            |e| matches!(e, ValidationError::Duplicate { kind: "question", .. }),
        ),
        (
            format!("{BASE}{}", FOLLOW_UP.replace("parent = \"q1\"", "parent = \"q7\"")),
            |e| matches!(e, ValidationError::Reference { .. }),
        ),
        (
            format!("{BASE}{}", FOLLOW_UP.replace("[\"yes\"]", "[\"maybe\"]")),
            |e| matches!(e, ValidationError::Reference { what: "answer of its parent", .. }),
        ),
        (
            format!("{BASE}{}", FOLLOW_UP.replace("shown_when = [\"yes\"]", "")),
            |e| matches!(e, ValidationError::FollowUp(_)),
        ),
        (
            // A follow-up before its parent.
            BASE.replace(
                "[[questions]]\nid = \"q1\"",
                &format!("{}\n[[questions]]\nid = \"q1\"", FOLLOW_UP.replace("q2", "q0")),
            ),
            |e| matches!(e, ValidationError::Reference { .. }),
        ),
        (
            BASE.replace("explain = { fr = \"E\", en = \"E\" }", "explain = { fr = \"E\", en = \" \" }"),
            |e| matches!(e, ValidationError::EmptyText(_)),
        ),
        (
            BASE.replace("priority = 1", "priority = 0"),
            |e| matches!(e, ValidationError::Priority { .. }),
        ),
        (
            format!("{BASE}[[recommendations]]\nid = \"r2\"\npriority = 2\neffort = \"low\"\ntitle = {{ fr = \"R\", en = \"R\" }}\nexplain = {{ fr = \"R\", en = \"R\" }}\n"),
            |e| matches!(e, ValidationError::Unused(_)),
        ),
        (
            format!("{BASE}[[themes]]\nid = \"b\"\ntitle = {{ fr = \"B\", en = \"B\" }}\nexplain = {{ fr = \"B\", en = \"B\" }}\n"),
            |e| matches!(e, ValidationError::EmptyTheme(_)),
        ),
        (
            BASE.replace("id = \"q1\"", "id = \"Q 1\""),
            |e| matches!(e, ValidationError::BadId(_)),
        ),
        (
            format!("{BASE}\nsurprise = 1\n"),
            |e| matches!(e, ValidationError::Toml(_)),
        ),
    ];
    for (i, (src, want)) in cases.iter().enumerate() {
        match Questionnaire::from_toml(src) {
            Ok(_) => panic!("case {i}: accepted"),
            Err(e) => assert!(want(&e), "case {i}: wrong error {e}"),
        }
    }
}
