//! Matching on what an event touches: a new or changed advisory is matched against the inventory
//! items of the products it names, a new or changed item against the advisories of its product.
//! Nothing ever rescans every inventory.

use std::collections::{HashMap, HashSet};

use sqlx::AnyConnection;
use vigie_intel::matching::{Confidence, Decision, EolFinding, Finding, Matcher, ThreatContext};
use vigie_intel::model::{Advisory, EolProduct, KevEntry};
use vigie_intel::{product, Catalog};

use crate::actor::Actor;
use crate::db::{now, packed, Backend, Sql};
use crate::error::StoreError;
use crate::notify;
use crate::watch::alerts::{
    advisory_info, close_missing, insert_alerts, load_names, refresh_alert, AlertFacts, Draft,
    Existing,
};
use crate::watch::catalog::{catalog, source_name, today, truncate};
use crate::watch::types::{AdvisoryInfo, InventoryItem, MATCH_COLUMNS};

#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) new_ids: Vec<i64>,
    pub(crate) closed: usize,
}

impl Outcome {
    pub(crate) fn add(&mut self, o: Outcome) {
        self.new_ids.extend(o.new_ids);
        self.closed += o.closed;
    }
}

fn threat_context(info: &AdvisoryInfo) -> ThreatContext {
    let mut ctx = ThreatContext::default();
    if info.kev == 1 {
        ctx.kev.insert(
            info.ref_id.clone(),
            info.kev_date.clone().unwrap_or_default(),
        );
    }
    let refs = info.certfr_refs();
    if !refs.is_empty() {
        ctx.certfr.insert(info.ref_id.clone(), refs);
    }
    if let Some(e) = info.epss() {
        ctx.epss.insert(info.ref_id.clone(), e);
    }
    ctx
}

fn to_intel(items: &[InventoryItem]) -> Vec<vigie_intel::InventoryItem> {
    items
        .iter()
        .map(|i| vigie_intel::InventoryItem {
            structure_id: i.structure_id,
            // The stored key (catalogue id or open key) as `product::resolve` gave it.
            product: vigie_intel::ProductRef::Key(i.product.clone()),
            version: i.version.clone(),
            exposed: i.exposed == 1,
            source: i.origin.clone(),
        })
        .collect()
}

/// Records of an advisory: its CVE 5 / NVD records and its KEV entry.
pub(crate) struct Records {
    pub(crate) advisories: Vec<Advisory>,
    pub(crate) kev: Option<KevEntry>,
}

pub(crate) fn parse_records(rows: Vec<(String, String)>) -> Result<Records, StoreError> {
    let mut r = Records {
        advisories: Vec::new(),
        kev: None,
    };
    for (source, data) in rows {
        let bad = |e: serde_json::Error| {
            StoreError::Internal(format!("stored {source} record cannot be read back: {e}"))
        };
        match source.as_str() {
            "cve" | "nvd" => r.advisories.push(serde_json::from_str(&data).map_err(bad)?),
            "kev" => r.kev = Some(serde_json::from_str(&data).map_err(bad)?),
            _ => {}
        }
    }
    Ok(r)
}

fn evaluate(
    cat: &Catalog,
    info: &AdvisoryInfo,
    recs: &Records,
    items: &[InventoryItem],
) -> Vec<Finding> {
    if items.is_empty() {
        return Vec::new();
    }
    let ctx = threat_context(info);
    let m = Matcher::new(cat.clone(), to_intel(items));
    let mut f = vigie_intel::ingest::match_cve(&m, &recs.advisories, &ctx);
    if let Some(k) = &recs.kev {
        // The products only the KEV names (a MITRE `n/a` record, no record at all) go to review;
        // a record that names the product decides alone (`Corpus::match_all` does the same).
        let keys = product::kev_uncovered_keys(cat, k, &recs.advisories);
        if !keys.is_empty() {
            let have: HashSet<usize> = f.iter().map(|x| x.item).collect();
            f.extend(
                m.match_kev_keys(k, &ctx, &keys)
                    .into_iter()
                    .filter(|x| !have.contains(&x.item)),
            );
        }
    }
    f
}

