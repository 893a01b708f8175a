//! Status lists (draft-ietf-oauth-status-list §8, W3C Bitstring Status List §4): public and
//! unauthenticated, like the metadata. A Token Status List is one resource in two encodings,
//! chosen by `Accept` (JWT unless the reader asks for the CWT); a Bitstring list is one
//! credential per purpose. Every answer carries `Cache-Control: max-age=<ttl>`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sigil_core::error::Resource;
use sigil_core::status_list::{
    CWT_MEDIA_TYPE, JWT_MEDIA_TYPE, Purpose, Representation, SignedList,
};
use sigil_core::{Error, Sigil};
use sigil_proto::oid4vci::error::OAuthErrorResponse;
use sigil_proto::oid4vci::metadata::StatusListAggregation;

use super::OAuthError;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route(sigil_core::status_list::PATH, get(aggregation))
        .route("/v1/status-lists/{id}", get(token_status_list))
        .route(
            "/v1/status-lists/{id}/{purpose}",
            get(bitstring_status_list),
        )
}

/// The status list aggregation (draft-ietf-oauth-status-list §9.3): the URI of every status list
/// (Bitstring lists once per purpose).
#[utoipa::path(get, path = "/v1/status-lists", tag = "status-lists",
    responses((status = 200, body = StatusListAggregation)))]
pub(crate) async fn aggregation(
    State(sigil): State<Sigil>,
) -> Result<Json<StatusListAggregation>, OAuthError> {
    Ok(Json(StatusListAggregation {
        status_lists: sigil.status_lists().aggregation().await?,
    }))
}

/// Whether the reader asked for the CWT (`Accept` naming `application/statuslist+cwt` before,
/// or without, the JWT's type).
fn wants_cwt(headers: &HeaderMap) -> bool {
    let accept = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    let position = |media: &str| accept.find(media);
    match (position(CWT_MEDIA_TYPE), position(JWT_MEDIA_TYPE)) {
        (Some(cwt), Some(jwt)) => cwt < jwt,
        (Some(_), None) => true,
        _ => false,
    }
}

fn not_found() -> OAuthError {
    OAuthError::Domain(Error::NotFound(Resource::StatusList))
}

/// Ids are the random URL-safe tokens Sigil makes; anything else is not looked up.
fn is_list_id(id: &str) -> bool {
    (16..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A Token Status List (draft-ietf-oauth-status-list): a JWT (`application/statuslist+jwt`, the
/// default) or a CWT (`Accept: application/statuslist+cwt`), signed with the issuer's ES256 key
/// and its `x5c` chain; 2 bits per credential (0 valid, 1 revoked, 2 suspended). Public.
#[utoipa::path(get, path = "/v1/status-lists/{id}", tag = "status-lists",
    params(("id" = String, Path, description = "Status list id")),
    responses((status = 200, description = "The status list token", content(
                  (String = "application/statuslist+jwt"),
                  (Vec<u8> = "application/statuslist+cwt"))),
              (status = 404, description = "No such Token Status List", body = OAuthErrorResponse)))]
pub(crate) async fn token_status_list(
    State(sigil): State<Sigil>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, OAuthError> {
    if !is_list_id(&id) {
        return Err(not_found());
    }
    let representation = if wants_cwt(&headers) {
        Representation::Cwt
    } else {
        Representation::Jwt
    };
    Ok(respond(
        &*sigil.status_lists().served(&id, representation).await?,
    ))
}

/// A W3C Bitstring Status List credential of one purpose (`revocation` or `suspension`), signed
/// by the issuer DID of the `ldp_vc` credentials that point at it. Public.
#[utoipa::path(get, path = "/v1/status-lists/{id}/{purpose}", tag = "status-lists",
    params(("id" = String, Path, description = "Status list id"),
           ("purpose" = String, Path, description = "`revocation` or `suspension`")),
    responses((status = 200, description = "BitstringStatusListCredential", content_type = "application/vc+ld+json", body = Object),
              (status = 404, description = "No such Bitstring Status List", body = OAuthErrorResponse)))]
pub(crate) async fn bitstring_status_list(
    State(sigil): State<Sigil>,
    Path((id, purpose)): Path<(String, String)>,
) -> Result<Response, OAuthError> {
    let Some(purpose) = Purpose::parse(&purpose) else {
        return Err(not_found());
    };
    if !is_list_id(&id) {
        return Err(not_found());
    }
    let representation = Representation::Bitstring(purpose.into());
    Ok(respond(
        &*sigil.status_lists().served(&id, representation).await?,
    ))
}

fn respond(list: &SignedList) -> Response {
    let cache = HeaderValue::from_str(&format!("public, max-age={}", list.max_age.max(0)))
        .unwrap_or(HeaderValue::from_static("no-cache"));
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(list.content_type),
            ),
            (header::CACHE_CONTROL, cache),
            (header::VARY, HeaderValue::from_static("accept")),
        ],
        list.body.clone(),
    )
        .into_response()
}
