//! Lays the charts out into [`Scene`]s, writes their tables and their text alternatives.

use chrono::{Datelike, NaiveDate, TimeZone};

use super::scene::{Anchor, Fill, Hatch, Item, MarkerShape, Rgb, Scene, Stroke};
use super::text::{fit, text_width};
use super::{map, Chart, Kind, Orientation, Series, Table};
use crate::i18n::{Tr, Value};

/// Width of bar and line charts, in scene units (CSS pixels at their natural size).
pub(crate) const WIDTH: f32 = 640.0;
const FONT: f32 = 12.0;
const SMALL: f32 = 11.0;
const AXIS: Rgb = Rgb(0x44, 0x44, 0x44);
const GRID: Rgb = Rgb(0xd9, 0xd9, 0xd9);
/// Single-series bars: Okabe–Ito's blue (their values are written at their end).
const BAR: Rgb = Rgb(0x00, 0x72, 0xb2);

/// Series colours (Okabe & Ito's colour-blind-safe palette, warm first so that a severity
/// breakdown reads critical → low) and the hatch that goes with each.
pub(crate) const SERIES: [(Rgb, Option<Hatch>); 8] = [
    (Rgb(0xd5, 0x5e, 0x00), None),
    (Rgb(0xe6, 0x9f, 0x00), Some(Hatch::Diagonal)),
    (Rgb(0xf0, 0xe4, 0x42), Some(Hatch::Dots)),
    (Rgb(0x56, 0xb4, 0xe9), Some(Hatch::Horizontal)),
    (Rgb(0x00, 0x72, 0xb2), Some(Hatch::BackDiagonal)),
    (Rgb(0x00, 0x9e, 0x73), Some(Hatch::Cross)),
    (Rgb(0xcc, 0x79, 0xa7), Some(Hatch::Vertical)),
    (Rgb(0x99, 0x99, 0x99), Some(Hatch::Dots)),
];
/// Line colours: Okabe & Ito's palette without its yellow, too light for a thin line on white.
const LINE_COLORS: [Rgb; 7] = [
    Rgb(0xd5, 0x5e, 0x00),
    Rgb(0x00, 0x72, 0xb2),
    Rgb(0x00, 0x9e, 0x73),
    Rgb(0xcc, 0x79, 0xa7),
    Rgb(0xe6, 0x9f, 0x00),
    Rgb(0x56, 0xb4, 0xe9),
    Rgb(0x00, 0x00, 0x00),
];
const DASHES: [&[f32]; 4] = [&[], &[7.0, 4.0], &[2.0, 3.0], &[9.0, 3.0, 2.0, 3.0]];
const MARKERS: [MarkerShape; 4] = [
    MarkerShape::Circle,
    MarkerShape::Square,
    MarkerShape::Triangle,
    MarkerShape::Diamond,
];

pub(crate) fn series_fill(i: usize) -> Fill {
    let (color, hatch) = SERIES[i % SERIES.len()];
    Fill {
        color,
        hatch,
        spacing: 6.0,
    }
}

fn text(x: f32, y: f32, s: impl Into<String>, size: f32, anchor: Anchor, color: Rgb) -> Item {
    Item::Text {
        x,
        y,
        text: s.into(),
        size,
        anchor,
        bold: false,
        color,
    }
}

fn line(x1: f32, y1: f32, x2: f32, y2: f32, color: Rgb, width: f32) -> Item {
    Item::Polyline {
        points: vec![(x1, y1), (x2, y2)],
        stroke: Stroke::solid(color, width),
    }
}

fn clean(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// Round tick values covering `[lo, hi]`: steps of 1, 2 or 5 times a power of ten, about five.
pub(crate) fn nice_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).floor();
    let mut ticks = Vec::new();
    for k in 0..50 {
        // whole multiples of the step, rounded: no 0.6000000000000001
        let t = ((first + f64::from(k)) * step * 1e9).round() / 1e9;
        ticks.push(if t == 0.0 { 0.0 } else { t });
        if t >= hi - step * 1e-9 {
            break;
        }
    }
    ticks
}

