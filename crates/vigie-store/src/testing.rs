//! Test support (feature `testing`): each test gets a database of its own, on SQLite (a file in a
//! temporary folder) and on PostgreSQL (a new database on the server named by
//! `VIGIE_TEST_PG_URL`, default `postgres://postgres@127.0.0.1:5432/test`).
//!
//! When PostgreSQL does not answer, its half of the suites is skipped with a message, unless
//! `VIGIE_TEST_PG_REQUIRED=1` (CI sets it), in which case the test fails.

use std::sync::atomic::{AtomicU32, Ordering};

use sqlx::Connection;

use crate::{ConnectConfig, Store};

pub struct TestDb {
    pub store: Store,
    pub url: String,
    pub name: &'static str,
    pg_database: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn admin_url() -> String {
    std::env::var("VIGIE_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn pg_required() -> bool {
    std::env::var("VIGIE_TEST_PG_REQUIRED").is_ok_and(|v| v == "1")
}

/// The secret key of every test database (see [`crate::secrets`]): tests that start the `vigie`
/// binary on a test database give it as `VIGIE_SECURITY_SECRET_KEY`.
pub const TEST_SECRET_KEY: &str =
    "5669676965207465737420736563726574206b6579202d206e6f742061206b65";

fn test_key() -> crate::secrets::SecretKey {
    crate::secrets::SecretKey::parse(TEST_SECRET_KEY).expect("test key")
}

/// A fresh, migrated SQLite database.
pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}/vigie.db", dir.path().display());
    let store = Store::connect(&ConnectConfig {
        url: url.clone(),
        max_connections: 8,
    })
    .await
    .expect("sqlite connect")
    .with_secret_key(test_key());
    store.migrate().await.expect("migrate sqlite");
    TestDb {
        store,
        url,
        name: "sqlite",
        pg_database: None,
        _dir: Some(dir),
    }
}

/// An empty SQLite URL in a fresh folder (not migrated), for restore targets.
pub fn sqlite_url() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    (format!("sqlite://{}/vigie.db", dir.path().display()), dir)
}

/// Creates an empty PostgreSQL database; returns its URL and name.
pub async fn pg_empty() -> Option<(String, String)> {
    let admin = admin_url();
    let mut conn = match sqlx::PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            if pg_required() {
                panic!("PostgreSQL is required (VIGIE_TEST_PG_REQUIRED=1) but {admin} does not answer: {e}");
            }
            eprintln!("skipping the PostgreSQL half of this test: {admin} does not answer ({e})");
            return None;
        }
    };
    drop_stale(&mut conn).await;
    let name = format!(
        "vigie_t_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create database");
    let base = admin
        .rsplit_once('/')
        .map(|(b, _)| b.to_string())
        .unwrap_or(admin);
    Some((format!("{base}/{name}"), name))
}

/// A fresh, migrated PostgreSQL database, or `None` when the server is absent and not required.
pub async fn postgres() -> Option<TestDb> {
    let (url, name) = pg_empty().await?;
    let store = Store::connect(&ConnectConfig {
        url: url.clone(),
        max_connections: 8,
    })
    .await
    .expect("pg connect")
    .with_secret_key(test_key());
    store.migrate().await.expect("migrate postgres");
    Some(TestDb {
        store,
        url,
        name: "postgres",
        pg_database: Some(name),
        _dir: None,
    })
}

/// Every backend that can run here: SQLite always, PostgreSQL when it answers (or is required).
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

/// Databases left by test processes that are gone (a test that panicked keeps its database).
async fn drop_stale(conn: &mut sqlx::PgConnection) {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'vigie_t_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for (n,) in names {
        let pid = n.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if pid != std::process::id() && !std::path::Path::new(&format!("/proc/{pid}")).exists()
            {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {n} WITH (FORCE)"))
                    .execute(&mut *conn)
                    .await;
            }
        }
    }
}

impl TestDb {
    /// A notification in the own list of account `user_id` (as the outbox writes them, for
    /// tests of pages that any role reads), named by `key`; its id.
    pub async fn inbox_row(&self, user_id: i64, key: &str) -> i64 {
        let _turn = self.store.write_turn().await.expect("write turn");
        crate::db::Sql::new(
            "INSERT INTO user_notifications (user_id, event, payload, dedup_key, created_at) \
             VALUES ($1, 'watch.bulletin', '{}', $2, 1)",
        )
        .arg(user_id)
        .arg(key)
        .execute(&self.store.pool)
        .await
        .expect("an inbox row");
        crate::db::Sql::new(
            "SELECT id FROM user_notifications WHERE user_id = $1 AND dedup_key = $2",
        )
        .arg(user_id)
        .arg(key)
        .scalar(&self.store.pool)
        .await
        .expect("its id")
    }

    /// Closes the pool and drops the PostgreSQL database.
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(db) = self.pg_database {
            drop_pg(&db).await;
        }
    }
}

pub async fn drop_pg(name: &str) {
    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url()).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}
