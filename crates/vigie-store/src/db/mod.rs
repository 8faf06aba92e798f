//! The database handle: one query codebase over SQLite and PostgreSQL.
//!
//! Queries are written once, with `$1`-style placeholders that both backends understand, and run
//! through sqlx's `Any` driver. Integers are 64-bit everywhere (`BIGINT` on PostgreSQL), flags are
//! 0/1 integers and timestamps are unix seconds, so that a row decodes identically on both. The
//! few statements that must differ (the job queue's `FOR UPDATE SKIP LOCKED`, sequence resets)
//! branch on [`Backend`].

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};
use vigie_domain::problem::Problem;

use crate::error::StoreError;
use crate::secrets::{is_sealed, SecretKey};

mod backend;
pub(crate) mod figures;
mod sql;
mod text;
pub mod trend;

pub use backend::Backend;
pub use sql::{packed, rows_text, Prepared, Sql, Val};
pub use text::{fold, like_escape, search_words};

/// The shared handle to the database. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    /// Seals the secrets that are read back (see [`crate::secrets`]).
    pub(crate) secrets: Option<std::sync::Arc<SecretKey>>,
    /// Per-process caches (sessions, counts, options); see [`crate::cache`].
    pub(crate) caches: std::sync::Arc<crate::cache::Caches>,
    /// `[notify] allow_private_webhooks`: webhooks may point to loopback and private addresses
    /// (tests only; see [`crate::notify::validate_webhook_url`]).
    pub(crate) allow_private_webhooks: bool,
    /// This process's turn to write (SQLite): see [`Store::begin_write`].
    pub(crate) write_turn: std::sync::Arc<tokio::sync::Semaphore>,
}

/// How long a writer waits for its turn before giving up, as SQLite's `busy_timeout` does.
const WRITE_TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// A transaction that writes, with this process's turn to write on SQLite (released with it).
/// Reads and writes go through it like through the transaction (`&mut *tx`).
pub(crate) struct WriteTx {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &sqlx::AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }
}

/// Connection settings.
#[derive(Clone, Debug)]
pub struct ConnectConfig {
    pub url: String,
    pub max_connections: u32,
}

