//! The registry: the FINESS and GHT imports, scoping of every read and write, assets.

use vigie_domain::role::{Role, Scope};
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_store::accounts::NewUser;
use vigie_store::registry::StructureFilter;
use vigie_store::testing;
use vigie_store::{Actor, StoreError};

use crate::{actor, id_of, seeded, system, user, FINESS_SMALL, GHT_SMALL};

#[tokio::test]
async fn finess_import_reports_rejections_and_is_idempotent() {
    for db in testing::all().await {
        let s = &db.store;
        let r = s.import_finess(&system(), FINESS_SMALL).await.unwrap();
        assert_eq!(r.lines, 12, "{}", db.name);
        assert_eq!(r.sites, 8, "{}", db.name);
        assert_eq!(r.skipped.get("geolocalisation"), Some(&1));
        assert_eq!(
            (r.counts.inserted, r.counts.updated, r.counts.unchanged),
            (7, 0, 1),
            "{}",
            db.name
        );
        let rejected: Vec<u64> = r.rejected.iter().map(|x| x.line).collect();
        assert_eq!(rejected, vec![6, 8], "{}: {:?}", db.name, r.rejected);
        // Each reason is a message key with its arguments, which the pages word in the reader's
        // language: here the FINESS number's check key, in field 2.
        let p = &r.rejected[0].problem;
        assert_eq!(p.key, "registry-import-finess-key", "{p}");
        assert_eq!(
            p.get("field"),
            Some(&vigie_domain::problem::Arg::Number(2)),
            "{p}"
        );
        assert_eq!(r.extract_date.as_deref(), Some("2026-05-12"));

        let cayenne = s
            .find_structure_by_finess(&system(), "970300026")
            .await
            .unwrap();
        assert_eq!(cayenne.region_code, "03", "Guyane");
        assert_eq!(cayenne.department_code, "973");
        assert_eq!(cayenne.legal_family, "public");
        assert_eq!(cayenne.sector, "sanitaire");
        assert_eq!(cayenne.overseas, 1);
        let pitie = s
            .find_structure_by_finess(&system(), "750100125")
            .await
            .unwrap();
        assert_eq!(pitie.region_code, "11");
        assert_eq!(pitie.finess_ej.as_deref(), Some("750712184"));

        // Re-import: nothing duplicated, nothing rewritten.
        let r2 = s.import_finess(&system(), FINESS_SMALL).await.unwrap();
        assert_eq!(
            (r2.counts.inserted, r2.counts.updated, r2.counts.unchanged),
            (0, 0, 8),
            "{}",
            db.name
        );
        let (_, total) = s
            .list_structures(
                &system(),
                &StructureFilter {
                    per_page: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 7);

        // An update of one site changes that site only, and keeps what Vigie owns (contacts, GHT).
        let id = pitie.id;
        s.set_contact(
            &system(),
            id,
            ContactRole::SecurityOfficer,
            "Jeanne RSSI",
            Some("rssi@aphp.example"),
            Some("01 99 00 12 34"),
        )
        .await
        .unwrap();
        let renamed = String::from_utf8(FINESS_SMALL.to_vec())
            .unwrap()
            .replace("GHU APHP SUN SITE PITIE SALPETRIERE", "PITIE RENOMMEE");
        let r3 = s
            .import_finess(&system(), renamed.as_bytes())
            .await
            .unwrap();
        assert_eq!(
            (r3.counts.inserted, r3.counts.updated),
            (0, 1),
            "{}",
            db.name
        );
        assert_eq!(
            s.get_structure(&system(), id).await.unwrap().name,
            "PITIE RENOMMEE"
        );
        assert_eq!(s.list_contacts(&system(), id).await.unwrap().len(), 1);

        // A file whose first line is not a metadata line imports nothing and loses nothing.
        let err = s
            .import_finess(&system(), &b"structureet;010000024\n"[..])
            .await
            .unwrap_err();
        assert_eq!(
            err.problem().map(|p| p.key),
            Some("registry-import-not-finess"),
            "{err}"
        );
        let (_, total) = s
            .list_structures(
                &system(),
                &StructureFilter {
                    per_page: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 7);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn ght_import_attaches_structures_and_reports_bad_rows() {
    for db in testing::all().await {
        let s = &db.store;
        s.import_finess(&system(), FINESS_SMALL).await.unwrap();
        let r = s.import_ght(&system(), GHT_SMALL).await.unwrap();
        assert_eq!(r.counts.updated, 2, "{}", db.name);
        let lines: Vec<u64> = r.rejected.iter().map(|x| x.line).collect();
        assert_eq!(lines, vec![4, 5], "{}: {:?}", db.name, r.rejected);
        let p = &r.rejected[1].problem;
        assert_eq!(p.key, "registry-ght-structure-other-region", "{p}");
        let ghts = s.list_ghts(&system(), None).await.unwrap();
        assert_eq!(ghts.len(), 2);
        let ain = ghts.iter().find(|g| g.code == "GHT-01-AIN").unwrap();
        assert_eq!(ain.structure_count, 1);
        assert_eq!(ain.support_structure_id, Some(id_of(s, "010000024").await));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn every_read_and_write_is_confined_to_the_scope() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let pitie = id_of(s, "750100125").await; // Île-de-France, GHT-75-01
        let fleyriat = id_of(s, "010000024").await; // Auvergne-Rhône-Alpes, GHT-01-AIN
        let cayenne = id_of(s, "970300026").await; // Guyane, no GHT
        let ghts = s.list_ghts(&system(), None).await.unwrap();
        let ght_ain = ghts.iter().find(|g| g.code == "GHT-01-AIN").unwrap().id;

        let member_id = s
            .create_user(
                &system(),
                &NewUser {
                    email: "m@ch.example".into(),
                    display_name: "M".into(),
                    role: Role::StructureMember,
                    region_code: None,
                    ght_id: None,
                    structure_ids: vec![fleyriat],
                    password: None,
                    locale: "fr".into(),
                    must_change_password: false,
                },
            )
            .await
            .unwrap();
        let regional = actor(Role::RegionalAnalyst, Scope::Region("11".into()), None);
        let ght = actor(Role::GhtOfficer, Scope::Ght(ght_ain), None);
        let member = actor(
            Role::StructureMember,
            Scope::Structures { user_id: member_id },
            Some(member_id),
        );
        let nobody = actor(Role::CertAnalyst, Scope::Nothing, None);
        let all = StructureFilter {
            per_page: 100,
            ..Default::default()
        };

        let count = |a: Actor| {
            let all = all.clone();
            async move { s.list_structures(&a, &all).await.unwrap().1 }
        };
        assert_eq!(count(system()).await, 7);
        assert_eq!(count(regional.clone()).await, 1, "{}", db.name);
        assert_eq!(count(ght.clone()).await, 1);
        assert_eq!(count(member.clone()).await, 1);
        assert_eq!(count(nobody.clone()).await, 0);
        assert_eq!(s.export_structures(&regional, &all).await.unwrap().len(), 1);

        // Out of scope is indistinguishable from missing.
        for (a, visible, hidden) in [
            (&regional, pitie, fleyriat),
            (&ght, fleyriat, pitie),
            (&member, fleyriat, cayenne),
        ] {
            assert!(s.get_structure(a, visible).await.is_ok());
            assert!(matches!(
                s.get_structure(a, hidden).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.get_structure(a, 999_999).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.list_assets(a, hidden).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.list_contacts(a, hidden).await,
                Err(StoreError::NotFound)
            ));
            assert!(matches!(
                s.find_structure_by_finess(a, "970400024").await,
                Err(StoreError::NotFound)
            ));
        }
        // Writes: out of scope answers NotFound and changes nothing.
        assert!(matches!(
            s.add_asset(
                &regional,
                fleyriat,
                AssetKind::Domain,
                "ch-fleyriat.fr",
                "x"
            )
            .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.set_contact(&regional, fleyriat, ContactRole::Director, "X", None, None)
                .await,
            Err(StoreError::NotFound)
        ));
        // Without the permission the answer is Forbidden, in scope or not: existence is never told.
        assert!(matches!(
            s.set_contact(&ght, pitie, ContactRole::Director, "X", None, None)
                .await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.set_contact(&ght, fleyriat, ContactRole::Director, "X", None, None)
                .await,
            Err(StoreError::Forbidden(_))
        ));
        assert!(matches!(
            s.set_designations(&regional, cayenne, true, true, true)
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(s.list_assets(&system(), fleyriat).await.unwrap().is_empty());
        // In scope, with the permission: allowed, and audited.
        let asset = s
            .add_asset(
                &ght,
                fleyriat,
                AssetKind::IpRange,
                "10.20.0.0/24",
                "Directeur CH",
            )
            .await
            .unwrap();
        assert_eq!(asset.is_demo, 0);
        assert!(matches!(
            s.remove_asset(&regional, fleyriat, asset.id).await,
            Err(StoreError::NotFound)
        ));
        // A member reads but may not write, even in scope.
        assert!(matches!(
            s.add_asset(&member, fleyriat, AssetKind::Domain, "ch.example", "x")
                .await,
            Err(StoreError::Forbidden(_))
        ));
        // GHTs are scoped too.
        assert_eq!(s.list_ghts(&ght, None).await.unwrap().len(), 1);
        assert_eq!(s.list_ghts(&regional, None).await.unwrap().len(), 1);
        assert_eq!(s.list_ghts(&member, None).await.unwrap().len(), 1);
        assert!(s.list_ghts(&nobody, None).await.unwrap().is_empty());
        // Users: a member sees only itself.
        assert!(matches!(
            s.list_users(&member).await,
            Err(StoreError::Forbidden(_))
        ));
        assert_eq!(
            s.get_user(&member, member_id).await.unwrap().email,
            "m@ch.example"
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn asset_rules_and_demo_marking() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        let id = id_of(s, "010000024").await;
        let err = s
            .add_asset(&system(), id, AssetKind::IpRange, "0.0.0.0/0", "x")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let err = s
            .add_asset(&system(), id, AssetKind::Domain, "*.example.org", "x")
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
        let err = s
            .add_asset(&system(), id, AssetKind::Domain, "ch-fleyriat.fr", " ")
            .await
            .unwrap_err();
        assert_eq!(
            err.problem().map(|p| p.key),
            Some("registry-asset-attestation-required"),
            "{err}"
        );
        let a = s
            .add_asset(
                &system(),
                id,
                AssetKind::Domain,
                "CH-Fleyriat.FR",
                "Directeur",
            )
            .await
            .unwrap();
        assert_eq!(a.value, "ch-fleyriat.fr");
        assert!(matches!(
            s.add_asset(&system(), id, AssetKind::Domain, "ch-fleyriat.fr", "x")
                .await,
            Err(StoreError::Conflict(_))
        ));
        let doc = s
            .add_asset(
                &system(),
                id,
                AssetKind::IpRange,
                "192.0.2.0/28",
                "Directeur",
            )
            .await
            .unwrap();
        assert_eq!(doc.is_demo, 1, "documentation ranges are never scanned");
        db.cleanup().await;
    }
}

/// Issue 13, item 9: the people of a structure see their GHT, not how many other structures it
/// has nor which one supports it when it is not theirs. The support structure's own people see
/// it; the GHT's officer and the national level see everything.
#[tokio::test]
async fn a_structure_sees_its_ght_counted_over_what_it_may_see() {
    for db in testing::all().await {
        let s = &db.store;
        seeded(&db).await;
        // GHT-01-AIN: Fleyriat (its support) and a second structure (attached by hand: the small
        // extract has one structure in the Ain).
        let pitie = id_of(s, "010000024").await; // the support structure
        let other = id_of(s, "970300026").await; // the other structure
        let ain: i64 = sqlx::query_scalar("SELECT id FROM ghts WHERE code = 'GHT-01-AIN'")
            .fetch_one(&crate::sqlx_pool(&db).await)
            .await
            .unwrap();
        sqlx::query("UPDATE structures SET ght_id = $1 WHERE id = $2")
            .bind(ain)
            .bind(other)
            .execute(&crate::sqlx_pool(&db).await)
            .await
            .unwrap();
        let ght = s
            .list_ghts(&system(), None)
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.code == "GHT-01-AIN")
            .unwrap();
        assert_eq!(
            (ght.structure_count, ght.support_structure_id),
            (2, Some(pitie)),
            "{}",
            db.name
        );
        for (email, role, structure, count, support) in [
            ("m@other.example", Role::StructureMember, other, 1, None),
            ("a@other.example", Role::StructureAdmin, other, 1, None),
            (
                "a@pitie.example",
                Role::StructureAdmin,
                pitie,
                1,
                Some(pitie),
            ),
        ] {
            let id = s
                .create_user(&system(), &user(email, role, None, None, vec![structure]))
                .await
                .unwrap();
            let a = s.actor_for_user(id, None).await.unwrap();
            let seen = s.list_ghts(&a, None).await.unwrap();
            assert_eq!(seen.len(), 1, "[{}] {email}", db.name);
            assert_eq!(
                (seen[0].structure_count, seen[0].support_structure_id),
                (count, support),
                "[{}] {email} lists",
                db.name
            );
            let one = s.get_ght(&a, ght.id).await.unwrap();
            assert_eq!(
                (one.structure_count, one.support_structure_id),
                (count, support),
                "[{}] {email} reads",
                db.name
            );
        }
        let officer = s
            .create_user(
                &system(),
                &user(
                    "o@ght.example",
                    Role::GhtOfficer,
                    None,
                    Some(ght.id),
                    vec![],
                ),
            )
            .await
            .unwrap();
        let o = s.actor_for_user(officer, None).await.unwrap();
        let g = s.get_ght(&o, ght.id).await.unwrap();
        assert_eq!(
            (g.structure_count, g.support_structure_id),
            (2, Some(pitie))
        );
        db.cleanup().await;
    }
}
