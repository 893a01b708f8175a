//! What the edge itself refuses — no route, a wrong method, a body too large, too slow or of the
//! wrong type, a request over its time, too many requests, a panic — answered in the error shape
//! of the surface the path belongs to: OAuth (`{error, error_description}`) on the protocol
//! paths, `{code, message, details}` on the management API.
//!
//! Also the one reader of request bodies, which enforces the size limit and the body timeout.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::BodyExt as _;
use sigil_proto::error::ErrorResponse;
use sigil_proto::oid4vci::error::OAuthErrorResponse;

/// The two error shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Surface {
    /// Wallet-facing OAuth and OpenID4VCI paths.
    Protocol,
    /// The management API (and health, JWKS and the OpenAPI document).
    Management,
}

/// Wallet-facing paths under `/v1/openid`: the rest of `/v1/openid` is management.
const OPENID_PROTOCOL: &[&str] = &[
    "credential",
    "deferred-credential",
    "notification",
    "nonce",
    "mdoc-iacas",
];

/// The surface a path belongs to, on whichever listener it arrives: a management path on the
/// public listener is still answered in the management shape, and the other way round.
pub(crate) fn surface_of(path: &str) -> Surface {
    let mut segments = path.trim_start_matches('/').split('/');
    let first = segments.next().unwrap_or_default();
    let second = segments.next().unwrap_or_default();
    let third = segments.next();
    let protocol = match (first, second) {
        (".well-known" | "core" | "did.json", _) => true,
        ("v1", "oauth") => true,
        ("v1", "openid") => match third {
            Some(name) if OPENID_PROTOCOL.contains(&name) => true,
            // `/v1/openid/offers/{reference}` is public; `…/offers` and `…/pre-authorized` are not.
            Some("offers") => segments
                .next()
                .is_some_and(|reference| reference != "pre-authorized" && !reference.is_empty()),
            _ => false,
        },
        _ => false,
    };
    if protocol {
        Surface::Protocol
    } else {
        Surface::Management
    }
}

/// A refusal made at the edge, before or instead of a handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No route matches the path.
    NotFound,
    /// The path exists, not with this method.
    MethodNotAllowed,
    /// The body is larger than the limit.
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The body is not of the media type the route reads.
    UnsupportedMediaType {
        /// What the route reads.
        expected: &'static str,
    },
    /// The body did not arrive within the body timeout.
    BodyTimeout,
    /// The body could not be read (the connection failed mid-body).
    BodyUnreadable,
    /// A path segment is not valid UTF-8 (or holds U+0000).
    BadPath,
    /// The request took longer than the request timeout.
    RequestTimeout,
    /// A rate limit was reached.
    TooManyRequests {
        /// Seconds until a request would be allowed.
        retry_after: u64,
    },
    /// A portal session's changing request without its CSRF token (or with another).
    CsrfToken,
    /// A handler panicked (a bug; logged with the request id).
    Panicked,
}

