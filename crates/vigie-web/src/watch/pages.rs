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
    self as w, AdvisoryInfo, Alert, AlertFilter, AlertSort, BulletinFor, ImportReport, ImportRow,
    ItemPlace, ItemProblem, NewItem, SourceFreshness,
};

use crate::auth::Page;
use crate::error::{AppError, AppResult};
use crate::i18n::Tr;
use crate::ui::{
    checked, csv_bytes, csv_response, csv_writer, json_download, optional_id, options, page,
    query_string, render, render_status, scope_region_options, Ctx, Opt, Pager,
};
use crate::AppState;

/// An alert as the pages show it.
pub struct AlertView {
    pub a: Alert,
    pub product_name: String,
    pub reasons: Vec<String>,
    /// The priority in words' key (`urgent`, `high`, `medium`, `low`).
    pub level: &'static str,
}

impl AlertView {
    pub(crate) fn of(a: Alert) -> AlertView {
        AlertView {
            product_name: w::product_name(&a.product),
            reasons: a.reason_list(),
            level: w::priority_level(a.priority),
            a,
        }
    }
}

/// The sources an alert's match came from (`cve-cna,kev`), in words.
pub(crate) fn sources_worded(tr: &Tr, match_source: &str) -> String {
    match_source
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            let key = format!("ux-source-{s}");
            if tr.has(&key) {
                tr.t(&key)
            } else {
                s.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why an alert was raised, as sentences in the reader's language: which version the sources
/// say is concerned and how sure, then the advisory's facts (known exploitation, CERT-FR, EPSS,
/// CVSS) and the exposure, worded like the notifications.
pub(crate) fn reasons_worded(tr: &Tr, a: &Alert, adv: Option<&AdvisoryInfo>) -> Vec<String> {
    let product = w::product_name(&a.product);
    let first = if a.kind == "eol" {
        tr.t_args(
            "ux-reason-eol",
            &[
                ("product", product.as_str().into()),
                ("version", a.version.as_str().into()),
            ],
        )
    } else {
        tr.t_args(
            if a.decision == "needs-review" {
                "ux-reason-review"
            } else {
                "ux-reason-match"
            },
            &[
                ("product", product.as_str().into()),
                ("version", a.version.as_str().into()),
                ("sources", sources_worded(tr, &a.match_source).into()),
                ("confidence", tr.k("confidence", &a.confidence).into()),
            ],
        )
    };
    let exposed = a
        .reason_list()
        .iter()
        .any(|r| r.starts_with("exposé sur internet"));
    let event = vigie_domain::events::AlertEvent {
        alert_id: a.id,
        structure_id: a.structure_id,
        structure_name: a.structure_name.clone(),
        kind: a.kind.clone(),
        ref_id: a.ref_id.clone(),
        product: a.product.clone(),
        product_name: product.clone(),
        version: a.version.clone(),
        priority: a.priority,
        decision: a.decision.clone(),
        kev: adv.is_some_and(|v| v.kev == 1),
        exposed,
        title: String::new(),
        match_reason: first,
        kev_date: adv.and_then(|v| v.kev_date.clone()),
        certfr: adv.map(|v| v.certfr_refs()).unwrap_or_default(),
        certfr_alert: adv.is_some_and(|v| v.certfr_alert == 1),
        epss: adv.and_then(|v| v.epss_percent()).map(|e| e / 100.0),
        cvss: adv.and_then(|v| v.cvss_score()),
        eol_date: None,
        eol_cycle: None,
        reasons: Vec::new(),
    };
    vigie_report::email::alert_reasons(*tr, &event)
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
    /// (where, column, why) of the rows left out, in the reader's language.
    skipped: Vec<(String, String, String)>,
    /// How many rows were imported, out of how many.
    summary: String,
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
        let imported = report.added + report.updated;
        let summary = tr.t_args(
            "watch-import_summary",
            &[
                ("imported", imported.into()),
                ("total", (imported + report.skipped.len()).into()),
                ("skipped", report.skipped.len().into()),
            ],
        );
        render_status(
            status,
            &ImportPage {
                ctx: Ctx::of(&a),
                structure_id: id,
                errors: worded(&tr, &report.errors),
                skipped: report
                    .skipped
                    .iter()
                    .map(|p| {
                        (
                            place(&tr, &p.place),
                            p.column.clone().unwrap_or_default(),
                            tr.problem(&p.problem),
                        )
                    })
                    .collect(),
                summary,
                rows: report.rows.iter().map(|r| RowView::of(&tr, r)).collect(),
                report,
            },
        )
    })
}

