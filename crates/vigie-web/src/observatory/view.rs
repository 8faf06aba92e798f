//! The observatory as readers see it, in their language: key figures, chapters of charts (each
//! with its table and its text alternative), the delays, the method. The page, the PDF and the
//! command line's HTML are made from this one view.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vigie_incidents::taxonomy::{
    CareImpact, IncidentState, IncidentType, OperationsImpact, Origin,
};
use vigie_observatory::model::{DelayStats, Part};
use vigie_observatory::period::paris_midnight;
use vigie_observatory::{Observatory, Territory};
use vigie_report::chart::{Chart, Classes, MapLevel, Orientation, Table};
use vigie_report::Tr;

/// One key figure: its id in the page, the number as shown, what it counts.
pub struct Figure {
    pub id: &'static str,
    pub value: String,
    pub label: String,
}

/// A chart with what goes with it.
pub struct ChartBlock {
    pub id: String,
    pub chart: Chart,
    pub svg: String,
    pub description: String,
    pub table: Table,
}

/// A chapter: its heading, its introduction, its charts and tables.
pub struct Chapter {
    pub id: &'static str,
    pub title: String,
    pub intro: String,
    pub charts: Vec<ChartBlock>,
    pub tables: Vec<Table>,
}

/// Everything shown.
pub struct View {
    pub title: String,
    pub territory_name: String,
    pub range: String,
    pub summary: String,
    pub figures: Vec<Figure>,
    pub chapters: Vec<Chapter>,
    pub method: Vec<String>,
}

fn pct(tr: &Tr, share: f64) -> String {
    tr.percent(share * 100.0, 0)
}

/// A stored value's label: the taxonomy's, a kind of structure, or "not specified".
fn label(tr: &Tr, what: &str, key: &str) -> String {
    let code = tr.code();
    let known = match what {
        "origin" => key.parse::<Origin>().ok().map(|v| v.label(code)),
        "type" => key.parse::<IncidentType>().ok().map(|v| v.label(code)),
        "care" => key.parse::<CareImpact>().ok().map(|v| v.label(code)),
        "ops" => key.parse::<OperationsImpact>().ok().map(|v| v.label(code)),
        "state" => key.parse::<IncidentState>().ok().map(|v| v.label(code)),
        _ => None,
    };
    match known {
        Some(l) => l.to_string(),
        None if what == "sector" && tr.has(&format!("observatory-sector-{key}")) => {
            tr.t(&format!("observatory-sector-{key}"))
        }
        None => tr.t("observatory-unspecified"),
    }
}

/// A delay in minutes as a reader says it: `45 min`, `3 h 20 min`, `2 j 4 h`.
pub fn duration(tr: &Tr, minutes: Option<i64>) -> String {
    let Some(m) = minutes else {
        return tr.t("observatory-delay-unknown");
    };
    let day = tr.pick("j", "d");
    if m < 60 {
        format!("{m} min")
    } else if m < 1440 {
        format!("{} h {:02} min", m / 60, m % 60)
    } else {
        format!("{} {day} {} h", m / 1440, (m % 1440) / 60)
    }
}

/// The name of a territory (a GHT's as the store listed it).
pub fn territory_name(tr: &Tr, t: &Territory, ght_name: Option<&str>) -> String {
    match t {
        Territory::France => tr.t("observatory-france"),
        Territory::Region(r) => tr.region_name(r).to_string(),
        Territory::Ght(g) => ght_name.map_or_else(|| format!("GHT {g}"), str::to_string),
    }
}

fn block(tr: &Tr, id: &str, chart: Chart) -> ChartBlock {
    let chart = chart.with_id(id).with_decimals(0);
    ChartBlock {
        id: id.to_string(),
        svg: chart.svg(*tr),
        description: chart.description(*tr),
        table: chart.table(*tr),
        chart,
    }
}

fn bars(tr: &Tr, id: &str, title: &str, cat: &str, what: &str, parts: &[Part]) -> ChartBlock {
    block(
        tr,
        id,
        Chart::bars(
            &tr.t(title),
            &tr.t(cat),
            &tr.t("observatory-declarations"),
            Orientation::Horizontal,
            parts.iter().map(|p| (label(tr, what, &p.key), p.n as f64)),
        ),
    )
}

