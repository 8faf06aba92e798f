//! Diagnostics, storage side, on SQLite and on PostgreSQL: a diagnostic started, saved as it
//! goes, resumed, finished and signed off; scopes replayed as attacks (another region, another
//! structure, a member, an auditor); action plans and the action that closes itself when its
//! finding is verified fixed; the region's figures against a direct count.

use vigie_diagnostics::{Library, Question};
use vigie_domain::role::Role;
use vigie_store::audit::AuditQuery;
use vigie_store::diagnostics::{ActionUpdate, AnswerInput, NewAction};
use vigie_store::surveillance::{NewFinding, NewObservation, ScanOutcome};
use vigie_store::testing::{self, TestDb};
use vigie_store::{Actor, Store, StoreError};

use crate::{id_of, seeded, system, user};

const FLEYRIAT: &str = "010000024"; // region 84, GHT-01-AIN
const APHP: &str = "750100125"; // region 11, GHT-75-01

async fn account(
    s: &Store,
    email: &str,
    role: Role,
    region: Option<&str>,
    ght: Option<i64>,
    structures: Vec<i64>,
) -> Actor {
    let id = s
        .create_user(&system(), &user(email, role, region, ght, structures))
        .await
        .unwrap();
    s.actor_for_user(id, None).await.unwrap()
}

fn key(e: &StoreError) -> &'static str {
    e.problem()
        .unwrap_or_else(|| panic!("not a problem: {e:?}"))
        .key
}

struct World {
    fleyriat: i64,
    aphp: i64,
    admin: Actor,
    member: Actor,
    other_admin: Actor,
    region84: Actor,
    region11: Actor,
    ght_paris: Actor,
    auditor: Actor,
}

async fn world(db: &TestDb) -> World {
    seeded(db).await;
    let s = &db.store;
    let fleyriat = id_of(s, FLEYRIAT).await;
    let aphp = id_of(s, APHP).await;
    let ght_paris = s
        .find_structure_by_finess(&system(), APHP)
        .await
        .unwrap()
        .ght_id;
    World {
        fleyriat,
        aphp,
        admin: account(
            s,
            "dir@fleyriat.example",
            Role::StructureAdmin,
            None,
            None,
            vec![fleyriat],
        )
        .await,
        member: account(
            s,
            "ide@fleyriat.example",
            Role::StructureMember,
            None,
            None,
            vec![fleyriat],
        )
        .await,
        other_admin: account(
            s,
            "dir@aphp.example",
            Role::StructureAdmin,
            None,
            None,
            vec![aphp],
        )
        .await,
        region84: account(
            s,
            "crr@ara.example",
            Role::RegionalAnalyst,
            Some("84"),
            None,
            vec![],
        )
        .await,
        region11: account(
            s,
            "crr@idf.example",
            Role::RegionalAnalyst,
            Some("11"),
            None,
            vec![],
        )
        .await,
        ght_paris: account(
            s,
            "rssi@ght75.example",
            Role::GhtOfficer,
            None,
            ght_paris,
            vec![],
        )
        .await,
        auditor: account(s, "audit@example.org", Role::Auditor, None, None, vec![]).await,
    }
}

/// Every question answered with the choice `pick` gives.
fn all_answers(qid: &str, pick: impl Fn(&Question) -> String) -> Vec<AnswerInput> {
    Library::builtin()
        .latest(qid)
        .unwrap()
        .questions
        .iter()
        .map(|q| AnswerInput {
            question_id: q.id.clone(),
            answer: pick(q),
            comment: String::new(),
        })
        .collect()
}

fn lowest(q: &Question) -> String {
    q.choices
        .iter()
        .min_by(|a, b| a.value.total_cmp(&b.value))
        .unwrap()
        .id
        .clone()
}

fn highest(q: &Question) -> String {
    q.choices
        .iter()
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .unwrap()
        .id
        .clone()
}

