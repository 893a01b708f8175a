//! `POST /v1/openid/credential` (OID4VCI 1.0 §8): bearer token in the header (RFC 6750 §2.1),
//! JSON body with unknown members ignored.

use axum::extract::{FromRequest as _, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use sigil_core::{Error, ProtocolError, Sigil};
use sigil_proto::oid4vci::credential::CredentialRequest;

use super::{OAuthError, no_store};
use crate::extract::media_type;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new().route("/v1/openid/credential", post(credential))
}

fn protocol(code: ProtocolError, description: &str) -> OAuthError {
    OAuthError(Error::protocol(code, description))
}

async fn credential(State(sigil): State<Sigil>, request: Request) -> Result<Response, OAuthError> {
    // RFC 6750 §2.3 / conformance: a token in the query string is refused outright.
    if request
        .uri()
        .query()
        .is_some_and(|q| form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "access_token"))
    {
        return Err(protocol(
            ProtocolError::InvalidRequest,
            "send the access token in the Authorization header, not the query",
        ));
    }
    let mut values = request.headers().get_all(header::AUTHORIZATION).iter();
    let token = match (values.next(), values.next()) {
        (Some(v), None) => v
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim().to_string()),
        _ => None,
    };
    let Some(token) = token else {
        return Err(protocol(
            ProtocolError::InvalidToken,
            "a Bearer access token is required",
        ));
    };
    let token = sigil.access_token(&token).await?;
    let json = media_type(request.headers()).as_deref() == Some("application/json");
    if !json {
        return Err(protocol(
            ProtocolError::InvalidCredentialRequest,
            "the credential request must be application/json",
        ));
    }
    let body = Bytes::from_request(request, &()).await.map_err(|_| {
        protocol(
            ProtocolError::InvalidCredentialRequest,
            "the request body could not be read",
        )
    })?;
    let credential_request: CredentialRequest = serde_json::from_slice(&body).map_err(|e| {
        protocol(
            ProtocolError::InvalidCredentialRequest,
            &format!("malformed credential request: {e}"),
        )
    })?;
    let response = sigil.issue_credential(&token, &credential_request).await?;
    Ok((no_store(), Json(response)).into_response())
}
