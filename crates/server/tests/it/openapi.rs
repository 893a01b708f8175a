//! The management API's OpenAPI 3.1 document, snapshot-tested against docs/openapi.json.
//! After an intended API change: SIGIL_UPDATE_SNAPSHOTS=1 cargo nextest run openapi, and review
//! the diff.

use serde_json::Value;
use sigil_testkit::Engine;

use crate::helpers::{reply, spawn_app};

#[tokio::test]
async fn the_served_document_matches_the_snapshot() {
    let app = spawn_app(Engine::Sqlite).await;
    let served = reply(app.client.get(app.url("/v1/openapi.json"))).await;
    assert_eq!(served.status, reqwest::StatusCode::OK);
    let snapshot_path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
    if std::env::var_os("SIGIL_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot_path, format!("{}\n", served.text)).unwrap();
    }
    let snapshot = std::fs::read_to_string(&snapshot_path).expect("docs/openapi.json exists");
    assert_eq!(
        served.text,
        snapshot.trim_end(),
        "the API changed: update docs/openapi.json (see this file's header)"
    );

    let doc = &served.body;
    assert_eq!(doc["openapi"], "3.1.0");
    for (path, method) in [
        ("/v1/openid/configuration", "put"),
        ("/v1/openid/configuration", "get"),
        ("/v1/openid/credential-configurations", "post"),
        ("/v1/openid/credential-configurations/{id}", "delete"),
        ("/v1/users", "get"),
        ("/v1/users/{id}", "put"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} is documented");
        assert_eq!(
            op["security"][0]["adminToken"],
            Value::Array(vec![]),
            "{method} {path} requires the admin token"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["adminToken"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["ErrorResponse"].is_object());
}