/// An action written by hand on `structure`'s plan.
async fn manual_action(s: &Store, actor: &Actor, structure: i64, title: &str) -> i64 {
    s.add_plan_action(
        actor,
        structure,
        &NewAction {
            title: title.into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

async fn audit_actions(s: &Store, kind: &str, target: i64) -> Vec<String> {
    let (rows, _) = s
        .audit_search(
            &system(),
            &AuditQuery {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    rows.into_iter()
        .filter(|r| r.target_kind == kind && r.target_id == target.to_string())
        .map(|r| r.action)
        .collect()
}

#[tokio::test]
async fn a_diagnostic_is_saved_as_it_goes_resumed_finished_and_signed_off() {
    for db in testing::all().await {
        let s = &db.store;
        let w = world(&db).await;
        let id = s
            .start_diagnostic(&w.admin, w.fleyriat, "medico-social", false)
            .await
            .unwrap();
        // One at a time: a second start says which one to resume.
        let e = s
            .start_diagnostic(&w.region84, w.fleyriat, "medico-social", true)
            .await
            .unwrap_err();
        assert_eq!(key(&e), "diagnostics-already-in-progress", "{}", db.name);
        let e = s
            .start_diagnostic(&w.admin, w.aphp, "no-such", false)
            .await
            .unwrap_err();
        assert_eq!(key(&e), "diagnostics-questionnaire-unknown");

        // A theme saved, then read back (resumed) by the regional analyst.
        let backups = vec![
            AnswerInput {
                question_id: "bak-exists".into(),
                answer: "weekly".into(),
                comment: "NAS".into(),
            },
            AnswerInput {
                question_id: "bak-offline".into(),
                answer: "dont_know".into(),
                comment: String::new(),
            },
            AnswerInput {
                question_id: "bak-saas".into(),
                answer: "not_applicable".into(),
                comment: String::new(),
            },
        ];
        assert_eq!(
            s.save_diagnostic_answers(&w.admin, id, &backups)
                .await
                .unwrap(),
            3
        );
        let d = s.get_diagnostic(&w.region84, id).await.unwrap();
        assert_eq!(d.row.questionnaire_version, 2);
        assert_eq!(d.answers.len(), 3);
        assert_eq!(d.answer_of("bak-exists").unwrap().comment, "NAS");
        // Cleared by an empty answer.
        s.save_diagnostic_answers(
            &w.region84,
            id,
            &[AnswerInput {
                question_id: "bak-saas".into(),
                answer: String::new(),
                comment: String::new(),
            }],
        )
        .await
        .unwrap();
        assert!(s
            .get_diagnostic(&w.admin, id)
            .await
            .unwrap()
            .answer_of("bak-saas")
            .is_none());

        // Wrong answers are refused and nothing of the save is kept.
        for (q, a, want) in [
            ("bak-exists", "always", "diagnostics-answer-invalid"),
            ("acc-mfa", "not_applicable", "diagnostics-answer-invalid"),
            ("no-question", "yes", "diagnostics-question-unknown"),
        ] {
            let e = s
                .save_diagnostic_answers(
                    &w.admin,
                    id,
                    &[
                        AnswerInput {
                            question_id: "gov-referent".into(),
                            answer: "yes".into(),
                            comment: String::new(),
                        },
                        AnswerInput {
                            question_id: q.into(),
                            answer: a.into(),
                            comment: String::new(),
                        },
                    ],
                )
                .await
                .unwrap_err();
            assert_eq!(key(&e), want, "{q}={a}");
        }
        assert!(s
            .get_diagnostic(&w.admin, id)
            .await
            .unwrap()
            .answer_of("gov-referent")
            .is_none());
        let long = AnswerInput {
            question_id: "gov-referent".into(),
            answer: "yes".into(),
            comment: "x".repeat(2001),
        };
        assert_eq!(
            key(&s
                .save_diagnostic_answers(&w.admin, id, &[long])
                .await
                .unwrap_err()),
            "diagnostics-too-long"
        );

        // Not finished while a shown question is unanswered.
        let e = s.finish_diagnostic(&w.admin, id).await.unwrap_err();
        assert_eq!(key(&e), "diagnostics-incomplete");
        assert!(matches!(
            s.sign_off_diagnostic(&w.region84, id, "").await,
            Err(StoreError::Invalid(_))
        ));

        s.save_diagnostic_answers(&w.admin, id, &all_answers("medico-social", lowest))
            .await
            .unwrap();
        s.finish_diagnostic(&w.admin, id).await.unwrap();
        let d = s.get_diagnostic(&w.admin, id).await.unwrap();
        assert_eq!(
            (
                d.row.status.as_str(),
                d.row.score_x100,
                d.row.latest,
                d.row.previous_score_x100
            ),
            ("finished", Some(0), 1, None),
            "{}",
            db.name
        );
        let m = s.diagnostic_measures(&w.member, id).await.unwrap();
        assert_eq!(m.len(), 6);
        assert_eq!(m[0].recommendation_id, "rec-backup-setup");
        assert!(m.iter().all(|m| m.priority == 1));
        // Its answers no longer change.
        let e = s
            .save_diagnostic_answers(&w.admin, id, &all_answers("medico-social", highest))
            .await
            .unwrap_err();
        assert_eq!(key(&e), "diagnostics-not-in-progress");

        s.sign_off_diagnostic(&w.region84, id, "Revu avec la directrice")
            .await
            .unwrap();
        let d = s.get_diagnostic(&w.admin, id).await.unwrap();
        assert_eq!(d.row.status, "signed_off");
        assert_eq!(d.row.signed_off_by.as_deref(), Some("crr@ara.example"));
        let audit = audit_actions(s, "diagnostic", id).await;
        for a in [
            "diagnostic.start",
            "diagnostic.answers",
            "diagnostic.finish",
            "diagnostic.sign_off",
        ] {
            assert!(audit.iter().any(|x| x == a), "{a} audited: {audit:?}");
        }

        // A second diagnostic, assisted: progress since the first, and it becomes the latest.
        let id2 = s
            .start_diagnostic(&w.region84, w.fleyriat, "medico-social", true)
            .await
            .unwrap();
        s.save_diagnostic_answers(&w.region84, id2, &all_answers("medico-social", highest))
            .await
            .unwrap();
        s.finish_diagnostic(&w.region84, id2).await.unwrap();
        let list = s.structure_diagnostics(&w.admin, w.fleyriat).await.unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!((list[0].id, list[0].latest, list[0].assisted), (id2, 1, 1));
        assert_eq!(list[0].previous_score_x100, Some(0));
        assert_eq!(list[0].score_x100, Some(300));
        assert_eq!(list[1].latest, 0);
        assert!(s
            .diagnostic_measures(&w.admin, id2)
            .await
            .unwrap()
            .is_empty());
        let history = s
            .structure_theme_history(&w.member, w.fleyriat)
            .await
            .unwrap();
        assert_eq!(history.len(), 16, "8 themes × 2 diagnostics");
        let o = s.diagnostics_overview(&w.region84, None).await.unwrap();
        assert_eq!(
            (o.diagnosed, o.progressed, o.mean_progress_x100),
            (1, 1, 300)
        );
        assert!(o.common_measures.is_empty(), "the latest has no measure");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn diagnostics_and_plans_outside_the_scope_do_not_exist() {
    for db in testing::all().await {
        let s = &db.store;
        let w = world(&db).await;
        let id = s
            .start_diagnostic(&w.admin, w.fleyriat, "medico-social", false)
            .await
            .unwrap();
        let action = s
            .add_plan_action(
                &w.admin,
                w.fleyriat,
                &NewAction {
                    title: "Sauvegarde".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let upd = ActionUpdate {
            status: "in_progress".into(),
            owner: "x".into(),
            ..Default::default()
        };
        let answer = [AnswerInput {
            question_id: "gov-referent".into(),
            answer: "yes".into(),
            comment: String::new(),
        }];
        // Another region, another structure's admin, another GHT: as if nothing existed.
        for a in [&w.region11, &w.other_admin, &w.ght_paris] {
            assert!(
                matches!(s.get_diagnostic(a, id).await, Err(StoreError::NotFound)),
                "{}",
                a.label
            );
            assert!(matches!(
                s.save_diagnostic_answers(a, id, &answer).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.finish_diagnostic(a, id).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.sign_off_diagnostic(a, id, "").await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.diagnostic_measures(a, id).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.structure_diagnostics(a, w.fleyriat).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.structure_theme_history(a, w.fleyriat).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.start_diagnostic(a, w.fleyriat, "medico-social", false)
                    .await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.plan_actions(a, w.fleyriat).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.plan_sources(a, w.fleyriat).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.update_plan_action(a, action, &upd).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.plan_action_structure(a, action).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.add_plan_action(
                    a,
                    w.fleyriat,
                    &NewAction {
                        title: "x".into(),
                        ..Default::default()
                    }
                )
                .await,
                Err(StoreError::NotFound)
            ));
            let o = s.diagnostics_overview(a, None).await.unwrap();
            assert_eq!(
                o.open_actions, 0,
                "{}: another's actions are not counted",
                a.label
            );
        }
        // A national reader asking for a region sees only that region.
        let o = s
            .diagnostics_overview(&w.auditor, Some("11"))
            .await
            .unwrap();
        assert_eq!(o.open_actions, 0);
        assert_eq!(
            s.diagnostics_overview(&w.auditor, Some("84"))
                .await
                .unwrap()
                .open_actions,
            1
        );
        // A region's analyst cannot widen its view by asking for another region.
        assert_eq!(
            s.diagnostics_overview(&w.region11, Some("84"))
                .await
                .unwrap()
                .open_actions,
            0
        );
        // Members and auditors read, and write nothing.
        for a in [&w.member, &w.auditor] {
            assert!(s.get_diagnostic(a, id).await.is_ok());
            assert!(s.plan_actions(a, w.fleyriat).await.is_ok());
            assert!(matches!(
                s.save_diagnostic_answers(a, id, &answer).await,
                Err(StoreError::Forbidden(_))
            ));
            assert!(matches!(
                s.start_diagnostic(a, w.aphp, "medico-social", false).await,
                Err(StoreError::Forbidden(_))
            ));
            assert!(matches!(
                s.update_plan_action(a, action, &upd).await,
                Err(StoreError::Forbidden(_))
            ));
            assert!(matches!(
                s.reconcile_plan_actions(a).await,
                Err(StoreError::Forbidden(_))
            ));
        }
        // A source of another structure, reached through one's own structure: refused.
        let other_finding = finding(s, w.aphp, "185.10.99.1").await;
        let e = s
            .add_plan_action(
                &w.admin,
                w.fleyriat,
                &NewAction {
                    title: "x".into(),
                    source_kind: "finding".into(),
                    source_id: Some(other_finding),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(key(&e), "diagnostics-source-unknown");
        let e = s
            .add_plan_action(
                &w.admin,
                w.fleyriat,
                &NewAction {
                    title: "x".into(),
                    source_kind: "measure".into(),
                    source_id: Some(id),
                    source_ref: "rec-mfa".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            key(&e),
            "diagnostics-source-unknown",
            "an unfinished diagnostic has no measure"
        );
        // Oversized and malformed input.
        for (n, want) in [
            (
                NewAction {
                    title: "x".repeat(201),
                    ..Default::default()
                },
                "diagnostics-too-long",
            ),
            (
                NewAction {
                    title: " ".into(),
                    ..Default::default()
                },
                "diagnostics-field-required",
            ),
            (
                NewAction {
                    title: "x".into(),
                    due_on: "31/12/2026".into(),
                    ..Default::default()
                },
                "diagnostics-date-unreadable",
            ),
            (
                NewAction {
                    title: "x".into(),
                    source_kind: "'; DROP TABLE plan_actions; --".into(),
                    source_id: Some(1),
                    ..Default::default()
                },
                "diagnostics-source-unknown",
            ),
        ] {
            assert_eq!(
                key(&s
                    .add_plan_action(&w.admin, w.fleyriat, &n)
                    .await
                    .unwrap_err()),
                want
            );
        }
        let e = s
            .update_plan_action(
                &w.admin,
                action,
                &ActionUpdate {
                    status: "done".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(key(&e), "diagnostics-evidence-required");
        let e = s
            .update_plan_action(
                &w.admin,
                action,
                &ActionUpdate {
                    status: "closed'--".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(key(&e), "diagnostics-value-unknown");
        db.cleanup().await;
    }
}

/// A finished scan of `structure` that found remote desktop exposed on `address`; the finding.
async fn finding(s: &Store, structure: i64, address: &str) -> i64 {
    let scan = s.request_scan(&system(), structure).await.unwrap();
    s.start_scan(&system(), scan).await.unwrap().unwrap();
    s.finish_scan(&system(), scan, &rdp_outcome(address, true))
        .await
        .unwrap();
    s.list_findings(&system(), structure, false).await.unwrap()[0].id
}

fn rdp_outcome(address: &str, exposed: bool) -> ScanOutcome {
    let mut observations = vec![NewObservation {
        address: address.into(),
        port: 22,
        service: "ssh".into(),
        ..Default::default()
    }];
    let mut findings = Vec::new();
    if exposed {
        observations.push(NewObservation {
            address: address.into(),
            port: 3389,
            service: "ms-wbt-server".into(),
            finding_kinds: vec!["remote-desktop-exposed".into()],
            ..Default::default()
        });
        findings.push(NewFinding {
            kind: "remote-desktop-exposed".into(),
            address: address.into(),
            port: 3389,
            service: "ms-wbt-server".into(),
            severity: "high".into(),
            confidence: "high".into(),
            title_fr: "Bureau à distance exposé".into(),
            title_en: "Remote desktop exposed".into(),
            ..Default::default()
        });
    }
    ScanOutcome {
        scope: serde_json::json!({}),
        software: Vec::new(),
        covered_addresses: vec![address.into()],
        covered_ports: vec![22, 3389],
        observations,
        findings,
    }
}

#[tokio::test]
async fn an_action_closes_itself_when_its_finding_is_verified_fixed() {
    for db in testing::all().await {
        let s = &db.store;
        let w = world(&db).await;
        let f = finding(s, w.fleyriat, "185.10.20.1").await;
        let src = s.plan_sources(&w.admin, w.fleyriat).await.unwrap();
        assert_eq!(src.findings.iter().map(|x| x.0).collect::<Vec<_>>(), [f]);
        let from_finding = s
            .add_plan_action(
                &w.admin,
                w.fleyriat,
                &NewAction {
                    title: "Fermer le bureau à distance".into(),
                    owner: "Prestataire".into(),
                    due_on: "2026-01-15".into(),
                    source_kind: "finding".into(),
                    source_id: Some(f),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // Not twice, and no longer offered.
        let again = NewAction {
            title: "bis".into(),
            source_kind: "finding".into(),
            source_id: Some(f),
            ..Default::default()
        };
        assert_eq!(
            key(&s
                .add_plan_action(&w.admin, w.fleyriat, &again)
                .await
                .unwrap_err()),
            "diagnostics-action-duplicate"
        );
        assert!(s
            .plan_sources(&w.admin, w.fleyriat)
            .await
            .unwrap()
            .findings
            .is_empty());
        let manual = s
            .add_plan_action(
                &w.admin,
                w.fleyriat,
                &NewAction {
                    title: "Charte".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        // Nothing fixed yet: nothing closes.
        assert_eq!(s.reconcile_plan_actions(&system()).await.unwrap(), 0);
        // The overdue action is counted and listed for the region, not for another.
        let o = s.diagnostics_overview(&w.region84, None).await.unwrap();
        assert_eq!((o.overdue, o.open_actions), (1, 2), "{}", db.name);
        assert_eq!(o.overdue_rows[0].id, from_finding);
        assert_eq!(
            s.diagnostics_overview(&w.region11, None)
                .await
                .unwrap()
                .overdue,
            0
        );

        // A scan that covers the port and no longer sees it: verified fixed.
        let scan = s.request_scan(&system(), w.fleyriat).await.unwrap();
        s.start_scan(&system(), scan).await.unwrap().unwrap();
        s.finish_scan(&system(), scan, &rdp_outcome("185.10.20.1", false))
            .await
            .unwrap();
        assert_eq!(s.get_finding(&w.admin, f).await.unwrap().status, "fixed");
        assert_eq!(
            s.reconcile_plan_actions(&system()).await.unwrap(),
            1,
            "{}",
            db.name
        );
        let actions = s.plan_actions(&w.member, w.fleyriat).await.unwrap();
        let a = actions.iter().find(|a| a.id == from_finding).unwrap();
        assert_eq!(
            (a.status.as_str(), a.auto_closed, a.closed_note.as_str()),
            ("done", 1, format!("finding-fixed:{scan}").as_str())
        );
        assert!(a.closed_at.is_some());
        let m = actions.iter().find(|a| a.id == manual).unwrap();
        assert_eq!(m.status, "todo", "an action without source stays as it is");
        // Once closed, a second pass does nothing; the closing is audited.
        assert_eq!(s.reconcile_plan_actions(&system()).await.unwrap(), 0);
        assert!(audit_actions(s, "plan_action", from_finding)
            .await
            .contains(&"plan.action.auto_close".to_string()));
        let o = s.diagnostics_overview(&w.region84, None).await.unwrap();
        assert_eq!((o.overdue, o.open_actions, o.done_actions), (0, 1, 1));

        // Done by hand needs evidence; reopening clears the closing.
        s.update_plan_action(
            &w.admin,
            manual,
            &ActionUpdate {
                status: "done".into(),
                evidence: "Signée le 3 décembre".into(),
                owner: "Directrice".into(),
                due_on: String::new(),
            },
        )
        .await
        .unwrap();
        let m = s
            .plan_actions(&w.admin, w.fleyriat)
            .await
            .unwrap()
            .into_iter()
            .find(|a| a.id == manual)
            .unwrap();
        assert_eq!(
            (m.status.as_str(), m.auto_closed, m.evidence.as_str()),
            ("done", 0, "Signée le 3 décembre")
        );
        assert!(m.closed_at.is_some());
        db.cleanup().await;
    }
}

#[tokio::test]
async fn measures_become_actions_and_the_region_counts_them() {
    for db in testing::all().await {
        let s = &db.store;
        let w = world(&db).await;
        for (structure, who) in [(w.fleyriat, &w.admin), (w.aphp, &w.other_admin)] {
            let id = s
                .start_diagnostic(who, structure, "medico-social", false)
                .await
                .unwrap();
            s.save_diagnostic_answers(who, id, &all_answers("medico-social", lowest))
                .await
                .unwrap();
            s.finish_diagnostic(who, id).await.unwrap();
        }
        let src = s.plan_sources(&w.admin, w.fleyriat).await.unwrap();
        assert_eq!(src.measures.len(), 6);
        let m = &src.measures[0];
        s.add_plan_action(
            &w.admin,
            w.fleyriat,
            &NewAction {
                title: "Sauvegarde quotidienne".into(),
                source_kind: "measure".into(),
                source_id: Some(m.diagnostic_id),
                source_ref: m.recommendation_id.clone(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            s.plan_sources(&w.admin, w.fleyriat)
                .await
                .unwrap()
                .measures
                .len(),
            5
        );
        // The nation: both structures, each measure twice; a region: its own.
        let cert = account(s, "cert@example.org", Role::CertAnalyst, None, None, vec![]).await;
        let o = s.diagnostics_overview(&cert, None).await.unwrap();
        assert_eq!(o.diagnosed, 2);
        assert_eq!(o.distribution, [2, 0, 0, 0, 0, 0]);
        assert_eq!(o.common_measures.len(), 6);
        assert!(o
            .common_measures
            .iter()
            .all(|(q, _, n)| q == "medico-social" && *n == 2));
        assert_eq!(
            o.by_region.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
            ["11", "84"]
        );
        let r = s.diagnostics_overview(&w.region84, None).await.unwrap();
        assert_eq!((r.diagnosed, r.recent.len()), (1, 1));
        assert_eq!(r.recent[0].structure_id, w.fleyriat);
        assert!(r.structures > 0 && r.structures < o.structures);
        let csv = s.diagnosed_structures(&w.region84, None).await.unwrap();
        assert_eq!(
            csv.iter().map(|x| x.structure_id).collect::<Vec<_>>(),
            [w.fleyriat]
        );
        db.cleanup().await;
    }
}

/// The region's view is kept per process (a whole centre keeps it open): a diagnostic finished,
/// an action changed or a structure moved is still seen by the very next view.
#[tokio::test]
async fn the_regions_view_shows_a_write_at_once() {
    for db in testing::all().await {
        let s = &db.store;
        let w = world(&db).await;
        let before = s.diagnostics_overview(&w.region84, None).await.unwrap();
        assert_eq!((before.diagnosed, before.open_actions), (0, 0));
        let id = s
            .start_diagnostic(&w.admin, w.fleyriat, "medico-social", false)
            .await
            .unwrap();
        s.save_diagnostic_answers(&w.admin, id, &all_answers("medico-social", lowest))
            .await
            .unwrap();
        s.finish_diagnostic(&w.admin, id).await.unwrap();
        let o = s.diagnostics_overview(&w.region84, None).await.unwrap();
        assert_eq!(o.diagnosed, 1, "the finished diagnostic is counted at once");
        assert_eq!(o.recent.len(), 1);
        assert!(!o.common_measures.is_empty());
        let national = s
            .diagnostics_overview(&w.auditor, Some("84"))
            .await
            .unwrap();
        assert_eq!(national.diagnosed, 1);

        let action = manual_action(s, &w.admin, w.fleyriat, "Sauvegarde hors ligne").await;
        let o = s.diagnostics_overview(&w.region84, None).await.unwrap();
        assert_eq!(o.open_actions, 1, "the new action is counted at once");
        s.update_plan_action(
            &w.admin,
            action,
            &ActionUpdate {
                status: "done".into(),
                evidence: "Sauvegarde testée le 3 décembre".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let o = s.diagnostics_overview(&w.region84, None).await.unwrap();
        assert_eq!((o.open_actions, o.done_actions), (0, 1));
        db.cleanup().await;
    }
}

/// An action's evidence as files: judged by their content like incident attachments, sealed at
/// rest, read by whoever reads the plan, added and removed by whoever may change the action, out
/// of scope as if absent; every write and download audited; "done" accepts a file as evidence
/// and keeps its last one.
#[tokio::test]
async fn evidence_files_are_checked_sealed_scoped_and_audited() {
    for db in testing::all().await {
        let s = &db.store;
        let w = world(&db).await;
        let action = manual_action(s, &w.admin, w.fleyriat, "Sauvegarde hors ligne").await;
        let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nPREUVE-TEMOIN\n%%EOF\n";
        let f1 = s
            .add_action_evidence_file(
                &w.admin,
                action,
                "attestation sauvegarde.pdf",
                "  Attestation du prestataire  ",
                pdf,
            )
            .await
            .unwrap();
        // The regional analyst with the structure in scope adds evidence too.
        let f2 = s
            .add_action_evidence_file(&w.region84, action, "test.txt", "", b"restauration OK\n")
            .await
            .unwrap();
        // Stored sealed: the marker is nowhere in the table.
        let pool = crate::sqlx_pool(&db).await;
        let stored: Vec<(String,)> = sqlx::query_as("SELECT content FROM plan_action_files")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(stored.len(), 2);
        assert!(stored.iter().all(|(c,)| c.starts_with("enc:v1:")));
        assert!(!stored.iter().any(|(c,)| c.contains("PREUVE-TEMOIN")));
        // Listed for the plan's readers, in order, with their note trimmed.
        for reader in [&w.admin, &w.member, &w.region84, &w.auditor] {
            let files = s.plan_evidence_files(reader, w.fleyriat).await.unwrap();
            assert_eq!(
                files
                    .iter()
                    .map(|f| (f.id, f.action_id, f.name.as_str(), f.note.as_str()))
                    .collect::<Vec<_>>(),
                vec![
                    (
                        f1,
                        action,
                        "attestation sauvegarde.pdf",
                        "Attestation du prestataire"
                    ),
                    (f2, action, "test.txt", ""),
                ],
                "{}",
                reader.label
            );
            let f = s
                .get_action_evidence_file(reader, action, f1)
                .await
                .unwrap();
            assert_eq!(
                (f.name.as_str(), f.media_type.as_str(), f.content.as_slice()),
                ("attestation sauvegarde.pdf", "application/pdf", &pdf[..])
            );
        }
        assert_eq!(
            s.plan_evidence_files(&w.admin, w.fleyriat).await.unwrap()[0].size,
            pdf.len() as i64
        );
        // Another structure's admin, another region, another GHT: as if absent.
        for outsider in [&w.other_admin, &w.region11, &w.ght_paris] {
            assert!(
                matches!(
                    s.get_action_evidence_file(outsider, action, f1).await,
                    Err(StoreError::NotFound)
                ),
                "{}",
                outsider.label
            );
            assert!(matches!(
                s.plan_evidence_files(outsider, w.fleyriat).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.add_action_evidence_file(outsider, action, "x.txt", "", b"x")
                    .await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.remove_action_evidence_file(outsider, action, f2).await,
                Err(StoreError::NotFound)
            ));
        }
        // Readers without the right to change the plan neither add nor remove.
        for reader in [&w.member, &w.auditor] {
            assert!(matches!(
                s.add_action_evidence_file(reader, action, "x.txt", "", b"x")
                    .await,
                Err(StoreError::Forbidden(_))
            ));
            assert!(matches!(
                s.remove_action_evidence_file(reader, action, f2).await,
                Err(StoreError::Forbidden(_))
            ));
        }
        // A file asked through another action is not found.
        let other_action = manual_action(s, &w.admin, w.fleyriat, "Autre").await;
        assert!(matches!(
            s.get_action_evidence_file(&w.admin, other_action, f1).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.remove_action_evidence_file(&w.admin, other_action, f1)
                .await,
            Err(StoreError::NotFound)
        ));
        // Refused, each beside its field, nothing stored.
        let big = vec![b'a'; vigie_domain::upload::MAX_SIZE + 1];
        let long = "n".repeat(vigie_store::diagnostics::MAX_FILE_NOTE + 1);
        for (name, note, content, want, field) in [
            ("vide.txt", "", &b""[..], "files-empty", "file"),
            ("gros.txt", "", &big[..], "files-too-large", "file"),
            (
                "rapport.pdf",
                "",
                &b"MZ\x90\0\x03\0\0\0This program cannot be run"[..],
                "files-type",
                "file",
            ),
            (
                "capture.pdf",
                "",
                &b"\x89PNG\r\n\x1a\n\0\0"[..],
                "files-extension",
                "file",
            ),
            (
                "../../etc/passwd",
                "",
                &b"root:x:0:0"[..],
                "files-name",
                "file",
            ),
            ("..\\..\\boot.ini", "", &b"[boot]"[..], "files-name", "file"),
            (
                "ok.txt",
                long.as_str(),
                &b"ok"[..],
                "diagnostics-too-long",
                "file_note",
            ),
        ] {
            let e = s
                .add_action_evidence_file(&w.admin, action, name, note, content)
                .await
                .unwrap_err();
            assert_eq!(key(&e), want, "{name}");
            assert_eq!(
                e.problem()
                    .and_then(|p| p.get("field"))
                    .map(|f| f.to_string())
                    .as_deref(),
                Some(field),
                "{name}"
            );
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM plan_action_files")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 2, "nothing stored by the refusals");
        // "Done" with no note is accepted when a file is the evidence, and keeps its last file.
        let done = ActionUpdate {
            status: "done".into(),
            ..Default::default()
        };
        assert_eq!(
            key(&s
                .update_plan_action(&w.admin, other_action, &done)
                .await
                .unwrap_err()),
            "diagnostics-evidence-required"
        );
        s.update_plan_action(&w.admin, action, &done).await.unwrap();
        assert_eq!(
            s.remove_action_evidence_file(&w.region84, action, f2)
                .await
                .unwrap(),
            w.fleyriat
        );
        assert_eq!(
            key(&s
                .remove_action_evidence_file(&w.admin, action, f1)
                .await
                .unwrap_err()),
            "diagnostics-evidence-last-file"
        );
        assert!(s
            .get_action_evidence_file(&w.admin, action, f2)
            .await
            .is_err());
        assert_eq!(
            s.plan_evidence_files(&w.admin, w.fleyriat)
                .await
                .unwrap()
                .len(),
            1
        );
        // Every write and download audited, on the action.
        let audited = audit_actions(s, "plan_action", action).await;
        for want in [
            "plan.evidence.add",
            "plan.evidence.download",
            "plan.evidence.remove",
        ] {
            assert!(audited.iter().any(|a| a == want), "{want}: {audited:?}");
        }
        assert_eq!(
            audited.iter().filter(|a| *a == "plan.evidence.add").count(),
            2
        );
        // A file moved to another row does not open (sealed to its own uuid).
        let f3 = s
            .add_action_evidence_file(&w.admin, other_action, "b.txt", "", b"autre\n")
            .await
            .unwrap();
        sqlx::query(
            "UPDATE plan_action_files SET content = (SELECT content FROM plan_action_files WHERE id = $1) WHERE id = $2",
        )
        .bind(f1)
        .bind(f3)
        .execute(&pool)
        .await
        .unwrap();
        assert!(matches!(
            s.get_action_evidence_file(&w.admin, other_action, f3).await,
            Err(StoreError::Internal(_))
        ));
        db.cleanup().await;
    }
}
