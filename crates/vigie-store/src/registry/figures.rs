//! Dashboard figures of the registry: structures in scope by region, department, sector or GHT,
//! and how many declared assets or a security officer.

use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::db::{Sql, Store};
use crate::error::StoreError;
use crate::registry::types::{Breakdown, Coverage};

impl Store {
    /// Counts of structures in scope by region, department, sector or GHT, largest first.
    pub async fn structure_breakdown(
        &self,
        actor: &Actor,
        by: Breakdown,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let key = match by {
            Breakdown::Region => "s.region_code",
            Breakdown::Department => "s.department_code",
            Breakdown::Sector => "s.sector",
            Breakdown::Ght => "COALESCE(g.name, '')",
        };
        let mut q = Sql::new(&format!(
            "SELECT {key} AS k, COUNT(*) AS n FROM structures s LEFT JOIN ghts g ON g.id = s.ght_id WHERE "
        ));
        actor.scope_structures(&mut q, "s");
        q.push(&format!(" GROUP BY {key} ORDER BY n DESC, k"));
        q.fetch_all(&self.pool).await
    }

    /// How many structures in scope are real (not demo data): the demo is never loaded beside
    /// them.
    pub async fn count_real_structures(&self, actor: &Actor) -> Result<i64, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Sql::new("SELECT COUNT(*) FROM structures s WHERE s.is_demo = 0 AND ");
        actor.scope_structures(&mut q, "s");
        q.scalar(&self.pool).await
    }

    pub async fn coverage(&self, actor: &Actor) -> Result<Coverage, StoreError> {
        actor.require(Permission::ReadStructures)?;
        // SUM is NUMERIC on PostgreSQL: cast to a 64-bit integer so both backends decode alike.
        let mut q = Sql::new(
            "SELECT COUNT(*), \
             CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM assets a WHERE a.structure_id = s.id) THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM contacts c WHERE c.structure_id = s.id AND c.role = 'security_officer') THEN 1 ELSE 0 END), 0) AS BIGINT), \
             CAST(COALESCE(SUM(s.ose), 0) AS BIGINT) FROM structures s WHERE ",
        );
        actor.scope_structures(&mut q, "s");
        let (structures, with_assets, with_security_officer, essential_operators): (
            i64,
            i64,
            i64,
            i64,
        ) = q.fetch_one(&self.pool).await?;
        Ok(Coverage {
            structures,
            with_assets,
            with_security_officer,
            essential_operators,
        })
    }
}