pub(crate) fn scene(chart: &Chart, tr: Tr) -> Scene {
    match &chart.kind {
        Kind::Bars { orientation, bars } => {
            let cats: Vec<(String, Vec<f64>)> = bars
                .iter()
                .map(|b| (b.label.clone(), vec![clean(b.value)]))
                .collect();
            match orientation {
                Orientation::Horizontal => horizontal(chart, tr, &cats, false),
                Orientation::Vertical => vertical(chart, tr, &cats, false),
            }
        }
        Kind::Stacked {
            orientation,
            series,
            categories,
        } => {
            let cats: Vec<(String, Vec<f64>)> = categories
                .iter()
                .map(|c| {
                    let mut v: Vec<f64> = c.values.iter().map(|x| clean(*x)).collect();
                    v.resize(series.len().max(1), 0.0);
                    (c.label.clone(), v)
                })
                .collect();
            let mut s = match orientation {
                Orientation::Horizontal => horizontal(chart, tr, &cats, true),
                Orientation::Vertical => vertical(chart, tr, &cats, true),
            };
            legend_on_top(&mut s, series);
            s
        }
        Kind::Lines { series } => lines(chart, tr, series),
        Kind::Map {
            level,
            values,
            classes,
        } => map::scene(chart, tr, *level, values, classes),
    }
}

/// Moves everything down and puts the series' legend (swatch with its hatch, name) on top.
fn legend_on_top(s: &mut Scene, series: &[String]) {
    let mut items = Vec::new();
    let (mut x, mut y) = (0.0f32, 4.0f32);
    for (i, name) in series.iter().enumerate() {
        let w = 14.0 + 6.0 + text_width(name, FONT, false) + 16.0;
        if x > 0.0 && x + w > s.width {
            x = 0.0;
            y += 20.0;
        }
        items.push(Item::Rect {
            x,
            y,
            w: 14.0,
            h: 14.0,
            fill: Some(series_fill(i)),
            stroke: Some(Stroke::solid(AXIS, 0.5)),
            title: None,
        });
        items.push(text(
            x + 20.0,
            y + 11.5,
            name.clone(),
            FONT,
            Anchor::Start,
            Rgb::INK,
        ));
        x += w;
    }
    let shift = y + 26.0;
    for it in &mut s.items {
        shift_item(it, shift);
    }
    items.append(&mut s.items);
    s.items = items;
    s.height += shift;
}

fn shift_item(it: &mut Item, dy: f32) {
    match it {
        Item::Rect { y, .. } | Item::Marker { y, .. } | Item::Text { y, .. } => *y += dy,
        Item::Polyline { points, .. } => points.iter_mut().for_each(|p| p.1 += dy),
        Item::Path { segs, .. } => {
            for s in segs {
                match s {
                    super::scene::Seg::Move(_, y) | super::scene::Seg::Line(_, y) => *y += dy,
                    super::scene::Seg::Close => {}
                }
            }
        }
    }
}

fn bar_title(tr: Tr, label: &str, value: String) -> Option<String> {
    Some(format!("{}{} {value}", label, tr.colon()))
}

