//! The assets a structure declares: the only scope surveillance will ever scan.

use vigie_domain::role::Permission;
use vigie_domain::structure::AssetKind;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::registry::problems::asset_problem;
use crate::registry::types::Asset;

impl Store {
    pub async fn list_assets(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<Asset>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        Self::ensure_in_scope(&mut *self.pool.acquire().await?, actor, structure_id).await?;
        let mut q = Sql::new(
            "SELECT a.id, a.structure_id, a.kind, a.value, a.attested_by, a.attested_at, a.is_demo, a.created_at \
             FROM assets a JOIN structures s ON s.id = a.structure_id WHERE a.structure_id = ",
        );
        q.bind(structure_id).push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY a.kind, a.value");
        q.fetch_all(&self.pool).await
    }

    /// Declares an asset. `attested_by` names who vouched that the structure owns it.
    pub async fn add_asset(
        &self,
        actor: &Actor,
        structure_id: i64,
        kind: AssetKind,
        value: &str,
        attested_by: &str,
    ) -> Result<Asset, StoreError> {
        actor.require(Permission::WriteAssets)?;
        let value = vigie_domain::structure::parse_asset(kind, value)
            .map_err(|e| StoreError::Invalid(asset_problem(value, &e)))?;
        let attested_by = attested_by.trim();
        if attested_by.is_empty() {
            return Err(StoreError::invalid("registry-asset-attestation-required"));
        }
        let mut tx = self.begin_write().await?;
        Self::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let demo_structure: i64 = Sql::new("SELECT is_demo FROM structures WHERE id = $1")
            .arg(structure_id)
            .scalar(&mut *tx)
            .await?;
        let is_demo =
            demo_structure == 1 || vigie_domain::structure::is_documentation_or_reserved(&value);
        let at = now();
        let id = Sql::new(
            "INSERT INTO assets (structure_id, kind, value, attested_by, attested_at, is_demo, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $5) RETURNING id",
        )
        .arg(structure_id)
        .arg(kind.as_str())
        .arg(value.as_str())
        .arg(attested_by)
        .arg(at)
        .arg(is_demo)
        .scalar(&mut *tx)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => StoreError::Conflict(format!("asset {value} is already declared")),
            e => e,
        })?;
        record(
            &mut *tx,
            actor,
            Event::new("asset.add", "structure", structure_id).detail(serde_json::json!({
                "asset_id": id, "kind": kind.as_str(), "value": value, "attested_by": attested_by,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(Asset {
            id,
            structure_id,
            kind: kind.as_str().to_string(),
            value,
            attested_by: attested_by.to_string(),
            attested_at: at,
            is_demo: is_demo as i64,
            created_at: at,
        })
    }

    pub async fn remove_asset(
        &self,
        actor: &Actor,
        structure_id: i64,
        asset_id: i64,
    ) -> Result<(), StoreError> {
        actor.require(Permission::WriteAssets)?;
        let mut tx = self.begin_write().await?;
        Self::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let value: Option<(String,)> =
            Sql::new("SELECT value FROM assets WHERE id = $1 AND structure_id = $2")
                .arg(asset_id)
                .arg(structure_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((value,)) = value else {
            return Err(StoreError::NotFound);
        };
        Sql::new("DELETE FROM assets WHERE id = $1")
            .arg(asset_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut *tx,
            actor,
            Event::new("asset.remove", "structure", structure_id)
                .detail(serde_json::json!({ "asset_id": asset_id, "value": value })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
