//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/openapi.json`. Its operations come from
//! the route registry (each API handler's `#[utoipa::path]` both registers the route and
//! documents it); this module adds what every operation shares: the security schemes, the
//! answers a caller may always get (401, 403, 404, and 400 for writes) and the error body.

use std::sync::OnceLock;

use axum::Json;
use serde_json::{json, Value};

/// The document, completed once when the router is built.
static DOCUMENT: OnceLock<Value> = OnceLock::new();

/// Makes a built registry's operations the served document.
pub fn install(doc: utoipa::openapi::OpenApi) {
    let _ = DOCUMENT.set(build(doc));
}

/// Completes the operations' document with what they all share.
pub fn build(doc: utoipa::openapi::OpenApi) -> Value {
    let mut v = serde_json::to_value(&doc).unwrap_or_else(|_| json!({}));
    let error_ref = json!({ "$ref": "#/components/schemas/Error" });
    let answer = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": error_ref.clone() } } });
    if let Some(paths) = v.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                    continue;
                };
                responses
                    .entry("401")
                    .or_insert_with(|| answer("Not signed in"));
                responses
                    .entry("403")
                    .or_insert_with(|| answer("The role does not allow this"));
                responses.entry("404").or_insert_with(|| {
                    answer("Not found, or outside the caller's scope (never told apart)")
                });
                if method != "get" {
                    responses
                        .entry("400")
                        .or_insert_with(|| answer("Invalid input; the message says where and why"));
                }
                responses
                    .entry("500")
                    .or_insert_with(|| answer("Internal error; quote the operation id"));
            }
        }
    }
    v["openapi"] = json!("3.1.0");
    v["info"] = json!({
        "title": "Vigie API",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "Registry of health structures, surveillance of their exposure, vulnerability watch, \
            notifications, accounts and audit of the Vigie platform. Every answer is confined to the \
            caller's scope: an object outside it answers 404.",
        "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" }
    });
    v["servers"] = json!([{ "url": crate::routes::API_PREFIX }]);
    v["security"] = json!([{ "bearer": [] }, { "session": [] }]);
    let components = v
        .as_object_mut()
        .map(|o| o.entry("components").or_insert_with(|| json!({})));
    if let Some(c) = components {
        c["securitySchemes"] = json!({
            "bearer": { "type": "http", "scheme": "bearer", "description": "An API token created in 'My account' or with `vigie admin token`" },
            "session": { "type": "apiKey", "in": "cookie", "name": "vigie_session", "description": "The browser session; state-changing calls also need the X-CSRF-Token header" }
        });
        if !c.get("schemas").is_some_and(Value::is_object) {
            c["schemas"] = json!({});
        }
        c["schemas"]["Error"] = json!({
            "type": "object",
            "required": ["error", "operation"],
            "properties": {
                "error": { "type": "string", "description": "What went wrong, in the caller's language" },
                "operation": { "type": "string", "description": "The operation id, also in the server's log" }
            }
        });
    }
    v
}

pub async fn document() -> Json<Value> {
    Json(DOCUMENT.get().cloned().unwrap_or_else(|| json!({})))
}

#[cfg(test)]
mod tests {
    /// Every API route of the registry is in the document, with a summary and its answers.
    #[test]
    fn every_route_is_documented() {
        let doc = super::build(crate::registry_routes().build().openapi);
        for r in crate::all_routes().into_iter().filter(|r| r.api) {
            let rel = r.path.trim_start_matches(crate::routes::API_PREFIX);
            let op = &doc["paths"][rel][r.method.to_lowercase()];
            assert!(
                op.is_object(),
                "{} {} missing from the OpenAPI document",
                r.method,
                r.path
            );
            assert!(
                !op["summary"].as_str().unwrap_or("").is_empty(),
                "{} {} has no summary",
                r.method,
                r.path
            );
            assert!(op["responses"]["401"].is_object());
        }
    }
}
