//! Parsers for every source format. Each returns a typed record or a [`ParseError`] that names
//! the file/record and the reason; batch helpers collect errors and carry on.

use crate::model::*;
use serde::Deserialize;
use serde_json::Value;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// A record that could not be parsed: where, which record, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ParseError {
    /// File (or archive member) name, when known.
    pub file: Option<String>,
    /// Record id (CVE id, KEV index...), when known.
    pub record: Option<String>,
    /// Reason.
    pub reason: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}: {}",
            self.file.as_deref().unwrap_or("<input>"),
            self.record
                .as_deref()
                .map(|r| format!(" [{r}]"))
                .unwrap_or_default(),
            self.reason
        )
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    fn new(file: Option<&str>, record: Option<&str>, reason: impl Into<String>) -> Self {
        ParseError {
            file: file.map(str::to_string),
            record: record.map(str::to_string),
            reason: reason.into(),
        }
    }
}

/// Largest single JSON document accepted (a CVE record is at most a few MB).
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

fn is_cve_id(s: &str) -> bool {
    let mut it = s.splitn(3, '-');
    matches!(
        (it.next(), it.next(), it.next()),
        (Some(p), Some(y), Some(n)) if p.eq_ignore_ascii_case("cve")
            && y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit())
            && n.len() >= 4 && n.len() <= 12 && n.bytes().all(|b| b.is_ascii_digit())
    )
}

// ---- CVE JSON 5 ----------------------------------------------------------------------------

#[derive(Deserialize)]
struct C5Record {
    #[serde(rename = "dataType", default)]
    data_type: Option<String>,
    #[serde(rename = "cveMetadata")]
    meta: C5Meta,
    #[serde(default)]
    containers: C5Containers,
}

#[derive(Deserialize)]
struct C5Meta {
    #[serde(rename = "cveId")]
    cve_id: String,
    #[serde(default)]
    state: Option<String>,
    #[serde(rename = "datePublished", default)]
    date_published: Option<String>,
    #[serde(rename = "dateUpdated", default)]
    date_updated: Option<String>,
}

#[derive(Deserialize, Default)]
struct C5Containers {
    #[serde(default)]
    cna: Option<C5Container>,
    #[serde(default)]
    adp: Vec<C5Container>,
}

#[derive(Deserialize, Default)]
struct C5Container {
    #[serde(rename = "providerMetadata", default)]
    provider: Option<C5Provider>,
    #[serde(default)]
    affected: Vec<C5Affected>,
    #[serde(default)]
    descriptions: Vec<C5Desc>,
    #[serde(default)]
    metrics: Vec<Value>,
}

#[derive(Deserialize)]
struct C5Provider {
    #[serde(rename = "shortName", default)]
    short_name: Option<String>,
}

#[derive(Deserialize)]
struct C5Desc {
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    value: Option<String>,
}

#[derive(Deserialize)]
struct C5Affected {
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    product: Option<String>,
    #[serde(rename = "packageName", default)]
    package_name: Option<String>,
    #[serde(default)]
    cpes: Vec<String>,
    #[serde(rename = "defaultStatus", default)]
    default_status: Option<String>,
    #[serde(default)]
    versions: Vec<C5Version>,
}

#[derive(Deserialize)]
struct C5Version {
    #[serde(default)]
    version: Option<Value>,
    #[serde(rename = "lessThan", default)]
    less_than: Option<Value>,
    #[serde(rename = "lessThanOrEqual", default)]
    less_than_or_equal: Option<Value>,
    #[serde(rename = "versionType", default)]
    version_type: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    changes: Vec<C5Change>,
}

#[derive(Deserialize)]
struct C5Change {
    #[serde(default)]
    at: Option<Value>,
    #[serde(default)]
    status: Option<String>,
}

