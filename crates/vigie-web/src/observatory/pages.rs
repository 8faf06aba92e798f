//! The observatory's pages.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use serde::Deserialize;
use vigie_domain::problem::Problem;
use vigie_observatory::history;
use vigie_observatory::{Observatory, Period, Territory};
use vigie_report::pdf::Tlp;
use vigie_report::Tr;
use vigie_store::observatory::{ImportReport, TerritoryOption};
use vigie_store::{Store, StoreError};

use super::view::{territory_name, View};
use crate::auth::{Authed, Page};
use crate::error::AppError;
use crate::ui::{page, render, render_status, upload_error, Ctx, Opt};
use crate::AppState;

/// The form of the page, as typed (kept when it is wrong); the API's parameters.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ObsQuery {
    /// `year` (the default), `quarter`, `month` or `custom` (then `from` and `to`).
    #[serde(default)]
    kind: String,
    /// The year (the current one by default).
    #[serde(default)]
    year: String,
    /// 1 to 4, with `kind=quarter`.
    #[serde(default)]
    quarter: String,
    /// 1 to 12, with `kind=month`.
    #[serde(default)]
    month: String,
    /// First day (`YYYY-MM-DD`), with `kind=custom`.
    #[serde(default)]
    from: String,
    /// Last day, included, with `kind=custom`.
    #[serde(default)]
    to: String,
    /// `france` (the default), `region:<code>` or `ght:<id>`, within the caller's scope.
    #[serde(default)]
    territory: String,
}

impl ObsQuery {
    /// The period and territory asked for, or the field in error and why.
    fn resolve(&self) -> Result<(Period, Territory), (&'static str, Problem)> {
        let num = |field: &'static str, s: &str| -> Result<Option<i64>, (&'static str, Problem)> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            s.parse::<i64>().map(Some).map_err(|_| {
                (
                    field,
                    Problem::new("observatory-bad_period").arg("detail", field),
                )
            })
        };
        let year = num("year", &self.year)?
            .map(|y| y as i32)
            .or(Some(chrono::Utc::now().year()));
        let quarter = num("quarter", &self.quarter)?.map(|q| q.clamp(0, 99) as u32);
        let month = num("month", &self.month)?.map(|m| m.clamp(0, 99) as u32);
        let kind = if self.kind.trim().is_empty() {
            "year"
        } else {
            self.kind.trim()
        };
        let field = match kind {
            "custom" => "from",
            "quarter" => "quarter",
            "month" => "month",
            _ => "year",
        };
        let period = Period::parse(
            kind,
            year,
            quarter,
            month,
            Some(self.from.as_str()),
            Some(self.to.as_str()),
        )
        .map_err(|p| (field, p))?;
        let territory = Territory::parse(&self.territory).map_err(|p| ("territory", p))?;
        Ok((period, territory))
    }

    /// The query string that asks for the same observatory (for the downloads).
    fn query_string(&self) -> String {
        serde_urlencoded::to_string([
            ("kind", &self.kind),
            ("year", &self.year),
            ("quarter", &self.quarter),
            ("month", &self.month),
            ("from", &self.from),
            ("to", &self.to),
            ("territory", &self.territory),
        ])
        .unwrap_or_default()
    }
}

/// Aggregates of a GHT single out its few structures more easily: its report is TLP:AMBER;
/// France's and a region's TLP:CLEAR.
pub(crate) fn tlp_of(t: &Territory) -> Tlp {
    match t {
        Territory::Ght(_) => Tlp::Amber,
        _ => Tlp::Clear,
    }
}

/// The observatory asked for and the name of its territory.
pub(super) async fn compute(
    store: &Store,
    a: &Authed,
    q: &ObsQuery,
) -> Result<(Observatory, String, Vec<TerritoryOption>), AppError> {
    let options = store.observatory_territories(&a.actor).await?;
    let (period, territory) = q.resolve().map_err(|(_, p)| AppError::Invalid(p))?;
    let o = store.observatory(&a.actor, &period, &territory).await?;
    let ght_name = options
        .iter()
        .find(|t| t.territory == o.territory)
        .map(|t| t.name.as_str());
    let name = territory_name(&a.tr(), &o.territory, ght_name);
    Ok((o, name, options))
}

