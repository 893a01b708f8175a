//! The management API's request bodies and query parameters as JSON Schema, written by hand
//! because their rules do not fit in derive attributes: patterns shared with the server
//! (`sigil_proto::syntax`), lengths, ranges, enumerations, and the shape each credential
//! format takes. The server enforces these same schemas ([`super::gate`]), so the document says
//! exactly what is accepted; the domain still checks what no schema can say (that an id names
//! an existing resource, that a time lies in the future), answering 404 or 400.

use serde_json::{Map, Value, json};
use sigil_core::catalogue::authentication_provider::PROTOCOL_PARAMETERS;
use sigil_proto::admin::keys::KeyKind;
use sigil_proto::syntax;

/// Longest URL accepted anywhere.
const MAX_URL: usize = 2048;

fn string(pattern: &str) -> Value {
    json!({"type": "string", "pattern": pattern})
}

fn no_nul() -> Value {
    string(syntax::NO_NUL)
}

/// Display text of at most `max` characters, not blank.
fn text(max: usize) -> Value {
    json!({"type": "string", "pattern": syntax::DISPLAY_TEXT, "maxLength": max})
}

/// An identifier of 1 to `max` characters.
fn identifier(max: usize) -> Value {
    json!({"type": "string", "pattern": syntax::IDENTIFIER, "minLength": 1, "maxLength": max})
}

fn https_url() -> Value {
    json!({"type": "string", "pattern": syntax::https_url(), "maxLength": MAX_URL})
}

fn http_url() -> Value {
    json!({"type": "string", "pattern": syntax::http_url(), "maxLength": MAX_URL})
}

fn id() -> Value {
    string(syntax::ID)
}

fn integer(min: i64, max: i64) -> Value {
    json!({"type": "integer", "minimum": min, "maximum": max})
}

fn one_of_strings(values: &[&str]) -> Value {
    json!({"type": "string", "enum": values})
}

fn nullable(schema: Value) -> Value {
    json!({"anyOf": [schema, {"type": "null"}]})
}

fn component(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn array(items: Value, min: usize, max: usize) -> Value {
    json!({"type": "array", "items": items, "minItems": min, "maxItems": max, "uniqueItems": true})
}

/// An object with exactly these members (`required` among them).
fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "additionalProperties": false, "properties": properties, "required": required})
}

/// Sets one member of a schema object.
fn set(schema: &mut Value, key: &str, value: Value) {
    if let Some(object) = schema.as_object_mut() {
        object.insert(key.into(), value);
    }
}

fn with(mut schema: Value, extra: Value) -> Value {
    if let (Some(target), Some(extra)) = (schema.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            target.insert(k.clone(), v.clone());
        }
    }
    schema
}

/// Shared definitions, added to `components.schemas`.
pub(super) fn components() -> Vec<(&'static str, Value)> {
    // Free-form JSON (claims, fixed values): any value. It is stored as JSON text, where even
    // U+0000 is an escape, so nothing in it is refused.
    let json_value = json!({"description": "Any JSON value."});
    let json_object = json!({"type": "object", "description": "Any JSON object."});
    let not_null = json!({"not": {"type": "null"}, "description": "Any JSON value but null."});
    vec![
        ("JsonValue", json_value),
        ("JsonObject", json_object),
        ("JsonValueNotNull", not_null),
        ("BrandingInput", branding()),
        ("ExpiresInInput", expires_in()),
        ("ClaimMappingInput", claim_mapping()),
        ("ValidityMapping", validity_mapping()),
        ("MdocMapping", mdoc_mapping(None)),
        ("MdocTypeSpec1", type_spec(1)),
        ("MdocTypeSpec2", type_spec(2)),
        ("MdocTypeSpec3", type_spec(3)),
        ("MdocTypeSpec4", type_spec(4)),
        ("InteractionHookRequest", interaction_hook()),
        ("ConfigurationRequest", configuration()),
        ("UserRequest", user()),
        ("ClientRequest", client()),
        (
            "AuthenticationProviderRequest",
            authentication_provider(false),
        ),
        (
            "AuthenticationProviderUpdate",
            authentication_provider(true),
        ),
        ("ClaimSourceRequest", claim_source(false)),
        ("ClaimSourceUpdate", claim_source(true)),
        ("PreAuthorizedOfferRequest", pre_authorized_offer()),
        ("AuthorizationCodeOfferRequest", authorization_code_offer()),
        ("DeferredApproval", deferred_approval()),
        ("DeferredRejection", deferred_rejection()),
        (
            "CredentialStatusRequest",
            object(
                json!({"status": one_of_strings(&["valid", "revoked", "suspended"])}),
                &["status"],
            ),
        ),
        ("IacaRequest", iaca()),
        (
            "IacaUpdateRequest",
            object(json!({"active": {"type": "boolean"}}), &["active"]),
        ),
        ("DocumentSignerRequest", object(json!({}), &[])),
        ("KeyRotationRequest", key_rotation()),
        ("CredentialConfigurationRequest", credential_configuration()),
        (
            "ClaimsPreviewRequest",
            object(
                json!({
                    "configuration": component("CredentialConfigurationRequest"),
                    "user": component("JsonObject"),
                }),
                &["configuration", "user"],
            ),
        ),
        (
            "ClaimSourceTestRequest",
            object(json!({"claims": component("JsonObject")}), &["claims"]),
        ),
        (
            "AdminTokenRequest",
            object(json!({"name": text(128)}), &["name"]),
        ),
    ]
    .into_iter()
    .chain(iso_mdl_mappings())
    .chain(ldp_components())
    .collect()
}

