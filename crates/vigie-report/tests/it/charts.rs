//! Charts: the SVG parses, names itself for assistive technologies, shows its values, and the
//! map has one shape per region or department with its code.

use vigie_report::chart::{Chart, Classes, MapLevel, Orientation, Series};
use vigie_report::{Lang, Tr};

const FR: Tr = Tr { lang: Lang::Fr };
const EN: Tr = Tr { lang: Lang::En };

fn parse(svg: &str) -> roxmltree::Document<'_> {
    match roxmltree::Document::parse(svg) {
        Ok(d) => d,
        Err(e) => panic!("SVG does not parse: {e}\n{svg}"),
    }
}

/// Root is an accessible image sized by its viewBox, labelled by its title and description.
fn check_accessible(doc: &roxmltree::Document<'_>, title: &str) -> String {
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("role"), Some("img"));
    assert!(root.attribute("viewBox").is_some());
    assert!(root.attribute("width").is_none(), "sized by its container");
    let id = root.attribute("id").unwrap_or_default().to_string();
    assert_eq!(
        root.attribute("aria-labelledby"),
        Some(format!("{id}-title {id}-desc").as_str())
    );
    let text_of = |tag: &str| {
        root.children()
            .find(|n| n.has_tag_name(tag))
            .and_then(|n| n.text())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(text_of("title"), title);
    let desc = text_of("desc");
    assert!(!desc.is_empty());
    desc
}

fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text())
        .map(str::to_string)
        .collect()
}

#[test]
fn horizontal_bars() {
    let c = Chart::bars(
        "Constats ouverts par criticité",
        "Criticité",
        "Constats ouverts",
        Orientation::Horizontal,
        [
            ("Critique".to_string(), 3.0),
            ("Élevée <b>".to_string(), 1234.0),
            ("Moyenne".to_string(), 0.0),
        ],
    )
    .with_summary("Les constats élevés dominent.");
    let svg = c.svg(FR);
    let doc = parse(&svg);
    let desc = check_accessible(&doc, "Constats ouverts par criticité");
    assert!(
        desc.starts_with("Les constats élevés dominent. 3 valeurs."),
        "{desc}"
    );
    assert!(
        desc.contains("La plus élevée : Élevée <b> (1\u{202f}234)"),
        "{desc}"
    );
    let t = texts(&doc);
    for s in [
        "Critique",
        "Élevée <b>",
        "Moyenne",
        "3",
        "1\u{202f}234",
        "0",
    ] {
        assert!(t.iter().any(|x| x == s), "{s:?} not in {t:?}");
    }
    assert!(svg.contains("Élevée &#60;b&#62;"), "{svg}");
    assert!(!svg.contains("<b>"));
    // same bytes each time; a template hands the translator by reference
    let by_ref: &Tr = &FR;
    assert_eq!(svg, c.svg(by_ref));
    assert_eq!(c.svg(Lang::En), c.svg(EN));
    let en = c.svg(EN);
    assert!(texts(&parse(&en)).iter().any(|x| x == "1,234"));
    let table = c.table(FR);
    assert_eq!(table.header, vec!["Criticité", "Constats ouverts"]);
    assert_eq!(table.rows[1], vec!["Élevée <b>", "1\u{202f}234"]);
    assert_eq!(table.numeric, vec![false, true]);
}

