//! Offline ingestion of files and folders into a [`Corpus`]. A malformed record is reported
//! (file + record + reason) and never stops the rest. Re-ingesting the same record is idempotent:
//! a record replaces the previous one with the same id and format only if its `updated` date is
//! newer or equal.

use crate::matching::{Finding, Matcher, ThreatContext};
use crate::model::*;
use crate::parse::{self, ParseError};
use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::Path;

/// Everything known, in memory.
#[derive(Debug, Default)]
pub struct Corpus {
    /// CVE id → records (at most one per format: CVE 5, NVD).
    pub advisories: HashMap<String, Vec<Advisory>>,
    /// KEV catalogue, if loaded.
    pub kev: Option<KevCatalog>,
    /// CERT-FR alerts and advisories.
    pub certfr: Vec<CertFrItem>,
    /// EPSS scores, if loaded.
    pub epss: Option<EpssFile>,
    /// endoflife.date products.
    pub eol: Vec<EolProduct>,
    /// Every record that was rejected.
    pub errors: Vec<ParseError>,
}

/// How old one source is, and whether that is longer than its usual update period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SourceAge {
    /// The source.
    pub source: Source,
    /// Newest date seen in it (`YYYY-MM-DD`), if any.
    pub newest: Option<chrono::NaiveDate>,
    /// Days between `newest` and `today`.
    pub age_days: Option<i64>,
    /// Usual update period of the source, in days.
    pub usual_period_days: i64,
    /// Alarm: older than its usual period (or no date at all).
    pub stale: bool,
}

fn day(s: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// What kind of JSON document a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// CVE JSON 5 record.
    Cve5,
    /// NVD API 2.0.
    Nvd,
    /// KEV catalogue.
    Kev,
    /// CERT-FR.
    CertFr,
    /// endoflife.date.
    EndOfLife,
    /// EPSS CSV.
    Epss,
}

/// Guess the kind of a document from its first bytes and name.
pub fn sniff(name: &str, bytes: &[u8]) -> Option<Kind> {
    if name.ends_with(".csv") {
        let head = String::from_utf8_lossy(bytes.get(..512).unwrap_or(bytes)).to_string();
        return (head.starts_with("#model_version") || head.starts_with("cve,epss"))
            .then_some(Kind::Epss);
    }
    let head = String::from_utf8_lossy(bytes.get(..4096).unwrap_or(bytes)).to_string();
    if head.contains("\"cveMetadata\"") || head.contains("\"CVE_RECORD\"") {
        Some(Kind::Cve5)
    } else if head.contains("\"catalogVersion\"")
        || head.contains("Known Exploited Vulnerabilities")
    {
        Some(Kind::Kev)
    } else if head.contains("\"alert\"") && head.contains("\"cves\"")
        || head.contains("\"reference\": \"CERTFR")
        || head.contains("cert.ssi.gouv.fr")
    {
        Some(Kind::CertFr)
    } else if head.contains("\"sourceIdentifier\"")
        || head.contains("\"vulnStatus\"")
        || head.contains("\"resultsPerPage\"")
    {
        Some(Kind::Nvd)
    } else if head.contains("\"releaseCycle\"") || head.contains("\"releases\"") {
        Some(Kind::EndOfLife)
    } else {
        None
    }
}

impl Corpus {
    /// Add one advisory (idempotent by id + format + updated date).
    pub fn add_advisory(&mut self, a: Advisory) {
        let list = self.advisories.entry(a.id.clone()).or_default();
        match list.iter_mut().find(|x| x.format == a.format) {
            Some(old) => {
                if a.updated >= old.updated {
                    *old = a;
                }
            }
            None => list.push(a),
        }
    }

    /// Ingest one document's bytes; `name` is used for kind detection and errors.
    pub fn add_bytes(&mut self, name: &str, bytes: &[u8]) {
        let file = Some(name);
        match sniff(name, bytes) {
            Some(Kind::Cve5) => match parse::parse_cve5(bytes, file) {
                Ok(a) => self.add_advisory(a),
                Err(e) => self.errors.push(e),
            },
            Some(Kind::Nvd) => match parse::parse_nvd(bytes, file) {
                Ok((list, errs)) => {
                    list.into_iter().for_each(|a| self.add_advisory(a));
                    self.errors.extend(errs);
                }
                Err(e) => self.errors.push(e),
            },
            Some(Kind::Kev) => match parse::parse_kev(bytes, file) {
                Ok((k, errs)) => {
                    self.kev = Some(k);
                    self.errors.extend(errs);
                }
                Err(e) => self.errors.push(e),
            },
            Some(Kind::CertFr) => match parse::parse_certfr(bytes, file) {
                Ok((items, errs)) => {
                    for it in items {
                        match self.certfr.iter_mut().find(|x| x.reference == it.reference) {
                            Some(old) => *old = it,
                            None => self.certfr.push(it),
                        }
                    }
                    self.errors.extend(errs);
                }
                Err(e) => self.errors.push(e),
            },
            Some(Kind::EndOfLife) => match parse::parse_endoflife(bytes, file) {
                Ok((ps, errs)) => {
                    for p in ps {
                        match self.eol.iter_mut().find(|x| x.id == p.id) {
                            Some(old) => *old = p,
                            None => self.eol.push(p),
                        }
                    }
                    self.errors.extend(errs);
                }
                Err(e) => self.errors.push(e),
            },
            Some(Kind::Epss) => match parse::parse_epss(bytes, file) {
                Ok((f, errs)) => {
                    self.epss = Some(f);
                    self.errors.extend(errs);
                }
                Err(e) => self.errors.push(e),
            },
            None => self.errors.push(ParseError {
                file: Some(name.to_string()),
                record: None,
                reason:
                    "unrecognised document (not CVE 5, NVD, KEV, CERT-FR, EPSS or endoflife.date)"
                        .into(),
            }),
        }
    }

