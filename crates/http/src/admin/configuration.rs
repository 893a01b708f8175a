//! `PUT/GET /v1/openid/configuration` and the hook secret rotation (seeds 000, 001).

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_proto::admin::configuration::{ConfigurationRequest, ConfigurationResponse};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::AdminJson;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(
            "/v1/openid/configuration",
            get(get_configuration).put(put_configuration),
        )
        .route(
            "/v1/openid/configuration/interaction-hook/rotate-secret",
            post(rotate_hook_secret),
        )
}

/// Reads the OpenID configuration (the interaction hook, with its secret).
#[utoipa::path(get, path = "/v1/openid/configuration", tag = "configuration",
    security(("adminToken" = [])),
    responses((status = 200, body = ConfigurationResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn get_configuration(
    State(sigil): State<Sigil>,
) -> Result<Json<ConfigurationResponse>, ApiError> {
    Ok(Json(sigil.interaction_hook().configuration().await?))
}

/// Replaces the OpenID configuration. The hook secret is created on first configuration and
/// kept across updates; a body without `interactionHook` removes the hook.
#[utoipa::path(put, path = "/v1/openid/configuration", tag = "configuration",
    security(("adminToken" = [])),
    request_body = ConfigurationRequest,
    responses((status = 200, body = ConfigurationResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn put_configuration(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<ConfigurationRequest>,
) -> Result<Json<ConfigurationResponse>, ApiError> {
    Ok(Json(
        sigil.interaction_hook().put_configuration(&request).await?,
    ))
}

/// Replaces the interaction hook secret with a new random one; the old one stops working.
#[utoipa::path(post, path = "/v1/openid/configuration/interaction-hook/rotate-secret", tag = "configuration",
    security(("adminToken" = [])),
    responses((status = 200, body = ConfigurationResponse),
              (status = 404, description = "No interaction hook is configured", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn rotate_hook_secret(
    State(sigil): State<Sigil>,
) -> Result<Json<ConfigurationResponse>, ApiError> {
    Ok(Json(
        sigil
            .interaction_hook()
            .rotate_interaction_hook_secret()
            .await?,
    ))
}
