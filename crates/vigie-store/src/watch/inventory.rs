//! Inventories: what each structure runs, declared by a form, a CSV file, an SBOM or seen by the
//! scanner; each new or changed item is matched at once against the advisories of its product.

use std::collections::HashMap;

use sqlx::AnyConnection;
use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;
use vigie_intel::product;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::watch::catalog::catalog;
use crate::watch::inventory_files::unresolved_problem;
use crate::watch::matching::{rematch_item, Outcome};
use crate::watch::types::{
    ImportReport, InventoryItem, ItemPlace, ItemProblem, NewItem, ScannedInventory,
    ScannedSoftware, ITEM_COLUMNS, ORIGINS,
};

impl Store {
    /// The inventory of a structure.
    pub async fn list_inventory(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<InventoryItem>, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let mut conn = self.pool.acquire().await?;
        Store::ensure_in_scope(&mut conn, actor, structure_id).await?;
        let mut q = Sql::new(&format!(
            "SELECT {ITEM_COLUMNS} FROM watch_inventory i JOIN structures s ON s.id = i.structure_id WHERE i.structure_id = "
        ));
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY i.product, i.location, i.id");
        q.fetch_all(&mut *conn).await
    }

    /// Declares (or updates the version of) one inventory item, matches it against the
    /// advisories of its product, writes the alerts. Returns the item and the new alert ids.
    pub async fn add_inventory_item(
        &self,
        actor: &Actor,
        structure_id: i64,
        item: &NewItem,
    ) -> Result<(InventoryItem, Vec<i64>), StoreError> {
        actor.require(Permission::WriteInventory)?;
        let item = validate_item(item)?;
        let mut tx = self.begin_write().await?;
        Store::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let mut names = HashMap::new();
        let (it, out, _) = upsert_item(&mut tx, actor, structure_id, &item, &mut names).await?;
        tx.commit().await?;
        Ok((it, out.new_ids))
    }

