//! Views by advisory: the advisories that concern the viewer's territory (those with an alert on
//! a structure of the actor's scope), and one advisory with the products it names.

use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{like_escape, Sql, Store};
use crate::error::StoreError;
use crate::watch::types::{AdvisoryFilter, AdvisoryInfo, AdvisorySummary, ADVISORY_COLUMNS};

/// What an advisory list reads per advisory, besides the advisory's columns.
const COUNTS: &str = "COUNT(DISTINCT a.structure_id) AS structures, \
    COUNT(DISTINCT s.region_code) AS regions, \
    CAST(SUM(CASE WHEN a.status IN ('new', 'acknowledged') THEN 1 ELSE 0 END) AS BIGINT) AS open_alerts, \
    CAST(SUM(CASE WHEN a.status = 'new' THEN 1 ELSE 0 END) AS BIGINT) AS new_alerts, \
    COUNT(*) AS alerts, MAX(a.created_at) AS last_alert_at";

const FROM: &str = " FROM watch_alerts a JOIN structures s ON s.id = a.structure_id \
    JOIN watch_advisories v ON v.id = a.advisory_id";

impl Store {
    /// The WHERE, GROUP BY and HAVING of an advisory list: the actor's scope and the filter.
    fn advisory_where(actor: &Actor, f: &AdvisoryFilter) -> Sql {
        let mut q = Sql::new(" WHERE ");
        actor.scope_structures(&mut q, "s");
        if let Some(r) = f.region_code.as_deref().filter(|r| !r.is_empty()) {
            q.push(" AND s.region_code").push_region_eq(r);
        }
        if let Some(g) = f.ght_id {
            q.push(" AND s.ght_id = ").bind(g);
        }
        if f.kev_only {
            q.push(" AND v.kev = 1");
        }
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let pat = format!("%{}%", like_escape(&t.to_lowercase()));
            // A product's key (`fortios`) or its name as typed without spaces (`FortiOS`).
            let squeezed = format!(
                "%{}%",
                like_escape(&t.to_lowercase().replace([' ', '-'], ""))
            );
            q.push(" AND (LOWER(v.ref_id) LIKE ")
                .bind(pat.clone())
                .push(" ESCAPE '\\' OR LOWER(v.title) LIKE ")
                .bind(pat)
                .push(" ESCAPE '\\' OR a.product LIKE ")
                .bind(squeezed)
                .push(" ESCAPE '\\')");
        }
        q.push(" GROUP BY v.id");
        if f.open_only {
            q.push(
                " HAVING SUM(CASE WHEN a.status IN ('new', 'acknowledged') THEN 1 ELSE 0 END) > 0",
            );
        }
        q
    }

    /// The advisories that concern structures of the actor's scope, known exploited first, then
    /// by their latest alert; with the total count.
    pub async fn list_advisories(
        &self,
        actor: &Actor,
        f: &AdvisoryFilter,
    ) -> Result<(Vec<AdvisorySummary>, i64), StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let w = Self::advisory_where(actor, f);
        let mut q = Sql::new(&format!("SELECT {ADVISORY_COLUMNS}, {COUNTS}{FROM}"));
        q.push_sql(&w);
        q.push(
            " ORDER BY v.kev DESC, v.certfr_alert DESC, MAX(a.created_at) DESC, \
             COALESCE(v.cvss_x10, -1) DESC, v.ref_id",
        );
        q.push(" LIMIT ")
            .bind(f.limit.unwrap_or(50).clamp(1, 1000))
            .push(" OFFSET ")
            .bind(f.offset.max(0));
        let rows: Vec<AdvisorySummary> = q.fetch_all(&self.pool).await?;
        let mut c = Sql::new(&format!("SELECT COUNT(*) FROM (SELECT v.id{FROM}"));
        c.push_sql(&w);
        c.push(") t");
        let total = c.scalar(&self.pool).await?;
        Ok((rows, total))
    }

    /// One advisory by its reference (`CVE-2024-55591`) and the product keys it names.
    /// Advisories are public knowledge: any reader of the watch may open one; what it concerns
    /// in the actor's scope is read with `list_alerts` (`AlertFilter::advisory_id`).
    pub async fn get_advisory(
        &self,
        actor: &Actor,
        reference: &str,
    ) -> Result<(AdvisoryInfo, Vec<String>), StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        if reference.len() > 200 {
            return Err(StoreError::NotFound);
        }
        let info: AdvisoryInfo = Sql::new(&format!(
            "SELECT {ADVISORY_COLUMNS} FROM watch_advisories v WHERE v.ref_id = $1"
        ))
        .arg(reference)
        .fetch_one(&self.pool)
        .await?;
        let products: Vec<(String,)> = Sql::new(
            "SELECT product FROM watch_advisory_products WHERE advisory_id = $1 ORDER BY product",
        )
        .arg(info.id)
        .fetch_all(&self.pool)
        .await?;
        Ok((info, products.into_iter().map(|(p,)| p).collect()))
    }

    /// Advisories whose reference starts with `prefix` (case ignored), for the header's search:
    /// at most `limit`, newest reference first.
    pub async fn find_advisories(
        &self,
        actor: &Actor,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<AdvisoryInfo>, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let p = prefix.trim().to_uppercase();
        if p.is_empty() || p.len() > 200 {
            return Ok(Vec::new());
        }
        Sql::new(&format!(
            "SELECT {ADVISORY_COLUMNS} FROM watch_advisories v WHERE v.ref_id LIKE $1 ESCAPE '\\' \
             ORDER BY v.ref_id DESC LIMIT $2"
        ))
        .arg(format!("{}%", like_escape(&p)))
        .arg(limit.clamp(1, 100))
        .fetch_all(&self.pool)
        .await
    }
}
