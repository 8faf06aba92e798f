//! The regulatory clocks: from the declared facts and the structure's designations, which
//! notifications an incident owes, their deadlines, and where each stands at a given instant.
//!
//! Instants are UTC; the calendar (months, the wall-clock time a deadline is shown at) is that of
//! [`REFERENCE_TZ`], Europe/Paris. An hours delay is elapsed time: 72 h that cross a clock change
//! end at a wall-clock time one hour later (spring) or earlier (autumn) than they started. A
//! months delay keeps the wall-clock time: when that time does not exist on the target day (the
//! spring change), the offset in force just before the change is used (02:30 read as UTC+1, that
//! is 03:30 summer time); when it exists twice (the autumn change), the earlier of the two is the
//! deadline, so that a clock is never later than the law's.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, LocalResult, Months, NaiveDateTime, Offset, TimeZone, Utc};
pub use chrono_tz::Tz;
use serde::Serialize;

use crate::rules::{Authority, Delay, Rule, Rules, Start, StartFrom};
use crate::taxonomy::{CareImpact, DataImpact, Nis2Entity};

/// The time zone of the calendar the rules count in.
pub const REFERENCE_TZ: Tz = chrono_tz::Europe::Paris;

/// What the clocks are computed from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClockFacts {
    /// When the incident occurred, if known.
    pub occurred_at: Option<DateTime<Utc>>,
    /// When the structure detected it (became aware of it).
    pub detected_at: DateTime<Utc>,
    /// When the declaration was submitted (none while it is a draft).
    pub declared_at: Option<DateTime<Utc>>,
    /// Declared significant (may spread to other structures, regional or national repercussions).
    pub significant: bool,
    pub care_impact: CareImpact,
    /// Which properties of the data were hurt.
    pub data_impacts: Vec<DataImpact>,
    /// Personal data (patients', staff's) is concerned.
    pub personal_data: bool,
    /// The structure's NIS 2 class, if it has one.
    pub nis2: Option<Nis2Entity>,
    /// The structure is the controller of the personal data concerned.
    pub data_controller: bool,
    /// Notifications already made: rule id → when.
    pub made: BTreeMap<String, DateTime<Utc>>,
}

impl ClockFacts {
    /// Significant as the rules read it: declared so, or care interrupted or patients endangered.
    pub fn is_significant(&self) -> bool {
        self.significant || self.care_impact >= CareImpact::Interruption
    }

    /// A personal data breach the structure must notify: personal data concerned, one of its
    /// properties hurt, and the structure its controller.
    pub fn is_personal_data_breach(&self) -> bool {
        self.personal_data && self.data_controller && !self.data_impacts.is_empty()
    }

    fn applies(&self, rule: &Rule) -> bool {
        let w = &rule.when;
        if let Some(classes) = &w.nis2_entity {
            match self.nis2 {
                Some(c) if classes.contains(&c) => {}
                _ => return false,
            }
        }
        if w.significant.is_some_and(|s| s != self.is_significant()) {
            return false;
        }
        if w.personal_data_breach
            .is_some_and(|p| p != self.is_personal_data_breach())
        {
            return false;
        }
        true
    }
}

/// One notification owed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub rule_id: String,
    pub authority: Authority,
    pub label_fr: String,
    pub label_en: String,
    pub legal_reference: String,
    /// When the clock started.
    pub starts_at: DateTime<Utc>,
    /// When the notification is due ("sans délai": the start itself).
    pub deadline: DateTime<Utc>,
    /// Due at once, with no fixed term after which it is late.
    pub without_delay: bool,
    /// The start is not final yet (a draft not submitted, or a predecessor not made: its
    /// deadline stands in for it).
    pub provisional: bool,
    /// When the notification was made.
    pub done_at: Option<DateTime<Utc>>,
}

/// Where a clock stands at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    /// Made, in time or not.
    Done { late: bool },
    /// Not made, deadline not passed (or due at once, without a fixed term).
    Due,
    /// Not made, deadline passed.
    Overdue,
}

impl ClockStatus {
    /// Stable name (`done`, `late`, `due`, `overdue`), for storage and styles.
    pub fn as_str(self) -> &'static str {
        match self {
            ClockStatus::Done { late: false } => "done",
            ClockStatus::Done { late: true } => "late",
            ClockStatus::Due => "due",
            ClockStatus::Overdue => "overdue",
        }
    }
}

impl Clock {
    /// Where this clock stands at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> ClockStatus {
        match self.done_at {
            Some(done) => ClockStatus::Done {
                late: !self.without_delay && done > self.deadline,
            },
            None if !self.without_delay && now > self.deadline => ClockStatus::Overdue,
            None => ClockStatus::Due,
        }
    }

    /// Time left at `now` (negative when overdue); none once made or without a fixed term.
    pub fn remaining(&self, now: DateTime<Utc>) -> Option<Duration> {
        if self.done_at.is_some() || self.without_delay {
            None
        } else {
            Some(self.deadline - now)
        }
    }

    /// The deadline as wall-clock time in the reference time zone.
    pub fn deadline_local(&self) -> DateTime<Tz> {
        self.deadline.with_timezone(&REFERENCE_TZ)
    }

    /// The label in `lang`.
    pub fn label(&self, lang: &str) -> &str {
        if lang == "en" {
            &self.label_en
        } else {
            &self.label_fr
        }
    }
}

