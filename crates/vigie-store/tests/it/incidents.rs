//! Incidents, storage side, on SQLite and on PostgreSQL: a declaration saved as a draft and
//! submitted, its clocks, need to know (scope, drafts, TLP:RED for the people named on the case
//! only), case handling with its timeline and audit, and the queue (filters, overdue first, 50 a
//! page).

use vigie_domain::role::Role;
use vigie_store::audit::AuditQuery;
use vigie_store::incidents::{Declaration, QueueQuery, Triage};
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

fn ago(secs: i64) -> String {
    chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp() - secs, 0)
        .unwrap()
        .to_rfc3339()
}

fn declaration(title: &str) -> Declaration {
    Declaration {
        title: title.into(),
        description: "Serveurs chiffrés".into(),
        detected_at: ago(3600),
        origin: "malicious".into(),
        incident_type: "ransomware".into(),
        care_impact: "degraded_mode".into(),
        personal_data: true,
        data_confidentiality: true,
        ..Declaration::default()
    }
}

fn problem_key(e: &StoreError) -> (&'static str, String) {
    let p = e
        .problem()
        .unwrap_or_else(|| panic!("not a problem: {e:?}"));
    (
        p.key,
        p.get("field").map(|f| f.to_string()).unwrap_or_default(),
    )
}

struct World {
    fleyriat: i64,
    aphp: i64,
    admin: Actor,
    member_other: Actor,
    cert: Actor,
    region84: Actor,
    region11: Actor,
    ght_ain: Actor,
    ght_paris: Actor,
    auditor: Actor,
}

async fn world(db: &TestDb) -> World {
    seeded(db).await;
    let s = &db.store;
    let fleyriat = id_of(s, FLEYRIAT).await;
    let aphp = id_of(s, APHP).await;
    let ght = |id| async move {
        s.find_structure_by_finess(&system(), id)
            .await
            .unwrap()
            .ght_id
    };
    let (ght_ain, ght_paris) = (ght(FLEYRIAT).await, ght(APHP).await);
    World {
        fleyriat,
        aphp,
        admin: account(
            s,
            "rssi@fleyriat.example",
            Role::StructureAdmin,
            None,
            None,
            vec![fleyriat],
        )
        .await,
        member_other: account(
            s,
            "member@aphp.example",
            Role::StructureMember,
            None,
            None,
            vec![aphp],
        )
        .await,
        cert: account(
            s,
            "analyst@cert.example",
            Role::CertAnalyst,
            None,
            None,
            vec![],
        )
        .await,
        region84: account(
            s,
            "analyst@ara.example",
            Role::RegionalAnalyst,
            Some("84"),
            None,
            vec![],
        )
        .await,
        region11: account(
            s,
            "analyst@idf.example",
            Role::RegionalAnalyst,
            Some("11"),
            None,
            vec![],
        )
        .await,
        ght_ain: account(
            s,
            "rssi@ght-ain.example",
            Role::GhtOfficer,
            None,
            ght_ain,
            vec![],
        )
        .await,
        ght_paris: account(
            s,
            "rssi@aphp-ght.example",
            Role::GhtOfficer,
            None,
            ght_paris,
            vec![],
        )
        .await,
        auditor: account(
            s,
            "audit@example.example",
            Role::Auditor,
            None,
            None,
            vec![],
        )
        .await,
    }
}

