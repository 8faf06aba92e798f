//! The findings of the viewer's whole scope in one list: filters as form controls (status,
//! severity, type, age, overdue, territory), sorting, pages, and the CSV and JSON exports of
//! every finding the filters keep.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use vigie_store::surveillance::{
    finding_status_filter_ok, treatment_days, FindingFilter, FindingRow, FindingSort, OPEN_STATUSES,
};

use super::pages::SEVERITIES;
use crate::auth::Page;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::ui::{
    checked, csv_bytes, csv_response, csv_writer, json_download, optional_id, options, page,
    query_string, render, scope_region_options, Ctx, Opt, Pager,
};
use crate::AppState;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(crate) struct FindingQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    kind: String,
    /// First seen at least this many days ago.
    #[serde(default)]
    age: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    ght: String,
    #[serde(default)]
    sort: String,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    format: String,
}

impl FindingQuery {
    fn filter(&self) -> AppResult<FindingFilter> {
        let status = self.status.trim();
        if !finding_status_filter_ok(status) {
            return Err(AppError::Invalid(
                vigie_domain::problem::Problem::new("ux-filter-unknown-value")
                    .arg("field", "status")
                    .arg("value", status),
            ));
        }
        Ok(FindingFilter {
            status: Some(status.to_string()).filter(|s| !s.is_empty()),
            severity: Some(self.severity.trim().to_string()).filter(|s| !s.is_empty()),
            kind: Some(self.kind.trim().to_string()).filter(|s| !s.is_empty()),
            older_than_days: optional_id("age", &self.age)?,
            overdue: checked(&self.overdue),
            region_code: Some(self.region.trim().to_string()).filter(|s| !s.is_empty()),
            ght_id: optional_id("ght", &self.ght)?,
            sort: FindingSort::parse(&self.sort),
            ..Default::default()
        })
    }

    fn query_string(&self) -> String {
        query_string(&[
            ("status", &self.status),
            ("severity", &self.severity),
            ("kind", &self.kind),
            ("age", &self.age),
            ("overdue", &self.overdue),
            ("region", &self.region),
            ("ght", &self.ght),
            ("sort", &self.sort),
        ])
    }
}

/// A finding as the list shows it.
pub(crate) struct FindingLine {
    pub r: FindingRow,
    pub title: String,
    pub overdue: bool,
}

impl FindingLine {
    fn of(tr: &Tr, r: FindingRow, now: i64) -> FindingLine {
        let f = &r.finding;
        let overdue = f.status != "fixed"
            && treatment_days(&f.severity).is_some_and(|d| f.first_seen_at < now - d * 86_400);
        FindingLine {
            title: tr.pick(&f.title_fr, &f.title_en).to_string(),
            overdue,
            r,
        }
    }
}

/// A finding type in words (its code when the catalogue does not name it).
pub(crate) fn kind_label(tr: &Tr, kind: &str) -> String {
    let key = format!("finding-{kind}");
    if tr.has(&key) {
        tr.t(&key)
    } else {
        kind.to_string()
    }
}

#[derive(Template)]
#[template(path = "surveillance/findings.html")]
struct FindingsPage {
    ctx: Ctx,
    rows: Vec<FindingLine>,
    q: FindingQuery,
    overdue: bool,
    statuses: Vec<Opt>,
    severities: Vec<Opt>,
    kinds: Vec<Opt>,
    regions: Vec<Opt>,
    ghts: Vec<Opt>,
    sorts: Vec<Opt>,
    pager: Pager,
}

pub(crate) async fn findings(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<FindingQuery>,
) -> Response {
    page!(a, {
        let mut f = q.filter()?;
        let tr = a.tr();
        let now = chrono::Utc::now().timestamp();
        if q.format == "csv" || q.format == "json" {
            f.limit = Some(5000);
            let (rows, _) = st.store.search_findings(&a.actor, &f).await?;
            return if q.format == "json" {
                json_download("constats.json", &rows)
            } else {
                findings_csv(&tr, rows, now)
            };
        }
        let page = q.page.unwrap_or(1).max(1);
        f.limit = Some(PER_PAGE);
        f.offset = Pager::offset(page, PER_PAGE);
        let (rows, total) = st.store.search_findings(&a.actor, &f).await?;
        let kinds = st.store.finding_kinds(&a.actor).await?;
        let ghts = st.store.ght_options(&a.actor).await?;
        let mut statuses: Vec<(String, String)> = ["open", "all"]
            .iter()
            .map(|s| (s.to_string(), tr.k("ux-fstatus", s)))
            .collect();
        statuses.extend(
            OPEN_STATUSES
                .iter()
                .copied()
                .chain(std::iter::once("fixed"))
                .map(|s| (s.to_string(), tr.k("fstatus", s))),
        );
        render(&FindingsPage {
            ctx: Ctx::of(&a),
            overdue: f.overdue,
            statuses: options(statuses, q.status.trim()),
            severities: options(
                SEVERITIES
                    .iter()
                    .map(|s| (s.to_string(), tr.k("severity", s))),
                q.severity.trim(),
            ),
            kinds: options(
                kinds.iter().map(|k| (k.clone(), kind_label(&tr, k))),
                q.kind.trim(),
            ),
            regions: scope_region_options(&a.actor, q.region.trim()),
            ghts: options(
                ghts.into_iter().map(|(id, n)| (id.to_string(), n)),
                q.ght.trim(),
            ),
            sorts: options(
                FindingSort::ALL
                    .iter()
                    .map(|o| (o.as_str().to_string(), tr.k("ux-finding_sort", o.as_str()))),
                f.sort.as_str(),
            ),
            rows: rows
                .into_iter()
                .map(|r| FindingLine::of(&tr, r, now))
                .collect(),
            pager: Pager::new(
                "/exposure/findings",
                q.query_string(),
                page,
                PER_PAGE,
                total,
            ),
            q,
        })
    })
}

fn findings_csv(tr: &Tr, rows: Vec<FindingRow>, now: i64) -> AppResult<Response> {
    let mut out = csv_writer();
    let header = [
        "ux-severity",
        "ux-finding",
        "ux-kind",
        "surveillance-structure",
        "ux-region",
        "ux-address",
        "surveillance-status",
        "ux-first_seen",
        "ux-last_seen",
        "ux-overdue",
    ]
    .map(|k| tr.t(k));
    out.write_record(header)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for r in rows {
        let l = FindingLine::of(tr, r, now);
        let f = &l.r.finding;
        out.write_record([
            tr.k("severity", &f.severity),
            l.title.clone(),
            kind_label(tr, &f.kind),
            l.r.structure_name.clone(),
            tr.region_name(&l.r.region_code).to_string(),
            format!("{}:{}", f.address, f.port),
            tr.k("fstatus", &f.status),
            tr.date(f.first_seen_at),
            tr.date(f.last_seen_at),
            tr.t(if l.overdue { "common-yes" } else { "common-no" }),
        ])
        .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(csv_response("constats.csv", csv_bytes(out)?))
}
