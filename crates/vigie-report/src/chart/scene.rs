//! What a chart draws, once laid out: shapes and texts in the chart's own units (y down). The SVG
//! writer ([`Scene::svg`]) and the PDF writer (`pdf::draw_scene`) both draw from it, so a chart
//! looks the same on screen, in print and in a PDF report.

use std::fmt::Write as _;

/// A colour, `#rrggbb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    pub const WHITE: Rgb = Rgb(255, 255, 255);
    pub const INK: Rgb = Rgb(0x1a, 0x1a, 0x1a);
    pub const GREY: Rgb = Rgb(0x66, 0x66, 0x66);
    pub const RULE: Rgb = Rgb(0xbb, 0xbb, 0xbb);

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Relative luminance (WCAG), 0 to 1.
    pub fn luminance(self) -> f32 {
        let c = |v: u8| {
            let v = f32::from(v) / 255.0;
            if v <= 0.039_28 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * c(self.0) + 0.7152 * c(self.1) + 0.0722 * c(self.2)
    }

    /// The colour of a hatch over this fill: a darker shade on a light fill, a lighter one on a
    /// dark fill, so that the hatch shows without changing which fill looks darker.
    pub fn hatch_ink(self) -> Rgb {
        let mix = |c: u8, to: f32, t: f32| (f32::from(c) + (to - f32::from(c)) * t).round() as u8;
        if self.luminance() > 0.22 {
            Rgb(
                mix(self.0, 0.0, 0.65),
                mix(self.1, 0.0, 0.65),
                mix(self.2, 0.0, 0.65),
            )
        } else {
            Rgb(
                mix(self.0, 255.0, 0.45),
                mix(self.1, 255.0, 0.45),
                mix(self.2, 255.0, 0.45),
            )
        }
    }

    /// Black or white, whichever reads better on this colour.
    pub fn ink_on(self) -> Rgb {
        if self.luminance() > 0.22 {
            Rgb::INK
        } else {
            Rgb::WHITE
        }
    }
}

/// A texture drawn over a fill, so that colour is never the only signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hatch {
    /// Lines rising to the right.
    Diagonal,
    /// Dots on a grid.
    Dots,
    /// Horizontal lines.
    Horizontal,
    /// Diagonal lines both ways.
    Cross,
    /// Vertical lines.
    Vertical,
    /// Lines falling to the right.
    BackDiagonal,
}

impl Hatch {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Hatch::Diagonal => "diag",
            Hatch::Dots => "dots",
            Hatch::Horizontal => "horiz",
            Hatch::Cross => "cross",
            Hatch::Vertical => "vert",
            Hatch::BackDiagonal => "back",
        }
    }
}

/// How a shape is filled: a colour, and maybe a hatch in a contrasting ink.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fill {
    pub color: Rgb,
    pub hatch: Option<Hatch>,
    /// Spacing of the hatch, in scene units.
    pub spacing: f32,
}

