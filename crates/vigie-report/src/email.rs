//! The e-mails of the notification outbox, rendered in the recipient's language.
//!
//! An outbox row keeps an event's kind and its payload (a document of
//! [`vigie_domain::events`]); [`render`] turns them into the e-mail's subject and its two bodies,
//! plain text first, HTML second, in one [`Lang`]. Links are absolute (`base_url` + the page's
//! path). Every value of the payload is escaped in the HTML body (askama's HTML escaping); the
//! plain-text body shows values as they are.
//!
//! The bodies are askama templates, one per event (`templates/email/{finding,alert,bulletin}.{txt,html}`)
//! around a shared layout (`layout.{txt,html}`: greeting-free frame and signature); their words
//! are the `email-*` messages of `i18n/{fr,en}/email.ftl`.

use askama::Template;
use serde::de::DeserializeOwned;
use vigie_domain::events::{
    AlertEvent, BulletinEvent, FindingEvent, IncidentDeadlineEvent, SectorAlertEvent, ALERT_NEW,
    BULLETIN, FINDING_NEW, INCIDENT_DEADLINE, INCIDENT_SECTOR_ALERT,
};

use crate::i18n::{Lang, Tr};

/// An e-mail ready to send: subject, plain-text body, HTML body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The e-mail of an outbox event in `lang`, with links under `base_url` (`https://vigie.example`).
/// `None` when the kind is not one of [`vigie_domain::events`]' or the payload does not read as
/// that kind's document (the caller then keeps what the row already holds).
pub fn render(
    event_kind: &str,
    payload: &serde_json::Value,
    lang: Lang,
    base_url: &str,
) -> Option<Email> {
    let tr = Tr::new(lang);
    let base = base_url.trim_end_matches('/');
    match event_kind {
        FINDING_NEW => finding(tr, &parse(event_kind, payload)?, base),
        ALERT_NEW => alert(tr, &parse(event_kind, payload)?, base),
        BULLETIN => bulletin(tr, &parse(event_kind, payload)?, base),
        INCIDENT_DEADLINE => incident_deadline(tr, &parse(event_kind, payload)?, base),
        INCIDENT_SECTOR_ALERT => sector_alert(tr, &parse(event_kind, payload)?, base),
        _ => None,
    }
}

fn parse<T: DeserializeOwned>(kind: &str, payload: &serde_json::Value) -> Option<T> {
    match T::deserialize(payload) {
        Ok(v) => Some(v),
        Err(e) => {
            tracing::warn!(kind, error = %e, "payload does not read as the event's document");
            None
        }
    }
}

/// `base` + `path`, unless `path` is already absolute.
fn absolute(base: &str, path: &str) -> String {
    if path.starts_with("http://") || path.starts_with("https://") {
        path.to_string()
    } else if path.starts_with('/') {
        format!("{base}{path}")
    } else {
        format!("{base}/{path}")
    }
}

fn first_nonempty<'a>(candidates: &[&'a str]) -> &'a str {
    candidates
        .iter()
        .copied()
        .find(|s| !s.trim().is_empty())
        .unwrap_or_default()
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

/// The rendered template; a plain-text body ends with a line break.
fn rendered<T: Template>(what: &str, t: &T) -> Option<String> {
    match t.render() {
        Ok(mut s) => {
            if what.ends_with(".txt") && !s.ends_with('\n') {
                s.push('\n');
            }
            Some(s)
        }
        Err(e) => {
            tracing::error!(template = what, error = %e, "e-mail template failed");
            None
        }
    }
}

macro_rules! bodies {
    ($view:ty, $text:ident, $txt_path:literal, $html:ident, $html_path:literal) => {
        #[derive(Template)]
        #[template(path = $txt_path)]
        struct $text<'a> {
            tr: Tr,
            #[allow(dead_code)]
            subject: &'a str,
            v: &'a $view,
        }
        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            tr: Tr,
            subject: &'a str,
            v: &'a $view,
        }
        impl $view {
            /// The e-mail with both bodies rendered from this view.
            fn email(&self, tr: Tr, subject: String) -> Option<Email> {
                let s = subject.as_str();
                let text = rendered(
                    $txt_path,
                    &$text {
                        tr,
                        subject: s,
                        v: self,
                    },
                )?;
                let html = rendered(
                    $html_path,
                    &$html {
                        tr,
                        subject: s,
                        v: self,
                    },
                )?;
                Some(Email {
                    subject,
                    text,
                    html,
                })
            }
        }
    };
}

// ------------------------------------------------------------------ findings

struct FindingView {
    intro: String,
    structure: String,
    title: String,
    severity: String,
    system: String,
    evidence: String,
    advice: String,
    link: String,
}