/// Horizontal bars, one row per category (segments when `stacked`), value at the end.
fn horizontal(chart: &Chart, tr: Tr, cats: &[(String, Vec<f64>)], stacked: bool) -> Scene {
    let d = chart.decimals;
    let totals: Vec<f64> = cats.iter().map(|c| c.1.iter().sum()).collect();
    let max = totals.iter().copied().fold(0.0f64, f64::max);
    let label_w = cats
        .iter()
        .map(|c| text_width(&c.0, FONT, false))
        .fold(0.0f32, f32::max)
        .min(WIDTH * 0.38);
    let value_w = totals
        .iter()
        .map(|t| text_width(&tr.number(*t, d), FONT, true))
        .fold(0.0f32, f32::max);
    let x0 = label_w + 10.0;
    let plot = (WIDTH - x0 - value_w - 10.0).max(40.0);
    let row = 26.0;
    let mut items = Vec::new();
    for (i, (label, values)) in cats.iter().enumerate() {
        let y = 4.0 + i as f32 * row;
        items.push(text(
            label_w,
            y + 13.0,
            fit(label, label_w, FONT),
            FONT,
            Anchor::End,
            Rgb::INK,
        ));
        let mut x = x0;
        for (j, v) in values.iter().enumerate() {
            let w = if max > 0.0 {
                (v.max(0.0) / max) as f32 * plot
            } else {
                0.0
            };
            if w > 0.0 {
                items.push(bar_rect(
                    chart,
                    tr,
                    stacked,
                    j,
                    label,
                    *v,
                    [x, 1.0 + y, w, 18.0],
                ));
            }
            x += w;
        }
        let total = totals.get(i).copied().unwrap_or(0.0);
        items.push(Item::Text {
            x: x + 5.0,
            y: y + 14.0,
            text: tr.number(total, d),
            size: FONT,
            anchor: Anchor::Start,
            bold: true,
            color: Rgb::INK,
        });
    }
    let height = 8.0 + cats.len().max(1) as f32 * row;
    items.push(line(x0, 0.0, x0, height - 2.0, AXIS, 1.0));
    Scene {
        width: WIDTH,
        height,
        items,
    }
}

/// A bar, or segment `j` of a stacked bar, at `[x, y, w, h]`, saying what it is.
fn bar_rect(
    chart: &Chart,
    tr: Tr,
    stacked: bool,
    j: usize,
    label: &str,
    v: f64,
    [x, y, w, h]: [f32; 4],
) -> Item {
    let value = tr.number(v, chart.decimals);
    Item::Rect {
        x,
        y,
        w,
        h,
        fill: Some(if stacked {
            series_fill(j)
        } else {
            Fill::solid(BAR)
        }),
        stroke: stacked.then(|| Stroke::solid(Rgb::WHITE, 0.75)),
        title: if stacked {
            series_title(chart, j, tr, label, value)
        } else {
            bar_title(tr, label, value)
        },
    }
}

fn series_title(chart: &Chart, j: usize, tr: Tr, label: &str, value: String) -> Option<String> {
    let name = match &chart.kind {
        Kind::Stacked { series, .. } => series.get(j).cloned().unwrap_or_default(),
        _ => String::new(),
    };
    Some(format!("{label} — {name}{} {value}", tr.colon()))
}

/// The value axis' ticks, their labels and the width the labels need.
fn value_axis(tr: Tr, lo: f64, hi: f64, decimals: usize) -> (Vec<f64>, Vec<String>, f32) {
    let ticks = nice_ticks(lo, hi);
    let labels: Vec<String> = ticks.iter().map(|t| tr.number(*t, decimals)).collect();
    let w = labels
        .iter()
        .map(|l| text_width(l, SMALL, false))
        .fold(0.0f32, f32::max);
    (ticks, labels, w)
}

