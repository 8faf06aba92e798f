//! Per-process caches of what a page view reads again and again and that rarely changes: the
//! session behind a cookie, the total count of a filtered list of structures and the rows of its
//! page, the GHT options of a scope.
//!
//! Correctness rests on two rules:
//!
//! - **Write generations.** Every statement that writes one of the tables a cache reads (`users`,
//!   `sessions`, `structures`, `ghts`, `user_structures`, the incidents', the diagnostics')
//!   bumps a process-wide generation counter before and after it runs ([`note_statement`],
//!   called by every `Sql` run), and the store methods that write those tables inside a
//!   transaction bump it again right after the commit ([`auth_changed`], [`registry_changed`],
//!   [`incidents_changed`], [`diagnostics_changed`]). A cached entry remembers the generation
//!   that was current *before* it was read from the database and is served only while that
//!   generation is still current: in this process, a logout, a password change, a disabled
//!   account or an import is seen by the very next request.
//! - **A short lifetime.** Writes made by *other* processes (a second `vigie serve` on the same
//!   PostgreSQL, `vigie admin` or `vigie import` on the command line) cannot bump this process's
//!   counters, so every entry also expires after [`TTL`]: another process's revocation or import
//!   is seen here at most [`TTL`] later. A dashboard's aggregates, whose reading costs far more
//!   than a page and which nobody expects to the second, live longer ([`AGGREGATE_TTL`]).
//!
//! Scoping is not cached away: a cache key is the full text and bound values of the scoped SQL
//! that would have run, so two actors share an entry only when they would have run the very same
//! query.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

/// How long an entry may be served without being read again from the database: the bound on how
/// late a write made by another process is seen.
pub const TTL: Duration = Duration::from_secs(2);

/// The lifetime of a dashboard's aggregates ([`Cache::aggregates`]): another process's write is
/// seen there at most this late (this process's at once, as everywhere).
pub const AGGREGATE_TTL: Duration = Duration::from_secs(10);

/// Past this many entries a cache is emptied (searches make many distinct keys).
const MAX_ENTRIES: usize = 4096;

/// Generation of the accounts and sessions (`users`, `sessions`).
static AUTH_GEN: AtomicU64 = AtomicU64::new(1);
/// Generation of the registry (`structures`, `ghts`, `user_structures`, `users`).
static REGISTRY_GEN: AtomicU64 = AtomicU64::new(1);
/// Generation of the incidents (`incidents` and the `incident_*` tables).
static INCIDENTS_GEN: AtomicU64 = AtomicU64::new(1);
/// Generation of the diagnostics and action plans (`diagnostic*`, `plan_actions`).
static DIAGNOSTICS_GEN: AtomicU64 = AtomicU64::new(1);
/// Generation of the exposure and the vulnerability watch (`scan*`, `surveillance_*`,
/// `watch_*`): what the dashboards' figures count.
static EXPOSURE_GEN: AtomicU64 = AtomicU64::new(1);

/// Which generation a cache follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Domain {
    Auth,
    Registry,
    Incidents,
    Diagnostics,
    Exposure,
}

impl Domain {
    fn counter(self) -> &'static AtomicU64 {
        match self {
            Domain::Auth => &AUTH_GEN,
            Domain::Registry => &REGISTRY_GEN,
            Domain::Incidents => &INCIDENTS_GEN,
            Domain::Diagnostics => &DIAGNOSTICS_GEN,
            Domain::Exposure => &EXPOSURE_GEN,
        }
    }

    /// The current generation: read it *before* reading the database for an entry.
    pub fn generation(self) -> u64 {
        self.counter().load(Ordering::Acquire)
    }
}

/// Accounts or sessions changed (call after the commit).
pub fn auth_changed() {
    AUTH_GEN.fetch_add(1, Ordering::AcqRel);
}

/// Structures, GHTs or memberships changed (call after the commit).
pub fn registry_changed() {
    REGISTRY_GEN.fetch_add(1, Ordering::AcqRel);
}

