//! Discovery documents: Credential Issuer Metadata (OID4VCI 1.0 §12.2), Authorization Server
//! Metadata (RFC 8414) and JWT VC Issuer Metadata (SD-JWT VC §5). Every URL derives from the
//! issuer identifier.

#[allow(unused_imports)]
use crate::catalogue::credential_configuration::CredentialConfigurations;
#[allow(unused_imports)]
use crate::keys::IssuerKeys;
#[allow(unused_imports)]
use crate::settings::Settings;
use serde_json::{Map, Value, json};
use std::sync::Arc;

use crate::authorization::dpop::DPOP_ALGS;
use crate::catalogue::claim_mapping::{ClaimMappings, ClaimSource};
use crate::catalogue::credential_configuration::{Claims, CredentialConfiguration, Format};
use crate::error::Error;
use sigil_proto::oid4vci::offer::PRE_AUTHORIZED_CODE_GRANT;

use crate::authorization::token::AUTHORIZATION_CODE_GRANT;

/// Where the IACAs that verifiers should trust are published (`mdoc_iacas_uri`).
pub const MDOC_IACAS_PATH: &str = "/v1/openid/mdoc-iacas";
/// The token endpoint.
pub const TOKEN_PATH: &str = "/v1/oauth/token";
/// The nonce endpoint.
pub const NONCE_PATH: &str = "/v1/openid/nonce";
/// The credential endpoint.
pub const CREDENTIAL_PATH: &str = "/v1/openid/credential";
/// The deferred credential endpoint.
pub const DEFERRED_CREDENTIAL_PATH: &str = "/v1/openid/deferred-credential";
/// The notification endpoint.
pub const NOTIFICATION_PATH: &str = "/v1/openid/notification";

fn claims_metadata(mappings: &ClaimMappings, prefix: &[&str]) -> Vec<Value> {
    mappings
        .0
        .iter()
        .map(|m| {
            let mut path: Vec<Value> = prefix.iter().map(|p| Value::from(*p)).collect();
            path.push(Value::from(m.name.clone()));
            // Present in every credential: required, defaulted, or static.
            let mandatory = match &m.source {
                ClaimSource::Static(_) => true,
                ClaimSource::Mapped { default, .. } => m.required || default.is_some(),
            };
            json!({ "path": path, "mandatory": mandatory })
        })
        .collect()
}

fn configuration_metadata(config: &CredentialConfiguration) -> Value {
    let r = &config.request;
    let mut entry = Map::new();
    entry.insert("format".into(), config.format.as_str().into());
    // Seed 002 repeats the configuration id inside each entry.
    entry.insert("id".into(), config.id.clone().into());
    entry.insert("scope".into(), config.scope.clone().into());
    let claims = match (&config.claims, config.format) {
        (Claims::Flat(m), Format::DcSdJwt) => {
            entry.insert("vct".into(), r.vct.clone().unwrap_or_default().into());
            entry.insert(
                "cryptographic_binding_methods_supported".into(),
                json!(["jwk"]),
            );
            claims_metadata(m, &[])
        }
        (Claims::Flat(m), Format::CwtVc) => {
            let mut types = vec![Value::from("VerifiableCredential")];
            types.extend(config.types().into_iter().map(Value::from));
            entry.insert("types".into(), Value::Array(types));
            entry.insert(
                "cryptographic_binding_methods_supported".into(),
                json!(["cose_key"]),
            );
            claims_metadata(m, &["vc", "credentialSubject"])
        }
        (Claims::Flat(m), Format::Cwt) => {
            entry.insert("type".into(), r.type_.clone().unwrap_or_default().into());
            entry.insert(
                "cryptographic_binding_methods_supported".into(),
                json!(["cose_key"]),
            );
            claims_metadata(m, &[])
        }
        (Claims::Flat(m), Format::LdpVc) => {
            let types = config.types();
            if let Some(t) = config.ldp_template(&types) {
                entry.insert(
                    "credential_definition".into(),
                    json!({ "@context": t.context(), "type": t.type_() }),
                );
            }
            // credentialSubject.id is the holder's DID.
            entry.insert(
                "cryptographic_binding_methods_supported".into(),
                json!(["did:key", "did:jwk"]),
            );
            claims_metadata(m, &["credentialSubject"])
        }
        (Claims::Flat(m), _) => {
            let mut types = vec![Value::from("VerifiableCredential")];
            types.extend(config.types().into_iter().map(Value::from));
            entry.insert("credential_definition".into(), json!({ "type": types }));
            entry.insert(
                "cryptographic_binding_methods_supported".into(),
                json!(["jwk", "did:jwk", "did:key"]),
            );
            claims_metadata(m, &["credentialSubject"])
        }
        (Claims::Namespaced(namespaces), _) => {
            entry.insert(
                "doctype".into(),
                r.doctype.clone().unwrap_or_default().into(),
            );
            entry.insert(
                "cryptographic_binding_methods_supported".into(),
                json!(["cose_key"]),
            );
            namespaces
                .iter()
                .flat_map(|(ns, m)| claims_metadata(m, &[ns]))
                .collect()
        }
    };
    // COSE formats name algorithms by COSE identifier (Appendix A.2.2, seed 002), JOSE ones by name.
    // ldp_vc names its proof suite (Appendix A.1.2.2).
    let cose = matches!(config.format, Format::MsoMdoc | Format::CwtVc | Format::Cwt);
    let algorithms = match config.ldp {
        Some(ldp) => json!([ldp.suite.as_str()]),
        None if cose => json!([-7]),
        None => json!(["ES256"]),
    };
    entry.insert("credential_signing_alg_values_supported".into(), algorithms);
    entry.insert(
        "proof_types_supported".into(),
        json!({ "jwt": { "proof_signing_alg_values_supported": config.format.proof_algorithms() } }),
    );
    let mut display = Map::new();
    display.insert("name".into(), r.name.clone().into());
    let branding = r.branding.clone();
    display.insert(
        "locale".into(),
        branding
            .as_ref()
            .and_then(|b| b.locale.clone())
            .unwrap_or_else(|| "en-US".into())
            .into(),
    );
    if let Some(d) = &r.description {
        display.insert("description".into(), d.clone().into());
    }
    if let Some(b) = branding {
        if let Some(logo) = b.logo {
            let mut l = Map::new();
            l.insert("uri".into(), logo.url.into());
            if let Some(alt) = logo.alt_text {
                l.insert("alt_text".into(), alt.into());
            }
            display.insert("logo".into(), Value::Object(l));
        }
        if let Some(c) = b.background_color {
            display.insert("background_color".into(), c.into());
        }
        if let Some(c) = b.text_color {
            display.insert("text_color".into(), c.into());
        }
        if let Some(w) = b.watermark_image {
            display.insert("background_image".into(), json!({ "uri": w }));
        }
    }
    entry.insert(
        "credential_metadata".into(),
        json!({ "display": [Value::Object(display)], "claims": claims }),
    );
    Value::Object(entry)
}

