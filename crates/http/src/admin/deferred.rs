//! Deferred issuances (`/v1/credentials/deferred`): list, read, approve, reject.

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_proto::admin::deferred::{
    DeferredApproval, DeferredIssuanceList, DeferredIssuanceResponse, DeferredRejection,
};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::{AdminJson, AdminPath};

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route("/v1/credentials/deferred", get(list_deferred_issuances))
        .route("/v1/credentials/deferred/{id}", get(get_deferred_issuance))
        .route(
            "/v1/credentials/deferred/{id}/approve",
            post(approve_deferred_issuance),
        )
        .route(
            "/v1/credentials/deferred/{id}/reject",
            post(reject_deferred_issuance),
        )
}

/// Lists the deferred issuances not yet collected by their wallet, oldest first.
#[utoipa::path(get, path = "/v1/credentials/deferred", tag = "deferred-issuance",
    security(("adminToken" = [])),
    responses((status = 200, body = DeferredIssuanceList),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn list_deferred_issuances(
    State(sigil): State<Sigil>,
) -> Result<Json<DeferredIssuanceList>, ApiError> {
    Ok(Json(sigil.issuance().deferred_issuances().await?))
}

/// Reads one deferred issuance.
#[utoipa::path(get, path = "/v1/credentials/deferred/{id}", tag = "deferred-issuance",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Deferred issuance id")),
    responses((status = 200, body = DeferredIssuanceResponse),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn get_deferred_issuance(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<Json<DeferredIssuanceResponse>, ApiError> {
    Ok(Json(sigil.issuance().deferred_issuance(&id).await?))
}

/// Approves a pending issuance: the wallet's next deferred credential request receives the
/// credentials, built from the user's claims with `claims` merged in.
#[utoipa::path(post, path = "/v1/credentials/deferred/{id}/approve", tag = "deferred-issuance",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Deferred issuance id")),
    request_body = DeferredApproval,
    responses((status = 200, body = DeferredIssuanceResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "Already approved or rejected", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn approve_deferred_issuance(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
    AdminJson(approval): AdminJson<DeferredApproval>,
) -> Result<Json<DeferredIssuanceResponse>, ApiError> {
    Ok(Json(
        sigil
            .issuance()
            .approve_deferred_issuance(&id, approval)
            .await?,
    ))
}

/// Rejects a pending issuance: the wallet's next deferred credential request gets
/// `credential_request_denied` with the reason.
#[utoipa::path(post, path = "/v1/credentials/deferred/{id}/reject", tag = "deferred-issuance",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Deferred issuance id")),
    request_body = DeferredRejection,
    responses((status = 200, body = DeferredIssuanceResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "Already approved or rejected", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn reject_deferred_issuance(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
    AdminJson(rejection): AdminJson<DeferredRejection>,
) -> Result<Json<DeferredIssuanceResponse>, ApiError> {
    Ok(Json(
        sigil
            .issuance()
            .reject_deferred_issuance(&id, rejection)
            .await?,
    ))
}
