//! DPoP (RFC 9449): proofs of possession at the token endpoint and at the protected resources
//! (credential, deferred credential, notification). A proof is checked in the order of §4.3; its
//! `jti` is recorded, hashed with the key's thumbprint, in storage every node shares (§11.1); a
//! token obtained with a proof is bound to the proof key (`cnf.jkt`, §6) and is refused when
//! presented any other way (§7.1).
//!
//! Server nonces (§8, §9) are stateless like c_nonces: an expiry and 128 random bits sealed
//! under the master key. When the deployment requires them, every DPoP-protected response carries
//! a fresh `DPoP-Nonce`, and a proof without a valid one is answered with `use_dpop_nonce`.

use std::sync::Arc;

use serde_json::Value;
use sigil_crypto::MasterKey;
use sigil_crypto::SecureRandom;
use sigil_crypto::{Acceptance, HolderKey, JwsRefusal, b64url, sha256};
use url::Url;

use crate::Clock;
use crate::error::{Error, ProtocolError};
use crate::issuance::nonce::{open_sealed_expiry, seal_expiry};
use crate::settings::Settings;
use crate::store::AccessTokenRecord;
use crate::store::Store;

/// The `typ` of a DPoP proof (§4.2).
pub const DPOP_TYP: &str = "dpop+jwt";
/// Algorithms Sigil verifies DPoP proofs with (`dpop_signing_alg_values_supported`).
pub const DPOP_ALGS: [&str; 2] = ["ES256", "EdDSA"];
/// The rules a DPoP proof is accepted under (§4.3 (2), (4), (5); RFC 7515 §4.1.11), in at most
/// 8 KiB.
const DPOP_PROOF: Acceptance<'static> = Acceptance {
    max_bytes: 8 * 1024,
    typ: Some(DPOP_TYP),
    algs: &DPOP_ALGS,
};
/// Furthest in the future a proof's `iat` may be (FAPI 2.0: accept 10 s, refuse 60 s).
const MAX_FUTURE_SECS: i64 = 30;
const NONCE_CONTEXT: &str = "dpop-nonce";

/// A DPoP-protected request as the HTTP edge saw it.
#[derive(Debug, Clone, Copy)]
pub struct DpopRequest<'a> {
    /// Every `DPoP` header value (more than one is an error).
    pub proofs: &'a [&'a str],
    /// The HTTP method.
    pub method: &'a str,
    /// The endpoint's path (e.g. `/v1/oauth/token`): `htu` must be the public URL plus this.
    pub path: &'a str,
}

/// A verified DPoP proof whose `jti` is not spent yet: the caller spends it with
/// [`Dpop::spend_dpop_proof`] once the rest of the request has shown it is valid, so a proof
/// sent with a made-up code or token leaves no row behind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DpopProof {
    /// RFC 7638 thumbprint of the proof key (what `cnf.jkt` holds).
    pub jkt: String,
    /// SHA-256 of (thumbprint, `jti`): what the replay store records.
    replay_hash: [u8; 32],
    /// Until when the proof could be accepted, so how long the record is kept.
    replay_until: i64,
}

/// How a protected-resource request presented its access token (RFC 6750 §2.1, RFC 9449 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScheme {
    /// `Authorization: Bearer`.
    Bearer,
    /// `Authorization: DPoP`.
    Dpop,
}

/// Which `WWW-Authenticate` challenge a refused protected-resource request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Challenge {
    /// `Bearer` (an unbound token, or none).
    Bearer,
    /// `DPoP` (a DPoP-bound token, a DPoP proof problem).
    Dpop,
}

/// A refused protected-resource request: the error and the challenge to answer with.
#[derive(Debug)]
pub struct ResourceDenied {
    /// What went wrong.
    pub error: Error,
    /// The scheme to challenge with.
    pub challenge: Challenge,
}

