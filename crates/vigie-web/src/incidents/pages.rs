//! The incidents' pages.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::TimeZone;
use serde::Deserialize;
use vigie_domain::problem::{Arg, Problem};
use vigie_domain::role::{Permission, Scope};
use vigie_incidents::clock::{parse_tz, REFERENCE_TZ};
use vigie_incidents::incident::ObservableKind;
use vigie_incidents::marking::{Pap, Tlp};
use vigie_incidents::rules::Rules;
use vigie_incidents::taxonomy::{
    CareImpact, CaseStatus, IncidentState, IncidentType, OperationsImpact, Origin, Severity,
};
use vigie_store::incidents::{
    ClockRow, Declaration, IncidentCase, IncidentRow, QueuePage, QueueQuery, Triage,
};
use vigie_store::registry::Structure;

use crate::auth::{Authed, Page};
use crate::error::AppError;
use crate::i18n::Tr;
use crate::ui::{checked, page, region_options, render, render_status, Ctx, Opt};
use crate::AppState;

/// Options of an enumeration of `vigie_incidents`, labelled in the reader's language.
macro_rules! options {
    ($ty:ty, $tr:expr, $selected:expr) => {{
        let code = $tr.code();
        let sel: &str = $selected;
        <$ty>::ALL
            .iter()
            .map(|v| Opt {
                value: v.as_str().to_string(),
                label: v.label(code).to_string(),
                selected: v.as_str() == sel,
            })
            .collect::<Vec<Opt>>()
    }};
}

/// A problem said in the reader's language, its `field` argument named by the field's label.
pub(crate) fn problem_text(tr: &Tr, p: &Problem) -> String {
    let mut p = p.clone();
    for (name, value) in p.args.iter_mut() {
        if *name == "field" {
            if let Arg::Text(f) = value {
                let key = format!("incidents-field-{f}");
                if tr.has(&key) {
                    *f = tr.t(&key);
                }
            }
        }
    }
    tr.problem(&p)
}

