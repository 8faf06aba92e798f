//! Ingestion: the records `vigie-intel` parsed are stored when new or changed (by content
//! hash), the advisories they belong to re-evaluated against the inventories of their products,
//! and the freshness of each source updated.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;
use vigie_domain::role::Permission;
use vigie_intel::model::{Advisory, EolProduct, KevEntry, Source};
use vigie_intel::Corpus;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::watch::catalog::{day_of, sha, today, truncate};
use crate::watch::matching::{index_eol, rematch_advisory, rematch_eol, Outcome};
use crate::watch::sources::usual_period_days;
use crate::watch::types::IngestReport;

/// Changed records processed per transaction during an ingestion.
const CHUNK: usize = 200;

/// A changed record waiting to be stored.
enum Change<'a> {
    Record(&'a Advisory),
    Kev(&'a KevEntry),
    CertFr(&'a vigie_intel::model::CertFrItem),
    Eol(&'a EolProduct),
}

impl Change<'_> {
    fn key(&self) -> (String, String) {
        match self {
            Change::Record(a) => (
                if a.format == Source::Nvd {
                    "nvd"
                } else {
                    "cve"
                }
                .to_string(),
                a.id.clone(),
            ),
            Change::Kev(k) => ("kev".into(), k.cve_id.clone()),
            Change::CertFr(c) => ("certfr".into(), c.reference.clone()),
            Change::Eol(e) => ("eol".into(), e.id.clone()),
        }
    }
    fn data(&self) -> String {
        let r = match self {
            Change::Record(a) => serde_json::to_string(a),
            Change::Kev(k) => serde_json::to_string(k),
            Change::CertFr(c) => serde_json::to_string(c),
            Change::Eol(e) => serde_json::to_string(e),
        };
        r.unwrap_or_default()
    }
}

/// Finds or creates the advisory row of a CVE id.
async fn advisory_id_for(conn: &mut AnyConnection, ref_id: &str) -> Result<i64, StoreError> {
    let at = now();
    let existing: Option<(i64,)> = Sql::new("SELECT id FROM watch_advisories WHERE ref_id = $1")
        .arg(ref_id)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some((id,)) = existing {
        return Ok(id);
    }
    Sql::new(
        "INSERT INTO watch_advisories (ref_id, title, certfr, created_at, updated_at) VALUES ($1, '', '', $2, $2) RETURNING id",
    )
    .arg(ref_id)
    .arg(at)
    .scalar(&mut *conn)
    .await
}

/// Stores one changed record; returns the advisory to re-evaluate, if any, and the EOL product.
async fn store_change(
    conn: &mut AnyConnection,
    c: &Change<'_>,
    hash: &str,
    data: &str,
    file: &str,
) -> Result<(Vec<i64>, Option<EolProduct>), StoreError> {
    let at = now();
    let (source, ref_id) = c.key();
    let mut rematch = Vec::new();
    let mut eol = None;
    let advisory_id = match c {
        Change::Record(a) => {
            let id = advisory_id_for(conn, &a.id).await?;
            let title = a
                .description
                .as_deref()
                .map(|d| truncate(d.trim(), 300))
                .unwrap_or_default();
            Sql::new(
                "UPDATE watch_advisories SET title = CASE WHEN $1 = '' THEN title ELSE $1 END, \
                 published = COALESCE($2, published), modified = COALESCE($3, modified), \
                 cvss_x10 = COALESCE($4, cvss_x10), kev = CASE WHEN $5 = 1 THEN 1 ELSE kev END, \
                 kev_date = COALESCE(kev_date, $6), updated_at = $7 WHERE id = $8",
            )
            .arg(title)
            .arg(a.published.clone())
            .arg(a.updated.clone())
            .arg(a.cvss.map(|c| (f64::from(c) * 10.0).round() as i64))
            .arg(i64::from(a.kev_date_added.is_some()))
            .arg(a.kev_date_added.clone())
            .arg(at)
            .arg(id)
            .execute(&mut *conn)
            .await?;
            rematch.push(id);
            Some(id)
        }
        Change::Kev(k) => {
            let id = advisory_id_for(conn, &k.cve_id).await?;
            Sql::new(
                "UPDATE watch_advisories SET kev = 1, kev_date = $1, title = CASE WHEN title = '' THEN $2 ELSE title END, \
                 published = COALESCE(published, $1), updated_at = $3 WHERE id = $4",
            )
            .arg(k.date_added.as_str())
            .arg(truncate(&k.vulnerability_name, 300))
            .arg(at)
            .arg(id)
            .execute(&mut *conn)
            .await?;
            rematch.push(id);
            Some(id)
        }
        Change::CertFr(item) => {
            for cve in &item.cves {
                let id = advisory_id_for(conn, cve).await?;
                let (refs,): (String,) =
                    Sql::new("SELECT certfr FROM watch_advisories WHERE id = $1")
                        .arg(id)
                        .fetch_one(&mut *conn)
                        .await?;
                let mut list: Vec<&str> = refs.split(',').filter(|s| !s.is_empty()).collect();
                if !list.contains(&item.reference.as_str()) {
                    list.push(&item.reference);
                }
                let joined = list.join(",");
                Sql::new(
                    "UPDATE watch_advisories SET certfr = $1, certfr_alert = CASE WHEN $2 = 1 THEN 1 ELSE certfr_alert END, \
                     title = CASE WHEN title = '' THEN $3 ELSE title END, updated_at = $4 WHERE id = $5",
                )
                .arg(joined)
                .arg(i64::from(item.is_alert))
                .arg(item.title.clone().unwrap_or_default())
                .arg(at)
                .arg(id)
                .execute(&mut *conn)
                .await?;
                rematch.push(id);
            }
            None
        }
        Change::Eol(e) => {
            eol = Some((*e).clone());
            None
        }
    };
    Sql::new(
        "INSERT INTO watch_records (source, ref_id, advisory_id, hash, data, file, ingested_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (source, ref_id) DO UPDATE SET advisory_id = excluded.advisory_id, hash = excluded.hash, data = excluded.data, \
         file = excluded.file, ingested_at = excluded.ingested_at",
    )
    .arg(source.as_str())
    .arg(ref_id.as_str())
    .arg(advisory_id)
    .arg(hash)
    .arg(data)
    .arg(file)
    .arg(at)
    .execute(&mut *conn)
    .await?;
    Ok((rematch, eol))
}

impl Store {
    /// Ingests what `vigie-intel` parsed from one file (or folder): stores the records that are
    /// new or changed (by content hash), re-evaluates the advisories they belong to against the
    /// inventories of their products, writes alerts with their notifications, updates the
    /// freshness of each source. The rejected records of `corpus.errors` are reported and
    /// recorded as the source's last error; they never stop the rest.
    pub async fn watch_ingest(
        &self,
        actor: &Actor,
        corpus: &Corpus,
        file: &str,
    ) -> Result<IngestReport, StoreError> {
        actor.require(Permission::ManageIntel)?;
        // An index built with other key rules is rebuilt first (once; one query otherwise).
        self.watch_reindex(actor).await?;
        let mut report = IngestReport {
            file: file.to_string(),
            rejected: corpus.errors.iter().map(|e| e.to_string()).collect(),
            ..Default::default()
        };
        let mut changes: Vec<Change> = Vec::new();
        let mut ids: Vec<&String> = corpus.advisories.keys().collect();
        ids.sort();
        for id in ids {
            for a in corpus.advisories.get(id).into_iter().flatten() {
                changes.push(Change::Record(a));
            }
        }
        if let Some(k) = &corpus.kev {
            changes.extend(k.entries.iter().map(Change::Kev));
        }
        changes.extend(corpus.certfr.iter().map(Change::CertFr));
        changes.extend(corpus.eol.iter().map(Change::Eol));

        // Which sources this document holds, and the newest date of each.
        let mut newest: HashMap<String, Option<String>> = HashMap::new();
        let mut bump = |s: &str, d: Option<&str>| {
            let e = newest.entry(s.to_string()).or_insert(None);
            if let Some(d) = d.and_then(|d| d.get(..10)).filter(|d| day_of(d).is_some()) {
                if e.as_deref().is_none_or(|o| o < d) {
                    *e = Some(d.to_string());
                }
            }
        };
        for c in &changes {
            match c {
                Change::Record(a) => bump(
                    if a.format == Source::Nvd {
                        "nvd"
                    } else {
                        "cve"
                    },
                    a.updated.as_deref(),
                ),
                Change::Kev(_) => {}
                Change::CertFr(i) => bump("certfr", i.date.as_deref()),
                Change::Eol(_) => bump("eol", Some(&today().to_string())),
            }
        }
        if let Some(k) = &corpus.kev {
            bump("kev", Some(&k.date_released));
        }
        if let Some(e) = &corpus.epss {
            bump("epss", e.score_date.as_deref());
        }

        // Skip unchanged records by hash.
        let mut known: HashMap<(String, String), String> = HashMap::new();
        for s in newest.keys() {
            let rows: Vec<(String, String)> =
                Sql::new("SELECT ref_id, hash FROM watch_records WHERE source = $1")
                    .arg(s.as_str())
                    .fetch_all(&self.pool)
                    .await?;
            known.extend(rows.into_iter().map(|(r, h)| ((s.clone(), r), h)));
        }
        let mut todo = Vec::new();
        let mut per_source: HashMap<String, (i64, i64, i64)> = HashMap::new();
        for c in changes {
            let key = c.key();
            let data = c.data();
            let hash = sha(&data);
            let counts = per_source.entry(key.0.clone()).or_default();
            match known.get(&key) {
                Some(h) if *h == hash => {
                    counts.2 += 1;
                    report.unchanged += 1;
                }
                Some(_) => {
                    counts.1 += 1;
                    report.changed += 1;
                    todo.push((c, hash, data));
                }
                None => {
                    counts.0 += 1;
                    report.added += 1;
                    todo.push((c, hash, data));
                }
            }
        }

        let mut names = HashMap::new();
        for chunk in todo.chunks(CHUNK) {
            let mut tx = self.begin_write().await?;
            let mut rematch: Vec<i64> = Vec::new();
            let mut eols = Vec::new();
            for (c, hash, data) in chunk {
                let (r, e) = store_change(&mut tx, c, hash, data, file).await?;
                rematch.extend(r);
                eols.extend(e);
            }
            rematch.sort_unstable();
            rematch.dedup();
            let mut out = Outcome::default();
            for id in &rematch {
                out.add(rematch_advisory(&mut tx, actor, *id, &mut names).await?);
            }
            // Every changed end-of-life product indexed first, so that each item is evaluated
            // against all the products its key is linked to.
            let mut eol_keys = Vec::new();
            for e in &eols {
                eol_keys.push(index_eol(&mut tx, e).await?);
            }
            for keys in &eol_keys {
                out.add(rematch_eol(&mut tx, actor, keys, &mut names).await?);
            }
            record(
                &mut *tx,
                actor,
                Event::new("watch.ingest", "watch_source", file).detail(serde_json::json!({
                    "records": chunk.iter().map(|(c, _, _)| {
                        let (s, r) = c.key();
                        format!("{s}:{r}")
                    }).collect::<Vec<_>>(),
                    "alerts_new": out.new_ids, "alerts_closed": out.closed,
                })),
            )
            .await?;
            tx.commit().await?;
            report.alerts_new += out.new_ids.len();
            report.alerts_closed += out.closed;
        }

        // EPSS: scores of the advisories we know; those with alerts are re-prioritized.
        if let Some(e) = &corpus.epss {
            let rows: Vec<(i64, String, Option<i64>)> =
                Sql::new("SELECT id, ref_id, epss_e5 FROM watch_advisories")
                    .fetch_all(&self.pool)
                    .await?;
            let map: HashMap<String, (i64, Option<i64>)> =
                rows.into_iter().map(|(id, r, v)| (r, (id, v))).collect();
            let mut upd: Vec<(i64, i64)> = Vec::new();
            let counts = per_source.entry("epss".into()).or_default();
            for s in &e.scores {
                let v = (f64::from(s.epss) * 100_000.0).round() as i64;
                match map.get(&s.cve) {
                    Some((id, old)) if *old != Some(v) => {
                        if old.is_some() {
                            counts.1 += 1;
                        } else {
                            counts.0 += 1;
                        }
                        upd.push((*id, v));
                    }
                    Some(_) => counts.2 += 1,
                    None => {}
                }
            }
            let with_alerts: HashSet<i64> = Sql::new(
                "SELECT DISTINCT advisory_id FROM watch_alerts WHERE advisory_id IS NOT NULL",
            )
            .fetch_all::<(i64,), _>(&self.pool)
            .await?
            .into_iter()
            .map(|r| r.0)
            .collect();
            for chunk in upd.chunks(CHUNK * 10) {
                let mut tx = self.begin_write().await?;
                let mut out = Outcome::default();
                for (id, v) in chunk {
                    Sql::new("UPDATE watch_advisories SET epss_e5 = $1 WHERE id = $2")
                        .arg(*v)
                        .arg(*id)
                        .execute(&mut *tx)
                        .await?;
                    if with_alerts.contains(id) {
                        out.add(rematch_advisory(&mut tx, actor, *id, &mut names).await?);
                    }
                }
                record(
                    &mut *tx,
                    actor,
                    Event::new("watch.ingest", "watch_source", file)
                        .detail(serde_json::json!({ "epss_updated": chunk.len() })),
                )
                .await?;
                tx.commit().await?;
                report.alerts_new += out.new_ids.len();
                report.alerts_closed += out.closed;
            }
        }

        // Freshness.
        let error = if report.rejected.is_empty() {
            None
        } else {
            Some(format!(
                "{} record(s) rejected in {file}; first: {}",
                report.rejected.len(),
                report.rejected.first().cloned().unwrap_or_default()
            ))
        };
        let mut sources: Vec<String> = newest.keys().cloned().collect();
        sources.sort();
        let mut tx = self.begin_write().await?;
        let at = now();
        for s in &sources {
            let (a, c, u) = per_source.get(s).copied().unwrap_or_default();
            let total: i64 = if s == "epss" {
                Sql::new("SELECT COUNT(*) FROM watch_advisories WHERE epss_e5 IS NOT NULL")
                    .scalar(&mut *tx)
                    .await?
            } else {
                Sql::new("SELECT COUNT(*) FROM watch_records WHERE source = $1")
                    .arg(s.as_str())
                    .scalar(&mut *tx)
                    .await?
            };
            let new_date = newest.get(s).cloned().flatten();
            Sql::new(
                "INSERT INTO watch_sources (source, last_ingest_at, newest_record, usual_period_days, records, last_added, \
                 last_changed, last_unchanged, last_rejected, last_error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 ON CONFLICT (source) DO UPDATE SET last_ingest_at = excluded.last_ingest_at, \
                 newest_record = CASE WHEN watch_sources.newest_record IS NULL OR watch_sources.newest_record < excluded.newest_record \
                 THEN excluded.newest_record ELSE watch_sources.newest_record END, records = excluded.records, \
                 last_added = excluded.last_added, last_changed = excluded.last_changed, last_unchanged = excluded.last_unchanged, \
                 last_rejected = excluded.last_rejected, last_error = excluded.last_error",
            )
            .arg(s.as_str())
            .arg(at)
            .arg(new_date)
            .arg(usual_period_days(s))
            .arg(total)
            .arg(a)
            .arg(c)
            .arg(u)
            .arg(report.rejected.len() as i64)
            .arg(error.clone())
            .execute(&mut *tx)
            .await?;
        }
        if sources.is_empty() {
            // Nothing recognisable: keep the error visible on the freshness page.
            Sql::new(
                "INSERT INTO watch_sources (source, last_ingest_at, usual_period_days, last_rejected, last_error) \
                 VALUES ('unknown', $1, 30, $2, $3) ON CONFLICT (source) DO UPDATE SET last_ingest_at = excluded.last_ingest_at, \
                 last_rejected = excluded.last_rejected, last_error = excluded.last_error",
            )
            .arg(at)
            .arg(report.rejected.len() as i64)
            .arg(error.clone())
            .execute(&mut *tx)
            .await?;
        }
        record(
            &mut *tx,
            actor,
            Event::new("watch.ingest.done", "watch_source", file).detail(serde_json::json!({
                "sources": sources, "added": report.added, "changed": report.changed,
                "unchanged": report.unchanged, "rejected": report.rejected.len(),
                "alerts_new": report.alerts_new, "alerts_closed": report.alerts_closed,
            })),
        )
        .await?;
        tx.commit().await?;
        report.sources = sources;
        Ok(report)
    }
}