impl From<Error> for ResourceDenied {
    fn from(error: Error) -> Self {
        let challenge = match &error {
            Error::Protocol {
                code: ProtocolError::InvalidDpopProof | ProtocolError::UseDpopNonce,
                ..
            } => Challenge::Dpop,
            _ => Challenge::Bearer,
        };
        Self { error, challenge }
    }
}

fn invalid(description: impl Into<String>) -> Error {
    Error::protocol(ProtocolError::InvalidDpopProof, description)
}

/// DPoP (RFC 9449): server nonces, proof checks, one use per proof, resource access.
#[derive(Debug, Clone)]
pub struct Dpop {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) master_key: Arc<MasterKey>,
    pub(crate) settings: Arc<Settings>,
}

impl Dpop {
    /// Finds the access token behind a presented bearer token.
    pub async fn access_token(&self, token: &str) -> Result<AccessTokenRecord, Error> {
        let invalid = || {
            Error::protocol(
                ProtocolError::InvalidToken,
                "the access token is invalid or expired",
            )
        };
        if token.is_empty() || token.len() > 512 {
            return Err(invalid());
        }
        self.store
            .find_access_token(&sha256(token.as_bytes()), self.clock.now())
            .await?
            .ok_or_else(invalid)
    }

    /// A fresh `DPoP-Nonce` when the deployment requires DPoP nonces, else `None`.
    pub fn dpop_nonce(&self) -> Result<Option<String>, Error> {
        if !self.settings().oauth.require_dpop_nonce {
            return Ok(None);
        }
        let expires_at = self.clock.now() + self.settings().oauth.c_nonce_ttl;
        Ok(Some(seal_expiry(
            &self.master_key,
            self.rng.as_ref(),
            NONCE_CONTEXT,
            expires_at,
        )?))
    }

    /// Checks the DPoP proof of a request (RFC 9449 §4.3); `None` when none was sent.
    /// `access_token` is given at protected resources, where the proof must carry its hash
    /// (`ath`). The proof's `jti` is not spent here: see [`Dpop::spend_dpop_proof`].
    pub async fn verify_dpop(
        &self,
        request: &DpopRequest<'_>,
        access_token: Option<&str>,
    ) -> Result<Option<DpopProof>, Error> {
        // (1) one DPoP header with one JWT.
        let proof = match request.proofs {
            [] => return Ok(None),
            [one] => *one,
            _ => return Err(invalid("send exactly one DPoP header")),
        };
        // (2) a well-formed compact JWS (a JWE has five parts, comma-joined JWTs fail base64url),
        // (4) explicit typing, (5) an asymmetric algorithm Sigil supports, no `crit`.
        let unverified = DPOP_PROOF.check(proof.trim()).map_err(|e| match e {
            JwsRefusal::Typ => invalid(format!("the DPoP proof's typ must be {DPOP_TYP}")),
            JwsRefusal::Algorithm => invalid(format!(
                "the DPoP proof's alg is not supported; use one of {}",
                DPOP_ALGS.join(", ")
            )),
            e => invalid(format!("the DPoP proof: {e}")),
        })?;
        // (7) a public key (HolderKey refuses private members), then (6) the signature.
        let key = match unverified.peek().header.get("jwk") {
            Some(Value::Object(jwk)) => HolderKey::from_jwk(jwk)
                .map_err(|e| invalid(format!("the DPoP proof's jwk: {e}")))?,
            _ => return Err(invalid("the DPoP proof needs a jwk header")),
        };
        let jws = unverified
            .verify(&key)
            .map_err(|_| invalid("the DPoP proof's signature does not verify with its jwk"))?;
        let claims = &jws.payload;
        // (3) the required claims.
        let jti = match claims.get("jti") {
            Some(Value::String(jti)) if !jti.is_empty() && jti.len() <= 256 => jti,
            _ => {
                return Err(invalid(
                    "the DPoP proof needs a jti (a string of 1 to 256 chars)",
                ));
            }
        };
        let (Some(htm), Some(htu)) = (
            claims.get("htm").and_then(Value::as_str),
            claims.get("htu").and_then(Value::as_str),
        ) else {
            return Err(invalid("the DPoP proof needs string htm and htu claims"));
        };
        let Some(iat) = claims.get("iat").and_then(Value::as_i64) else {
            return Err(invalid("the DPoP proof needs a numeric iat"));
        };
        // (8) the method, (9) the URI: the configured public URL, never request headers.
        if htm != request.method {
            return Err(invalid(format!(
                "the DPoP proof's htm must be {}",
                request.method
            )));
        }
        let expected = format!("{}{}", self.issuer(), request.path);
        if !same_uri(htu, &expected) {
            return Err(invalid(format!("the DPoP proof's htu must be {expected}")));
        }
        // (10) the server nonce, when one is required.
        if self.settings().oauth.require_dpop_nonce {
            let fresh = claims
                .get("nonce")
                .and_then(Value::as_str)
                .and_then(|n| open_sealed_expiry(&self.master_key, NONCE_CONTEXT, n))
                .is_some_and(|expires_at| expires_at > self.clock.now());
            if !fresh {
                return Err(Error::protocol(
                    ProtocolError::UseDpopNonce,
                    "use the DPoP-Nonce this server provided in the DPoP proof's nonce",
                ));
            }
        }
        // (11) a recent iat.
        let now = self.clock.now();
        let max_age = self.settings().oauth.proof_max_age;
        if iat < now - max_age {
            return Err(invalid("the DPoP proof's iat is too old"));
        }
        if iat > now + MAX_FUTURE_SECS {
            return Err(invalid("the DPoP proof's iat is in the future"));
        }
        // (12) the access token hash, at protected resources.
        if let Some(token) = access_token {
            let ath = b64url::encode(sha256(token.as_bytes()));
            if claims.get("ath").and_then(Value::as_str) != Some(ath.as_str()) {
                return Err(invalid(
                    "the DPoP proof's ath must be the base64url SHA-256 of the access token",
                ));
            }
        }
        // §11.1: a jti is accepted once per key, on every node, while the proof could be fresh.
        let mut seen = key.thumbprint.clone().into_bytes();
        seen.push(b' ');
        seen.extend_from_slice(jti.as_bytes());
        Ok(Some(DpopProof {
            jkt: key.thumbprint,
            replay_hash: sha256(&seen),
            replay_until: iat.max(now) + max_age + MAX_FUTURE_SECS,
        }))
    }

