//! Discovery documents. OID4VCI 1.0 §12.2.2, RFC 8414 §3.1 and SD-JWT VC §5 insert the well-known
//! segment between the host and the path of the issuer identifier: for an issuer
//! `https://host/tenant` the document is at `/.well-known/openid-credential-issuer/tenant`. Both
//! forms are served; a path that is not the issuer's is 404.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sigil_core::{Error, Sigil};
use sigil_crypto::Jwks;
use sigil_proto::oid4vci::metadata::{AuthorizationServerMetadata, JwtVcIssuerMetadata};

use super::OAuthError;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(
            "/.well-known/openid-credential-issuer",
            get(credential_issuer),
        )
        .route(
            "/.well-known/openid-credential-issuer/{*path}",
            get(credential_issuer_at),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(authorization_server),
        )
        .route(
            "/.well-known/oauth-authorization-server/{*path}",
            get(authorization_server_at),
        )
        .route("/.well-known/jwt-vc-issuer", get(jwt_vc_issuer))
        .route("/.well-known/jwt-vc-issuer/{*path}", get(jwt_vc_issuer_at))
}

/// Whether `path` (after the well-known segment) is the issuer identifier's path.
fn is_issuer_path(sigil: &Sigil, path: &str) -> bool {
    let issuer_path = sigil
        .issuer()
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(_, p)| p)
        .unwrap_or_default();
    !issuer_path.is_empty() && issuer_path == path.trim_end_matches('/')
}

fn not_found() -> OAuthError {
    OAuthError::Domain(Error::NotFound(sigil_core::error::Resource::Metadata))
}

/// The credential issuer metadata, serialised once per change (see
/// `Metadata::credential_issuer_metadata_json`).
async fn credential_issuer(State(sigil): State<Sigil>) -> Result<Response, OAuthError> {
    let json = sigil.metadata().credential_issuer_metadata_json().await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        json.to_string(),
    )
        .into_response())
}

async fn credential_issuer_at(
    State(sigil): State<Sigil>,
    Path(path): Path<String>,
) -> Result<Response, OAuthError> {
    if !is_issuer_path(&sigil, &path) {
        return Err(not_found());
    }
    credential_issuer(State(sigil)).await
}

async fn authorization_server(State(sigil): State<Sigil>) -> Json<AuthorizationServerMetadata> {
    Json(sigil.metadata().authorization_server_metadata())
}

async fn authorization_server_at(
    State(sigil): State<Sigil>,
    Path(path): Path<String>,
) -> Result<Json<AuthorizationServerMetadata>, OAuthError> {
    if !is_issuer_path(&sigil, &path) {
        return Err(not_found());
    }
    Ok(Json(sigil.metadata().authorization_server_metadata()))
}

async fn jwt_vc_issuer(State(sigil): State<Sigil>) -> Json<JwtVcIssuerMetadata<Jwks>> {
    Json(sigil.metadata().jwt_vc_issuer_metadata())
}

async fn jwt_vc_issuer_at(
    State(sigil): State<Sigil>,
    Path(path): Path<String>,
) -> Result<Json<JwtVcIssuerMetadata<Jwks>>, OAuthError> {
    if !is_issuer_path(&sigil, &path) {
        return Err(not_found());
    }
    Ok(Json(sigil.metadata().jwt_vc_issuer_metadata()))
}
