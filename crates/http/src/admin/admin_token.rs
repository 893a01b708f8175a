//! `GET/POST /v1/admin-tokens`, `DELETE /v1/admin-tokens/{id}`: the management API's own tokens.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_core::clock::timestamp;
use sigil_core::store::AdminTokenRecord;
use sigil_proto::admin::admin_token::{
    AdminTokenList, AdminTokenRequest, AdminTokenResponse, CreatedAdminTokenResponse,
};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::{AdminJson, AdminPath};

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(
            "/v1/admin-tokens",
            get(list_admin_tokens).post(create_admin_token),
        )
        .route("/v1/admin-tokens/{id}", delete(revoke_admin_token))
}

fn view(token: AdminTokenRecord) -> AdminTokenResponse {
    AdminTokenResponse {
        id: token.id,
        name: token.name,
        created_at: timestamp(token.created_at),
        revoked_at: token.revoked_at.map(timestamp),
    }
}

/// Lists the admin tokens, revoked ones too, oldest first (never their values). A token fixed
/// by configuration (`security.admin_token`) is not stored and not listed.
#[utoipa::path(get, path = "/v1/admin-tokens", tag = "admin-tokens",
    security(("adminToken" = [])),
    responses((status = 200, body = AdminTokenList),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn list_admin_tokens(
    State(sigil): State<Sigil>,
) -> Result<Json<AdminTokenList>, ApiError> {
    let data = sigil.admin_tokens().list().await?;
    Ok(Json(AdminTokenList {
        data: data.into_iter().map(view).collect(),
    }))
}

/// Creates an admin token. Its value is in this response only; Sigil keeps its SHA-256.
#[utoipa::path(post, path = "/v1/admin-tokens", tag = "admin-tokens",
    security(("adminToken" = [])),
    request_body = AdminTokenRequest,
    responses((status = 201, body = CreatedAdminTokenResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn create_admin_token(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<AdminTokenRequest>,
) -> Result<(StatusCode, Json<CreatedAdminTokenResponse>), ApiError> {
    let (record, token) = sigil.admin_tokens().create(&request.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedAdminTokenResponse {
            id: record.id,
            name: record.name,
            created_at: timestamp(record.created_at),
            token: token.expose().to_string(),
        }),
    ))
}

/// Revokes an admin token: it, and every portal session signed in with it, stop working on
/// every node at once.
#[utoipa::path(delete, path = "/v1/admin-tokens/{id}", tag = "admin-tokens",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Token id")),
    responses((status = 204, description = "Revoked"),
              (status = 404, description = "Unknown or already revoked", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn revoke_admin_token(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<StatusCode, ApiError> {
    sigil.admin_tokens().revoke(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