    /// Spends a verified proof's `jti` (§11.1): one winner across every node sharing the store.
    /// Called once the request is otherwise valid (the grant or the access token checked).
    pub async fn spend_dpop_proof(&self, proof: &DpopProof) -> Result<(), Error> {
        if self
            .store
            .use_dpop_proof(&proof.replay_hash, proof.replay_until)
            .await?
        {
            Ok(())
        } else {
            Err(invalid("the DPoP proof was already used (jti replay)"))
        }
    }

    /// The token endpoint's DPoP decision: the key to bind the new token to, if any.
    /// `required_jkt` is the `dpop_jkt` of the authorization request (RFC 9449 §10).
    pub fn dpop_binding(
        &self,
        proof: Option<&DpopProof>,
        required_jkt: Option<&str>,
    ) -> Result<Option<String>, Error> {
        binding(proof, required_jkt, self.settings().oauth.require_dpop)
    }

    /// Authenticates a protected-resource request: the access token, and for a DPoP-bound token
    /// the DPoP proof of the bound key (RFC 9449 §7.1).
    pub async fn resource_access(
        &self,
        scheme: TokenScheme,
        token: &str,
        dpop: &DpopRequest<'_>,
    ) -> Result<AccessTokenRecord, ResourceDenied> {
        let record = self
            .access_token(token)
            .await
            .map_err(|error| ResourceDenied {
                challenge: match scheme {
                    TokenScheme::Bearer => Challenge::Bearer,
                    TokenScheme::Dpop => Challenge::Dpop,
                },
                error,
            })?;
        let denied = |description: &str| ResourceDenied {
            error: Error::protocol(ProtocolError::InvalidToken, description),
            challenge: Challenge::Dpop,
        };
        match (scheme, &record.dpop_jkt) {
            (TokenScheme::Bearer, None) => Ok(record),
            (TokenScheme::Bearer, Some(_)) => Err(denied(
                "this access token is DPoP-bound: send it with the DPoP scheme and a DPoP proof",
            )),
            (TokenScheme::Dpop, None) => Err(denied(
                "this access token is not DPoP-bound: send it with the Bearer scheme",
            )),
            (TokenScheme::Dpop, Some(jkt)) => {
                let proof = self.verify_dpop(dpop, Some(token)).await?.ok_or_else(|| {
                    ResourceDenied::from(invalid("a DPoP-bound access token needs a DPoP proof"))
                })?;
                if &proof.jkt != jkt {
                    return Err(ResourceDenied::from(invalid(
                        "the DPoP proof's key is not the key the access token is bound to",
                    )));
                }
                self.spend_dpop_proof(&proof).await?;
                Ok(record)
            }
        }
    }
}

