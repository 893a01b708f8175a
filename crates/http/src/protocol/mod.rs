//! The public protocol routes: discovery, offers by reference, token, nonce, credential. Errors
//! here are OAuth-shaped (`{error, error_description}`), never the management API's shape.

mod authorization;
mod credential;
mod error;
mod metadata;
mod nonce;
mod offer;
mod resource;
pub(crate) mod status_list;
mod token;

use axum::Router;
use sigil_core::Sigil;
use sigil_core::rate_limit::Scope;

use crate::rate_limit::{AddressLimit, by_address};

pub(crate) use error::OAuthError;

pub(crate) fn routes(sigil: Sigil) -> Router<Sigil> {
    let limited = |router: Router<Sigil>, scope: Scope| {
        router.route_layer(axum::middleware::from_fn_with_state(
            AddressLimit {
                sigil: sigil.clone(),
                scope,
            },
            by_address,
        ))
    };
    // RFC 9449 §8, §9: the endpoints that take DPoP proofs hand out DPoP nonces.
    let dpop = Router::new()
        .merge(limited(token::routes(), Scope::TokenByAddress))
        .merge(limited(nonce::routes(), Scope::NonceByAddress))
        .merge(limited(credential::routes(), Scope::CredentialByAddress))
        .route_layer(axum::middleware::from_fn_with_state(
            sigil.clone(),
            resource::dpop_nonce,
        ));
    Router::new()
        .merge(authorization::routes())
        .merge(limited(authorization::par_routes(), Scope::ParByAddress))
        .merge(metadata::routes())
        .merge(offer::routes())
        .merge(status_list::routes())
        .merge(dpop)
        .route_layer(axum::middleware::from_fn_with_state(sigil, count_failures))
}

/// Counts each refused protocol request by its OAuth error code (`GET /v1/statistics`).
async fn count_failures(
    axum::extract::State(sigil): axum::extract::State<Sigil>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    if let Some(error::FailureCode(code)) = response.extensions().get::<error::FailureCode>() {
        sigil.statistics().record_failure(code);
    }
    response
}

pub(crate) use crate::edge::no_store;
