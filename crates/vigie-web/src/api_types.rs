//! The shapes the API answers with, shared by every slice: a list, a page of a list, the id of
//! what was created. Each derives its schema for the OpenAPI document.

use serde::Serialize;
use utoipa::ToSchema;

/// A list.
#[derive(Serialize, ToSchema)]
pub struct Items<T: ToSchema> {
    pub items: Vec<T>,
}

impl<T: ToSchema> Items<T> {
    pub fn of(items: Vec<T>) -> Items<T> {
        Items { items }
    }
}

/// A page of a longer list.
#[derive(Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// How many there are in all.
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// A list and its total, for searches without pages (the audit log).
#[derive(Serialize, ToSchema)]
pub struct Found<T: ToSchema> {
    pub items: Vec<T>,
    pub total: i64,
}

/// What was created.
#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// A JSON document whose shape is defined elsewhere: another standard's (a MISP event, a STIX
/// bundle) or an engine's model (an observatory, a diagnostics overview), described in its own
/// documentation.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct Document(pub serde_json::Value);

impl Document {
    /// The document of a value that serialises (a failure is the server's, not the caller's).
    pub fn of<T: Serialize>(v: &T) -> Result<Document, crate::error::AppError> {
        serde_json::to_value(v)
            .map(Document)
            .map_err(|e| crate::error::AppError::Internal(e.to_string()))
    }
}