/// The key a new token is bound to: the proof's, which must be `required_jkt` when the
/// authorization request named one; no proof is an error when DPoP is required or a key was named.
fn binding(
    proof: Option<&DpopProof>,
    required_jkt: Option<&str>,
    require_dpop: bool,
) -> Result<Option<String>, Error> {
    match (proof, required_jkt) {
        (None, Some(_)) => Err(invalid(
            "the authorization request named a dpop_jkt: send a DPoP proof with that key",
        )),
        (None, None) if require_dpop => {
            Err(invalid("this issuer requires DPoP: send a DPoP proof"))
        }
        (None, None) => Ok(None),
        (Some(p), Some(jkt)) if p.jkt != jkt => Err(invalid(
            "the DPoP proof's key is not the dpop_jkt of the authorization request",
        )),
        (Some(p), _) => Ok(Some(p.jkt.clone())),
    }
}

/// RFC 9449 §4.3 (9): `htu` equals the endpoint's URI, ignoring query and fragment, compared
/// after URL normalisation (scheme and host case, default ports).
fn same_uri(htu: &str, expected: &str) -> bool {
    let normal = |text: &str| {
        Url::parse(text).ok().map(|mut u| {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        })
    };
    match (normal(htu), normal(expected)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_bound_to_the_proof_key_and_to_dpop_jkt_when_named() {
        let proof = DpopProof {
            jkt: "k1".into(),
            replay_hash: [0; 32],
            replay_until: 0,
        };
        let refused = |r: Result<Option<String>, Error>| {
            matches!(
                r,
                Err(Error::Protocol {
                    code: ProtocolError::InvalidDpopProof,
                    ..
                })
            )
        };
        assert_eq!(binding(None, None, false).unwrap(), None);
        assert!(refused(binding(None, None, true)), "DPoP required");
        assert_eq!(
            binding(Some(&proof), None, false).unwrap().as_deref(),
            Some("k1")
        );
        assert_eq!(
            binding(Some(&proof), Some("k1"), false).unwrap().as_deref(),
            Some("k1")
        );
        assert!(
            refused(binding(Some(&proof), Some("k2"), false)),
            "another key than dpop_jkt"
        );
        assert!(
            refused(binding(None, Some("k1"), false)),
            "dpop_jkt named, no proof"
        );
    }

    #[test]
    fn htu_ignores_query_and_fragment_and_normalises() {
        let e = "https://issuer.example/v1/oauth/token";
        assert!(same_uri("https://issuer.example/v1/oauth/token", e));
        assert!(same_uri(
            "https://ISSUER.example:443/v1/oauth/token?x=1#f",
            e
        ));
        assert!(!same_uri("https://issuer.example/v1/oauth/token/", e));
        assert!(!same_uri("http://issuer.example/v1/oauth/token", e));
        assert!(!same_uri("https://evil.example/v1/oauth/token", e));
        assert!(!same_uri("/v1/oauth/token", e));
    }
}
