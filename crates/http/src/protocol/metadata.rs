//! Discovery documents.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;
use sigil_core::Sigil;

use super::OAuthError;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(
            "/.well-known/openid-credential-issuer",
            get(credential_issuer),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(authorization_server),
        )
        .route("/.well-known/jwt-vc-issuer", get(jwt_vc_issuer))
}

/// OID4VCI 1.0 §12.2.2: unsigned JSON.
async fn credential_issuer(State(sigil): State<Sigil>) -> Result<Json<Value>, OAuthError> {
    Ok(Json(sigil.credential_issuer_metadata().await?))
}

async fn authorization_server(State(sigil): State<Sigil>) -> Json<Value> {
    Json(sigil.authorization_server_metadata())
}

async fn jwt_vc_issuer(State(sigil): State<Sigil>) -> Json<Value> {
    Json(sigil.jwt_vc_issuer_metadata())
}