/// Every product key an advisory's records name (CVE 5 and NVD records, KEV entry): what
/// `watch_advisory_products` holds. An item is evaluated against the advisory iff its key is
/// in this set (the engine's invariant).
pub(crate) fn advisory_key_set(cat: &Catalog, recs: &Records) -> Vec<String> {
    let mut keys: Vec<String> = recs
        .advisories
        .iter()
        .flat_map(|a| product::advisory_keys(cat, a))
        .collect();
    if let Some(k) = &recs.kev {
        keys.extend(product::kev_keys(cat, k));
    }
    keys.sort();
    keys.dedup();
    keys
}

/// Every product key an endoflife.date product may give an end of life to (what
/// `watch_eol_keys` holds): the open keys of its CPEs (folded as product keys are), of its purls,
/// of its title (`_:title`) and `eol:slug`; the catalogue products linked to it, and those
/// without a link of their own whose CPEs it lists. `Matcher::end_of_life` decides from there.
pub(crate) fn eol_keys(cat: &Catalog, e: &EolProduct) -> Vec<String> {
    let mut open: Vec<String> = e
        .cpes
        .iter()
        .filter_map(|c| product::cpe_vendor_product(c))
        .filter_map(|(v, p)| product::raw_open_key(&v, &p))
        .map(|k| product::eol_aliases().canonical(&k).to_string())
        .collect();
    open.extend(
        e.purls
            .iter()
            .filter_map(|p| product::resolve_purl(cat, p).ok())
            .map(|r| r.key),
    );
    let mut keys: Vec<String> = cat
        .resolve_eol(&e.id)
        .into_iter()
        .map(str::to_string)
        .collect();
    for p in cat.products().iter().filter(|p| p.eol.is_none()) {
        let listed = p.cpe.iter().any(|c| {
            let mut it = c.rsplit(':');
            match (it.next(), it.next()) {
                (Some(pr), Some(v)) => product::raw_open_key(v, pr).is_some_and(|k| {
                    open.iter()
                        .any(|o| o == product::eol_aliases().canonical(&k))
                }),
                _ => false,
            }
        });
        if listed {
            keys.push(p.id.clone());
        }
    }
    keys.extend(open);
    keys.push(format!("_:{}", product::norm_part(&e.title)));
    keys.push(format!("eol:{}", e.id));
    keys.retain(|k| !k.is_empty() && k != "_:");
    keys.sort();
    keys.dedup();
    keys
}

/// Why an advisory concerns an item, as the alert pages show it (stored in
/// `watch_alerts.reasons`): French sentences, kept for the pages until they word an alert's
/// facts themselves. Notifications carry the facts (`AlertFacts`), never these sentences.
fn priority_reasons(f: &Finding, info: &AdvisoryInfo) -> Vec<String> {
    let mut v = vec![f.reason.to_string()];
    if f.priority.kev {
        v.push(format!(
            "KEV: exploitée activement (ajoutée au catalogue CISA le {})",
            info.kev_date.clone().unwrap_or_default()
        ));
    }
    if f.priority.certfr_alert {
        v.push(format!(
            "Alerte CERT-FR : {}",
            info.certfr.replace(',', ", ")
        ));
    } else if !info.certfr.is_empty() {
        v.push(format!("Avis CERT-FR : {}", info.certfr.replace(',', ", ")));
    }
    if let Some(e) = f.priority.epss {
        v.push(format!("EPSS {:.1} %", e * 100.0));
    }
    if let Some(c) = f.priority.cvss {
        v.push(format!("CVSS {c:.1}"));
    }
    if f.priority.exposed {
        v.push("exposé sur internet".into());
    }
    v
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Affected => "affected",
        Decision::NeedsReview => "needs-review",
    }
}

fn confidence_name(c: Confidence) -> &'static str {
    match c {
        Confidence::High => "high",
        Confidence::Medium => "medium",
        Confidence::Low => "low",
    }
}

