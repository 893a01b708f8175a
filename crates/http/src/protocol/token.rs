//! `POST /v1/oauth/token` (RFC 6749 §3.2, OID4VCI 1.0 §6): form-encoded, answered with no-store.

use axum::extract::{FromRequest as _, Request, State};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use bytes::Bytes;
use sigil_core::{Error, ProtocolError, Sigil};
use sigil_proto::oid4vci::token::TokenRequest;

use super::{OAuthError, no_store};
use crate::extract::media_type;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new().route("/v1/oauth/token", post(token))
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError(Error::protocol(ProtocolError::InvalidRequest, description))
}

async fn token(State(sigil): State<Sigil>, request: Request) -> Result<Response, OAuthError> {
    let form =
        media_type(request.headers()).as_deref() == Some("application/x-www-form-urlencoded");
    if !form {
        return Err(invalid_request(
            "the token request must be application/x-www-form-urlencoded",
        ));
    }
    let body = Bytes::from_request(request, &())
        .await
        .map_err(|_| invalid_request("the request body could not be read"))?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|_| invalid_request("the body is not valid form encoding"))?;
    // RFC 6749 §3.2: parameters MUST NOT be included more than once.
    for (i, (name, _)) in pairs.iter().enumerate() {
        if pairs.iter().take(i).any(|(n, _)| n == name) {
            return Err(invalid_request(&format!("parameter {name} is repeated")));
        }
    }
    let value = |name: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let token_request = TokenRequest {
        grant_type: value("grant_type"),
        pre_authorized_code: value("pre-authorized_code"),
        tx_code: value("tx_code"),
        client_id: value("client_id"),
    };
    let response = sigil.token(&token_request).await?;
    Ok((no_store(), Json(response)).into_response())
}