async fn count_incidents(s: &Store) -> i64 {
    s.incident_queue(
        &system(),
        &QueueQuery {
            status: Some("all".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .total
}

#[tokio::test]
async fn a_draft_is_the_structures_until_submitted_then_its_clocks_run() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let id = s
            .create_incident(&w.admin, w.fleyriat, &declaration("Rançongiciel"))
            .await
            .unwrap();

        // A draft: the structure sees it, nobody else does (not even the CERT).
        let case = s.get_incident_case(&w.admin, id).await.unwrap();
        assert_eq!(case.incident.status, "draft");
        assert!(case.named, "the author is named on the case");
        for other in [&w.cert, &w.region84, &w.ght_ain] {
            assert!(
                matches!(
                    s.get_incident_case(other, id).await,
                    Err(StoreError::NotFound)
                ),
                "{}",
                other.label
            );
        }
        assert_eq!(
            s.incident_queue(&w.cert, &QueueQuery::default())
                .await
                .unwrap()
                .total,
            0
        );
        // Its clocks are already computed: the declaration due at once, the CNIL's 72 h.
        let rules: Vec<_> = case.clocks.iter().map(|c| c.rule_id.as_str()).collect();
        assert_eq!(rules, ["csp-declaration", "gdpr-cnil"]);
        assert_eq!(
            case.clocks[0].status_at(chrono::Utc::now().timestamp()),
            "due"
        );
        let detected = case.incident.detected_at;
        assert_eq!(case.clocks[1].deadline, detected + 72 * 3600);
        assert_eq!(case.incident.next_deadline, Some(detected + 72 * 3600));

        // Completing the draft recomputes the clocks: an OSE (essential) and significant.
        let mut d = declaration("Rançongiciel, PACS");
        // The same detection time (`declaration` reads the clock: a second may have passed).
        d.detected_at = chrono::DateTime::from_timestamp(detected, 0)
            .unwrap()
            .to_rfc3339();
        d.significant = true;
        s.set_incident_designations(
            &w.region84,
            w.fleyriat,
            &vigie_store::incidents::Designations {
                nis2_entity: Some("essential".into()),
                data_controller: true,
            },
        )
        .await
        .unwrap();
        s.update_incident_draft(&w.admin, id, &d).await.unwrap();
        let case = s.get_incident_case(&w.admin, id).await.unwrap();
        assert_eq!(case.clocks.len(), 5);
        assert_eq!(
            case.incident.next_deadline,
            Some(detected + 24 * 3600),
            "the NIS 2 early warning comes first"
        );

        s.submit_incident(&w.admin, id).await.unwrap();
        // The queue read (and kept per process) while it was a draft shows it at once.
        let q = s
            .incident_queue(&w.cert, &QueueQuery::default())
            .await
            .unwrap();
        assert_eq!(q.total, 1);
        assert_eq!(q.rows.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
        let case = s.get_incident_case(&w.cert, id).await.unwrap();
        assert_eq!(case.incident.status, "submitted");
        assert!(!case.named);
        let csp = case
            .clocks
            .iter()
            .find(|c| c.rule_id == "csp-declaration")
            .unwrap();
        assert_eq!(
            csp.done_at, case.incident.declared_at,
            "submitting makes the declaration"
        );
        let kinds: Vec<_> = case.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["created", "updated", "submitted"]);
        // A submitted declaration no longer changes as a draft.
        let e = s.update_incident_draft(&w.admin, id, &d).await.unwrap_err();
        assert_eq!(problem_key(&e).0, "incidents-not-draft");
        // Every write is audited.
        let (audit, _) = s
            .audit_search(
                &system(),
                &AuditQuery {
                    text: Some("incident.".into()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let actions: Vec<_> = audit.iter().rev().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "incident.create",
                "incident.designations",
                "incident.update",
                "incident.submit"
            ]
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_wrong_field_is_named_and_nothing_is_stored() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        type Change = Box<dyn Fn(&mut Declaration)>;
        let cases: Vec<(Change, &str, &str)> = vec![
            (
                Box::new(|d| d.title = "  ".into()),
                "incidents-field-required",
                "title",
            ),
            (
                Box::new(|d| d.detected_at = String::new()),
                "incidents-field-required",
                "detected_at",
            ),
            (
                Box::new(|d| d.detected_at = "hier soir".into()),
                "incidents-date-unreadable",
                "detected_at",
            ),
            (
                Box::new(|d| d.detected_at = "2026-03-29T02:30".into()),
                "incidents-date-nonexistent",
                "detected_at",
            ),
            (
                Box::new(|d| d.detected_at = ago(-86_400)),
                "incidents-date-in-future",
                "detected_at",
            ),
            (
                Box::new(|d| d.occurred_at = ago(60)),
                "incidents-detected-before-occurred",
                "detected_at",
            ),
            (
                Box::new(|d| d.time_zone = "Mars/Olympus".into()),
                "incidents-time-zone-unknown",
                "time_zone",
            ),
            (
                Box::new(|d| d.incident_type = "telecom_loss".into()),
                "incidents-type-origin-mismatch",
                "incident_type",
            ),
            (
                Box::new(|d| d.care_impact = "a bit".into()),
                "incidents-value-unknown",
                "care_impact",
            ),
            (
                Box::new(|d| d.tlp = "purple".into()),
                "incidents-value-unknown",
                "tlp",
            ),
            (
                Box::new(|d| d.declarant_email = "nobody".into()),
                "incidents-email-invalid",
                "declarant_email",
            ),
            (
                Box::new(|d| d.title = "x".repeat(201)),
                "incidents-field-too-long",
                "title",
            ),
            (
                Box::new(|d| d.source_finding_id = Some(424242)),
                "incidents-source-unknown",
                "source_finding_id",
            ),
        ];
        for (change, key, field) in cases {
            let mut d = declaration("Incident");
            change(&mut d);
            let e = s
                .create_incident(&w.admin, w.fleyriat, &d)
                .await
                .unwrap_err();
            assert_eq!(problem_key(&e), (key, field.to_string()), "{}", db.name);
        }
        assert_eq!(count_incidents(s).await, 0, "nothing stored");
        // A wall-clock time in the repeated autumn hour is read (the earlier one), in Paris.
        let mut d = declaration("Heure d'hiver");
        d.detected_at = "2025-10-26T02:30".into();
        let id = s.create_incident(&w.admin, w.fleyriat, &d).await.unwrap();
        let case = s.get_incident_case(&w.admin, id).await.unwrap();
        assert_eq!(
            case.incident.detected_at, 1_761_438_600,
            "02:30 CEST = 00:30 UTC"
        );
        // Out of scope, or without the permission: refused before anything is checked.
        assert!(matches!(
            s.create_incident(&w.admin, w.aphp, &declaration("x")).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.create_incident(&w.auditor, w.fleyriat, &declaration("x"))
                .await,
            Err(StoreError::Forbidden(_))
        ));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_incident_is_seen_by_its_structure_ght_region_and_the_cert_only() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let id = s
            .create_incident(&w.admin, w.fleyriat, &declaration("Hameçonnage"))
            .await
            .unwrap();
        s.submit_incident(&w.admin, id).await.unwrap();
        for yes in [&w.admin, &w.cert, &w.region84, &w.ght_ain, &w.auditor] {
            assert!(
                s.get_incident_case(yes, id).await.is_ok(),
                "{} should see it ({})",
                yes.label,
                db.name
            );
            assert_eq!(
                s.incident_queue(yes, &QueueQuery::default())
                    .await
                    .unwrap()
                    .total,
                1,
                "{}",
                yes.label
            );
        }
        for no in [&w.region11, &w.ght_paris, &w.member_other] {
            assert!(
                matches!(s.get_incident_case(no, id).await, Err(StoreError::NotFound)),
                "{} must not see it",
                no.label
            );
            assert_eq!(
                s.incident_queue(no, &QueueQuery::default())
                    .await
                    .unwrap()
                    .total,
                0,
                "{}",
                no.label
            );
            assert!(matches!(
                s.add_incident_note(no, id, "hello", false).await,
                Err(StoreError::NotFound | StoreError::Forbidden(_))
            ));
            assert!(matches!(
                s.incident_for_export(no, id).await,
                Err(StoreError::NotFound)
            ));
        }
        // Another region's analyst cannot act on it either, even knowing its number.
        assert!(matches!(
            s.triage_incident(
                &w.region11,
                id,
                &Triage {
                    incident_type: "phishing".into(),
                    severity: "low".into(),
                    major: false
                }
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.structure_incidents(&w.region11, w.fleyriat).await,
            Err(StoreError::NotFound)
        ));
        // The auditor reads and never writes; a structure member cannot handle.
        assert!(matches!(
            s.set_incident_status(&w.auditor, id, "closed").await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.triage_incident(&w.admin, id, &Triage::default()).await,
            Err(StoreError::Forbidden(_))
        ));
        let mine = s.structure_incidents(&w.admin, w.fleyriat).await.unwrap();
        assert_eq!((mine.rows.len(), mine.open), (1, 1));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn tlp_red_content_is_for_the_people_named_on_the_case_only() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let mut d = declaration("Fuite de données patients");
        d.tlp = "red".into();
        let id = s.create_incident(&w.admin, w.fleyriat, &d).await.unwrap();
        s.submit_incident(&w.admin, id).await.unwrap();
        // The CERT knows the declaration exists (the law sends it there) but not its content.
        for not_named in [&w.cert, &w.region84, &w.ght_ain, &w.auditor] {
            assert!(
                matches!(
                    s.get_incident_case(not_named, id).await,
                    Err(StoreError::NotFound)
                ),
                "{}",
                not_named.label
            );
            assert!(matches!(
                s.incident_for_export(not_named, id).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.add_incident_note(not_named, id, "x", false).await,
                Err(StoreError::NotFound | StoreError::Forbidden(_))
            ));
        }
        let q = s
            .incident_queue(&w.cert, &QueueQuery::default())
            .await
            .unwrap();
        assert_eq!(q.total, 1);
        assert_eq!(
            (q.rows[0].restricted, q.rows[0].title.as_str()),
            (1, ""),
            "no title for the unnamed"
        );
        assert_eq!(
            s.incident_queue(&w.auditor, &QueueQuery::default())
                .await
                .unwrap()
                .total,
            0
        );
        assert_eq!(
            s.incident_queue(&w.ght_ain, &QueueQuery::default())
                .await
                .unwrap()
                .total,
            0
        );
        // The structure names the CERT's analyst on the case: from now on they see it.
        s.name_on_incident(&w.admin, id, "Analyst@CERT.example")
            .await
            .unwrap();
        let case = s.get_incident_case(&w.cert, id).await.unwrap();
        assert!(case.named);
        assert_eq!(case.incident.title, "Fuite de données patients");
        let q = s
            .incident_queue(&w.cert, &QueueQuery::default())
            .await
            .unwrap();
        assert_eq!(q.rows[0].restricted, 0);
        // A person not named cannot name anyone; someone out of scope cannot be named.
        assert!(matches!(
            s.name_on_incident(&w.region84, id, "rssi@ght-ain.example")
                .await,
            Err(StoreError::NotFound)
        ));
        let e = s
            .name_on_incident(&w.admin, id, "analyst@idf.example")
            .await
            .unwrap_err();
        assert_eq!(problem_key(&e).0, "incidents-person-invalid");

        // On an AMBER incident, a RED observable is hidden from those not named.
        let amber = s
            .create_incident(&w.admin, w.fleyriat, &declaration("Compte VPN"))
            .await
            .unwrap();
        s.submit_incident(&w.admin, amber).await.unwrap();
        s.add_incident_observable(&w.admin, amber, "ip", "192.0.2.7", "red", true, "C2")
            .await
            .unwrap();
        s.add_incident_observable(&w.admin, amber, "domain", "Evil.Example", "green", true, "")
            .await
            .unwrap();
        let e = s
            .add_incident_observable(&w.admin, amber, "ip", "999.1.1.1", "amber", true, "")
            .await
            .unwrap_err();
        assert_eq!(problem_key(&e).0, "incidents-observable-invalid");
        let e = s
            .add_incident_observable(&w.admin, amber, "domain", "evil.example", "amber", true, "")
            .await
            .unwrap_err();
        assert_eq!(problem_key(&e).0, "incidents-observable-duplicate");
        let seen = s.get_incident_case(&w.region84, amber).await.unwrap();
        assert_eq!(
            seen.observables
                .iter()
                .map(|o| o.value.as_str())
                .collect::<Vec<_>>(),
            ["evil.example"]
        );
        assert_eq!(seen.hidden_observables, 1);
        let export = s.incident_for_export(&w.region84, amber).await.unwrap();
        assert_eq!(export.observables.len(), 1);
        assert_eq!(
            s.incident_for_export(&w.admin, amber)
                .await
                .unwrap()
                .observables
                .len(),
            2
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_case_is_offered_to_the_analysts_whose_scope_covers_it_and_queued_as_theirs() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let id = s
            .create_incident(&w.admin, w.fleyriat, &declaration("Messagerie compromise"))
            .await
            .unwrap();
        s.submit_incident(&w.admin, id).await.unwrap();
        let offered: Vec<i64> = s
            .incident_assignees(&w.region84, id)
            .await
            .unwrap()
            .iter()
            .map(|p| p.user_id)
            .collect();
        for (who, expected) in [
            (&w.cert, false),
            (&w.region84, true),
            (&w.region11, false),
            (&w.admin, false),
            (&w.ght_ain, false),
            (&w.auditor, false),
        ] {
            assert_eq!(
                offered.contains(&who.user_id.unwrap()),
                expected,
                "{} offered: {offered:?}",
                who.label
            );
        }
        // The CERT is offered the national team and the region's analysts.
        let national: Vec<i64> = s
            .incident_assignees(&w.cert, id)
            .await
            .unwrap()
            .iter()
            .map(|p| p.user_id)
            .collect();
        assert!(national.contains(&w.cert.user_id.unwrap()));
        assert!(national.contains(&w.region84.user_id.unwrap()));
        assert!(!national.contains(&w.region11.user_id.unwrap()));
        // Every person offered is accepted by the assignment's own rule.
        for u in offered.iter().chain(&national) {
            s.assign_incident(&w.region84, id, Some(*u)).await.unwrap();
        }
        // Asked by someone who does not handle cases, or about a case out of one's scope.
        assert!(matches!(
            s.incident_assignees(&w.admin, id).await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.incident_assignees(&w.region11, id).await,
            Err(StoreError::NotFound)
        ));

        // Given to the region's analyst: in their "mine" queue with their name, not in the CERT's.
        s.assign_incident(&w.cert, id, w.region84.user_id)
            .await
            .unwrap();
        let mine = |a: &Actor| {
            let a = a.clone();
            async move {
                s.incident_queue(
                    &a,
                    &QueueQuery {
                        mine: Some(true),
                        ..Default::default()
                    },
                )
                .await
                .unwrap()
                .rows
            }
        };
        let rows = mine(&w.region84).await;
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);
        assert!(rows[0].assignee_name.is_some());
        assert!(mine(&w.cert).await.is_empty());
        // Taken back by the CERT: the region's "mine" queue is empty at once (same process).
        s.assign_incident(&w.cert, id, w.cert.user_id)
            .await
            .unwrap();
        assert!(mine(&w.region84).await.is_empty());
        assert_eq!(mine(&w.cert).await.len(), 1);
        s.assign_incident(&w.cert, id, None).await.unwrap();
        assert!(mine(&w.cert).await.is_empty());
        db.cleanup().await;
    }
}

/// A sector-wide alert (issue 14, item 3): from a case, the structures of the analyst's scope
/// that run the product (their inventories) are warned, the struck structure is not, the
/// payload names neither the case nor its structure, whom it reached is kept on the case, and a
/// mistake sends nothing.
#[tokio::test]
async fn a_sector_alert_warns_the_structures_that_run_the_product_and_names_no_victim() {
    use vigie_store::incidents::SectorAlertDraft;
    use vigie_store::watch::NewItem;
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let cayenne = id_of(s, "970300026").await;
        let cayenne_admin = account(
            s,
            "rssi@ch-cayenne.example",
            Role::StructureAdmin,
            None,
            None,
            vec![cayenne],
        )
        .await;
        let item = |version: &str, exposed: bool| NewItem {
            product: "fortios".into(),
            version: version.into(),
            location: String::new(),
            origin: "form".into(),
            exposed,
        };
        for (structure, version, exposed) in [
            (w.fleyriat, "7.0.12", true),
            (w.aphp, "7.0.12", true),
            (w.aphp, "7.2.4", false),
            (cayenne, "7.2.4", false),
        ] {
            let mut it = item(version, exposed);
            it.location = format!("fw-{version}");
            s.add_inventory_item(&system(), structure, &it)
                .await
                .unwrap();
        }
        let id = s
            .create_incident(
                &w.admin,
                w.fleyriat,
                &declaration("Intrusion par le VPN Fortinet"),
            )
            .await
            .unwrap();
        s.submit_incident(&w.admin, id).await.unwrap();
        let products = s.sector_alert_products(&w.cert, id).await.unwrap();
        assert_eq!(products.len(), 1, "{products:?}");
        let key = products[0].product.clone();
        assert!(products[0].exposed);

        // Whom it would reach: the others that run it, never the struck structure.
        let all = s
            .sector_alert_preview(&w.cert, id, &key, false)
            .await
            .unwrap();
        let mut reached: Vec<i64> = all.targets.iter().map(|t| t.structure_id).collect();
        reached.sort_unstable();
        let mut want = vec![w.aphp, cayenne];
        want.sort_unstable();
        assert_eq!(reached, want);
        let aphp = all
            .targets
            .iter()
            .find(|t| t.structure_id == w.aphp)
            .unwrap();
        assert_eq!(aphp.versions, vec!["7.0.12", "7.2.4"]);
        let exposed = s
            .sector_alert_preview(&w.cert, id, &key, true)
            .await
            .unwrap();
        assert_eq!(
            exposed
                .targets
                .iter()
                .map(|t| t.structure_id)
                .collect::<Vec<_>>(),
            vec![w.aphp]
        );
        // The region's analyst: its scope holds none of them; another region does not see the case.
        let draft = SectorAlertDraft {
            product: key.clone(),
            message: "Appliquez le correctif et changez les mots de passe VPN.".into(),
            ..Default::default()
        };
        assert_eq!(
            problem_key(
                &s.send_sector_alert(&w.region84, id, &draft)
                    .await
                    .unwrap_err()
            )
            .0,
            "incidents-sector-nobody"
        );
        assert!(matches!(
            s.sector_alert_preview(&w.region11, id, &key, false).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.send_sector_alert(&w.admin, id, &draft).await,
            Err(StoreError::Forbidden(_))
        ));
        // Mistakes say which field, and send nothing.
        for (bad, key_) in [
            (
                SectorAlertDraft {
                    tlp: "red".into(),
                    ..draft.clone()
                },
                "incidents-sector-tlp-invalid",
            ),
            (
                SectorAlertDraft {
                    message: "  ".into(),
                    ..draft.clone()
                },
                "incidents-sector-message-invalid",
            ),
            (
                SectorAlertDraft {
                    advisory: "CVE 2024; DROP".into(),
                    ..draft.clone()
                },
                "incidents-sector-advisory-invalid",
            ),
            (
                SectorAlertDraft {
                    advisory: "..".into(),
                    ..draft.clone()
                },
                "incidents-sector-advisory-invalid",
            ),
            (
                SectorAlertDraft {
                    product: String::new(),
                    ..draft.clone()
                },
                "incidents-sector-product-invalid",
            ),
        ] {
            assert_eq!(
                problem_key(&s.send_sector_alert(&w.cert, id, &bad).await.unwrap_err()).0,
                key_
            );
        }
        assert!(s
            .incident_sector_alerts(&w.cert, id)
            .await
            .unwrap()
            .is_empty());

        let (alert, n) = s
            .send_sector_alert(
                &w.cert,
                id,
                &SectorAlertDraft {
                    advisory: "CVE-2024-55591".into(),
                    ..draft.clone()
                },
            )
            .await
            .unwrap();
        assert_eq!(n, 2);
        let sent = s.incident_sector_alerts(&w.region84, id).await.unwrap();
        assert_eq!(sent.len(), 1);
        assert_eq!((sent[0].id, sent[0].structures), (alert, 2));
        assert_eq!(sent[0].tlp, "amber", "AMBER unless said otherwise");
        assert!(matches!(
            s.incident_sector_alerts(&w.admin, id).await,
            Err(StoreError::Forbidden(_))
        ));

        let outbox = s.list_notifications(&system(), None, 200).await.unwrap();
        let warned: Vec<_> = outbox
            .iter()
            .filter(|n| n.event == "incidents.sector.alert")
            .collect();
        assert!(
            warned
                .iter()
                .any(|n| n.recipient == "rssi@ch-cayenne.example"),
            "{warned:?}"
        );
        assert!(!warned
            .iter()
            .any(|n| n.recipient == "rssi@fleyriat.example"));
        for n in &warned {
            let p: serde_json::Value = serde_json::from_str(&n.payload).unwrap();
            assert_eq!(p["alert_id"], alert);
            assert_eq!(p["advisory"], "CVE-2024-55591");
            assert_ne!(p["structure_id"], w.fleyriat);
            for secret in ["FLEYRIAT", "Fleyriat", "Intrusion par le VPN", "INC-"] {
                assert!(!n.payload.contains(secret), "{secret} in {}", n.payload);
            }
            if p["structure_id"] == cayenne {
                assert_eq!(p["versions"], serde_json::json!(["7.2.4"]));
            }
        }
        let _ = cayenne_admin;
        let case = s.get_incident_case(&w.cert, id).await.unwrap();
        assert!(case.events.iter().any(|e| e.kind == "sector_alert"));
        let (audit, _) = s
            .audit_search(
                &system(),
                &AuditQuery {
                    action: Some("incident.sector-alert".into()),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.len(), 1);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn case_handling_triage_assignment_status_notes_and_notifications() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let id = s
            .create_incident(&w.admin, w.fleyriat, &declaration("Rançongiciel"))
            .await
            .unwrap();
        let e = s
            .triage_incident(
                &w.region84,
                id,
                &Triage {
                    incident_type: "ransomware".into(),
                    severity: "high".into(),
                    major: true,
                },
            )
            .await;
        assert!(
            matches!(e, Err(StoreError::NotFound)),
            "a draft is not the region's yet"
        );
        s.submit_incident(&w.admin, id).await.unwrap();

        s.triage_incident(
            &w.region84,
            id,
            &Triage {
                incident_type: "data_leak".into(),
                severity: "high".into(),
                major: true,
            },
        )
        .await
        .unwrap();
        let e = s
            .triage_incident(
                &w.region84,
                id,
                &Triage {
                    incident_type: "data_leak".into(),
                    severity: "huge".into(),
                    major: true,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            problem_key(&e),
            ("incidents-value-unknown", "severity".into())
        );
        s.assign_incident(&w.cert, id, w.region84.user_id)
            .await
            .unwrap();
        let e = s
            .assign_incident(&w.cert, id, w.admin.user_id)
            .await
            .unwrap_err();
        assert_eq!(
            problem_key(&e).0,
            "incidents-assignee-invalid",
            "a structure admin does not handle cases"
        );
        let e = s
            .assign_incident(&w.cert, id, w.region11.user_id)
            .await
            .unwrap_err();
        assert_eq!(
            problem_key(&e).0,
            "incidents-assignee-invalid",
            "another region's analyst does not see it"
        );
        let e = s
            .set_incident_status(&w.region84, id, "draft")
            .await
            .unwrap_err();
        assert_eq!(problem_key(&e).0, "incidents-status-move-invalid");
        s.set_incident_status(&w.region84, id, "contained")
            .await
            .unwrap();

        s.add_incident_note(&w.admin, id, "Les sauvegardes sont intactes.", false)
            .await
            .unwrap();
        s.add_incident_note(&w.region84, id, "Piste : prestataire.", true)
            .await
            .unwrap();
        assert!(matches!(
            s.add_incident_note(&w.admin, id, "interne ?", true).await,
            Err(StoreError::Forbidden(_))
        ));
        let e = s
            .add_incident_note(&w.admin, id, "   ", false)
            .await
            .unwrap_err();
        assert_eq!(problem_key(&e).0, "incidents-note-invalid");

        s.record_incident_notification(&w.admin, id, "gdpr-cnil", "")
            .await
            .unwrap();
        let e = s
            .record_incident_notification(&w.admin, id, "nis2-notification", "")
            .await
            .unwrap_err();
        assert_eq!(
            problem_key(&e).0,
            "incidents-notification-not-owed",
            "not an essential entity"
        );

        let analyst = s.get_incident_case(&w.region84, id).await.unwrap();
        let inc = &analyst.incident;
        assert_eq!(
            (
                inc.status.as_str(),
                inc.state.as_str(),
                inc.severity.as_deref(),
                inc.major
            ),
            ("contained", "contained", Some("high"), 1)
        );
        assert_eq!(inc.incident_type, "data_leak");
        assert!(inc.triaged_at.is_some() && inc.contained_at.is_some());
        assert_eq!(inc.assignee_user_id, w.region84.user_id);
        assert!(analyst.named, "the assignee is named on the case");
        assert_eq!(analyst.notes.len(), 2);
        assert_eq!(inc.next_deadline, None, "every clock is met");
        let structure = s.get_incident_case(&w.admin, id).await.unwrap();
        assert_eq!(
            structure.notes.len(),
            1,
            "internal notes stay with the analysts"
        );
        let kinds: Vec<_> = analyst.events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "created",
                "submitted",
                "triaged",
                "assigned",
                "status",
                "note",
                "note",
                "notification"
            ]
        );

        s.set_incident_status(&w.cert, id, "closed").await.unwrap();
        assert_eq!(
            s.incident_queue(&w.cert, &QueueQuery::default())
                .await
                .unwrap()
                .total,
            0,
            "closed cases leave the queue"
        );
        assert_eq!(
            s.incident_queue(
                &w.cert,
                &QueueQuery {
                    status: Some("closed".into()),
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .total,
            1
        );
        let (audit, _) = s
            .audit_search(
                &system(),
                &AuditQuery {
                    text: Some("incident.".into()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            audit.len(),
            9,
            "one audit entry per successful write: {:?}",
            audit.iter().map(|a| &a.action).collect::<Vec<_>>()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_queue_puts_overdue_first_filters_and_pages_by_fifty() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let mut fresh = Vec::new();
        for n in 0..53 {
            let mut d = declaration(&format!("Incident {n}"));
            d.personal_data = false;
            let id = s.create_incident(&w.admin, w.fleyriat, &d).await.unwrap();
            s.submit_incident(&w.admin, id).await.unwrap();
            fresh.push(id);
        }
        // Detected four and five days ago with personal data breached: the CNIL's 72 h passed.
        let mut late = Vec::new();
        for days in [4, 5] {
            let mut d = declaration(&format!("Détecté il y a {days} jours"));
            d.detected_at = ago(days * 86_400);
            let id = s.create_incident(&w.admin, w.fleyriat, &d).await.unwrap();
            s.submit_incident(&w.admin, id).await.unwrap();
            late.push(id);
        }
        let p1 = s
            .incident_queue(&w.cert, &QueueQuery::default())
            .await
            .unwrap();
        assert_eq!((p1.total, p1.pages, p1.rows.len()), (55, 2, 50));
        assert_eq!(p1.rows[0].id, late[1], "the most overdue first");
        assert_eq!(p1.rows[1].id, late[0]);
        assert_eq!((p1.rows[0].overdue, p1.rows[2].overdue), (1, 0));
        assert_eq!(p1.rows[2].id, *fresh.last().unwrap(), "then the newest");
        let p2 = s
            .incident_queue(
                &w.cert,
                &QueueQuery {
                    page: Some(2),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(p2.rows.len(), 5);
        assert_eq!(p2.rows.last().unwrap().id, fresh[0]);
        let overdue = s
            .incident_queue(
                &w.region84,
                &QueueQuery {
                    overdue: Some(true),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            overdue.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            [late[1], late[0]]
        );
        s.triage_incident(
            &w.cert,
            late[0],
            &Triage {
                incident_type: "ransomware".into(),
                severity: "critical".into(),
                major: false,
            },
        )
        .await
        .unwrap();
        let crit = s
            .incident_queue(
                &w.cert,
                &QueueQuery {
                    severity: Some("critical".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            crit.rows.iter().map(|r| r.id).collect::<Vec<_>>(),
            [late[0]]
        );
        let triaged = s
            .incident_queue(
                &w.cert,
                &QueueQuery {
                    status: Some("triaged".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(triaged.total, 1);
        assert_eq!(
            s.incident_queue(
                &w.cert,
                &QueueQuery {
                    region: Some("11".into()),
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .total,
            0
        );
        let e = s
            .incident_queue(
                &w.cert,
                &QueueQuery {
                    status: Some("lost".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            problem_key(&e),
            ("incidents-value-unknown", "status".into())
        );
        let mine = s.structure_incidents(&w.admin, w.fleyriat).await.unwrap();
        assert_eq!((mine.open, mine.overdue, mine.rows.len()), (55, 2, 20));
        db.cleanup().await;
    }
}

/// Reminders before the deadlines (issue 14, item 2): a clock whose reminder time has come is
/// told to its structure once (a second run, at once or later, queues nothing), a clock still far
/// from its deadline waits, a draft and a closed case remind nobody, a deadline already past is
/// not "reminded" after the fact, a TLP:RED case's reminder carries no title, and the reminders
/// stay inside the scope of whoever runs them.
#[tokio::test]
async fn reminders_go_once_before_each_deadline() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let now = chrono::Utc::now().timestamp();
        let submitted = |title: &'static str, detected_ago: i64, tlp: &'static str| {
            let (s, admin, fleyriat) = (s, w.admin.clone(), w.fleyriat);
            async move {
                let mut d = declaration(title);
                d.detected_at = ago(detected_ago);
                d.tlp = tlp.into();
                let id = s.create_incident(&admin, fleyriat, &d).await.unwrap();
                s.submit_incident(&admin, id).await.unwrap();
                id
            }
        };
        // The CNIL's 72 h: detected 60 h ago, due in 12 h (reminded 18 h ahead: now).
        let soon = submitted("Fuite de données", 60 * 3600, "amber").await;
        let red = submitted("Compte VPN compromis", 60 * 3600, "red").await;
        // Detected an hour ago: due in 71 h, reminded in 53 h.
        let later = submitted("Hameçonnage", 3600, "amber").await;
        // Detected four days ago: already overdue, never reminded.
        let late = submitted("Rançongiciel", 4 * 86_400, "amber").await;
        let mut d = declaration("Brouillon");
        d.detected_at = ago(60 * 3600);
        let draft = s.create_incident(&w.admin, w.fleyriat, &d).await.unwrap();

        // Another region's analyst runs nothing of this structure's.
        assert_eq!(
            s.queue_incident_reminders(&w.region11, now).await.unwrap(),
            0
        );
        // A structure's administrator does not run reminders at all.
        assert!(matches!(
            s.queue_incident_reminders(&w.admin, now).await,
            Err(StoreError::Forbidden(_))
        ));
        assert_eq!(s.queue_incident_reminders(&system(), now).await.unwrap(), 2);
        assert_eq!(
            s.queue_incident_reminders(&system(), now + 60)
                .await
                .unwrap(),
            0,
            "not twice"
        );
        let outbox = s.list_notifications(&system(), None, 100).await.unwrap();
        let reminders: Vec<_> = outbox
            .iter()
            .filter(|n| n.event == "incidents.deadline.reminder")
            .collect();
        let to_admin: Vec<_> = reminders
            .iter()
            .filter(|n| n.recipient == "rssi@fleyriat.example")
            .collect();
        assert_eq!(to_admin.len(), 2, "{reminders:?}");
        for n in &to_admin {
            let p: serde_json::Value = serde_json::from_str(&n.payload).unwrap();
            assert_eq!(p["rule_id"], "gdpr-cnil");
            let id = p["incident_id"].as_i64().unwrap();
            assert!(id == soon || id == red, "{p}");
            assert_eq!(n.link.as_deref(), Some(format!("/incidents/{id}").as_str()));
            if id == red {
                assert_eq!(p["title"], "", "a TLP:RED title stays on the case");
                assert_eq!(p["tlp"], "red");
            } else {
                assert_eq!(p["title"], "Fuite de données");
            }
        }
        for id in [later, late, draft] {
            assert!(
                !reminders
                    .iter()
                    .any(|n| n.payload.contains(&format!("\"incident_id\":{id},"))),
                "incident {id} was reminded"
            );
        }
        let case = s.get_incident_case(&w.admin, soon).await.unwrap();
        assert!(case.events.iter().any(|e| e.kind == "reminder"));

        // 53 h later the other one's time has come, and only its.
        assert_eq!(
            s.queue_incident_reminders(&system(), now + 54 * 3600)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            s.queue_incident_reminders(&system(), now + 55 * 3600)
                .await
                .unwrap(),
            0
        );
        db.cleanup().await;
    }
}

/// Attachments (issue 14, item 3): a file checked by its content is stored sealed (its bytes
/// appear nowhere in the database) and read back whole by those who see the case; another
/// tenant, someone not named on a TLP:RED case or on a RED attachment, and a reader who names
/// another case's attachment get `NotFound`; an empty, oversized, disguised or path-traversal
/// file is refused with its reason and nothing is stored; adding and downloading are audited.
#[tokio::test]
async fn attachments_are_checked_sealed_and_served_on_a_need_to_know_basis() {
    for db in testing::all().await {
        let w = world(&db).await;
        let s = &db.store;
        let id = s
            .create_incident(&w.admin, w.fleyriat, &declaration("Rançongiciel"))
            .await
            .unwrap();
        s.submit_incident(&w.admin, id).await.unwrap();
        let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\nMOT-TEMOIN-SECRET\n%%EOF\n";
        let a1 = s
            .add_incident_attachment(&w.admin, id, "note de rançon.pdf", "", pdf)
            .await
            .unwrap();
        // Stored sealed: the marker is nowhere in the table.
        let pool = crate::sqlx_pool(&db).await;
        let stored: Vec<(String,)> = sqlx::query_as("SELECT content FROM incident_attachments")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(stored.len(), 1);
        assert!(stored[0].0.starts_with("enc:v1:"));
        assert!(!stored[0].0.contains("MOT-TEMOIN"));
        for reader in [&w.admin, &w.cert, &w.region84, &w.ght_ain] {
            let f = s.get_incident_attachment(reader, id, a1).await.unwrap();
            assert_eq!(
                (f.name.as_str(), f.media_type.as_str(), f.content.as_slice()),
                ("note de rançon.pdf", "application/pdf", &pdf[..]),
                "{}",
                reader.label
            );
        }
        let case = s.get_incident_case(&w.cert, id).await.unwrap();
        assert_eq!(case.attachments.len(), 1);
        assert_eq!(case.attachments[0].tlp, "amber", "the incident's marking");
        assert_eq!(case.attachments[0].size, pdf.len() as i64);
        assert!(case.events.iter().any(|e| e.kind == "attachment"));
        // Other tenants: another structure's member, another region, another GHT.
        for outsider in [&w.member_other, &w.region11, &w.ght_paris] {
            assert!(
                matches!(
                    s.get_incident_attachment(outsider, id, a1).await,
                    Err(StoreError::NotFound)
                ),
                "{}",
                outsider.label
            );
            assert!(matches!(
                s.add_incident_attachment(outsider, id, "x.txt", "", b"x")
                    .await,
                Err(StoreError::NotFound | StoreError::Forbidden(_))
            ));
        }
        // An auditor reads but never writes.
        assert!(matches!(
            s.add_incident_attachment(&w.auditor, id, "x.txt", "", b"x")
                .await,
            Err(StoreError::Forbidden(_))
        ));
        // A RED attachment on an AMBER case: for the people named only.
        let red = s
            .add_incident_attachment(
                &w.admin,
                id,
                "journal.log",
                "red",
                b"10:02 vpn login admin\n",
            )
            .await
            .unwrap();
        assert!(matches!(
            s.get_incident_attachment(&w.cert, id, red).await,
            Err(StoreError::NotFound)
        ));
        let seen = s.get_incident_case(&w.cert, id).await.unwrap();
        assert_eq!((seen.attachments.len(), seen.hidden_attachments), (1, 1));
        assert_eq!(
            s.get_incident_attachment(&w.admin, id, red)
                .await
                .unwrap()
                .media_type,
            "text/plain; charset=utf-8"
        );
        // An attachment asked through another incident is not found.
        let other = s
            .create_incident(&w.admin, w.fleyriat, &declaration("Autre"))
            .await
            .unwrap();
        assert!(matches!(
            s.get_incident_attachment(&w.admin, other, a1).await,
            Err(StoreError::NotFound)
        ));
        // A TLP:RED case: its attachments are for the people named on it only.
        let mut d = declaration("Fuite");
        d.tlp = "red".into();
        let secret = s.create_incident(&w.admin, w.fleyriat, &d).await.unwrap();
        s.submit_incident(&w.admin, secret).await.unwrap();
        let a3 = s
            .add_incident_attachment(
                &w.admin,
                secret,
                "capture.png",
                "",
                b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            )
            .await
            .unwrap();
        for not_named in [&w.cert, &w.region84, &w.ght_ain] {
            assert!(matches!(
                s.get_incident_attachment(not_named, secret, a3).await,
                Err(StoreError::NotFound)
            ));
        }
        // Refused, nothing stored.
        let big = vec![b'a'; vigie_domain::upload::MAX_SIZE + 1];
        for (name, content, key) in [
            ("vide.txt", &b""[..], "files-empty"),
            ("gros.txt", &big[..], "files-too-large"),
            (
                "rapport.pdf",
                &b"MZ\x90\0\x03\0\0\0This program cannot be run"[..],
                "files-type",
            ),
            (
                "capture.pdf",
                &b"\x89PNG\r\n\x1a\n\0\0"[..],
                "files-extension",
            ),
            ("../../etc/passwd", &b"root:x:0:0"[..], "files-name"),
            ("..\\..\\boot.ini", &b"[boot]"[..], "files-name"),
        ] {
            let e = s
                .add_incident_attachment(&w.admin, id, name, "", content)
                .await
                .unwrap_err();
            assert_eq!(problem_key(&e), (key, "file".to_string()), "{name}");
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM incident_attachments")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(count, 3);
        pool.close().await;
        let (audit, _) = s
            .audit_search(
                &system(),
                &AuditQuery {
                    text: Some("incident.attachment".into()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let adds = audit
            .iter()
            .filter(|a| a.action == "incident.attachment.add")
            .count();
        let downloads = audit
            .iter()
            .filter(|a| a.action == "incident.attachment.download")
            .count();
        assert_eq!((adds, downloads), (3, 5));
        db.cleanup().await;
    }
}
