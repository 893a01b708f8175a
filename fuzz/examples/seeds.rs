//! Writes the seeds that need keys, signatures or the fuzzed application's own nonces and ids
//! (`compact_jws`, `jwe`, `proofs`, `authorization_query`) into `fuzz/corpus/<target>/`; the
//! other seeds there are written by hand. Run from the repository root:
//!
//! ```sh
//! cargo run --manifest-path fuzz/Cargo.toml --example seeds
//! ```
//!
//! The output is deterministic except for ES256 signatures (randomised by aws-lc) and the
//! ephemeral keys of the JWEs; re-running it only rewrites the generated files.

use std::path::Path;

use serde_json::{Value, json};
use sigil_crypto::jwe::{ContentEncryption, DecryptionKey, KeyManagement, RecipientKey, encrypt};
use sigil_crypto::{SigningAlgorithm, b64url, sha256, sign_hs256};
use sigil_fuzz::{ACCESS_TOKEN, ISSUER, NOW, REDIRECT_URI, app, sign_raw, wallet, wallet_jwk};

fn write(target: &str, name: &str, contents: impl AsRef<[u8]>) {
    let dir = Path::new("fuzz/corpus").join(target);
    std::fs::create_dir_all(&dir).expect("corpus directory");
    std::fs::write(dir.join(name), contents).expect("seed written");
}

fn jws(alg: SigningAlgorithm, header: &Value, payload: &Value) -> String {
    let header = serde_json::to_vec(header).expect("JSON");
    let payload = serde_json::to_vec(payload).expect("JSON");
    sign_raw(&wallet(alg), &header, &payload)
}

