//! Matching advisories to inventories through an index by product.
//!
//! Inventory items are grouped by (product key, version string); an advisory resolves its
//! products to keys, looks the groups up in a hash map and evaluates each distinct version once.
//! Nothing ever scans every inventory, and no name is matched by substring.

use crate::catalog::Catalog;
use crate::cpe::{Cpe, CpeValue};
use crate::model::*;
use crate::product;
use crate::version::{Scheme, Version};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::Arc;

/// A set of [`Source`]s (a bit set; serialised as a list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Sources(u8);

impl Sources {
    /// One source.
    pub fn one(s: Source) -> Sources {
        Sources(bit(s))
    }
    /// Does it hold `s`?
    pub fn contains(self, s: Source) -> bool {
        self.0 & bit(s) != 0
    }
    /// Add `s`.
    pub fn insert(&mut self, s: Source) {
        self.0 |= bit(s);
    }
    /// Union.
    pub fn union(self, o: Sources) -> Sources {
        Sources(self.0 | o.0)
    }
    /// The sources, in a fixed order.
    pub fn to_vec(self) -> Vec<Source> {
        sources_of(self.0)
    }
}

impl Serialize for Sources {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_vec().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Sources {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Vec::<Source>::deserialize(d)?;
        Ok(Sources(v.into_iter().fold(0, |m, s| m | bit(s))))
    }
}

pub use crate::product::ProductRef;

/// One piece of software a structure runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryItem {
    /// Structure (hospital, GHT member...) id in the store.
    pub structure_id: i64,
    /// Product.
    pub product: ProductRef,
    /// Version as declared or seen (`7.0.12 build 0523`); empty when unknown.
    pub version: String,
    /// Exposed on the internet.
    pub exposed: bool,
    /// Where the item comes from (`form`, `csv`, `sbom`, `scan:<host>`...).
    pub source: String,
}

/// Outcome for one (item, CVE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// A human must look: the product matches but a version comparison was undefined or the
    /// source gives no version data.
    NeedsReview,
    /// The version is in an affected range.
    Affected,
}

/// Confidence of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Confidence {
    /// Heuristic or incomplete.
    Low,
    /// Product-level or platform condition not verified.
    Medium,
    /// Exact product and a defined version comparison.
    High,
}

/// Sort key of a finding: KEV, then CERT-FR alert, then EPSS, CVSS, exposure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Priority {
    /// In CISA KEV.
    pub kev: bool,
    /// Named by a CERT-FR alert (ALE).
    pub certfr_alert: bool,
    /// EPSS probability.
    pub epss: Option<f32>,
    /// CVSS base score.
    pub cvss: Option<f32>,
    /// Item exposed on the internet.
    pub exposed: bool,
    /// Lexicographic score (higher first): kev·10000 + certfr·1000 + epss bucket·100 + cvss bucket·10 + exposed.
    pub score: u32,
}

impl Priority {
    /// Compute from the facts.
    pub fn new(
        kev: bool,
        certfr_alert: bool,
        epss: Option<f32>,
        cvss: Option<f32>,
        exposed: bool,
    ) -> Priority {
        let eb = match epss {
            Some(e) if e >= 0.5 => 4,
            Some(e) if e >= 0.1 => 3,
            Some(e) if e >= 0.01 => 2,
            Some(_) => 1,
            None => 0,
        };
        let cb = match cvss {
            Some(c) if c >= 9.0 => 4,
            Some(c) if c >= 7.0 => 3,
            Some(c) if c >= 4.0 => 2,
            Some(_) => 1,
            None => 0,
        };
        let score = u32::from(kev) * 10000
            + u32::from(certfr_alert) * 1000
            + eb * 100
            + cb * 10
            + u32::from(exposed);
        Priority {
            kev,
            certfr_alert,
            epss,
            cvss,
            exposed,
            score,
        }
    }
}

/// One (inventory item, CVE) finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Index of the item in the inventory given to [`Matcher::new`].
    pub item: usize,
    /// Structure id of the item.
    pub structure_id: i64,
    /// CVE id (shared between the findings of one advisory).
    pub cve: Arc<str>,
    /// Affected or needs review.
    pub decision: Decision,
    /// Confidence.
    pub confidence: Confidence,
    /// Sources that support the decision.
    pub sources: Sources,
    /// Why (human readable, English); shared between the items of one inventory group.
    pub reason: Arc<str>,
    /// Priority.
    pub priority: Priority,
}

/// An end-of-life finding: the item's release cycle is past end of support.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EolFinding {
    /// Item index.
    pub item: usize,
    /// Structure id.
    pub structure_id: i64,
    /// Product key (catalogue id, or open key for a product outside the catalogue).
    pub product: String,
    /// endoflife.date release cycle.
    pub cycle: String,
    /// End-of-support date, when known.
    pub eol_date: Option<chrono::NaiveDate>,
    /// Item exposed.
    pub exposed: bool,
}

/// Threat context used for priorities (KEV, CERT-FR alerts, EPSS).
#[derive(Debug, Clone, Default)]
pub struct ThreatContext {
    /// CVE → KEV date added.
    pub kev: HashMap<String, String>,
    /// CVE → CERT-FR references (alerts and advisories).
    pub certfr: HashMap<String, Vec<String>>,
    /// CVE → EPSS probability.
    pub epss: HashMap<String, f32>,
}

impl ThreatContext {
    /// Build from parsed sources.
    pub fn new(
        kev: Option<&KevCatalog>,
        certfr: &[CertFrItem],
        epss: Option<&EpssFile>,
    ) -> ThreatContext {
        let mut t = ThreatContext::default();
        if let Some(k) = kev {
            for e in &k.entries {
                t.kev.insert(e.cve_id.clone(), e.date_added.clone());
            }
        }
        for c in certfr {
            for cve in &c.cves {
                t.certfr
                    .entry(cve.clone())
                    .or_default()
                    .push(c.reference.clone());
            }
        }
        if let Some(e) = epss {
            for s in &e.scores {
                t.epss.insert(s.cve.clone(), s.epss);
            }
        }
        t
    }

    fn priority(&self, adv_kev: bool, cve: &str, cvss: Option<f32>, exposed: bool) -> Priority {
        let alert = self
            .certfr
            .get(cve)
            .is_some_and(|refs| refs.iter().any(|r| r.contains("-ALE-")));
        Priority::new(
            adv_kev || self.kev.contains_key(cve),
            alert,
            self.epss.get(cve).copied(),
            cvss,
            exposed,
        )
    }
}

/// Entries of one container that name the same product (`zimbra` / `zimbra_collaboration_suite`
/// four times, one range each) are one list: merged, so that their ranges are read together
/// (sibling ranges, defaultStatus). Entries are borrowed when nothing needs merging.
fn merged_entries(list: &[AffectedProduct]) -> Vec<std::borrow::Cow<'_, AffectedProduct>> {
    use std::borrow::Cow;
    let same = |x: &AffectedProduct, y: &AffectedProduct| {
        x.origin == y.origin
            && x.vendor == y.vendor
            && x.product == y.product
            && x.package_name == y.package_name
    };
    let mut out: Vec<Cow<'_, AffectedProduct>> = Vec::with_capacity(list.len());
    for a in list {
        match out.iter_mut().find(|o| same(o, a)) {
            Some(o) => {
                let m = o.to_mut();
                m.versions.extend(a.versions.iter().cloned());
                for c in &a.cpes {
                    if !m.cpes.contains(c) {
                        m.cpes.push(c.clone());
                    }
                }
                if m.default_status == Status::Unknown {
                    m.default_status = a.default_status;
                }
            }
            None => out.push(Cow::Borrowed(a)),
        }
    }
    out
}

/// The line a sibling range concerns: its bound's first `len` numbers, and the lowest such line
/// among its siblings.
#[derive(Debug, Clone)]
struct SiblingLine {
    head: Vec<u64>,
    lowest: Vec<u64>,
}

