//! Sigil's HTTP edge: the axum routers (public protocol routes and the management API), the
//! extractors that turn untrusted bytes into typed requests, the one conversion from domain
//! errors to HTTP responses, and the OpenAPI document.
//!
//! Handlers are thin: parse, call a `sigil_core::Sigil` service, render. No SQL, no key handling,
//! no configuration files here.

mod admin;
mod auth;
mod edge;
mod error;
mod extract;
/// The form and query-string parser, public so that the fuzz targets (`fuzz/`) can reach it.
pub mod form;
mod health;
mod jwks;
mod openapi;
mod portal;
mod protocol;
mod rate_limit;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use sigil_core::Sigil;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

use edge::{BodyLimits, Edge, RequestIds};
pub use openapi::openapi_json;

/// Edge limits and options.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Largest request body accepted, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Time to receive a whole request body (408 beyond).
    pub body_timeout: Duration,
    /// Time for a whole request, from its head to its response (503 beyond).
    pub request_timeout: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (for rate limits per address).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            body_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            trusted_proxies: Vec::new(),
        }
    }
}

/// The public routes: health, JWKS, the OpenAPI document and the OpenID4VCI protocol.
pub fn public_router(sigil: Sigil, options: &HttpOptions) -> Router {
    finish(public_routes(sigil), options)
}

/// The management API (`/v1/...` behind the admin bearer token) and the portal (`/portal/`).
pub fn admin_router(sigil: Sigil, options: &HttpOptions) -> Router {
    finish(admin_routes(sigil), options)
}

/// Public and management routes on one listener (the default).
pub fn router(sigil: Sigil, options: &HttpOptions) -> Router {
    finish(
        public_routes(sigil.clone()).merge(admin_routes(sigil)),
        options,
    )
}

fn public_routes(sigil: Sigil) -> Router {
    Router::new()
        .merge(health::routes())
        .merge(jwks::routes())
        .merge(openapi::routes())
        .merge(protocol::routes(sigil.clone()))
        .with_state(sigil)
}

fn admin_routes(sigil: Sigil) -> Router {
    admin::routes()
        .route_layer(axum::middleware::from_fn_with_state(
            sigil.clone(),
            auth::require_admin,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // The portal signs in itself (its pages are public; its data comes from the routes
        // above).
        .merge(portal::routes())
        .with_state(sigil)
}

fn finish(router: Router, options: &HttpOptions) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let edge = Edge {
        request_timeout: options.request_timeout,
    };
    router
        .fallback(edge::not_found)
        .method_not_allowed_fallback(edge::method_not_allowed)
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(axum::Extension(rate_limit::TrustedProxies(
            options.trusted_proxies.clone().into(),
        )))
        .layer(axum::Extension(BodyLimits {
            max_bytes: options.max_body_bytes,
            timeout: options.body_timeout,
        }))
        .layer(CatchPanicLayer::new())
        .layer(axum::middleware::from_fn_with_state(edge, edge::guard))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, RequestIds::new()))
}
