//! PDF documents: reports laid out like official ones, A4, in PDF's standard Helvetica fonts.
//!
//! A [`Document`] is written block by block (headings, paragraphs, bullet lists, tables whose
//! header row repeats on each page, key figures, charts as vector graphics, a table of contents)
//! and laid out by [`Document::finish`], which knows the page count: every page carries the
//! document's title and its TLP marking in its header, the marking again and `page 2 / 5` in its
//! footer. Level 1 and 2 headings are listed in the table of contents (when asked for) and in the
//! PDF's bookmarks.
//!
//! Text is set in Helvetica and Helvetica-Bold (base-14 fonts: every reader has them, so no font
//! file is embedded) with WinAnsiEncoding, which covers French (é, è, à, ç, œ, « », …); characters
//! outside it show as `?`. The content of a page is written in reading order (header, body,
//! footer), so text extraction (`pdftotext`) reads it in order. The file's structure is written by
//! `pdf-writer`, the text encoded by `encoding_rs`.

use pdf_writer::types::{ActionType, AnnotationType};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use crate::chart::scene::{Anchor, Fill, Hatch, Item, Rgb, Scene, Seg};
use crate::chart::{Chart, Table};
use crate::i18n::Tr;
use crate::metrics::{text_width, wrap};

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN_X: f32 = 56.0;
/// The body runs from `BODY_TOP` down to `BODY_BOTTOM` (PDF's y grows upwards).
const BODY_TOP: f32 = PAGE_H - 74.0;
const BODY_BOTTOM: f32 = 66.0;
const BODY_W: f32 = PAGE_W - 2.0 * MARGIN_X;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");
const TEXT: f32 = 10.0;
const LEADING: f32 = 1.38;
const GREY: Rgb = Rgb(0x55, 0x55, 0x55);

/// A Traffic Light Protocol marking (FIRST's TLP 2.0): who may receive the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    /// `TLP:CLEAR`, `TLP:GREEN`, `TLP:AMBER`, `TLP:AMBER+STRICT`, `TLP:RED` (the same words in
    /// every language, as the standard asks).
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// `clear`, `green`, `amber`, `amber+strict`, `red`, with or without `TLP:` (`white` is read
    /// as TLP 1.0's name of `clear`).
    pub fn parse(s: &str) -> Option<Tlp> {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_prefix("tlp:").unwrap_or(&s);
        match s {
            "clear" | "white" => Some(Tlp::Clear),
            "green" => Some(Tlp::Green),
            "amber" => Some(Tlp::Amber),
            "amber+strict" | "amber-strict" => Some(Tlp::AmberStrict),
            "red" => Some(Tlp::Red),
            _ => None,
        }
    }

    /// The standard's colour of the label's text (on black).
    fn color(self) -> Rgb {
        match self {
            Tlp::Clear => Rgb::WHITE,
            Tlp::Green => Rgb(0x33, 0xff, 0x00),
            Tlp::Amber | Tlp::AmberStrict => Rgb(0xff, 0xc0, 0x00),
            Tlp::Red => Rgb(0xff, 0x2b, 0x2b),
        }
    }
}

/// A key figure: a number in large type and what it counts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyFigure {
    pub value: String,
    pub label: String,
}

impl KeyFigure {
    pub fn new(value: impl Into<String>, label: impl Into<String>) -> KeyFigure {
        KeyFigure {
            value: value.into(),
            label: label.into(),
        }
    }
}

#[derive(Clone, Debug)]
enum Block {
    Subtitle(String),
    Heading(u8, String),
    Paragraph(String, bool),
    Bullets(Vec<String>),
    Table(Table),
    Figures(Vec<KeyFigure>),
    Chart {
        title: String,
        scene: Scene,
        desc: String,
    },
    Contents,
    PageBreak,
}

/// A document being written. Blocks are laid out when the document is finished.
#[derive(Clone, Debug)]
pub struct Document {
    tr: Tr,
    title: String,
    author: String,
    subject: String,
    keywords: String,
    tlp: Option<Tlp>,
    blocks: Vec<Block>,
}

impl Document {
    /// A document in the translator's language (its words: page numbers, contents), whose title
    /// opens the first page and heads every page.
    pub fn new(tr: impl Into<Tr>, title: &str) -> Document {
        Document {
            tr: tr.into(),
            title: title.to_string(),
            author: String::new(),
            subject: String::new(),
            keywords: String::new(),
            tlp: None,
            blocks: Vec::new(),
        }
    }

    /// The author in the file's metadata.
    pub fn author(&mut self, author: &str) -> &mut Self {
        self.author = author.to_string();
        self
    }