/// Sibling ranges: several ranges of one list with the same start (`0 < 10.0.9`, `0 < 10.1.1`;
/// VMware `8.0 < ESXi80U2sb…`, `8.0 < ESXi80U1d…`) each concern the line of their bound, at the
/// shortest prefix length that tells the bounds apart; items below the lowest line take the
/// lowest range. One entry per version entry (computed once per list and scheme).
fn sibling_lines(a: &AffectedProduct, scheme: Scheme) -> Vec<Option<SiblingLine>> {
    let mut out: Vec<Option<SiblingLine>> = vec![None; a.versions.len()];
    let ranged = a
        .versions
        .iter()
        .filter(|x| {
            x.status == Status::Affected
                && (x.less_than.is_some() || x.less_than_or_equal.is_some())
        })
        .count();
    if ranged < 2 {
        return out;
    }
    fn start(x: &VersionEntry) -> &str {
        if is_unbounded(&x.version) {
            ""
        } else {
            x.version.trim()
        }
    }
    let bound = |x: &VersionEntry| {
        if x.status != Status::Affected {
            return None;
        }
        x.less_than
            .as_deref()
            .or(x.less_than_or_equal.as_deref())
            .and_then(|b| parse_cached(b, scheme))
            .map(|v| v.release.clone())
    };
    let bounds: Vec<Option<Vec<u64>>> = a.versions.iter().map(bound).collect();
    for (i, e) in a.versions.iter().enumerate() {
        let Some(Some(mine)) = bounds.get(i) else {
            continue;
        };
        let sibs: Vec<&Vec<u64>> = a
            .versions
            .iter()
            .zip(&bounds)
            .filter(|(x, _)| start(x) == start(e))
            .filter_map(|(_, b)| b.as_ref())
            .collect();
        if sibs.len() < 2 {
            continue;
        }
        let max_len = sibs.iter().map(|b| b.len()).min().unwrap_or(0);
        for len in 1..=max_len {
            let mut heads: Vec<&[u64]> = sibs.iter().filter_map(|b| b.get(..len)).collect();
            let n = heads.len();
            heads.sort_unstable();
            heads.dedup();
            if heads.len() != n {
                continue;
            }
            if let (Some(head), Some(lowest)) = (mine.get(..len), heads.first()) {
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(SiblingLine {
                        head: head.to_vec(),
                        lowest: lowest.to_vec(),
                    });
                }
            }
            break;
        }
    }
    out
}

/// Does a version text mention an edition word (`FIPS`, `NDcPP`, `CC`)?
fn mentions_edition(s: &str) -> bool {
    s.as_bytes().windows(2).any(|w| {
        w.eq_ignore_ascii_case(b"fi")
            || w.eq_ignore_ascii_case(b"nd")
            || w.eq_ignore_ascii_case(b"cc")
    })
}

/// What [`Matcher::match_advisory_detailed`] returns.
#[derive(Debug, Clone, Default)]
pub struct Matched {
    /// The findings (as [`Matcher::match_advisory`]).
    pub findings: Vec<Finding>,
    /// Items the CNA's explicit data declares not affected, with the reason (it names any
    /// other source that said otherwise). An NVD record of the same CVE does not override them.
    pub cleared: Vec<(usize, Arc<str>)>,
}

/// Verdicts of one group for one advisory, per container: (rank 0 not affected / 1 review /
/// 2 affected, reason).
#[derive(Default)]
struct SourceVerdicts {
    cna_explicit: bool,
    other_explicit: bool,
    cna: Option<(u8, String)>,
    other: Option<(u8, String)>,
}

/// An entry is degenerate when it gives no usable version data for the scheme: no versions, only
/// unbounded starts (`0`, `*`, `n/a`, `unspecified`) without an upper bound, or nothing that
/// parses as a version, a bound or a list.
/// Also degenerate: every entry is a point range (`version` = `lessThanOrEqual`, as in
/// `22.6R2 ≤ 22.6R2`), the way some CNAs write only the latest affected release.
fn degenerate(a: &AffectedProduct, scheme: Scheme) -> bool {
    let points = !a.versions.is_empty()
        && a.versions.iter().all(|e| {
            e.less_than.is_none()
                && e.less_than_or_equal
                    .as_deref()
                    .is_some_and(|u| u.trim() == e.version.trim())
        });
    points
        || !a.versions.iter().any(|e| {
            let upper = e.less_than.as_deref().or(e.less_than_or_equal.as_deref());
            if let Some(u) = upper {
                return u.trim() == "*"
                    || parse_cached(u, scheme).is_some()
                    || line_bound(u).is_some_and(|l| parse_cached(l, scheme).is_some());
            }
            !is_unbounded(&e.version)
                && (parse_cached(&e.version, scheme).is_some()
                    || and_prior(&e.version).is_some()
                    || !list_segments(&e.version).is_empty())
        })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Affected,
    NotAffected,
    Unknown(String),
}

#[derive(Debug)]
struct Group {
    /// The item's version is a distribution package (fix may be backported).
    distro: bool,
    key: String,
    scheme: Scheme,
    raw: String,
    version: Option<Version>,
    /// The version is unknown (empty, `-`, `n/a`…): computed once, read for every advisory.
    unknown: bool,
    items: Vec<u32>,
    /// Normal forms ([`product::norm_part`]) of the names of the group's product, to read the
    /// labels of a free-text list in a record (`FortiOS 7.2.1, 7.2.0; FortiProxy 7.2.0`).
    names: Arc<Vec<String>>,
}

/// The matcher: a catalogue plus an inventory indexed by product.
#[derive(Debug)]
pub struct Matcher {
    catalog: Catalog,
    items: Vec<InventoryItem>,
    groups: Vec<Group>,
    by_key: HashMap<String, Vec<u32>>,
    by_structure: HashMap<i64, Vec<u32>>,
    item_keys: Vec<Vec<String>>,
}

fn is_unbounded(s: &str) -> bool {
    let t = s.trim();
    [
        "",
        "0",
        "*",
        "n/a",
        "unspecified",
        "-",
        "all",
        "0.0",
        "0.0.0",
        "previous versions",
        "prior versions",
        "all versions",
        "earlier versions",
    ]
    .iter()
    .any(|w| t.eq_ignore_ascii_case(w))
}

fn unknown_version(s: &str) -> bool {
    let t = s.trim();
    ["", "-", "*", "n/a", "unknown", "unspecified", "?"]
        .iter()
        .any(|w| t.eq_ignore_ascii_case(w))
}

/// Multiply-shift hasher for the small integer keys of the hot maps (item and group ids).
#[derive(Default, Clone, Copy)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type IdBuild = std::hash::BuildHasherDefault<IdHasher>;

/// What eval_cve5 needs to know about the whole `versions` list (computed once per scheme).
#[derive(Clone)]
struct ListInfo {
    /// Per version entry: the line its range concerns when it has sibling ranges.
    siblings: Rc<[Option<SiblingLine>]>,
    /// Per version entry: its start is unbounded (`0`, `*`, `n/a`…); it reads "X and prior".
    flags: Rc<[(bool, bool)]>,
    has_editions: bool,
    prior_entries: usize,
    /// The product name carries a release whose build line is known (`Microsoft Exchange Server
    /// 2016 Cumulative Update 23` → 15.1.2507): the entry concerns that line only.
    build_line: Option<&'static [u64]>,
}

fn has_editions(a: &AffectedProduct, scheme: Scheme) -> bool {
    a.versions
        .iter()
        .any(|e| parse_cached(&e.version, scheme).is_some_and(|v| v.edition.is_some()))
}

