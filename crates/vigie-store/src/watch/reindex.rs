//! The product index rebuilt when the way product keys are derived changes (the open product
//! model of issue 18, a new embedded catalogue or endoflife.date identifier table): every
//! advisory's key set (`watch_advisory_products`) and every endoflife.date product's
//! (`watch_eol_keys`) are computed again, once, and the advisories whose new keys reach
//! inventory items (or that carry a KEV entry, whose review rule changed) are matched again.
//!
//! `watch_index_state` says with which rules the index was built (`version`) and how far a
//! rebuild got (`done_upto`: the advisories of id up to it are done; `-1` when complete). Each
//! step claims the next advisories by moving `done_upto` in its own transaction, so two
//! processes running it at once never do the same step twice, and a rebuild that stops (a
//! restart) resumes where it was. Idempotent: once complete, a call costs one query.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{Backend, Sql, Store};
use crate::error::StoreError;
use crate::watch::catalog::{catalog, sha};
use crate::watch::matching::{
    advisory_key_set, index_advisory, index_eol, items_of_products, match_indexed_advisory,
    parse_records, rematch_eol, Outcome,
};

/// Bump when the store changes what it indexes under a key.
const INDEX_RULES: &str = "open-product-model-1";

/// Advisories re-indexed per transaction.
const STEP: i64 = 500;

/// The version of the key rules: the store's rules, the embedded catalogue and endoflife.date
/// identifier table (keys depend on nothing else).
pub fn index_version() -> String {
    let all = format!(
        "{INDEX_RULES}\n{}\n{}",
        vigie_intel::catalog::BUILTIN_CATALOG,
        vigie_intel::product::EOL_IDENTIFIERS
    );
    let mut v = sha(&all);
    v.truncate(16);
    format!("{INDEX_RULES}:{v}")
}

/// What a rebuild of the product index did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ReindexReport {
    /// Whether a rebuild was due (false: the index was current, nothing was done).
    pub ran: bool,
    pub advisories: usize,
    /// Advisories whose key set changed.
    pub changed: usize,
    /// Advisories matched again (new keys that reach items, or a KEV entry).
    pub rematched: usize,
    pub eol_products: usize,
    pub alerts_new: usize,
    pub alerts_closed: usize,
}

