#![doc = include_str!("../README.md")]

pub mod actor;
pub mod archive;
pub mod audit;
pub mod db;
pub mod error;
pub mod import;
pub mod jobs;
pub mod migrate;
pub mod registry;
pub mod users;

pub use actor::Actor;
pub use db::{Backend, ConnectConfig, Store};
pub use error::StoreError;
