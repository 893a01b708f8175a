//! The protected resources of OID4VCI 1.0: `POST /v1/openid/credential` (§8),
//! `POST /v1/openid/deferred-credential` (§9) and `POST /v1/openid/notification` (§11). Each
//! authenticates its access token (Bearer, or DPoP with a proof) before reading the body; bodies
//! are JSON (or a JWE) with unknown members ignored.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use sigil_core::issuance::metadata::{
    CREDENTIAL_PATH, DEFERRED_CREDENTIAL_PATH, NOTIFICATION_PATH,
};
use sigil_core::{ProtocolError, Sigil};
use sigil_proto::oid4vci::credential::{
    CredentialRequest, DeferredCredentialRequest, NotificationRequest,
};

use super::no_store;
use super::resource::{ResourceError, answer, authenticate, body};

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(CREDENTIAL_PATH, post(credential))
        .route(DEFERRED_CREDENTIAL_PATH, post(deferred_credential))
        .route(NOTIFICATION_PATH, post(notification))
}

async fn credential(
    State(sigil): State<Sigil>,
    request: Request,
) -> Result<Response, ResourceError> {
    let token = authenticate(&sigil, request.headers(), request.uri(), CREDENTIAL_PATH).await?;
    let request: CredentialRequest =
        body(&sigil, request, ProtocolError::InvalidCredentialRequest).await?;
    let (credentials, encryption) = sigil.issuance().issue_credential(&token, &request).await?;
    answer(&sigil, &credentials, encryption.as_ref())
}

async fn deferred_credential(
    State(sigil): State<Sigil>,
    request: Request,
) -> Result<Response, ResourceError> {
    let token = authenticate(
        &sigil,
        request.headers(),
        request.uri(),
        DEFERRED_CREDENTIAL_PATH,
    )
    .await?;
    let request: DeferredCredentialRequest =
        body(&sigil, request, ProtocolError::InvalidCredentialRequest).await?;
    let (credentials, encryption) = sigil
        .issuance()
        .deferred_credential(&token, &request)
        .await?;
    answer(&sigil, &credentials, encryption.as_ref())
}

async fn notification(
    State(sigil): State<Sigil>,
    request: Request,
) -> Result<Response, ResourceError> {
    let token = authenticate(&sigil, request.headers(), request.uri(), NOTIFICATION_PATH).await?;
    let request: NotificationRequest =
        body(&sigil, request, ProtocolError::InvalidNotificationRequest).await?;
    sigil.issuance().notify(&token, &request).await?;
    // §11.2: 204 is recommended.
    Ok((StatusCode::NO_CONTENT, no_store()).into_response())
}
