//! Claim mappings (seed 004): how a credential's claims are computed from the user object.
//!
//! - `mapFrom` + found: the user's value.
//! - `mapFrom` + not found (absent or null): `defaultValue` if given; else, when `required`, the
//!   credential cannot be issued; else the claim is left out.
//! - no `mapFrom`: a static claim, always `defaultValue`, whatever the user has.
//!
//! [`map_claims`] is pure: it is what the issuance path calls and what the seed's examples test.

use serde_json::{Map, Value};
use sigil_formats::mso_mdoc::{ElementType, iso_mdl_type, to_cbor};
use sigil_proto::admin::credential_configuration::ClaimMapping as ClaimMappingDto;

use crate::error::{ClaimMappingError, FieldError};
use crate::validation::{Problems, from_value, lookup};

/// The user-object roots a `mapFrom` path may start at.
pub const MAP_FROM_ROOTS: [&str; 3] = ["claims", "authenticationProvider", "id"];

/// Where a claim's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimSource {
    /// Read from the user object, with an optional fallback.
    Mapped {
        /// Dotted path into the user object.
        path: String,
        /// Used when the path finds nothing.
        default: Option<Value>,
    },
    /// Always this value.
    Static(Value),
}

/// One validated claim mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimMapping {
    /// The claim's name in the credential.
    pub name: String,
    /// Its source.
    pub source: ClaimSource,
    /// Whether issuance fails when it cannot be mapped.
    pub required: bool,
    /// mso_mdoc: the CBOR type of the value (`None` for JSON formats).
    pub element_type: Option<ElementType>,
}

/// Whether claim mappings may (and must) say what CBOR type their values take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing<'a> {
    /// JSON formats: `type`, `items` and `properties` do not apply.
    Json,
    /// mso_mdoc elements of this namespace.
    Mdoc {
        /// The namespace (for the ISO mDL defaults).
        namespace: &'a str,
    },
}

/// An ordered set of claim mappings (order is the configuration's, and the credential's).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClaimMappings(pub Vec<ClaimMapping>);

/// Applies `mappings` to `user` (the user object: `{id, authenticationProvider, claims}`).
pub fn map_claims(
    mappings: &ClaimMappings,
    user: &Value,
) -> Result<Map<String, Value>, ClaimMappingError> {
    let mut out = Map::new();
    for mapping in &mappings.0 {
        let value = match &mapping.source {
            ClaimSource::Static(value) => Some(value.clone()),
            ClaimSource::Mapped { path, default } => {
                match lookup(user, path).filter(|v| !v.is_null()) {
                    Some(found) => Some(found.clone()),
                    None => match (default, mapping.required) {
                        (Some(default), _) => Some(default.clone()),
                        (None, true) => {
                            return Err(ClaimMappingError {
                                claim: mapping.name.clone(),
                                map_from: path.clone(),
                            });
                        }
                        (None, false) => None,
                    },
                }
            }
        };
        if let Some(value) = value {
            out.insert(mapping.name.clone(), value);
        }
    }
    Ok(out)
}

/// Validates a JSON object of `name → mapping` found at `param` (e.g. `claimMappings`), with
/// `reserved` claim names refused. Problems are recorded; the valid mappings are returned.
pub fn parse_claim_mappings(
    problems: &mut Problems,
    param: &str,
    object: &Map<String, Value>,
    reserved: &[&str],
    typing: Typing<'_>,
) -> ClaimMappings {
    let mut out = Vec::new();
    for (name, raw) in object {
        let here = match param {
            "" => name.clone(),
            _ => format!("{param}.{name}"),
        };
        if name.trim().is_empty() || name.chars().count() > 256 {
            problems.body(
                &here,
                "claim names are 1 to 256 characters",
                Value::from(name.clone()),
            );
            continue;
        }
        if reserved.contains(&name.as_str()) {
            problems.body(
                &here,
                "is reserved by the credential format and cannot be mapped",
                Value::from(name.clone()),
            );
            continue;
        }
        match parse_one(raw, &here) {
            Ok(mapping) => {
                let element_type = element_type(problems, &here, raw, name, typing);
                if let (
                    Some(ty),
                    ClaimSource::Mapped {
                        default: Some(v), ..
                    }
                    | ClaimSource::Static(v),
                ) = (&element_type, &mapping.0)
                    && let Err(why) = to_cbor(v, ty)
                {
                    problems.body(format!("{here}.defaultValue"), why, v.clone());
                }
                out.push(ClaimMapping {
                    name: name.clone(),
                    source: mapping.0,
                    required: mapping.1,
                    element_type,
                });
            }
            Err(errors) => errors.into_iter().for_each(|e| problems.push(e)),
        }
    }
    ClaimMappings(out)
}