    /// The subject in the file's metadata.
    pub fn subject(&mut self, subject: &str) -> &mut Self {
        self.subject = subject.to_string();
        self
    }

    /// Keywords in the file's metadata.
    pub fn keywords(&mut self, keywords: &str) -> &mut Self {
        self.keywords = keywords.to_string();
        self
    }

    /// The TLP marking shown on every page.
    pub fn tlp(&mut self, tlp: Tlp) -> &mut Self {
        self.tlp = Some(tlp);
        self
    }

    /// A line under the title (who, when, what scope).
    pub fn subtitle(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Subtitle(text.to_string()));
        self
    }

    /// A heading: 1 for a chapter, 2 for a section (both in the contents and bookmarks), 3 for
    /// a subsection.
    pub fn heading(&mut self, level: u8, text: &str) -> &mut Self {
        self.blocks
            .push(Block::Heading(level.clamp(1, 3), text.to_string()));
        self
    }

    /// A paragraph, wrapped to the page's width (line breaks in `text` are kept).
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.to_string(), false));
        self
    }

    /// A paragraph in bold.
    pub fn strong(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.to_string(), true));
        self
    }

    /// A bullet list.
    pub fn bullets<S: AsRef<str>>(&mut self, items: impl IntoIterator<Item = S>) -> &mut Self {
        self.blocks.push(Block::Bullets(
            items.into_iter().map(|s| s.as_ref().to_string()).collect(),
        ));
        self
    }

    /// A table: its caption, a header row repeated at the top of every page it runs onto, its
    /// rows (numeric columns aligned right).
    pub fn table(&mut self, table: &Table) -> &mut Self {
        self.blocks.push(Block::Table(table.clone()));
        self
    }

    /// Key figures side by side, four to a row.
    pub fn key_figures(&mut self, figures: &[KeyFigure]) -> &mut Self {
        self.blocks.push(Block::Figures(figures.to_vec()));
        self
    }

    /// A chart as vector graphics, its title above it and its text alternative under it. Add its
    /// data table with [`Document::table`]`(&chart.table(tr))` when the reader needs the numbers.
    pub fn chart(&mut self, chart: &Chart) -> &mut Self {
        self.blocks.push(Block::Chart {
            title: chart.title.clone(),
            scene: chart.scene(self.tr),
            desc: chart.description(self.tr),
        });
        self
    }

    /// The table of contents, here: the level 1 and 2 headings with their pages.
    pub fn contents(&mut self) -> &mut Self {
        self.blocks.push(Block::Contents);
        self
    }

    /// Starts a new page.
    pub fn page_break(&mut self) -> &mut Self {
        self.blocks.push(Block::PageBreak);
        self
    }

    /// The PDF file.
    pub fn finish(self) -> Vec<u8> {
        let mut l = Layout::new();
        l.lines(&self.title, 20.0, true, 0.0, Rgb::INK, 1.2);
        l.y -= 4.0;
        let headings: Vec<(u8, String)> = self
            .blocks
            .iter()
            .filter_map(|b| match b {
                Block::Heading(level, t) if *level <= 2 => Some((*level, t.clone())),
                _ => None,
            })
            .collect();
        for b in &self.blocks {
            l.block(self.tr, b, &headings);
        }
        write(&self, l)
    }
}

enum Op {
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        color: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgb>,
        stroke: Option<(Rgb, f32)>,
    },
    Scene {
        scene: Scene,
        x: f32,
        top: f32,
        scale: f32,
    },
    /// An entry of the table of contents: the heading's index, drawn once pages are known.
    Toc { index: usize, y: f32 },
}

struct Heading {
    level: u8,
    text: String,
    page: usize,
    y: f32,
}

struct Layout {
    pages: Vec<Vec<Op>>,
    y: f32,
    headings: Vec<Heading>,
}

/// `s` cut with an ellipsis to fit `width` at `size` points.
fn fit(s: &str, width: f32, size: f32, bold: bool) -> String {
    crate::metrics::fit(s, width, |t| text_width(t, size, bold))
}

