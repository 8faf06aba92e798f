//! The choropleth map of France: its 18 regions or its 101 departments, coloured by class of
//! value, the five overseas departments in insets.
//!
//! The outlines are `data/map/france.txt` (Natural Earth's 1:10m admin-1 boundaries, public
//! domain, projected in Lambert-93 and simplified with their topology kept: see
//! `data/map/SOURCE.md`), embedded in the binary and read once.

use std::sync::LazyLock;

use vigie_domain::geo;
use vigie_domain::problem::Problem;

use super::scene::{Anchor, Fill, Hatch, Item, Rgb, Scene, Seg, Stroke};
use super::text::{fit, text_width};
use super::{Chart, Table};
use crate::i18n::Tr;

/// Regions or departments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MapLevel {
    #[default]
    Regions,
    Departments,
}

/// How values are grouped into the map's shades.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Classes {
    /// Up to five classes: one per distinct value when there are five or fewer, else quintiles
    /// of the values shown.
    #[default]
    Auto,
    /// Class boundaries, increasing: a value `v` is in class `i` when `t[i-1] <= v < t[i]`
    /// (below `t[0]`: the first class; from the last: the last class). At most five classes.
    Thresholds(Vec<f64>),
}

/// A shape of the map.
#[derive(Debug)]
pub struct Shape {
    /// Region code (`"53"`) or department code (`"2A"`).
    pub code: &'static str,
    /// The region of a department (a region's own code for a region).
    pub region: &'static str,
    /// French name (from `vigie_domain::geo`).
    pub name: &'static str,
    /// SVG path data in map units.
    pub d: &'static str,
    pub(crate) segs: Vec<Seg>,
}

