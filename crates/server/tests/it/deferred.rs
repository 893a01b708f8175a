//! Batch issuance (OID4VCI 1.0 §8.2, SECURITY H21), deferred issuance (§9, H24) and the
//! notification endpoint (§11, H25) over HTTP.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::{SigningAlgorithm, b64url};
use sigil_testkit::Engine;

use crate::helpers::{
    Reply, TestApp, assert_bad_request, assert_oauth, reply, spawn_app, spawn_app_with,
};
use crate::on_both_engines;
use crate::wallet::Wallet;

on_both_engines!(
    a_batch_gives_one_credential_per_key_with_its_own_salts,
    a_deferred_issuance_completes_once_approved,
    a_rejected_deferred_issuance_is_denied_once,
    notifications_are_recorded_on_the_credentials_of_their_token,
);

const DEFERRED: &str = "/v1/openid/deferred-credential";
const NOTIFICATION: &str = "/v1/openid/notification";

fn sd_jwt(deferred: bool) -> Value {
    json!({"name": "Badge", "format": "dc+sd-jwt", "vct": "https://example.com/badge", "deferred": deferred,
           "claimMappings": {"name": {"mapFrom": "claims.name", "required": true},
                             "level": {"mapFrom": "claims.level"}}})
}

async fn post(app: &TestApp, path: &str, access: &str, body: Value) -> Reply {
    reply(
        app.client
            .post(app.url(path))
            .bearer_auth(access)
            .json(&body),
    )
    .await
}

