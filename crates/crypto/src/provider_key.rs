//! Verifying JWTs signed by an external OpenID Provider (ID tokens) with a key from its JWKS:
//! RSA (RS256/384/512, PS256/384/512), ECDSA (ES256, ES384) and EdDSA (Ed25519). `none`, HMAC
//! and any algorithm not matching the key's type are refused.

use aws_lc_rs::signature::{
    self, ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, ED25519, RsaParameters,
    RsaPublicKeyComponents, UnparsedPublicKey,
};
use serde_json::{Map, Value};

use crate::{Acceptance, CompactJws, JwsVerifier, Unverified, b64url};

/// Why a provider-signed JWT was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderKeyError {
    /// No key in the set fits the token's `kid` and `alg`.
    #[error("no key in the provider's JWKS fits the token's kid and alg")]
    NoKey(Option<String>),
    /// No matching key verified the signature.
    #[error("the signature does not verify")]
    Signature,
}

/// The algorithms accepted in ID tokens.
pub const PROVIDER_ALGORITHMS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA",
];

fn kty_for(alg: &str) -> Option<&'static str> {
    match alg {
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => Some("RSA"),
        "ES256" | "ES384" => Some("EC"),
        "EdDSA" => Some("OKP"),
        _ => None,
    }
}

fn rsa_parameters(alg: &str) -> Option<&'static RsaParameters> {
    Some(match alg {
        "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
        "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
        "RS512" => &signature::RSA_PKCS1_2048_8192_SHA512,
        "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
        "PS384" => &signature::RSA_PSS_2048_8192_SHA384,
        "PS512" => &signature::RSA_PSS_2048_8192_SHA512,
        _ => return None,
    })
}

fn text<'a>(jwk: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}

fn verify_with(jwk: &Map<String, Value>, alg: &str, message: &[u8], sig: &[u8]) -> bool {
    let bytes = |name: &str| text(jwk, name).and_then(b64url::decode);
    if let Some(params) = rsa_parameters(alg) {
        let (Some(n), Some(e)) = (bytes("n"), bytes("e")) else {
            return false;
        };
        return RsaPublicKeyComponents { n: &n, e: &e }
            .verify(params, message, sig)
            .is_ok();
    }
    match (alg, text(jwk, "crv")) {
        ("ES256", Some("P-256")) | ("ES384", Some("P-384")) => {
            let (Some(x), Some(y)) = (bytes("x"), bytes("y")) else {
                return false;
            };
            let mut point = vec![4u8];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let algorithm = if alg == "ES256" {
                &ECDSA_P256_SHA256_FIXED
            } else {
                &ECDSA_P384_SHA384_FIXED
            };
            UnparsedPublicKey::new(algorithm, &point)
                .verify(message, sig)
                .is_ok()
        }
        ("EdDSA", Some("Ed25519")) => bytes("x").is_some_and(|x| {
            crate::ed25519::check_public_key(&x).is_ok()
                && crate::ed25519::check_signature(sig).is_ok()
                && UnparsedPublicKey::new(&ED25519, &x)
                    .verify(message, sig)
                    .is_ok()
        }),
        _ => false,
    }
}

/// The provider's key set (`{"keys": [...]}`) as a [`JwsVerifier`]: the key is chosen by `kid`
/// when the token names one, by key type otherwise; keys marked `use: enc` are skipped.
#[derive(Debug, Clone, Copy)]
pub struct ProviderJwks<'a> {
    jwks: &'a Value,
    kid: Option<&'a str>,
}

impl<'a> ProviderJwks<'a> {
    /// The key set, for a token naming `kid` (or none).
    pub fn new(jwks: &'a Value, kid: Option<&'a str>) -> Self {
        Self { jwks, kid }
    }

    fn candidates(&self, alg: &str) -> Vec<&'a Map<String, Value>> {
        let Some(kty) = kty_for(alg) else {
            return Vec::new();
        };
        let keys = self.jwks.get("keys").and_then(Value::as_array);
        keys.into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .filter(|k| text(k, "kty") == Some(kty))
            .filter(|k| text(k, "use").is_none_or(|u| u == "sig"))
            .filter(|k| text(k, "alg").is_none_or(|a| a == alg))
            .filter(|k| self.kid.is_none_or(|kid| text(k, "kid") == Some(kid)))
            .collect()
    }

    /// Whether some key in the set could verify a token with this `alg`.
    pub fn has_key_for(&self, alg: &str) -> bool {
        !self.candidates(alg).is_empty()
    }
}

