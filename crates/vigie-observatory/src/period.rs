//! Periods and territories of an observatory, and the Europe/Paris calendar in which months,
//! days of the week and hours of declaration are counted.
//!
//! A period is a range of calendar days `[from, to)` in Europe/Paris: a year, a quarter, a month
//! or any range of days. Its bounds in unix seconds are the local midnights. The database keeps
//! unix seconds; to count by local month, weekday and hour in SQL without a time-zone library
//! (SQLite has none), the store adds one hour, or two during summer time, to each instant: the
//! summer-time intervals of the period are computed here ([`summer_time`]) from the European
//! rule (last Sunday of March to last Sunday of October, at 01:00 UTC) that France has followed
//! since 1996.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Weekday};
use chrono_tz::Europe::Paris;
use serde::Serialize;
use vigie_domain::problem::Problem;

/// What a period is, to name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    Year,
    Quarter,
    Month,
    Custom,
}

impl PeriodKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PeriodKind::Year => "year",
            PeriodKind::Quarter => "quarter",
            PeriodKind::Month => "month",
            PeriodKind::Custom => "custom",
        }
    }
}

/// A range of calendar days in Europe/Paris, `from` included, `to` excluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    pub kind: PeriodKind,
    pub from: NaiveDate,
    /// The first day after the period.
    pub to: NaiveDate,
}

/// The longest custom period (the store's queries stay bounded): twenty years.
pub const MAX_DAYS: i64 = 20 * 366;

fn bad(what: &'static str) -> Problem {
    Problem::new("observatory-bad_period").arg("detail", what)
}

fn first_day(year: i32, month: u32) -> Result<NaiveDate, Problem> {
    if !(1990..=2200).contains(&year) {
        return Err(bad("year"));
    }
    NaiveDate::from_ymd_opt(year, month, 1).ok_or_else(|| bad("month"))
}

fn add_months(d: NaiveDate, months: u32) -> Result<NaiveDate, Problem> {
    d.checked_add_months(chrono::Months::new(months))
        .ok_or_else(|| bad("month"))
}

impl Period {
    pub fn year(year: i32) -> Result<Period, Problem> {
        let from = first_day(year, 1)?;
        Ok(Period {
            kind: PeriodKind::Year,
            from,
            to: add_months(from, 12)?,
        })
    }

    /// Quarter 1 to 4.
    pub fn quarter(year: i32, quarter: u32) -> Result<Period, Problem> {
        if !(1..=4).contains(&quarter) {
            return Err(bad("quarter"));
        }
        let from = first_day(year, (quarter - 1) * 3 + 1)?;
        Ok(Period {
            kind: PeriodKind::Quarter,
            from,
            to: add_months(from, 3)?,
        })
    }

    /// Month 1 to 12.
    pub fn month(year: i32, month: u32) -> Result<Period, Problem> {
        let from = first_day(year, month)?;
        Ok(Period {
            kind: PeriodKind::Month,
            from,
            to: add_months(from, 1)?,
        })
    }

    /// From `from` to `last`, both included.
    pub fn custom(from: NaiveDate, last: NaiveDate) -> Result<Period, Problem> {
        if last < from {
            return Err(bad("order"));
        }
        if (last - from).num_days() >= MAX_DAYS || from.year() < 1990 || last.year() > 2200 {
            return Err(bad("length"));
        }
        Ok(Period {
            kind: PeriodKind::Custom,
            from,
            to: last + Duration::days(1),
        })
    }

