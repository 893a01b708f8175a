//! The protected resources (credential, deferred credential, notification): the access token in
//! the `Authorization` header (RFC 6750 §2.1, or RFC 9449 §7.1 with a DPoP proof), a JSON body —
//! or a JWE (`application/jwt`) encrypted to Sigil's request key — and responses that may be
//! encrypted to the wallet. Also the `DPoP-Nonce` header every DPoP-protected endpoint sends.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use sigil_core::authorization::dpop::{
    Challenge, DPOP_ALGS, DpopRequest, ResourceDenied, TokenScheme,
};
use sigil_core::issuance::CredentialAnswer;
use sigil_core::issuance::encryption::ResponseEncryption;
use sigil_core::store::AccessTokenRecord;
use sigil_core::{Error, ProtocolError, Sigil};

use super::{OAuthError, no_store};
use crate::edge::{Refusal, Surface, read_body};
use crate::extract::media_type;
use crate::rate_limit::too_many;
use sigil_core::rate_limit::Scope;

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
    match sigil.dpop().dpop_nonce() {
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
pub(crate) enum ResourceError {
    /// Refused by the domain, with the challenge to answer with.
    Denied(ResourceDenied),
    /// Refused by the edge (body size, media type, timeouts, rate limits).
    Edge(Refusal),
}

impl From<OAuthError> for ResourceError {
    fn from(e: OAuthError) -> Self {
        match e {
            OAuthError::Domain(error) => ResourceError::Denied(ResourceDenied::from(error)),
            OAuthError::Edge(refusal) => ResourceError::Edge(refusal),
        }
    }
}

impl From<Refusal> for ResourceError {
    fn from(refusal: Refusal) -> Self {
        ResourceError::Edge(refusal)
    }
}

impl From<Error> for ResourceError {
    fn from(e: Error) -> Self {
        ResourceError::Denied(ResourceDenied::from(e))
    }
}

impl IntoResponse for ResourceError {
    fn into_response(self) -> Response {
        let ResourceDenied { error, challenge } = match self {
            ResourceError::Denied(denied) => denied,
            ResourceError::Edge(refusal) => return refusal.render(Surface::Protocol),
        };
        let code = match &error {
            Error::Protocol {
                code:
                    code @ (ProtocolError::InvalidToken
                    | ProtocolError::InvalidDpopProof
                    | ProtocolError::UseDpopNonce),
                ..
            } => *code,
            _ => return OAuthError::Domain(error).into_response(),
        };
        // Authentication failures at a resource are 401 with a challenge for the scheme.
        let mut response = OAuthError::Domain(error).into_response();
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
    if let Some((_, token)) = &presented {
        sigil
            .rate_limiter()
            .check(Scope::CredentialByToken, token.as_bytes())
            .map_err(|limited| ResourceError::Edge(too_many(limited)))?;
    }
    let Some((scheme, token)) = presented else {
        return Err(ResourceError::Denied(ResourceDenied {
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
        .dpop()
        .resource_access(scheme, &token, &dpop)
        .await
        .map_err(ResourceError::Denied)
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
        // OID4VCI 1.0 §8.3.1.2: a malformed request is a 400 with the endpoint's error code.
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
    let bytes = read_body(request).await?;
    let plain = if encrypted {
        let text =
            std::str::from_utf8(&bytes).map_err(|_| protocol(malformed, "the JWE is not text"))?;
        sigil.issuance().decrypt_request(text.trim())?
    } else {
        bytes.to_vec()
    };
    let value: serde_json::Value = serde_json::from_slice(&plain).map_err(|e| {
        protocol(
            malformed,
            &format!(
                "the body is not JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        )
    })?;
    crate::extract::refuse_nul(&value, sigil_core::Location::Body, &mut String::new())
        .map_err(|_| protocol(malformed, "a string in the body contains the NUL character"))?;
    serde_path_to_error::deserialize(value)
        .map_err(|e| protocol(malformed, &crate::extract::data_error(&e)))
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
    let body = answer.body()?;
    Ok(match encryption {
        Some(encryption) => {
            let jwe = sigil.issuance().encrypt_response(&body, encryption)?;
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
