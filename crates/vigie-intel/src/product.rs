//! The open product model: any product an inventory or a record names gets ONE canonical,
//! stable product key, whether the curated catalogue knows it or not.
//!
//! # Keys
//!
//! - A product the catalogue knows has its catalogue id as key (`fortios`, `apache-httpd`).
//!   Catalogue ids are kebab-case and never contain `:`.
//! - Any other product has an **open key** `vendor:product` in the CPE dictionary's style,
//!   normalised ([`norm_part`]): lower case, CPE `\` escapes removed, every run of characters
//!   other than letters and digits (spaces, `_`, `-`, `.`, `&`…) becomes one `_`. The vendor goes
//!   through the known vendor aliases ([`norm_vendor`]: `Microsoft Corporation` → `microsoft`,
//!   `Apache Software Foundation` → `apache`, `Palo Alto Networks` → `paloaltonetworks`…), and a
//!   product name that repeats the vendor drops it (`Apache HTTP Server` by `apache` →
//!   `http_server`), as the CPE dictionary writes names. So `Apache Software Foundation` /
//!   `Apache HTTP Server` and `cpe:2.3:a:apache:http_server` give the same key.
//! - Open keys that endoflife.date's identifiers list for one product (`data/eol-identifiers.tsv`)
//!   are folded onto that product's first CPE (`rabbitmq`: `pivotal_software:rabbitmq` and
//!   `vmware:rabbitmq` → `pivotal_software:rabbitmq`), so that the names the sources use for one
//!   product meet.
//! - A product named without a vendor, that neither the catalogue nor endoflife.date's titles
//!   know, gets the unqualified key `_:product`; records that name a product without vendor
//!   (`n/a`) emit that key too.
//!
//! Names are compared by equality of their normal form only, never by substring: `MySQL` never
//! resolves `MySQL Connectors`.
//!
//! # The invariant
//!
//! An inventory item is evaluated against an advisory **iff** the item's key is in the
//! advisory's key set ([`advisory_keys`], [`kev_keys`]). Both sides are computed by the same
//! functions ([`naming_keys`]): for one naming (vendor, product or CPE), the advisory side emits
//! every catalogue id the naming resolves to plus its open key, and the item side picks the one
//! catalogue id when there is exactly one, and the open key otherwise. The matcher indexes items
//! by this key and looks advisories up by these keys, so any item that `match_advisory` reports
//! shares a key with the advisory (tested in `tests/product.rs`).

use crate::catalog::Catalog;
use crate::cpe::{Cpe, CpeValue};
use crate::model::{Advisory, KevEntry};
use crate::version::Scheme;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::rc::Rc;

pub use crate::names::*;
use crate::names::{percent_decode, purl_base};

/// How an inventory item names its product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProductRef {
    /// A catalogue product id (`fortios`).
    Catalog(String),
    /// A CPE 2.3 name or URI (`cpe:2.3:a:apache:http_server:2.4.58:*:...`).
    Cpe(String),
    /// A canonical product key as [`crate::product::resolve`] returns it (catalogue id or open
    /// key `vendor:product`); any other text is resolved like an inventory row.
    Key(String),
    /// A free vendor + product pair (as an SBOM or a form gives it).
    Named {
        /// Vendor.
        vendor: String,
        /// Product.
        product: String,
    },
}

/// Where a naming comes from: selects which catalogue tables resolve it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(usize)]
pub enum NamingSource {
    /// A CVE 5 `affected[]` vendor/product (CNA or ADP).
    Cve,
    /// A CPE's vendor/product.
    Cpe,
    /// A KEV vendorProject/product.
    Kev,
}

/// Catalogue ids and the open key of one naming (vendor, product) from `source`. This is the
/// ONE function both sides of the matching use (see the module's invariant).
pub fn naming_keys(
    cat: &Catalog,
    source: NamingSource,
    vendor: &str,
    product: &str,
) -> (Vec<String>, Option<String>) {
    let mut ids: Vec<String> = match source {
        NamingSource::Cve => cat.resolve_cve(vendor, product),
        NamingSource::Cpe => cat.resolve_cpe(vendor, product),
        NamingSource::Kev => cat.resolve_kev(vendor, product),
    }
    .into_iter()
    .map(str::to_string)
    .collect();
    let open = raw_open_key(vendor, product).map(|k| eol_aliases().canonical(&k).to_string());
    if let Some(k) = &open {
        for id in cat.resolve_open(k) {
            if !ids.iter().any(|x| x == id) {
                ids.push(id.to_string());
            }
        }
    }
    (ids, open)
}

