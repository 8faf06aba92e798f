//! Every rule and its edges: who owes what, deadlines across the clock changes of Europe/Paris,
//! a declaration made after a deadline, an entity both essential and data controller.

use chrono::{DateTime, Utc};
use vigie_incidents::clock::{
    clocks, parse_wall_time, resolve_wall_time, Clock, ClockFacts, ClockStatus, WallTimeError,
    REFERENCE_TZ,
};
use vigie_incidents::rules::Rules;
use vigie_incidents::taxonomy::{CareImpact, DataImpact, Nis2Entity};

/// A Paris wall-clock time (must exist).
fn paris(s: &str) -> DateTime<Utc> {
    parse_wall_time(s, REFERENCE_TZ).unwrap()
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&REFERENCE_TZ).to_rfc3339()
}

fn facts(detected: &str) -> ClockFacts {
    ClockFacts {
        detected_at: paris(detected),
        ..ClockFacts::default()
    }
}

fn ids(c: &[Clock]) -> Vec<&str> {
    c.iter().map(|c| c.rule_id.as_str()).collect()
}

fn get<'a>(c: &'a [Clock], id: &str) -> &'a Clock {
    c.iter()
        .find(|c| c.rule_id == id)
        .unwrap_or_else(|| panic!("{id} not owed: {:?}", ids(c)))
}

#[test]
fn which_notifications_are_owed() {
    let rules = Rules::builtin();
    struct Row {
        name: &'static str,
        nis2: Option<Nis2Entity>,
        significant: bool,
        care: CareImpact,
        personal_data: bool,
        controller: bool,
        data: &'static [DataImpact],
        owed: &'static [&'static str],
    }
    const NIS2: [&str; 3] = [
        "nis2-early-warning",
        "nis2-notification",
        "nis2-final-report",
    ];
    let rows = [
        Row {
            name: "no designation, no personal data",
            nis2: None,
            significant: true,
            care: CareImpact::Interruption,
            personal_data: false,
            controller: true,
            data: &[DataImpact::Availability],
            owed: &["csp-declaration"],
        },
        Row {
            name: "essential, significant",
            nis2: Some(Nis2Entity::Essential),
            significant: true,
            care: CareImpact::None,
            personal_data: false,
            controller: false,
            data: &[],
            owed: &["csp-declaration", NIS2[0], NIS2[1], NIS2[2]],
        },
        Row {
            name: "important, significant",
            nis2: Some(Nis2Entity::Important),
            significant: true,
            care: CareImpact::None,
            personal_data: false,
            controller: false,
            data: &[],
            owed: &["csp-declaration", NIS2[0], NIS2[1], NIS2[2]],
        },
        Row {
            name: "essential, not significant, care degraded only",
            nis2: Some(Nis2Entity::Essential),
            significant: false,
            care: CareImpact::DegradedMode,
            personal_data: false,
            controller: false,
            data: &[],
            owed: &["csp-declaration"],
        },
        Row {
            name: "essential, care interrupted (significant by its impact)",
            nis2: Some(Nis2Entity::Essential),
            significant: false,
            care: CareImpact::Interruption,
            personal_data: false,
            controller: false,
            data: &[],
            owed: &["csp-declaration", NIS2[0], NIS2[1], NIS2[2]],
        },
        Row {
            name: "essential, patients endangered",
            nis2: Some(Nis2Entity::Essential),
            significant: false,
            care: CareImpact::PotentialEndangerment,
            personal_data: false,
            controller: false,
            data: &[],
            owed: &["csp-declaration", NIS2[0], NIS2[1], NIS2[2]],
        },
        Row {
            name: "personal data breached, controller",
            nis2: None,
            significant: false,
            care: CareImpact::None,
            personal_data: true,
            controller: true,
            data: &[DataImpact::Confidentiality],
            owed: &["csp-declaration", "gdpr-cnil"],
        },
        Row {
            name: "personal data unavailable (ransomware), controller",
            nis2: None,
            significant: false,
            care: CareImpact::None,
            personal_data: true,
            controller: true,
            data: &[DataImpact::Availability],
            owed: &["csp-declaration", "gdpr-cnil"],
        },
        Row {
            name: "personal data breached, processor only",
            nis2: None,
            significant: false,
            care: CareImpact::None,
            personal_data: true,
            controller: false,
            data: &[DataImpact::Confidentiality],
            owed: &["csp-declaration"],
        },
        Row {
            name: "personal data concerned but untouched",
            nis2: None,
            significant: false,
            care: CareImpact::None,
            personal_data: true,
            controller: true,
            data: &[],
            owed: &["csp-declaration"],
        },
        Row {
            name: "essential and controller, significant breach",
            nis2: Some(Nis2Entity::Essential),
            significant: true,
            care: CareImpact::None,
            personal_data: true,
            controller: true,
            data: &[DataImpact::Confidentiality, DataImpact::Integrity],
            owed: &["csp-declaration", NIS2[0], NIS2[1], NIS2[2], "gdpr-cnil"],
        },
    ];
    for r in rows {
        let f = ClockFacts {
            nis2: r.nis2,
            significant: r.significant,
            care_impact: r.care,
            personal_data: r.personal_data,
            data_controller: r.controller,
            data_impacts: r.data.to_vec(),
            ..facts("2026-06-01T08:00")
        };
        let c = clocks(rules, &f);
        assert_eq!(ids(&c), r.owed, "{}", r.name);
        for clock in &c {
            assert!(!clock.legal_reference.is_empty(), "{}", clock.rule_id);
        }
    }
}

