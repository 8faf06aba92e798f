//! The observatory: what the database's aggregates ([`Grouped`], counted in SQL) say, as key
//! figures, breakdowns and delays ([`Observatory`], every figure of the page and of the JSON).
//!
//! Counted are the declarations (incidents submitted to the CERT, drafts never; past
//! declarations imported from a CSV count like the others) whose declaration falls in the
//! period, in the territory. Shares are of the declarations; "impact on care" is any impact
//! but none; "without impact on operations" is an operations impact of none.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use vigie_incidents::taxonomy::{
    CareImpact, IncidentState, IncidentType, OperationsImpact, Origin,
};

use crate::period::{local_hour_parts, month_first_day, Period, Territory};

/// Declarations of one local hour (hours since the epoch in Paris time) and how many of them
/// were malicious, had an impact on care, none on operations, asked for support, were major,
/// were ransomware.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct HourCount {
    pub hour: i64,
    pub n: i64,
    pub malicious: i64,
    pub care: i64,
    pub ops_none: i64,
    pub support: i64,
    pub major: i64,
    pub ransomware: i64,
}

/// Declarations by one value of a breakdown.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct KeyCount {
    pub key: String,
    pub n: i64,
}

/// Declarations by origin and type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct TypeCount {
    pub origin: String,
    pub incident_type: String,
    pub n: i64,
}

/// Declarations by region and kind of structure, how many structures declared them (imported
/// declarations carry no structure: 0) and how many structures were given technical support
/// (an imported declaration marked so counts as one).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PlaceCount {
    pub region: String,
    pub sector: String,
    pub structures: i64,
    pub supported: i64,
    pub n: i64,
}

/// The counts of one local month ([`crate::period::month_index`]), as an hour's (its `hour`
/// unused), read from the roll-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MonthCount {
    pub month: i64,
    pub counts: HourCount,
}

/// Declarations by day of the week (Monday 0) and hour, Paris time, read from the roll-up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct WeekHourCount {
    pub weekday: i64,
    pub hour: i64,
    pub n: i64,
}

/// How many delays of `minutes` minutes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DelayCount {
    pub minutes: i64,
    pub n: i64,
}

/// What the store counted in SQL for one period and territory: the days read from the
/// declarations by local hour (`hours`), the months read from the roll-up (`months`, and their
/// days of the week and hours in `week_hours`); every other breakdown sums both.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grouped {
    pub hours: Vec<HourCount>,
    pub months: Vec<MonthCount>,
    pub week_hours: Vec<WeekHourCount>,
    pub types: Vec<TypeCount>,
    pub states: Vec<KeyCount>,
    pub care: Vec<KeyCount>,
    pub operations: Vec<KeyCount>,
    pub places: Vec<PlaceCount>,
    /// Occurrence to detection.
    pub detection: Vec<DelayCount>,
    /// Detection to declaration.
    pub declaration: Vec<DelayCount>,
    /// The key counts of the same days one year before (one row, `hour` 0).
    pub year_before: HourCount,
}

/// The key figures.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct KeyFigures {
    pub declarations: i64,
    /// Structures that declared (imported declarations carry no structure and are not counted).
    pub structures: i64,
    pub malicious: i64,
    pub malicious_share: f64,
    pub care_impact: i64,
    pub care_impact_share: f64,
    pub no_operations_impact: i64,
    pub no_operations_impact_share: f64,
    pub support_requests: i64,
    /// Structures given technical support by the CERT (an imported declaration marked so
    /// counts as one).
    pub structures_supported: i64,
    pub major: i64,
    pub ransomware: i64,
}

fn share(part: i64, whole: i64) -> f64 {
    if whole <= 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

impl KeyFigures {
    fn of(h: &HourCount, structures: i64, structures_supported: i64) -> KeyFigures {
        KeyFigures {
            declarations: h.n,
            structures,
            structures_supported,
            malicious: h.malicious,
            malicious_share: share(h.malicious, h.n),
            care_impact: h.care,
            care_impact_share: share(h.care, h.n),
            no_operations_impact: h.ops_none,
            no_operations_impact_share: share(h.ops_none, h.n),
            support_requests: h.support,
            major: h.major,
            ransomware: h.ransomware,
        }
    }
}

/// A count and its share of a whole.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Part {
    pub key: String,
    pub n: i64,
    pub share: f64,
}

