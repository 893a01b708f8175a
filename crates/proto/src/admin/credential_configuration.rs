//! `POST/GET /v1/openid/credential-configurations`, `GET/PUT/DELETE …/{id}` (seed 004).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A credential configuration: the template a credential is built from.
///
/// Which type field applies depends on `format`: `vct` for `dc+sd-jwt`; `type` (with optional
/// `additionalTypes`, and `contexts` for JSON-LD) for `jwt_vc_json`, `ldp_vc`, `cwt_vc` and
/// `cwt`; `doctype` for `mso_mdoc`. For `mso_mdoc`, `claimMappings` is keyed by namespace, then
/// by element identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialConfigurationRequest {
    /// Display name of the credential.
    pub name: String,
    /// Display description.
    pub description: Option<String>,
    /// `dc+sd-jwt`, `jwt_vc_json`, `mso_mdoc`, `ldp_vc`, `cwt_vc` or `cwt`.
    pub format: String,
    /// The credential type, e.g. `CourseCredential`.
    #[serde(rename = "type")]
    pub type_: Option<String>,
    /// More types beside `type`.
    pub additional_types: Option<Vec<String>>,
    /// JSON-LD contexts (absolute URLs) beside the VC base context. For `ldp_vc` each must be
    /// one Sigil bundles (see the README), and together they must define every type and claim.
    pub contexts: Option<Vec<String>>,
    /// SD-JWT VC type (`vct`).
    pub vct: Option<String>,
    /// mdoc document type, e.g. `org.iso.18013.5.1.mDL`.
    pub doctype: Option<String>,
    /// Credential claim name → mapping (seed 004).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub claim_mappings: serde_json::Map<String, serde_json::Value>,
    /// How wallets should show the credential.
    pub branding: Option<Branding>,
    /// Validity of issued credentials.
    pub expires_in: Option<ExpiresIn>,
    /// A claims source queried at issuance; its answer is merged into the user's claims before
    /// the claim mappings run.
    pub claim_source_id: Option<String>,
    /// mso_mdoc: when the credential becomes valid, mapped like a claim (an RFC 3339 date-time
    /// or a date); default and earliest: the time of issuance.
    pub valid_from: Option<ClaimMapping>,
    /// mso_mdoc: when the credential expires, mapped like a claim; instead of `expiresIn`.
    pub valid_until: Option<ClaimMapping>,
    /// ldp_vc: `eddsa-rdfc-2022` (default: VCDM 2.0 with a DataIntegrityProof) or
    /// `Ed25519Signature2020` (VCDM 1.1).
    pub proof_suite: Option<String>,
    /// ldp_vc: the issuer's DID, `did:web` (default: derived from the public URL, document at
    /// `/.well-known/did.json`) or `did:key` (the issuer's Ed25519 key).
    pub issuer_did: Option<String>,
    /// Deferred issuance (OID4VCI 1.0 §9): when true, the credential endpoint answers 202 with a
    /// `transaction_id`, and the credential is issued through the deferred credential endpoint
    /// once an administrator approves it (`POST /v1/credentials/deferred/{id}/approve`).
    /// Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred: Option<bool>,
    /// Whether credentials issued from it can be revoked or suspended: each then carries a
    /// status list reference (Token Status List; Bitstring Status List for `ldp_vc`, which needs
    /// the `eddsa-rdfc-2022` suite). Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocable: Option<bool>,
}

/// One claim mapping, as seed 004 defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimMapping {
    /// Dotted path into the user object, e.g. `claims.address.formatted`. Absent for a static
    /// claim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub map_from: Option<String>,
    /// When true and the claim cannot be mapped (and has no default), issuance fails.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// Used when `mapFrom` finds nothing; without `mapFrom`, the claim's static value. Any JSON
    /// type except null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<serde_json::Value>,
    /// mso_mdoc: the CBOR type of the value: `string`, `integer`, `number`, `boolean`, `date`
    /// (full-date), `dateTime` (tdate), `bytes` (base64 in, byte string out), `array` or
    /// `object`. Without it, the ISO type of a known mDL element, else the JSON value's own.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// mso_mdoc, `type: array`: the type of the items (`{"type": …}`, nestable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<serde_json::Value>,
    /// mso_mdoc, `type: object`: member name → `{"type": …}` (nestable).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub properties: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Wallet display of the credential (OID4VCI 1.0 §12.2.4 `credential_metadata.display`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Branding {
    /// BCP 47 language tag of the display strings (default `en-US`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// `#RRGGBB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// `#RRGGBB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
    /// https URL of a background (watermark) image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark_image: Option<String>,
    /// The issuer's logo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<Image>,
}

/// An image reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Image {
    /// https URL of the image.
    pub url: String,
    /// Alternative text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// A duration as a sum of calendar and clock units; at least one must be positive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExpiresIn {
    /// Years (365 days each).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub years: Option<i64>,
    /// Months (30 days each).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub months: Option<i64>,
    /// Weeks.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub weeks: Option<i64>,
    /// Days.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub days: Option<i64>,
    /// Hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub hours: Option<i64>,
    /// Minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub minutes: Option<i64>,
    /// Seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub seconds: Option<i64>,
}

/// A stored credential configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialConfigurationResponse {
    /// The configuration's id, used in offers and as `credential_configuration_id`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Display description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The credential format.
    pub format: String,
    /// The credential type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// More types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_types: Option<Vec<String>>,
    /// JSON-LD contexts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contexts: Option<Vec<String>>,
    /// SD-JWT VC type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
    /// mdoc document type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctype: Option<String>,
    /// The claim mappings as stored.
    #[schema(value_type = Object)]
    pub claim_mappings: serde_json::Map<String, serde_json::Value>,
    /// Display.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branding: Option<Branding>,
    /// Validity of issued credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_in: Option<ExpiresIn>,
    /// The claims source queried at issuance.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_source_id: Option<String>,
    /// mso_mdoc: start of validity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<ClaimMapping>,
    /// mso_mdoc: end of validity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<ClaimMapping>,
    /// ldp_vc: the proof suite.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proof_suite: Option<String>,
    /// ldp_vc: the issuer DID method.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer_did: Option<String>,
    /// Whether issuance waits for an administrator's approval (deferred issuance).
    pub deferred: bool,
    /// Whether its credentials can be revoked or suspended.
    pub revocable: bool,
    /// The OAuth scope wallets use to request this credential.
    pub scope: String,
}

/// A configuration (as it would be created) and a sample user object, for a preview of the
/// claims the configuration would put in that user's credential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClaimsPreviewRequest {
    /// The configuration, validated exactly as on create.
    pub configuration: CredentialConfigurationRequest,
    /// A user object (`{"authenticationProvider": {...}, "claims": {...}}`, seed 004).
    pub user: serde_json::Map<String, serde_json::Value>,
}

/// What a credential for the sample user would hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ClaimsPreviewResponse {
    /// Whether a credential could be issued (false when a required claim fails to map).
    pub issuable: bool,
    /// The claims (mso_mdoc: per namespace), when issuable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<serde_json::Map<String, serde_json::Value>>,
    /// Why not, when not issuable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
