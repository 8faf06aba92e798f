//! The observatory as a PDF, laid out like the official one: title page with the summary and
//! the key figures, a table of contents, one chapter per theme with its charts and tables, and
//! the method.

use vigie_report::pdf::{Document, KeyFigure, Tlp};
use vigie_report::Tr;

use super::view::View;

/// The PDF of a view. Aggregated counts identify no one: TLP:CLEAR for France and a region
/// (small counts included: the report is for those who see the territory, and a GHT's report is
/// marked TLP:AMBER, the few structures of a GHT being recognisable).
pub fn pdf(tr: &Tr, v: &View, tlp: Tlp) -> Vec<u8> {
    let mut doc = Document::new(*tr, &v.title);
    doc.tlp(tlp)
        .author("Vigie")
        .subject(&format!("{} — {}", v.title, v.territory_name))
        .keywords("observatoire, incidents, santé, médico-social")
        .subtitle(&format!(
            "{} · {} · {}",
            tr.t("observatory-subtitle"),
            v.territory_name,
            v.range
        ));
    doc.heading(1, &tr.t("observatory-summary"))
        .paragraph(&v.summary);
    doc.heading(2, &tr.t("observatory-key-figures"));
    let figures: Vec<KeyFigure> = v
        .figures
        .iter()
        .map(|f| KeyFigure::new(f.value.clone(), f.label.clone()))
        .collect();
    doc.key_figures(&figures);
    doc.contents();
    for ch in &v.chapters {
        doc.page_break().heading(1, &ch.title).paragraph(&ch.intro);
        for c in &ch.charts {
            doc.heading(2, &c.chart.title)
                .chart(&c.chart)
                .table(&c.table);
        }
        for t in &ch.tables {
            doc.heading(2, &t.caption).table(t);
        }
    }
    doc.page_break().heading(1, &tr.t("observatory-ch-method"));
    for p in &v.method {
        doc.paragraph(p);
    }
    doc.finish()
}