/// Views drawn lately, each with what it was drawn from: a page that a regional centre keeps
/// open is drawn (a dozen charts) once per change of its figures, not at every view.
///
/// The memo is keyed by content: a view is served again only to a request whose language,
/// territory name and figures (`Observatory`, compared whole) are those it was drawn from, so
/// that it can never show one reader what another's scope counted, and it needs no invalidation.
/// The figures themselves come from the store, which scopes and caches them.
struct Drawn {
    lang: &'static str,
    name: String,
    figures: Observatory,
    view: Arc<View>,
    at: Instant,
}

/// How many views are kept, and for how long.
const DRAWN_KEPT: usize = 32;
const DRAWN_FOR: Duration = Duration::from_secs(600);

static DRAWN: Mutex<Vec<Drawn>> = Mutex::new(Vec::new());

impl View {
    /// [`View::new`], or the same view drawn lately from the same figures.
    pub fn drawn(tr: &Tr, o: &Observatory, territory_name: &str) -> Arc<View> {
        let lang = tr.code();
        if let Ok(mut memo) = DRAWN.lock() {
            memo.retain(|d| d.at.elapsed() < DRAWN_FOR);
            if let Some(d) = memo
                .iter()
                .find(|d| d.lang == lang && d.name == territory_name && d.figures == *o)
            {
                return d.view.clone();
            }
        }
        let view = Arc::new(View::new(tr, o, territory_name));
        if let Ok(mut memo) = DRAWN.lock() {
            if memo.len() >= DRAWN_KEPT {
                memo.remove(0);
            }
            memo.push(Drawn {
                lang,
                name: territory_name.to_string(),
                figures: o.clone(),
                view: view.clone(),
                at: Instant::now(),
            });
        }
        view
    }