/// The request body schema of each management operation that takes one, by (method, path).
pub(super) fn bodies() -> Vec<(&'static str, &'static str, &'static str)> {
    let cc = "/v1/openid/credential-configurations";
    vec![
        ("put", "/v1/openid/configuration", "ConfigurationRequest"),
        ("post", cc, "CredentialConfigurationRequest"),
        (
            "put",
            "/v1/openid/credential-configurations/{id}",
            "CredentialConfigurationRequest",
        ),
        (
            "post",
            "/v1/openid/offers/pre-authorized",
            "PreAuthorizedOfferRequest",
        ),
        ("post", "/v1/openid/offers", "AuthorizationCodeOfferRequest"),
        ("post", "/v1/openid/clients", "ClientRequest"),
        ("put", "/v1/openid/clients/{id}", "ClientRequest"),
        (
            "post",
            "/v1/users/authentication-providers",
            "AuthenticationProviderRequest",
        ),
        (
            "put",
            "/v1/users/authentication-providers/{id}",
            "AuthenticationProviderUpdate",
        ),
        ("post", "/v1/claim-sources", "ClaimSourceRequest"),
        ("put", "/v1/claim-sources/{id}", "ClaimSourceUpdate"),
        ("post", "/v1/users", "UserRequest"),
        ("put", "/v1/users/{id}", "UserRequest"),
        ("post", "/v1/credentials/mobile/iacas", "IacaRequest"),
        (
            "put",
            "/v1/credentials/mobile/iacas/{id}",
            "IacaUpdateRequest",
        ),
        (
            "post",
            "/v1/credentials/mobile/document-signers",
            "DocumentSignerRequest",
        ),
        (
            "post",
            "/v1/credentials/deferred/{id}/approve",
            "DeferredApproval",
        ),
        (
            "post",
            "/v1/credentials/deferred/{id}/reject",
            "DeferredRejection",
        ),
        ("post", "/v1/keys/rotate", "KeyRotationRequest"),
        (
            "post",
            "/v1/openid/credential-configurations/preview",
            "ClaimsPreviewRequest",
        ),
        ("post", "/v1/admin-tokens", "AdminTokenRequest"),
        (
            "post",
            "/v1/claim-sources/{id}/test",
            "ClaimSourceTestRequest",
        ),
        (
            "post",
            "/v1/credentials/{id}/status",
            "CredentialStatusRequest",
        ),
        (
            "post",
            "/v1/credentials/{id}/issuance/status",
            "CredentialStatusRequest",
        ),
        (
            "post",
            "/v1/users/{id}/credentials/status",
            "CredentialStatusRequest",
        ),
    ]
}

/// Query parameter schemas, by name (every list takes `limit` and `cursor`).
pub(super) fn query_parameter(name: &str) -> Option<Value> {
    Some(match name {
        "limit" => integer(1, 1000),
        "cursor" => id(),
        "authenticationProviderUrl" => http_url(),
        "subjectId" => text(1024),
        "days" => integer(1, i64::from(sigil_core::statistics::MAX_DAYS)),
        _ => return None,
    })
}

fn interaction_hook() -> Value {
    object(
        json!({
            "url": https_url(),
            "claims": array(text(256), 0, 100),
            "sessionTimeoutInSec": nullable(integer(60, 3600)),
            "disabled": {"type": "boolean"},
        }),
        &["url"],
    )
}

fn configuration() -> Value {
    object(
        json!({"interactionHook": nullable(component("InteractionHookRequest"))}),
        &[],
    )
}

fn user() -> Value {
    object(
        json!({
            "authenticationProvider": nullable(object(
                json!({"url": http_url(), "subjectId": text(1024)}),
                &["url", "subjectId"],
            )),
            "claims": component("JsonObject"),
        }),
        &[],
    )
}

fn client() -> Value {
    let native_uri = json!({"anyOf": [
        https_url(),
        {"type": "string", "pattern": syntax::loopback_redirect_uri(), "maxLength": MAX_URL},
        {"type": "string", "pattern": syntax::private_use_redirect_uri(), "maxLength": MAX_URL},
    ]});
    // A web wallet redirects to https only; a native one also to loopback and private-use URIs.
    let shape = |application_type: Value, uri: Value, required: &[&str]| {
        object(
            json!({
                "name": text(256),
                "redirectUris": array(uri, 1, 20),
                "tokenEndpointAuthMethod": nullable(one_of_strings(&["none", "client_secret_basic"])),
                "applicationType": application_type,
            }),
            required,
        )
    };
    json!({"oneOf": [
        shape(nullable(json!({"const": "web"})), https_url(), &["name", "redirectUris"]),
        shape(json!({"const": "native"}), native_uri, &["name", "redirectUris", "applicationType"]),
    ]})
}

