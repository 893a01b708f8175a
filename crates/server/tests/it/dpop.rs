//! DPoP (RFC 9449) over HTTP: every §4.3 check refuses a bad proof at the token endpoint without
//! spending the code (SECURITY.md F1–F12), bound tokens at the credential endpoint (F14–F17),
//! server nonces (F10) and the deployment switch that makes DPoP mandatory.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::{SigningAlgorithm, b64url};
use sigil_testkit::Engine;

use crate::helpers::{Reply, TestApp, assert_oauth, reply, spawn_app, spawn_app_with};
use crate::on_both_engines;
use crate::wallet::{Wallet, jti, now, pre_authorized_code};

on_both_engines!(
    a_dpop_bound_token_is_refused_any_other_way,
    every_rfc9449_check_refuses_a_bad_proof_and_spends_nothing,
    dpop_nonces_are_required_once_the_server_hands_them_out,
    a_deployment_can_make_dpop_mandatory,
);

const TOKEN: &str = "/v1/oauth/token";
const CREDENTIAL: &str = "/v1/openid/credential";
const PRE_AUTH: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

fn sd_jwt() -> Value {
    json!({"name": "Badge", "format": "dc+sd-jwt", "vct": "https://example.com/badge",
           "claimMappings": {"name": {"mapFrom": "claims.name"}}})
}

/// A fresh pre-authorized code for `config`.
async fn code(app: &TestApp, config: &str) -> String {
    let offer = app
        .offer(json!({"credentials": [config], "claims": {"name": "Ada"}}))
        .await;
    pre_authorized_code(offer.body["uri"].as_str().unwrap())
}

/// A token request with these `DPoP` header values.
async fn token_with(app: &TestApp, code: &str, dpop: &[&str]) -> Reply {
    let mut req = app
        .client
        .post(app.url(TOKEN))
        .form(&[("grant_type", PRE_AUTH), ("pre-authorized_code", code)]);
    for proof in dpop {
        req = req.header("DPoP", *proof);
    }
    reply(req).await
}

/// A credential request with this `Authorization` and these `DPoP` values.
async fn credential_with(app: &TestApp, authorization: &str, dpop: &[&str], body: Value) -> Reply {
    let mut req = app
        .client
        .post(app.url(CREDENTIAL))
        .header("authorization", authorization)
        .json(&body);
    for proof in dpop {
        req = req.header("DPoP", *proof);
    }
    reply(req).await
}

#[track_caller]
fn assert_challenge(r: &Reply, error: &str) {
    assert_oauth(r, StatusCode::UNAUTHORIZED, error);
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with(&format!("DPoP error=\"{error}\""))
            && challenge.contains("algs=\"ES256 EdDSA\""),
        "{challenge}"
    );
}

