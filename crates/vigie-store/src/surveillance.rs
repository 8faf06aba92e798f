//! Surveillance of internet exposure: the platform side of the scanner.
//!
//! * **Settings**: scheduled surveillance is OFF until an operator (`ManageSurveillance`) turns it
//!   on for a structure or for a region; a structure's own setting wins over its region's.
//! * **Scans**: one row per scan of a structure (`scan.structure` job), with who or what asked, its
//!   status and times, the snapshot of its scope, its port set, its counts and its error. One
//!   pending scan per structure: asking again while one is queued or running returns that one.
//! * **Observations**: what a scan saw on each open port (service, product, version, CPE, TLS
//!   facts, an excerpt of the evidence).
//! * **Findings**: identified across scans by a stable key (`address:port:type`), with a lifecycle:
//!   `new` → `notified` (the structure was told, in the same transaction) → `acknowledged`
//!   (triage, with a note) → `fixed` (a later scan covered that address and port and no longer
//!   saw it) → `reopened` (seen again after a fix; told again).
//!
//! The scanner engine (`vigie-scan`) never touches the database: the job handler in the binary
//! runs it and hands its results to [`Store::finish_scan`], which reconciles the findings.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use vigie_domain::role::{Permission, Scope};

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::notify::{queue, Audience, NewNotification};

/// Job kind that runs one scan.
pub const SCAN_JOB: &str = "scan.structure";
/// Attempts of a scan job (a scan that failed on the network is retried with the queue's backoff).
pub const SCAN_ATTEMPTS: i64 = 3;
/// Event name of the notification sent for a new (or reopened) finding.
pub const FINDING_EVENT: &str = "scan.finding.new";
/// Default interval of scheduled scans: weekly.
pub const DEFAULT_INTERVAL_HOURS: i64 = 168;

/// Finding statuses that are still open (not fixed).
pub const OPEN_STATUSES: &[&str] = &["new", "notified", "acknowledged", "reopened"];

/// The dedup key of the job of a structure's scan: one pending scan per structure.
pub fn scan_job_key(structure_id: i64) -> String {
    format!("{SCAN_JOB}:{structure_id}")
}

/// Rank of a severity name, for sorting (critical first).
pub fn severity_rank(s: &str) -> i64 {
    match s {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// One surveillance setting (of a structure or of a region).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Setting {
    pub id: i64,
    pub structure_id: Option<i64>,
    pub region_code: Option<String>,
    pub enabled: i64,
    pub interval_hours: i64,
    pub updated_by: String,
    pub updated_at: i64,
}

/// What applies to one structure.
#[derive(Debug, Clone, Serialize)]
pub struct SurveillanceStatus {
    pub structure: Option<Setting>,
    pub region: Option<Setting>,
    /// Whether scheduled scans run for this structure.
    pub enabled: bool,
    pub interval_hours: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Scan {
    pub id: i64,
    pub structure_id: i64,
    /// `schedule` or `request`.
    pub origin: String,
    pub requested_by: String,
    pub requested_by_user_id: Option<i64>,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    pub scope: String,
    pub ports: String,
    pub targets_count: i64,
    pub open_ports_count: i64,
    pub findings_count: i64,
    pub new_count: i64,
    pub fixed_count: i64,
    pub error: Option<String>,
}

const SCAN_COLUMNS: &str = "sc.id, sc.structure_id, sc.origin, sc.requested_by, sc.requested_by_user_id, sc.status, \
     sc.created_at, sc.started_at, sc.finished_at, sc.scope, sc.ports, sc.targets_count, sc.open_ports_count, \
     sc.findings_count, sc.new_count, sc.fixed_count, sc.error";

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, PartialEq, Eq)]
pub struct Observation {
    pub id: i64,
    pub scan_id: i64,
    pub structure_id: i64,
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub cpe: Option<String>,
    /// TLS facts as JSON (protocol versions accepted, certificate subject, expiry…), when TLS.
    pub tls: Option<String>,
    pub evidence: String,
    /// Comma-separated finding types drawn from this port in this scan.
    pub finding_kinds: String,
}

const OBSERVATION_COLUMNS: &str =
    "o.id, o.scan_id, o.structure_id, o.address, o.port, o.service, o.product, o.version, \
     o.cpe, o.tls, o.evidence, o.finding_kinds";