#[test]
fn vertical_and_stacked_bars() {
    let v = Chart::bars(
        "Alertes par mois",
        "",
        "",
        Orientation::Vertical,
        [("janv.".to_string(), 2.5), ("févr.".to_string(), 10.0)],
    );
    let doc_src = v.svg(EN);
    let doc = parse(&doc_src);
    check_accessible(&doc, "Alertes par mois");
    let t = texts(&doc);
    assert!(
        t.iter().any(|x| x == "2.5") && t.iter().any(|x| x == "10"),
        "{t:?}"
    );
    assert_eq!(v.table(EN).header, vec!["Category", "Value"]);

    let s = Chart::stacked(
        "Constats par région",
        "Région",
        "Constats",
        Orientation::Horizontal,
        vec!["Critique".into(), "Élevée".into(), "Moyenne".into()],
        [
            ("Bretagne".to_string(), vec![1.0, 2.0, 3.0]),
            ("Normandie".to_string(), vec![0.0, 5.0]),
        ],
    );
    for o in [Orientation::Horizontal, Orientation::Vertical] {
        let mut s = s.clone();
        if let vigie_report::chart::Kind::Stacked { orientation, .. } = &mut s.kind {
            *orientation = o;
        }
        let svg = s.svg(FR);
        let doc = parse(&svg);
        check_accessible(&doc, "Constats par région");
        let t = texts(&doc);
        // legend names every series; totals are written
        for x in ["Critique", "Élevée", "Moyenne", "6", "5"] {
            assert!(t.iter().any(|y| y == x), "{x:?} not in {t:?}");
        }
        // series differ by hatch as well as by colour
        let patterns = doc
            .descendants()
            .filter(|n| n.has_tag_name("pattern"))
            .count();
        assert!(patterns >= 2, "{patterns} patterns");
        // every segment says what it is
        assert!(
            svg.contains("<title>Bretagne — Élevée : 2</title>"),
            "{svg}"
        );
    }
    let table = s.table(FR);
    assert_eq!(
        table.header,
        vec!["Région", "Critique", "Élevée", "Moyenne", "Total"]
    );
    assert_eq!(table.rows[1], vec!["Normandie", "0", "5", "0", "5"]);
}

#[test]
fn lines_over_time() {
    let day = 86_400;
    let t0 = 1_767_571_200; // 2026-01-05
    let c = Chart::lines(
        "Alertes ouvertes",
        "Semaine",
        "Alertes",
        vec![
            Series {
                name: "KEV".into(),
                points: (0..10)
                    .map(|i| (t0 + i * 7 * day, f64::from(i as i32)))
                    .collect(),
            },
            Series {
                name: "Toutes".into(),
                points: (0..10)
                    .map(|i| (t0 + i * 7 * day, f64::from(i as i32) * 3.0))
                    .collect(),
            },
        ],
    );
    let svg = c.svg(FR);
    let doc = parse(&svg);
    let desc = check_accessible(&doc, "Alertes ouvertes");
    assert!(
        desc.contains("2 séries du 5 janvier 2026 au 9 mars 2026."),
        "{desc}"
    );
    assert!(desc.contains("Toutes : de 0 à 27."), "{desc}");
    let t = texts(&doc);
    assert!(t.iter().any(|x| x == "KEV") && t.iter().any(|x| x == "Toutes"));
    assert!(t.iter().any(|x| x.contains("févr.")), "{t:?}");
    // lines differ by dash pattern too
    assert!(svg.contains("stroke-dasharray"));
    let table = c.table(EN);
    assert_eq!(table.header, vec!["Semaine", "KEV", "Toutes"]);
    assert_eq!(table.rows[0], vec!["5 January 2026", "0", "0"]);
    assert_eq!(table.rows.len(), 10);
}