bodies!(
    FindingView,
    FindingText,
    "email/finding.txt",
    FindingHtml,
    "email/finding.html"
);

fn finding(tr: Tr, f: &FindingEvent, base: &str) -> Option<Email> {
    let (own_title, other_title, own_advice, other_advice) = match tr.lang {
        Lang::Fr => (&f.title_fr, &f.title_en, &f.advice_fr, &f.advice_en),
        Lang::En => (&f.title_en, &f.title_fr, &f.advice_en, &f.advice_fr),
    };
    let kind_key = format!("finding-{}", f.kind);
    let kind_name = if tr.has(&kind_key) {
        tr.t(&kind_key)
    } else {
        String::new()
    };
    let title = first_nonempty(&[own_title, other_title, &kind_name, &f.kind]).to_string();
    let severity = tr.k("severity", &f.severity);
    let product = f
        .product
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(|p| {
            let v = f.version.as_deref().unwrap_or("");
            if v.is_empty() {
                format!(", {p}")
            } else {
                format!(", {p} {v}")
            }
        })
        .unwrap_or_default();
    let path = if f.structure_id > 0 {
        format!(
            "/structures/{}/exposure#finding-{}",
            f.structure_id, f.finding_id
        )
    } else {
        "/exposure".to_string()
    };
    let (what, intro) = if f.reopened {
        ("email-finding-reopened", "email-finding-intro-reopened")
    } else {
        ("email-finding-new", "email-finding-intro-new")
    };
    let subject = tr.t_args(
        "email-finding-subject",
        &[
            ("what", tr.t(what).into()),
            ("severity", severity.as_str().into()),
            ("title", title.as_str().into()),
            ("structure", f.structure_name.as_str().into()),
        ],
    );
    let v = FindingView {
        intro: tr.t(intro),
        structure: f.structure_name.clone(),
        title,
        severity,
        system: format!("{}:{} ({}{product})", f.address, f.port, f.service),
        evidence: f.evidence.clone(),
        advice: first_nonempty(&[own_advice, other_advice]).to_string(),
        link: absolute(base, &path),
    };
    v.email(tr, subject)
}

// ------------------------------------------------------------------ alerts

struct AlertView {
    intro: String,
    what: String,
    product: String,
    version: String,
    title: String,
    priority: String,
    reasons: Vec<String>,
    review: bool,
    link: String,
}

bodies!(
    AlertView,
    AlertText,
    "email/alert.txt",
    AlertHtml,
    "email/alert.html"
);

/// What an alert is about, as the e-mail's subject and first line say it.
fn alert_what(tr: Tr, a: &AlertEvent) -> String {
    if a.kind == "eol" {
        tr.t("email-alert-eol")
    } else if a.kev {
        tr.t_arg("email-alert-vuln-kev", "ref", &a.ref_id)
    } else {
        tr.t_arg("email-alert-vuln", "ref", &a.ref_id)
    }
}

/// Why the alert matters, as sentences: from the payload's structured fields, or the French
/// sentences of an older payload as they are.
pub fn alert_reasons(tr: Tr, a: &AlertEvent) -> Vec<String> {
    if !a.reasons.is_empty() {
        return a.reasons.clone();
    }
    let mut v = Vec::new();
    if !a.match_reason.trim().is_empty() {
        v.push(a.match_reason.clone());
    }
    if a.kind == "eol" {
        if let Some(d) = a.eol_date.as_deref().filter(|d| !d.is_empty()) {
            v.push(tr.t_arg("email-reason-eol", "date", tr.date_ymd(d)));
        }
    }
    if a.kev {
        match a.kev_date.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => v.push(tr.t_arg("email-reason-kev", "date", tr.date_ymd(d))),
            None => v.push(tr.t("email-reason-kev-undated")),
        }
    }
    if !a.certfr.is_empty() {
        let refs = a.certfr.join(", ");
        let key = if a.certfr_alert {
            "email-reason-certfr-alert"
        } else {
            "email-reason-certfr-advisory"
        };
        v.push(tr.t_arg(key, "refs", refs));
    }
    if let Some(e) = a.epss.filter(|e| e.is_finite()) {
        v.push(tr.t_arg("email-reason-epss", "epss", tr.percent(e * 100.0, 1)));
    }
    if let Some(c) = a.cvss.filter(|c| c.is_finite()) {
        v.push(tr.t_arg("email-reason-cvss", "cvss", tr.decimal(c, 1)));
    }
    if a.exposed {
        v.push(tr.t("email-reason-exposed"));
    }
    v
}

