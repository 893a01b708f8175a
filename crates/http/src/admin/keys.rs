//! Issuer keys (`/v1/keys`): list, rotate with overlap.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_proto::admin::keys::{KeyKind, KeyList, KeyRotationRequest};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::AdminJson;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route("/v1/keys", get(list_keys))
        .route("/v1/keys/rotate", post(rotate_keys))
}

/// Lists the issuer keys with their state (active, retired within the overlap, expired) and
/// dates, newest first.
#[utoipa::path(get, path = "/v1/keys", tag = "keys",
    security(("adminToken" = [])),
    responses((status = 200, body = KeyList),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn list_keys(State(sigil): State<Sigil>) -> Result<Json<KeyList>, ApiError> {
    Ok(Json(sigil.issuer_keys().list().await?))
}

/// Rotates issuer keys: each new key signs at once on every node (within a second); the
/// replaced keys stay published for `keys.overlap_days`, so credentials they signed keep
/// verifying, and are then removed from every published document.
#[utoipa::path(post, path = "/v1/keys/rotate", tag = "keys",
    security(("adminToken" = [])),
    request_body = KeyRotationRequest,
    responses((status = 200, body = KeyList),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn rotate_keys(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<KeyRotationRequest>,
) -> Result<Json<KeyList>, ApiError> {
    // Each kind once, in the listed order, however often the request names it.
    let named = request.kinds.unwrap_or_else(|| KeyKind::ALL.to_vec());
    let kinds: Vec<KeyKind> = KeyKind::ALL
        .into_iter()
        .filter(|k| named.contains(k))
        .collect();
    Ok(Json(sigil.issuer_keys().rotate(&kinds).await?))
}
