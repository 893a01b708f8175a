//! Nonce and credential endpoint messages (OID4VCI 1.0 §7, §8).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Nonce response (§7.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceResponse {
    /// The nonce to put in key proofs.
    pub c_nonce: String,
}

/// A credential request (§8.2). Unknown members are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CredentialRequest {
    /// The configuration requested.
    pub credential_configuration_id: Option<String>,
    /// An identifier from the token response's `authorization_details`.
    pub credential_identifier: Option<String>,
    /// Key proofs.
    pub proofs: Option<Proofs>,
    /// The pre-final singular proof; accepted as one `jwt` proof.
    pub proof: Option<LegacyProof>,
    /// Response encryption parameters `{jwk, enc, zip?}` (§8.2).
    pub credential_response_encryption: Option<Value>,
}

/// What a credential request asks for: exactly one of `credential_configuration_id` and
/// `credential_identifier` (§8.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialTarget<'a> {
    /// `credential_configuration_id`.
    ConfigurationId(&'a str),
    /// `credential_identifier`, from the token response's `authorization_details`.
    Identifier(&'a str),
}

/// Why a credential request names no single credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialTargetError {
    /// Both members were sent.
    Both,
    /// Neither was sent.
    Neither,
}

/// The key proofs of a credential request: `proofs` (or the pre-final singular `proof`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProofs<'a> {
    /// `proofs.jwt` (or `proof` with `proof_type` `jwt`), possibly empty.
    Jwt(Vec<&'a str>),
}

/// Why a credential request's proofs cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProofsError {
    /// `proofs` names a proof type other than `jwt`.
    UnsupportedType,
    /// `proof` has a `proof_type` other than `jwt`.
    SingularNotJwt,
    /// Both `proofs` and `proof` were sent.
    Both,
    /// Neither was sent.
    Missing,
}

impl CredentialRequest {
    /// The credential asked for.
    pub fn target(&self) -> Result<CredentialTarget<'_>, CredentialTargetError> {
        match (
            &self.credential_configuration_id,
            &self.credential_identifier,
        ) {
            (Some(id), None) => Ok(CredentialTarget::ConfigurationId(id)),
            (None, Some(identifier)) => Ok(CredentialTarget::Identifier(identifier)),
            (Some(_), Some(_)) => Err(CredentialTargetError::Both),
            (None, None) => Err(CredentialTargetError::Neither),
        }
    }

    /// The key proofs.
    pub fn key_proofs(&self) -> Result<KeyProofs<'_>, KeyProofsError> {
        match (&self.proofs, &self.proof) {
            (Some(proofs), None) if !proofs.other.is_empty() => {
                Err(KeyProofsError::UnsupportedType)
            }
            (Some(proofs), None) => Ok(KeyProofs::Jwt(
                proofs.jwt.iter().flatten().map(String::as_str).collect(),
            )),
            (None, Some(proof)) if proof.proof_type.as_deref() == Some("jwt") => Ok(
                KeyProofs::Jwt(proof.jwt.iter().map(String::as_str).collect()),
            ),
            (None, Some(_)) => Err(KeyProofsError::SingularNotJwt),
            (Some(_), Some(_)) => Err(KeyProofsError::Both),
            (None, None) => Err(KeyProofsError::Missing),
        }
    }
}

/// `proofs`: one proof type with a non-empty array.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct Proofs {
    /// JWT proofs (Appendix F.1).
    pub jwt: Option<Vec<String>>,
    /// Other proof types, rejected as unsupported.
    #[serde(flatten)]
    pub other: serde_json::Map<String, Value>,
}

/// The draft `proof` object.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct LegacyProof {
    /// `jwt`.
    pub proof_type: Option<String>,
    /// The proof JWT.
    pub jwt: Option<String>,
}

/// A credential response (§8.3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialResponse {
    /// One entry per issued credential.
    pub credentials: Vec<IssuedCredential>,
    /// Identifies these credentials at the notification endpoint (§11).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_id: Option<String>,
}

/// The answer when issuance is deferred (§8.3, 202; §9.2, 202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeferredResponse {
    /// Redeemed at the deferred credential endpoint.
    pub transaction_id: String,
    /// Seconds the wallet should wait before asking again.
    pub interval: i64,
}

/// A deferred credential request (§9.1). Unknown members are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct DeferredCredentialRequest {
    /// From the credential endpoint's 202 answer.
    pub transaction_id: Option<Value>,
    /// Response encryption parameters, as in the credential request.
    pub credential_response_encryption: Option<Value>,
}

/// A notification request (§11.1). Unknown members are ignored.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct NotificationRequest {
    /// From the credential response.
    pub notification_id: Option<Value>,
    /// `credential_accepted`, `credential_failure` or `credential_deleted`.
    pub event: Option<Value>,
    /// Human-readable detail.
    pub event_description: Option<Value>,
}

/// One issued credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredential {
    /// A string (JWT formats) or object (JSON-LD).
    pub credential: Value,
}
