//! OAuth 2.0 / OID4VCI error body (RFC 6749 §5.2, OID4VCI 1.0 §8.3.1.2).

use serde::{Deserialize, Serialize};

/// `{error, error_description}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthErrorResponse {
    /// The error code.
    pub error: String,
    /// A human-readable explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}