impl JwsVerifier for ProviderJwks<'_> {
    fn verify_jws(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        self.candidates(alg)
            .iter()
            .any(|k| verify_with(k, alg, message, signature))
    }
}

/// The rules an ID token is accepted under (besides its claims, which the caller checks).
pub const ID_TOKEN: Acceptance<'static> = Acceptance {
    max_bytes: 64 * 1024,
    typ: None,
    algs: PROVIDER_ALGORITHMS,
};

/// Verifies an ID token that passed [`ID_TOKEN`]'s checks with the provider's JWKS.
pub fn verify_with_jwks(
    unverified: Unverified,
    jwks: &Value,
) -> Result<CompactJws, ProviderKeyError> {
    let kid = unverified.peek().header_str("kid").map(str::to_string);
    let keys = ProviderJwks::new(jwks, kid.as_deref());
    if !keys.has_key_for(unverified.alg()) {
        return Err(ProviderKeyError::NoKey(kid));
    }
    unverified
        .verify(&keys)
        .map_err(|_| ProviderKeyError::Signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // RFC 7515 Appendix A.2: an RS256 JWS and its RSA public key.
    const RS256_JWS: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";

    fn rfc7515_rsa_jwks(kid: Option<&str>) -> Value {
        let mut key = json!({
            "kty": "RSA",
            "n": "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ",
            "e": "AQAB"
        });
        if let Some(kid) = kid {
            key["kid"] = json!(kid);
        }
        json!({"keys": [key]})
    }

    fn with_header(header: serde_json::Value) -> String {
        let mut parts = RS256_JWS.split('.');
        let _ = parts.next();
        let payload = parts.next().unwrap();
        let signature = parts.next().unwrap();
        format!(
            "{}.{payload}.{signature}",
            b64url::encode(serde_json::to_vec(&header).unwrap())
        )
    }

    #[test]
    fn verifies_rfc_7515_rs256_example_and_refuses_edits() {
        let unverified = ID_TOKEN.check(RS256_JWS).unwrap();
        assert!(verify_with_jwks(unverified, &rfc7515_rsa_jwks(None)).is_ok());
        // The signature covers the header: the same token with another kid no longer verifies.
        let edited = ID_TOKEN
            .check(&with_header(json!({"alg": "RS256", "kid": "k1"})))
            .unwrap();
        assert_eq!(
            verify_with_jwks(edited, &rfc7515_rsa_jwks(Some("k1"))).err(),
            Some(ProviderKeyError::Signature)
        );
    }

    #[test]
    fn refuses_none_hmac_crit_and_kid_mismatch() {
        let other_kid = ID_TOKEN
            .check(&with_header(json!({"alg": "RS256", "kid": "k2"})))
            .unwrap();
        assert_eq!(
            verify_with_jwks(other_kid, &rfc7515_rsa_jwks(Some("k1"))).err(),
            Some(ProviderKeyError::NoKey(Some("k2".into())))
        );
        for alg in ["none", "HS256", ""] {
            assert_eq!(
                ID_TOKEN
                    .check(&with_header(json!({"alg": alg, "kid": "k2"})))
                    .err(),
                Some(crate::JwsRefusal::Algorithm)
            );
        }
        assert_eq!(
            ID_TOKEN
                .check(&with_header(json!({"alg": "RS256", "crit": ["exp"]})))
                .err(),
            Some(crate::JwsRefusal::Critical)
        );
        // An EC alg with only an RSA key in the set: no candidate.
        let ec = ID_TOKEN
            .check(&with_header(json!({"alg": "ES256", "kid": "k2"})))
            .unwrap();
        assert!(matches!(
            verify_with_jwks(ec, &rfc7515_rsa_jwks(Some("k2"))),
            Err(ProviderKeyError::NoKey(_))
        ));
    }
}
