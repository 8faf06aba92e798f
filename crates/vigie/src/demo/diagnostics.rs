//! The demo's diagnostics: hospitals and nursing homes of the demo region diagnosed at
//! different levels, a third of them twice (the first on the médico-social questionnaire's
//! version 1, a year and more before), a few diagnostics in progress, and action plans under
//! way (actions from the priority measures and the exposure findings, some done with their
//! evidence, some overdue). Written through the store; the same every time.

use vigie_diagnostics::{Library, Questionnaire};

use vigie_store::diagnostics::{ActionUpdate, AnswerInput, NewAction};
use vigie_store::{Actor, Store};

use super::registry::Planned;
use super::Activity;

const DAY: i64 = 86_400;

/// Answers of a structure at `level` (0 weakest, 3 strongest) on `q`, the same every time:
/// each question's choice is picked around the level, with a few "don't know".
fn answers(q: &Questionnaire, seed: usize, level: usize) -> Vec<AnswerInput> {
    let bias = [0.15, 0.4, 0.65, 0.9][level.min(3)];
    q.questions
        .iter()
        .enumerate()
        .map(|(k, question)| {
            let mut choices: Vec<_> = question.choices.iter().collect();
            choices.sort_by(|a, b| a.value.total_cmp(&b.value));
            let noise = ((seed * 7 + k * 13) % 3) as f64 - 1.0;
            let at = (bias * (choices.len() - 1) as f64 + noise * 0.6).round();
            let idx = at.clamp(0.0, (choices.len() - 1) as f64) as usize;
            let answer = if level < 2 && (seed + k) % 11 == 0 {
                "dont_know".to_string()
            } else if question.not_applicable && (seed + k) % 17 == 0 {
                "not_applicable".to_string()
            } else {
                choices[idx].id.clone()
            };
            AnswerInput {
                question_id: question.id.clone(),
                answer,
                comment: String::new(),
            }
        })
        .collect()
}

/// How a demo diagnostic is taken: the seed of its answers, their level, how long ago it was
/// finished, whether it was signed off.
struct Take {
    seed: usize,
    level: usize,
    days_ago: i64,
    sign_off: bool,
}

/// Takes and finishes a diagnostic of `sid` on questionnaire `q` (its version), dated as `t`
/// says; returns its id.
async fn take(
    store: &Store,
    actor: &Actor,
    sid: i64,
    q: &Questionnaire,
    t: Take,
) -> anyhow::Result<i64> {
    let Take {
        seed,
        level,
        days_ago,
        sign_off,
    } = t;
    let id = store
        .start_diagnostic_on(actor, sid, &q.id, Some(q.version), seed % 2 == 0)
        .await?;
    store
        .save_diagnostic_answers(actor, id, &answers(q, seed, level))
        .await?;
    store.finish_diagnostic(actor, id).await?;
    if sign_off {
        store
            .sign_off_diagnostic(actor, id, "Revu avec la direction (démo)")
            .await?;
    }
    let now = chrono::Utc::now().timestamp();
    let finished = now - days_ago * DAY;
    store
        .backdate_demo_diagnostic(actor, id, finished - 2 * DAY, Some(finished))
        .await?;
    Ok(id)
}

/// A due day `days` from now, as a form types it.
fn due(days: i64) -> String {
    chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() + days * DAY, 0)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// Seeds the diagnostics and plans of the demo, once (nothing when the demo region already has