fn authentication_provider(update: bool) -> Value {
    let parameter_name = json!({"allOf": [no_nul(), {"not": {"enum": PROTOCOL_PARAMETERS}}]});
    // On create the secret is the secret; on update the mask `****` keeps the stored one.
    let secret = if update {
        text(1024)
    } else {
        json!({"allOf": [text(1024), {"not": {"const": "****"}}]})
    };
    object(
        json!({
            "url": https_url(),
            "clientId": text(512),
            "clientSecret": secret,
            "scope": nullable(array(
                json!({"type": "string", "pattern": syntax::SCOPE_TOKEN, "maxLength": 256}),
                0,
                50,
            )),
            "tokenEndpointAuthMethod": nullable(one_of_strings(&["client_secret_post", "client_secret_basic"])),
            "staticRequestParameters": nullable(json!({
                "type": "object",
                "maxProperties": 50,
                "propertyNames": parameter_name,
                "additionalProperties": {"anyOf": [no_nul(), {"type": "number"}, {"type": "boolean"}]},
            })),
            "forwardedRequestParameters": nullable(array(parameter_name, 0, 50)),
            "claimsToPersist": nullable(array(text(256), 0, 100)),
        }),
        &["url", "clientId", "clientSecret"],
    )
}

/// A claims source; on update, a secret may be the mask `****`, keeping the stored one.
fn claim_source(update: bool) -> Value {
    let secret = || {
        if update {
            text(4096)
        } else {
            json!({"allOf": [text(4096), {"not": {"const": "****"}}]})
        }
    };
    let parameter = with(
        object(
            json!({
                "mapFrom": nullable(json!({"type": "string", "pattern": syntax::SOURCE_MAP_FROM, "maxLength": 512})),
                "defaultValue": component("JsonValueNotNull"),
            }),
            &[],
        ),
        json!({"anyOf": [
            {"required": ["mapFrom"], "properties": {"mapFrom": {"type": "string"}}},
            {"required": ["defaultValue"]},
        ]}),
    );
    let authorization = json!({"oneOf": [
        object(json!({"type": {"const": "api-key"}, "value": secret()}), &["type", "value"]),
        object(
            json!({
                "type": {"const": "oauth-client-credentials"},
                "tokenEndpoint": https_url(),
                "clientId": text(512),
                "clientSecret": secret(),
                "scope": nullable(text(1024)),
                "audience": nullable(text(1024)),
            }),
            &["type", "tokenEndpoint", "clientId", "clientSecret"],
        ),
    ]});
    object(
        json!({
            "name": text(256),
            "url": https_url(),
            "requestMethod": nullable(one_of_strings(&["GET", "POST"])),
            "requestParameters": {
                "type": "object",
                "maxProperties": 50,
                "propertyNames": {"allOf": [no_nul(), {"minLength": 1, "maxLength": 256}]},
                "additionalProperties": parameter,
            },
            "authorization": nullable(authorization),
        }),
        &["name", "url"],
    )
}

/// An offer lifetime in minutes and seconds, more than 0 s and at most `max_minutes`: whole
/// minutes, or seconds alone, or minutes with 0–59 seconds.
fn offer_expires_in(max_minutes: i64) -> Value {
    let absent_or_zero = json!({"anyOf": [{"type": "null"}, {"const": 0}]});
    json!({"oneOf": [
        object(json!({"minutes": integer(1, max_minutes), "seconds": absent_or_zero}), &["minutes"]),
        object(json!({"minutes": absent_or_zero, "seconds": integer(1, max_minutes * 60)}), &["seconds"]),
        with(
            object(json!({"minutes": integer(1, max_minutes - 1), "seconds": integer(1, 59)}), &["minutes", "seconds"]),
            json!({}),
        ),
    ]})
}

fn offered_credentials() -> Value {
    array(id(), 1, 20)
}

fn pre_authorized_offer() -> Value {
    object(
        json!({
            "credentials": offered_credentials(),
            "userId": nullable(id()),
            "transactionCodeConfiguration": nullable(object(
                json!({
                    "length": nullable(integer(4, 12)),
                    "inputMode": nullable(one_of_strings(&["numeric", "text"])),
                    "description": nullable(json!({"type": "string", "pattern": syntax::NO_NUL, "maxLength": 300})),
                }),
                &[],
            )),
            "claims": nullable(component("JsonObject")),
            "claimsToPersist": nullable(array(no_nul(), 0, 100)),
            "expiresIn": nullable(offer_expires_in(10)),
            "byReference": {"type": "boolean"},
        }),
        &["credentials"],
    )
}

fn authorization_code_offer() -> Value {
    object(
        json!({
            "credentials": offered_credentials(),
            "expiresIn": nullable(offer_expires_in(30 * 24 * 60)),
        }),
        &["credentials"],
    )
}

fn key_rotation() -> Value {
    let kinds = KeyKind::ALL.map(KeyKind::as_str);
    object(
        json!({"kinds": nullable(json!({"type": "array", "items": {"enum": kinds}, "maxItems": 16}))}),
        &[],
    )
}

fn deferred_approval() -> Value {
    object(json!({"claims": nullable(component("JsonObject"))}), &[])
}

fn deferred_rejection() -> Value {
    object(
        json!({"reason": nullable(json!({"type": "string", "pattern": syntax::NO_NUL, "minLength": 1, "maxLength": 512}))}),
        &[],
    )
}

