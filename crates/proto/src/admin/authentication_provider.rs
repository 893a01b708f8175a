//! `POST/GET /v1/users/authentication-providers`, `GET/PUT/DELETE …/{id}`: the external OpenID
//! Connect provider users log in at (seed 003). One per deployment.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// An authentication provider to create or replace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthenticationProviderRequest {
    /// The provider's issuer URL; its configuration is discovered from
    /// `<url>/.well-known/openid-configuration`.
    pub url: String,
    /// Sigil's client id at the provider.
    pub client_id: String,
    /// Sigil's client secret at the provider. On `PUT`, the masked value `****` keeps the
    /// stored secret.
    pub client_secret: String,
    /// Scopes requested (default `openid profile email`; `openid` is always included).
    pub scope: Option<Vec<String>>,
    /// `client_secret_post` (the default) or `client_secret_basic`.
    pub token_endpoint_auth_method: Option<String>,
    /// Parameters added to every authorization request sent to the provider.
    #[schema(value_type = Object)]
    pub static_request_parameters: Option<serde_json::Map<String, serde_json::Value>>,
    /// Parameters copied from the wallet's authorization request to the provider's, when present.
    pub forwarded_request_parameters: Option<Vec<String>>,
    /// Claims from the provider saved on the user (the others are used for this issuance only).
    pub claims_to_persist: Option<Vec<String>>,
}

/// A stored authentication provider; the secret is masked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationProviderResponse {
    /// Id.
    pub id: String,
    /// The provider's issuer URL.
    pub url: String,
    /// Sigil's client id at the provider.
    pub client_id: String,
    /// Always `****`.
    pub client_secret: String,
    /// Scopes requested.
    pub scope: Vec<String>,
    /// `client_secret_post` or `client_secret_basic`.
    pub token_endpoint_auth_method: String,
    /// Parameters added to every authorization request.
    #[schema(value_type = Object)]
    pub static_request_parameters: serde_json::Map<String, serde_json::Value>,
    /// Parameters forwarded from the wallet's request.
    pub forwarded_request_parameters: Vec<String>,
    /// Claims saved on the user.
    pub claims_to_persist: Vec<String>,
    /// The redirect URI to register at the provider.
    pub redirect_url: String,
}