/// The filters of an alert list, as its form sends them (every field a string: an empty select
/// sends an empty value).
#[derive(Deserialize, Default)]
pub(crate) struct AlertQuery {
    #[serde(default)]
    pub(crate) structure: String,
    #[serde(default)]
    pub(crate) ght: String,
    #[serde(default)]
    pub(crate) region: String,
    #[serde(default)]
    pub(crate) open: String,
    /// A CVE id or words of the title.
    #[serde(default)]
    pub(crate) q: String,
    #[serde(default)]
    pub(crate) product: String,
    #[serde(default)]
    pub(crate) status: String,
    #[serde(default)]
    pub(crate) kev: String,
    #[serde(default)]
    pub(crate) sort: String,
    #[serde(default)]
    pub(crate) page: Option<i64>,
    /// `csv` or `json`: every alert the filters keep, as a file.
    #[serde(default)]
    pub(crate) format: String,
}

/// Alerts per page of the list.
const ALERTS_PER_PAGE: i64 = 50;

impl AlertQuery {
    pub(crate) fn filter(&self) -> AppResult<AlertFilter> {
        let status = self.status.trim();
        if !status.is_empty() && !w::STATUSES.contains(&status) {
            return Err(AppError::Invalid(
                vigie_domain::problem::Problem::new("watch-alert-status-unknown")
                    .arg("value", status)
                    .arg("allowed", w::STATUSES.join(", ")),
            ));
        }
        Ok(AlertFilter {
            structure_id: optional_id("structure", &self.structure)?,
            ght_id: optional_id("ght", &self.ght)?,
            region_code: Some(self.region.trim().to_string()).filter(|r| !r.is_empty()),
            open_only: checked(&self.open),
            text: Some(self.q.trim().to_string()).filter(|t| !t.is_empty()),
            product: Some(self.product.trim().to_string()).filter(|t| !t.is_empty()),
            status: Some(status.to_string()).filter(|t| !t.is_empty()),
            kev_only: checked(&self.kev),
            sort: AlertSort::parse(&self.sort),
            ..Default::default()
        })
    }

    fn query_string(&self) -> String {
        query_string(&[
            ("q", &self.q),
            ("product", &self.product),
            ("status", &self.status),
            ("structure", &self.structure),
            ("ght", &self.ght),
            ("region", &self.region),
            ("open", &self.open),
            ("kev", &self.kev),
            ("sort", &self.sort),
        ])
    }
}

#[derive(Template)]
#[template(path = "watch/alerts.html")]
struct AlertsPage {
    ctx: Ctx,
    alerts: Vec<AlertView>,
    q: AlertQuery,
    open_only: bool,
    kev_only: bool,
    can_sources: bool,
    products: Vec<Opt>,
    statuses: Vec<Opt>,
    regions: Vec<Opt>,
    ghts: Vec<Opt>,
    sorts: Vec<Opt>,
    pager: Pager,
}

pub(crate) async fn alerts(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<AlertQuery>,
) -> Response {
    page!(a, {
        let mut f = q.filter()?;
        let tr = a.tr();
        if q.format == "csv" || q.format == "json" {
            f.limit = Some(5000);
            let alerts = st.store.list_alerts(&a.actor, &f).await?;
            return if q.format == "json" {
                json_download("alertes.json", &alerts)
            } else {
                alerts_csv(&tr, &alerts)
            };
        }
        let page = q.page.unwrap_or(1).max(1);
        f.limit = Some(ALERTS_PER_PAGE);
        f.offset = Pager::offset(page, ALERTS_PER_PAGE);
        let total = st.store.count_alerts(&a.actor, &f).await?;
        let alerts = st.store.list_alerts(&a.actor, &f).await?;
        let products = st
            .store
            .alert_products(&a.actor)
            .await?
            .into_iter()
            .map(|p| (w::product_name(&p), p))
            .map(|(name, p)| (p, name));
        let ghts = st
            .store
            .ght_options(&a.actor)
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), name));
        render(&AlertsPage {
            ctx: Ctx::of(&a),
            alerts: alerts.into_iter().map(AlertView::of).collect(),
            open_only: f.open_only,
            kev_only: f.kev_only,
            can_sources: a.actor.can(Permission::ManageIntel),
            products: options(products, q.product.trim()),
            statuses: options(
                w::STATUSES
                    .iter()
                    .map(|s| (s.to_string(), tr.k("watch-status", s))),
                q.status.trim(),
            ),
            regions: scope_region_options(&a.actor, q.region.trim()),
            ghts: options(ghts, q.ght.trim()),
            sorts: options(
                AlertSort::ALL
                    .iter()
                    .map(|o| (o.as_str().to_string(), tr.k("ux-alert_sort", o.as_str()))),
                f.sort.as_str(),
            ),
            pager: Pager::new(
                "/watch/alerts",
                q.query_string(),
                page,
                ALERTS_PER_PAGE,
                total,
            ),
            q,
        })
    })
}