fn iaca() -> Value {
    let generate = object(
        json!({
            "commonName": nullable(text(64)),
            "country": string(syntax::COUNTRY),
            "stateOrProvinceName": nullable(json!({"type": "string", "pattern": "^[A-Z]{2}-[A-Z0-9]{1,3}$"})),
            "issuerAlternativeName": nullable(json!({"anyOf": [http_url(), {"type": "string", "pattern": syntax::EMAIL, "maxLength": 254}]})),
            "notBefore": nullable(json!({"type": "string", "format": "iaca-not-before"})),
            "notAfter": nullable(json!({"type": "string", "format": "iaca-not-after"})),
            "active": nullable(json!({"type": "boolean"})),
        }),
        &["country"],
    );
    let import = object(
        json!({
            "certificatePem": {"type": "string", "format": "iaca-certificate-pem"},
            "privateKeyPem": {"type": "string", "format": "iaca-private-key-pem"},
            "active": nullable(json!({"type": "boolean"})),
        }),
        &["certificatePem", "privateKeyPem"],
    );
    with(
        json!({"oneOf": [generate, import]}),
        json!({"description": "Generate an IACA (give `country`, optionally the other subject fields and the validity) or import one (give `certificatePem` and `privateKeyPem`). Formats: `iaca-not-before` is an RFC 3339 date-time or date not in the past; `iaca-not-after` one after `notBefore` (default now) by at most 20 years; `iaca-certificate-pem` an X.509 IACA certificate per ISO/IEC 18013-5 Annex B in PEM; `iaca-private-key-pem` its unencrypted PKCS#8 P-256 private key in PEM."}),
    )
}

fn branding() -> Value {
    object(
        json!({
            "locale": nullable(string(syntax::LANGUAGE_TAG)),
            "backgroundColor": nullable(string(syntax::COLOR)),
            "textColor": nullable(string(syntax::COLOR)),
            "watermarkImage": nullable(https_url()),
            "logo": nullable(object(
                json!({"url": https_url(), "altText": nullable(text(256))}),
                &["url"],
            )),
        }),
        &[],
    )
}

/// Units of a validity, each at most about a century; at least one of them positive.
const UNITS: [(&str, i64); 7] = [
    ("years", 100),
    ("months", 1_216),
    ("weeks", 5_214),
    ("days", 36_500),
    ("hours", 876_000),
    ("minutes", 52_560_000),
    ("seconds", 3_153_600_000),
];

fn expires_in() -> Value {
    let mut properties = Map::new();
    let mut positive = Vec::new();
    for (unit, max) in UNITS {
        properties.insert(unit.into(), nullable(integer(0, max)));
        positive.push(json!({"required": [unit], "properties": {unit: integer(1, max)}}));
    }
    with(
        object(Value::Object(properties), &[]),
        json!({"anyOf": positive}),
    )
}

/// mso_mdoc validity in one unit, at most `max_days`.
fn mdoc_expires_in(max_days: i64) -> Value {
    let seconds_per = [
        ("years", 365 * 86_400),
        ("months", 30 * 86_400),
        ("weeks", 7 * 86_400),
        ("days", 86_400),
        ("hours", 3_600),
        ("minutes", 60),
        ("seconds", 1),
    ];
    let one_unit: Vec<Value> = seconds_per
        .iter()
        .map(|(unit, secs)| {
            object(
                json!({*unit: integer(1, max_days * 86_400 / secs)}),
                &[unit],
            )
        })
        .filter(|schema| {
            schema["properties"]
                .as_object()
                .is_some_and(|p| p.values().all(|v| v["maximum"].as_i64().unwrap_or(0) >= 1))
        })
        .collect();
    json!({"oneOf": one_unit})
}

/// A claim's name: 1 to 256 characters, not blank.
fn claim_name() -> Value {
    json!({"allOf": [text(256), {"minLength": 1}]})
}

/// A mapping of a claim (seed 004): `mapFrom`, `defaultValue`, or both.
fn claim_mapping() -> Value {
    with(
        object(
            json!({
                "mapFrom": nullable(json!({"type": "string", "pattern": syntax::MAP_FROM, "maxLength": 512})),
                "required": nullable(json!({"type": "boolean"})),
                "defaultValue": component("JsonValueNotNull"),
            }),
            &[],
        ),
        json!({"anyOf": [
            {"required": ["mapFrom"], "properties": {"mapFrom": {"type": "string"}}},
            {"required": ["defaultValue"]},
        ]}),
    )
}

/// mso_mdoc `validFrom` / `validUntil`: a mapping whose fixed value is a date or date-time.
fn validity_mapping() -> Value {
    with(
        object(
            json!({
                "mapFrom": nullable(json!({"type": "string", "pattern": syntax::MAP_FROM, "maxLength": 512})),
                "required": nullable(json!({"type": "boolean"})),
                "defaultValue": string(syntax::DATE_OR_DATE_TIME),
            }),
            &[],
        ),
        json!({"anyOf": [
            {"required": ["mapFrom"], "properties": {"mapFrom": {"type": "string"}}},
            {"required": ["defaultValue"]},
        ]}),
    )
}

/// The JSON values an mdoc element of a scalar type takes.
fn mdoc_value(type_name: &str) -> Value {
    match type_name {
        "string" => no_nul(),
        // Whole numbers a double holds exactly.
        "integer" => integer(-9_007_199_254_740_991, 9_007_199_254_740_991),
        "number" => json!({"type": "number"}),
        "boolean" => json!({"type": "boolean"}),
        "date" => string(syntax::DATE),
        "dateTime" => string(syntax::DATE_TIME),
        "bytes" => string(syntax::BASE64),
        _ => component("JsonValueNotNull"),
    }
}

