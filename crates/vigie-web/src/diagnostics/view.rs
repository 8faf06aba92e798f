//! What the diagnostics' pages share: scores in words, the questionnaires' texts in the reader's
//! language, levels.

use vigie_diagnostics::{Library, Questionnaire, Recommendation};

use crate::i18n::Tr;

/// A score in hundredths as the pages write it: `1,75 / 3` (`—` when there is none).
pub(crate) fn score_text(tr: &Tr, x100: Option<i64>) -> String {
    match x100 {
        Some(x) => format!("{} / 3", tr.decimal(x as f64 / 100.0, 2)),
        None => "—".into(),
    }
}

/// The level of a score (hundredths): `insufficient` (below 1), `fragile` (below 2), `fair`
/// (below 2.5), `strong`.
pub(crate) fn level(x100: i64) -> &'static str {
    match x100 {
        x if x < 100 => "insufficient",
        x if x < 200 => "fragile",
        x if x < 250 => "fair",
        _ => "strong",
    }
}

/// A score change in hundredths: `+0,45`, `−0,20`.
pub(crate) fn delta_text(tr: &Tr, d: i64) -> String {
    let sign = if d > 0 {
        "+"
    } else if d < 0 {
        "−"
    } else {
        ""
    };
    format!("{sign}{}", tr.decimal(d.abs() as f64 / 100.0, 2))
}

/// Questionnaire `id` of `version` (or its newest when that version is gone).
pub(crate) fn questionnaire(id: &str, version: i64) -> Option<&'static Questionnaire> {
    let lib = Library::builtin();
    u32::try_from(version)
        .ok()
        .and_then(|v| lib.get(id, v))
        .or_else(|| lib.latest(id))
}

/// The questionnaire's title in the reader's language (its id when unknown).
pub(crate) fn questionnaire_title(tr: &Tr, id: &str, version: i64) -> String {
    questionnaire(id, version)
        .map(|q| q.title.get(tr.code()).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// A recommendation of a questionnaire, looked for in its newest version first.
pub(crate) fn recommendation(questionnaire_id: &str, id: &str) -> Option<&'static Recommendation> {
    let lib = Library::builtin();
    let latest = lib.latest(questionnaire_id)?;
    latest.recommendation(id).or_else(|| {
        (1..latest.version)
            .rev()
            .filter_map(|v| lib.get(questionnaire_id, v))
            .find_map(|q| q.recommendation(id))
    })
}

/// A recommendation's title in the reader's language (its id when unknown).
pub(crate) fn recommendation_title(tr: &Tr, questionnaire_id: &str, id: &str) -> String {
    recommendation(questionnaire_id, id)
        .map(|r| r.title.get(tr.code()).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// A theme's title in the reader's language.
pub(crate) fn theme_title(tr: &Tr, q: &Questionnaire, theme: &str) -> String {
    q.theme(theme)
        .map(|t| t.title.get(tr.code()).to_string())
        .unwrap_or_else(|| theme.to_string())
}

/// A due day (midnight UTC) as a form's `YYYY-MM-DD`.
pub(crate) fn day_input(t: Option<i64>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t, 0))
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A due day as the pages write it.
pub(crate) fn day_text(tr: &Tr, t: Option<i64>) -> String {
    t.map(|t| tr.date(t + 12 * 3600)).unwrap_or_default()
}
