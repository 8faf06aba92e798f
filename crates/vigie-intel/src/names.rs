//! Names as the records and inventories write them, brought to one normal form: CPE-style name
//! parts, vendor aliases (`Microsoft Corporation` → `microsoft`), open product keys
//! (`vendor:product`), and endoflife.date's identifiers of each product. The product model
//! ([`crate::product`]) and the catalogue build on these; they depend on nothing of either.

use crate::cpe::Cpe;
use crate::model::EolProduct;
use std::collections::HashMap;
use std::sync::OnceLock;

/// endoflife.date identifiers (slug, title, CPEs, purls), embedded.
pub const EOL_IDENTIFIERS: &str = include_str!("../data/eol-identifiers.tsv");

/// Normal form of one CPE-style name part: lower case, `\` escapes removed, each run of
/// non-alphanumeric characters → `_`, no leading/trailing `_`.
pub fn norm_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut sep = false;
    let mut esc = false;
    for c in s.chars() {
        if c == '\\' && !esc {
            esc = true;
            continue;
        }
        esc = false;
        if c.is_alphanumeric() {
            if sep && !out.is_empty() {
                out.push('_');
            }
            sep = false;
            out.extend(c.to_lowercase());
        } else {
            sep = true;
        }
    }
    out
}

/// Words a vendor name carries that the CPE dictionary drops.
const CORPORATE: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "plc",
    "bv",
    "ab",
    "oy",
    "srl",
    "spa",
    "kk",
];

/// Vendor names as sources write them (normalised, corporate words dropped) → CPE vendor.
const VENDOR_ALIASES: &[(&str, &str)] = &[
    ("apache_software_foundation", "apache"),
    ("the_apache_software_foundation", "apache"),
    ("asf", "apache"),
    ("palo_alto_networks", "paloaltonetworks"),
    ("palo_alto", "paloaltonetworks"),
    ("juniper_networks", "juniper"),
    ("cisco_systems", "cisco"),
    ("citrix_systems", "citrix"),
    ("cloud_software_group", "citrix"),
    ("progress_software", "progress"),
    ("f5_networks", "f5"),
    ("pulse_secure", "pulsesecure"),
    ("vmware_by_broadcom", "vmware"),
    ("the_php_group", "php"),
    ("php_group", "php"),
    ("python_software_foundation", "python"),
    ("node_js", "nodejs"),
    ("openjs_foundation", "nodejs"),
    ("red_hat", "redhat"),
    ("postgresql_global_development_group", "postgresql"),
    ("the_postgresql_global_development_group", "postgresql"),
    ("check_point", "checkpoint"),
    ("check_point_software_technologies", "checkpoint"),
    ("hewlett_packard_enterprise", "hpe"),
    ("hewlett_packard_enterprise_hpe", "hpe"),
    ("trend_micro", "trendmicro"),
    ("internet_systems_consortium", "isc"),
    ("isc_internet_systems_consortium", "isc"),
    ("sonicwall_inc", "sonicwall"),
    ("dell_emc", "dell"),
    ("eclipse_foundation", "eclipse"),
    ("the_eclipse_foundation", "eclipse"),
    ("mozilla_foundation", "mozilla"),
    ("google_chrome", "google"),
    ("zoho_manageengine", "zohocorp"),
    ("manageengine", "zohocorp"),
    ("zoho", "zohocorp"),
    ("the_openssl_project", "openssl"),
    ("openssl_project", "openssl"),
    ("openssl_software_foundation", "openssl"),
    ("jetbrains_s_r_o", "jetbrains"),
    ("synacor_zimbra", "synacor"),
    ("oracle_america", "oracle"),
    ("mariadb_foundation", "mariadb"),
    ("gitlab_inc", "gitlab"),
    ("ivanti_software", "ivanti"),
    ("sophos_ltd", "sophos"),
    ("kemp_technologies", "kemptechnologies"),
    ("kemp", "kemptechnologies"),
    ("progress_kemp", "kemptechnologies"),
    ("solarwinds_worldwide", "solarwinds"),
    ("atlassian_pty", "atlassian"),
    ("openbsd_project", "openbsd"),
    ("the_openbsd_project", "openbsd"),
    ("nginx_inc", "f5"),
    ("the_linux_foundation", "linuxfoundation"),
    ("linux_foundation", "linuxfoundation"),
];

/// Vendor strings that mean "no vendor".
fn is_no_vendor(v: &str) -> bool {
    matches!(
        v,
        "" | "n_a" | "na" | "unknown" | "unspecified" | "none" | "any"
    )
}