/// Vertical bars (stacked when asked): a value axis with grid lines, values above the bars.
fn vertical(chart: &Chart, tr: Tr, cats: &[(String, Vec<f64>)], stacked: bool) -> Scene {
    let d = chart.decimals;
    let totals: Vec<f64> = cats.iter().map(|c| c.1.iter().sum()).collect();
    let max = totals.iter().copied().fold(0.0f64, f64::max);
    let (ticks, labels, lw) = value_axis(tr, 0.0, max, d);
    let top_value = ticks.last().copied().unwrap_or(1.0).max(f64::MIN_POSITIVE);
    let (x0, y0, y1) = (lw + 8.0, 18.0f32, 262.0f32);
    let plot_w = WIDTH - x0 - 4.0;
    let sy = |v: f64| y1 - ((v / top_value) as f32).clamp(0.0, 1.0) * (y1 - y0);
    let mut items = Vec::new();
    for (t, l) in ticks.iter().zip(&labels) {
        let y = sy(*t);
        items.push(line(x0, y, WIDTH - 4.0, y, GRID, 0.75));
        items.push(text(x0 - 4.0, y + 4.0, l.clone(), SMALL, Anchor::End, AXIS));
    }
    let n = cats.len().max(1) as f32;
    let slot = plot_w / n;
    let bw = (slot * 0.62).min(70.0);
    for (i, (label, values)) in cats.iter().enumerate() {
        let cx = x0 + slot * (i as f32 + 0.5);
        let mut acc = 0.0f64;
        for (j, v) in values.iter().enumerate() {
            let v = v.max(0.0);
            if v > 0.0 {
                let (ya, yb) = (sy(acc), sy(acc + v));
                items.push(bar_rect(
                    chart,
                    tr,
                    stacked,
                    j,
                    label,
                    v,
                    [cx - bw / 2.0, yb, bw, ya - yb],
                ));
            }
            acc += v;
        }
        items.push(Item::Text {
            x: cx,
            y: sy(acc) - 5.0,
            text: tr.number(totals.get(i).copied().unwrap_or(0.0), d),
            size: SMALL,
            anchor: Anchor::Middle,
            bold: true,
            color: Rgb::INK,
        });
        items.push(text(
            cx,
            y1 + 16.0,
            fit(label, slot - 4.0, SMALL),
            SMALL,
            Anchor::Middle,
            Rgb::INK,
        ));
    }
    items.push(line(x0, y1, WIDTH - 4.0, y1, AXIS, 1.0));
    Scene {
        width: WIDTH,
        height: y1 + 26.0,
        items,
    }
}

/// Axis ticks of a time span: days (or weeks) for up to about two months, months beyond.
pub(crate) fn time_ticks(t0: i64, t1: i64, tr: Tr) -> Vec<(i64, String)> {
    let tz = chrono_tz::Europe::Paris;
    let day = 86_400;
    let span_days = (t1.saturating_sub(t0) / day).max(1);
    let at = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|n| tz.from_local_datetime(&n).earliest())
            .map(|t| t.timestamp())
    };
    let Some(start) = crate::i18n::paris(t0).map(|d| d.date_naive()) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if span_days > 75 {
        let months = span_days / 30;
        let step = [1, 2, 3, 6, 12, 24, 60]
            .into_iter()
            .find(|s| months / s <= 6)
            .unwrap_or(120);
        let (mut y, mut m) = (start.year(), start.month0() as i64);
        // first month start at or after t0, on a multiple of the step
        loop {
            if let Some(t) = NaiveDate::from_ymd_opt(y, (m + 1) as u32, 1).and_then(at) {
                if t >= t0 && (m % step == 0 || step >= 12 && m == 0) {
                    break;
                }
            }
            m += 1;
            if m == 12 {
                m = 0;
                y += 1;
            }
            if y > start.year() + 200 {
                return out;
            }
        }
        while let Some(t) = NaiveDate::from_ymd_opt(y, (m + 1) as u32, 1).and_then(at) {
            if t > t1 || out.len() > 12 {
                break;
            }
            out.push((t, tr.month_year(t)));
            m += step;
            y += (m / 12) as i32;
            m %= 12;
        }
    } else {
        let step = [1, 2, 3, 7, 14, 28]
            .into_iter()
            .find(|s| span_days / s <= 6)
            .unwrap_or(28);
        let mut d = start;
        if step == 7 || step == 14 || step == 28 {
            // weeks start on Monday
            while d.weekday() != chrono::Weekday::Mon {
                match d.succ_opt() {
                    Some(next) => d = next,
                    None => return out,
                }
            }
        }
        while let Some(t) = at(d) {
            if t > t1 || out.len() > 12 {
                break;
            }
            if t >= t0 {
                out.push((t, tr.day_month(t)));
            }
            match d.checked_add_days(chrono::Days::new(step as u64)) {
                Some(next) => d = next,
                None => break,
            }
        }
    }
    out
}

