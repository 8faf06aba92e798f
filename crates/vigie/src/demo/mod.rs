//! `vigie demo`: a realistic synthetic region so that a newcomer sees a living system. Bretagne
//! (region 53), 600 structures in 12 GHTs, valid FINESS numbers, contacts, and assets on reserved
//! documentation names and ranges (`.example`, RFC 5737), all marked as demo data and therefore
//! never scanned. Contacts use the phone range ARCEP keeps for fiction (02 61 91 xx xx). The
//! generator is seeded: the same demo every time.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vigie_domain::role::Role;
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_scan::findings::{FindingKind, Severity};
use vigie_store::accounts::NewUser;
use vigie_store::registry::StructureInput;
use vigie_store::surveillance::{NewFinding, NewObservation, ScanOutcome};
use vigie_store::watch::NewItem;
use vigie_store::{Actor, Store};

const REGION: &str = "53";

/// (department, communes)
const COMMUNES: &[(&str, &[&str])] = &[
    (
        "22",
        &[
            "Saint-Brieuc",
            "Lannion",
            "Dinan",
            "Guingamp",
            "Paimpol",
            "Loudéac",
            "Lamballe",
            "Plérin",
            "Tréguier",
            "Rostrenen",
            "Quintin",
            "Perros-Guirec",
        ],
    ),
    (
        "29",
        &[
            "Brest",
            "Quimper",
            "Morlaix",
            "Landerneau",
            "Concarneau",
            "Quimperlé",
            "Douarnenez",
            "Carhaix-Plouguer",
            "Landivisiau",
            "Pont-l'Abbé",
            "Lesneven",
            "Crozon",
        ],
    ),
    (
        "35",
        &[
            "Rennes",
            "Saint-Malo",
            "Fougères",
            "Vitré",
            "Redon",
            "Dinard",
            "Bruz",
            "Cesson-Sévigné",
            "Montfort-sur-Meu",
            "Janzé",
            "Combourg",
            "Bain-de-Bretagne",
        ],
    ),
    (
        "56",
        &[
            "Vannes",
            "Lorient",
            "Pontivy",
            "Auray",
            "Ploërmel",
            "Hennebont",
            "Lanester",
            "Quiberon",
            "Guémené-sur-Scorff",
            "Josselin",
            "Malestroit",
            "Questembert",
        ],
    ),
];

const EHPAD_NAMES: &[&str] = &[
    "Les Tilleuls",
    "Les Hortensias",
    "Ker Avel",
    "Les Ajoncs",
    "Le Bois Joli",
    "Ty Maen",
    "Les Camélias",
    "La Roseraie",
    "Ker Héol",
    "Les Genêts",
    "Le Clos Fleuri",
    "Les Embruns",
];
const FIRST: &[&str] = &[
    "Anne",
    "Yann",
    "Maëlle",
    "Erwan",
    "Soizic",
    "Loïc",
    "Gwenaëlle",
    "Ronan",
    "Nolwenn",
    "Tanguy",
    "Katell",
    "Goulven",
    "Claire",
    "Hervé",
    "Morgane",
    "Pierre",
];
const LAST: &[&str] = &[
    "Le Gall", "Le Goff", "Tanguy", "Le Bihan", "Kerjean", "Morvan", "Le Roux", "Guillou", "Quéré",
    "Le Floch", "Cadiou", "Riou", "Prigent", "Salaün", "Jaouen", "Le Meur",
];

