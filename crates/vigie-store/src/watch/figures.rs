//! Dashboard figures of the watch: the open alerts of the actor's scope, by priority level, and
//! week by week.

use serde::Serialize;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::trend::{open_at_columns, weekly};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::watch::types::priority_level;

/// Open (new or acknowledged) alerts of the scope.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct WatchFigures {
    pub open: i64,
    /// Open alerts on a vulnerability known to be exploited (CISA KEV).
    pub kev: i64,
}

/// Open alerts of the scope by priority level (`priority_level`'s words).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct AlertLevels {
    pub urgent: i64,
    pub high: i64,
    pub medium: i64,
    pub low: i64,
}

impl AlertLevels {
    /// `(level, count)`, most urgent first.
    pub fn levels(&self) -> [(&'static str, i64); 4] {
        [
            ("urgent", self.urgent),
            ("high", self.high),
            ("medium", self.medium),
            ("low", self.low),
        ]
    }

    pub fn total(&self) -> i64 {
        self.urgent + self.high + self.medium + self.low
    }
}

impl Store {
    /// Open alerts of the actor's scope, and how many of them are on a KEV vulnerability.
    pub async fn watch_figures(&self, actor: &Actor) -> Result<WatchFigures, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut q = Sql::new(
            "SELECT COUNT(*), COUNT(CASE WHEN v.kev = 1 THEN 1 END) FROM watch_alerts a \
             JOIN structures s ON s.id = a.structure_id \
             LEFT JOIN watch_advisories v ON v.id = a.advisory_id \
             WHERE a.status IN ('new', 'acknowledged') AND ",
        );
        actor.scope_structures(&mut q, "s");
        let (open, kev): (i64, i64) = self
            .figure(&q.cache_key(), || q.fetch_one(&self.pool))
            .await?;
        Ok(WatchFigures { open, kev })
    }

    /// Open alerts of the actor's scope by priority level. The statement counts by stored
    /// priority (a few hundred values at most); the level of each is `priority_level`'s, the one
    /// rule the pages use.
    pub async fn open_alerts_by_level(&self, actor: &Actor) -> Result<AlertLevels, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut q = Sql::new(
            "SELECT a.priority, COUNT(*) FROM watch_alerts a JOIN structures s ON s.id = a.structure_id \
             WHERE a.status IN ('new', 'acknowledged') AND ",
        );
        actor.scope_structures(&mut q, "s");
        q.push(" GROUP BY a.priority");
        let rows: Vec<(i64, i64)> = self
            .figure(&q.cache_key(), || q.fetch_all(&self.pool))
            .await?;
        let mut out = AlertLevels::default();
        for (priority, n) in rows {
            match priority_level(priority) {
                "urgent" => out.urgent += n,
                "high" => out.high += n,
                "medium" => out.medium += n,
                _ => out.low += n,
            }
        }
        Ok(out)
    }

    /// How many alerts of the actor's scope were open at the end of each of the last `weeks`
    /// weeks (1 to 52), oldest first, the last point being now: `(unix seconds, count)`.
    ///
    /// Read from each alert's creation and closing times, in one statement. An alert closed then
    /// opened again has lost the time it was closed: it counts as open over those weeks.
    pub async fn open_alerts_trend(
        &self,
        actor: &Actor,
        weeks: usize,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let instants = weekly(now(), weeks.clamp(1, 52));
        let first = instants.first().copied().unwrap_or_default();
        let mut q = Sql::new(&format!(
            "SELECT {} FROM watch_alerts a JOIN structures s ON s.id = a.structure_id \
             WHERE (a.closed_at IS NULL OR a.closed_at > {first}) AND ",
            open_at_columns(&instants, "a.created_at", "a.closed_at")
        ));
        actor.scope_structures(&mut q, "s");
        let key = format!("alerts trend {weeks} {}", actor.scope_key());
        self.figure(&key, || self.open_at(&q, &instants)).await
    }
}
