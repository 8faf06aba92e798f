//! `vigie demo`: a realistic synthetic region so that a newcomer sees a living system. Bretagne
//! (region 53), 600 structures in 12 GHTs, valid FINESS numbers, contacts, and assets on reserved
//! documentation names and ranges (`.example`, RFC 5737), all marked as demo data and therefore
//! never scanned. Contacts use the phone range ARCEP keeps for fiction (02 61 91 xx xx). The
//! generator is seeded: the same demo every time.

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vigie_domain::role::Role;
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_store::registry::StructureInput;
use vigie_store::users::NewUser;
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

/// Loads the demo region unless it is there already.
pub async fn load(store: &Store) -> anyhow::Result<DemoSummary> {
    let actor = Actor::system("demo");
    let existing = store.list_ghts(&actor, Some(REGION)).await?;
    if existing.iter().any(|g| g.code.starts_with("DEMO-")) {
        return Ok(DemoSummary {
            structures: 0,
            ghts: existing.len(),
            created: false,
        });
    }
    let mut rng = StdRng::seed_from_u64(53);
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
    let inputs: Vec<StructureInput> = planned.iter().map(|p| p.input.clone()).collect();
    store.upsert_structures(&actor, &inputs).await?;
    let mut composition = Vec::new();
    for p in &planned {
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
    let (_, rejected) = store.apply_ght_composition(&actor, &composition).await?;
    anyhow::ensure!(
        rejected.is_empty(),
        "demo GHT composition rejected rows: {rejected:?}"
    );

    let ranges = ["192.0.2", "198.51.100", "203.0.113"];
    let mut range_slot = 0usize;
    let mut first_support = None;
    for p in &planned {
        let s = store
            .find_structure_by_finess(&actor, &p.input.finess_et)
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
                &actor,
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
                    &actor,
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
                    &actor,
                    s.id,
                    ContactRole::DataProtectionOfficer,
                    &dpo,
                    Some(&mail(&dpo)),
                    None,
                )
                .await?;
            store
                .add_asset(
                    &actor,
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
                        &actor,
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
                .set_designations(&actor, s.id, true, true, false)
                .await?;
            first_support.get_or_insert(s.id);
        }
    }

    let ghts = store.list_ghts(&actor, Some(REGION)).await?;
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
        let id = store.create_user(&actor, &nu).await?;
        if let Some(secret) = totp {
            store.set_totp(&actor, id, Some(secret), true).await?;
        }
    }
    Ok(DemoSummary {
        structures: planned.len(),
        ghts: 12,
        created: true,
    })
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
