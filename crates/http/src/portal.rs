//! The self-service portal (seed 003): a browser interface on the management API, served from
//! the binary at `/portal/` on the admin listener (the main one when there is none).
//!
//! The pages are static files compiled in (`crates/http/portal/`: one HTML shell, one script, one
//! style sheet; no build step, nothing fetched from elsewhere). The script calls the management
//! API itself with the session cookie, so the portal can do exactly what the API allows, with
//! the API's validation and messages. This module adds only what a browser needs beside the API:
//! signing in and out (an admin token exchanged for an HttpOnly, SameSite=Strict session cookie,
//! Secure when the public URL is https), the session's CSRF token, offer QR codes as SVG, and the
//! security headers of every portal response.

use axum::Json;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use sigil_core::catalogue::admin_token::{SESSION_LIFETIME_SECS, Session};
use sigil_core::clock::timestamp;
use sigil_core::{Error, FieldError, Sigil};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::auth::{SESSION_COOKIE, admin_attempt, csrf_matches, session_cookie};
use crate::edge::{Refusal, read_body};
use crate::error::ApiError;
use crate::extract::media_type;
use crate::rate_limit::client_address;

const INDEX_HTML: &str = include_str!("../portal/index.html");
const PORTAL_JS: &str = include_str!("../portal/portal.js");
const PORTAL_CSS: &str = include_str!("../portal/portal.css");

/// Longest text drawn as a QR code (a version 40 code holds 2,953 bytes at level L).
const MAX_QR_TEXT: usize = 2_048;

/// Every portal response: nothing but this origin's own script and styles, no framing, no
/// referrer, no sniffing.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

pub(crate) fn routes() -> Router<Sigil> {
    let header = |name: header::HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    Router::new()
        .route("/portal", get(|| async { Redirect::permanent("/portal/") }))
        .route("/portal/", get(index))
        .route("/portal/assets/portal.js", get(script))
        .route("/portal/assets/portal.css", get(styles))
        .route(
            "/portal/session",
            get(current_session).post(sign_in).delete(sign_out),
        )
        .route("/portal/qr.svg", get(qr_code))
        .layer(header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
        ))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Revalidated on every load: a new binary serves new files at the same paths.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", PORTAL_JS)
}

async fn styles() -> Response {
    asset("text/css; charset=utf-8", PORTAL_CSS)
}

/// What the portal's script learns about its session.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SessionView {
    /// Who signed in (`admin-token:<id>`).
    actor: String,
    /// The value of `X-CSRF-Token` on every changing request.
    csrf_token: String,
    /// When the session ends (RFC 3339).
    expires_at: String,
}

impl From<Session> for SessionView {
    fn from(session: Session) -> Self {
        SessionView {
            actor: session.actor.0,
            csrf_token: session.csrf,
            expires_at: timestamp(session.expires_at),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignIn {
    token: String,
}

async fn session_of(sigil: &Sigil, headers: &HeaderMap) -> Result<Session, ApiError> {
    let cookie = session_cookie(headers).ok_or(Error::Unauthorized)?;
    Ok(sigil.admin_tokens().session(cookie).await?)
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /portal/session`: the signed-in session (with its CSRF token), or 401.
async fn current_session(State(sigil): State<Sigil>, headers: HeaderMap) -> Response {
    no_store(match session_of(&sigil, &headers).await {
        Ok(session) => Json(SessionView::from(session)).into_response(),
        Err(e) => e.into_response(),
    })
}

/// `POST /portal/session` `{"token": "sigil_at_…"}`: signs in. Failures count against the
/// address like a wrong bearer token, under the same limit.
async fn sign_in(State(sigil): State<Sigil>, request: Request) -> Response {
    no_store(match sign_in_inner(&sigil, request).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    })
}

async fn sign_in_inner(sigil: &Sigil, request: Request) -> Result<Response, ApiError> {
    let address = client_address(request.extensions(), request.headers());
    // JSON only: a cross-site form cannot send it without a CORS preflight, which Sigil refuses.
    if media_type(request.headers()).as_deref() != Some("application/json") {
        return Err(Refusal::UnsupportedMediaType {
            expected: "JSON (Content-Type: application/json)",
        }
        .into());
    }
    let bytes = read_body(request).await?;
    let body: SignIn = serde_json::from_slice(&bytes).map_err(|e| {
        FieldError::body(
            "token",
            format!("expected {{\"token\": \"…\"}}: {e}"),
            serde_json::Value::Null,
        )
    })?;
    let (cookie, session) = admin_attempt(
        sigil,
        address,
        sigil.admin_tokens().sign_in(body.token.trim()),
    )
    .await?;
    let secure = if sigil.settings().public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let set_cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_LIFETIME_SECS}{secure}",
        cookie.expose()
    );
    let mut response = Json(SessionView::from(session)).into_response();
    if let Ok(value) = HeaderValue::from_str(&set_cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `DELETE /portal/session`: signs out (the browser drops the cookie). Needs the CSRF token,
/// like every change.
async fn sign_out(State(sigil): State<Sigil>, headers: HeaderMap) -> Response {
    let session = match session_of(&sigil, &headers).await {
        Ok(session) => session,
        Err(e) => return no_store(e.into_response()),
    };
    if !csrf_matches(&headers, &session.csrf) {
        return no_store(ApiError::Edge(Refusal::CsrfToken).into_response());
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
    )) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    no_store(response)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct QrQuery {
    text: String,
}

/// `GET /portal/qr.svg?text=…`: the text as a QR code (SVG), for a signed-in session only.
async fn qr_code(
    State(sigil): State<Sigil>,
    headers: HeaderMap,
    query: Result<Query<QrQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    if let Err(e) = session_of(&sigil, &headers).await {
        return no_store(e.into_response());
    }
    let text = match query {
        Ok(Query(q)) if !q.text.is_empty() && q.text.len() <= MAX_QR_TEXT => q.text,
        _ => {
            return ApiError::from(FieldError::query(
                "text",
                format!("must be 1 to {MAX_QR_TEXT} bytes"),
                serde_json::Value::Null,
            ))
            .into_response();
        }
    };
    match qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color>()
                .min_dimensions(256, 256)
                .quiet_zone(true)
                .build();
            no_store(([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
        }
        Err(_) => ApiError::from(FieldError::query(
            "text",
            "too long for a QR code",
            serde_json::Value::Null,
        ))
        .into_response(),
    }
}
