//! The admin check in front of every management route: an `Authorization: Bearer` admin token
//! (RFC 6750 §2.1, header only), or a portal session cookie. A request made with a session that
//! may change something (any method but GET and HEAD) must also carry the session's
//! `X-CSRF-Token`: another site can make a browser send the cookie, not read the token.

use axum::extract::{Request, State};
use std::net::IpAddr;

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
    let headers = request.headers();
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let token = match (values.next(), values.next()) {
        (Some(value), None) => Some(value.to_str().ok().and_then(bearer)),
        (None, _) => None,
        _ => Some(None),
    };
    let address = client_address(request.extensions(), headers);
    let cookie = session_cookie(headers);
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    let csrf_ok = |expected: &str| safe || csrf_matches(headers, expected);
    let outcome = admin_attempt(&sigil, address, async {
        match (token, cookie) {
            (Some(Some(token)), _) => sigil.authenticate_admin(token).await.map(Ok),
            (None, Some(cookie)) => {
                let session = sigil.admin_tokens().session(cookie).await?;
                // A genuine session without its CSRF token is a 403, not a failed login.
                Ok(csrf_ok(&session.csrf)
                    .then_some(session.actor)
                    .ok_or(Refusal::CsrfToken))
            }
            _ => Err(Error::Unauthorized),
        }
    })
    .await;
    match outcome {
        Ok(Ok(actor)) => {
            // Handlers that keep an audit record name who acted.
            request.extensions_mut().insert(actor);
            next.run(request).await
        }
        Ok(Err(refusal)) => ApiError::Edge(refusal).into_response(),
        Err(e) => e.into_response(),
    }
}

/// One admin authentication attempt (a bearer token, a session, a portal sign-in) under the
/// per-address limit: an address that failed too often is refused before `attempt` runs, and an
/// `Unauthorized` outcome counts as one more failure.
pub(crate) async fn admin_attempt<T>(
    sigil: &Sigil,
    address: Option<IpAddr>,
    attempt: impl Future<Output = Result<T, Error>>,
) -> Result<T, ApiError> {
    let limiter = sigil.rate_limiter();
    if let Some(address) = address
        && let Err(limited) = limiter.admin_may_try(address)
    {
        tracing::warn!(%address, "admin authentication rate limited");
        return Err(ApiError::Edge(too_many(limited)));
    }
    attempt.await.map_err(|e| {
        if let (Error::Unauthorized, Some(address)) = (&e, address) {
            limiter.admin_failure(address);
        }
        ApiError::Domain(e)
    })
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