fn list_info(a: &AffectedProduct, scheme: Scheme, adv_editions: bool) -> ListInfo {
    ListInfo {
        siblings: sibling_lines(a, scheme).into(),
        flags: a
            .versions
            .iter()
            .map(|e| (is_unbounded(&e.version), and_prior(&e.version).is_some()))
            .collect(),
        has_editions: adv_editions || has_editions(a, scheme),
        prior_entries: a
            .versions
            .iter()
            .filter(|e| and_prior(&e.version).is_some())
            .count(),
        build_line: crate::catalog::release_build_line(&a.product),
    }
}

/// Normal forms of the names of a product key (catalogue names and CPE/CVE product names, or the
/// open key's product part).
fn key_names(cat: &Catalog, key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        let n = product::norm_part(s);
        if !n.is_empty() && !out.contains(&n) {
            out.push(n);
        }
    };
    match cat.get(key) {
        Some(p) => {
            add(&p.id);
            add(&p.name);
            for c in &p.cpe {
                if let Some(prod) = c.rsplit(':').next() {
                    add(prod);
                }
            }
            for n in p.cve.iter().chain(&p.kev) {
                add(&n.product);
                if let Some(k) = product::raw_open_key(&n.vendor, &n.product) {
                    if let Some((_, pp)) = k.split_once(':') {
                        add(pp);
                    }
                }
            }
            for a in p.aliases.iter().chain(&p.scanner).chain(&p.certfr) {
                add(a);
            }
        }
        None => add(key.split_once(':').map_or(key, |(_, p)| p)),
    }
    out
}

impl Matcher {
    /// Index an inventory. Items are kept in order; findings refer to them by index.
    pub fn new(catalog: Catalog, items: Vec<InventoryItem>) -> Matcher {
        let mut m = Matcher {
            catalog,
            items: Vec::new(),
            groups: Vec::new(),
            by_key: HashMap::new(),
            by_structure: HashMap::new(),
            item_keys: Vec::new(),
        };
        let mut group_of: HashMap<(String, String), u32> = HashMap::new();
        let mut names_of: HashMap<String, Arc<Vec<String>>> = HashMap::new();
        for (idx, item) in items.iter().enumerate() {
            let (keys, scheme, version) = m.item_keys_of(item);
            for k in &keys {
                let gid = *group_of
                    .entry((k.clone(), version.clone()))
                    .or_insert_with(|| {
                        let gid = m.groups.len() as u32;
                        let names = names_of
                            .entry(k.clone())
                            .or_insert_with(|| Arc::new(key_names(&m.catalog, k)))
                            .clone();
                        m.groups.push(Group {
                            names,
                            distro: Version::parse(&version, Scheme::Generic)
                                .is_some_and(|v| v.distro.is_some()),
                            key: k.clone(),
                            scheme,
                            raw: version.clone(),
                            version: if unknown_version(&version) {
                                None
                            } else {
                                Version::parse(&version, scheme)
                            },
                            unknown: unknown_version(&version),
                            items: Vec::new(),
                        });
                        m.by_key.entry(k.clone()).or_default().push(gid);
                        gid
                    });
                if let Some(g) = m.groups.get_mut(gid as usize) {
                    g.items.push(idx as u32);
                }
            }
            m.by_structure
                .entry(item.structure_id)
                .or_default()
                .push(idx as u32);
            m.item_keys.push(keys);
        }
        m.items = items;
        m
    }

    /// The catalogue.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The inventory.
    pub fn items(&self) -> &[InventoryItem] {
        &self.items
    }

    /// Key (at most one: see [`crate::product`]), scheme and effective version of an item.
    fn item_keys_of(&self, item: &InventoryItem) -> (Vec<String>, Scheme, String) {
        let mut version = item.version.trim().to_string();
        let Ok(r) = product::resolve_ref(&self.catalog, &item.product) else {
            return (Vec::new(), Scheme::Generic, version);
        };
        if version.is_empty() {
            if let Some(v) = &r.version {
                version = v.clone();
            }
        }
        if let Some(e) = &r.edition {
            // A CPE's edition (`sw_edition` fips) makes the item a line of its own.
            if !version.is_empty()
                && !version
                    .to_ascii_lowercase()
                    .contains(&e.to_ascii_lowercase())
            {
                version = format!("{version} {e}");
            }
        }
        let scheme = product::scheme_of(&self.catalog, &r.key);
        (vec![r.key], scheme, version)
    }

    /// The product key an item was indexed under (`None` when its product resolves to nothing).
    pub fn item_key(&self, item: usize) -> Option<&str> {
        self.item_keys
            .get(item)
            .and_then(|k| k.first())
            .map(String::as_str)
    }

    fn group_ids_for<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Vec<u32> {
        let mut seen: HashSet<u32, IdBuild> = HashSet::default();
        let mut out = Vec::new();
        for k in keys {
            for g in self.by_key.get(k).into_iter().flatten() {
                if seen.insert(*g) {
                    out.push(*g);
                }
            }
        }
        out
    }