/// The CBOR type of one mapping: declared (`type`, with `items` / `properties`), else the ISO
/// mDL type of a known element, else whatever the JSON value is.
fn element_type(
    problems: &mut Problems,
    here: &str,
    raw: &Value,
    name: &str,
    typing: Typing<'_>,
) -> Option<ElementType> {
    let declared = ["type", "items", "properties"]
        .into_iter()
        .find(|k| raw.get(*k).is_some());
    match typing {
        Typing::Json => {
            if let Some(key) = declared {
                problems.body(
                    format!("{here}.{key}"),
                    "applies to mso_mdoc credential configurations only",
                    raw.get(key).cloned().unwrap_or_default(),
                );
            }
            None
        }
        Typing::Mdoc { namespace } => Some(match declared {
            Some(_) => declared_type(problems, here, raw, 0),
            None => iso_mdl_type(namespace, name).unwrap_or(ElementType::Any),
        }),
    }
}

/// Parses `{type, items?, properties?}` at `here`, nested at most 4 deep.
fn declared_type(problems: &mut Problems, here: &str, raw: &Value, depth: usize) -> ElementType {
    let name = raw.get("type").and_then(Value::as_str);
    let items = raw.get("items");
    let properties = raw.get("properties");
    if depth > 4 {
        problems.body(here, "types nest at most 4 levels deep", Value::Null);
        return ElementType::Any;
    }
    let ty = match name {
        Some("array") => ElementType::Array(Box::new(match items {
            Some(item) => declared_type(problems, &format!("{here}.items"), item, depth + 1),
            None => ElementType::Any,
        })),
        Some("object") => {
            let mut members = Vec::new();
            match properties.map(|p| p.as_object()) {
                None => {}
                Some(Some(map)) => {
                    for (member, spec) in map {
                        let at = format!("{here}.properties.{member}");
                        members.push((
                            member.clone(),
                            declared_type(problems, &at, spec, depth + 1),
                        ));
                    }
                }
                Some(None) => problems.body(
                    format!("{here}.properties"),
                    "must be an object of member name → {\"type\": …}",
                    properties.cloned().unwrap_or_default(),
                ),
            }
            ElementType::Object(members)
        }
        Some(other) => match ElementType::scalar(other) {
            Some(t) => t,
            None => {
                problems.body(
                    format!("{here}.type"),
                    format!("must be one of: {}", ElementType::NAMES.join(", ")),
                    Value::from(other),
                );
                ElementType::Any
            }
        },
        None => {
            problems.body(
                format!("{here}.type"),
                format!(
                    "is required here; one of: {}",
                    ElementType::NAMES.join(", ")
                ),
                raw.get("type").cloned().unwrap_or_default(),
            );
            ElementType::Any
        }
    };
    if items.is_some() && name != Some("array") {
        problems.body(
            format!("{here}.items"),
            "applies to type array only",
            Value::Null,
        );
    }
    if properties.is_some() && name != Some("object") {
        problems.body(
            format!("{here}.properties"),
            "applies to type object only",
            Value::Null,
        );
    }
    ty
}

fn parse_one(raw: &Value, param: &str) -> Result<(ClaimSource, bool), Vec<FieldError>> {
    let dto: ClaimMappingDto =
        from_value(raw, crate::Location::Body, param).map_err(|e| vec![e])?;
    // serde reads `"defaultValue": null` as absent; a null default is a mistake worth naming.
    if raw.get("defaultValue").is_some_and(Value::is_null) {
        return Err(vec![FieldError::body(
            format!("{param}.defaultValue"),
            "must not be null",
            Value::Null,
        )]);
    }
    let mut errors = Vec::new();
    let source = match (dto.map_from, dto.default_value) {
        (Some(path), default) => {
            if let Err(why) = check_path(&path) {
                errors.push(FieldError::body(
                    format!("{param}.mapFrom"),
                    why,
                    Value::from(path.clone()),
                ));
            }
            ClaimSource::Mapped { path, default }
        }
        (None, Some(value)) => ClaimSource::Static(value),
        (None, None) => {
            errors.push(FieldError::body(
                param,
                "needs mapFrom, defaultValue, or both",
                raw.clone(),
            ));
            ClaimSource::Static(Value::Null)
        }
    };
    if errors.is_empty() {
        Ok((source, dto.required.unwrap_or(false)))
    } else {
        Err(errors)
    }
}

