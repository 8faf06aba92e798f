//! Streaming imports into the registry: the public FINESS extract and GHT compositions.
//!
//! Lines are read one at a time and written in batches, so a file of any size runs in constant
//! memory. Every rejected line is reported with its number and the reason; the other lines apply.
//! Nothing stored is ever removed by an import: a structure missing from the file stays, and a
//! malformed line leaves the stored record of its structure as it was.

use std::io::BufRead;

use serde::Serialize;
use vigie_domain::extract::{self, Record};
use vigie_domain::geo;
use vigie_domain::problem::Problem;

use crate::actor::Actor;
use crate::db::Store;
use crate::error::StoreError;
use crate::registry::problems::line_problem;
use crate::registry::types::{StructureInput, UpsertCounts};

/// One rejected line, and why (a message key and its arguments).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Rejected {
    pub line: u64,
    pub problem: Problem,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub lines: u64,
    pub sites: u64,
    /// Records of other types (geolocation…), skipped, by type.
    pub skipped: std::collections::BTreeMap<String, u64>,
    pub counts: UpsertCounts,
    /// Rejected lines, listed up to a bound (see `rejected_total` for the count).
    pub rejected: Vec<Rejected>,
    pub rejected_total: u64,
    pub extract_date: Option<String>,
}

const BATCH: usize = 20_000;
/// The first batch is smaller: the writer starts as soon as it is parsed instead of waiting for
/// a whole batch (the batches after it are parsed while the writer writes).
const FIRST_BATCH: usize = 1_000;

/// What the reading side tells the writer task.
enum ToWriter {
    Batch(Vec<StructureInput>),
    /// The whole file was read: commit (a writer that never gets this rolls back what it can).
    Finish,
}

/// The task that writes the batches of an import while the next one is read.
struct Writer {
    send: tokio::sync::mpsc::Sender<ToWriter>,
    task: tokio::task::JoinHandle<Result<UpsertCounts, StoreError>>,
}

impl Writer {
    fn start(
        store: &Store,
        actor: &Actor,
        bulk: Option<(crate::db::WriteTx, Vec<String>)>,
    ) -> Writer {
        let (send, mut recv) = tokio::sync::mpsc::channel::<ToWriter>(1);
        let store = store.clone();
        let actor = actor.clone();
        let task = tokio::spawn(async move {
            let mut counts = UpsertCounts::default();
            let mut bulk = bulk;
            // In a first import every stored row is one this import wrote: their digests are
            // kept here instead of being read back.
            let mut known = std::collections::HashMap::new();
            while let Some(msg) = recv.recv().await {
                match msg {
                    ToWriter::Batch(rows) => {
                        let c = match bulk.as_mut() {
                            Some((tx, _)) => {
                                store
                                    .upsert_structures_in(tx, &actor, &rows, Some(&mut known))
                                    .await?
                            }
                            None => store.upsert_structures(&actor, &rows).await?,
                        };
                        add(&mut counts, c);
                    }
                    ToWriter::Finish => {
                        if let Some((mut tx, indexes)) = bulk.take() {
                            // With temporary storage in memory (the pool's setting), SQLite's
                            // sorter allocates every key on its own and never splits a sort;
                            // with file storage it fills one buffer as large as the page cache
                            // (64 MiB) and spills beyond: the index builds take a quarter less.
                            // Allowed inside a transaction as long as the connection holds no
                            // temporary table (Vigie creates none); a refusal only costs time.
                            let file_sorts = sqlx::query("PRAGMA temp_store = FILE")
                                .execute(&mut *tx)
                                .await
                                .is_ok();
                            let mut built = Ok(());
                            for def in &indexes {
                                built = sqlx::query(def).execute(&mut *tx).await.map(|_| ());
                                if built.is_err() {
                                    break;
                                }
                            }
                            if file_sorts {
                                sqlx::query("PRAGMA temp_store = MEMORY")
                                    .execute(&mut *tx)
                                    .await?;
                            }
                            built?;
                            sqlx::query("PRAGMA threads = 0").execute(&mut *tx).await?;
                            tx.commit().await?;
                            crate::cache::registry_changed();
                        }
                        return Ok(counts);
                    }
                }
            }
            // The reading side gave up (a read error): the transaction, if any, rolls back.
            Ok(counts)
        });
        Writer { send, task }
    }

    /// Hands a batch to the writer; waits while it still writes the one before.
    async fn send(&mut self, rows: Vec<StructureInput>) -> Result<(), StoreError> {
        if self.send.send(ToWriter::Batch(rows)).await.is_err() {
            // The writer stopped on an error: report it.
            return Err(self.error().await);
        }
        Ok(())
    }

    async fn error(&mut self) -> StoreError {
        match (&mut self.task).await {
            Ok(Err(e)) => e,
            Ok(Ok(_)) => StoreError::Internal("the import writer stopped early".into()),
            Err(e) => StoreError::Internal(format!("the import writer failed: {e}")),
        }
    }

