//! The curated product catalogue (`data/catalog.toml`, embedded at build time) and name
//! resolution from any source's naming to catalogue product ids.
//!
//! Resolution is by EXACT normalised name (lower case, punctuation runs → one space), plus
//! curated word-boundary prefixes. Never substring: "MySQL" does not resolve "MySQL Connectors".

use crate::version::Scheme;
use serde::Deserialize;
use std::collections::HashMap;

/// The catalogue shipped with the crate.
pub const BUILTIN_CATALOG: &str = include_str!("../data/catalog.toml");

/// A (vendor, product) pair as a source writes it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct NamePair {
    /// Vendor.
    pub vendor: String,
    /// Product.
    pub product: String,
}

/// One catalogue product.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Product {
    /// Stable id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Version scheme name (see [`Scheme::from_name`]).
    #[serde(default)]
    pub scheme: Option<String>,
    /// CPE `part:vendor:product` or `vendor:product`.
    #[serde(default)]
    pub cpe: Vec<String>,
    /// CVE 5 affected vendor/product.
    #[serde(default)]
    pub cve: Vec<NamePair>,
    /// CVE 5 affected vendor/product prefixes (word boundary).
    #[serde(default)]
    pub cve_prefix: Vec<NamePair>,
    /// KEV vendorProject/product.
    #[serde(default)]
    pub kev: Vec<NamePair>,
    /// CERT-FR product names.
    #[serde(default)]
    pub certfr: Vec<String>,
    /// endoflife.date slug.
    #[serde(default)]
    pub eol: Option<String>,
    /// endoflife.date release cycle pinned for this product.
    #[serde(default)]
    pub eol_cycle: Option<String>,
    /// Scanner names.
    #[serde(default)]
    pub scanner: Vec<String>,
    /// User-typed aliases.
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Product {
    /// The version scheme (Generic when absent or unknown).
    pub fn version_scheme(&self) -> Scheme {
        self.scheme
            .as_deref()
            .and_then(Scheme::from_name)
            .unwrap_or_default()
    }
}

#[derive(Deserialize)]
struct CatalogFile {
    #[serde(default)]
    product: Vec<Product>,
}

/// Errors loading a catalogue.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// TOML syntax or shape.
    #[error("catalogue is not valid TOML: {0}")]
    Toml(String),
    /// Semantic problem (duplicate id, unknown scheme, bad CPE).
    #[error("catalogue product `{id}`: {reason}")]
    Invalid {
        /// Product id.
        id: String,
        /// Reason.
        reason: String,
    },
}

/// Normalise a name for exact comparison: lower case, every run of non-alphanumeric characters
/// becomes one space, trimmed.
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// Build lines of releases that products carry in their names (`data/release-lines.tsv`).
pub const RELEASE_LINES: &str = include_str!("../data/release-lines.tsv");

/// The build line of a release named in a product name, e.g. `Microsoft Exchange Server 2016
/// Cumulative Update 23` → `[15, 1, 2507]` (table: `data/release-lines.tsv`, with its source).
pub fn release_build_line(product: &str) -> Option<&'static [u64]> {
    static T: std::sync::OnceLock<Vec<(String, Vec<u64>)>> = std::sync::OnceLock::new();
    let table = T.get_or_init(|| {
        RELEASE_LINES
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .filter_map(|l| {
                let (name, line) = l.split_once('\t')?;
                let nums: Option<Vec<u64>> =
                    line.trim().split('.').map(|n| n.parse().ok()).collect();
                Some((normalize(name), nums?))
            })
            .collect()
    });
    let n = normalize(product);
    if !n.contains("cumulative update") && !n.contains(" cu") {
        return None;
    }
    table
        .iter()
        .find(|(name, _)| {
            n == *name
                || n.strip_suffix(name.as_str())
                    .is_some_and(|head| head.ends_with(' '))
        })
        .map(|(_, l)| l.as_slice())
}

