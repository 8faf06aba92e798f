//! The fast path of a first FINESS import (one transaction, secondary indexes dropped and built
//! again at the end) leaves the same schema, the same rows and exact counts as the batched path,
//! across batch boundaries, on both backends; a file that fails midway leaves nothing behind.

use std::io::{BufReader, Read};

use vigie_store::registry::StructureFilter;
use vigie_store::testing::{self, TestDb};
use vigie_store::{Backend, StoreError};

use crate::system;

/// A valid FINESS ET number of department `dep` (two digits), sequence `seq`.
fn finess(dep: &str, seq: u32) -> String {
    let first8 = format!("{dep}0{seq:05}");
    let key = vigie_domain::finess::check_key(&first8).unwrap();
    format!("{first8}{key}")
}

/// An extract of `n` sites (each followed by its geolocation line), deterministic.
fn extract(n: u32, name_suffix: &str) -> String {
    let mut out = String::from("finess;etalab;111;2026-05-12\n");
    let deps = ["01", "13", "33", "59", "69", "75", "93"];
    for i in 0..n {
        let dep = deps[(i as usize) % deps.len()];
        let et = finess(dep, 10 + (i / deps.len() as u32) * 2);
        let name = format!("CENTRE HOSPITALIER {i}{name_suffix}");
        out.push_str(&format!(
            "structureet;{et};;{name};{name};;;1;RUE;DE LA SANTE;;;001;{dep};DEP;{dep}000 VILLE;0199000000;;355;Centre Hospitalier (C.H.);1102;Centres Hospitaliers;;8610Z;03;ARS;1;Etablissement public de santé;1990-01-01;1990-01-01;2026-01-15;\n"
        ));
        out.push_str(&format!(
            "geolocalisation;{et};600000.0;6200000.0;1,ATLASANTE;2026-05-04\n"
        ));
    }
    out
}

async fn index_defs(db: &TestDb) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    let q = match db.store.backend() {
        Backend::Sqlite => {
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'structures' AND sql IS NOT NULL ORDER BY name"
        }
        Backend::Postgres => {
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'structures' ORDER BY indexname"
        }
    };
    let rows: Vec<(String,)> = sqlx::query_as(q).fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows.into_iter().map(|r| r.0).collect()
}

async fn count(db: &TestDb) -> i64 {
    db.store
        .list_structures(
            &system(),
            &StructureFilter {
                page: 1,
                per_page: 1,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn first_import_keeps_schema_rows_and_counts_across_batches() {
    for db in testing::all().await {
        let n = db.name;
        let before = index_defs(&db).await;
        assert!(before.len() >= 5, "{n}: {before:?}");
        // More than one batch of 20,000 sites, and one number given twice.
        let mut file = extract(20_300, "");
        let dup = file.lines().nth(1).unwrap().to_string();
        file.push_str(&dup);
        file.push('\n');
        let r = db
            .store
            .import_finess(&system(), file.as_bytes())
            .await
            .unwrap();
        assert_eq!(r.sites, 20_301, "{n}");
        assert_eq!(
            (r.counts.inserted, r.counts.updated, r.counts.unchanged),
            (20_300, 0, 1),
            "{n}"
        );
        assert_eq!(r.skipped.get("geolocalisation"), Some(&20_300), "{n}");
        assert_eq!(index_defs(&db).await, before, "{n}: indexes changed");
        assert_eq!(count(&db).await, 20_300, "{n}");
        // A search by name uses the rebuilt indexes and finds the row.
        let (rows, total) = db
            .store
            .list_structures(
                &system(),
                &StructureFilter {
                    text: Some("hospitalier 20299".into()),
                    region_code: Some("11".into()),
                    page: 1,
                    per_page: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(total, 1, "{n}");
        assert_eq!(rows[0].name, "CENTRE HOSPITALIER 20299");

        // Deep pages (read through the index first) continue the shallow ones exactly.
        let page = |page: i64, per_page: i64| StructureFilter {
            region_code: Some("11".into()),
            page,
            per_page,
            ..Default::default()
        };
        let mut pieces = Vec::new();
        for p in [10, 11, 12] {
            let (rows, _) = db
                .store
                .list_structures(&system(), &page(p, 50))
                .await
                .unwrap();
            assert_eq!(rows.len(), 50, "{n}");
            pieces.extend(rows.into_iter().map(|r| r.id));
        }
        let (whole, _) = db
            .store
            .list_structures(&system(), &page(4, 150))
            .await
            .unwrap();
        assert_eq!(
            whole.into_iter().map(|r| r.id).collect::<Vec<_>>(),
            pieces,
            "{n}"
        );
        // A page number from the query string past anything real reads past the end.
        let (none, total) = db
            .store
            .list_structure_rows(&system(), &page(i64::MAX, 500))
            .await
            .unwrap();
        assert!(none.is_empty() && total > 0, "{n}");
        let (brief, _) = db
            .store
            .list_structure_rows(&system(), &page(11, 50))
            .await
            .unwrap();
        assert_eq!(
            brief.into_iter().map(|r| r.id).collect::<Vec<_>>(),
            pieces[50..100],
            "{n}"
        );

        // Re-import: every row unchanged; then a file where some names changed.
        let r = db
            .store
            .import_finess(&system(), file.as_bytes())
            .await
            .unwrap();
        assert_eq!(
            (r.counts.inserted, r.counts.updated, r.counts.unchanged),
            (0, 0, 20_301),
            "{n}"
        );
        let changed = extract(100, " BIS");
        let r = db
            .store
            .import_finess(&system(), changed.as_bytes())
            .await
            .unwrap();
        assert_eq!(
            (r.counts.inserted, r.counts.updated, r.counts.unchanged),
            (0, 100, 0),
            "{n}"
        );
        assert_eq!(count(&db).await, 20_300, "{n}");
        assert_eq!(index_defs(&db).await, before, "{n}");
        db.cleanup().await;
    }
}

/// Gives `ok` bytes, then fails.
struct FailsAfter {
    data: Vec<u8>,
    pos: usize,
}

impl Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.data.len() {
            return Err(std::io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.data.len() - self.pos).min(4096);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[tokio::test]
async fn a_first_import_that_fails_midway_leaves_nothing_behind() {
    for db in testing::all().await {
        let n = db.name;
        let before = index_defs(&db).await;
        let file = extract(25_000, "");
        // Cut in the middle of the third batch.
        let cut = file.len() * 9 / 10;
        let reader = BufReader::new(FailsAfter {
            data: file.as_bytes()[..cut].to_vec(),
            pos: 0,
        });
        let err = db.store.import_finess(&system(), reader).await.unwrap_err();
        assert!(
            matches!(&err, StoreError::Invalid(p) if p.key == "registry-import-unreadable"),
            "{n}: {err}"
        );
        assert_eq!(index_defs(&db).await, before, "{n}: indexes lost");
        // SQLite imports a first file all or nothing; PostgreSQL keeps the batches it committed
        // (a first batch of 1,000 sites, then one of 20,000; the cut falls in the third).
        let kept = count(&db).await;
        match db.store.backend() {
            Backend::Sqlite => assert_eq!(kept, 0, "{n}"),
            Backend::Postgres => assert_eq!(kept, 21_000, "{n}"),
        }
        // And the whole file imports afterwards.
        let r = db
            .store
            .import_finess(&system(), file.as_bytes())
            .await
            .unwrap();
        assert_eq!(r.counts.inserted + r.counts.unchanged, 25_000, "{n}");
        assert_eq!(count(&db).await, 25_000, "{n}");
        db.cleanup().await;
    }
}