#[derive(Template)]
#[template(path = "observatory/page.html")]
struct ObsPage {
    ctx: Ctx,
    q: ObsQuery,
    kinds: Vec<Opt>,
    quarters: Vec<Opt>,
    months: Vec<Opt>,
    territories: Vec<Opt>,
    err_field: String,
    err: String,
    v: Option<std::sync::Arc<View>>,
    query: String,
    can_import: bool,
}

fn kind_options(tr: &Tr, sel: &str) -> Vec<Opt> {
    let sel = if sel.is_empty() { "year" } else { sel };
    ["year", "quarter", "month", "custom"]
        .iter()
        .map(|k| Opt {
            value: k.to_string(),
            label: tr.t(&format!("observatory-period-{k}")),
            selected: *k == sel,
        })
        .collect()
}

fn numbered(n: u32, sel: &str, label: impl Fn(u32) -> String) -> Vec<Opt> {
    (1..=n)
        .map(|i| Opt {
            value: i.to_string(),
            label: label(i),
            selected: sel.trim() == i.to_string(),
        })
        .collect()
}

fn territory_options(tr: &Tr, options: &[TerritoryOption], sel: &Territory) -> Vec<Opt> {
    options
        .iter()
        .map(|t| Opt {
            value: t.territory.param(),
            label: match &t.territory {
                Territory::France => tr.t("observatory-france"),
                Territory::Region(r) => tr.region_name(r).to_string(),
                Territory::Ght(_) => t.name.clone(),
            },
            selected: t.territory == *sel,
        })
        .collect()
}

pub(crate) async fn page(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<ObsQuery>,
) -> Response {
    page!(a, {
        let tr = a.tr();
        let options = st.store.observatory_territories(&a.actor).await?;
        let month_name = |m: u32| {
            chrono::NaiveDate::from_ymd_opt(2024, m, 1)
                .map(|d| tr.month_year(vigie_observatory::period::paris_midnight(d)))
                .map(|s| s.trim_end_matches(" 2024").to_string())
                .unwrap_or_default()
        };
        let mut p = ObsPage {
            ctx: Ctx::of(&a),
            kinds: kind_options(&tr, q.kind.trim()),
            quarters: numbered(4, &q.quarter, |i| format!("T{i}")),
            months: numbered(12, &q.month, month_name),
            territories: Vec::new(),
            err_field: String::new(),
            err: String::new(),
            v: None,
            query: q.query_string(),
            can_import: Store::observatory_importer(&a.actor),
            q: q.clone(),
        };
        if p.q.year.trim().is_empty() {
            p.q.year = chrono::Utc::now().year().to_string();
        }
        match q.resolve() {
            Err((field, problem)) => {
                p.territories = territory_options(&tr, &options, &Territory::France);
                p.err_field = field.to_string();
                p.err = tr.problem(&problem);
                render_status(StatusCode::BAD_REQUEST, &p)
            }
            Ok((period, territory)) => {
                let o = st.store.observatory(&a.actor, &period, &territory).await?;
                let ght = options
                    .iter()
                    .find(|t| t.territory == o.territory)
                    .map(|t| t.name.as_str());
                let name = territory_name(&tr, &o.territory, ght);
                p.territories = territory_options(&tr, &options, &o.territory);
                p.v = Some(View::drawn(&tr, &o, &name));
                render(&p)
            }
        }
    })
}