impl Refusal {
    fn status(self) -> StatusCode {
        match self {
            Refusal::NotFound => StatusCode::NOT_FOUND,
            Refusal::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Refusal::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Refusal::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Refusal::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Refusal::BodyUnreadable | Refusal::BadPath => StatusCode::BAD_REQUEST,
            Refusal::RequestTimeout => StatusCode::SERVICE_UNAVAILABLE,
            Refusal::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Refusal::CsrfToken => StatusCode::FORBIDDEN,
            Refusal::Panicked => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The management API's code and the message, shared by both shapes.
    fn code_and_message(self) -> (&'static str, String) {
        match self {
            Refusal::NotFound => ("NotFound", "No such route".into()),
            Refusal::MethodNotAllowed => (
                "MethodNotAllowed",
                "This route does not accept that method".into(),
            ),
            Refusal::PayloadTooLarge { limit } => (
                "PayloadTooLarge",
                format!("The request body is larger than {limit} bytes"),
            ),
            Refusal::UnsupportedMediaType { expected } => (
                "UnsupportedMediaType",
                format!("The request body must be {expected}"),
            ),
            Refusal::BodyTimeout => (
                "RequestTimeout",
                "The request body did not arrive in time".into(),
            ),
            Refusal::BodyUnreadable => ("BadRequest", "The request body could not be read".into()),
            Refusal::BadPath => (
                "BadRequest",
                "A path segment is not valid: it must be UTF-8 without NUL characters".into(),
            ),
            Refusal::RequestTimeout => (
                "ServiceUnavailable",
                "The request took too long and was abandoned; nothing it started was kept".into(),
            ),
            Refusal::TooManyRequests { retry_after } => (
                "TooManyRequests",
                format!("Too many requests; retry after {retry_after} s"),
            ),
            Refusal::CsrfToken => (
                "Forbidden",
                "A request made with a portal session must carry the session's X-CSRF-Token".into(),
            ),
            Refusal::Panicked => (
                "InternalServerError",
                "Internal error; the server log has the details under this response's x-request-id"
                    .into(),
            ),
        }
    }

    /// The OAuth `error` code (RFC 6749 §5.2, §4.1.2.1) for the same refusal.
    fn oauth_code(self) -> &'static str {
        match self {
            Refusal::RequestTimeout | Refusal::TooManyRequests { .. } => "temporarily_unavailable",
            Refusal::Panicked => "server_error",
            Refusal::NotFound
            | Refusal::MethodNotAllowed
            | Refusal::PayloadTooLarge { .. }
            | Refusal::UnsupportedMediaType { .. }
            | Refusal::BodyTimeout
            | Refusal::BodyUnreadable
            | Refusal::BadPath
            | Refusal::CsrfToken => "invalid_request",
        }
    }

    /// The refusal in `surface`'s shape.
    pub(crate) fn render(self, surface: Surface) -> Response {
        let (code, message) = self.code_and_message();
        let mut response = match surface {
            Surface::Management => (
                self.status(),
                axum::Json(ErrorResponse {
                    code: code.into(),
                    message,
                    details: Vec::new(),
                }),
            )
                .into_response(),
            Surface::Protocol => (
                self.status(),
                no_store(),
                axum::Json(OAuthErrorResponse::new(self.oauth_code(), &message)),
            )
                .into_response(),
        };
        if let Refusal::TooManyRequests { retry_after } = self
            && let Ok(value) = HeaderValue::from_str(&retry_after.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if matches!(self, Refusal::BodyTimeout | Refusal::RequestTimeout) {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// The body limits, put in every request's extensions by the router.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    /// Largest body, bytes.
    pub max_bytes: usize,
    /// Time to receive the whole body.
    pub timeout: Duration,
}

/// Reads a request's whole body within its limits. A `Content-Length` over the limit is refused
/// before a byte is read; a body that grows past it is refused as soon as it does.
pub(crate) async fn read_body(request: Request) -> Result<Bytes, Refusal> {
    let limits = request
        .extensions()
        .get::<BodyLimits>()
        .copied()
        .unwrap_or(BodyLimits {
            max_bytes: 1024 * 1024,
            timeout: Duration::from_secs(10),
        });
    let too_large = Refusal::PayloadTooLarge {
        limit: limits.max_bytes,
    };
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limits.max_bytes).unwrap_or(u64::MAX)) {
        return Err(too_large);
    }
    let body = http_body_util::Limited::new(request.into_body(), limits.max_bytes);
    match tokio::time::timeout(limits.timeout, body.collect()).await {
        Err(_) => Err(Refusal::BodyTimeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(too_large),
        Ok(Err(_)) => Err(Refusal::BodyUnreadable),
    }
}

/// The shape-choosing state of the edge middleware.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Edge {
    pub request_timeout: Duration,
}

/// Runs the request under the request timeout, and turns the responses no handler shaped
/// (axum's own rejections, which are plain text) into the surface's error shape.
pub(crate) async fn guard(State(edge): State<Edge>, request: Request, next: Next) -> Response {
    let surface = surface_of(request.uri().path());
    let response = match tokio::time::timeout(edge.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                timeout_secs = edge.request_timeout.as_secs(),
                "request timed out"
            );
            return Refusal::RequestTimeout.render(surface);
        }
    };
    if response.status().is_client_error() || response.status().is_server_error() {
        let shaped = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
        if !shaped {
            return reshape(response, surface);
        }
    }
    response
}

/// An unshaped error response (an axum rejection) in the surface's shape, keeping its status.
fn reshape(response: Response, surface: Surface) -> Response {
    let refusal = match response.status() {
        StatusCode::NOT_FOUND => Refusal::NotFound,
        StatusCode::METHOD_NOT_ALLOWED => Refusal::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => Refusal::PayloadTooLarge { limit: 0 },
        StatusCode::UNSUPPORTED_MEDIA_TYPE => Refusal::UnsupportedMediaType {
            expected: "of the type the route documents",
        },
        StatusCode::REQUEST_TIMEOUT => Refusal::BodyTimeout,
        status if status.is_server_error() => Refusal::Panicked,
        _ => Refusal::BadPath,
    };
    let mut shaped = refusal.render(surface);
    *shaped.status_mut() = response.status();
    shaped
}

