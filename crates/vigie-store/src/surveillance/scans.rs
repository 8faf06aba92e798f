//! Scans: asked for by a person or the schedule (one pending per structure), started and failed
//! by the job, read back with what they saw.

use std::collections::BTreeMap;

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::jobs::enqueue_job_in;
use crate::surveillance::jobs::{scan_job_key, ScanStructure};
use crate::surveillance::types::{
    Observation, Scan, ScanAsset, ScanDiff, ScanJob, DEFAULT_INTERVAL_HOURS, OBSERVATION_COLUMNS,
    SCAN_COLUMNS,
};

impl Store {
    /// Creates a scan row and queues its job, or returns the structure's scan already queued or
    /// running (one pending scan per structure). `origin` is `request` or `schedule`.
    async fn create_scan(
        &self,
        actor: &Actor,
        structure_id: i64,
        origin: &str,
        run_at: Option<i64>,
    ) -> Result<(i64, bool), StoreError> {
        let mut tx = self.begin_write().await?;
        Self::exposure_scope_check(&mut tx, actor, structure_id).await?;
        let at = now();
        // A scan whose job is gone (given up after its last attempt) is not pending any more.
        Sql::new(
            "UPDATE scans SET status = 'failed', finished_at = $1, \
             error = 'the scan job ended without finishing the scan (see the job queue)' \
             WHERE structure_id = $2 AND status IN ('queued', 'running') AND NOT EXISTS \
             (SELECT 1 FROM jobs j WHERE j.dedup_key = $3 AND j.status IN ('queued', 'running'))",
        )
        .arg(at)
        .arg(structure_id)
        .arg(scan_job_key(structure_id))
        .execute(&mut *tx)
        .await?;
        let pending: Option<(i64,)> = Sql::new(
            "SELECT id FROM scans WHERE structure_id = $1 AND status IN ('queued', 'running') ORDER BY id LIMIT 1",
        )
        .arg(structure_id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some((id,)) = pending {
            if origin == "request" {
                // "Verify now" on a scheduled scan that waits for its turn: it runs now.
                Sql::new(
                    "UPDATE jobs SET run_at = $1 WHERE dedup_key = $2 AND status = 'queued' AND run_at > $1",
                )
                .arg(at)
                .arg(scan_job_key(structure_id))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            return Ok((id, false));
        }
        let id = Sql::new(
            "INSERT INTO scans (structure_id, origin, requested_by, requested_by_user_id, status, created_at) \
             VALUES ($1, $2, $3, $4, 'queued', $5) RETURNING id",
        )
        .arg(structure_id)
        .arg(origin)
        .arg(actor.label.as_str())
        .arg(actor.user_id)
        .arg(at)
        .scalar(&mut *tx)
        .await?;
        // The job's dedup key is the structure's. A job still holding it here belongs to no
        // pending scan: it gives the key up (and finds its scan finished when it runs).
        Sql::new("UPDATE jobs SET dedup_key = NULL WHERE dedup_key = $1")
            .arg(scan_job_key(structure_id))
            .execute(&mut *tx)
            .await?;
        enqueue_job_in(
            &mut tx,
            &ScanStructure {
                scan_id: id,
                structure_id,
            },
            run_at,
        )
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("scan.request", "structure", structure_id)
                .detail(serde_json::json!({ "scan_id": id, "origin": origin, "run_at": run_at })),
        )
        .await?;
        tx.commit().await?;
        Ok((id, true))
    }

    /// "Verify now": an on-demand scan of the structure's declared assets. Returns the scan's id
    /// (an already pending one when there is one).
    pub async fn request_scan(&self, actor: &Actor, structure_id: i64) -> Result<i64, StoreError> {
        actor.require(Permission::RequestScan)?;
        Ok(self
            .create_scan(actor, structure_id, "request", None)
            .await?
            .0)
    }

    /// Scheduler: queues a scan for every structure whose surveillance is on and whose last scan
    /// is older than its interval, none already pending. Their start times are spread over
    /// `spread_secs` (by structure id) so that a region turned on does not start all at once.
    /// Returns the ids of the scans queued.
    pub async fn schedule_surveillance(
        &self,
        actor: &Actor,
        spread_secs: i64,
    ) -> Result<Vec<i64>, StoreError> {
        actor.require(Permission::ManageSurveillance)?;
        let at = now();
        // Effective setting: the structure's own row, else its region's.
        let mut q = Sql::new(
            "SELECT s.id, COALESCE(own.interval_hours, reg.interval_hours), \
             (SELECT MAX(created_at) FROM scans WHERE structure_id = s.id) \
             FROM structures s \
             LEFT JOIN surveillance_settings own ON own.structure_id = s.id \
             LEFT JOIN surveillance_settings reg ON reg.region_code = s.region_code \
             WHERE s.is_demo = 0 AND COALESCE(own.enabled, reg.enabled, 0) = 1 AND ",
        );
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY s.id");
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = q.fetch_all(&self.pool).await?;
        let spread = spread_secs.max(1);
        let mut out = Vec::new();
        for (sid, interval, last) in rows {
            let interval = interval.unwrap_or(DEFAULT_INTERVAL_HOURS) * 3600;
            if last.is_some_and(|l| l + interval > at) {
                continue;
            }
            // Knuth's multiplicative hash spreads consecutive ids over the window.
            let offset = ((sid as u64).wrapping_mul(2_654_435_761) % spread as u64) as i64;
            let (id, created) = self
                .create_scan(actor, sid, "schedule", Some(at + offset))
                .await?;
            if created {
                out.push(id);
            }
        }
        Ok(out)
    }

    /// The job starts a scan: marks it running and returns the structure's scannable assets
    /// (declared and validated by an analyst, not demo, the structure not demo). `None` when the scan is already finished (a
    /// job run again after its worker died).
    pub async fn start_scan(
        &self,
        actor: &Actor,
        scan_id: i64,
    ) -> Result<Option<ScanJob>, StoreError> {
        actor.require(Permission::RequestScan)?;
        let scan = self.get_scan(actor, scan_id).await?;
        if scan.status == "done" || scan.status == "failed" {
            return Ok(None);
        }
        let mut tx = self.begin_write().await?;
        let (name, _) = Self::exposure_scope_check(&mut tx, actor, scan.structure_id).await?;
        Sql::new("UPDATE scans SET status = 'running', started_at = $1 WHERE id = $2")
            .arg(now())
            .arg(scan_id)
            .execute(&mut *tx)
            .await?;
        let assets: Vec<ScanAsset> = Sql::new(
            "SELECT a.kind, a.value FROM assets a JOIN structures s ON s.id = a.structure_id \
             WHERE a.structure_id = $1 AND a.is_demo = 0 AND s.is_demo = 0 \
             AND a.validated_at IS NOT NULL ORDER BY a.kind, a.value",
        )
        .arg(scan.structure_id)
        .fetch_all(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("scan.start", "structure", scan.structure_id).detail(serde_json::json!({
                "scan_id": scan_id,
                "assets": assets.iter().map(|a| a.value.as_str()).collect::<Vec<_>>(),
            })),
        )
        .await?;
        tx.commit().await?;
        let scan = self.get_scan(actor, scan_id).await?;
        Ok(Some(ScanJob {
            scan,
            structure_name: name,
            assets,
        }))
    }

    /// Records a scan that could not run (no scannable asset, nothing resolved, engine error).
    /// Nothing is reconciled: findings keep their state.
    pub async fn fail_scan(
        &self,
        actor: &Actor,
        scan_id: i64,
        error: &str,
        scope: &serde_json::Value,
    ) -> Result<(), StoreError> {
        actor.require(Permission::RequestScan)?;
        let scan = self.get_scan(actor, scan_id).await?;
        let mut tx = self.begin_write().await?;
        Sql::new(
            "UPDATE scans SET status = 'failed', finished_at = $1, error = $2, scope = $3 WHERE id = $4",
        )
        .arg(now())
        .arg(error.chars().take(4000).collect::<String>())
        .arg(scope.to_string())
        .arg(scan_id)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("scan.failed", "structure", scan.structure_id)
                .detail(serde_json::json!({ "scan_id": scan_id, "error": error }))
                .failed(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One scan, if its structure is in scope.
    pub async fn get_scan(&self, actor: &Actor, scan_id: i64) -> Result<Scan, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let mut q = Sql::new(&format!(
            "SELECT {SCAN_COLUMNS} FROM scans sc JOIN structures s ON s.id = sc.structure_id WHERE sc.id = "
        ));
        q.bind(scan_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.fetch_one(&self.pool).await
    }

    /// A structure's scans, newest first.
    pub async fn list_scans(
        &self,
        actor: &Actor,
        structure_id: i64,
        limit: i64,
    ) -> Result<Vec<Scan>, StoreError> {
        actor.require(Permission::ReadExposure)?;
        Self::exposure_scope_check(&mut *self.pool.acquire().await?, actor, structure_id).await?;
        let mut q = Sql::new(&format!(
            "SELECT {SCAN_COLUMNS} FROM scans sc JOIN structures s ON s.id = sc.structure_id WHERE sc.structure_id = "
        ));
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY sc.id DESC LIMIT ")
            .bind(limit.clamp(1, 1000));
        q.fetch_all(&self.pool).await
    }

    /// What one scan saw, by address and port.
    pub async fn scan_observations(
        &self,
        actor: &Actor,
        scan_id: i64,
    ) -> Result<Vec<Observation>, StoreError> {
        let scan = self.get_scan(actor, scan_id).await?;
        Sql::new(&format!(
            "SELECT {OBSERVATION_COLUMNS} FROM scan_observations o WHERE o.scan_id = $1 AND o.structure_id = $2 \
             ORDER BY o.address, o.port"
        ))
        .arg(scan_id)
        .arg(scan.structure_id)
        .fetch_all(&self.pool)
        .await
    }

    /// The map of exposed systems: what the structure's latest finished scan saw.
    pub async fn exposed_systems(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<(Option<Scan>, Vec<Observation>), StoreError> {
        let scans = self.list_scans(actor, structure_id, 50).await?;
        let Some(last) = scans.into_iter().find(|s| s.status == "done") else {
            return Ok((None, Vec::new()));
        };
        let obs = self.scan_observations(actor, last.id).await?;
        Ok((Some(last), obs))
    }

    /// The differences between two scans of the same structure.
    pub async fn scan_diff(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
    ) -> Result<ScanDiff, StoreError> {
        let a = self.get_scan(actor, from).await?;
        let b = self.get_scan(actor, to).await?;
        if a.structure_id != b.structure_id {
            return Err(StoreError::Invalid(
                Problem::new("surveillance-diff-other-structure")
                    .arg("from", from)
                    .arg("to", to),
            ));
        }
        let before = self.scan_observations(actor, from).await?;
        let after = self.scan_observations(actor, to).await?;
        let key = |o: &Observation| (o.address.clone(), o.port);
        let old: BTreeMap<_, _> = before.iter().map(|o| (key(o), o)).collect();
        let new: BTreeMap<_, _> = after.iter().map(|o| (key(o), o)).collect();
        let mut d = ScanDiff {
            from,
            to,
            ..Default::default()
        };
        for (k, o) in &new {
            match old.get(k) {
                None => d.opened.push((*o).clone()),
                Some(p) => {
                    if (&p.service, &p.product, &p.version, &p.finding_kinds)
                        == (&o.service, &o.product, &o.version, &o.finding_kinds)
                    {
                        d.unchanged += 1;
                    } else {
                        d.changed.push(((*p).clone(), (*o).clone()));
                    }
                }
            }
        }
        for (k, o) in &old {
            if !new.contains_key(k) {
                d.closed.push((*o).clone());
            }
        }
        Ok(d)
    }
}
