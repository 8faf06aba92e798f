//! The assets a structure declares: the only scope surveillance will ever scan.
//!
//! A second pair of eyes (issue 13, item 14): an asset declared by a structure's people or a GHT
//! officer is *pending* until a regional analyst of its region or a CERT analyst validates it
//! ([`Store::validate_asset`], audited); only validated assets are ever scanned
//! (`Store::start_scan`). An asset an analyst declares is validated at once.

use vigie_domain::role::Permission;
use vigie_domain::structure::AssetKind;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::registry::problems::asset_problem;
use crate::registry::types::Asset;

/// Who validates declared assets: regional and CERT analysts, the administrator and the
/// platform itself (imports, the demo).
pub fn may_validate_assets(actor: &Actor) -> bool {
    use vigie_domain::role::Role;
    matches!(
        actor.role,
        Role::CertAnalyst | Role::RegionalAnalyst | Role::Admin
    )
}

impl Store {
    pub async fn list_assets(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<Vec<Asset>, StoreError> {
        actor.require(Permission::ReadStructures)?;
        Self::ensure_in_scope(&mut *self.pool.acquire().await?, actor, structure_id).await?;
        let mut q = Sql::new(
            "SELECT a.id, a.structure_id, a.kind, a.value, a.attested_by, a.attested_at, a.is_demo, a.created_at, \
             a.validated_at, a.validated_by FROM assets a JOIN structures s ON s.id = a.structure_id WHERE a.structure_id = ",
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
        let validated = may_validate_assets(actor);
        let id = Sql::new(
            "INSERT INTO assets (structure_id, kind, value, attested_by, attested_at, is_demo, created_at, validated_at, validated_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $5, $7, $8) RETURNING id",
        )
        .arg(structure_id)
        .arg(kind.as_str())
        .arg(value.as_str())
        .arg(attested_by)
        .arg(at)
        .arg(is_demo)
        .arg(validated.then_some(at))
        .arg(if validated { actor.user_id } else { None })
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
                "validated": validated,
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
            validated_at: validated.then_some(at),
            validated_by: if validated { actor.user_id } else { None },
        })
    }

    /// An analyst validates a pending asset of a structure in their scope: from now on it is
    /// scanned. Audited. Refused to every other role (`Forbidden`); outside the scope,
    /// `NotFound`. Validating an asset already validated changes nothing.
    pub async fn validate_asset(
        &self,
        actor: &Actor,
        structure_id: i64,
        asset_id: i64,
    ) -> Result<Asset, StoreError> {
        actor.require(Permission::WriteAssets)?;
        if !may_validate_assets(actor) {
            return Err(StoreError::Forbidden(
                "only a regional or CERT analyst may validate a declared asset",
            ));
        }
        let mut tx = self.begin_write().await?;
        Self::ensure_in_scope(&mut tx, actor, structure_id).await?;
        let found: Option<(String, Option<i64>)> =
            Sql::new("SELECT value, validated_at FROM assets WHERE id = $1 AND structure_id = $2")
                .arg(asset_id)
                .arg(structure_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some((value, validated_at)) = found else {
            return Err(StoreError::NotFound);
        };
        if validated_at.is_none() {
            Sql::new("UPDATE assets SET validated_at = $1, validated_by = $2 WHERE id = $3")
                .arg(now())
                .arg(actor.user_id)
                .arg(asset_id)
                .execute(&mut *tx)
                .await?;
            record(
                &mut *tx,
                actor,
                Event::new("asset.validate", "structure", structure_id)
                    .detail(serde_json::json!({ "asset_id": asset_id, "value": value })),
            )
            .await?;
        }
        tx.commit().await?;
        self.list_assets(actor, structure_id)
            .await?
            .into_iter()
            .find(|a| a.id == asset_id)
            .ok_or(StoreError::NotFound)
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