fn alert(tr: Tr, a: &AlertEvent, base: &str) -> Option<Email> {
    let what = alert_what(tr, a);
    let product = first_nonempty(&[&a.product_name, &a.product]).to_string();
    let review = a.decision == "needs-review";
    let review_tag = if review {
        format!(" {}", tr.t("email-alert-review-tag"))
    } else {
        String::new()
    };
    let subject = tr.t_args(
        "email-alert-subject",
        &[
            ("what", what.as_str().into()),
            ("product", product.as_str().into()),
            ("version", a.version.as_str().into()),
            ("review", review_tag.into()),
            ("structure", a.structure_name.as_str().into()),
        ],
    );
    let v = AlertView {
        intro: tr.t_arg("email-alert-intro", "structure", &a.structure_name),
        what,
        product,
        version: a.version.clone(),
        title: a.title.clone(),
        priority: a.priority.to_string(),
        reasons: alert_reasons(tr, a),
        review,
        link: absolute(base, &format!("/watch/alerts/{}", a.alert_id)),
    };
    v.email(tr, subject)
}

// ------------------------------------------------------------------ bulletins

struct BulletinView {
    title: String,
    week_line: String,
    summary: String,
    advisories: Vec<AdvisoryRow>,
    alerts: Vec<AlertRow>,
    link: String,
}

struct AdvisoryRow {
    ref_id: String,
    title_short: String,
    title_long: String,
    kev: bool,
    kev_word: String,
    certfr: String,
    cvss: String,
    structures: String,
}

struct AlertRow {
    structure: String,
    ref_id: String,
    product: String,
    version: String,
    priority: String,
    priority_text: String,
    status: String,
    link: String,
}

bodies!(
    BulletinView,
    BulletinText,
    "email/bulletin.txt",
    BulletinHtml,
    "email/bulletin.html"
);

/// The bulletin's title: for a region (its territory is a region's name), a structure, or the
/// whole scope.
fn bulletin_title(tr: Tr, territory: &str) -> String {
    let territory = territory.trim();
    if territory.is_empty() {
        tr.t("email-bulletin-title")
    } else if vigie_domain::geo::regions()
        .iter()
        .any(|r| r.name == territory)
    {
        tr.t_arg("email-bulletin-title-region", "territory", territory)
    } else {
        tr.t_arg("email-bulletin-title-for", "territory", territory)
    }
}

fn bulletin(tr: Tr, b: &BulletinEvent, base: &str) -> Option<Email> {
    let title = bulletin_title(tr, &b.territory);
    let subject = tr.t_args(
        "email-bulletin-subject",
        &[
            ("title", title.as_str().into()),
            ("week", b.week.as_str().into()),
        ],
    );
    let path = if b.link.is_empty() {
        format!("/watch/bulletin?week={}", b.week)
    } else {
        b.link.clone()
    };
    let yes_no = |x: bool| tr.t(if x { "common-yes" } else { "common-no" });
    let v = BulletinView {
        week_line: tr.t_arg("email-bulletin-week", "week", &b.week),
        summary: tr.t_args(
            "email-bulletin-summary",
            &[
                ("alerts", b.alerts.len().into()),
                ("advisories", b.advisories.len().into()),
            ],
        ),
        title,
        advisories: b
            .advisories
            .iter()
            .map(|a| AdvisoryRow {
                ref_id: a.ref_id.clone(),
                title_short: truncate(&a.title, 120),
                title_long: truncate(&a.title, 200),
                kev: a.kev,
                kev_word: yes_no(a.kev),
                certfr: a.certfr.join(", "),
                cvss: a
                    .cvss
                    .filter(|c| c.is_finite())
                    .map(|c| tr.decimal(c, 1))
                    .unwrap_or_else(|| "-".into()),
                structures: tr.count("email-bulletin-structures", a.structures),
            })
            .collect(),
        alerts: b
            .alerts
            .iter()
            .map(|a| AlertRow {
                structure: a.structure_name.clone(),
                ref_id: a.ref_id.clone(),
                product: a.product_name.clone(),
                version: a.version.clone(),
                priority: a.priority.to_string(),
                priority_text: tr.t_arg(
                    "email-bulletin-priority",
                    "priority",
                    a.priority.to_string(),
                ),
                status: {
                    let key = format!("watch-status-{}", a.status);
                    if tr.has(&key) {
                        tr.t(&key)
                    } else {
                        a.status.clone()
                    }
                },
                link: absolute(base, &format!("/watch/alerts/{}", a.alert_id)),
            })
            .collect(),
        link: absolute(base, &path),
    };
    v.email(tr, subject)
}

// ------------------------------------------------------------------ incident deadlines

struct DeadlineView {
    intro: String,
    notification: String,
    deadline: String,
    provisional: bool,
    legal_reference: String,
    incident: String,
    restricted: String,
    link: String,
}

