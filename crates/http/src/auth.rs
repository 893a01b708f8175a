//! The admin check in front of every management route: an `Authorization: Bearer` admin token
//! (RFC 6750 §2.1, header only), or a portal session cookie. A request made with a session that
//! may change something (any method but GET and HEAD) must also carry the session's
//! `X-CSRF-Token`: another site can make a browser send the cookie, not read the token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sigil_core::{Error, Sigil};
use sigil_crypto::constant_time_eq;

use crate::edge::Refusal;
use crate::error::ApiError;
use crate::rate_limit::{client_address, too_many};

/// The portal's session cookie.
pub(crate) const SESSION_COOKIE: &str = "sigil_session";
/// The header that carries a session's CSRF token.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

pub(crate) async fn require_admin(
    State(sigil): State<Sigil>,
    mut request: Request,
    next: Next,
) -> Response {
    let mut values = request.headers().get_all(header::AUTHORIZATION).iter();
    let token = match (values.next(), values.next()) {
        (Some(value), None) => Some(value.to_str().ok().and_then(bearer)),
        (None, _) => None,
        _ => Some(None),
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
    let outcome = match (token, session_cookie(request.headers())) {
        (Some(Some(token)), _) => sigil.authenticate_admin(token).await,
        (None, Some(cookie)) => match sigil.admin_tokens().session(cookie).await {
            Ok(session) => {
                let safe = matches!(*request.method(), Method::GET | Method::HEAD);
                if !safe && !csrf_matches(request.headers(), &session.csrf) {
                    return ApiError::Edge(Refusal::CsrfToken).into_response();
                }
                Ok(session.actor)
            }
            Err(e) => Err(e),
        },
        _ => Err(Error::Unauthorized),
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

/// The session cookie's value (RFC 6265 §5.4: `name=value` pairs separated by `; `). Written
/// here rather than with a cookie crate: one name is read and one `Set-Cookie` written.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
        .filter(|value| !value.is_empty())
}

/// Whether the request carries exactly one `X-CSRF-Token`, equal to the session's.
pub(crate) fn csrf_matches(headers: &HeaderMap, expected: &str) -> bool {
    let mut values = headers.get_all(CSRF_HEADER).iter();
    match (values.next(), values.next()) {
        (Some(value), None) => constant_time_eq(value.as_bytes(), expected.as_bytes()),
        _ => false,
    }
}
