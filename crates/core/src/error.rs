//! The domain error. It knows nothing of HTTP: `sigil-http` owns the one exhaustive conversion to
//! status codes and bodies, so a new variant forces a decision there.

use std::fmt;

use serde_json::Value;

use crate::store::StoreError;

/// Where an offending input was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// The request body.
    Body,
    /// The query string.
    Query,
    /// A path segment.
    Path,
    /// A header.
    Header,
}

impl Location {
    /// The name used in error details.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Body => "body",
            Location::Query => "query",
            Location::Path => "path",
            Location::Header => "header",
        }
    }
}

/// One invalid input: which one, where, why, and what was received.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Where it was found.
    pub location: Location,
    /// Dotted path, e.g. `interactionHook.url`.
    pub param: String,
    /// What is wrong.
    pub msg: String,
    /// The value received, `Null` when missing.
    pub value: Value,
}

impl FieldError {
    /// An error about a body field.
    pub fn body(param: impl Into<String>, msg: impl Into<String>, value: Value) -> Self {
        Self {
            location: Location::Body,
            param: param.into(),
            msg: msg.into(),
            value,
        }
    }

    /// An error about a query parameter.
    pub fn query(param: impl Into<String>, msg: impl Into<String>, value: Value) -> Self {
        Self {
            location: Location::Query,
            param: param.into(),
            msg: msg.into(),
            value,
        }
    }
}

/// What went wrong in a domain operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid; one entry per offending field.
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// No valid admin credential was presented.
    #[error("missing or invalid admin token")]
    Unauthorized,
    /// The addressed resource does not exist.
    #[error("{0} not found")]
    NotFound(Resource),
    /// The request conflicts with existing state (e.g. a duplicate user).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A required claim could not be mapped (seed 004): the credential cannot be issued.
    #[error(transparent)]
    ClaimMapping(#[from] crate::claim_mapping::ClaimMappingError),
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// A cryptographic operation failed.
    #[error("crypto: {0}")]
    Crypto(#[from] sigil_crypto::CryptoError),
}

impl Error {
    /// A single body-field validation error.
    pub fn invalid_body(param: impl Into<String>, msg: impl Into<String>, value: Value) -> Self {
        Error::Validation(vec![FieldError::body(param, msg, value)])
    }
}

/// The kinds of resource an id can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// A credential configuration.
    CredentialConfiguration,
    /// A user.
    User,
    /// The interaction hook.
    InteractionHook,
    /// An admin token.
    AdminToken,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::CredentialConfiguration => "credential configuration",
            Resource::User => "user",
            Resource::InteractionHook => "interaction hook",
            Resource::AdminToken => "admin token",
        })
    }
}