/// The metadata documents: credential issuer, authorization server, SD-JWT VC issuer.
#[derive(Debug, Clone)]
pub struct Metadata {
    pub(crate) settings: Arc<Settings>,
    pub(crate) issuer_keys: Arc<IssuerKeys>,
    pub(crate) configurations: Arc<CredentialConfigurations>,
}

impl Metadata {
    /// `GET /.well-known/openid-credential-issuer`: only configurations Sigil can issue.
    pub async fn credential_issuer_metadata(&self) -> Result<Value, Error> {
        let issuer = self.issuer();
        let configurations: Map<String, Value> = self
            .configurations
            .all_credential_configurations()
            .await?
            .iter()
            .map(|c| (c.id.clone(), configuration_metadata(c)))
            .collect();
        let oauth = &self.settings().oauth;
        let algs: Vec<&str> = crate::keys::request_keys::ALGS
            .iter()
            .map(|a| a.as_str())
            .collect();
        let encs: Vec<&str> = crate::keys::request_keys::ENCS
            .iter()
            .map(|e| e.as_str())
            .collect();
        let mut metadata = json!({
            "credential_issuer": issuer,
            "credential_endpoint": format!("{issuer}{CREDENTIAL_PATH}"),
            "nonce_endpoint": format!("{issuer}{NONCE_PATH}"),
            "deferred_credential_endpoint": format!("{issuer}{DEFERRED_CREDENTIAL_PATH}"),
            "notification_endpoint": format!("{issuer}{NOTIFICATION_PATH}"),
            // §12.2.4: no zip_values_supported, so no compression.
            "credential_request_encryption": {
                "jwks": self.keys().request_keys().jwks(),
                "enc_values_supported": encs,
                "encryption_required": oauth.require_encryption,
            },
            "credential_response_encryption": {
                "alg_values_supported": algs,
                "enc_values_supported": encs,
                "encryption_required": oauth.require_encryption,
            },
            "display": [{ "name": self.settings().issuer_name, "locale": "en-US" }],
            "credential_configurations_supported": configurations,
            "mdoc_iacas_uri": format!("{issuer}{MDOC_IACAS_PATH}"),
        });
        // §12.2.4: present only when batches are supported (batch_size ≥ 2).
        if oauth.batch_size >= 2
            && let Some(m) = metadata.as_object_mut()
        {
            m.insert(
                "batch_credential_issuance".into(),
                json!({ "batch_size": oauth.batch_size }),
            );
        }
        Ok(metadata)
    }

    /// `GET /.well-known/oauth-authorization-server` (RFC 8414 §2; OID4VCI 1.0 §12.3).
    pub fn authorization_server_metadata(&self) -> Value {
        let issuer = self.issuer();
        json!({
            "issuer": issuer,
            "authorization_endpoint": format!("{issuer}/v1/oauth/authorize"),
            "pushed_authorization_request_endpoint": format!("{issuer}/v1/oauth/par"),
            "require_pushed_authorization_requests": false,
            "token_endpoint": format!("{issuer}{TOKEN_PATH}"),
            "jwks_uri": format!("{issuer}/v1/oauth/jwks"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": [AUTHORIZATION_CODE_GRANT, PRE_AUTHORIZED_CODE_GRANT],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["none", "client_secret_basic"],
            "authorization_response_iss_parameter_supported": true,
            "authorization_details_types_supported": ["openid_credential"],
            "pre-authorized_grant_anonymous_access_supported": true,
            "dpop_signing_alg_values_supported": DPOP_ALGS,
        })
    }

    /// `GET /.well-known/jwt-vc-issuer` (SD-JWT VC §5): the keys that sign SD-JWT VCs.
    pub fn jwt_vc_issuer_metadata(&self) -> Value {
        json!({ "issuer": self.issuer(), "jwks": self.keys().jwks() })
    }
}