#[test]
fn map_of_regions_and_departments() {
    let regions = Chart::map(
        "Structures exposées par région",
        MapLevel::Regions,
        "Structures exposées",
        [
            ("53".to_string(), 12.0),
            ("11".to_string(), 40.0),
            ("04".to_string(), 1.0),
            ("94".to_string(), 0.0),
        ],
        Classes::Auto,
    );
    let svg = regions.svg(FR);
    let doc = parse(&svg);
    let desc = check_accessible(&doc, "Structures exposées par région");
    assert!(
        desc.starts_with("4 régions sur 18 ont une valeur."),
        "{desc}"
    );
    let shapes: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("data-code").is_some())
        .collect();
    assert_eq!(shapes.len(), 18);
    let codes: std::collections::BTreeSet<_> = shapes
        .iter()
        .filter_map(|n| n.attribute("data-code"))
        .collect();
    assert_eq!(codes.len(), 18);
    for r in vigie_domain::geo::regions() {
        assert!(codes.contains(r.code), "{}", r.code);
    }
    // each shape names itself and its value; classes differ by hatch too
    assert!(
        svg.contains("<title>Bretagne (53) : 12</title>"),
        "{svg:.300}"
    );
    assert!(svg.contains("<title>Normandie (28) : sans donnée</title>"));
    let legend = texts(&doc);
    for x in ["Structures exposées", "0", "1", "12", "40", "sans donnée"] {
        assert!(legend.iter().any(|y| y == x), "{x:?} not in {legend:?}");
    }
    assert!(
        doc.descendants()
            .filter(|n| n.has_tag_name("pattern"))
            .count()
            >= 2
    );
    let table = regions.table(FR);
    assert_eq!(
        table.header,
        vec!["Code", "Région", "Structures exposées", "Classe"]
    );
    assert_eq!(table.rows.len(), 18);
    assert!(table.rows.contains(&vec![
        "53".to_string(),
        "Bretagne".to_string(),
        "12".to_string(),
        "12".to_string()
    ]));

    let values: Vec<(String, f64)> = vigie_domain::geo::departments()
        .iter()
        .filter(|d| d.is_department())
        .enumerate()
        .map(|(i, d)| (d.code.to_lowercase(), i as f64))
        .collect();
    let deps = Chart::map(
        "Par département",
        MapLevel::Departments,
        "Alertes",
        values,
        Classes::Auto,
    );
    let svg = deps.svg(EN);
    let doc = parse(&svg);
    let desc = check_accessible(&doc, "Par département");
    assert!(
        desc.starts_with("101 departments of 101 have a value."),
        "{desc}"
    );
    let codes: std::collections::BTreeSet<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("path"))
        .filter_map(|n| n.attribute("data-code"))
        .collect();
    assert_eq!(codes.len(), 101);
    assert!(codes.contains("2A") && codes.contains("2B") && codes.contains("976"));
    // Paris and its inner suburbs again, magnified, hidden from screen readers (they read the map)
    let zoom: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("zoom"))
        .collect();
    assert_eq!(zoom.len(), 4);
    assert!(zoom
        .iter()
        .all(|n| n.attribute("aria-hidden") == Some("true")));
    assert!(
        legend.iter().any(|x| x == "Paris and inner suburbs")
            || texts(&doc).iter().any(|x| x == "Paris and inner suburbs")
    );
    // five classes, quintiles, named in the legend
    let legend = texts(&doc);
    assert!(legend.iter().any(|x| x == "0 to 19"), "{legend:?}");
    assert!(legend.iter().any(|x| x == "80 or more"), "{legend:?}");
    // a class scale: five distinct fills on the departments
    let fills: std::collections::BTreeSet<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("department"))
        .filter_map(|n| n.attribute("fill"))
        .collect();
    assert_eq!(fills.len(), 5, "{fills:?}");
    // small enough to inline in a page
    assert!(svg.len() < 200_000, "{} bytes", svg.len());
}