/// Lines over time: value grid, date ticks, each series with its dash, markers and name.
fn lines(chart: &Chart, tr: Tr, series: &[Series]) -> Scene {
    let d = chart.decimals;
    let pts = series.iter().flat_map(|s| s.points.iter());
    let (mut t0, mut t1, mut lo, mut hi) = (i64::MAX, i64::MIN, 0.0f64, f64::MIN);
    for (t, v) in pts {
        t0 = t0.min(*t);
        t1 = t1.max(*t);
        lo = lo.min(clean(*v));
        hi = hi.max(clean(*v));
    }
    if t0 > t1 {
        (t0, t1, hi) = (0, 86_400, 1.0);
    }
    if t1 == t0 {
        t0 = t0.saturating_sub(86_400);
        t1 = t1.saturating_add(86_400);
    }
    let (ticks, labels, lw) = value_axis(tr, lo, hi.max(lo), d);
    let (vmin, vmax) = (
        ticks.first().copied().unwrap_or(0.0),
        ticks.last().copied().unwrap_or(1.0),
    );
    let name_w = series
        .iter()
        .map(|s| text_width(&s.name, SMALL, false))
        .fold(0.0f32, f32::max)
        .min(150.0);
    let (x0, x1, y0, y1) = (lw + 8.0, WIDTH - name_w - 14.0, 10.0f32, 280.0f32);
    // in floating point: the difference of two far-apart times overflows an i64
    let sx = |t: i64| x0 + ((t as f64 - t0 as f64) / (t1 as f64 - t0 as f64)) as f32 * (x1 - x0);
    let sy = |v: f64| {
        let span = (vmax - vmin).max(f64::MIN_POSITIVE);
        y1 - (((v - vmin) / span) as f32).clamp(0.0, 1.0) * (y1 - y0)
    };
    let mut items = Vec::new();
    for (t, l) in ticks.iter().zip(&labels) {
        let y = sy(*t);
        items.push(line(x0, y, x1, y, GRID, 0.75));
        items.push(text(x0 - 4.0, y + 4.0, l.clone(), SMALL, Anchor::End, AXIS));
    }
    for (t, l) in time_ticks(t0, t1, tr) {
        let x = sx(t);
        items.push(line(x, y1, x, y1 + 4.0, AXIS, 1.0));
        items.push(text(x, y1 + 17.0, l, SMALL, Anchor::Middle, AXIS));
    }
    items.push(line(x0, y1, x1, y1, AXIS, 1.0));
    items.push(line(x0, y0, x0, y1, AXIS, 1.0));
    let mut ends: Vec<(f32, usize)> = Vec::new();
    for (i, s) in series.iter().enumerate() {
        let mut p = s.points.clone();
        p.sort_by_key(|x| x.0);
        let color = LINE_COLORS[i % LINE_COLORS.len()];
        let points: Vec<(f32, f32)> = p.iter().map(|(t, v)| (sx(*t), sy(clean(*v)))).collect();
        if points.len() > 1 {
            items.push(Item::Polyline {
                points: points.clone(),
                stroke: Stroke {
                    color,
                    width: 2.0,
                    dash: DASHES[i % DASHES.len()].to_vec(),
                },
            });
        }
        if points.len() <= 60 {
            for (x, y) in &points {
                items.push(Item::Marker {
                    x: *x,
                    y: *y,
                    shape: MARKERS[i % MARKERS.len()],
                    size: 7.0,
                    fill: color,
                });
            }
        }
        if let Some((_, y)) = points.last() {
            ends.push((*y, i));
        }
    }
    // names at the lines' ends, pushed apart so that they never overlap
    ends.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut last = f32::MIN;
    for (y, i) in ends {
        let y = y.max(last + 13.0);
        last = y;
        items.push(text(
            x1 + 8.0,
            y + 4.0,
            fit(&series[i].name, name_w + 2.0, SMALL),
            SMALL,
            Anchor::Start,
            LINE_COLORS[i % LINE_COLORS.len()].darker_for_text(),
        ));
    }
    Scene {
        width: WIDTH,
        height: y1 + 26.0,
        items,
    }
}

