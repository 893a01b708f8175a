//! The issuer's DIDs, which `ldp_vc` proofs name: a `did:web` derived from the public URL, whose
//! DID document Sigil serves at `/.well-known/did.json` (W3C did:web §3.2), and the `did:key` of
//! the Ed25519 credential key. Both resolve to the same key as a `Multikey` verification method.

use std::sync::Arc;

use serde_json::{Value, json};
use sigil_crypto::base58::ed25519_multikey;
use sigil_crypto::{PublicJwk, SigningAlgorithm, b64url};
use sigil_formats::json_ld::{DID_V1, MULTIKEY_V1};

use crate::error::{Error, ProtocolError};
use crate::keys::IssuerKeys;
use crate::keys::provider::ProviderKey;
use crate::settings::Settings;
use crate::store::StoreError;

/// The DID an `ldp_vc` names its issuer by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerDidMethod {
    /// `did:web` derived from the public URL.
    Web,
    /// `did:key` of the issuer's Ed25519 key.
    Key,
}

impl IssuerDidMethod {
    pub(crate) const NAMES: [(&'static str, IssuerDidMethod); 2] = [
        ("did:web", IssuerDidMethod::Web),
        ("did:key", IssuerDidMethod::Key),
    ];
}

/// Where a `did:web` without a path is resolved.
pub const DID_DOCUMENT_PATH: &str = "/.well-known/did.json";

/// The `did:web` of `public_url`: the host, `:`-escaped port as `%3A`, then each path segment
/// after a `:` (so `https://example.com:8443/issuer` is `did:web:example.com%3A8443:issuer`,
/// resolved at `https://example.com:8443/issuer/did.json`).
pub fn did_web(public_url: &str) -> Option<String> {
    let url = url::Url::parse(public_url).ok()?;
    let mut did = format!("did:web:{}", url.host_str()?);
    if let Some(port) = url.port() {
        did.push_str(&format!("%3A{port}"));
    }
    for segment in url.path_segments().into_iter().flatten() {
        if !segment.is_empty() {
            did.push(':');
            did.push_str(segment);
        }
    }
    Some(did)
}

/// An Ed25519 key's `z6Mk…` Multikey value.
fn multikey(jwk: &PublicJwk) -> Option<String> {
    b64url::decode(&jwk.x).map(|x| ed25519_multikey(&x))
}

/// The DID a credential names its issuer by, with the key that signs for it.
#[derive(Debug, Clone)]
pub struct IssuerDid {
    /// The DID.
    pub did: String,
    /// The verification method (a DID URL).
    pub verification_method: String,
    /// The Ed25519 key behind it.
    pub key: ProviderKey,
}

/// The issuer DIDs and the did:web document.
#[derive(Debug, Clone)]
pub struct Dids {
    pub(crate) settings: Arc<Settings>,
    pub(crate) issuer_keys: Arc<IssuerKeys>,
}

impl Dids {
    pub(crate) fn ed25519_signer(&self) -> Result<ProviderKey, Error> {
        self.keys()
            .signer(SigningAlgorithm::EdDsa)
            .cloned()
            .ok_or_else(|| StoreError::Corrupt("no active EdDSA signing key".into()).into())
    }

    /// The issuer DID of `method`, and its key.
    pub fn issuer_did(&self, method: IssuerDidMethod) -> Result<IssuerDid, Error> {
        let signer = self.ed25519_signer()?;
        let key = multikey(&signer.public().jwk)
            .ok_or_else(|| StoreError::Corrupt("EdDSA public key encoding".into()))?;
        let (did, verification_method) = match method {
            IssuerDidMethod::Web => {
                let did = self.did_web()?;
                let vm = format!("{did}#{}", signer.public().kid());
                (did, vm)
            }
            IssuerDidMethod::Key => (format!("did:key:{key}"), format!("did:key:{key}#{key}")),
        };
        Ok(IssuerDid {
            did,
            verification_method,
            key: signer,
        })
    }

    pub(crate) fn did_web(&self) -> Result<String, Error> {
        did_web(self.issuer()).ok_or_else(|| {
            Error::protocol(
                ProtocolError::ServerError,
                format!("the public URL {} has no host for a did:web", self.issuer()),
            )
        })
    }

    /// The `did:web` DID document: every published Ed25519 credential key (the active one and
    /// those retired within the overlap) as a Multikey verification method, usable for
    /// assertions.
    pub fn did_document(&self) -> Result<Value, Error> {
        let did = self.did_web()?;
        let methods: Vec<Value> = self
            .keys()
            .jwks()
            .keys
            .iter()
            .filter(|k| k.crv == "Ed25519")
            .filter_map(|k| {
                Some(json!({
                    "id": format!("{did}#{}", k.kid),
                    "type": "Multikey",
                    "controller": did,
                    "publicKeyMultibase": multikey(k)?,
                }))
            })
            .collect();
        let ids: Vec<Value> = methods.iter().map(|m| m["id"].clone()).collect();
        Ok(json!({
            "@context": [DID_V1, MULTIKEY_V1],
            "id": did,
            "verificationMethod": methods,
            "assertionMethod": ids,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::did_web;

    #[test]
    fn did_web_follows_the_method_spec() {
        assert_eq!(
            did_web("https://example.com").unwrap(),
            "did:web:example.com"
        );
        assert_eq!(
            did_web("https://example.com/").unwrap(),
            "did:web:example.com"
        );
        assert_eq!(
            did_web("https://example.com:8443/issuers/a").unwrap(),
            "did:web:example.com%3A8443:issuers:a"
        );
        assert_eq!(
            did_web("http://127.0.0.1:3000").unwrap(),
            "did:web:127.0.0.1%3A3000"
        );
        assert_eq!(did_web("not a url"), None);
    }
}
