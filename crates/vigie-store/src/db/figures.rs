//! A dashboard's figures kept per scope: counted once, then served to every reader who would
//! run the very same scoped statement (the key is its text and bound values), for at most
//! `cache::AGGREGATE_TTL`; a write to the findings, scans, inventories or alerts made in this
//! process (`cache::Domain::Exposure`), or to the structures (`Domain::Registry`, checked at
//! every read), is seen by the next view. A regional centre that keeps its dashboard open counts
//! its open findings and alerts once per change instead of at every view.

use std::future::Future;

use crate::cache::{Cache, Domain};
use crate::db::Store;
use crate::error::StoreError;

/// Figures of one type, by key → (figures, registry generation they were read at).
struct Figures<T>(Cache<(T, u64)>);

impl<T: Clone> Default for Figures<T> {
    fn default() -> Figures<T> {
        Figures(Cache::aggregates(Domain::Exposure))
    }
}

impl Store {
    /// The figures of `key` (a scoped statement's `cache_key`, or a name with `Actor::scope_key`),
    /// counted by `load` when no reader counted them lately.
    pub(crate) async fn figure<T, Fut>(
        &self,
        key: &str,
        load: impl FnOnce() -> Fut,
    ) -> Result<T, StoreError>
    where
        T: Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let registry = Domain::Registry.generation();
        let cached = self
            .caches
            .get::<Figures<T>>()
            .0
            .get_or_load(
                key,
                |v: &(T, u64)| v.1 == Domain::Registry.generation(),
                || async { load().await.map(|t| Some((t, registry))) },
            )
            .await?;
        match cached {
            Some((t, _)) => Ok(t),
            None => Err(StoreError::Internal(format!("figures {key}: not kept"))),
        }
    }
}
