//! Schema migrations, embedded in the binary, one folder per backend.

use sqlx::Executor;
use vigie_domain::problem::Problem;

use crate::db::{now, Backend, Sql, Store};
use crate::error::StoreError;

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        sqlite: include_str!("../migrations/sqlite/0001_foundation.sql"),
        postgres: include_str!("../migrations/postgres/0001_foundation.sql"),
    },
    Migration {
        version: 2,
        name: "notifications",
        sqlite: include_str!("../migrations/sqlite/0002_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0002_notifications.sql"),
    },
    Migration {
        version: 3,
        name: "watch",
        sqlite: include_str!("../migrations/sqlite/0003_watch.sql"),
        postgres: include_str!("../migrations/postgres/0003_watch.sql"),
    },
    Migration {
        version: 4,
        name: "surveillance",
        sqlite: include_str!("../migrations/sqlite/0004_surveillance.sql"),
        postgres: include_str!("../migrations/postgres/0004_surveillance.sql"),
    },
    Migration {
        version: 5,
        name: "registry_indexes",
        sqlite: include_str!("../migrations/sqlite/0005_registry_indexes.sql"),
        postgres: include_str!("../migrations/postgres/0005_registry_indexes.sql"),
    },
    Migration {
        version: 6,
        name: "notification_lang",
        sqlite: include_str!("../migrations/sqlite/0006_notification_lang.sql"),
        postgres: include_str!("../migrations/postgres/0006_notification_lang.sql"),
    },
    Migration {
        version: 7,
        name: "watch_open_products",
        sqlite: include_str!("../migrations/sqlite/0007_watch_open_products.sql"),
        postgres: include_str!("../migrations/postgres/0007_watch_open_products.sql"),
    },
    Migration {
        version: 8,
        name: "auth_failures",
        sqlite: include_str!("../migrations/sqlite/0008_auth_failures.sql"),
        postgres: include_str!("../migrations/postgres/0008_auth_failures.sql"),
    },
    Migration {
        version: 9,
        name: "hardening",
        sqlite: include_str!("../migrations/sqlite/0009_hardening.sql"),
        postgres: include_str!("../migrations/postgres/0009_hardening.sql"),
    },
    Migration {
        version: 10,
        name: "incidents",
        sqlite: include_str!("../migrations/sqlite/0010_incidents.sql"),
        postgres: include_str!("../migrations/postgres/0010_incidents.sql"),
    },
    Migration {
        version: 11,
        name: "observatory",
        sqlite: include_str!("../migrations/sqlite/0011_observatory.sql"),
        postgres: include_str!("../migrations/postgres/0011_observatory.sql"),
    },
    Migration {
        version: 12,
        name: "diagnostics",
        sqlite: include_str!("../migrations/sqlite/0012_diagnostics.sql"),
        postgres: include_str!("../migrations/postgres/0012_diagnostics.sql"),
    },
    Migration {
        version: 13,
        name: "incidents_reminders_attachments",
        sqlite: include_str!("../migrations/sqlite/0013_incidents_reminders_attachments.sql"),
        postgres: include_str!("../migrations/postgres/0013_incidents_reminders_attachments.sql"),
    },
    Migration {
        version: 14,
        name: "diagnostics_latest",
        sqlite: include_str!("../migrations/sqlite/0014_diagnostics_latest.sql"),
        postgres: include_str!("../migrations/postgres/0014_diagnostics_latest.sql"),
    },
    Migration {
        version: 15,
        name: "incident_sector_alerts",
        sqlite: include_str!("../migrations/sqlite/0015_incident_sector_alerts.sql"),
        postgres: include_str!("../migrations/postgres/0015_incident_sector_alerts.sql"),
    },
    Migration {
        version: 17,
        name: "plan_evidence_files",
        sqlite: include_str!("../migrations/sqlite/0017_plan_evidence_files.sql"),
        postgres: include_str!("../migrations/postgres/0017_plan_evidence_files.sql"),
    },
    Migration {
        version: 19,
        name: "notifications_people",
        sqlite: include_str!("../migrations/sqlite/0019_notifications_people.sql"),
        postgres: include_str!("../migrations/postgres/0019_notifications_people.sql"),
    },
    Migration {
        version: 16,
        name: "observatory_rollup",
        sqlite: include_str!("../migrations/sqlite/0016_observatory_rollup.sql"),
        postgres: include_str!("../migrations/postgres/0016_observatory_rollup.sql"),
    },
];

/// The newest schema version this build knows.
pub fn latest_version() -> i64 {
    // The largest, wherever it sits in the list (branches append theirs in merge order).
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

impl Store {
    /// Applies every migration not yet applied, each in its own transaction. Returns how many ran.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        self.pool
            .execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (\
                 version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .await?;
        let current = self.schema_version().await?;
        if current > latest_version() {
            return Err(StoreError::Invalid(
                Problem::new("migrate-schema-too-new")
                    .arg("version", current)
                    .arg("known", latest_version()),
            ));
        }
        // Every migration not yet recorded runs, in order: migrations written on branches that
        // merge in another order (a 0004 landing before a 0003) are all applied.
        let applied: Vec<(i64,)> = Sql::new("SELECT version FROM schema_migrations")
            .fetch_all(&self.pool)
            .await?;
        let applied: std::collections::BTreeSet<i64> = applied.into_iter().map(|v| v.0).collect();
        let mut ran = 0;
        for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
            let mut tx = self.begin_write().await?;
            let body = match self.backend {
                Backend::Sqlite => m.sqlite,
                Backend::Postgres => m.postgres,
            };
            sqlx::raw_sql(body).execute(&mut *tx).await.map_err(|e| {
                StoreError::Internal(format!("migration {} ({}) failed: {e}", m.version, m.name))
            })?;
            Sql::new(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            )
            .arg(m.version)
            .arg(m.name)
            .arg(now())
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
            ran += 1;
        }
        Ok(ran)
    }

    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        let v: (Option<i64>,) = Sql::new("SELECT MAX(version) FROM schema_migrations")
            .fetch_one(&self.pool)
            .await?;
        Ok(v.0.unwrap_or(0))
    }
}
