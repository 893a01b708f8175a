//! The Credential Offer (OID4VCI 1.0 §4.1.1).

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// Grant type of the pre-authorized code flow.
pub const PRE_AUTHORIZED_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";

/// A Credential Offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CredentialOffer {
    /// The issuer identifier.
    pub credential_issuer: String,
    /// Offered credential configuration ids.
    pub credential_configuration_ids: Vec<String>,
    /// The grants the wallet may use.
    pub grants: Grants,
}

/// `grants`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grants {
    /// The pre-authorized code grant.
    #[serde(
        rename = "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        skip_serializing_if = "Option::is_none"
    )]
    pub pre_authorized_code: Option<PreAuthorizedCodeGrant>,
    /// The authorization code grant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_code: Option<AuthorizationCodeGrant>,
}

/// The authorization code grant (OID4VCI 1.0 §4.1.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorizationCodeGrant {
    /// Binds the authorization request to this offer.
    pub issuer_state: String,
}

/// The pre-authorized code grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreAuthorizedCodeGrant {
    /// The code (short-lived, single use).
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: Secret,
    /// Present when a transaction code is required.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<TxCode>,
}

/// `tx_code`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TxCode {
    /// `numeric` or `text`.
    pub input_mode: String,
    /// Number of characters.
    pub length: u32,
    /// Guidance for the user (≤ 300 characters).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}