    /// A period from the fields of the page's form or the command line: `kind` is `year`,
    /// `quarter`, `month` or `custom` (then `from` and `to` are days, `to` included).
    pub fn parse(
        kind: &str,
        year: Option<i32>,
        quarter: Option<u32>,
        month: Option<u32>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Period, Problem> {
        let year = || year.ok_or_else(|| bad("year"));
        match kind.trim() {
            "" | "year" => Period::year(year()?),
            "quarter" => Period::quarter(year()?, quarter.ok_or_else(|| bad("quarter"))?),
            "month" => Period::month(year()?, month.ok_or_else(|| bad("month"))?),
            "custom" => {
                let day = |s: Option<&str>| {
                    s.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
                        .ok_or_else(|| bad("date"))
                };
                Period::custom(day(from)?, day(to)?)
            }
            _ => Err(bad("kind")),
        }
    }

    /// The last day of the period.
    pub fn last(&self) -> NaiveDate {
        self.to - Duration::days(1)
    }

    /// The period's bounds in unix seconds: local midnights of `from` and `to`.
    pub fn bounds(&self) -> (i64, i64) {
        (paris_midnight(self.from), paris_midnight(self.to))
    }

    /// The same days one year earlier (29 February becomes the 28th).
    pub fn year_before(&self) -> Period {
        let back = |d: NaiveDate| {
            d.with_year(d.year() - 1)
                .or_else(|| NaiveDate::from_ymd_opt(d.year() - 1, d.month(), 28))
                .unwrap_or(d)
        };
        Period {
            kind: self.kind,
            from: back(self.from),
            to: back(self.to),
        }
    }

    /// The months the period touches, as `(year, month)`.
    pub fn months(&self) -> Vec<(i32, u32)> {
        let mut out = Vec::new();
        let mut d = NaiveDate::from_ymd_opt(self.from.year(), self.from.month(), 1);
        while let Some(m) = d {
            if m >= self.to {
                break;
            }
            out.push((m.year(), m.month()));
            d = m.checked_add_months(chrono::Months::new(1));
        }
        out
    }

    /// A stable short name: `2023`, `2023-T2`, `2023-05`, `2023-01-01_2023-06-30`.
    pub fn slug(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{}", self.from.year()),
            PeriodKind::Quarter => format!("{}-T{}", self.from.year(), self.from.month() / 3 + 1),
            PeriodKind::Month => format!("{}-{:02}", self.from.year(), self.from.month()),
            PeriodKind::Custom => format!("{}_{}", self.from, self.last()),
        }
    }
}

/// Unix seconds of midnight, Europe/Paris, at the start of `d`.
pub fn paris_midnight(d: NaiveDate) -> i64 {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    Paris
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.timestamp())
        // midnight never falls in a gap in France; one hour of winter time otherwise
        .unwrap_or_else(|| naive.and_utc().timestamp() - 3600)
}

/// The last Sunday of `month` in `year`.
fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }?;
    let last = next - Duration::days(1);
    let back = last.weekday().num_days_from_sunday();
    Some(last - Duration::days(i64::from(back)))
}

/// The summer-time intervals `[start, end)` in unix seconds that meet `[from, to)`: inside them
/// Paris is two hours ahead of UTC, one hour outside.
pub fn summer_time(from: i64, to: i64) -> Vec<(i64, i64)> {
    let year_of = |t: i64| {
        chrono::DateTime::from_timestamp(t, 0)
            .map(|d| d.year())
            .unwrap_or(1970)
    };
    let mut out = Vec::new();
    for y in year_of(from)..=year_of(to) {
        let (Some(s), Some(e)) = (last_sunday(y, 3), last_sunday(y, 10)) else {
            continue;
        };
        let at1 = |d: NaiveDate| {
            d.and_hms_opt(1, 0, 0)
                .unwrap_or_default()
                .and_utc()
                .timestamp()
        };
        let (s, e) = (at1(s), at1(e));
        if e > from && s < to {
            out.push((s, e));
        }
    }
    out
}

/// Paris's offset from UTC at `t`, in seconds, by [`summer_time`]'s rule.
pub fn offset_at(t: i64) -> i64 {
    if summer_time(t, t + 1).iter().any(|(s, e)| *s <= t && t < *e) {
        7200
    } else {
        3600
    }
}

/// Local hours since the epoch (unix seconds plus the offset, divided by 3600) back to the local
/// date, the day of the week (Monday 0) and the hour.
pub fn local_hour_parts(local_hour: i64) -> (NaiveDate, u32, u32) {
    let days = local_hour.div_euclid(24);
    let hour = local_hour.rem_euclid(24) as u32;
    let date = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + Duration::days(days);
    let weekday = date.weekday().num_days_from_monday();
    (date, weekday, hour)
}