/// Applies the findings of one advisory on `items`.
async fn apply_advisory(
    conn: &mut AnyConnection,
    info: &AdvisoryInfo,
    recs: &Records,
    items: &[InventoryItem],
    restrict: Option<&HashSet<i64>>,
    close: (&str, &str),
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let cat = catalog()?;
    let findings = evaluate(cat, info, recs, items);
    let mut out = Outcome::default();
    let mut found = HashSet::new();
    // One query for the alerts this advisory already has, and one per thousand structures for
    // their names, instead of one of each per alert.
    let existing: HashMap<i64, Existing> = if findings.is_empty() {
        HashMap::new()
    } else {
        Sql::new(
            "SELECT inventory_id, id, status, auto_closed FROM watch_alerts WHERE advisory_id = $1 AND kind = 'vuln' \
             AND inventory_id IS NOT NULL",
        )
        .arg(info.id)
        .fetch_all::<(i64, i64, String, i64), _>(&mut *conn)
        .await?
        .into_iter()
        .map(|(inv, id, st, auto)| (inv, (id, st, auto)))
        .collect()
    };
    load_names(
        conn,
        findings
            .iter()
            .filter_map(|f| items.get(f.item))
            .map(|i| i.structure_id),
        names,
    )
    .await?;
    let title = if info.title.is_empty() {
        recs.kev
            .as_ref()
            .map(|k| k.vulnerability_name.clone())
            .unwrap_or_default()
    } else {
        info.title.clone()
    };
    let certfr = info.certfr_refs();
    let mut pending = Vec::new();
    let mut fresh = Vec::new();
    for f in &findings {
        let Some(item) = items.get(f.item) else {
            continue;
        };
        // One alert per (item, advisory): a second finding on the same item is the same alert.
        if !found.insert((item.id, info.ref_id.clone())) {
            continue;
        }
        let d = Draft {
            structure_id: item.structure_id,
            inventory_id: item.id,
            advisory_id: Some(info.id),
            kind: "vuln",
            ref_id: info.ref_id.clone(),
            product: &item.product,
            version: &item.version,
            title: truncate(&title, 300),
            priority: i64::from(f.priority.score),
            reasons: priority_reasons(f, info),
            decision: decision_name(f.decision),
            match_source: f
                .sources
                .to_vec()
                .into_iter()
                .map(source_name)
                .collect::<Vec<_>>()
                .join(","),
            confidence: confidence_name(f.confidence),
            kev: f.priority.kev,
            exposed: item.exposed == 1,
            facts: AlertFacts {
                match_reason: f.reason.to_string(),
                kev_date: info.kev_date.clone().filter(|_| f.priority.kev),
                certfr: certfr.clone(),
                certfr_alert: f.priority.certfr_alert,
                // As stored (`epss_e5`, `cvss_x10`): 0.94123 and 9.8, not the nearest f32.
                epss: f.priority.epss.map(|e| (f64::from(e) * 1e5).round() / 1e5),
                cvss: f
                    .priority
                    .cvss
                    .map(|c| (f64::from(c) * 10.0).round() / 10.0),
                ..Default::default()
            },
        };
        match existing.get(&item.id) {
            Some(old) => refresh_alert(conn, &d, old).await?,
            None => fresh.push(d),
        }
    }
    out.new_ids = insert_alerts(conn, &fresh, names, &mut pending).await?;
    notify::queue_many(&mut *conn, &pending).await?;
    out.closed = close_missing(
        conn,
        "vuln",
        Some(info.id),
        restrict,
        &found,
        close.0,
        close.1,
    )
    .await?;
    Ok(out)
}

/// The endoflife.date product a finding comes from: the one whose keys hold the item's key and
/// that has the finding's cycle (the engine picks the same one).
fn eol_of<'e>(f: &EolFinding, eols: &'e [(EolProduct, Vec<String>)]) -> Option<&'e EolProduct> {
    eols.iter()
        .filter(|(e, _)| e.releases.iter().any(|r| r.cycle == f.cycle))
        .find(|(_, keys)| keys.binary_search(&f.product).is_ok())
        .or_else(|| {
            eols.iter()
                .find(|(e, _)| e.releases.iter().any(|r| r.cycle == f.cycle))
        })
        .map(|(e, _)| e)
}

