//! The job queue, in the database. On PostgreSQL, many `vigie worker` processes on many machines
//! share it: a claim takes the oldest ready job with `FOR UPDATE SKIP LOCKED`, so two workers never
//! take the same job and none waits for another. A claimed job holds a lease that its worker renews;
//! a job whose worker died (killed, machine lost) is taken again once the lease runs out. A failed
//! run is retried with exponential backoff until `max_attempts`, then left as `failed` with its
//! last error.

use serde::Serialize;

use crate::db::{now, Backend, Sql, Store};
use crate::error::StoreError;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
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

const JOB_COLUMNS: &str = "id, kind, payload, status, attempts, max_attempts, run_at, locked_by, lease_until, last_error, created_at, finished_at";

/// Delay before retry number `attempt` (1-based): 10 s, 20 s, 40 s… capped at one hour.
pub fn backoff_secs(attempt: i64) -> i64 {
    let exp = attempt.clamp(1, 20) - 1;
    (10i64 << exp).min(3600)
}

impl Store {
    /// Queues a job. With a `dedup_key`, a job of the same key that is still queued or running is
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
        q.prefixed(&text).fetch_optional(&self.pool).await
    }

    /// Extends the lease of a running job; false if the job is no longer this worker's.
    pub async fn renew_lease(
        &self,
        job_id: i64,
        worker: &str,
        lease_secs: i64,
    ) -> Result<bool, StoreError> {
        let n = Sql::new("UPDATE jobs SET lease_until = $1 WHERE id = $2 AND locked_by = $3 AND status = 'running'")
            .arg(now() + lease_secs)
            .arg(job_id)
            .arg(worker)
            .execute(&self.pool)
            .await?;
        Ok(n == 1)
    }

    pub async fn complete_job(&self, job_id: i64, worker: &str) -> Result<bool, StoreError> {
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