#[test]
fn deadlines_across_the_clock_changes() {
    let rules = Rules::builtin();
    let all = |detected: &str| ClockFacts {
        nis2: Some(Nis2Entity::Essential),
        significant: true,
        personal_data: true,
        data_controller: true,
        data_impacts: vec![DataImpact::Confidentiality],
        ..facts(detected)
    };
    // (case, detected (Paris), notification made at (Paris), rule, deadline in Paris, provisional)
    type Row = (
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        &'static str,
        bool,
    );
    let rows: [Row; 10] = [
        (
            "72 h across the spring change: one wall-clock hour later",
            "2026-03-27T10:00",
            None,
            "gdpr-cnil",
            "2026-03-30T11:00:00+02:00",
            false,
        ),
        (
            "72 h across the autumn change: one wall-clock hour earlier",
            "2026-10-23T10:00",
            None,
            "gdpr-cnil",
            "2026-10-26T09:00:00+01:00",
            false,
        ),
        (
            "24 h ending in the skipped hour: elapsed time",
            "2026-03-28T02:30",
            None,
            "nis2-early-warning",
            "2026-03-29T03:30:00+02:00",
            false,
        ),
        (
            "24 h ending in the repeated hour: elapsed time, the first 02:30",
            "2026-10-24T02:30",
            None,
            "nis2-early-warning",
            "2026-10-25T02:30:00+02:00",
            false,
        ),
        (
            "72 h in summer",
            "2026-06-01T08:00",
            None,
            "nis2-notification",
            "2026-06-04T08:00:00+02:00",
            false,
        ),
        (
            "a month across the spring change keeps the wall-clock time",
            "2026-03-10T09:00",
            Some("2026-03-15T10:00"),
            "nis2-final-report",
            "2026-04-15T10:00:00+02:00",
            false,
        ),
        (
            "a month ending on a repeated time: the earlier one",
            "2026-09-24T08:00",
            Some("2026-09-25T02:30"),
            "nis2-final-report",
            "2026-10-25T02:30:00+02:00",
            false,
        ),
        (
            "a month ending on a skipped time: read with the winter offset",
            "2027-02-26T08:00",
            Some("2027-02-28T02:30"),
            "nis2-final-report",
            "2027-03-28T03:30:00+02:00",
            false,
        ),
        (
            "a month from the 31st ends on the last day of February",
            "2026-01-29T08:00",
            Some("2026-01-31T10:00"),
            "nis2-final-report",
            "2026-02-28T10:00:00+01:00",
            false,
        ),
        (
            "final report before the notification is made: from its deadline, provisional",
            "2026-05-04T09:00",
            None,
            "nis2-final-report",
            "2026-06-07T09:00:00+02:00",
            true,
        ),
    ];
    for (case, detected, made, rule, want, provisional) in rows {
        let mut f = all(detected);
        if let Some(m) = made {
            f.made.insert("nis2-notification".into(), paris(m));
        }
        let c = clocks(rules, &f);
        let clock = get(&c, rule);
        assert_eq!(local(clock.deadline), want, "{case}");
        assert_eq!(clock.provisional, provisional, "{case}");
    }
}

