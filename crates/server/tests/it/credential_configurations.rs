//! `/v1/openid/credential-configurations`: every format, seed 004's claim mappings, validation.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_testkit::Engine;

use crate::helpers::{assert_bad_request, assert_error, spawn_app};
use crate::on_both_engines;
use crate::wallet::{Wallet, verify_issuer_jwt};

const PATH: &str = "/v1/openid/credential-configurations";

fn course() -> Value {
    json!({
        "name": "Course Credential",
        "description": "Completion of a course",
        "format": "ldp_vc",
        "type": "CourseCredential",
        "additionalTypes": ["EducationCredential"],
        "contexts": ["https://www.w3.org/ns/credentials/examples/v2"],
        "claimMappings": {
            // Seed 004's "claims with default values" example.
            "dateOfBirth": {"mapFrom": "claims.dateOfBirth", "defaultValue": "Not provided"},
            "email": {"mapFrom": "claims.email", "required": true},
            "address": {"mapFrom": "claims.address.formatted"},
            "staticJsonValue": {"defaultValue": {"foo": "bar"}},
            "staticArrayValue": {"defaultValue": ["foo", "bar"]},
            "staticNumericValue": {"defaultValue": 12.34}
        },
        "branding": {"locale": "en-US", "backgroundColor": "#FFFFFF", "textColor": "#000000",
                     "logo": {"url": "https://example.com/logo.png", "altText": "Example Logo"}},
        "expiresIn": {"years": 1, "days": 2}
    })
}

fn minimal(format: &str) -> Value {
    let mut body = json!({"name": format!("A {format}"), "format": format, "claimMappings": {"firstName": {"mapFrom": "claims.given_name", "required": true}}});
    match format {
        "dc+sd-jwt" => body["vct"] = json!("https://credentials.example.com/identity_credential"),
        "mso_mdoc" => {
            body["doctype"] = json!("org.iso.18013.5.1.mDL");
            body["claimMappings"] = json!({"org.iso.18013.5.1": {"given_name": {"mapFrom": "claims.given_name", "required": true}}});
        }
        "ldp_vc" => {
            body["type"] = json!("TestCredential");
            body["contexts"] = json!(["https://schema.org"]);
            body["proofSuite"] = json!("Ed25519Signature2020");
        }
        _ => body["type"] = json!("TestCredential"),
    }
    body
}

on_both_engines!(
    create_read_update_delete,
    every_format_is_accepted_with_its_type_field,
    invalid_configurations_are_rejected_with_details,
    scopes_are_unique,
    lists_page_with_a_cursor,
    an_update_is_issued_from_at_once,
    a_change_through_one_node_is_issued_from_on_the_other,
    the_metadata_follows_every_change,
);

async fn create_read_update_delete(engine: Engine) {
    let app = spawn_app(engine).await;
    let created = app.post(PATH, course()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["id"].as_str().unwrap().to_string();
    let mut expected = course();
    expected["id"] = json!(id);
    expected["scope"] = json!("ldp_vc:CourseCredential");
    expected["deferred"] = json!(false);
    expected["revocable"] = json!(false);
    assert_eq!(created.body, expected);
    let path = format!("{PATH}/{id}");
    assert_eq!(app.get(&path).await.body, created.body);

    let mut changed = course();
    changed["name"] = json!("Renamed");
    changed["claimMappings"] = json!({"email": {"defaultValue": "noreply@example.com"}});
    let updated = app.put(&path, changed.clone()).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["name"], "Renamed");
    assert_eq!(updated.body["claimMappings"], changed["claimMappings"]);
    assert_eq!(app.get(&path).await.body, updated.body);

    let mut broken = changed.clone();
    broken["claimMappings"] = json!({"email": {}});
    assert_bad_request(&app.put(&path, broken).await, "claimMappings.email", "body");
    assert_eq!(
        app.get(&path).await.body,
        updated.body,
        "a rejected PUT changes nothing"
    );

    let deleted = app.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_error(&app.get(&path).await, StatusCode::NOT_FOUND, "NotFound");
    assert_error(&app.delete(&path).await, StatusCode::NOT_FOUND, "NotFound");
}

async fn every_format_is_accepted_with_its_type_field(engine: Engine) {
    let app = spawn_app(engine).await;
    for (format, scope) in [
        (
            "dc+sd-jwt",
            "dc+sd-jwt:https://credentials.example.com/identity_credential",
        ),
        ("jwt_vc_json", "jwt_vc_json:TestCredential"),
        ("mso_mdoc", "mso_mdoc:org.iso.18013.5.1.mDL"),
        ("ldp_vc", "ldp_vc:TestCredential"),
        ("cwt_vc", "cwt_vc:TestCredential"),
        ("cwt", "cwt:TestCredential"),
    ] {
        let r = app.post(PATH, minimal(format)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{format}: {}", r.text);
        assert_eq!(r.body["format"], format);
        assert_eq!(r.body["scope"], scope);
    }
    let listed = app.get(PATH).await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 6);
}

