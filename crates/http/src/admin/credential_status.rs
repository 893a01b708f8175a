//! Credential status (`/v1/credentials/{id}/status`, `…/issuance/status`,
//! `/v1/users/{id}/credentials/status`): revoke, suspend or reinstate issued credentials.

use axum::extract::State;
use axum::routing::post;
use axum::{Extension, Json, Router};
use sigil_core::Sigil;
use sigil_core::catalogue::admin_token::Actor;
use sigil_core::status_list::{StatusScope, parse_status};
use sigil_proto::admin::user::{CredentialStatusRequest, IssuedCredentialList};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::{AdminJson, AdminPath};

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route("/v1/credentials/{id}/status", post(set_credential_status))
        .route(
            "/v1/credentials/{id}/issuance/status",
            post(set_issuance_status),
        )
        .route(
            "/v1/users/{id}/credentials/status",
            post(set_user_credentials_status),
        )
}

/// Sets one credential's status: `revoked` (permanent), `suspended`, or `valid` (reinstates a
/// suspended one). The change is published in its status list.
#[utoipa::path(post, path = "/v1/credentials/{id}/status", tag = "credential-status",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Issued credential id")),
    request_body = CredentialStatusRequest,
    responses((status = 200, description = "The credential as it now is", body = IssuedCredentialList),
              (status = 400, description = "Unknown status, or the credential is not revocable", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "Revoked already (revocation is permanent), or already in that status", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn set_credential_status(
    State(sigil): State<Sigil>,
    Extension(actor): Extension<Actor>,
    AdminPath(id): AdminPath,
    AdminJson(request): AdminJson<CredentialStatusRequest>,
) -> Result<Json<IssuedCredentialList>, ApiError> {
    change(&sigil, &actor, &id, StatusScope::Credential, &request).await
}

/// Sets the status of every credential issued in the same response as this one (a whole batch).
#[utoipa::path(post, path = "/v1/credentials/{id}/issuance/status", tag = "credential-status",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Id of any credential of the issuance")),
    request_body = CredentialStatusRequest,
    responses((status = 200, description = "The issuance's credentials as they now are", body = IssuedCredentialList),
              (status = 400, description = "Unknown status, or the credentials are not revocable", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "None of them could take that status", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn set_issuance_status(
    State(sigil): State<Sigil>,
    Extension(actor): Extension<Actor>,
    AdminPath(id): AdminPath,
    AdminJson(request): AdminJson<CredentialStatusRequest>,
) -> Result<Json<IssuedCredentialList>, ApiError> {
    change(&sigil, &actor, &id, StatusScope::Issuance, &request).await
}

/// Sets the status of every revocable credential of a user that can take it (revoked ones stay
/// revoked).
#[utoipa::path(post, path = "/v1/users/{id}/credentials/status", tag = "credential-status",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "User id")),
    request_body = CredentialStatusRequest,
    responses((status = 200, description = "The user's credentials as they now are", body = IssuedCredentialList),
              (status = 400, description = "Unknown status", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "None of the user's credentials is revocable, or none could take that status", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn set_user_credentials_status(
    State(sigil): State<Sigil>,
    Extension(actor): Extension<Actor>,
    AdminPath(id): AdminPath,
    AdminJson(request): AdminJson<CredentialStatusRequest>,
) -> Result<Json<IssuedCredentialList>, ApiError> {
    let status = parse_status(&request.status)?;
    let lists = sigil.status_lists();
    let changed = lists.change_user(&id, status, &actor.0).await?;
    Ok(Json(lists.responses(changed)))
}

async fn change(
    sigil: &Sigil,
    actor: &Actor,
    id: &str,
    scope: StatusScope,
    request: &CredentialStatusRequest,
) -> Result<Json<IssuedCredentialList>, ApiError> {
    let status = parse_status(&request.status)?;
    let lists = sigil.status_lists();
    let changed = lists.change(id, scope, status, &actor.0).await?;
    Ok(Json(lists.responses(changed)))
}
