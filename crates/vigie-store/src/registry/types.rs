//! The registry's data: structures, GHTs, contacts, assets, and what lists and imports take and
//! give.

use serde::Serialize;
use vigie_domain::structure::Designation;

/// A structure as the list shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StructureSummary {
    pub id: i64,
    pub finess_et: String,
    pub name: String,
    pub category_code: String,
    pub category_label: String,
    pub sector: String,
    pub legal_family: String,
    pub department_code: String,
    pub region_code: String,
    pub ght_id: Option<i64>,
    pub ght_name: Option<String>,
    pub ose: i64,
    pub esr: i64,
    pub overseas: i64,
    pub is_demo: i64,
}

/// A structure with everything about it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Structure {
    pub id: i64,
    pub finess_et: String,
    pub finess_ej: Option<String>,
    pub name: String,
    pub long_name: String,
    pub category_code: String,
    pub category_label: String,
    pub aggregate_code: String,
    pub legal_family: String,
    pub sector: String,
    pub address: String,
    pub postal_line: String,
    pub department_code: String,
    pub region_code: String,
    pub ght_id: Option<i64>,
    pub ght_name: Option<String>,
    pub phone: Option<String>,
    pub siret: Option<String>,
    pub ose: i64,
    pub esr: i64,
    pub overseas: i64,
    pub is_demo: i64,
    pub source: String,
    pub finess_updated_on: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Contact {
    pub id: i64,
    pub structure_id: i64,
    pub role: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Asset {
    pub id: i64,
    pub structure_id: i64,
    pub kind: String,
    pub value: String,
    pub attested_by: String,
    pub attested_at: i64,
    pub is_demo: i64,
    pub created_at: i64,
    /// When a regional or CERT analyst validated it (at once when one of them declared it).
    /// `None`: pending, never scanned.
    pub validated_at: Option<i64>,
    /// Who validated it (`None` with a date: the migration that validated the assets declared
    /// before validation existed, or the platform itself).
    pub validated_by: Option<i64>,
}

impl Asset {
    /// Waiting for an analyst's validation: not scanned.
    pub fn is_pending(&self) -> bool {
        self.validated_at.is_none()
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Ght {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub region_code: String,
    pub support_structure_id: Option<i64>,
    pub structure_count: i64,
}

/// The fields of a structure that come from the FINESS registry (or a form).
#[derive(Debug, Clone, Default)]
pub struct StructureInput {
    pub finess_et: String,
    pub finess_ej: Option<String>,
    pub name: String,
    pub long_name: String,
    pub category_code: String,
    pub category_label: String,
    pub aggregate_code: String,
    pub legal_family: String,
    pub sector: String,
    pub address: String,
    pub postal_line: String,
    pub department_code: String,
    pub region_code: String,
    pub phone: Option<String>,
    pub siret: Option<String>,
    pub finess_updated_on: Option<String>,
    pub is_demo: bool,
    pub source: String,
}

/// Filters of the structures list.
#[derive(Debug, Clone, Default)]
pub struct StructureFilter {
    pub text: Option<String>,
    pub region_code: Option<String>,
    pub department_code: Option<String>,
    pub ght_id: Option<i64>,
    pub category_code: Option<String>,
    pub sector: Option<String>,
    pub legal_family: Option<String>,
    pub designation: Option<Designation>,
    pub page: i64,
    pub per_page: i64,
}

/// Counts of a bulk upsert.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct UpsertCounts {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// A structure as the HTML list shows it (a row of the table).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct StructureRow {
    pub id: i64,
    pub finess_et: String,
    pub name: String,
    pub category_label: String,
    pub department_code: String,
    pub ght_id: Option<i64>,
    /// Filled from the cached names of the GHTs, not joined (see `list_structure_rows`).
    #[sqlx(skip)]
    pub ght_name: Option<String>,
    pub ose: i64,
    pub is_demo: i64,
}

/// How to break down the structures in scope, for dashboards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breakdown {
    Region,
    Department,
    Sector,
    Ght,
}

/// Dashboard figures of the structures in scope.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Coverage {
    pub structures: i64,
    /// Structures that declared at least one asset (surveillance can only watch these).
    pub with_assets: i64,
    /// Structures with a security officer (RSSI) contact.
    pub with_security_officer: i64,
    pub essential_operators: i64,
}