/// Incidents or the tables about them changed (call after the commit).
pub fn incidents_changed() {
    INCIDENTS_GEN.fetch_add(1, Ordering::AcqRel);
}

/// Diagnostics or action plans changed (call after the commit).
pub fn diagnostics_changed() {
    DIAGNOSTICS_GEN.fetch_add(1, Ordering::AcqRel);
}

/// Findings, scans, inventories, advisories or alerts changed.
pub fn exposure_changed() {
    EXPOSURE_GEN.fetch_add(1, Ordering::AcqRel);
}

/// Looks at a statement about to run (and again once it has run): a write to a table that a
/// cache reads bumps that cache's generation. A statement whose target cannot be told (a `WITH`
/// prefix…) bumps both. Two writes are left out on purpose: a new session (no cache holds a
/// session before it exists) and the once-a-minute slide of a session's expiry (the caller
/// updates its cached entry itself).
pub(crate) fn note_statement(text: &str) {
    let t = text.trim_start();
    let head = |kw: &str| {
        t.len() >= kw.len() && t.as_bytes()[..kw.len()].eq_ignore_ascii_case(kw.as_bytes())
    };
    let rest = if head("INSERT INTO ") {
        &t[12..]
    } else if head("UPDATE ") {
        &t[7..]
    } else if head("DELETE FROM ") {
        &t[12..]
    } else if head("SELECT ") || head("PRAGMA ") || head("SET ") {
        return;
    } else if head("WITH ") || head("REPLACE ") || head("INSERT ") {
        auth_changed();
        registry_changed();
        incidents_changed();
        diagnostics_changed();
        exposure_changed();
        return;
    } else {
        return;
    };
    let table: String = rest
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '"')
        .filter(|c| *c != '"')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match table.as_str() {
        "sessions" => {
            let r = rest.trim_start()[8..].trim_start();
            let is_insert = head("INSERT INTO ");
            let is_touch = r.len() >= 17 && r[..17].eq_ignore_ascii_case("SET last_seen = $");
            if !is_insert && !is_touch {
                auth_changed();
            }
        }
        "users" => {
            auth_changed();
            registry_changed();
        }
        "structures" | "ghts" | "user_structures" => registry_changed(),
        t if t.starts_with("incident") => incidents_changed(),
        t if t.starts_with("diagnostic") || t.starts_with("plan_action") => diagnostics_changed(),
        t if t.starts_with("scan") || t.starts_with("surveillance_") || t.starts_with("watch_") => {
            exposure_changed()
        }
        _ => {}
    }
}

/// The caches of one [`crate::Store`] (shared by its clones): one value per type, created on
/// first use. Each slice keeps its caches in a type of its own (`registry`'s counts and options,
/// `accounts`' sessions) and asks for it with [`Caches::get`]; this module knows none of them.
#[derive(Default)]
pub struct Caches {
    map: RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Caches {
    /// The value of type `T` of these caches, created (with `T::default()`) by the first caller.
    pub fn get<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let id = TypeId::of::<T>();
        if let Some(v) = self
            .map
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
        {
            if let Ok(t) = v.clone().downcast::<T>() {
                return t;
            }
        }
        let v = self
            .map
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(id)
            .or_insert_with(|| Arc::new(T::default()))
            .clone();
        // The entry of `TypeId::of::<T>()` holds a `T`: the fallback (an uncached value, as
        // without a cache) cannot be taken.
        v.downcast::<T>().unwrap_or_else(|_| Arc::new(T::default()))
    }
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Caches")
    }
}

struct Entry<V> {
    generation: u64,
    at: Instant,
    value: V,
}

/// A map of cached values that follow one [`Domain`]'s generation and the [`TTL`].
pub struct Cache<V> {
    domain: Domain,
    ttl: Duration,
    map: Mutex<HashMap<String, Entry<V>>>,
    /// Keys being read from the database now, each with the lock its readers queue on.
    flights: Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
}

