//! Credential response and request encryption over HTTP (OID4VCI 1.0 §8.2, §10; SECURITY H22).
//! The wallet side uses `sigil_crypto::jwe` here; npm `jose` and `@hpke/core` check the same
//! JWEs independently in the interop suite.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::jwe::{self, ContentEncryption, DecryptionKey, KeyManagement, RecipientKey};
use sigil_crypto::{SigningAlgorithm, SystemRandom};
use sigil_testkit::Engine;

use crate::helpers::{Reply, TestApp, assert_oauth, reply, spawn_app, spawn_app_with};
use crate::on_both_engines;
use crate::wallet::Wallet;

on_both_engines!(
    responses_are_encrypted_to_the_wallet_key,
    requests_encrypted_to_the_published_keys_are_accepted,
    a_deployment_can_require_encryption,
);

fn sd_jwt() -> Value {
    json!({"name": "Badge", "format": "dc+sd-jwt", "vct": "https://example.com/badge",
           "claimMappings": {"name": {"mapFrom": "claims.name"}}})
}

/// A wallet decryption key and its public JWK with `alg`.
fn wallet_key(alg: &str) -> (DecryptionKey, Value) {
    let (key, _) = DecryptionKey::generate(&SystemRandom::new()).unwrap();
    let mut jwk = key.public_jwk();
    jwk.insert("alg".into(), json!(alg));
    jwk.insert("kid".into(), json!("wallet-enc-1"));
    (key, Value::Object(jwk))
}

async fn post_jwt(app: &TestApp, access: &str, jwe: String) -> Reply {
    reply(
        app.client
            .post(app.url("/v1/openid/credential"))
            .bearer_auth(access)
            .header("content-type", "application/jwt")
            .body(jwe),
    )
    .await
}

/// Decrypts an encrypted credential response and returns its JSON.
#[track_caller]
fn open(
    r: &Reply,
    key: &DecryptionKey,
    alg: KeyManagement,
) -> (serde_json::Map<String, Value>, Value) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/jwt");
    assert_eq!(r.headers["cache-control"], "no-store");
    let (header, plain) = jwe::decrypt(
        &r.text,
        key,
        &[alg],
        &[ContentEncryption::A128Gcm, ContentEncryption::A256Gcm],
    )
    .unwrap();
    (header, serde_json::from_slice(&plain).unwrap())
}