impl Rgb {
    /// This colour, darkened until text in it reads on white (contrast 4.5:1 or more).
    pub(crate) fn darker_for_text(self) -> Rgb {
        let mut c = self;
        for _ in 0..20 {
            if (1.05 / (c.luminance() + 0.05)) >= 4.5 {
                break;
            }
            c = Rgb(
                (f32::from(c.0) * 0.85) as u8,
                (f32::from(c.1) * 0.85) as u8,
                (f32::from(c.2) * 0.85) as u8,
            );
        }
        c
    }
}

fn extremes(tr: Tr, d: usize, items: &[(String, f64)]) -> String {
    // the first of equal values is named
    let max = items.iter().fold(None::<&(String, f64)>, |m, x| match m {
        Some(m) if m.1 >= x.1 => Some(m),
        _ => Some(x),
    });
    let min = items.iter().fold(None::<&(String, f64)>, |m, x| match m {
        Some(m) if m.1 <= x.1 => Some(m),
        _ => Some(x),
    });
    match (max, min) {
        (Some(max), _) if items.len() == 1 => tr.t_args(
            "chart-describe-one",
            &[
                ("label", Value::from(max.0.as_str())),
                ("value", tr.number(max.1, d).into()),
            ],
        ),
        (Some(max), Some(min)) if max.1 == min.1 => {
            tr.t_arg("chart-describe-same", "value", tr.number(max.1, d))
        }
        (Some(max), Some(min)) => tr.t_args(
            "chart-describe-extremes",
            &[
                ("max_label", Value::from(max.0.as_str())),
                ("max", tr.number(max.1, d).into()),
                ("min_label", Value::from(min.0.as_str())),
                ("min", tr.number(min.1, d).into()),
            ],
        ),
        _ => String::new(),
    }
}

pub(crate) fn describe(chart: &Chart, tr: Tr) -> String {
    let d = chart.decimals;
    match &chart.kind {
        Kind::Bars { bars, .. } => {
            if bars.is_empty() {
                return tr.t("chart-describe-empty");
            }
            let items: Vec<(String, f64)> = bars
                .iter()
                .map(|b| (b.label.clone(), clean(b.value)))
                .collect();
            format!(
                "{} {}",
                tr.count("chart-describe-count", bars.len()),
                extremes(tr, d, &items)
            )
        }
        Kind::Stacked {
            series, categories, ..
        } => {
            if categories.is_empty() {
                return tr.t("chart-describe-empty");
            }
            let items: Vec<(String, f64)> = categories
                .iter()
                .map(|c| (c.label.clone(), c.values.iter().map(|v| clean(*v)).sum()))
                .collect();
            format!(
                "{} {}",
                tr.t_args(
                    "chart-describe-stacked",
                    &[
                        ("count", categories.len().into()),
                        ("series", series.len().into())
                    ]
                ),
                extremes(tr, d, &items)
            )
        }
        Kind::Lines { series } => {
            let all: Vec<i64> = series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
                .collect();
            let (Some(from), Some(to)) = (all.iter().min(), all.iter().max()) else {
                return tr.t("chart-describe-empty");
            };
            let mut out = tr.t_args(
                "chart-describe-period",
                &[
                    ("series", series.len().into()),
                    ("from", tr.date(*from).into()),
                    ("to", tr.date(*to).into()),
                ],
            );
            for s in series {
                let mut p = s.points.clone();
                p.sort_by_key(|x| x.0);
                if let (Some(first), Some(last)) = (p.first(), p.last()) {
                    out.push(' ');
                    out.push_str(&tr.t_args(
                        "chart-describe-series",
                        &[
                            ("name", Value::from(s.name.as_str())),
                            ("first", tr.number(clean(first.1), d).into()),
                            ("last", tr.number(clean(last.1), d).into()),
                        ],
                    ));
                }
            }
            out
        }
        Kind::Map { level, values, .. } => {
            let named = map::named_values(*level, values);
            let all = map::shapes(*level).len();
            let key = match level {
                super::MapLevel::Regions => "chart-describe-map-regions",
                super::MapLevel::Departments => "chart-describe-map-departments",
            };
            let head = tr.t_args(key, &[("with", named.len().into()), ("all", all.into())]);
            if named.is_empty() {
                head
            } else {
                format!("{head} {}", extremes(tr, d, &named))
            }
        }
    }
}

