//! The translator, the charts and the numbers work from askama templates as the web writes them
//! (askama hands fields by reference).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use askama::Template;
use vigie_report::chart::{Chart, Orientation};
use vigie_report::{Lang, Tr};

struct Ctx {
    tr: Tr,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<p><strong>{{ total }}</strong> {{ ctx.tr.count("structures-count", total) }}</p>
<p>{{ ctx.tr.t("nav-dashboard") }} · {{ ctx.tr.datetime(created_at) }} · {{ ctx.tr.int(total) }} · {{ ctx.tr.percent(share, 1) }}</p>
<p>{{ ctx.tr.k("severity", sev) }} · {{ ctx.tr.t_arg("surveillance-summary_fixed", "fixed", fixed) }} · {{ ctx.tr.region_name(region) }}</p>
<figure><figcaption>{{ chart.title }}</figcaption>{{ chart.svg(ctx.tr)|safe }}</figure>"#
)]
struct Page {
    ctx: Ctx,
    total: i64,
    fixed: usize,
    created_at: i64,
    share: f64,
    sev: String,
    region: String,
    chart: Chart,
}

fn page(lang: Lang) -> String {
    Page {
        ctx: Ctx { tr: Tr::new(lang) },
        total: 1234,
        fixed: 1,
        created_at: 1_796_389_680,
        share: 12.5,
        sev: "high".into(),
        region: "53".into(),
        chart: Chart::bars(
            "Par criticité <b>",
            "",
            "",
            Orientation::Horizontal,
            [("Élevée".to_string(), 2.0)],
        ),
    }
    .render()
    .expect("renders")
}

#[test]
fn templates_use_the_translator() {
    let fr = page(Lang::Fr);
    assert!(fr.contains("<strong>1234</strong> structures</p>"), "{fr}");
    assert!(
        fr.contains("Tableau de bord · 4 déc. 2026 à 14:08 · 1\u{202f}234 · 12,5\u{202f}%"),
        "{fr}"
    );
    assert!(
        fr.contains(
            "Élevée · 1 constat a été corrigé et vérifié par une analyse ultérieure. · Bretagne"
        ),
        "{fr}"
    );
    assert!(
        fr.contains("<figcaption>Par criticité &#60;b&#62;</figcaption><svg "),
        "{fr}"
    );
    let en = page(Lang::En);
    assert!(
        en.contains("Dashboard · 4 Dec 2026, 14:08 · 1,234 · 12.5%"),
        "{en}"
    );
}
