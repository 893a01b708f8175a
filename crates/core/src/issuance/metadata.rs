//! Discovery documents: Credential Issuer Metadata (OID4VCI 1.0 §12.2), Authorization Server
//! Metadata (RFC 8414) and JWT VC Issuer Metadata (SD-JWT VC §5). Every URL derives from the
//! issuer identifier.

use std::sync::Arc;

use sigil_crypto::Jwks;
use sigil_proto::oid4vci::metadata::{
    AuthorizationServerMetadata, BatchIssuance, ClaimMetadata, CredentialConfigurationMetadata,
    CredentialDefinition, CredentialDisplay, CredentialIssuerMetadata, CredentialMetadata, Image,
    IssuerDisplay, JwtProofType, JwtVcIssuerMetadata, Logo, ProofTypesSupported,
    RequestEncryptionMetadata, ResponseEncryptionMetadata, SigningAlgValue,
};
use sigil_proto::oid4vci::offer::PRE_AUTHORIZED_CODE_GRANT;

use crate::authorization::dpop::DPOP_ALGS;
use crate::authorization::token::AUTHORIZATION_CODE_GRANT;
use crate::catalogue::claim_mapping::{ClaimMappings, ClaimSource};
use crate::catalogue::credential_configuration::CredentialConfigurations;
use crate::catalogue::credential_configuration::{Claims, CredentialConfiguration, Format};
use crate::error::Error;
use crate::keys::request_keys::{ALGS, ENCS};
use crate::keys::{IssuerKeys, KeyRing};
use crate::settings::Settings;
use crate::store::StoreError;

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

