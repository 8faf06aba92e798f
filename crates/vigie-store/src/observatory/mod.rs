//! The observatory (issue 15): the platform side of the `vigie-observatory` engine.
//!
//! * **Counts** (`counts`): every figure of the observatory is counted in SQL (`GROUP BY`) over
//!   the declarations (incidents submitted, never drafts) and the imported past declarations of
//!   the period, within the viewer's scope and the territory asked, then handed to the engine.
//!   The counts read the covering index `incidents_observatory` (and
//!   `observatory_history_declared`) over the period's range only, and run concurrently.
//! * **History** (`history`): past declarations imported from a CSV by the CERT, marked as
//!   imported (their own table, who imported them and when), without any structure identity;
//!   all or nothing unless the bad rows are skipped; audited.
//! * **Access** (`access`): the CERT (and the administrator and national auditor) see France, a
//!   regional centre its region, a GHT officer its GHT; structure accounts have no observatory
//!   (the figures of a structure are its own incidents' list). Only the CERT imports.

mod access;
mod counts;
mod history;
mod rollup;
mod tables;

pub use access::TerritoryOption;
pub use history::ImportReport;
pub(crate) use tables::TABLES;