/// A type of incident, its count and its share of its origin.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TypePart {
    pub origin: String,
    pub incident_type: String,
    pub n: i64,
    pub share_of_origin: f64,
}

/// One month.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Month {
    /// `2023-01`.
    pub month: String,
    pub n: i64,
    pub malicious: i64,
}

/// A region's declarations, the structures that declared them, by kind of structure.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RegionPart {
    pub region: String,
    pub n: i64,
    pub share: f64,
    pub structures: i64,
}

/// A region's declarations by kind of structure (in the order of [`SECTORS`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RegionSectors {
    pub region: String,
    pub counts: Vec<i64>,
}

/// Median and percentiles of a delay, in minutes, over the declarations that give both dates.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DelayStats {
    pub count: i64,
    pub p10_minutes: Option<i64>,
    pub p25_minutes: Option<i64>,
    pub median_minutes: Option<i64>,
    pub p75_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
}

impl DelayStats {
    /// Nearest-rank percentiles of a histogram (negative delays, dates given in the wrong
    /// order, are left out).
    pub fn of(histogram: &[DelayCount]) -> DelayStats {
        let mut h: Vec<DelayCount> = histogram
            .iter()
            .copied()
            .filter(|d| d.minutes >= 0 && d.n > 0)
            .collect();
        h.sort_by_key(|d| d.minutes);
        let count: i64 = h.iter().map(|d| d.n).sum();
        let rank = |p: i64| -> Option<i64> {
            if count == 0 {
                return None;
            }
            // nearest rank: the smallest value with at least p % of the values at or below it
            let want = (p * count + 99) / 100;
            let want = want.max(1);
            let mut seen = 0;
            for d in &h {
                seen += d.n;
                if seen >= want {
                    return Some(d.minutes);
                }
            }
            h.last().map(|d| d.minutes)
        };
        DelayStats {
            count,
            p10_minutes: rank(10),
            p25_minutes: rank(25),
            median_minutes: rank(50),
            p75_minutes: rank(75),
            p90_minutes: rank(90),
        }
    }
}

/// The delays from occurrence to detection and from detection to declaration.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Delays {
    pub occurrence_to_detection: DelayStats,
    pub detection_to_declaration: DelayStats,
}

/// The same period one year before, and the change.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct YearOverYear {
    pub from: String,
    pub to: String,
    pub key: KeyFigures,
    /// Change of the number of declarations, as a fraction (`0.12` for +12 %); none when there
    /// was none the year before.
    pub change: Option<f64>,
}

/// Every figure of the observatory.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Observatory {
    /// `year`, `quarter`, `month` or `custom`.
    pub period_kind: String,
    /// First day, `YYYY-MM-DD`.
    pub from: String,
    /// Last day, included.
    pub to: String,
    pub territory: Territory,
    pub key: KeyFigures,
    pub by_origin: Vec<Part>,
    pub by_type: Vec<TypePart>,
    pub by_month: Vec<Month>,
    /// Monday first.
    pub by_weekday: Vec<i64>,
    /// Hours 0 to 23, Paris time.
    pub by_hour: Vec<i64>,
    /// Seven rows (Monday first) of 24 hours.
    pub by_weekday_hour: Vec<Vec<i64>>,
    pub by_state: Vec<Part>,
    pub by_region: Vec<RegionPart>,
    pub by_sector: Vec<Part>,
    pub by_region_sector: Vec<RegionSectors>,
    pub by_care_impact: Vec<Part>,
    pub by_operations_impact: Vec<Part>,
    pub year_over_year: YearOverYear,
    pub delays: Delays,
}

/// The keys of a breakdown in a fixed order (the taxonomy's, then anything else the data holds,
/// such as `unspecified` from imported history), every known key shown even at 0.
fn parts(known: &[&str], counts: &BTreeMap<String, i64>, total: i64) -> Vec<Part> {
    let mut out: Vec<Part> = known
        .iter()
        .map(|k| {
            let n = counts.get(*k).copied().unwrap_or(0);
            Part {
                key: (*k).to_string(),
                n,
                share: share(n, total),
            }
        })
        .collect();
    for (k, n) in counts {
        if !known.contains(&k.as_str()) {
            out.push(Part {
                key: k.clone(),
                n: *n,
                share: share(*n, total),
            });
        }
    }
    out
}

fn summed(rows: &[KeyCount]) -> BTreeMap<String, i64> {
    let mut m = BTreeMap::new();
    for r in rows {
        *m.entry(r.key.clone()).or_insert(0) += r.n;
    }
    m
}

