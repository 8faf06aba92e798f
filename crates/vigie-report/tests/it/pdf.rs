//! PDF documents read back by a real PDF reader: poppler's `pdftotext` and `pdfinfo` (Debian's
//! poppler-utils, installed by `scripts/install-test-deps.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use std::process::Command;

use vigie_report::chart::{Chart, Classes, MapLevel, Orientation};
use vigie_report::pdf::{Document, KeyFigure, Tlp};
use vigie_report::{Lang, Table, Tr};

fn run(cmd: &str, args: &[&str], path: &std::path::Path) -> String {
    let out = Command::new(cmd)
        .args(args)
        .arg(path)
        .args(if cmd == "pdftotext" {
            &["-"][..]
        } else {
            &[][..]
        })
        .output()
        .unwrap_or_else(|e| {
            panic!("{cmd} (Debian's poppler-utils; scripts/install-test-deps.sh installs it): {e}")
        });
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn info_field(info: &str, name: &str) -> String {
    info.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {name} in {info}"))
        .to_string()
}

/// An exposure report as the web would write it.
fn report(lang: Lang) -> Vec<u8> {
    let tr = Tr::new(lang);
    let mut d = Document::new(tr, "Rapport d'exposition — Hôpital Sainte-Œuvre");
    d.author("CERT Santé")
        .subject("Exposition sur Internet")
        .keywords("exposition, TLP:AMBER")
        .tlp(Tlp::Amber);
    d.subtitle("FINESS 750712184 · Île-de-France · 4 décembre 2026");
    d.contents();
    d.heading(1, "Synthèse pour la direction");
    d.paragraph(
        "La dernière analyse a vu 12 services exposés sur Internet ; 5 constats restent ouverts. \
         À traiter en priorité : 2 constats critiques et 1 constat de criticité élevée ; voir le \
         plan de remédiation « urgent ».",
    );
    d.key_figures(&[
        KeyFigure::new("5", "constats ouverts"),
        KeyFigure::new("2", "critiques"),
        KeyFigure::new("12", "services exposés"),
        KeyFigure::new("3", "corrigés et vérifiés"),
    ]);
    let chart = Chart::bars(
        "Constats ouverts par criticité",
        "Criticité",
        "Constats",
        Orientation::Horizontal,
        [
            ("Critique".to_string(), 2.0),
            ("Élevée".to_string(), 1.0),
            ("Moyenne".to_string(), 2.0),
        ],
    );
    d.chart(&chart);
    d.table(&chart.table(tr));
    d.heading(1, "Cartographie des systèmes exposés");
    let mut systems = Table {
        caption: "Systèmes exposés".into(),
        header: vec![
            "Système".into(),
            "Service".into(),
            "Produit et version".into(),
            "Ports".into(),
        ],
        numeric: vec![false, false, false, true],
        ..Table::default()
    };
    for i in 0..90 {
        systems.rows.push(vec![
            format!("192.0.2.{i}:443"),
            "https".into(),
            format!("Serveur mandataire inversé très répandu, version {i}.{i} avec des modules"),
            (i * 7).to_string(),
        ]);
    }
    d.table(&systems);
    d.heading(1, "Constats par criticité");
    d.heading(2, "Critique");
    d.strong("Bureau à distance exposé (192.0.2.10:3389)");
    d.bullets([
        "Élément observé : RDP répond sans authentification réseau (NLA).",
        "Recommandation : fermez l'accès depuis Internet ; passez par le VPN.",
    ]);
    d.heading(2, "Élevée");
    d.paragraph("Telnet ouvert sur 192.0.2.11:23.");
    d.page_break();
    d.heading(1, "Méthode");
    d.chart(&Chart::map(
        "Structures exposées par région",
        MapLevel::Regions,
        "Structures exposées",
        [
            ("11".to_string(), 14.0),
            ("53".to_string(), 3.0),
            ("04".to_string(), 1.0),
        ],
        Classes::Auto,
    ));
    d.paragraph("Les analyses ne portent que sur les actifs déclarés par la structure.");
    d.finish()
}

#[test]
fn a_pdf_reader_reads_the_report_back() {
    let pdf = report(Lang::Fr);
    assert!(pdf.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("rapport.pdf");
    std::fs::write(&path, &pdf).expect("write");
    if let Some(keep) = std::env::var_os("VIGIE_PDF_PREVIEW") {
        std::fs::write(keep, &pdf).expect("keep");
    }
    let info = run("pdfinfo", &[], &path);
    assert_eq!(
        info_field(&info, "Title"),
        "Rapport d'exposition — Hôpital Sainte-Œuvre"
    );
    assert_eq!(info_field(&info, "Author"), "CERT Santé");
    assert_eq!(info_field(&info, "Page size"), "595 x 842 pts (A4)");
    let pages: usize = info_field(&info, "Pages").parse().expect("pages");
    assert!(pages >= 4, "{pages} pages");

    let text = run("pdftotext", &["-enc", "UTF-8"], &path);
    let per_page: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(per_page.len(), pages);
    for (i, p) in per_page.iter().enumerate() {
        // marking and page number on every page
        assert_eq!(p.matches("TLP:AMBER").count(), 2, "page {}: {p}", i + 1);
        assert!(
            p.contains(&format!("page {} / {pages}", i + 1)),
            "page {}: {p}",
            i + 1
        );
        assert!(p.contains("Rapport d'exposition — Hôpital Sainte-Œuvre"));
    }
    // accents, quotes and reading order
    let order = [
        "FINESS 750712184 · Île-de-France · 4 décembre 2026",
        "Sommaire",
        "Synthèse pour la direction",
        "À traiter en priorité",
        "« urgent »",
        "constats ouverts",
        "Constats ouverts par criticité",
        "Cartographie des systèmes exposés",
        "192.0.2.0:443",
        "192.0.2.89:443",
        "Bureau à distance exposé (192.0.2.10:3389)",
        "• Élément observé",
        "Méthode",
        "Structures exposées par région",
        "Les analyses ne portent que sur les actifs déclarés",
    ];
    let mut at = 0;
    for s in order {
        let found = text[at..]
            .find(s)
            .unwrap_or_else(|| panic!("{s:?} missing after byte {at} of\n{text}"));
        at += found + s.len();
    }
    // the long table runs over pages, its header row on each
    let with_rows: Vec<&&str> = per_page.iter().filter(|p| p.contains("192.0.2.")).collect();
    assert!(with_rows.len() >= 2, "{} pages of systems", with_rows.len());
    for p in with_rows {
        assert!(p.contains("Produit et version"), "header row missing: {p}");
    }
    // the table of contents gives the page of each chapter
    let methode_page = per_page
        .iter()
        .position(|p| p.contains("Les analyses ne portent"))
        .expect("method page")
        + 1;
    let layout = run(
        "pdftotext",
        &["-enc", "UTF-8", "-layout", "-f", "1", "-l", "1"],
        &path,
    );
    let toc = layout.as_str();
    let line = toc
        .lines()
        .find(|l| l.starts_with("Méthode"))
        .unwrap_or_else(|| panic!("no contents line for Méthode in {toc}"));
    assert!(
        line.trim_end().ends_with(&methode_page.to_string()),
        "{line:?} vs page {methode_page}"
    );
    // the chart's words are text, not an image
    assert!(text.contains("Critique") && text.contains("Structures exposées"));
}

#[test]
fn english_report_and_an_empty_document() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, report(Lang::En)).expect("write");
    let text = run("pdftotext", &["-enc", "UTF-8"], &path);
    assert!(text.contains("Contents"));
    assert!(text.contains("page 1 / "));

    let empty = Document::new(Tr::new(Lang::Fr), "Vide").finish();
    std::fs::write(&path, empty).expect("write");
    let info = run("pdfinfo", &[], &path);
    assert_eq!(info_field(&info, "Pages"), "1");
    let text = run("pdftotext", &["-enc", "UTF-8"], &path);
    assert!(text.contains("Vide") && text.contains("page 1 / 1") && !text.contains("TLP"));
}