#[test]
fn due_overdue_and_done_at_an_instant() {
    let rules = Rules::builtin();
    let f = ClockFacts {
        personal_data: true,
        data_controller: true,
        data_impacts: vec![DataImpact::Confidentiality],
        ..facts("2026-06-01T08:00")
    };
    let c = clocks(rules, &f);
    let gdpr = get(&c, "gdpr-cnil");
    let deadline = paris("2026-06-04T08:00");
    assert_eq!(gdpr.deadline, deadline);
    assert_eq!(
        gdpr.status(deadline - chrono::Duration::hours(1)),
        ClockStatus::Due
    );
    assert_eq!(
        gdpr.status(deadline),
        ClockStatus::Due,
        "due up to the deadline itself"
    );
    assert_eq!(
        gdpr.status(deadline + chrono::Duration::seconds(1)),
        ClockStatus::Overdue
    );
    assert_eq!(
        gdpr.remaining(deadline - chrono::Duration::hours(5)),
        Some(chrono::Duration::hours(5))
    );
    assert!(
        gdpr.remaining(deadline + chrono::Duration::hours(2))
            .unwrap()
            < chrono::Duration::zero()
    );

    // A draft: the declaration itself is due at once, never "overdue" (no fixed term).
    let csp = get(&c, "csp-declaration");
    assert!(csp.without_delay && csp.done_at.is_none());
    assert_eq!(
        csp.status(deadline + chrono::Duration::days(30)),
        ClockStatus::Due
    );
    assert_eq!(csp.remaining(deadline), None);

    // Made in time.
    let mut f2 = f.clone();
    f2.made
        .insert("gdpr-cnil".into(), paris("2026-06-03T17:00"));
    let c2 = clocks(rules, &f2);
    assert_eq!(
        get(&c2, "gdpr-cnil").status(deadline + chrono::Duration::days(9)),
        ClockStatus::Done { late: false }
    );
}

#[test]
fn a_declaration_made_after_a_deadline() {
    let rules = Rules::builtin();
    // Detected on Monday morning, declared on Friday with the CNIL notified the same day.
    let declared = paris("2026-06-05T10:00");
    let mut f = ClockFacts {
        nis2: Some(Nis2Entity::Important),
        significant: true,
        personal_data: true,
        data_controller: true,
        data_impacts: vec![DataImpact::Confidentiality],
        declared_at: Some(declared),
        ..facts("2026-06-01T08:00")
    };
    let before = clocks(rules, &f);
    // At the declaration, the 24 h and 72 h clocks are already overdue.
    for id in ["nis2-early-warning", "nis2-notification", "gdpr-cnil"] {
        assert_eq!(
            get(&before, id).status(declared),
            ClockStatus::Overdue,
            "{id}"
        );
    }
    // The declaration itself was made by submitting it: done, and never late (no fixed term).
    let csp = get(&before, "csp-declaration");
    assert_eq!(csp.done_at, Some(declared));
    assert_eq!(csp.status(declared), ClockStatus::Done { late: false });

    f.made.insert("gdpr-cnil".into(), declared);
    f.made.insert("nis2-notification".into(), declared);
    let after = clocks(rules, &f);
    assert_eq!(
        get(&after, "gdpr-cnil").status(declared),
        ClockStatus::Done { late: true }
    );
    assert_eq!(get(&after, "gdpr-cnil").status(declared).as_str(), "late");
    // The final report counts from when the notification was actually made.
    let fin = get(&after, "nis2-final-report");
    assert!(!fin.provisional);
    assert_eq!(local(fin.deadline), "2026-07-05T10:00:00+02:00");
}

