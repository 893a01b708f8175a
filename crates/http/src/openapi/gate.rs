//! The server's side of the OpenAPI document: every management request body and query
//! parameter is checked against the schema the document gives it, so a request the document
//! calls invalid is refused even where the domain's own checks would let it through. The domain
//! checks run first (their messages are the precise ones); this catches the rest.

use std::collections::HashMap;
use std::sync::LazyLock;

use jsonschema::Validator;
use serde_json::{Value, json};
use sigil_core::{FieldError, Location};

/// The compiled request schemas: bodies by (method, path template), query parameters by name.
struct Gate {
    bodies: HashMap<(String, String), Vec<Validator>>,
    queries: HashMap<String, Validator>,
}

static GATE: LazyLock<Result<Gate, String>> = LazyLock::new(build);

fn compile(schema: &Value) -> Result<Validator, String> {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// A schema that resolves `#/components/...` against the document.
fn rooted(schema: &Value, components: &Value) -> Value {
    let mut root = schema.clone();
    if let Some(object) = root.as_object_mut() {
        object.insert("components".into(), components.clone());
    } else {
        root = json!({"allOf": [schema], "components": components});
    }
    root
}

fn build() -> Result<Gate, String> {
    let document = super::document();
    let components = document.get("components").cloned().unwrap_or(Value::Null);
    let mut bodies = HashMap::new();
    for (method, path, name) in super::requests::bodies() {
        let schema = document
            .pointer(&format!("/components/schemas/{name}"))
            .ok_or_else(|| format!("no schema {name}"))?;
        // A `oneOf` is also compiled branch by branch, so a refusal can name the fields of
        // the branch the body came closest to.
        let mut validators = vec![compile(&rooted(schema, &components))?];
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            for branch in branches {
                validators.push(compile(&rooted(branch, &components))?);
            }
        }
        bodies.insert((method.to_string(), path.to_string()), validators);
    }
    let mut queries = HashMap::new();
    for name in ["limit", "cursor", "authenticationProviderUrl", "subjectId"] {
        if let Some(schema) = super::requests::query_parameter(name) {
            queries.insert(name.to_string(), compile(&schema)?);
        }
    }
    Ok(Gate { bodies, queries })
}

fn dotted(pointer: &str) -> String {
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// A short message for one schema failure.
fn message(error: &jsonschema::ValidationError<'_>) -> String {
    let keyword = error.kind().keyword().to_string();
    let text = match keyword.as_str() {
        "pattern" => {
            "does not have the form the API requires (see the pattern in the OpenAPI document)"
                .to_string()
        }
        "oneOf" | "anyOf" => {
            "matches none of the forms the API accepts here (see the OpenAPI document)".to_string()
        }
        "not" => "is not allowed here".to_string(),
        _ => error.to_string(),
    };
    let mut text: String = text.chars().take(300).collect();
    if text.is_empty() {
        text = format!("violates the `{keyword}` rule of the OpenAPI document");
    }
    text
}

/// The failures to report for one: for an `anyOf` or `oneOf` none of whose branches matched,
/// those of the branch that came closest (of the right type, with the fewest failures), so the
/// refusal names the field inside, not the whole value.
fn leaves<'a>(
    error: &'a jsonschema::ValidationError<'a>,
) -> Vec<&'a jsonschema::ValidationError<'a>> {
    use jsonschema::error::ValidationErrorKind;
    let branches = match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            context
        }
        _ => return vec![error],
    };
    let here = error.instance_path().as_str();
    let closest = branches
        .iter()
        .filter(|branch| {
            !branch.iter().any(|e| {
                e.instance_path().as_str() == here
                    && matches!(
                        e.kind(),
                        ValidationErrorKind::Type { .. } | ValidationErrorKind::Constant { .. }
                    )
            })
        })
        .min_by_key(|branch| branch.len());
    match closest {
        Some(branch) if !branch.is_empty() => branch.iter().flat_map(leaves).collect(),
        _ => vec![error],
    }
}

fn errors(
    validator: &Validator,
    instance: &Value,
    location: Location,
    prefix: &str,
) -> Vec<FieldError> {
    let found: Vec<jsonschema::ValidationError<'_>> =
        validator.iter_errors(instance).take(20).collect();
    found
        .iter()
        .flat_map(leaves)
        .take(20)
        .map(|e| {
            let path = dotted(e.instance_path().as_str());
            let param = match (prefix.is_empty(), path.is_empty()) {
                (true, _) => path,
                (false, true) => prefix.to_string(),
                (false, false) => format!("{prefix}.{path}"),
            };
            let value = instance
                .pointer(e.instance_path().as_str())
                .cloned()
                .unwrap_or(Value::Null);
            FieldError::new(location, param, message(e), value)
        })
        .collect()
}

fn unavailable(why: &str) -> Vec<FieldError> {
    tracing::error!(error = why, "the OpenAPI request schemas do not compile");
    vec![FieldError::new(
        Location::Body,
        "",
        "the server's request schemas are unavailable",
        Value::Null,
    )]
}

/// Checks a body sent to `method path` (the route's template, e.g. `/v1/users/{id}`).
pub(crate) fn check_body(method: &str, path: &str, body: &Value) -> Result<(), Vec<FieldError>> {
    let gate = match &*GATE {
        Ok(gate) => gate,
        Err(why) => return Err(unavailable(why)),
    };
    let Some(validators) = gate
        .bodies
        .get(&(method.to_ascii_lowercase(), path.to_string()))
    else {
        return Ok(());
    };
    let Some((whole, branches)) = validators.split_first() else {
        return Ok(());
    };
    if whole.is_valid(body) {
        return Ok(());
    }
    // The branch with the fewest failures names the fields best.
    let best = branches
        .iter()
        .map(|b| errors(b, body, Location::Body, ""))
        .min_by_key(Vec::len);
    match best {
        Some(found) if !found.is_empty() => Err(found),
        _ => Err(errors(whole, body, Location::Body, "")),
    }
}

/// Checks one query parameter's value (a number for `limit`, else text).
pub(crate) fn check_query(name: &str, value: &str) -> Result<(), Vec<FieldError>> {
    let gate = match &*GATE {
        Ok(gate) => gate,
        Err(why) => return Err(unavailable(why)),
    };
    let Some(validator) = gate.queries.get(name) else {
        return Ok(());
    };
    let instance = match name {
        "limit" => value
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(value)),
        _ => Value::from(value),
    };
    let found = errors(validator, &instance, Location::Query, name);
    if found.is_empty() { Ok(()) } else { Err(found) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_schema_compiles() {
        if let Err(why) = &*GATE {
            panic!("{why}");
        }
    }
}