/// A cell longer than a page (a long banner as evidence) runs over the next pages.
#[test]
fn a_row_taller_than_a_page_goes_on_over_the_next() {
    let long: String = (0..1500).map(|i| format!("ligne{i} ")).collect();
    let mut d = Document::new(Tr::new(Lang::Fr), "Preuves");
    d.table(&Table {
        caption: "Éléments observés".into(),
        header: vec!["Système".into(), "Élément observé".into()],
        rows: vec![
            vec!["192.0.2.1:23".into(), long],
            vec!["192.0.2.2:21".into(), "fin".into()],
        ],
        numeric: vec![false, false],
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("preuves.pdf");
    std::fs::write(&path, d.finish()).expect("write");
    let text = run("pdftotext", &["-enc", "UTF-8"], &path);
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(pages.len() >= 2, "{} pages", pages.len());
    for p in &pages {
        assert!(p.contains("Élément observé"), "header on every page: {p}");
    }
    let mut at = 0;
    for i in 0..1500 {
        let needle = format!("ligne{i} ");
        let found = text[at..]
            .find(&needle)
            .or_else(|| text[at..].find(&format!("ligne{i}\n")))
            .unwrap_or_else(|| panic!("ligne{i} missing"));
        at += found;
    }
    assert!(text[at..].contains("fin"));
}