async fn invalid_configurations_are_rejected_with_details(engine: Engine) {
    let app = spawn_app(engine).await;
    let with = |patch: Value| {
        let mut body = minimal("ldp_vc");
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        body
    };
    let cases: Vec<(Value, &str)> = vec![
        (with(json!({"name": null})), "name"),
        (with(json!({"name": "  "})), "name"),
        (with(json!({"format": "vc+sd-jwt"})), "format"),
        (with(json!({"format": 7})), "format"),
        (with(json!({"type": null})), "type"),
        (with(json!({"type": "Has Space"})), "type"),
        (with(json!({"vct": "urn:x"})), "vct"),
        (with(json!({"doctype": "org.iso.18013.5.1.mDL"})), "doctype"),
        (with(json!({"contexts": ["not a url"]})), "contexts.0"),
        (with(json!({"additionalTypes": [""]})), "additionalTypes.0"),
        (with(json!({"claimMappings": {"x": {}}})), "claimMappings.x"),
        (
            with(json!({"claimMappings": {"x": {"mapFrom": "profile.x"}}})),
            "claimMappings.x.mapFrom",
        ),
        (
            with(json!({"claimMappings": {"x": {"defaultValue": null}}})),
            "claimMappings.x.defaultValue",
        ),
        (
            with(json!({"claimMappings": {"x": {"mapFrom": "claims.x", "requried": true}}})),
            "claimMappings.x.requried",
        ),
        (
            with(json!({"claimMappings": {"id": {"mapFrom": "claims.id"}}})),
            "claimMappings.id",
        ),
        (with(json!({"claimMappings": ["x"]})), "claimMappings"),
        (
            with(json!({"branding": {"backgroundColor": "white"}})),
            "branding.backgroundColor",
        ),
        (
            with(json!({"branding": {"logo": {"url": "http://example.com/l.png"}}})),
            "branding.logo.url",
        ),
        (with(json!({"expiresIn": {"days": 0}})), "expiresIn"),
        (with(json!({"expiresIn": {"days": -1}})), "expiresIn.days"),
        (
            with(json!({"expiresIn": {"fortnights": 1}})),
            "expiresIn.fortnights",
        ),
        (with(json!({"revocable": "yes"})), "revocable"),
    ];
    for (body, param) in cases {
        assert_bad_request(&app.post(PATH, body).await, param, "body");
    }
    let mut sd = minimal("dc+sd-jwt");
    sd["claimMappings"] = json!({"iss": {"defaultValue": "https://evil.example"}});
    assert_bad_request(&app.post(PATH, sd).await, "claimMappings.iss", "body");
    let mut sd = minimal("dc+sd-jwt");
    sd.as_object_mut().unwrap().remove("vct");
    assert_bad_request(&app.post(PATH, sd).await, "vct", "body");
    let mut mdoc = minimal("mso_mdoc");
    mdoc["claimMappings"] = json!({"given_name": {"mapFrom": "claims.given_name"}});
    assert_bad_request(
        &app.post(PATH, mdoc).await,
        "claimMappings.given_name",
        "body",
    );
    // Several problems are reported together.
    let r = app.post(PATH, json!({"name": "", "format": "cwt"})).await;
    let params: Vec<&str> = r.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["param"].as_str().unwrap())
        .collect();
    assert_eq!(params, ["name", "type"], "{}", r.text);
    assert_eq!(
        app.get(PATH).await.body["data"],
        json!([]),
        "nothing was created"
    );
}

async fn scopes_are_unique(engine: Engine) {
    let app = spawn_app(engine).await;
    assert_eq!(
        app.post(PATH, minimal("cwt")).await.status,
        StatusCode::CREATED
    );
    assert_error(
        &app.post(PATH, minimal("cwt")).await,
        StatusCode::CONFLICT,
        "Conflict",
    );
    let other = app.post(PATH, minimal("cwt_vc")).await;
    let path = format!("{PATH}/{}", other.body["id"].as_str().unwrap());
    let mut clash = minimal("cwt");
    clash["name"] = json!("clash");
    assert_error(
        &app.put(&path, clash).await,
        StatusCode::CONFLICT,
        "Conflict",
    );
    assert_eq!(app.get(&path).await.body["format"], "cwt_vc");
}