#[test]
fn an_entity_both_essential_and_data_controller_owes_both_clocks_independently() {
    let rules = Rules::builtin();
    let mut f = ClockFacts {
        nis2: Some(Nis2Entity::Essential),
        significant: true,
        personal_data: true,
        data_controller: true,
        data_impacts: vec![DataImpact::Confidentiality],
        declared_at: Some(paris("2026-06-01T09:00")),
        ..facts("2026-06-01T08:00")
    };
    f.made
        .insert("nis2-notification".into(), paris("2026-06-02T08:00"));
    let c = clocks(rules, &f);
    assert_eq!(c.len(), 5);
    let now = paris("2026-06-04T09:00");
    // Notifying ANSSI does not notify the CNIL: each authority has its own clock.
    assert_eq!(
        get(&c, "nis2-notification").status(now),
        ClockStatus::Done { late: false }
    );
    assert_eq!(get(&c, "gdpr-cnil").status(now), ClockStatus::Overdue);
    assert_eq!(
        get(&c, "nis2-early-warning").status(now),
        ClockStatus::Overdue
    );
    assert_eq!(
        get(&c, "gdpr-cnil").deadline,
        get(&c, "nis2-notification").deadline
    );
}

#[test]
fn wall_times_typed_in_a_form() {
    // Skipped by the spring change: refused, the person typed a time that never was.
    assert!(matches!(
        parse_wall_time("2026-03-29T02:30", REFERENCE_TZ),
        Err(WallTimeError::Nonexistent(_))
    ));
    // Repeated by the autumn change: the earlier (summer time).
    assert_eq!(
        parse_wall_time("2026-10-25T02:30", REFERENCE_TZ).unwrap(),
        "2026-10-25T00:30:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    let w = resolve_wall_time(
        chrono::NaiveDateTime::parse_from_str("2026-10-25T02:30", "%Y-%m-%dT%H:%M").unwrap(),
        REFERENCE_TZ,
    );
    assert!(w.ambiguous && !w.nonexistent);
    // Another time zone (overseas structures): French Guiana is UTC-3 all year.
    let cayenne = vigie_incidents::clock::parse_tz("America/Cayenne").unwrap();
    assert_eq!(
        parse_wall_time("2026-07-01 12:00", cayenne).unwrap(),
        "2026-07-01T15:00:00Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert_eq!(
        parse_wall_time("2026-07-01T12:00:30", REFERENCE_TZ).unwrap(),
        "2026-07-01T10:00:30Z".parse::<DateTime<Utc>>().unwrap()
    );
    assert!(matches!(
        parse_wall_time("1er juin", REFERENCE_TZ),
        Err(WallTimeError::Unreadable(_))
    ));
    assert!(vigie_incidents::clock::parse_tz("Mars/Olympus").is_none());
}

/// Reminders come a quarter of the clock's span before its deadline, between one hour and one
/// day ahead: the 24 h early warning 6 h ahead, the 72 h notifications 18 h ahead, the one-month
/// final report a day ahead, a very short clock at its start.
#[test]
fn reminders_come_before_each_deadline() {
    use vigie_incidents::clock::reminder_at;
    let start = paris("2026-03-10T09:00");
    let cases = [
        (paris("2026-03-11T09:00"), "2026-03-11T03:00"),
        (paris("2026-03-13T09:00"), "2026-03-12T15:00"),
        (paris("2026-04-10T09:00"), "2026-04-09T09:00"),
        (paris("2026-03-10T12:00"), "2026-03-10T11:00"),
        (paris("2026-03-10T09:30"), "2026-03-10T09:00"),
    ];
    for (deadline, expected) in cases {
        let at = reminder_at(start, deadline).with_timezone(&REFERENCE_TZ);
        assert_eq!(
            at.format("%Y-%m-%dT%H:%M").to_string(),
            expected,
            "deadline {}",
            local(deadline)
        );
    }
}