const SCALARS: [&str; 7] = [
    "string", "integer", "number", "boolean", "date", "dateTime", "bytes",
];

/// A declared element type at nesting `depth` (1–4): a scalar `type`, or `array` with
/// `items`, or `object` with `properties`, nesting at most 4 levels below the mapping.
fn type_spec(depth: usize) -> Value {
    let mut shapes = vec![object(json!({"type": one_of_strings(&SCALARS)}), &["type"])];
    if depth < 4 {
        let next = component(&format!("MdocTypeSpec{}", depth + 1));
        shapes.push(object(
            json!({"type": {"const": "array"}, "items": next.clone()}),
            &["type"],
        ));
        shapes.push(object(
            json!({"type": {"const": "object"}, "properties": {"type": "object", "propertyNames": no_nul(), "additionalProperties": next}}),
            &["type"],
        ));
    } else {
        shapes.push(object(
            json!({"type": one_of_strings(&["array", "object"])}),
            &["type"],
        ));
    }
    json!({"anyOf": shapes})
}

/// An mso_mdoc element's mapping, as one of a few shapes so that a fixed value is described
/// by the type it must take: none declared (the element's ISO type `iso`, else any JSON), a
/// scalar type, a plain array or object, or a nested declaration (which takes no fixed value).
fn mdoc_mapping(iso: Option<Value>) -> Value {
    let source = || {
        json!({
            "mapFrom": nullable(json!({"type": "string", "pattern": syntax::MAP_FROM, "maxLength": 512})),
            "required": nullable(json!({"type": "boolean"})),
        })
    };
    let mapped_or_fixed = json!({"anyOf": [
        {"required": ["mapFrom"], "properties": {"mapFrom": {"type": "string"}}},
        {"required": ["defaultValue"]},
    ]});
    let shape = |extra: Value, fixed: Option<Value>, required: &[&str]| {
        let mut properties = source();
        if let (Some(p), Some(extra)) = (properties.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                p.insert(k.clone(), v.clone());
            }
        }
        match fixed {
            Some(fixed) => {
                set(&mut properties, "defaultValue", fixed);
                with(object(properties, required), mapped_or_fixed.clone())
            }
            None => {
                // A nested declaration takes its value from the user object only.
                set(
                    &mut properties,
                    "mapFrom",
                    json!({"type": "string", "pattern": syntax::MAP_FROM, "maxLength": 512}),
                );
                let mut all = vec!["mapFrom"];
                all.extend_from_slice(required);
                object(properties, &all)
            }
        }
    };
    let mut shapes = vec![shape(
        json!({}),
        Some(iso.unwrap_or_else(|| component("JsonValueNotNull"))),
        &[],
    )];
    for scalar in SCALARS {
        shapes.push(shape(
            json!({"type": {"const": scalar}}),
            Some(mdoc_value(scalar)),
            &["type"],
        ));
    }
    shapes.push(shape(
        json!({"type": {"const": "array"}}),
        Some(json!({"type": "array"})),
        &["type"],
    ));
    shapes.push(shape(
        json!({"type": {"const": "object"}}),
        Some(json!({"type": "object"})),
        &["type"],
    ));
    shapes.push(shape(
        json!({"type": {"const": "array"}, "items": component("MdocTypeSpec1")}),
        None,
        &["type", "items"],
    ));
    shapes.push(shape(
        json!({"type": {"const": "object"}, "properties": {"type": "object", "propertyNames": no_nul(), "additionalProperties": component("MdocTypeSpec1")}}),
        None,
        &["type", "properties"],
    ));
    json!({"anyOf": shapes})
}

/// The mappings of ISO mDL elements whose type the standard fixes (ISO/IEC 18013-5 §7.2.1),
/// one component per type: a fixed value without a declared `type` must be of that type.
fn iso_mdl_mappings() -> Vec<(&'static str, Value)> {
    let date = || mdoc_value("date");
    vec![
        ("MdocMappingDate", mdoc_mapping(Some(date()))),
        ("MdocMappingBytes", mdoc_mapping(Some(mdoc_value("bytes")))),
        (
            "MdocMappingDateTime",
            mdoc_mapping(Some(mdoc_value("dateTime"))),
        ),
        (
            "MdocMappingInteger",
            mdoc_mapping(Some(mdoc_value("integer"))),
        ),
        (
            "MdocMappingString",
            mdoc_mapping(Some(mdoc_value("string"))),
        ),
        (
            "MdocMappingBoolean",
            mdoc_mapping(Some(mdoc_value("boolean"))),
        ),
        (
            "MdocMappingDrivingPrivileges",
            mdoc_mapping(Some(json!({"type": "array", "items": {
                "type": "object",
                "properties": {
                    "vehicle_category_code": no_nul(),
                    "issue_date": date(),
                    "expiry_date": date(),
                },
                "additionalProperties": component("JsonValue"),
            }}))),
        ),
    ]
}