fn val_str(v: &Option<Value>) -> Option<String> {
    match v {
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn cvss_from_metric(m: &Value) -> Option<f32> {
    let obj = m.as_object()?;
    for key in ["cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"] {
        if let Some(score) = obj
            .get(key)
            .and_then(|c| c.get("baseScore"))
            .and_then(Value::as_f64)
        {
            if (0.0..=10.0).contains(&score) {
                return Some(score as f32);
            }
        }
    }
    None
}

fn ssvc_from_metric(m: &Value) -> Option<Ssvc> {
    let other = m.get("other")?;
    if other.get("type")?.as_str()? != "ssvc" {
        return None;
    }
    let mut s = Ssvc::default();
    for opt in other.get("content")?.get("options")?.as_array()? {
        if let Some(o) = opt.as_object() {
            for (k, v) in o {
                let v = v.as_str().map(str::to_string);
                match k.to_ascii_lowercase().as_str() {
                    "exploitation" => s.exploitation = v,
                    "automatable" => s.automatable = v,
                    "technical impact" => s.technical_impact = v,
                    _ => {}
                }
            }
        }
    }
    Some(s)
}

fn kev_from_metric(m: &Value) -> Option<String> {
    let other = m.get("other")?;
    if other.get("type")?.as_str()? != "kev" {
        return None;
    }
    Some(
        other
            .get("content")?
            .get("dateAdded")?
            .as_str()?
            .to_string(),
    )
}

fn convert_affected(a: C5Affected, origin: Source) -> AffectedProduct {
    AffectedProduct {
        origin,
        vendor: a.vendor.unwrap_or_default().trim().to_string(),
        product: a.product.unwrap_or_default().trim().to_string(),
        package_name: a.package_name,
        cpes: a.cpes,
        default_status: Status::from_cve(a.default_status.as_deref()),
        versions: a
            .versions
            .into_iter()
            .map(|v| VersionEntry {
                version: val_str(&v.version).unwrap_or_default(),
                less_than: val_str(&v.less_than),
                less_than_or_equal: val_str(&v.less_than_or_equal),
                version_type: v.version_type,
                status: Status::from_cve(v.status.as_deref()),
                changes: v
                    .changes
                    .into_iter()
                    .filter_map(|c| {
                        Some(StatusChange {
                            at: val_str(&c.at)?,
                            status: Status::from_cve(c.status.as_deref()),
                        })
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Parse one CVE JSON 5 record (CVE List layout). `file` is only used in errors.
pub fn parse_cve5(bytes: &[u8], file: Option<&str>) -> Result<Advisory, ParseError> {
    if bytes.len() > MAX_RECORD_BYTES {
        return Err(ParseError::new(file, None, "record larger than 16 MiB"));
    }
    let rec: C5Record = serde_json::from_slice(bytes)
        .map_err(|e| ParseError::new(file, None, format!("not a CVE JSON 5 record: {e}")))?;
    let id = rec.meta.cve_id.trim().to_ascii_uppercase();
    if !is_cve_id(&id) {
        return Err(ParseError::new(
            file,
            Some(&id),
            "cveMetadata.cveId is not a CVE id",
        ));
    }
    if let Some(dt) = &rec.data_type {
        if dt != "CVE_RECORD" {
            return Err(ParseError::new(
                file,
                Some(&id),
                format!("dataType is `{dt}`, expected CVE_RECORD"),
            ));
        }
    }
    let state = match rec
        .meta
        .state
        .as_deref()
        .map(str::to_ascii_uppercase)
        .as_deref()
    {
        Some("REJECTED") => RecordState::Rejected,
        Some("PUBLISHED") | None => RecordState::Published,
        Some(other) => {
            return Err(ParseError::new(
                file,
                Some(&id),
                format!("unknown state `{other}`"),
            ))
        }
    };
    let mut adv = Advisory {
        id: id.clone(),
        format: Source::CveCna,
        state,
        published: rec.meta.date_published,
        updated: rec.meta.date_updated,
        description: None,
        affected: Vec::new(),
        configurations: Vec::new(),
        cvss: None,
        ssvc: None,
        kev_date_added: None,
    };
    if state == RecordState::Rejected {
        return Ok(adv);
    }
    let containers = rec.containers;
    if let Some(cna) = containers.cna {
        adv.description = cna
            .descriptions
            .iter()
            .find(|d| d.lang.as_deref().is_some_and(|l| l.starts_with("en")))
            .or(cna.descriptions.first())
            .and_then(|d| d.value.clone());
        adv.cvss = cna.metrics.iter().find_map(cvss_from_metric);
        adv.affected.extend(
            cna.affected
                .into_iter()
                .map(|a| convert_affected(a, Source::CveCna)),
        );
    }
    for adp in containers.adp {
        let is_cisa = adp
            .provider
            .as_ref()
            .and_then(|p| p.short_name.as_deref())
            .is_some_and(|n| n.eq_ignore_ascii_case("CISA-ADP"));
        if !is_cisa {
            continue;
        }
        for m in &adp.metrics {
            if adv.cvss.is_none() {
                adv.cvss = cvss_from_metric(m);
            }
            if let Some(s) = ssvc_from_metric(m) {
                adv.ssvc = Some(s);
            }
            if let Some(k) = kev_from_metric(m) {
                adv.kev_date_added = Some(k);
            }
        }
        adv.affected.extend(
            adp.affected
                .into_iter()
                .map(|a| convert_affected(a, Source::CisaAdp)),
        );
    }
    Ok(adv)
}

// ---- NVD API 2.0 -----------------------------------------------------------------------------

#[derive(Deserialize)]
struct NvdCve {
    id: String,
    #[serde(default)]
    published: Option<String>,
    #[serde(rename = "lastModified", default)]
    last_modified: Option<String>,
    #[serde(rename = "vulnStatus", default)]
    vuln_status: Option<String>,
    #[serde(default)]
    descriptions: Vec<C5Desc>,
    #[serde(default)]
    metrics: Option<Value>,
    #[serde(rename = "cisaExploitAdd", default)]
    cisa_exploit_add: Option<String>,
    #[serde(default)]
    configurations: Vec<NvdConfig>,
}

#[derive(Deserialize)]
struct NvdConfig {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    negate: Option<bool>,
    #[serde(default)]
    nodes: Vec<NvdNode>,
}

#[derive(Deserialize)]
struct NvdNode {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    negate: Option<bool>,
    #[serde(rename = "cpeMatch", default)]
    cpe_match: Vec<NvdMatch>,
}

#[derive(Deserialize)]
struct NvdMatch {
    #[serde(default)]
    vulnerable: Option<bool>,
    criteria: String,
    #[serde(rename = "versionStartIncluding", default)]
    start_including: Option<String>,
    #[serde(rename = "versionStartExcluding", default)]
    start_excluding: Option<String>,
    #[serde(rename = "versionEndIncluding", default)]
    end_including: Option<String>,
    #[serde(rename = "versionEndExcluding", default)]
    end_excluding: Option<String>,
}

fn is_and(op: &Option<String>) -> bool {
    op.as_deref().is_some_and(|o| o.eq_ignore_ascii_case("AND"))
}

fn nvd_cvss(metrics: &Value) -> Option<f32> {
    let obj = metrics.as_object()?;
    for key in [
        "cvssMetricV40",
        "cvssMetricV31",
        "cvssMetricV30",
        "cvssMetricV2",
    ] {
        let list = obj.get(key).and_then(Value::as_array);
        let Some(list) = list else { continue };
        // Prefer the NVD's own ("Primary") score, else the first.
        let pick = list
            .iter()
            .find(|m| m.get("type").and_then(Value::as_str) == Some("Primary"))
            .or(list.first());
        if let Some(s) = pick
            .and_then(|m| m.get("cvssData"))
            .and_then(|d| d.get("baseScore"))
            .and_then(Value::as_f64)
        {
            if (0.0..=10.0).contains(&s) {
                return Some(s as f32);
            }
        }
    }
    None
}

fn convert_nvd(c: NvdCve, file: Option<&str>) -> Result<Advisory, ParseError> {
    let id = c.id.trim().to_ascii_uppercase();
    if !is_cve_id(&id) {
        return Err(ParseError::new(file, Some(&id), "id is not a CVE id"));
    }
    let rejected = c
        .vuln_status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("Rejected"));
    Ok(Advisory {
        id,
        format: Source::Nvd,
        state: if rejected {
            RecordState::Rejected
        } else {
            RecordState::Published
        },
        published: c.published,
        updated: c.last_modified,
        description: c
            .descriptions
            .iter()
            .find(|d| d.lang.as_deref() == Some("en"))
            .and_then(|d| d.value.clone()),
        affected: Vec::new(),
        configurations: if rejected {
            Vec::new()
        } else {
            c.configurations
                .into_iter()
                .map(|cfg| Configuration {
                    and: is_and(&cfg.operator),
                    negate: cfg.negate.unwrap_or(false),
                    nodes: cfg
                        .nodes
                        .into_iter()
                        .map(|n| ConfigNode {
                            and: is_and(&n.operator),
                            negate: n.negate.unwrap_or(false),
                            matches: n
                                .cpe_match
                                .into_iter()
                                .map(|m| CpeMatch {
                                    vulnerable: m.vulnerable.unwrap_or(true),
                                    criteria: m.criteria,
                                    start_including: m.start_including,
                                    start_excluding: m.start_excluding,
                                    end_including: m.end_including,
                                    end_excluding: m.end_excluding,
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect()
        },
        cvss: c.metrics.as_ref().and_then(nvd_cvss),
        ssvc: None,
        kev_date_added: c.cisa_exploit_add,
    })
}

/// Parse NVD API 2.0 JSON: either one `cve` object (the fkie-cad per-CVE layout), an object
/// `{"cve": {...}}`, or an API response `{"vulnerabilities": [{"cve": {...}}, ...]}`.
/// Returns the advisories that parsed and one error per record that did not.
pub fn parse_nvd(
    bytes: &[u8],
    file: Option<&str>,
) -> Result<(Vec<Advisory>, Vec<ParseError>), ParseError> {
    if bytes.len() > 4 * MAX_RECORD_BYTES * 64 {
        return Err(ParseError::new(file, None, "file too large"));
    }
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ParseError::new(file, None, format!("not JSON: {e}")))?;
    let mut ok = Vec::new();
    let mut errs = Vec::new();
    let mut one = |item: Value, idx: usize| {
        let rec = item
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{idx}"));
        match serde_json::from_value::<NvdCve>(item) {
            Ok(c) => match convert_nvd(c, file) {
                Ok(a) => ok.push(a),
                Err(e) => errs.push(e),
            },
            Err(e) => errs.push(ParseError::new(
                file,
                Some(&rec),
                format!("not an NVD CVE object: {e}"),
            )),
        }
    };
    if let Some(list) = v.get("vulnerabilities").and_then(Value::as_array) {
        for (i, item) in list.iter().enumerate() {
            match item.get("cve") {
                Some(c) => one(c.clone(), i),
                None => one(Value::Null, i),
            }
        }
    } else if let Some(c) = v.get("cve") {
        one(c.clone(), 0);
    } else if v.get("id").is_some() {
        one(v, 0);
    } else {
        return Err(ParseError::new(
            file,
            None,
            "neither an NVD cve object nor an API response",
        ));
    }
    Ok((ok, errs))
}

// ---- CISA KEV --------------------------------------------------------------------------------

/// Parse the KEV catalogue JSON. Entries that do not parse are reported, the rest are kept.
pub fn parse_kev(
    bytes: &[u8],
    file: Option<&str>,
) -> Result<(KevCatalog, Vec<ParseError>), ParseError> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ParseError::new(file, None, format!("not JSON: {e}")))?;
    let list = v
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            ParseError::new(
                file,
                None,
                "no `vulnerabilities` array: not a KEV catalogue",
            )
        })?;
    let mut entries = Vec::with_capacity(list.len());
    let mut errs = Vec::new();
    for (i, item) in list.iter().enumerate() {
        let rec = item
            .get("cveID")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("#{i}"));
        match KevEntry::deserialize(item) {
            Ok(mut e) => {
                e.cve_id = e.cve_id.trim().to_ascii_uppercase();
                if is_cve_id(&e.cve_id) {
                    entries.push(e);
                } else {
                    errs.push(ParseError::new(file, Some(&rec), "cveID is not a CVE id"));
                }
            }
            Err(e) => errs.push(ParseError::new(
                file,
                Some(&rec),
                format!("invalid KEV entry: {e}"),
            )),
        }
    }
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    Ok((
        KevCatalog {
            catalog_version: s("catalogVersion"),
            date_released: s("dateReleased"),
            entries,
        },
        errs,
    ))
}

// ---- EPSS ------------------------------------------------------------------------------------

/// Parse an EPSS CSV (`#model_version:...,score_date:...` then `cve,epss,percentile`).
pub fn parse_epss<R: Read>(
    reader: R,
    file: Option<&str>,
) -> Result<(EpssFile, Vec<ParseError>), ParseError> {
    let mut text = String::new();
    reader
        .take(1024 * 1024 * 1024)
        .read_to_string(&mut text)
        .map_err(|e| ParseError::new(file, None, format!("cannot read: {e}")))?;
    let mut model_version = None;
    let mut score_date = None;
    let mut body = text.as_str();
    if let Some(first) = text.lines().next() {
        if let Some(meta) = first.strip_prefix('#') {
            for kv in meta.split(',') {
                if let Some((k, v)) = kv.split_once(':') {
                    match k.trim() {
                        "model_version" => model_version = Some(v.trim().to_string()),
                        "score_date" => score_date = Some(v.trim().to_string()),
                        _ => {}
                    }
                }
            }
            body = &text[first.len()..];
        }
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(body.trim_start().as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| ParseError::new(file, None, format!("bad header: {e}")))?
        .clone();
    let col = |n: &str| headers.iter().position(|h| h.trim() == n);
    let (Some(ci), Some(ei), Some(pi)) = (col("cve"), col("epss"), col("percentile")) else {
        return Err(ParseError::new(
            file,
            None,
            "header must be cve,epss,percentile",
        ));
    };
    let mut scores = Vec::new();
    let mut errs = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = format!("line {}", i + 3);
        match rec {
            Ok(r) => {
                let cve = r.get(ci).unwrap_or("").trim().to_ascii_uppercase();
                let epss = r.get(ei).and_then(|s| s.trim().parse::<f32>().ok());
                let pct = r.get(pi).and_then(|s| s.trim().parse::<f32>().ok());
                match (is_cve_id(&cve), epss, pct) {
                    (true, Some(e), Some(p))
                        if (0.0..=1.0).contains(&e) && (0.0..=1.0).contains(&p) =>
                    {
                        scores.push(EpssScore {
                            cve,
                            epss: e,
                            percentile: p,
                        })
                    }
                    _ => errs.push(ParseError::new(
                        file,
                        Some(&line),
                        "expected CVE id and two numbers in 0..1",
                    )),
                }
            }
            Err(e) => errs.push(ParseError::new(file, Some(&line), e.to_string())),
        }
    }
    Ok((
        EpssFile {
            model_version,
            score_date,
            scores,
        },
        errs,
    ))
}

// ---- CERT-FR ---------------------------------------------------------------------------------

/// Parse CERT-FR JSON: the ALE list (`[{alert, published_at, cves}]`) or one raw CERT-FR
/// document (`{reference, title, cves: [{name, url}], affected_systems, revisions}`).
pub fn parse_certfr(
    bytes: &[u8],
    file: Option<&str>,
) -> Result<(Vec<CertFrItem>, Vec<ParseError>), ParseError> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ParseError::new(file, None, format!("not JSON: {e}")))?;
    let mut out = Vec::new();
    let mut errs = Vec::new();
    let cves_of = |c: Option<&Value>| -> Vec<String> {
        c.and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|x| x.as_str().or_else(|| x.get("name").and_then(Value::as_str)))
                    .map(|s| s.trim().to_ascii_uppercase())
                    .filter(|s| is_cve_id(s))
                    .collect()
            })
            .unwrap_or_default()
    };
    match &v {
        Value::Array(list) => {
            for (i, item) in list.iter().enumerate() {
                let Some(reference) = item.get("alert").and_then(Value::as_str) else {
                    errs.push(ParseError::new(
                        file,
                        Some(&format!("#{i}")),
                        "item without `alert` reference",
                    ));
                    continue;
                };
                out.push(CertFrItem {
                    reference: reference.to_string(),
                    is_alert: reference.contains("-ALE-"),
                    title: None,
                    date: item
                        .get("published_at")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    cves: cves_of(item.get("cves")),
                    affected_systems: Vec::new(),
                });
            }
        }
        Value::Object(o) => {
            let Some(reference) = o.get("reference").and_then(Value::as_str) else {
                return Err(ParseError::new(
                    file,
                    None,
                    "CERT-FR document without `reference`",
                ));
            };
            let affected = o
                .get("affected_systems")
                .and_then(Value::as_array)
                .map(|l| {
                    l.iter()
                        .map(|s| {
                            let p = s.get("product");
                            let g = |x: Option<&Value>| {
                                x.and_then(Value::as_str).unwrap_or_default().to_string()
                            };
                            (
                                g(p.and_then(|p| p.get("vendor")).and_then(|v| v.get("name"))),
                                g(p.and_then(|p| p.get("name"))),
                                g(s.get("description")),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let date = o
                .get("revisions")
                .and_then(Value::as_array)
                .and_then(|r| r.first())
                .and_then(|r| r.get("revision_date"))
                .and_then(Value::as_str)
                .map(str::to_string);
            out.push(CertFrItem {
                reference: reference.to_string(),
                is_alert: reference.contains("-ALE-"),
                title: o.get("title").and_then(Value::as_str).map(str::to_string),
                date,
                cves: cves_of(o.get("cves")),
                affected_systems: affected,
            });
        }
        _ => {
            return Err(ParseError::new(
                file,
                None,
                "neither a CERT-FR alert list nor a CERT-FR document",
            ))
        }
    }
    Ok((out, errs))
}

// ---- endoflife.date --------------------------------------------------------------------------

fn eol_value(v: Option<&Value>) -> EolValue {
    match v {
        Some(Value::Bool(true)) => EolValue::Yes,
        Some(Value::String(s)) => {
            match chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d") {
                Ok(d) => EolValue::Date(d),
                Err(_) => EolValue::No,
            }
        }
        _ => EolValue::No,
    }
}

fn eol_product(id: &str, p: &Value) -> Result<EolProduct, String> {
    let releases = p
        .get("releases")
        .and_then(Value::as_array)
        .ok_or("no `releases` array")?;
    let identifiers = |kind: &str| -> Vec<String> {
        p.get("identifiers")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(|i| i.get(kind).and_then(Value::as_str))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    let (cpes, purls) = (identifiers("cpe"), identifiers("purl"));
    let mut out = Vec::with_capacity(releases.len());
    for r in releases {
        let cycle = match r.get("releaseCycle") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err("release without `releaseCycle`".into()),
        };
        let s = |k: &str| match r.get(k) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        out.push(ReleaseCycle {
            cycle,
            release_date: s("releaseDate"),
            eol: eol_value(r.get("eol")),
            latest: s("latest"),
        });
    }
    Ok(EolProduct {
        id: id.to_string(),
        title: p
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string(),
        cpes,
        purls,
        releases: out,
    })
}

/// Parse endoflife.date data: the `products-index.json` map (`{slug: {title, identifiers,
/// releases}}`) or one product's API JSON (`{"releases": [...]}`, named by `file`).
pub fn parse_endoflife(
    bytes: &[u8],
    file: Option<&str>,
) -> Result<(Vec<EolProduct>, Vec<ParseError>), ParseError> {
    let v: Value = serde_json::from_slice(bytes)
        .map_err(|e| ParseError::new(file, None, format!("not JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| ParseError::new(file, None, "expected a JSON object"))?;
    let mut out = Vec::new();
    let mut errs = Vec::new();
    if obj.contains_key("releases") {
        let id = file
            .and_then(|f| Path::new(f).file_stem())
            .and_then(|s| s.to_str())
            .unwrap_or("product")
            .to_string();
        out.push(eol_product(&id, &v).map_err(|r| ParseError::new(file, Some(&id), r))?);
    } else {
        for (id, p) in obj {
            match eol_product(id, p) {
                Ok(p) => out.push(p),
                Err(r) => errs.push(ParseError::new(file, Some(id), r)),
            }
        }
    }
    Ok((out, errs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_inputs_are_errors_not_panics() {
        for bad in [
            &b""[..],
            b"{",
            b"[]",
            b"{\"cveMetadata\":{}}",
            b"null",
            b"{\"cveMetadata\":{\"cveId\":\"X\"}}",
        ] {
            assert!(parse_cve5(bad, Some("f.json")).is_err());
        }
        let e = parse_cve5(b"{\"cveMetadata\":{\"cveId\":\"nope\"}}", Some("f.json")).unwrap_err();
        assert_eq!(e.file.as_deref(), Some("f.json"));
        assert!(parse_kev(b"{}", None).is_err());
        assert!(parse_nvd(b"{\"x\":1}", None).is_err());
        let (k, errs) = parse_kev(br#"{"vulnerabilities":[{"cveID":"CVE-2024-1"},{"cveID":"CVE-2024-1234","vendorProject":"a","product":"b","dateAdded":"2024-01-01"}]}"#, Some("kev.json")).unwrap();
        assert_eq!(k.entries.len(), 1);
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].record.as_deref(), Some("CVE-2024-1"));
    }

    #[test]
    fn epss_csv() {
        let text = "#model_version:v2025.03.14,score_date:2026-08-01T00:00:00+0000\ncve,epss,percentile\nCVE-2023-4966,0.94,0.999\nbad,1,1\nCVE-2024-0001,0.001,0.2\n";
        let (f, errs) = parse_epss(text.as_bytes(), Some("epss.csv")).unwrap();
        assert_eq!(f.model_version.as_deref(), Some("v2025.03.14"));
        assert_eq!(f.scores.len(), 2);
        assert_eq!(errs.len(), 1);
    }
}
