//! The pre-authorized flow end to end over HTTP: offers, token, nonce, credential, and every
//! refusal with its exact status and OAuth error code.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::{SigningAlgorithm, b64url, sha256};
use sigil_testkit::Engine;

use crate::helpers::{
    Reply, TestApp, assert_bad_request, assert_error, assert_oauth, reply, spawn_app,
};
use crate::on_both_engines;
use crate::wallet::{Wallet, now, offer_of, pre_authorized_code, verify_issuer_jwt};

fn sd_jwt_config() -> Value {
    json!({
        "name": "Identity", "format": "dc+sd-jwt", "vct": "https://credentials.example.com/identity_credential",
        "claimMappings": {
            "given_name": {"mapFrom": "claims.given_name", "required": true},
            "family_name": {"mapFrom": "claims.family_name"},
            "nationalities": {"defaultValue": ["NZ"]},
            "address": {"mapFrom": "claims.address"}
        },
        "expiresIn": {"days": 30}
    })
}

fn jwt_vc_config() -> Value {
    json!({
        "name": "Course", "format": "jwt_vc_json", "type": "CourseCredential", "additionalTypes": ["EducationCredential"],
        "claimMappings": {"course": {"defaultValue": "Rust 101"}, "email": {"mapFrom": "claims.email", "required": true}}
    })
}

on_both_engines!(
    a_wallet_obtains_a_verifiable_sd_jwt_vc,
    a_wallet_obtains_a_jwt_vc_json_with_a_tx_code,
    token_endpoint_refusals,
    tx_code_attempts_are_capped,
    one_code_is_redeemed_once_by_100_concurrent_requests,
    credential_endpoint_refusals,
    key_proof_refusals,
    offer_validation_and_secrets_at_rest,
    offers_by_reference,
    metadata_describes_issuable_configurations,
    pre_authorized_client_authentication_must_succeed_when_attempted,
);