impl Store {
    /// Connects, creating the SQLite file (and its folder) when missing.
    pub async fn connect(cfg: &ConnectConfig) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(&cfg.url)?;
        let mut url = cfg.url.clone();
        if backend == Backend::Sqlite {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_start_matches("sqlite:");
            let path = path.split('?').next().unwrap_or_default();
            if let Some(parent) = std::path::Path::new(path).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent).map_err(|e| {
                        StoreError::Internal(format!("cannot create {}: {e}", parent.display()))
                    })?;
                }
            }
            if !url.contains('?') {
                url.push_str("?mode=rwc");
            }
        }
        let opts = AnyConnectOptions::from_str(&url)
            .map_err(|e| {
                StoreError::Invalid(Problem::new("db-url-invalid").arg("detail", e.to_string()))
            })?
            .disable_statement_logging();
        let max = if backend == Backend::Sqlite {
            cfg.max_connections.clamp(1, 16)
        } else {
            cfg.max_connections.max(1)
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(15))
            // sqlx pings a connection when it goes back to the pool (and closes it if broken);
            // pinging again before each use cost one more round trip per query (PostgreSQL: a
            // wake-up of its backend for every page view). What is lost: after a database
            // restart, each idle connection fails one query before it is replaced.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; \
                             PRAGMA mmap_size = 268435456;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(opts)
            .await?;
        Ok(Store {
            pool,
            backend,
            secrets: None,
            caches: Default::default(),
            allow_private_webhooks: false,
            write_turn: std::sync::Arc::new(tokio::sync::Semaphore::new(1)),
        })
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a deferred transaction that read first fails at once with "database is
    /// locked" when it then writes while another connection holds the lock (or has just
    /// released it after a rollback).
    ///
    /// And on SQLite the writers of this process first queue for their turn, in order, before
    /// they take a connection: SQLite lets one writer in at a time and makes the others retry
    /// after sleeps that grow to 100 ms, so that under a few concurrent writers the unlucky one
    /// waited a second while the lock was free most of the time (a declaration's p99 was 963 ms
    /// for a p50 of 6 ms). Writers of other processes still meet the busy timeout. A writer that
    /// waits more than 10 s for its turn gets the error of a pool that has no connection to give.
    pub(crate) async fn begin_write(&self) -> Result<WriteTx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => {
                let turn = self.write_turn().await?;
                WriteTx {
                    tx: self.pool.begin_with("BEGIN IMMEDIATE").await?,
                    _turn: turn,
                }
            }
            Backend::Postgres => WriteTx {
                tx: self.pool.begin().await?,
                _turn: None,
            },
        })
    }

    /// On SQLite, this process's turn to write, for a write made outside [`Store::begin_write`]
    /// (one statement on the pool, as the worker's job claims): hold it while the statement
    /// runs, so that it queues with the others rather than meet them in SQLite's busy handler.
    /// `None` on PostgreSQL, whose writers need no turn.
    pub(crate) async fn write_turn(
        &self,
    ) -> Result<Option<tokio::sync::OwnedSemaphorePermit>, StoreError> {
        if self.backend != Backend::Sqlite {
            return Ok(None);
        }
        let turn = tokio::time::timeout(WRITE_TURN_WAIT, self.write_turn.clone().acquire_owned())
            .await
            .map_err(|_| StoreError::Db(sqlx::Error::PoolTimedOut))?
            .map_err(|_| StoreError::Db(sqlx::Error::PoolTimedOut))?;
        Ok(Some(turn))
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Is the database answering?
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Uses `key` to seal and open stored secrets (see [`crate::secrets`]). Without a key
    /// (library tests only), secrets are stored in clear.
    pub fn with_secret_key(mut self, key: SecretKey) -> Store {
        self.secrets = Some(std::sync::Arc::new(key));
        self
    }

    /// FOR TESTS ONLY (`[notify] allow_private_webhooks`): lets webhooks point to loopback and
    /// private addresses, which are refused otherwise. Logged as a warning when turned on.
    pub fn with_private_webhooks(mut self, allow: bool) -> Store {
        if allow && !self.allow_private_webhooks {
            tracing::warn!(
                "[notify] allow_private_webhooks is on: webhooks may point to loopback and private \
                 addresses (tests only)"
            );
        }
        self.allow_private_webhooks = allow;
        self
    }

    /// Seals a secret for column `column` (in clear without a key).
    pub(crate) fn seal(&self, column: &str, clear: &str) -> String {
        match &self.secrets {
            Some(k) => k.seal(column, clear),
            None => clear.to_string(),
        }
    }

    /// Opens a secret of column `column` read from the database.
    pub(crate) fn open(&self, column: &str, stored: &str) -> Result<String, StoreError> {
        match &self.secrets {
            Some(k) => k.open(column, stored),
            None if is_sealed(stored) => Err(StoreError::Internal(format!(
                "{column}: a stored secret is encrypted but no secret key is configured"
            ))),
            None => Ok(stored.to_string()),
        }
    }

    /// The deployment's key, for contents that are never stored in clear (attachments).
    pub(crate) fn sealing_key(&self) -> Result<&SecretKey, StoreError> {
        self.secrets.as_deref().ok_or_else(|| {
            StoreError::Internal(
                "no secret key is configured: attachments are stored only encrypted".into(),
            )
        })
    }

    /// Seals in place the values of `table.column` still stored in clear (written before
    /// encryption existed, or restored from such a backup); `id` is the table's key. Returns how
    /// many were sealed. Each slice names its own secret columns (see `Store::seal_clear_secrets`
    /// at the crate's root).
    pub(crate) async fn seal_clear_column(
        &self,
        table: &str,
        id: &str,
        column: &str,
    ) -> Result<u64, StoreError> {
        let Some(key) = &self.secrets else {
            return Ok(0);
        };
        let rows: Vec<(i64, String)> = Sql::new(&format!(
            "SELECT {id}, {column} FROM {table} WHERE {column} IS NOT NULL AND {column} NOT LIKE 'enc:v1:%'"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut sealed = 0;
        for (row, clear) in rows {
            sealed += Sql::new(&format!(
                "UPDATE {table} SET {column} = $1 WHERE {id} = $2 AND {column} = $3"
            ))
            .arg(key.seal(column, &clear))
            .arg(row)
            .arg(clear.as_str())
            .execute(&self.pool)
            .await?;
        }
        Ok(sealed)
    }
}

/// Current time as unix seconds.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store on a fresh SQLite file with a single connection (and the folder that holds it).
    async fn one_connection_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::connect(&ConnectConfig {
            url: format!("sqlite://{}/t.db", dir.path().display()),
            max_connections: 1,
        })
        .await
        .expect("connect");
        (dir, store)
    }

    /// Region and department codes of the domain's tables are written in the text; anything
    /// else a caller passes (a query string's value) is bound, never written.
    #[tokio::test]
    async fn codes_are_literals_only_from_the_domains_tables() {
        let mut q = Sql::new("SELECT COUNT(*) FROM t WHERE r");
        q.push_region_eq(" 11 ")
            .push(" AND d")
            .push_department_eq("2a");
        assert_eq!(
            q.text(),
            "SELECT COUNT(*) FROM t WHERE r = '11' AND d = '2A'"
        );
        assert!(q.values().is_empty());
        let hostile = "11' OR '1'='1";
        let mut q = Sql::new("SELECT COUNT(*) FROM t WHERE r");
        q.push_region_eq(hostile)
            .push(" AND d")
            .push_department_eq("20");
        assert_eq!(q.text(), "SELECT COUNT(*) FROM t WHERE r = $1 AND d = $2");
        assert_eq!(q.values().len(), 2);
        // and the database sees the hostile value as a value: it matches nothing
        let (_dir, store) = one_connection_store().await;
        Sql::new("CREATE TABLE t (r TEXT, d TEXT)")
            .execute(&store.pool)
            .await
            .expect("create");
        Sql::new("INSERT INTO t VALUES ('11', '2A'), ('11', '20'), ('84', '01')")
            .execute(&store.pool)
            .await
            .expect("insert");
        assert_eq!(q.scalar(&store.pool).await.expect("count"), 0);
        let mut q = Sql::new("SELECT COUNT(*) FROM t WHERE r");
        q.push_region_eq("11")
            .push(" AND d")
            .push_department_eq("2A");
        assert_eq!(q.scalar(&store.pool).await.expect("count"), 1);
    }

    /// A prepared statement runs with its values, on the text written once for many.
    #[tokio::test]
    async fn prepared_statements_share_one_text() {
        let (_dir, store) = one_connection_store().await;
        Sql::new("CREATE TABLE t (a TEXT NOT NULL, b TEXT, n INTEGER)")
            .execute(&store.pool)
            .await
            .expect("create");
        let text: std::sync::Arc<str> =
            rows_text(store.backend, "INSERT INTO t VALUES ", "(?,?,?)", 2, "").into();
        let rows = [
            ("l'hôpital", None, 1),
            ("b", Some("x"), 2),
            ("c", None, 3),
            ("d", Some(""), 4),
        ];
        for pair in rows.chunks(2) {
            let mut q = Prepared::new(text.clone(), 6);
            for (a, b, n) in pair {
                q.push(*a)
                    .expect("a")
                    .push(*b)
                    .expect("b")
                    .push(*n as i64)
                    .expect("n");
            }
            assert_eq!(q.execute(&store.pool).await.expect("insert"), 2);
        }
        let back: Vec<(String, Option<String>, i64)> = Sql::new("SELECT a, b, n FROM t ORDER BY n")
            .fetch_all(&store.pool)
            .await
            .expect("read");
        let want: Vec<(String, Option<String>, i64)> = rows
            .iter()
            .map(|(a, b, n)| (a.to_string(), b.map(str::to_string), *n as i64))
            .collect();
        assert_eq!(back, want);
    }

    /// The SQLite that the binary links keeps no memory statistics (`.cargo/config.toml`): they
    /// cost a process-wide mutex on every allocation and free, shared by every connection's
    /// thread. A build that lost the setting fails here.
    #[tokio::test]
    async fn sqlite_is_built_without_memory_statistics() {
        let (_dir, store) = one_connection_store().await;
        let options: Vec<(String,)> =
            Sql::new("SELECT compile_options FROM pragma_compile_options")
                .fetch_all(&store.pool)
                .await
                .expect("compile options");
        assert!(
            options.iter().any(|(o,)| o == "DEFAULT_MEMSTATUS=0"),
            "SQLite built with memory statistics: {options:?}"
        );
    }
}
