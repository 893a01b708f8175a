//! `POST/GET /v1/users`, `GET/PUT/DELETE /v1/users/{id}` (seed 004's user object).

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Where a user authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthenticationProviderRef {
    /// The identity provider's issuer URL.
    pub url: String,
    /// The user's subject identifier at that provider.
    pub subject_id: String,
}

/// A user as sent by the issuer (`POST` creates, `PUT` replaces).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserRequest {
    /// The provider and subject the user is known by; unique per (url, subjectId).
    pub authentication_provider: Option<AuthenticationProviderRef>,
    /// The user's claims, read by claim mappings as `claims.<path>`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    /// The user's id.
    pub id: String,
    /// The provider and subject, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authentication_provider: Option<AuthenticationProviderRef>,
    /// The user's claims.
    #[schema(value_type = Object)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// Filters and paging for `GET /v1/users`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Page size, 1–1000 (default 100).
    #[serde(default, deserialize_with = "crate::integer::option_u32_text")]
    pub limit: Option<u32>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Only users authenticated by this provider URL.
    pub authentication_provider_url: Option<String>,
    /// Only users with this subject identifier.
    pub subject_id: Option<String>,
}

/// A credential issued to a user (`GET /v1/users/{id}/credentials`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedCredentialResponse {
    /// Issuance id.
    pub id: String,
    /// The credential configuration.
    pub configuration_id: String,
    /// The offer it was claimed through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    /// The format.
    pub format: String,
    /// RFC 7638 thumbprint of the holder's key.
    pub holder_key_thumbprint: String,
    /// When (RFC 3339).
    pub issued_at: String,
    /// mso_mdoc: SHA-256 of the signed MSO (`MobileSecurityObjectBytes`), hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mso_digest: Option<String>,
    /// The last notification the wallet sent about it (OID4VCI 1.0 §11), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification: Option<CredentialNotification>,
    /// `valid`, `revoked` or `suspended` (only a revocable configuration's credentials change).
    pub status: String,
    /// Where its status is published: one Token Status List entry, or for `ldp_vc` one
    /// Bitstring Status List entry per purpose. Absent when its configuration is not revocable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_lists: Option<Vec<StatusListEntryView>>,
}

/// One entry of a status list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatusListEntryView {
    /// The list's URI.
    pub uri: String,
    /// The credential's index in it.
    pub index: i64,
    /// A Bitstring Status List's purpose (`revocation`, `suspension`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
}

/// `POST /v1/credentials/{id}/status`, `…/issuance/status`, `/v1/users/{id}/credentials/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialStatusRequest {
    /// `revoked` (permanent), `suspended` or `valid` (reinstates a suspended credential).
    pub status: String,
}

/// A wallet's notification about an issued credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialNotification {
    /// `credential_accepted`, `credential_failure` or `credential_deleted`.
    pub event: String,
    /// The wallet's `event_description`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// When it arrived (RFC 3339).
    pub received_at: String,
}

/// The credentials issued to a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct IssuedCredentialList {
    /// Oldest first.
    pub data: Vec<IssuedCredentialResponse>,
}