/// The alerts as a CSV file for a spreadsheet, with the reader's words.
pub(crate) fn alerts_csv(tr: &Tr, alerts: &[Alert]) -> AppResult<Response> {
    let mut out = csv_writer();
    let header = [
        "watch-priority",
        "watch-structure",
        "ux-region",
        "watch-alert",
        "watch-product",
        "watch-version",
        "watch-decision",
        "watch-status",
        "watch-created",
    ]
    .map(|k| tr.t(k));
    out.write_record(header)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    for al in alerts {
        out.write_record([
            tr.k("ux-priority", w::priority_level(al.priority)),
            al.structure_name.clone(),
            tr.region_name(&al.region_code).to_string(),
            al.ref_id.clone(),
            w::product_name(&al.product),
            al.version.clone(),
            tr.k("watch-decision", &al.decision),
            tr.k("watch-status", &al.status),
            tr.date(al.created_at),
        ])
        .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    Ok(csv_response("alertes.csv", csv_bytes(out)?))
}

#[derive(Template)]
#[template(path = "watch/alert.html")]
struct AlertPage {
    ctx: Ctx,
    /// Where the match comes from, in words.
    sources: String,
    v: AlertView,
    adv: Option<AdvisoryInfo>,
    can_triage: bool,
    /// Why a triage was refused, in the reader's language, and what was typed.
    error: String,
    status_options: Vec<Opt>,
    reason: String,
}

/// The alert's page; `form` is a refused triage (why, and the status and reason typed).
async fn alert_page(
    st: &AppState,
    a: &crate::auth::Authed,
    id: i64,
    form: Option<(String, String, String)>,
) -> AppResult<AlertPage> {
    let (al, adv) = st.store.get_alert(&a.actor, id).await?;
    let tr = a.tr();
    let reasons = reasons_worded(&tr, &al, adv.as_ref());
    let sources = sources_worded(&tr, &al.match_source);
    let mut v = AlertView::of(al);
    v.reasons = reasons;
    let (error, status, reason) = form.unwrap_or_default();
    Ok(AlertPage {
        ctx: Ctx::of(a),
        sources,
        v,
        adv,
        can_triage: a.actor.can(Permission::TriageAlerts),
        status_options: triage_options(&tr, &status),
        error,
        reason,
    })
}

/// The statuses a triage form offers, the one typed (else "acknowledged") selected.
pub(crate) fn triage_options(tr: &Tr, selected: &str) -> Vec<Opt> {
    let selected = if selected.is_empty() {
        "acknowledged"
    } else {
        selected
    };
    options(
        ["acknowledged", "fixed", "not_affected", "new"]
            .iter()
            .map(|s| (s.to_string(), tr.k("watch-status", s))),
        selected,
    )
}

pub(crate) async fn alert(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, render(&alert_page(&st, &a, id, None).await?))
}

#[derive(Deserialize)]
pub(crate) struct TriageForm {
    #[serde(default)]
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
        match st
            .store
            .triage_alert(&a.actor, id, &f.status, &f.reason)
            .await
        {
            Ok(_) => {
                Ok::<_, AppError>(Redirect::to(&format!("/watch/alerts/{id}")).into_response())
            }
            // The person's mistake: the page again, the error beside the reason, what was typed
            // kept.
            Err(vigie_store::StoreError::Invalid(p)) => {
                let error = a.tr().problem(&p);
                let page = alert_page(&st, &a, id, Some((error, f.status, f.reason))).await?;
                render_status(StatusCode::BAD_REQUEST, &page)
            }
            Err(e) => Err(e.into()),
        }
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

/// Largest advisory document uploaded from the browser (larger feeds go by address, fetched by
/// a worker).
pub(crate) const INGEST_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Template)]
#[template(path = "watch/sources.html")]
struct SourcesPage {
    ctx: Ctx,
    sources: Vec<SourceFreshness>,
    /// What the last action did, in the reader's language (an upload ingested, a job queued).
    done: String,
    /// The records an upload rejected.
    rejected: Vec<String>,
    /// Why an upload was refused (beside the file field).
    upload_error: String,
    /// The address typed and why it was refused (beside the address field).
    url: String,
    url_error: String,
    /// The hosts the configuration allows, and the upload limit, in words.
    allowed: String,
    max: String,
}

