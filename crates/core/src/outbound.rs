//! Requests Sigil makes to other servers (the authentication provider, claims sources): the port
//! the server crate implements with a real HTTP client. The implementation refuses private and
//! loopback addresses unless a deployment allows them, follows no redirects, and bounds time and
//! response size.

use async_trait::async_trait;
use serde_json::Value;
use url::Url;

/// Largest response body read from another server.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// The method of an outbound request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// `application/json`.
    Json(Value),
    /// `application/x-www-form-urlencoded`.
    Form(Vec<(String, String)>),
}

/// An outbound request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Method.
    pub method: Method,
    /// Target.
    pub url: Url,
    /// Extra headers (names lower-case).
    pub headers: Vec<(String, String)>,
    /// Body, if any.
    pub body: Option<Body>,
}

impl Request {
    /// A GET.
    pub fn get(url: Url) -> Self {
        Self {
            method: Method::Get,
            url,
            headers: Vec::new(),
            body: None,
        }
    }

    /// A POST with a body.
    pub fn post(url: Url, body: Body) -> Self {
        Self {
            method: Method::Post,
            url,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

/// A response: status, content type and at most [`MAX_RESPONSE_BYTES`] of body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The `content-type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as a JSON object, if it is one.
    pub fn json_object(&self) -> Option<serde_json::Map<String, Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        }
    }
}

/// Why an outbound request produced no response.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    /// The host resolves to an address this deployment does not call (private, loopback…).
    #[error("refused to connect to {0}: private or reserved address")]
    Forbidden(String),
    /// Connection, TLS or protocol failure.
    #[error("could not reach {0}")]
    Unreachable(String),
    /// No answer in time.
    #[error("{0} did not answer in time")]
    Timeout(String),
    /// The answer is larger than [`MAX_RESPONSE_BYTES`].
    #[error("the answer of {0} is too large")]
    TooLarge(String),
}

/// Sends outbound requests.
#[async_trait]
pub trait HttpClient: Send + Sync + std::fmt::Debug {
    /// Sends `request` and reads the whole response.
    async fn send(&self, request: Request) -> Result<Response, OutboundError>;
}

/// RFC 6749 §2.3.1: client credentials are form-encoded before Basic encoding.
pub fn form_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
