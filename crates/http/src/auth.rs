//! The admin bearer token check in front of every management route (RFC 6750 §2.1 header only).

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sigil_core::{Error, Sigil};

use crate::error::ApiError;

pub(crate) async fn require_admin(
    State(sigil): State<Sigil>,
    request: Request,
    next: Next,
) -> Response {
    let mut values = request.headers().get_all(header::AUTHORIZATION).iter();
    let token = match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().ok().and_then(bearer),
        _ => None,
    };
    let Some(token) = token else {
        return ApiError::Domain(Error::Unauthorized).into_response();
    };
    match sigil.authenticate_admin(token).await {
        Ok(()) => next.run(request).await,
        Err(e) => ApiError::Domain(e).into_response(),
    }
}

fn bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}