async fn responses_are_encrypted_to_the_wallet_key(engine: Engine) {
    let app = spawn_app(engine).await;
    let metadata = reply(
        app.client
            .get(app.url("/.well-known/openid-credential-issuer")),
    )
    .await;
    assert_eq!(
        metadata.body["credential_response_encryption"],
        json!({"alg_values_supported": ["HPKE-7", "ECDH-ES"], "enc_values_supported": ["A256GCM", "A128GCM"], "encryption_required": false})
    );
    let config = app.configuration(sd_jwt()).await;
    let holder = Wallet::new(SigningAlgorithm::Es256);
    let access = app.access_token(&config, json!({"name": "Ada"})).await.0;

    // Refusals change nothing: the same c_nonce still works afterwards (H22).
    let nonce = app.c_nonce().await;
    let request = |encryption: Value| {
        json!({"credential_configuration_id": config, "proofs": {"jwt": [holder.proof(&app.base, &nonce)]},
               "credential_response_encryption": encryption})
    };
    let (_, ecdh) = wallet_key("ECDH-ES");
    let (_, hpke) = wallet_key("HPKE-7");
    let mut rsa = ecdh.clone();
    rsa["alg"] = json!("RSA-OAEP-256");
    let mut private = ecdh.clone();
    private["d"] = json!(sigil_crypto::b64url::encode([1u8; 32]));
    let mut off_curve = ecdh.clone();
    off_curve["y"] = ecdh["x"].clone();
    let bad = [
        json!({"jwk": ecdh, "enc": "A192GCM"}),
        json!({"jwk": ecdh, "enc": "A128CBC-HS256"}),
        json!({"jwk": ecdh}),
        json!({"jwk": rsa, "enc": "A256GCM"}),
        json!({"jwk": hpke, "enc": "A128GCM"}),
        json!({"jwk": ecdh, "enc": "A256GCM", "zip": "DEF"}),
        json!({"jwk": private, "enc": "A256GCM"}),
        json!({"jwk": off_curve, "enc": "A256GCM"}),
        json!({"jwk": Wallet::new(SigningAlgorithm::EdDsa).jwk, "enc": "A256GCM"}),
        json!({"enc": "A256GCM"}),
        json!("ECDH-ES"),
    ];
    for encryption in bad {
        let r = app.credential(&access, request(encryption.clone())).await;
        assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_encryption_parameters");
    }
    let user = app.get("/v1/users").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get(&format!("/v1/users/{user}/credentials")).await.body["data"],
        json!([])
    );

    // ECDH-ES with both encs, and HPKE-7: the plaintext is the usual response.
    let mut seen = Vec::new();
    for (alg, enc) in [
        ("ECDH-ES", "A128GCM"),
        ("ECDH-ES", "A256GCM"),
        ("HPKE-7", "A256GCM"),
    ] {
        let (key, jwk) = wallet_key(alg);
        let n = if seen.is_empty() {
            nonce.clone()
        } else {
            app.c_nonce().await
        };
        let r = app
            .credential(
                &access,
                json!({"credential_configuration_id": config, "proofs": {"jwt": [holder.proof(&app.base, &n)]},
                       "credential_response_encryption": {"jwk": jwk, "enc": enc}}),
            )
            .await;
        let management = KeyManagement::parse(alg).unwrap();
        let (header, body) = open(&r, &key, management);
        assert_eq!(header["alg"], alg);
        assert_eq!(header["kid"], "wallet-enc-1");
        match alg {
            "HPKE-7" => assert!(
                header.get("enc").is_none(),
                "integrated encryption has no enc"
            ),
            _ => assert_eq!(header["enc"], enc),
        }
        let credential = body["credentials"][0]["credential"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            credential.matches('~').count(),
            2,
            "an SD-JWT with one disclosure"
        );
        assert!(body["notification_id"].is_string());
        // Another key cannot open it.
        let (other, _) = wallet_key(alg);
        assert!(
            jwe::decrypt(
                &r.text,
                &other,
                &[management],
                &[ContentEncryption::A128Gcm, ContentEncryption::A256Gcm]
            )
            .is_err()
        );
        seen.push(credential);
    }
    assert_eq!(
        app.get(&format!("/v1/users/{user}/credentials")).await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

async fn requests_encrypted_to_the_published_keys_are_accepted(engine: Engine) {
    let app = spawn_app(engine).await;
    let metadata = reply(
        app.client
            .get(app.url("/.well-known/openid-credential-issuer")),
    )
    .await;
    let request_encryption = &metadata.body["credential_request_encryption"];
    assert_eq!(
        request_encryption["enc_values_supported"],
        json!(["A256GCM", "A128GCM"])
    );
    assert_eq!(request_encryption["encryption_required"], false);
    let keys = request_encryption["jwks"]["keys"].as_array().unwrap();
    let algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert_eq!(algs, ["HPKE-7", "ECDH-ES"]);
    for k in keys {
        assert_eq!(k["use"], "enc");
        assert!(k["kid"].is_string() && k.get("d").is_none(), "{k}");
    }
    assert_ne!(keys[0]["kid"], keys[1]["kid"], "one key per algorithm");
    let config = app.configuration(sd_jwt()).await;
    let holder = Wallet::new(SigningAlgorithm::Es256);
    let access = app.access_token(&config, json!({"name": "Ada"})).await.0;
    let rng = SystemRandom::new();
    for published in keys {
        let alg = KeyManagement::parse(published["alg"].as_str().unwrap()).unwrap();
        let kid = published["kid"].as_str().unwrap();
        let recipient = RecipientKey::from_jwk(published.as_object().unwrap()).unwrap();
        let (wallet, jwk) = wallet_key("ECDH-ES");
        let request = json!({"credential_configuration_id": config,
            "proofs": {"jwt": [holder.proof(&app.base, &app.c_nonce().await)]},
            "credential_response_encryption": {"jwk": jwk, "enc": "A256GCM"}});
        let plain = serde_json::to_vec(&request).unwrap();
        let sealed = jwe::encrypt(
            &plain,
            &recipient,
            alg,
            ContentEncryption::A256Gcm,
            Some(kid),
            &rng,
        )
        .unwrap();
        let r = post_jwt(&app, &access, sealed).await;
        let (_, body) = open(&r, &wallet, KeyManagement::EcdhEs);
        assert!(body["credentials"][0]["credential"].is_string());
        // A kid Sigil did not publish, or a JWE that is not one.
        let wrong = jwe::encrypt(
            &plain,
            &recipient,
            alg,
            ContentEncryption::A256Gcm,
            Some("nope"),
            &rng,
        )
        .unwrap();
        assert_oauth(
            &post_jwt(&app, &access, wrong).await,
            StatusCode::BAD_REQUEST,
            "invalid_encryption_parameters",
        );
    }
    // Encrypted to the wrong key (the wallet's own): refused.
    let (_, jwk) = wallet_key("ECDH-ES");
    let stranger = RecipientKey::from_jwk(jwk.as_object().unwrap()).unwrap();
    let kid = keys[1]["kid"].as_str().unwrap();
    let sealed = jwe::encrypt(
        b"{}",
        &stranger,
        KeyManagement::EcdhEs,
        ContentEncryption::A256Gcm,
        Some(kid),
        &rng,
    )
    .unwrap();
    assert_oauth(
        &post_jwt(&app, &access, sealed).await,
        StatusCode::BAD_REQUEST,
        "invalid_encryption_parameters",
    );
    assert_oauth(
        &post_jwt(&app, &access, "not.a.jwe".into()).await,
        StatusCode::BAD_REQUEST,
        "invalid_encryption_parameters",
    );
}

async fn a_deployment_can_require_encryption(engine: Engine) {
    let app = spawn_app_with(engine, &[("oauth.require_encryption", "true")]).await;
    let metadata = reply(
        app.client
            .get(app.url("/.well-known/openid-credential-issuer")),
    )
    .await;
    assert_eq!(
        metadata.body["credential_response_encryption"]["encryption_required"],
        true
    );
    assert_eq!(
        metadata.body["credential_request_encryption"]["encryption_required"],
        true
    );
    let config = app.configuration(sd_jwt()).await;
    let holder = Wallet::new(SigningAlgorithm::Es256);
    let access = app.access_token(&config, json!({"name": "Ada"})).await.0;
    let (wallet, jwk) = wallet_key("ECDH-ES");
    let nonce = app.c_nonce().await;
    let request = json!({"credential_configuration_id": config, "proofs": {"jwt": [holder.proof(&app.base, &nonce)]},
                         "credential_response_encryption": {"jwk": jwk, "enc": "A128GCM"}});
    // A plain JSON request, even asking for an encrypted response: refused.
    assert_oauth(
        &app.credential(&access, request.clone()).await,
        StatusCode::BAD_REQUEST,
        "invalid_encryption_parameters",
    );
    let published = &metadata.body["credential_request_encryption"]["jwks"]["keys"][1];
    let recipient = RecipientKey::from_jwk(published.as_object().unwrap()).unwrap();
    let kid = published["kid"].as_str();
    let rng = SystemRandom::new();
    // Encrypted, but without response encryption: refused.
    let mut plain_response = request.clone();
    plain_response
        .as_object_mut()
        .unwrap()
        .remove("credential_response_encryption");
    let sealed = jwe::encrypt(
        &serde_json::to_vec(&plain_response).unwrap(),
        &recipient,
        KeyManagement::EcdhEs,
        ContentEncryption::A256Gcm,
        kid,
        &rng,
    )
    .unwrap();
    assert_oauth(
        &post_jwt(&app, &access, sealed).await,
        StatusCode::BAD_REQUEST,
        "invalid_encryption_parameters",
    );
    // Both: issued (with the c_nonce the refusals left unspent).
    let sealed = jwe::encrypt(
        &serde_json::to_vec(&request).unwrap(),
        &recipient,
        KeyManagement::EcdhEs,
        ContentEncryption::A256Gcm,
        kid,
        &rng,
    )
    .unwrap();
    let r = post_jwt(&app, &access, sealed).await;
    let (_, body) = open(&r, &wallet, KeyManagement::EcdhEs);
    assert!(body["credentials"][0]["credential"].is_string());
}
