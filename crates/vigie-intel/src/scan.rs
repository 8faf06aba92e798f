//! What a scan saw, matched against a folder of advisories: the known-exploited CVEs and the
//! other CVEs that apply to each identified service (for `vigie scan --advisories DIR`, and for
//! the platform's scan → watch path, which goes through the same product keys).

use crate::catalog::Catalog;
use crate::ingest::Corpus;
use crate::matching::{Decision, InventoryItem, Matcher, ProductRef};
use crate::product;
use serde::Serialize;

/// One service a scan identified: a product (name, `vendor|product`, CPE, purl or catalogue id)
/// and the version it announced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannedService {
    /// Where it was seen (`10.0.0.5:443`), carried through to the report.
    pub location: String,
    /// Product as the scanner names it.
    pub product: String,
    /// Version as the scanner read it (may be empty when a CPE carries it).
    pub version: String,
}

/// One CVE that applies to one scanned service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceCve {
    /// CVE id.
    pub cve: String,
    /// In CISA KEV (known exploited).
    pub kev: bool,
    /// Affected, or needs review (reason says why).
    pub decision: Decision,
    /// Why.
    pub reason: String,
    /// Priority score (KEV first; see [`crate::Priority`]).
    pub score: u32,
}

/// What applies to one scanned service.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ServiceReport {
    /// Where it was seen.
    pub location: String,
    /// As the scanner named it.
    pub product: String,
    /// Version.
    pub version: String,
    /// Product key it resolved to (`None`: not resolved, see `note`).
    pub key: Option<String>,
    /// Display name of the product.
    pub display: String,
    /// Known-exploited CVEs, highest priority first.
    pub known_exploited: Vec<ServiceCve>,
    /// Other CVEs (affected or needs review), highest priority first.
    pub other: Vec<ServiceCve>,
    /// Why the service could not be matched, when it could not.
    pub note: Option<String>,
}

/// Match scanned services against every advisory of `corpus` (CVE 5, NVD, KEV, CERT-FR, EPSS
/// for priorities). Each service is an exposed item of one structure; the result keeps the order
/// of `services`.
pub fn match_services(
    cat: &Catalog,
    corpus: &Corpus,
    services: &[ScannedService],
) -> Vec<ServiceReport> {
    let items: Vec<InventoryItem> = services
        .iter()
        .enumerate()
        .map(|(i, s)| InventoryItem {
            structure_id: i as i64,
            product: ProductRef::Key(s.product.clone()),
            version: s.version.clone(),
            exposed: true,
            source: format!("scan:{}", s.location),
        })
        .collect();
    let m = Matcher::new(cat.clone(), items);
    let mut reports: Vec<ServiceReport> = services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let r = product::resolve(cat, &s.product);
            ServiceReport {
                location: s.location.clone(),
                product: s.product.clone(),
                version: s.version.clone(),
                key: m.item_key(i).map(str::to_string),
                display: r
                    .as_ref()
                    .map_or_else(|_| s.product.clone(), |r| r.display.clone()),
                known_exploited: Vec::new(),
                other: Vec::new(),
                note: r.err().map(|e| e.to_string()),
            }
        })
        .collect();
    for f in corpus.match_all(&m) {
        let Some(rep) = reports.get_mut(f.item) else {
            continue;
        };
        let c = ServiceCve {
            cve: f.cve.to_string(),
            kev: f.priority.kev,
            decision: f.decision,
            reason: f.reason.to_string(),
            score: f.priority.score,
        };
        if c.kev {
            rep.known_exploited.push(c);
        } else {
            rep.other.push(c);
        }
    }
    reports
}
