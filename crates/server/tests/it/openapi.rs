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

/// The IACA the API test run imports (scripts/schemathesis/): made by Sigil's own certificate
/// code, and importable for at least another year. Regenerated when it is missing, about to
/// expire, or with SIGIL_UPDATE_SNAPSHOTS=1.
#[tokio::test]
async fn the_api_test_iaca_fixture_is_importable() {
    use sigil_crypto::certificate::pem;
    use sigil_crypto::mdoc_certificate::{AlternativeName, IacaSubject, generate_iaca, pem_decode};

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/schemathesis");
    let (cert_path, key_path) = (dir.join("iaca.pem"), dir.join("iaca-key.pem"));
    let now = crate::wallet::now();
    let fresh = || {
        let cert = std::fs::read_to_string(&cert_path).ok()?;
        let der = pem_decode("CERTIFICATE", &cert)?;
        let (_, parsed) = x509_parser::parse_x509_certificate(&der).ok()?;
        (parsed.validity().not_after.timestamp() > now + 366 * 86_400).then_some(())
    };
    if std::env::var_os("SIGIL_UPDATE_SNAPSHOTS").is_some() || fresh().is_none() {
        let who = IacaSubject {
            common_name: "Sigil API test IACA".into(),
            country: "NZ".into(),
            state_or_province: None,
            alternative_name: AlternativeName::Email("api-test@example.com".into()),
        };
        let rng = sigil_crypto::SystemRandom::new();
        let (key, cert) = generate_iaca(&who, now - 3_600, now + 19 * 365 * 86_400, &rng).unwrap();
        std::fs::write(&cert_path, pem(&cert)).unwrap();
        std::fs::write(&key_path, crate::mdoc::pkcs8_pem(&key)).unwrap();
    }
    let app = spawn_app(Engine::Sqlite).await;
    let r = app
        .post(
            "/v1/credentials/mobile/iacas",
            serde_json::json!({
                "certificatePem": std::fs::read_to_string(&cert_path).unwrap(),
                "privateKeyPem": std::fs::read_to_string(&key_path).unwrap(),
            }),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.text);
}
