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
    /// Response encryption parameters (not supported yet).
    pub credential_response_encryption: Option<Value>,
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
}

/// One issued credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedCredential {
    /// A string (JWT formats) or object (JSON-LD).
    pub credential: Value,
}
