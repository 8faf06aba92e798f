//! Sector-wide alerts: from one case, an analyst warns the other structures of their scope that
//! run the product the attack went through. Whom to warn is the vulnerability watch's knowledge
//! (`watch::running`: each structure's inventory, declared, imported or seen by the scanner),
//! optionally only where the product is exposed to the internet. The alert says the product,
//! the versions each structure runs, an advisory if one is known and the analyst's words; it
//! never names the incident nor the structure it struck, and is marked at most TLP:AMBER (a
//! warning to a whole sector cannot be RED). One outbox notification per structure (each in its
//! recipients' language at delivery, `vigie-report`), the alert and whom it reached kept on the
//! case, a timeline event and an audit entry, in one transaction.

use vigie_domain::events::{SectorAlertEvent, INCIDENT_SECTOR_ALERT};
use vigie_domain::problem::Problem;
use vigie_domain::role::{Permission, Scope};
use vigie_incidents::marking::Tlp;

use crate::actor::Actor;
use crate::db::{now, Sql, Store};
use crate::error::StoreError;
use crate::incidents::timeline::event_and_audit;
use crate::notify::{queue_many, Audience, NewNotification, OutboxEvent};
use crate::watch::running::{products_of, runners, RunProduct};

impl OutboxEvent for SectorAlertEvent {
    const EVENT: &'static str = INCIDENT_SECTOR_ALERT;
}

/// Most structures one alert reaches (a national alert on a common product reaches a few
/// thousand; more is a bulletin's job, not a case's).
pub const SECTOR_MAX_TARGETS: usize = 20_000;
/// Longest message.
pub const SECTOR_MAX_MESSAGE: usize = 4_000;

/// What an analyst writes to send a sector-wide alert (the form's fields and the API's body).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SectorAlertDraft {
    /// The product's key, as the inventories name it (`fortinet:fortios`).
    pub product: String,
    /// Warn only the structures where it is exposed to the internet.
    pub exposed_only: bool,
    /// An advisory the attack used (`CVE-2024-55591`), or empty.
    pub advisory: String,
    /// What the structures are asked to do. Do not name the structure struck.
    pub message: String,
    /// `clear`, `green` or `amber` (default `amber`).
    pub tlp: String,
}

/// A structure an alert would reach or reached.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SectorTarget {
    pub structure_id: i64,
    pub name: String,
    pub region_code: String,
    pub versions: Vec<String>,
    pub exposed: bool,
}

/// Whom an alert on a product would reach, before it is sent.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct SectorPreview {
    /// The case's reference (`INC-2026-000042`).
    pub reference: String,
    pub product: String,
    pub product_name: String,
    pub exposed_only: bool,
    pub targets: Vec<SectorTarget>,
    /// Reached the most an alert may reach: more structures run it.
    pub capped: bool,
}

/// An alert sent from a case.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct SectorAlertRow {
    pub id: i64,
    pub product: String,
    pub exposed_only: i64,
    pub advisory: String,
    pub message: String,
    pub tlp: String,
    /// `national` or the sending region's code.
    pub territory: String,
    /// How many structures it reached.
    pub structures: i64,
    pub sent_by: String,
    pub sent_at: i64,
}

fn invalid(key: &'static str) -> StoreError {
    StoreError::Invalid(Problem::new(key))
}

/// The product key as typed, checked.
fn product_key(p: &str) -> Result<String, StoreError> {
    let p = p.trim();
    if p.is_empty() || p.chars().count() > 200 || p.chars().any(char::is_control) {
        return Err(invalid("incidents-sector-product-invalid"));
    }
    Ok(p.to_string())
}

impl SectorAlertDraft {
    /// The draft checked: (product, advisory, message, tlp), each mistake naming its field.
    fn checked(&self) -> Result<(String, String, String, Tlp), StoreError> {
        let product = product_key(&self.product)?;
        let advisory = self.advisory.trim().to_string();
        // An advisory id, also written into the e-mail's link: no dots leading or in pairs.
        if advisory.chars().count() > 64
            || advisory.starts_with('.')
            || advisory.contains("..")
            || !advisory
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        {
            return Err(invalid("incidents-sector-advisory-invalid"));
        }
        let message = self.message.trim().to_string();
        if message.is_empty() || message.chars().count() > SECTOR_MAX_MESSAGE {
            return Err(StoreError::Invalid(
                Problem::new("incidents-sector-message-invalid").arg("max", SECTOR_MAX_MESSAGE),
            ));
        }
        let tlp = match self.tlp.trim() {
            "" => Tlp::Amber,
            t => t
                .parse::<Tlp>()
                .map_err(|_| invalid("incidents-sector-tlp-invalid"))?,
        };
        if !matches!(tlp, Tlp::Clear | Tlp::Green | Tlp::Amber) {
            return Err(invalid("incidents-sector-tlp-invalid"));
        }
        Ok((product, advisory, message, tlp))
    }
}

fn territory(actor: &Actor) -> String {
    match &actor.scope {
        Scope::Region(r) => r.clone(),
        _ => "national".into(),
    }
}

impl Store {
    /// The products incident `id`'s structure runs (what its inventory holds), exposed ones
    /// first: what an analyst may warn the sector about.
    pub async fn sector_alert_products(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<RunProduct>, StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let mut conn = self.pool.acquire().await?;
        let (row, _) = Self::visible_incident(&mut conn, actor, id).await?;
        products_of(&mut conn, row.structure_id).await
    }