    fn groups_for<'a>(&'a self, keys: &[String]) -> Vec<&'a Group> {
        let mut seen: HashSet<u32, IdBuild> = HashSet::default();
        let mut out = Vec::new();
        for k in keys {
            if let Some(gs) = self.by_key.get(k) {
                for g in gs {
                    if seen.insert(*g) {
                        if let Some(g) = self.groups.get(*g as usize) {
                            out.push(g);
                        }
                    }
                }
            }
        }
        out
    }

    /// Match one advisory (a CVE 5 record or an NVD record). `ctx` gives priorities.
    pub fn match_advisory(&self, adv: &Advisory, ctx: &ThreatContext) -> Vec<Finding> {
        self.match_inner(adv, ctx, false).findings
    }

    /// [`Matcher::match_advisory`], with the items the CNA's explicit data declares not affected
    /// (and why, when another source said otherwise): see "Source precedence" in the README.
    pub fn match_advisory_detailed(&self, adv: &Advisory, ctx: &ThreatContext) -> Matched {
        self.match_inner(adv, ctx, true)
    }

    /// `want_cleared`: list the items the CNA clears (only [`Matcher::match_advisory_detailed`]
    /// needs them; most groups an advisory reaches are cleared, so the list is not free).
    fn match_inner(&self, adv: &Advisory, ctx: &ThreatContext, want_cleared: bool) -> Matched {
        let mut cleared = Vec::new();
        let mut plain_reason: Option<Arc<str>> = None;
        if adv.state == RecordState::Rejected {
            return Matched {
                findings: Vec::new(),
                cleared,
            };
        }
        let mut acc = Acc::default();
        // Per group: the CNA's verdict and the other containers' (CISA ADP), kept apart so that
        // the CNA's explicit data can win (README, "Source precedence").
        let mut per: HashMap<u32, SourceVerdicts, IdBuild> = HashMap::default();
        // Cheap text test first: most records name no edition at all.
        let adv_editions = adv.affected.iter().any(|a| {
            a.versions.iter().any(|e| {
                mentions_edition(&e.version)
                    && parse_cached(&e.version, Scheme::NetScaler)
                        .is_some_and(|v| v.edition.is_some())
            })
        });
        for a in merged_entries(&adv.affected).iter() {
            let a: &AffectedProduct = a;
            let sets = product::affected_key_sets(&self.catalog, a);
            let mut info: Option<(Scheme, ListInfo, bool)> = None;
            for gid in self.group_ids_for(sets.iter().flat_map(|s| s.iter().map(String::as_str))) {
                let Some(g) = self.groups.get(gid as usize) else {
                    continue;
                };
                let (li, degenerate) = match &info {
                    Some((s, li, d)) if *s == g.scheme => (li.clone(), *d),
                    _ => {
                        let li = list_info(a, g.scheme, adv_editions);
                        let d = degenerate(a, g.scheme);
                        info = Some((g.scheme, li.clone(), d));
                        (li, d)
                    }
                };
                let (rank, reason) = match eval_cve5(a, g, &li) {
                    Verdict::NotAffected => (0, String::new()),
                    Verdict::Unknown(r) => (1, r),
                    Verdict::Affected => (
                        2,
                        format!(
                            "{} `{}` / `{}` version `{}`",
                            source_label(a.origin),
                            a.vendor,
                            a.product,
                            g.raw
                        ),
                    ),
                };
                let sv = per.entry(gid).or_default();
                let slot = if a.origin == Source::CveCna {
                    sv.cna_explicit |= !degenerate;
                    &mut sv.cna
                } else {
                    sv.other_explicit |= !degenerate;
                    &mut sv.other
                };
                if slot.as_ref().is_none_or(|(r, _)| rank > *r) {
                    *slot = Some((rank, reason));
                }
            }
        }
        // The id hasher has no random state: this order is deterministic.
        for (gid, sv) in per {
            let Some(g) = self.groups.get(gid as usize) else {
                continue;
            };
            let conf = if !g.key.contains(':') {
                Confidence::High
            } else {
                Confidence::Medium
            };
            let cna = sv.cna.unwrap_or((0, String::new()));
            let other = sv.other.unwrap_or((0, String::new()));
            let emit = |rank: u8, reason: String, srcs: &[Source], acc: &mut Acc| {
                let rid = acc.reason(reason);
                for it in &g.items {
                    for s in srcs {
                        acc.merge(*it, rank, conf, *s, rid, g.distro);
                    }
                }
            };
            if sv.cna_explicit {
                match (cna.0, other.0) {
                    (2, o) => {
                        let srcs: &[Source] = if o == 2 {
                            &[Source::CveCna, Source::CisaAdp]
                        } else {
                            &[Source::CveCna]
                        };
                        emit(2, cna.1, srcs, &mut acc);
                    }
                    (1, 2) => emit(
                        1,
                        format!(
                            "{}; the CISA ADP data says affected ({}): the CNA's own data is not conclusive, review",
                            cna.1, other.1
                        ),
                        &[Source::CveCna, Source::CisaAdp],
                        &mut acc,
                    ),
                    (1, _) => emit(1, cna.1, &[Source::CveCna], &mut acc),
                    (_, o) if want_cleared => {
                        let why: Arc<str> = if o == 2 {
                            Arc::from(format!(
                                "the CNA's explicit versions leave `{}` out; the CISA ADP data says affected ({}), but the CNA's data wins",
                                g.raw, other.1
                            ))
                        } else {
                            plain_reason
                                .get_or_insert_with(|| {
                                    Arc::from("the CNA's explicit versions leave this version out")
                                })
                                .clone()
                        };
                        for it in &g.items {
                            cleared.push((*it as usize, why.clone()));
                        }
                    }
                    _ => {}
                }
            } else if sv.other_explicit {
                // The CNA's data is degenerate (or absent): the ADP's explicit data decides, but
                // what the CNA does say affected (`22.6R2 ≤ 22.6R2`) stays affected.
                if cna.0 == 2 {
                    emit(2, cna.1, &[Source::CveCna], &mut acc);
                } else if other.0 > 0 {
                    emit(other.0, other.1, &[Source::CisaAdp], &mut acc);
                }
            } else {
                // Nobody gives explicit data: the best of what each source says.
                for (src, (rank, reason)) in [(Source::CveCna, cna), (Source::CisaAdp, other)] {
                    if rank > 0 {
                        emit(rank, reason, &[src], &mut acc);
                    }
                }
            }
        }
        for cfg in &adv.configurations {
            self.eval_configuration(cfg, &mut acc);
        }
        let kev = adv.kev_date_added.is_some() || ctx.kev.contains_key(&adv.id);
        let mut extra = 0u8;
        if kev {
            extra |= bit(Source::Kev);
        }
        if ctx.certfr.contains_key(&adv.id) {
            extra |= bit(Source::CertFr);
        }
        let p_exposed = ctx.priority(kev, &adv.id, adv.cvss, true);
        let p_internal = ctx.priority(kev, &adv.id, adv.cvss, false);
        let mut out = Vec::with_capacity(acc.map.len());
        let cve: Arc<str> = Arc::from(adv.id.as_str());
        let shared: Vec<Arc<str>> = acc.reasons.iter().map(|r| Arc::from(r.as_str())).collect();
        let empty: Arc<str> = Arc::from("");
        for (item, e) in acc.map {
            let Some(it) = self.items.get(item as usize) else {
                continue;
            };
            let base = shared.get(e.reason as usize).unwrap_or(&empty);
            let (decision, conf, reason) = match e.rank {
                2 if e.distro => (
                    Decision::NeedsReview,
                    Confidence::Low,
                    Arc::from(format!(
                        "{base}; distribution package `{}`: the fix may be backported",
                        it.version
                    )),
                ),
                2 => (Decision::Affected, e.conf, base.clone()),
                _ => (
                    Decision::NeedsReview,
                    e.conf.min(Confidence::Medium),
                    base.clone(),
                ),
            };
            out.push(Finding {
                item: item as usize,
                structure_id: it.structure_id,
                cve: cve.clone(),
                decision,
                confidence: conf,
                sources: Sources(e.sources | extra),
                reason,
                priority: if it.exposed {
                    p_exposed.clone()
                } else {
                    p_internal.clone()
                },
            });
        }
        out.sort_unstable_by_key(|f| f.item);
        cleared.sort_by_key(|c| c.0);
        Matched {
            findings: out,
            cleared,
        }
    }

    /// Product-level findings for a KEV entry that has no CVE/NVD record with version data:
    /// every item of the product is sent to review (never "affected" without a version rule).
    pub fn match_kev_entry(&self, e: &KevEntry, ctx: &ThreatContext) -> Vec<Finding> {
        self.match_kev_keys(e, ctx, &product::kev_keys(&self.catalog, e))
    }

    /// [`Matcher::match_kev_entry`] for some of the entry's keys only: those its CVE's records
    /// do not cover ([`product::kev_uncovered_keys`]).
    pub fn match_kev_keys(
        &self,
        e: &KevEntry,
        ctx: &ThreatContext,
        keys: &[String],
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        for g in self.groups_for(keys) {
            for it in &g.items {
                let Some(item) = self.items.get(*it as usize) else {
                    continue;
                };
                out.push(Finding {
                    item: *it as usize,
                    structure_id: item.structure_id,
                    cve: Arc::from(e.cve_id.as_str()),
                    decision: Decision::NeedsReview,
                    confidence: Confidence::Medium,
                    sources: Sources::one(Source::Kev),
                    reason: Arc::from(format!(
                        "KEV lists `{}` / `{}` (added {}); no version data available: check `{}`",
                        e.vendor_project, e.product, e.date_added, g.raw
                    )),
                    priority: ctx.priority(true, &e.cve_id, None, item.exposed),
                });
            }
        }
        out
    }

    fn node_item_verdict(
        &self,
        node: &ConfigNode,
        g: &Group,
        vulnerable_only: bool,
    ) -> Option<Verdict> {
        let mut best: Option<Verdict> = None;
        for m in &node.matches {
            if vulnerable_only && !m.vulnerable {
                continue;
            }
            if !product::cpe_text_keys(&self.catalog, &m.criteria).contains(&g.key) {
                continue;
            }
            let Ok(c) = Cpe::parse(&m.criteria) else {
                continue;
            };
            let v = eval_nvd_match(m, &c, g);
            best = Some(match (best, v) {
                (Some(Verdict::Affected), _) | (_, Verdict::Affected) => Verdict::Affected,
                (Some(Verdict::Unknown(r)), _) | (_, Verdict::Unknown(r)) => Verdict::Unknown(r),
                _ => Verdict::NotAffected,
            });
        }
        best
    }

    fn structure_satisfies(&self, structure: i64, node: &ConfigNode) -> bool {
        let Some(items) = self.by_structure.get(&structure) else {
            return false;
        };
        let hit = items.iter().any(|i| {
            self.item_keys.get(*i as usize).is_some_and(|keys| {
                keys.iter().any(|k| {
                    self.by_key.get(k).is_some_and(|gs| {
                        gs.iter()
                            .filter_map(|g| self.groups.get(*g as usize))
                            .any(|g| {
                                g.items.contains(i)
                                    && matches!(
                                        self.node_item_verdict(node, g, false),
                                        Some(Verdict::Affected)
                                    )
                            })
                    })
                })
            })
        });
        hit != node.negate
    }

    fn eval_configuration(&self, cfg: &Configuration, acc: &mut Acc) {
        for (ni, node) in cfg.nodes.iter().enumerate() {
            if node.negate {
                continue;
            }
            let mut keys = Vec::new();
            for m in node.matches.iter().filter(|m| m.vulnerable) {
                keys.extend(
                    product::cpe_text_keys(&self.catalog, &m.criteria)
                        .iter()
                        .cloned(),
                );
            }
            for g in self.groups_for(&keys) {
                let Some(v) = self.node_item_verdict(node, g, true) else {
                    continue;
                };
                let (rank, reason) = match v {
                    Verdict::NotAffected => continue,
                    _ if cfg.negate => (1, acc.reason("negated NVD configuration: review".into())),
                    Verdict::Unknown(r) => (1, acc.reason(r)),
                    Verdict::Affected => (
                        2,
                        acc.reason(format!("NVD configuration, version `{}`", g.raw)),
                    ),
                };
                for it in &g.items {
                    let mut conf = Confidence::High;
                    let mut rid = reason;
                    if cfg.and && rank == 2 {
                        let sid = self
                            .items
                            .get(*it as usize)
                            .map(|i| i.structure_id)
                            .unwrap_or_default();
                        let others_ok = cfg
                            .nodes
                            .iter()
                            .enumerate()
                            .filter(|(j, _)| *j != ni)
                            .all(|(_, n)| self.structure_satisfies(sid, n));
                        if !others_ok {
                            conf = Confidence::Medium;
                            let base = acc
                                .reasons
                                .get(reason as usize)
                                .cloned()
                                .unwrap_or_default();
                            rid = acc.reason(format!("{base}; AND configuration: the platform condition is not in the inventory"));
                        }
                    }
                    acc.merge(*it, rank, conf, Source::Nvd, rid, g.distro);
                }
            }
        }
    }

    /// End-of-life findings for every inventory item whose product endoflife.date knows, as of
    /// `today`: a catalogue product through its curated `eol` link (and `eol_cycle`), any other
    /// product through endoflife.date's own identifiers (its CPEs, folded like product keys; a
    /// purl-declared item resolves to the same key) or its title (`_:title` keys).
    pub fn end_of_life(&self, eol: &[EolProduct], today: chrono::NaiveDate) -> Vec<EolFinding> {
        let by_slug: HashMap<&str, &EolProduct> = eol.iter().map(|p| (p.id.as_str(), p)).collect();
        let mut by_key: HashMap<String, &EolProduct> = HashMap::new();
        for p in eol {
            for (v, pr) in p.cpes.iter().filter_map(|c| product::cpe_vendor_product(c)) {
                if let Some(k) = product::raw_open_key(&v, &pr) {
                    by_key
                        .entry(product::eol_aliases().canonical(&k).to_string())
                        .or_insert(p);
                }
            }
            // purls resolve as an inventory row declaring them would.
            for purl in &p.purls {
                if let Ok(r) = product::resolve_purl(&self.catalog, purl) {
                    by_key.entry(r.key).or_insert(p);
                }
            }
            by_key
                .entry(format!("_:{}", product::norm_part(&p.title)))
                .or_insert(p);
            by_key.entry(format!("eol:{}", p.id)).or_insert(p);
        }
        let mut out = Vec::new();
        let mut keys: Vec<&String> = self.by_key.keys().collect();
        keys.sort();
        for key in keys {
            let (ep, pinned) = match self.catalog.get(key) {
                Some(p) => {
                    let curated = p.eol.as_deref().and_then(|s| by_slug.get(s)).copied();
                    let via_cpe = || {
                        p.cpe.iter().find_map(|c| {
                            let mut it = c.rsplit(':');
                            let pr = it.next()?;
                            let v = it.next()?;
                            let k = product::raw_open_key(v, pr)?;
                            by_key.get(product::eol_aliases().canonical(&k)).copied()
                        })
                    };
                    match curated {
                        Some(e) => (Some(e), p.eol_cycle.as_deref()),
                        None => (via_cpe(), None),
                    }
                }
                None => (by_key.get(key.as_str()).copied(), None),
            };
            let Some(ep) = ep else { continue };
            let Some(gs) = self.by_key.get(key) else {
                continue;
            };
            for g in gs.iter().filter_map(|g| self.groups.get(*g as usize)) {
                let cycle = match pinned {
                    Some(c) => ep.releases.iter().find(|r| r.cycle == c),
                    None => g.version.as_ref().and_then(|v| find_cycle(&ep.releases, v)),
                };
                let Some(cycle) = cycle else { continue };
                let (past, date) = match &cycle.eol {
                    EolValue::Yes => (true, None),
                    EolValue::No => (false, None),
                    EolValue::Date(d) => (*d <= today, Some(*d)),
                };
                if !past {
                    continue;
                }
                for it in &g.items {
                    if let Some(item) = self.items.get(*it as usize) {
                        out.push(EolFinding {
                            item: *it as usize,
                            structure_id: item.structure_id,
                            product: key.clone(),
                            cycle: cycle.cycle.clone(),
                            eol_date: date,
                            exposed: item.exposed,
                        });
                    }
                }
            }
        }
        out.sort_by_key(|f| f.item);
        out
    }
}

