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
    /// An error about an input at `location`.
    pub fn new(
        location: Location,
        param: impl Into<String>,
        msg: impl Into<String>,
        value: Value,
    ) -> Self {
        Self {
            location,
            param: param.into(),
            msg: msg.into(),
            value,
        }
    }

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
    ClaimMapping(#[from] ClaimMappingError),
    /// An OAuth 2.0 / OpenID4VCI protocol error, with its registered code.
    #[error("{code}: {description}")]
    Protocol {
        /// The registered error code.
        code: ProtocolError,
        /// What went wrong, safe to show the client.
        description: String,
    },
    /// Storage failed.
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    /// A cryptographic operation failed.
    #[error("crypto: {0}")]
    Crypto(#[from] sigil_crypto::CryptoError),
}

impl Error {
    /// A protocol error.
    pub fn protocol(code: ProtocolError, description: impl Into<String>) -> Self {
        Error::Protocol {
            code,
            description: description.into(),
        }
    }

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
    /// A credential offer.
    Offer,
    /// A metadata document.
    Metadata,
    /// A wallet client.
    WalletClient,
    /// The authentication provider.
    AuthenticationProvider,
    /// A claims source.
    ClaimSource,
    /// An mdoc IACA.
    Iaca,
    /// An mdoc Document Signer.
    DocumentSigner,
    /// A deferred issuance.
    DeferredIssuance,
    /// An issued credential.
    Credential,
    /// A status list.
    StatusList,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Resource::CredentialConfiguration => "credential configuration",
            Resource::User => "user",
            Resource::InteractionHook => "interaction hook",
            Resource::AdminToken => "admin token",
            Resource::Offer => "credential offer",
            Resource::Metadata => "metadata document",
            Resource::WalletClient => "wallet client",
            Resource::AuthenticationProvider => "authentication provider",
            Resource::ClaimSource => "claims source",
            Resource::Iaca => "IACA",
            Resource::DocumentSigner => "document signer",
            Resource::DeferredIssuance => "deferred issuance",
            Resource::Credential => "credential",
            Resource::StatusList => "status list",
        })
    }
}

/// Error codes of RFC 6749 §5.2, RFC 6750 §3.1 and OID4VCI 1.0 §8.3.1.2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolError {
    /// Malformed or missing parameter.
    InvalidRequest,
    /// Bad, expired, used or revoked grant (code, tx_code).
    InvalidGrant,
    /// Client authentication failed.
    InvalidClient,
    /// The grant type is not supported.
    UnsupportedGrantType,
    /// The access token is missing, expired or unknown (401).
    InvalidToken,
    /// The credential request is malformed.
    InvalidCredentialRequest,
    /// The requested configuration is unknown or not covered by the token.
    UnknownCredentialConfiguration,
    /// The requested credential identifier is unknown.
    UnknownCredentialIdentifier,
    /// A key proof is missing or invalid.
    InvalidProof,
    /// The proof's nonce is missing, unknown, expired or used.
    InvalidNonce,
    /// The issuer will not issue this credential (e.g. a required claim is missing).
    CredentialRequestDenied,
    /// Response encryption was asked for with parameters the issuer does not support.
    InvalidEncryptionParameters,
    /// A requested scope is unknown (RFC 6749 §4.1.2.1).
    InvalidScope,
    /// `authorization_details` is malformed or names unknown credentials (RFC 9396 §5).
    InvalidAuthorizationDetails,
    /// Only `response_type=code` is supported.
    UnsupportedResponseType,
    /// The user or the interaction hook refused (RFC 6749 §4.1.2.1).
    AccessDenied,
    /// Something outside the request failed (the authentication provider).
    ServerError,
    /// A server Sigil depends on for this request (a claims source) failed; nothing was issued.
    UpstreamFailure,
    /// The DPoP proof is missing, malformed, replayed or does not match (RFC 9449 §5, §7.1).
    InvalidDpopProof,
    /// The DPoP proof must carry the server's current nonce (RFC 9449 §8, §9).
    UseDpopNonce,
    /// The deferred `transaction_id` is unknown, spent, or another token's (OID4VCI 1.0 §9.3).
    InvalidTransactionId,
    /// The `notification_id` is unknown or another token's (OID4VCI 1.0 §11.3).
    InvalidNotificationId,
    /// The notification request is malformed (OID4VCI 1.0 §11.3).
    InvalidNotificationRequest,
}

impl ProtocolError {
    /// The registered code.
    pub fn as_str(self) -> &'static str {
        match self {
            ProtocolError::InvalidRequest => "invalid_request",
            ProtocolError::InvalidGrant => "invalid_grant",
            ProtocolError::InvalidClient => "invalid_client",
            ProtocolError::UnsupportedGrantType => "unsupported_grant_type",
            ProtocolError::InvalidToken => "invalid_token",
            ProtocolError::InvalidCredentialRequest => "invalid_credential_request",
            ProtocolError::UnknownCredentialConfiguration => "unknown_credential_configuration",
            ProtocolError::UnknownCredentialIdentifier => "unknown_credential_identifier",
            ProtocolError::InvalidProof => "invalid_proof",
            ProtocolError::InvalidNonce => "invalid_nonce",
            ProtocolError::CredentialRequestDenied => "credential_request_denied",
            ProtocolError::InvalidEncryptionParameters => "invalid_encryption_parameters",
            ProtocolError::InvalidScope => "invalid_scope",
            ProtocolError::InvalidAuthorizationDetails => "invalid_authorization_details",
            ProtocolError::UnsupportedResponseType => "unsupported_response_type",
            ProtocolError::AccessDenied => "access_denied",
            ProtocolError::ServerError | ProtocolError::UpstreamFailure => "server_error",
            ProtocolError::InvalidDpopProof => "invalid_dpop_proof",
            ProtocolError::UseDpopNonce => "use_dpop_nonce",
            ProtocolError::InvalidTransactionId => "invalid_transaction_id",
            ProtocolError::InvalidNotificationId => "invalid_notification_id",
            ProtocolError::InvalidNotificationRequest => "invalid_notification_request",
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A required claim could not be mapped: the credential is not issued (seed 004).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("required claim `{claim}` could not be mapped from `{map_from}`")]
pub struct ClaimMappingError {
    /// The credential claim.
    pub claim: String,
    /// The path that found nothing.
    pub map_from: String,
}
