//! `POST/GET /v1/users`, `GET/PUT/DELETE /v1/users/{id}`.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_proto::admin::page::Page;
use sigil_proto::admin::user::{IssuedCredentialList, UserListQuery, UserRequest, UserResponse};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::{AdminJson, AdminPath, AdminQuery};

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route("/v1/users", get(list_users).post(create_user))
        .route("/v1/users/{id}/credentials", get(list_user_credentials))
        .route(
            "/v1/users/{id}",
            get(get_user).put(update_user).delete(delete_user),
        )
}

/// Creates a user.
#[utoipa::path(post, path = "/v1/users", tag = "users",
    security(("adminToken" = [])),
    request_body = UserRequest,
    responses((status = 201, body = UserResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 409, description = "A user with this provider and subject exists", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn create_user(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<UserRequest>,
) -> Result<(StatusCode, Json<UserResponse>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(sigil.users().create_user(request).await?),
    ))
}

/// Lists users, oldest first, optionally filtered by provider URL and subject.
#[utoipa::path(get, path = "/v1/users", tag = "users",
    security(("adminToken" = [])),
    params(UserListQuery),
    responses((status = 200, body = Page<UserResponse>),
              (status = 400, description = "Bad filter, limit or cursor", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn list_users(
    State(sigil): State<Sigil>,
    AdminQuery(query): AdminQuery<UserListQuery>,
) -> Result<Json<Page<UserResponse>>, ApiError> {
    Ok(Json(sigil.users().list_users(&query).await?))
}

/// Reads one user.
#[utoipa::path(get, path = "/v1/users/{id}", tag = "users",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = UserResponse),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn get_user(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<Json<UserResponse>, ApiError> {
    Ok(Json(sigil.users().user(&id).await?))
}

/// Replaces a user's provider reference and claims.
#[utoipa::path(put, path = "/v1/users/{id}", tag = "users",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "User id")),
    request_body = UserRequest,
    responses((status = 200, body = UserResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "Another user has this provider and subject", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn update_user(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
    AdminJson(request): AdminJson<UserRequest>,
) -> Result<Json<UserResponse>, ApiError> {
    Ok(Json(sigil.users().update_user(&id, request).await?))
}

/// Deletes a user.
#[utoipa::path(delete, path = "/v1/users/{id}", tag = "users",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "User id")),
    responses((status = 204, description = "Deleted"),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn delete_user(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<StatusCode, ApiError> {
    sigil.users().delete_user(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists the credentials issued to a user.
#[utoipa::path(get, path = "/v1/users/{id}/credentials", tag = "users",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "User id")),
    responses((status = 200, body = IssuedCredentialList),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn list_user_credentials(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<Json<IssuedCredentialList>, ApiError> {
    Ok(Json(sigil.users().issued_credentials(&id).await?))
}
