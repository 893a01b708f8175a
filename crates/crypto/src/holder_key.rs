//! Holder public keys as wallets present them in key proofs: a `jwk` (RFC 7517), or a `kid` that
//! is a `did:jwk` or an Ed25519 `did:key`. Parsing refuses private keys and unsupported curves.

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED, ED25519, UnparsedPublicKey, VerificationAlgorithm,
};
use serde_json::{Map, Value};

use crate::ed25519::Ed25519Error;
use crate::{JwsVerifier, PublicJwk, b64url};

/// A verified-parseable holder public key. Two are equal when they are the same key, whatever
/// DID named them.
#[derive(Debug, Clone)]
pub struct HolderKey {
    /// The public key as a minimal JWK (`kty`, `crv`, `x`, `y`): what goes in `cnf.jwk`.
    pub jwk: Map<String, Value>,
    /// RFC 7638 thumbprint.
    pub thumbprint: String,
    /// The JOSE algorithm the key signs with (`ES256` or `EdDSA`).
    pub alg: &'static str,
    public_bytes: Vec<u8>,
    /// The DID the proof named the key by (`kid`), without fragment.
    did: Option<String>,
}

impl PartialEq for HolderKey {
    fn eq(&self, other: &Self) -> bool {
        self.alg == other.alg && self.public_bytes == other.public_bytes
    }
}

impl Eq for HolderKey {}

