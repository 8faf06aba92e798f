//! Backups and moves between backends, migrations, and the tables the archive carries.

use vigie_domain::role::Role;
use vigie_domain::structure::AssetKind;
use vigie_store::accounts::NewUser;
use vigie_store::registry::StructureFilter;
use vigie_store::testing;
use vigie_store::Store;

use crate::{id_of, seeded, sqlx_pool, system};

#[tokio::test]
async fn archive_moves_a_deployment_between_backends_and_restores_only_into_empty() {
    let src = testing::sqlite().await;
    seeded(&src).await;
    let id = id_of(&src.store, "010000024").await;
    src.store
        .add_asset(
            &system(),
            id,
            AssetKind::Domain,
            "ch-fleyriat.fr",
            "Directeur",
        )
        .await
        .unwrap();
    src.store
        .create_user(
            &system(),
            &NewUser {
                email: "a@b.example".into(),
                display_name: "A".into(),
                role: Role::Auditor,
                region_code: None,
                ght_id: None,
                structure_ids: vec![],
                password: Some("a long enough password".into()),
                locale: "en".into(),
                must_change_password: false,
            },
        )
        .await
        .unwrap();
    let mut archive = Vec::new();
    let exported = src.store.export_archive(&mut archive).await.unwrap();

    let mut targets = vec![];
    let (url, dir) = testing::sqlite_url();
    targets.push((url, None, Some(dir)));
    if let Some((url, name)) = testing::pg_empty().await {
        targets.push((url, Some(name), None));
    }
    for (url, pg_name, _dir) in targets {
        let dst = Store::connect(&vigie_store::ConnectConfig {
            url: url.clone(),
            max_connections: 4,
        })
        .await
        .unwrap();
        let restored = dst.import_archive(&archive[..]).await.unwrap();
        assert_eq!(restored.total(), exported.total(), "{url}");
        let a = src
            .store
            .list_structures(
                &system(),
                &StructureFilter {
                    per_page: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let b = dst
            .list_structures(
                &system(),
                &StructureFilter {
                    per_page: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&b).unwrap(),
            "{url}"
        );
        assert_eq!(
            dst.list_assets(&system(), id).await.unwrap()[0].value,
            "ch-fleyriat.fr"
        );
        assert!(dst.login_user("a@b.example").await.unwrap().is_some());
        // Ids keep counting after the restored ones.
        let new = dst
            .add_asset(&system(), id, AssetKind::Domain, "autre.fr", "x")
            .await
            .unwrap();
        assert!(new.id > 1);
        // A second restore is refused: nothing is overwritten.
        let err = dst.import_archive(&archive[..]).await.unwrap_err();
        assert_eq!(
            err.problem().map(|p| p.key),
            Some("archive-target-not-empty"),
            "{err}"
        );
        dst.close().await;
        if let Some(n) = pg_name {
            testing::drop_pg(&n).await;
        }
    }
    // A damaged archive leaves the target empty.
    let (url, _dir) = testing::sqlite_url();
    let dst = Store::connect(&vigie_store::ConnectConfig {
        url,
        max_connections: 2,
    })
    .await
    .unwrap();
    let mut cut = archive.clone();
    cut.truncate(archive.len() / 2);
    assert!(dst.import_archive(&cut[..]).await.is_err());
    assert_eq!(dst.count_users().await.unwrap(), 0);
    src.cleanup().await;
}

#[tokio::test]
async fn migrations_are_idempotent() {
    for db in testing::all().await {
        assert_eq!(db.store.migrate().await.unwrap(), 0);
        assert_eq!(
            db.store.schema_version().await.unwrap(),
            vigie_store::migrate::latest_version()
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn every_table_is_archived() {
    for db in testing::all().await {
        let pool = sqlx_pool(&db).await;
        let q = match db.name {
            "sqlite" => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            _ => "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
        };
        let tables: Vec<(String,)> = sqlx::query_as(q).fetch_all(&pool).await.unwrap();
        let archived = vigie_store::archive::archived_tables();
        for (t,) in &tables {
            // Sessions and sign-in failures are short-lived: a restore starts without them.
            if t == "schema_migrations" || t == "sessions" || t == "auth_failures" {
                continue;
            }
            // The observatory's roll-up is derived: the triggers of the restored declarations
            // mark their days, and the roll-up is counted again from them.
            if t.starts_with("observatory_rollup") || t == "observatory_dirty" {
                continue;
            }
            assert!(
                archived.contains(&t.as_str()),
                "{}: table {t} is not in the backup archive (each slice's tables::TABLES, listed \
                 by vigie_store's root)",
                db.name
            );
        }
        // Each archived table once, with every column the schema gives it.
        let mut seen = std::collections::HashSet::new();
        for table in vigie_store::archive::tables() {
            assert!(seen.insert(table.name), "{} archived twice", table.name);
            let q = match db.name {
                "sqlite" => "SELECT name FROM pragma_table_info($1) ORDER BY name",
                _ => {
                    "SELECT column_name::text FROM information_schema.columns \
                      WHERE table_schema = 'public' AND table_name = $1 ORDER BY column_name"
                }
            };
            let mut schema: Vec<(String,)> = sqlx::query_as(q)
                .bind(table.name)
                .fetch_all(&pool)
                .await
                .unwrap();
            schema.sort();
            let mut columns: Vec<&str> = table.columns.iter().map(|c| c.0).collect();
            columns.sort_unstable();
            let schema: Vec<&str> = schema.iter().map(|c| c.0.as_str()).collect();
            assert_eq!(columns, schema, "{}: columns of {}", db.name, table.name);
        }
        db.cleanup().await;
    }
}