/// Held while one request reads an entry from the database (see [`Cache::get_or_load`]).
struct Flight<'c> {
    flights: &'c Mutex<HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>>,
    key: String,
    gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    _held: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        if let Ok(mut flights) = self.flights.lock() {
            if flights
                .get(&self.key)
                .is_some_and(|g| std::sync::Arc::ptr_eq(g, &self.gate))
            {
                flights.remove(&self.key);
            }
        }
    }
}

impl<V: Clone> Cache<V> {
    pub fn new(domain: Domain) -> Cache<V> {
        Cache {
            domain,
            ttl: TTL,
            map: Mutex::new(HashMap::new()),
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// A cache of aggregates that live [`AGGREGATE_TTL`] (renewed ahead of time past half of
    /// it, like every entry).
    pub fn aggregates(domain: Domain) -> Cache<V> {
        Cache {
            ttl: AGGREGATE_TTL,
            ..Cache::new(domain)
        }
    }

    /// The value of `key`, read by `load` when the cache has none that is `usable`: the cached
    /// answer, or `load`'s, which is cached (`None`: nothing to cache, the key is forgotten).
    ///
    /// One request at a time per key reads the database. Without that, an entry that every
    /// request in flight reads expired for all of them at once every [`TTL`], they all went to
    /// the database together and the pages behind them waited (PostgreSQL's p99 latency was
    /// these bursts). And an entry past half its lifetime is read again ahead of time by the one
    /// request that finds the key free, while the others go on with the entry, still valid: under
    /// load an entry is renewed before it expires and nobody waits for it.
    pub async fn get_or_load<E, Fut>(
        &self,
        key: &str,
        usable: impl Fn(&V) -> bool,
        load: impl FnOnce() -> Fut,
    ) -> Result<Option<V>, E>
    where
        Fut: std::future::Future<Output = Result<Option<V>, E>>,
    {
        match self.peek(key).filter(|(v, _)| usable(v)) {
            Some((v, age)) if age < self.ttl / 2 => return Ok(Some(v)),
            Some((v, _)) => {
                let Some(_flight) = self.try_flight(key) else {
                    return Ok(Some(v));
                };
                return self.load(key, load).await;
            }
            None => {}
        }
        let _flight = self.flight(key).await;
        // The request before this one has usually just read it.
        if let Some((v, _)) = self.peek(key).filter(|(v, _)| usable(v)) {
            return Ok(Some(v));
        }
        self.load(key, load).await
    }

    async fn load<E, Fut>(&self, key: &str, load: impl FnOnce() -> Fut) -> Result<Option<V>, E>
    where
        Fut: std::future::Future<Output = Result<Option<V>, E>>,
    {
        let generation = self.generation();
        let v = load().await?;
        match &v {
            Some(v) => self.put(key.to_string(), generation, v.clone()),
            None => self.remove(key),
        }
        Ok(v)
    }

    /// The entry of `key` and its age, if it was read under the current generation less than
    /// [`TTL`] ago.
    fn peek(&self, key: &str) -> Option<(V, Duration)> {
        let current = self.domain.generation();
        let map = self.map.lock().ok()?;
        let e = map.get(key)?;
        let age = e.at.elapsed();
        (e.generation == current && age < self.ttl).then(|| (e.value.clone(), age))
    }

    fn gate(&self, key: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
        match self.flights.lock() {
            Ok(mut flights) => flights.entry(key.to_string()).or_default().clone(),
            // A poisoned map: no queueing, every request reads for itself (as without a cache).
            Err(_) => std::sync::Arc::default(),
        }
    }

    /// Waits for the right to read `key` from the database.
    async fn flight(&self, key: &str) -> Flight<'_> {
        let gate = self.gate(key);
        let held = gate.clone().lock_owned().await;
        self.flight_of(key, gate, held)
    }

    /// The right to read `key` from the database, if no other request holds it.
    fn try_flight(&self, key: &str) -> Option<Flight<'_>> {
        let gate = self.gate(key);
        let held = gate.clone().try_lock_owned().ok()?;
        Some(self.flight_of(key, gate, held))
    }