/// Defect 7: the pre-authorized grant ignored failed client authentication. An unknown client
/// or a wrong secret in HTTP Basic, a registered confidential client that does not
/// authenticate, and `client_secret` in the body are `invalid_client` (RFC 6749 §5.2), and the
/// code is kept; anonymous access and a public client's `client_id` still work.
async fn pre_authorized_client_authentication_must_succeed_when_attempted(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(sd_jwt_config()).await;
    let confidential = app
        .post(
            "/v1/openid/clients",
            json!({"name": "C", "redirectUris": ["https://wallet.example/cb"], "tokenEndpointAuthMethod": "client_secret_basic"}),
        )
        .await;
    assert_eq!(
        confidential.status,
        StatusCode::CREATED,
        "{}",
        confidential.text
    );
    let id = confidential.body["id"].as_str().unwrap().to_string();
    let secret = confidential.body["secret"].as_str().unwrap().to_string();
    let public = app
        .post(
            "/v1/openid/clients",
            json!({"name": "P", "redirectUris": ["https://wallet.example/cb"]}),
        )
        .await;
    let public_id = public.body["id"].as_str().unwrap().to_string();
    let claims = json!({"given_name": "Ada"});
    let code = || async {
        let offer = app
            .offer(json!({"credentials": [config], "claims": claims}))
            .await;
        pre_authorized_code(offer.body["uri"].as_str().unwrap())
    };
    let grant = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
    let first = code().await;
    let token = |basic: Option<(&str, &str)>, extra: Vec<(&'static str, String)>| {
        let mut form = vec![
            ("grant_type", grant.to_string()),
            ("pre-authorized_code", first.clone()),
        ];
        form.extend(extra);
        let mut req = app.client.post(app.url("/v1/oauth/token")).form(&form);
        if let Some((user, pass)) = basic {
            req = req.basic_auth(user, Some(pass));
        }
        reply(req)
    };
    for (basic, extra) in [
        (Some(("no-such-client", "secret")), vec![]),
        (Some((id.as_str(), "wrong-secret")), vec![]),
        (None, vec![("client_id", id.clone())]),
        (
            None,
            vec![("client_id", id.clone()), ("client_secret", secret.clone())],
        ),
        (Some((public_id.as_str(), "any")), vec![]),
    ] {
        let r = token(basic, extra).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
        assert_eq!(r.body["error"], "invalid_client", "{}", r.text);
        // RFC 6749 §5.2: the challenge names the scheme the client may use.
        assert_eq!(r.headers["www-authenticate"], "Basic realm=\"sigil\"");
    }
    let r = token(Some((id.as_str(), secret.as_str())), vec![]).await;
    assert_eq!(r.status, StatusCode::OK, "the code was kept: {}", r.text);
    // The token belongs to the authenticated client: a proof must name it as iss.
    let access = r.body["access_token"].as_str().unwrap().to_string();
    let nonce = app.c_nonce().await;
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let proof = wallet.jws(
        json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": wallet.jwk}),
        json!({"aud": app.base, "iat": now(), "nonce": nonce, "iss": id}),
    );
    let r = app
        .credential(
            &access,
            json!({"credential_configuration_id": config, "proofs": {"jwt": [proof]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Anonymous access, an unregistered client_id and a public client's client_id still work.
    for form_client in [
        None,
        Some("wallet-of-its-own".to_string()),
        Some(public_id.clone()),
    ] {
        let mut form = vec![
            ("grant_type", grant.to_string()),
            ("pre-authorized_code", code().await),
        ];
        if let Some(client) = form_client {
            form.push(("client_id", client));
        }
        let r = reply(app.client.post(app.url("/v1/oauth/token")).form(&form)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
}

/// RFC 8414 §3.1 / OID4VCI §12.2.2: with an issuer path, the well-known segment goes first.
#[tokio::test]
async fn metadata_is_served_under_the_issuer_path() {
    let app = crate::helpers::spawn_app_with(
        Engine::Sqlite,
        &[("server.public_url", "https://issuer.example.com/tenant-a")],
    )
    .await;
    for doc in [
        "openid-credential-issuer",
        "oauth-authorization-server",
        "jwt-vc-issuer",
    ] {
        let at = reply(
            app.client
                .get(app.url(&format!("/.well-known/{doc}/tenant-a"))),
        )
        .await;
        assert_eq!(at.status, StatusCode::OK, "{doc}: {}", at.text);
        let issuer = at
            .body
            .get("credential_issuer")
            .or(at.body.get("issuer"))
            .unwrap();
        assert_eq!(issuer, "https://issuer.example.com/tenant-a");
        let other = reply(
            app.client
                .get(app.url(&format!("/.well-known/{doc}/tenant-b"))),
        )
        .await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "{doc}");
    }
    let m = reply(
        app.client
            .get(app.url("/.well-known/openid-credential-issuer/tenant-a")),
    )
    .await
    .body;
    assert_eq!(
        m["credential_endpoint"],
        "https://issuer.example.com/tenant-a/v1/openid/credential"
    );
}

async fn user_with_claims(app: &TestApp) -> String {
    let r = app
        .post("/v1/users", json!({"claims": {"given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com",
            "address": {"locality": "London"}}}))
        .await;
    r.body["id"].as_str().unwrap().to_string()
}

async fn a_wallet_obtains_a_verifiable_sd_jwt_vc(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(sd_jwt_config()).await;
    let user = user_with_claims(&app).await;
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let r = app
        .full_flow(
            &wallet,
            &config,
            json!({"credentials": [config], "userId": user}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers["cache-control"], "no-store");
    let credentials = r.body["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1);
    let sd_jwt = credentials[0]["credential"].as_str().unwrap();
    assert!(sd_jwt.ends_with('~'), "no key binding JWT from the issuer");
    let mut parts = sd_jwt.trim_end_matches('~').split('~');
    let jwt = parts.next().unwrap();
    let disclosures: Vec<&str> = parts.collect();
    let jwks = reply(app.client.get(app.url("/.well-known/jwt-vc-issuer")))
        .await
        .body["jwks"]
        .clone();
    let (header, payload) = verify_issuer_jwt(jwt, &jwks);
    assert_eq!(header["typ"], "dc+sd-jwt");
    assert_eq!(header["alg"], "ES256");
    // x5c: one leaf certificate naming the issuer, for the key that signed.
    let x5c = header["x5c"].as_array().expect("x5c header");
    assert_eq!(x5c.len(), 1, "the leaf only, no trust anchor");
    let leaf = sigil_crypto::b64::decode(x5c[0].as_str().unwrap()).unwrap();
    let issuer_key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .unwrap();
    let x = b64url::decode(issuer_key["x"].as_str().unwrap()).unwrap();
    assert!(
        crate::persistence::contains(&leaf, &x),
        "the leaf certifies the signing key"
    );
    assert!(
        crate::persistence::contains(&leaf, app.base.as_bytes()),
        "the leaf names the issuer identifier"
    );
    let ca = reply(app.client.get(app.url("/v1/oauth/issuer-ca.pem"))).await;
    assert_eq!(ca.status, StatusCode::OK);
    assert!(
        ca.text.starts_with("-----BEGIN CERTIFICATE-----"),
        "{}",
        ca.text
    );
    assert_eq!(payload["iss"], app.base.as_str());
    assert_eq!(
        payload["vct"],
        "https://credentials.example.com/identity_credential"
    );
    assert_eq!(
        payload["cnf"]["jwk"],
        Value::Object(wallet.jwk.clone()),
        "bound to the proof key"
    );
    assert_eq!(payload["_sd_alg"], "sha-256");
    let iat = payload["iat"].as_i64().unwrap();
    assert!((iat - now()).abs() < 30);
    assert_eq!(payload["exp"].as_i64().unwrap() - iat, 30 * 86_400);
    for name in ["given_name", "family_name", "nationalities", "address"] {
        assert!(
            payload.get(name).is_none(),
            "{name} is only in a disclosure"
        );
    }
    let digests: Vec<&str> = payload["_sd"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert_eq!(digests.len(), 4);
    let mut disclosed = serde_json::Map::new();
    let mut salts = Vec::new();
    for d in &disclosures {
        assert!(
            digests.contains(&b64url::encode(sha256(d.as_bytes())).as_str()),
            "every disclosure is referenced"
        );
        let decoded: Value = serde_json::from_slice(&b64url::decode(d).unwrap()).unwrap();
        let [salt, name, value] = decoded.as_array().unwrap().as_slice() else {
            panic!("{decoded}")
        };
        assert!(
            b64url::decode(salt.as_str().unwrap()).unwrap().len() >= 16,
            "salts of at least 128 bits"
        );
        salts.push(salt.clone());
        disclosed.insert(name.as_str().unwrap().into(), value.clone());
    }
    assert_eq!(
        Value::Object(disclosed),
        json!({"given_name": "Ada", "family_name": "Lovelace", "nationalities": ["NZ"], "address": {"locality": "London"}})
    );
    salts.dedup();
    assert_eq!(salts.len(), 4);
    let issued = app.get(&format!("/v1/users/{user}/credentials")).await;
    assert_eq!(
        issued.body["data"].as_array().unwrap().len(),
        1,
        "{}",
        issued.text
    );
    assert_eq!(
        issued.body["data"][0]["holderKeyThumbprint"],
        wallet.holder().thumbprint.as_str()
    );
    assert_eq!(issued.body["data"][0]["format"], "dc+sd-jwt");
}

async fn a_wallet_obtains_a_jwt_vc_json_with_a_tx_code(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(jwt_vc_config()).await;
    let wallet = Wallet::new(SigningAlgorithm::EdDsa);
    let offer = json!({
        "credentials": [config],
        "transactionCodeConfiguration": {"length": 8, "inputMode": "numeric", "description": "Sent by e-mail"},
        "claims": {"email": "grace@example.com", "secret_level": "high"},
        "claimsToPersist": ["email"],
        "expiresIn": {"minutes": 2, "seconds": 30}
    });
    let created = app.offer(offer.clone()).await;
    let body = &created.body;
    let tx = body["transactionCode"]
        .as_u64()
        .expect("numeric codes are JSON numbers, as seed 002 shows");
    assert_eq!(tx.to_string().len(), 8);
    let uri = body["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("openid-credential-offer://?credential_offer=%7B"),
        "{uri}"
    );
    let offer_json = offer_of(uri);
    assert_eq!(offer_json["credential_issuer"], app.base.as_str());
    assert_eq!(offer_json["credential_configuration_ids"], json!([config]));
    assert_eq!(
        offer_json["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["tx_code"],
        json!({"input_mode": "numeric", "length": 8, "description": "Sent by e-mail"})
    );
    let expires = time::OffsetDateTime::parse(
        body["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!((expires.unix_timestamp() - now() - 150).abs() < 10);
    let user = body["userId"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/users/{user}")).await.body["claims"],
        json!({"email": "grace@example.com"}),
        "only claimsToPersist are saved"
    );

    let code = pre_authorized_code(uri);
    let token = app.redeem(&code, Some(&tx.to_string())).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
    assert_eq!(token.headers["cache-control"], "no-store");
    assert_eq!(token.body["token_type"], "Bearer");
    assert!(token.body["expires_in"].as_i64().unwrap() > 0);
    let access = token.body["access_token"].as_str().unwrap();
    let nonce = app.c_nonce().await;
    let r = app
        .credential(access, json!({"credential_configuration_id": config, "proofs": {"jwt": [wallet.proof(&app.base, &nonce)]}, "unknown_member": 1}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let jwt = r.body["credentials"][0]["credential"].as_str().unwrap();
    let jwks = reply(app.client.get(app.url("/v1/oauth/jwks"))).await.body;
    let (header, payload) = verify_issuer_jwt(jwt, &jwks);
    assert_eq!(header["typ"], "JWT");
    let holder = wallet.holder().did_jwk();
    assert_eq!(payload["sub"], holder.as_str());
    assert_eq!(payload["iss"], app.base.as_str());
    assert_eq!(
        payload["vc"]["type"],
        json!([
            "VerifiableCredential",
            "CourseCredential",
            "EducationCredential"
        ])
    );
    assert_eq!(
        payload["vc"]["@context"],
        json!(["https://www.w3.org/2018/credentials/v1"])
    );
    assert_eq!(
        payload["vc"]["credentialSubject"],
        json!({"id": holder, "course": "Rust 101", "email": "grace@example.com"}),
        "offer claims are available at issuance"
    );
    assert_eq!(payload["cnf"]["jwk"], Value::Object(wallet.jwk.clone()));
}

async fn token_endpoint_refusals(engine: Engine) {
    // A clock the test moves, so the expired offer below needs no sleep.
    let clock = std::sync::Arc::new(sigil_core::FixedClock::new(crate::wallet::now()));
    let ports = sigil::Ports {
        clock: Some(clock.clone()),
        ..Default::default()
    };
    let app = crate::helpers::spawn_app_with_ports(engine, &[], ports).await;
    let config = app.configuration(jwt_vc_config()).await;
    let created = app.offer(json!({"credentials": [config]})).await;
    let code = pre_authorized_code(created.body["uri"].as_str().unwrap());

    assert_oauth(
        &app.token(&[("pre-authorized_code", code.as_str())]).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert_oauth(
        &app.token(&[("grant_type", "client_credentials")]).await,
        StatusCode::BAD_REQUEST,
        "unsupported_grant_type",
    );
    assert_oauth(
        &app.token(&[(
            "grant_type",
            "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        )])
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert_oauth(
        &app.redeem("made-up-code", None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_oauth(
        &app.redeem(&code, Some("123456")).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    let json_body = reply(
        app.client
            .post(app.url("/v1/oauth/token"))
            .json(&json!({"grant_type": "x"})),
    )
    .await;
    assert_oauth(&json_body, StatusCode::BAD_REQUEST, "invalid_request");
    let twice = app
        .token(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            ),
            ("pre-authorized_code", &code),
            ("pre-authorized_code", &code),
        ])
        .await;
    assert_oauth(&twice, StatusCode::BAD_REQUEST, "invalid_request");

    // Unknown parameters are ignored (OID4VCI §6.1; wallet A sends resource and user_pin).
    let ok = app
        .token(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            ),
            ("pre-authorized_code", &code),
            ("resource", &app.base),
            ("user_pin", "ignored"),
        ])
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_oauth(
        &app.redeem(&code, None).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );

    // A deleted offer's code is dead.
    let deleted = app.offer(json!({"credentials": [config]})).await;
    let id = deleted.body["id"].as_str().unwrap();
    assert_eq!(
        app.delete(&format!("/v1/openid/offers/pre-authorized/{id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&format!("/v1/openid/offers/pre-authorized/{id}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_oauth(
        &app.redeem(
            &pre_authorized_code(deleted.body["uri"].as_str().unwrap()),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );

    // An expired offer's code is dead.
    let short = app
        .offer(json!({"credentials": [config], "expiresIn": {"seconds": 1}}))
        .await;
    clock.advance(2);
    assert_oauth(
        &app.redeem(
            &pre_authorized_code(short.body["uri"].as_str().unwrap()),
            None,
        )
        .await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );

    // tx_code required but missing.
    let with_tx = app
        .offer(json!({"credentials": [config], "transactionCodeConfiguration": {}}))
        .await;
    let tx_code = pre_authorized_code(with_tx.body["uri"].as_str().unwrap());
    let refused = app.redeem(&tx_code, None).await;
    assert_oauth(&refused, StatusCode::BAD_REQUEST, "invalid_request");
    assert!(
        refused.text.contains("requires a tx_code"),
        "{}",
        refused.text
    );
    // The refusal changed nothing: with its transaction code the offer still redeems.
    let right = with_tx.body["transactionCode"]
        .as_u64()
        .unwrap()
        .to_string();
    let token = app.redeem(&tx_code, Some(&right)).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
}

async fn tx_code_attempts_are_capped(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(jwt_vc_config()).await;
    let created = app
        .offer(json!({"credentials": [config], "transactionCodeConfiguration": {"length": 6}}))
        .await;
    let code = pre_authorized_code(created.body["uri"].as_str().unwrap());
    let right = created.body["transactionCode"].to_string();
    let wrong = if right == "999999" {
        "111111"
    } else {
        "999999"
    };
    let replies =
        concurrent_redeems(std::slice::from_ref(&app.base), &code, Some(wrong), 100).await;
    let judged = replies
        .iter()
        .filter(|r| {
            r.body["error_description"]
                .as_str()
                .unwrap()
                .contains("attempts left")
        })
        .count();
    for r in &replies {
        assert_oauth(r, StatusCode::BAD_REQUEST, "invalid_grant");
    }
    assert_eq!(judged, 5, "exactly the cap of wrong tx_codes is judged");
    assert_oauth(
        &app.redeem(&code, Some(&right)).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

/// Sends `n` token requests for one code at once, spread over `bases` (several nodes).
pub async fn concurrent_redeems(
    bases: &[String],
    code: &str,
    tx: Option<&str>,
    n: usize,
) -> Vec<Reply> {
    let client = reqwest::Client::new();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..n {
        let url = format!("{}/v1/oauth/token", bases[i % bases.len()]);
        let mut form = vec![
            (
                "grant_type".to_string(),
                "urn:ietf:params:oauth:grant-type:pre-authorized_code".to_string(),
            ),
            ("pre-authorized_code".to_string(), code.to_string()),
        ];
        if let Some(tx) = tx {
            form.push(("tx_code".to_string(), tx.to_string()));
        }
        let client = client.clone();
        set.spawn(async move { reply(client.post(url).form(&form)).await });
    }
    let mut out = Vec::new();
    while let Some(r) = set.join_next().await {
        out.push(r.unwrap());
    }
    out
}

async fn credential_endpoint_refusals(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(jwt_vc_config()).await;
    let other = app.configuration(sd_jwt_config()).await;
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let created = app.offer(json!({"credentials": [config]})).await;
    let token = app
        .redeem(
            &pre_authorized_code(created.body["uri"].as_str().unwrap()),
            None,
        )
        .await;
    let access = token.body["access_token"].as_str().unwrap().to_string();
    let proof = |nonce: &str| wallet.proof(&app.base, nonce);

    // Access token problems: 401 invalid_token with a Bearer challenge.
    let body = json!({"credential_configuration_id": config, "proofs": {"jwt": [proof(&app.c_nonce().await)]}});
    assert_oauth(
        &app.credential("not-a-token", body.clone()).await,
        StatusCode::UNAUTHORIZED,
        "invalid_token",
    );
    let no_token = reply(
        app.client
            .post(app.url("/v1/openid/credential"))
            .json(&body),
    )
    .await;
    assert_oauth(&no_token, StatusCode::UNAUTHORIZED, "invalid_token");
    let in_query = reply(
        app.client
            .post(app.url(&format!("/v1/openid/credential?access_token={access}")))
            .json(&body),
    )
    .await;
    assert_oauth(&in_query, StatusCode::BAD_REQUEST, "invalid_request");

    // Request problems.
    let r = app.credential(&access, json!({"credential_configuration_id": "7f1c0000-0000-7000-8000-000000000000", "proofs": {"jwt": [proof(&app.c_nonce().await)]}})).await;
    assert_oauth(
        &r,
        StatusCode::BAD_REQUEST,
        "unknown_credential_configuration",
    );
    let r = app.credential(&access, json!({"credential_configuration_id": other, "proofs": {"jwt": [proof(&app.c_nonce().await)]}})).await;
    assert_oauth(
        &r,
        StatusCode::BAD_REQUEST,
        "unknown_credential_configuration",
    );
    let r = app
        .credential(
            &access,
            json!({"credential_identifier": "x", "proofs": {"jwt": [proof(&app.c_nonce().await)]}}),
        )
        .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "unknown_credential_identifier");
    let r = app
        .credential(
            &access,
            json!({"credential_identifier": "x", "credential_configuration_id": config}),
        )
        .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_credential_request");
    let r = app
        .credential(&access, json!({"credential_configuration_id": config}))
        .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_proof");
    let encrypted = json!({"credential_configuration_id": config, "proofs": {"jwt": [proof(&app.c_nonce().await)]},
        "credential_response_encryption": {"jwk": wallet.jwk, "enc": "A192GCM"}});
    assert_oauth(
        &app.credential(&access, encrypted).await,
        StatusCode::BAD_REQUEST,
        "invalid_encryption_parameters",
    );
    let two = json!({"credential_configuration_id": config, "proofs": {"jwt": [proof(&app.c_nonce().await), proof(&app.c_nonce().await)]}});
    assert_oauth(
        &app.credential(&access, two).await,
        StatusCode::BAD_REQUEST,
        "invalid_proof",
    );
    let malformed = reply(
        app.client
            .post(app.url("/v1/openid/credential"))
            .bearer_auth(&access)
            .header("content-type", "application/json")
            .body("{"),
    )
    .await;
    assert_oauth(
        &malformed,
        StatusCode::BAD_REQUEST,
        "invalid_credential_request",
    );

    // A required claim that cannot be mapped: denied, nothing issued, and the nonce not spent
    // (it is spent with the issuance it was used for).
    let denied = json!({"credential_configuration_id": config, "proofs": {"jwt": [proof(&app.c_nonce().await)]}});
    let r = app.credential(&access, denied.clone()).await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "credential_request_denied");
    let user = created.body["userId"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/v1/users/{user}/credentials")).await.body["data"],
        json!([])
    );

    // Nonce problems: made up, and replayed after a successful issuance.
    app.put(
        &format!("/v1/users/{user}"),
        json!({"claims": {"email": "a@b.example"}}),
    )
    .await;
    let r = app.credential(&access, json!({"credential_configuration_id": config, "proofs": {"jwt": [proof("made-up-nonce")]}})).await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_nonce");
    let good = denied;
    assert_eq!(
        app.credential(&access, good.clone()).await.status,
        StatusCode::OK
    );
    assert_oauth(
        &app.credential(&access, good).await,
        StatusCode::BAD_REQUEST,
        "invalid_nonce",
    );
}

async fn key_proof_refusals(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(jwt_vc_config()).await;
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let created = app
        .offer(json!({"credentials": [config], "claims": {"email": "x@y.example"}}))
        .await;
    let token = app
        .redeem(
            &pre_authorized_code(created.body["uri"].as_str().unwrap()),
            None,
        )
        .await;
    let access = token.body["access_token"].as_str().unwrap().to_string();
    let send = |jwt: String| {
        app.credential(
            &access,
            json!({"credential_configuration_id": config, "proofs": {"jwt": [jwt]}}),
        )
    };
    let header = json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": wallet.jwk});
    let claims = |nonce: &str| json!({"aud": app.base, "iat": now(), "nonce": nonce});
    let mut private = wallet.jwk.clone();
    private.insert("d".into(), "AAAA".into());

    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "wrong typ",
            json!({"typ": "JWT", "alg": "ES256", "jwk": wallet.jwk}),
            claims("n"),
        ),
        (
            "dpop typ",
            json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": wallet.jwk}),
            claims("n"),
        ),
        (
            "alg none",
            json!({"typ": "openid4vci-proof+jwt", "alg": "none", "jwk": wallet.jwk}),
            claims("n"),
        ),
        (
            "alg HS256",
            json!({"typ": "openid4vci-proof+jwt", "alg": "HS256", "jwk": wallet.jwk}),
            claims("n"),
        ),
        (
            "jwk and kid",
            json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": wallet.jwk, "kid": wallet.holder().did_jwk()}),
            claims("n"),
        ),
        (
            "no key",
            json!({"typ": "openid4vci-proof+jwt", "alg": "ES256"}),
            claims("n"),
        ),
        (
            "x5c",
            json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "x5c": ["MIIB"]}),
            claims("n"),
        ),
        (
            "private jwk",
            json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": private}),
            claims("n"),
        ),
        (
            "wrong aud",
            header.clone(),
            json!({"aud": "https://other.example", "iat": now(), "nonce": "n"}),
        ),
        (
            "old iat",
            header.clone(),
            json!({"aud": app.base, "iat": now() - 3600, "nonce": "n"}),
        ),
        (
            "future iat",
            header.clone(),
            json!({"aud": app.base, "iat": now() + 3600, "nonce": "n"}),
        ),
        (
            "no iat",
            header.clone(),
            json!({"aud": app.base, "nonce": "n"}),
        ),
        (
            "iss on anonymous",
            header.clone(),
            json!({"aud": app.base, "iat": now(), "nonce": "n", "iss": "wallet"}),
        ),
        (
            "no nonce",
            header.clone(),
            json!({"aud": app.base, "iat": now()}),
        ),
    ];
    for (name, h, c) in cases {
        let jwt = wallet.jws(h, c);
        let r = send(jwt).await;
        assert_eq!(r.body["error"], "invalid_proof", "{name}: {}", r.text);
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
    }
    // A bad signature: a valid proof with its last signature byte flipped.
    let mut jwt = wallet.proof(&app.base, &app.c_nonce().await).into_bytes();
    let last = jwt.len() - 2;
    jwt[last] = if jwt[last] == b'A' { b'B' } else { b'A' };
    assert_oauth(
        &send(String::from_utf8(jwt).unwrap()).await,
        StatusCode::BAD_REQUEST,
        "invalid_proof",
    );
    assert_oauth(
        &send("not.a.jwt".into()).await,
        StatusCode::BAD_REQUEST,
        "invalid_proof",
    );
    // Failed proofs spend no nonce; a did:jwk kid works.
    let nonce = app.c_nonce().await;
    let kid_proof = wallet.jws(
        json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": format!("{}#0", wallet.holder().did_jwk())}),
        claims(&nonce),
    );
    let ok = send(kid_proof).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

async fn offer_validation_and_secrets_at_rest(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(jwt_vc_config()).await;
    let path = "/v1/openid/offers/pre-authorized";
    for (body, param) in [
        (
            json!({"credentials": [config], "expiresIn": {"minutes": 10, "seconds": 1}}),
            "expiresIn",
        ),
        (
            json!({"credentials": [config], "expiresIn": {"minutes": 11}}),
            "expiresIn",
        ),
        (
            json!({"credentials": [config], "expiresIn": {"seconds": 0}}),
            "expiresIn",
        ),
        (json!({"credentials": []}), "credentials"),
        (json!({"credentials": [config, config]}), "credentials.1"),
        (
            json!({"credentials": [config], "transactionCodeConfiguration": {"description": "x".repeat(301)}}),
            "transactionCodeConfiguration.description",
        ),
        (
            json!({"credentials": [config], "transactionCodeConfiguration": {"inputMode": "emoji"}}),
            "transactionCodeConfiguration.inputMode",
        ),
        (
            json!({"credentials": [config], "transactionCodeConfiguration": {"length": 2}}),
            "transactionCodeConfiguration.length",
        ),
        (json!({"credentials": [config], "pin": "1234"}), "pin"),
        (json!({}), "credentials"),
    ] {
        assert_bad_request(&app.post(path, body).await, param, "body");
    }
    // Ids that name nothing are 404s, like any other.
    let unknown = "0190b1d2-0000-7000-8000-000000000000";
    for (body, resource) in [
        (
            json!({"credentials": [unknown]}),
            "credential configuration",
        ),
        (json!({"credentials": [config], "userId": unknown}), "user"),
    ] {
        let r = app.post(path, body).await;
        assert_error(&r, StatusCode::NOT_FOUND, "NotFound");
        assert!(
            r.body["message"].as_str().unwrap().contains(resource),
            "{}",
            r.text
        );
    }
    assert_eq!(
        app.get("/v1/users").await.body["data"],
        json!([]),
        "rejected offers create no user"
    );
    let exactly_ten = app
        .offer(json!({"credentials": [config], "expiresIn": {"minutes": 10}}))
        .await;
    let text = app.offer(json!({"credentials": [config], "transactionCodeConfiguration": {"inputMode": "text", "length": 10}})).await;
    let text_code = text.body["transactionCode"]
        .as_str()
        .expect("text codes are strings")
        .to_string();
    assert_eq!(text_code.len(), 10);
    let numeric = app
        .offer(json!({"credentials": [config], "transactionCodeConfiguration": {}}))
        .await;
    let numeric_code = numeric.body["transactionCode"].to_string();
    assert_eq!(numeric_code.len(), 6);

    let raw = crate::persistence::raw_database(&app, engine).await;
    for offer in [&exactly_ten, &text, &numeric] {
        let code = pre_authorized_code(offer.body["uri"].as_str().unwrap());
        assert!(
            !crate::persistence::contains(&raw, code.as_bytes()),
            "no pre-authorized code in clear"
        );
    }
    for tx in [&text_code, &numeric_code] {
        assert!(
            !crate::persistence::contains(&raw, tx.as_bytes()),
            "no tx code in clear"
        );
    }
}

async fn offers_by_reference(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(jwt_vc_config()).await;
    let created = app.offer(json!({"credentials": [config], "byReference": true, "claims": {"email": "r@example.com"}})).await;
    let uri = created.body["uri"].as_str().unwrap();
    let query = uri.split_once('?').unwrap().1;
    let (name, offer_uri) = url::form_urlencoded::parse(query.as_bytes())
        .next()
        .unwrap();
    assert_eq!(name, "credential_offer_uri");
    assert!(offer_uri.starts_with(&format!("{}/v1/openid/offers/", app.base)));
    let fetched = reply(app.client.get(offer_uri.to_string())).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert!(
        fetched.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(fetched.body["credential_issuer"], app.base.as_str());
    let code = fetched.body["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"].as_str().unwrap();
    assert_eq!(app.redeem(code, None).await.status, StatusCode::OK);
    let gone = reply(app.client.get(offer_uri.to_string())).await;
    assert_eq!(
        gone.status,
        StatusCode::NOT_FOUND,
        "a redeemed offer is no longer served"
    );
    for unknown in ["nope", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"] {
        let r = reply(
            app.client
                .get(app.url(&format!("/v1/openid/offers/{unknown}"))),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    }
}

async fn metadata_describes_issuable_configurations(engine: Engine) {
    let app = spawn_app(engine).await;
    let sd = app.configuration(sd_jwt_config()).await;
    let vc = app.configuration(jwt_vc_config()).await;
    let m = reply(
        app.client
            .get(app.url("/.well-known/openid-credential-issuer")),
    )
    .await;
    assert_eq!(m.status, StatusCode::OK);
    let m = m.body;
    assert_eq!(
        m["credential_issuer"],
        app.base.as_str(),
        "identical to the URL it was fetched from"
    );
    assert_eq!(
        m["credential_endpoint"],
        format!("{}/v1/openid/credential", app.base)
    );
    assert_eq!(m["nonce_endpoint"], format!("{}/v1/openid/nonce", app.base));
    assert_eq!(m["display"][0]["name"], "Sigil");
    let configs = m["credential_configurations_supported"]
        .as_object()
        .unwrap();
    let s = &configs[&sd];
    assert_eq!(s["format"], "dc+sd-jwt");
    assert_eq!(
        s["vct"],
        "https://credentials.example.com/identity_credential"
    );
    assert_eq!(
        s["scope"],
        "dc+sd-jwt:https://credentials.example.com/identity_credential"
    );
    assert_eq!(s["cryptographic_binding_methods_supported"], json!(["jwk"]));
    assert_eq!(
        s["credential_signing_alg_values_supported"],
        json!(["ES256"])
    );
    assert_eq!(
        s["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"],
        json!(["ES256", "EdDSA"])
    );
    assert_eq!(s["credential_metadata"]["display"][0]["name"], "Identity");
    assert_eq!(
        s["credential_metadata"]["claims"][0],
        json!({"path": ["given_name"], "mandatory": true})
    );
    assert_eq!(
        s["credential_metadata"]["claims"][1],
        json!({"path": ["family_name"], "mandatory": false})
    );
    let v = &configs[&vc];
    assert_eq!(
        v["credential_definition"]["type"],
        json!([
            "VerifiableCredential",
            "CourseCredential",
            "EducationCredential"
        ])
    );
    assert_eq!(
        v["credential_metadata"]["claims"][1]["path"],
        json!(["credentialSubject", "email"])
    );

    let asm = reply(
        app.client
            .get(app.url("/.well-known/oauth-authorization-server")),
    )
    .await
    .body;
    assert_eq!(asm["issuer"], app.base.as_str());
    assert_eq!(
        asm["token_endpoint"],
        format!("{}/v1/oauth/token", app.base)
    );
    assert_eq!(asm["pre-authorized_grant_anonymous_access_supported"], true);
    let vci = reply(app.client.get(app.url("/.well-known/jwt-vc-issuer")))
        .await
        .body;
    assert_eq!(vci["issuer"], app.base.as_str());
    assert_eq!(
        vci["jwks"],
        reply(app.client.get(app.url("/v1/oauth/jwks"))).await.body
    );
}

async fn one_code_is_redeemed_once_by_100_concurrent_requests(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(jwt_vc_config()).await;
    let created = app.offer(json!({"credentials": [config]})).await;
    let code = pre_authorized_code(created.body["uri"].as_str().unwrap());
    let replies = concurrent_redeems(std::slice::from_ref(&app.base), &code, None, 100).await;
    let ok = replies
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 1, "exactly one access token");
    for r in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_oauth(r, StatusCode::BAD_REQUEST, "invalid_grant");
    }
}