/// Why a holder key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HolderKeyError {
    /// The key carries private material.
    #[error("the key contains private key material")]
    Private,
    /// The key type or curve is not supported.
    #[error("unsupported key: {0}")]
    Unsupported(String),
    /// The key is malformed.
    #[error("malformed key: {0}")]
    Malformed(&'static str),
    /// The key is well-formed but proves nothing (a weak or non-canonical point).
    #[error("unacceptable key: {0}")]
    Weak(&'static str),
}

fn member<'a>(jwk: &'a Map<String, Value>, name: &'static str) -> Result<&'a str, HolderKeyError> {
    jwk.get(name)
        .and_then(Value::as_str)
        .ok_or(HolderKeyError::Malformed(name))
}

impl HolderKey {
    /// Parses a public JWK (EC P-256 or OKP Ed25519).
    pub fn from_jwk(jwk: &Map<String, Value>) -> Result<Self, HolderKeyError> {
        // RFC 7517 private members of EC/OKP ("d") and of RSA/oct keys.
        if ["d", "p", "q", "dp", "dq", "qi", "k"]
            .iter()
            .any(|m| jwk.contains_key(*m))
        {
            return Err(HolderKeyError::Private);
        }
        let kty = member(jwk, "kty")?;
        let crv = member(jwk, "crv").unwrap_or_default();
        match (kty, crv) {
            ("EC", "P-256") => {
                let x = b64url::decode(member(jwk, "x")?)
                    .filter(|b| b.len() == 32)
                    .ok_or(HolderKeyError::Malformed("x"))?;
                let y = b64url::decode(member(jwk, "y")?)
                    .filter(|b| b.len() == 32)
                    .ok_or(HolderKeyError::Malformed("y"))?;
                let mut point = vec![4u8];
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                Ok(Self::ec(&x, &y, point))
            }
            ("OKP", "Ed25519") => {
                let x = b64url::decode(member(jwk, "x")?)
                    .filter(|b| b.len() == 32)
                    .ok_or(HolderKeyError::Malformed("x"))?;
                Self::ed25519(&x)
            }
            _ => Err(HolderKeyError::Unsupported(
                "only EC P-256 and OKP Ed25519 keys are accepted".into(),
            )),
        }
    }

    /// Resolves a `kid` naming a DID: `did:jwk:<base64url JWK>` or an Ed25519 `did:key`.
    pub fn from_did(kid: &str) -> Result<Self, HolderKeyError> {
        let did = kid.split('#').next().unwrap_or_default();
        let mut key = Self::resolve(did)?;
        key.did = Some(did.to_string());
        Ok(key)
    }

    fn resolve(did: &str) -> Result<Self, HolderKeyError> {
        if let Some(encoded) = did.strip_prefix("did:jwk:") {
            let bytes =
                b64url::decode(encoded).ok_or(HolderKeyError::Malformed("did:jwk encoding"))?;
            return match serde_json::from_slice(&bytes) {
                Ok(Value::Object(jwk)) => Self::from_jwk(&jwk),
                _ => Err(HolderKeyError::Malformed("did:jwk JSON")),
            };
        }
        if let Some(multibase) = did.strip_prefix("did:key:") {
            let bytes = multibase
                .strip_prefix('z')
                .and_then(crate::base58::decode)
                .ok_or(HolderKeyError::Malformed("did:key multibase"))?;
            return match crate::base58::ed25519_from_multikey(multibase) {
                Some(key) => Self::ed25519(&key),
                None if bytes.is_empty() => Err(HolderKeyError::Malformed("did:key multibase")),
                None => Err(HolderKeyError::Unsupported(
                    "did:key other than Ed25519 (use a jwk or did:jwk for P-256)".into(),
                )),
            };
        }
        Err(HolderKeyError::Unsupported(
            "the kid is not a did:jwk or did:key".into(),
        ))
    }

    fn ec(x: &[u8], y: &[u8], point: Vec<u8>) -> Self {
        let (x, y) = (b64url::encode(x), b64url::encode(y));
        let thumbprint = PublicJwk::thumbprint("EC", "P-256", &x, Some(&y));
        let mut jwk = Map::new();
        jwk.insert("kty".into(), "EC".into());
        jwk.insert("crv".into(), "P-256".into());
        jwk.insert("x".into(), x.into());
        jwk.insert("y".into(), y.into());
        Self {
            jwk,
            thumbprint,
            alg: "ES256",
            public_bytes: point,
            did: None,
        }
    }

    /// An Ed25519 key, refused when it is of small order or not canonically encoded.
    fn ed25519(key: &[u8]) -> Result<Self, HolderKeyError> {
        crate::ed25519::check_public_key(key).map_err(|e| match e {
            Ed25519Error::Length => HolderKeyError::Malformed("x"),
            Ed25519Error::SmallOrder => {
                HolderKeyError::Weak("an Ed25519 point of small order proves nothing")
            }
            Ed25519Error::NonCanonical => {
                HolderKeyError::Weak("a non-canonical Ed25519 point encoding")
            }
        })?;
        let x = b64url::encode(key);
        let thumbprint = PublicJwk::thumbprint("OKP", "Ed25519", &x, None);
        let mut jwk = Map::new();
        jwk.insert("kty".into(), "OKP".into());
        jwk.insert("crv".into(), "Ed25519".into());
        jwk.insert("x".into(), x.into());
        Ok(Self {
            jwk,
            thumbprint,
            alg: "EdDSA",
            public_bytes: key.to_vec(),
            did: None,
        })
    }

    /// Verifies `signature` over `message` made with `alg`, which must be this key's algorithm.
    pub fn verify(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        if alg != self.alg {
            return false;
        }
        let algorithm: &dyn VerificationAlgorithm = match self.alg {
            "ES256" => &ECDSA_P256_SHA256_FIXED,
            _ => {
                // Strict RFC 8032: a small-order R or an S of L or more is refused before
                // aws-lc sees it (see `ed25519`).
                if crate::ed25519::check_signature(signature).is_err() {
                    return false;
                }
                &ED25519
            }
        };
        UnparsedPublicKey::new(algorithm, &self.public_bytes)
            .verify(message, signature)
            .is_ok()
    }

    /// The DID the proof's `kid` named (`did:key` or `did:jwk`), if it named one.
    pub fn named_did(&self) -> Option<&str> {
        self.did.as_deref()
    }

    /// The holder's DID: the one the proof named, else the key as a `did:jwk`.
    pub fn did(&self) -> String {
        self.did.clone().unwrap_or_else(|| self.did_jwk())
    }

    /// The key as a `did:jwk`.
    pub fn did_jwk(&self) -> String {
        let json = serde_json::to_vec(&self.jwk).unwrap_or_default();
        format!("did:jwk:{}", b64url::encode(json))
    }
}

impl JwsVerifier for HolderKey {
    fn verify_jws(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        self.verify(alg, message, signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn private_keys_and_unknown_curves_are_refused() {
        let private = json!({"kty": "EC", "crv": "P-256", "x": "a", "y": "b", "d": "c"});
        assert_eq!(
            HolderKey::from_jwk(private.as_object().unwrap()),
            Err(HolderKeyError::Private)
        );
        let secp = json!({"kty": "EC", "crv": "secp256k1", "x": "a", "y": "b"});
        assert!(matches!(
            HolderKey::from_jwk(secp.as_object().unwrap()),
            Err(HolderKeyError::Unsupported(_))
        ));
        let short = json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"});
        assert!(matches!(
            HolderKey::from_jwk(short.as_object().unwrap()),
            Err(HolderKeyError::Malformed(_))
        ));
    }

    #[test]
    fn did_key_ed25519_resolves() {
        // W3C did:key test vector (Ed25519).
        let key = HolderKey::from_did("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp#z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp").unwrap();
        assert_eq!(key.alg, "EdDSA");
        assert_eq!(key.jwk["x"], "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik");
        let back = HolderKey::from_did(&key.did_jwk()).unwrap();
        assert_eq!(back, key, "the same key under two DIDs");
        assert_eq!(
            key.did(),
            "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
        );
        assert_eq!(back.did(), key.did_jwk());
    }
}
