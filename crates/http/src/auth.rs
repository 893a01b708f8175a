//! The admin bearer token check in front of every management route (RFC 6750 §2.1 header only).

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sigil_core::{Error, Sigil};

use crate::error::ApiError;
use crate::rate_limit::{client_address, too_many};

pub(crate) async fn require_admin(
    State(sigil): State<Sigil>,
    mut request: Request,
    next: Next,
) -> Response {
    let mut values = request.headers().get_all(header::AUTHORIZATION).iter();
    let token = match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok().and_then(bearer),
        _ => None,
    };
    let address = client_address(request.extensions(), request.headers());
    let limiter = sigil.rate_limiter();
    // An address that failed too often is refused before its token is even looked at.
    if let Some(address) = address
        && let Err(limited) = limiter.admin_may_try(address)
    {
        tracing::warn!(%address, "admin authentication rate limited");
        return ApiError::Edge(too_many(limited)).into_response();
    }
    let outcome = match token {
        Some(token) => sigil.authenticate_admin(token).await,
        None => Err(Error::Unauthorized),
    };
    match outcome {
        Ok(actor) => {
            // Handlers that keep an audit record name who acted.
            request.extensions_mut().insert(actor);
            next.run(request).await
        }
        Err(e) => {
            if let (Error::Unauthorized, Some(address)) = (&e, address) {
                limiter.admin_failure(address);
            }
            ApiError::Domain(e).into_response()
        }
    }
}

fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
