//! The freshness of each source: when it was last ingested, how old its newest record is, and
//! the alarm beyond its usual period.

use vigie_domain::problem::Problem;
use vigie_domain::role::{Permission, Scope};
use vigie_intel::Corpus;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{Sql, Store};
use crate::error::StoreError;
use crate::jobs::enqueue_job_in;
use crate::watch::catalog::{day_of, today};
use crate::watch::jobs::Ingest;
use crate::watch::types::{IngestReport, SourceFreshness};

/// Advisories are fed by national roles only (the CERT, the platform's administrators): what
/// they ingest raises alerts in every region.
fn require_national_intel(actor: &Actor) -> Result<(), StoreError> {
    actor.require(Permission::ManageIntel)?;
    if !matches!(actor.scope, Scope::National) {
        return Err(StoreError::Forbidden(
            "only a national role feeds the vulnerability watch",
        ));
    }
    Ok(())
}

/// Usual update period of each source, in days (the freshness alarm rings beyond it).
pub fn usual_period_days(source: &str) -> i64 {
    match source {
        "cve" | "nvd" | "epss" => 2,
        "kev" => 7,
        _ => 30,
    }
}

impl Store {
    /// Freshness of every source, with the alarm computed as of now.
    pub async fn watch_sources(&self, actor: &Actor) -> Result<Vec<SourceFreshness>, StoreError> {
        actor.require(Permission::ManageIntel)?;
        let mut rows: Vec<SourceFreshness> = Sql::new(
            "SELECT source, last_ingest_at, newest_record, usual_period_days, records, last_added, last_changed, \
             last_unchanged, last_rejected, last_error FROM watch_sources ORDER BY source",
        )
        .fetch_all(&self.pool)
        .await?;
        let t = today();
        for r in &mut rows {
            r.age_days = r
                .newest_record
                .as_deref()
                .and_then(day_of)
                .map(|d| (t - d).num_days());
            r.stale = r.age_days.is_none_or(|a| a > r.usual_period_days);
        }
        Ok(rows)
    }

    /// Ingests an advisory document a person uploaded (`name` says its format: a `.csv` is read
    /// as EPSS, anything else by its content: CVE JSON 5, NVD 2.0, CISA KEV, CERT-FR,
    /// endoflife.date), like `vigie watch ingest FILE`: audited with who sent it. A document
    /// of no known format is the person's mistake.
    pub async fn watch_ingest_upload(
        &self,
        actor: &Actor,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<IngestReport, StoreError> {
        require_national_intel(actor)?;
        let name: String = name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let name = if name.is_empty() {
            "document.json".to_string()
        } else {
            name
        };
        let n = name.clone();
        let corpus = tokio::task::spawn_blocking(move || {
            let mut c = Corpus::default();
            c.add_bytes(&n, &bytes);
            c
        })
        .await
        .map_err(|e| StoreError::Internal(format!("parsing an upload: {e}")))?;
        let recognised = !(corpus.advisories.is_empty()
            && corpus.kev.is_none()
            && corpus.certfr.is_empty()
            && corpus.epss.is_none()
            && corpus.eol.is_empty());
        if !recognised {
            return Err(StoreError::Invalid(
                Problem::new("watch-upload-unrecognised").arg("name", name.as_str()),
            ));
        }
        self.watch_ingest(actor, &corpus, &format!("upload:{name}"))
            .await
    }

    /// Queues the ingestion of the document at `url` (a `watch.ingest` job: a worker fetches it
    /// under the deployment's feed policy and ingests it), audited with who asked. The caller
    /// has checked the address against the policy; the worker checks it again.
    pub async fn watch_queue_ingest(&self, actor: &Actor, url: &str) -> Result<i64, StoreError> {
        require_national_intel(actor)?;
        let mut tx = self.begin_write().await?;
        let id = enqueue_job_in(&mut tx, &Ingest::Url(url.to_string()), None).await?;
        record(
            &mut *tx,
            actor,
            Event::new("watch.ingest.queue", "job", id).detail(serde_json::json!({ "url": url })),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}