impl Layout {
    fn new() -> Layout {
        Layout {
            pages: vec![Vec::new()],
            y: BODY_TOP,
            headings: Vec::new(),
        }
    }

    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = BODY_TOP;
    }

    fn at_top(&self) -> bool {
        self.y >= BODY_TOP - 0.5
    }

    /// Starts a new page unless `h` points fit under the cursor (or the page is still empty).
    fn ensure(&mut self, h: f32) {
        if self.y - h < BODY_BOTTOM && !self.at_top() {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: String) {
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            color,
            text,
        });
    }

    /// Wrapped lines, breaking pages between lines.
    fn lines(&mut self, text: &str, size: f32, bold: bool, indent: f32, color: Rgb, leading: f32) {
        let lead = size * leading;
        for line in wrap(text, BODY_W - indent, size, bold) {
            self.ensure(lead);
            self.y -= lead;
            self.text(
                MARGIN_X + indent,
                self.y + size * 0.25,
                size,
                bold,
                color,
                line,
            );
        }
    }

    fn block(&mut self, tr: Tr, b: &Block, toc: &[(u8, String)]) {
        match b {
            Block::Subtitle(t) => {
                self.lines(t, 10.5, false, 0.0, GREY, LEADING);
            }
            Block::Heading(level, t) => {
                let (size, before) = match level {
                    1 => (15.0, 16.0),
                    2 => (12.5, 12.0),
                    _ => (10.5, 8.0),
                };
                // keep a heading with at least three lines of what follows
                self.ensure(before + size * 1.3 + 3.0 * TEXT * LEADING);
                if !self.at_top() {
                    self.y -= before;
                }
                if *level <= 2 {
                    self.headings.push(Heading {
                        level: *level,
                        text: t.clone(),
                        page: self.pages.len() - 1,
                        y: self.y,
                    });
                }
                self.lines(t, size, true, 0.0, Rgb::INK, 1.3);
                self.y -= 3.0;
            }
            Block::Paragraph(t, bold) => {
                self.lines(t, TEXT, *bold, 0.0, Rgb::INK, LEADING);
                self.y -= 5.0;
            }
            Block::Bullets(items) => {
                for it in items {
                    let lead = TEXT * LEADING;
                    self.ensure(lead);
                    let first_y = self.y - lead + TEXT * 0.25;
                    self.text(MARGIN_X + 4.0, first_y, TEXT, false, Rgb::INK, "•".into());
                    self.lines(it, TEXT, false, 16.0, Rgb::INK, LEADING);
                    self.y -= 2.0;
                }
                self.y -= 4.0;
            }
            Block::Table(t) => self.table(t),
            Block::Figures(f) => self.figures(f),
            Block::Chart { title, scene, desc } => {
                let max_h = BODY_TOP - BODY_BOTTOM - 60.0;
                let mut scale = BODY_W / scene.width.max(1.0);
                if scene.height * scale > max_h {
                    scale = max_h / scene.height.max(1.0);
                }
                let h = scene.height * scale;
                self.ensure(14.0 + h + 12.0);
                self.y -= 6.0;
                self.lines(title, 10.5, true, 0.0, Rgb::INK, 1.3);
                self.y -= 4.0;
                let x = MARGIN_X + (BODY_W - scene.width * scale) / 2.0;
                let top = self.y;
                self.ops().push(Op::Scene {
                    scene: scene.clone(),
                    x,
                    top,
                    scale,
                });
                self.y -= h + 4.0;
                self.lines(desc, 8.5, false, 0.0, GREY, 1.3);
                self.y -= 6.0;
            }
            Block::Contents => {
                self.ensure(40.0);
                self.y -= 10.0;
                self.lines(&tr.t("pdf-contents"), 15.0, true, 0.0, Rgb::INK, 1.3);
                self.y -= 4.0;
                for (i, _) in toc.iter().enumerate() {
                    let lead = TEXT * 1.6;
                    self.ensure(lead);
                    self.y -= lead;
                    let y = self.y + TEXT * 0.25;
                    self.ops().push(Op::Toc { index: i, y });
                }
                self.y -= 6.0;
            }
            Block::PageBreak => {
                if !self.at_top() {
                    self.new_page();
                }
            }
        }
    }

    /// Column widths: natural widths when they fit, else narrow columns keep theirs and the
    /// others share the rest in proportion.
    fn columns(t: &Table, size: f32, pad: f32) -> Vec<f32> {
        let n = t
            .header
            .len()
            .max(t.rows.iter().map(Vec::len).max().unwrap_or(0))
            .max(1);
        let mut natural = vec![0.0f32; n];
        let cells = std::iter::once((&t.header, true)).chain(t.rows.iter().map(|r| (r, false)));
        for (row, bold) in cells {
            for (i, c) in row.iter().enumerate().take(n) {
                let w = c
                    .split('\n')
                    .map(|l| text_width(l, size, bold))
                    .fold(0.0f32, f32::max);
                natural[i] = natural[i].max(w + 2.0 * pad);
            }
        }
        let total: f32 = natural.iter().sum();
        if total <= BODY_W {
            let extra = (BODY_W - total) / n as f32;
            return natural.iter().map(|w| w + extra).collect();
        }
        let mut widths = natural.clone();
        let mut fixed = vec![false; n];
        loop {
            let free: f32 = BODY_W
                - widths
                    .iter()
                    .zip(&fixed)
                    .filter(|(_, f)| **f)
                    .map(|(w, _)| w)
                    .sum::<f32>();
            let open: Vec<usize> = (0..n).filter(|i| !fixed[*i]).collect();
            let open_natural: f32 = open.iter().map(|i| natural[*i]).sum();
            let mut changed = false;
            // A column that fits in an equal share of the free width keeps its natural width
            // (an address, a count): only the wide columns wrap, in proportion to their text.
            let equal = free / open.len().max(1) as f32;
            for i in &open {
                if natural[*i] <= equal {
                    widths[*i] = natural[*i];
                    fixed[*i] = true;
                    changed = true;
                }
            }
            if !changed {
                for i in open {
                    widths[i] = (free * natural[i] / open_natural.max(1.0)).max(2.0 * pad + 12.0);
                }
                return widths;
            }
        }
    }

    fn table(&mut self, t: &Table) {
        let (size, pad) = (8.5f32, 4.0f32);
        let lead = size * 1.3;
        let widths = Layout::columns(t, size, pad);
        let wrap_row = |row: &Vec<String>, bold: bool| -> Vec<Vec<String>> {
            widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let cell = row.get(i).map(String::as_str).unwrap_or("");
                    wrap(cell, w - 2.0 * pad, size, bold)
                })
                .collect()
        };
        let header = wrap_row(&t.header, true);
        let row_h = |cells: &Vec<Vec<String>>| {
            cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * lead + 2.0 * pad - 2.0
        };
        let header_h = row_h(&header);
        if !t.caption.is_empty() {
            self.ensure(14.0 + header_h + lead * 2.0);
            self.y -= 4.0;
            self.lines(&t.caption, 9.5, true, 0.0, Rgb::INK, 1.3);
            self.y -= 2.0;
        }
        let numeric = |i: usize| t.numeric.get(i).copied().unwrap_or(false);
        let draw_row = |l: &mut Layout, cells: &Vec<Vec<String>>, bold: bool, h: f32| {
            let top = l.y;
            if bold {
                l.ops().push(Op::Rect {
                    x: MARGIN_X,
                    y: top - h,
                    w: BODY_W,
                    h,
                    fill: Some(Rgb(0xee, 0xee, 0xee)),
                    stroke: None,
                });
            }
            let mut x = MARGIN_X;
            for (i, (w, lines)) in widths.iter().zip(cells).enumerate() {
                for (k, line) in lines.iter().enumerate() {
                    let y = top - pad - (k as f32 + 1.0) * lead + size * 0.3;
                    let tx = if numeric(i) && !bold {
                        x + w - pad - text_width(line, size, bold)
                    } else {
                        x + pad
                    };
                    l.text(tx, y, size, bold, Rgb::INK, line.clone());
                }
                x += w;
            }
            l.y -= h;
            let rule = if bold {
                (Rgb::INK, 0.8)
            } else {
                (Rgb::RULE, 0.4)
            };
            let y = l.y;
            l.ops().push(Op::Rect {
                x: MARGIN_X,
                y,
                w: BODY_W,
                h: 0.0,
                fill: None,
                stroke: Some(rule),
            });
        };
        self.ensure(header_h + lead * 2.0);
        draw_row(self, &header, true, header_h);
        for row in &t.rows {
            let cells = wrap_row(row, false);
            let total = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            // a row taller than what is left of the page goes on over the next pages, under
            // the header row again (at least two lines of it on a page)
            let mut from = 0;
            while from < total {
                let room = ((self.y - BODY_BOTTOM - 2.0 * pad + 2.0) / lead)
                    .floor()
                    .max(0.0) as usize;
                let left = total - from;
                if room < left.min(2) {
                    self.new_page();
                    draw_row(self, &header, true, header_h);
                    let fresh = ((self.y - BODY_BOTTOM - 2.0 * pad + 2.0) / lead).floor();
                    if fresh < 1.0 {
                        return;
                    }
                    continue;
                }
                let take = left.min(room);
                let part: Vec<Vec<String>> = cells
                    .iter()
                    .map(|c| c.iter().skip(from).take(take).cloned().collect())
                    .collect();
                draw_row(self, &part, false, take as f32 * lead + 2.0 * pad - 2.0);
                from += take;
            }
        }
        self.y -= 10.0;
    }

    fn figures(&mut self, figures: &[KeyFigure]) {
        let per_row = figures.len().clamp(1, 4);
        let gap = 10.0;
        let w = (BODY_W - gap * (per_row as f32 - 1.0)) / per_row as f32;
        for chunk in figures.chunks(per_row) {
            let labels: Vec<Vec<String>> = chunk
                .iter()
                .map(|f| wrap(&f.label, w - 16.0, 8.5, false))
                .collect();
            let lines = labels.iter().map(Vec::len).max().unwrap_or(1);
            let h = 12.0 + 22.0 + 4.0 + lines as f32 * 11.0 + 8.0;
            self.ensure(h + 8.0);
            self.y -= 4.0;
            let top = self.y;
            for (i, (f, label)) in chunk.iter().zip(&labels).enumerate() {
                let x = MARGIN_X + i as f32 * (w + gap);
                self.ops().push(Op::Rect {
                    x,
                    y: top - h,
                    w,
                    h,
                    fill: None,
                    stroke: Some((Rgb(0x88, 0x88, 0x88), 0.8)),
                });
                self.text(
                    x + 8.0,
                    top - 12.0 - 18.0,
                    22.0,
                    true,
                    Rgb::INK,
                    fit(&f.value, w - 16.0, 22.0, true),
                );
                for (k, l) in label.iter().enumerate() {
                    self.text(
                        x + 8.0,
                        top - 12.0 - 22.0 - 4.0 - (k as f32 + 1.0) * 11.0 + 3.0,
                        8.5,
                        false,
                        Rgb::INK,
                        l.clone(),
                    );
                }
            }
            self.y = top - h - 8.0;
        }
    }
}