/// product → keys (one vendor's part of [`KeyMemo`]).
type KeysByProduct = HashMap<String, Rc<[String]>>;

/// Per-thread memo of the keys of namings and CPE texts (records repeat the same names over
/// and over); valid for one catalogue ([`Catalog::uid`]), cleared past 200,000 entries.
#[derive(Default)]
struct KeyMemo {
    uid: u64,
    len: usize,
    /// [source] vendor → product → keys.
    names: [HashMap<String, KeysByProduct>; 3],
    /// CPE vendor field → product field → keys.
    cpes: HashMap<String, KeysByProduct>,
}

thread_local! {
    static MEMO: std::cell::RefCell<KeyMemo> = std::cell::RefCell::new(KeyMemo::default());
}

fn with_memo<T>(cat: &Catalog, f: impl FnOnce(&mut KeyMemo) -> T) -> T {
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.uid != cat.uid() || m.len > 200_000 {
            *m = KeyMemo {
                uid: cat.uid(),
                ..KeyMemo::default()
            };
        }
        f(&mut m)
    })
}

/// [`emitted_keys`], memoised per thread.
pub fn emitted_keys_memo(
    cat: &Catalog,
    source: NamingSource,
    vendor: &str,
    product: &str,
) -> Rc<[String]> {
    let i = source as usize;
    if let Some(k) = with_memo(cat, |m| {
        m.names[i].get(vendor).and_then(|p| p.get(product)).cloned()
    }) {
        return k;
    }
    let keys: Rc<[String]> = emitted_keys(cat, source, vendor, product).into();
    with_memo(cat, |m| {
        m.len += 1;
        m.names[i]
            .entry(vendor.to_string())
            .or_default()
            .insert(product.to_string(), keys.clone());
    });
    keys
}

/// The raw (still escaped) vendor and product fields of a CPE text, without parsing it: what
/// the keys of a CPE depend on. NVD criteria carry versions and so are nearly all distinct; their
/// vendor/product fields are few.
fn cpe_fields(text: &str) -> Option<(&str, &str)> {
    let (body, skip) = if let Some(b) = text.strip_prefix("cpe:2.3:") {
        (b, 1)
    } else if let Some(b) = text.strip_prefix("cpe:/") {
        (b, 1)
    } else {
        return None;
    };
    let bytes = body.as_bytes();
    let mut fields: [(usize, usize); 3] = [(0, 0); 3];
    let (mut n, mut start, mut i) = (0usize, 0usize, 0usize);
    while i <= bytes.len() && n < 3 {
        let end = i == bytes.len();
        if !end && bytes[i] == b'\\' {
            i += 2;
            continue;
        }
        if end || bytes[i] == b':' {
            if let Some(f) = fields.get_mut(n) {
                *f = (start, i);
            }
            n += 1;
            start = i + 1;
        }
        i += 1;
    }
    if n < 1 + skip + 1 {
        return None;
    }
    let (v, p) = (fields[1], fields[2]);
    Some((body.get(v.0..v.1)?, body.get(p.0..p.1)?))
}

/// The keys of a CPE text (2.3 or URI) as the advisory side emits them, memoised per thread by
/// its vendor and product fields; empty for a text that is not a CPE or names no single product.
pub fn cpe_text_keys(cat: &Catalog, text: &str) -> Rc<[String]> {
    let Some((v, p)) = cpe_fields(text) else {
        return Rc::from(Vec::new());
    };
    if let Some(k) = with_memo(cat, |m| m.cpes.get(v).and_then(|ps| ps.get(p)).cloned()) {
        return k;
    }
    // Only a text that parses is memoised: another field may be what makes a text invalid.
    let Ok(c) = Cpe::parse(text) else {
        return Rc::from(Vec::new());
    };
    let keys: Rc<[String]> = cpe_keys(cat, &c).into();
    with_memo(cat, |m| {
        m.len += 1;
        m.cpes
            .entry(v.to_string())
            .or_default()
            .insert(p.to_string(), keys.clone());
    });
    keys
}

