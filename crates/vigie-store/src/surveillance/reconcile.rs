//! A finished scan: what it saw is stored and the structure's findings reconciled, in one
//! transaction, with their notifications and the software it saw fed to the vulnerability watch.

use std::collections::{BTreeMap, BTreeSet};

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::notify::queue;
use crate::surveillance::events::finding_notification;
use crate::surveillance::types::{
    severity_rank, Finding, Reconciliation, ScanOutcome, FINDING_COLUMNS, OPEN_STATUSES,
};

fn ports_label(ports: &[i64]) -> String {
    ports
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

impl Store {
    /// Stores what a scan saw and reconciles the structure's findings, in one transaction:
    /// new findings are inserted, notified (`scan.finding.new`) and marked `notified`; findings
    /// seen again get their last sighting (a fixed one is `reopened` and notified again); open
    /// findings on an address and port this scan covered and no longer saw are `fixed`, verified
    /// by this scan.
    pub async fn finish_scan(
        &self,
        actor: &Actor,
        scan_id: i64,
        outcome: &ScanOutcome,
    ) -> Result<Reconciliation, StoreError> {
        actor.require(Permission::RequestScan)?;
        let scan = self.get_scan(actor, scan_id).await?;
        if scan.status == "done" || scan.status == "failed" {
            return Err(StoreError::Invalid(
                Problem::new("surveillance-scan-finished")
                    .arg("scan", scan_id)
                    .arg("status", scan.status),
            ));
        }
        for f in &outcome.findings {
            if f.kind.trim().is_empty() || f.address.trim().is_empty() {
                // The scanner's fault, not the caller's.
                return Err(StoreError::Internal(format!(
                    "scan {scan_id}: a finding without type or address ({:?} on {:?}:{})",
                    f.kind, f.address, f.port
                )));
            }
        }
        let sid = scan.structure_id;
        let at = now();
        let mut tx = self.begin_write().await?;
        let (structure_name, _) = Self::exposure_scope_check(&mut tx, actor, sid).await?;
        for o in &outcome.observations {
            Sql::new(
                "INSERT INTO scan_observations (scan_id, structure_id, address, port, service, product, version, cpe, tls, evidence, finding_kinds) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .arg(scan_id)
            .arg(sid)
            .arg(o.address.as_str())
            .arg(o.port)
            .arg(o.service.as_str())
            .arg(o.product.clone())
            .arg(o.version.clone())
            .arg(o.cpe.clone())
            .arg(o.tls.clone())
            .arg(o.evidence.chars().take(2000).collect::<String>())
            .arg(o.finding_kinds.join(","))
            .execute(&mut *tx)
            .await?;
        }
        let existing: Vec<Finding> = Sql::new(&format!(
            "SELECT {FINDING_COLUMNS} FROM scan_findings f WHERE f.structure_id = $1"
        ))
        .arg(sid)
        .fetch_all(&mut *tx)
        .await?;
        let by_key: BTreeMap<&str, &Finding> = existing
            .iter()
            .map(|f| (f.finding_key.as_str(), f))
            .collect();
        let mut rec = Reconciliation::default();
        let mut seen_keys = BTreeSet::new();
        for f in &outcome.findings {
            let key = f.key();
            if !seen_keys.insert(key.clone()) {
                continue;
            }
            match by_key.get(key.as_str()) {
                None => {
                    let id = Sql::new(
                        "INSERT INTO scan_findings (structure_id, kind, finding_key, address, port, service, product, version, \
                         severity, severity_rank, confidence, title_fr, title_en, evidence, advice_fr, advice_en, detail, status, \
                         first_seen_scan_id, last_seen_scan_id, first_seen_at, last_seen_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'new', $18, $18, $19, $19) \
                         RETURNING id",
                    )
                    .arg(sid)
                    .arg(f.kind.as_str())
                    .arg(key.as_str())
                    .arg(f.address.as_str())
                    .arg(f.port)
                    .arg(f.service.as_str())
                    .arg(f.product.clone())
                    .arg(f.version.clone())
                    .arg(f.severity.as_str())
                    .arg(severity_rank(&f.severity))
                    .arg(f.confidence.as_str())
                    .arg(f.title_fr.as_str())
                    .arg(f.title_en.as_str())
                    .arg(f.evidence.as_str())
                    .arg(f.advice_fr.as_str())
                    .arg(f.advice_en.as_str())
                    .arg(f.detail.clone())
                    .arg(scan_id)
                    .arg(at)
                    .scalar(&mut *tx)
                    .await?;
                    let n = finding_notification(
                        sid,
                        &structure_name,
                        id,
                        f,
                        false,
                        format!("scan.finding:{id}:new"),
                    )?;
                    rec.notifications += queue(&mut tx, &n).await?.len();
                    Sql::new(
                        "UPDATE scan_findings SET status = 'notified', notified_at = $1 WHERE id = $2",
                    )
                    .arg(at)
                    .arg(id)
                    .execute(&mut *tx)
                    .await?;
                    rec.new.push(id);
                }
                Some(old) => {
                    let reopen = old.status == "fixed";
                    Sql::new(
                        "UPDATE scan_findings SET last_seen_scan_id = $1, last_seen_at = $2, evidence = $3, \
                         service = $4, product = $5, version = $6, severity = $7, severity_rank = $8, \
                         confidence = $9, title_fr = $10, title_en = $11, advice_fr = $12, advice_en = $13, \
                         detail = $14 WHERE id = $15",
                    )
                    .arg(scan_id)
                    .arg(at)
                    .arg(f.evidence.as_str())
                    .arg(f.service.as_str())
                    .arg(f.product.clone())
                    .arg(f.version.clone())
                    .arg(f.severity.as_str())
                    .arg(severity_rank(&f.severity))
                    .arg(f.confidence.as_str())
                    .arg(f.title_fr.as_str())
                    .arg(f.title_en.as_str())
                    .arg(f.advice_fr.as_str())
                    .arg(f.advice_en.as_str())
                    .arg(f.detail.clone())
                    .arg(old.id)
                    .execute(&mut *tx)
                    .await?;
                    if reopen {
                        let n = finding_notification(
                            sid,
                            &structure_name,
                            old.id,
                            f,
                            true,
                            format!("scan.finding:{}:reopened:{scan_id}", old.id),
                        )?;
                        rec.notifications += queue(&mut tx, &n).await?.len();
                        Sql::new(
                            "UPDATE scan_findings SET status = 'reopened', notified_at = $1, fixed_at = NULL, \
                             fixed_in_scan_id = NULL, reopened_count = reopened_count + 1 WHERE id = $2",
                        )
                        .arg(at)
                        .arg(old.id)
                        .execute(&mut *tx)
                        .await?;
                        rec.reopened.push(old.id);
                    } else {
                        rec.seen_again.push(old.id);
                    }
                }
            }
        }
        let addresses: BTreeSet<&str> = outcome
            .covered_addresses
            .iter()
            .map(String::as_str)
            .collect();
        let ports: BTreeSet<i64> = outcome.covered_ports.iter().copied().collect();
        for old in &existing {
            if OPEN_STATUSES.contains(&old.status.as_str())
                && !seen_keys.contains(&old.finding_key)
                && addresses.contains(old.address.as_str())
                && ports.contains(&old.port)
            {
                Sql::new(
                    "UPDATE scan_findings SET status = 'fixed', fixed_in_scan_id = $1, fixed_at = $2 WHERE id = $3",
                )
                .arg(scan_id)
                .arg(at)
                .arg(old.id)
                .execute(&mut *tx)
                .await?;
                rec.fixed.push(old.id);
            }
        }
        // What the scan identified feeds the vulnerability watch, in the same transaction: an
        // alert for a vulnerable version seen on the internet, closed when a later scan sees a
        // fixed one.
        let inventory = crate::watch::inventory::record_scanned_software(
            &mut tx,
            actor,
            sid,
            &outcome.software,
        )
        .await?;
        let mut covered_ports = outcome.covered_ports.clone();
        covered_ports.sort_unstable();
        covered_ports.dedup();
        Sql::new(
            "UPDATE scans SET status = 'done', finished_at = $1, scope = $2, ports = $3, targets_count = $4, \
             open_ports_count = $5, findings_count = $6, new_count = $7, fixed_count = $8, error = NULL WHERE id = $9",
        )
        .arg(at)
        .arg(outcome.scope.to_string())
        .arg(ports_label(&covered_ports))
        .arg(addresses.len() as i64)
        .arg(outcome.observations.len() as i64)
        .arg(seen_keys.len() as i64)
        .arg((rec.new.len() + rec.reopened.len()) as i64)
        .arg(rec.fixed.len() as i64)
        .arg(scan_id)
        .execute(&mut *tx)
        .await?;
        record(
            &mut *tx,
            actor,
            Event::new("scan.finish", "structure", sid).detail(serde_json::json!({
                "scan_id": scan_id, "new": rec.new, "reopened": rec.reopened, "fixed": rec.fixed,
                "open_ports": outcome.observations.len(),
                "inventory_recorded": inventory.recorded, "inventory_skipped": inventory.skipped,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(rec)
    }
}
