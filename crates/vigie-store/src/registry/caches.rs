//! The registry's per-process caches (see [`crate::cache`]): what the structures page reads at
//! every view.

use std::collections::HashMap;
use std::sync::Arc;

use crate::cache::{Cache, Domain};

/// Kept in the store's [`crate::cache::Caches`], made on first use.
pub(crate) struct RegistryCaches {
    /// Scoped, filtered count query → number of structures.
    pub(crate) structure_counts: Cache<i64>,
    /// Scoped, filtered page query → the page's rows (GHT names not yet filled).
    pub(crate) structure_pages: Cache<Arc<Vec<crate::registry::types::StructureRow>>>,
    /// Scoped GHT options query → the options.
    pub(crate) ght_options: Cache<Arc<Vec<(i64, String)>>>,
    /// Every GHT's name by id (one entry).
    pub(crate) ght_names: Cache<Arc<HashMap<i64, String>>>,
}

impl Default for RegistryCaches {
    fn default() -> RegistryCaches {
        RegistryCaches {
            structure_counts: Cache::new(Domain::Registry),
            structure_pages: Cache::new(Domain::Registry),
            ght_options: Cache::new(Domain::Registry),
            ght_names: Cache::new(Domain::Registry),
        }
    }
}