/// `s` in WinAnsiEncoding (Windows-1252, which the base-14 fonts' WinAnsiEncoding follows): `?`
/// for what it cannot show (control characters, and characters outside the encoding).
pub(crate) fn win_ansi(s: &str) -> Vec<u8> {
    use encoding_rs::EncoderResult;
    let s: String = s
        .replace('→', "->")
        .replace('≥', ">=")
        .replace('≤', "<=")
        .replace('−', "-")
        .chars()
        .map(|c| match c {
            '\u{202f}' => '\u{a0}',
            c if c.is_control() => '?',
            c => c,
        })
        .collect();
    let mut encoder = encoding_rs::WINDOWS_1252.new_encoder();
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_str();
    loop {
        out.reserve(rest.len() + 1);
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
        rest = rest.get(read..).unwrap_or("");
        match result {
            EncoderResult::InputEmpty => return out,
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(_) => out.push(b'?'),
        }
    }
}

fn rgb(c: Rgb) -> (f32, f32, f32) {
    (
        f32::from(c.0) / 255.0,
        f32::from(c.1) / 255.0,
        f32::from(c.2) / 255.0,
    )
}

fn show(c: &mut Content, x: f32, y: f32, size: f32, bold: bool, color: Rgb, text: &str) {
    let (r, g, b) = rgb(color);
    c.set_fill_rgb(r, g, b);
    c.begin_text()
        .set_font(if bold { BOLD } else { REGULAR }, size)
        .next_line(x, y)
        .show(Str(&win_ansi(text)))
        .end_text();
}

