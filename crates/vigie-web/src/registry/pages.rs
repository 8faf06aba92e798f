//! The registry's pages: the structures of the viewer's scope (search, filters, CSV), a
//! structure's page (identity, contacts, declared assets, and the sections the engines add), the
//! GHTs.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use vigie_domain::role::Permission;
use vigie_domain::structure::{AssetKind, ContactRole};
use vigie_report::chart::MapLevel;
use vigie_store::registry::{Asset, Ght, LoadBy, Structure, StructureFilter, StructureSummary};
use vigie_store::StoreError;

use super::charts;
use crate::auth::Page;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::ui::{
    csv_bytes, csv_response, csv_writer, page, render, render_status, scope_region_options,
    ChartBlock, Ctx, Opt,
};
use crate::AppState;

#[derive(Deserialize, Default, Clone)]
pub struct StructureQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub ght: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub sector: String,
    #[serde(default)]
    pub legal_family: String,
    #[serde(default)]
    pub designation: String,
    #[serde(default)]
    pub page: Option<i64>,
    #[serde(default)]
    pub per_page: Option<i64>,
}

impl StructureQuery {
    pub fn filter(&self) -> Result<StructureFilter, AppError> {
        let ght_id = match self.ght.trim() {
            "" => None,
            g => Some(
                g.parse()
                    .map_err(|_| AppError::BadRequest(format!("ght: {g:?} is not a GHT id")))?,
            ),
        };
        let designation =
            match self.designation.trim() {
                "" => None,
                d => Some(d.parse().map_err(|_| {
                    AppError::BadRequest(format!("designation: unknown value {d:?}"))
                })?),
            };
        Ok(StructureFilter {
            text: Some(self.q.clone()),
            region_code: Some(self.region.clone()),
            department_code: Some(self.department.clone()),
            ght_id,
            category_code: Some(self.category.clone()),
            sector: Some(self.sector.clone()),
            legal_family: Some(self.legal_family.clone()),
            designation,
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(50),
        })
    }