    /// Removes an inventory item; its open alerts close (fixed, automatically).
    pub async fn remove_inventory_item(
        &self,
        actor: &Actor,
        structure_id: i64,
        item_id: i64,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteInventory)?;
        let mut tx = self.begin_write().await?;
        Store::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let row: Option<(String, String)> = Sql::new(
            "SELECT product, version FROM watch_inventory WHERE id = $1 AND structure_id = $2",
        )
        .arg(item_id)
        .arg(structure_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((product, version)) = row else {
            return Err(StoreError::NotFound);
        };
        let at = now();
        let closed = Sql::new(
            "UPDATE watch_alerts SET status = 'fixed', status_reason = 'retiré de l''inventaire', auto_closed = 1, \
             closed_at = $1, updated_at = $1 WHERE inventory_id = $2 AND status IN ('new', 'acknowledged')",
        )
        .arg(at)
        .arg(item_id)
        .execute(&mut *tx)
        .await?;
        Sql::new("UPDATE watch_alerts SET inventory_id = NULL WHERE inventory_id = $1")
            .arg(item_id)
            .execute(&mut *tx)
            .await?;
        Sql::new("DELETE FROM watch_inventory WHERE id = $1")
            .arg(item_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("watch.inventory.remove", "structure", structure_id).detail(
                serde_json::json!({ "item_id": item_id, "product": product, "version": version, "alerts_closed": closed }),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Imports the items of a file (CSV lines, SBOM components, as `read_inventory` gives
    /// them with its report). When the file itself is wrong (`report.errors`: encoding, header,
    /// format) nothing is written. Otherwise every row that can be stored is (rows `kept`, in
    /// one transaction, each audited, and the import as a whole with its counts), and the rows
    /// that cannot are left out and listed in `report.skipped` with their line, column and
    /// reason. Items already in the inventory that the file does not name are left as they are.
    pub async fn import_inventory(
        &self,
        actor: &Actor,
        structure_id: i64,
        items: &[(ItemPlace, NewItem)],
        mut report: ImportReport,
    ) -> Result<ImportReport, StoreError> {
        actor.require(Permission::WriteInventory)?;
        let mut valid = Vec::new();
        for (place, it) in items {
            match validate_item(it) {
                Ok(v) => valid.push((place, v)),
                Err(StoreError::Invalid(p)) => {
                    if let Some(r) = report.rows.iter_mut().find(|r| &r.place == place) {
                        r.status = "rejected".into();
                        r.problem = Some(p.clone());
                    }
                    let column = ItemProblem::column_of(&p);
                    let problem = ItemProblem::new(place.clone(), p);
                    report.skipped.push(match column {
                        Some(c) => problem.in_column(c),
                        None => problem,
                    });
                }
                Err(e) => return Err(e),
            }
        }
        let mut tx = self.begin_write().await?;
        Store::ensure_in_scope(&mut tx, actor, structure_id).await?;
        if !report.errors.is_empty() {
            return Ok(report);
        }
        let mut names = HashMap::new();
        for (_, it) in &valid {
            let (_, out, added) = upsert_item(&mut tx, actor, structure_id, it, &mut names).await?;
            if added {
                report.added += 1;
            } else {
                report.updated += 1;
            }
            report.alerts_new += out.new_ids.len();
        }
        let skipped: Vec<String> = report.skipped.iter().map(|p| p.to_string()).collect();
        record(
            &mut *tx,
            actor,
            Event::new("watch.inventory.import", "structure", structure_id).detail(
                serde_json::json!({
                    "added": report.added, "updated": report.updated,
                    "alerts_new": report.alerts_new, "skipped": skipped,
                }),
            ),
        )
        .await?;
        tx.commit().await?;
        report.skipped.sort_by_key(|p| match p.place {
            ItemPlace::Line { line } => line,
            ItemPlace::Component { index, .. } => index as u64,
            _ => 0,
        });
        for r in report.rows.iter_mut().filter(|r| r.status == "ready") {
            r.status = "kept".into();
        }
        Ok(report)
    }
}

/// Records in a structure's inventory the software a scan identified (origin `scan`, exposed,
/// located at `address:port`), inside the scan's transaction, and rematches it: a vulnerable
/// version seen on the internet is alerted, and a later scan that sees a fixed version closes the
/// alert. The scanner's names resolve like declared products (`Apache httpd` → `apache-httpd`;
/// a product the catalogue does not know is kept under its open key). Distribution packages
/// (`OpenSSH_9.2p1 Debian-2+deb12u10`) are skipped, since their backported fixes the upstream
/// version does not show: the scan's own findings still describe them.
pub(crate) async fn record_scanned_software(
    conn: &mut AnyConnection,
    actor: &Actor,
    structure_id: i64,
    software: &[ScannedSoftware],
) -> Result<ScannedInventory, StoreError> {
    let mut out = ScannedInventory::default();
    let mut names = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    for sw in software {
        if sw.product.trim().is_empty() || sw.version.trim().is_empty() {
            continue;
        }
        if !seen.insert((sw.product.clone(), sw.location.clone())) {
            continue;
        }
        let place = || ItemPlace::Scan {
            location: sw.location.clone(),
        };
        if let Some(d) = &sw.distro {
            out.skipped.push(ItemProblem::new(
                place(),
                Problem::new("watch-scan-distribution-package")
                    .arg("product", &sw.product)
                    .arg("version", &sw.version)
                    .arg("distribution", d),
            ));
            continue;
        }
        let item = NewItem {
            product: sw.product.clone(),
            version: sw.version.clone(),
            location: sw.location.clone(),
            origin: "scan".into(),
            exposed: true,
        };
        match validate_item(&item) {
            Ok(item) => {
                let (_, o, _) = upsert_item(conn, actor, structure_id, &item, &mut names).await?;
                out.recorded += 1;
                out.alerts_new += o.new_ids.len();
            }
            Err(StoreError::Invalid(p)) => out.skipped.push(ItemProblem::new(place(), p)),
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}

/// Checks and normalises one declared item (the caller says which, when it reports problems):
/// its product resolves to a product key (`vigie_intel::product::resolve`: a catalogue id, or
/// an open key for a product the catalogue does not know, never a refusal); a version the
/// declaration carries (a CPE's, a purl's) fills an empty version; a CPE's edition (`fips`)
/// follows the version, so that the edition stays a line of its own.
pub(crate) fn validate_item(item: &NewItem) -> Result<NewItem, StoreError> {
    let cat = catalog()?;
    let r = product::resolve(cat, &item.product)
        .map_err(|e| StoreError::Invalid(unresolved_problem(&e)))?;
    let mut version = item.version.trim().to_string();
    if version.is_empty() {
        version = r.version.clone().unwrap_or_default().trim().to_string();
    }
    if version.is_empty() || version == "-" {
        return Err(StoreError::invalid("watch-inventory-version-empty"));
    }
    if let Some(e) = r.edition.as_deref().filter(|e| !e.is_empty()) {
        if !version
            .to_ascii_lowercase()
            .contains(&e.to_ascii_lowercase())
        {
            version = format!("{version} {e}");
        }
    }
    if version.chars().count() > 100 || version.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            Problem::new("watch-inventory-version-invalid").arg("max", 100u32),
        ));
    }
    let location = item.location.trim();
    if location.chars().count() > 200 || location.chars().any(char::is_control) {
        return Err(StoreError::Invalid(
            Problem::new("watch-inventory-location-invalid").arg("max", 200u32),
        ));
    }
    if !ORIGINS.contains(&item.origin.as_str()) {
        return Err(StoreError::Invalid(
            Problem::new("watch-inventory-origin-unknown")
                .arg("value", &item.origin)
                .arg("allowed", ORIGINS.join(", ")),
        ));
    }
    Ok(NewItem {
        product: r.key,
        version,
        location: location.to_string(),
        origin: item.origin.clone(),
        exposed: item.exposed,
    })
}

/// Inserts or updates an item (same structure, product and location), audits it, rematches it.
/// Returns the item, what matching did, and whether it was new.
async fn upsert_item(
    conn: &mut AnyConnection,
    actor: &Actor,
    structure_id: i64,
    item: &NewItem,
    names: &mut HashMap<i64, String>,
) -> Result<(InventoryItem, Outcome, bool), StoreError> {
    let at = now();
    let old: Option<(i64, String)> = Sql::new(
        "SELECT id, version FROM watch_inventory WHERE structure_id = $1 AND product = $2 AND location = $3",
    )
    .arg(structure_id)
    .arg(item.product.as_str())
    .arg(item.location.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let (id, added, previous) = match old {
        Some((id, v)) => {
            Sql::new(
                "UPDATE watch_inventory SET version = $1, origin = $2, exposed = $3, declared_by = $4, updated_at = $5 WHERE id = $6",
            )
            .arg(item.version.as_str())
            .arg(item.origin.as_str())
            .arg(item.exposed)
            .arg(actor.label.as_str())
            .arg(at)
            .arg(id)
            .execute(&mut *conn)
            .await?;
            (id, false, Some(v))
        }
        None => {
            let id = Sql::new(
                "INSERT INTO watch_inventory (structure_id, product, version, location, origin, exposed, declared_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
            )
            .arg(structure_id)
            .arg(item.product.as_str())
            .arg(item.version.as_str())
            .arg(item.location.as_str())
            .arg(item.origin.as_str())
            .arg(item.exposed)
            .arg(actor.label.as_str())
            .arg(at)
            .scalar(&mut *conn)
            .await?;
            (id, true, None)
        }
    };
    let it: InventoryItem = Sql::new(&format!(
        "SELECT {ITEM_COLUMNS} FROM watch_inventory i WHERE i.id = $1"
    ))
    .arg(id)
    .fetch_one(&mut *conn)
    .await?;
    let reason = format!("version {} déclarée, qui n'est plus concernée", it.version);
    let out = rematch_item(conn, &it, &reason, names).await?;
    record(
        &mut *conn,
        actor,
        Event::new(
            if added { "watch.inventory.add" } else { "watch.inventory.update" },
            "structure",
            structure_id,
        )
        .detail(serde_json::json!({
            "item_id": id, "product": it.product, "version": it.version, "previous_version": previous,
            "location": it.location, "origin": it.origin, "alerts_new": out.new_ids, "alerts_closed": out.closed,
        })),
    )
    .await?;
    Ok((it, out, added))
}
