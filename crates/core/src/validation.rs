//! Turning untrusted JSON into typed values with errors that name the offending field.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{FieldError, Location};

/// Deserialises `value` into `T`; on failure, reports the dotted path of the offending field
/// (prefixed with `prefix` when not empty), serde's reason, and the offending value.
pub fn from_value<T: DeserializeOwned>(
    value: &Value,
    location: Location,
    prefix: &str,
) -> Result<T, FieldError> {
    match serde_path_to_error::deserialize::<_, T>(value) {
        Ok(v) => Ok(v),
        Err(err) => {
            let path = dotted(err.path());
            let inner = err.into_inner().to_string();
            let (param, offending) = describe(value, &path, &inner);
            let param = join(prefix, &param);
            Err(FieldError {
                location,
                param,
                msg: inner,
                value: offending,
            })
        }
    }
}

/// Joins a prefix and a path with a dot.
pub fn join(prefix: &str, path: &str) -> String {
    match (prefix.is_empty(), path.is_empty() || path == ".") {
        (true, true) => String::new(),
        (true, false) => path.to_string(),
        (false, true) => prefix.to_string(),
        (false, false) => format!("{prefix}.{path}"),
    }
}

/// A serde path as Sigil names params: `interactionHook.claims.0`. Hostile nesting makes paths
/// as deep as the parser's recursion limit, so only the first 16 segments are named.
pub fn dotted(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    const MAX_SEGMENTS: usize = 16;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .take(MAX_SEGMENTS)
        .collect::<Vec<_>>()
        .join(".")
}

// For a missing field the path names the containing object: name the field itself.
fn describe(root: &Value, path: &str, msg: &str) -> (String, Value) {
    let field = backticked(msg);
    if msg.starts_with("missing field")
        && let Some(name) = field
    {
        return (join(path, name), Value::Null);
    }
    let value = lookup(root, path).cloned().unwrap_or(Value::Null);
    (path.to_string(), value)
}

/// The first `quoted` name in a serde message (``unknown field `x` ``).
pub fn backticked(msg: &str) -> Option<&str> {
    let start = msg.find('`')? + 1;
    let len = msg.get(start..)?.find('`')?;
    msg.get(start..start + len)
}

/// Follows a dotted path (`a.b.0.c`) through objects and arrays.
pub fn lookup<'a>(root: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return Some(root);
    }
    path.split('.').try_fold(root, |node, segment| match node {
        Value::Object(map) => map.get(segment),
        Value::Array(items) => segment.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// Collects field errors while validating a body.
#[derive(Debug, Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    /// Records a body-field error.
    pub fn body(&mut self, param: impl Into<String>, msg: impl Into<String>, value: Value) {
        self.0.push(FieldError::body(param, msg, value));
    }

    /// Records an error already built.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// `Ok(value)` when nothing was recorded, else the validation error.
    pub fn finish<T>(self, value: T) -> Result<T, crate::Error> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(crate::Error::Validation(self.0))
        }
    }

    /// The validation error of what was recorded.
    pub fn into_error(self) -> crate::Error {
        crate::Error::Validation(self.0)
    }

    /// Whether anything was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Checks a length-bounded, non-blank display string.
pub fn text(problems: &mut Problems, param: &str, value: &str, max_chars: usize) {
    if value.trim().is_empty() {
        problems.body(param, "must not be empty", Value::from(value));
    } else if value.chars().count() > max_chars {
        problems.body(
            param,
            format!("must be at most {max_chars} characters"),
            Value::from(value),
        );
    }
}

/// The field errors of a validation failure (none for success or another error).
pub fn field_errors<T>(result: Result<T, crate::Error>) -> Vec<FieldError> {
    match result {
        Err(crate::Error::Validation(errors)) => errors,
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "camelCase")]
    #[allow(dead_code)]
    struct Outer {
        inner: Inner,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        url: String,
        #[serde(default)]
        claims: Vec<String>,
    }

    fn err(v: Value) -> FieldError {
        from_value::<Outer>(&v, Location::Body, "").unwrap_err()
    }

    #[test]
    fn wrong_type_names_the_field_and_value() {
        let e = err(json!({"inner": {"url": 5}}));
        assert_eq!(e.param, "inner.url");
        assert_eq!(e.value, json!(5));
        assert!(e.msg.contains("invalid type"), "{}", e.msg);
    }

    #[test]
    fn unknown_field_is_named() {
        let e = err(json!({"inner": {"url": "x", "bogus": true}}));
        assert_eq!(e.param, "inner.bogus");
        assert_eq!(e.value, json!(true));
    }

    #[test]
    fn missing_field_is_named() {
        let e = err(json!({"inner": {}}));
        assert_eq!(e.param, "inner.url");
        assert_eq!(e.value, Value::Null);
    }

    #[test]
    fn array_elements_are_addressed_by_index() {
        let e = err(json!({"inner": {"url": "x", "claims": ["a", 7]}}));
        assert_eq!(e.param, "inner.claims.1");
        assert_eq!(e.value, json!(7));
    }

    #[test]
    fn lookup_walks_objects_and_arrays() {
        let v = json!({"a": {"b": [1, {"c": 2}]}});
        assert_eq!(lookup(&v, "a.b.1.c"), Some(&json!(2)));
        assert_eq!(lookup(&v, "a.x"), None);
    }
}