fn push_unique(out: &mut Vec<String>, k: String) {
    if !out.contains(&k) {
        out.push(k);
    }
}

/// Keys of one naming as the advisory side emits them: every catalogue id and the open key.
pub fn emitted_keys(
    cat: &Catalog,
    source: NamingSource,
    vendor: &str,
    product: &str,
) -> Vec<String> {
    let (ids, open) = naming_keys(cat, source, vendor, product);
    let mut out = ids;
    if let Some(k) = open {
        push_unique(&mut out, k);
    }
    out
}

/// Keys of a CPE string (2.3 or URI) as the advisory side emits them.
pub fn cpe_keys(cat: &Catalog, cpe: &Cpe) -> Vec<String> {
    match (cpe.vendor.as_value(), cpe.product.as_value()) {
        (Some(v), Some(p)) => emitted_keys(cat, NamingSource::Cpe, v, p),
        _ => Vec::new(),
    }
}

/// Keys of one CVE 5 `affected[]` entry: its vendor/product and its CPEs.
pub fn affected_keys(cat: &Catalog, a: &crate::model::AffectedProduct) -> Vec<String> {
    let mut out = Vec::new();
    for set in affected_key_sets(cat, a) {
        for k in set.iter() {
            push_unique(&mut out, k.clone());
        }
    }
    out
}

/// The key sets of one `affected[]` entry (its naming, package and CPEs), as memoised: what
/// [`affected_keys`] flattens, without copying the keys.
pub fn affected_key_sets(cat: &Catalog, a: &crate::model::AffectedProduct) -> Vec<Rc<[String]>> {
    let mut out = Vec::with_capacity(1 + a.cpes.len());
    out.push(emitted_keys_memo(
        cat,
        NamingSource::Cve,
        &a.vendor,
        &a.product,
    ));
    if let Some(pkg) = &a.package_name {
        out.push(emitted_keys_memo(cat, NamingSource::Cve, &a.vendor, pkg));
    }
    for c in &a.cpes {
        out.push(cpe_text_keys(cat, c));
    }
    out
}

/// Every product key an advisory concerns: CNA and ADP `affected` names, packages and CPEs, and
/// the CPEs of the vulnerable entries of its NVD configurations. Sorted, without duplicates. An
/// inventory item is evaluated against the advisory iff its key is in this set.
pub fn advisory_keys(cat: &Catalog, adv: &Advisory) -> Vec<String> {
    let mut out = Vec::new();
    for a in &adv.affected {
        for k in affected_keys(cat, a) {
            push_unique(&mut out, k);
        }
    }
    for cfg in &adv.configurations {
        for node in &cfg.nodes {
            for m in node.matches.iter().filter(|m| m.vulnerable) {
                for k in cpe_text_keys(cat, &m.criteria).iter() {
                    push_unique(&mut out, k.clone());
                }
            }
        }
    }
    out.sort();
    out
}

/// Every product key a KEV entry concerns (sorted, without duplicates).
pub fn kev_keys(cat: &Catalog, e: &KevEntry) -> Vec<String> {
    let mut out = emitted_keys_memo(cat, NamingSource::Kev, &e.vendor_project, &e.product).to_vec();
    out.sort();
    out.dedup();
    out
}

/// The keys of a KEV entry that none of its CVE's records names: the products a known-exploited
/// flaw concerns that only the KEV names (a MITRE record whose CNA says `n/a`/`n/a`, no record
/// at all). Items of these keys go to review at product level
/// ([`crate::Matcher::match_kev_keys`]); the records decide for the others (a record that names
/// a product without versions sends it to review itself).
pub fn kev_uncovered_keys(cat: &Catalog, e: &KevEntry, records: &[Advisory]) -> Vec<String> {
    let covered: std::collections::HashSet<String> = records
        .iter()
        .filter(|a| a.state == crate::model::RecordState::Published)
        .flat_map(|a| advisory_keys(cat, a))
        .collect();
    kev_keys(cat, e)
        .into_iter()
        .filter(|k| !covered.contains(k))
        .collect()
}

