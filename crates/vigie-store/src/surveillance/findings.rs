//! Findings: a structure's list, triage, and "who exposes what".

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::surveillance::types::{ExposureCount, Finding, FINDING_COLUMNS};

impl Store {
    /// A structure's findings, most critical first; `open_only` leaves out the fixed ones.
    pub async fn list_findings(
        &self,
        actor: &Actor,
        structure_id: i64,
        open_only: bool,
    ) -> Result<Vec<Finding>, StoreError> {
        actor.require(Permission::ReadExposure)?;
        Self::exposure_scope_check(&mut *self.pool.acquire().await?, actor, structure_id).await?;
        let mut q = Sql::new(&format!(
            "SELECT {FINDING_COLUMNS} FROM scan_findings f JOIN structures s ON s.id = f.structure_id WHERE f.structure_id = "
        ));
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        if open_only {
            q.push(" AND f.status <> 'fixed'");
        }
        q.push(" ORDER BY CASE WHEN f.status = 'fixed' THEN 1 ELSE 0 END, f.severity_rank DESC, f.address, f.port, f.kind");
        q.fetch_all(&self.pool).await
    }

    pub async fn get_finding(&self, actor: &Actor, id: i64) -> Result<Finding, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let mut q = Sql::new(&format!(
            "SELECT {FINDING_COLUMNS} FROM scan_findings f JOIN structures s ON s.id = f.structure_id WHERE f.id = "
        ));
        q.bind(id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.fetch_one(&self.pool).await
    }

    /// Triage: the structure acknowledges an open finding, with a note (what it does about it).
    pub async fn acknowledge_finding(
        &self,
        actor: &Actor,
        id: i64,
        note: &str,
    ) -> Result<Finding, StoreError> {
        actor.require(Permission::TriageFindings)?;
        let note = note.trim();
        if note.is_empty() || note.chars().count() > 4000 {
            return Err(StoreError::Invalid(
                Problem::new("surveillance-triage-note-invalid").arg("max", 4000u32),
            ));
        }
        let f = self.get_finding(actor, id).await?;
        if f.status == "fixed" {
            return Err(StoreError::Invalid(
                Problem::new("surveillance-finding-already-fixed")
                    .arg("finding", id)
                    .arg("scan", f.fixed_in_scan_id.unwrap_or_default()),
            ));
        }
        let mut tx = self.begin_write().await?;
        Self::exposure_scope_check(&mut tx, actor, f.structure_id).await?;
        Sql::new(
            "UPDATE scan_findings SET status = 'acknowledged', triage_note = $1, triaged_by = $2, triaged_at = $3 WHERE id = $4",
        )
        .arg(note)
        .arg(actor.label.as_str())
        .arg(now())
        .arg(id)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("finding.acknowledge", "structure", f.structure_id).detail(
                serde_json::json!({ "finding_id": id, "key": f.finding_key, "note": note }),
            ),
        )
        .await?;
        tx.commit().await?;
        self.get_finding(actor, id).await
    }

    /// "Who exposes what": open findings per structure, type and severity, within the actor's
    /// scope (narrowed to one region when `region_code` is given).
    pub async fn exposure_overview(
        &self,
        actor: &Actor,
        region_code: Option<&str>,
    ) -> Result<Vec<ExposureCount>, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let mut q = Sql::new(
            "SELECT s.id AS structure_id, s.name AS structure_name, s.region_code, f.kind, f.severity, f.severity_rank, \
             COUNT(*) AS count FROM scan_findings f JOIN structures s ON s.id = f.structure_id \
             WHERE f.status <> 'fixed' AND ",
        );
        actor.scope_structures(&mut q, "s");
        if let Some(r) = region_code.filter(|r| !r.is_empty()) {
            q.push(" AND s.region_code").push_region_eq(r);
        }
        q.push(
            " GROUP BY s.id, s.name, s.region_code, f.kind, f.severity, f.severity_rank \
             ORDER BY s.region_code, s.name, s.id, f.severity_rank DESC, f.kind",
        );
        q.fetch_all(&self.pool).await
    }
}