/// The elements of the ISO mDL namespace with a fixed type, and the patterns of the others.
fn iso_mdl_elements() -> (Value, Value) {
    let mut named = Map::new();
    for (elements, mapping) in [
        (
            &["birth_date", "issue_date", "expiry_date"][..],
            "MdocMappingDate",
        ),
        (
            &["portrait", "signature_usual_mark"][..],
            "MdocMappingBytes",
        ),
        (&["portrait_capture_date"][..], "MdocMappingDateTime"),
        (
            &["sex", "height", "weight", "age_in_years", "age_birth_year"][..],
            "MdocMappingInteger",
        ),
        (
            &[
                "family_name",
                "given_name",
                "issuing_country",
                "issuing_authority",
                "document_number",
                "un_distinguishing_sign",
                "administrative_number",
                "eye_colour",
                "hair_colour",
                "birth_place",
                "resident_address",
                "resident_city",
                "resident_state",
                "resident_postal_code",
                "resident_country",
                "nationality",
                "issuing_jurisdiction",
                "family_name_national_character",
                "given_name_national_character",
            ][..],
            "MdocMappingString",
        ),
        (&["driving_privileges"][..], "MdocMappingDrivingPrivileges"),
    ] {
        for element in elements {
            named.insert((*element).into(), component(mapping));
        }
    }
    let patterns = json!({
        "^age_over_": component("MdocMappingBoolean"),
        "^biometric_template_": component("MdocMappingBytes"),
    });
    (Value::Object(named), patterns)
}

/// The keys of a namespace object that would make it look like a mapping itself.
const MAPPING_KEYS: [&str; 3] = ["mapFrom", "defaultValue", "required"];

fn mdoc_claims() -> Value {
    let element_names = json!({"allOf": [claim_name(), {"not": {"enum": MAPPING_KEYS}}]});
    let namespace = json!({
        "type": "object",
        "maxProperties": 50,
        "propertyNames": element_names,
        "additionalProperties": component("MdocMapping"),
    });
    let (iso_named, iso_patterns) = iso_mdl_elements();
    let iso_namespace = json!({
        "type": "object",
        "maxProperties": 50,
        "propertyNames": element_names,
        "properties": iso_named,
        "patternProperties": iso_patterns,
        "additionalProperties": component("MdocMapping"),
    });
    json!({
        "type": "object",
        "maxProperties": 10,
        "propertyNames": identifier(256),
        "properties": {"org.iso.18013.5.1": iso_namespace},
        "additionalProperties": namespace,
    })
}

/// Flat claim mappings with the format's reserved names refused.
fn flat_claims(reserved: &[&str], names: Value) -> Value {
    json!({
        "type": "object",
        "maxProperties": 500,
        "propertyNames": {"allOf": [names, {"not": {"enum": reserved}}]},
        "additionalProperties": component("ClaimMappingInput"),
    })
}

/// A JSON-LD term as an ldp_vc claim name: a plain name, never a keyword or an IRI.
const LDP_TERM: &str = "^[A-Za-z_][A-Za-z0-9_]{0,255}$";
/// An ldp_vc type name (with a vocabulary context): capitalised, 3 to 128 characters.
const LDP_TYPE: &str = "^[A-Z][A-Za-z0-9_]{2,127}$";
/// The VC 1.1 examples context, which defines a fixed set of terms and no vocabulary.
const LDP_V1_EXAMPLES: &str = "https://www.w3.org/2018/credentials/examples/v1";
/// The credential types that context defines.
pub(crate) const LDP_V1_EXAMPLES_TYPES: [&str; 5] = [
    "AlumniCredential",
    "UniversityDegreeCredential",
    "RelationshipCredential",
    "DisputeCredential",
    "PrescriptionCredential",
];
/// The claims it defines that take plain values (not IRIs).
pub(crate) const LDP_V1_EXAMPLES_CLAIMS: [&str; 18] = [
    "alumniOf",
    "degree",
    "degreeType",
    "degreeSchool",
    "college",
    "name",
    "givenName",
    "familyName",
    "referenceId",
    "documentPresence",
    "evidenceDocument",
    "spouse",
    "subjectPresence",
    "currentStatus",
    "statusReason",
    "prescription",
    "issuerData",
    "attributes",
];

/// Contexts a VCDM 2.0 (`eddsa-rdfc-2022`) ldp_vc may list; each defines every term.
const LDP_V2_CONTEXTS: [&str; 2] = [
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://www.w3.org/ns/credentials/undefined-terms/v2",
];
/// Contexts a VCDM 1.1 (`Ed25519Signature2020`) ldp_vc may list, each defining every term.
const LDP_V1_VOCABULARIES: [&str; 5] = [
    "https://www.w3.org/ns/credentials/examples/v2",
    "https://schema.org",
    "https://schema.org/",
    "http://schema.org",
    "http://schema.org/",
];