    /// The structures of the actor's scope but the incident's own that an alert on `product`
    /// would reach (exposed only when asked).
    pub async fn sector_alert_preview(
        &self,
        actor: &Actor,
        id: i64,
        product: &str,
        exposed_only: bool,
    ) -> Result<SectorPreview, StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let product = product_key(product)?;
        let mut conn = self.pool.acquire().await?;
        let (row, _) = Self::visible_incident(&mut conn, actor, id).await?;
        if row.status == "draft" {
            return Err(invalid("incidents-still-draft"));
        }
        let found = runners(
            &mut conn,
            actor,
            &product,
            exposed_only,
            row.structure_id,
            SECTOR_MAX_TARGETS + 1,
        )
        .await?;
        let capped = found.len() > SECTOR_MAX_TARGETS;
        Ok(SectorPreview {
            reference: row.reference(),
            product_name: crate::watch::product_name(&product),
            product,
            exposed_only,
            capped,
            targets: found
                .into_iter()
                .take(SECTOR_MAX_TARGETS)
                .map(|r| SectorTarget {
                    structure_id: r.structure_id,
                    name: r.name,
                    region_code: r.region_code,
                    versions: r.versions,
                    exposed: r.exposed,
                })
                .collect(),
        })
    }

    /// Sends a sector-wide alert from incident `id` to every structure of the actor's scope (but
    /// the incident's own) that runs the product: returns the alert's id and how many structures
    /// it reached. Nobody running it is a mistake said to the analyst; nothing is sent.
    pub async fn send_sector_alert(
        &self,
        actor: &Actor,
        id: i64,
        d: &SectorAlertDraft,
    ) -> Result<(i64, usize), StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let (product, advisory, message, tlp) = d.checked()?;
        let mut tx = self.begin_write().await?;
        let (row, _) = Self::visible_incident(&mut tx, actor, id).await?;
        if row.status == "draft" {
            return Err(invalid("incidents-still-draft"));
        }
        let targets = runners(
            &mut tx,
            actor,
            &product,
            d.exposed_only,
            row.structure_id,
            SECTOR_MAX_TARGETS,
        )
        .await?;
        if targets.is_empty() {
            return Err(StoreError::Invalid(
                Problem::new("incidents-sector-nobody").arg("product", product.as_str()),
            ));
        }
        let at = now();
        let territory = territory(actor);
        let alert_id: i64 = Sql::new(
            "INSERT INTO incident_sector_alerts (incident_id, product, exposed_only, advisory, message, tlp, \
             territory, structures, sent_by, sent_by_user_id, sent_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .arg(id)
        .arg(product.as_str())
        .arg(i64::from(d.exposed_only))
        .arg(advisory.as_str())
        .arg(message.as_str())
        .arg(tlp.as_str())
        .arg(territory.as_str())
        .arg(targets.len() as i64)
        .arg(actor.label.as_str())
        .arg(actor.user_id)
        .arg(at)
        .scalar(&mut *tx)
        .await?;
        for chunk in targets.chunks(300) {
            let mut q = Sql::new(
                "INSERT INTO incident_sector_alert_targets (alert_id, structure_id, versions) VALUES ",
            );
            for (i, t) in chunk.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(alert_id)
                    .push(", ")
                    .bind(t.structure_id)
                    .push(", ")
                    .bind(t.versions.join(", "))
                    .push(")");
            }
            q.execute(&mut *tx).await?;
        }
        let product_name = crate::watch::product_name(&product);
        let mut notes = Vec::with_capacity(targets.len());
        for t in &targets {
            let ev = SectorAlertEvent {
                alert_id,
                structure_id: t.structure_id,
                structure_name: t.name.clone(),
                product: product.clone(),
                product_name: product_name.clone(),
                versions: t.versions.clone(),
                exposed_only: d.exposed_only,
                advisory: advisory.clone(),
                message: message.clone(),
                territory: territory.clone(),
                tlp: tlp.as_str().to_string(),
            };
            notes.push(NewNotification::new(
                Audience::Structure(t.structure_id),
                &ev,
                Some(format!("/structures/{}", t.structure_id)),
                format!("incidents.sector:{alert_id}:{}", t.structure_id),
            )?);
        }
        queue_many(&mut tx, &notes).await?;
        Sql::new("UPDATE incidents SET updated_at = $1 WHERE id = $2")
            .arg(at)
            .arg(id)
            .execute(&mut *tx)
            .await?;
        let detail = serde_json::json!({
            "sector_alert_id": alert_id,
            "product": product,
            "exposed_only": d.exposed_only,
            "advisory": advisory,
            "structures": targets.len(),
            "tlp": tlp.as_str(),
        });
        event_and_audit(
            &mut tx,
            actor,
            id,
            row.structure_id,
            "sector_alert",
            "incident.sector-alert",
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok((alert_id, targets.len()))
    }

    /// The sector-wide alerts sent from incident `id`, newest first (for those who handle it).
    pub async fn incident_sector_alerts(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<SectorAlertRow>, StoreError> {
        actor.require(Permission::HandleIncidents)?;
        let mut conn = self.pool.acquire().await?;
        Self::visible_incident(&mut conn, actor, id).await?;
        Sql::new(
            "SELECT id, product, exposed_only, advisory, message, tlp, territory, structures, sent_by, sent_at \
             FROM incident_sector_alerts WHERE incident_id = $1 ORDER BY id DESC",
        )
        .arg(id)
        .fetch_all(&mut *conn)
        .await
    }
}