    /// The filters as a query string, without the page (for links).
    fn query_string(&self) -> String {
        let pairs = [
            ("q", &self.q),
            ("region", &self.region),
            ("ght", &self.ght),
            ("category", &self.category),
            ("designation", &self.designation),
            ("sector", &self.sector),
            ("legal_family", &self.legal_family),
            ("department", &self.department),
        ];
        serde_urlencoded::to_string(
            pairs
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "registry/structures.html")]
struct StructuresPage {
    ctx: Ctx,
    rows: Vec<vigie_store::registry::StructureRow>,
    total: i64,
    page: i64,
    pages: i64,
    q: String,
    category: String,
    query: String,
    regions: Vec<Opt>,
    ght_options: Vec<Opt>,
    designations: Vec<Opt>,
}

pub(crate) async fn structures(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<StructureQuery>,
) -> Response {
    page!(a, {
        let f = q.filter()?;
        let (rows, total) = st.store.list_structure_rows(&a.actor, &f).await?;
        let per_page = f.per_page.clamp(1, 500);
        let ghts = st.store.ght_options(&a.actor).await?;
        render(&StructuresPage {
            ctx: Ctx::of(&a),
            rows,
            total,
            page: f.page.max(1),
            pages: ((total + per_page - 1) / per_page).max(1),
            query: q.query_string(),
            regions: scope_region_options(&a.actor, &q.region),
            ght_options: ghts
                .into_iter()
                .map(|(id, name)| Opt {
                    selected: id.to_string() == q.ght,
                    value: id.to_string(),
                    label: name,
                })
                .collect(),
            designations: ["ose", "esr", "overseas"]
                .into_iter()
                .map(|d| Opt {
                    value: d.into(),
                    label: String::new(),
                    selected: d == q.designation,
                })
                .collect(),
            q: q.q,
            category: q.category,
        })
    })
}

/// CSV export of the filtered list (every page). Cells that a spreadsheet would run as a formula
/// are neutralised.
pub fn structures_to_csv(rows: &[StructureSummary]) -> Result<Vec<u8>, AppError> {
    let mut w = csv_writer();
    let err = |e: csv::Error| AppError::Internal(e.to_string());
    w.write_record([
        "finess_et",
        "nom",
        "categorie",
        "secteur",
        "statut",
        "departement",
        "region",
        "ght",
        "ose",
        "esr",
        "outre_mer",
    ])
    .map_err(err)?;
    for r in rows {
        w.write_record([
            r.finess_et.as_str(),
            r.name.as_str(),
            r.category_label.as_str(),
            &r.sector,
            &r.legal_family,
            &r.department_code,
            &r.region_code,
            r.ght_name.as_deref().unwrap_or(""),
            if r.ose == 1 { "1" } else { "0" },
            if r.esr == 1 { "1" } else { "0" },
            if r.overseas == 1 { "1" } else { "0" },
        ])
        .map_err(err)?;
    }
    csv_bytes(w)
}

pub(crate) async fn structures_csv(
    State(st): State<AppState>,
    Page(a): Page,
    Query(q): Query<StructureQuery>,
) -> Response {
    page!(a, {
        let rows = st.store.export_structures(&a.actor, &q.filter()?).await?;
        Ok(csv_response("structures.csv", structures_to_csv(&rows)?))
    })
}

pub struct ContactView {
    pub role_label: &'static str,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

#[derive(Template)]
#[template(path = "registry/structure.html")]
struct StructurePage {
    ctx: Ctx,
    s: Structure,
    contacts: Vec<ContactView>,
    assets: Vec<Asset>,
    can_write: bool,
    can_assets: bool,
    /// A regional or CERT analyst: validates pending assets.
    can_validate: bool,
    /// What the engines show of this structure (exposure, alerts, inventory…), in their order.
    sections: Vec<String>,
    /// The asset form: empty, or a refused declaration with what was typed and why.
    asset: AssetFields,
}

/// The asset form's fields as typed, and why a declaration was refused (in the reader's
/// language, shown beside the field it is about: `value`, `attested_by` or `kind`).
#[derive(Default)]
pub struct AssetFields {
    pub kind: String,
    pub value: String,
    pub attested_by: String,
    pub error: String,
    pub error_field: &'static str,
}

pub(crate) async fn structure(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
) -> Response {
    page!(
        a,
        render(&structure_page(&st, &a, id, AssetFields::default()).await?)
    )
}

/// A structure's page, its asset form holding `asset` (a refused declaration, or empty).
async fn structure_page(
    st: &AppState,
    a: &crate::auth::Authed,
    id: i64,
    asset: AssetFields,
) -> Result<StructurePage, AppError> {
    {
        let s = st.store.get_structure(&a.actor, id).await?;
        let fr = a.lang == Lang::Fr;
        let contacts = st
            .store
            .list_contacts(&a.actor, id)
            .await?
            .into_iter()
            .map(|c| ContactView {
                role_label: c
                    .role
                    .parse::<ContactRole>()
                    .map(|r| if fr { r.label_fr() } else { r.label_en() })
                    .unwrap_or("?"),
                name: c.name,
                email: c.email,
                phone: c.phone,
            })
            .collect();
        let assets = st.store.list_assets(&a.actor, id).await?;
        let mut sections = Vec::new();
        for section in &crate::routes::parts().sections {
            if let Some(html) = (section.render)(st, a, id).await? {
                sections.push(html);
            }
        }
        Ok(StructurePage {
            sections,
            ctx: Ctx::of(a),
            s,
            contacts,
            assets,
            can_write: a.actor.can(Permission::WriteStructures),
            can_assets: a.actor.can(Permission::WriteAssets),
            can_validate: vigie_store::registry::may_validate_assets(&a.actor),
            asset,
        })
    }
}

#[derive(Deserialize)]
pub(crate) struct ContactForm {
    role: String,
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

pub(crate) async fn structure_contact(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<ContactForm>,
) -> Response {
    page!(a, {
        let role: ContactRole = f.role.parse().map_err(|_| {
            AppError::BadRequest(format!("role: unknown contact role {:?}", f.role))
        })?;
        st.store
            .set_contact(&a.actor, id, role, &f.name, Some(&f.email), Some(&f.phone))
            .await?;
        Ok(Redirect::to(&format!("/structures/{id}")).into_response())
    })
}

#[derive(Deserialize)]
pub(crate) struct AssetForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    attested_by: String,
}

pub fn asset_kind(s: &str) -> Result<AssetKind, AppError> {
    match s {
        "domain" => Ok(AssetKind::Domain),
        "ip_range" => Ok(AssetKind::IpRange),
        k => Err(AppError::BadRequest(format!(
            "kind: expected domain or ip_range, got {k:?}"
        ))),
    }
}

pub(crate) async fn structure_add_asset(
    State(st): State<AppState>,
    Page(a): Page,
    Path(id): Path<i64>,
    Form(f): Form<AssetForm>,
) -> Response {
    page!(a, {
        a.actor.require(Permission::WriteAssets)?;
        let tr = a.tr();
        // The person's mistakes come back on the structure's page, beside the field, with what
        // was typed; anything else (scope, rights, the database) is an error page as usual.
        let refused = match f.kind.parse::<AssetKind>().ok() {
            None => Some((
                "kind",
                tr.problem(
                    &vigie_domain::problem::Problem::new("ux-asset-kind-unknown")
                        .arg("value", f.kind.as_str()),
                ),
            )),
            Some(kind) => match st
                .store
                .add_asset(&a.actor, id, kind, &f.value, &f.attested_by)
                .await
            {
                Ok(_) => None,
                Err(StoreError::Invalid(p)) => Some((
                    if p.key == "registry-asset-attestation-required" {
                        "attested_by"
                    } else {
                        "value"
                    },
                    tr.problem(&p),
                )),
                // Already declared: said in the reader's words (the API keeps its 409).
                Err(StoreError::Conflict(_)) => Some((
                    "value",
                    tr.t_arg("ux-asset-duplicate", "value", f.value.trim()),
                )),
                Err(e) => return Err(e.into()),
            },
        };
        match refused {
            None => Ok(Redirect::to(&format!("/structures/{id}#h-assets")).into_response()),
            Some((field, error)) => {
                let asset = AssetFields {
                    kind: f.kind,
                    value: f.value,
                    attested_by: f.attested_by,
                    error,
                    error_field: field,
                };
                render_status(
                    StatusCode::BAD_REQUEST,
                    &structure_page(&st, &a, id, asset).await?,
                )
            }
        }
    })
}

pub(crate) async fn structure_remove_asset(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, asset)): Path<(i64, i64)>,
) -> Response {
    page!(a, {
        st.store.remove_asset(&a.actor, id, asset).await?;
        Ok(Redirect::to(&format!("/structures/{id}")).into_response())
    })
}