fn credential_configuration() -> Value {
    let common = |format: &str| {
        json!({
            "name": text(256),
            "description": nullable(text(2048)),
            "format": {"const": format},
            "branding": nullable(component("BrandingInput")),
            "claimSourceId": nullable(id()),
            "deferred": nullable(json!({"type": "boolean"})),
            "revocable": nullable(json!({"type": "boolean"})),
        })
    };
    let variant = |format: &str, extra: Value, required: &[&str]| {
        let mut properties = common(format);
        if let (Some(p), Some(extra)) = (properties.as_object_mut(), extra.as_object()) {
            for (k, v) in extra {
                p.insert(k.clone(), v.clone());
            }
        }
        let mut all = vec!["name", "format"];
        all.extend_from_slice(required);
        object(properties, &all)
    };
    let types = || nullable(array(identifier(128), 0, 20));
    let contexts = || nullable(array(http_url(), 0, 20));
    let expires = || nullable(component("ExpiresInInput"));
    let sd_jwt = variant(
        "dc+sd-jwt",
        json!({
            "vct": identifier(2048),
            "claimMappings": flat_claims(&[
                "iss", "nbf", "exp", "iat", "cnf", "vct", "vct#integrity", "status", "_sd", "_sd_alg", "...",
            ], claim_name()),
            "expiresIn": expires(),
        }),
        &["vct"],
    );
    let jwt_vc = |format: &str| {
        variant(
            format,
            json!({
                "type": identifier(128),
                "additionalTypes": types(),
                "contexts": contexts(),
                "claimMappings": flat_claims(&["id"], claim_name()),
                "expiresIn": expires(),
            }),
            &["type"],
        )
    };
    let cwt = variant(
        "cwt",
        json!({
            "type": identifier(128),
            "claimMappings": flat_claims(&["iss", "sub", "aud", "exp", "nbf", "iat", "cti", "cnf"], claim_name()),
            "expiresIn": expires(),
        }),
        &["type"],
    );
    let mdoc = with(
        variant(
            "mso_mdoc",
            json!({
                "doctype": identifier(256),
                "claimMappings": mdoc_claims(),
                "expiresIn": nullable(json!({})),
                "validFrom": nullable(component("ValidityMapping")),
                "validUntil": nullable(component("ValidityMapping")),
            }),
            &["doctype"],
        ),
        json!({"allOf": [
            {"not": {"required": ["validUntil", "expiresIn"], "properties": {
                "validUntil": {"not": {"type": "null"}}, "expiresIn": {"not": {"type": "null"}}}}},
            {"if": {"properties": {"doctype": {"pattern": "^org\\.iso\\.18013\\.5\\.1\\.mDL"}}},
             "then": {"properties": {"expiresIn": nullable(mdoc_expires_in(427))}},
             "else": {"properties": {"expiresIn": nullable(mdoc_expires_in(3_620))}}},
        ]}),
    );
    // ldp_vc: with a vocabulary context every plain term is defined; without one (VCDM 1.1
    // with the VC examples context) only the terms that context defines.
    let term = || json!({"type": "string", "pattern": LDP_TERM});
    let type_term = || json!({"type": "string", "pattern": LDP_TYPE});
    let ldp = |suite: &str, contexts: &[&str], types: Value, claims: Value, mapping: &str| {
        let default_suite = suite == "eddsa-rdfc-2022";
        let suite_schema = if default_suite {
            nullable(json!({"const": suite}))
        } else {
            json!({"const": suite})
        };
        let mut required = vec!["type", "contexts"];
        if !default_suite {
            required.push("proofSuite");
        }
        // A revocable ldp_vc needs VCDM 2.0 (its context defines the Bitstring Status List).
        let revocable = if default_suite {
            nullable(json!({"type": "boolean"}))
        } else {
            nullable(json!({"const": false}))
        };
        variant(
            "ldp_vc",
            json!({
                "revocable": revocable,
                "type": types.clone(),
                "additionalTypes": nullable(array(types, 0, 20)),
                "contexts": {"type": "array", "items": {"enum": contexts}, "uniqueItems": true,
                              "minItems": 1, "maxItems": contexts.len()},
                "claimMappings": json!({
                    "type": "object",
                    "maxProperties": 500,
                    "propertyNames": claims,
                    "additionalProperties": component(mapping),
                }),
                "expiresIn": expires(),
                "proofSuite": suite_schema,
                "issuerDid": nullable(one_of_strings(&["did:web", "did:key"])),
            }),
            &required,
        )
    };
    // `id` and `type` are keywords; VC 1.1 gives `proof` a meaning of its own.
    let plain_claims = json!({"allOf": [term(), {"not": {"enum": ["id", "type", "proof"]}}]});
    let ldp_v2 = ldp(
        "eddsa-rdfc-2022",
        &LDP_V2_CONTEXTS,
        type_term(),
        plain_claims.clone(),
        "LdpClaimMapping",
    );
    let ldp_v1 = ldp(
        "Ed25519Signature2020",
        &LDP_V1_VOCABULARIES,
        type_term(),
        plain_claims,
        "LdpClaimMapping",
    );
    let ldp_v1_examples = ldp(
        "Ed25519Signature2020",
        &[LDP_V1_EXAMPLES],
        one_of_strings(&LDP_V1_EXAMPLES_TYPES),
        one_of_strings(&LDP_V1_EXAMPLES_CLAIMS),
        "LdpScalarClaimMapping",
    );
    json!({"oneOf": [
        sd_jwt,
        jwt_vc("jwt_vc_json"),
        jwt_vc("cwt_vc"),
        cwt,
        mdoc,
        ldp_v2,
        ldp_v1,
        ldp_v1_examples,
    ]})
}