/// The TLP label: the standard's colour on a black box.
fn tlp_box(c: &mut Content, tlp: Tlp, x: f32, y: f32, right_aligned: bool) {
    let size = 8.0;
    let w = text_width(tlp.label(), size, true) + 8.0;
    let x = if right_aligned { x - w } else { x };
    c.set_fill_rgb(0.0, 0.0, 0.0);
    c.rect(x, y - 3.5, w, size + 5.0).fill_nonzero();
    show(c, x + 4.0, y, size, true, tlp.color(), tlp.label());
}

/// Hatch marks of `fill` over the box `[x0, x1] × [y0, y1]` (scene units): line segments, or
/// dot centres.
fn hatch_marks(
    h: Hatch,
    s: f32,
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
) -> (Vec<[f32; 4]>, Vec<(f32, f32)>) {
    let s = s.max(1.0);
    let mut lines = Vec::new();
    let mut dots = Vec::new();
    let (w, ht) = (x1 - x0, y1 - y0);
    let steps = |len: f32| ((len / s).ceil() as i32).clamp(0, 1000);
    let diag = |lines: &mut Vec<[f32; 4]>, rising: bool| {
        for k in 0..=steps(w + ht) {
            let c = k as f32 * s;
            if rising {
                lines.push([x0 + c - ht, y1, x0 + c, y0]);
            } else {
                lines.push([x0 + c - ht, y0, x0 + c, y1]);
            }
        }
    };
    match h {
        Hatch::Diagonal => diag(&mut lines, true),
        Hatch::BackDiagonal => diag(&mut lines, false),
        Hatch::Cross => {
            diag(&mut lines, true);
            diag(&mut lines, false);
        }
        Hatch::Horizontal => {
            for k in 0..=steps(ht) {
                let y = y0 + (k as f32 + 0.5) * s;
                lines.push([x0, y, x1, y]);
            }
        }
        Hatch::Vertical => {
            for k in 0..=steps(w) {
                let x = x0 + (k as f32 + 0.5) * s;
                lines.push([x, y0, x, y1]);
            }
        }
        Hatch::Dots => {
            let (ax, ay) = ((x0 / s).floor() * s, (y0 / s).floor() * s);
            for i in 0..=steps(w) + 1 {
                for j in 0..=steps(ht) + 1 {
                    dots.push((ax + (i as f32 + 0.5) * s, ay + (j as f32 + 0.5) * s));
                }
            }
        }
    }
    (lines, dots)
}

