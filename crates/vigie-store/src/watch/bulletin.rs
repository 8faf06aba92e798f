//! The weekly bulletin: the alerts raised during one ISO week and the advisories behind them,
//! for a structure, a region or a scope; and its notifications, one per structure and region that
//! had alerts, sent once per week.

use vigie_domain::events::{BulletinAdvisory, BulletinAlert, BulletinEvent, BULLETIN};
use vigie_domain::problem::Problem;
use vigie_domain::role::Permission;

use crate::actor::Actor;
use crate::audit::{record, Event};
use crate::db::{Sql, Store};
use crate::error::StoreError;
use crate::notify::{self, Audience, NewNotification, OutboxEvent};
use crate::watch::catalog::{product_name, today};
use crate::watch::types::{AlertFilter, Bulletin, BulletinFor};

impl OutboxEvent for BulletinEvent {
    const EVENT: &'static str = BULLETIN;
}

/// The notification's document of bulletin `b`, whose page is at `link`.
fn bulletin_event(b: &Bulletin, link: &str) -> BulletinEvent {
    BulletinEvent {
        week: b.week.clone(),
        territory: b.territory.clone(),
        link: link.to_string(),
        advisories: b
            .advisories
            .iter()
            .map(|(a, structures)| BulletinAdvisory {
                ref_id: a.ref_id.clone(),
                title: a.title.clone(),
                kev: a.kev == 1,
                certfr: a.certfr_refs(),
                cvss: a.cvss_x10.map(|c| c as f64 / 10.0),
                structures: *structures,
            })
            .collect(),
        alerts: b
            .alerts
            .iter()
            .map(|a| BulletinAlert {
                alert_id: a.id,
                structure_name: a.structure_name.clone(),
                ref_id: a.ref_id.clone(),
                kind: a.kind.clone(),
                product_name: product_name(&a.product),
                version: a.version.clone(),
                priority: a.priority,
                status: a.status.clone(),
            })
            .collect(),
    }
}

/// Bounds (unix seconds, [from, to)) of an ISO week `YYYY-Www`; the current week when `None`.
pub fn iso_week(label: Option<&str>) -> Result<(String, i64, i64), StoreError> {
    use chrono::Datelike;
    let monday = match label.map(str::trim).filter(|l| !l.is_empty()) {
        None => {
            let d = today();
            d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()))
        }
        Some(l) => {
            let bad = || StoreError::Invalid(Problem::new("watch-week-invalid").arg("value", l));
            let (y, w) = l.split_once("-W").ok_or_else(bad)?;
            let y: i32 = y.parse().map_err(|_| bad())?;
            let w: u32 = w.parse().map_err(|_| bad())?;
            chrono::NaiveDate::from_isoywd_opt(y, w, chrono::Weekday::Mon).ok_or_else(bad)?
        }
    };
    let iso = monday.iso_week();
    let from = monday
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp())
        .unwrap_or_default();
    Ok((
        format!("{}-W{:02}", iso.year(), iso.week()),
        from,
        from + 7 * 86_400,
    ))
}

impl Store {
    /// The bulletin of one ISO week (the current one when `week` is `None`) for a structure, a
    /// region or the actor's whole scope.
    pub async fn watch_bulletin(
        &self,
        actor: &Actor,
        target: &BulletinFor,
        week: Option<&str>,
    ) -> Result<Bulletin, StoreError> {
        actor.require(Permission::ReadVulnerabilities)?;
        let (week, from, to) = iso_week(week)?;
        let mut f = AlertFilter {
            since: Some(from),
            until: Some(to),
            limit: Some(5000),
            ..Default::default()
        };
        let territory = match target {
            BulletinFor::Structure(id) => {
                f.structure_id = Some(*id);
                let mut conn = self.pool.acquire().await?;
                Store::ensure_in_scope(&mut conn, actor, *id).await?;
                let (n,): (String,) = Sql::new("SELECT name FROM structures WHERE id = $1")
                    .arg(*id)
                    .fetch_one(&mut *conn)
                    .await?;
                n
            }
            BulletinFor::Region(code) => {
                f.region_code = Some(code.clone());
                vigie_domain::geo::region(code)
                    .map_or(code.as_str(), |r| r.name)
                    .to_string()
            }
            BulletinFor::Scope => String::new(),
        };
        let alerts = self.list_alerts(actor, &f).await?;
        let advisories = self.watch_new_advisories(actor, from, &f).await?;
        Ok(Bulletin {
            week,
            from,
            to,
            territory,
            alerts,
            advisories,
        })
    }

    /// Queues the bulletins of a week (default: the previous, complete week) for every structure
    /// and every region that had alerts in it. Dedup keys carry the ISO week: a bulletin is sent
    /// once. Returns the number of notification rows written.
    pub async fn watch_queue_bulletins(
        &self,
        actor: &Actor,
        week: Option<&str>,
    ) -> Result<usize, StoreError> {
        actor.require(Permission::ManageIntel)?;
        let week = match week {
            Some(w) => w.to_string(),
            None => {
                let (_, from, _) = iso_week(None)?;
                let prev = chrono::DateTime::from_timestamp(from - 86_400, 0)
                    .map(|d| d.date_naive())
                    .unwrap_or_else(today);
                use chrono::Datelike;
                let w = prev.iso_week();
                format!("{}-W{:02}", w.year(), w.week())
            }
        };
        let (week, from, to) = iso_week(Some(&week))?;
        let mut q = Sql::new(
            "SELECT DISTINCT a.structure_id, s.region_code FROM watch_alerts a JOIN structures s ON s.id = a.structure_id \
             WHERE a.created_at >= ",
        );
        q.bind(from)
            .push(" AND a.created_at < ")
            .bind(to)
            .push(" AND ");
        actor.scope_structures(&mut q, "s");
        q.push(" ORDER BY a.structure_id");
        let rows: Vec<(i64, String)> = q.fetch_all(&self.pool).await?;
        let mut regions: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
        regions.sort();
        regions.dedup();
        let mut targets: Vec<(BulletinFor, Audience, String)> = rows
            .iter()
            .map(|(id, _)| {
                (
                    BulletinFor::Structure(*id),
                    Audience::Structure(*id),
                    format!("watch.bulletin:{week}:structure:{id}"),
                )
            })
            .collect();
        targets.extend(regions.into_iter().map(|r| {
            (
                BulletinFor::Region(r.clone()),
                Audience::Region(r.clone()),
                format!("watch.bulletin:{week}:region:{r}"),
            )
        }));
        let mut n = 0;
        for (target, audience, key) in targets {
            let b = self.watch_bulletin(actor, &target, Some(&week)).await?;
            let link = match &target {
                BulletinFor::Structure(id) => format!("/watch/bulletin?structure={id}&week={week}"),
                BulletinFor::Region(r) => format!("/watch/bulletin?region={r}&week={week}"),
                BulletinFor::Scope => format!("/watch/bulletin?week={week}"),
            };
            let n_new = NewNotification::new(
                audience,
                &bulletin_event(&b, &link),
                Some(link),
                key.clone(),
            )?;
            let mut tx = self.begin_write().await?;
            let ids = notify::queue(&mut tx, &n_new).await?;
            record(
                &mut *tx,
                actor,
                Event::new("watch.bulletin.queue", "watch_bulletin", &key)
                    .detail(serde_json::json!({ "notifications": ids.len() })),
            )
            .await?;
            tx.commit().await?;
            n += ids.len();
        }
        Ok(n)
    }
}