/// An observation to store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewObservation {
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub cpe: Option<String>,
    pub tls: Option<String>,
    pub evidence: String,
    pub finding_kinds: Vec<String>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Finding {
    pub id: i64,
    pub structure_id: i64,
    pub kind: String,
    pub finding_key: String,
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    pub severity: String,
    pub severity_rank: i64,
    pub confidence: String,
    pub title_fr: String,
    pub title_en: String,
    pub evidence: String,
    pub advice_fr: String,
    pub advice_en: String,
    pub detail: Option<String>,
    pub status: String,
    pub first_seen_scan_id: Option<i64>,
    pub last_seen_scan_id: Option<i64>,
    pub fixed_in_scan_id: Option<i64>,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
    pub notified_at: Option<i64>,
    pub fixed_at: Option<i64>,
    pub reopened_count: i64,
    pub triage_note: Option<String>,
    pub triaged_by: Option<String>,
    pub triaged_at: Option<i64>,
}

const FINDING_COLUMNS: &str = "f.id, f.structure_id, f.kind, f.finding_key, f.address, f.port, f.service, f.product, \
     f.version, f.severity, f.severity_rank, f.confidence, f.title_fr, f.title_en, f.evidence, f.advice_fr, \
     f.advice_en, f.detail, f.status, f.first_seen_scan_id, f.last_seen_scan_id, f.fixed_in_scan_id, \
     f.first_seen_at, f.last_seen_at, f.notified_at, f.fixed_at, f.reopened_count, f.triage_note, \
     f.triaged_by, f.triaged_at";

/// A finding as a scan reports it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NewFinding {
    /// The type, e.g. `redis-no-authentication`.
    pub kind: String,
    pub address: String,
    pub port: i64,
    pub service: String,
    pub product: Option<String>,
    pub version: Option<String>,
    /// `critical`, `high`, `medium`, `low` or `info`.
    pub severity: String,
    pub confidence: String,
    pub title_fr: String,
    pub title_en: String,
    pub evidence: String,
    pub advice_fr: String,
    pub advice_en: String,
    pub detail: Option<String>,
}

impl NewFinding {
    /// The stable key of a finding across scans.
    pub fn key(&self) -> String {
        finding_key(&self.address, self.port, &self.kind)
    }
}

/// `address:port:type` (IPv6 addresses in brackets).
pub fn finding_key(address: &str, port: i64, kind: &str) -> String {
    if address.contains(':') {
        format!("[{address}]:{port}:{kind}")
    } else {
        format!("{address}:{port}:{kind}")
    }
}

/// Everything a finished scan hands to the store.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanOutcome {
    /// Snapshot of the scope (JSON): targets, names, what was refused and why.
    pub scope: serde_json::Value,
    /// The addresses the scan probed.
    pub covered_addresses: Vec<String>,
    /// The ports it probed on each of them.
    pub covered_ports: Vec<i64>,
    pub observations: Vec<NewObservation>,
    pub findings: Vec<NewFinding>,
    /// Software the scan identified with a version, for the vulnerability watch's inventory.
    #[serde(default)]
    pub software: Vec<ScannedSoftware>,
}

/// A product and version the scanner read, and where.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScannedSoftware {
    /// The scanner's name for the product (the catalogue knows its scanner names).
    pub product: String,
    pub version: String,
    /// `address:port` where it answered.
    pub location: String,
    /// Distribution package revision read from the banner (`Debian deb12u10`), when there is one:
    /// such a package may carry backported fixes that its upstream version does not show.
    pub distro: Option<String>,
}

/// What the reconciliation did.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Reconciliation {
    pub new: Vec<i64>,
    pub seen_again: Vec<i64>,
    pub reopened: Vec<i64>,
    pub fixed: Vec<i64>,
    pub notifications: usize,
}

/// A declared asset a scan may use.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, PartialEq, Eq)]
pub struct ScanAsset {
    pub kind: String,
    pub value: String,
}

/// What the job needs to run a scan.
#[derive(Debug, Clone, Serialize)]
pub struct ScanJob {
    pub scan: Scan,
    pub structure_name: String,
    /// The structure's declared assets that are not demo data (the structure is not demo either).
    pub assets: Vec<ScanAsset>,
}

/// Differences between two scans of a structure (observations and the finding types on them).
#[derive(Debug, Clone, Default, Serialize)]
pub struct ScanDiff {
    pub from: i64,
    pub to: i64,
    /// Ports open in `to` and not in `from`.
    pub opened: Vec<Observation>,
    /// Ports open in `from` and no longer in `to`.
    pub closed: Vec<Observation>,
    /// Same port, different service, product, version or finding types: (before, after).
    pub changed: Vec<(Observation, Observation)>,
    pub unchanged: usize,
}

/// One line of the "who exposes what" views: open findings of one structure, by type and severity.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ExposureCount {
    pub structure_id: i64,
    pub structure_name: String,
    pub region_code: String,
    pub kind: String,
    pub severity: String,
    pub severity_rank: i64,
    pub count: i64,
}

