//! `PUT/GET /v1/openid/configuration` (seeds 000 and 001).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The tenant's OpenID configuration. `PUT` replaces it: a body without `interactionHook`
/// removes the hook (and its secret).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigurationRequest {
    /// The interaction hook, or absent for none.
    pub interaction_hook: Option<InteractionHookRequest>,
}

/// Interaction hook settings as sent by the issuer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InteractionHookRequest {
    /// Where the user is redirected after authenticating: a valid https URL, not an IP address,
    /// without query parameters.
    pub url: String,
    /// Names of user claims copied into the session token sent to the hook.
    #[serde(default)]
    pub claims: Vec<String>,
    /// Session lifetime in seconds, 60–3600; the server default (300) applies when absent.
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub session_timeout_in_sec: Option<i64>,
    /// When true, the hook is skipped.
    #[serde(default)]
    pub disabled: bool,
}

/// The configuration as stored.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationResponse {
    /// The interaction hook, absent when none is configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interaction_hook: Option<InteractionHookResponse>,
}

/// Interaction hook settings with the shared secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InteractionHookResponse {
    /// The hook URL.
    pub url: String,
    /// Claim names sent to the hook.
    pub claims: Vec<String>,
    /// Session lifetime in seconds, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub session_timeout_in_sec: Option<i64>,
    /// Whether the hook is skipped.
    pub disabled: bool,
    /// 32 random bytes, base64: the HS256 key for session tokens in both directions. Created when
    /// the hook is first configured and kept across updates; rotate it with
    /// `POST /v1/openid/configuration/interaction-hook/rotate-secret`.
    pub secret: String,
}
