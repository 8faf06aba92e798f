//! Views by advisory: the advisories that concern the viewer's territory, and one advisory (what
//! it is, known exploitation, CERT-FR, EPSS, CVSS) with the structures of the viewer's scope that
//! run an affected version, grouped by region, acknowledged in bulk.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::Permission;
use vigie_store::watch::{self as w, AdvisoryFilter, AdvisoryInfo, AdvisorySummary, AlertFilter};

use super::pages::{alerts_csv, triage_options, AlertView};
use crate::auth::{Authed, Page};
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::ui::{
    checked, csv_bytes, csv_response, csv_writer, json_download, optional_id, page, query_string,
    render, render_status, scope_region_options, Ctx, Opt, Pager,
};
use crate::AppState;

const ADVISORIES_PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(crate) struct AdvisoryQuery {
    /// A CVE id, a product or words of the title.
    #[serde(default)]
    q: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    ght: String,
    #[serde(default)]
    kev: String,
    #[serde(default)]
    open: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    format: String,
}

impl AdvisoryQuery {
    fn filter(&self) -> AppResult<AdvisoryFilter> {
        Ok(AdvisoryFilter {
            text: Some(self.q.trim().to_string()).filter(|t| !t.is_empty()),
            region_code: Some(self.region.trim().to_string()).filter(|t| !t.is_empty()),
            ght_id: optional_id("ght", &self.ght)?,
            kev_only: checked(&self.kev),
            open_only: checked(&self.open),
            ..Default::default()
        })
    }

    fn query_string(&self) -> String {
        query_string(&[
            ("q", &self.q),
            ("region", &self.region),
            ("ght", &self.ght),
            ("kev", &self.kev),
            ("open", &self.open),
        ])
    }
}

#[derive(Template)]
#[template(path = "watch/advisories.html")]
struct AdvisoriesPage {
    ctx: Ctx,
    rows: Vec<AdvisorySummary>,
    q: AdvisoryQuery,
    kev_only: bool,
    open_only: bool,
    regions: Vec<Opt>,
    pager: Pager,
}

/// The advisories that concern structures of the viewer's scope.
pub(crate) async fn advisories(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<AdvisoryQuery>,
) -> Response {
    page!(a, {
        let mut f = q.filter()?;
        if q.format == "csv" || q.format == "json" {
            f.limit = Some(1000);
            let (rows, _) = st.store.list_advisories(&a.actor, &f).await?;
            return if q.format == "json" {
                json_download("avis.json", &rows)
            } else {
                advisories_csv(&a.tr(), &rows)
            };
        }
        let page = q.page.unwrap_or(1).max(1);
        f.limit = Some(ADVISORIES_PER_PAGE);
        f.offset = Pager::offset(page, ADVISORIES_PER_PAGE);
        let (rows, total) = st.store.list_advisories(&a.actor, &f).await?;
        render(&AdvisoriesPage {
            ctx: Ctx::of(&a),
            rows,
            kev_only: f.kev_only,
            open_only: f.open_only,
            regions: scope_region_options(&a.actor, q.region.trim()),
            pager: Pager::new(
                "/watch/advisories",
                q.query_string(),
                page,
                ADVISORIES_PER_PAGE,
                total,
            ),
            q,
        })
    })
}