fn ports_label(ports: &[i64]) -> String {
    ports
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn check_interval(hours: i64) -> Result<i64, StoreError> {
    if !(1..=24 * 366).contains(&hours) {
        return Err(StoreError::Invalid(format!(
            "surveillance interval: {hours} hours; give between 1 hour and 366 days (8784 hours)"
        )));
    }
    Ok(hours)
}

/// Escapes text for the HTML body of an e-mail.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn severity_fr(s: &str) -> &'static str {
    match s {
        "critical" => "critique",
        "high" => "élevée",
        "medium" => "moyenne",
        "low" => "faible",
        _ => "information",
    }
}

/// The French e-mail of a new (or reopened) finding.
fn finding_notification(
    structure_id: i64,
    structure_name: &str,
    finding_id: i64,
    f: &NewFinding,
    reopened: bool,
    dedup_key: String,
) -> NewNotification {
    let link = format!("/structures/{structure_id}/exposure#finding-{finding_id}");
    let what = if reopened {
        "Exposition de nouveau constatée"
    } else {
        "Nouvelle exposition détectée"
    };
    let subject = format!(
        "[Vigie] {what} ({}) : {} – {structure_name}",
        severity_fr(&f.severity),
        f.title_fr
    );
    let intro = if reopened {
        "Une exposition que le dernier contrôle avait vue corrigée est de nouveau visible depuis Internet."
    } else {
        "La surveillance de l'exposition sur Internet de Vigie a détecté un nouveau point d'exposition."
    };
    let text = format!(
        "{intro}\n\nStructure : {structure_name}\nConstat : {}\nCriticité : {}\nSystème : {}:{} ({}{})\n\n\
         Élément observé :\n{}\n\nRecommandation :\n{}\n\nDétail et suivi : {link}\n",
        f.title_fr,
        severity_fr(&f.severity),
        f.address,
        f.port,
        f.service,
        f.product
            .as_deref()
            .map(|p| format!(", {p} {}", f.version.as_deref().unwrap_or("")))
            .unwrap_or_default(),
        f.evidence,
        f.advice_fr,
    );
    let html = format!(
        "<p>{}</p><table><tr><th scope=\"row\">Structure</th><td>{}</td></tr>\
         <tr><th scope=\"row\">Constat</th><td>{}</td></tr>\
         <tr><th scope=\"row\">Criticité</th><td>{}</td></tr>\
         <tr><th scope=\"row\">Système</th><td>{}:{} ({})</td></tr></table>\
         <h2>Élément observé</h2><pre>{}</pre><h2>Recommandation</h2><p>{}</p>\
         <p><a href=\"{}\">Voir l'exposition de la structure</a></p>",
        html_escape(intro),
        html_escape(structure_name),
        html_escape(&f.title_fr),
        html_escape(severity_fr(&f.severity)),
        html_escape(&f.address),
        f.port,
        html_escape(&f.service),
        html_escape(&f.evidence),
        html_escape(&f.advice_fr),
        html_escape(&link),
    );
    NewNotification {
        audience: Audience::Structure(structure_id),
        event: FINDING_EVENT.into(),
        subject,
        text,
        html: Some(html),
        payload: serde_json::json!({
            "finding_id": finding_id,
            "type": f.kind,
            "severity": f.severity,
            "address": f.address,
            "port": f.port,
            "service": f.service,
            "product": f.product,
            "version": f.version,
            "evidence": f.evidence,
            "reopened": reopened,
        }),
        link: Some(link),
        dedup_key,
    }
}