struct Inset {
    code: &'static str,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

struct MapData {
    width: f32,
    height: f32,
    insets: Vec<Inset>,
    /// The box where Paris and its inner suburbs are drawn again, magnified.
    zoom: Option<Inset>,
    departments: Vec<Shape>,
    regions: Vec<Shape>,
    /// The magnified departments.
    zoomed: Vec<Shape>,
}

const SOURCE: &str = include_str!("../../data/map/france.txt");

/// Reads SVG path data made of `M x y`, relative `l dx dy …` and `z`, with whole numbers (the
/// form `build-map.py` writes). Anything else ends the path there.
fn parse_path(d: &str) -> Vec<Seg> {
    let mut segs = Vec::new();
    let bytes = d.as_bytes();
    let (mut i, mut cmd) = (0usize, b'M');
    let (mut cx, mut cy, mut sx, mut sy) = (0f32, 0f32, 0f32, 0f32);
    let number = |i: &mut usize| -> Option<f32> {
        while *i < bytes.len() && (bytes[*i] == b' ' || bytes[*i] == b',') {
            *i += 1;
        }
        let start = *i;
        if *i < bytes.len() && bytes[*i] == b'-' {
            *i += 1;
        }
        while *i < bytes.len() && bytes[*i].is_ascii_digit() {
            *i += 1;
        }
        d.get(start..*i)?.parse::<f32>().ok()
    };
    while i < bytes.len() {
        match bytes[i] {
            b'M' | b'l' => {
                cmd = bytes[i];
                i += 1;
            }
            b'z' | b'Z' => {
                segs.push(Seg::Close);
                (cx, cy) = (sx, sy);
                i += 1;
            }
            b' ' => i += 1,
            _ => {
                let (Some(x), Some(y)) = (number(&mut i), number(&mut i)) else {
                    break;
                };
                if cmd == b'M' {
                    (cx, cy, sx, sy) = (x, y, x, y);
                    segs.push(Seg::Move(cx, cy));
                    cmd = b'L';
                } else if cmd == b'L' {
                    (cx, cy) = (x, y);
                    segs.push(Seg::Line(cx, cy));
                } else {
                    (cx, cy) = (cx + x, cy + y);
                    segs.push(Seg::Line(cx, cy));
                }
            }
        }
    }
    segs
}

static MAP: LazyLock<MapData> = LazyLock::new(|| {
    let mut m = MapData {
        width: 0.0,
        height: 0.0,
        insets: Vec::new(),
        zoom: None,
        departments: Vec::new(),
        regions: Vec::new(),
        zoomed: Vec::new(),
    };
    for line in SOURCE.lines() {
        let Some((tag, rest)) = line.split_once(' ') else {
            continue;
        };
        match tag {
            "viewbox" => {
                let mut n = rest.split(' ').filter_map(|x| x.parse::<f32>().ok());
                m.width = n.next().unwrap_or(0.0);
                m.height = n.next().unwrap_or(0.0);
            }
            "inset" => {
                let mut f = rest.split(' ');
                let code = f.next().and_then(geo::department);
                let n: Vec<f32> = f.filter_map(|x| x.parse().ok()).collect();
                if let (Some(code), [x, y, w, h]) = (code, n.as_slice()) {
                    m.insets.push(Inset {
                        code: code.code,
                        x: *x,
                        y: *y,
                        w: *w,
                        h: *h,
                    });
                }
            }
            "zoom" => {
                let n: Vec<f32> = rest.split(' ').filter_map(|x| x.parse().ok()).collect();
                if let [x, y, w, h] = n.as_slice() {
                    m.zoom = Some(Inset {
                        code: "",
                        x: *x,
                        y: *y,
                        w: *w,
                        h: *h,
                    });
                }
            }
            "Z" => {
                let mut f = rest.splitn(2, ' ');
                let (dep, d) = (
                    f.next().and_then(geo::department),
                    f.next().unwrap_or_default(),
                );
                if let Some(dep) = dep {
                    m.zoomed.push(Shape {
                        code: dep.code,
                        region: dep.region_code,
                        name: dep.name,
                        d,
                        segs: parse_path(d),
                    });
                }
            }
            "D" => {
                let mut f = rest.splitn(3, ' ');
                let (dep, reg, d) = (
                    f.next().and_then(geo::department),
                    f.next().and_then(geo::region),
                    f.next().unwrap_or_default(),
                );
                if let (Some(dep), Some(reg)) = (dep, reg) {
                    m.departments.push(Shape {
                        code: dep.code,
                        region: reg.code,
                        name: dep.name,
                        d,
                        segs: parse_path(d),
                    });
                }
            }
            "R" => {
                let mut f = rest.splitn(2, ' ');
                let (reg, d) = (f.next().and_then(geo::region), f.next().unwrap_or_default());
                if let Some(reg) = reg {
                    m.regions.push(Shape {
                        code: reg.code,
                        region: reg.code,
                        name: reg.name,
                        d,
                        segs: parse_path(d),
                    });
                }
            }
            _ => {}
        }
    }
    // the domain's order: metropolitan regions first, as in geo::regions()
    m.regions
        .sort_by_key(|s| geo::regions().iter().position(|r| r.code == s.code));
    m
});

/// The shapes of a level, in `vigie_domain::geo`'s order.
pub fn shapes(level: MapLevel) -> &'static [Shape] {
    match level {
        MapLevel::Regions => &MAP.regions,
        MapLevel::Departments => &MAP.departments,
    }
}

/// The code as the map writes it (`"2a"` → `"2A"`, `" 53"` → `"53"`), if it is on the map.
fn normal(level: MapLevel, code: &str) -> Option<&'static str> {
    let c = match level {
        MapLevel::Regions => geo::region(code).map(|r| r.code),
        MapLevel::Departments => geo::department(code).map(|d| d.code),
    }?;
    shapes(level).iter().find(|s| s.code == c).map(|s| s.code)
}