/// ldp_vc claim mappings: fixed values are data made of plain terms (no JSON-LD keywords, no
/// `id` or `type` members).
fn ldp_components() -> Vec<(&'static str, Value)> {
    // Fixed values nest at most three levels deep, every member name a plain term.
    let level = |depth: usize| -> Value {
        let mut kinds = vec![
            no_nul(),
            json!({"type": "number"}),
            json!({"type": "boolean"}),
        ];
        if depth < 3 {
            let next = component(&format!("LdpValue{}", depth + 1));
            let term = json!({"type": "string", "pattern": LDP_TERM});
            kinds.push(json!({"type": "array", "items": next.clone(), "minItems": 1}));
            kinds.push(json!({"type": "object",
                "propertyNames": {"allOf": [term, {"not": {"enum": ["id", "proof"]}}]},
                "properties": {"type": {"anyOf": [
                    {"type": "string", "pattern": LDP_TYPE},
                    {"type": "array", "items": {"type": "string", "pattern": LDP_TYPE}, "minItems": 1},
                ]}},
                "additionalProperties": next, "minProperties": 1}));
        }
        json!({"anyOf": kinds})
    };
    let mapping = with(
        object(
            json!({
                "mapFrom": nullable(json!({"type": "string", "pattern": syntax::MAP_FROM, "maxLength": 512})),
                "required": nullable(json!({"type": "boolean"})),
                "defaultValue": component("LdpValue1"),
            }),
            &[],
        ),
        json!({"anyOf": [
            {"required": ["mapFrom"], "properties": {"mapFrom": {"type": "string"}}},
            {"required": ["defaultValue"]},
        ]}),
    );
    let scalar = with(
        object(
            json!({
                "mapFrom": nullable(json!({"type": "string", "pattern": syntax::MAP_FROM, "maxLength": 512})),
                "required": nullable(json!({"type": "boolean"})),
                "defaultValue": {"anyOf": [no_nul(), {"type": "number"}, {"type": "boolean"}]},
            }),
            &[],
        ),
        json!({"anyOf": [
            {"required": ["mapFrom"], "properties": {"mapFrom": {"type": "string"}}},
            {"required": ["defaultValue"]},
        ]}),
    );
    vec![
        ("LdpValue1", level(1)),
        ("LdpValue2", level(2)),
        ("LdpValue3", level(3)),
        ("LdpClaimMapping", mapping),
        ("LdpScalarClaimMapping", scalar),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigil_core::catalogue::credential_configuration::CredentialConfiguration;
    use sigil_proto::admin::credential_configuration::CredentialConfigurationRequest;

    fn accepted(body: Value) {
        let request: CredentialConfigurationRequest = serde_json::from_value(body.clone()).unwrap();
        if let Err(e) = CredentialConfiguration::parse(String::new(), request) {
            panic!("{body}: {e:?}");
        }
    }

    /// Everything the ldp_vc branches of the schema call valid, the domain accepts: sample
    /// names and values of each branch go through the domain's JSON-LD checks.
    #[test]
    fn the_ldp_vc_branches_describe_configurations_the_domain_accepts() {
        let names = [
            "a",
            "_x",
            "Z9",
            "name",
            "url",
            "image",
            "address",
            "issuer",
            "credentialSubject",
            "validFrom",
            "description",
            "identifier",
            "sameAs",
            "email",
            "birthDate",
            "alumniOf",
            "degree",
            "status",
            "evidence",
        ];
        let values = [
            json!("text"),
            json!(7),
            json!(2.5),
            json!(true),
            json!({"type": "Xyz", "name": "n", "deep": [1, "a", false]}),
            json!({"type": ["Abc", "Def"], "nested": {"inner": "x"}}),
            json!(["x", 1]),
        ];
        let suites = [
            ("eddsa-rdfc-2022", &LDP_V2_CONTEXTS[..]),
            ("Ed25519Signature2020", &LDP_V1_VOCABULARIES[..]),
        ];
        for (suite, contexts) in suites {
            for context in contexts {
                let mut mappings = Map::new();
                for (i, name) in names.iter().enumerate() {
                    let value = values.get(i % values.len()).cloned().unwrap_or_default();
                    mappings.insert((*name).into(), json!({"defaultValue": value}));
                }
                mappings.insert("mapped".into(), json!({"mapFrom": "claims.x"}));
                accepted(json!({"name": "N", "format": "ldp_vc", "type": "Abc_1",
                    "additionalTypes": ["Xyz"], "contexts": [context], "proofSuite": suite,
                    "claimMappings": mappings}));
            }
            accepted(
                json!({"name": "N", "format": "ldp_vc", "type": "Abc", "contexts": contexts,
                "proofSuite": suite, "claimMappings": {"x": {"mapFrom": "claims.x"}}}),
            );
        }
        for ty in LDP_V1_EXAMPLES_TYPES {
            let mut mappings = Map::new();
            for (i, name) in LDP_V1_EXAMPLES_CLAIMS.iter().enumerate() {
                let value = [json!("text"), json!(1), json!(false)]
                    .get(i % 3)
                    .cloned()
                    .unwrap_or_default();
                mappings.insert((*name).into(), json!({"defaultValue": value}));
            }
            accepted(json!({"name": "N", "format": "ldp_vc", "type": ty,
                "additionalTypes": LDP_V1_EXAMPLES_TYPES, "contexts": [LDP_V1_EXAMPLES],
                "proofSuite": "Ed25519Signature2020", "claimMappings": mappings}));
        }
    }
}
