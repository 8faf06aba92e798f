//! The API's OpenAPI 3.1 document, as the server serves it: valid for a real validator
//! (`openapi-spec-validator`, installed by `scripts/install-test-deps.sh`), and describing every
//! route of the registry with its answers and, where there is one, its body's schema.

use std::io::Write;

use reqwest::StatusCode;
use vigie_store::testing;

use super::common::*;

#[tokio::test]
async fn the_served_openapi_document_is_valid_and_complete() {
    let db = testing::sqlite().await;
    let app = spawn_app(&db, Default::default()).await;
    let res = client()
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");

    // A real validator reads it.
    let mut file = tempfile::NamedTempFile::with_suffix(".json").unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator", "--schema", "3.1"])
        .arg(file.path())
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "openapi-spec-validator refused the document (installed by scripts/install-test-deps.sh):\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // Every API route of the registry, with its success answer; a JSON answer has its schema,
    // and a JSON request body too.
    let mut documented = 0;
    for r in vigie_web::all_routes().into_iter().filter(|r| r.api) {
        let rel = r.path.trim_start_matches("/api/v1");
        let op = &doc["paths"][rel][r.method.to_lowercase()];
        assert!(op.is_object(), "{} {} is not documented", r.method, r.path);
        let responses = op["responses"].as_object().unwrap();
        let (code, ok) = responses
            .iter()
            .find(|(c, _)| c.starts_with('2'))
            .unwrap_or_else(|| panic!("{} {}: no success answer", r.method, r.path));
        if code != "204" {
            let content = ok["content"].as_object().unwrap_or_else(|| {
                panic!("{} {}: its {code} answer has no content", r.method, r.path)
            });
            if let Some(json) = content.get("application/json") {
                assert!(
                    json["schema"].is_object(),
                    "{} {}: its JSON answer has no schema",
                    r.method,
                    r.path
                );
            }
        }
        if let Some(body) = op["requestBody"]["content"]["application/json"].as_object() {
            assert!(
                body["schema"].is_object(),
                "{} {}: body without schema",
                r.method,
                r.path
            );
        }
        for c in ["401", "403", "404"] {
            assert!(responses.contains_key(c), "{} {}: no {c}", r.method, r.path);
        }
        documented += 1;
    }
    assert!(documented >= 45, "only {documented} API routes");
    db.cleanup().await;
}
