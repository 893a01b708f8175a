//! JWS that prove nothing (issue: hostile traffic, defects 4 and 8): Ed25519 keys of small order
//! with a signature that verifies for any message, non-canonical signatures, and unknown critical
//! extensions, in key proofs and DPoP proofs. Each is refused and spends nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::{SigningAlgorithm, b64url};
use sigil_testkit::Engine;

use crate::helpers::{TestApp, assert_oauth, reply, spawn_app};
use crate::on_both_engines;
use crate::wallet::{Wallet, jti, now, pre_authorized_code, pre_authorized_form};

on_both_engines!(
    small_order_ed25519_keys_bind_nothing,
    non_canonical_ed25519_signatures_are_refused,
    unknown_critical_extensions_are_refused
);

/// The identity point: with `R` = identity and `S` = 0, `[S]B - [k]A` = identity = `R` for the
/// identity key `A` and every message, so this "signature" verifies under plain RFC 8032.
fn identity() -> [u8; 32] {
    let mut point = [0u8; 32];
    point[0] = 1;
    point
}

fn forged(header: &Value, claims: &Value) -> String {
    let mut signature = [0u8; 64];
    signature[..32].copy_from_slice(&identity());
    format!(
        "{}.{}.{}",
        b64url::encode(serde_json::to_vec(header).unwrap()),
        b64url::encode(serde_json::to_vec(claims).unwrap()),
        b64url::encode(signature)
    )
}

fn identity_jwk() -> Value {
    json!({"kty": "OKP", "crv": "Ed25519", "x": b64url::encode(identity())})
}

/// The identity as an Ed25519 `did:key` (multicodec 0xed01).
fn identity_did_key() -> String {
    format!(
        "did:key:{}",
        sigil_crypto::base58::ed25519_multikey(&identity())
    )
}

async fn setup(app: &TestApp) -> String {
    app.configuration(
        json!({"name": "Badge", "format": "dc+sd-jwt", "vct": "https://issuer.example/badge",
        "claimMappings": {"name": {"mapFrom": "claims.name"}}}),
    )
    .await
}

async fn credential_with(
    app: &TestApp,
    config: &str,
    access: &str,
    proof: &str,
) -> crate::helpers::Reply {
    app.credential(
        access,
        json!({"credential_configuration_id": config, "proofs": {"jwt": [proof]}}),
    )
    .await
}

async fn small_order_ed25519_keys_bind_nothing(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = setup(&app).await;
    let (access, _) = app.access_token(&config, json!({"name": "Ada"})).await;
    let nonce = app.c_nonce().await;
    let claims = json!({"aud": app.base, "iat": now(), "nonce": nonce});
    for header in [
        json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "jwk": identity_jwk()}),
        json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": format!("{}#0", identity_did_key())}),
    ] {
        let r = credential_with(&app, &config, &access, &forged(&header, &claims)).await;
        assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_proof");
        assert!(
            r.body["error_description"]
                .as_str()
                .unwrap()
                .contains("small order"),
            "{}",
            r.text
        );
    }
    // The c_nonce was not spent: an honest proof with it still gets the credential.
    let wallet = Wallet::new(SigningAlgorithm::EdDsa);
    let r = credential_with(&app, &config, &access, &wallet.proof(&app.base, &nonce)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    // DPoP at the token endpoint: a proof "by" the identity key is refused and the code kept.
    let offer = app
        .offer(json!({"credentials": [config], "claims": {"name": "Ada"}}))
        .await;
    let code = pre_authorized_code(offer.body["uri"].as_str().unwrap());
    let dpop = forged(
        &json!({"typ": "dpop+jwt", "alg": "EdDSA", "jwk": identity_jwk()}),
        &json!({"jti": jti(), "htm": "POST", "htu": app.url("/v1/oauth/token"), "iat": now()}),
    );
    token_refuses_dpop(&app, &code, dpop).await;
}

/// `S` + L: the same signature in a form lax verifiers accept (RFC 8032 §5.1.7 refuses it).
fn malleated(jws: &str) -> String {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let (input, signature) = jws.rsplit_once('.').unwrap();
    let mut signature = b64url::decode(signature).unwrap();
    let mut carry = 0u16;
    for (s, l) in signature[32..].iter_mut().zip(L.iter()) {
        let sum = u16::from(*s) + u16::from(*l) + carry;
        *s = (sum & 0xff) as u8;
        carry = sum >> 8;
    }
    format!("{input}.{}", b64url::encode(signature))
}

async fn non_canonical_ed25519_signatures_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = setup(&app).await;
    let (access, _) = app.access_token(&config, json!({"name": "Ada"})).await;
    let nonce = app.c_nonce().await;
    let wallet = Wallet::new(SigningAlgorithm::EdDsa);
    let proof = wallet.proof(&app.base, &nonce);
    let r = credential_with(&app, &config, &access, &malleated(&proof)).await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_proof");
    let r = credential_with(&app, &config, &access, &proof).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn unknown_critical_extensions_are_refused(engine: Engine) {
    let app = spawn_app(engine).await;
    let config = setup(&app).await;
    let (access, _) = app.access_token(&config, json!({"name": "Ada"})).await;
    let nonce = app.c_nonce().await;
    for alg in [SigningAlgorithm::Es256, SigningAlgorithm::EdDsa] {
        let wallet = Wallet::new(alg);
        for crit in [json!(["exp"]), json!([]), json!("b64"), json!(["b64"])] {
            let proof = wallet.jws(
                json!({"typ": "openid4vci-proof+jwt", "alg": wallet.alg(), "jwk": wallet.jwk, "crit": crit, "exp": 1}),
                json!({"aud": app.base, "iat": now(), "nonce": nonce}),
            );
            let r = credential_with(&app, &config, &access, &proof).await;
            assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_proof");
            assert!(
                r.body["error_description"]
                    .as_str()
                    .unwrap()
                    .contains("crit"),
                "{}",
                r.text
            );
        }
    }
    // DPoP with crit at the token endpoint: refused, the code kept.
    let offer = app
        .offer(json!({"credentials": [config], "claims": {"name": "Ada"}}))
        .await;
    let code = pre_authorized_code(offer.body["uri"].as_str().unwrap());
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let dpop = wallet.jws(
        json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": wallet.jwk, "crit": ["x-custom"], "x-custom": true}),
        json!({"jti": jti(), "htm": "POST", "htu": app.url("/v1/oauth/token"), "iat": now()}),
    );
    token_refuses_dpop(&app, &code, dpop).await;
    // The same nonce still works with an honest proof.
    let honest = Wallet::new(SigningAlgorithm::Es256);
    let r = credential_with(&app, &config, &access, &honest.proof(&app.base, &nonce)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

/// A token request with `dpop` is refused as `invalid_dpop_proof` and leaves the code unspent.
async fn token_refuses_dpop(app: &TestApp, code: &str, dpop: String) {
    let form = pre_authorized_form(code);
    let r = reply(
        app.client
            .post(app.url("/v1/oauth/token"))
            .header("DPoP", dpop)
            .form(&form),
    )
    .await;
    assert_oauth(&r, StatusCode::BAD_REQUEST, "invalid_dpop_proof");
    let r = app.token(&form).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "the code was not spent: {}",
        r.text
    );
}
