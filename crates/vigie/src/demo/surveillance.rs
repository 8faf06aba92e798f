//! The demo's exposure: for each active structure, a finished demo scan with its findings,
//! written through the store. Nothing is scanned: the addresses are documentation ranges.

use std::net::Ipv4Addr;

use vigie_scan::findings::Severity;
use vigie_store::surveillance::{NewFinding, NewObservation, ScanOutcome};
use vigie_store::{Actor, Store};

use super::data::DEMO_FINDINGS;
use super::Activity;

/// Seeds the demo scan of structure `sid`, the `i`-th active one, unless it has a scan already.
/// Returns false when it had one (the demo was seeded before).
pub(super) async fn seed_scan(
    store: &Store,
    actor: &Actor,
    i: usize,
    sid: i64,
    act: &mut Activity,
) -> anyhow::Result<bool> {
    if !store.list_scans(actor, sid, 1).await?.is_empty() {
        return Ok(false);
    }
    // Addresses: the structure's demo range (RFC 5737), else the IPv6 documentation prefix.
    let assets = store.list_assets(actor, sid).await?;
    let base = assets
        .iter()
        .find(|a| a.kind == "ip_range")
        .and_then(|a| a.value.split('/').next()?.parse::<Ipv4Addr>().ok());
    let address = |host: u32| match base {
        Some(b) => Ipv4Addr::from(u32::from(b) + host).to_string(),
        None => format!("2001:db8:53:{i:x}::{host:x}"),
    };
    let count = 2 + i % 3;
    let mut picks: Vec<usize> = Vec::new();
    for j in 0..count {
        let t = (i * 3 + j * 5) % DEMO_FINDINGS.len();
        if !picks.contains(&t) {
            picks.push(t);
        }
    }
    let mut outcome = ScanOutcome::default();
    for (j, t) in picks.iter().enumerate() {
        let (kind, port, service, product, version, evidence, title_fr, title_en) =
            DEMO_FINDINGS[*t];
        let (severity, advice_fr, advice_en) = kind.advice();
        let addr = address(1 + j as u32);
        outcome.observations.push(NewObservation {
            address: addr.clone(),
            port,
            service: service.into(),
            product: product.map(str::to_string),
            version: version.map(str::to_string),
            evidence: evidence.into(),
            finding_kinds: vec![kind.as_str().into()],
            ..Default::default()
        });
        outcome.findings.push(NewFinding {
            kind: kind.as_str().into(),
            address: addr.clone(),
            port,
            service: service.into(),
            product: product.map(str::to_string),
            version: version.map(str::to_string),
            severity: severity_str(severity).into(),
            confidence: "high".into(),
            title_fr: title_fr.into(),
            title_en: title_en.into(),
            evidence: evidence.into(),
            advice_fr: advice_fr.into(),
            advice_en: advice_en.into(),
            detail: None,
        });
        if !outcome.covered_addresses.contains(&addr) {
            outcome.covered_addresses.push(addr);
        }
    }
    outcome.covered_ports = vec![22, 104, 443, 3306, 3389, 6379, 8443];
    outcome.scope = serde_json::json!({
        "demo": true,
        "note": "demo data written by `vigie demo`: nothing was scanned (documentation addresses)",
        "targets": outcome.covered_addresses,
    });
    let scan_id = store.request_scan(actor, sid).await?;
    store.start_scan(actor, scan_id).await?;
    let rec = store.finish_scan(actor, scan_id, &outcome).await?;
    act.scans += 1;
    act.findings += rec.new.len();
    Ok(true)
}

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Info => "info",
    }
}