/// How a declared product was resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResolvedBy {
    /// A catalogue id, given as such.
    CatalogId,
    /// A name the catalogue knows (display name, alias, scanner name, CERT-FR name).
    CatalogName,
    /// A vendor/product pair the catalogue knows (CVE or KEV names, CPE vendor:product).
    CatalogPair,
    /// A CPE the catalogue knows.
    CatalogCpe,
    /// Open key from a vendor/product pair.
    OpenName,
    /// Open key from a CPE.
    OpenCpe,
    /// Open key from a purl (endoflife.date identifiers, or type/namespace/name).
    Purl,
    /// Open key from an endoflife.date product title.
    EndOfLifeTitle,
    /// A product named without vendor that nothing knows: `_:product`.
    Unqualified,
    /// An open key given as such (`vendor:product`).
    OpenKey,
}

/// The product an inventory row names, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolved {
    /// The canonical product key (catalogue id or open key).
    pub key: String,
    /// A display name (catalogue name, endoflife.date title, or vendor + product).
    pub display: String,
    /// How it was resolved.
    pub by: ResolvedBy,
    /// The version the declaration carried itself (CPE version attribute, purl `@version`).
    pub version: Option<String>,
    /// Edition carried by a CPE (`sw_edition`, e.g. `fips`), appended to the version for matching.
    pub edition: Option<String>,
    /// A note for the person (e.g. several catalogue products matched: the open key was kept).
    pub note: Option<String>,
}

/// Why a declaration resolves to no product.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Unresolved {
    /// Nothing written.
    #[error("no product given")]
    Empty,
    /// A `cpe:` text that is not a CPE.
    #[error("not a valid CPE: {0}")]
    BadCpe(String),
    /// A CPE whose vendor or product is a wildcard.
    #[error("the CPE names no single product (vendor or product is a wildcard): {0}")]
    WildcardCpe(String),
    /// A `pkg:` text that is not a purl.
    #[error("not a valid purl: {0}")]
    BadPurl(String),
    /// Too long or control characters.
    #[error("product name too long (200 characters at most) or contains control characters")]
    BadText,
}

