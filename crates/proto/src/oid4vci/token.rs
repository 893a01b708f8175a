//! Token endpoint messages (RFC 6749 §4.1.3, §5.1; OID4VCI 1.0 §6).

use serde::{Deserialize, Serialize};

/// A token request (form-encoded). Unknown parameters (`resource`, `user_pin`, …) are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct TokenRequest {
    /// The grant type.
    pub grant_type: Option<String>,
    /// The pre-authorized code.
    #[serde(rename = "pre-authorized_code")]
    pub pre_authorized_code: Option<String>,
    /// The transaction code.
    pub tx_code: Option<String>,
    /// The client, if the wallet names one.
    pub client_id: Option<String>,
    /// The authorization code.
    pub code: Option<String>,
    /// The redirect URI of the authorization request.
    pub redirect_uri: Option<String>,
    /// The PKCE verifier (RFC 7636 §4.5).
    pub code_verifier: Option<String>,
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
        Self {
            grant_type: value("grant_type"),
            pre_authorized_code: value("pre-authorized_code"),
            tx_code: value("tx_code"),
            client_id: value("client_id"),
            code: value("code"),
            redirect_uri: value("redirect_uri"),
            code_verifier: value("code_verifier"),
        }
    }
}

/// A successful token response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    /// The opaque access token.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: i64,
    /// The granted `openid_credential` details with their `credential_identifiers` (OID4VCI 1.0
    /// §6.2), when the wallet asked with `authorization_details`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_details: Option<Vec<serde_json::Value>>,
}