/// A download of the observatory `o`: `disposition` (`inline`, `attachment`), its extension.
fn download(
    o: &Observatory,
    content_type: &str,
    disposition: &str,
    ext: &str,
    body: Vec<u8>,
) -> Response {
    let place = match &o.territory {
        Territory::France => "france".to_string(),
        Territory::Region(r) => format!("region-{r}"),
        Territory::Ght(g) => format!("ght-{g}"),
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "{disposition}; filename=\"observatoire-{place}-{}.{ext}\"",
                    o.from
                ),
            ),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn report_pdf(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<ObsQuery>,
) -> Response {
    page!(a, {
        let (o, name, _) = compute(&st.store, &a, &q).await?;
        let bytes = super::pdf(&a.tr(), &o, &name);
        Ok::<_, AppError>(download(&o, "application/pdf", "inline", "pdf", bytes))
    })
}

pub(crate) async fn opendata(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<ObsQuery>,
) -> Response {
    page!(a, {
        let (o, _, _) = compute(&st.store, &a, &q).await?;
        let csv = vigie_observatory::opendata::csv(&o).into_bytes();
        Ok::<_, AppError>(download(
            &o,
            "text/csv; charset=utf-8",
            "attachment",
            "csv",
            csv,
        ))
    })
}

pub(crate) async fn json(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<ObsQuery>,
) -> Response {
    page!(a, {
        let (o, _, _) = compute(&st.store, &a, &q).await?;
        Ok::<_, AppError>(axum::Json(o).into_response())
    })
}

#[derive(Template)]
#[template(path = "observatory/standalone.html")]
struct Standalone<'a> {
    tr: Tr,
    v: View,
    css: &'a str,
}

pub(crate) fn standalone(tr: &Tr, o: &Observatory, name: &str) -> Result<String, askama::Error> {
    Standalone {
        tr: *tr,
        v: View::new(tr, o, name),
        css: include_str!("../../static/app.css"),
    }
    .render()
}

#[derive(Template)]
#[template(path = "observatory/import.html")]
struct ImportPage {
    ctx: Ctx,
    count: i64,
    report: Option<ImportReport>,
    error: String,
    skip: bool,
}

pub(crate) async fn import_form(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, {
        let count = st.store.observatory_history_count(&a.actor).await?;
        render(&ImportPage {
            ctx: Ctx::of(&a),
            count,
            report: None,
            error: String::new(),
            skip: false,
        })
    })
}

pub(crate) async fn import(
    State(st): State<AppState>,
    Page(a): Page,
    mut mp: Multipart,
) -> Response {
    page!(a, {
        // the rights first, before the body is read
        let count = st.store.observatory_history_count(&a.actor).await?;
        let limit = super::HISTORY_UPLOAD_BYTES;
        let mut file = None;
        let mut skip = false;
        while let Some(field) = mp.next_field().await.map_err(|e| upload_error(e, limit))? {
            match field.name() {
                Some("file") => {
                    file = Some(field.bytes().await.map_err(|e| upload_error(e, limit))?)
                }
                Some("skip_bad_rows") => {
                    skip = field.text().await.map_err(|e| upload_error(e, limit))? == "1";
                }
                _ => {}
            }
        }
        let tr = a.tr();
        let mut p = ImportPage {
            ctx: Ctx::of(&a),
            count,
            report: None,
            error: String::new(),
            skip,
        };
        let bytes = match file {
            Some(b) if !b.is_empty() => b,
            _ => {
                p.error = tr.t("observatory-import-no_file");
                return render_status(StatusCode::BAD_REQUEST, &p);
            }
        };
        let parsed = match history::parse(&bytes) {
            Ok(parsed) => parsed,
            Err(problem) => {
                p.error = tr.problem(&problem);
                return render_status(StatusCode::BAD_REQUEST, &p);
            }
        };
        let report = match st
            .store
            .import_observatory_history(&a.actor, parsed, skip)
            .await
        {
            Ok(r) => r,
            Err(StoreError::Invalid(problem)) => {
                p.error = tr.problem(&problem);
                return render_status(StatusCode::BAD_REQUEST, &p);
            }
            Err(e) => return Err(e.into()),
        };
        p.count = st.store.observatory_history_count(&a.actor).await?;
        let refused = report.refused;
        p.report = Some(report);
        if refused {
            render_status(StatusCode::BAD_REQUEST, &p)
        } else {
            render(&p)
        }
    })
}