fn check_path(path: &str) -> Result<(), String> {
    let mut segments = path.split('.');
    let root = segments.next().unwrap_or_default();
    if !MAP_FROM_ROOTS.contains(&root) {
        return Err(format!(
            "must be a dotted path into the user object starting with one of: {}",
            MAP_FROM_ROOTS.join(", ")
        ));
    }
    if path.chars().count() > 512 || path.split('.').any(|s| s.is_empty()) {
        return Err("must be a dotted path of non-empty segments (at most 512 characters)".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mappings(v: Value) -> ClaimMappings {
        let mut problems = Problems::default();
        let m = parse_claim_mappings(
            &mut problems,
            "claimMappings",
            v.as_object().unwrap(),
            &[],
            Typing::Json,
        );
        assert!(problems.is_empty(), "{problems:?}");
        m
    }

    #[test]
    fn null_user_value_counts_as_missing() {
        let m = mappings(json!({"a": {"mapFrom": "claims.a", "defaultValue": "d"}}));
        let out = map_claims(&m, &json!({"claims": {"a": null}})).unwrap();
        assert_eq!(Value::Object(out), json!({"a": "d"}));
    }

    #[test]
    fn paths_reach_into_nested_objects_and_arrays() {
        let m = mappings(json!({
            "street": {"mapFrom": "claims.address.formatted"},
            "first": {"mapFrom": "claims.emails.0"},
            "sub": {"mapFrom": "authenticationProvider.subjectId"}
        }));
        let user = json!({"authenticationProvider": {"url": "https://a", "subjectId": "s1"},
            "claims": {"address": {"formatted": "1 Rd"}, "emails": ["x@y"]}});
        let out = map_claims(&m, &user).unwrap();
        assert_eq!(
            Value::Object(out),
            json!({"street": "1 Rd", "first": "x@y", "sub": "s1"})
        );
    }

    #[test]
    fn invalid_mappings_are_reported_with_their_param() {
        let mut problems = Problems::default();
        parse_claim_mappings(
            &mut problems,
            "claimMappings",
            json!({
                "a": {},
                "b": {"mapFrom": "profile.x"},
                "c": {"mapFrom": "claims..x"},
                "d": {"defaultValue": null},
                "e": {"mapFrom": "claims.e", "required": "yes"},
                "f": {"mapFrom": "claims.f", "bogus": 1},
                "iss": {"defaultValue": "x"}
            })
            .as_object()
            .unwrap(),
            &["iss"],
            Typing::Json,
        );
        let params: Vec<String> = match problems.finish(()) {
            Err(crate::Error::Validation(v)) => v.into_iter().map(|e| e.param).collect(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            params,
            [
                "claimMappings.a",
                "claimMappings.b.mapFrom",
                "claimMappings.c.mapFrom",
                "claimMappings.d.defaultValue",
                "claimMappings.e.required",
                "claimMappings.f.bogus",
                "claimMappings.iss"
            ]
        );
    }
}

/// Seed 004's examples, byte for byte (tests/data/seed004), through the same validation an admin
/// request goes through.
#[cfg(test)]
mod seed004 {
    use serde_json::{Value, json};
    use sigil_proto::admin::credential_configuration::CredentialConfigurationRequest;

    use crate::catalogue::credential_configuration::CredentialConfiguration;

    fn run(example: &str) -> (Result<Value, super::ClaimMappingError>, Value) {
        let example: Value = serde_json::from_str(example).unwrap();
        let mut request = json!({"name": "Seed 004", "format": "ldp_vc", "type": "Seed004Credential",
                   "contexts": ["https://www.w3.org/ns/credentials/examples/v2"]});
        request["claimMappings"] = example["mapping"]["claimMappings"].clone();
        let request: CredentialConfigurationRequest = serde_json::from_value(request).unwrap();
        let config = CredentialConfiguration::parse("id".into(), request).unwrap();
        let subject = config
            .map_claims(&example["user"])
            .map(|claims| json!({ "credentialSubject": claims }));
        (subject, example)
    }

    #[test]
    fn required_claim_that_cannot_be_mapped_is_an_error() {
        let (subject, example) = run(include_str!("../../tests/data/seed004/required.json"));
        let err = subject.unwrap_err();
        assert_eq!(err.claim, example["expectedError"]["claim"]);
        assert_eq!(err.map_from, example["expectedError"]["mapFrom"]);
    }

    #[test]
    fn optional_claim_that_cannot_be_mapped_is_left_out() {
        let (subject, example) = run(include_str!("../../tests/data/seed004/optional.json"));
        assert_eq!(subject.unwrap(), example["expected"]);
    }

    #[test]
    fn default_value_fills_a_claim_that_cannot_be_mapped() {
        let (subject, example) = run(include_str!("../../tests/data/seed004/default_value.json"));
        assert_eq!(subject.unwrap(), example["expected"]);
    }

    #[test]
    fn static_value_wins_over_the_users_claim() {
        let (subject, example) = run(include_str!("../../tests/data/seed004/static.json"));
        assert_eq!(subject.unwrap(), example["expected"]);
    }

    #[test]
    fn string_number_json_and_array_values_are_issued_as_configured() {
        let (subject, example) = run(include_str!("../../tests/data/seed004/typed_values.json"));
        let subject = subject.unwrap();
        assert_eq!(subject, example["expected"]);
        // Keys come out in the configuration's order, as the seed lists them.
        let keys: Vec<&String> = subject["credentialSubject"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(
            keys,
            [
                "staticStringValue",
                "staticNumericValue",
                "staticJsonValue",
                "staticArrayValue"
            ]
        );
    }
}