/// The catalogue products an advisory concerns (CNA/ADP `affected` names and CPEs, and the CPEs of
/// the vulnerable entries of its NVD configurations), sorted and without duplicates. This is what
/// a store indexes to find the inventories an advisory concerns without scanning them all.
pub fn advisory_products(catalog: &Catalog, adv: &Advisory) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |v: Vec<&str>| ids.extend(v.into_iter().map(str::to_string));
    for a in &adv.affected {
        add(catalog.resolve_cve(&a.vendor, &a.product));
        for c in &a.cpes {
            if let Ok(c) = Cpe::parse(c) {
                if let (Some(v), Some(p)) = (c.vendor.as_value(), c.product.as_value()) {
                    add(catalog.resolve_cpe(v, p));
                }
            }
        }
    }
    for cfg in &adv.configurations {
        for node in &cfg.nodes {
            for m in node.matches.iter().filter(|m| m.vulnerable) {
                if let Ok(c) = Cpe::parse(&m.criteria) {
                    if let (Some(v), Some(p)) = (c.vendor.as_value(), c.product.as_value()) {
                        add(catalog.resolve_cpe(v, p));
                    }
                }
            }
        }
    }
    ids.sort();
    ids.dedup();
    ids
}

/// The catalogue products a KEV entry names.
pub fn kev_products(catalog: &Catalog, e: &KevEntry) -> Vec<String> {
    let mut ids: Vec<String> = catalog
        .resolve_kev(&e.vendor_project, &e.product)
        .into_iter()
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Whether a record carries version data (CNA/ADP version entries or NVD configurations): a KEV
/// entry whose CVE has none is matched at product level only ([`Matcher::match_kev_entry`]).
pub fn has_version_data(adv: &Advisory) -> bool {
    adv.affected.iter().any(|p| !p.versions.is_empty()) || !adv.configurations.is_empty()
}

/// The release cycle whose numbers prefix the version (longest prefix wins).
fn find_cycle<'a>(releases: &'a [ReleaseCycle], v: &Version) -> Option<&'a ReleaseCycle> {
    let mut best: Option<(usize, &ReleaseCycle)> = None;
    for r in releases {
        let nums: Option<Vec<u64>> = r.cycle.split('.').map(|p| p.parse::<u64>().ok()).collect();
        let Some(nums) = nums else { continue };
        if !nums.is_empty()
            && v.release_starts_with(&nums)
            && best.is_none_or(|(n, _)| nums.len() > n)
        {
            best = Some((nums.len(), r));
        }
    }
    best.map(|(_, r)| r)
}