/// Key of a CPE `vendor:product` (unescaped, lower case).
pub fn cpe_key(vendor: &str, product: &str) -> String {
    format!("{}:{}", vendor.to_lowercase(), product.to_lowercase())
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut esc = false;
    for c in s.chars() {
        if esc {
            out.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    out
}

/// The catalogue with its lookup indexes.
#[derive(Debug, Clone)]
pub struct Catalog {
    products: Vec<Product>,
    by_id: HashMap<String, usize>,
    by_cpe: HashMap<String, Vec<usize>>,
    by_cve: HashMap<(String, String), Vec<usize>>,
    cve_prefixes: Vec<(String, String, usize)>,
    by_kev: HashMap<(String, String), Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    by_eol: HashMap<String, Vec<usize>>,
    by_open: HashMap<String, Vec<usize>>,
    /// Identity of this catalogue's content (clones share it): keys memoised per thread are
    /// valid for one catalogue only.
    uid: u64,
}

fn push(map: &mut HashMap<String, Vec<usize>>, k: String, i: usize) {
    let v = map.entry(k).or_default();
    if !v.contains(&i) {
        v.push(i);
    }
}

fn push2(map: &mut HashMap<(String, String), Vec<usize>>, k: (String, String), i: usize) {
    let v = map.entry(k).or_default();
    if !v.contains(&i) {
        v.push(i);
    }
}

impl Catalog {
    /// The catalogue embedded in the crate.
    pub fn builtin() -> Result<Catalog, CatalogError> {
        Catalog::from_toml(BUILTIN_CATALOG)
    }

    /// Load a catalogue from TOML text (format: see `data/catalog.toml`).
    pub fn from_toml(text: &str) -> Result<Catalog, CatalogError> {
        let f: CatalogFile = toml::from_str(text).map_err(|e| CatalogError::Toml(e.to_string()))?;
        Catalog::from_products(f.product)
    }

    /// Build from products, checking ids, schemes and CPE keys.
    pub fn from_products(products: Vec<Product>) -> Result<Catalog, CatalogError> {
        let mut c = Catalog {
            products: Vec::new(),
            by_id: HashMap::new(),
            by_cpe: HashMap::new(),
            by_cve: HashMap::new(),
            cve_prefixes: Vec::new(),
            by_kev: HashMap::new(),
            by_name: HashMap::new(),
            by_eol: HashMap::new(),
            by_open: HashMap::new(),
            uid: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        };
        for (i, p) in products.iter().enumerate() {
            let bad = |reason: &str| CatalogError::Invalid {
                id: p.id.clone(),
                reason: reason.to_string(),
            };
            if p.id.is_empty()
                || !p
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(bad("id must be kebab-case ascii"));
            }
            if c.by_id.insert(p.id.clone(), i).is_some() {
                return Err(bad("duplicate id"));
            }
            if let Some(s) = &p.scheme {
                if Scheme::from_name(s).is_none() {
                    return Err(bad(&format!("unknown version scheme `{s}`")));
                }
            }
            for cpe in &p.cpe {
                let parts: Vec<&str> = {
                    // split on unescaped ':'
                    let mut v = Vec::new();
                    let mut start = 0;
                    let b = cpe.as_bytes();
                    let mut k = 0;
                    while k < b.len() {
                        if b[k] == b'\\' {
                            k += 2;
                            continue;
                        }
                        if b[k] == b':' {
                            v.push(&cpe[start..k]);
                            start = k + 1;
                        }
                        k += 1;
                    }
                    v.push(cpe.get(start..).unwrap_or(""));
                    v
                };
                let (vendor, product) = match parts.as_slice() {
                    [_, v, p] | [v, p] => (unescape(v), unescape(p)),
                    _ => return Err(bad(&format!("cpe `{cpe}` must be part:vendor:product"))),
                };
                push(&mut c.by_cpe, cpe_key(&vendor, &product), i);
                if let Some(k) = crate::names::raw_open_key(&vendor, &product) {
                    let k = crate::names::eol_aliases().canonical(&k).to_string();
                    push(&mut c.by_open, k, i);
                }
            }
            for n in &p.cve {
                if let Some(k) = crate::names::raw_open_key(&n.vendor, &n.product) {
                    let k = crate::names::eol_aliases().canonical(&k).to_string();
                    push(&mut c.by_open, k, i);
                }
                push2(
                    &mut c.by_cve,
                    (normalize(&n.vendor), normalize(&n.product)),
                    i,
                );
            }
            for n in &p.cve_prefix {
                c.cve_prefixes
                    .push((normalize(&n.vendor), normalize(&n.product), i));
            }
            for n in &p.kev {
                push2(
                    &mut c.by_kev,
                    (normalize(&n.vendor), normalize(&n.product)),
                    i,
                );
            }
            for n in p
                .certfr
                .iter()
                .chain(&p.scanner)
                .chain(&p.aliases)
                .chain(std::iter::once(&p.name))
            {
                push(&mut c.by_name, normalize(n), i);
            }
            push(&mut c.by_name, normalize(&p.id), i);
            if let Some(e) = &p.eol {
                push(&mut c.by_eol, e.clone(), i);
            }
        }
        c.products = products;
        Ok(c)
    }

    /// Identity of this catalogue (clones share it).
    pub fn uid(&self) -> u64 {
        self.uid
    }

    /// All products.
    pub fn products(&self) -> &[Product] {
        &self.products
    }

    /// A product by id.
    pub fn get(&self, id: &str) -> Option<&Product> {
        self.by_id.get(id).and_then(|i| self.products.get(*i))
    }

    fn ids(&self, v: Option<&Vec<usize>>) -> Vec<&str> {
        v.map(|v| {
            v.iter()
                .filter_map(|i| self.products.get(*i))
                .map(|p| p.id.as_str())
                .collect()
        })
        .unwrap_or_default()
    }

    /// Products named by a CPE vendor/product (unescaped).
    pub fn resolve_cpe(&self, vendor: &str, product: &str) -> Vec<&str> {
        self.ids(self.by_cpe.get(&cpe_key(vendor, product)))
    }

    /// Products named by a CVE 5 `affected` vendor/product.
    pub fn resolve_cve(&self, vendor: &str, product: &str) -> Vec<&str> {
        let (v, p) = (normalize(vendor), normalize(product));
        let mut out = self.ids(self.by_cve.get(&(v.clone(), p.clone())));
        for (pv, pp, i) in &self.cve_prefixes {
            if *pv == v
                && (p == *pp
                    || p.strip_prefix(pp.as_str())
                        .is_some_and(|rest| rest.starts_with(' ')))
            {
                if let Some(prod) = self.products.get(*i) {
                    if !out.contains(&prod.id.as_str()) {
                        out.push(&prod.id);
                    }
                }
            }
        }
        out
    }

    /// Products named by a KEV vendorProject/product.
    pub fn resolve_kev(&self, vendor: &str, product: &str) -> Vec<&str> {
        self.ids(self.by_kev.get(&(normalize(vendor), normalize(product))))
    }

    /// Products named by a free name (CERT-FR wording, scanner name, alias, display name, id).
    pub fn resolve_name(&self, name: &str) -> Vec<&str> {
        self.ids(self.by_name.get(&normalize(name)))
    }

    /// Products whose CPE or CVE names have this open key (see [`crate::product`]).
    pub fn resolve_open(&self, key: &str) -> Vec<&str> {
        self.ids(self.by_open.get(key))
    }

    /// Products linked to an endoflife.date slug.
    pub fn resolve_eol(&self, slug: &str) -> Vec<&str> {
        self.ids(self.by_eol.get(slug))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_loads_and_resolves() {
        let c = Catalog::builtin().unwrap();
        assert!(c.products().len() >= 20);
        assert_eq!(c.resolve_cpe("fortinet", "fortios"), vec!["fortios"]);
        assert_eq!(c.resolve_cve("Fortinet", "FortiOS"), vec!["fortios"]);
        assert_eq!(
            c.resolve_cve("Citrix", "NetScaler ADC "),
            vec!["citrix-netscaler-adc"]
        );
        assert_eq!(
            c.resolve_cve(
                "Microsoft",
                "Microsoft Exchange Server 2019 Cumulative Update 13"
            ),
            vec!["microsoft-exchange-server-2019"]
        );
        assert!(c
            .resolve_cve("Microsoft", "Microsoft Exchange Server 20190")
            .is_empty());
        assert_eq!(
            c.resolve_kev("Ivanti", "Pulse Connect Secure"),
            vec!["ivanti-connect-secure"]
        );
        assert_eq!(c.resolve_name("FortiGate"), vec!["fortios"]);
        assert_eq!(
            c.resolve_cpe("veeam", "backup_&_replication"),
            vec!["veeam-backup-replication"]
        );
        // Substring traps.
        assert!(c
            .resolve_cve("Oracle Corporation", "MySQL Connectors")
            .is_empty());
        assert!(c.resolve_cpe("mysql2", "mysql2").is_empty());
        assert!(c.resolve_cve("0xJacky", "nginx-ui").is_empty());
        assert_eq!(c.resolve_kev("Microsoft", "Windows").len(), 4);
        assert_eq!(normalize("  Backup and  Recovery "), "backup and recovery");
    }

    #[test]
    fn rejects_bad_catalogues() {
        assert!(Catalog::from_toml("[[product]]\nid='A b'\nname='x'").is_err());
        assert!(Catalog::from_toml("[[product]]\nid='a'\nname='x'\nscheme='nope'").is_err());
        assert!(
            Catalog::from_toml("[[product]]\nid='a'\nname='x'\n[[product]]\nid='a'\nname='y'")
                .is_err()
        );
        assert!(Catalog::from_toml("[[product]]\nid='a'\nname='x'\ncpe=['a:b:c:d']").is_err());
    }
}