/// An analyst validates a pending asset (issue 13, item 14): from then on it is scanned.
pub(crate) async fn structure_validate_asset(
    State(st): State<AppState>,
    Page(a): Page,
    Path((id, asset)): Path<(i64, i64)>,
) -> Response {
    page!(a, {
        st.store.validate_asset(&a.actor, id, asset).await?;
        Ok(Redirect::to(&format!("/structures/{id}")).into_response())
    })
}

#[derive(Template)]
#[template(path = "registry/ghts.html")]
struct GhtsPage {
    ctx: Ctx,
    ghts: Vec<Ght>,
}

pub(crate) async fn ghts(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, {
        let ghts = st.store.list_ghts(&a.actor, None).await?;
        render(&GhtsPage {
            ctx: Ctx::of(&a),
            ghts,
        })
    })
}

/// A region as its page lists it: its name, its health agency, its structures, open findings
/// and open alerts in the scope.
pub(crate) struct RegionLine {
    pub code: &'static str,
    pub name: &'static str,
    pub ars: &'static str,
    pub structures: i64,
    pub findings: i64,
    pub alerts: i64,
}

#[derive(Template)]
#[template(path = "registry/regions.html")]
struct RegionsPage {
    ctx: Ctx,
    regions: Vec<RegionLine>,
    charts: Vec<ChartBlock>,
}

/// The regions of the viewer's scope side by side (a chart of their open findings and alerts,
/// their map, their table), each leading to its structures, advisories and findings.
pub(crate) async fn regions(State(st): State<AppState>, Page(a): Page) -> Response {
    page!(a, {
        let load = st.store.open_load(&a.actor, LoadBy::Region, None).await?;
        let regions = vigie_domain::geo::regions()
            .iter()
            .filter_map(|r| {
                load.iter().find(|l| l.key == r.code).map(|l| RegionLine {
                    code: r.code,
                    name: r.name,
                    ars: r.ars,
                    structures: l.structures,
                    findings: l.findings,
                    alerts: l.alerts,
                })
            })
            .collect();
        let tr = a.tr();
        let charts = if load.is_empty() {
            Vec::new()
        } else {
            vec![
                charts::side_by_side(tr, "chart-territories", LoadBy::Region, &load),
                charts::map(tr, "chart-map", MapLevel::Regions, &load),
            ]
        };
        render(&RegionsPage {
            ctx: Ctx::of(&a),
            regions,
            charts,
        })
    })
}

#[derive(Template)]
#[template(path = "registry/ght.html")]
struct GhtPage {
    ctx: Ctx,
    g: Ght,
    /// Its structures side by side, by open findings.
    charts: Vec<ChartBlock>,
}

/// One GHT: what it is and where its structures, alerts and findings are.
pub(crate) async fn ght(
    State(st): State<AppState>,
    Page(a): Page,
    axum::extract::Path(id): axum::extract::Path<i64>,
) -> Response {
    page!(a, {
        let g = st.store.get_ght(&a.actor, id).await?;
        let members = st
            .store
            .open_load(&a.actor, LoadBy::Structure, Some(g.id))
            .await?;
        let charts = if members.is_empty() {
            Vec::new()
        } else {
            vec![charts::side_by_side(
                a.tr(),
                "chart-members",
                LoadBy::Structure,
                &members,
            )]
        };
        render(&GhtPage {
            ctx: Ctx::of(&a),
            g,
            charts,
        })
    })
}
