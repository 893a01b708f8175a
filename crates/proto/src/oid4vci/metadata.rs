//! Discovery documents: Credential Issuer Metadata (OID4VCI 1.0 §12.2), Authorization Server
//! Metadata (RFC 8414 §2, OID4VCI 1.0 §12.3) and JWT VC Issuer Metadata (SD-JWT VC §5), as typed
//! structs whose members serialise in the order the specifications list them.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// `/.well-known/openid-credential-issuer` (§12.2.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialIssuerMetadata {
    /// The credential issuer identifier.
    pub credential_issuer: String,
    /// The credential endpoint.
    pub credential_endpoint: String,
    /// The nonce endpoint.
    pub nonce_endpoint: String,
    /// The deferred credential endpoint.
    pub deferred_credential_endpoint: String,
    /// The notification endpoint.
    pub notification_endpoint: String,
    /// Encrypted credential requests (no `zip_values_supported`: no compression).
    pub credential_request_encryption: RequestEncryptionMetadata,
    /// Encrypted credential responses.
    pub credential_response_encryption: ResponseEncryptionMetadata,
    /// The issuer's display.
    pub display: Vec<IssuerDisplay>,
    /// Each credential configuration, by id.
    pub credential_configurations_supported: BTreeMap<String, CredentialConfigurationMetadata>,
    /// Where the IACAs to trust for mdocs are published.
    pub mdoc_iacas_uri: String,
    /// draft-ietf-oauth-status-list §9: every status list this issuer publishes, as
    /// `{"status_lists": [uri, …]}`.
    pub status_list_aggregation_endpoint: String,
    /// Present only when batches are supported (`batch_size` ≥ 2).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_credential_issuance: Option<BatchIssuance>,
}

/// `credential_request_encryption`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestEncryptionMetadata {
    /// The issuer's request-encryption keys (a JWKS).
    pub jwks: Value,
    /// Content encryption algorithms.
    pub enc_values_supported: Vec<String>,
    /// Whether requests must be encrypted.
    pub encryption_required: bool,
}

/// `credential_response_encryption`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseEncryptionMetadata {
    /// Key management algorithms.
    pub alg_values_supported: Vec<String>,
    /// Content encryption algorithms.
    pub enc_values_supported: Vec<String>,
    /// Whether responses must be encrypted.
    pub encryption_required: bool,
}

/// One entry of the issuer's `display`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IssuerDisplay {
    /// Display name.
    pub name: String,
    /// Its locale.
    pub locale: String,
}

/// `batch_credential_issuance`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchIssuance {
    /// Most proofs (so credentials) in one request.
    pub batch_size: usize,
}

/// One entry of `credential_configurations_supported` (§12.2.4, Appendix A).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialConfigurationMetadata {
    /// The format.
    pub format: String,
    /// The configuration id (seed 002 repeats it inside each entry).
    pub id: String,
    /// The OAuth scope.
    pub scope: String,
    /// `dc+sd-jwt`: the credential type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vct: Option<String>,
    /// `cwt_vc`: the VC types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub types: Option<Vec<String>>,
    /// `cwt`: the type.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// `jwt_vc_json` and `ldp_vc`: the credential definition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_definition: Option<CredentialDefinition>,
    /// `mso_mdoc`: the document type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doctype: Option<String>,
    /// How credentials are bound to their holder.
    pub cryptographic_binding_methods_supported: Vec<String>,
    /// Algorithms (JOSE names, COSE identifiers, or a Data Integrity proof suite).
    pub credential_signing_alg_values_supported: Vec<SigningAlgValue>,
    /// Key proof types.
    pub proof_types_supported: ProofTypesSupported,
    /// Display and claims.
    pub credential_metadata: CredentialMetadata,
}

/// `credential_definition`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialDefinition {
    /// `ldp_vc`: the full `@context` list.
    #[serde(rename = "@context", skip_serializing_if = "Option::is_none")]
    pub context: Option<Vec<String>>,
    /// The types, `VerifiableCredential` first.
    #[serde(rename = "type")]
    pub types: Vec<String>,
}

/// A signing algorithm as a format names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SigningAlgValue {
    /// A JOSE name or a proof suite.
    Name(String),
    /// A COSE algorithm identifier.
    Cose(i64),
}

/// `proof_types_supported`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProofTypesSupported {
    /// `jwt` key proofs.
    pub jwt: JwtProofType,
}

/// The `jwt` proof type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JwtProofType {
    /// Algorithms key proofs may be signed with.
    pub proof_signing_alg_values_supported: Vec<String>,
}

/// `credential_metadata`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialMetadata {
    /// How wallets show the credential.
    pub display: Vec<CredentialDisplay>,
    /// The claims.
    pub claims: Vec<ClaimMetadata>,
}

/// One display of a credential.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CredentialDisplay {
    /// Name.
    pub name: String,
    /// Locale.
    pub locale: String,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Logo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<Logo>,
    /// Background colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// Text colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
    /// Background image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background_image: Option<Image>,
}

/// A logo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Logo {
    /// Where it is.
    pub uri: String,
    /// Its text alternative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_text: Option<String>,
}

/// An image.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Image {
    /// Where it is.
    pub uri: String,
}

/// One claim of a configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimMetadata {
    /// Its path in the credential.
    pub path: Vec<String>,
    /// Whether every credential carries it.
    pub mandatory: bool,
}

/// `/.well-known/oauth-authorization-server`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuthorizationServerMetadata {
    /// The issuer identifier.
    pub issuer: String,
    /// The authorization endpoint.
    pub authorization_endpoint: String,
    /// The pushed authorization request endpoint.
    pub pushed_authorization_request_endpoint: String,
    /// Whether PAR is required.
    pub require_pushed_authorization_requests: bool,
    /// The token endpoint.
    pub token_endpoint: String,
    /// The issuer's JWKS.
    pub jwks_uri: String,
    /// `code`.
    pub response_types_supported: Vec<String>,
    /// `query`.
    pub response_modes_supported: Vec<String>,
    /// The grants.
    pub grant_types_supported: Vec<String>,
    /// `S256`.
    pub code_challenge_methods_supported: Vec<String>,
    /// Client authentication methods.
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// RFC 9207.
    pub authorization_response_iss_parameter_supported: bool,
    /// `openid_credential`.
    pub authorization_details_types_supported: Vec<String>,
    /// OID4VCI 1.0 §12.3.
    #[serde(rename = "pre-authorized_grant_anonymous_access_supported")]
    pub pre_authorized_grant_anonymous_access_supported: bool,
    /// RFC 9449 §5.1.
    pub dpop_signing_alg_values_supported: Vec<String>,
}

/// `/.well-known/jwt-vc-issuer`: the issuer and the keys that sign its SD-JWT VCs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JwtVcIssuerMetadata<J> {
    /// The issuer identifier.
    pub issuer: String,
    /// Its signing keys.
    pub jwks: J,
}

/// The status list aggregation endpoint's body (draft-ietf-oauth-status-list §9.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StatusListAggregation {
    /// The URI of every status list.
    pub status_lists: Vec<String>,
}
