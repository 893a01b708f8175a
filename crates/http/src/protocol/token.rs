//! `POST /v1/oauth/token` (RFC 6749 §3.2, OID4VCI 1.0 §6): form-encoded, answered with no-store.

use axum::extract::{Request, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_core::authorization::dpop::DpopRequest;
use sigil_core::authorization::wallet_client::ClientCredentials;
use sigil_core::issuance::metadata::TOKEN_PATH;
use sigil_proto::oid4vci::token::TokenRequest;

use super::authorization::{basic_credentials, form_pairs};
use super::resource::dpop_headers;
use super::{OAuthError, no_store};
use crate::rate_limit::too_many;
use sigil_core::rate_limit::Scope;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new().route(TOKEN_PATH, post(token))
}

/// Both grants through `Tokens::token`: a pre-authorized code with its `tx_code`, or an
/// authorization code with its PKCE verifier; DPoP-bound when a `DPoP` proof comes with it.
async fn token(State(sigil): State<Sigil>, request: Request) -> Result<Response, OAuthError> {
    let (headers, pairs) = form_pairs(request).await?;
    let token_request = TokenRequest::from_pairs(&pairs);
    // Per code: a code (and so its transaction code) is tried at most so often, whatever the
    // number of addresses trying it.
    let limiter = sigil.rate_limiter();
    for code in [&token_request.pre_authorized_code, &token_request.code]
        .into_iter()
        .flatten()
    {
        limiter
            .check(Scope::TokenByCode, code.expose().as_bytes())
            .map_err(|limited| OAuthError::Edge(too_many(limited)))?;
    }
    let credentials = ClientCredentials {
        form_client_id: token_request.client_id.clone(),
        basic: basic_credentials(&headers)?,
        form_secret: pairs.iter().any(|(name, _)| name == "client_secret"),
    };
    // RFC 9449 §5: the proof is checked first, so a bad one never spends the grant.
    let proofs = dpop_headers(&headers);
    let dpop = sigil
        .dpop()
        .verify_dpop(
            &DpopRequest {
                proofs: &proofs,
                method: Method::POST.as_str(),
                path: TOKEN_PATH,
            },
            None,
        )
        .await?;
    let response = sigil
        .tokens()
        .token(&token_request, &credentials, dpop.as_ref())
        .await?;
    Ok((no_store(), Json(response)).into_response())
}