    /// Ingest a `.tar.zst` archive of CVE JSON 5 records (the Vulnrichment layout), streaming.
    pub fn add_tar_zst(&mut self, path: &Path) -> Result<usize, ParseError> {
        let err = |r: String| ParseError {
            file: Some(path.display().to_string()),
            record: None,
            reason: r,
        };
        let f = fs::File::open(path).map_err(|e| err(format!("cannot open: {e}")))?;
        let dec = zstd::stream::read::Decoder::new(f).map_err(|e| err(format!("not zstd: {e}")))?;
        let mut ar = tar::Archive::new(dec);
        let mut n = 0;
        let entries = ar
            .entries()
            .map_err(|e| err(format!("not a tar archive: {e}")))?;
        for entry in entries {
            let mut entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    self.errors.push(err(format!("corrupt archive entry: {e}")));
                    break;
                }
            };
            let name = entry
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            if !name.ends_with(".json") {
                continue;
            }
            let mut buf = Vec::with_capacity(entry.size() as usize);
            if let Err(e) = (&mut entry)
                .take(parse::MAX_RECORD_BYTES as u64 + 1)
                .read_to_end(&mut buf)
            {
                self.errors.push(err(format!("{name}: {e}")));
                continue;
            }
            match parse::parse_cve5(&buf, Some(&name)) {
                Ok(a) => {
                    self.add_advisory(a);
                    n += 1;
                }
                Err(e) => self.errors.push(e),
            }
        }
        Ok(n)
    }

    /// Ingest a file or a folder (recursively): `.json`, `.csv` and `.tar.zst` files.
    pub fn add_path(&mut self, path: &Path) {
        if path.is_dir() {
            let Ok(rd) = fs::read_dir(path) else {
                self.errors.push(ParseError {
                    file: Some(path.display().to_string()),
                    record: None,
                    reason: "cannot read folder".into(),
                });
                return;
            };
            let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
            entries.sort();
            for p in entries {
                self.add_path(&p);
            }
            return;
        }
        let name = path.display().to_string();
        if name.ends_with(".tar.zst") {
            if let Err(e) = self.add_tar_zst(path) {
                self.errors.push(e);
            }
        } else if name.ends_with(".json") || name.ends_with(".csv") {
            if name.ends_with("schema.json") {
                return;
            }
            match fs::read(path) {
                // Other CSV files (the KEV CSV twin of the JSON, indexes) are not sources here.
                Ok(b) if name.ends_with(".csv") && sniff(&name, &b).is_none() => {}
                Ok(b) => self.add_bytes(&name, &b),
                Err(e) => self.errors.push(ParseError {
                    file: Some(name),
                    record: None,
                    reason: format!("cannot read: {e}"),
                }),
            }
        }
    }

    /// Freshness of each loaded source as of `today`, with an alarm when a source is older than
    /// its usual period (CVE and NVD: 2 days, KEV: 7, EPSS: 2, CERT-FR: 30).
    pub fn freshness(&self, today: chrono::NaiveDate) -> Vec<SourceAge> {
        let newest = |f: Source| {
            self.advisories
                .values()
                .flatten()
                .filter(|a| a.format == f)
                .filter_map(|a| a.updated.as_deref().and_then(day))
                .max()
        };
        let mut v = vec![
            (
                Source::CveCna,
                newest(Source::CveCna),
                2,
                !self.advisories.is_empty(),
            ),
            (
                Source::Nvd,
                newest(Source::Nvd),
                2,
                self.advisories
                    .values()
                    .flatten()
                    .any(|a| a.format == Source::Nvd),
            ),
            (
                Source::Kev,
                self.kev.as_ref().and_then(|k| day(&k.date_released)),
                7,
                self.kev.is_some(),
            ),
            (
                Source::Epss,
                self.epss
                    .as_ref()
                    .and_then(|e| e.score_date.as_deref().and_then(day)),
                2,
                self.epss.is_some(),
            ),
            (
                Source::CertFr,
                self.certfr
                    .iter()
                    .filter_map(|c| c.date.as_deref().and_then(day))
                    .max(),
                30,
                !self.certfr.is_empty(),
            ),
        ];
        v.retain(|x| x.3);
        v.into_iter()
            .map(|(source, newest, usual, _)| {
                let age = newest.map(|d| (today - d).num_days());
                SourceAge {
                    source,
                    newest,
                    age_days: age,
                    usual_period_days: usual,
                    stale: age.is_none_or(|a| a > usual),
                }
            })
            .collect()
    }

    /// Priorities context from KEV, CERT-FR and EPSS.
    pub fn threat_context(&self) -> ThreatContext {
        ThreatContext::new(self.kev.as_ref(), &self.certfr, self.epss.as_ref())
    }

    /// Number of advisories (records).
    pub fn advisory_count(&self) -> usize {
        self.advisories.values().map(Vec::len).sum()
    }

    /// Match every advisory, then KEV entries that have no record, merging per (item, CVE).
    /// Findings are sorted by priority (highest first), then structure and item.
    pub fn match_all(&self, m: &Matcher) -> Vec<Finding> {
        let ctx = self.threat_context();
        let lists: Vec<&Vec<Advisory>> = self.advisories.values().collect();
        let threads = std::thread::available_parallelism()
            .map_or(1, usize::from)
            .clamp(1, 8);
        let chunk = lists.len().div_ceil(threads).max(1);
        let mut out = Vec::new();
        std::thread::scope(|s| {
            let handles: Vec<_> = lists
                .chunks(chunk)
                .map(|part| {
                    let ctx = &ctx;
                    s.spawn(move || {
                        let mut v = Vec::new();
                        for list in part {
                            v.extend(match_cve(m, list, ctx));
                        }
                        v
                    })
                })
                .collect();
            for h in handles {
                match h.join() {
                    Ok(v) => out.extend(v),
                    // A worker cannot panic on data (no unwrap anywhere); if it ever did, say so
                    // loudly rather than return a silently partial result.
                    Err(_) => {
                        eprintln!("vigie-intel: a matching worker failed; results are incomplete")
                    }
                }
            }
        });
        if let Some(k) = &self.kev {
            for e in &k.entries {
                // Products the KEV names that no record of the CVE decides with version data
                // (a CNA `n/a` record, another product of the vendor) go to review.
                let records = self
                    .advisories
                    .get(&e.cve_id)
                    .map_or(&[][..], Vec::as_slice);
                let keys = crate::product::kev_uncovered_keys(m.catalog(), e, records);
                if !keys.is_empty() {
                    out.extend(m.match_kev_keys(e, &ctx, &keys));
                }
            }
        }
        out.sort_unstable_by(|a, b| {
            b.priority
                .score
                .cmp(&a.priority.score)
                .then(a.structure_id.cmp(&b.structure_id))
                .then(a.item.cmp(&b.item))
                .then_with(|| a.cve.cmp(&b.cve))
        });
        out
    }
}