/// The demo accounts: (email, display name, role, password, TOTP secret when MFA is mandatory).
pub const DEMO_USERS: &[(&str, &str, Role, &str, Option<&str>)] = &[
    (
        "admin@vigie.example",
        "Admin Démo",
        Role::Admin,
        "demo-admin-2026",
        Some("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
    ),
    (
        "cert@vigie.example",
        "Analyste CERT Démo",
        Role::CertAnalyst,
        "demo-cert-2026",
        Some("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"),
    ),
    (
        "crr@vigie.example",
        "Analyste CRR Bretagne",
        Role::RegionalAnalyst,
        "demo-crr-2026",
        Some("MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK"),
    ),
    (
        "rssi.ght1@vigie.example",
        "RSSI GHT 1",
        Role::GhtOfficer,
        "demo-ght1-2026",
        None,
    ),
    (
        "rssi.ght2@vigie.example",
        "RSSI GHT 2",
        Role::GhtOfficer,
        "demo-ght2-2026",
        None,
    ),
    (
        "admin.ch@vigie.example",
        "Admin CH Démo",
        Role::StructureAdmin,
        "demo-chadmin-2026",
        None,
    ),
    (
        "membre.ch@vigie.example",
        "Membre CH Démo",
        Role::StructureMember,
        "demo-member-2026",
        None,
    ),
    (
        "auditeur@vigie.example",
        "Auditeur Démo",
        Role::Auditor,
        "demo-audit-2026",
        None,
    ),
];

pub struct DemoSummary {
    pub structures: usize,
    pub ghts: usize,
    pub created: bool,
    pub activity: Activity,
}

/// What the living part of the demo seeded this time (zero when it was there already).
#[derive(Debug, Default)]
pub struct Activity {
    pub scans: usize,
    pub findings: usize,
    pub inventory_items: usize,
    pub advisories: usize,
    pub alerts: usize,
    /// Why no advisory was ingested, when none was.
    pub note: Option<String>,
}

impl Activity {
    /// One line for the command's output.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "Demo activity: {} demo scans with {} findings (nothing scanned), {} inventory items, {} advisories ingested, {} alerts.",
            self.scans, self.findings, self.inventory_items, self.advisories, self.alerts
        );
        if let Some(n) = &self.note {
            s.push(' ');
            s.push_str(n);
        }
        s
    }
}

fn finess(dep: &str, seq: u32) -> anyhow::Result<String> {
    let first8 = format!("{dep}0{seq:05}");
    let key = vigie_domain::finess::check_key(&first8).context("cannot compute a FINESS key")?;
    Ok(format!("{first8}{key}"))
}

