//! Charts drawn on the server: bars (horizontal or vertical), stacked bars, lines over time and a
//! choropleth map of France's regions or departments.
//!
//! A [`Chart`] is data and words; it renders as
//! - an SVG document ([`Chart::svg`]) sized by its `viewBox`, with `role="img"`, a `<title>` and
//!   a `<desc>` (the text alternative, [`Chart::description`]),
//! - its data table ([`Chart::table`]), which the page or the report shows beside it,
//! - vector graphics in a PDF (`pdf::Document::chart`), from the same layout.
//!
//! Colour is never the only signal: single-series bars carry their value at their end; stacked
//! series and map classes have a hatch of their own as well as a colour (Okabe–Ito's
//! colour-blind-safe palette for series, a light-to-dark blue scale for classes), and lines a dash
//! pattern, a marker shape and their name at their end. Nothing depends on a background colour,
//! so charts print. Numbers and dates are written in the chart's language. The output is
//! deterministic: the same chart gives the same bytes.

mod layout;
pub mod map;
pub mod scene;
mod text;

use crate::i18n::Tr;
pub use map::{Classes, MapLevel};
pub use scene::{Rgb, Scene};

/// A chart: what it shows and its data.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// Identifier in the page (SVG ids are derived from it): `[a-z0-9-]`; made from the title
    /// when empty.
    pub id: String,
    /// The chart's title (the SVG's `<title>`, the PDF's caption).
    pub title: String,
    /// What a reader should see in it, in a sentence or two; a summary of the data is added.
    pub summary: String,
    /// The heading of the table's first column (`Région`, `Semaine`…).
    pub category_label: String,
    /// What the numbers count (`Constats ouverts`): the value column's heading, the legend's.
    pub value_label: String,
    /// Decimals shown at most.
    pub decimals: usize,
    pub kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Orientation {
    /// Bars grow to the right, categories listed downwards: long labels fit.
    #[default]
    Horizontal,
    /// Bars grow upwards, categories along the bottom.
    Vertical,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    Bars {
        orientation: Orientation,
        bars: Vec<Bar>,
    },
    Stacked {
        orientation: Orientation,
        /// The names of the stacked series, bottom (or left) first.
        series: Vec<String>,
        categories: Vec<Category>,
    },
    Lines {
        series: Vec<Series>,
    },
    Map {
        level: MapLevel,
        /// Values by region or department code (`"53"`, `"2A"`, `"971"`).
        values: Vec<(String, f64)>,
        classes: Classes,
    },
}

/// A bar: its label and value (negative values are drawn as 0 and shown as they are).
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// A category of stacked bars: one value per series.
#[derive(Clone, Debug, PartialEq)]
pub struct Category {
    pub label: String,
    pub values: Vec<f64>,
}

/// A line: points `(unix seconds, value)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(i64, f64)>,
}

/// A data table: the chart's numbers for readers who do not see the drawing, and for print.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns holding numbers (to align them right).
    pub numeric: Vec<bool>,
}

impl Chart {
    fn new(title: &str, category_label: &str, value_label: &str, kind: Kind) -> Chart {
        Chart {
            id: String::new(),
            title: title.to_string(),
            summary: String::new(),
            category_label: category_label.to_string(),
            value_label: value_label.to_string(),
            decimals: 1,
            kind,
        }
    }

    /// Bars, one per `(label, value)`.
    pub fn bars(
        title: &str,
        category_label: &str,
        value_label: &str,
        orientation: Orientation,
        bars: impl IntoIterator<Item = (String, f64)>,
    ) -> Chart {
        let bars = bars
            .into_iter()
            .map(|(label, value)| Bar { label, value })
            .collect();
        Chart::new(
            title,
            category_label,
            value_label,
            Kind::Bars { orientation, bars },
        )
    }

    /// Stacked bars: `series` names, then per category its label and one value per series.
    pub fn stacked(
        title: &str,
        category_label: &str,
        value_label: &str,
        orientation: Orientation,
        series: Vec<String>,
        categories: impl IntoIterator<Item = (String, Vec<f64>)>,
    ) -> Chart {
        let categories = categories
            .into_iter()
            .map(|(label, values)| Category { label, values })
            .collect();
        Chart::new(
            title,
            category_label,
            value_label,
            Kind::Stacked {
                orientation,
                series,
                categories,
            },
        )
    }

    /// Lines over time.
    pub fn lines(
        title: &str,
        category_label: &str,
        value_label: &str,
        series: Vec<Series>,
    ) -> Chart {
        Chart::new(title, category_label, value_label, Kind::Lines { series })
    }

    /// A choropleth map of France's regions or departments.
    pub fn map(
        title: &str,
        level: MapLevel,
        value_label: &str,
        values: impl IntoIterator<Item = (String, f64)>,
        classes: Classes,
    ) -> Chart {
        Chart::new(
            title,
            "",
            value_label,
            Kind::Map {
                level,
                values: values.into_iter().collect(),
                classes,
            },
        )
    }

    /// With a sentence saying what to see in it.
    pub fn with_summary(mut self, summary: &str) -> Chart {
        self.summary = summary.to_string();
        self
    }

    /// With an id of its own (two charts of one page need different ids).
    pub fn with_id(mut self, id: &str) -> Chart {
        self.id = id.to_string();
        self
    }

    /// With at most `decimals` decimals in labels and tables.
    pub fn with_decimals(mut self, decimals: usize) -> Chart {
        self.decimals = decimals;
        self
    }

    /// The id used in the SVG: the given one, cleaned, or `chart-` and a hash of the title.
    pub fn dom_id(&self) -> String {
        let clean: String = self
            .id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        if clean.is_empty() {
            // FNV-1a: stable across runs and platforms
            let mut h: u32 = 0x811c_9dc5;
            for b in self.title.bytes() {
                h ^= u32::from(b);
                h = h.wrapping_mul(0x0100_0193);
            }
            format!("chart-{h:08x}")
        } else {
            clean
        }
    }

    /// The text alternative: the summary given, then what the data says (highest and lowest
    /// values, period covered…), in the reader's language.
    pub fn description(&self, tr: impl Into<Tr>) -> String {
        let tr = tr.into();
        let auto = layout::describe(self, tr);
        match (self.summary.trim(), auto.is_empty()) {
            ("", _) => auto,
            (s, true) => s.to_string(),
            (s, false) => format!("{s} {auto}"),
        }
    }

    /// The chart laid out (for the PDF writer, or to inspect).
    pub fn scene(&self, tr: impl Into<Tr>) -> Scene {
        let tr = tr.into();
        layout::scene(self, tr)
    }

    /// The chart as an SVG document (in a template: `{{ chart.svg(ctx.tr)|safe }}`; every text
    /// in it is escaped).
    pub fn svg(&self, tr: impl Into<Tr>) -> String {
        let tr = tr.into();
        let class = match &self.kind {
            Kind::Bars { .. } => "vigie-chart vigie-chart-bars",
            Kind::Stacked { .. } => "vigie-chart vigie-chart-stacked",
            Kind::Lines { .. } => "vigie-chart vigie-chart-lines",
            Kind::Map { .. } => "vigie-chart vigie-chart-map",
        };
        self.scene(tr)
            .svg(&self.dom_id(), &self.title, &self.description(tr), class)
    }

    /// The chart's data as a table, in the reader's language.
    pub fn table(&self, tr: impl Into<Tr>) -> Table {
        let tr = tr.into();
        layout::table(self, tr)
    }
}
