//! `POST/GET /v1/openid/credential-configurations`, `GET/PUT/DELETE …/{id}` (seed 004).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_core::page::PageRequest;
use sigil_proto::admin::credential_configuration::{
    ClaimsPreviewRequest, ClaimsPreviewResponse, CredentialConfigurationRequest,
    CredentialConfigurationResponse,
};
use sigil_proto::admin::page::{Page, PageQuery};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::{AdminJson, AdminPath, AdminQuery};

const COLLECTION: &str = "/v1/openid/credential-configurations";
const ITEM: &str = "/v1/openid/credential-configurations/{id}";

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(
            COLLECTION,
            get(list_credential_configurations).post(create_credential_configuration),
        )
        .route(
            "/v1/openid/credential-configurations/preview",
            post(preview_claims),
        )
        .route(
            ITEM,
            get(get_credential_configuration)
                .put(update_credential_configuration)
                .delete(delete_credential_configuration),
        )
}

/// Creates a credential configuration.
#[utoipa::path(post, path = "/v1/openid/credential-configurations", tag = "credential-configurations",
    security(("adminToken" = [])),
    request_body = CredentialConfigurationRequest,
    responses((status = 201, body = CredentialConfigurationResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 409, description = "A configuration with the same scope exists", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn create_credential_configuration(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<CredentialConfigurationRequest>,
) -> Result<(StatusCode, Json<CredentialConfigurationResponse>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            sigil
                .credential_configurations()
                .create_credential_configuration(request)
                .await?,
        ),
    ))
}

/// Lists credential configurations, oldest first.
#[utoipa::path(get, path = "/v1/openid/credential-configurations", tag = "credential-configurations",
    security(("adminToken" = [])),
    params(PageQuery),
    responses((status = 200, body = Page<CredentialConfigurationResponse>),
              (status = 400, description = "Bad limit or cursor", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn list_credential_configurations(
    State(sigil): State<Sigil>,
    AdminQuery(query): AdminQuery<PageQuery>,
) -> Result<Json<Page<CredentialConfigurationResponse>>, ApiError> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref())?;
    Ok(Json(
        sigil
            .credential_configurations()
            .list_credential_configurations(&page)
            .await?,
    ))
}

/// Reads one credential configuration.
#[utoipa::path(get, path = "/v1/openid/credential-configurations/{id}", tag = "credential-configurations",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Configuration id")),
    responses((status = 200, body = CredentialConfigurationResponse),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn get_credential_configuration(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<Json<CredentialConfigurationResponse>, ApiError> {
    Ok(Json(
        sigil
            .credential_configurations()
            .credential_configuration(&id)
            .await?
            .to_response(),
    ))
}

/// Replaces a credential configuration.
#[utoipa::path(put, path = "/v1/openid/credential-configurations/{id}", tag = "credential-configurations",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Configuration id")),
    request_body = CredentialConfigurationRequest,
    responses((status = 200, body = CredentialConfigurationResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "A configuration with the same scope exists", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn update_credential_configuration(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
    AdminJson(request): AdminJson<CredentialConfigurationRequest>,
) -> Result<Json<CredentialConfigurationResponse>, ApiError> {
    Ok(Json(
        sigil
            .credential_configurations()
            .update_credential_configuration(&id, request)
            .await?,
    ))
}

/// Deletes a credential configuration.
#[utoipa::path(delete, path = "/v1/openid/credential-configurations/{id}", tag = "credential-configurations",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Configuration id")),
    responses((status = 204, description = "Deleted"),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn delete_credential_configuration(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
) -> Result<StatusCode, ApiError> {
    sigil
        .credential_configurations()
        .delete_credential_configuration(&id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Previews the claims a configuration (validated as on create; nothing is stored) would put in
/// a credential for a sample user object, or why no credential could be issued (seed 004).
#[utoipa::path(post, path = "/v1/openid/credential-configurations/preview", tag = "credential-configurations",
    security(("adminToken" = [])),
    request_body = ClaimsPreviewRequest,
    responses((status = 200, body = ClaimsPreviewResponse),
              (status = 400, description = "Validation error (fields under `configuration.`)", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn preview_claims(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<ClaimsPreviewRequest>,
) -> Result<Json<ClaimsPreviewResponse>, ApiError> {
    Ok(Json(
        sigil.credential_configurations().preview_claims(request)?,
    ))
}
