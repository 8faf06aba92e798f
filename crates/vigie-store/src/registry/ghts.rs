//! GHTs (groupements hospitaliers de territoire) and the composition that attaches structures
//! to them.

use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::registry::caches::RegistryCaches;
use crate::registry::types::Ght;

/// The columns of a GHT as `actor` may see them: its count of structures and its support
/// structure only over the structures in the actor's scope (a structure's people see their GHT,
/// not how many others are in it nor which one supports it unless it is theirs).
fn ght_select(actor: &Actor) -> Sql {
    let mut q = Sql::new(
        "SELECT g.id, g.code, g.name, g.region_code, \
         (SELECT sp.id FROM structures sp WHERE sp.id = g.support_structure_id AND ",
    );
    actor.scope_structures(&mut q, "sp");
    q.push(
        ") AS support_structure_id, (SELECT COUNT(*) FROM structures s WHERE s.ght_id = g.id AND ",
    );
    actor.scope_structures(&mut q, "s");
    q.push(") AS structure_count FROM ghts g");
    q
}

impl Store {
    pub async fn list_ghts(
        &self,
        actor: &Actor,
        region: Option<&str>,
    ) -> Result<Vec<Ght>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = ght_select(actor);
        q.push(" WHERE ");
        actor.scope_ghts(&mut q, "g");
        if let Some(r) = region.filter(|r| !r.is_empty()) {
            q.push(" AND g.region_code").push_region_eq(r);
        }
        q.push(" ORDER BY g.region_code, g.name");
        q.fetch_all(&self.pool).await
    }

    /// GHTs in scope as (id, name), for the options of a filter: no counting.
    pub async fn ght_options(&self, actor: &Actor) -> Result<Vec<(i64, String)>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = Sql::new("SELECT g.id, g.name FROM ghts g WHERE ");
        actor.scope_ghts(&mut q, "g");
        q.push(" ORDER BY g.name");
        // Cached per process (see `cache`): the scope is in the key.
        let key = q.cache_key();
        let v = self
            .caches
            .get::<RegistryCaches>()
            .ght_options
            .get_or_load(
                &key,
                |_| true,
                || async {
                    let v: Vec<(i64, String)> = q.fetch_all(&self.pool).await?;
                    Ok::<_, StoreError>(Some(std::sync::Arc::new(v)))
                },
            )
            .await?;
        Ok(v.map(|v| v.as_ref().clone()).unwrap_or_default())
    }

    pub async fn get_ght(&self, actor: &Actor, id: i64) -> Result<Ght, StoreError> {
        actor.require(Permission::ReadStructures)?;
        let mut q = ght_select(actor);
        q.push(" WHERE g.id = ").bind(id).push(" AND ");
        actor.scope_ghts(&mut q, "g");
        q.fetch_one(&self.pool).await
    }

    /// Creates or renames a GHT by its code; returns its id.
    pub async fn upsert_ght(
        &self,
        actor: &Actor,
        code: &str,
        name: &str,
        region_code: &str,
    ) -> Result<i64, StoreError> {
        actor.require(Permission::ImportRegistry)?;
        let mut tx = self.begin_write().await?;
        let id = upsert_ght_in(&mut tx, code, name, region_code).await?;
        record(
            &mut *tx,
            actor,
            Event::new("ght.upsert", "ght", id)
                .detail(serde_json::json!({ "code": code, "name": name, "region": region_code })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::registry_changed();
        Ok(id)
    }

    /// Applies a GHT composition: each (GHT, FINESS ET, support) attaches the structure to the GHT.
    /// Rows naming an unknown structure are returned as rejected with their index; the others apply.
    pub async fn apply_ght_composition(
        &self,
        actor: &Actor,
        rows: &[(String, String, String, String, bool)],
    ) -> Result<(usize, Vec<(usize, Problem)>), StoreError> {
        actor.require(Permission::ImportRegistry)?;
        if !matches!(actor.scope, vigie_domain::role::Scope::National) {
            return Err(StoreError::Forbidden(
                "import the registry (national scope only)",
            ));
        }
        let mut tx = self.begin_write().await?;
        let mut applied = 0;
        let mut rejected = Vec::new();
        for (i, (code, name, region, finess, support)) in rows.iter().enumerate() {
            let sid: Option<(i64, String)> =
                Sql::new("SELECT id, region_code FROM structures WHERE finess_et = $1")
                    .arg(finess.as_str())
                    .fetch_optional(&mut *tx)
                    .await?;
            let Some((sid, sregion)) = sid else {
                rejected.push((
                    i,
                    Problem::new("registry-ght-structure-unknown").arg("finess", finess),
                ));
                continue;
            };
            if &sregion != region {
                rejected.push((
                    i,
                    Problem::new("registry-ght-structure-other-region")
                        .arg("finess", finess)
                        .arg("region", sregion)
                        .arg("ght_region", region),
                ));
                continue;
            }
            let gid = upsert_ght_in(&mut tx, code, name, region).await?;
            Sql::new("UPDATE structures SET ght_id = $1, updated_at = $2 WHERE id = $3")
                .arg(gid)
                .arg(now())
                .arg(sid)
                .execute(&mut *tx)
                .await?;
            if *support {
                Sql::new("UPDATE ghts SET support_structure_id = $1 WHERE id = $2")
                    .arg(sid)
                    .arg(gid)
                    .execute(&mut *tx)
                    .await?;
            }
            applied += 1;
        }
        record(
            &mut *tx,
            actor,
            Event::new("ght.import", "ghts", rows.len())
                .detail(serde_json::json!({ "applied": applied, "rejected": rejected.len() })),
        )
        .await?;
        tx.commit().await?;
        crate::cache::registry_changed();
        Ok((applied, rejected))
    }
}

async fn upsert_ght_in(
    conn: &mut sqlx::AnyConnection,
    code: &str,
    name: &str,
    region_code: &str,
) -> Result<i64, StoreError> {
    if code.trim().is_empty() || name.trim().is_empty() {
        return Err(StoreError::invalid("registry-ght-code-name-required"));
    }
    if vigie_domain::geo::region(region_code).is_none() {
        return Err(StoreError::Invalid(
            Problem::new("registry-ght-region-unknown")
                .arg("code", code)
                .arg("region", region_code),
        ));
    }
    let at = now();
    Sql::new(
        "INSERT INTO ghts (code, name, region_code, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) \
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, region_code = excluded.region_code, \
         updated_at = excluded.updated_at RETURNING id",
    )
    .arg(code.trim())
    .arg(name.trim())
    .arg(region_code)
    .arg(at)
    .scalar(&mut *conn)
    .await
}