async fn lists_page_with_a_cursor(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut body = minimal("cwt");
        body["type"] = json!(format!("Type{i}"));
        ids.push(
            app.post(PATH, body).await.body["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut seen = Vec::new();
    let mut path = format!("{PATH}?limit=2");
    loop {
        let page = app.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        let data = page.body["data"].as_array().unwrap();
        assert!(data.len() <= 2);
        seen.extend(data.iter().map(|c| c["id"].as_str().unwrap().to_string()));
        match page.body.get("nextCursor").and_then(Value::as_str) {
            Some(cursor) => path = format!("{PATH}?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, ids, "every configuration once, in creation order");
}

/// The `firstName` of the jwt_vc_json a credential response carries, its signature verified.
fn first_name_in(reply: crate::helpers::Reply, jwks: &Value) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let (_, payload) = verify_issuer_jwt(
        reply.body["credentials"][0]["credential"].as_str().unwrap(),
        jwks,
    );
    payload["vc"]["credentialSubject"]["firstName"].clone()
}

/// Configurations are parsed once and kept, by the stored document: a change is what the very
/// next credential is issued from.
async fn an_update_is_issued_from_at_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let mut body = minimal("jwt_vc_json");
    let id = app.configuration(body.clone()).await;
    let wallet = Wallet::new(sigil_crypto::SigningAlgorithm::Es256);
    let jwks = app.get("/v1/oauth/jwks").await.body;
    let first_name = |reply: crate::helpers::Reply| first_name_in(reply, &jwks);
    let offer =
        json!({"credentials": [id], "claims": {"given_name": "Ada", "family_name": "Lovelace"}});
    assert_eq!(
        first_name(app.full_flow(&wallet, &id, offer.clone()).await),
        "Ada"
    );
    body["claimMappings"] =
        json!({"firstName": {"mapFrom": "claims.family_name", "required": true}});
    let updated = app.put(&format!("{PATH}/{id}"), body).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(
        first_name(app.full_flow(&wallet, &id, offer).await),
        "Lovelace",
        "the credential after the update follows the new mapping"
    );
}

/// Two nodes on one database: node B has issued from a configuration (and keeps it parsed),
/// node A changes it, and B issues from the new version within two seconds. On PostgreSQL B
/// hears of the change from the database (a trigger's notification); on SQLite it reads the file
/// again at most 0.5 s after its last read (`CONFIGURATION_RECHECK`).
async fn a_change_through_one_node_is_issued_from_on_the_other(engine: Engine) {
    let mut app = spawn_app(engine).await;
    let node_a = app.base.clone();
    let other = sigil::Server::start(&app.config)
        .await
        .expect("a second node starts");
    let node_b = format!("http://{}", other.public_addr);
    let mut body = minimal("jwt_vc_json");
    let id = app.configuration(body.clone()).await;
    let wallet = Wallet::new(sigil_crypto::SigningAlgorithm::Es256);
    let jwks = app.get("/v1/oauth/jwks").await.body;
    let first_name = |reply: crate::helpers::Reply| first_name_in(reply, &jwks);
    let offer =
        json!({"credentials": [id], "claims": {"given_name": "Ada", "family_name": "Lovelace"}});
    app.base = node_b.clone();
    for _ in 0..2 {
        assert_eq!(
            first_name(app.full_flow(&wallet, &id, offer.clone()).await),
            "Ada"
        );
    }
    app.base = node_a;
    body["claimMappings"] =
        json!({"firstName": {"mapFrom": "claims.family_name", "required": true}});
    let updated = app.put(&format!("{PATH}/{id}"), body).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    app.base = node_b;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        let name = first_name(app.full_flow(&wallet, &id, offer.clone()).await);
        if name == "Lovelace" {
            break;
        }
        assert_eq!(name, "Ada");
        assert!(
            std::time::Instant::now() < deadline,
            "node B still issues from the old configuration two seconds after the change"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    other.shutdown().await;
}

/// The credential issuer metadata is serialised once per change, and every change shows in the
/// next response: a new configuration, a renamed one, a deleted one, rotated request keys.
async fn the_metadata_follows_every_change(engine: Engine) {
    let app = spawn_app(engine).await;
    let metadata = || async { app.get("/.well-known/openid-credential-issuer").await };
    let before = metadata().await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(
        before.text,
        metadata().await.text,
        "unchanged, byte-identical"
    );
    let mut body = minimal("jwt_vc_json");
    body["name"] = json!("First name");
    let id = app.configuration(body.clone()).await;
    let supported = |reply: &crate::helpers::Reply| {
        reply.body["credential_configurations_supported"][&id]["credential_metadata"]["display"][0]
            ["name"]
            .clone()
    };
    assert_eq!(supported(&metadata().await), "First name");
    body["name"] = json!("Second name");
    assert_eq!(
        app.put(&format!("{PATH}/{id}"), body).await.status,
        StatusCode::OK
    );
    assert_eq!(supported(&metadata().await), "Second name");
    let encryption_keys =
        |reply: &crate::helpers::Reply| reply.body["credential_request_encryption"]["jwks"].clone();
    let keys_before = encryption_keys(&metadata().await);
    let rotated = app
        .post("/v1/keys/rotate", json!({"kinds": ["request-encryption"]}))
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    assert_ne!(
        encryption_keys(&metadata().await),
        keys_before,
        "rotated request keys are published at once"
    );
    assert_eq!(
        app.delete(&format!("{PATH}/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(supported(&metadata().await).is_null());
}