fn slug(s: &str) -> String {
    let folded = vigie_store::db::fold(s);
    let mut out = String::new();
    for c in folded.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

struct Planned {
    input: StructureInput,
    ght: usize,
    kind: &'static str,
}

/// The demo's structures, in a fixed order (no randomness: the same plan every time).
fn plan() -> anyhow::Result<Vec<Planned>> {
    let mut planned: Vec<Planned> = Vec::new();
    let mut seq = 1000u32;
    let mut next = |dep: &str| -> anyhow::Result<String> {
        seq += 7;
        finess(dep, seq)
    };
    // 12 GHTs: three per department, each around a public hospital.
    for ght in 0..12 {
        let (dep, communes) = COMMUNES[ght / 3];
        let base = (ght % 3) * 4;
        let add = |kind: &'static str,
                   name: String,
                   commune: &str,
                   cat: (&str, &str),
                   family: &str,
                   planned: &mut Vec<Planned>,
                   next: &mut dyn FnMut(&str) -> anyhow::Result<String>|
         -> anyhow::Result<()> {
            let et = next(dep)?;
            let ej = next(dep)?;
            let sector = vigie_domain::structure::sector_of_category(cat.0, "")
                .as_str()
                .to_string();
            planned.push(Planned {
                input: StructureInput {
                    finess_et: et,
                    finess_ej: Some(ej),
                    name: name.clone(),
                    long_name: name,
                    category_code: cat.0.into(),
                    category_label: cat.1.into(),
                    aggregate_code: String::new(),
                    legal_family: family.into(),
                    sector,
                    address: format!("{} rue de la Santé", 1 + planned.len() % 90),
                    postal_line: format!("{dep}000 {}", commune.to_uppercase()),
                    department_code: dep.into(),
                    region_code: REGION.into(),
                    phone: Some(format!("+33261910{:03}", planned.len() % 1000)),
                    siret: None,
                    finess_updated_on: None,
                    is_demo: true,
                    source: "demo".into(),
                },
                ght,
                kind,
            });
            Ok(())
        };
        let main = communes[base];
        add(
            "support",
            format!("Centre hospitalier de {main}"),
            main,
            ("355", "Centre Hospitalier (C.H.)"),
            "public",
            &mut planned,
            &mut next,
        )?;
        for c in &communes[base + 1..base + 4] {
            add(
                "hospital",
                format!("Centre hospitalier de {c}"),
                c,
                ("355", "Centre Hospitalier (C.H.)"),
                "public",
                &mut planned,
                &mut next,
            )?;
        }
        for i in 0..3 {
            let c = communes[base + i % 4];
            add(
                "clinic",
                format!("Clinique Saint-{} de {c}", ["Yves", "Hervé", "Gildas"][i]),
                c,
                ("365", "Etablissement de Soins Pluridisciplinaire"),
                if i == 2 {
                    "private_non_profit"
                } else {
                    "private_for_profit"
                },
                &mut planned,
                &mut next,
            )?;
        }
        for i in 0..36 {
            let c = communes[base + i % 4];
            let n = EHPAD_NAMES[(i + ght) % EHPAD_NAMES.len()];
            add(
                "ehpad",
                format!("EHPAD {n} - {c}"),
                c,
                (
                    "500",
                    "Etablissement d'hébergement pour personnes âgées dépendantes",
                ),
                if i % 3 == 0 {
                    "public"
                } else {
                    "private_non_profit"
                },
                &mut planned,
                &mut next,
            )?;
        }
        for i in 0..4 {
            let c = communes[base + i];
            add(
                "lab",
                format!("Laboratoire de biologie médicale de {c}"),
                c,
                ("611", "Laboratoire de Biologie Médicale"),
                "private_for_profit",
                &mut planned,
                &mut next,
            )?;
        }
        for i in 0..4 {
            let c = communes[base + i];
            let (cat, label, name) = [
                ("183", "Institut Médico-Educatif (I.M.E.)", "IME"),
                ("255", "Maison d'Accueil Spécialisée (M.A.S.)", "MAS"),
                (
                    "354",
                    "Service de Soins Infirmiers A Domicile (S.S.I.A.D)",
                    "SSIAD",
                ),
                (
                    "246",
                    "Etablissement et Service d'Aide par le Travail (E.S.A.T.)",
                    "ESAT",
                ),
            ][i];
            add(
                "medico",
                format!("{name} de {c}"),
                c,
                (cat, label),
                "private_non_profit",
                &mut planned,
                &mut next,
            )?;
        }
    }
    Ok(planned)
}

/// Loads the demo region unless it is there already, then its living data (demo scans and
/// findings, inventories, alerts from the real advisories of `intel` when given), which is
/// seeded once per structure: running it again duplicates nothing.
pub async fn load(store: &Store, intel: Option<&Path>) -> anyhow::Result<DemoSummary> {
    let actor = Actor::system("demo");
    let existing = store.list_ghts(&actor, Some(REGION)).await?;
    let planned = plan()?;
    let created = !existing.iter().any(|g| g.code.starts_with("DEMO-"));
    if created {
        create(store, &actor, &planned).await?;
    }
    let activity = seed_activity(store, &actor, &planned, intel).await?;
    Ok(DemoSummary {
        structures: if created { planned.len() } else { 0 },
        ghts: if created { 12 } else { existing.len() },
        created,
        activity,
    })
}

/// Creates the structures, GHTs, contacts, assets and demo accounts.
async fn create(store: &Store, actor: &Actor, planned: &[Planned]) -> anyhow::Result<()> {
    let mut rng = StdRng::seed_from_u64(53);
    let inputs: Vec<StructureInput> = planned.iter().map(|p| p.input.clone()).collect();
    store.upsert_structures(actor, &inputs).await?;
    let mut composition = Vec::new();
    for p in planned {
        let code = format!("DEMO-{REGION}-{:02}", p.ght + 1);
        let (dep, communes) = COMMUNES[p.ght / 3];
        let name = format!("GHT démo {} ({dep})", communes[(p.ght % 3) * 4]);
        composition.push((
            code,
            name,
            REGION.to_string(),
            p.input.finess_et.clone(),
            p.kind == "support",
        ));
    }
    let (_, rejected) = store.apply_ght_composition(actor, &composition).await?;
    anyhow::ensure!(
        rejected.is_empty(),
        "demo GHT composition rejected rows: {rejected:?}"
    );

    let ranges = ["192.0.2", "198.51.100", "203.0.113"];
    let mut range_slot = 0usize;
    let mut first_support = None;
    for p in planned {
        let s = store
            .find_structure_by_finess(actor, &p.input.finess_et)
            .await?;
        let person = |rng: &mut StdRng| {
            format!(
                "{} {}",
                FIRST[rng.gen_range(0..FIRST.len())],
                LAST[rng.gen_range(0..LAST.len())]
            )
        };
        let domain = format!("{}.example", slug(&p.input.name));
        let mail = |who: &str| format!("{}@{domain}", slug(who).replace('-', "."));
        let phone = format!(
            "02 61 91 {:02} {:02}",
            rng.gen_range(0..100),
            rng.gen_range(0..100)
        );
        let director = person(&mut rng);
        store
            .set_contact(
                actor,
                s.id,
                ContactRole::Director,
                &director,
                Some(&mail(&director)),
                Some(&phone),
            )
            .await?;
        if matches!(p.kind, "support" | "hospital" | "clinic") {
            let rssi = person(&mut rng);
            store
                .set_contact(
                    actor,
                    s.id,
                    ContactRole::SecurityOfficer,
                    &rssi,
                    Some(&mail(&rssi)),
                    Some(&phone),
                )
                .await?;
            let dpo = person(&mut rng);
            store
                .set_contact(
                    actor,
                    s.id,
                    ContactRole::DataProtectionOfficer,
                    &dpo,
                    Some(&mail(&dpo)),
                    None,
                )
                .await?;
            store
                .add_asset(
                    actor,
                    s.id,
                    AssetKind::Domain,
                    &domain,
                    &format!("{director} (directeur)"),
                )
                .await?;
            if range_slot < 48 {
                let net = format!("{}.{}/28", ranges[range_slot / 16], (range_slot % 16) * 16);
                store
                    .add_asset(
                        actor,
                        s.id,
                        AssetKind::IpRange,
                        &net,
                        &format!("{director} (directeur)"),
                    )
                    .await?;
                range_slot += 1;
            }
        }
        if p.kind == "support" {
            store
                .set_designations(actor, s.id, true, true, false)
                .await?;
            first_support.get_or_insert(s.id);
        }
    }

    let ghts = store.list_ghts(actor, Some(REGION)).await?;
    let ght_of = |n: usize| {
        ghts.iter()
            .find(|g| g.code == format!("DEMO-{REGION}-{n:02}"))
            .map(|g| g.id)
    };
    let support = first_support.context("demo: no support hospital")?;
    for (email, name, role, password, totp) in DEMO_USERS {
        let nu = NewUser {
            email: email.to_string(),
            display_name: name.to_string(),
            role: *role,
            region_code: (*role == Role::RegionalAnalyst).then(|| REGION.to_string()),
            ght_id: match *email {
                "rssi.ght1@vigie.example" => ght_of(1),
                "rssi.ght2@vigie.example" => ght_of(2),
                _ => None,
            },
            structure_ids: if matches!(role, Role::StructureAdmin | Role::StructureMember) {
                vec![support]
            } else {
                vec![]
            },
            password: Some(password.to_string()),
            locale: "fr".into(),
            must_change_password: false,
        };
        let id = store.create_user(actor, &nu).await?;
        if let Some(secret) = totp {
            store.set_totp(actor, id, Some(secret), true).await?;
        }
    }
    Ok(())
}

/// Where `vigie demo` looks for real public advisories: `../shared/data` from the current
/// folder (the project's data set next to the repository). `None` on a machine without it.
pub fn intel_dir() -> Option<PathBuf> {
    let p = PathBuf::from("../shared/data");
    p.join("cve-records").is_dir().then_some(p)
}

/// A finding the demo shows: (type, port, service, product, version, evidence, title fr, title en).
type DemoFinding = (
    FindingKind,
    i64,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    &'static str,
    &'static str,
);

const DEMO_FINDINGS: &[DemoFinding] = &[
    (
        FindingKind::RemoteDesktopExposed,
        3389,
        "rdp",
        Some("Microsoft Terminal Services"),
        None,
        "RDP security protocol: hybrid (NLA) [demo data, nothing was scanned]",
        "Bureau à distance (RDP) exposé sur Internet",
        "Remote desktop (RDP) exposed to the internet",
    ),
    (
        FindingKind::VpnApplianceExposed,
        443,
        "https",
        Some("FortiGate SSL VPN"),
        None,
        "/remote/login: FortiGate SSL VPN portal [demo data, nothing was scanned]",
        "Passerelle VPN FortiGate SSL VPN exposée",
        "FortiGate SSL VPN gateway exposed",
    ),
    (
        FindingKind::WebmailExposed,
        443,
        "https",
        Some("Microsoft Outlook Web App"),
        Some("15.1.2507"),
        "/owa/auth/logon.aspx: Outlook Web App 15.1.2507 [demo data, nothing was scanned]",
        "Webmail Outlook Web App (Exchange) exposé",
        "Outlook Web App (Exchange) webmail exposed",
    ),
    (
        FindingKind::RedisNoAuthentication,
        6379,
        "redis",
        Some("Redis"),
        Some("6.0.9"),
        "INFO answered without authentication: redis_version:6.0.9 [demo data, nothing was scanned]",
        "Redis accessible sans authentification",
        "Redis reachable without authentication",
    ),
    (
        FindingKind::TlsCertificateExpired,
        8443,
        "https",
        None,
        None,
        "certificate expired on 2025-03-31 (CN=portail) [demo data, nothing was scanned]",
        "Certificat TLS expiré",
        "Expired TLS certificate",
    ),
    (
        FindingKind::DicomExposed,
        104,
        "dicom",
        Some("DICOM"),
        None,
        "A-ASSOCIATE accepted for an unknown calling AE title [demo data, nothing was scanned]",
        "Service d'imagerie DICOM exposé sur Internet",
        "DICOM imaging service exposed to the internet",
    ),
    (
        FindingKind::DatabaseExposed,
        3306,
        "mysql",
        Some("MySQL"),
        Some("5.7.44"),
        "MySQL greeting: 5.7.44-log [demo data, nothing was scanned]",
        "Base de données MySQL accessible depuis Internet",
        "MySQL database reachable from the internet",
    ),
];

/// Inventory the demo declares: (catalogue product, version, where, exposed).
const DEMO_INVENTORY: &[(&str, &str, &str, bool)] = &[
    ("fortios", "7.0.12", "pare-feu périmétrique", true),
    (
        "citrix-netscaler-adc",
        "13.0-58.30",
        "passerelle d'accès distant",
        true,
    ),
    (
        "veeam-backup-replication",
        "12.1.0.2131",
        "sauvegardes",
        false,
    ),
    (
        "microsoft-exchange-server-2016",
        "15.1.2507.6",
        "messagerie",
        true,
    ),
    ("openssh", "8.9p1", "bastion d'administration", true),
    ("ivanti-connect-secure", "22.4R2.1", "VPN nomade", true),
    ("f5-big-ip", "16.1.2", "répartiteur de charge", true),
];

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}