impl Store {
    /// Rebuilds the product index when it was built with other key rules (see the module);
    /// does nothing (one query) when it is current. Runs as a national actor of the watch.
    pub async fn watch_reindex(&self, actor: &Actor) -> Result<ReindexReport, StoreError> {
        actor.require(Permission::ManageIntel)?;
        let version = index_version();
        let cat = catalog()?;
        let mut rep = ReindexReport::default();
        let mut names = HashMap::new();
        loop {
            let mut tx = self.begin_write().await?;
            let state: Option<(String, i64)> =
                Sql::new("SELECT version, done_upto FROM watch_index_state WHERE id = 1")
                    .fetch_optional(&mut *tx)
                    .await?;
            let upto = match state {
                None => {
                    Sql::new(
                        "INSERT INTO watch_index_state (id, version, done_upto) VALUES (1, $1, 0) ON CONFLICT (id) DO NOTHING",
                    )
                    .arg(version.as_str())
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    continue;
                }
                Some((v, _)) if v != version => {
                    Sql::new(
                        "UPDATE watch_index_state SET version = $1, done_upto = 0 WHERE id = 1 AND version = $2",
                    )
                    .arg(version.as_str())
                    .arg(v)
                    .execute(&mut *tx)
                    .await?;
                    tx.commit().await?;
                    continue;
                }
                Some((_, d)) if d < 0 => return Ok(rep),
                Some((_, d)) => d,
            };
            rep.ran = true;
            let ids: Vec<i64> = Sql::new(&format!(
                "SELECT id FROM watch_advisories WHERE id > $1 ORDER BY id LIMIT {STEP}"
            ))
            .arg(upto)
            .fetch_all::<(i64,), _>(&mut *tx)
            .await?
            .into_iter()
            .map(|r| r.0)
            .collect();
            let next = ids.last().copied().unwrap_or(-1);
            // Claim the step: another process that read the same state waits on this row, then
            // finds it moved and starts again from the new state.
            let claimed = Sql::new(
                "UPDATE watch_index_state SET done_upto = $1 WHERE id = 1 AND version = $2 AND done_upto = $3",
            )
            .arg(next)
            .arg(version.as_str())
            .arg(upto)
            .execute(&mut *tx)
            .await?;
            if claimed == 0 {
                tx.rollback().await?;
                continue;
            }
            let mut out = Outcome::default();
            let mut step = ReindexReport::default();
            if ids.is_empty() {
                // Last step: the end-of-life index, and the items its new keys reach.
                let rows: Vec<(String, String)> = Sql::new(
                    "SELECT ref_id, data FROM watch_records WHERE source = 'eol' ORDER BY ref_id",
                )
                .fetch_all(&mut *tx)
                .await?;
                let mut all = Vec::new();
                for (slug, data) in rows {
                    let e: vigie_intel::model::EolProduct =
                        serde_json::from_str(&data).map_err(|e| {
                            StoreError::Internal(format!("stored end-of-life record {slug}: {e}"))
                        })?;
                    all.push(index_eol(&mut tx, &e).await?);
                    step.eol_products += 1;
                }
                for keys in &all {
                    out.add(rematch_eol(&mut tx, actor, keys, &mut names).await?);
                }
            } else {
                let mut q = Sql::new(
                    "SELECT advisory_id, source, data FROM watch_records WHERE source IN ('cve', 'nvd', 'kev') AND advisory_id IN ",
                );
                q.push_in_list(ids.iter().copied())
                    .push(" ORDER BY advisory_id");
                let mut by_adv: HashMap<i64, Vec<(String, String)>> = HashMap::new();
                for (a, s, d) in q
                    .positional_for(Backend::of(&tx))
                    .fetch_all::<(i64, String, String), _>(&mut *tx)
                    .await?
                {
                    by_adv.entry(a).or_default().push((s, d));
                }
                for id in &ids {
                    let recs = parse_records(by_adv.remove(id).unwrap_or_default())?;
                    let keys = advisory_key_set(cat, &recs);
                    let old = index_advisory(&mut tx, *id, &keys).await?;
                    step.advisories += 1;
                    if old != keys {
                        step.changed += 1;
                    }
                    let before: HashSet<&String> = old.iter().collect();
                    let added: Vec<String> = keys
                        .iter()
                        .filter(|k| !before.contains(k))
                        .cloned()
                        .collect();
                    let reaches = !added.is_empty()
                        && !items_of_products(&mut tx, actor, &added).await?.is_empty();
                    if recs.kev.is_some() || reaches {
                        step.rematched += 1;
                        out.add(
                            match_indexed_advisory(&mut tx, actor, *id, &recs, &keys, &mut names)
                                .await?,
                        );
                    }
                }
            }
            // An empty database has nothing to tell the audit log.
            if step.advisories > 0 || step.eol_products > 0 {
                record(
                    &mut *tx,
                    actor,
                    Event::new("watch.reindex", "watch_index", &version).detail(serde_json::json!({
                        "from": upto, "to": next, "advisories": step.advisories, "changed": step.changed,
                        "rematched": step.rematched, "eol_products": step.eol_products,
                        "alerts_new": out.new_ids, "alerts_closed": out.closed,
                    })),
                )
                .await?;
            }
            tx.commit().await?;
            rep.advisories += step.advisories;
            rep.changed += step.changed;
            rep.rematched += step.rematched;
            rep.eol_products += step.eol_products;
            rep.alerts_new += out.new_ids.len();
            rep.alerts_closed += out.closed;
            if ids.is_empty() {
                return Ok(rep);
            }
        }
    }
}

/// Rebuilds the product index if it is due, as the worker does once when it starts; logs what
/// it did or why it failed (the next ingestion tries again).
pub async fn reindex_once(store: Store) {
    let actor = Actor::system("watch.reindex");
    match store.watch_reindex(&actor).await {
        Ok(r) if r.ran => tracing::info!(
            advisories = r.advisories,
            changed = r.changed,
            rematched = r.rematched,
            alerts_new = r.alerts_new,
            "product index of the vulnerability watch rebuilt"
        ),
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(error = %e, "product index of the vulnerability watch: rebuild failed")
        }
    }
}
