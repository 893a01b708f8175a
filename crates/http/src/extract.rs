//! Extractors for the management API: JSON bodies and query strings parsed with errors that name
//! the offending field and its location.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sigil_core::validation::{backticked, dotted, from_value};
use sigil_core::{FieldError, Location};

use crate::error::ApiError;

/// The configured body limit, put in request extensions so rejections can name it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimit(pub usize);

/// A JSON body of `T` (admin DTOs reject unknown fields).
#[derive(Debug)]
pub struct AdminJson<T>(pub T);

/// The media type of a request body, lower-cased, without parameters (`application/json`).
pub(crate) fn media_type(headers: &axum::http::HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    Some(
        value
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase(),
    )
}

fn is_json(essence: &str) -> bool {
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AdminJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = media_type(req.headers()).is_some_and(|m| is_json(&m));
        let limit = req.extensions().get::<BodyLimit>().map_or(0, |l| l.0);
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::from(FieldError::body(
                    "",
                    "the request body could not be read",
                    Value::Null,
                ))
            }
        })?;
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let value = parse_json(&bytes)?;
        if !value.is_object() {
            return Err(FieldError::body("", "the body must be a JSON object", value).into());
        }
        Ok(AdminJson(from_value(&value, Location::Body, "")?))
    }
}

/// Parses JSON; on a syntax error, names the member being read when it failed.
fn parse_json(bytes: &[u8]) -> Result<Value, FieldError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize::<_, Value>(&mut de).map_err(|e| {
        FieldError::body(
            dotted(e.path()),
            format!("Malformed JSON: {}", e.inner()),
            Value::Null,
        )
    })?;
    de.end()
        .map_err(|e| FieldError::body("", format!("Malformed JSON: {e}"), Value::Null))?;
    Ok(value)
}

/// A query string of `T`.
#[derive(Debug)]
pub struct AdminQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AdminQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize::<_, T>(de)
            .map(AdminQuery)
            .map_err(|e| {
                let param = dotted(e.path());
                let inner = e.into_inner().to_string();
                let name = if param.is_empty() {
                    backticked(&inner).unwrap_or_default().to_string()
                } else {
                    param
                };
                let value = serde_urlencoded::from_str::<Vec<(String, String)>>(query)
                    .ok()
                    .and_then(|pairs| {
                        pairs
                            .into_iter()
                            .find(|(k, _)| *k == name)
                            .map(|(_, v)| Value::from(v))
                    })
                    .unwrap_or(Value::Null);
                ApiError::from(FieldError::query(name, inner, value))
            })
    }
}