fn display_of_open(key: &str) -> String {
    if let Some(slug) = eol_aliases().slug(key) {
        if let Some(t) = eol_aliases().title_of.get(slug) {
            return t.clone();
        }
    }
    let (v, p) = key.split_once(':').unwrap_or(("_", key));
    let cap = |s: &str| {
        s.split('_')
            .filter(|w| !w.is_empty())
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    if v == "_" {
        cap(p)
    } else {
        format!("{} {}", cap(v), cap(p))
    }
}

fn pick(
    cat: &Catalog,
    ids: Vec<String>,
    open: Option<String>,
    by_cat: ResolvedBy,
    by_open: ResolvedBy,
) -> Option<Resolved> {
    match (ids.as_slice(), open) {
        ([one], _) => Some(Resolved {
            key: one.clone(),
            display: cat.get(one).map_or_else(|| one.clone(), |p| p.name.clone()),
            by: by_cat,
            version: None,
            edition: None,
            note: None,
        }),
        (_, Some(k)) => Some(Resolved {
            display: display_of_open(&k),
            note: (ids.len() > 1).then(|| {
                format!(
                    "several catalogue products share this name ({}): kept as the open product `{k}`; declare the catalogue id to be precise",
                    ids.join(", ")
                )
            }),
            key: k,
            by: by_open,
            version: None,
            edition: None,
        }),
        (_, None) => None,
    }
}

/// Resolve a vendor/product pair (as an SBOM, a form or a CSV `vendor|product` gives it).
pub fn resolve_pair(cat: &Catalog, vendor: &str, product: &str) -> Result<Resolved, Unresolved> {
    if product.trim().is_empty() {
        return Err(Unresolved::Empty);
    }
    if vendor.trim().is_empty() || norm_vendor(vendor).is_none() {
        return resolve_name(cat, product);
    }
    let (mut ids, open) = naming_keys(cat, NamingSource::Cve, vendor, product);
    if ids.is_empty() {
        ids = naming_keys(cat, NamingSource::Kev, vendor, product).0;
    }
    if ids.is_empty() {
        // "Fortinet" + "FortiGate": the catalogue's names with the vendor's name dropped.
        ids = cat
            .resolve_name(product)
            .into_iter()
            .filter(|id| vendor_fits(cat, id, vendor))
            .map(str::to_string)
            .collect();
    }
    pick(
        cat,
        ids,
        open,
        ResolvedBy::CatalogPair,
        ResolvedBy::OpenName,
    )
    .ok_or(Unresolved::Empty)
}

/// Does a catalogue product belong to this vendor (by its CPE vendors or CVE vendor names)?
fn vendor_fits(cat: &Catalog, id: &str, vendor: &str) -> bool {
    let Some(v) = norm_vendor(vendor) else {
        return true;
    };
    cat.get(id).is_some_and(|p| {
        p.cpe
            .iter()
            .filter_map(|c| c.split(':').rev().nth(1))
            .any(|cv| norm_vendor(cv).as_deref() == Some(v.as_str()))
            || p.cve
                .iter()
                .chain(&p.kev)
                .any(|n| norm_vendor(&n.vendor).as_deref() == Some(v.as_str()))
    })
}

/// Resolve a free product name without vendor (catalogue names, then endoflife.date titles,
/// then the unqualified key `_:name`).
pub fn resolve_name(cat: &Catalog, name: &str) -> Result<Resolved, Unresolved> {
    let n = name.trim();
    if n.is_empty() {
        return Err(Unresolved::Empty);
    }
    let ids: Vec<String> = cat
        .resolve_name(n)
        .into_iter()
        .map(str::to_string)
        .collect();
    if let [one] = ids.as_slice() {
        return pick(
            cat,
            ids.clone(),
            None,
            ResolvedBy::CatalogName,
            ResolvedBy::OpenName,
        )
        .ok_or(Unresolved::Empty)
        .map(|r| Resolved {
            key: one.clone(),
            ..r
        });
    }
    if let Some(k) = eol_aliases().by_title(n) {
        let k = k.to_string();
        let (ids2, _) = split_key(&k)
            .map(|(v, p)| naming_keys(cat, NamingSource::Cpe, v, p))
            .unwrap_or_default();
        if let [one] = ids2.as_slice() {
            return pick(
                cat,
                vec![one.clone()],
                None,
                ResolvedBy::CatalogCpe,
                ResolvedBy::OpenCpe,
            )
            .ok_or(Unresolved::Empty);
        }
        return pick(
            cat,
            Vec::new(),
            Some(k),
            ResolvedBy::EndOfLifeTitle,
            ResolvedBy::EndOfLifeTitle,
        )
        .ok_or(Unresolved::Empty);
    }
    let p = norm_part(n);
    if p.is_empty() {
        return Err(Unresolved::Empty);
    }
    let key = format!("_:{p}");
    pick(
        cat,
        ids,
        Some(key),
        ResolvedBy::CatalogName,
        ResolvedBy::Unqualified,
    )
    .ok_or(Unresolved::Empty)
}

fn split_key(k: &str) -> Option<(&str, &str)> {
    k.split_once(':')
}

/// Resolve a CPE 2.3 formatted string or URI.
pub fn resolve_cpe(cat: &Catalog, text: &str) -> Result<Resolved, Unresolved> {
    let c = Cpe::parse(text.trim()).map_err(|_| Unresolved::BadCpe(text.trim().to_string()))?;
    let (Some(v), Some(p)) = (c.vendor.as_value(), c.product.as_value()) else {
        return Err(Unresolved::WildcardCpe(text.trim().to_string()));
    };
    let (ids, open) = naming_keys(cat, NamingSource::Cpe, v, p);
    let mut r = pick(cat, ids, open, ResolvedBy::CatalogCpe, ResolvedBy::OpenCpe)
        .ok_or_else(|| Unresolved::WildcardCpe(text.trim().to_string()))?;
    r.version = match &c.version {
        CpeValue::Value(v) => {
            // The update attribute continues the version (`8.0` + `update_3` ; `9.2` + `p1`).
            Some(match &c.update {
                CpeValue::Value(u) => format!("{v} {}", u.replace('_', " ")),
                _ => v.clone(),
            })
        }
        CpeValue::Na => Some("-".into()),
        _ => None,
    };
    r.edition = match &c.sw_edition {
        CpeValue::Value(e) => Some(e.clone()),
        _ => match &c.edition {
            CpeValue::Value(e) => Some(e.clone()),
            _ => None,
        },
    };
    Ok(r)
}

/// Resolve a purl (`pkg:type/namespace/name@version`): endoflife.date's purl identifiers first,
/// then the namespace as vendor and the name as product.
pub fn resolve_purl(cat: &Catalog, text: &str) -> Result<Resolved, Unresolved> {
    let t = text.trim();
    let (ty, ns, name) = purl_base(t).ok_or_else(|| Unresolved::BadPurl(t.to_string()))?;
    let version = t
        .split(['?', '#'])
        .next()
        .and_then(|b| b.rsplit_once('@'))
        .map(|(_, v)| percent_decode(v))
        .filter(|v| !v.is_empty());
    let mut r = if let Some(k) = eol_aliases().by_purl(t) {
        let k = k.to_string();
        match split_key(&k) {
            Some((v, p)) if v != "eol" => {
                let (ids, open) = naming_keys(cat, NamingSource::Cpe, v, p);
                pick(cat, ids, open, ResolvedBy::CatalogCpe, ResolvedBy::Purl)
            }
            _ => None,
        }
    } else {
        None
    }
    .map_or_else(
        || {
            let vendor = match ty.as_str() {
                // Distribution packages: the namespace is the distribution, not the vendor.
                "deb" | "rpm" | "apk" | "generic" | "docker" | "oci" => String::new(),
                _ => ns.rsplit(['/', '.']).next().unwrap_or("").to_string(),
            };
            resolve_pair(cat, &vendor, &percent_decode(&name)).map(|mut r| {
                if r.by == ResolvedBy::OpenName || r.by == ResolvedBy::Unqualified {
                    r.by = ResolvedBy::Purl;
                }
                r
            })
        },
        Ok,
    )?;
    r.version = version;
    Ok(r)
}

/// Resolve whatever an inventory row names: a catalogue id, an open key (`vendor:product`), a
/// CPE (`cpe:2.3:…`, `cpe:/…`), a purl (`pkg:…`), `vendor|product`, or a free name.
pub fn resolve(cat: &Catalog, declared: &str) -> Result<Resolved, Unresolved> {
    let t = declared.trim();
    if t.is_empty() {
        return Err(Unresolved::Empty);
    }
    if t.chars().count() > 200 || t.chars().any(char::is_control) {
        return Err(Unresolved::BadText);
    }
    if let Some(p) = cat.get(t) {
        return Ok(Resolved {
            key: p.id.clone(),
            display: p.name.clone(),
            by: ResolvedBy::CatalogId,
            version: None,
            edition: None,
            note: None,
        });
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("cpe:") {
        return resolve_cpe(cat, t);
    }
    if lower.starts_with("pkg:") {
        return resolve_purl(cat, t);
    }
    if let Some((v, p)) = t.split_once('|') {
        return resolve_pair(cat, v, p);
    }
    // An open key as this module writes it: `vendor:product`, both in normal form.
    if let Some((v, p)) = t.split_once(':') {
        if (v == "_" || (!v.is_empty() && norm_part(v) == v)) && !p.is_empty() && norm_part(p) == p
        {
            let key = eol_aliases().canonical(t).to_string();
            if !key.starts_with("_:") {
                // An open key the catalogue curates: its catalogue id.
                if let [one] = cat.resolve_open(&key).as_slice() {
                    return resolve(cat, one);
                }
            }
            return Ok(Resolved {
                display: display_of_open(&key),
                key,
                by: ResolvedBy::OpenKey,
                version: None,
                edition: None,
                note: None,
            });
        }
    }
    resolve_name(cat, t)
}

/// Resolve an item's [`ProductRef`] to its key (what the matcher indexes).
pub fn resolve_ref(cat: &Catalog, r: &ProductRef) -> Result<Resolved, Unresolved> {
    match r {
        ProductRef::Catalog(s) | ProductRef::Key(s) => resolve(cat, s),
        ProductRef::Cpe(s) => resolve_cpe(cat, s),
        ProductRef::Named { vendor, product } => resolve_pair(cat, vendor, product),
    }
}

/// The display name of a key (catalogue name, endoflife.date title, or vendor + product).
pub fn display_name(cat: &Catalog, key: &str) -> String {
    match cat.get(key) {
        Some(p) => p.name.clone(),
        None => display_of_open(key),
    }
}

/// The version scheme of a product key: the catalogue's scheme when curated; otherwise the
/// vendor's rule ([`vendor_scheme`]); otherwise `generic`. Chosen from the product, never per
/// comparison.
pub fn scheme_of(cat: &Catalog, key: &str) -> Scheme {
    if let Some(p) = cat.get(key) {
        return p.version_scheme();
    }
    key.split_once(':')
        .and_then(|(v, _)| vendor_scheme(v))
        .unwrap_or_default()
}

/// Vendor rules for products outside the catalogue: every product of these vendors numbers its
/// versions the vendor's way.
pub fn vendor_scheme(vendor: &str) -> Option<Scheme> {
    Some(match vendor {
        "cisco" => Scheme::Cisco,
        "vmware" | "broadcom" => Scheme::Vmware,
        "fortinet" => Scheme::FortiOs,
        "paloaltonetworks" => Scheme::PanOs,
        "citrix" => Scheme::NetScaler,
        "ivanti" | "pulsesecure" | "juniper" => Scheme::Ivanti,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat() -> Catalog {
        Catalog::builtin().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn cpe_fields_read_vendor_and_product() {
        assert_eq!(
            cpe_fields("cpe:2.3:a:veeam:backup_\\&_replication:12.1:*:*:*:*:*:*:*"),
            Some(("veeam", "backup_\\&_replication"))
        );
        assert_eq!(
            cpe_fields("cpe:/o:fortinet:fortios:7.2.5"),
            Some(("fortinet", "fortios"))
        );
        assert_eq!(cpe_fields("cpe:2.3:a:x\\:y:z"), Some(("x\\:y", "z")));
        assert_eq!(cpe_fields("cpe:2.3:a"), None);
        assert_eq!(cpe_fields("nope"), None);
    }

    #[test]
    fn normal_forms() {
        assert_eq!(norm_part("Backup & Replication"), "backup_replication");
        assert_eq!(norm_part("backup_\\&_replication"), "backup_replication");
        assert_eq!(
            norm_vendor("Microsoft Corporation").as_deref(),
            Some("microsoft")
        );
        assert_eq!(
            norm_vendor("Apache Software Foundation").as_deref(),
            Some("apache")
        );
        assert_eq!(
            norm_vendor("Palo Alto Networks").as_deref(),
            Some("paloaltonetworks")
        );
        assert_eq!(norm_vendor("n/a"), None);
        assert_eq!(
            raw_open_key("Apache Software Foundation", "Apache HTTP Server").as_deref(),
            Some("apache:http_server")
        );
        assert_eq!(
            raw_open_key("broadcom", "vmware_vcenter_server").as_deref(),
            Some("vmware:vcenter_server")
        );
        assert_eq!(
            raw_open_key("PostgreSQL", "PostgreSQL").as_deref(),
            Some("postgresql:postgresql")
        );
        assert_eq!(
            raw_open_key("n/a", "Roundcube Webmail").as_deref(),
            Some("_:roundcube_webmail")
        );
    }

    #[test]
    fn resolves_every_notation_to_one_key() {
        let c = cat();
        for d in [
            "fortios",
            "FortiGate",
            "Fortinet|FortiOS",
            "cpe:2.3:o:fortinet:fortios:7.2.5:*:*:*:*:*:*:*",
            "cpe:/o:fortinet:fortios:7.2.5",
        ] {
            assert_eq!(resolve(&c, d).map(|r| r.key), Ok("fortios".into()), "{d}");
        }
        for d in [
            "Roundcube|Webmail",
            "cpe:2.3:a:roundcube:webmail:1.6.1:*:*:*:*:*:*:*",
            "roundcube:webmail",
        ] {
            assert_eq!(
                resolve(&c, d).map(|r| r.key),
                Ok("roundcube:webmail".into()),
                "{d}"
            );
        }
        // No substring: MySQL Connectors is its own product.
        assert_ne!(
            resolve(&c, "Oracle Corporation|MySQL Connectors").map(|r| r.key),
            Ok("mysql-server".into())
        );
        assert_eq!(
            resolve(&c, "pkg:maven/org.keycloak/keycloak-core@24.0.1").map(|r| (r.key, r.version)),
            Ok(("redhat:keycloak".into(), Some("24.0.1".into())))
        );
        assert_eq!(
            resolve(&c, "Keycloak").map(|r| r.key),
            Ok("redhat:keycloak".into())
        );
        assert!(resolve(&c, "cpe:2.3:a:*:*:*").is_err());
        assert_eq!(resolve(&c, ""), Err(Unresolved::Empty));
    }
}
