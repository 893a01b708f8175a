//! Public JWKs (RFC 7517) and their RFC 7638 thumbprints.

use serde::{Deserialize, Serialize};

use crate::{b64url, sha256};

/// A public signing key as published in a JWKS. Field order is fixed so that the serialised
/// document is byte-identical across restarts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicJwk {
    /// Key type: `EC` or `OKP`.
    pub kty: String,
    /// Curve: `P-256` or `Ed25519`.
    pub crv: String,
    /// X coordinate (EC) or the public key (OKP), base64url.
    pub x: String,
    /// Y coordinate (EC only), base64url.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Key id: the RFC 7638 thumbprint.
    pub kid: String,
    /// Intended JWS algorithm.
    pub alg: String,
    /// Always `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

impl PublicJwk {
    /// The key's own members (`kty`, `crv`, `x`, and `y` for EC) without `kid`, `alg` or `use`:
    /// the `jwk` a holder puts in a proof header.
    pub fn key_members(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut jwk = serde_json::Map::new();
        jwk.insert("kty".into(), self.kty.clone().into());
        jwk.insert("crv".into(), self.crv.clone().into());
        jwk.insert("x".into(), self.x.clone().into());
        if let Some(y) = &self.y {
            jwk.insert("y".into(), y.clone().into());
        }
        jwk
    }

    /// RFC 7638 §3: SHA-256 over the required members in lexicographic order, no whitespace.
    pub fn thumbprint(kty: &str, crv: &str, x: &str, y: Option<&str>) -> String {
        let canonical = match y {
            Some(y) => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}","y":"{y}"}}"#),
            None => format!(r#"{{"crv":"{crv}","kty":"{kty}","x":"{x}"}}"#),
        };
        b64url::encode(sha256(canonical.as_bytes()))
    }
}

/// A JWK Set (RFC 7517 §5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<PublicJwk>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_matches_rfc_8037_appendix_a_3() {
        // RFC 8037 A.3: the thumbprint of the Ed25519 example key.
        let t = PublicJwk::thumbprint(
            "OKP",
            "Ed25519",
            "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
            None,
        );
        assert_eq!(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    }
}