bodies!(
    DeadlineView,
    DeadlineText,
    "email/incident_deadline.txt",
    DeadlineHtml,
    "email/incident_deadline.html"
);

/// The reminder that a notification an incident owes is due soon. A restricted incident's
/// payload has no title: the e-mail names the case by its reference only.
fn incident_deadline(tr: Tr, d: &IncidentDeadlineEvent, base: &str) -> Option<Email> {
    let (own, other) = match tr.lang {
        Lang::Fr => (&d.label_fr, &d.label_en),
        Lang::En => (&d.label_en, &d.label_fr),
    };
    let notification = first_nonempty(&[own, other, &d.rule_id]).to_string();
    let deadline = tr.datetime(d.deadline);
    let subject = tr.t_args(
        "email-incident-deadline-subject",
        &[
            ("reference", d.reference.as_str().into()),
            ("what", notification.as_str().into()),
            ("deadline", deadline.as_str().into()),
            ("structure", d.structure_name.as_str().into()),
        ],
    );
    let incident = if d.title.trim().is_empty() {
        d.reference.clone()
    } else {
        format!("{} — {}", d.reference, truncate(&d.title, 200))
    };
    let restricted = if d.title.trim().is_empty() {
        tr.t_arg(
            "email-incident-deadline-restricted",
            "tlp",
            format!("TLP:{}", d.tlp.to_uppercase()),
        )
    } else {
        String::new()
    };
    let v = DeadlineView {
        intro: tr.t_args(
            "email-incident-deadline-intro",
            &[
                ("reference", d.reference.as_str().into()),
                ("structure", d.structure_name.as_str().into()),
            ],
        ),
        notification,
        deadline,
        provisional: d.provisional,
        legal_reference: d.legal_reference.clone(),
        incident,
        restricted,
        link: absolute(base, &format!("/incidents/{}", d.incident_id)),
    };
    v.email(tr, subject)
}

// ------------------------------------------------------------------ sector-wide alerts

struct SectorView {
    intro: String,
    tlp: String,
    product: String,
    versions: String,
    advisory: String,
    message: String,
    exposed: bool,
    link: String,
}

bodies!(
    SectorView,
    SectorText,
    "email/sector_alert.txt",
    SectorHtml,
    "email/sector_alert.html"
);

