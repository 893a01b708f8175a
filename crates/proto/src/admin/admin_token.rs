//! Admin tokens (`/v1/admin-tokens`): the bearer tokens of the management API and the portal.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A token to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdminTokenRequest {
    /// A label for people (1 to 128 characters), e.g. who or what uses it.
    pub name: String,
}

/// A token as listed (never its value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminTokenResponse {
    /// Token id.
    pub id: String,
    /// Its label.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// When it was revoked (RFC 3339), if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
}

/// A token just created: the only time its value is shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreatedAdminTokenResponse {
    /// Token id.
    pub id: String,
    /// Its label.
    pub name: String,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The bearer token (`sigil_at_…`). Only its hash is stored: keep it now.
    pub token: String,
}

/// Every admin token, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AdminTokenList {
    /// The tokens.
    pub data: Vec<AdminTokenResponse>,
}
