//! The storage suite, one test binary: every scenario runs on SQLite and on PostgreSQL (see
//! `vigie_store::testing`). One module per slice of the store and per part of its core.
//!
//! The caches' write generations are process-wide: the test of `cache` runs in a process of its
//! own (this binary, started again for it), where no other test writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod archive;
mod audit;
mod cache;
mod dashboard;
mod db;
mod diagnostics;
mod errors;
mod import_bulk;
mod incidents;
mod jobs;
mod notify;
mod observatory;
mod registry;
mod surveillance;
mod ux;
mod watch;
mod watch_open;

use vigie_domain::role::{Role, Scope};
use vigie_store::accounts::NewUser;
use vigie_store::testing::TestDb;
use vigie_store::{Actor, Store};

pub const FINESS_SMALL: &[u8] = include_bytes!("../data/finess-small.csv");
pub const GHT_SMALL: &[u8] = include_bytes!("../data/ght-small.csv");

pub fn system() -> Actor {
    Actor::system("test")
}

pub fn actor(role: Role, scope: Scope, user_id: Option<i64>) -> Actor {
    Actor {
        user_id,
        label: format!("{role}@test"),
        role,
        scope,
        ip: None,
    }
}

/// The small FINESS extract and its GHT composition.
pub async fn seeded(db: &TestDb) {
    db.store
        .import_finess(&system(), FINESS_SMALL)
        .await
        .unwrap();
    db.store.import_ght(&system(), GHT_SMALL).await.unwrap();
}

pub async fn id_of(store: &Store, finess: &str) -> i64 {
    store
        .find_structure_by_finess(&system(), finess)
        .await
        .unwrap()
        .id
}

/// A connection pool of its own on the test database: what another process would do.
pub async fn sqlx_pool(db: &TestDb) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(&db.url).await.unwrap()
}

pub fn user(
    email: &str,
    role: Role,
    region: Option<&str>,
    ght: Option<i64>,
    structures: Vec<i64>,
) -> NewUser {
    NewUser {
        email: email.into(),
        display_name: email.into(),
        role,
        region_code: region.map(Into::into),
        ght_id: ght,
        structure_ids: structures,
        password: None,
        locale: "fr".into(),
        must_change_password: false,
    }
}