/// A stored instant as the form writes it, in `zone`.
fn wall(t: Option<i64>, zone: &str) -> String {
    let tz = parse_tz(zone).unwrap_or(REFERENCE_TZ);
    t.and_then(|t| tz.timestamp_opt(t, 0).single())
        .map(|d| d.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// A stored incident as the form shows it again.
pub(crate) fn declaration_of(i: &IncidentRow) -> Declaration {
    Declaration {
        title: i.title.clone(),
        description: i.description.clone(),
        declarant_name: i.declarant_name.clone(),
        declarant_email: i.declarant_email.clone(),
        declarant_phone: i.declarant_phone.clone(),
        occurred_at: wall(i.occurred_at, &i.time_zone),
        detected_at: wall(Some(i.detected_at), &i.time_zone),
        time_zone: i.time_zone.clone(),
        state: i.state.clone(),
        systems: i.systems.clone(),
        sites: i.sites.clone(),
        provider: i.provider.clone(),
        origin: i.origin.clone(),
        incident_type: i.incident_type.clone(),
        care_impact: i.care_impact.clone(),
        data_availability: i.data_availability == 1,
        data_integrity: i.data_integrity == 1,
        data_confidentiality: i.data_confidentiality == 1,
        operations_impact: i.operations_impact.clone(),
        significant: i.significant == 1,
        personal_data: i.personal_data == 1,
        support_requested: i.support_requested == 1,
        cnil_notified_at: wall(i.cnil_notified_at, &i.time_zone),
        anssi_notified_at: wall(i.anssi_notified_at, &i.time_zone),
        complaint_filed: i.complaint_filed == 1,
        tlp: i.tlp.clone(),
        pap: i.pap.clone(),
        source_finding_id: i.source_finding_id,
        source_alert_id: i.source_alert_id,
    }
}

#[derive(Template)]
#[template(path = "incidents/form.html")]
struct FormPage {
    ctx: Ctx,
    s: Structure,
    /// Where the form posts.
    action: String,
    editing: bool,
    d: Declaration,
    /// The field in error and what is wrong with it.
    err_field: String,
    err: String,
    states: Vec<Opt>,
    origins: Vec<Opt>,
    types: Vec<Opt>,
    care: Vec<Opt>,
    operations: Vec<Opt>,
    tlps: Vec<Opt>,
    paps: Vec<Opt>,
}

impl FormPage {
    /// Whether `field` is the one in error.
    fn bad(&self, field: &str) -> bool {
        self.err_field == field
    }

    fn new(
        a: &Authed,
        s: Structure,
        action: String,
        editing: bool,
        d: Declaration,
        error: Option<&Problem>,
    ) -> FormPage {
        let tr = a.tr();
        let (err_field, err) = match error {
            Some(p) => (
                p.get("field").map(|f| f.to_string()).unwrap_or_default(),
                problem_text(&tr, p),
            ),
            None => (String::new(), String::new()),
        };
        let or = |v: &str, default: &'static str| {
            if v.trim().is_empty() {
                default.to_string()
            } else {
                v.trim().to_string()
            }
        };
        FormPage {
            states: options!(IncidentState, tr, &or(&d.state, "ongoing")),
            origins: options!(Origin, tr, &or(&d.origin, "undetermined")),
            types: options!(IncidentType, tr, &or(&d.incident_type, "undetermined")),
            care: options!(CareImpact, tr, &or(&d.care_impact, "none")),
            operations: options!(OperationsImpact, tr, &or(&d.operations_impact, "none")),
            tlps: options!(Tlp, tr, &or(&d.tlp, "amber")),
            paps: options!(Pap, tr, &or(&d.pap, "amber")),
            ctx: Ctx::of(a),
            s,
            action,
            editing,
            d,
            err_field,
            err,
        }
    }
}

#[derive(Deserialize, Default)]
pub(crate) struct SourceQuery {
    #[serde(default)]
    finding: Option<i64>,
    #[serde(default)]
    alert: Option<i64>,
}

/// The declaration form of a structure (optionally starting from a finding or an alert).
pub(crate) async fn new_form(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Query(q): Query<SourceQuery>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::DeclareIncidents)?;
        let s = st.store.get_structure(&a.actor, id).await?;
        let d = Declaration {
            declarant_email: a.email.clone(),
            time_zone: "Europe/Paris".into(),
            source_finding_id: q.finding,
            source_alert_id: q.alert,
            ..Declaration::default()
        };
        render(&FormPage::new(
            &a,
            s,
            format!("/structures/{id}/incidents"),
            false,
            d,
            None,
        ))
    })
}