/// The codes of `values` that are not on the map, as a problem to tell the reader (`None` when
/// all are there). Overseas collectivities (975, 977, 978, 986–988) are not drawn.
pub fn unknown_codes(level: MapLevel, values: &[(String, f64)]) -> Option<Problem> {
    let bad: Vec<&str> = values
        .iter()
        .filter(|(c, _)| normal(level, c).is_none())
        .map(|(c, _)| c.as_str())
        .collect();
    (!bad.is_empty()).then(|| {
        Problem::new("chart-map-unknown-codes")
            .arg("codes", bad.join(", "))
            .arg("count", bad.len())
    })
}

/// The value of each shape that has one: (shape, value); the first value given for a code wins.
fn valued(level: MapLevel, values: &[(String, f64)]) -> Vec<(&'static Shape, f64)> {
    shapes(level)
        .iter()
        .filter_map(|s| {
            values
                .iter()
                .find(|(c, v)| v.is_finite() && normal(level, c) == Some(s.code))
                .map(|(_, v)| (s, *v))
        })
        .collect()
}

/// (name, value) of the shapes that have a value, in map order.
pub(crate) fn named_values(level: MapLevel, values: &[(String, f64)]) -> Vec<(String, f64)> {
    valued(level, values)
        .into_iter()
        .map(|(s, v)| (s.name.to_string(), v))
        .collect()
}

/// The classes' boundaries and how to name them.
struct Scale {
    thresholds: Vec<f64>,
    min: f64,
    integer: bool,
    /// One class per distinct value: each class is named by its value.
    exact: bool,
}

impl Scale {
    fn new(values: &[f64], classes: &Classes) -> Scale {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let min = sorted.first().copied().unwrap_or(0.0);
        let mut exact = false;
        let mut thresholds = match classes {
            Classes::Thresholds(t) => {
                let mut t: Vec<f64> = t.iter().copied().filter(|x| x.is_finite()).collect();
                t.sort_by(f64::total_cmp);
                t.dedup();
                t.truncate(4);
                t
            }
            Classes::Auto => {
                let mut distinct = sorted.clone();
                distinct.dedup();
                if distinct.len() <= 5 {
                    exact = true;
                    distinct.into_iter().skip(1).collect()
                } else {
                    let n = sorted.len();
                    let mut t: Vec<f64> = (1..5).map(|k| sorted[(n * k / 5).min(n - 1)]).collect();
                    t.dedup();
                    t.retain(|x| *x > min);
                    t
                }
            }
        };
        thresholds.dedup();
        let integer = sorted.iter().chain(&thresholds).all(|v| v.fract() == 0.0);
        Scale {
            thresholds,
            min,
            integer,
            exact,
        }
    }

    fn count(&self) -> usize {
        self.thresholds.len() + 1
    }

    fn class_of(&self, v: f64) -> usize {
        self.thresholds.iter().filter(|t| v >= **t).count()
    }

    fn label(&self, tr: Tr, i: usize, d: usize) -> String {
        let n = |x: f64| tr.number(x, d);
        let t = &self.thresholds;
        let range = |a: f64, b: f64| {
            if a == b {
                n(a)
            } else {
                tr.t_args(
                    "chart-class-range",
                    &[("from", n(a).into()), ("to", n(b).into())],
                )
            }
        };
        let last = i + 1 == self.count();
        if self.exact {
            return n(if i == 0 {
                self.min
            } else {
                t.get(i - 1).copied().unwrap_or(self.min)
            });
        }
        match (i, t.get(i.wrapping_sub(1)), t.get(i)) {
            (0, _, None) => n(self.min),
            (0, _, Some(hi)) if self.integer => range(self.min.min(hi - 1.0), hi - 1.0),
            (0, _, Some(hi)) => tr.t_arg("chart-class-under", "value", n(*hi)),
            (_, Some(lo), _) if last => tr.t_arg("chart-class-over", "value", n(*lo)),
            (_, Some(lo), Some(hi)) if self.integer => range(*lo, hi - 1.0),
            (_, Some(lo), Some(hi)) => range(*lo, *hi),
            _ => String::new(),
        }
    }
}