/// Match all records of one CVE and merge per item (Affected beats NeedsReview).
pub fn match_cve(m: &Matcher, records: &[Advisory], ctx: &ThreatContext) -> Vec<Finding> {
    if let [one] = records {
        return m.match_advisory(one, ctx);
    }
    let mut by_item: HashMap<usize, Finding> = HashMap::new();
    // Items the CNA's explicit data clears: an NVD record of the same CVE does not override them.
    let mut cleared: std::collections::HashSet<usize> = std::collections::HashSet::new();
    let mut results = Vec::with_capacity(records.len());
    let has_nvd = records.iter().any(|a| a.format == Source::Nvd);
    for a in records {
        if has_nvd && a.format != Source::Nvd {
            let r = m.match_advisory_detailed(a, ctx);
            cleared.extend(r.cleared.iter().map(|c| c.0));
            results.push((a.format, r.findings));
        } else {
            results.push((a.format, m.match_advisory(a, ctx)));
        }
    }
    for (format, findings) in results {
        for f in findings {
            if format == Source::Nvd && cleared.contains(&f.item) {
                continue;
            }
            match by_item.get_mut(&f.item) {
                None => {
                    by_item.insert(f.item, f);
                }
                Some(old) => {
                    if (f.decision, f.confidence) > (old.decision, old.confidence) {
                        let srcs = f.sources.union(old.sources);
                        *old = Finding { sources: srcs, ..f };
                    } else if f.decision == old.decision {
                        old.sources = old.sources.union(f.sources);
                    }
                }
            }
        }
    }
    let mut v: Vec<Finding> = by_item.into_values().collect();
    v.sort_by_key(|f| f.item);
    v
}