    fn flight_of(
        &self,
        key: &str,
        gate: std::sync::Arc<tokio::sync::Mutex<()>>,
        held: tokio::sync::OwnedMutexGuard<()>,
    ) -> Flight<'_> {
        Flight {
            flights: &self.flights,
            key: key.to_string(),
            gate,
            _held: held,
        }
    }

    /// The generation to tag a value with: take it before reading the database.
    fn generation(&self) -> u64 {
        self.domain.generation()
    }

    /// The value, if it was read under the current generation less than [`TTL`] ago.
    #[cfg(test)]
    fn get(&self, key: &str) -> Option<V> {
        self.peek(key).map(|(v, _)| v)
    }

    /// Stores a value read from the database under `generation` (taken before the read).
    fn put(&self, key: String, generation: u64, value: V) {
        if generation != self.domain.generation() {
            return;
        }
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_ENTRIES && !map.contains_key(&key) {
                map.clear();
            }
            map.insert(
                key,
                Entry {
                    generation,
                    at: Instant::now(),
                    value,
                },
            );
        }
    }

    /// Replaces a value keeping its age (an entry the caller updated after its own write).
    pub fn update(&self, key: &str, value: V) {
        if let Ok(mut map) = self.map.lock() {
            if let Some(e) = map.get_mut(key) {
                e.value = value;
            }
        }
    }

    fn remove(&self, key: &str) {
        if let Ok(mut map) = self.map.lock() {
            map.remove(key);
        }
    }

    #[cfg(test)]
    fn age(&self, key: &str, by: Duration) {
        if let Ok(mut map) = self.map.lock() {
            if let Some(e) = map.get_mut(key) {
                e.at = e.at.checked_sub(by).unwrap_or(e.at);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each type gets one value, made on first use and the same for every later caller.
    #[test]
    fn the_typed_map_holds_one_value_per_type() {
        struct Counts(Cache<i64>);
        impl Default for Counts {
            fn default() -> Counts {
                Counts(Cache::new(Domain::Registry))
            }
        }
        #[derive(Default)]
        struct Names(Mutex<Vec<String>>);
        let caches = Caches::default();
        let a = caches.get::<Counts>();
        let g = a.0.generation();
        a.0.put("k".into(), g, 3);
        assert!(
            Arc::ptr_eq(&a, &caches.get::<Counts>()),
            "one value per type"
        );
        if a.0.generation() == g {
            assert_eq!(caches.get::<Counts>().0.get("k"), Some(3));
        }
        let n = caches.get::<Names>();
        n.0.lock().expect("names").push("x".into());
        assert_eq!(caches.get::<Names>().0.lock().expect("names").len(), 1);
        // Another store's caches are its own.
        assert!(!Arc::ptr_eq(&a, &Caches::default().get::<Counts>()));
    }

    #[test]
    fn writes_to_cached_tables_bump_their_generation() {
        let a = Domain::Auth.generation();
        note_statement("SELECT * FROM users");
        note_statement("INSERT INTO audit_log (x) VALUES ($1)");
        note_statement("UPDATE jobs SET state = 'done'");
        // Other threads may bump too; a bump here must be at least one.
        note_statement("DELETE FROM sessions WHERE id_hash = $1");
        assert!(Domain::Auth.generation() > a);
        let a = Domain::Auth.generation();
        note_statement("UPDATE users SET disabled = $1 WHERE id = $2");
        assert!(Domain::Auth.generation() > a);
        let r = Domain::Registry.generation();
        note_statement("INSERT INTO structures (finess_et) VALUES (?)");
        assert!(Domain::Registry.generation() > r);
        let r = Domain::Registry.generation();
        note_statement("  update GHTS set name = $1");
        assert!(Domain::Registry.generation() > r);
        let r = Domain::Registry.generation();
        note_statement("DELETE FROM user_structures WHERE user_id = $1");
        assert!(Domain::Registry.generation() > r);
        let r = Domain::Registry.generation();
        note_statement("WITH x AS (SELECT 1) UPDATE structures SET ose = 1");
        assert!(Domain::Registry.generation() > r);
    }

    /// Sixteen requests that miss together: one reads the database, the others wait for its
    /// answer instead of all reading.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn requests_that_miss_together_read_the_database_once() {
        use std::sync::atomic::AtomicUsize;
        let c = std::sync::Arc::new(Cache::<i64>::new(Domain::Registry));
        let loads = std::sync::Arc::new(AtomicUsize::new(0));
        let g = c.generation();
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let (c, loads) = (c.clone(), loads.clone());
            tasks.push(tokio::spawn(async move {
                c.get_or_load(
                    "k",
                    |_| true,
                    || async {
                        loads.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok::<_, ()>(Some(5))
                    },
                )
                .await
            }));
        }
        for t in tasks {
            assert_eq!(t.await.expect("task"), Ok(Some(5)));
        }
        // Another test of this binary may write in between (a new generation: the value read
        // before it is not kept, and the next request reads again).
        if c.generation() == g {
            assert_eq!(loads.load(Ordering::SeqCst), 1);
        } else {
            assert!(loads.load(Ordering::SeqCst) < 16);
        }
    }

    /// Past half its lifetime an entry is read again by one request, while the others are
    /// answered at once with the entry they had; an unusable entry is read again.
    #[tokio::test]
    async fn entries_are_renewed_ahead_without_making_anyone_wait() {
        let c: Cache<i64> = Cache::new(Domain::Registry);
        let one = || async { Ok::<_, ()>(Some(1)) };
        let two = || async { Ok::<_, ()>(Some(2)) };
        assert_eq!(c.get_or_load("k", |_| true, one).await, Ok(Some(1)));
        if c.peek("k").is_none() {
            return; // another test wrote in between: nothing is cached, nothing to renew
        }
        // Young: served as it is.
        assert_eq!(c.get_or_load("k", |_| true, two).await, Ok(Some(1)));
        c.age("k", TTL * 3 / 4);
        // Another request holds the key: answered at once with the entry it had.
        let held = c.try_flight("k").expect("free");
        assert_eq!(c.get_or_load("k", |_| true, two).await, Ok(Some(1)));
        drop(held);
        // The key is free: this request renews it.
        assert_eq!(c.get_or_load("k", |_| true, two).await, Ok(Some(2)));
        // An entry its reader cannot use is read again; `None` forgets the key.
        let three = || async { Ok::<_, ()>(Some(3)) };
        assert_eq!(c.get_or_load("k", |v| *v != 2, three).await, Ok(Some(3)));
        let none = || async { Ok::<_, ()>(None) };
        assert_eq!(c.get_or_load("k", |_| false, none).await, Ok(None));
        assert!(c.peek("k").is_none());
    }

    #[test]
    fn an_entry_dies_with_its_generation_and_its_age() {
        let c: Cache<i64> = Cache::new(Domain::Registry);
        let g = c.generation();
        c.put("k".into(), g, 7);
        // Another test thread may have bumped the generation in between: then nothing is cached.
        if c.generation() == g {
            assert_eq!(c.get("k"), Some(7));
        }
        registry_changed();
        assert_eq!(c.get("k"), None);
        let g = c.generation();
        c.put("k".into(), g, 8);
        c.age("k", TTL);
        assert_eq!(c.get("k"), None);
        // A value read before a write is never stored after it.
        let g = c.generation();
        registry_changed();
        c.put("k".into(), g, 9);
        assert_eq!(c.get("k"), None);
    }
}