/// a diagnostic).
pub(super) async fn seed(
    store: &Store,
    actor: &Actor,
    planned: &[Planned],
    act: &mut Activity,
) -> anyhow::Result<()> {
    let lib = Library::builtin();
    let (Some(hospital), Some(medico), Some(medico_v1)) = (
        lib.latest("hospital"),
        lib.latest("medico-social"),
        lib.get("medico-social", 1),
    ) else {
        anyhow::bail!("the questionnaires are missing from this build");
    };
    // Every support hospital and the first six nursing homes of each GHT.
    let mut chosen: Vec<&Planned> = Vec::new();
    for ght in 0..12 {
        chosen.extend(
            planned
                .iter()
                .filter(|p| p.ght == ght && p.kind == "support")
                .take(1),
        );
        chosen.extend(
            planned
                .iter()
                .filter(|p| p.ght == ght && p.kind == "ehpad")
                .take(6),
        );
    }
    for (i, p) in chosen.into_iter().enumerate() {
        let s = store
            .find_structure_by_finess(actor, &p.input.finess_et)
            .await?;
        if !store.structure_diagnostics(actor, s.id).await?.is_empty() {
            continue;
        }
        let level = (i * 5 + p.ght) % 4;
        let is_hospital = p.kind == "support";
        let q = if is_hospital { hospital } else { medico };
        // A third taken twice: the first lower, earlier (version 1 for nursing homes).
        if i % 3 == 0 {
            let first = if is_hospital { hospital } else { medico_v1 };
            take(
                store,
                actor,
                s.id,
                first,
                Take {
                    seed: i,
                    level: level.saturating_sub(1),
                    days_ago: 400 + (i as i64 % 5) * 20,
                    sign_off: true,
                },
            )
            .await?;
            act.diagnostics += 1;
        }
        let id = take(
            store,
            actor,
            s.id,
            q,
            Take {
                seed: i + 1,
                level,
                days_ago: 20 + (i as i64 * 11) % 200,
                sign_off: i % 2 == 0,
            },
        )
        .await?;
        act.diagnostics += 1;
        // The plan: the first three measures, one done, one under way, one to do (some late).
        let measures = store.diagnostic_measures(actor, id).await?;
        for (k, m) in measures.iter().take(3).enumerate() {
            let title = q
                .recommendation(&m.recommendation_id)
                .map(|r| r.title.fr.clone())
                .unwrap_or_else(|| m.recommendation_id.clone());
            let action = store
                .add_plan_action(
                    actor,
                    s.id,
                    &NewAction {
                        title,
                        owner: ["Direction", "Référent sécurité", "Prestataire informatique"][k]
                            .into(),
                        due_on: due([-30, 45, -10 + (i as i64 % 3) * 40][k]),
                        source_kind: "measure".into(),
                        source_id: Some(id),
                        source_ref: m.recommendation_id.clone(),
                        ..Default::default()
                    },
                )
                .await?;
            act.actions += 1;
            let (status, evidence) = match k {
                0 => ("done", "Fait et vérifié avec le prestataire (démo)"),
                1 => ("in_progress", ""),
                _ => ("todo", ""),
            };
            if status != "todo" {
                store
                    .update_plan_action(
                        actor,
                        action,
                        &ActionUpdate {
                            owner: ["Direction", "Référent sécurité"][k].into(),
                            due_on: due([-30, 45][k]),
                            status: status.into(),
                            evidence: evidence.into(),
                        },
                    )
                    .await?;
            }
        }
        // An exposure finding of the structure, when it has one, goes into its plan too.
        let sources = store.plan_sources(actor, s.id).await?;
        if let Some((fid, fr, _, _)) = sources.findings.first() {
            store
                .add_plan_action(
                    actor,
                    s.id,
                    &NewAction {
                        title: fr.clone(),
                        owner: "Prestataire informatique".into(),
                        due_on: due(14),
                        source_kind: "finding".into(),
                        source_id: Some(*fid),
                        ..Default::default()
                    },
                )
                .await?;
            act.actions += 1;
        }
        // Every tenth nursing home has started its next diagnostic.
        if !is_hospital && i % 10 == 4 {
            let next = store
                .start_diagnostic(actor, s.id, "medico-social", false)
                .await?;
            let part: Vec<AnswerInput> = answers(medico, i + 2, (level + 1).min(3))
                .into_iter()
                .take(10)
                .collect();
            store.save_diagnostic_answers(actor, next, &part).await?;
            act.diagnostics += 1;
        }
    }
    Ok(())
}