    pub fn new(tr: &Tr, o: &Observatory, territory_name: &str) -> View {
        let k = &o.key;
        let day = |s: &str| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| tr.date(paris_midnight(d)))
                .unwrap_or_else(|_| s.to_string())
        };
        let range = tr.t_args(
            "observatory-range",
            &[("from", day(&o.from).into()), ("to", day(&o.to).into())],
        );
        let mut summary = if k.declarations == 0 {
            tr.t_args(
                "observatory-summary-empty",
                &[
                    ("range", range.as_str().into()),
                    ("territory", territory_name.into()),
                ],
            )
        } else {
            tr.t_args(
                "observatory-summary-text",
                &[
                    ("declarations", k.declarations.into()),
                    ("range", range.as_str().into()),
                    ("territory", territory_name.into()),
                    ("malicious", pct(tr, k.malicious_share).as_str().into()),
                    ("care", pct(tr, k.care_impact_share).as_str().into()),
                    (
                        "noops",
                        pct(tr, k.no_operations_impact_share).as_str().into(),
                    ),
                    ("support", k.support_requests.into()),
                ],
            )
        };
        let yoy = &o.year_over_year;
        summary.push(' ');
        summary.push_str(&match yoy.change {
            Some(c) => tr.t_args(
                "observatory-yoy-text",
                &[
                    ("count", yoy.key.declarations.into()),
                    (
                        "change",
                        format!("{}{}", if c >= 0.0 { "+" } else { "" }, pct(tr, c))
                            .as_str()
                            .into(),
                    ),
                ],
            ),
            None => tr.t("observatory-yoy-none"),
        });
        let figures = vec![
            Figure {
                id: "kf-declarations",
                value: tr.int(k.declarations),
                label: tr.count("observatory-kf-declarations", k.declarations),
            },
            Figure {
                id: "kf-structures",
                value: tr.int(k.structures),
                label: tr.count("observatory-kf-structures", k.structures),
            },
            Figure {
                id: "kf-malicious",
                value: pct(tr, k.malicious_share),
                label: tr.t("observatory-kf-malicious"),
            },
            Figure {
                id: "kf-care",
                value: pct(tr, k.care_impact_share),
                label: tr.t("observatory-kf-care"),
            },
            Figure {
                id: "kf-no-ops",
                value: pct(tr, k.no_operations_impact_share),
                label: tr.t("observatory-kf-no-ops"),
            },
            Figure {
                id: "kf-support",
                value: tr.int(k.support_requests),
                label: tr.count("observatory-kf-support", k.support_requests),
            },
            Figure {
                id: "kf-supported",
                value: tr.int(k.structures_supported),
                label: tr.count("observatory-kf-supported", k.structures_supported),
            },
            Figure {
                id: "kf-major",
                value: tr.int(k.major),
                label: tr.count("observatory-kf-major", k.major),
            },
            Figure {
                id: "kf-ransomware",
                value: tr.int(k.ransomware),
                label: tr.count("observatory-kf-ransomware", k.ransomware),
            },
        ];

        // Declarations: by month, year over year.
        let months = block(
            tr,
            "obs-month",
            Chart::bars(
                &tr.t("observatory-by-month"),
                &tr.t("observatory-month-col"),
                &tr.t("observatory-declarations"),
                Orientation::Vertical,
                o.by_month.iter().map(|m| {
                    let first =
                        chrono::NaiveDate::parse_from_str(&format!("{}-01", m.month), "%Y-%m-%d")
                            .map(|d| tr.month_year(paris_midnight(d)))
                            .unwrap_or_else(|_| m.month.clone());
                    (first, m.n as f64)
                }),
            ),
        );
        let row = |label: &str, now: String, before: String| vec![tr.t(label), now, before];
        let b = &yoy.key;
        let yoy_table = Table {
            caption: tr.t("observatory-yoy"),
            header: vec![
                tr.t("observatory-yoy-figure"),
                format!("{} ({})", tr.t("observatory-yoy-now"), range),
                format!(
                    "{} ({} – {})",
                    tr.t("observatory-yoy-before"),
                    day(&yoy.from),
                    day(&yoy.to)
                ),
            ],
            rows: vec![
                row(
                    "observatory-declarations",
                    tr.int(k.declarations),
                    tr.int(b.declarations),
                ),
                row(
                    "observatory-kf-malicious",
                    pct(tr, k.malicious_share),
                    pct(tr, b.malicious_share),
                ),
                row(
                    "observatory-kf-care",
                    pct(tr, k.care_impact_share),
                    pct(tr, b.care_impact_share),
                ),
                row(
                    "observatory-kf-no-ops",
                    pct(tr, k.no_operations_impact_share),
                    pct(tr, b.no_operations_impact_share),
                ),
                vec![
                    tr.count("observatory-kf-support", 2),
                    tr.int(k.support_requests),
                    tr.int(b.support_requests),
                ],
                vec![
                    tr.count("observatory-kf-major", 2),
                    tr.int(k.major),
                    tr.int(b.major),
                ],
                vec![
                    tr.count("observatory-kf-ransomware", 2),
                    tr.int(k.ransomware),
                    tr.int(b.ransomware),
                ],
            ],
            numeric: vec![false, true, true],
        };

        // Origin and nature.
        let types_of = |origin: Origin| -> Vec<Part> {
            o.by_type
                .iter()
                .filter(|t| t.origin == origin.as_str())
                .map(|t| Part {
                    key: t.incident_type.clone(),
                    n: t.n,
                    share: t.share_of_origin,
                })
                .collect()
        };
        let origin_charts = vec![
            bars(
                tr,
                "obs-origin",
                "observatory-by-origin",
                "observatory-origin-col",
                "origin",
                &o.by_origin,
            ),
            bars(
                tr,
                "obs-malicious-type",
                "observatory-by-malicious-type",
                "observatory-type-col",
                "type",
                &types_of(Origin::Malicious),
            ),
            bars(
                tr,
                "obs-cause",
                "observatory-by-cause",
                "observatory-cause-col",
                "type",
                &types_of(Origin::NonMalicious),
            ),
        ];

        // When.
        let weekdays = block(
            tr,
            "obs-weekday",
            Chart::bars(
                &tr.t("observatory-by-weekday"),
                &tr.t("observatory-weekday-col"),
                &tr.t("observatory-declarations"),
                Orientation::Vertical,
                o.by_weekday
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (tr.t(&format!("observatory-weekday-{i}")), *n as f64)),
            ),
        );
        let hours = block(
            tr,
            "obs-hour",
            Chart::bars(
                &tr.t("observatory-by-hour"),
                &tr.t("observatory-hour-col"),
                &tr.t("observatory-declarations"),
                Orientation::Vertical,
                o.by_hour
                    .iter()
                    .enumerate()
                    .map(|(h, n)| (format!("{h:02}h"), *n as f64)),
            ),
        );

        // Consequences.
        let impact_charts = vec![
            bars(
                tr,
                "obs-care",
                "observatory-by-care",
                "observatory-impact-col",
                "care",
                &o.by_care_impact,
            ),
            bars(
                tr,
                "obs-ops",
                "observatory-by-ops",
                "observatory-impact-col",
                "ops",
                &o.by_operations_impact,
            ),
            bars(
                tr,
                "obs-state",
                "observatory-by-state",
                "observatory-state-col",
                "state",
                &o.by_state,
            ),
        ];

        // Where.
        let mut where_charts = Vec::new();
        if o.territory == Territory::France {
            where_charts.push(block(
                tr,
                "obs-region",
                Chart::map(
                    &tr.t("observatory-by-region"),
                    MapLevel::Regions,
                    &tr.t("observatory-declarations"),
                    o.by_region.iter().map(|r| (r.region.clone(), r.n as f64)),
                    Classes::Auto,
                ),
            ));
        }
        where_charts.push(bars(
            tr,
            "obs-sector",
            "observatory-by-sector",
            "observatory-sector-col",
            "sector",
            &o.by_sector,
        ));
        let region_table = Table {
            caption: tr.t("observatory-by-region"),
            header: vec![
                tr.t("observatory-region-col"),
                tr.t("observatory-declarations"),
                tr.t("observatory-share"),
                tr.t("observatory-structures-col"),
            ],
            rows: o
                .by_region
                .iter()
                .map(|r| {
                    vec![
                        tr.region_name(&r.region).to_string(),
                        tr.int(r.n),
                        pct(tr, r.share),
                        tr.int(r.structures),
                    ]
                })
                .collect(),
            numeric: vec![false, true, true, true],
        };

        // Delays.
        let delay_row = |key: &str, d: &DelayStats| {
            vec![
                tr.t(key),
                tr.int(d.count),
                duration(tr, d.p25_minutes),
                duration(tr, d.median_minutes),
                duration(tr, d.p75_minutes),
                duration(tr, d.p90_minutes),
            ]
        };
        let delays = Table {
            caption: tr.t("observatory-ch-delays"),
            header: vec![
                tr.t("observatory-delay"),
                tr.t("observatory-delay-count"),
                tr.t("observatory-delay-p25"),
                tr.t("observatory-delay-median"),
                tr.t("observatory-delay-p75"),
                tr.t("observatory-delay-p90"),
            ],
            rows: vec![
                delay_row(
                    "observatory-delay-detection",
                    &o.delays.occurrence_to_detection,
                ),
                delay_row(
                    "observatory-delay-declaration",
                    &o.delays.detection_to_declaration,
                ),
            ],
            numeric: vec![false, true, true, true, true, true],
        };

        let chapter =
            |id: &'static str, key: &str, charts: Vec<ChartBlock>, tables: Vec<Table>| Chapter {
                id,
                title: tr.t(&format!("observatory-ch-{key}")),
                intro: tr.t(&format!("observatory-ch-{key}-intro")),
                charts,
                tables,
            };
        View {
            title: tr.t("observatory-title"),
            territory_name: territory_name.to_string(),
            range,
            summary,
            figures,
            chapters: vec![
                chapter(
                    "ch-declarations",
                    "declarations",
                    vec![months],
                    vec![yoy_table],
                ),
                chapter("ch-origin", "origin", origin_charts, vec![]),
                chapter("ch-when", "when", vec![weekdays, hours], vec![]),
                chapter("ch-impact", "impact", impact_charts, vec![]),
                chapter("ch-where", "where", where_charts, vec![region_table]),
                chapter("ch-delays", "delays", vec![], vec![delays]),
            ],
            method: (1..=4)
                .map(|i| tr.t(&format!("observatory-method-{i}")))
                .collect(),
        }
    }
}