fn source_label(s: Source) -> &'static str {
    match s {
        Source::CveCna => "CVE record (CNA)",
        Source::CisaAdp => "CVE record (CISA ADP)",
        Source::Nvd => "NVD",
        Source::Kev => "KEV",
        Source::CertFr => "CERT-FR",
        Source::EndOfLife => "endoflife.date",
        Source::Epss => "EPSS",
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// 2 affected, 1 needs review.
    rank: u8,
    conf: Confidence,
    /// Bit mask of [`Source`]s.
    sources: u8,
    /// Index in `Acc::reasons`.
    reason: u32,
    distro: bool,
}

/// Per-advisory accumulator: one small Copy entry per item, reasons stored once per group.
#[derive(Default)]
struct Acc {
    map: HashMap<u32, Entry, IdBuild>,
    reasons: Vec<String>,
}

impl Acc {
    fn reason(&mut self, r: String) -> u32 {
        self.reasons.push(r);
        (self.reasons.len() - 1) as u32
    }

    fn merge(
        &mut self,
        item: u32,
        rank: u8,
        conf: Confidence,
        src: Source,
        reason: u32,
        distro: bool,
    ) {
        use std::collections::hash_map::Entry as E;
        match self.map.entry(item) {
            E::Vacant(v) => {
                v.insert(Entry {
                    rank,
                    conf,
                    sources: bit(src),
                    reason,
                    distro,
                });
            }
            E::Occupied(mut o) => {
                let e = o.get_mut();
                if rank > e.rank || (rank == e.rank && conf > e.conf) {
                    let keep = if rank == e.rank { e.sources } else { 0 };
                    *e = Entry {
                        rank,
                        conf,
                        sources: bit(src) | keep,
                        reason,
                        distro,
                    };
                } else if rank == e.rank {
                    e.sources |= bit(src);
                }
            }
        }
    }
}

const ALL_SOURCES: [Source; 7] = [
    Source::CveCna,
    Source::CisaAdp,
    Source::Nvd,
    Source::Kev,
    Source::CertFr,
    Source::EndOfLife,
    Source::Epss,
];

fn bit(s: Source) -> u8 {
    1 << (ALL_SOURCES.iter().position(|x| *x == s).unwrap_or(0) as u8)
}

fn sources_of(mask: u8) -> Vec<Source> {
    ALL_SOURCES
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| *s)
        .collect()
}

type ParseCache = HashMap<Scheme, HashMap<String, Option<std::rc::Rc<Version>>>>;

thread_local! {
    static PARSED: std::cell::RefCell<ParseCache> = std::cell::RefCell::new(HashMap::new());
}

/// `Version::parse` memoised per thread (advisory bounds repeat across inventory groups and
/// records). Bounded: a scheme's cache is cleared past 200,000 entries.
fn parse_cached(s: &str, scheme: Scheme) -> Option<std::rc::Rc<Version>> {
    PARSED.with(|c| {
        let mut c = c.borrow_mut();
        let m = c.entry(scheme).or_default();
        if let Some(v) = m.get(s) {
            return v.clone();
        }
        if m.len() > 200_000 {
            m.clear();
        }
        let v = Version::parse(s, scheme).map(std::rc::Rc::new);
        m.insert(s.to_string(), v.clone());
        v
    })
}

fn cmp_in(g: &Group, other: &str) -> Option<Ordering> {
    let a = g.version.as_ref()?;
    let b = parse_cached(other, g.scheme)?;
    a.compare(&b)
}

/// The dotted numbers a text starts with ("12.1 FIPs, NDcPP" → [12, 1]); empty if it does not
/// start with a digit.
fn leading_release(s: &str) -> Vec<u64> {
    let t = s.trim();
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return Vec::new();
    }
    let head: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    head.split('.')
        .filter(|p| !p.is_empty())
        .map_while(|p| p.parse::<u64>().ok())
        .collect()
}

/// A free-text list of releases in a record's version field, read as explicit membership:
/// `7.2.1, 7.2.0` → `[(None, [7.2.1, 7.2.0])]`; `FortiOS 7.2.1, 7.2.0; FortiProxy 7.2.0` →
/// `[(Some("fortios"), …), (Some("fortiproxy"), …)]` (labels in [`product::norm_part`] form).
/// Empty when the text is not such a list (one version, a sentence, a range in words).
fn list_segments(s: &str) -> Vec<(Option<String>, Vec<&str>)> {
    if !(s.contains(',') || s.contains(';')) || s.contains(['(', ')', '<', '>', '=']) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut total = 0;
    for seg in s.split(';').map(str::trim).filter(|x| !x.is_empty()) {
        let Some(first) = seg.find(|c: char| c.is_ascii_digit()) else {
            return Vec::new();
        };
        let (label, rest) = seg.split_at(first);
        let label = label.trim().trim_end_matches(':').trim();
        if label.split_whitespace().count() > 5 {
            return Vec::new();
        }
        let mut vers = Vec::new();
        for v in rest
            .split(',')
            .flat_map(|p| p.split(" and "))
            .map(str::trim)
            .filter(|x| !x.is_empty())
        {
            let ok = v.starts_with(|c: char| c.is_ascii_digit())
                && v.split_whitespace().count() <= 3
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' '))
                && !v.split_whitespace().any(|w| {
                    matches!(
                        w.to_ascii_lowercase().as_str(),
                        "prior"
                            | "before"
                            | "through"
                            | "to"
                            | "earlier"
                            | "later"
                            | "older"
                            | "below"
                            | "above"
                            | "from"
                            | "or"
                    )
                });
            if !ok {
                return Vec::new();
            }
            vers.push(v);
        }
        total += vers.len();
        let label = (!label.is_empty()).then(|| product::norm_part(label));
        out.push((label, vers));
    }
    if total < 2 && out.len() < 2 {
        return Vec::new();
    }
    out
}

/// "8.0.32 and prior" → "8.0.32".
fn and_prior(s: &str) -> Option<&str> {
    if !(s.contains(" and ") || s.contains(" or ")) {
        return None;
    }
    let l = s.to_ascii_lowercase();
    for phrase in [
        " and prior",
        " and earlier",
        " and older",
        " and below",
        " or earlier",
        " or older",
    ] {
        if let Some(pos) = l.find(phrase) {
            let head = s.get(..pos)?;
            // Drop a parenthesised note: "12.4.3-02804 (platform-hotfix)".
            let head = head.split('(').next().unwrap_or(head);
            return Some(head.trim());
        }
    }
    None
}

/// `7.2.*`, `16.1.x`: an upper bound that names a whole line.
fn line_bound(s: &str) -> Option<&str> {
    let t = s.trim();
    t.strip_suffix(".*")
        .or_else(|| t.strip_suffix(".x"))
        .or_else(|| t.strip_suffix(".x*"))
}