/// The structures that get living data: in each GHT its support hospital, one hospital and one
/// clinic, and a second hospital in the first four GHTs (40 structures). The demo accounts'
/// structure (the first support hospital) is one of them.
fn active_structures(planned: &[Planned]) -> Vec<&Planned> {
    let mut out = Vec::new();
    for ght in 0..12 {
        let of = |kind: &'static str| {
            planned
                .iter()
                .filter(move |p| p.ght == ght && p.kind == kind)
        };
        out.extend(of("support").take(1));
        out.extend(of("hospital").take(if ght < 4 { 2 } else { 1 }));
        out.extend(of("clinic").take(1));
    }
    out
}

/// Seeds, once per structure, a finished demo scan with its findings (written through the
/// store: nothing is scanned, demo addresses are documentation ranges) and an inventory; then
/// ingests a few real advisories so that alerts show.
async fn seed_activity(
    store: &Store,
    actor: &Actor,
    planned: &[Planned],
    intel: Option<&Path>,
) -> anyhow::Result<Activity> {
    let mut act = Activity::default();
    for (i, p) in active_structures(planned).into_iter().enumerate() {
        let s = store
            .find_structure_by_finess(actor, &p.input.finess_et)
            .await?;
        if !store.list_scans(actor, s.id, 1).await?.is_empty() {
            continue;
        }
        // Addresses: the structure's demo range (RFC 5737), else the IPv6 documentation prefix.
        let assets = store.list_assets(actor, s.id).await?;
        let base = assets
            .iter()
            .find(|a| a.kind == "ip_range")
            .and_then(|a| a.value.split('/').next()?.parse::<Ipv4Addr>().ok());
        let address = |host: u32| match base {
            Some(b) => Ipv4Addr::from(u32::from(b) + host).to_string(),
            None => format!("2001:db8:53:{i:x}::{host:x}"),
        };
        let count = 2 + i % 3;
        let mut picks: Vec<usize> = Vec::new();
        for j in 0..count {
            let t = (i * 3 + j * 5) % DEMO_FINDINGS.len();
            if !picks.contains(&t) {
                picks.push(t);
            }
        }
        let mut outcome = ScanOutcome::default();
        for (j, t) in picks.iter().enumerate() {
            let (kind, port, service, product, version, evidence, title_fr, title_en) =
                DEMO_FINDINGS[*t];
            let (severity, advice_fr, advice_en) = kind.advice();
            let addr = address(1 + j as u32);
            outcome.observations.push(NewObservation {
                address: addr.clone(),
                port,
                service: service.into(),
                product: product.map(str::to_string),
                version: version.map(str::to_string),
                evidence: evidence.into(),
                finding_kinds: vec![kind.as_str().into()],
                ..Default::default()
            });
            outcome.findings.push(NewFinding {
                kind: kind.as_str().into(),
                address: addr.clone(),
                port,
                service: service.into(),
                product: product.map(str::to_string),
                version: version.map(str::to_string),
                severity: severity_str(severity).into(),
                confidence: "high".into(),
                title_fr: title_fr.into(),
                title_en: title_en.into(),
                evidence: evidence.into(),
                advice_fr: advice_fr.into(),
                advice_en: advice_en.into(),
                detail: None,
            });
            if !outcome.covered_addresses.contains(&addr) {
                outcome.covered_addresses.push(addr);
            }
        }
        outcome.covered_ports = vec![22, 104, 443, 3306, 3389, 6379, 8443];
        outcome.scope = serde_json::json!({
            "demo": true,
            "note": "demo data written by `vigie demo`: nothing was scanned (documentation addresses)",
            "targets": outcome.covered_addresses,
        });
        let scan_id = store.request_scan(actor, s.id).await?;
        store.start_scan(actor, scan_id).await?;
        let rec = store.finish_scan(actor, scan_id, &outcome).await?;
        act.scans += 1;
        act.findings += rec.new.len();
        for k in [i % DEMO_INVENTORY.len(), (i + 3) % DEMO_INVENTORY.len()] {
            let (product, version, location, exposed) = DEMO_INVENTORY[k];
            let item = NewItem {
                product: product.into(),
                version: version.into(),
                location: location.into(),
                origin: "form".into(),
                exposed,
            };
            let (_, alerts) = store.add_inventory_item(actor, s.id, &item).await?;
            act.inventory_items += 1;
            act.alerts += alerts.len();
        }
    }
    match intel {
        Some(dir) => {
            let (corpus, advisories) = demo_corpus(dir)?;
            let r = store
                .watch_ingest(
                    actor,
                    &corpus,
                    "vigie demo: real CVE records and KEV entries",
                )
                .await?;
            act.advisories = if r.added + r.changed > 0 {
                advisories
            } else {
                0
            };
            act.alerts += r.alerts_new;
        }
        None => {
            act.note = Some(
                "No advisory ingested: ../shared/data is not here (ingest real ones with `vigie watch ingest`)."
                    .into(),
            );
        }
    }
    Ok(act)
}