/// Blues, light to dark (ColorBrewer's sequential Blues), and a hatch that grows denser with the
/// class, so that classes differ without colour too.
const SHADES: [(Rgb, Option<Hatch>, f32); 5] = [
    (Rgb(0xc6, 0xdb, 0xef), None, 0.0),
    (Rgb(0x9e, 0xca, 0xe1), Some(Hatch::Dots), 18.0),
    (Rgb(0x6b, 0xae, 0xd6), Some(Hatch::Diagonal), 16.0),
    (Rgb(0x21, 0x71, 0xb5), Some(Hatch::Cross), 16.0),
    (Rgb(0x08, 0x30, 0x6b), Some(Hatch::Cross), 10.0),
];
const NO_DATA: Rgb = Rgb::WHITE;

/// The fill of class `i` of `n`: shades spread over the scale.
fn class_fill(i: usize, n: usize) -> Fill {
    let idx = match n {
        0 | 1 => 2,
        2 => [1, 3][i.min(1)],
        3 => [0, 2, 4][i.min(2)],
        4 => [0, 1, 3, 4][i.min(3)],
        _ => i.min(4),
    };
    let (color, hatch, spacing) = SHADES[idx];
    Fill {
        color,
        hatch,
        spacing,
    }
}

const FONT: f32 = 40.0;