    /// Stops after the batches already handed over; a first import's transaction rolls back.
    async fn abort(self) {
        drop(self.send);
        let _ = self.task.await;
    }

    /// Commits (or, for batched imports, has committed) everything; the counts of all batches.
    async fn finish(mut self) -> Result<UpsertCounts, StoreError> {
        if self.send.send(ToWriter::Finish).await.is_err() {
            return Err(self.error().await);
        }
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(StoreError::Internal(format!(
                "the import writer failed: {e}"
            ))),
        }
    }
}

/// Past this many rejected lines the rest are counted but not listed.
const MAX_LISTED_REJECTIONS: usize = 10_000;

/// A site record as the registry stores it, or why not.
fn site_to_input(s: extract::SiteRecord) -> Result<StructureInput, Problem> {
    let dep = geo::department(&s.department_code).ok_or_else(|| {
        Problem::new("registry-import-department-unknown").arg("value", &s.department_code)
    })?;
    let region = geo::region_of_department(dep.code).ok_or_else(|| {
        Problem::new("registry-import-department-without-region").arg("department", dep.code)
    })?;
    let sector = vigie_domain::structure::sector_of_category(&s.category_code, &s.aggregate_code);
    let family = vigie_domain::structure::legal_family_of(&s.sph_code, &s.category_code);
    Ok(StructureInput {
        finess_et: s.finess_et.as_str().to_string(),
        finess_ej: s.finess_ej.map(|f| f.as_str().to_string()),
        name: s.name,
        long_name: s.long_name,
        category_code: s.category_code,
        category_label: s.category_label,
        aggregate_code: s.aggregate_code,
        legal_family: family.as_str().to_string(),
        sector: sector.as_str().to_string(),
        address: s.address,
        postal_line: s.postal_line,
        department_code: dep.code.to_string(),
        region_code: region.code.to_string(),
        phone: s.phone,
        siret: s.siret,
        finess_updated_on: s.updated_on.map(|d| d.to_string()),
        is_demo: false,
        source: "finess".into(),
    })
}