fn eval_cve5(a: &AffectedProduct, g: &Group, li: &ListInfo) -> Verdict {
    if g.unknown {
        return Verdict::Unknown(format!(
            "`{}` is affected by this CVE in some versions; the inventory version is unknown",
            a.product
        ));
    }
    let Some(iv) = g.version.as_ref() else {
        return Verdict::Unknown(format!(
            "inventory version `{}` cannot be compared ({:?} scheme)",
            g.raw, g.scheme
        ));
    };
    if let Some(line) = li.build_line {
        // `… Exchange Server 2016 Cumulative Update 23`: the entry concerns that CU's builds.
        if !iv.release_starts_with(line) {
            return Verdict::NotAffected;
        }
    }
    let mut matched: Option<Status> = None;
    let mut unknown: Option<String> = None;
    // Editions (NetScaler FIPS/NDcPP): when the list names editions, an entry applies only to
    // items of the same edition.
    let edition_of = |s: &str| parse_cached(s, g.scheme).and_then(|v| v.edition.clone());
    let list_has_editions = li.has_editions;
    let prior_entries = li.prior_entries;
    for (ei, e) in a.versions.iter().enumerate() {
        if let Some(t) = &e.version_type {
            if t.eq_ignore_ascii_case("git") || t.starts_with("original_commit") {
                continue;
            }
        }
        if list_has_editions && edition_of(&e.version) != iv.edition {
            continue;
        }
        // "8.0.32 and prior", "7.0.1-5035 and older versions": an inclusive bound, per release
        // line when the record lists several lines.
        let prior = if e.less_than.is_none() && e.less_than_or_equal.is_none() {
            if li.flags.get(ei).is_some_and(|f| f.1) {
                and_prior(&e.version)
            } else {
                None
            }
        } else {
            None
        };
        if let Some(bound) = prior {
            let Some(bv) = parse_cached(bound, g.scheme) else {
                unknown = Some(format!(
                    "record version text `{}` is not a version: review",
                    e.version
                ));
                continue;
            };
            if prior_entries > 1 {
                let line: Vec<u64> = bv.release.iter().take(2).copied().collect();
                if !iv.release_starts_with(&line) {
                    continue;
                }
            }
            match iv.compare(&bv) {
                Some(Ordering::Greater) => {}
                Some(_) => {
                    if e.status == Status::Affected || matched.is_none() {
                        matched = Some(e.status);
                    }
                }
                None => unknown = Some(format!("cannot compare `{}` with `{}`", g.raw, e.version)),
            }
            continue;
        }
        let upper = e
            .less_than
            .as_deref()
            .map(|u| (u, false))
            .or(e.less_than_or_equal.as_deref().map(|u| (u, true)));
        if let Some((up, inclusive)) = upper {
            if let Some(Some(sl)) = li.siblings.get(ei) {
                // The item's first numbers (missing ones are 0) against the range's line.
                let head = (0..sl.head.len()).map(|k| iv.release.get(k).copied().unwrap_or(0));
                let mine = head.clone().cmp(sl.head.iter().copied());
                let below_lowest = head.cmp(sl.lowest.iter().copied()) == Ordering::Less;
                if !(mine == Ordering::Equal || (sl.head == sl.lowest && below_lowest)) {
                    continue;
                }
            }
            let unbounded = li.flags.get(ei).is_some_and(|f| f.0);
            let start_ok = if unbounded {
                Some(true)
            } else {
                match cmp_in(g, &e.version) {
                    Some(o) => Some(o != Ordering::Less),
                    None => {
                        // "16.1.x": the start names a line.
                        line_bound(&e.version)
                            .and_then(|l| cmp_in(g, l))
                            .map(|o| o != Ordering::Less)
                    }
                }
            };
            if g.scheme == Scheme::Cisco
                && parse_cached(up, g.scheme).is_some_and(|uv| iv.compare(&uv).is_none())
            {
                // Another Cisco train: another branch, which this range does not concern.
                continue;
            }
            let mut up_s = up.to_string();
            let mut prefix_required: Option<Vec<u64>> = None;
            // NetScaler style "version 13.1, lessThan 49.15": the bound is a build within the line.
            if let (Some(sv), Some(uv)) = (
                parse_cached(&e.version, g.scheme),
                parse_cached(up, g.scheme),
            ) {
                let patch_type = e
                    .version_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("patch"));
                let build_in_line = (g.scheme == Scheme::NetScaler || patch_type)
                    && sv.release.len() == 2
                    && uv.release.len() == 2
                    && !uv.release_starts_with(&sv.release);
                if build_in_line || uv.compare(&sv) == Some(Ordering::Less) {
                    up_s = format!("{}-{}", e.version.trim(), up.trim());
                    prefix_required = Some(sv.release.clone());
                }
            }
            if let Some(p) = &prefix_required {
                if !iv.release_starts_with(p) {
                    continue;
                }
            }
            let end_ok = if up.trim() == "*" {
                Some(true)
            } else if let Some(line) =
                line_bound(up).filter(|_| inclusive || up.trim().ends_with('*'))
            {
                parse_cached(line, g.scheme).map(|lv| {
                    let n = lv.release.len();
                    let head: Vec<u64> = iv.release.iter().take(n).copied().collect();
                    let mut padded = head.clone();
                    padded.resize(n, 0);
                    padded <= lv.release
                })
            } else {
                let vb = parse_cached(&up_s, g.scheme);
                match vb.and_then(|b| iv.compare(&b).map(|o| (o, b))) {
                    // "lessThanOrEqual 12.1.2" and the item is build 12.1.2.172: the bound may
                    // name the whole 12.1.2 line. Refuse to guess.
                    Some((Ordering::Greater, b))
                        if inclusive
                            && b.release.len() < iv.release.len()
                            && iv.release_starts_with(&b.release)
                            && b.pre.is_none()
                            && b.post.is_empty() =>
                    {
                        None
                    }
                    // "lessThanOrEqual 8.8.15" and the item is `8.8.15 Patch 45`: the bound
                    // names the release, not which of its patches fixes.
                    Some((Ordering::Greater, b))
                        if inclusive
                            && b.post.is_empty()
                            && b.pre.is_none()
                            && !iv.post.is_empty()
                            && b.release == iv.release =>
                    {
                        unknown = Some(format!(
                            "the record's {} bound `≤ {up}` names the release without a patch level; `{}` is a patch of it: the record does not say which patch fixes",
                            source_label(a.origin),
                            g.raw
                        ));
                        continue;
                    }
                    Some((o, _)) => Some(if inclusive {
                        o != Ordering::Greater
                    } else {
                        o == Ordering::Less
                    }),
                    None => None,
                }
            };
            match (start_ok, end_ok) {
                (Some(true), Some(true)) => {
                    let mut st = e.status;
                    for ch in &e.changes {
                        match cmp_in(g, &ch.at) {
                            Some(Ordering::Less) => {}
                            Some(_) => st = ch.status,
                            None => {
                                unknown = Some(format!(
                                    "cannot compare `{}` with change point `{}`",
                                    g.raw, ch.at
                                ));
                            }
                        }
                    }
                    if st == Status::Affected || matched.is_none() {
                        matched = Some(st);
                    }
                }
                (Some(false), _) | (_, Some(false)) => {}
                _ => {
                    unknown = Some(format!(
                        "cannot compare `{}` with the range `{}` .. `{}` ({:?} scheme)",
                        g.raw, e.version, up, g.scheme
                    ));
                }
            }
        } else {
            // Single version.
            if li.flags.get(ei).is_some_and(|f| f.0) {
                if e.status == Status::Affected {
                    unknown = Some(format!(
                        "record lists `{}` as affected without a version",
                        a.product
                    ));
                }
                continue;
            }
            // A free-text list of releases (`7.2.1, 7.2.0` or `FortiOS 7.2.1, 7.2.0; FortiProxy
            // 7.2.0`): explicit membership, per labelled product.
            let segs = list_segments(&e.version);
            if !segs.is_empty() {
                let mut labelled = false;
                let mut concerns = false;
                for (label, vers) in &segs {
                    if let Some(l) = label {
                        labelled = true;
                        if !g.names.iter().any(|n| n == l) {
                            continue;
                        }
                    }
                    concerns = true;
                    for c in vers {
                        match parse_cached(c, g.scheme) {
                            Some(sv) => {
                                if iv.compare(&sv) == Some(Ordering::Equal)
                                    && (e.status == Status::Affected || matched.is_none())
                                {
                                    matched = Some(e.status);
                                }
                            }
                            None => {
                                unknown = Some(format!(
                                    "cannot read `{c}` in the record's list `{}`",
                                    e.version
                                ))
                            }
                        }
                    }
                }
                if labelled && !concerns {
                    // The list names other products only.
                    continue;
                }
                continue;
            }
            // VMware lists a release line without a fixed version (`7.0` affected): every update
            // of that line is affected (the advisory's response matrix has no fix for it).
            if g.scheme == Scheme::Vmware {
                let line = leading_release(&e.version);
                if line.len() == 2
                    && e.version
                        .trim()
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.')
                {
                    if iv.release_starts_with(&line)
                        && (e.status == Status::Affected || matched.is_none())
                    {
                        matched = Some(e.status);
                    }
                    continue;
                }
            }
            let candidates: Vec<&str> = vec![e.version.as_str()];
            for c in candidates {
                match parse_cached(c, g.scheme) {
                    Some(sv) => {
                        if g.scheme != Scheme::Cisco
                            && sv.release.len() < iv.release.len()
                            && iv.release_starts_with(&sv.release)
                            && sv.pre.is_none()
                            && sv.post.is_empty()
                        {
                            // "13.0" names a release line, the item is a build in it.
                            if e.status == Status::Affected {
                                unknown = Some(format!(
                                    "record names the release line `{c}` as affected; `{}` is a build in it: check the vendor's fixed build",
                                    g.raw
                                ));
                            }
                            continue;
                        }
                        match iv.compare(&sv) {
                            Some(Ordering::Equal) => {
                                if e.status == Status::Affected || matched.is_none() {
                                    matched = Some(e.status);
                                }
                            }
                            Some(_) => {}
                            // Cisco: versions of another train are another branch, not equal.
                            None if g.scheme == Scheme::Cisco => {}
                            None => {
                                unknown = Some(format!("cannot compare `{}` with `{c}`", g.raw))
                            }
                        }
                    }
                    None => {
                        // Free text. If it starts with a version of another line ("12.1 FIPs,
                        // NDcPP" for a 13.1 item), it does not concern the item.
                        let lead = leading_release(c);
                        let other_line = !lead.is_empty() && !iv.release_starts_with(&lead);
                        if e.status == Status::Affected && !other_line {
                            unknown = Some(format!(
                                "record version text `{}` is not a version: review",
                                e.version
                            ));
                        }
                    }
                }
            }
        }
    }
    match matched {
        Some(Status::Affected) => Verdict::Affected,
        Some(Status::Unaffected) if unknown.is_none() => Verdict::NotAffected,
        _ => {
            if let Some(u) = unknown {
                return Verdict::Unknown(u);
            }
            match (a.default_status, a.versions.is_empty()) {
                (Status::Affected, true) => Verdict::Unknown(format!(
                    "record says `{}` is affected but gives no version",
                    a.product
                )),
                (Status::Affected, false) => {
                    // `defaultStatus: affected` with only affected ranges (`8.1.* < 8.1.29`): the
                    // ranges carry the fixes, the default speaks for older, unlisted releases.
                    // A version at or above a range's start that no range contains is fixed.
                    let has_unaffected = a.versions.iter().any(|e| {
                        e.status == Status::Unaffected
                            || e.changes.iter().any(|c| c.status == Status::Unaffected)
                    });
                    let above_a_start = a.versions.iter().any(|e| {
                        (e.less_than.is_some() || e.less_than_or_equal.is_some())
                            && (is_unbounded(&e.version)
                                || cmp_in(g, &e.version)
                                    .or_else(|| line_bound(&e.version).and_then(|l| cmp_in(g, l)))
                                    .is_some_and(|o| o != Ordering::Less))
                    });
                    if has_unaffected || !above_a_start {
                        Verdict::Affected
                    } else {
                        Verdict::NotAffected
                    }
                }
                (Status::Unknown, true) => {
                    Verdict::Unknown(format!("record names `{}` without versions", a.product))
                }
                _ => Verdict::NotAffected,
            }
        }
    }
}

