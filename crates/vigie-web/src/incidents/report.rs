//! The printable incident report, as HTML and as a PDF (the presentation layer's
//! `vigie_report::pdf::Document`): the facts, the regulatory clocks, the handling, the
//! conversation, the observables and attachments the reader may see, and the timeline. Its
//! marking is the narrowest TLP of what it shows (the incident's, or an observable's or an
//! attachment's when narrower), on every page: in the PDF's header and footer, and in the
//! printed HTML a marking that the print style repeats at the top of each sheet.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use vigie_incidents::marking::Tlp;
use vigie_incidents::taxonomy::{
    CareImpact, CaseStatus, IncidentState, IncidentType, OperationsImpact, Origin, Severity,
};
use vigie_report::chart::Table;
use vigie_report::pdf::{Document, Tlp as PdfTlp};
use vigie_store::incidents::IncidentCase;

use super::pages::{clock_views, label_of, ClockView};
use crate::auth::{Authed, Page};
use crate::error::AppResult;
use crate::i18n::Tr;
use crate::ui::{page, render, Ctx};
use crate::AppState;

/// Everything the report shows, in the reader's language.
pub(crate) struct ReportData {
    c: IncidentCase,
    /// The narrowest marking of what the report shows.
    tlp: Tlp,
    clocks: Vec<ClockView>,
    /// (label, value) of the facts.
    facts: Vec<(String, String)>,
    status: String,
    generated: i64,
}

/// The narrowest TLP among the incident's and those of the observables and attachments shown.
fn marking(c: &IncidentCase) -> Tlp {
    let parse = |s: &str| s.parse::<Tlp>().unwrap_or(Tlp::Red);
    c.observables
        .iter()
        .map(|o| parse(&o.tlp))
        .chain(c.attachments.iter().map(|a| parse(&a.tlp)))
        .fold(parse(&c.incident.tlp), Tlp::narrowest)
}

async fn report_data(st: &AppState, a: &Authed, id: i64) -> AppResult<ReportData> {
    let c = st.store.get_incident_case(&a.actor, id).await?;
    let tr = a.tr();
    let code = tr.code();
    let now = chrono::Utc::now().timestamp();
    let i = &c.incident;
    let yes_no = |b: i64| tr.t(if b == 1 { "common-yes" } else { "common-no" });
    let mut data_impacts = Vec::new();
    for (flag, key) in [
        (i.data_availability, "incidents-field-data_availability"),
        (i.data_integrity, "incidents-field-data_integrity"),
        (
            i.data_confidentiality,
            "incidents-field-data_confidentiality",
        ),
    ] {
        if flag == 1 {
            data_impacts.push(tr.t(key));
        }
    }
    let mut facts = vec![
        (
            tr.t("incidents-structure"),
            format!("{} (FINESS {})", i.structure_name, i.structure_finess),
        ),
        (
            tr.t("incidents-field-origin"),
            label_of::<Origin>(&i.origin, |x| x.label(code)),
        ),
        (
            tr.t("incidents-field-incident_type"),
            label_of::<IncidentType>(&i.incident_type, |x| x.label(code)),
        ),
        (
            tr.t("incidents-severity"),
            i.severity
                .as_deref()
                .map(|s| label_of::<Severity>(s, |x| x.label(code)))
                .unwrap_or_default(),
        ),
        (
            tr.t("incidents-field-state"),
            label_of::<IncidentState>(&i.state, |x| x.label(code)),
        ),
    ];
    if let Some(t) = i.occurred_at {
        facts.push((tr.t("incidents-field-occurred_at"), tr.datetime(t)));
    }
    facts.push((
        tr.t("incidents-field-detected_at"),
        tr.datetime(i.detected_at),
    ));
    if let Some(t) = i.declared_at {
        facts.push((tr.t("incidents-declared"), tr.datetime(t)));
    }
    facts.extend([
        (
            tr.t("incidents-field-care_impact"),
            label_of::<CareImpact>(&i.care_impact, |x| x.label(code)),
        ),
        (tr.t("incidents-data_impacts"), data_impacts.join(", ")),
        (
            tr.t("incidents-field-operations_impact"),
            label_of::<OperationsImpact>(&i.operations_impact, |x| x.label(code)),
        ),
        (tr.t("incidents-field-significant"), yes_no(i.significant)),
        (
            tr.t("incidents-field-personal_data"),
            yes_no(i.personal_data),
        ),
        (
            tr.t("incidents-field-support_requested"),
            yes_no(i.support_requested),
        ),
        (
            tr.t("incidents-field-complaint_filed"),
            yes_no(i.complaint_filed),
        ),
        (tr.t("incidents-field-systems"), i.systems.clone()),
        (tr.t("incidents-field-sites"), i.sites.clone()),
        (tr.t("incidents-field-provider"), i.provider.clone()),
        (
            tr.t("incidents-field-declarant_name"),
            format!(
                "{} {} {}",
                i.declarant_name, i.declarant_email, i.declarant_phone
            )
            .trim()
            .to_string(),
        ),
    ]);
    for (label, t) in [
        ("incidents-report-triaged_at", i.triaged_at),
        ("incidents-report-contained_at", i.contained_at),
        ("incidents-report-closed_at", i.closed_at),
    ] {
        if let Some(t) = t {
            facts.push((tr.t(label), tr.datetime(t)));
        }
    }
    Ok(ReportData {
        tlp: marking(&c),
        clocks: clock_views(&tr, &c.clocks, now),
        status: label_of::<CaseStatus>(&i.status, |x| x.label(code)),
        facts,
        generated: now,
        c,
    })
}

