//! Deferred issuances (`/v1/credentials/deferred`): credential requests answered with a
//! `transaction_id`, waiting for an administrator or a claims source (OID4VCI 1.0 §9).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A deferred issuance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DeferredIssuanceResponse {
    /// Id.
    pub id: String,
    /// The user the credentials are for.
    pub user_id: String,
    /// The credential configuration.
    pub credential_configuration_id: String,
    /// The offer the wallet redeemed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offer_id: Option<String>,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// While pending: `administrator` (approve or reject it) or `claimsSource` (Sigil asks the
    /// claims source again each time the wallet polls).
    pub awaiting: String,
    /// RFC 7638 thumbprints of the holder keys, one credential each.
    pub holder_key_thumbprints: Vec<String>,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When the wallet's transaction id stops working.
    pub expires_at: String,
    /// Created.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
}

/// Undelivered deferred issuances, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DeferredIssuanceList {
    /// The issuances.
    pub data: Vec<DeferredIssuanceResponse>,
}

/// `POST /v1/credentials/deferred/{id}/approve`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeferredApproval {
    /// Claims merged into the user's claims for this issuance (like an offer's claims), e.g. the
    /// result of a manual check.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub claims: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `POST /v1/credentials/deferred/{id}/reject`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeferredRejection {
    /// Shown to the wallet in the `credential_request_denied` error (at most 512 characters).
    #[serde(default)]
    pub reason: Option<String>,
}
