//! The demo's incidents: a year of cases declared by several demo structures, in every state
//! (a draft, submitted, triaged and assigned to the demo CERT analyst, in progress, contained,
//! closed), with their regulatory clocks — one of them overdue (a personal-data breach detected
//! five days ago whose CNIL notification was never recorded) — notes and observables on
//! documentation addresses and reserved names. Everything goes through the store like a
//! person's actions; seeded once (a structure that already has incidents gets none). Nothing
//! is sent anywhere: recipients are the demo's `.example` addresses.

use vigie_store::incidents::{Declaration, Triage};
use vigie_store::{Actor, Store};

use super::Activity;

/// One demo incident: title, type, origin, care impact, days since detection, personal data,
/// significant, TLP, the status it ends in, a note from the structure.
struct DemoIncident {
    title: &'static str,
    incident_type: &'static str,
    origin: &'static str,
    care_impact: &'static str,
    days_ago: i64,
    personal_data: bool,
    significant: bool,
    tlp: &'static str,
    status: &'static str,
    note: &'static str,
}

const INCIDENTS: &[DemoIncident] = &[
    DemoIncident {
        title: "Fuite de données patients par un export mal protégé",
        incident_type: "data_leak",
        origin: "malicious",
        care_impact: "none",
        days_ago: 5,
        personal_data: true,
        significant: false,
        tlp: "amber",
        status: "submitted",
        note: "Export CSV retrouvé sur un service de partage public ; lien supprimé.",
    },
    DemoIncident {
        title: "Rançongiciel sur les serveurs de fichiers",
        incident_type: "ransomware",
        origin: "malicious",
        care_impact: "degraded_mode",
        days_ago: 1,
        personal_data: true,
        significant: true,
        tlp: "amber",
        status: "triaged",
        note: "Serveurs isolés, sauvegardes hors ligne intactes, passage en mode dégradé.",
    },
    DemoIncident {
        title: "Campagne d'hameçonnage visant la messagerie",
        incident_type: "phishing",
        origin: "malicious",
        care_impact: "none",
        days_ago: 12,
        personal_data: false,
        significant: false,
        tlp: "green",
        status: "in_progress",
        note: "32 agents ont reçu le message, 2 ont saisi leur mot de passe (réinitialisés).",
    },
    DemoIncident {
        title: "Compte VPN d'un prestataire compromis",
        incident_type: "account_compromise",
        origin: "malicious",
        care_impact: "none",
        days_ago: 30,
        personal_data: false,
        significant: true,
        tlp: "red",
        status: "contained",
        note: "Compte désactivé, journaux transmis au CERT.",
    },
    DemoIncident {
        title: "Panne du logiciel de dossier patient",
        incident_type: "clinical_software_failure",
        origin: "non_malicious",
        care_impact: "degraded_mode",
        days_ago: 60,
        personal_data: false,
        significant: false,
        tlp: "green",
        status: "closed",
        note: "Correctif de l'éditeur appliqué, service rétabli en 6 heures.",
    },
    DemoIncident {
        title: "Perte du lien télécom du site principal",
        incident_type: "telecom_loss",
        origin: "non_malicious",
        care_impact: "interruption",
        days_ago: 120,
        personal_data: false,
        significant: false,
        tlp: "clear",
        status: "closed",
        note: "Fibre sectionnée par des travaux ; bascule sur le lien de secours.",
    },
    DemoIncident {
        title: "Exploitation d'un pare-feu vulnérable",
        incident_type: "vulnerable_appliance",
        origin: "malicious",
        care_impact: "none",
        days_ago: 200,
        personal_data: false,
        significant: true,
        tlp: "amber",
        status: "closed",
        note: "Version corrigée installée, configuration revue.",
    },
    DemoIncident {
        title: "Vol d'un ordinateur portable non chiffré",
        incident_type: "equipment_theft",
        origin: "malicious",
        care_impact: "none",
        days_ago: 300,
        personal_data: true,
        significant: false,
        tlp: "amber",
        status: "closed",
        note: "Plainte déposée ; CNIL notifiée.",
    },
    DemoIncident {
        title: "Déni de service sur le portail de prise de rendez-vous",
        incident_type: "denial_of_service",
        origin: "malicious",
        care_impact: "none",
        days_ago: 340,
        personal_data: false,
        significant: false,
        tlp: "green",
        status: "closed",
        note: "Filtrage activé chez l'hébergeur.",
    },
];

/// The path through the statuses to `status` (triage first, as the CERT does).
fn path_to(status: &str) -> &'static [&'static str] {
    match status {
        "in_progress" => &["in_progress"],
        "contained" => &["in_progress", "contained"],
        "closed" => &["in_progress", "contained", "closed"],
        _ => &[],
    }
}

/// Declares, once, the demo incidents over `structures` (ids, the first ones first).
pub(super) async fn seed_incidents(
    store: &Store,
    actor: &Actor,
    structures: &[i64],
    act: &mut Activity,
) -> anyhow::Result<()> {
    let Some(&first) = structures.first() else {
        return Ok(());
    };
    if !store
        .structure_incidents(actor, first)
        .await?
        .rows
        .is_empty()
    {
        return Ok(());
    }
    let cert = store
        .find_user_by_email(actor, "cert@vigie.example")
        .await
        .ok()
        .map(|u| u.id);
    let now = vigie_store::db::now();
    for (n, d) in INCIDENTS.iter().enumerate() {
        let structure = structures[n % structures.len()];
        let detected = now - d.days_ago * 86_400 - 3 * 3600;
        let decl = Declaration {
            title: d.title.into(),
            description: d.note.into(),
            declarant_name: "RSSI (démo)".into(),
            declarant_email: "rssi@demo.example".into(),
            detected_at: rfc3339(detected),
            occurred_at: rfc3339(detected - 2 * 3600),
            time_zone: "Europe/Paris".into(),
            state: "ongoing".into(),
            systems: "Serveurs et postes de travail".into(),
            sites: "Site principal".into(),
            origin: d.origin.into(),
            incident_type: d.incident_type.into(),
            care_impact: d.care_impact.into(),
            data_confidentiality: d.personal_data,
            operations_impact: "minor".into(),
            significant: d.significant,
            personal_data: d.personal_data,
            support_requested: d.significant,
            tlp: d.tlp.into(),
            pap: "amber".into(),
            ..Declaration::default()
        };
        let id = store.create_incident(actor, structure, &decl).await?;
        act.incidents += 1;
        if n == INCIDENTS.len() - 1 {
            // The last one stays a draft: the structure completes it later.
            continue;
        }
        store.submit_incident(actor, id).await?;
        store.add_incident_note(actor, id, d.note, false).await?;
        if d.status == "submitted" {
            continue;
        }
        store
            .triage_incident(
                actor,
                id,
                &Triage {
                    incident_type: d.incident_type.into(),
                    severity: if d.significant { "high" } else { "medium" }.into(),
                    major: d.significant && d.care_impact != "none",
                },
            )
            .await?;
        if cert.is_some() {
            store.assign_incident(actor, id, cert).await?;
        }
        store
            .add_incident_observable(
                actor,
                id,
                "ip",
                &format!("192.0.2.{}", 10 + n),
                "amber",
                true,
                "Adresse vue dans les journaux (documentation, RFC 5737)",
            )
            .await?;
        for s in path_to(d.status) {
            store.set_incident_status(actor, id, s).await?;
        }
    }
    Ok(())
}

/// A unix time as RFC 3339 (what the declaration's date fields accept besides the form's).
fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .unwrap_or_default()
        .to_rfc3339()
}
