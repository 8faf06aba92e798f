//! The job queue, in the database. On PostgreSQL, many `vigie worker` processes on many machines
//! share it: a claim takes the oldest ready job with `FOR UPDATE SKIP LOCKED`, so two workers never
//! take the same job and none waits for another. A claimed job holds a lease that its worker renews;
//! a job whose worker died (killed, machine lost) is taken again once the lease runs out. A failed
//! run is retried with exponential backoff until `max_attempts`, then left as `failed` with its
//! last error.
//!
//! Each slice describes its jobs as types ([`JobSpec`]): the kind's name, the payload's JSON shape
//! (the type's serde form), the dedup key and the number of attempts. The store queues them with
//! [`Store::enqueue_job`] or, inside a transaction, [`enqueue_job_in`]; a worker reads a claimed
//! job's payload back with [`Job::decode`].

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::archive::{Table, Ty::I, Ty::S};
use crate::db::{now, Backend, Sql, Store};
use crate::error::StoreError;

/// What a kind of job is: its name in the queue and its payload (the type's JSON form).
pub trait JobSpec: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The job's kind (`scan.structure`): what workers claim and dispatch on.
    const NAME: &'static str;

    /// Names the job so that one copy of it at most is queued or running at a time.
    fn dedup_key(&self) -> Option<String> {
        None
    }

    /// Runs before the job is left `failed`.
    fn max_attempts() -> i64 {
        3
    }
}

/// The queue's table, for backups.
pub(crate) const TABLES: &[Table] = &[Table {
    name: "jobs",
    has_serial_id: true,
    columns: &[
        ("id", I),
        ("kind", S),
        ("payload", S),
        ("dedup_key", S),
        ("status", S),
        ("attempts", I),
        ("max_attempts", I),
        ("run_at", I),
        ("locked_by", S),
        ("lease_until", I),
        ("last_error", S),
        ("created_at", I),
        ("finished_at", I),
    ],
}];

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: i64,
    pub locked_by: Option<String>,
    pub lease_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

impl Job {
    /// The payload of a job of kind `J` (`Internal` when the job is of another kind or its
    /// payload does not read as `J`: the queue wrote it from a `J`).
    pub fn decode<J: JobSpec>(&self) -> Result<J, StoreError> {
        if self.kind != J::NAME {
            return Err(StoreError::Internal(format!(
                "job {} is a {} job, not {}",
                self.id,
                self.kind,
                J::NAME
            )));
        }
        serde_json::from_str(&self.payload).map_err(|e| {
            StoreError::Internal(format!("job {} ({}): payload: {e}", self.id, self.kind))
        })
    }
}

const JOB_COLUMNS: &str = "id, kind, payload, status, attempts, max_attempts, run_at, locked_by, lease_until, last_error, created_at, finished_at";

/// Delay before retry number `attempt` (1-based): 10 s, 20 s, 40 s… capped at one hour.
pub fn backoff_secs(attempt: i64) -> i64 {
    let exp = attempt.clamp(1, 20) - 1;
    (10i64 << exp).min(3600)
}