/// Draws a scene with its top-left corner at `(x, top)` (PDF coordinates), `scale` points per
/// scene unit.
fn draw_scene(c: &mut Content, scene: &Scene, x: f32, top: f32, scale: f32) {
    let px = |sx: f32| x + sx * scale;
    let py = |sy: f32| top - sy * scale;
    let path = |c: &mut Content, segs: &[Seg]| {
        for s in segs {
            match s {
                Seg::Move(a, b) => {
                    c.move_to(px(*a), py(*b));
                }
                Seg::Line(a, b) => {
                    c.line_to(px(*a), py(*b));
                }
                Seg::Close => {
                    c.close_path();
                }
            }
        }
    };
    let bbox = |segs: &[Seg]| {
        let mut b = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
        for s in segs {
            if let Seg::Move(a, y) | Seg::Line(a, y) = s {
                b = (b.0.min(*a), b.1.min(*y), b.2.max(*a), b.3.max(*y));
            }
        }
        b
    };
    let fill_shape = |c: &mut Content, segs: &[Seg], f: &Fill| {
        let (r, g, b) = rgb(f.color);
        c.set_fill_rgb(r, g, b);
        path(c, segs);
        c.fill_nonzero();
        if let Some(h) = f.hatch {
            let (x0, y0, x1, y1) = bbox(segs);
            let (lines, dots) = hatch_marks(h, f.spacing, x0, y0, x1, y1);
            let ink = rgb(f.color.hatch_ink());
            c.save_state();
            path(c, segs);
            c.clip_nonzero().end_path();
            c.set_stroke_rgb(ink.0, ink.1, ink.2)
                .set_fill_rgb(ink.0, ink.1, ink.2)
                .set_line_width(crate::chart::scene::hatch_width(f.spacing) * scale);
            for [a, b, cc, d] in lines {
                c.move_to(px(a), py(b)).line_to(px(cc), py(d));
            }
            c.stroke();
            let r = crate::chart::scene::dot_radius(f.spacing) * scale;
            for (a, b) in dots {
                c.rect(px(a) - r, py(b) - r, 2.0 * r, 2.0 * r);
            }
            c.fill_nonzero();
            c.restore_state();
        }
    };
    let stroke_with = |c: &mut Content, s: &crate::chart::scene::Stroke| {
        let (r, g, b) = rgb(s.color);
        c.set_stroke_rgb(r, g, b).set_line_width(s.width * scale);
        c.set_dash_pattern(s.dash.iter().map(|d| d * scale), 0.0);
    };
    c.save_state();
    for item in &scene.items {
        match item {
            Item::Rect {
                x: rx,
                y: ry,
                w,
                h,
                fill,
                stroke,
                ..
            } => {
                let segs = [
                    Seg::Move(*rx, *ry),
                    Seg::Line(rx + w, *ry),
                    Seg::Line(rx + w, ry + h),
                    Seg::Line(*rx, ry + h),
                    Seg::Close,
                ];
                if let Some(f) = fill {
                    fill_shape(c, &segs, f);
                }
                if let Some(s) = stroke {
                    stroke_with(c, s);
                    path(c, &segs);
                    c.stroke();
                }
            }
            Item::Path {
                segs, fill, stroke, ..
            } => {
                if let Some(f) = fill {
                    fill_shape(c, segs, f);
                }
                if let Some(s) = stroke {
                    stroke_with(c, s);
                    path(c, segs);
                    c.stroke();
                }
            }
            Item::Polyline { points, stroke } => {
                stroke_with(c, stroke);
                for (i, (a, b)) in points.iter().enumerate() {
                    if i == 0 {
                        c.move_to(px(*a), py(*b));
                    } else {
                        c.line_to(px(*a), py(*b));
                    }
                }
                c.stroke();
            }
            Item::Marker {
                x: mx,
                y: my,
                shape,
                size,
                fill,
            } => {
                let segs = crate::chart::scene::marker_segs(*mx, *my, *shape, *size);
                let (r, g, b) = rgb(*fill);
                c.set_fill_rgb(r, g, b);
                path(c, &segs);
                c.fill_nonzero();
            }
            Item::Text {
                x: tx,
                y: ty,
                text,
                size,
                anchor,
                bold,
                color,
            } => {
                let s = size * scale;
                let w = text_width(text, s, *bold);
                let dx = match anchor {
                    Anchor::Start => 0.0,
                    Anchor::Middle => w / 2.0,
                    Anchor::End => w,
                };
                show(c, px(*tx) - dx, py(*ty), s, *bold, *color, text);
            }
        }
    }
    c.set_dash_pattern([], 0.0);
    c.restore_state();
}

