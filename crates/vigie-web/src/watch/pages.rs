//! The vulnerability watch's pages: the inventory forms of a structure, the list of alerts of the
//! viewer's scope, an alert with its triage, the weekly bulletin, the freshness of the sources.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::Permission;
use vigie_store::watch::{
    self as w, AdvisoryInfo, Alert, AlertFilter, BulletinFor, ImportReport, ImportRow, ItemPlace,
    ItemProblem, NewItem, SourceFreshness,
};

use crate::auth::Page;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::ui::{page, render, render_status, Ctx};
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
    #[serde(default)]
    version: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    exposed: Option<String>,
}

/// The fields of the inventory form, as typed (empty on the structure's page).
pub struct ItemFields {
    pub structure_id: i64,
    pub product: String,
    pub version: String,
    pub location: String,
    pub exposed: bool,
    /// Suggestions of the product field (any name is accepted): (catalogue id, name).
    pub products: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "watch/item_form.html")]
struct ItemFormPage {
    ctx: Ctx,
    /// Why the item was refused, in the reader's language.
    error: String,
    /// What the person typed, sent back.
    form: ItemFields,
}

/// The catalogue's products as suggestions of the product field: (id, name), by name.
pub(crate) fn product_suggestions() -> AppResult<Vec<(String, String)>> {
    let mut products: Vec<(String, String)> = w::catalog()?
        .products()
        .iter()
        .map(|p| (p.id.clone(), p.name.clone()))
        .collect();
    products.sort_by_key(|x| x.1.to_lowercase());
    Ok(products)
}

pub(crate) async fn inventory_add(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<ItemForm>,
) -> Response {
    page!(a, {
        let r = st
            .store
            .add_inventory_item(
                &a.actor,
                id,
                &NewItem {
                    product: f.product.clone(),
                    version: f.version.clone(),
                    location: f.location.clone(),
                    origin: "form".into(),
                    exposed: f.exposed.is_some(),
                },
            )
            .await;
        match r {
            Ok(_) => Ok::<_, AppError>(
                Redirect::to(&format!("/structures/{id}#h-watch")).into_response(),
            ),
            // The person's mistake: the form comes back with what they typed.
            Err(vigie_store::StoreError::Invalid(p)) => render_status(
                StatusCode::BAD_REQUEST,
                &ItemFormPage {
                    ctx: Ctx::of(&a),
                    error: a.tr().problem(&p),
                    form: ItemFields {
                        structure_id: id,
                        exposed: f.exposed.is_some(),
                        product: f.product,
                        version: f.version,
                        location: f.location,
                        products: product_suggestions()?,
                    },
                },
            ),
            Err(e) => Err(e.into()),
        }
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

#[derive(Template)]
#[template(path = "watch/import.html")]
struct ImportPage {
    ctx: Ctx,
    structure_id: i64,
    report: ImportReport,
    /// (where, why) of the file's errors, in the reader's language.
    errors: Vec<(String, String)>,
    /// Every row: what resolved to what, in the reader's language.
    rows: Vec<RowView>,
}

/// A row of an imported inventory as the report shows it.
pub(crate) struct RowView {
    pub place: String,
    pub declared: String,
    pub version: String,
    /// `kept`, `ready`, `incomplete`, `rejected`.
    pub status: String,
    pub key: String,
    pub display: String,
    /// How the product resolved, in words.
    pub by: String,
    /// A note on the resolution, or why the row is not stored.
    pub why: String,
}

impl RowView {
    fn of(tr: &Tr, r: &ImportRow) -> RowView {
        let why = [r.note.as_ref(), r.problem.as_ref()]
            .into_iter()
            .flatten()
            .map(|p| tr.problem(p))
            .collect::<Vec<_>>()
            .join(" ");
        RowView {
            place: place(tr, &r.place),
            declared: r.declared.clone(),
            version: r.version.clone(),
            status: r.status.clone(),
            key: r.key.clone().unwrap_or_default(),
            display: r.display.clone().unwrap_or_default(),
            by: r
                .by
                .as_deref()
                .map(|b| tr.k("watch-by", b))
                .unwrap_or_default(),
            why,
        }
    }
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
    mp: Multipart,
) -> Response {
    page!(a, {
        a.actor.require(Permission::WriteInventory)?;
        // Over the route's body limit (the default one), a 413 page that says the limit.
        let data = crate::ui::uploaded_file(mp, crate::security::DEFAULT_BODY_BYTES).await?;
        let (items, report) = w::read_inventory(&data)?;
        let report = st
            .store
            .import_inventory(&a.actor, id, &items, report)
            .await?;
        let tr = a.tr();
        let status = if report.errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        render_status(
            status,
            &ImportPage {
                ctx: Ctx::of(&a),
                structure_id: id,
                errors: worded(&tr, &report.errors),
                rows: report.rows.iter().map(|r| RowView::of(&tr, r)).collect(),
                report,
            },
        )
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
