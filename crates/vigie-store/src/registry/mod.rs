//! The registry of structures: sites (FINESS ET), their GHT, contacts, declared assets and
//! designations, the dashboard's breakdown and coverage, and the imports of the FINESS extract and
//! of GHT compositions. Every function takes the [`crate::Actor`] and confines reads and writes to
//! its scope; anything outside answers `NotFound`, exactly as if it did not exist.

mod assets;
pub(crate) mod caches;
mod contacts;
mod figures;
mod ghts;
pub mod import;
mod problems;
mod structures;
mod tables;
mod territories;
mod types;
mod upsert;

pub use assets::may_validate_assets;
pub use import::{ImportReport, Rejected};
pub(crate) use tables::TABLES;
pub use territories::{LoadBy, OpenLoad, LOAD_ROWS};
pub use types::{
    Asset, Breakdown, Contact, Coverage, Ght, Structure, StructureFilter, StructureInput,
    StructureRow, StructureSummary, UpsertCounts,
};
