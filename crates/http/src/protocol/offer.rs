//! `GET /v1/openid/offers/{reference}`: a Credential Offer by reference (OID4VCI 1.0 §4.1.3).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sigil_core::Sigil;

use super::{OAuthError, no_store};

pub(crate) fn routes() -> Router<Sigil> {
    Router::new().route("/v1/openid/offers/{reference}", get(offer))
}

async fn offer(
    State(sigil): State<Sigil>,
    Path(reference): Path<String>,
) -> Result<Response, OAuthError> {
    Ok((
        no_store(),
        Json(sigil.offers().offer_by_reference(&reference).await?),
    )
        .into_response())
}