/// The payload and the disclosures' salts of an SD-JWT VC.
fn sd_jwt_parts(credential: &str) -> (Value, Vec<String>) {
    let mut parts = credential.split('~');
    let jwt = parts.next().unwrap();
    let payload =
        serde_json::from_slice(&b64url::decode(jwt.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let salts = parts
        .filter(|d| !d.is_empty())
        .map(|d| {
            let disclosure: Value = serde_json::from_slice(&b64url::decode(d).unwrap()).unwrap();
            disclosure[0].as_str().unwrap().to_string()
        })
        .collect();
    (payload, salts)
}

async fn a_batch_gives_one_credential_per_key_with_its_own_salts(engine: Engine) {
    let app = spawn_app_with(engine, &[("oauth.batch_size", "3")]).await;
    let metadata = reply(
        app.client
            .get(app.url("/.well-known/openid-credential-issuer")),
    )
    .await;
    assert_eq!(
        metadata.body["batch_credential_issuance"],
        json!({"batch_size": 3})
    );
    let config = app.configuration(sd_jwt(false)).await;
    let (access, user) = app
        .access_token(&config, json!({"name": "Ada", "level": 3}))
        .await;
    let wallets: Vec<Wallet> = (0..4)
        .map(|_| Wallet::new(SigningAlgorithm::Es256))
        .collect();
    let nonce = app.c_nonce().await;
    let proofs = |ws: &[&Wallet]| -> Value {
        ws.iter()
            .map(|w| json!(w.proof(&app.base, &nonce)))
            .collect()
    };
    let request =
        |jwts: Value| json!({"credential_configuration_id": config, "proofs": {"jwt": jwts}});
    // Refusals first; none spends the shared c_nonce.
    let r = app
        .credential(
            &access,
            request(proofs(&[
                &wallets[0],
                &wallets[1],
                &wallets[2],
                &wallets[3],
            ])),
        )
        .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_proof");
    assert!(r.text.contains("at most 3"), "{}", r.text);
    let r = app
        .credential(
            &access,
            request(proofs(&[&wallets[0], &wallets[1], &wallets[0]])),
        )
        .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_proof");
    assert!(r.text.contains("proofs.jwt[2]"), "{}", r.text);
    let r = app.credential(&access, request(json!([]))).await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_proof");
    let mut bad = proofs(&[&wallets[0], &wallets[1]]);
    bad.as_array_mut()
        .unwrap()
        .push(json!(wallets[2].proof("https://other.example", &nonce)));
    let r = app.credential(&access, request(bad)).await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_proof");
    assert!(r.text.contains("proofs.jwt[2]"), "{}", r.text);
    // Three proofs (sharing one c_nonce) → three credentials, in order, each bound to its key.
    let r = app
        .credential(
            &access,
            request(proofs(&[&wallets[0], &wallets[1], &wallets[2]])),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let credentials = r.body["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 3);
    let mut salts = HashSet::new();
    let mut keys = HashSet::new();
    for (credential, wallet) in credentials.iter().zip(&wallets) {
        let (payload, disclosed) = sd_jwt_parts(credential["credential"].as_str().unwrap());
        assert_eq!(payload["cnf"]["jwk"], Value::Object(wallet.jwk.clone()));
        assert!(keys.insert(payload["cnf"]["jwk"].to_string()));
        assert_eq!(disclosed.len(), 2);
        for s in disclosed {
            assert!(salts.insert(s), "a salt repeats across the batch");
        }
    }
    assert_eq!(keys.len(), 3);
    assert_eq!(salts.len(), 6);
    let issued = app.get(&format!("/v1/users/{user}/credentials")).await.body["data"].clone();
    let thumbprints: HashSet<&str> = issued
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["holderKeyThumbprint"].as_str().unwrap())
        .collect();
    let expected: HashSet<String> = wallets[..3].iter().map(|w| w.holder().thumbprint).collect();
    assert_eq!(thumbprints, expected.iter().map(String::as_str).collect());
    // The c_nonce was spent once, by the batch.
    let r = app
        .credential(&access, request(proofs(&[&wallets[3]])))
        .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_nonce");
}

async fn a_deferred_issuance_completes_once_approved(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(sd_jwt(true)).await;
    let (access, user) = app.access_token(&config, json!({"name": "Ada"})).await;
    let holders = [
        Wallet::new(SigningAlgorithm::Es256),
        Wallet::new(SigningAlgorithm::Es256),
    ];
    let nonce = app.c_nonce().await;
    let r = app
        .credential(&access, json!({"credential_configuration_id": config,
            "proofs": {"jwt": [holders[0].proof(&app.base, &nonce), holders[1].proof(&app.base, &nonce)]}}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["interval"], 5);
    assert_eq!(r.body.as_object().unwrap().len(), 2, "{}", r.text);
    let transaction = r.body["transaction_id"].as_str().unwrap().to_string();
    // Pending: 202 again, same transaction id.
    let r = post(
        &app,
        DEFERRED,
        &access,
        json!({"transaction_id": transaction}),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["transaction_id"], transaction.as_str());
    // The admin sees it.
    let listed = app.get("/v1/credentials/deferred").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    let item = &listed.body["data"][0];
    assert_eq!(
        (
            item["status"].as_str(),
            item["awaiting"].as_str(),
            item["userId"].as_str()
        ),
        (Some("pending"), Some("administrator"), Some(user.as_str()))
    );
    assert_eq!(
        item["holderKeyThumbprints"],
        json!([
            holders[0].holder().thumbprint,
            holders[1].holder().thumbprint
        ])
    );
    let id = item["id"].as_str().unwrap().to_string();
    // Another token cannot collect it; an unknown id is refused; a missing one is malformed.
    let (other, _) = app.access_token(&config, json!({"name": "Eve"})).await;
    assert_oauth(
        &post(
            &app,
            DEFERRED,
            &other,
            json!({"transaction_id": transaction}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_transaction_id",
    );
    assert_oauth(
        &post(&app, DEFERRED, &access, json!({"transaction_id": "nope"})).await,
        StatusCode::BAD_REQUEST,
        "invalid_transaction_id",
    );
    assert_oauth(
        &post(&app, DEFERRED, &access, json!({})).await,
        StatusCode::BAD_REQUEST,
        "invalid_credential_request",
    );
    // Approve with an extra claim; deciding twice conflicts.
    let approved = app
        .post(
            &format!("/v1/credentials/deferred/{id}/approve"),
            json!({"claims": {"level": 7}}),
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    let again = app
        .post(&format!("/v1/credentials/deferred/{id}/reject"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(
        app.post("/v1/credentials/deferred/nope/approve", json!({}))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Collected: two credentials, bound to the two keys, with the approved claim.
    let r = post(
        &app,
        DEFERRED,
        &access,
        json!({"transaction_id": transaction}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let credentials = r.body["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 2);
    for (credential, holder) in credentials.iter().zip(&holders) {
        let (payload, _) = sd_jwt_parts(credential["credential"].as_str().unwrap());
        assert_eq!(payload["cnf"]["jwk"], Value::Object(holder.jwk.clone()));
        assert_eq!(payload["vct"], "https://example.com/badge");
    }
    let text = r.text.clone();
    let disclosed: Vec<String> = sd_jwt_parts(credentials[0]["credential"].as_str().unwrap()).1;
    assert_eq!(disclosed.len(), 2, "name and the approved level: {text}");
    assert!(r.body["notification_id"].is_string());
    // Spent: a second collection is refused, and the admin no longer lists it.
    assert_oauth(
        &post(
            &app,
            DEFERRED,
            &access,
            json!({"transaction_id": transaction}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_transaction_id",
    );
    assert_eq!(
        app.get("/v1/credentials/deferred").await.body["data"],
        json!([])
    );
    assert_eq!(
        app.get(&format!("/v1/credentials/deferred/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/v1/users/{user}/credentials")).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // The deferred endpoint authenticates like the credential endpoint.
    let r = reply(
        app.client
            .post(app.url(DEFERRED))
            .json(&json!({"transaction_id": transaction})),
    )
    .await;
    assert_oauth(&r, StatusCode::UNAUTHORIZED, "invalid_token");
}

async fn a_rejected_deferred_issuance_is_denied_once(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(sd_jwt(true)).await;
    let (access, user) = app.access_token(&config, json!({"name": "Ada"})).await;
    let holder = Wallet::new(SigningAlgorithm::EdDsa);
    let r = app
        .credential(&access, json!({"credential_configuration_id": config, "proofs": {"jwt": [holder.proof(&app.base, &app.c_nonce().await)]}}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let transaction = r.body["transaction_id"].as_str().unwrap().to_string();
    let id = app.get("/v1/credentials/deferred").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let too_long = app
        .post(
            &format!("/v1/credentials/deferred/{id}/reject"),
            json!({"reason": "x".repeat(513)}),
        )
        .await;
    assert_bad_request(&too_long, "reason", "body");
    let unknown_field = app
        .post(
            &format!("/v1/credentials/deferred/{id}/reject"),
            json!({"why": "x"}),
        )
        .await;
    assert_bad_request(&unknown_field, "why", "body");
    let rejected = app
        .post(
            &format!("/v1/credentials/deferred/{id}/reject"),
            json!({"reason": "the documents did not check out"}),
        )
        .await;
    assert_eq!(rejected.status, StatusCode::OK, "{}", rejected.text);
    assert_eq!(rejected.body["reason"], "the documents did not check out");
    let r = post(
        &app,
        DEFERRED,
        &access,
        json!({"transaction_id": transaction}),
    )
    .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "credential_request_denied");
    assert_eq!(
        r.body["error_description"],
        "the documents did not check out"
    );
    assert_oauth(
        &post(
            &app,
            DEFERRED,
            &access,
            json!({"transaction_id": transaction}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_transaction_id",
    );
    assert_eq!(
        app.get(&format!("/v1/users/{user}/credentials")).await.body["data"],
        json!([])
    );
}

async fn notifications_are_recorded_on_the_credentials_of_their_token(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(sd_jwt(false)).await;
    let (access, user) = app.access_token(&config, json!({"name": "Ada"})).await;
    let holder = Wallet::new(SigningAlgorithm::Es256);
    let r = app
        .credential(&access, json!({"credential_configuration_id": config, "proofs": {"jwt": [holder.proof(&app.base, &app.c_nonce().await)]}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let notification_id = r.body["notification_id"].as_str().unwrap().to_string();
    // Issuance never waits for a notification: the credential is on record already.
    let listed = app.get(&format!("/v1/users/{user}/credentials")).await.body["data"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(listed[0].get("notification").is_none());
    // Another token's notification id; malformed requests.
    let (other, _) = app.access_token(&config, json!({"name": "Eve"})).await;
    assert_oauth(
        &post(
            &app,
            NOTIFICATION,
            &other,
            json!({"notification_id": notification_id, "event": "credential_accepted"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_notification_id",
    );
    assert_oauth(
        &post(
            &app,
            NOTIFICATION,
            &access,
            json!({"notification_id": "unknown", "event": "credential_accepted"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_notification_id",
    );
    for bad in [
        json!({"event": "credential_accepted"}),
        json!({"notification_id": notification_id}),
        json!({"notification_id": notification_id, "event": "credential_revoked"}),
        json!({"notification_id": notification_id, "event": "credential_failure", "event_description": "naïve"}),
        json!({"notification_id": notification_id, "event": "credential_failure", "event_description": 7}),
    ] {
        assert_oauth(
            &post(&app, NOTIFICATION, &access, bad).await,
            StatusCode::BAD_REQUEST,
            "invalid_notification_request",
        );
    }
    let r = reply(
        app.client
            .post(app.url(NOTIFICATION))
            .json(&json!({"notification_id": notification_id, "event": "credential_accepted"})),
    )
    .await;
    assert_oauth(&r, StatusCode::UNAUTHORIZED, "invalid_token");
    assert!(
        app.get(&format!("/v1/users/{user}/credentials")).await.body["data"][0]
            .get("notification")
            .is_none(),
        "nothing recorded yet"
    );
    // Recorded.
    let r = post(&app, NOTIFICATION, &access, json!({"notification_id": notification_id, "event": "credential_accepted", "event_description": "stored in the wallet", "extra": 1})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert_eq!(r.headers["cache-control"], "no-store");
    let notification =
        app.get(&format!("/v1/users/{user}/credentials")).await.body["data"][0]["notification"]
            .clone();
    assert_eq!(notification["event"], "credential_accepted");
    assert_eq!(notification["description"], "stored in the wallet");
    assert!(notification["receivedAt"].as_str().unwrap().ends_with('Z'));
    // A later event replaces it (the wallet deleted the credential).
    let r = post(
        &app,
        NOTIFICATION,
        &access,
        json!({"notification_id": notification_id, "event": "credential_deleted"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let notification =
        app.get(&format!("/v1/users/{user}/credentials")).await.body["data"][0]["notification"]
            .clone();
    assert_eq!(notification["event"], "credential_deleted");
    assert!(notification.get("description").is_none());
}
