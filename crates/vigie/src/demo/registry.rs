//! The demo's registry and accounts: 612 structures in 12 GHTs of region 53, their contacts and
//! declared assets (documentation names and ranges, demo data never scanned), and the demo
//! accounts with credentials generated for each deployment. Refused beside real data.

use anyhow::Context;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use vigie_domain::role::Role;
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_store::accounts::NewUser;
use vigie_store::registry::StructureInput;
use vigie_store::{Actor, Store};

use super::data::{COMMUNES, DEMO_USERS, EHPAD_NAMES, FIRST, LAST, REGION};
use super::DemoCredential;

fn finess(dep: &str, seq: u32) -> anyhow::Result<String> {
    let first8 = format!("{dep}0{seq:05}");
    let key = vigie_domain::finess::check_key(&first8).context("cannot compute a FINESS key")?;
    Ok(format!("{first8}{key}"))
}

/// "de" and a place's name as French writes it: elided before a vowel or a mute h ("d'Auray",
/// "d'Hennebont"), contracted with the article of a name that has one ("du Faouët", "des
/// Sables-d'Olonne"), plain otherwise ("de Vannes", "de La Roche-Bernard").
fn of_place(place: &str) -> String {
    if let Some(rest) = place.strip_prefix("Le ") {
        return format!("du {rest}");
    }
    if let Some(rest) = place.strip_prefix("Les ") {
        return format!("des {rest}");
    }
    let elided = place.chars().next().is_some_and(|c| {
        matches!(
            c.to_lowercase().next().unwrap_or(c),
            'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'h' | 'à' | 'â' | 'é' | 'è' | 'ê' | 'î' | 'ô' | 'û'
        )
    });
    if elided {
        format!("d'{place}")
    } else {
        format!("de {place}")
    }
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

pub(super) struct Planned {
    pub(super) input: StructureInput,
    pub(super) ght: usize,
    pub(super) kind: &'static str,
}

/// The demo's structures, in a fixed order (no randomness: the same plan every time).
pub(super) fn plan() -> anyhow::Result<Vec<Planned>> {
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
            format!("Centre hospitalier {}", of_place(main)),
            main,
            ("355", "Centre Hospitalier (C.H.)"),
            "public",
            &mut planned,
            &mut next,
        )?;
        for c in &communes[base + 1..base + 4] {
            add(
                "hospital",
                format!("Centre hospitalier {}", of_place(c)),
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
                format!(
                    "Clinique Saint-{} {}",
                    ["Yves", "Hervé", "Gildas"][i],
                    of_place(c)
                ),
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
                format!("Laboratoire de biologie médicale {}", of_place(c)),
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
                format!("{name} {}", of_place(c)),
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

/// A fresh TOTP seed: 160 random bits in base 32, as authenticator apps read them.
fn totp_seed() -> String {
    let raw: [u8; 20] = rand::random();
    match totp_rs::Secret::Raw(raw.to_vec()).to_encoded() {
        totp_rs::Secret::Encoded(s) => s,
        totp_rs::Secret::Raw(_) => unreachable!("to_encoded gives an encoded secret"),
    }
}

/// Fails when the database holds real structures or accounts.
pub(super) async fn refuse_beside_real_data(store: &Store, actor: &Actor) -> anyhow::Result<()> {
    let structures = store.count_real_structures(actor).await?;
    let users: Vec<String> = store
        .list_users(actor)
        .await?
        .into_iter()
        .map(|u| u.email)
        .filter(|e| !DEMO_USERS.iter().any(|(d, ..)| d == e))
        .collect();
    if structures > 0 || !users.is_empty() {
        anyhow::bail!(
            "the demo is refused on this database: it holds {structures} structure(s) that are not \
             demo data and {} account(s) that are not demo accounts{}. The demo adds accounts \
             and synthetic structures that must never sit beside real ones: load it into an \
             empty database (for example VIGIE_DATABASE_URL=sqlite://demo.db).",
            users.len(),
            if users.is_empty() {
                String::new()
            } else {
                format!(" ({})", users.iter().take(3).cloned().collect::<Vec<_>>().join(", "))
            }
        );
    }
    Ok(())
}

/// Creates the structures, GHTs, contacts, assets and demo accounts; returns the accounts'
/// generated credentials.
pub(super) async fn create(
    store: &Store,
    actor: &Actor,
    planned: &[Planned],
) -> anyhow::Result<Vec<DemoCredential>> {
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
    let mut credentials = Vec::new();
    for (email, name, role, mfa) in DEMO_USERS {
        let password = vigie_store::accounts::random_token(15);
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
            password: Some(password.clone()),
            locale: "fr".into(),
            must_change_password: false,
        };
        let id = store.create_user(actor, &nu).await?;
        let totp = if *mfa {
            let secret = totp_seed();
            store.set_totp(actor, id, Some(&secret), true).await?;
            Some(secret)
        } else {
            None
        };
        credentials.push(DemoCredential {
            email,
            role: *role,
            password,
            totp,
        });
    }
    Ok(credentials)
}

#[cfg(test)]
mod tests {
    #[test]
    fn place_names_take_the_french_elision_and_contractions() {
        for (place, want) in [
            ("Auray", "d'Auray"),
            ("Hennebont", "d'Hennebont"),
            ("Étel", "d'Étel"),
            ("Vannes", "de Vannes"),
            ("Le Faouët", "du Faouët"),
            ("Les Sables-d'Olonne", "des Sables-d'Olonne"),
            ("La Roche-Bernard", "de La Roche-Bernard"),
            ("Saint-Brieuc", "de Saint-Brieuc"),
        ] {
            assert_eq!(super::of_place(place), want);
        }
    }

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