/// The days of the week, Monday first.
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Where an observatory looks: all of France, one region, or one GHT (always within the viewer's
/// scope, which the store applies as well).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "lowercase")]
pub enum Territory {
    #[default]
    France,
    /// An INSEE region code of `vigie_domain::geo`.
    Region(String),
    /// A GHT's id.
    Ght(i64),
}

impl Territory {
    /// `fr` (or empty), `region:11` (or just `11`), `ght:5`.
    pub fn parse(s: &str) -> Result<Territory, Problem> {
        let s = s.trim();
        let bad = || Problem::new("observatory-bad_territory").arg("value", s.to_string());
        if s.is_empty() || s.eq_ignore_ascii_case("fr") || s.eq_ignore_ascii_case("france") {
            return Ok(Territory::France);
        }
        if let Some(g) = s.strip_prefix("ght:") {
            return g.trim().parse().map(Territory::Ght).map_err(|_| bad());
        }
        let code = s.strip_prefix("region:").unwrap_or(s);
        vigie_domain::geo::region(code)
            .map(|r| Territory::Region(r.code.to_string()))
            .ok_or_else(bad)
    }

    /// The form [`Territory::parse`] reads.
    pub fn param(&self) -> String {
        match self {
            Territory::France => "fr".into(),
            Territory::Region(r) => format!("region:{r}"),
            Territory::Ght(g) => format!("ght:{g}"),
        }
    }
}

/// A local month as one integer: `year * 12 + month - 1` (January 2023 is 24276).
pub fn month_index(year: i32, month: u32) -> i64 {
    i64::from(year) * 12 + i64::from(month) - 1
}

/// The first day of a local month given as [`month_index`].
pub fn month_first_day(index: i64) -> Option<NaiveDate> {
    let year = i32::try_from(index.div_euclid(12)).ok()?;
    NaiveDate::from_ymd_opt(year, index.rem_euclid(12) as u32 + 1, 1)
}

/// A local month's bounds in unix seconds: the local midnights of its first day and of the next
/// month's.
pub fn month_bounds(index: i64) -> Option<(i64, i64)> {
    Some((
        paris_midnight(month_first_day(index)?),
        paris_midnight(month_first_day(index + 1)?),
    ))
}

/// The local months that UTC day `day` (unix seconds divided by 86,400) meets: one, or two
/// when a local month starts during it.
pub fn months_of_utc_day(day: i64) -> Vec<i64> {
    let local = |t: i64| {
        chrono::DateTime::from_timestamp(t + offset_at(t), 0)
            .map(|d| month_index(d.year(), d.month()))
    };
    let first = local(day * 86_400);
    let last = local(day * 86_400 + 86_399);
    let mut out: Vec<i64> = first.into_iter().chain(last).collect();
    out.dedup();
    out
}

/// How the observatory of a period reads the roll-up (the counts kept per local month and per
/// local year, see the store's `observatory::rollup`) and the declarations themselves.
///
/// A whole local year of the period none of whose months is stale is read from its year's
/// counts; a whole month that is not stale (and not inside such a year) from its month's; the
/// rest (a month cut by the period's bounds, a stale month) from the declarations, over
/// `rest`, ranges of unix seconds. The key figures and the months are always read per month:
/// `months` lists every whole month that is not stale.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RollupPlan {
    /// Years (as the [`month_index`] of their January) read from the year's counts.
    pub years: Vec<i64>,
    /// Months read from the month's counts for the breakdowns (those not inside `years`).
    pub months: Vec<i64>,
    /// Every month read from the roll-up (`months` and the months of `years`), for the key
    /// figures and the months.
    pub all_months: Vec<i64>,
    /// Ranges `[from, to)` of unix seconds counted from the declarations, in order, adjacent
    /// ones merged.
    pub rest: Vec<(i64, i64)>,
}

