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

/// A fresh `c_nonce` from `Nonces::nonce`; key proofs spend it once (`Nonces::consume_nonce` →
/// `Store::use_nonce`).
async fn nonce(State(sigil): State<Sigil>) -> Result<Response, OAuthError> {
    Ok((no_store(), Json(sigil.nonces().nonce().await?)).into_response())
}