/// Writes the laid-out pages: header, body and footer of each, bookmarks, metadata.
fn write(doc: &Document, l: Layout) -> Vec<u8> {
    let tr = doc.tr;
    let n = l.pages.len();
    let mut next = 1;
    let mut alloc = || {
        let r = Ref::new(next);
        next += 1;
        r
    };
    let (catalog, tree, regular, bold, info, outline) =
        (alloc(), alloc(), alloc(), alloc(), alloc(), alloc());
    let page_refs: Vec<(Ref, Ref)> = (0..n).map(|_| (alloc(), alloc())).collect();
    let item_refs: Vec<Ref> = l.headings.iter().map(|_| alloc()).collect();
    // links of the table of contents, per page: (rect, heading index)
    let mut links: Vec<Vec<(Rect, usize)>> = (0..n).map(|_| Vec::new()).collect();

    let mut pdf = Pdf::new();
    let mut cat = pdf.catalog(catalog);
    cat.pages(tree).lang(TextStr(tr.code()));
    if !l.headings.is_empty() {
        cat.outlines(outline);
    }
    cat.finish();
    pdf.pages(tree)
        .kids(page_refs.iter().map(|p| p.0))
        .count(i32::try_from(n).unwrap_or(i32::MAX));
    for (font, base) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(font)
            .base_font(Name(base.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    {
        let mut i = pdf.document_info(info);
        i.title(TextStr(&doc.title))
            .producer(TextStr("Vigie"))
            .creator(TextStr("Vigie"));
        if !doc.author.is_empty() {
            i.author(TextStr(&doc.author));
        }
        if !doc.subject.is_empty() {
            i.subject(TextStr(&doc.subject));
        }
        if !doc.keywords.is_empty() {
            i.keywords(TextStr(&doc.keywords));
        }
    }
    let mut annotation_ids: Vec<Vec<Ref>> = (0..n).map(|_| Vec::new()).collect();
    for (i, ops) in l.pages.iter().enumerate() {
        let mut c = Content::new();
        // header
        let header_y = PAGE_H - 40.0;
        let title_w = BODY_W - 110.0;
        show(
            &mut c,
            MARGIN_X,
            header_y,
            8.0,
            false,
            GREY,
            &fit(&doc.title, title_w, 8.0, false),
        );
        if let Some(t) = doc.tlp {
            tlp_box(&mut c, t, PAGE_W - MARGIN_X, header_y, true);
        }
        c.set_stroke_rgb(0.7, 0.7, 0.7).set_line_width(0.5);
        c.move_to(MARGIN_X, header_y - 10.0)
            .line_to(PAGE_W - MARGIN_X, header_y - 10.0)
            .stroke();
        // body
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold,
                    color,
                    text,
                } => show(&mut c, *x, *y, *size, *bold, *color, text),
                Op::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => {
                    if let Some(f) = fill {
                        let (r, g, b) = rgb(*f);
                        c.set_fill_rgb(r, g, b);
                        c.rect(*x, *y, *w, *h).fill_nonzero();
                    }
                    if let Some((s, width)) = stroke {
                        let (r, g, b) = rgb(*s);
                        c.set_stroke_rgb(r, g, b).set_line_width(*width);
                        if *h == 0.0 {
                            c.move_to(*x, *y).line_to(x + w, *y).stroke();
                        } else {
                            c.rect(*x, *y, *w, *h).stroke();
                        }
                    }
                }
                Op::Scene {
                    scene,
                    x,
                    top,
                    scale,
                } => draw_scene(&mut c, scene, *x, *top, *scale),
                Op::Toc { index, y } => {
                    if let Some(h) = l.headings.get(*index) {
                        let indent = if h.level == 1 { 0.0 } else { 14.0 };
                        let number = (h.page + 1).to_string();
                        let nw = text_width(&number, TEXT, false);
                        let bold = h.level == 1;
                        let label = fit(&h.text, BODY_W - indent - nw - 24.0, TEXT, bold);
                        show(&mut c, MARGIN_X + indent, *y, TEXT, bold, Rgb::INK, &label);
                        show(
                            &mut c,
                            PAGE_W - MARGIN_X - nw,
                            *y,
                            TEXT,
                            false,
                            Rgb::INK,
                            &number,
                        );
                        links[i].push((
                            Rect::new(MARGIN_X, y - 3.0, PAGE_W - MARGIN_X, y + TEXT),
                            *index,
                        ));
                    }
                }
            }
        }
        // footer
        if let Some(t) = doc.tlp {
            tlp_box(&mut c, t, MARGIN_X, 36.0, false);
        }
        let page = tr.t_args(
            "pdf-page",
            &[
                ("page", (i + 1).to_string().into()),
                ("pages", n.to_string().into()),
            ],
        );
        let pw = text_width(&page, 8.0, false);
        show(
            &mut c,
            PAGE_W - MARGIN_X - pw,
            36.0,
            8.0,
            false,
            GREY,
            &page,
        );

        for (rect, index) in &links[i] {
            let id = alloc();
            annotation_ids[i].push(id);
            let target = l.headings.get(*index).map(|h| (page_refs[h.page].0, h.y));
            let mut a = pdf.annotation(id);
            a.subtype(AnnotationType::Link)
                .rect(*rect)
                .border(0.0, 0.0, 0.0, None);
            if let Some((p, y)) = target {
                a.action()
                    .action_type(ActionType::GoTo)
                    .destination()
                    .page(p)
                    .xyz(MARGIN_X, y + 20.0, None);
            }
        }
        let (page_ref, content_ref) = page_refs[i];
        let mut page = pdf.page(page_ref);
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .contents(content_ref);
        if !annotation_ids[i].is_empty() {
            page.annotations(annotation_ids[i].iter().copied());
        }
        page.resources()
            .fonts()
            .pair(REGULAR, regular)
            .pair(BOLD, bold);
        page.finish();
        pdf.stream(content_ref, &c.finish());
    }
    // bookmarks: one flat list of the chapters and sections
    if let (Some(first), Some(last)) = (item_refs.first(), item_refs.last()) {
        pdf.outline(outline)
            .first(*first)
            .last(*last)
            .count(i32::try_from(item_refs.len()).unwrap_or(i32::MAX));
        for (k, h) in l.headings.iter().enumerate() {
            let mut item = pdf.outline_item(item_refs[k]);
            let title = if h.level == 2 {
                format!("  {}", h.text)
            } else {
                h.text.clone()
            };
            item.title(TextStr(&title)).parent(outline);
            if k > 0 {
                item.prev(item_refs[k - 1]);
            }
            if let Some(nx) = item_refs.get(k + 1) {
                item.next(*nx);
            }
            item.dest()
                .page(page_refs[h.page].0)
                .xyz(MARGIN_X, h.y + 20.0, None);
        }
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_text_is_win_ansi() {
        assert_eq!(
            win_ansi("Été (à) \\ œ"),
            b"\xc9t\xe9 (\xe0) \\ \x9c".to_vec()
        );
        assert_eq!(win_ansi("a\u{202f}→\tb 中"), b"a\xa0->?b ?".to_vec());
    }

    #[test]
    fn tlp_labels() {
        assert_eq!(Tlp::parse("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(Tlp::parse("white"), Some(Tlp::Clear));
        assert_eq!(Tlp::parse("red").map(Tlp::label), Some("TLP:RED"));
        assert_eq!(Tlp::parse("blue"), None);
    }

    #[test]
    fn hatches_cover_their_box() {
        let (lines, dots) = hatch_marks(Hatch::Cross, 10.0, 0.0, 0.0, 100.0, 50.0);
        assert!(lines.len() > 20 && dots.is_empty());
        let (lines, dots) = hatch_marks(Hatch::Dots, 10.0, 0.0, 0.0, 100.0, 50.0);
        assert!(lines.is_empty() && dots.len() >= 50);
    }
}