/// The kinds of structure, as stored (`vigie_domain::structure::Sector`).
pub const SECTORS: [&str; 3] = ["sanitaire", "medico_social", "other"];

impl Observatory {
    /// The observatory of `period` in `territory` from what the store counted.
    pub fn compute(period: &Period, territory: Territory, g: &Grouped) -> Observatory {
        let mut total = HourCount::default();
        let mut by_month: BTreeMap<(i32, u32), (i64, i64)> =
            period.months().into_iter().map(|m| (m, (0, 0))).collect();
        let mut by_weekday_hour = vec![vec![0i64; 24]; 7];
        let mut add_week = |wd: i64, hour: i64, n: i64| {
            let cell = usize::try_from(wd)
                .ok()
                .and_then(|wd| by_weekday_hour.get_mut(wd))
                .and_then(|row| usize::try_from(hour).ok().and_then(|h| row.get_mut(h)));
            if let Some(c) = cell {
                *c += n;
            }
        };
        let mut add = |date: Option<NaiveDate>, h: &HourCount| {
            total.n += h.n;
            total.malicious += h.malicious;
            total.care += h.care;
            total.ops_none += h.ops_none;
            total.support += h.support;
            total.major += h.major;
            total.ransomware += h.ransomware;
            if let Some(date) = date {
                let m = by_month
                    .entry((date.year(), date.month()))
                    .or_insert((0, 0));
                m.0 += h.n;
                m.1 += h.malicious;
            }
        };
        for h in &g.hours {
            let (date, wd, hour) = local_hour_parts(h.hour);
            add(Some(date), h);
            add_week(i64::from(wd), i64::from(hour), h.n);
        }
        for m in &g.months {
            add(month_first_day(m.month), &m.counts);
        }
        for w in &g.week_hours {
            add_week(w.weekday, w.hour, w.n);
        }
        let structures: i64 = g.places.iter().map(|p| p.structures).sum();
        let supported: i64 = g.places.iter().map(|p| p.supported).sum();
        let n = total.n;

        let mut origins: BTreeMap<String, i64> = BTreeMap::new();
        for t in &g.types {
            *origins.entry(t.origin.clone()).or_insert(0) += t.n;
        }
        let origin_keys: Vec<&str> = Origin::ALL.iter().map(|o| o.as_str()).collect();
        let by_origin = parts(&origin_keys, &origins, n);
        let mut by_type: Vec<TypePart> = g
            .types
            .iter()
            .filter(|t| t.n > 0)
            .map(|t| TypePart {
                origin: t.origin.clone(),
                incident_type: t.incident_type.clone(),
                n: t.n,
                share_of_origin: share(t.n, origins.get(&t.origin).copied().unwrap_or(0)),
            })
            .collect();
        let origin_rank = |o: &str| origin_keys.iter().position(|k| *k == o).unwrap_or(9);
        by_type.sort_by(|a, b| {
            (origin_rank(&a.origin), -a.n, &a.incident_type).cmp(&(
                origin_rank(&b.origin),
                -b.n,
                &b.incident_type,
            ))
        });

        let mut region_sectors: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        let mut regions: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        let mut sectors: BTreeMap<String, i64> = BTreeMap::new();
        for p in &g.places {
            let r = regions.entry(p.region.clone()).or_insert((0, 0));
            r.0 += p.n;
            r.1 += p.structures;
            *sectors.entry(p.sector.clone()).or_insert(0) += p.n;
            let rs = region_sectors
                .entry(p.region.clone())
                .or_insert_with(|| vec![0; SECTORS.len()]);
            if let Some(k) = SECTORS.iter().position(|s| *s == p.sector) {
                rs[k] += p.n;
            }
        }
        let mut by_region: Vec<RegionPart> = regions
            .into_iter()
            .map(|(region, (rn, s))| RegionPart {
                region,
                n: rn,
                share: share(rn, n),
                structures: s,
            })
            .collect();
        by_region.sort_by(|a, b| (-a.n, &a.region).cmp(&(-b.n, &b.region)));

        let state_keys: Vec<&str> = IncidentState::ALL.iter().map(|s| s.as_str()).collect();
        let care_keys: Vec<&str> = CareImpact::ALL.iter().map(|s| s.as_str()).collect();
        let ops_keys: Vec<&str> = OperationsImpact::ALL.iter().map(|s| s.as_str()).collect();

        let prev = period.year_before();
        let change = if g.year_before.n > 0 {
            Some((n - g.year_before.n) as f64 / g.year_before.n as f64)
        } else {
            None
        };

        Observatory {
            period_kind: period.kind.as_str().to_string(),
            from: period.from.to_string(),
            to: period.last().to_string(),
            territory,
            key: KeyFigures::of(&total, structures, supported),
            by_origin,
            by_type,
            by_month: by_month
                .into_iter()
                .map(|((y, m), (mn, mal))| Month {
                    month: format!("{y}-{m:02}"),
                    n: mn,
                    malicious: mal,
                })
                .collect(),
            by_weekday: by_weekday_hour.iter().map(|r| r.iter().sum()).collect(),
            by_hour: (0..24)
                .map(|h| by_weekday_hour.iter().map(|r| r[h]).sum())
                .collect(),
            by_weekday_hour,
            by_state: parts(&state_keys, &summed(&g.states), n),
            by_region,
            by_sector: parts(&SECTORS, &sectors, n),
            by_region_sector: region_sectors
                .into_iter()
                .map(|(region, counts)| RegionSectors { region, counts })
                .collect(),
            by_care_impact: parts(&care_keys, &summed(&g.care), n),
            by_operations_impact: parts(&ops_keys, &summed(&g.operations), n),
            year_over_year: YearOverYear {
                from: prev.from.to_string(),
                to: prev.last().to_string(),
                key: KeyFigures::of(&g.year_before, 0, 0),
                change,
            },
            delays: Delays {
                occurrence_to_detection: DelayStats::of(&g.detection),
                detection_to_declaration: DelayStats::of(&g.declaration),
            },
        }
    }