/// The CVE records of `dir/cve-records` and their entries of the CISA KEV catalogue.
fn demo_corpus(dir: &Path) -> anyhow::Result<(vigie_intel::Corpus, usize)> {
    let mut corpus = vigie_intel::Corpus::default();
    let records = dir.join("cve-records");
    let mut cves = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&records)
        .with_context(|| format!("reading {}", records.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("CVE-"))
        })
        .collect();
    files.sort();
    for f in &files {
        if let Some(stem) = f.file_stem().and_then(|s| s.to_str()) {
            cves.push(stem.to_string());
        }
        corpus.add_path(f);
    }
    let kev_path = dir.join("cisa-kev/known_exploited_vulnerabilities.json");
    if let Ok(bytes) = std::fs::read(&kev_path) {
        let mut kev: serde_json::Value = serde_json::from_slice(&bytes)
            .with_context(|| format!("reading {}", kev_path.display()))?;
        if let Some(list) = kev
            .get_mut("vulnerabilities")
            .and_then(|v| v.as_array_mut())
        {
            list.retain(|v| {
                v.get("cveID")
                    .and_then(|c| c.as_str())
                    .is_some_and(|c| cves.iter().any(|x| x == c))
            });
            let n = list.len();
            if let Some(count) = kev.get_mut("count") {
                *count = serde_json::json!(n);
            }
        }
        corpus.add_bytes(
            "known_exploited_vulnerabilities.json",
            kev.to_string().as_bytes(),
        );
    }
    Ok((corpus, files.len()))
}

/// What to print for a newcomer.
pub fn credentials_text(listen: &str) -> String {
    let mut s = format!("\nDemo region loaded. Open http://{listen}/ and sign in with one of these demo accounts:\n");
    for (email, _, role, password, totp) in DEMO_USERS {
        s.push_str(&format!(
            "  {:<26} {:<18} password {:<18}",
            email,
            role.as_str(),
            password
        ));
        if let Some(secret) = totp {
            s.push_str(&format!(
                " TOTP secret {secret} (add it to an authenticator app)"
            ));
        }
        s.push('\n');
    }
    s.push_str("These are demo credentials: never use `vigie demo` on a production database.\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn demo_finess_numbers_are_valid() {
        for seq in [1007u32, 2000, 99999] {
            let n = super::finess("29", seq).unwrap();
            assert!(vigie_domain::finess::Finess::parse(&n).is_ok(), "{n}");
        }
        assert_eq!(
            super::slug("Centre hospitalier de Pont-l'Abbé"),
            "centre-hospitalier-de-pont-l-abbe"
        );
    }
}