fn eval_nvd_match(m: &CpeMatch, c: &Cpe, g: &Group) -> Verdict {
    // Edition attributes (Citrix: sw_edition fips / ndcpp / "-").
    let ed = g.version.as_ref().and_then(|v| v.edition.clone());
    match &c.sw_edition {
        CpeValue::Value(e) if ed.as_deref() != Some(e.as_str()) => return Verdict::NotAffected,
        CpeValue::Na if ed.is_some() => return Verdict::NotAffected,
        _ => {}
    }
    let has_range = m.start_including.is_some()
        || m.start_excluding.is_some()
        || m.end_including.is_some()
        || m.end_excluding.is_some();
    if has_range {
        if g.unknown || g.version.is_none() {
            return Verdict::Unknown(format!(
                "NVD range for `{}`; inventory version `{}` cannot be compared",
                m.criteria, g.raw
            ));
        }
        type Check<'a> = (&'a Option<String>, fn(Ordering) -> bool);
        let checks: [Check; 4] = [
            (&m.start_including, |o| o != Ordering::Less),
            (&m.start_excluding, |o| o == Ordering::Greater),
            (&m.end_including, |o| o != Ordering::Greater),
            (&m.end_excluding, |o| o == Ordering::Less),
        ];
        for (bound, ok) in checks {
            if let Some(b) = bound {
                match cmp_in(g, b) {
                    Some(o) if ok(o) => {}
                    Some(_) => return Verdict::NotAffected,
                    None => {
                        return Verdict::Unknown(format!(
                            "cannot compare `{}` with NVD bound `{b}`",
                            g.raw
                        ))
                    }
                }
            }
        }
        return Verdict::Affected;
    }
    match &c.version {
        CpeValue::Any => {
            if g.unknown {
                Verdict::Unknown(format!("NVD names every version of `{}`", m.criteria))
            } else {
                Verdict::Affected
            }
        }
        // A `-` version names "no version": only an item whose version is also NA matches.
        CpeValue::Na => {
            if g.raw.trim() == "-" {
                Verdict::Affected
            } else {
                Verdict::NotAffected
            }
        }
        CpeValue::Value(v) => {
            if g.unknown {
                return Verdict::Unknown(format!(
                    "NVD names version `{v}`; inventory version unknown"
                ));
            }
            // The update attribute (e.g. `p1`, `cumulative_update_13`) is part of the version.
            let full = match &c.update {
                CpeValue::Value(u) => format!("{v}{u}"),
                _ => v.clone(),
            };
            match cmp_in(g, &full) {
                Some(Ordering::Equal) => Verdict::Affected,
                Some(_) => Verdict::NotAffected,
                None => {
                    if g.raw.eq_ignore_ascii_case(v) {
                        Verdict::Affected
                    } else {
                        Verdict::Unknown(format!(
                            "cannot compare `{}` with NVD version `{full}`",
                            g.raw
                        ))
                    }
                }
            }
        }
        CpeValue::Pattern(p) => {
            let t = Cpe::parse(&format!(
                "cpe:2.3:a:x:y:{}:*:*:*:*:*:*:*",
                g.raw.replace(':', "\\:")
            ));
            let pat = Cpe::parse(&format!("cpe:2.3:a:x:y:{p}:*:*:*:*:*:*:*"));
            match (pat, t) {
                (Ok(pat), Ok(t)) if pat.matches(&t) => Verdict::Affected,
                (Ok(_), Ok(_)) => Verdict::NotAffected,
                _ => Verdict::Unknown(format!("cannot match `{}` against `{p}`", g.raw)),
            }
        }
    }
}