/// Saves a new declaration as a draft; a mistake shows the form again with what was typed.
pub(crate) async fn create(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(d): Form<Declaration>,
) -> Response {
    page!(a, {
        match st.store.create_incident(&a.actor, id, &d).await {
            Ok(n) => Ok(Redirect::to(&format!("/incidents/{n}")).into_response()),
            Err(vigie_store::StoreError::Invalid(p)) => {
                let s = st.store.get_structure(&a.actor, id).await?;
                render_status(
                    StatusCode::BAD_REQUEST,
                    &FormPage::new(
                        &a,
                        s,
                        format!("/structures/{id}/incidents"),
                        false,
                        d,
                        Some(&p),
                    ),
                )
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// The form again, to complete a draft.
pub(crate) async fn edit_form(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::DeclareIncidents)?;
        let case = st.store.get_incident_case(&a.actor, id).await?;
        let s = st
            .store
            .get_structure(&a.actor, case.incident.structure_id)
            .await?;
        let d = declaration_of(&case.incident);
        render(&FormPage::new(
            &a,
            s,
            format!("/incidents/{id}/draft"),
            true,
            d,
            None,
        ))
    })
}

pub(crate) async fn update_draft(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(d): Form<Declaration>,
) -> Response {
    page!(a, {
        match st.store.update_incident_draft(&a.actor, id, &d).await {
            Ok(()) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
            Err(vigie_store::StoreError::Invalid(p)) => {
                let case = st.store.get_incident_case(&a.actor, id).await?;
                let s = st
                    .store
                    .get_structure(&a.actor, case.incident.structure_id)
                    .await?;
                render_status(
                    StatusCode::BAD_REQUEST,
                    &FormPage::new(&a, s, format!("/incidents/{id}/draft"), true, d, Some(&p)),
                )
            }
            Err(e) => Err(e.into()),
        }
    })
}

/// A clock as the page shows it.
pub(crate) struct ClockView {
    pub label: String,
    pub legal_reference: String,
    pub authority: String,
    pub status: &'static str,
    pub deadline: String,
    pub without_delay: bool,
    pub provisional: bool,
    pub done_at: String,
    pub rule_id: String,
}

pub(crate) fn clock_views(tr: &Tr, clocks: &[ClockRow], now: i64) -> Vec<ClockView> {
    clocks
        .iter()
        .map(|c| {
            let rule = Rules::builtin().get(&c.rule_id);
            ClockView {
                label: rule
                    .map(|r| r.label(tr.code()).to_string())
                    .unwrap_or_else(|| c.rule_id.clone()),
                legal_reference: c.legal_reference.clone(),
                authority: c
                    .authority
                    .parse::<vigie_incidents::rules::Authority>()
                    .map(|x| x.label(tr.code()).to_string())
                    .unwrap_or_else(|_| c.authority.clone()),
                status: c.status_at(now),
                deadline: tr.datetime(c.deadline),
                without_delay: c.without_delay == 1,
                provisional: c.provisional == 1,
                done_at: c.done_at.map(|t| tr.datetime(t)).unwrap_or_default(),
                rule_id: c.rule_id.clone(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "incidents/show.html")]
struct ShowPage {
    ctx: Ctx,
    c: IncidentCase,
    clocks: Vec<ClockView>,
    /// Labels of the facts, in the reader's language.
    status_label: String,
    state_label: String,
    origin_label: String,
    type_label: String,
    care_label: String,
    operations_label: String,
    severity_label: String,
    can_declare: bool,
    can_handle: bool,
    is_draft: bool,
    types: Vec<Opt>,
    severities: Vec<Opt>,
    next_statuses: Vec<Opt>,
    kinds: Vec<Opt>,
    tlps: Vec<Opt>,
    open_rules: Vec<Opt>,
    /// A mistake in one of the page's forms, said in the reader's language.
    err: String,
    /// A refused attachment's reason, shown beside the file field.
    attach_err: String,
    attach_max_mib: usize,
    /// Whom an analyst can assign the case to (`none` first).
    assignees: Vec<Opt>,
    /// The products the structure runs, to warn the sector about (analysts).
    sector_products: Vec<Opt>,
    /// The sector-wide alerts sent from the case (analysts).
    sector_sent: Vec<vigie_store::incidents::SectorAlertRow>,
}

pub(crate) fn label_of<T: std::str::FromStr>(v: &str, f: impl Fn(&T) -> &'static str) -> String {
    v.parse::<T>()
        .map(|x| f(&x).to_string())
        .unwrap_or_else(|_| v.to_string())
}

async fn show_page(
    st: &AppState,
    a: &Authed,
    id: i64,
    error: Option<&Problem>,
) -> Result<Response, AppError> {
    let c = st.store.get_incident_case(&a.actor, id).await?;
    let tr = a.tr();
    let code = tr.code();
    let now = chrono::Utc::now().timestamp();
    let i = &c.incident;
    let status: Option<CaseStatus> = i.status.parse().ok();
    // Whom the case can be given to: the analysts whose scope covers it, the current one first
    // selected.
    let assignees = if a.actor.can(Permission::HandleIncidents) && i.status != "draft" {
        let mut v = vec![Opt {
            value: "none".into(),
            label: tr.t("incidents-assignee-none"),
            selected: i.assignee_user_id.is_none(),
        }];
        v.extend(
            st.store
                .incident_assignees(&a.actor, id)
                .await?
                .into_iter()
                .map(|p| Opt {
                    value: p.user_id.to_string(),
                    label: format!("{} — {}", p.display_name, tr.role(&p.role)),
                    selected: i.assignee_user_id == Some(p.user_id),
                }),
        );
        v
    } else {
        Vec::new()
    };
    let (sector_products, sector_sent) =
        if a.actor.can(Permission::HandleIncidents) && i.status != "draft" {
            let products = st
                .store
                .sector_alert_products(&a.actor, id)
                .await?
                .into_iter()
                .map(|p| Opt {
                    label: format!(
                        "{} ({}){}",
                        p.name,
                        p.versions.join(", "),
                        if p.exposed {
                            format!(" — {}", tr.t("incidents-sector-col-exposed"))
                        } else {
                            String::new()
                        }
                    ),
                    value: p.product,
                    selected: false,
                })
                .collect();
            (
                products,
                st.store.incident_sector_alerts(&a.actor, id).await?,
            )
        } else {
            (Vec::new(), Vec::new())
        };
    let page = ShowPage {
        ctx: Ctx::of(a),
        sector_products,
        sector_sent,
        clocks: clock_views(&tr, &c.clocks, now),
        status_label: label_of::<CaseStatus>(&i.status, |x| x.label(code)),
        state_label: label_of::<IncidentState>(&i.state, |x| x.label(code)),
        origin_label: label_of::<Origin>(&i.origin, |x| x.label(code)),
        type_label: label_of::<IncidentType>(&i.incident_type, |x| x.label(code)),
        care_label: label_of::<CareImpact>(&i.care_impact, |x| x.label(code)),
        operations_label: label_of::<OperationsImpact>(&i.operations_impact, |x| x.label(code)),
        severity_label: i
            .severity
            .as_deref()
            .map(|s| label_of::<Severity>(s, |x| x.label(code)))
            .unwrap_or_default(),
        can_declare: a.actor.can(Permission::DeclareIncidents),
        can_handle: a.actor.can(Permission::HandleIncidents),
        is_draft: i.status == "draft",
        types: options!(IncidentType, tr, i.incident_type.as_str()),
        severities: options!(Severity, tr, i.severity.as_deref().unwrap_or("medium")),
        next_statuses: status
            .map(|s| {
                s.next()
                    .iter()
                    .map(|n| Opt {
                        value: n.as_str().into(),
                        label: n.label(code).into(),
                        selected: false,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        kinds: options!(ObservableKind, tr, "ip"),
        tlps: options!(Tlp, tr, i.tlp.as_str()),
        open_rules: c
            .clocks
            .iter()
            .filter(|k| k.done_at.is_none())
            .map(|k| Opt {
                value: k.rule_id.clone(),
                label: Rules::builtin()
                    .get(&k.rule_id)
                    .map(|r| r.label(code).to_string())
                    .unwrap_or_else(|| k.rule_id.clone()),
                selected: false,
            })
            .collect(),
        err: error
            .filter(|p| p.get("field").map(|f| f.to_string()).as_deref() != Some("file"))
            .map(|p| problem_text(&tr, p))
            .unwrap_or_default(),
        attach_err: error
            .filter(|p| p.get("field").map(|f| f.to_string()).as_deref() == Some("file"))
            .map(|p| problem_text(&tr, p))
            .unwrap_or_default(),
        attach_max_mib: crate::files::MAX_MIB,
        assignees,
        c,
    };
    if error.is_some() {
        render_status(StatusCode::BAD_REQUEST, &page)
    } else {
        render(&page)
    }
}

/// An incident's page with a mistake made in one of its forms.
pub(crate) async fn show_with_error(
    st: &AppState,
    a: &Authed,
    id: i64,
    p: &Problem,
) -> Result<Response, AppError> {
    show_page(st, a, id, Some(p)).await
}

/// An incident's page.
pub(crate) async fn show(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, show_page(&st, &a, id, None).await)
}

/// After an action on an incident: back to its page, or the page again with the mistake.
pub(crate) async fn after(
    st: &AppState,
    a: &Authed,
    id: i64,
    r: Result<(), vigie_store::StoreError>,
) -> Result<Response, AppError> {
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
        Err(vigie_store::StoreError::Invalid(p)) => show_page(st, a, id, Some(&p)).await,
        Err(e) => Err(e.into()),
    }
}

pub(crate) async fn submit(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let r = st.store.submit_incident(&a.actor, id).await;
        after(&st, &a, id, r).await
    })
}

pub(crate) async fn triage(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(t): Form<Triage>,
) -> Response {
    page!(a, {
        let r = st.store.triage_incident(&a.actor, id, &t).await;
        after(&st, &a, id, r).await
    })
}

#[derive(Deserialize)]
pub(crate) struct SupportForm {
    #[serde(default)]
    given: String,
}

/// The CERT records that it gave the structure technical support (or takes it back).
pub(crate) async fn support(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<SupportForm>,
) -> Response {
    page!(a, {
        let given = checked(f.given.trim());
        let r = st.store.record_incident_support(&a.actor, id, given).await;
        after(&st, &a, id, r).await
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct AssignForm {
    /// `me` (or absent): the analyst takes the case; `none`: nobody; else an account's id.
    #[serde(default)]
    assignee: Option<String>,
}

/// The case is assigned: to the analyst who asks, to another person whose scope covers it, or
/// to nobody.
pub(crate) async fn assign(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Response {
    page!(a, {
        let to = match f.assignee.as_deref().map(str::trim) {
            None | Some("") | Some("me") => Ok(Some(a.user_id)),
            Some("none") => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                vigie_store::StoreError::Invalid(
                    Problem::new("incidents-assignee-invalid").arg("id", v),
                )
            }),
        };
        let r = match to {
            Ok(to) => st.store.assign_incident(&a.actor, id, to).await,
            Err(e) => Err(e),
        };
        after(&st, &a, id, r).await
    })
}

#[derive(Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    status: String,
}

pub(crate) async fn status(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Response {
    page!(a, {
        let r = st.store.set_incident_status(&a.actor, id, &f.status).await;
        after(&st, &a, id, r).await
    })
}

#[derive(Deserialize)]
pub(crate) struct NoteForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    internal: Option<String>,
}

pub(crate) async fn note(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Response {
    page!(a, {
        let internal = f.internal.is_some_and(|v| !v.is_empty());
        let r = st
            .store
            .add_incident_note(&a.actor, id, &f.body, internal)
            .await;
        after(&st, &a, id, r).await
    })
}

#[derive(Deserialize)]
pub(crate) struct ObservableForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    indicator: Option<String>,
    #[serde(default)]
    comment: String,
}

pub(crate) async fn observable(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<ObservableForm>,
) -> Response {
    page!(a, {
        let ioc = f.indicator.is_some_and(|v| !v.is_empty());
        let r = st
            .store
            .add_incident_observable(&a.actor, id, &f.kind, &f.value, &f.tlp, ioc, &f.comment)
            .await;
        after(&st, &a, id, r).await
    })
}

#[derive(Deserialize)]
pub(crate) struct PersonForm {
    #[serde(default)]
    email: String,
}

pub(crate) async fn name_person(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<PersonForm>,
) -> Response {
    page!(a, {
        let r = st.store.name_on_incident(&a.actor, id, &f.email).await;
        after(&st, &a, id, r).await
    })
}

#[derive(Deserialize)]
pub(crate) struct NotificationForm {
    #[serde(default)]
    rule: String,
    #[serde(default)]
    at: String,
}

pub(crate) async fn notification(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<NotificationForm>,
) -> Response {
    page!(a, {
        let r = st
            .store
            .record_incident_notification(&a.actor, id, &f.rule, &f.at)
            .await;
        after(&st, &a, id, r).await
    })
}

/// A JSON download.
pub(crate) fn json_download(name: &str, doc: &serde_json::Value) -> Result<Response, AppError> {
    let body = serde_json::to_vec_pretty(doc).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

pub(crate) async fn misp(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let inc = st.store.incident_for_export(&a.actor, id).await?;
        json_download(
            &format!("{}.misp.json", inc.reference),
            &vigie_incidents::misp::event(&inc),
        )
    })
}

pub(crate) async fn stix(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(a, {
        let inc = st.store.incident_for_export(&a.actor, id).await?;
        json_download(
            &format!("{}.stix.json", inc.reference),
            &vigie_incidents::stix::bundle(&inc),
        )
    })
}

#[derive(Deserialize, Default)]
pub(crate) struct QueueForm {
    #[serde(default)]
    status: String,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    mine: String,
    #[serde(default)]
    page: Option<i64>,
}

impl QueueForm {
    pub(crate) fn query(&self) -> QueueQuery {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        QueueQuery {
            status: some(&self.status),
            severity: some(&self.severity),
            overdue: Some(checked(&self.overdue)),
            region: some(&self.region),
            mine: Some(checked(&self.mine)),
            page: self.page,
        }
    }

    fn link(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("status", &self.status),
            ("severity", &self.severity),
            ("overdue", &self.overdue),
            ("region", &self.region),
            ("mine", &self.mine),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k, v.clone()))
        .collect();
        pairs.push(("page", page.to_string()));
        format!(
            "/incidents?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
}

/// A row of the queue as the page shows it.
pub(crate) struct QueueView {
    pub id: i64,
    pub reference: String,
    pub structure_id: i64,
    pub structure_name: String,
    pub status: String,
    pub title: String,
    pub incident_type: String,
    pub severity: String,
    pub tlp: String,
    pub declared: String,
    pub deadline: String,
    pub overdue: bool,
    pub restricted: bool,
    pub major: bool,
    pub assignee: String,
}

#[derive(Template)]
#[template(path = "incidents/queue.html")]
struct QueuePageView {
    ctx: Ctx,
    rows: Vec<QueueView>,
    total: i64,
    page: i64,
    pages: i64,
    prev: String,
    next: String,
    f_overdue: bool,
    f_mine: bool,
    can_handle: bool,
    statuses: Vec<Opt>,
    severities: Vec<Opt>,
    regions: Vec<Opt>,
    national: bool,
}

pub(crate) fn queue_views(tr: &Tr, p: &QueuePage) -> Vec<QueueView> {
    let code = tr.code();
    p.rows
        .iter()
        .map(|r| QueueView {
            id: r.id,
            reference: r.reference(),
            structure_id: r.structure_id,
            structure_name: r.structure_name.clone(),
            status: label_of::<CaseStatus>(&r.status, |x| x.label(code)),
            title: r.title.clone(),
            incident_type: label_of::<IncidentType>(&r.incident_type, |x| x.label(code)),
            severity: r
                .severity
                .as_deref()
                .map(|s| label_of::<Severity>(s, |x| x.label(code)))
                .unwrap_or_default(),
            tlp: label_of::<Tlp>(&r.tlp, |x| x.name()),
            declared: r.declared_at.map(|t| tr.datetime(t)).unwrap_or_default(),
            deadline: r.next_deadline.map(|t| tr.datetime(t)).unwrap_or_default(),
            overdue: r.overdue == 1,
            restricted: r.restricted == 1,
            major: r.major == 1,
            assignee: r.assignee_name.clone().unwrap_or_default(),
        })
        .collect()
}

/// The queue: the CERT's (national) or a region's, overdue first, 50 a page.
pub(crate) async fn queue(
    State(st): State<AppState>,
    Page(a): Page,
    Query(f): Query<QueueForm>,
) -> Response {
    page!(a, {
        let p = st.store.incident_queue(&a.actor, &f.query()).await?;
        let tr = a.tr();
        let code = tr.code();
        let mut statuses = vec![Opt {
            value: String::new(),
            label: tr.t("incidents-open_cases"),
            selected: f.status.is_empty(),
        }];
        statuses.extend(
            CaseStatus::ALL
                .iter()
                .filter(|s| **s != CaseStatus::Draft)
                .map(|s| Opt {
                    value: s.as_str().into(),
                    label: s.label(code).into(),
                    selected: f.status == s.as_str(),
                }),
        );
        statuses.push(Opt {
            value: "all".into(),
            label: tr.t("incidents-all_cases"),
            selected: f.status == "all",
        });
        let mut severities = vec![Opt {
            value: String::new(),
            label: tr.t("incidents-any"),
            selected: f.severity.is_empty(),
        }];
        severities.extend(options!(Severity, tr, f.severity.as_str()));
        render(&QueuePageView {
            ctx: Ctx::of(&a),
            rows: queue_views(&tr, &p),
            total: p.total,
            page: p.page,
            pages: p.pages,
            prev: f.link(p.page - 1),
            next: f.link(p.page + 1),
            f_overdue: checked(&f.overdue),
            f_mine: checked(&f.mine),
            can_handle: a.actor.can(Permission::HandleIncidents),
            statuses,
            severities,
            regions: region_options(&f.region),
            national: matches!(a.actor.scope, Scope::National),
        })
    })
}
