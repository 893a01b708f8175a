//! `compact_jws`: the one path every JWS Sigil accepts goes through, on attacker bytes.
//! `CompactJws::parse`, then `Acceptance::check` under each profile Sigil uses (key proofs,
//! DPoP proofs, the provider's ID tokens, the hook's HS256 session tokens), then
//! `Unverified::verify` with the key the token names (`HolderKey::from_jwk` on its `jwk`
//! header, `HolderKey::from_did` on its `kid`), or the provider's JWKS; and the key parsers
//! alone: `HolderKey::from_jwk` on any JSON object, `HolderKey::from_did` on any string, the
//! provider JWKS selection on any JSON, and the strict Ed25519 checks on raw bytes.
//!
//! Proofs and tokens arrive before any authentication; a panic here is a denial of service and
//! a wrong acceptance is a forged proof. Besides "no panic", the target checks that a key that
//! parses round-trips through its `did:jwk` and that the Ed25519 checks agree with `from_jwk`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value, json};
use sigil_crypto::ed25519::{check_public_key, check_signature};
use sigil_crypto::{
    Acceptance, CompactJws, HolderKey, ID_TOKEN, JwsVerifier, PROVIDER_ALGORITHMS, ProviderJwks,
    b64url, verify_hs256, verify_with_jwks,
};

const PROOF_ALGS: [&str; 2] = ["ES256", "EdDSA"];
/// Key proofs (`sigil_core::issuance::proof`): OID4VCI 1.0 Appendix F.1.
const KEY_PROOF: Acceptance<'static> = Acceptance {
    max_bytes: 16 * 1024,
    typ: Some("openid4vci-proof+jwt"),
    algs: &PROOF_ALGS,
};
/// DPoP proofs (`sigil_core::authorization::dpop`): RFC 9449 §4.3.
const DPOP_PROOF: Acceptance<'static> = Acceptance {
    max_bytes: 8 * 1024,
    typ: Some("dpop+jwt"),
    algs: &PROOF_ALGS,
};
/// No `typ` required, every algorithm name Sigil knows listed (plus ones it must refuse).
const ANY: Acceptance<'static> = Acceptance {
    max_bytes: 64 * 1024,
    typ: None,
    algs: &[
        "ES256", "EdDSA", "HS256", "RS256", "PS256", "ES384", "none", "Ed25519", "ES256K",
    ],
};
/// The interaction hook's secret in these runs.
const HOOK_SECRET: [u8; 32] = [0x42; 32];

/// The key a proof header names, as `sigil_core::issuance::proof` resolves it.
fn proof_key(header: &Map<String, Value>) -> Option<HolderKey> {
    match (header.get("jwk"), header.get("kid")) {
        (Some(Value::Object(jwk)), None) => HolderKey::from_jwk(jwk).ok(),
        (None, Some(Value::String(kid))) => HolderKey::from_did(kid).ok(),
        _ => None,
    }
}

/// A provider key set with one key of each type Sigil verifies ID tokens with.
fn provider_jwks() -> Value {
    json!({"keys": [
        {"kty": "RSA", "kid": "rsa", "e": "AQAB",
         "n": "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"},
        {"kty": "EC", "crv": "P-256", "kid": "ec",
         "x": "weNJy2HscCSM6AEDTDg04biOvhFhyyWvOHQfeF_PxMQ",
         "y": "e8lnCO-AlStT-NJVX-crhB7QRYhiix03illJOVAOyck"},
        {"kty": "OKP", "crv": "Ed25519", "kid": "okp",
         "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    ]})
}

/// A key that parsed must survive the trip through its `did:jwk`.
fn check_round_trip(key: &HolderKey) {
    let again = HolderKey::from_did(&key.did_jwk()).expect("a key's own did:jwk resolves");
    assert_eq!(&again, key, "did:jwk round trip changed the key");
    assert_eq!(again.thumbprint, key.thumbprint);
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let token = text.as_ref();

    let _ = CompactJws::parse(token);
    for profile in [KEY_PROOF, DPOP_PROOF, ANY] {
        let Ok(unverified) = profile.check(token) else {
            continue;
        };
        assert!(token.len() <= profile.max_bytes);
        assert!(!unverified.peek().header.contains_key("crit"));
        assert_ne!(unverified.alg(), "none");
        if let Some(key) = proof_key(&unverified.peek().header) {
            let _ = unverified.verify(&key);
        }
    }
    if let Ok(unverified) = ID_TOKEN.check(token) {
        let _ = verify_with_jwks(unverified, &provider_jwks());
    }
    let _ = verify_hs256(&HOOK_SECRET, token);

    // A `kid` as a proof names it.
    if let Ok(key) = HolderKey::from_did(token) {
        check_round_trip(&key);
    }
    // Any JSON: a JWK for HolderKey, a JWKS for the provider's key selection.
    if let Ok(value) = serde_json::from_slice::<Value>(data) {
        if let Some(jwk) = value.as_object()
            && let Ok(key) = HolderKey::from_jwk(jwk)
        {
            check_round_trip(&key);
            let _ = key.verify(key.alg, data, data);
        }
        let jwks = ProviderJwks::new(&value, None);
        for alg in PROVIDER_ALGORITHMS {
            if jwks.has_key_for(alg) {
                let _ = jwks.verify_jws(alg, b"message", data);
            }
        }
    }
    // Raw bytes as an Ed25519 key and signature.
    if check_public_key(data).is_ok() {
        let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64url::encode(data)});
        let key = jwk.as_object().map(HolderKey::from_jwk);
        assert!(
            matches!(key, Some(Ok(_))),
            "an Ed25519 key check_public_key accepts is refused as a JWK"
        );
    }
    let _ = check_signature(data);
});
