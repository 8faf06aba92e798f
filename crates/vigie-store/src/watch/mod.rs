//! Vulnerability watch in the store: advisories and the records they come from, the product index,
//! inventories, alerts, bulletins and the freshness of each source.
//!
//! Parsing and matching are `vigie-intel`'s; this slice persists what it parses and runs its
//! matcher on the few inventory items an event concerns (`matching`):
//! - every product is named by its product key (`vigie_intel::product`): a catalogue id when the
//!   curated catalogue knows it, an open key (`roundcube:webmail`) otherwise; the catalogue is
//!   never a gate;
//! - a new or changed advisory looks up the product keys its records name
//!   (`watch_advisory_products`, from `product::advisory_keys` and `kev_keys`) and matches only
//!   the inventory items of those keys (`watch_inventory(product)` is indexed), never every
//!   inventory; an endoflife.date product likewise (`watch_eol_keys`);
//! - a new or changed inventory item is matched against the advisories of its key only, and
//!   the endoflife.date products linked to it;
//! - the index is rebuilt once when the key rules change (`reindex`).
//!
//! Each alert is written, with its notifications (`notify::queue_many`, one batch per advisory,
//! event `watch.alert.new` carrying a `vigie_domain::events::AlertEvent`) and an audit entry, in
//! the transaction of the change that caused it. An alert closes by itself (status `fixed`,
//! `auto_closed = 1`) when its item shows a version that is no longer affected, or is removed;
//! and (`not_affected`, auto) when a corrected advisory no longer covers the version. Records are
//! hashed: re-ingesting an unchanged record does nothing.
//!
//! The surveillance feeds it the software its scans identify (`inventory::record_scanned_software`);
//! the watch never reads the surveillance.

mod advisories;
mod alerts;
mod bulletin;
mod catalog;
mod figures;
mod ingest;
pub(crate) mod inventory;
mod inventory_files;
pub mod jobs;
mod matching;
mod reindex;
pub(crate) mod running;
mod sources;
mod tables;
pub(crate) mod types;

pub use bulletin::iso_week;
pub use catalog::{catalog, product_name};
pub use figures::{AlertLevels, WatchFigures};
pub use inventory_files::{read_inventory, PlacedItems};
pub use reindex::{index_version, reindex_once, ReindexReport};
pub use running::RunProduct;
pub use sources::usual_period_days;
pub(crate) use tables::TABLES;
pub use types::priority_level;
pub use types::{
    AdvisoryFilter, AdvisoryInfo, AdvisorySummary, Alert, AlertFilter, AlertSort, Bulletin,
    BulletinFor, ImportReport, ImportRow, IngestReport, InventoryItem, ItemPlace, ItemProblem,
    NewItem, ScannedInventory, ScannedSoftware, SourceFreshness, ORIGINS, STATUSES,
};
/// Where advisories may be fetched from (the engine's rules, for the pages that check an
/// address before a worker fetches it).
pub use vigie_intel::feeds::{FeedPolicy, Refusal as FeedRefusal};

/// Job kind that ingests a file, a folder or a URL (`{"path": ..}` or `{"url": ..}`).
pub const INGEST_JOB: &str = <jobs::Ingest as crate::jobs::JobSpec>::NAME;
/// Event name of a new alert (notifications and webhooks).
pub const ALERT_EVENT: &str = vigie_domain::events::ALERT_NEW;