impl RollupPlan {
    /// The plan of `[from, to)` (local days) when the months in `stale` may not be read from
    /// the roll-up.
    pub fn of(period: &Period, stale: &std::collections::BTreeSet<i64>) -> RollupPlan {
        let mut plan = RollupPlan::default();
        let (start, end) = period.bounds();
        let mut whole: Vec<i64> = Vec::new();
        for (y, m) in period.months() {
            let idx = month_index(y, m);
            let Some((a, b)) = month_bounds(idx) else {
                continue;
            };
            let (a2, b2) = (a.max(start), b.min(end));
            if a2 >= b2 {
                continue;
            }
            if a2 == a && b2 == b && !stale.contains(&idx) {
                whole.push(idx);
            } else {
                match plan.rest.last_mut() {
                    Some(last) if last.1 == a2 => last.1 = b2,
                    _ => plan.rest.push((a2, b2)),
                }
            }
        }
        let mut i = 0;
        while i < whole.len() {
            let idx = whole[i];
            if idx.rem_euclid(12) == 0 && whole.get(i + 11) == Some(&(idx + 11)) {
                plan.years.push(idx);
                plan.all_months.extend(idx..idx + 12);
                i += 12;
            } else {
                plan.months.push(idx);
                plan.all_months.push(idx);
                i += 1;
            }
        }
        plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summer_time_follows_paris() {
        // every hour of 2000..2040 against the time-zone database
        let from = paris_midnight(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default());
        let to = paris_midnight(NaiveDate::from_ymd_opt(2040, 1, 1).unwrap_or_default());
        let ranges = summer_time(from, to);
        let mut t = from;
        while t < to {
            let tz = Paris
                .timestamp_opt(t, 0)
                .single()
                .map(|d| d.naive_local().and_utc().timestamp() - t);
            let ours = if ranges.iter().any(|(s, e)| *s <= t && t < *e) {
                7200
            } else {
                3600
            };
            assert_eq!(Some(ours), tz, "at {t}");
            assert_eq!(ours, offset_at(t));
            t += 3600 * 7 + 60;
        }
    }

    #[test]
    fn periods_are_local_days() {
        let p = Period::year(2023).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.bounds(), (1672527600, 1704063600));
        assert_eq!(p.months().len(), 12);
        let q = Period::quarter(2023, 2).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(q.slug(), "2023-T2");
        assert_eq!(
            q.last(),
            NaiveDate::from_ymd_opt(2023, 6, 30).unwrap_or_default()
        );
        assert!(Period::quarter(2023, 5).is_err());
        assert!(Period::parse(
            "custom",
            None,
            None,
            None,
            Some("2023-05-02"),
            Some("2023-05-01")
        )
        .is_err());
        let c = Period::parse(
            "custom",
            None,
            None,
            None,
            Some("2024-02-29"),
            Some("2024-03-01"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.year_before().from,
            NaiveDate::from_ymd_opt(2023, 2, 28).unwrap_or_default()
        );
        // 2023-03-26 10:00 Paris is 08:00 UTC: local hour 10, a Sunday
        let t = 1679817600;
        let (d, wd, h) = local_hour_parts((t + offset_at(t)) / 3600);
        assert_eq!((d.to_string().as_str(), wd, h), ("2023-03-26", 6, 10));
    }

    #[test]
    fn a_plan_reads_whole_clean_years_and_months_from_the_rollup() {
        use std::collections::BTreeSet;
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
        let p =
            Period::custom(day(2016, 1, 1), day(2025, 12, 31)).unwrap_or_else(|e| panic!("{e}"));
        let plan = RollupPlan::of(&p, &BTreeSet::new());
        assert_eq!(plan.years.len(), 10);
        assert!(plan.months.is_empty() && plan.rest.is_empty());
        assert_eq!(plan.all_months.len(), 120);
        // a stale month breaks its year into months and a range of declarations
        let stale: BTreeSet<i64> = [month_index(2020, 5)].into();
        let plan = RollupPlan::of(&p, &stale);
        assert_eq!(plan.years.len(), 9);
        assert_eq!(plan.months.len(), 11);
        assert_eq!(
            plan.rest,
            vec![month_bounds(month_index(2020, 5)).unwrap_or_default()]
        );
        // cut months at both ends, the adjacent stale month merged into the first range
        let p =
            Period::custom(day(2023, 3, 15), day(2023, 6, 10)).unwrap_or_else(|e| panic!("{e}"));
        let stale: BTreeSet<i64> = [month_index(2023, 4)].into();
        let plan = RollupPlan::of(&p, &stale);
        assert_eq!(plan.months, vec![month_index(2023, 5)]);
        assert_eq!(
            plan.rest,
            vec![
                (
                    paris_midnight(day(2023, 3, 15)),
                    paris_midnight(day(2023, 5, 1))
                ),
                (
                    paris_midnight(day(2023, 6, 1)),
                    paris_midnight(day(2023, 6, 11))
                ),
            ]
        );
        // a UTC day meets the local month it starts in, and the next one at a month's turn
        let d = paris_midnight(day(2023, 7, 1)) / 86_400;
        assert_eq!(
            months_of_utc_day(d),
            vec![month_index(2023, 6), month_index(2023, 7)]
        );
        assert_eq!(months_of_utc_day(d + 3), vec![month_index(2023, 7)]);
    }

    #[test]
    fn territories_parse_and_refuse() {
        assert_eq!(Territory::parse("fr"), Ok(Territory::France));
        assert_eq!(
            Territory::parse("region:11"),
            Ok(Territory::Region("11".into()))
        );
        assert_eq!(Territory::parse("84"), Ok(Territory::Region("84".into())));
        assert_eq!(Territory::parse("ght:7"), Ok(Territory::Ght(7)));
        assert!(Territory::parse("region:99").is_err());
        assert!(Territory::parse("11' OR 1=1").is_err());
    }
}