fn claims_metadata(mappings: &ClaimMappings, prefix: &[&str]) -> Vec<ClaimMetadata> {
    mappings
        .0
        .iter()
        .map(|m| {
            let mut path: Vec<String> = prefix.iter().map(|p| p.to_string()).collect();
            path.push(m.name.clone());
            // Present in every credential: required, defaulted, or static.
            let mandatory = match &m.source {
                ClaimSource::Static(_) => true,
                ClaimSource::Mapped { default, .. } => m.required || default.is_some(),
            };
            ClaimMetadata { path, mandatory }
        })
        .collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn configuration_metadata(config: &CredentialConfiguration) -> CredentialConfigurationMetadata {
    let r = &config.request;
    let vc_types = || {
        let mut types = vec!["VerifiableCredential".to_string()];
        types.extend(config.types());
        types
    };
    let mut entry = CredentialConfigurationMetadata {
        format: config.format.as_str().into(),
        id: config.id.clone(),
        scope: config.scope.clone(),
        vct: None,
        types: None,
        type_: None,
        credential_definition: None,
        doctype: None,
        cryptographic_binding_methods_supported: Vec::new(),
        credential_signing_alg_values_supported: Vec::new(),
        proof_types_supported: ProofTypesSupported {
            jwt: JwtProofType {
                proof_signing_alg_values_supported: strings(config.format.proof_algorithms()),
            },
        },
        credential_metadata: CredentialMetadata {
            display: Vec::new(),
            claims: Vec::new(),
        },
    };
    let (binding, claims): (&[&str], Vec<ClaimMetadata>) = match (&config.claims, config.format) {
        (Claims::Flat(m), Format::DcSdJwt) => {
            entry.vct = r.vct.clone();
            (&["jwk"], claims_metadata(m, &[]))
        }
        (Claims::Flat(m), Format::CwtVc) => {
            entry.types = Some(vc_types());
            (
                &["cose_key"],
                claims_metadata(m, &["vc", "credentialSubject"]),
            )
        }
        (Claims::Flat(m), Format::Cwt) => {
            entry.type_ = r.type_.clone();
            (&["cose_key"], claims_metadata(m, &[]))
        }
        (Claims::Flat(m), Format::LdpVc) => {
            let types = config.types();
            entry.credential_definition =
                config.ldp_template(&types).map(|t| CredentialDefinition {
                    context: Some(t.context()),
                    types: t.type_(),
                });
            // credentialSubject.id is the holder's DID.
            (
                &["did:key", "did:jwk"],
                claims_metadata(m, &["credentialSubject"]),
            )
        }
        (Claims::Flat(m), _) => {
            entry.credential_definition = Some(CredentialDefinition {
                context: None,
                types: vc_types(),
            });
            (
                &["jwk", "did:jwk", "did:key"],
                claims_metadata(m, &["credentialSubject"]),
            )
        }
        (Claims::Namespaced(namespaces), _) => {
            entry.doctype = r.doctype.clone();
            (
                &["cose_key"],
                namespaces
                    .iter()
                    .flat_map(|(ns, m)| claims_metadata(m, &[ns]))
                    .collect(),
            )
        }
    };
    entry.cryptographic_binding_methods_supported = strings(binding);
    // COSE formats name algorithms by COSE identifier (Appendix A.2.2, seed 002), JOSE ones by name.
    // ldp_vc names its proof suite (Appendix A.1.2.2).
    let cose = matches!(config.format, Format::MsoMdoc | Format::CwtVc | Format::Cwt);
    entry.credential_signing_alg_values_supported = vec![match config.ldp {
        Some(ldp) => SigningAlgValue::Name(ldp.suite.as_str().into()),
        None if cose => SigningAlgValue::Cose(-7),
        None => SigningAlgValue::Name("ES256".into()),
    }];
    let branding = r.branding.clone();
    let mut display = CredentialDisplay {
        name: r.name.clone(),
        locale: branding
            .as_ref()
            .and_then(|b| b.locale.clone())
            .unwrap_or_else(|| "en-US".into()),
        description: r.description.clone(),
        logo: None,
        background_color: None,
        text_color: None,
        background_image: None,
    };
    if let Some(b) = branding {
        display.logo = b.logo.map(|logo| Logo {
            uri: logo.url,
            alt_text: logo.alt_text,
        });
        display.background_color = b.background_color;
        display.text_color = b.text_color;
        display.background_image = b.watermark_image.map(|uri| Image { uri });
    }
    entry.credential_metadata = CredentialMetadata {
        display: vec![display],
        claims,
    };
    entry
}

/// The metadata documents: credential issuer, authorization server, SD-JWT VC issuer.
#[derive(Debug)]
pub struct Metadata {
    pub(crate) settings: Arc<Settings>,
    pub(crate) issuer_keys: Arc<IssuerKeys>,
    pub(crate) configurations: Arc<CredentialConfigurations>,
    pub(crate) serialised: std::sync::Mutex<Option<SerialisedMetadata>>,
}

/// The credential issuer metadata as last served, with what it was built from: the same parsed
/// configurations (by pointer: one `Arc` per stored document) and the same key ring.
#[derive(Debug)]
pub(crate) struct SerialisedMetadata {
    configurations: Vec<Arc<CredentialConfiguration>>,
    ring: Arc<KeyRing>,
    json: Arc<str>,
}

impl Metadata {
    /// `GET /.well-known/openid-credential-issuer`: only configurations Sigil can issue.
    pub async fn credential_issuer_metadata(&self) -> Result<CredentialIssuerMetadata, Error> {
        let configurations = self.configurations.all_credential_configurations().await?;
        Ok(self.build_credential_issuer_metadata(&configurations, &self.keys()))
    }

    /// The same document serialised, once per change: the configurations are read from the
    /// store on every request (so a change on any node shows at once), and the body is
    /// serialised again only when one of them or the key ring changed.
    pub async fn credential_issuer_metadata_json(&self) -> Result<Arc<str>, Error> {
        let configurations = self.configurations.all_credential_configurations().await?;
        let ring = self.keys();
        let lock = || {
            self.serialised
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        if let Some(last) = lock().as_ref()
            && Arc::ptr_eq(&last.ring, &ring)
            && last.configurations.len() == configurations.len()
            && last
                .configurations
                .iter()
                .zip(&configurations)
                .all(|(a, b)| Arc::ptr_eq(a, b))
        {
            return Ok(last.json.clone());
        }
        let metadata = self.build_credential_issuer_metadata(&configurations, &ring);
        let json: Arc<str> = serde_json::to_string(&metadata)
            .map_err(|e| StoreError::Corrupt(format!("credential issuer metadata: {e}")))?
            .into();
        *lock() = Some(SerialisedMetadata {
            configurations,
            ring,
            json: json.clone(),
        });
        Ok(json)
    }

    fn build_credential_issuer_metadata(
        &self,
        configurations: &[Arc<CredentialConfiguration>],
        ring: &KeyRing,
    ) -> CredentialIssuerMetadata {
        let issuer = self.issuer();
        let configurations = configurations
            .iter()
            .map(|c| (c.id.clone(), configuration_metadata(c)))
            .collect();
        let oauth = &self.settings().oauth;
        let algs: Vec<String> = ALGS.iter().map(|a| a.as_str().to_string()).collect();
        let encs: Vec<String> = ENCS.iter().map(|e| e.as_str().to_string()).collect();
        CredentialIssuerMetadata {
            credential_issuer: issuer.to_string(),
            credential_endpoint: format!("{issuer}{CREDENTIAL_PATH}"),
            nonce_endpoint: format!("{issuer}{NONCE_PATH}"),
            deferred_credential_endpoint: format!("{issuer}{DEFERRED_CREDENTIAL_PATH}"),
            notification_endpoint: format!("{issuer}{NOTIFICATION_PATH}"),
            credential_request_encryption: RequestEncryptionMetadata {
                jwks: ring.request_keys().jwks().clone(),
                enc_values_supported: encs.clone(),
                encryption_required: oauth.require_encryption,
            },
            credential_response_encryption: ResponseEncryptionMetadata {
                alg_values_supported: algs,
                enc_values_supported: encs,
                encryption_required: oauth.require_encryption,
            },
            display: vec![IssuerDisplay {
                name: self.settings().issuer_name.clone(),
                locale: "en-US".into(),
            }],
            credential_configurations_supported: configurations,
            mdoc_iacas_uri: format!("{issuer}{MDOC_IACAS_PATH}"),
            status_list_aggregation_endpoint: format!("{issuer}{}", crate::status_list::PATH),
            // §12.2.4: present only when batches are supported (batch_size ≥ 2).
            batch_credential_issuance: (oauth.batch_size >= 2).then_some(BatchIssuance {
                batch_size: oauth.batch_size,
            }),
        }
    }

    /// `GET /.well-known/oauth-authorization-server` (RFC 8414 §2; OID4VCI 1.0 §12.3).
    pub fn authorization_server_metadata(&self) -> AuthorizationServerMetadata {
        let issuer = self.issuer();
        AuthorizationServerMetadata {
            issuer: issuer.to_string(),
            authorization_endpoint: format!("{issuer}/v1/oauth/authorize"),
            pushed_authorization_request_endpoint: format!("{issuer}/v1/oauth/par"),
            require_pushed_authorization_requests: false,
            token_endpoint: format!("{issuer}{TOKEN_PATH}"),
            jwks_uri: format!("{issuer}/v1/oauth/jwks"),
            response_types_supported: strings(&["code"]),
            response_modes_supported: strings(&["query"]),
            grant_types_supported: strings(&[AUTHORIZATION_CODE_GRANT, PRE_AUTHORIZED_CODE_GRANT]),
            code_challenge_methods_supported: strings(&["S256"]),
            token_endpoint_auth_methods_supported: strings(&["none", "client_secret_basic"]),
            authorization_response_iss_parameter_supported: true,
            authorization_details_types_supported: strings(&["openid_credential"]),
            pre_authorized_grant_anonymous_access_supported: true,
            dpop_signing_alg_values_supported: strings(&DPOP_ALGS),
        }
    }

    /// `GET /.well-known/jwt-vc-issuer` (SD-JWT VC §5): the keys that sign SD-JWT VCs.
    pub fn jwt_vc_issuer_metadata(&self) -> JwtVcIssuerMetadata<Jwks> {
        JwtVcIssuerMetadata {
            issuer: self.issuer().to_string(),
            jwks: self.keys().jwks().clone(),
        }
    }
}