/// The notifications `facts` owe under `rules`, in the rules' order.
pub fn clocks(rules: &Rules, facts: &ClockFacts) -> Vec<Clock> {
    let mut out: Vec<Clock> = Vec::new();
    for rule in rules.all() {
        if !facts.applies(rule) {
            continue;
        }
        let (starts_at, mut provisional) = match &rule.start {
            StartFrom::Fact(Start::Detection) => (facts.detected_at, false),
            StartFrom::Fact(Start::Occurrence) => {
                (facts.occurred_at.unwrap_or(facts.detected_at), false)
            }
            StartFrom::Fact(Start::Declaration) => match facts.declared_at {
                Some(d) => (d, false),
                None => (facts.detected_at, true),
            },
            StartFrom::After(id) => match out.iter().find(|c| &c.rule_id == id) {
                Some(prev) => match prev.done_at {
                    Some(done) => (done, prev.provisional),
                    None => (prev.deadline, true),
                },
                // The predecessor does not apply: neither does this one.
                None => continue,
            },
        };
        let deadline = deadline_after(starts_at, rule.delay);
        let mut done_at = facts.made.get(&rule.id).copied();
        if rule.fulfilled_by_declaration {
            done_at = match (done_at, facts.declared_at) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        if done_at.is_some() && !matches!(rule.start, StartFrom::After(_)) {
            provisional = false;
        }
        out.push(Clock {
            rule_id: rule.id.clone(),
            authority: rule.authority,
            label_fr: rule.label_fr.clone(),
            label_en: rule.label_en.clone(),
            legal_reference: rule.legal_reference.clone(),
            starts_at,
            deadline,
            without_delay: rule.delay == Delay::WithoutDelay,
            provisional,
            done_at,
        });
    }
    out
}

/// The shortest and longest notice a reminder gives before a deadline.
pub const REMINDER_MIN: Duration = Duration::hours(1);
pub const REMINDER_MAX: Duration = Duration::hours(24);

/// When the reminder of a clock running from `starts_at` to `deadline` is due: a quarter of the
/// clock's span before its deadline, at least [`REMINDER_MIN`] and at most [`REMINDER_MAX`]
/// before it (a 24 h early warning is recalled 6 h ahead, a 72 h notification 18 h ahead, a
/// one-month final report a day ahead), never before the clock started.
pub fn reminder_at(starts_at: DateTime<Utc>, deadline: DateTime<Utc>) -> DateTime<Utc> {
    let span = deadline - starts_at;
    let notice = (span / 4).clamp(REMINDER_MIN, REMINDER_MAX);
    (deadline - notice).max(starts_at)
}

/// The deadline `delay` after `start`.
pub fn deadline_after(start: DateTime<Utc>, delay: Delay) -> DateTime<Utc> {
    match delay {
        Delay::WithoutDelay => start,
        Delay::Hours(h) => start + Duration::hours(i64::from(h)),
        Delay::Months(m) => {
            let local = start.with_timezone(&REFERENCE_TZ).naive_local();
            // Past the end of the calendar (year 262143): keep the start rather than panic.
            match local.checked_add_months(Months::new(m)) {
                Some(target) => resolve_wall_time(target, REFERENCE_TZ).instant,
                None => start,
            }
        }
    }
}

/// A wall-clock time read in a time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WallTime {
    /// The instant chosen.
    pub instant: DateTime<Utc>,
    /// The time exists twice (autumn change): the earlier was chosen.
    pub ambiguous: bool,
    /// The time does not exist (spring change): read with the offset in force just before.
    pub nonexistent: bool,
}

/// Reads a wall-clock time in `tz` (see the module's rules for clock changes).
pub fn resolve_wall_time(naive: NaiveDateTime, tz: Tz) -> WallTime {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => WallTime {
            instant: t.with_timezone(&Utc),
            ambiguous: false,
            nonexistent: false,
        },
        LocalResult::Ambiguous(a, b) => WallTime {
            instant: a.min(b).with_timezone(&Utc),
            ambiguous: true,
            nonexistent: false,
        },
        LocalResult::None => {
            // The offset in force a few hours before the gap (gaps last at most a few hours).
            let before = naive - Duration::hours(6);
            let offset = match tz.from_local_datetime(&before) {
                LocalResult::Single(t) => t.offset().fix(),
                LocalResult::Ambiguous(a, _) => a.offset().fix(),
                LocalResult::None => Utc.fix(),
            };
            let instant = DateTime::<Utc>::from_naive_utc_and_offset(
                naive - Duration::seconds(i64::from(offset.local_minus_utc())),
                Utc,
            );
            WallTime {
                instant,
                ambiguous: false,
                nonexistent: true,
            }
        }
    }
}

/// A date and time typed in a form (`2026-03-29T02:30`, seconds optional), read in `tz`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WallTimeError {
    #[error("not a date and time (expected YYYY-MM-DDTHH:MM): {0:?}")]
    Unreadable(String),
    #[error("{0} does not exist in this time zone (the clocks went forward)")]
    Nonexistent(String),
}

/// Reads a form's date and time in `tz`. A time skipped by the spring change is refused (the
/// person typed something that never was); a time of the autumn change's repeated hour is the
/// earlier of the two (clocks then start at the earliest, never later than the law's).
pub fn parse_wall_time(text: &str, tz: Tz) -> Result<DateTime<Utc>, WallTimeError> {
    let t = text.trim();
    let naive = NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M"))
        .map_err(|_| WallTimeError::Unreadable(t.to_string()))?;
    let w = resolve_wall_time(naive, tz);
    if w.nonexistent {
        return Err(WallTimeError::Nonexistent(t.to_string()));
    }
    Ok(w.instant)
}

/// Reads a time zone name (`Europe/Paris`, `America/Cayenne`…).
pub fn parse_tz(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}