async fn a_dpop_bound_token_is_refused_any_other_way(engine: Engine) {
    let app = spawn_app(engine).await;
    let metadata = reply(
        app.client
            .get(app.url("/.well-known/oauth-authorization-server")),
    )
    .await;
    assert_eq!(
        metadata.body["dpop_signing_alg_values_supported"],
        json!(["ES256", "EdDSA"])
    );
    let config = app.configuration(sd_jwt()).await;
    let holder = Wallet::new(SigningAlgorithm::Es256);
    for dpop_alg in [SigningAlgorithm::Es256, SigningAlgorithm::EdDsa] {
        let key = Wallet::new(dpop_alg);
        let htu = app.url(TOKEN);
        let token = token_with(
            &app,
            &code(&app, &config).await,
            &[&key.dpop("POST", &htu, None, None)],
        )
        .await;
        assert_eq!(token.status, StatusCode::OK, "{}", token.text);
        // F17: a DPoP-bound token is of type DPoP.
        assert_eq!(token.body["token_type"], "DPoP");
        let access = token.body["access_token"].as_str().unwrap().to_string();
        let request = |nonce: &str| json!({"credential_configuration_id": config, "proofs": {"jwt": [holder.proof(&app.base, nonce)]}});
        let at = app.url(CREDENTIAL);
        // F16: presented as Bearer, with or without a proof → 401 with a DPoP challenge.
        let r = app.credential(&access, request(&app.c_nonce().await)).await;
        assert_challenge(&r, "invalid_token");
        let proof = key.dpop("POST", &at, Some(&access), None);
        let r = credential_with(
            &app,
            &format!("Bearer {access}"),
            &[&proof],
            request(&app.c_nonce().await),
        )
        .await;
        assert_challenge(&r, "invalid_token");
        let dpop = format!("DPoP {access}");
        // No proof.
        let r = credential_with(&app, &dpop, &[], request(&app.c_nonce().await)).await;
        assert_challenge(&r, "invalid_dpop_proof");
        // F14: ath missing, or the hash of another token.
        let r = credential_with(
            &app,
            &dpop,
            &[&key.dpop("POST", &at, None, None)],
            request(&app.c_nonce().await),
        )
        .await;
        assert_challenge(&r, "invalid_dpop_proof");
        let r = credential_with(
            &app,
            &dpop,
            &[&key.dpop("POST", &at, Some("another-token"), None)],
            request(&app.c_nonce().await),
        )
        .await;
        assert_challenge(&r, "invalid_dpop_proof");
        // F15: a valid proof by another key than cnf.jkt.
        let thief = Wallet::new(SigningAlgorithm::Es256);
        let r = credential_with(
            &app,
            &dpop,
            &[&thief.dpop("POST", &at, Some(&access), None)],
            request(&app.c_nonce().await),
        )
        .await;
        assert_challenge(&r, "invalid_dpop_proof");
        assert!(
            r.text.contains("not the key the access token is bound to"),
            "{}",
            r.text
        );
        // A proof made for the token endpoint is not one for the credential endpoint.
        let r = credential_with(
            &app,
            &dpop,
            &[&key.dpop("POST", &htu, Some(&access), None)],
            request(&app.c_nonce().await),
        )
        .await;
        assert_challenge(&r, "invalid_dpop_proof");
        // The right key, scheme and ath: issued, bound to the holder key, not the DPoP key.
        let good = key.dpop("POST", &at, Some(&access), None);
        let r = credential_with(&app, &dpop, &[&good], request(&app.c_nonce().await)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let sd_jwt = r.body["credentials"][0]["credential"].as_str().unwrap();
        let payload: Value =
            serde_json::from_slice(&b64url::decode(sd_jwt.split('.').nth(1).unwrap()).unwrap())
                .unwrap();
        assert_eq!(payload["cnf"]["jwk"], Value::Object(holder.jwk.clone()));
        // F12: the same proof again is a replay, even with a valid key proof.
        let r = credential_with(&app, &dpop, &[&good], request(&app.c_nonce().await)).await;
        assert_challenge(&r, "invalid_dpop_proof");
        assert!(r.text.contains("jti"), "{}", r.text);
    }
    // An unbound (Bearer) token presented with the DPoP scheme is refused.
    let token = app.redeem(&code(&app, &config).await, None).await;
    assert_eq!(token.body["token_type"], "Bearer");
    let access = token.body["access_token"].as_str().unwrap();
    let key = Wallet::new(SigningAlgorithm::Es256);
    let r = credential_with(
        &app,
        &format!("DPoP {access}"),
        &[&key.dpop("POST", &app.url(CREDENTIAL), Some(access), None)],
        json!({"credential_configuration_id": config, "proofs": {"jwt": [holder.proof(&app.base, &app.c_nonce().await)]}}),
    )
    .await;
    assert_challenge(&r, "invalid_token");
    // No token at all: both schemes are fine, the challenge says Bearer.
    let r = reply(app.client.post(app.url(CREDENTIAL)).json(&json!({}))).await;
    assert_oauth(&r, StatusCode::UNAUTHORIZED, "invalid_token");
}

async fn every_rfc9449_check_refuses_a_bad_proof_and_spends_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = app.configuration(sd_jwt()).await;
    let code = code(&app, &config).await;
    let key = Wallet::new(SigningAlgorithm::Es256);
    let other = Wallet::new(SigningAlgorithm::Es256);
    let htu = app.url(TOKEN);
    let header = || json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.jwk});
    let claims = || json!({"jti": jti(), "htm": "POST", "htu": htu, "iat": now()});
    let with = |f: &dyn Fn(&mut Value, &mut Value)| {
        let (mut h, mut c) = (header(), claims());
        f(&mut h, &mut c);
        key.jws(h, c)
    };
    let valid = key.dpop("POST", &htu, None, None);
    let mut private = key.jwk.clone();
    private.insert("d".into(), json!(b64url::encode([1u8; 32])));
    let parts: Vec<&str> = valid.split('.').collect();
    let cases: Vec<(&str, Vec<String>)> = vec![
        // F1: two headers; two JWTs in one header.
        (
            "two DPoP headers",
            vec![valid.clone(), key.dpop("POST", &htu, None, None)],
        ),
        (
            "two JWTs joined by a comma",
            vec![format!("{valid},{}", key.dpop("POST", &htu, None, None))],
        ),
        // F2: not a compact JWS.
        ("two segments", vec![format!("{}.{}", parts[0], parts[1])]),
        ("four segments", vec![format!("{valid}.{}", parts[2])]),
        (
            "a JWE (five segments)",
            vec![format!(
                "{}.{}..{}.{}",
                parts[0], parts[1], parts[2], parts[2]
            )],
        ),
        (
            "bad base64url",
            vec![format!("{}.{}.%%%", parts[0], parts[1])],
        ),
        ("empty", vec![String::new()]),
        // F3: required claims.
        (
            "no jti",
            vec![with(&|_, c| {
                c.as_object_mut().unwrap().remove("jti");
            })],
        ),
        (
            "no htm",
            vec![with(&|_, c| {
                c.as_object_mut().unwrap().remove("htm");
            })],
        ),
        (
            "no htu",
            vec![with(&|_, c| {
                c.as_object_mut().unwrap().remove("htu");
            })],
        ),
        (
            "no iat",
            vec![with(&|_, c| {
                c.as_object_mut().unwrap().remove("iat");
            })],
        ),
        ("a numeric jti", vec![with(&|_, c| c["jti"] = json!(7))]),
        // F4: typ.
        ("typ JWT", vec![with(&|h, _| h["typ"] = json!("JWT"))]),
        (
            "typ openid4vci-proof+jwt",
            vec![with(&|h, _| h["typ"] = json!("openid4vci-proof+jwt"))],
        ),
        (
            "no typ",
            vec![with(&|h, _| {
                h.as_object_mut().unwrap().remove("typ");
            })],
        ),
        // F5: alg.
        (
            "alg none",
            vec![format!(
                "{}.{}.",
                b64url::encode(
                    serde_json::to_vec(&json!({"typ": "dpop+jwt", "alg": "none", "jwk": key.jwk}))
                        .unwrap()
                ),
                parts[1]
            )],
        ),
        ("alg HS256", vec![with(&|h, _| h["alg"] = json!("HS256"))]),
        ("alg RS256", vec![with(&|h, _| h["alg"] = json!("RS256"))]),
        (
            "alg EdDSA with a P-256 key",
            vec![with(&|h, _| h["alg"] = json!("EdDSA"))],
        ),
        // F6: the signature.
        (
            "a signature by another key",
            vec![{
                let mut h = header();
                h["jwk"] = json!(other.jwk);
                key.jws(h, claims())
            }],
        ),
        (
            "a tampered payload",
            vec![format!(
                "{}.{}.{}",
                parts[0],
                b64url::encode(
                    serde_json::to_vec(
                        &json!({"jti": jti(), "htm": "POST", "htu": htu, "iat": now() + 1})
                    )
                    .unwrap()
                ),
                parts[2]
            )],
        ),
        (
            "no jwk",
            vec![with(&|h, _| {
                h.as_object_mut().unwrap().remove("jwk");
            })],
        ),
        // F7: a private key in the header.
        (
            "a jwk with d",
            vec![with(&|h, _| h["jwk"] = json!(private))],
        ),
        // F8: the method.
        ("htm GET", vec![key.dpop("GET", &htu, None, None)]),
        ("htm post", vec![key.dpop("post", &htu, None, None)]),
        // F9: the URI (the configured public URL, never Host or X-Forwarded-*).
        (
            "htu of another endpoint",
            vec![key.dpop("POST", &app.url(CREDENTIAL), None, None)],
        ),
        (
            "htu of another host",
            vec![key.dpop("POST", "http://evil.example/v1/oauth/token", None, None)],
        ),
        (
            "htu relative",
            vec![key.dpop("POST", "/v1/oauth/token", None, None)],
        ),
        // F11: iat.
        (
            "iat 10 minutes old",
            vec![with(&|_, c| c["iat"] = json!(now() - 600))],
        ),
        (
            "iat 2 minutes ahead",
            vec![with(&|_, c| c["iat"] = json!(now() + 120))],
        ),
        (
            "iat a string",
            vec![with(&|_, c| c["iat"] = json!(now().to_string()))],
        ),
        // F10 without a required nonce: a nonce that is not Sigil's is simply ignored (accepted
        // below), so it is not a case here.
    ];
    for (why, proofs) in &cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let r = token_with(&app, &code, &proofs).await;
        assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_dpop_proof");
        assert!(
            !r.body["error_description"].as_str().unwrap().is_empty(),
            "{why}"
        );
    }
    // F9: a Host / X-Forwarded-Host a proxy could forge does not move htu.
    let forged = key.dpop("POST", "http://evil.example/v1/oauth/token", None, None);
    let r = reply(
        app.client
            .post(app.url(TOKEN))
            .header("x-forwarded-host", "evil.example")
            .header("x-forwarded-proto", "http")
            .header("DPoP", forged)
            .form(&[
                ("grant_type", PRE_AUTH),
                ("pre-authorized_code", code.as_str()),
            ]),
    )
    .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_dpop_proof");
    // None of that spent the code: a valid proof (4 s in the future, within the skew) redeems it.
    let skewed = with(&|_, c| c["iat"] = json!(now() + 4));
    let r = token_with(&app, &code, &[&skewed]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["token_type"], "DPoP");
    // F12: the same proof again (another code) is a replay.
    let again = token_with(&app, &crate::dpop::code(&app, &config).await, &[&skewed]).await;
    assert_oauth(&again, StatusCode::BAD_REQUEST, "invalid_dpop_proof");
    assert!(again.text.contains("jti"), "{}", again.text);
}

