//! Extractors for the management API: JSON bodies and query strings parsed with errors that name
//! the offending field and its location.

use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sigil_core::request_check::RequestCheck;
use sigil_core::validation::{backticked, dotted, from_value};
use sigil_core::{FieldError, Location, Sigil};

use crate::edge::{Refusal, read_body};
use crate::error::ApiError;
use crate::form::FormError;

/// A JSON body of `T` (admin DTOs reject unknown fields).
#[derive(Debug)]
pub(crate) struct AdminJson<T>(pub T);

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

impl<T: DeserializeOwned + RequestCheck> FromRequest<Sigil> for AdminJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, sigil: &Sigil) -> Result<Self, ApiError> {
        let method = req.method().as_str().to_string();
        let route = req
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_string());
        let json = media_type(req.headers()).is_some_and(|m| is_json(&m));
        if !json {
            return Err(Refusal::UnsupportedMediaType {
                expected: "JSON (Content-Type: application/json)",
            }
            .into());
        }
        let bytes = read_body(req).await?;
        let value = parse_json(&bytes)?;
        if !value.is_object() {
            return Err(FieldError::body("", "the body must be a JSON object", value).into());
        }
        let request: T = from_value(&value, Location::Body, "")?;
        // The domain's checks first, for their precise words; then the OpenAPI document's
        // schema for this route, which the server holds every request to.
        let problems = request.problems(sigil);
        if !problems.is_empty() {
            return Err(problems.into());
        }
        if let Some(route) = route {
            crate::openapi::gate::check_body(&method, &route, &value)?;
        }
        Ok(AdminJson(request))
    }
}

/// Refuses a JSON string or member name holding U+0000: no stored text may contain it
/// (PostgreSQL cannot), so it is refused at the edge, the same on every engine.
pub(crate) fn refuse_nul(
    value: &Value,
    location: Location,
    at: &mut String,
) -> Result<(), FieldError> {
    let nul = |at: &str| {
        FieldError::new(
            location,
            at.to_string(),
            "must not contain the NUL character (U+0000)",
            Value::Null,
        )
    };
    match value {
        Value::String(text) if text.contains('\0') => Err(nul(at)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = at.len();
                at.push_str(&format!("[{i}]"));
                refuse_nul(item, location, at)?;
                at.truncate(len);
            }
            Ok(())
        }
        Value::Object(members) => {
            for (name, member) in members {
                if name.contains('\0') {
                    return Err(nul(at));
                }
                let len = at.len();
                if !at.is_empty() {
                    at.push('.');
                }
                at.push_str(name);
                refuse_nul(member, location, at)?;
                at.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
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
pub(crate) struct AdminQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AdminQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or_default();
        let pairs = crate::form::parse(query.as_bytes()).map_err(|e| match e {
            FormError::Nul(name) => FieldError::query(
                name.unwrap_or_default(),
                "must not contain the NUL character (U+0000)",
                Value::Null,
            ),
            other => FieldError::query("", other.describe(), Value::Null),
        })?;
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let parsed = serde_path_to_error::deserialize::<_, T>(de)
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
            })?;
        let mut refused = Vec::new();
        for (name, value) in &pairs {
            if let Err(errors) = crate::openapi::gate::check_query(name, value) {
                refused.extend(errors);
            }
        }
        if refused.is_empty() {
            Ok(parsed)
        } else {
            Err(refused.into())
        }
    }
}

/// A path parameter of the management API (an id): valid UTF-8 without NUL, or a 400 in the
/// management shape naming it.
#[derive(Debug)]
pub(crate) struct AdminPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for AdminPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<String>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(id)) if !id.contains('\0') => Ok(AdminPath(id)),
            _ => Err(FieldError::new(
                Location::Path,
                "id",
                "must be valid UTF-8 without NUL characters",
                Value::Null,
            )
            .into()),
        }
    }
}

/// A deserialisation failure described without the input's values: serde's "missing field"
/// names a field of the type; anything else is named by its path when the path is made of
/// plain names.
pub(crate) fn data_error(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let inner = e.inner().to_string();
    if inner.starts_with("missing field `") {
        let at = dotted(e.path());
        return if at.is_empty() {
            inner
        } else {
            format!("{at}: {inner}")
        };
    }
    let at = dotted(e.path());
    let plain = !at.is_empty()
        && at.len() <= 128
        && at
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '[' | ']'));
    if plain {
        format!("{at} has the wrong type or an unsupported value")
    } else {
        "the body does not have the members and types this endpoint reads".into()
    }
}