pub(crate) fn scene(
    chart: &Chart,
    tr: Tr,
    level: MapLevel,
    values: &[(String, f64)],
    classes: &Classes,
) -> Scene {
    let map = &*MAP;
    let d = chart.decimals;
    let valued = valued(level, values);
    let scale = Scale::new(&valued.iter().map(|v| v.1).collect::<Vec<_>>(), classes);
    let mut items = Vec::new();
    for inset in &map.insets {
        items.push(Item::Rect {
            x: inset.x + 1.0,
            y: inset.y + 1.0,
            w: inset.w - 2.0,
            h: inset.h - 2.0,
            fill: None,
            stroke: Some(Stroke::solid(Rgb::RULE, 2.0)),
            title: None,
        });
        let name = geo::department(inset.code)
            .map(|d| d.name)
            .unwrap_or_default();
        items.push(Item::Text {
            x: inset.x + 4.0,
            y: inset.y + inset.h + 30.0,
            text: name.to_string(),
            size: 30.0,
            anchor: Anchor::Start,
            bold: false,
            color: Rgb(0x44, 0x44, 0x44),
        });
    }
    let border = match level {
        MapLevel::Regions => 2.5,
        MapLevel::Departments => 1.5,
    };
    for s in shapes(level) {
        let value = valued.iter().find(|v| std::ptr::eq(v.0, s)).map(|v| v.1);
        let (fill, what) = match value {
            Some(v) => (
                class_fill(scale.class_of(v), scale.count()),
                tr.number(v, d),
            ),
            None => (Fill::solid(NO_DATA), tr.t("chart-no-data")),
        };
        items.push(Item::Path {
            segs: s.segs.clone(),
            svg: Some(s.d),
            fill: Some(fill),
            stroke: Some(Stroke::solid(Rgb(0x55, 0x55, 0x55), border)),
            class: match level {
                MapLevel::Regions => "region".to_string(),
                MapLevel::Departments => "department".to_string(),
            },
            code: Some(s.code.to_string()),
            title: Some(format!("{} ({}){} {what}", s.name, s.code, tr.colon())),
        });
    }
    if level == MapLevel::Departments {
        // region borders over the departments
        for r in shapes(MapLevel::Regions) {
            items.push(Item::Path {
                segs: r.segs.clone(),
                svg: Some(r.d),
                fill: None,
                stroke: Some(Stroke::solid(Rgb::INK, 4.0)),
                class: "region-border".to_string(),
                code: None,
                title: None,
            });
        }
    }
    if let (MapLevel::Departments, Some(z)) = (level, &map.zoom) {
        items.push(Item::Rect {
            x: z.x + 1.0,
            y: z.y + 1.0,
            w: z.w - 2.0,
            h: z.h - 2.0,
            fill: None,
            stroke: Some(Stroke::solid(Rgb::RULE, 2.0)),
            title: None,
        });
        items.push(Item::Text {
            x: z.x + 4.0,
            y: z.y + z.h + 30.0,
            text: tr.t("chart-map-zoom"),
            size: 30.0,
            anchor: Anchor::Start,
            bold: false,
            color: Rgb(0x44, 0x44, 0x44),
        });
        for s in &map.zoomed {
            let value = valued.iter().find(|v| v.0.code == s.code).map(|v| v.1);
            let (fill, what) = match value {
                Some(v) => (
                    class_fill(scale.class_of(v), scale.count()),
                    tr.number(v, d),
                ),
                None => (Fill::solid(NO_DATA), tr.t("chart-no-data")),
            };
            items.push(Item::Path {
                segs: s.segs.clone(),
                svg: Some(s.d),
                fill: Some(fill),
                stroke: Some(Stroke::solid(Rgb(0x55, 0x55, 0x55), border)),
                class: "zoom".to_string(),
                code: None,
                title: Some(format!("{} ({}){} {what}", s.name, s.code, tr.colon())),
            });
        }
    }
    // legend, lower left (below the insets)
    let (lx, mut ly) = (
        10.0f32,
        map.insets.iter().map(|i| i.y + i.h).fold(0.0f32, f32::max) + 110.0,
    );
    let label = if chart.value_label.is_empty() {
        tr.t("chart-value")
    } else {
        chart.value_label.clone()
    };
    items.push(Item::Text {
        x: lx,
        y: ly,
        text: fit(&label, 700.0, FONT),
        size: FONT,
        anchor: Anchor::Start,
        bold: true,
        color: Rgb::INK,
    });
    ly += 20.0;
    let mut rows: Vec<(Fill, String)> = (0..scale.count())
        .filter(|_| !valued.is_empty())
        .map(|i| (class_fill(i, scale.count()), scale.label(tr, i, d)))
        .collect();
    rows.push((Fill::solid(NO_DATA), tr.t("chart-no-data")));
    for (fill, text) in rows {
        items.push(Item::Rect {
            x: lx,
            y: ly,
            w: 70.0,
            h: 42.0,
            fill: Some(fill),
            stroke: Some(Stroke::solid(Rgb(0x55, 0x55, 0x55), 2.0)),
            title: None,
        });
        items.push(Item::Text {
            x: lx + 86.0,
            y: ly + 34.0,
            text,
            size: FONT,
            anchor: Anchor::Start,
            bold: false,
            color: Rgb::INK,
        });
        ly += 54.0;
    }
    let legend_w = 86.0 + text_width(&tr.t("chart-no-data"), FONT, false);
    Scene {
        width: map.width.max(legend_w),
        height: map.height.max(ly + 10.0),
        items,
    }
}

