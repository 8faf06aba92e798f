#![doc = include_str!("../README.md")]

pub mod actor;
pub mod archive;
pub mod audit;
pub mod cache;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod import;
pub mod jobs;
pub mod migrate;
pub mod notify;
pub mod registry;
pub mod secrets;
pub mod surveillance;
#[cfg(feature = "testing")]
#[allow(clippy::expect_used, clippy::panic)]
pub mod testing;
pub mod users;
pub mod watch;

pub use actor::Actor;
pub use db::{Backend, ConnectConfig, Store};
pub use error::StoreError;
