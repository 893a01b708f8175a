//! The OpenAPI 3.1 document of the management API, served at `/v1/openapi.json` and
//! snapshot-tested against `docs/openapi.json`.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sigil_core::Sigil;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{admin, health, jwks};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sigil management API",
        description = "Configure Sigil, the OpenID4VCI credential issuer: the interaction hook, the authentication provider, claims sources, wallet clients, credential configurations, users and credential offers. Every /v1 management route takes `Authorization: Bearer <admin token>`. Errors are `{code, message, details[]}`.",
        license(name = "Apache-2.0")
    ),
    paths(
        health::live,
        health::ready,
        jwks::jwks,
        jwks::issuer_ca,
        jwks::mdoc_iacas,
        jwks::did_document,
        admin::get_configuration,
        admin::put_configuration,
        admin::rotate_hook_secret,
        admin::create_credential_configuration,
        admin::list_credential_configurations,
        admin::get_credential_configuration,
        admin::update_credential_configuration,
        admin::delete_credential_configuration,
        admin::create_pre_authorized_offer,
        admin::delete_pre_authorized_offer,
        admin::create_user,
        admin::list_users,
        admin::get_user,
        admin::update_user,
        admin::delete_user,
        admin::list_user_credentials,
        admin::create_authorization_code_offer,
        admin::create_client,
        admin::list_clients,
        admin::get_client,
        admin::update_client,
        admin::delete_client,
        admin::create_authentication_provider,
        admin::list_authentication_providers,
        admin::get_authentication_provider,
        admin::update_authentication_provider,
        admin::delete_authentication_provider,
        admin::create_claim_source,
        admin::list_claim_sources,
        admin::get_claim_source,
        admin::update_claim_source,
        admin::delete_claim_source,
        admin::create_iaca,
        admin::list_iacas,
        admin::get_iaca,
        admin::update_iaca,
        admin::delete_iaca,
        admin::create_document_signer,
        admin::list_document_signers,
        admin::get_document_signer,
        admin::list_deferred_issuances,
        admin::get_deferred_issuance,
        admin::approve_deferred_issuance,
        admin::reject_deferred_issuance,
    ),
    modifiers(&AdminToken)
)]
struct ApiDoc;

struct AdminToken;

impl Modify for AdminToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "adminToken",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An admin token (sigil admin-token create)"))
                    .build(),
            ),
        );
    }
}

/// The document as pretty JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

pub(crate) fn routes() -> Router<Sigil> {
    Router::new().route("/v1/openapi.json", get(document))
}

async fn document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        openapi_json(),
    )
        .into_response()
}
