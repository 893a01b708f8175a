//! Domain errors as OAuth 2.0 / OID4VCI error responses. Exhaustive, like the admin mapping:
//! every variant has a decided status and code.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigil_core::store::StoreError;
use sigil_core::{Error, ProtocolError};
use sigil_proto::oid4vci::error::OAuthErrorResponse;

use crate::edge::{Refusal, Surface};

/// An error on a protocol endpoint.
#[derive(Debug)]
pub(crate) enum OAuthError {
    /// A domain error.
    Domain(Error),
    /// A refusal of the edge itself (body size, media type, timeouts, rate limits).
    Edge(Refusal),
}

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        OAuthError::Domain(e)
    }
}

impl From<Refusal> for OAuthError {
    fn from(refusal: Refusal) -> Self {
        OAuthError::Edge(refusal)
    }
}

/// The OAuth error code of a refused protocol request, left on the response for the statistics.
#[derive(Debug, Clone)]
pub(crate) struct FailureCode(pub String);

fn respond(status: StatusCode, code: &str, description: String) -> Response {
    let mut response = (
        status,
        super::no_store(),
        Json(OAuthErrorResponse::new(code, &description)),
    )
        .into_response();
    response
        .extensions_mut()
        .insert(FailureCode(code.to_string()));
    if status == StatusCode::UNAUTHORIZED {
        // RFC 6750 §3: the challenge names the scheme and the error; RFC 6749 §5.2: client
        // authentication failures challenge with the scheme the client may use (Basic).
        let challenge = if code == "invalid_client" {
            "Basic realm=\"sigil\"".to_string()
        } else {
            format!("Bearer error=\"{code}\"")
        };
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
    }
    response
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let error = match self {
            OAuthError::Domain(error) => error,
            OAuthError::Edge(refusal) => return refusal.render(Surface::Protocol),
        };
        match error {
            Error::Protocol { code, description } => {
                let status = match code {
                    // RFC 6750 §3.1 and RFC 6749 §5.2: authentication failures are 401.
                    ProtocolError::InvalidToken | ProtocolError::InvalidClient => {
                        StatusCode::UNAUTHORIZED
                    }
                    ProtocolError::InvalidRequest
                    | ProtocolError::InvalidGrant
                    | ProtocolError::UnsupportedGrantType
                    | ProtocolError::InvalidCredentialRequest
                    | ProtocolError::UnknownCredentialConfiguration
                    | ProtocolError::UnknownCredentialIdentifier
                    | ProtocolError::InvalidProof
                    | ProtocolError::InvalidNonce
                    | ProtocolError::CredentialRequestDenied
                    | ProtocolError::InvalidEncryptionParameters
                    | ProtocolError::InvalidScope
                    | ProtocolError::InvalidAuthorizationDetails
                    | ProtocolError::UnsupportedResponseType
                    | ProtocolError::AccessDenied
                    // RFC 9449 §5, §8: at the token endpoint; resources answer 401 instead.
                    | ProtocolError::InvalidDpopProof
                    | ProtocolError::UseDpopNonce
                    | ProtocolError::InvalidTransactionId
                    | ProtocolError::InvalidNotificationId
                    | ProtocolError::InvalidNotificationRequest => StatusCode::BAD_REQUEST,
                    ProtocolError::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
                    // A claims source failed: the gateway's upstream, not Sigil itself.
                    ProtocolError::UpstreamFailure => StatusCode::BAD_GATEWAY,
                };
                respond(status, code.as_str(), description)
            }
            Error::Validation(details) => {
                let description = details
                    .iter()
                    .map(|d| format!("{}: {}", d.param, d.msg))
                    .collect::<Vec<_>>()
                    .join("; ");
                respond(StatusCode::BAD_REQUEST, "invalid_request", description)
            }
            Error::Unauthorized => respond(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "authentication is required".into(),
            ),
            Error::NotFound(resource) => respond(
                StatusCode::NOT_FOUND,
                "invalid_request",
                format!("the {resource} was not found or has expired"),
            ),
            Error::Conflict(message) => {
                respond(StatusCode::BAD_REQUEST, "invalid_request", message)
            }
            Error::ClaimMapping(e) => respond(
                StatusCode::BAD_REQUEST,
                "credential_request_denied",
                e.to_string(),
            ),
            Error::Store(StoreError::Unstorable(_)) => respond(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "a value contains a character that cannot be stored (U+0000)".into(),
            ),
            Error::Store(e) => internal(&e),
            Error::Crypto(e) => internal(&e),
        }
    }
}

fn internal(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "internal error");
    respond(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        "internal error; the server log has the details under this response's x-request-id".into(),
    )
}
