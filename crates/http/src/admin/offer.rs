//! `POST /v1/openid/offers/pre-authorized`, `GET/DELETE /v1/openid/offers/pre-authorized/{id}`,
//! `GET /v1/openid/offers/authorization-code/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_proto::admin::offer::{
    OfferStatus, PreAuthorizedOfferRequest, PreAuthorizedOfferResponse,
};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::{AdminJson, AdminPath};

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(
            "/v1/openid/offers/pre-authorized",
            post(create_pre_authorized_offer),
        )
        .route(
            "/v1/openid/offers/pre-authorized/{id}",
            get(get_pre_authorized_offer_status).delete(delete_pre_authorized_offer),
        )
        .route(
            "/v1/openid/offers/authorization-code/{id}",
            get(get_authorization_code_offer_status),
        )
}

/// Creates a pre-authorized credential offer (seed 002).
#[utoipa::path(post, path = "/v1/openid/offers/pre-authorized", tag = "offers",
    security(("adminToken" = [])),
    request_body = PreAuthorizedOfferRequest,
    responses((status = 201, body = PreAuthorizedOfferResponse),
              (status = 400, description = "Validation error (unknown configuration or user, expiresIn over 10 minutes, …)", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn create_pre_authorized_offer(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<PreAuthorizedOfferRequest>,
) -> Result<(StatusCode, Json<PreAuthorizedOfferResponse>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(sigil.offers().create_pre_authorized_offer(request).await?),
    ))
}

/// Deletes an offer: its pre-authorized code can no longer be redeemed.
#[utoipa::path(delete, path = "/v1/openid/offers/pre-authorized/{id}", tag = "offers",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 204, description = "Deleted"),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn delete_pre_authorized_offer(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<StatusCode, ApiError> {
    sigil.offers().delete_pre_authorized_offer(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where a pre-authorized offer stands: `waiting`, `redeemed` (a wallet has its token),
/// `credential_issued` or `expired`.
#[utoipa::path(get, path = "/v1/openid/offers/pre-authorized/{id}", tag = "offers",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 200, body = OfferStatus),
              (status = 404, description = "Unknown, deleted or purged", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn get_pre_authorized_offer_status(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<Json<OfferStatus>, ApiError> {
    Ok(Json(sigil.offers().offer_status(&id, false).await?))
}

/// Where an authorization-code offer stands: `waiting`, `redeemed` (its user signed in),
/// `credential_issued` or `expired`.
#[utoipa::path(get, path = "/v1/openid/offers/authorization-code/{id}", tag = "offers",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Offer id")),
    responses((status = 200, body = OfferStatus),
              (status = 404, description = "Unknown or purged", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn get_authorization_code_offer_status(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<Json<OfferStatus>, ApiError> {
    Ok(Json(sigil.offers().offer_status(&id, true).await?))
}
