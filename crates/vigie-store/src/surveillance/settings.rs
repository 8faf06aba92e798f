//! Surveillance settings: off until an operator turns it on for a structure or a region; a
//! structure's own setting wins over its region's.

use vigie_domain::problem::Problem;
use vigie_domain::role::{Permission, Scope};

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::surveillance::types::{Setting, SurveillanceStatus, DEFAULT_INTERVAL_HOURS};

fn check_interval(hours: i64) -> Result<i64, StoreError> {
    if !(1..=24 * 366).contains(&hours) {
        return Err(StoreError::Invalid(
            Problem::new("surveillance-interval-out-of-range")
                .arg("hours", hours)
                .arg("min", 1u32)
                .arg("max", 24u32 * 366),
        ));
    }
    Ok(hours)
}

impl Store {
    /// The surveillance setting that applies to a structure (its own, else its region's, else off).
    pub async fn surveillance_status(
        &self,
        actor: &Actor,
        structure_id: i64,
    ) -> Result<SurveillanceStatus, StoreError> {
        actor.require(Permission::ReadExposure)?;
        let mut conn = self.pool.acquire().await?;
        let (_, region) = Self::exposure_scope_check(&mut conn, actor, structure_id).await?;
        let cols = "id, structure_id, region_code, enabled, interval_hours, updated_by, updated_at";
        let own: Option<Setting> = Sql::new(&format!(
            "SELECT {cols} FROM surveillance_settings WHERE structure_id = $1"
        ))
        .arg(structure_id)
        .fetch_optional(&mut *conn)
        .await?;
        let reg: Option<Setting> = Sql::new(&format!(
            "SELECT {cols} FROM surveillance_settings WHERE region_code = $1"
        ))
        .arg(region.as_str())
        .fetch_optional(&mut *conn)
        .await?;
        let applied = own.as_ref().or(reg.as_ref());
        Ok(SurveillanceStatus {
            enabled: applied.is_some_and(|s| s.enabled == 1),
            interval_hours: applied.map_or(DEFAULT_INTERVAL_HOURS, |s| s.interval_hours),
            structure: own,
            region: reg,
        })
    }

    /// The regional setting (`None` when never set: off).
    pub async fn region_surveillance(
        &self,
        actor: &Actor,
        region_code: &str,
    ) -> Result<Option<Setting>, StoreError> {
        actor.require(Permission::ReadExposure)?;
        self.region_allowed(actor, region_code)?;
        Sql::new(
            "SELECT id, structure_id, region_code, enabled, interval_hours, updated_by, updated_at \
             FROM surveillance_settings WHERE region_code = $1",
        )
        .arg(region_code)
        .fetch_optional(&self.pool)
        .await
    }

    fn region_allowed(&self, actor: &Actor, region_code: &str) -> Result<(), StoreError> {
        if vigie_domain::geo::region(region_code).is_none() {
            return Err(StoreError::Invalid(
                Problem::new("surveillance-region-unknown").arg("value", region_code),
            ));
        }
        match &actor.scope {
            Scope::National => Ok(()),
            Scope::Region(r) if r == region_code => Ok(()),
            _ => Err(StoreError::NotFound),
        }
    }

    /// Turns scheduled surveillance on or off for one structure (overrides its region).
    pub async fn set_structure_surveillance(
        &self,
        actor: &Actor,
        structure_id: i64,
        enabled: bool,
        interval_hours: i64,
    ) -> Result<(), StoreError> {
        actor.require(Permission::ManageSurveillance)?;
        let interval = check_interval(interval_hours)?;
        let mut tx = self.begin_write().await?;
        Self::exposure_scope_check(&mut tx, actor, structure_id).await?;
        write_setting(&mut tx, actor, "structure", structure_id, enabled, interval).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Turns scheduled surveillance on or off for every structure of a region (structures with a
    /// setting of their own keep it).
    pub async fn set_region_surveillance(
        &self,
        actor: &Actor,
        region_code: &str,
        enabled: bool,
        interval_hours: i64,
    ) -> Result<(), StoreError> {
        actor.require(Permission::ManageSurveillance)?;
        self.region_allowed(actor, region_code)?;
        let interval = check_interval(interval_hours)?;
        let mut tx = self.begin_write().await?;
        write_setting(&mut tx, actor, "region", region_code, enabled, interval).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Upserts the surveillance setting of a structure (`kind` "structure") or a region ("region")
/// and audits it, in the caller's transaction.
async fn write_setting(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    kind: &'static str,
    target: impl Into<crate::db::Val> + ToString + Copy,
    enabled: bool,
    interval: i64,
) -> Result<(), StoreError> {
    let column = if kind == "region" {
        "region_code"
    } else {
        "structure_id"
    };
    Sql::new(&format!(
        "INSERT INTO surveillance_settings ({column}, enabled, interval_hours, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT ({column}) DO UPDATE SET enabled = $2, \
         interval_hours = $3, updated_by = $4, updated_at = $5"
    ))
    .arg(target)
    .arg(enabled)
    .arg(interval)
    .arg(actor.label.as_str())
    .arg(now())
    .execute(&mut *conn)
    .await?;
    record(
        &mut *conn,
        actor,
        Event::new("surveillance.set", kind, target)
            .detail(serde_json::json!({ "enabled": enabled, "interval_hours": interval })),
    )
    .await?;
    Ok(())
}