async fn dpop_nonces_are_required_once_the_server_hands_them_out(engine: Engine) {
    let app = spawn_app_with(engine, &[("oauth.require_dpop_nonce", "true")]).await;
    let config = app.configuration(sd_jwt()).await;
    let code = code(&app, &config).await;
    let key = Wallet::new(SigningAlgorithm::Es256);
    let htu = app.url(TOKEN);
    // F10: no nonce → use_dpop_nonce with a fresh DPoP-Nonce (the code is not spent).
    let r = token_with(&app, &code, &[&key.dpop("POST", &htu, None, None)]).await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "use_dpop_nonce");
    let nonce = r.headers["dpop-nonce"].to_str().unwrap().to_string();
    // A nonce Sigil did not make, or an altered one, is refused the same way.
    let mut altered = nonce.clone().into_bytes();
    altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    for bad in ["made-up", altered.as_str()] {
        let r = token_with(&app, &code, &[&key.dpop("POST", &htu, None, Some(bad))]).await;
        assert_oauth(&r, StatusCode::BAD_REQUEST, "use_dpop_nonce");
        assert!(r.headers.contains_key("dpop-nonce"));
    }
    // The nonce endpoint hands them out too.
    let n = reply(app.client.post(app.url("/v1/openid/nonce"))).await;
    assert!(n.headers.contains_key("dpop-nonce"));
    let r = token_with(&app, &code, &[&key.dpop("POST", &htu, None, Some(&nonce))]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let fresh = r.headers["dpop-nonce"].to_str().unwrap().to_string();
    let access = r.body["access_token"].as_str().unwrap().to_string();
    let holder = Wallet::new(SigningAlgorithm::Es256);
    let at = app.url(CREDENTIAL);
    let body = |n: &str| json!({"credential_configuration_id": config, "proofs": {"jwt": [holder.proof(&app.base, n)]}});
    // At the resource: 401 use_dpop_nonce with a DPoP challenge and a nonce, then success.
    let r = credential_with(
        &app,
        &format!("DPoP {access}"),
        &[&key.dpop("POST", &at, Some(&access), None)],
        body(&app.c_nonce().await),
    )
    .await;
    assert_challenge(&r, "use_dpop_nonce");
    assert!(r.headers.contains_key("dpop-nonce"));
    let r = credential_with(
        &app,
        &format!("DPoP {access}"),
        &[&key.dpop("POST", &at, Some(&access), Some(&fresh))],
        body(&app.c_nonce().await),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.headers.contains_key("dpop-nonce"));
}

async fn a_deployment_can_make_dpop_mandatory(engine: Engine) {
    let app = spawn_app_with(engine, &[("oauth.require_dpop", "true")]).await;
    let config = app.configuration(sd_jwt()).await;
    let code = code(&app, &config).await;
    let r = app.redeem(&code, None).await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_dpop_proof");
    let key = Wallet::new(SigningAlgorithm::EdDsa);
    let r = token_with(
        &app,
        &code,
        &[&key.dpop("POST", &app.url(TOKEN), None, None)],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["token_type"], "DPoP");
}