/// The fallback for unmatched paths.
pub(crate) async fn not_found(request: Request<Body>) -> Response {
    Refusal::NotFound.render(surface_of(request.uri().path()))
}

/// The fallback for a known path with another method.
pub(crate) async fn method_not_allowed(request: Request<Body>) -> Response {
    Refusal::MethodNotAllowed.render(surface_of(request.uri().path()))
}

/// `Cache-Control: no-store` and `Pragma: no-cache` (RFC 6749 §5.1; OID4VCI 1.0 §7.2, §8.3).
pub(crate) fn no_store() -> [(axum::http::HeaderName, axum::http::HeaderValue); 2] {
    use axum::http::{HeaderValue, header};
    [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_on_the_right_surface() {
        for path in [
            "/.well-known/openid-credential-issuer",
            "/.well-known/nothing",
            "/v1/oauth/token",
            "/v1/oauth/nothing",
            "/v1/openid/credential",
            "/v1/openid/nonce",
            "/v1/openid/notification",
            "/v1/openid/deferred-credential",
            "/v1/openid/offers/abc",
            "/core/v1/oauth/interaction/x/interactionhook/callback",
        ] {
            assert_eq!(surface_of(path), Surface::Protocol, "{path}");
        }
        for path in [
            "/v1/openid/credential-configurations",
            "/v1/openid/credential-configurations/1",
            "/v1/openid/offers",
            "/v1/openid/offers/pre-authorized",
            "/v1/openid/offers/pre-authorized/1",
            "/v1/openid/configuration",
            "/v1/users",
            "/v1/nothing",
            "/nothing",
            "/health/ready",
        ] {
            assert_eq!(surface_of(path), Surface::Management, "{path}");
        }
    }
}

/// The `x-request-id` of a request that came without one: UUID-shaped, 60 bits chosen at random
/// when the router is built and a counter, so that ids are unique across nodes and restarts
/// without a system call per request (a version-4 UUID asks the kernel for 16 bytes each time).
/// A request id correlates logs; it is no secret and need not be unpredictable — a client may
/// send its own.
#[derive(Clone, Debug)]
pub(crate) struct RequestIds {
    prefix: [u8; 8],
    next: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    pub(crate) fn new() -> Self {
        // On a random source failure the ids stay unique on this node, which is what logs need.
        let prefix =
            sigil_crypto::random_array::<8>(&sigil_crypto::SystemRandom::new()).unwrap_or_default();
        Self {
            prefix,
            next: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0)),
        }
    }
}

impl tower_http::request_id::MakeRequestId for RequestIds {
    fn make_request_id<B>(
        &mut self,
        _: &axum::http::Request<B>,
    ) -> Option<tower_http::request_id::RequestId> {
        let count = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.prefix);
        bytes[8..].copy_from_slice(&count.to_be_bytes());
        // Sets the version (in the random half) and the variant (the counter's top two bits,
        // reached after 2^62 requests).
        let id = uuid::Builder::from_random_bytes(bytes).into_uuid();
        let mut text = [0u8; uuid::fmt::Hyphenated::LENGTH];
        let value = HeaderValue::from_str(id.hyphenated().encode_lower(&mut text)).ok()?;
        Some(tower_http::request_id::RequestId::new(value))
    }
}

#[cfg(test)]
mod request_id_tests {
    use tower_http::request_id::MakeRequestId as _;

    use super::RequestIds;

    #[test]
    fn request_ids_are_distinct_version_4_uuids() {
        let mut ids = RequestIds::new();
        let request = axum::http::Request::new(());
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let id = ids.make_request_id(&request).unwrap();
            let text = id.header_value().to_str().unwrap().to_string();
            let parsed = uuid::Uuid::try_parse(&text).unwrap();
            assert_eq!(parsed.get_version_num(), 4);
            assert!(seen.insert(text), "a request id repeated");
        }
        // Another router (another node) starts elsewhere.
        let other = RequestIds::new().make_request_id(&request).unwrap();
        assert!(!seen.contains(other.header_value().to_str().unwrap()));
    }
}