/// End-of-life alerts of `items`, given every endoflife.date product their keys are linked to
/// (`watch_eol_keys`): their end-of-life alerts that none of these products raises any more
/// close.
pub(crate) async fn apply_eol(
    conn: &mut AnyConnection,
    eols: &[EolProduct],
    items: &[InventoryItem],
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let cat = catalog()?;
    let mut out = Outcome::default();
    if items.is_empty() || eols.is_empty() {
        return Ok(out);
    }
    let m = Matcher::new(cat.clone(), to_intel(items));
    let findings = m.end_of_life(eols, today());
    let keyed: Vec<(EolProduct, Vec<String>)> =
        eols.iter().map(|e| (e.clone(), eol_keys(cat, e))).collect();
    let mut found = HashSet::new();
    let mut pending = Vec::new();
    let mut fresh = Vec::new();
    // The end-of-life alerts these items already have, in one query per thousand items.
    let mut existing: HashMap<(i64, String), Existing> = HashMap::new();
    let mut ids: Vec<i64> = findings
        .iter()
        .filter_map(|f| items.get(f.item))
        .map(|i| i.id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for part in ids.chunks(1000) {
        let mut q = Sql::new(
            "SELECT inventory_id, ref_id, id, status, auto_closed FROM watch_alerts WHERE kind = 'eol' AND inventory_id IN (",
        );
        for (n, id) in part.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.bind(*id);
        }
        q.push(")");
        for (inv, r, id, st, auto) in q
            .positional_for(Backend::of(conn))
            .fetch_all::<(i64, String, i64, String, i64), _>(&mut *conn)
            .await?
        {
            existing.insert((inv, r), (id, st, auto));
        }
    }
    load_names(
        conn,
        findings
            .iter()
            .filter_map(|f| items.get(f.item))
            .map(|i| i.structure_id),
        names,
    )
    .await?;
    for f in &findings {
        let Some(item) = items.get(f.item) else {
            continue;
        };
        let ref_id = format!("EOL:{}:{}", f.product, f.cycle);
        if !found.insert((item.id, ref_id.clone())) {
            continue;
        }
        let Some(eol) = eol_of(f, &keyed) else {
            continue;
        };
        let when = f
            .eol_date
            .map(|d| format!("depuis le {}", d.format("%d/%m/%Y")))
            .unwrap_or_else(|| "date non publiée".into());
        let d = Draft {
            structure_id: item.structure_id,
            inventory_id: item.id,
            advisory_id: None,
            kind: "eol",
            ref_id,
            product: &item.product,
            version: &item.version,
            title: format!(
                "{} {} : fin de support de sécurité ({when})",
                eol.title, f.cycle
            ),
            priority: 50 + i64::from(f.exposed),
            reasons: vec![format!(
                "endoflife.date : le cycle {} de {} n'a plus de correctifs de sécurité ({when})",
                f.cycle, eol.title
            )],
            decision: "affected",
            match_source: "end-of-life".into(),
            confidence: "high",
            kev: false,
            exposed: f.exposed,
            facts: AlertFacts {
                eol_date: f.eol_date.map(|d| d.to_string()),
                eol_cycle: Some(f.cycle.clone()),
                ..Default::default()
            },
        };
        match existing.get(&(item.id, d.ref_id.clone())) {
            Some(old) => refresh_alert(conn, &d, old).await?,
            None => fresh.push(d),
        }
    }
    out.new_ids = insert_alerts(conn, &fresh, names, &mut pending).await?;
    notify::queue_many(&mut *conn, &pending).await?;
    let considered: HashSet<i64> = items.iter().map(|i| i.id).collect();
    out.closed = close_missing(
        conn,
        "eol",
        None,
        Some(&considered),
        &found,
        "fixed",
        "version supportée",
    )
    .await?;
    Ok(out)
}

/// Items of the given products inside the actor's scope.
pub(crate) async fn items_of_products(
    conn: &mut AnyConnection,
    actor: &Actor,
    products: &[String],
) -> Result<Vec<InventoryItem>, StoreError> {
    if products.is_empty() {
        return Ok(Vec::new());
    }
    // A national actor (the ingestion runs as one) sees every structure: no join is needed to
    // scope the items, which spares a structure lookup per item (thousands of pages read for
    // a popular product). The columns matching does not use are not read.
    let national = matches!(actor.scope, vigie_domain::role::Scope::National);
    let backend = Backend::of(conn);
    let mut q = Sql::new(&format!(
        "SELECT {} FROM watch_inventory i {} WHERE i.product IN ",
        packed(backend, MATCH_COLUMNS),
        if national {
            ""
        } else {
            "JOIN structures s ON s.id = i.structure_id"
        }
    ));
    q.push_in_list(products.iter().map(String::as_str));
    if !national {
        q.push(" AND ");
        actor.scope_structures(&mut q, "s");
    }
    let rows: Vec<(i64, i64, String, String, String, i64)> =
        q.positional_for(backend).fetch_packed(&mut *conn).await?;
    let mut items: Vec<InventoryItem> = rows
        .into_iter()
        .map(
            |(id, structure_id, product, version, origin, exposed)| InventoryItem {
                id,
                structure_id,
                product,
                version,
                location: String::new(),
                origin,
                exposed,
                declared_by: String::new(),
                created_at: 0,
                updated_at: 0,
            },
        )
        .collect();
    items.sort_unstable_by_key(|i| i.id);
    Ok(items)
}