impl Store {
    async fn exposure_scope_check(
        conn: &mut sqlx::AnyConnection,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<(String, String), StoreError> {
        let mut q = Sql::new("SELECT s.name, s.region_code FROM structures s WHERE s.id = ");
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.fetch_optional(&mut *conn)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The surveillance setting that applies to a structure (its own, else its region's, else off).
    pub async fn surveillance_status(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<SurveillanceStatus, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let mut conn = self.pool.acquire().await?;
        let (_, region) = Self::exposure_scope_check(&mut conn, actor, structure_id).await?;
        let cols = "id, structure_id, region_code, enabled, interval_hours, updated_by, updated_at";
        let own: Option<Setting> = Sql::new(&format!(
            "SELECT {cols} FROM surveillance_settings WHERE structure_id = $1"
        ))
        .arg(structure_id)
        .fetch_optional(&mut *conn)
        .await?;
        let reg: Option<Setting> = Sql::new(&format!(
            "SELECT {cols} FROM surveillance_settings WHERE region_code = $1"
        ))
        .arg(region.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        let applied = own.as_ref().or(reg.as_ref());
        Ok(SurveillanceStatus {
            enabled: applied.is_some_and(|s| s.enabled == 1),
            interval_hours: applied.map_or(DEFAULT_INTERVAL_HOURS, |s| s.interval_hours),
            structure: own,
            region: reg,
        })
    }

    /// The regional setting (`None` when never set: off).
    pub async fn region_surveillance(
        &self,
        actor: &Actor,
        region_code: &str,
    ) -> Result<Option<Setting>, StoreError> {
        actor.require(Permission::ReadExposure)?;
        self.region_allowed(actor, region_code)?;
        Sql::new(
            "SELECT id, structure_id, region_code, enabled, interval_hours, updated_by, updated_at \
             FROM surveillance_settings WHERE region_code = $1",
        )
        .arg(region_code)
        .fetch_optional(&self.pool)
        .await
    }

    fn region_allowed(&self, actor: &Actor, region_code: &str) -> Result<(), StoreError> {
        if vigie_domain::geo::region(region_code).is_none() {
            return Err(StoreError::Invalid(format!(
                "region {region_code:?}: not a region code (for example 84, 11, 03)"
            )));
        }
        match &actor.scope {
            Scope::National => Ok(()),
            Scope::Region(r) if r == region_code => Ok(()),
            _ => Err(StoreError::NotFound),
        }
    }

    /// Turns scheduled surveillance on or off for one structure (overrides its region).
    pub async fn set_structure_surveillance(
        &self,
        actor: &Actor,
        structure_id: i64,
        enabled: bool,
        interval_hours: i64,
    ) -> Result<(), StoreError> {
        actor.require(Permission::ManageSurveillance)?;
        let interval = check_interval(interval_hours)?;
        let mut tx = self.begin_write().await?;
        Self::exposure_scope_check(&mut tx, actor, structure_id).await?;
        write_setting(&mut tx, actor, "structure", structure_id, enabled, interval).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns scheduled surveillance on or off for every structure of a region (structures with a
    /// setting of their own keep it).
    pub async fn set_region_surveillance(
        &self,
        actor: &Actor,
        region_code: &str,
        enabled: bool,
        interval_hours: i64,
    ) -> Result<(), StoreError> {
        actor.require(Permission::ManageSurveillance)?;
        self.region_allowed(actor, region_code)?;
        let interval = check_interval(interval_hours)?;
        let mut tx = self.begin_write().await?;
        write_setting(&mut tx, actor, "region", region_code, enabled, interval).await?;
        tx.commit().await?;
        Ok(())
    }

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
        crate::jobs::enqueue_in(
            &mut tx,
            SCAN_JOB,
            &serde_json::json!({ "scan_id": id, "structure_id": structure_id }),
            Some(&scan_job_key(structure_id)),
            run_at,
            SCAN_ATTEMPTS,
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
    /// (declared, not demo, the structure not demo). `None` when the scan is already finished (a
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
             WHERE a.structure_id = $1 AND a.is_demo = 0 AND s.is_demo = 0 ORDER BY a.kind, a.value",
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
            return Err(StoreError::Invalid(format!(
                "scan {scan_id} is already {}; its results are kept as they are",
                scan.status
            )));
        }
        for f in &outcome.findings {
            if f.kind.trim().is_empty() || f.address.trim().is_empty() {
                return Err(StoreError::Invalid(format!(
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
                    );
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
                        );
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
        let inventory =
            crate::watch::record_scanned_software(&mut tx, actor, sid, &outcome.software).await?;
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
            return Err(StoreError::Invalid(format!(
                "scans {from} and {to} are of different structures; a diff compares two scans of one structure"
            )));
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
                "triage note: required (what is done about this finding), at most 4000 characters"
                    .into(),
            ));
        }
        let f = self.get_finding(actor, id).await?;
        if f.status == "fixed" {
            return Err(StoreError::Invalid(format!(
                "finding {id} is fixed (verified by scan {}); there is nothing to acknowledge",
                f.fixed_in_scan_id.unwrap_or_default()
            )));
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

/// Upserts the surveillance setting of a structure (`kind` "structure") or a region ("region")
/// and audits it, in the caller's transaction.
async fn write_setting(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    kind: &'static str,
    target: impl Into<crate::db::Val> + ToString + Copy,
    enabled: bool,
    interval: i64,
) -> Result<(), StoreError> {
    let column = if kind == "region" {
        "region_code"
    } else {
        "structure_id"
    };
    Sql::new(&format!(
        "INSERT INTO surveillance_settings ({column}, enabled, interval_hours, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT ({column}) DO UPDATE SET enabled = $2, \
         interval_hours = $3, updated_by = $4, updated_at = $5"
    ))
    .arg(target)
    .arg(enabled)
    .arg(interval)
    .arg(actor.label.as_str())
    .arg(now())
    .execute(&mut *conn)
    .await?;
    record(
        &mut *conn,
        actor,
        Event::new("surveillance.set", kind, target)
            .detail(serde_json::json!({ "enabled": enabled, "interval_hours": interval })),
    )
    .await?;
    Ok(())
}
