//! The vulnerability watch's pages: the inventory forms of a structure, the list of alerts of the
//! viewer's scope, an alert with its triage, the weekly bulletin, the freshness of the sources.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::Permission;
use vigie_store::watch::{
    self as w, AdvisoryInfo, Alert, AlertFilter, BulletinFor, ImportReport, ItemPlace, ItemProblem,
    NewItem, SourceFreshness,
};

use crate::auth::Page;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::ui::{page, render, Ctx};
use crate::AppState;

/// An alert as the pages show it.
pub struct AlertView {
    pub a: Alert,
    pub product_name: String,
    pub reasons: Vec<String>,
}

impl AlertView {
    pub(crate) fn of(a: Alert) -> AlertView {
        AlertView {
            product_name: w::product_name(&a.product),
            reasons: a.reason_list(),
            a,
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct ItemForm {
    product: String,
    version: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    exposed: Option<String>,
}

pub(crate) async fn inventory_add(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<ItemForm>,
) -> Response {
    page!(a, {
        st.store
            .add_inventory_item(
                &a.actor,
                id,
                &NewItem {
                    product: f.product,
                    version: f.version,
                    location: f.location,
                    origin: "form".into(),
                    exposed: f.exposed.is_some(),
                },
            )
            .await?;
        Ok::<_, AppError>(Redirect::to(&format!("/structures/{id}#h-watch")).into_response())
    })
}

pub(crate) async fn inventory_remove(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, item)): Path<(i64, i64)>,
) -> Response {
    page!(a, {
        st.store.remove_inventory_item(&a.actor, id, item).await?;
        Ok::<_, AppError>(Redirect::to(&format!("/structures/{id}#h-watch")).into_response())
    })
}

/// Reads an uploaded inventory: CycloneDX JSON when it starts like JSON, CSV otherwise.
pub(crate) fn read_inventory(data: &[u8]) -> AppResult<(w::PlacedItems, ImportReport)> {
    let head = data
        .iter()
        .find(|b| !b.is_ascii_whitespace() && **b != 0xEF && **b != 0xBB && **b != 0xBF);
    Ok(if head == Some(&b'{') {
        let (items, errors, unknown) = w::parse_cyclonedx(data)?;
        (
            items,
            ImportReport {
                errors,
                unknown,
                ..Default::default()
            },
        )
    } else {
        let (items, errors) = w::parse_inventory_csv(data);
        (
            items,
            ImportReport {
                errors,
                ..Default::default()
            },
        )
    })
}

#[derive(Template)]
#[template(path = "watch/import.html")]
struct ImportPage {
    ctx: Ctx,
    structure_id: i64,
    report: ImportReport,
    /// (where, why) of the refused rows, in the reader's language.
    errors: Vec<(String, String)>,
    /// (where, why) of the components left aside.
    unknown: Vec<(String, String)>,
}

/// Where a row of an inventory is, in words.
fn place(tr: &Tr, p: &ItemPlace) -> String {
    match p {
        ItemPlace::Form => tr.t("watch-place-form"),
        ItemPlace::File => tr.t("watch-place-file"),
        ItemPlace::Line { line } => tr.t_arg("watch-place-line", "line", *line as i64),
        ItemPlace::Component {
            index,
            name,
            version,
        } => tr.t_args(
            "watch-place-component",
            &[
                ("index", (*index as i64).into()),
                ("name", name.into()),
                ("version", version.into()),
            ],
        ),
        ItemPlace::Scan { location } => location.clone(),
    }
}

/// Each problem of a list with its place, in the reader's language.
pub(crate) fn worded(tr: &Tr, problems: &[ItemProblem]) -> Vec<(String, String)> {
    problems
        .iter()
        .map(|p| (place(tr, &p.place), tr.problem(&p.problem)))
        .collect()
}

pub(crate) async fn inventory_import(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    mut mp: Multipart,
) -> Response {
    page!(a, {
        a.actor.require(Permission::WriteInventory)?;
        let mut data = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| AppError::BadRequest(format!("upload: {e}")))?
        {
            if field.name() == Some("file") {
                data = Some(
                    field
                        .bytes()
                        .await
                        .map_err(|e| AppError::BadRequest(format!("upload: {e}")))?,
                );
                break;
            }
        }
        let data = data.ok_or_else(|| AppError::BadRequest("upload: no file field".into()))?;
        let (items, report) = read_inventory(&data)?;
        let report = st
            .store
            .import_inventory(&a.actor, id, &items, report)
            .await?;
        let tr = a.tr();
        render(&ImportPage {
            ctx: Ctx::of(&a),
            structure_id: id,
            errors: worded(&tr, &report.errors),
            unknown: worded(&tr, &report.unknown),
            report,
        })
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct AlertQuery {
    pub(crate) structure: Option<i64>,
    pub(crate) ght: Option<i64>,
    pub(crate) region: Option<String>,
    pub(crate) open: Option<String>,
}

impl AlertQuery {
    pub(crate) fn filter(&self) -> AlertFilter {
        AlertFilter {
            structure_id: self.structure,
            ght_id: self.ght,
            region_code: self.region.clone().filter(|r| !r.is_empty()),
            open_only: matches!(self.open.as_deref(), Some("1" | "true" | "on")),
            ..Default::default()
        }
    }
}

#[derive(Template)]
#[template(path = "watch/alerts.html")]
struct AlertsPage {
    ctx: Ctx,
    alerts: Vec<AlertView>,
    open_only: bool,
    can_sources: bool,
}

pub(crate) async fn alerts(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<AlertQuery>,
) -> Response {
    page!(a, {
        let f = q.filter();
        let alerts = st.store.list_alerts(&a.actor, &f).await?;
        render(&AlertsPage {
            ctx: Ctx::of(&a),
            alerts: alerts.into_iter().map(AlertView::of).collect(),
            open_only: f.open_only,
            can_sources: a.actor.can(Permission::ManageIntel),
        })
    })
}

#[derive(Template)]
#[template(path = "watch/alert.html")]
struct AlertPage {
    ctx: Ctx,
    v: AlertView,
    adv: Option<AdvisoryInfo>,
    can_triage: bool,
}

pub(crate) async fn alert(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let (al, adv) = st.store.get_alert(&a.actor, id).await?;
        render(&AlertPage {
            ctx: Ctx::of(&a),
            v: AlertView::of(al),
            adv,
            can_triage: a.actor.can(Permission::TriageAlerts),
        })
    })
}

#[derive(Deserialize)]
pub(crate) struct TriageForm {
    status: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn alert_triage(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<TriageForm>,
) -> Response {
    page!(a, {
        st.store
            .triage_alert(&a.actor, id, &f.status, &f.reason)
            .await?;
        Ok::<_, AppError>(Redirect::to(&format!("/watch/alerts/{id}")).into_response())
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct BulletinQuery {
    pub(crate) structure: Option<i64>,
    pub(crate) region: Option<String>,
    pub(crate) week: Option<String>,
}

impl BulletinQuery {
    pub(crate) fn target(&self) -> BulletinFor {
        match (
            self.structure,
            self.region.as_deref().filter(|r| !r.is_empty()),
        ) {
            (Some(id), _) => BulletinFor::Structure(id),
            (None, Some(r)) => BulletinFor::Region(r.to_string()),
            _ => BulletinFor::Scope,
        }
    }
}

#[derive(Template)]
#[template(path = "watch/bulletin.html")]
struct BulletinPage {
    ctx: Ctx,
    b: w::Bulletin,
    alerts: Vec<AlertView>,
}

pub(crate) async fn bulletin(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<BulletinQuery>,
) -> Response {
    page!(a, {
        let b = st
            .store
            .watch_bulletin(&a.actor, &q.target(), q.week.as_deref())
            .await?;
        let alerts = b.alerts.iter().cloned().map(AlertView::of).collect();
        render(&BulletinPage {
            ctx: Ctx::of(&a),
            b,
            alerts,
        })
    })
}

#[derive(Template)]
#[template(path = "watch/sources.html")]
struct SourcesPage {
    ctx: Ctx,
    sources: Vec<SourceFreshness>,
}

pub(crate) async fn sources(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, {
        let sources = st.store.watch_sources(&a.actor).await?;
        render(&SourcesPage {
            ctx: Ctx::of(&a),
            sources,
        })
    })
}