impl Store {
    /// Queues a job of a kind that a slice describes (see [`JobSpec`]); `run_at` defaults to now.
    /// Returns the id of the job, or of the copy already queued under its dedup key.
    pub async fn enqueue_job<J: JobSpec>(
        &self,
        job: &J,
        run_at: Option<i64>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = enqueue_job_in(&mut tx, job, run_at).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Queues a job given by its kind and JSON payload (kinds without a [`JobSpec`]: tests,
    /// maintenance the binary owns). With a `dedup_key`, a job of the same key that is still queued or running is
    /// kept instead (returns its id).
    pub async fn enqueue(
        &self,
        kind: &str,
        payload: &serde_json::Value,
        dedup_key: Option<&str>,
        run_at: Option<i64>,
        max_attempts: i64,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = enqueue_in(&mut tx, kind, payload, dedup_key, run_at, max_attempts).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims the oldest ready job of the given kinds for `worker`, holding it for `lease_secs`.
    /// Jobs whose lease ran out (their worker died) are ready again.
    pub async fn claim_job(
        &self,
        worker: &str,
        kinds: &[&str],
        lease_secs: i64,
    ) -> Result<Option<Job>, StoreError> {
        let at = now();
        let mut inner = Sql::new("SELECT id FROM jobs WHERE ((status = 'queued' AND run_at <= $1) OR (status = 'running' AND lease_until < $1))");
        let mut q = Sql::new("").arg(at).arg(worker).arg(at + lease_secs);
        if !kinds.is_empty() {
            inner.push(" AND kind IN (");
            for (i, k) in kinds.iter().enumerate() {
                if i > 0 {
                    inner.push(",");
                }
                inner.push(&format!("${}", i + 4));
                q = q.arg(*k);
            }
            inner.push(")");
        }
        inner.push(" ORDER BY run_at, id LIMIT 1");
        if self.backend == Backend::Postgres {
            inner.push(" FOR UPDATE SKIP LOCKED");
        }
        let text = format!(
            "UPDATE jobs SET status = 'running', locked_by = $2, lease_until = $3, attempts = attempts + 1 \
             WHERE id = ({}) RETURNING {JOB_COLUMNS}",
            inner.text()
        );
        let _turn = self.write_turn().await?;
        q.prefixed(&text).fetch_optional(&self.pool).await
    }

    /// Extends the lease of a running job; false if the job is no longer this worker's.
    pub async fn renew_lease(
        &self,
        job_id: i64,
        worker: &str,
        lease_secs: i64,
    ) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await?;
        let n = Sql::new("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'running'")
            .arg(now() + lease_secs)
            .arg(job_id)
            .arg(worker)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    pub async fn complete_job(&self, job_id: i64, worker: &str) -> Result<bool, StoreError> {
        let _turn = self.write_turn().await?;
        let n = Sql::new("UPDATE jobs SET status = 'done', finished_at = $1, lease_until = NULL, last_error = NULL WHERE id = $2 AND locked_by = $3 AND status = 'running'")
            .arg(now())
            .arg(job_id)
            .arg(worker)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    /// Records a failed run: retried later with backoff, or `failed` after the last attempt.
    pub async fn fail_job(&self, job_id: i64, worker: &str, error: &str) -> Result<(), StoreError> {
        let at = now();
        let job: Option<(i64, i64)> = Sql::new("SELECT attempts, max_attempts FROM jobs WHERE id = $1 AND locked_by = $2 AND status = 'running'")
            .arg(job_id)
            .arg(worker)
            .fetch_optional(&self.pool)
            .await?;
        let Some((attempts, max)) = job else {
            return Ok(());
        };
        let error: String = error.chars().take(2000).collect();
        let _turn = self.write_turn().await?;
        if attempts >= max {
            Sql::new("UPDATE jobs SET status = 'failed', finished_at = $1, last_error = $2, lease_until = NULL WHERE id = $3")
                .arg(at).arg(error).arg(job_id).execute(&self.pool).await?;
        } else {
            Sql::new("UPDATE jobs SET status = 'queued', run_at = $1, last_error = $2, locked_by = NULL, lease_until = NULL WHERE id = $3")
                .arg(at + backoff_secs(attempts)).arg(error).arg(job_id).execute(&self.pool).await?;
        }
        Ok(())
    }

    pub async fn get_job(&self, job_id: i64) -> Result<Job, StoreError> {
        Sql::new(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"))
            .arg(job_id)
            .fetch_one(&self.pool)
            .await
    }

    pub async fn list_jobs(
        &self,
        status: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Job>, StoreError> {
        let mut q = Sql::new(&format!("SELECT {JOB_COLUMNS} FROM jobs"));
        if let Some(s) = status {
            q.push(" WHERE status = ").bind(s);
        }
        q.push(" ORDER BY id DESC LIMIT ")
            .bind(limit.clamp(1, 10_000));
        q.fetch_all(&self.pool).await
    }

    /// Counts of jobs by status, for metrics.
    pub async fn job_counts(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Sql::new("SELECT status, COUNT(*) FROM jobs GROUP BY status ORDER BY status")
            .fetch_all(&self.pool)
            .await
    }
}

/// [`Store::enqueue_job`] inside the caller's transaction: the job exists exactly when the write
/// that calls for it commits.
pub async fn enqueue_job_in<J: JobSpec>(
    conn: &mut sqlx::AnyConnection,
    job: &J,
    run_at: Option<i64>,
) -> Result<i64, StoreError> {
    let payload = serde_json::to_value(job)
        .map_err(|e| StoreError::Internal(format!("{} job payload: {e}", J::NAME)))?;
    enqueue_in(
        conn,
        J::NAME,
        &payload,
        job.dedup_key().as_deref(),
        run_at,
        J::max_attempts(),
    )
    .await
}

/// Jobs per multi-row INSERT (5 values each).
const JOB_CHUNK: usize = 500;

/// Queues many jobs of one kind, to run now, in the caller's transaction and in multi-row
/// INSERTs (an advisory's alerts queue thousands of deliveries). For kinds without a dedup key:
/// a job that has one is refused (`Internal`), since nothing here keeps its copies apart.
pub async fn enqueue_many_in<J: JobSpec>(
    conn: &mut sqlx::AnyConnection,
    jobs: &[J],
) -> Result<(), StoreError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let backend = Backend::of(conn);
    let at = now();
    for part in jobs.chunks(JOB_CHUNK) {
        let mut q = Sql::new(
            "INSERT INTO jobs (kind, payload, dedup_key, status, attempts, max_attempts, run_at, created_at) VALUES ",
        );
        for (k, job) in part.iter().enumerate() {
            if job.dedup_key().is_some() {
                return Err(StoreError::Internal(format!(
                    "{} jobs have dedup keys: queue them one at a time",
                    J::NAME
                )));
            }
            let payload = serde_json::to_string(job)
                .map_err(|e| StoreError::Internal(format!("{} job payload: {e}", J::NAME)))?;
            if k > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(J::NAME)
                .push(", ")
                .bind(payload)
                .push(", NULL, 'queued', 0, ")
                .bind(J::max_attempts().max(1))
                .push(", ")
                .bind(at)
                .push(", ")
                .bind(at)
                .push(")");
        }
        q.positional_for(backend).execute(&mut *conn).await?;
    }
    if backend == Backend::Postgres {
        // Wakes idle workers at commit, as `enqueue_in` does.
        sqlx::query("SELECT pg_notify('vigie_jobs', '')")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Queues a job inside the caller's transaction, so that the job exists exactly when the write
/// that calls for it commits. Same rules as [`Store::enqueue`]. On PostgreSQL the wake-up
/// notification is transactional too: idle workers hear of the job when it commits.
pub async fn enqueue_in(
    conn: &mut sqlx::AnyConnection,
    kind: &str,
    payload: &serde_json::Value,
    dedup_key: Option<&str>,
    run_at: Option<i64>,
    max_attempts: i64,
) -> Result<i64, StoreError> {
    let at = now();
    if let Some(k) = dedup_key {
        let existing: Option<(i64, String)> =
            Sql::new("SELECT id, status FROM jobs WHERE dedup_key = $1")
                .arg(k)
                .fetch_optional(&mut *conn)
                .await?;
        match existing {
            Some((id, status)) if status == "queued" || status == "running" => return Ok(id),
            Some((id, _)) => {
                // A finished job frees its key for the next run.
                Sql::new("UPDATE jobs SET dedup_key = NULL WHERE id = $1")
                    .arg(id)
                    .execute(&mut *conn)
                    .await?;
            }
            None => {}
        }
    }
    let id = Sql::new("INSERT INTO jobs (kind, payload, dedup_key, status, attempts, max_attempts, run_at, created_at) VALUES ($1, $2, $3, 'queued', 0, $4, $5, $6) RETURNING id")
        .arg(kind)
        .arg(payload.to_string())
        .arg(dedup_key)
        .arg(max_attempts.max(1))
        .arg(run_at.unwrap_or(at))
        .arg(at)
        .scalar(&mut *conn)
        .await?;
    if Backend::of(conn) == Backend::Postgres {
        // Wakes idle workers at commit; they also poll, so a lost notification only delays.
        sqlx::query("SELECT pg_notify('vigie_jobs', '')")
            .execute(&mut *conn)
            .await?;
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(super::backoff_secs(1), 10);
        assert_eq!(super::backoff_secs(2), 20);
        assert_eq!(super::backoff_secs(4), 80);
        assert_eq!(super::backoff_secs(30), 3600);
    }
}