pub(crate) fn table(chart: &Chart, tr: Tr) -> Table {
    let d = chart.decimals;
    let first = |fallback: &str| {
        if chart.category_label.is_empty() {
            tr.t(fallback)
        } else {
            chart.category_label.clone()
        }
    };
    let value = if chart.value_label.is_empty() {
        tr.t("chart-value")
    } else {
        chart.value_label.clone()
    };
    let mut t = Table {
        caption: chart.title.clone(),
        ..Table::default()
    };
    match &chart.kind {
        Kind::Bars { bars, .. } => {
            t.header = vec![first("chart-category"), value];
            t.numeric = vec![false, true];
            t.rows = bars
                .iter()
                .map(|b| vec![b.label.clone(), tr.number(clean(b.value), d)])
                .collect();
        }
        Kind::Stacked {
            series, categories, ..
        } => {
            t.header = std::iter::once(first("chart-category"))
                .chain(series.iter().cloned())
                .chain(std::iter::once(tr.t("chart-total")))
                .collect();
            t.numeric = std::iter::once(false)
                .chain(std::iter::repeat_n(true, series.len() + 1))
                .collect();
            t.rows = categories
                .iter()
                .map(|c| {
                    let mut row = vec![c.label.clone()];
                    let mut total = 0.0;
                    for i in 0..series.len() {
                        let v = clean(c.values.get(i).copied().unwrap_or(0.0));
                        total += v;
                        row.push(tr.number(v, d));
                    }
                    row.push(tr.number(total, d));
                    row
                })
                .collect();
        }
        Kind::Lines { series } => {
            t.header = std::iter::once(first("chart-date"))
                .chain(series.iter().map(|s| s.name.clone()))
                .collect();
            t.numeric = std::iter::once(false)
                .chain(std::iter::repeat_n(true, series.len()))
                .collect();
            let mut times: Vec<i64> = series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.0))
                .collect();
            times.sort_unstable();
            times.dedup();
            t.rows = times
                .iter()
                .map(|x| {
                    std::iter::once(tr.date(*x))
                        .chain(series.iter().map(|s| {
                            s.points
                                .iter()
                                .find(|p| p.0 == *x)
                                .map(|p| tr.number(clean(p.1), d))
                                .unwrap_or_else(|| "–".to_string())
                        }))
                        .collect()
                })
                .collect();
        }
        Kind::Map {
            level,
            values,
            classes,
        } => map::table(&mut t, tr, *level, values, classes, &value, d),
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn ticks_are_round() {
        assert_eq!(nice_ticks(0.0, 9.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(
            nice_ticks(0.0, 100.0),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(nice_ticks(0.0, 0.0), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert_eq!(nice_ticks(-3.0, 7.0).first().copied(), Some(-4.0));
    }

    #[test]
    fn time_ticks_by_span() {
        let tr = Tr::new(Lang::Fr);
        // 2026-01-05 (a Monday) to 2026-03-30: weekly? no, 84 days: months
        let a = 1_767_571_200;
        let ticks = time_ticks(a, a + 84 * 86_400, tr);
        assert!(ticks.iter().any(|t| t.1 == "févr. 2026"), "{ticks:?}");
        let ticks = time_ticks(a, a + 20 * 86_400, tr);
        assert!(
            ticks.iter().all(|t| !t.1.is_empty()) && ticks.len() >= 3,
            "{ticks:?}"
        );
        let en = time_ticks(a, a + 3 * 365 * 86_400, Tr::new(Lang::En));
        assert!(en.len() >= 3 && en.len() <= 8, "{en:?}");
    }

    #[test]
    fn colours_for_text_read_on_white() {
        for c in LINE_COLORS {
            let d = c.darker_for_text();
            assert!(1.05 / (d.luminance() + 0.05) >= 4.5, "{d:?}");
        }
    }
}
