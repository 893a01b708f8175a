//! `POST/GET /v1/openid/clients`, `GET/PUT/DELETE …/{id}`: wallets registered for the
//! authorization code flow (RFC 6749 §2; RFC 8252 for native apps).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A wallet client to create or replace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientRequest {
    /// Display name.
    pub name: String,
    /// Redirect URIs, matched exactly (RFC 9700 §4.1.3). https; native apps may also use
    /// `http://127.0.0.1`/`http://[::1]` loopback URIs (any port) and private-use schemes.
    pub redirect_uris: Vec<String>,
    /// `none` (public client, the default) or `client_secret_basic`.
    pub token_endpoint_auth_method: Option<String>,
    /// `web` (the default) or `native`.
    pub application_type: Option<String>,
}

/// A stored wallet client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClientResponse {
    /// The OAuth `client_id`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Redirect URIs.
    pub redirect_uris: Vec<String>,
    /// `none` or `client_secret_basic`.
    pub token_endpoint_auth_method: String,
    /// `web` or `native`.
    pub application_type: String,
    /// The client secret: returned only when a `client_secret_basic` client is created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}