impl Store {
    /// Imports a FINESS extract. The first line must be the extract's metadata line.
    ///
    /// Reading and parsing run here while a writer task writes the previous batch, so the two
    /// overlap. Sites are written in batches of 20,000, each in its own transaction, except for a
    /// first import into an empty registry on SQLite: there the whole file goes in one
    /// transaction, the secondary indexes of `structures` are dropped at its start and built again
    /// from their own definitions at its end (sorting once is several times cheaper than updating
    /// five indexes row by row). Everything, indexes included, commits or rolls back together: a
    /// file that cannot be read to its end leaves the registry as it was.
    pub async fn import_finess<R: BufRead>(
        &self,
        actor: &Actor,
        mut input: R,
    ) -> Result<ImportReport, StoreError> {
        Self::check_registry_import(actor)?;
        let mut report = ImportReport::default();
        let mut buf = Vec::with_capacity(512);
        let mut batch: Vec<StructureInput> = Vec::with_capacity(FIRST_BATCH);
        let mut batch_limit = FIRST_BATCH;
        let mut lineno = 0u64;
        let mut writer: Option<Writer> = None;
        loop {
            buf.clear();
            let n = match input.read_until(b'\n', &mut buf) {
                Ok(n) => n,
                Err(e) => {
                    if let Some(w) = writer.take() {
                        w.abort().await;
                    }
                    return Err(unreadable(lineno + 1, &e));
                }
            };
            if n == 0 {
                break;
            }
            lineno += 1;
            let line = extract::decode_line(&buf);
            let line = line.trim_end_matches(['\n', '\r']);
            if lineno == 1 {
                // A first line that is not the extract's metadata refuses the whole file.
                let meta = extract::parse_metadata(line)
                    .map_err(|e| StoreError::Invalid(line_problem(&e.fault)))?;
                report.extract_date = meta.date.map(|d| d.to_string());
                writer = Some(Writer::start(self, actor, self.begin_first_import().await?));
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            match extract::parse_line(line) {
                Ok(Record::Site(site)) => match site_to_input(site) {
                    Ok(input) => {
                        report.sites += 1;
                        batch.push(input);
                    }
                    Err(problem) => reject(&mut report, lineno, problem),
                },
                Ok(Record::Other { kind }) => *report.skipped.entry(kind).or_default() += 1,
                Err(e) => reject(&mut report, lineno, line_problem(&e.fault)),
            }
            if batch.len() >= batch_limit {
                batch_limit = BATCH;
                if let Some(w) = writer.as_mut() {
                    w.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)))
                        .await?;
                }
            }
        }
        let Some(mut w) = writer else {
            return Err(StoreError::invalid("registry-import-empty"));
        };
        if !batch.is_empty() {
            w.send(batch).await?;
        }
        report.counts = w.finish().await?;
        report.lines = lineno;
        if self.backend == crate::db::Backend::Postgres
            && report.counts.inserted + report.counts.updated > 0
        {
            // Statistics for the planner now rather than whenever autovacuum gets to it (never,
            // where it is off): a registry freshly filled and never analysed is planned as if
            // empty, and the list pages read every row of a region to sort them. A failure here
            // (a role that may not analyse) costs only that.
            if let Err(e) = sqlx::query("ANALYZE structures").execute(&self.pool).await {
                tracing::warn!(error = %e, "could not analyse the structures after the import");
            }
        }
        Ok(report)
    }

    /// On SQLite, when the registry is empty: opens the one transaction of a first import and
    /// drops the secondary (non-unique) indexes of `structures`, returning their definitions to
    /// build them again before the commit. `None` otherwise (batched import).
    async fn begin_first_import(
        &self,
    ) -> Result<Option<(crate::db::WriteTx, Vec<String>)>, StoreError> {
        if self.backend != crate::db::Backend::Sqlite {
            return Ok(None);
        }
        // BEGIN IMMEDIATE: the write lock is taken before reading.
        let mut tx = self.begin_write().await?;
        let any: Option<(i64,)> = crate::db::Sql::new("SELECT id FROM structures LIMIT 1")
            .fetch_optional(&mut *tx)
            .await?;
        if any.is_some() {
            // Released now, not whenever the dropped transaction's rollback gets to run: the
            // batched import that follows writes from another connection.
            tx.rollback().await?;
            return Ok(None);
        }
        let indexes: Vec<(String, String)> = crate::db::Sql::new(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'structures' \
             AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
        )
        .fetch_all(&mut *tx)
        .await?;
        // The indexes are built again at the end by sorting: let SQLite sort with a helper
        // thread (set back once the import ends; a connection setting, not data).
        sqlx::query("PRAGMA threads = 2").execute(&mut *tx).await?;
        for (name, _) in &indexes {
            sqlx::query(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))
                .execute(&mut *tx)
                .await?;
        }
        Ok(Some((
            tx,
            indexes.into_iter().map(|(_, def)| def).collect(),
        )))
    }

    /// Imports a GHT composition CSV (see vigie-domain's `ght` module for the format).
    pub async fn import_ght<R: BufRead>(
        &self,
        actor: &Actor,
        input: R,
    ) -> Result<ImportReport, StoreError> {
        let mut report = ImportReport::default();
        let mut lines = input.lines();
        let header = match lines.next() {
            Some(Ok(h)) => h,
            Some(Err(e)) => return Err(unreadable(1, &e)),
            None => return Err(StoreError::invalid("registry-import-empty")),
        };
        // A header that does not name the columns refuses the whole file.
        let fmt =
            vigie_domain::ght::parse_ght_header(header.trim_start_matches('\u{feff}').trim_end())
                .map_err(|e| StoreError::Invalid(line_problem(&e.fault)))?;
        let mut rows = Vec::new();
        let mut linenos = Vec::new();
        let mut lineno = 1u64;
        for line in lines {
            lineno += 1;
            let line = line.map_err(|e| unreadable(lineno, &e))?;
            if line.trim().is_empty() {
                continue;
            }
            match vigie_domain::ght::parse_ght_row(&fmt, line.trim_end()) {
                Ok(r) => {
                    rows.push((
                        r.ght_code,
                        r.ght_name,
                        r.region_code,
                        r.finess_et.as_str().to_string(),
                        r.support,
                    ));
                    linenos.push(lineno);
                }
                Err(e) => reject(&mut report, lineno, line_problem(&e.fault)),
            }
        }
        let (applied, rejected) = self.apply_ght_composition(actor, &rows).await?;
        for (i, problem) in rejected {
            reject(&mut report, linenos[i], problem);
        }
        report.rejected.sort_by_key(|r| r.line);
        report.lines = lineno;
        report.counts.updated = applied as u64;
        Ok(report)
    }
}

fn reject(report: &mut ImportReport, line: u64, problem: Problem) {
    report.rejected_total += 1;
    if report.rejected.len() < MAX_LISTED_REJECTIONS {
        report.rejected.push(Rejected { line, problem });
    }
}

/// A line of the file could not be read (not UTF-8 where the format wants it, an upload cut
/// short): the import stops there.
fn unreadable(line: u64, e: &std::io::Error) -> StoreError {
    StoreError::Invalid(
        Problem::new("registry-import-unreadable")
            .arg("line", line)
            .arg("detail", e.to_string()),
    )
}

fn add(total: &mut UpsertCounts, c: UpsertCounts) {
    total.inserted += c.inserted;
    total.updated += c.updated;
    total.unchanged += c.unchanged;
}