impl SourcesPage {
    async fn of(st: &AppState, a: &crate::auth::Authed) -> AppResult<SourcesPage> {
        let sources = st.store.watch_sources(&a.actor).await?;
        let tr = a.tr();
        Ok(SourcesPage {
            ctx: Ctx::of(a),
            sources,
            done: String::new(),
            rejected: Vec::new(),
            upload_error: String::new(),
            url: String::new(),
            url_error: String::new(),
            allowed: st.config.feeds.hosts.join(", "),
            max: format!(
                "{} {}",
                INGEST_UPLOAD_BYTES / (1024 * 1024),
                tr.pick("Mio", "MiB")
            ),
        })
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct SourcesQuery {
    /// The job just queued (after an address was given).
    #[serde(default)]
    queued: String,
}

pub(crate) async fn sources(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<SourcesQuery>,
) -> Response {
    page!(a, {
        let mut page = SourcesPage::of(&st, &a).await?;
        if let Ok(job) = q.queued.trim().parse::<i64>() {
            page.done = a.tr().t_arg("watch-ingest_queued", "job", job);
        }
        render(&page)
    })
}

/// A CERT analyst uploads an advisory document: ingested at once, its report on the page; a
/// document of no known format comes back beside the file field.
pub(crate) async fn sources_upload(
    State(st): State<AppState>,
    Page(a): Page,
    mut mp: Multipart,
) -> Response {
    page!(a, {
        // Rights first: nobody else's upload is even read.
        a.actor.require(Permission::ManageIntel)?;
        let mut file = None;
        while let Some(field) = mp
            .next_field()
            .await
            .map_err(|e| crate::ui::upload_error(e, INGEST_UPLOAD_BYTES))?
        {
            if field.name() == Some("file") {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| crate::ui::upload_error(e, INGEST_UPLOAD_BYTES))?;
                file = Some((name, bytes));
            }
        }
        let tr = a.tr();
        let mut page = SourcesPage::of(&st, &a).await?;
        let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
            page.upload_error = tr.t("watch-ingest_no_file");
            return render_status(StatusCode::BAD_REQUEST, &page);
        };
        match st
            .store
            .watch_ingest_upload(&a.actor, &name, bytes.to_vec())
            .await
        {
            Ok(r) => {
                let mut page = SourcesPage::of(&st, &a).await?;
                page.done = tr.t_args(
                    "watch-ingest_done",
                    &[
                        ("file", r.file.trim_start_matches("upload:").into()),
                        ("added", r.added.into()),
                        ("changed", r.changed.into()),
                        ("unchanged", r.unchanged.into()),
                        ("rejected", r.rejected.len().into()),
                        ("alerts", r.alerts_new.into()),
                    ],
                );
                page.rejected = r.rejected.into_iter().take(50).collect();
                render(&page)
            }
            Err(vigie_store::StoreError::Invalid(p)) => {
                page.upload_error = tr.problem(&p);
                render_status(StatusCode::BAD_REQUEST, &page)
            }
            Err(e) => Err(e.into()),
        }
    })
}

#[derive(Deserialize)]
pub(crate) struct FeedForm {
    #[serde(default)]
    url: String,
}

/// The problem of an address the feed policy refuses.
pub(crate) fn feed_problem(
    policy: &vigie_store::watch::FeedPolicy,
    r: &vigie_store::watch::FeedRefusal,
) -> vigie_domain::problem::Problem {
    use vigie_domain::problem::Problem;
    use vigie_store::watch::FeedRefusal;
    match r {
        FeedRefusal::Invalid => Problem::new("watch-feed-invalid"),
        FeedRefusal::Scheme(s) => Problem::new("watch-feed-scheme").arg("scheme", s.as_str()),
        FeedRefusal::Credentials => Problem::new("watch-feed-credentials"),
        FeedRefusal::Host(h) => Problem::new("watch-feed-host")
            .arg("host", h.as_str())
            .arg("allowed", policy.hosts.join(", ")),
    }
}

/// A CERT analyst gives the address of a document: checked against the feed policy (deny by
/// default), then fetched and ingested by a worker (`watch.ingest`), the request audited.
pub(crate) async fn sources_url(
    State(st): State<AppState>,
    Page(a): Page,
    Form(f): Form<FeedForm>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::ManageIntel)?;
        match st.config.feeds.check(&f.url) {
            Ok(url) => {
                let job = st.store.watch_queue_ingest(&a.actor, url.as_str()).await?;
                Ok(Redirect::to(&format!("/watch/sources?queued={job}")).into_response())
            }
            Err(r) => {
                let mut page = SourcesPage::of(&st, &a).await?;
                page.url_error = a.tr().problem(&feed_problem(&st.config.feeds, &r));
                page.url = f.url;
                render_status(StatusCode::BAD_REQUEST, &page)
            }
        }
    })
}