/// Writes the charts to `$VIGIE_CHART_PREVIEW` (a folder) to look at them.
#[test]
fn preview() {
    let Some(dir) = std::env::var_os("VIGIE_CHART_PREVIEW") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let day = 86_400;
    let t0 = 1_767_571_200;
    let charts = [
        Chart::bars(
            "Bars",
            "Criticité",
            "Constats",
            Orientation::Horizontal,
            [
                ("Critique".into(), 3.0),
                ("Élevée".into(), 12.0),
                ("Moyenne".into(), 7.0),
                ("Faible ou information très longue étiquette".into(), 1.0),
            ],
        ),
        Chart::bars(
            "VBars",
            "",
            "Constats",
            Orientation::Vertical,
            (1..=12).map(|m| (format!("M{m}"), f64::from(m * m))),
        ),
        Chart::stacked(
            "Stacked",
            "Région",
            "Constats",
            Orientation::Horizontal,
            vec![
                "Critique".into(),
                "Élevée".into(),
                "Moyenne".into(),
                "Faible".into(),
                "Info".into(),
            ],
            [
                ("Bretagne".into(), vec![1.0, 2.0, 3.0, 4.0, 1.0]),
                ("Normandie".into(), vec![0.0, 5.0, 1.0, 1.0, 1.0]),
                ("Île-de-France".into(), vec![4.0, 6.0, 2.0, 8.0, 3.0]),
            ],
        ),
        Chart::stacked(
            "VStacked",
            "Région",
            "Constats",
            Orientation::Vertical,
            vec!["Critique".into(), "Élevée".into(), "Moyenne".into()],
            [
                ("Bretagne".into(), vec![1.0, 2.0, 3.0]),
                ("Normandie".into(), vec![0.0, 5.0, 1.0]),
            ],
        ),
        Chart::lines(
            "Lines",
            "Semaine",
            "Alertes",
            vec![
                Series {
                    name: "KEV".into(),
                    points: (0..20)
                        .map(|i| (t0 + i * 7 * day, f64::from((i * 7 % 11) as i32)))
                        .collect(),
                },
                Series {
                    name: "Toutes les alertes".into(),
                    points: (0..20)
                        .map(|i| (t0 + i * 7 * day, f64::from(i as i32) * 3.0))
                        .collect(),
                },
                Series {
                    name: "CERT-FR".into(),
                    points: (0..20)
                        .map(|i| (t0 + i * 7 * day, f64::from((i * 3 % 7) as i32)))
                        .collect(),
                },
            ],
        ),
        Chart::map(
            "Regions",
            MapLevel::Regions,
            "Structures exposées",
            vigie_domain::geo::regions()
                .iter()
                .enumerate()
                .map(|(i, r)| (r.code.to_string(), (i * 7 % 13) as f64)),
            Classes::Auto,
        ),
        Chart::map(
            "Departments",
            MapLevel::Departments,
            "Alertes",
            vigie_domain::geo::departments()
                .iter()
                .filter(|d| d.is_department() && d.code != "23")
                .enumerate()
                .map(|(i, d)| (d.code.to_string(), (i * 37 % 101) as f64)),
            Classes::Auto,
        ),
    ];
    let mut doc = vigie_report::pdf::Document::new(FR, "Graphiques");
    for c in &charts {
        let _ = std::fs::write(dir.join(format!("{}.svg", c.title)), c.svg(FR));
        doc.chart(c);
    }
    let _ = std::fs::write(dir.join("charts.pdf"), doc.finish());
}

#[test]
fn descriptions_of_equal_and_single_values() {
    let same = Chart::bars(
        "t",
        "",
        "",
        Orientation::Vertical,
        [("a".to_string(), 6.0), ("b".to_string(), 6.0)],
    );
    assert_eq!(
        same.description(FR),
        "2 valeurs. Toutes les valeurs valent 6."
    );
    let one = Chart::bars("t", "", "", Orientation::Vertical, [("a".to_string(), 1.5)]);
    assert_eq!(one.description(EN), "1 value. a: 1.5.");
    let none = Chart::lines("t", "", "", vec![]);
    assert_eq!(none.description(FR), "Aucune donnée.");
    // an empty chart still draws and parses
    parse(&none.svg(FR));
    parse(&Chart::map("m", MapLevel::Departments, "", [], Classes::Auto).svg(EN));
}

/// Nothing a caller can pass makes a chart panic: extreme times and values, empty series.
#[test]
fn extreme_inputs_draw() {
    let extreme = Chart::lines(
        "x",
        "",
        "",
        vec![
            Series {
                name: "a".into(),
                points: vec![(i64::MIN, f64::NAN), (i64::MAX, f64::INFINITY)],
            },
            Series {
                name: "b".into(),
                points: vec![(0, -1e308), (1, 1e308)],
            },
            Series {
                name: String::new(),
                points: vec![],
            },
        ],
    );
    parse(&extreme.svg(FR));
    let _ = extreme.table(EN);
    let mut doc = vigie_report::pdf::Document::new(EN, "x");
    doc.chart(&extreme);
    assert!(doc.finish().starts_with(b"%PDF"));
    let bars = Chart::stacked(
        "s",
        "",
        "",
        Orientation::Vertical,
        vec![],
        [("a".to_string(), vec![f64::NAN, 3.0])],
    );
    parse(&bars.svg(FR));
    let map = Chart::map(
        "m",
        MapLevel::Regions,
        "",
        [("53".to_string(), f64::NAN), ("zz".to_string(), 1.0)],
        Classes::Thresholds(vec![f64::NAN, 5.0, 1.0, 1.0, 2.0, 3.0, 4.0]),
    );
    parse(&map.svg(EN));
}
