//! The OpenAPI 3.1 document of `/api/v1`, served at `/api/openapi.json`. Written out by hand from
//! [`crate::api::ROUTES`]; a test checks that every route is documented and nothing else is.

use axum::Json;
use serde_json::{json, Map, Value};

use crate::api::ROUTES;

fn summary(method: &str, path: &str) -> (&'static str, &'static str) {
    match (method, path) {
        ("GET", "/api/v1/me") => (
            "The caller's account, role, scope and permissions",
            "accounts",
        ),
        ("GET", "/api/v1/regions") => ("The 18 regions and their health agencies", "registry"),
        ("GET", "/api/v1/structures") => {
            ("Structures in scope, filtered and paginated", "registry")
        }
        ("GET", "/api/v1/structures.csv") => (
            "Structures in scope as CSV (semicolon-separated, UTF-8)",
            "registry",
        ),
        ("GET", "/api/v1/structures/{id}") => {
            ("One structure with its contacts and assets", "registry")
        }
        ("GET", "/api/v1/structures/{id}/contacts") => ("Contacts of a structure", "registry"),
        ("PUT", "/api/v1/structures/{id}/contacts/{role}") => (
            "Set the contact of a role (director, security_officer, dpo)",
            "registry",
        ),
        ("PUT", "/api/v1/structures/{id}/designations") => {
            ("Set the designations (OSE, ESR, overseas)", "registry")
        }
        ("GET", "/api/v1/structures/{id}/assets") => ("Declared assets of a structure", "registry"),
        ("POST", "/api/v1/structures/{id}/assets") => (
            "Declare an asset (domain or IP range) with who attests it",
            "registry",
        ),
        ("DELETE", "/api/v1/structures/{id}/assets/{asset}") => {
            ("Remove a declared asset", "registry")
        }
        ("GET", "/api/v1/ghts") => ("GHTs in scope", "registry"),
        ("GET", "/api/v1/ghts/{id}") => ("One GHT", "registry"),
        ("GET", "/api/v1/users") => ("Users in scope", "accounts"),
        ("POST", "/api/v1/users") => ("Create a user (administrators)", "accounts"),
        ("GET", "/api/v1/users/{id}") => ("One user", "accounts"),
        ("POST", "/api/v1/users/{id}/disable") => {
            ("Disable a user, ending its sessions and tokens", "accounts")
        }
        ("POST", "/api/v1/users/{id}/enable") => ("Enable a user", "accounts"),
        ("GET", "/api/v1/audit") => ("Search the audit log", "audit"),
        ("GET", "/api/v1/audit.csv") => ("Export the audit log as CSV", "audit"),
        ("POST", "/api/v1/imports/finess") => (
            "Import a FINESS extract (request body: the file)",
            "imports",
        ),
        ("POST", "/api/v1/imports/ght") => (
            "Import a GHT composition CSV (request body: the file)",
            "imports",
        ),
        ("GET", "/api/v1/jobs") => ("The job queue (administrators)", "operations"),
        ("GET", "/api/v1/webhooks") => ("Webhooks the caller may manage", "notifications"),
        ("POST", "/api/v1/webhooks") => (
            "Attach a webhook to a territory: {name, url, scope: national|region|ght|structure, target, events}; answers its signing secret once",
            "notifications",
        ),
        ("DELETE", "/api/v1/webhooks/{id}") => ("Remove a webhook", "notifications"),
        ("GET", "/api/v1/notifications") => (
            "E-mails and webhook deliveries about structures in scope (?structure_id=, ?limit=)",
            "notifications",
        ),
        _ => crate::surveillance::api_summary(method, path),
    }
}

fn parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let schema = if name == "role" {
                json!({ "type": "string" })
            } else {
                json!({ "type": "integer", "format": "int64" })
            };
            json!({ "name": name, "in": "path", "required": true, "schema": schema })
        })
        .collect()
}

pub fn build() -> Value {
    let mut paths = Map::new();
    for (method, path) in ROUTES {
        let (summary, tag) = summary(method, path);
        let rel = path.trim_start_matches("/api/v1");
        let entry = paths.entry(rel.to_string()).or_insert_with(|| json!({}));
        let mut responses = json!({
            "401": { "description": "Not signed in" },
            "403": { "description": "The role does not allow this" },
            "404": { "description": "Not found, or outside the caller's scope (never told apart)" }
        });
        let ok = match *method {
            "POST" if path.ends_with("/assets") || path.ends_with("/users") => "201",
            "POST" if path.ends_with("/scans") => "202",
            "PUT" | "DELETE" => "204",
            _ => "200",
        };
        responses[ok] = json!({ "description": "Success" });
        if *method != "GET" {
            responses["400"] =
                json!({ "description": "Invalid input; the message says where and why" });
        }
        entry[method.to_lowercase()] = json!({
            "summary": summary,
            "tags": [tag],
            "parameters": parameters(path),
            "responses": responses,
        });
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Vigie API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Registry of health structures, accounts and audit of the Vigie platform. \
                Every answer is confined to the caller's scope: an object outside it answers 404."
        },
        "servers": [{ "url": "/api/v1" }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "An API token created in 'My account' or with `vigie admin token`" },
                "session": { "type": "apiKey", "in": "cookie", "name": "vigie_session", "description": "The browser session; state-changing calls also need the X-CSRF-Token header" }
            }
        },
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": paths,
    })
}

pub async fn document() -> Json<Value> {
    Json(build())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_documented() {
        let doc = super::build();
        for (method, path) in crate::api::ROUTES {
            let rel = path.trim_start_matches("/api/v1");
            let op = &doc["paths"][rel][method.to_lowercase()];
            assert!(
                op.is_object(),
                "{method} {path} missing from the OpenAPI document"
            );
            assert!(
                !op["summary"].as_str().unwrap_or("").is_empty(),
                "{method} {path} has no summary"
            );
        }
    }
}