pub(crate) fn table(
    t: &mut Table,
    tr: Tr,
    level: MapLevel,
    values: &[(String, f64)],
    classes: &Classes,
    value_label: &str,
    d: usize,
) {
    let valued = valued(level, values);
    let scale = Scale::new(&valued.iter().map(|v| v.1).collect::<Vec<_>>(), classes);
    t.header = vec![
        tr.t("chart-code"),
        tr.t(match level {
            MapLevel::Regions => "chart-region",
            MapLevel::Departments => "chart-department",
        }),
        value_label.to_string(),
        tr.t("chart-class"),
    ];
    t.numeric = vec![false, false, true, false];
    t.rows = shapes(level)
        .iter()
        .map(|s| {
            let value = valued.iter().find(|v| std::ptr::eq(v.0, s)).map(|v| v.1);
            vec![
                s.code.to_string(),
                s.name.to_string(),
                value.map_or_else(|| "–".to_string(), |v| tr.number(v, d)),
                value.map_or_else(
                    || tr.t("chart-no-data"),
                    |v| scale.label(tr, scale.class_of(v), d),
                ),
            ]
        })
        .collect();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn the_map_has_every_region_and_department_of_the_domain() {
        let deps = shapes(MapLevel::Departments);
        assert_eq!(deps.len(), 101);
        for d in geo::departments().iter().filter(|d| d.is_department()) {
            let s = deps.iter().find(|s| s.code == d.code);
            assert!(
                s.is_some_and(|s| s.region == d.region_code && s.segs.len() > 3),
                "{}",
                d.code
            );
        }
        let regs = shapes(MapLevel::Regions);
        assert_eq!(regs.len(), 18);
        assert_eq!(
            regs.iter().map(|r| r.code).collect::<Vec<_>>(),
            geo::regions().iter().map(|r| r.code).collect::<Vec<_>>()
        );
        // every shape lies inside the map
        for s in deps.iter().chain(regs) {
            for seg in &s.segs {
                if let Seg::Move(x, y) | Seg::Line(x, y) = seg {
                    assert!(
                        *x >= -1.0 && *x <= MAP.width + 1.0 && *y >= -1.0 && *y <= MAP.height + 1.0,
                        "{} {x} {y}",
                        s.code
                    );
                }
            }
        }
        assert_eq!(MAP.insets.len(), 5);
        let zoomed: Vec<&str> = MAP.zoomed.iter().map(|s| s.code).collect();
        assert_eq!(zoomed, vec!["75", "92", "93", "94"]);
        assert!(MAP.zoom.is_some());
    }

    #[test]
    fn paths_read_back() {
        assert_eq!(
            parse_path("M10 20l5-5 -5 0zM1 1l1 1z"),
            vec![
                Seg::Move(10.0, 20.0),
                Seg::Line(15.0, 15.0),
                Seg::Line(10.0, 15.0),
                Seg::Close,
                Seg::Move(1.0, 1.0),
                Seg::Line(2.0, 2.0),
                Seg::Close
            ]
        );
    }

    #[test]
    fn classes() {
        let tr = Tr::new(Lang::Fr);
        let s = Scale::new(&[0.0, 1.0, 2.0], &Classes::Auto);
        assert_eq!(s.count(), 3);
        assert_eq!(
            (s.class_of(0.0), s.class_of(1.0), s.class_of(2.0)),
            (0, 1, 2)
        );
        assert_eq!(s.label(tr, 0, 0), "0");
        assert_eq!(s.label(tr, 2, 0), "2");
        let values: Vec<f64> = (0..100).map(f64::from).collect();
        let s = Scale::new(&values, &Classes::Auto);
        assert_eq!(s.count(), 5);
        assert_eq!(s.label(tr, 0, 0), "0 à 19");
        assert_eq!(s.label(tr, 1, 0), "20 à 39");
        assert_eq!(s.label(tr, 4, 0), "80 et plus");
        let s = Scale::new(&[0.5, 2.5], &Classes::Thresholds(vec![1.0, 2.0]));
        assert_eq!(s.label(Tr::new(Lang::En), 0, 1), "under 1");
        assert_eq!(s.label(Tr::new(Lang::En), 1, 1), "1 to 2");
        assert_eq!(s.label(Tr::new(Lang::En), 2, 1), "2 or more");
        assert_eq!(
            unknown_codes(
                MapLevel::Departments,
                &[("2a".into(), 1.0), ("99".into(), 1.0), ("975".into(), 2.0)]
            )
            .map(|p| p.to_string()),
            Some("chart-map-unknown-codes(codes=\"99, 975\", count=2)".to_string())
        );
        assert_eq!(
            unknown_codes(MapLevel::Regions, &[("53".into(), 1.0)]),
            None
        );
    }
}
