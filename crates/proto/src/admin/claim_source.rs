//! `POST/GET /v1/claim-sources`, `GET/PUT/DELETE …/{id}`: an external API Sigil queries for more
//! user claims at issuance (seed 003).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A claims source to create or replace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimSourceRequest {
    /// Display name.
    pub name: String,
    /// The endpoint: https, a host name (not an IP address), no query.
    pub url: String,
    /// `GET` (parameters in the query, the default) or `POST` (a JSON body).
    pub request_method: Option<String>,
    /// Parameter name → where its value comes from.
    #[serde(default)]
    pub request_parameters: BTreeMap<String, RequestParameter>,
    /// How Sigil authenticates to the source.
    pub authorization: Option<ClaimSourceAuthorization>,
}

/// One request parameter: `mapFrom` (`claims.<path>` or `credentialConfiguration.<path>`),
/// `defaultValue`, or both (the default is used when the path finds nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestParameter {
    /// Dotted path into `{claims, credentialConfiguration}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_from: Option<String>,
    /// Value used when `mapFrom` is absent or finds nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<serde_json::Value>,
}

/// Authentication toward the claims source. Secrets are masked (`****`) in responses; sending
/// the mask back on `PUT` keeps the stored secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum ClaimSourceAuthorization {
    /// Sent as the `x-api-key` header.
    #[serde(rename = "api-key")]
    ApiKey {
        /// The key.
        value: String,
    },
    /// An OAuth 2.0 client credentials grant (RFC 6749 §4.4); the token is cached until it
    /// expires and sent as `Authorization: Bearer`.
    #[serde(rename = "oauth-client-credentials", rename_all = "camelCase")]
    OAuthClientCredentials {
        /// The token endpoint (https).
        token_endpoint: String,
        /// Client id.
        client_id: String,
        /// Client secret (sent with HTTP Basic authentication).
        client_secret: String,
        /// Scope to request, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        /// Audience to request, if any.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audience: Option<String>,
    },
}

/// A stored claims source; secrets are masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimSourceResponse {
    /// Id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The endpoint.
    pub url: String,
    /// `GET` or `POST`.
    pub request_method: String,
    /// Parameter name → where its value comes from.
    pub request_parameters: BTreeMap<String, RequestParameter>,
    /// Authentication, secrets masked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization: Option<ClaimSourceAuthorization>,
}

/// A sample user's claims to test a claims source with (`POST /v1/claim-sources/{id}/test`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimSourceTestRequest {
    /// The user's claims, as an issuance would send them (`claims.*` parameters read them).
    pub claims: serde_json::Map<String, serde_json::Value>,
}

/// What the claims source did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimSourceOutcome {
    /// It answered with claims.
    Answered,
    /// It answered 202 Accepted: an issuance would be deferred.
    Deferred,
    /// It failed (unreachable, an error status, not a JSON object): an issuance would fail.
    Failed,
}

/// The outcome of a test of a claims source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimSourceTestResponse {
    /// What it did.
    pub outcome: ClaimSourceOutcome,
    /// The claims it answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<serde_json::Map<String, serde_json::Value>>,
    /// Why not, when it did not answer with claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