impl Fill {
    pub fn solid(color: Rgb) -> Fill {
        Fill {
            color,
            hatch: None,
            spacing: 0.0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stroke {
    pub color: Rgb,
    pub width: f32,
    /// Dash and gap lengths; empty for a solid line.
    pub dash: Vec<f32>,
}

impl Stroke {
    pub fn solid(color: Rgb, width: f32) -> Stroke {
        Stroke {
            color,
            width,
            dash: Vec::new(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerShape {
    Circle,
    Square,
    Triangle,
    Diamond,
}

/// A segment of a path.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seg {
    Move(f32, f32),
    Line(f32, f32),
    Close,
}

/// The things a chart draws, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Fill>,
        stroke: Option<Stroke>,
        /// What the shape is, for a tooltip and for screen readers that walk the drawing.
        title: Option<String>,
    },
    /// A polygon outline of the map, or any path; `code` tags a map shape (`data-code`). A path
    /// without a code is hidden from assistive technologies (its title stays a tooltip).
    Path {
        segs: Vec<Seg>,
        /// The same path as SVG path data, when the scene has it already (the map's outlines).
        svg: Option<&'static str>,
        fill: Option<Fill>,
        stroke: Option<Stroke>,
        class: String,
        code: Option<String>,
        title: Option<String>,
    },
    Polyline {
        points: Vec<(f32, f32)>,
        stroke: Stroke,
    },
    Marker {
        x: f32,
        y: f32,
        shape: MarkerShape,
        size: f32,
        fill: Rgb,
    },
    Text {
        x: f32,
        y: f32,
        text: String,
        size: f32,
        anchor: Anchor,
        bold: bool,
        color: Rgb,
    },
}

/// A laid-out chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Scene {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

/// Numbers in SVG: at most two decimals, no trailing zeros (deterministic and short).
pub(crate) fn num(x: f32) -> String {
    let x = if x.is_finite() { x } else { 0.0 };
    let s = format!("{:.2}", x);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// XML text and attribute escaping (askama's HTML escaper, which is valid XML), with control
/// characters, which XML cannot hold, made spaces.
pub(crate) fn esc(s: &str) -> String {
    use askama::filters::Escaper;
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    let clean: String = s.chars().map(|c| if bad(c) { ' ' } else { c }).collect();
    let mut out = String::with_capacity(clean.len() + 8);
    // writing into a String cannot fail
    let _ = askama::filters::Html.write_escaped_str(&mut out, &clean);
    out
}

/// Width of a hatch's lines for a spacing (thin: the fill's shade must still show).
pub(crate) fn hatch_width(spacing: f32) -> f32 {
    (spacing / 7.0).max(0.5)
}

/// Radius of a dotted hatch's dots for a spacing.
pub(crate) fn dot_radius(spacing: f32) -> f32 {
    (spacing / 7.0).max(0.6)
}

fn hatch_id(id: &str, f: &Fill) -> Option<String> {
    f.hatch.map(|h| {
        format!(
            "{id}-{}-{}-{}",
            h.name(),
            &f.color.hex()[1..],
            num(f.spacing).replace('.', "_")
        )
    })
}

/// The `<pattern>` of a hatched fill (colour underneath, ink lines or dots on top).
fn pattern_def(pid: &str, f: &Fill, h: Hatch) -> String {
    let s = f.spacing.max(1.0);
    let ink = f.color.hatch_ink().hex();
    let w = num(hatch_width(s));
    let bg = format!(
        "<rect width=\"{0}\" height=\"{0}\" fill=\"{1}\"/>",
        num(s),
        f.color.hex()
    );
    let marks = match h {
        Hatch::Diagonal => format!(
            "<path d=\"M0 {0}L{0} 0M-1 1L1 -1M{1} {2}L{2} {1}\" stroke=\"{ink}\" stroke-width=\"{w}\"/>",
            num(s),
            num(s - 1.0),
            num(s + 1.0)
        ),
        Hatch::BackDiagonal => format!(
            "<path d=\"M0 0L{0} {0}M{1} -1L{2} 1M-1 {1}L1 {2}\" stroke=\"{ink}\" stroke-width=\"{w}\"/>",
            num(s),
            num(s - 1.0),
            num(s + 1.0)
        ),
        Hatch::Cross => format!(
            "<path d=\"M0 {0}L{0} 0M0 0L{0} {0}\" stroke=\"{ink}\" stroke-width=\"{w}\"/>",
            num(s)
        ),
        Hatch::Horizontal => format!(
            "<path d=\"M0 {0}H{1}\" stroke=\"{ink}\" stroke-width=\"{w}\"/>",
            num(s / 2.0),
            num(s)
        ),
        Hatch::Vertical => format!(
            "<path d=\"M{0} 0V{1}\" stroke=\"{ink}\" stroke-width=\"{w}\"/>",
            num(s / 2.0),
            num(s)
        ),
        Hatch::Dots => format!(
            "<circle cx=\"{0}\" cy=\"{0}\" r=\"{1}\" fill=\"{ink}\"/>",
            num(s / 2.0),
            num(dot_radius(s))
        ),
    };
    format!(
        "<pattern id=\"{pid}\" width=\"{0}\" height=\"{0}\" patternUnits=\"userSpaceOnUse\">{bg}{marks}</pattern>",
        num(s)
    )
}

fn fill_attr(id: &str, f: &Option<Fill>) -> String {
    match f {
        None => " fill=\"none\"".to_string(),
        Some(f) => match hatch_id(id, f) {
            Some(pid) => format!(" fill=\"url(#{pid})\""),
            None => format!(" fill=\"{}\"", f.color.hex()),
        },
    }
}

fn stroke_attr(s: &Option<Stroke>) -> String {
    match s {
        None => String::new(),
        Some(s) => stroke_of(s),
    }
}

fn stroke_of(s: &Stroke) -> String {
    let mut a = format!(
        " stroke=\"{}\" stroke-width=\"{}\"",
        s.color.hex(),
        num(s.width)
    );
    if !s.dash.is_empty() {
        let d: Vec<String> = s.dash.iter().map(|x| num(*x)).collect();
        let _ = write!(a, " stroke-dasharray=\"{}\"", d.join(" "));
    }
    a
}

fn title_el(t: &Option<String>) -> String {
    t.as_ref()
        .map(|t| format!("<title>{}</title>", esc(t)))
        .unwrap_or_default()
}

pub(crate) fn segs_to_svg(segs: &[Seg]) -> String {
    let mut d = String::new();
    for s in segs {
        match s {
            Seg::Move(x, y) => {
                let _ = write!(d, "M{} {}", num(*x), num(*y));
            }
            Seg::Line(x, y) => {
                let _ = write!(d, "L{} {}", num(*x), num(*y));
            }
            Seg::Close => d.push('Z'),
        }
    }
    d
}

pub(crate) fn marker_segs(x: f32, y: f32, shape: MarkerShape, size: f32) -> Vec<Seg> {
    let r = size / 2.0;
    match shape {
        MarkerShape::Square => vec![
            Seg::Move(x - r, y - r),
            Seg::Line(x + r, y - r),
            Seg::Line(x + r, y + r),
            Seg::Line(x - r, y + r),
            Seg::Close,
        ],
        MarkerShape::Triangle => vec![
            Seg::Move(x, y - r * 1.15),
            Seg::Line(x + r * 1.1, y + r * 0.8),
            Seg::Line(x - r * 1.1, y + r * 0.8),
            Seg::Close,
        ],
        MarkerShape::Diamond => vec![
            Seg::Move(x, y - r * 1.3),
            Seg::Line(x + r * 1.3, y),
            Seg::Line(x, y + r * 1.3),
            Seg::Line(x - r * 1.3, y),
            Seg::Close,
        ],
        // a circle as an octagon in PDF; SVG draws a real circle
        MarkerShape::Circle => {
            let mut v = Vec::with_capacity(9);
            for i in 0..8 {
                let a = std::f32::consts::PI * 2.0 * i as f32 / 8.0;
                let p = (x + r * a.cos(), y + r * a.sin());
                v.push(if i == 0 {
                    Seg::Move(p.0, p.1)
                } else {
                    Seg::Line(p.0, p.1)
                });
            }
            v.push(Seg::Close);
            v
        }
    }
}

impl Scene {
    /// The scene as an SVG document sized by its `viewBox` (it scales to its container), with
    /// `role="img"`, a `<title>` and a `<desc>` naming it for assistive technologies.
    pub fn svg(&self, id: &str, title: &str, desc: &str, class: &str) -> String {
        let mut defs: Vec<(String, String)> = Vec::new();
        let mut add_def = |f: &Option<Fill>| {
            if let Some(f) = f {
                if let (Some(h), Some(pid)) = (f.hatch, hatch_id(id, f)) {
                    if !defs.iter().any(|(k, _)| *k == pid) {
                        let def = pattern_def(&pid, f, h);
                        defs.push((pid, def));
                    }
                }
            }
        };
        for item in &self.items {
            match item {
                Item::Rect { fill, .. } | Item::Path { fill, .. } => add_def(fill),
                _ => {}
            }
        }
        let mut out = String::with_capacity(4096);
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" \
             aria-labelledby=\"{id}-title {id}-desc\" class=\"{}\" id=\"{id}\" \
             font-family=\"Helvetica, Arial, sans-serif\" preserveAspectRatio=\"xMidYMid meet\">",
            num(self.width),
            num(self.height),
            esc(class)
        );
        let _ = write!(
            out,
            "<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
            esc(title),
            esc(desc)
        );
        if !defs.is_empty() {
            out.push_str("<defs>");
            for (_, d) in &defs {
                out.push_str(d);
            }
            out.push_str("</defs>");
        }
        for item in &self.items {
            match item {
                Item::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                    title,
                } => {
                    let t = title_el(title);
                    let _ = write!(
                        out,
                        "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"{}{}",
                        num(*x),
                        num(*y),
                        num(*w),
                        num(*h),
                        fill_attr(id, fill),
                        stroke_attr(stroke)
                    );
                    if t.is_empty() {
                        out.push_str("/>");
                    } else {
                        let _ = write!(out, ">{t}</rect>");
                    }
                }
                Item::Path {
                    segs,
                    svg,
                    fill,
                    stroke,
                    class,
                    code,
                    title,
                } => {
                    let d = match svg {
                        Some(d) => (*d).to_string(),
                        None => segs_to_svg(segs),
                    };
                    let _ = write!(out, "<path");
                    if !class.is_empty() {
                        let _ = write!(out, " class=\"{}\"", esc(class));
                    }
                    if let Some(c) = code {
                        let _ = write!(out, " id=\"{id}-{}\" data-code=\"{}\"", esc(c), esc(c));
                    }
                    let _ = write!(
                        out,
                        " d=\"{d}\"{}{} stroke-linejoin=\"round\"",
                        fill_attr(id, fill),
                        stroke_attr(stroke)
                    );
                    // a path without a code is decoration (a border, a magnified copy): the coded
                    // shapes are what assistive technologies read
                    if code.is_none() {
                        out.push_str(" aria-hidden=\"true\"");
                    }
                    let t = title_el(title);
                    if t.is_empty() {
                        out.push_str("/>");
                    } else {
                        let _ = write!(out, ">{t}</path>");
                    }
                }
                Item::Polyline { points, stroke } => {
                    let pts: Vec<String> = points
                        .iter()
                        .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
                        .collect();
                    let _ = write!(
                        out,
                        "<polyline points=\"{}\" fill=\"none\"{} stroke-linejoin=\"round\"/>",
                        pts.join(" "),
                        stroke_of(stroke)
                    );
                }
                Item::Marker {
                    x,
                    y,
                    shape,
                    size,
                    fill,
                } => {
                    if *shape == MarkerShape::Circle {
                        let _ = write!(
                            out,
                            "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"{}\"/>",
                            num(*x),
                            num(*y),
                            num(size / 2.0),
                            fill.hex(),
                            num(size / 8.0)
                        );
                    } else {
                        let _ = write!(
                            out,
                            "<path d=\"{}\" fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"{}\"/>",
                            segs_to_svg(&marker_segs(*x, *y, *shape, *size)),
                            fill.hex(),
                            num(size / 8.0)
                        );
                    }
                }
                Item::Text {
                    x,
                    y,
                    text,
                    size,
                    anchor,
                    bold,
                    color,
                } => {
                    let a = match anchor {
                        Anchor::Start => "",
                        Anchor::Middle => " text-anchor=\"middle\"",
                        Anchor::End => " text-anchor=\"end\"",
                    };
                    let _ = write!(
                        out,
                        "<text x=\"{}\" y=\"{}\" font-size=\"{}\"{a}{}{}>{}</text>",
                        num(*x),
                        num(*y),
                        num(*size),
                        if *bold { " font-weight=\"bold\"" } else { "" },
                        if *color == Rgb::INK {
                            String::new()
                        } else {
                            format!(" fill=\"{}\"", color.hex())
                        },
                        esc(text)
                    );
                }
            }
        }
        out.push_str("</svg>");
        out
    }
}
