//! The parts of the authorization code flow the issuer configures: wallet clients, the
//! authentication provider, claims sources (`GET/POST` on the collection, `GET/PUT/DELETE` on an
//! item) and authorization-code offers.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_core::page::PageRequest;
use sigil_proto::admin::authentication_provider::{
    AuthenticationProviderRequest, AuthenticationProviderResponse,
};
use sigil_proto::admin::claim_source::{
    ClaimSourceRequest, ClaimSourceResponse, ClaimSourceTestRequest, ClaimSourceTestResponse,
};
use sigil_proto::admin::client::{ClientRequest, ClientResponse};
use sigil_proto::admin::offer::{AuthorizationCodeOfferRequest, AuthorizationCodeOfferResponse};
use sigil_proto::admin::page::{Page, PageQuery};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::{AdminJson, AdminPath, AdminQuery};

crud! {
    tag = "clients", collection = "/v1/openid/clients", item = "/v1/openid/clients/{id}",
    request = ClientRequest, update_request = ClientRequest,
    response = ClientResponse,
    create = create_client => wallet_clients.create_client,
    list = list_clients => wallet_clients.list_clients,
    get = get_client => wallet_clients.client_response,
    update = update_client => wallet_clients.update_client,
    delete = delete_client => wallet_clients.delete_client,
}

crud! {
    tag = "authentication-providers",
    collection = "/v1/users/authentication-providers",
    item = "/v1/users/authentication-providers/{id}",
    request = AuthenticationProviderRequest, update_request = AuthenticationProviderRequest,
    response = AuthenticationProviderResponse,
    create = create_authentication_provider => authentication_providers.create_authentication_provider,
    list = list_authentication_providers => authentication_providers.list_authentication_providers,
    get = get_authentication_provider => authentication_providers.authentication_provider,
    update = update_authentication_provider => authentication_providers.update_authentication_provider,
    delete = delete_authentication_provider => authentication_providers.delete_authentication_provider,
}

crud! {
    tag = "claim-sources", collection = "/v1/claim-sources", item = "/v1/claim-sources/{id}",
    request = ClaimSourceRequest, update_request = ClaimSourceRequest,
    response = ClaimSourceResponse,
    create = create_claim_source => claim_sources.create_claim_source,
    list = list_claim_sources => claim_sources.list_claim_sources,
    get = get_claim_source => claim_sources.claim_source,
    update = update_claim_source => claim_sources.update_claim_source,
    delete = delete_claim_source => claim_sources.delete_claim_source,
}

/// Creates an authorization-code credential offer: the wallet logs the user in at the
/// authentication provider; `issuer_state` ties the login to this offer.
#[utoipa::path(post, path = "/v1/openid/offers", tag = "offers",
    security(("adminToken" = [])),
    request_body = AuthorizationCodeOfferRequest,
    responses((status = 201, body = AuthorizationCodeOfferResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn create_authorization_code_offer(
    State(sigil): State<Sigil>,
    AdminJson(request): AdminJson<AuthorizationCodeOfferRequest>,
) -> Result<(StatusCode, Json<AuthorizationCodeOfferResponse>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(
            sigil
                .authorization()
                .create_authorization_code_offer(&request)
                .await?,
        ),
    ))
}

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route("/v1/openid/clients", get(list_clients).post(create_client))
        .route(
            "/v1/openid/clients/{id}",
            get(get_client).put(update_client).delete(delete_client),
        )
        .route(
            "/v1/users/authentication-providers",
            get(list_authentication_providers).post(create_authentication_provider),
        )
        .route(
            "/v1/users/authentication-providers/{id}",
            get(get_authentication_provider)
                .put(update_authentication_provider)
                .delete(delete_authentication_provider),
        )
        .route(
            "/v1/claim-sources",
            get(list_claim_sources).post(create_claim_source),
        )
        .route(
            "/v1/claim-sources/{id}",
            get(get_claim_source)
                .put(update_claim_source)
                .delete(delete_claim_source),
        )
        .route("/v1/claim-sources/{id}/test", post(test_claim_source))
        .route("/v1/openid/offers", post(create_authorization_code_offer))
}

/// Asks a claims source for a sample user's claims, as an issuance would, and reports what it
/// answered (`answered` with the claims, `deferred` for 202, or `failed` with the reason). The
/// source's own failure is a 200 with `failed`: this request did what it was asked.
#[utoipa::path(post, path = "/v1/claim-sources/{id}/test", tag = "claim-sources",
    security(("adminToken" = [])),
    params(("id" = String, Path, description = "Claims source id")),
    request_body = ClaimSourceTestRequest,
    responses((status = 200, body = ClaimSourceTestResponse),
              (status = 400, description = "Validation error", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn test_claim_source(
    State(sigil): State<Sigil>,
    AdminPath(id): AdminPath,
    AdminJson(request): AdminJson<ClaimSourceTestRequest>,
) -> Result<Json<ClaimSourceTestResponse>, ApiError> {
    Ok(Json(
        sigil
            .claim_sources()
            .test_claim_source(&id, &request.claims)
            .await?,
    ))
}
