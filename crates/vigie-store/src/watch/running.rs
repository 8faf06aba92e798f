//! Who runs a product: the structures whose inventory (declared, imported or seen by the
//! scanner) holds it, within a reader's scope. Other slices ask this slice rather than read its
//! tables (the incidents' sector-wide alerts).

use std::collections::BTreeMap;

use sqlx::AnyConnection;

use crate::actor::Actor;
use crate::db::Sql;
use crate::error::StoreError;

/// A structure that runs a product, with the versions its inventory lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Runner {
    pub structure_id: i64,
    pub name: String,
    pub region_code: String,
    pub versions: Vec<String>,
    /// One of its items of this product is exposed to the internet.
    pub exposed: bool,
}

/// A product one structure runs, for choosing what to warn others about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct RunProduct {
    /// The catalogue's key (`fortinet:fortios`).
    pub product: String,
    pub name: String,
    pub versions: Vec<String>,
    pub exposed: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    structure_id: i64,
    name: String,
    region_code: String,
    version: String,
    exposed: i64,
}

/// Every structure in `actor`'s scope but `except` whose inventory holds `product` (exposed
/// only when asked), by region then name; at most `limit` structures.
pub(crate) async fn runners(
    conn: &mut AnyConnection,
    actor: &Actor,
    product: &str,
    exposed_only: bool,
    except: i64,
    limit: usize,
) -> Result<Vec<Runner>, StoreError> {
    let mut q = Sql::new(
        "SELECT s.id AS structure_id, s.name, s.region_code, w.version, w.exposed \
         FROM watch_inventory w JOIN structures s ON s.id = w.structure_id WHERE w.product = ",
    );
    q.bind(product).push(" AND s.id <> ").bind(except);
    if exposed_only {
        q.push(" AND w.exposed = 1");
    }
    q.push(" AND ");
    actor.scope_structures(&mut q, "s");
    q.push(" ORDER BY s.region_code, s.name, s.id, w.version");
    let rows: Vec<Row> = q.fetch_all(&mut *conn).await?;
    let mut out: Vec<Runner> = Vec::new();
    let mut at: BTreeMap<i64, usize> = BTreeMap::new();
    for r in rows {
        let i = match at.get(&r.structure_id) {
            Some(i) => *i,
            None => {
                if out.len() == limit {
                    continue;
                }
                at.insert(r.structure_id, out.len());
                out.push(Runner {
                    structure_id: r.structure_id,
                    name: r.name,
                    region_code: r.region_code,
                    versions: Vec::new(),
                    exposed: false,
                });
                out.len() - 1
            }
        };
        let runner = &mut out[i];
        if !runner.versions.contains(&r.version) {
            runner.versions.push(r.version);
        }
        runner.exposed |= r.exposed == 1;
    }
    Ok(out)
}

/// The products structure `structure_id`'s inventory holds (the caller checked it may read
/// it), exposed ones first.
pub(crate) async fn products_of(
    conn: &mut AnyConnection,
    structure_id: i64,
) -> Result<Vec<RunProduct>, StoreError> {
    let rows: Vec<(String, String, i64)> = Sql::new(
        "SELECT product, version, exposed FROM watch_inventory WHERE structure_id = $1 ORDER BY product, version",
    )
    .arg(structure_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out: Vec<RunProduct> = Vec::new();
    for (product, version, exposed) in rows {
        match out.last_mut().filter(|p| p.product == product) {
            Some(p) => {
                if !p.versions.contains(&version) {
                    p.versions.push(version);
                }
                p.exposed |= exposed == 1;
            }
            None => out.push(RunProduct {
                name: crate::watch::product_name(&product),
                product,
                versions: vec![version],
                exposed: exposed == 1,
            }),
        }
    }
    out.sort_by(|a, b| b.exposed.cmp(&a.exposed).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}
