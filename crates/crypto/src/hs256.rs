//! HS256 JWTs (RFC 7519 with RFC 7518 §3.2) for the interaction hook's session tokens: the
//! algorithm is pinned (RFC 8725 §3.1), the key is 256 bits, and the MAC comparison is constant
//! time (aws-lc-rs `hmac::verify`).

use aws_lc_rs::hmac;
use serde_json::{Map, Value};

use crate::{Acceptance, JwsRefusal, JwsVerifier, b64url};

/// Why an HS256 JWT was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Hs256Error {
    /// Not a compact JWS with JSON header and payload.
    #[error("not a JWT")]
    Malformed,
    /// `alg` is not `HS256` (`none`, asymmetric algorithms and others are refused).
    #[error("alg must be HS256")]
    Algorithm,
    /// The header names critical extensions (RFC 7515 §4.1.11).
    #[error("crit names extensions that are not understood")]
    Critical,
    /// The MAC does not match.
    #[error("the signature does not verify")]
    Signature,
}

/// Signs `payload` with header `{"alg":"HS256","typ":"JWT"}`.
pub fn sign_hs256(secret: &[u8; 32], payload: &Map<String, Value>) -> String {
    let header = br#"{"alg":"HS256","typ":"JWT"}"#;
    let payload = serde_json::to_vec(payload).unwrap_or_default();
    let mut out = format!("{}.{}", b64url::encode(header), b64url::encode(payload));
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let tag = hmac::sign(&key, out.as_bytes());
    out.push('.');
    out.push_str(&b64url::encode(tag.as_ref()));
    out
}

/// The rules a session token is accepted under: HS256 only, no `crit`, at most 64 KiB.
const SESSION_TOKEN: Acceptance<'static> = Acceptance {
    max_bytes: 64 * 1024,
    typ: None,
    algs: &["HS256"],
};

/// The hook secret as a [`JwsVerifier`].
struct Hs256Key<'a>(&'a [u8; 32]);

impl JwsVerifier for Hs256Key<'_> {
    fn verify_jws(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.0);
        alg == "HS256" && hmac::verify(&key, message, signature).is_ok()
    }
}

/// Verifies the MAC of an HS256 JWT and returns its payload (claims are the caller's to check).
pub fn verify_hs256(secret: &[u8; 32], token: &str) -> Result<Map<String, Value>, Hs256Error> {
    let unverified = SESSION_TOKEN.check(token).map_err(|e| match e {
        JwsRefusal::Algorithm => Hs256Error::Algorithm,
        JwsRefusal::Critical => Hs256Error::Critical,
        _ => Hs256Error::Malformed,
    })?;
    let jws = unverified
        .verify(&Hs256Key(secret))
        .map_err(|_| Hs256Error::Signature)?;
    Ok(jws.payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload() -> Map<String, Value> {
        json!({"state": "abc", "claims": {"a": 1}})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn round_trips_and_refuses_other_keys_algorithms_and_edits() {
        let secret = [7u8; 32];
        let token = sign_hs256(&secret, &payload());
        assert_eq!(verify_hs256(&secret, &token).unwrap(), payload());
        assert_eq!(verify_hs256(&[8u8; 32], &token), Err(Hs256Error::Signature));
        let parts: Vec<&str> = token.split('.').collect();
        let none = format!("{}.{}.", b64url::encode(br#"{"alg":"none"}"#), parts[1]);
        assert_eq!(verify_hs256(&secret, &none), Err(Hs256Error::Algorithm));
        let es = format!(
            "{}.{}.{}",
            b64url::encode(br#"{"alg":"ES256"}"#),
            parts[1],
            parts[2]
        );
        assert_eq!(verify_hs256(&secret, &es), Err(Hs256Error::Algorithm));
        let edited = format!(
            "{}.{}.{}",
            parts[0],
            b64url::encode(br#"{"state":"abd","claims":{"a":1}}"#),
            parts[2]
        );
        assert_eq!(verify_hs256(&secret, &edited), Err(Hs256Error::Signature));
        assert_eq!(verify_hs256(&secret, "a.b"), Err(Hs256Error::Malformed));
    }

    #[test]
    fn matches_rfc_7515_appendix_a1_mac() {
        // RFC 7515 A.1: the HMAC over the example's signing input with its 256-bit key.
        let key = b64url::decode(
            "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow",
        )
        .unwrap();
        let input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &key), input.as_bytes());
        assert_eq!(
            b64url::encode(tag.as_ref()),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
    }
}