/// Normalised CPE-style vendor (`Microsoft Corporation` → `microsoft`), or `None` when the text
/// names no vendor (`n/a`, empty).
pub fn norm_vendor(vendor: &str) -> Option<String> {
    let n = norm_part(vendor);
    if is_no_vendor(&n) {
        return None;
    }
    let mut words: Vec<&str> = n.split('_').collect();
    while words.len() > 1 && words.last().is_some_and(|w| CORPORATE.contains(w)) {
        words.pop();
    }
    let joined = words.join("_");
    let out = VENDOR_ALIASES
        .iter()
        .find(|(from, _)| *from == joined)
        .map(|(_, to)| (*to).to_string())
        .unwrap_or(joined);
    (!out.is_empty()).then_some(out)
}

/// Normalised CPE-style product name for a (normalised) vendor: the vendor's name, when the
/// product repeats it first, is dropped (`Apache HTTP Server` → `http_server`), unless nothing
/// would be left (`PostgreSQL` by `postgresql`). `None` for `n/a` or empty names.
pub fn norm_product(vendor: Option<&str>, raw_vendor: &str, product: &str) -> Option<String> {
    let p = norm_part(product);
    if is_no_vendor(&p) {
        return None;
    }
    let mut prefixes: Vec<String> = Vec::new();
    if let Some(v) = vendor {
        prefixes.push(format!("{v}_"));
        // Former vendor names that products still carry (`broadcom` ships `vmware_vcenter_server`).
        if v == "broadcom" || v == "vmware" {
            prefixes.push("vmware_".into());
        }
    }
    let raw = norm_part(raw_vendor);
    if !raw.is_empty() {
        prefixes.push(format!("{raw}_"));
        if let Some(first) = raw.split('_').next() {
            prefixes.push(format!("{first}_"));
        }
    }
    for pre in &prefixes {
        if let Some(rest) = p.strip_prefix(pre.as_str()) {
            if !rest.is_empty() {
                return Some(rest.to_string());
            }
        }
    }
    Some(p)
}

/// The open key `vendor:product` of a naming, before endoflife.date folding. `None` when the
/// product is missing; `_:product` when only the vendor is missing.
pub fn raw_open_key(vendor: &str, product: &str) -> Option<String> {
    let v = norm_vendor(vendor);
    // `broadcom` ships VMware products under its name: the product line stays VMware's.
    let p = norm_product(v.as_deref(), vendor, product)?;
    let v = match v.as_deref() {
        Some("broadcom") if norm_part(product).starts_with("vmware_") => Some("vmware".into()),
        _ => v,
    };
    Some(format!("{}:{p}", v.as_deref().unwrap_or("_")))
}

/// The embedded endoflife.date identifier table, indexed.
#[derive(Debug, Default)]
pub struct EolAliases {
    /// open key → canonical open key (the product's first CPE).
    canon: HashMap<String, String>,
    /// normalised title → canonical open key.
    by_title: HashMap<String, String>,
    /// purl `type/namespace/name` (lower case) → canonical open key or slug.
    by_purl: HashMap<String, String>,
    /// canonical open key → slug.
    slug_of: HashMap<String, String>,
    /// slug → title.
    pub(crate) title_of: HashMap<String, String>,
}

fn cpe_triple_key(triple: &str) -> Option<String> {
    let mut it = triple.split(':');
    let _part = it.next()?;
    let v = it.next()?;
    let p = it.next()?;
    raw_open_key(v, p)
}

/// Key of a purl's `type/namespace/name` part, lower case (`pkg:maven/org.keycloak/keycloak-core`
/// → `maven/org.keycloak/keycloak-core`).
pub(crate) fn purl_base(purl: &str) -> Option<(String, String, String)> {
    let body = purl.trim().strip_prefix("pkg:")?;
    let body = body.split(['@', '?', '#']).next()?;
    let mut parts: Vec<&str> = body.split('/').filter(|s| !s.is_empty()).collect();
    let name = parts.pop()?.to_lowercase();
    if parts.is_empty() {
        return None;
    }
    let ty = parts.remove(0).to_lowercase();
    let ns = parts.join("/").to_lowercase();
    Some((ty, ns, name))
}

pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 3 <= b.len() {
            if let Ok(v) = u8::from_str_radix(s.get(i + 1..i + 3).unwrap_or("zz"), 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

impl EolAliases {
    /// Parse the TSV form of `data/eol-identifiers.tsv` (`#` comments).
    pub fn from_tsv(text: &str) -> EolAliases {
        let mut a = EolAliases::default();
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = line.split('\t').collect();
            let (Some(slug), Some(title)) = (cols.first(), cols.get(1)) else {
                continue;
            };
            let cpes: Vec<String> = cols
                .get(2)
                .map(|c| c.split(' ').filter_map(cpe_triple_key).collect())
                .unwrap_or_default();
            let purls: Vec<&str> = cols
                .get(3)
                .map(|c| c.split(' ').filter(|s| !s.is_empty()).collect())
                .unwrap_or_default();
            a.add(slug, title, &cpes, &purls);
        }
        a
    }

    /// Build from parsed endoflife.date products (identifiers as the loaded data gives them).
    pub fn from_products(products: &[EolProduct]) -> EolAliases {
        let mut a = EolAliases::default();
        for p in products {
            let cpes: Vec<String> = p
                .cpes
                .iter()
                .filter_map(|c| cpe_vendor_product(c))
                .filter_map(|(v, pr)| raw_open_key(&v, &pr))
                .collect();
            let purls: Vec<&str> = p.purls.iter().map(String::as_str).collect();
            a.add(&p.id, &p.title, &cpes, &purls);
        }
        a
    }

    fn add(&mut self, slug: &str, title: &str, cpes: &[String], purls: &[&str]) {
        self.title_of.insert(slug.to_string(), title.to_string());
        let canon = cpes.first().cloned();
        if let Some(c) = &canon {
            for k in cpes {
                self.canon.entry(k.clone()).or_insert_with(|| c.clone());
            }
            self.slug_of
                .entry(c.clone())
                .or_insert_with(|| slug.to_string());
            self.by_title
                .entry(norm_part(title))
                .or_insert_with(|| c.clone());
        }
        for p in purls {
            if let Some((ty, ns, name)) = purl_base(p) {
                let target = canon.clone().unwrap_or_else(|| format!("eol:{slug}"));
                self.by_purl
                    .entry(format!("{ty}/{ns}/{name}"))
                    .or_insert_with(|| target.clone());
                self.by_purl
                    .entry(format!("{ty}//{name}"))
                    .or_insert(target);
            }
        }
    }

    /// Fold an open key onto its endoflife.date canonical form (identity when unknown).
    pub fn canonical<'a>(&'a self, key: &'a str) -> &'a str {
        self.canon.get(key).map_or(key, String::as_str)
    }

    /// The canonical open key for an endoflife.date title (`Keycloak` → `redhat:keycloak`).
    pub fn by_title(&self, name: &str) -> Option<&str> {
        self.by_title.get(&norm_part(name)).map(String::as_str)
    }

    /// The endoflife.date slug whose first CPE is this canonical key.
    pub fn slug(&self, canonical: &str) -> Option<&str> {
        self.slug_of.get(canonical).map(String::as_str)
    }

    /// The canonical key (or `eol:slug` when the product has no CPE) of a purl.
    pub fn by_purl(&self, purl: &str) -> Option<&str> {
        let (ty, ns, name) = purl_base(purl)?;
        self.by_purl
            .get(&format!("{ty}/{ns}/{name}"))
            .or_else(|| {
                if ns.is_empty() {
                    self.by_purl.get(&format!("{ty}//{name}"))
                } else {
                    None
                }
            })
            .map(String::as_str)
    }
}

/// Vendor and product of a CPE, also of the short prefixes endoflife.date writes
/// (`cpe:2.3:a:apache:airflow`, `cpe:/a:apache:airflow`) that are not complete CPE names.
pub fn cpe_vendor_product(text: &str) -> Option<(String, String)> {
    if let Ok(c) = Cpe::parse(text) {
        return match (c.vendor.as_value(), c.product.as_value()) {
            (Some(v), Some(p)) => Some((v.to_string(), p.to_string())),
            _ => None,
        };
    }
    let t = text.trim();
    let rest = t
        .strip_prefix("cpe:2.3:")
        .or_else(|| t.strip_prefix("cpe:/"))?;
    let mut it = rest.split(':');
    let _part = it.next()?;
    let v = it.next().filter(|v| !v.is_empty() && *v != "*")?;
    let p = it.next().filter(|p| !p.is_empty() && *p != "*")?;
    Some((v.to_string(), p.to_string()))
}

/// The embedded endoflife.date aliases, loaded once.
pub fn eol_aliases() -> &'static EolAliases {
    static A: OnceLock<EolAliases> = OnceLock::new();
    A.get_or_init(|| EolAliases::from_tsv(EOL_IDENTIFIERS))
}