#[derive(Template)]
#[template(path = "incidents/report.html")]
struct ReportPage {
    ctx: Ctx,
    d: ReportData,
    tlp_label: &'static str,
    tlp_class: String,
}

/// The report as a printable page.
pub(crate) async fn report(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let d = report_data(&st, &a, id).await?;
        render(&ReportPage {
            ctx: Ctx::of(&a),
            tlp_label: pdf_tlp(d.tlp).label(),
            tlp_class: d.tlp.as_str().replace('+', "-"),
            d,
        })
    })
}

fn pdf_tlp(t: Tlp) -> PdfTlp {
    match t {
        Tlp::Clear => PdfTlp::Clear,
        Tlp::Green => PdfTlp::Green,
        Tlp::Amber => PdfTlp::Amber,
        Tlp::AmberStrict => PdfTlp::AmberStrict,
        Tlp::Red => PdfTlp::Red,
    }
}

/// The PDF of the report, its marking in the header and footer of every page.
pub(crate) fn pdf(tr: Tr, d: &ReportData) -> Vec<u8> {
    let c = &d.c;
    let mut doc = Document::new(tr, &format!("{} — {}", c.reference, c.incident.title));
    doc.tlp(pdf_tlp(d.tlp))
        .author("Vigie")
        .subject(&tr.t("incidents-report-title"))
        .subtitle(&format!(
            "{} · {} · {}",
            c.incident.structure_name,
            d.status,
            tr.datetime(d.generated)
        ));
    doc.heading(1, &tr.t("incidents-facts"));
    doc.table(&Table {
        caption: tr.t("incidents-facts"),
        header: vec![
            tr.t("incidents-report-item"),
            tr.t("incidents-report-value"),
        ],
        rows: d
            .facts
            .iter()
            .map(|(k, v)| vec![k.clone(), v.clone()])
            .collect(),
        numeric: vec![false, false],
    });
    if !c.incident.description.trim().is_empty() {
        doc.paragraph(&c.incident.description);
    }
    doc.heading(1, &tr.t("incidents-clocks"));
    if d.clocks.is_empty() {
        doc.paragraph(&tr.t("incidents-report-no_clocks"));
    } else {
        doc.table(&Table {
            caption: tr.t("incidents-clocks"),
            header: vec![
                tr.t("incidents-notification"),
                tr.t("incidents-authority"),
                tr.t("incidents-deadline"),
                tr.t("incidents-status"),
                tr.t("incidents-legal_reference"),
            ],
            rows: d
                .clocks
                .iter()
                .map(|k| {
                    vec![
                        k.label.clone(),
                        k.authority.clone(),
                        if k.without_delay {
                            tr.t("incidents-without_delay")
                        } else {
                            k.deadline.clone()
                        },
                        format!(
                            "{} {}",
                            tr.t(&format!("incidents-clock-{}", k.status)),
                            k.done_at
                        )
                        .trim()
                        .to_string(),
                        k.legal_reference.clone(),
                    ]
                })
                .collect(),
            numeric: vec![false; 5],
        });
    }
    doc.heading(1, &tr.t("incidents-conversation"));
    if c.notes.is_empty() {
        doc.paragraph(&tr.t("incidents-no_notes"));
    }
    for n in &c.notes {
        let internal = if n.internal == 1 {
            format!(" — {}", tr.t("incidents-internal"))
        } else {
            String::new()
        };
        doc.strong(&format!("{} — {}{internal}", n.author, tr.datetime(n.at)))
            .paragraph(&n.body);
    }
    doc.heading(1, &tr.t("incidents-observables"));
    if c.hidden_observables > 0 {
        doc.paragraph(&tr.count("incidents-hidden_observables", c.hidden_observables));
    }
    if !c.observables.is_empty() {
        doc.table(&Table {
            caption: tr.t("incidents-observables"),
            header: vec![
                tr.t("incidents-kind"),
                tr.t("incidents-value"),
                "TLP".into(),
                tr.t("incidents-ioc"),
                tr.t("incidents-comment"),
            ],
            rows: c
                .observables
                .iter()
                .map(|o| {
                    vec![
                        o.kind.clone(),
                        o.value.clone(),
                        format!("TLP:{}", o.tlp.to_uppercase()),
                        tr.t(if o.is_indicator == 1 {
                            "common-yes"
                        } else {
                            "common-no"
                        }),
                        o.comment.clone(),
                    ]
                })
                .collect(),
            numeric: vec![false; 5],
        });
    }
    doc.heading(1, &tr.t("incidents-attachments"));
    if c.hidden_attachments > 0 {
        doc.paragraph(&tr.count("incidents-attachments-hidden", c.hidden_attachments));
    }
    if c.attachments.is_empty() {
        doc.paragraph(&tr.t("incidents-attachments-none"));
    } else {
        doc.table(&Table {
            caption: tr.t("incidents-attachments"),
            header: vec![
                tr.t("incidents-field-file"),
                tr.t("incidents-attachment-size"),
                "TLP".into(),
                "SHA-256".into(),
            ],
            rows: c
                .attachments
                .iter()
                .map(|f| {
                    vec![
                        f.name.clone(),
                        tr.int(f.size),
                        format!("TLP:{}", f.tlp.to_uppercase()),
                        f.sha256.clone(),
                    ]
                })
                .collect(),
            numeric: vec![false, true, false, false],
        });
    }
    doc.heading(1, &tr.t("incidents-people"));
    doc.bullets(c.people.iter().map(|p| {
        format!(
            "{} ({}) — {}",
            p.display_name,
            p.email,
            tr.k("incidents-person", &p.role)
        )
    }));
    doc.heading(1, &tr.t("incidents-timeline"));
    doc.bullets(c.events.iter().map(|e| {
        format!(
            "{} — {} — {}",
            tr.datetime(e.at),
            e.actor,
            tr.k("incidents-event", &e.kind)
        )
    }));
    doc.finish()
}

/// The report as a PDF download.
pub(crate) async fn report_pdf(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let d = report_data(&st, &a, id).await?;
        Ok(crate::ui::pdf_response(
            &format!("{}.pdf", d.c.reference),
            pdf(a.tr(), &d),
        ))
    })
}
