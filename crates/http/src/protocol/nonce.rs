//! `POST /v1/openid/nonce` (OID4VCI 1.0 §7).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use sigil_core::Sigil;

use super::{OAuthError, no_store};

pub(crate) fn routes() -> Router<Sigil> {
    Router::new().route("/v1/openid/nonce", post(nonce))
}

/// A fresh `c_nonce` from `Nonces::nonce`; a key proof spends it once, in the transaction that
/// records the issuance (`Nonces::check_nonce`, then `Store::insert_issued_credentials`).
async fn nonce(State(sigil): State<Sigil>) -> Result<Response, OAuthError> {
    Ok((no_store(), Json(sigil.nonces().nonce().await?)).into_response())
}
