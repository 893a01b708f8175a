//! `GET /v1/oauth/jwks`: the issuer's public signing keys (RFC 7517 §5). The body is serialised
//! once at start, so it is byte-identical across requests and restarts.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_core::issuance::metadata::MDOC_IACAS_PATH;
use sigil_core::keys::did::DID_DOCUMENT_PATH;
use sigil_proto::admin::iaca::MdocIacas;

use crate::protocol::OAuthError;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route("/v1/oauth/jwks", get(jwks))
        .route("/v1/oauth/issuer-ca.pem", get(issuer_ca))
        .route(MDOC_IACAS_PATH, get(mdoc_iacas))
        .route(DID_DOCUMENT_PATH, get(did_document))
        // A public URL with a path resolves its did:web at `<path>/did.json`; behind a proxy that
        // strips the path, that is `/did.json` here.
        .route("/did.json", get(did_document))
}

/// The issuer's `did:web` DID document: its Ed25519 credential keys as Multikey verification
/// methods, which `ldp_vc` proofs name.
#[utoipa::path(get, path = "/.well-known/did.json", tag = "keys",
    responses((status = 200, description = "DID document (W3C DID 1.0) of the issuer's did:web", content_type = "application/did+json")))]
pub(crate) async fn did_document(State(sigil): State<Sigil>) -> Result<Response, OAuthError> {
    let document = sigil.dids().did_document()?;
    Ok(public_document(
        "application/did+json",
        document.to_string(),
    ))
}

/// The IACAs verifiers should trust for this issuer's mdocs (`mdoc_iacas_uri`): every IACA that
/// has not expired, the active one first, as base64 DER.
#[utoipa::path(get, path = "/v1/openid/mdoc-iacas", tag = "keys",
    responses((status = 200, body = MdocIacas)))]
pub(crate) async fn mdoc_iacas(State(sigil): State<Sigil>) -> Result<Json<MdocIacas>, OAuthError> {
    Ok(Json(sigil.mdoc_certificates().mdoc_iacas().await?))
}

/// The issuer's public keys.
#[utoipa::path(get, path = "/v1/oauth/jwks", tag = "keys",
    responses((status = 200, description = "JWK Set (RFC 7517) of the issuer signing keys", content_type = "application/jwk-set+json")))]
pub(crate) async fn jwks(State(sigil): State<Sigil>) -> Response {
    public_document(
        "application/jwk-set+json",
        sigil.keys().jwks_json().to_string(),
    )
}

/// A public, briefly cacheable document about the issuer's keys.
fn public_document(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

/// The issuer CA certificate (PEM): the trust anchor of the `x5c` chains in SD-JWT VCs.
#[utoipa::path(get, path = "/v1/oauth/issuer-ca.pem", tag = "keys",
    responses((status = 200, description = "The issuer CA certificate, PEM", content_type = "application/x-pem-file")))]
pub(crate) async fn issuer_ca(State(sigil): State<Sigil>) -> Response {
    public_document(
        "application/x-pem-file",
        sigil.keys().issuer_ca_pem().to_string(),
    )
}
