//! The OpenAPI 3.1 document of the management API, served at `/v1/openapi.json` and
//! snapshot-tested against `docs/openapi.json`.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use sigil_core::Sigil;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{admin, health, jwks};

pub(crate) mod gate;
mod requests;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sigil management API",
        description = "Configure Sigil, the OpenID4VCI credential issuer: the interaction hook, the authentication provider, claims sources, wallet clients, credential configurations, users and credential offers. Every /v1 management route takes `Authorization: Bearer <admin token>` (or the portal's session cookie, with `X-CSRF-Token` on every change). Errors are `{code, message, details[]}`.",
        license(name = "Apache-2.0")
    ),
    paths(
        health::live,
        health::ready,
        jwks::jwks,
        jwks::issuer_ca,
        jwks::mdoc_iacas,
        jwks::did_document,
        crate::protocol::status_list::aggregation,
        crate::protocol::status_list::token_status_list,
        crate::protocol::status_list::bitstring_status_list,
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
        admin::set_credential_status,
        admin::set_issuance_status,
        admin::set_user_credentials_status,
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
        admin::list_keys,
        admin::rotate_keys,
        admin::list_admin_tokens,
        admin::create_admin_token,
        admin::revoke_admin_token,
        admin::get_statistics,
        admin::get_pre_authorized_offer_status,
        admin::get_authorization_code_offer_status,
        admin::preview_claims,
        admin::test_claim_source,
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
    serde_json::to_string_pretty(&document()).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// The document: the routes as annotated, the hand-written request schemas the server enforces
/// ([`requests`], [`gate`]), and the statuses the edge adds to every route.
pub(crate) fn document() -> Value {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document does not serialise");
        json!({})
    });
    install_request_schemas(&mut document);
    add_edge_responses(&mut document);
    document
}

/// Puts the request schemas of [`requests`] in place: shared definitions in
/// `components.schemas`, each body as a reference to its schema, and each query parameter's
/// schema.
fn install_request_schemas(document: &mut Value) {
    if let Some(schemas) = document
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut)
    {
        for (name, schema) in requests::components() {
            schemas.insert(name.to_string(), schema);
        }
    }
    for (method, path, name) in requests::bodies() {
        let pointer = format!(
            "/paths/{}/{method}/requestBody/content/application~1json/schema",
            path.replace('~', "~0").replace('/', "~1")
        );
        if let Some(schema) = document.pointer_mut(&pointer) {
            *schema = json!({"$ref": format!("#/components/schemas/{name}")});
        }
    }
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for operation in paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
    {
        let Some(parameters) = operation
            .get_mut("parameters")
            .and_then(Value::as_array_mut)
        else {
            continue;
        };
        for parameter in parameters {
            if parameter["in"] != "query" {
                continue;
            }
            let Some(schema) = parameter["name"]
                .as_str()
                .and_then(requests::query_parameter)
            else {
                continue;
            };
            parameter["schema"] = schema;
        }
    }
}

/// Operations whose body names other resources by id (configurations, a user, a claims
/// source): an id that names nothing is a 404.
const REFERENCES: &[(&str, &str)] = &[
    ("/v1/openid/credential-configurations", "post"),
    ("/v1/openid/credential-configurations/{id}", "put"),
    ("/v1/openid/offers/pre-authorized", "post"),
    ("/v1/openid/offers", "post"),
];

/// The statuses the edge itself may answer on a route, beside those its handler documents
/// (crates/http/src/edge.rs, auth.rs, rate_limit.rs): every request body is required and may be
/// refused as too large (413) or not JSON (415); a path id or query may be malformed (400); a
/// management route answers 401 without a valid token and 429 after too many failed ones, 408 when
/// its body arrives too slowly and 503 when it outlasts the request deadline; and on any route the
/// connection layer answers 431, without a body, to a request head (request line and headers,
/// so also a long query) over `server.max_header_bytes`.
fn add_edge_responses(document: &mut Value) {
    let error = |description: &str| {
        json!({
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
        })
    };
    let Some(paths) = document.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let has_path_parameter = path.contains('{');
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item
            .iter_mut()
            .filter_map(|(m, o)| o.as_object_mut().map(|o| (m.clone(), o)))
        {
            let management = operation.contains_key("security");
            let with_body = match operation.get_mut("requestBody") {
                Some(body) => {
                    body["required"] = Value::Bool(true);
                    true
                }
                None => false,
            };
            let Some(responses) = operation
                .get_mut("responses")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            responses.entry("431".to_string()).or_insert_with(|| {
                json!({"description": "The request head (request line and headers) is larger \
                    than the limit; answered by the connection layer, without a body"})
            });
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| error(description));
            };
            if with_body {
                add("400", "Validation error");
                add("413", "The body is larger than the limit");
                add("415", "The body is not JSON");
            }
            if has_path_parameter || management {
                add("400", "A malformed path or query parameter");
            }
            if with_body && REFERENCES.contains(&(path.as_str(), method.as_str())) {
                add("404", "An id in the body names nothing");
            }
            if management {
                if with_body {
                    add("408", "The body did not arrive within the body deadline");
                }
                add(
                    "503",
                    "The request did not finish within the request deadline; nothing it did was kept",
                );
                add("401", "No valid admin token");
                add(
                    "429",
                    "Too many failed admin authentications from this address",
                );
                if method != "get" && method != "head" {
                    add(
                        "403",
                        "Made with a portal session cookie but without the session's X-CSRF-Token",
                    );
                }
            }
        }
    }
}

pub(crate) fn routes() -> Router<Sigil> {
    Router::new().route("/v1/openapi.json", get(serve_document))
}

async fn serve_document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        openapi_json(),
    )
        .into_response()
}
