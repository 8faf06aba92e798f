//! Errors by audience: the caller's mistakes are `Invalid` with a message key the presentation
//! layer words (and that its catalogues hold, in French and in English); faults that are not the
//! caller's are `Internal`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use vigie_domain::structure::AssetKind;
use vigie_store::testing;
use vigie_store::watch::NewItem;
use vigie_store::StoreError;

use crate::{id_of, seeded, sqlx_pool, system};

/// A declared asset the rules refuse is the caller's mistake, said with its key and arguments.
#[tokio::test]
async fn a_bad_asset_is_invalid_with_its_key() {
    let db = testing::sqlite().await;
    seeded(&db).await;
    let id = id_of(&db.store, "010000024").await;
    let err = db
        .store
        .add_asset(&system(), id, AssetKind::IpRange, "10.0.0.0/8", "DSI")
        .await
        .unwrap_err();
    let StoreError::Invalid(p) = &err else {
        panic!("not Invalid: {err}");
    };
    assert_eq!(p.key, "registry-asset-range-too-broad");
    assert_eq!(
        p.get("prefix").map(ToString::to_string).as_deref(),
        Some("8")
    );
    assert_eq!(
        p.get("minimum").map(ToString::to_string).as_deref(),
        Some("16")
    );
    assert_eq!(
        p.get("value").map(ToString::to_string).as_deref(),
        Some("10.0.0.0/8")
    );
    db.cleanup().await;
}

/// A stored record that cannot be read back is nobody's input: `Internal`, never `Invalid`.
#[tokio::test]
async fn a_corrupt_stored_record_is_internal() {
    for db in testing::all().await {
        seeded(&db).await;
        let id = id_of(&db.store, "010000024").await;
        let pool = sqlx_pool(&db).await;
        let adv: i64 = sqlx::query_scalar(
            "INSERT INTO watch_advisories (ref_id, title, certfr, created_at, updated_at) \
             VALUES ('CVE-2099-0001', '', '', 0, 0) RETURNING id",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO watch_advisory_products (advisory_id, product) VALUES ($1, 'fortios')",
        )
        .bind(adv)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO watch_records (source, ref_id, advisory_id, hash, data, file, ingested_at) \
             VALUES ('cve', 'CVE-2099-0001', $1, 'x', '{not json', 'x.json', 0)",
        )
        .bind(adv)
        .execute(&pool)
        .await
        .unwrap();
        let item = NewItem {
            product: "fortios".into(),
            version: "7.0.12".into(),
            location: String::new(),
            origin: "form".into(),
            exposed: false,
        };
        let err = db
            .store
            .add_inventory_item(&system(), id, &item)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Internal(m) if m.contains("cannot be read back")),
            "{}: {err}",
            db.name
        );
        // Nothing was written: the item's transaction rolled back.
        assert!(db
            .store
            .list_inventory(&system(), id)
            .await
            .unwrap()
            .is_empty());
        pool.close().await;
        db.cleanup().await;
    }
}

/// The message keys of the store's problems: every string literal of its sources that starts
/// with a slice's or a core module's prefix and is written in kebab-case.
fn keys_used(src: &Path) -> BTreeSet<String> {
    const PREFIXES: &[&str] = &[
        "registry-",
        "accounts-",
        "surveillance-",
        "watch-",
        "incidents-",
        "files-",
        "notify-",
        "archive-",
        "migrate-",
        "secrets-",
        "db-",
        "jobs-",
    ];
    let mut out = BTreeSet::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            for e in std::fs::read_dir(&p).unwrap() {
                stack.push(e.unwrap().path());
            }
            continue;
        }
        if p.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap();
        for (at, _) in text.match_indices('"') {
            let rest = &text[at + 1..];
            let Some(end) = rest.find('"') else { continue };
            let lit = &rest[..end];
            if PREFIXES.iter().any(|k| lit.starts_with(k))
                && lit
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            {
                out.insert(lit.to_string());
            }
        }
    }
    out
}

/// The message ids of a Fluent file, which must parse.
fn messages(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let res = fluent_syntax::parser::parse(text.as_str())
        .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", path.display()));
    res.body
        .iter()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => {
                assert!(
                    m.value.is_some(),
                    "{}: {} has no value",
                    path.display(),
                    m.id.name
                );
                Some(m.id.name.to_string())
            }
            _ => None,
        })
        .collect()
}

/// Every key the store's sources use has its message in French and in English, and the
/// catalogues hold no message that the store no longer uses.
#[test]
fn every_problem_key_has_its_french_and_english_message() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let used = keys_used(&crate_dir.join("src"));
    assert!(used.len() > 50, "too few keys found: {used:?}");
    let i18n = crate_dir.join("../vigie-report/i18n");
    for lang in ["fr", "en"] {
        let have = messages(&i18n.join(lang).join("store.ftl"));
        let missing: Vec<&String> = used.difference(&have).collect();
        assert!(missing.is_empty(), "{lang}/store.ftl lacks {missing:?}");
        let unused: Vec<&String> = have.difference(&used).collect();
        assert!(unused.is_empty(), "{lang}/store.ftl has unused {unused:?}");
    }
}
