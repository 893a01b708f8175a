//! The protected resources (credential, deferred credential, notification): the access token in
//! the `Authorization` header (RFC 6750 §2.1, or RFC 9449 §7.1 with a DPoP proof), a JSON body —
//! or a JWE (`application/jwt`) encrypted to Sigil's request key — and responses that may be
//! encrypted to the wallet. Also the `DPoP-Nonce` header every DPoP-protected endpoint sends.

use axum::extract::{FromRequest as _, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use sigil_core::credential::CredentialAnswer;
use sigil_core::dpop::{Challenge, DPOP_ALGS, DpopRequest, ResourceDenied, TokenScheme};
use sigil_core::encryption::ResponseEncryption;
use sigil_core::store::AccessTokenRecord;
use sigil_core::{Error, ProtocolError, Sigil};

use super::{OAuthError, no_store};
use crate::extract::media_type;

/// The `DPoP` request header.
pub(crate) const DPOP: &str = "dpop";
/// The `DPoP-Nonce` response header (RFC 9449 §8.1).
pub(crate) const DPOP_NONCE: &str = "dpop-nonce";

/// Every `DPoP` header value.
pub(crate) fn dpop_headers(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all(DPOP)
        .iter()
        // A value that is not text cannot be a JWT: kept as "" so it fails as malformed.
        .map(|v| v.to_str().unwrap_or_default())
        .collect()
}

/// Adds a fresh `DPoP-Nonce` to every response of the DPoP-protected endpoints when the
/// deployment requires nonces (RFC 9449 §8: "provided by the server", and §9 at resources).
pub(crate) async fn dpop_nonce(
    State(sigil): State<Sigil>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = next.run(request).await;
    match sigil.dpop_nonce() {
        Ok(Some(nonce)) => {
            if let Ok(value) = HeaderValue::from_str(&nonce) {
                response.headers_mut().insert(DPOP_NONCE, value);
            }
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "could not make a DPoP nonce"),
    }
    response
}

/// A refused protected-resource request, answered per RFC 6750 §3 / RFC 9449 §7.1.
#[derive(Debug)]
pub(crate) struct ResourceError(pub ResourceDenied);

impl From<OAuthError> for ResourceError {
    fn from(e: OAuthError) -> Self {
        ResourceError(ResourceDenied::from(e.0))
    }
}

impl From<Error> for ResourceError {
    fn from(e: Error) -> Self {
        ResourceError(ResourceDenied::from(e))
    }
}

impl IntoResponse for ResourceError {
    fn into_response(self) -> Response {
        let ResourceDenied { error, challenge } = self.0;
        let code = match &error {
            Error::Protocol {
                code:
                    code @ (ProtocolError::InvalidToken
                    | ProtocolError::InvalidDpopProof
                    | ProtocolError::UseDpopNonce),
                ..
            } => *code,
            _ => return OAuthError(error).into_response(),
        };
        // Authentication failures at a resource are 401 with a challenge for the scheme.
        let mut response = OAuthError(error).into_response();
        *response.status_mut() = StatusCode::UNAUTHORIZED;
        let algs = DPOP_ALGS.join(" ");
        let challenge = match challenge {
            Challenge::Dpop => format!("DPoP error=\"{code}\", algs=\"{algs}\""),
            Challenge::Bearer => format!("Bearer error=\"{code}\""),
        };
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

fn protocol(code: ProtocolError, description: &str) -> ResourceError {
    ResourceError::from(Error::protocol(code, description))
}

/// Authenticates a protected-resource request at `path` (its headers and URI).
pub(crate) async fn authenticate(
    sigil: &Sigil,
    headers: &HeaderMap,
    uri: &Uri,
    path: &str,
) -> Result<AccessTokenRecord, ResourceError> {
    // RFC 6750 §2.3 / conformance: a token in the query string is refused outright.
    if uri
        .query()
        .is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "access_token"))
    {
        return Err(protocol(
            ProtocolError::InvalidRequest,
            "send the access token in the Authorization header, not the query",
        ));
    }
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let presented = match (values.next(), values.next()) {
        (Some(v), None) => {
            v.to_str()
                .ok()
                .and_then(|v| v.split_once(' '))
                .and_then(|(scheme, token)| {
                    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
                        TokenScheme::Bearer
                    } else if scheme.eq_ignore_ascii_case("dpop") {
                        TokenScheme::Dpop
                    } else {
                        return None;
                    };
                    Some((scheme, token.trim().to_string()))
                })
        }
        _ => None,
    };
    let Some((scheme, token)) = presented else {
        return Err(ResourceError(ResourceDenied {
            error: Error::protocol(
                ProtocolError::InvalidToken,
                "an access token is required (Authorization: DPoP or Bearer)",
            ),
            challenge: if dpop_headers(headers).is_empty() {
                Challenge::Bearer
            } else {
                Challenge::Dpop
            },
        }));
    };
    let proofs = dpop_headers(headers);
    let dpop = DpopRequest {
        proofs: &proofs,
        method: Method::POST.as_str(),
        path,
    };
    sigil
        .resource_access(scheme, &token, &dpop)
        .await
        .map_err(ResourceError)
}

/// Reads a JSON body, or a JWE body (`application/jwt`) decrypted with Sigil's request key
/// (OID4VCI 1.0 §10). Encryption is required when the deployment requires it.
pub(crate) async fn body<T: DeserializeOwned>(
    sigil: &Sigil,
    request: Request,
    malformed: ProtocolError,
) -> Result<T, ResourceError> {
    let media = media_type(request.headers());
    let encrypted = match media.as_deref() {
        Some("application/json") => false,
        Some("application/jwt") => true,
        _ => {
            return Err(protocol(
                malformed,
                "the request must be application/json, or application/jwt when encrypted",
            ));
        }
    };
    if !encrypted && sigil.settings().oauth.require_encryption {
        return Err(protocol(
            ProtocolError::InvalidEncryptionParameters,
            "this issuer requires encrypted requests (application/jwt, see credential_request_encryption)",
        ));
    }
    let bytes = Bytes::from_request(request, &())
        .await
        .map_err(|_| protocol(malformed, "the request body could not be read"))?;
    let plain = if encrypted {
        let text =
            std::str::from_utf8(&bytes).map_err(|_| protocol(malformed, "the JWE is not text"))?;
        sigil.decrypt_request(text.trim())?
    } else {
        bytes.to_vec()
    };
    serde_json::from_slice(&plain)
        .map_err(|e| protocol(malformed, &format!("malformed request: {e}")))
}

/// Renders a credential answer: 200 or 202, JSON or (encrypted) `application/jwt`.
pub(crate) fn answer(
    sigil: &Sigil,
    answer: &CredentialAnswer,
    encryption: Option<&ResponseEncryption>,
) -> Result<Response, ResourceError> {
    let status = match answer {
        CredentialAnswer::Issued(_) => StatusCode::OK,
        CredentialAnswer::Deferred(_) => StatusCode::ACCEPTED,
    };
    let body = answer.body();
    Ok(match encryption {
        Some(encryption) => {
            let jwe = sigil.encrypt_response(&body, encryption)?;
            (
                status,
                no_store(),
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/jwt"),
                )],
                jwe,
            )
                .into_response()
        }
        None => (status, no_store(), axum::Json(body)).into_response(),
    })
}