    /// The malicious types (the taxonomy's order is kept for types absent from the data).
    pub fn malicious_types(&self) -> impl Iterator<Item = &TypePart> {
        self.by_type
            .iter()
            .filter(|t| t.origin == Origin::Malicious.as_str())
    }

    /// The non-malicious causes.
    pub fn non_malicious_types(&self) -> impl Iterator<Item = &TypePart> {
        self.by_type
            .iter()
            .filter(|t| t.origin == Origin::NonMalicious.as_str())
    }
}

/// Whether a stored type is ransomware (one of the key figures).
pub fn is_ransomware(t: &str) -> bool {
    t == IncidentType::Ransomware.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let h: Vec<DelayCount> = (1..=10)
            .map(|m| DelayCount { minutes: m, n: 1 })
            .chain([DelayCount { minutes: -5, n: 3 }])
            .collect();
        let s = DelayStats::of(&h);
        assert_eq!(s.count, 10);
        assert_eq!(s.median_minutes, Some(5));
        assert_eq!(s.p90_minutes, Some(9));
        assert_eq!(s.p10_minutes, Some(1));
        assert_eq!(DelayStats::of(&[]).median_minutes, None);
    }

    #[test]
    fn months_weekdays_and_shares() {
        let p = Period::year(2023).unwrap_or_else(|e| panic!("{e}"));
        // 2023-01-02 was a Monday; 09:00 local
        let monday_9 = (19359 * 24) + 9;
        let g = Grouped {
            hours: vec![
                HourCount {
                    hour: monday_9,
                    n: 4,
                    malicious: 2,
                    care: 1,
                    ops_none: 3,
                    support: 1,
                    major: 0,
                    ransomware: 1,
                },
                HourCount {
                    hour: monday_9 + 24 * 40,
                    n: 1,
                    ..HourCount::default()
                },
            ],
            types: vec![TypeCount {
                origin: "malicious".into(),
                incident_type: "ransomware".into(),
                n: 2,
            }],
            ..Grouped::default()
        };
        let o = Observatory::compute(&p, Territory::France, &g);
        assert_eq!(o.key.declarations, 5);
        assert!((o.key.malicious_share - 0.4).abs() < 1e-9);
        assert_eq!(o.by_month.len(), 12);
        assert_eq!(o.by_month[0].n, 4);
        assert_eq!(o.by_month[1].n, 1);
        assert_eq!(o.by_weekday[0], 4);
        assert_eq!(o.by_hour[9], 5);
        assert_eq!(o.by_origin[0].n, 2);
        assert_eq!(o.by_type[0].share_of_origin, 1.0);
        assert_eq!(o.year_over_year.change, None);
    }
}
