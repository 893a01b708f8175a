//! Token endpoint messages (RFC 6749 §4.1.3, §5.1; OID4VCI 1.0 §6).

use serde::{Deserialize, Serialize};

use crate::oid4vci::offer::PRE_AUTHORIZED_CODE_GRANT;
use crate::secret::Secret;

/// The authorization code grant (RFC 6749 §4.1.3).
pub const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";

/// The grants Sigil's token endpoint serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantType {
    /// `urn:ietf:params:oauth:grant-type:pre-authorized_code`.
    PreAuthorizedCode,
    /// `authorization_code`.
    AuthorizationCode,
}

/// Why a token request names no grant Sigil serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantTypeError {
    /// No `grant_type`.
    Missing,
    /// Another grant type.
    Unsupported,
}

/// A token request (form-encoded). Unknown parameters (`resource`, `user_pin`, …) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TokenRequest {
    /// The grant type.
    pub grant_type: Option<String>,
    /// The pre-authorized code.
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: Option<Secret>,
    /// The transaction code.
    pub tx_code: Option<Secret>,
    /// The client, if the wallet names one.
    pub client_id: Option<String>,
    /// The authorization code.
    pub code: Option<Secret>,
    /// The redirect URI of the authorization request.
    pub redirect_uri: Option<String>,
    /// The PKCE verifier (RFC 7636 §4.5).
    pub code_verifier: Option<Secret>,
}

impl TokenRequest {
    /// The request a form body's parameters make (each name at most once, as the edge's form
    /// parser guarantees; unknown names are ignored).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let value = |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let secret = |name: &str| value(name).map(Secret::new);
        Self {
            grant_type: value("grant_type"),
            pre_authorized_code: secret("pre-authorized_code"),
            tx_code: secret("tx_code"),
            client_id: value("client_id"),
            code: secret("code"),
            redirect_uri: value("redirect_uri"),
            code_verifier: secret("code_verifier"),
        }
    }

    /// The grant the request asks for.
    pub fn grant(&self) -> Result<GrantType, GrantTypeError> {
        match self.grant_type.as_deref() {
            None => Err(GrantTypeError::Missing),
            Some(PRE_AUTHORIZED_CODE_GRANT) => Ok(GrantType::PreAuthorizedCode),
            Some(AUTHORIZATION_CODE_GRANT) => Ok(GrantType::AuthorizationCode),
            Some(_) => Err(GrantTypeError::Unsupported),
        }
    }
}

/// A successful token response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The opaque access token.
    pub access_token: Secret,
    /// `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// The granted `openid_credential` details with their `credential_identifiers` (OID4VCI 1.0
    /// §6.2), when the wallet asked with `authorization_details`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<Vec<serde_json::Value>>,
}
