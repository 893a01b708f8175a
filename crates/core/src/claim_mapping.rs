//! Claim mappings (seed 004): how a credential's claims are computed from the user object.
//!
//! - `mapFrom` + found: the user's value.
//! - `mapFrom` + not found (absent or null): `defaultValue` if given; else, when `required`, the
//!   credential cannot be issued; else the claim is left out.
//! - no `mapFrom`: a static claim, always `defaultValue`, whatever the user has.
//!
//! [`map_claims`] is pure: it is what the issuance path calls and what the seed's examples test.

use serde_json::{Map, Value};
use sigil_proto::admin::credential_configuration::ClaimMapping as ClaimMappingDto;

use crate::error::FieldError;
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
}

/// An ordered set of claim mappings (order is the configuration's, and the credential's).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClaimMappings(pub Vec<ClaimMapping>);

/// A required claim could not be mapped: the credential is not issued (seed 004).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("required claim `{claim}` could not be mapped from `{map_from}`")]
pub struct ClaimMappingError {
    /// The credential claim.
    pub claim: String,
    /// The path that found nothing.
    pub map_from: String,
}

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
) -> ClaimMappings {
    let mut out = Vec::new();
    for (name, raw) in object {
        let here = format!("{param}.{name}");
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
            Ok(mapping) => out.push(ClaimMapping {
                name: name.clone(),
                source: mapping.0,
                required: mapping.1,
            }),
            Err(errors) => errors.into_iter().for_each(|e| problems.push(e)),
        }
    }
    ClaimMappings(out)
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
    if path.len() > 512 || path.split('.').any(|s| s.is_empty()) {
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
        let m = parse_claim_mappings(&mut problems, "claimMappings", v.as_object().unwrap(), &[]);
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

    use crate::credential_configuration::CredentialConfiguration;

    fn run(example: &str) -> (Result<Value, super::ClaimMappingError>, Value) {
        let example: Value = serde_json::from_str(example).unwrap();
        let mut request =
            json!({"name": "Seed 004", "format": "ldp_vc", "type": "Seed004Credential"});
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
        let (subject, example) = run(include_str!("../tests/data/seed004/required.json"));
        let err = subject.unwrap_err();
        assert_eq!(err.claim, example["expectedError"]["claim"]);
        assert_eq!(err.map_from, example["expectedError"]["mapFrom"]);
    }

    #[test]
    fn optional_claim_that_cannot_be_mapped_is_left_out() {
        let (subject, example) = run(include_str!("../tests/data/seed004/optional.json"));
        assert_eq!(subject.unwrap(), example["expected"]);
    }

    #[test]
    fn default_value_fills_a_claim_that_cannot_be_mapped() {
        let (subject, example) = run(include_str!("../tests/data/seed004/default_value.json"));
        assert_eq!(subject.unwrap(), example["expected"]);
    }

    #[test]
    fn static_value_wins_over_the_users_claim() {
        let (subject, example) = run(include_str!("../tests/data/seed004/static.json"));
        assert_eq!(subject.unwrap(), example["expected"]);
    }

    #[test]
    fn string_number_json_and_array_values_are_issued_as_configured() {
        let (subject, example) = run(include_str!("../tests/data/seed004/typed_values.json"));
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