fn main() {
    let es256 = wallet(SigningAlgorithm::Es256);
    let ed25519 = wallet(SigningAlgorithm::EdDsa);
    let es_jwk = Value::Object(wallet_jwk(&es256));
    let ed_jwk = Value::Object(wallet_jwk(&ed25519));
    let holder = |jwk: &Value| {
        sigil_crypto::HolderKey::from_jwk(jwk.as_object().expect("object")).expect("holder key")
    };
    let did_jwk = holder(&es_jwk).did_jwk();
    let ed_x = b64url::decode(ed_jwk["x"].as_str().expect("x")).expect("base64url");
    let did_key = format!("did:key:{}", sigil_crypto::base58::ed25519_multikey(&ed_x));

    let app = app();
    // One c_nonce per key-proof seed: a nonce is spent by the first proof that uses it.
    let c_nonce = || {
        app.runtime
            .block_on(app.sigil.nonces().nonce())
            .expect("a c_nonce")
            .c_nonce
    };
    let dpop_nonce = app
        .sigil
        .dpop()
        .dpop_nonce()
        .expect("a DPoP nonce")
        .expect("DPoP nonces are required");
    let ath = b64url::encode(sha256(ACCESS_TOKEN.as_bytes()));

    // Key proofs: jwk, did:jwk and did:key; DPoP proofs for the token and credential endpoints.
    let proof_claims = || json!({"aud": ISSUER, "iat": NOW, "nonce": c_nonce()});
    let proof_es = jws(
        SigningAlgorithm::Es256,
        &json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": es_jwk}),
        &proof_claims(),
    );
    let proof_did_jwk = jws(
        SigningAlgorithm::Es256,
        &json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "kid": format!("{did_jwk}#0")}),
        &proof_claims(),
    );
    let proof_did_key = jws(
        SigningAlgorithm::EdDsa,
        &json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": format!("{did_key}#{}", &did_key[8..])}),
        &proof_claims(),
    );
    let batch = [SigningAlgorithm::Es256, SigningAlgorithm::EdDsa].map(|alg| {
        let jwk = if alg == SigningAlgorithm::Es256 {
            &es_jwk
        } else {
            &ed_jwk
        };
        jws(
            alg,
            &json!({"typ": "openid4vci-proof+jwt", "alg": alg.jose_name(), "jwk": jwk}),
            &proof_claims(),
        )
    });
    let dpop = |alg: SigningAlgorithm, jwk: &Value, path: &str, ath: Option<&str>| {
        let mut claims = json!({"jti": format!("jti-{path}"), "htm": "POST",
                                "htu": format!("{ISSUER}{path}"), "iat": NOW, "nonce": dpop_nonce});
        if let Some(ath) = ath {
            claims["ath"] = json!(ath);
        }
        jws(
            alg,
            &json!({"typ": "dpop+jwt", "alg": alg.jose_name(), "jwk": jwk}),
            &claims,
        )
    };
    let dpop_token = dpop(SigningAlgorithm::Es256, &es_jwk, "/v1/oauth/token", None);
    let dpop_credential = dpop(
        SigningAlgorithm::EdDsa,
        &ed_jwk,
        "/v1/openid/credential",
        Some(&ath),
    );

    write("proofs", "key-proof-jwk-es256", &proof_es);
    write("proofs", "key-proof-did-jwk", &proof_did_jwk);
    write("proofs", "key-proof-did-key-eddsa", &proof_did_key);
    write("proofs", "batch-of-two", batch.join("\n"));
    write("proofs", "dpop-token-endpoint", &dpop_token);
    write("proofs", "dpop-credential-endpoint", &dpop_credential);
    let unsigned = |header: &Value, claims: &Value| format!("~{header}\t{claims}");
    write(
        "proofs",
        "self-signed-key-proof",
        unsigned(
            &json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": es_jwk}),
            &json!({"aud": ISSUER, "iat": NOW, "nonce": c_nonce()}),
        ),
    );
    write(
        "proofs",
        "self-signed-dpop",
        unsigned(
            &json!({"typ": "dpop+jwt", "alg": "EdDSA", "jwk": ed_jwk}),
            &json!({"jti": "j", "htm": "POST", "htu": format!("{ISSUER}/v1/openid/credential"),
                    "iat": NOW, "nonce": dpop_nonce, "ath": ath}),
        ),
    );

    // compact_jws: the same proofs, the other JWS profiles, and the key encodings alone.
    write("compact_jws", "key-proof-jwk-es256", &proof_es);
    write("compact_jws", "key-proof-did-key-eddsa", &proof_did_key);
    write("compact_jws", "dpop-token-endpoint", &dpop_token);
    let session = json!({"state": "abc", "iat": NOW, "claims": {"email": "a@example.com"}});
    write(
        "compact_jws",
        "hs256-session-token",
        sign_hs256(&[0x42; 32], session.as_object().expect("object")),
    );
    // RFC 7515 Appendix A.2 (RS256), verified against the provider key set of the target.
    write(
        "compact_jws",
        "rfc7515-a2-rs256",
        concat!(
            "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.",
            "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
        ),
    );
    write("compact_jws", "did-jwk", &did_jwk);
    write("compact_jws", "did-key", &did_key);
    write("compact_jws", "jwk-es256.json", es_jwk.to_string());
    write("compact_jws", "jwk-ed25519.json", ed_jwk.to_string());
    write("compact_jws", "ed25519-public-key.bin", &ed_x);

    // jwe: requests encrypted to the target's fixed keys.
    let bob = DecryptionKey::from_bytes(
        &b64url::decode("VEmDZpDXXK8p8N0Cndsxs924q6nS1RXFASRl6BfUqdw").expect("base64url"),
    )
    .expect("Bob's key");
    let recipient = RecipientKey::from_jwk(&bob.public_jwk()).expect("Bob's public key");
    let rng = sigil_fuzz::FuzzRandom::new(9);
    let body =
        json!({"credential_configuration_id": "c", "proofs": {"jwt": [proof_es]}}).to_string();
    for (name, alg, enc) in [
        (
            "ecdh-es-a128gcm",
            KeyManagement::EcdhEs,
            ContentEncryption::A128Gcm,
        ),
        (
            "ecdh-es-a256gcm",
            KeyManagement::EcdhEs,
            ContentEncryption::A256Gcm,
        ),
        ("hpke-7", KeyManagement::Hpke7, ContentEncryption::A256Gcm),
    ] {
        let jwe = encrypt(body.as_bytes(), &recipient, alg, enc, Some("k1"), &rng).expect("JWE");
        write("jwe", name, jwe);
    }
    write(
        "jwe",
        "recipient-jwk.json",
        Value::Object(bob.public_jwk()).to_string(),
    );

    // authorization_query: the registered client, with each way of naming what it wants.
    let client = &app.client_id;
    let challenge = b64url::encode(sha256(b"a-code-verifier-of-forty-three-characters-long"));
    let jkt = b64url::encode(sha256(b"a dpop key"));
    let details = json!([{"type": "openid_credential",
                          "credential_configuration_id": app.configuration_id,
                          "locations": [ISSUER]}])
    .to_string();
    let query = |pairs: &[(&str, &str)]| {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        out.extend_pairs(pairs);
        out.finish()
    };
    let base = [
        ("response_type", "code"),
        ("client_id", client.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("state", "xyz"),
    ];
    let with = |extra: &[(&str, &str)]| {
        let mut pairs = base.to_vec();
        pairs.extend_from_slice(extra);
        query(&pairs)
    };
    write(
        "authorization_query",
        "authorize-scope",
        with(&[("scope", "openid dc+sd-jwt:https://issuer.example/fuzz")]),
    );
    write(
        "authorization_query",
        "authorize-details",
        with(&[("authorization_details", &details), ("dpop_jkt", &jkt)]),
    );
    write(
        "authorization_query",
        "authorize-issuer-state",
        with(&[("issuer_state", "made-up"), ("nonce", "n")]),
    );
    write(
        "authorization_query",
        "authorize-request-uri",
        query(&[
            ("client_id", client.as_str()),
            ("request_uri", "urn:ietf:params:oauth:request_uri:abc"),
        ]),
    );
    write(
        "authorization_query",
        "authentication-callback",
        query(&[
            ("state", "s"),
            ("code", "c"),
            ("iss", "https://login.example"),
        ]),
    );
    write(
        "authorization_query",
        "hook-callback",
        query(&[("state", "s"), ("session_token", "a.b.c")]),
    );
    write(
        "authorization_query",
        "token-authorization-code",
        query(&[
            ("grant_type", "authorization_code"),
            ("code", "c"),
            (
                "code_verifier",
                "a-code-verifier-of-forty-three-characters-long",
            ),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", client.as_str()),
        ]),
    );
    write(
        "authorization_query",
        "token-pre-authorized",
        query(&[
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            ),
            ("pre-authorized_code", "code"),
            ("tx_code", "493536"),
        ]),
    );
    println!("seeds written under fuzz/corpus/");
}
