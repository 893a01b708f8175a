//! The one place domain errors become HTTP responses. The match is exhaustive: a new
//! `sigil_core::Error` variant does not compile until someone decides its status and body.
//!
//! Management API errors use seed 002's body `{code, message, details}`. Internal failures are
//! logged in full and answered with a bare "Internal error": no storage or crypto detail leaks.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sigil_core::store::StoreError;
use sigil_core::{Error, FieldError};
use sigil_proto::error::{ErrorDetail, ErrorResponse};

use crate::edge::{Refusal, Surface};

/// An error answered on the management API.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// A domain error.
    Domain(Error),
    /// A refusal of the edge itself (body size, media type, timeouts, rate limits).
    Edge(Refusal),
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        ApiError::Edge(refusal)
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Domain(e)
    }
}

impl From<Vec<FieldError>> for ApiError {
    fn from(details: Vec<FieldError>) -> Self {
        ApiError::Domain(Error::Validation(details))
    }
}

impl From<FieldError> for ApiError {
    fn from(detail: FieldError) -> Self {
        ApiError::Domain(Error::Validation(vec![detail]))
    }
}

fn body(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
    details: Vec<ErrorDetail>,
) -> Response {
    (
        status,
        Json(ErrorResponse {
            code: code.into(),
            message: message.into(),
            details,
        }),
    )
        .into_response()
}

fn detail(e: FieldError) -> ErrorDetail {
    ErrorDetail {
        value: e.value,
        msg: e.msg,
        param: e.param,
        location: e.location.as_str().into(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Domain(error) => match error {
                Error::Validation(details) => body(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "Validation Error",
                    details.into_iter().map(detail).collect(),
                ),
                Error::Unauthorized => {
                    let mut r = body(
                        StatusCode::UNAUTHORIZED,
                        "Unauthorized",
                        "A valid admin token is required: Authorization: Bearer <token>",
                        Vec::new(),
                    );
                    r.headers_mut()
                        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                    r
                }
                Error::NotFound(resource) => body(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    format!("The {resource} was not found"),
                    Vec::new(),
                ),
                Error::Conflict(message) => {
                    body(StatusCode::CONFLICT, "Conflict", message, Vec::new())
                }
                Error::ClaimMapping(e) => body(
                    StatusCode::BAD_REQUEST,
                    "ClaimMappingFailed",
                    e.to_string(),
                    Vec::new(),
                ),
                // Protocol errors do not arise on management routes; if one does, say what it is.
                Error::Protocol { code, description } => body(
                    StatusCode::BAD_REQUEST,
                    code.as_str(),
                    description,
                    Vec::new(),
                ),
                Error::Store(StoreError::Unstorable(_)) => body(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "A value contains a character that cannot be stored (U+0000)",
                    Vec::new(),
                ),
                Error::Store(e) => internal(&e),
                Error::Crypto(e) => internal(&e),
            },
            ApiError::Edge(refusal) => refusal.render(Surface::Management),
        }
    }
}

fn internal(error: &dyn std::fmt::Display) -> Response {
    tracing::error!(error = %error, "internal error");
    body(
        StatusCode::INTERNAL_SERVER_ERROR,
        "InternalServerError",
        "Internal error; the server log has the details under this response's x-request-id",
        Vec::new(),
    )
}
