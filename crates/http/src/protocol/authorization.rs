//! The browser-facing steps of the authorization code flow: `GET /v1/oauth/authorize`,
//! `POST /v1/oauth/par` (RFC 9126), the authentication provider's callback, and the interaction
//! hook's callback (seed 000). The browser steps answer with 303 redirects or an HTML error page.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use sigil_core::authorization::authorize::{ErrorPage, Navigation};
use sigil_core::authorization::wallet_client::ClientCredentials;
use sigil_core::{Error, ProtocolError, Sigil};

use super::{OAuthError, no_store};
use crate::edge::read_body;
use crate::extract::media_type;
use crate::form;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route("/v1/oauth/authorize", get(authorize))
        .route(
            "/v1/oauth/authentication/callback",
            get(authentication_callback),
        )
        .route(
            "/core/v1/oauth/interaction/{state}/interactionhook/callback",
            get(hook_callback),
        )
}

/// The query's parameters, or the error page saying why they were refused.
fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, Response> {
    form::parse(query.unwrap_or_default().as_bytes()).map_err(|e| {
        error_page(&ErrorPage {
            status: 400,
            title: "Invalid request".into(),
            message: format!("{}.", e.describe()),
        })
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(page: &ErrorPage) -> Response {
    let status = StatusCode::from_u16(page.status).unwrap_or(StatusCode::BAD_REQUEST);
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{message}</p></body></html>",
        title = escape(&page.title),
        message = escape(&page.message),
    );
    (status, no_store(), Html(html)).into_response()
}

fn navigate(result: Result<Navigation, Error>) -> Response {
    match result {
        Ok(Navigation::Redirect(location)) => match HeaderValue::from_str(&location) {
            Ok(value) => (
                StatusCode::SEE_OTHER,
                no_store(),
                [(header::LOCATION, value)],
            )
                .into_response(),
            Err(_) => error_page(&ErrorPage {
                status: 500,
                title: "Internal error".into(),
                message: "The next step's address could not be built.".into(),
            }),
        },
        Ok(Navigation::Page(page)) => error_page(&page),
        Err(e) => {
            tracing::error!(error = %e, "authorization step failed");
            error_page(&ErrorPage {
                status: 500,
                title: "Internal error".into(),
                message: "Something went wrong on the issuer's side. Start again from your wallet."
                    .into(),
            })
        }
    }
}

async fn authorize(State(sigil): State<Sigil>, RawQuery(query): RawQuery) -> Response {
    match pairs(query.as_deref()) {
        Ok(pairs) => navigate(sigil.authorization().authorize(pairs).await),
        Err(page) => page,
    }
}

async fn authentication_callback(
    State(sigil): State<Sigil>,
    RawQuery(query): RawQuery,
) -> Response {
    match pairs(query.as_deref()) {
        Ok(pairs) => navigate(sigil.authorization().authentication_callback(pairs).await),
        Err(page) => page,
    }
}

async fn hook_callback(
    State(sigil): State<Sigil>,
    path: Result<Path<String>, PathRejection>,
    RawQuery(query): RawQuery,
) -> Response {
    let state = match path {
        Ok(Path(state)) if !state.contains('\0') => state,
        _ => {
            return error_page(&ErrorPage {
                status: 400,
                title: "Invalid request".into(),
                message: "The address is not valid.".into(),
            });
        }
    };
    match pairs(query.as_deref()) {
        Ok(pairs) => navigate(
            sigil
                .authorization()
                .interaction_hook_callback(&state, pairs)
                .await,
        ),
        Err(page) => page,
    }
}

/// `POST /v1/oauth/par`, limited per client address on its own.
pub(crate) fn par_routes() -> Router<Sigil> {
    Router::new().route("/v1/oauth/par", post(par))
}

fn invalid_request(description: &str) -> OAuthError {
    OAuthError::Domain(Error::protocol(ProtocolError::InvalidRequest, description))
}

/// `(client_id, client_secret)` from `Authorization: Basic` (RFC 6749 §2.3.1: each part
/// form-encoded before base64).
pub(crate) fn basic_credentials(
    headers: &HeaderMap,
) -> Result<Option<(String, String)>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let invalid = || {
        OAuthError::Domain(Error::protocol(
            ProtocolError::InvalidClient,
            "the Authorization header is not valid HTTP Basic client authentication",
        ))
    };
    let text = value.to_str().map_err(|_| invalid())?;
    let Some((scheme, encoded)) = text.split_once(' ') else {
        return Err(invalid());
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(invalid());
    }
    let decoded = sigil_crypto::b64::decode(encoded.trim()).ok_or_else(invalid)?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}

/// Reads a form body: at most [`form::MAX_PARAMETERS`] parameters, none repeated (RFC 6749
/// §3.2), in time linear in its size.
pub(crate) async fn form_pairs(
    request: Request,
) -> Result<(HeaderMap, Vec<(String, String)>), OAuthError> {
    let form =
        media_type(request.headers()).as_deref() == Some("application/x-www-form-urlencoded");
    // RFC 6749 §5.2: a malformed request is a 400 invalid_request, whatever is wrong with it.
    if !form {
        return Err(invalid_request(
            "the request must be application/x-www-form-urlencoded",
        ));
    }
    let headers = request.headers().clone();
    let body = read_body(request).await?;
    let pairs = form::parse(&body).map_err(|e| invalid_request(&e.describe()))?;
    Ok((headers, pairs))
}

async fn par(State(sigil): State<Sigil>, request: Request) -> Result<Response, OAuthError> {
    let (headers, pairs) = form_pairs(request).await?;
    let credentials = ClientCredentials {
        form_client_id: pairs
            .iter()
            .find(|(n, _)| n == "client_id")
            .map(|(_, v)| v.clone()),
        basic: basic_credentials(&headers)?,
        form_secret: pairs.iter().any(|(n, _)| n == "client_secret"),
    };
    let (request_uri, expires_in) = sigil
        .authorization()
        .push_authorization_request(&credentials, pairs)
        .await?;
    Ok((
        StatusCode::CREATED,
        no_store(),
        Json(serde_json::json!({ "request_uri": request_uri, "expires_in": expires_in })),
    )
        .into_response())
}