fn advisories_csv(tr: &Tr, rows: &[AdvisorySummary]) -> AppResult<Response> {
    let mut out = csv_writer();
    let header = [
        "watch-advisory",
        "ux-title",
        "watch-kev",
        "ux-certfr",
        "ux-cvss",
        "ux-epss",
        "ux-structures",
        "ux-regions",
        "ux-open_alerts",
        "ux-last_alert",
    ]
    .map(|k| tr.t(k));
    out.write_record(header)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for r in rows {
        let v = &r.info;
        out.write_record([
            v.ref_id.clone(),
            v.title.clone(),
            tr.t(if v.kev == 1 {
                "common-yes"
            } else {
                "common-no"
            }),
            v.certfr_refs().join(", "),
            v.cvss_score().map(|c| tr.decimal(c, 1)).unwrap_or_default(),
            v.epss_percent()
                .map(|e| tr.percent(e, 1))
                .unwrap_or_default(),
            r.structures.to_string(),
            r.regions.to_string(),
            r.open_alerts.to_string(),
            tr.date(r.last_alert_at),
        ])
        .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(csv_response("avis.csv", csv_bytes(out)?))
}

/// The alerts of one region, on the advisory's page.
pub(crate) struct RegionGroup {
    pub code: String,
    pub alerts: Vec<AlertView>,
}

#[derive(Template)]
#[template(path = "watch/advisory.html")]
struct AdvisoryPage {
    ctx: Ctx,
    adv: AdvisoryInfo,
    /// The products it names, by their names.
    products: Vec<String>,
    groups: Vec<RegionGroup>,
    structures: usize,
    open: usize,
    can_triage: bool,
    /// How many alerts the last bulk action changed (after its redirect).
    done: Option<i64>,
    /// Why the bulk action was refused, in the reader's language, and what was typed.
    error: String,
    status_options: Vec<Opt>,
    reason: String,
}

#[derive(Deserialize, Default)]
pub(crate) struct AdvisoryPageQuery {
    #[serde(default)]
    done: Option<i64>,
    #[serde(default)]
    format: String,
}

/// The alerts of one advisory in the viewer's scope, by structure.
async fn advisory_alerts(
    st: &AppState,
    a: &Authed,
    advisory_id: i64,
) -> AppResult<Vec<vigie_store::watch::Alert>> {
    Ok(st
        .store
        .list_alerts(
            &a.actor,
            &AlertFilter {
                advisory_id: Some(advisory_id),
                limit: Some(5000),
                sort: w::AlertSort::Structure,
                ..Default::default()
            },
        )
        .await?)
}

async fn advisory_page(
    st: &AppState,
    a: &Authed,
    reference: &str,
    done: Option<i64>,
    form: (String, String, String),
) -> AppResult<AdvisoryPage> {
    let (adv, products) = st.store.get_advisory(&a.actor, reference).await?;
    let alerts = advisory_alerts(st, a, adv.id).await?;
    let structures = alerts
        .iter()
        .map(|x| x.structure_id)
        .collect::<std::collections::HashSet<_>>()
        .len();
    let open = alerts.iter().filter(|x| x.is_open()).count();
    let mut groups: Vec<RegionGroup> = Vec::new();
    let mut sorted = alerts;
    sorted.sort_by(|x, y| {
        (a.tr().region_name(&x.region_code), &x.structure_name, x.id).cmp(&(
            a.tr().region_name(&y.region_code),
            &y.structure_name,
            y.id,
        ))
    });
    for al in sorted {
        match groups.last_mut() {
            Some(g) if g.code == al.region_code => g.alerts.push(AlertView::of(al)),
            _ => groups.push(RegionGroup {
                code: al.region_code.clone(),
                alerts: vec![AlertView::of(al)],
            }),
        }
    }
    let (error, status, reason) = form;
    Ok(AdvisoryPage {
        ctx: Ctx::of(a),
        adv,
        products: products.iter().map(|p| w::product_name(p)).collect(),
        groups,
        structures,
        open,
        can_triage: a.actor.can(Permission::TriageAlerts),
        done,
        error,
        status_options: triage_options(&a.tr(), &status),
        reason,
    })
}

/// One advisory and the structures of the viewer's scope it concerns.
pub(crate) async fn advisory(
    State(st): State<AppState>,
    Page(a): Page,
    Path(reference): Path<String>,
    Query(q): Query<AdvisoryPageQuery>,
) -> Response {
    page!(a, {
        if q.format == "csv" || q.format == "json" {
            let (adv, _) = st.store.get_advisory(&a.actor, &reference).await?;
            let alerts = advisory_alerts(&st, &a, adv.id).await?;
            return if q.format == "json" {
                json_download(&format!("{}.json", adv.ref_id), &alerts)
            } else {
                alerts_csv(&a.tr(), &alerts)
            };
        }
        let p = advisory_page(&st, &a, &reference, q.done, Default::default()).await?;
        render(&p)
    })
}

/// Bulk triage of an advisory's alerts: the ticked ones, to one status.
pub(crate) async fn advisory_triage(
    State(st): State<AppState>,
    Page(a): Page,
    Path(reference): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    page!(a, {
        let mut ids = Vec::new();
        let mut status = String::new();
        let mut reason = String::new();
        for (k, v) in fields {
            match k.as_str() {
                "alert" => ids.push(v.parse::<i64>().map_err(|_| AppError::NotFound)?),
                "status" => status = v,
                "reason" => reason = v,
                _ => {}
            }
        }
        let (adv, _) = st.store.get_advisory(&a.actor, &reference).await?;
        // Only this advisory's alerts: an id of another one in the form is left alone.
        let own: std::collections::HashSet<i64> = advisory_alerts(&st, &a, adv.id)
            .await?
            .into_iter()
            .map(|x| x.id)
            .collect();
        ids.retain(|id| own.contains(id));
        match st
            .store
            .triage_alerts(&a.actor, &ids, &status, &reason)
            .await
        {
            Ok(n) => Ok::<_, AppError>(
                Redirect::to(&format!(
                    "/watch/advisories/{}?done={n}#h-structures",
                    adv.ref_id
                ))
                .into_response(),
            ),
            Err(vigie_store::StoreError::Invalid(p)) => {
                let error = a.tr().problem(&p);
                let page =
                    advisory_page(&st, &a, &reference, None, (error, status, reason)).await?;
                render_status(StatusCode::BAD_REQUEST, &page)
            }
            Err(e) => Err(e.into()),
        }
    })
}