/// Writes the product index of one advisory (`watch_advisory_products`) when it changed; returns
/// the keys it held before.
pub(crate) async fn index_advisory(
    conn: &mut AnyConnection,
    advisory_id: i64,
    keys: &[String],
) -> Result<Vec<String>, StoreError> {
    let old: Vec<String> = Sql::new(
        "SELECT product FROM watch_advisory_products WHERE advisory_id = $1 ORDER BY product",
    )
    .arg(advisory_id)
    .fetch_all::<(String,), _>(&mut *conn)
    .await?
    .into_iter()
    .map(|r| r.0)
    .collect();
    if old.as_slice() != keys {
        Sql::new("DELETE FROM watch_advisory_products WHERE advisory_id = $1")
            .arg(advisory_id)
            .execute(&mut *conn)
            .await?;
        for part in keys.chunks(200) {
            let mut q =
                Sql::new("INSERT INTO watch_advisory_products (advisory_id, product) VALUES ");
            for (n, k) in part.iter().enumerate() {
                if n > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(advisory_id)
                    .push(", ")
                    .bind(k.as_str())
                    .push(")");
            }
            q.positional_for(Backend::of(conn))
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(old)
}

/// Reads the CVE 5, NVD and KEV records of one advisory.
pub(crate) async fn advisory_records(
    conn: &mut AnyConnection,
    advisory_id: i64,
) -> Result<Records, StoreError> {
    let rows: Vec<(String, String)> = Sql::new(
        "SELECT source, data FROM watch_records WHERE advisory_id = $1 AND source IN ('cve', 'nvd', 'kev') ORDER BY source",
    )
    .arg(advisory_id)
    .fetch_all(&mut *conn)
    .await?;
    parse_records(rows)
}

/// Matches one advisory (whose index is written) against the inventory items of its keys.
pub(crate) async fn match_indexed_advisory(
    conn: &mut AnyConnection,
    actor: &Actor,
    advisory_id: i64,
    recs: &Records,
    keys: &[String],
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let info = advisory_info(conn, advisory_id).await?;
    let items = items_of_products(conn, actor, keys).await?;
    apply_advisory(
        conn,
        &info,
        recs,
        &items,
        None,
        (
            "not_affected",
            "avis corrigé : la version n'est plus concernée",
        ),
        names,
    )
    .await
}

/// Re-evaluates one advisory after one of its records changed: refreshes its product index and
/// matches the inventory items of those products only.
pub(crate) async fn rematch_advisory(
    conn: &mut AnyConnection,
    actor: &Actor,
    advisory_id: i64,
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let cat = catalog()?;
    let recs = advisory_records(conn, advisory_id).await?;
    let keys = advisory_key_set(cat, &recs);
    index_advisory(conn, advisory_id, &keys).await?;
    match_indexed_advisory(conn, actor, advisory_id, &recs, &keys, names).await
}

/// Writes which product keys one endoflife.date product covers (`watch_eol_keys`).
pub(crate) async fn index_eol(
    conn: &mut AnyConnection,
    e: &EolProduct,
) -> Result<Vec<String>, StoreError> {
    let keys = eol_keys(catalog()?, e);
    Sql::new("DELETE FROM watch_eol_keys WHERE slug = $1")
        .arg(e.id.as_str())
        .execute(&mut *conn)
        .await?;
    for part in keys.chunks(200) {
        let mut q = Sql::new("INSERT INTO watch_eol_keys (slug, product) VALUES ");
        for (n, k) in part.iter().enumerate() {
            if n > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(e.id.as_str())
                .push(", ")
                .bind(k.as_str())
                .push(")");
        }
        q.positional_for(Backend::of(conn))
            .execute(&mut *conn)
            .await?;
    }
    Ok(keys)
}

/// The stored endoflife.date products linked to any of these product keys.
pub(crate) async fn eols_of_keys(
    conn: &mut AnyConnection,
    keys: &[String],
) -> Result<Vec<EolProduct>, StoreError> {
    let mut out: Vec<EolProduct> = Vec::new();
    for part in keys.chunks(500) {
        let mut q = Sql::new(
            "SELECT r.ref_id, r.data FROM watch_records r WHERE r.source = 'eol' AND r.ref_id IN \
             (SELECT DISTINCT k.slug FROM watch_eol_keys k WHERE k.product IN ",
        );
        q.push_in_list(part.iter().map(String::as_str))
            .push(") ORDER BY r.ref_id");
        for (slug, data) in q
            .positional_for(Backend::of(conn))
            .fetch_all::<(String, String), _>(&mut *conn)
            .await?
        {
            if out.iter().any(|e| e.id == slug) {
                continue;
            }
            out.push(serde_json::from_str(&data).map_err(|e| {
                StoreError::Internal(format!("stored end-of-life record {slug}: {e}"))
            })?);
        }
    }
    Ok(out)
}

/// End-of-life alerts after an endoflife.date product changed (its index written by
/// [`index_eol`]): the items of its keys are evaluated against every product their keys are
/// linked to.
pub(crate) async fn rematch_eol(
    conn: &mut AnyConnection,
    actor: &Actor,
    keys: &[String],
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let items = items_of_products(conn, actor, keys).await?;
    if items.is_empty() {
        return Ok(Outcome::default());
    }
    let mut item_keys: Vec<String> = items.iter().map(|i| i.product.clone()).collect();
    item_keys.sort();
    item_keys.dedup();
    let eols = eols_of_keys(conn, &item_keys).await?;
    apply_eol(conn, &eols, &items, names).await
}

/// Matches one inventory item against the advisories of its product and its end-of-life data.
pub(crate) async fn rematch_item(
    conn: &mut AnyConnection,
    item: &InventoryItem,
    close_reason: &str,
    names: &mut HashMap<i64, String>,
) -> Result<Outcome, StoreError> {
    let rows: Vec<(i64, String, String)> = Sql::new(
        "SELECT r.advisory_id, r.source, r.data FROM watch_records r JOIN watch_advisory_products p \
         ON p.advisory_id = r.advisory_id WHERE p.product = $1 AND r.source IN ('cve', 'nvd', 'kev') ORDER BY r.advisory_id",
    )
    .arg(item.product.as_str())
    .fetch_all(&mut *conn)
    .await?;
    let mut by_adv: Vec<(i64, Vec<(String, String)>)> = Vec::new();
    for (a, s, d) in rows {
        match by_adv.last_mut() {
            Some((id, v)) if *id == a => v.push((s, d)),
            _ => by_adv.push((a, vec![(s, d)])),
        }
    }
    let items = std::slice::from_ref(item);
    let considered: HashSet<i64> = [item.id].into_iter().collect();
    let mut out = Outcome::default();
    let mut seen = HashSet::new();
    for (adv, rows) in by_adv {
        seen.insert(adv);
        let recs = parse_records(rows)?;
        let info = advisory_info(conn, adv).await?;
        out.add(
            apply_advisory(
                conn,
                &info,
                &recs,
                items,
                Some(&considered),
                ("fixed", close_reason),
                names,
            )
            .await?,
        );
    }
    // Open alerts of advisories that no longer name this product.
    let stale: Vec<(i64,)> = Sql::new(
        "SELECT id FROM watch_alerts WHERE inventory_id = $1 AND kind = 'vuln' AND status IN ('new', 'acknowledged') \
         AND (advisory_id IS NULL OR advisory_id NOT IN (SELECT advisory_id FROM watch_advisory_products WHERE product = $2))",
    )
    .arg(item.id)
    .arg(item.product.as_str())
    .fetch_all(&mut *conn)
    .await?;
    for (id,) in stale {
        Sql::new(
            "UPDATE watch_alerts SET status = 'fixed', status_reason = $1, auto_closed = 1, closed_at = $2, updated_at = $2 WHERE id = $3",
        )
        .arg(close_reason)
        .arg(now())
        .arg(id)
        .execute(&mut *conn)
        .await?;
        out.closed += 1;
    }
    let eols = eols_of_keys(conn, std::slice::from_ref(&item.product)).await?;
    if !eols.is_empty() {
        out.add(apply_eol(conn, &eols, items, names).await?);
    }
    Ok(out)
}