/// A sector-wide alert: the CERT or a regional centre warns a structure that runs a product an
/// attack went through. It names no victim; the analyst's message is shown as written.
fn sector_alert(tr: Tr, a: &SectorAlertEvent, base: &str) -> Option<Email> {
    let product = first_nonempty(&[&a.product_name, &a.product]).to_string();
    let from = match vigie_domain::geo::region(&a.territory) {
        Some(r) => tr.t_arg("email-sector-from-region", "region", r.name),
        None => tr.t("email-sector-from-cert"),
    };
    let subject = tr.t_args(
        "email-sector-subject",
        &[
            ("product", product.as_str().into()),
            ("structure", a.structure_name.as_str().into()),
        ],
    );
    let link = if a.advisory.is_empty() {
        absolute(base, &format!("/structures/{}", a.structure_id))
    } else {
        absolute(base, &format!("/watch/advisories/{}", a.advisory))
    };
    let v = SectorView {
        intro: tr.t_args(
            "email-sector-intro",
            &[
                ("from", from.as_str().into()),
                ("product", product.as_str().into()),
                ("structure", a.structure_name.as_str().into()),
            ],
        ),
        tlp: format!("TLP:{}", a.tlp.to_uppercase()),
        product,
        versions: a.versions.join(", "),
        advisory: a.advisory.clone(),
        message: truncate(&a.message, 4000),
        exposed: a.exposed_only,
        link,
    };
    v.email(tr, subject)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const BASE: &str = "https://vigie.example/";

    fn finding_payload() -> serde_json::Value {
        json!({
            "finding_id": 42, "structure_id": 7, "structure_name": "<script>alert(1)</script> CH d'Auray",
            "type": "remote-desktop-exposed", "severity": "critical", "address": "192.0.2.10",
            "port": 3389, "service": "rdp", "product": "Microsoft Terminal Services", "version": "10.0",
            "evidence": "RDP answered <NLA off> & TLS", "title_fr": "Bureau à distance exposé",
            "title_en": "Remote desktop exposed", "advice_fr": "Fermez l'accès depuis Internet.",
            "advice_en": "Close access from the internet.", "reopened": false
        })
    }

    #[test]
    fn finding_in_both_languages() {
        let fr = render(FINDING_NEW, &finding_payload(), Lang::Fr, BASE).expect("fr");
        assert_eq!(
            fr.subject,
            "[Vigie] Nouvelle exposition détectée (Critique) : Bureau à distance exposé – <script>alert(1)</script> CH d'Auray"
        );
        assert!(
            fr.text
                .starts_with("La surveillance de l'exposition sur Internet de Vigie a détecté"),
            "{}",
            fr.text
        );
        assert!(
            fr.text
                .contains("Structure : <script>alert(1)</script> CH d'Auray\n"),
            "{}",
            fr.text
        );
        assert!(fr.text.contains("Criticité : Critique\n"));
        assert!(fr
            .text
            .contains("Système : 192.0.2.10:3389 (rdp, Microsoft Terminal Services 10.0)\n"));
        assert!(fr
            .text
            .contains("Élément observé :\nRDP answered <NLA off> & TLS\n"));
        assert!(fr
            .text
            .contains("Recommandation :\nFermez l'accès depuis Internet.\n"));
        assert!(fr.text.contains(
            "Détail et suivi : https://vigie.example/structures/7/exposure#finding-42\n"
        ));
        assert!(
            fr.text
                .ends_with("\n-- \nVigie, veille et alerte du CERT Santé\n")
                || fr
                    .text
                    .ends_with("\n-- \nVigie, veille et alerte du CERT Santé"),
            "{:?}",
            fr.text
        );
        // HTML: every value escaped
        assert!(!fr.html.contains("<script>"), "{}", fr.html);
        assert!(
            fr.html
                .contains("&#60;script&#62;alert(1)&#60;/script&#62; CH d&#39;Auray")
                || fr
                    .html
                    .contains("&lt;script&gt;alert(1)&lt;/script&gt; CH d&#39;Auray"),
            "{}",
            fr.html
        );
        assert!(
            fr.html.contains("RDP answered &lt;NLA off&gt; &amp; TLS")
                || fr.html.contains("RDP answered &#60;NLA off&#62; &#38; TLS"),
            "{}",
            fr.html
        );
        assert!(
            fr.html
                .contains("href=\"https://vigie.example/structures/7/exposure#finding-42\""),
            "{}",
            fr.html
        );
        assert!(fr.html.contains("<html lang=\"fr\">"));

        let en = render(FINDING_NEW, &finding_payload(), Lang::En, BASE).expect("en");
        assert_eq!(
            en.subject,
            "[Vigie] New exposure detected (Critical): Remote desktop exposed – <script>alert(1)</script> CH d'Auray"
        );
        assert!(en.text.contains("Severity: Critical\n"));
        assert!(en
            .text
            .contains("Advice:\nClose access from the internet.\n"));
        assert!(en.text.contains(
            "Details and follow-up: https://vigie.example/structures/7/exposure#finding-42"
        ));
        assert!(en.html.contains("<html lang=\"en\">"));
        assert!(!en.html.contains("<script>"));
    }

    #[test]
    fn reopened_finding_and_older_payload() {
        let mut p = finding_payload();
        p["reopened"] = json!(true);
        let fr = render(FINDING_NEW, &p, Lang::Fr, BASE).expect("fr");
        assert!(fr
            .subject
            .starts_with("[Vigie] Exposition de nouveau constatée"));
        assert!(fr
            .text
            .starts_with("Une exposition que le dernier contrôle avait vue corrigée"));
        // a payload written before titles and structure were carried
        let old = json!({"finding_id":3,"type":"telnet-exposed","severity":"high","address":"192.0.2.1",
            "port":23,"service":"telnet","product":null,"version":null,"evidence":"login:","reopened":false});
        let en = render(FINDING_NEW, &old, Lang::En, BASE).expect("en");
        assert!(
            en.subject.contains("(High): telnet-exposed"),
            "{}",
            en.subject
        );
        assert!(
            en.text.contains("System: 192.0.2.1:23 (telnet)\n"),
            "{}",
            en.text
        );
        assert!(en.text.contains("https://vigie.example/exposure"));
        // not a finding
        assert_eq!(render(FINDING_NEW, &json!({"x": 1}), Lang::Fr, BASE), None);
        assert_eq!(render("other.kind", &old, Lang::Fr, BASE), None);
    }

    fn alert_payload() -> serde_json::Value {
        json!({
            "alert_id": 9, "structure_id": 7, "structure": "Clinique <b>du Lac</b>", "kind": "vuln",
            "ref": "CVE-2024-55591", "product": "fortios", "product_name": "FortiOS", "version": "7.0.12",
            "priority": 10041, "decision": "affected", "kev": true, "exposed": true,
            "title": "Authentication bypass in FortiOS & FortiProxy",
            "match_reason": "7.0.12 is in [7.0.0, 7.0.17) (CNA record)",
            "kev_date": "2025-01-14", "certfr": ["CERTFR-2025-ALE-001", "CERTFR-2025-AVI-0043"],
            "certfr_alert": true, "epss": 0.94312, "cvss": 9.8
        })
    }

    #[test]
    fn alert_in_both_languages_with_reasons_as_sentences() {
        let fr = render(ALERT_NEW, &alert_payload(), Lang::Fr, BASE).expect("fr");
        assert_eq!(
            fr.subject,
            "[Vigie] Vulnérabilité activement exploitée CVE-2024-55591 : FortiOS 7.0.12 — Clinique <b>du Lac</b>"
        );
        for s in [
            "Bonjour,\n",
            "Vigie a relevé une alerte pour Clinique <b>du Lac</b> :",
            "  Produit : FortiOS\n",
            "  Intitulé : Authentication bypass in FortiOS & FortiProxy\n",
            "  Priorité : 10041\n",
            "Pourquoi :\n  - 7.0.12 is in [7.0.0, 7.0.17) (CNA record)\n",
            "  - Exploitée activement : ajoutée au catalogue KEV de la CISA le 14 janvier 2025\n",
            "  - Alerte CERT-FR : CERTFR-2025-ALE-001, CERTFR-2025-AVI-0043\n",
            "  - Probabilité d'exploitation (EPSS) : 94,3\u{202f}%\n",
            "  - Score CVSS : 9,8\n",
            "  - Exposé sur internet\n",
            "Détail et suivi (pris en compte, corrigé, non concerné) : https://vigie.example/watch/alerts/9",
        ] {
            assert!(fr.text.contains(s), "missing {s:?} in\n{}", fr.text);
        }
        assert!(!fr.text.contains("vérification humaine"));
        assert!(!fr.html.contains("<b>"), "{}", fr.html);
        assert!(
            fr.html.contains("FortiOS &amp; FortiProxy")
                || fr.html.contains("FortiOS &#38; FortiProxy")
        );
        assert!(fr.html.contains("<li>Score CVSS : 9,8</li>"), "{}", fr.html);

        let mut p = alert_payload();
        p["decision"] = json!("needs-review");
        p["kev"] = json!(false);
        p["certfr_alert"] = json!(false);
        p["kev_date"] = json!(null);
        let en = render(ALERT_NEW, &p, Lang::En, BASE).expect("en");
        assert_eq!(
            en.subject,
            "[Vigie] Vulnerability CVE-2024-55591: FortiOS 7.0.12 (to be checked) — Clinique <b>du Lac</b>"
        );
        for s in [
            "Hello,\n",
            "Vigie raised an alert for Clinique <b>du Lac</b>:",
            "  - CERT-FR advisory: CERTFR-2025-ALE-001, CERTFR-2025-AVI-0043\n",
            "  - Probability of exploitation (EPSS): 94.3%\n",
            "  - CVSS score: 9.8\n",
            "  - Exposed on the internet\n",
            "The version could not be compared with certainty: a person needs to check it.",
        ] {
            assert!(en.text.contains(s), "missing {s:?} in\n{}", en.text);
        }
        assert!(!en.text.contains("KEV"));
    }

    #[test]
    fn older_alert_payloads_keep_their_reasons_and_eol_alerts_say_so() {
        let old = json!({"alert_id":7,"kind":"vuln","ref":"CVE-2024-55591","product":"fortios","version":"7.0.12",
            "priority":10041,"decision":"affected","kev":true,"exposed":false,
            "reasons":["version dans la plage", "KEV: exploitée activement"],"title":"t","structure":"CH d'Auray"});
        let en = render(ALERT_NEW, &old, Lang::En, BASE).expect("en");
        assert!(
            en.text
                .contains("  - version dans la plage\n  - KEV: exploitée activement\n"),
            "{}",
            en.text
        );
        assert!(
            en.subject.contains(": fortios 7.0.12 — CH d'Auray"),
            "{}",
            en.subject
        );
        let eol = json!({"alert_id":8,"kind":"eol","ref":"7.0","product":"fortios","product_name":"FortiOS",
            "version":"7.0.12","priority":50,"decision":"affected","kev":false,"exposed":false,
            "structure":"CH","eol_date":"2024-09-30"});
        let fr = render(ALERT_NEW, &eol, Lang::Fr, BASE).expect("fr");
        assert_eq!(fr.subject, "[Vigie] Fin de support : FortiOS 7.0.12 — CH");
        assert!(
            fr.text
                .contains("  - Hors support depuis le 30 septembre 2024\n"),
            "{}",
            fr.text
        );
    }

    fn bulletin_payload(advisories: usize, alerts: usize) -> serde_json::Value {
        let adv: Vec<_> = (0..advisories)
            .map(|i| {
                json!({"ref_id": format!("CVE-2026-000{i}"), "title": format!("Faille <{i}>"),
                "kev": i == 0, "certfr": if i == 0 { vec!["CERTFR-2026-ALE-002"] } else { vec![] },
                "cvss": if i == 0 { json!(9.1) } else { json!(null) }, "structures": i + 1})
            })
            .collect();
        let al: Vec<_> = (0..alerts)
            .map(|i| {
                json!({"alert_id": 100 + i, "structure_name": "CH <Sud>", "ref_id": "CVE-2026-0000",
                "kind": "vuln", "product_name": "FortiOS", "version": "7.0.1", "priority": 10041,
                "status": "new"})
            })
            .collect();
        json!({"week": "2026-W47", "territory": "Bretagne", "link": "/watch/bulletin?region=53&week=2026-W47",
            "advisories": adv, "alerts": al})
    }

    #[test]
    fn bulletin_plurals_in_both_languages() {
        let fr = render(BULLETIN, &bulletin_payload(2, 1), Lang::Fr, BASE).expect("fr");
        if std::env::var_os("SHOW_EMAILS").is_some() {
            for e in [
                &fr,
                &render(ALERT_NEW, &alert_payload(), Lang::Fr, BASE).expect("a"),
                &render(FINDING_NEW, &finding_payload(), Lang::En, BASE).expect("f"),
            ] {
                println!("{}\n=====\n{}\n=====\n{}\n=====", e.subject, e.text, e.html);
            }
        }
        assert_eq!(
            fr.subject,
            "[Vigie] Bulletin de veille Vigie — région Bretagne — semaine 2026-W47"
        );
        for s in [
            "Bulletin de veille Vigie — région Bretagne\nSemaine 2026-W47\n",
            "1 nouvelle alerte et 2 nouveaux avis cette semaine.",
            "Nouveaux avis qui vous concernent :\n",
            "  - CVE-2026-0000 [exploitée] [CERTFR-2026-ALE-002] (CVSS 9,1) : 1 structure — Faille <0>\n",
            "  - CVE-2026-0001 (CVSS -) : 2 structures — Faille <1>\n",
            "Alertes de la semaine :\n  - CH <Sud> : CVE-2026-0000 FortiOS 7.0.1 (priorité 10041, Nouvelle)\n",
            "Le bulletin en ligne : https://vigie.example/watch/bulletin?region=53&week=2026-W47",
        ] {
            assert!(fr.text.contains(s), "missing {s:?} in\n{}", fr.text);
        }
        assert!(
            !fr.html.contains("<Sud>") && !fr.html.contains("<0>"),
            "{}",
            fr.html
        );
        assert!(fr
            .html
            .contains("href=\"https://vigie.example/watch/alerts/100\""));
        assert!(
            fr.html.contains(
                "href=\"https://vigie.example/watch/bulletin?region=53&amp;week=2026-W47\""
            ) || fr.html.contains(
                "href=\"https://vigie.example/watch/bulletin?region=53&#38;week=2026-W47\""
            ),
            "{}",
            fr.html
        );

        let en = render(BULLETIN, &bulletin_payload(1, 0), Lang::En, BASE).expect("en");
        assert_eq!(
            en.subject,
            "[Vigie] Vigie watch bulletin — Bretagne region — week 2026-W47"
        );
        assert!(
            en.text
                .contains("0 new alerts and 1 new advisory this week."),
            "{}",
            en.text
        );
        assert!(
            en.text.contains("(CVSS 9.1): 1 structure — Faille <0>"),
            "{}",
            en.text
        );
        let fr0 = render(BULLETIN, &bulletin_payload(1, 0), Lang::Fr, BASE).expect("fr");
        assert!(
            fr0.text
                .contains("0 nouvelle alerte et 1 nouvel avis cette semaine."),
            "{}",
            fr0.text
        );
        let none = render(
            BULLETIN,
            &json!({"week": "2026-W48", "territory": "CH de Vannes"}),
            Lang::Fr,
            BASE,
        )
        .expect("fr");
        assert_eq!(
            none.subject,
            "[Vigie] Bulletin de veille Vigie — CH de Vannes — semaine 2026-W48"
        );
        assert!(
            none.text.contains("Aucune nouvelle alerte cette semaine."),
            "{}",
            none.text
        );
        assert!(none
            .text
            .contains("https://vigie.example/watch/bulletin?week=2026-W48"));
        // the older bulletin payload (counts only) is not a bulletin document
        assert_eq!(
            render(
                BULLETIN,
                &json!({"week": "2026-W47", "alerts": 3, "advisories": 1}),
                Lang::Fr,
                BASE
            ),
            None
        );
    }

    /// A sector-wide alert reads in each language, says the product, the structure's versions
    /// and the advisory, keeps the analyst's words (escaped in HTML) and its TLP marking, and
    /// names no incident.
    #[test]
    fn sector_alerts_in_both_languages() {
        let p = json!({
            "alert_id": 3, "structure_id": 9, "structure": "EHPAD <Les Pins>",
            "product": "fortinet:fortios", "product_name": "Fortinet FortiOS",
            "versions": ["7.0.12", "7.2.4"], "exposed_only": true, "advisory": "CVE-2024-55591",
            "message": "Appliquez le correctif <maintenant> et changez les mots de passe VPN.",
            "territory": "53", "tlp": "amber"
        });
        let fr = render(INCIDENT_SECTOR_ALERT, &p, Lang::Fr, BASE).expect("fr");
        assert_eq!(
            fr.subject,
            "[Vigie] Alerte sectorielle : Fortinet FortiOS (EHPAD <Les Pins>)"
        );
        for want in [
            "TLP:AMBER",
            "Le centre de ressources cyber de la région Bretagne vous alerte",
            "7.0.12, 7.2.4",
            "exposé sur internet",
            "CVE-2024-55591",
            "Appliquez le correctif <maintenant>",
            "https://vigie.example/watch/advisories/CVE-2024-55591",
        ] {
            assert!(fr.text.contains(want), "{want:?} in {}", fr.text);
        }
        assert!(fr.html.contains("&#60;maintenant&#62;"), "{}", fr.html);
        assert!(!fr.html.contains("<maintenant>"), "{}", fr.html);
        let national = json!({
            "alert_id": 4, "structure_id": 9, "structure": "CH", "product": "citrix:netscaler",
            "versions": ["13.1"], "message": "Vérifiez vos journaux.", "territory": "national",
            "tlp": "green"
        });
        let en = render(INCIDENT_SECTOR_ALERT, &national, Lang::En, BASE).expect("en");
        for want in [
            "TLP:GREEN",
            "The health-sector CERT warns you",
            "citrix:netscaler",
            "https://vigie.example/structures/9",
        ] {
            assert!(en.text.contains(want), "{want:?} in {}", en.text);
        }
        assert!(!en.text.contains("exposed to the internet at your"));
    }

    /// The reminder of a deadline reads in each language, its deadline in Paris time; a
    /// restricted incident is named by its reference only, and the HTML escapes the payload.
    #[test]
    fn incident_deadline_reminders_in_both_languages() {
        let p = json!({
            "incident_id": 42, "reference": "INC-2026-000042", "structure_id": 7,
            "structure": "CH <b>d'Auray</b>", "title": "Rançongiciel sur le PACS", "tlp": "amber",
            "rule_id": "gdpr-cnil", "authority": "cnil",
            "label_fr": "RGPD : notification de la violation de données à la CNIL",
            "label_en": "GDPR: personal data breach notification to the CNIL",
            "legal_reference": "RGPD art. 33", "deadline": 1_796_626_800i64, "provisional": false
        });
        let fr = render(INCIDENT_DEADLINE, &p, Lang::Fr, BASE).expect("fr");
        assert!(
            fr.subject
                .starts_with("[Vigie] INC-2026-000042 : RGPD : notification"),
            "{}",
            fr.subject
        );
        assert!(fr.subject.contains("échéance le"), "{}", fr.subject);
        assert!(fr.text.starts_with("Bonjour"), "{}", fr.text);
        assert!(fr.text.contains("Rançongiciel sur le PACS"), "{}", fr.text);
        assert!(
            fr.text.contains("https://vigie.example/incidents/42"),
            "{}",
            fr.text
        );
        assert!(
            fr.html.contains("CH &#60;b&#62;d&#39;Auray&#60;/b&#62;"),
            "{}",
            fr.html
        );
        assert!(!fr.html.contains("<b>d'Auray</b>"), "{}", fr.html);
        let en = render(INCIDENT_DEADLINE, &p, Lang::En, BASE).expect("en");
        assert!(
            en.subject
                .starts_with("[Vigie] INC-2026-000042: GDPR: personal data breach notification"),
            "{}",
            en.subject
        );
        assert!(en.text.starts_with("Hello,"), "{}", en.text);
        assert!(!en.text.contains("Bonjour"), "{}", en.text);
        let mut red = p.clone();
        red["title"] = json!("");
        red["tlp"] = json!("red");
        let r = render(INCIDENT_DEADLINE, &red, Lang::En, BASE).expect("red");
        assert!(r.text.contains("marked TLP:RED"), "{}", r.text);
        assert!(!r.text.contains("Rançongiciel"), "{}", r.text);
    }
}
