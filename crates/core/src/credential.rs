//! The credential endpoint (OID4VCI 1.0 §8): access token → configuration → key proof → claims
//! (user ⊕ offer, then claim mappings) → format → sign → record → respond.

use serde_json::{Map, Value};
use sigil_crypto::HolderKey;
use sigil_crypto::{SigningAlgorithm, sha256};
use sigil_formats::ldp_vc::{self, LdpError};
use sigil_formats::mso_mdoc::{self, IssuedMdoc, MdocIssuance};
use sigil_formats::{Issuance, cwt, jwt_vc_json, sd_jwt_vc};
use sigil_proto::oid4vci::credential::{CredentialRequest, CredentialResponse, IssuedCredential};

use crate::Sigil;
use crate::credential_configuration::{CredentialConfiguration, Format};
use crate::error::{Error, ProtocolError};
use crate::ids::new_id;
use crate::store::{AccessTokenRecord, IssuedCredentialRecord, StoreError};
use crate::user::user_object;

fn denied(description: impl Into<String>) -> Error {
    Error::protocol(ProtocolError::CredentialRequestDenied, description)
}

impl Sigil {
    /// Finds the access token behind a presented bearer token.
    pub async fn access_token(&self, token: &str) -> Result<AccessTokenRecord, Error> {
        let invalid = || {
            Error::protocol(
                ProtocolError::InvalidToken,
                "the access token is invalid or expired",
            )
        };
        if token.is_empty() || token.len() > 512 {
            return Err(invalid());
        }
        self.store
            .find_access_token(&sha256(token.as_bytes()), self.clock.now())
            .await?
            .ok_or_else(invalid)
    }

    /// `POST /v1/openid/credential`.
    /// `token` comes from [`Sigil::access_token`], checked before the body is read.
    pub async fn issue_credential(
        &self,
        token: &AccessTokenRecord,
        request: &CredentialRequest,
    ) -> Result<CredentialResponse, Error> {
        use ProtocolError::{
            InvalidCredentialRequest, InvalidProof, UnknownCredentialConfiguration,
            UnknownCredentialIdentifier,
        };
        let identifiers: Option<Vec<String>> = token
            .credential_identifiers
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("access token identifiers: {e}")))?;
        let configuration_id = match (
            &request.credential_configuration_id,
            &request.credential_identifier,
        ) {
            (Some(id), None) => id,
            // §6.2: each identifier names one credential dataset; Sigil's are the configuration ids.
            (None, Some(identifier)) => match &identifiers {
                Some(list) if list.contains(identifier) => identifier,
                _ => {
                    return Err(Error::protocol(
                        UnknownCredentialIdentifier,
                        "unknown credential_identifier",
                    ));
                }
            },
            (Some(_), Some(_)) => {
                return Err(Error::protocol(
                    InvalidCredentialRequest,
                    "send exactly one of credential_configuration_id and credential_identifier",
                ));
            }
            (None, None) => {
                return Err(Error::protocol(
                    InvalidCredentialRequest,
                    "credential_configuration_id is required",
                ));
            }
        };
        // §8.3.1.2: this issuer advertises no credential_response_encryption, so any
        // encryption parameters are ones it does not support.
        if request.credential_response_encryption.is_some() {
            return Err(Error::protocol(
                ProtocolError::InvalidEncryptionParameters,
                "credential response encryption is not supported by this issuer",
            ));
        }
        let granted: Vec<String> = serde_json::from_str(&token.configuration_ids)
            .map_err(|e| StoreError::Corrupt(format!("access token configurations: {e}")))?;
        let unknown = || {
            Error::protocol(
                UnknownCredentialConfiguration,
                "the credential configuration is unknown or not covered by this access token",
            )
        };
        if !granted.contains(configuration_id) {
            return Err(unknown());
        }
        let config = match self.credential_configuration(configuration_id).await {
            Ok(c) => c,
            Err(Error::NotFound(_)) => return Err(unknown()),
            Err(e) => return Err(e),
        };
        let jwts: Vec<&str> = match (&request.proofs, &request.proof) {
            (Some(proofs), None) => {
                if let Some(other) = proofs.other.keys().next() {
                    return Err(Error::protocol(
                        InvalidProof,
                        format!("proof type {other} is not supported"),
                    ));
                }
                proofs.jwt.iter().flatten().map(String::as_str).collect()
            }
            (None, Some(proof)) if proof.proof_type.as_deref() == Some("jwt") => {
                proof.jwt.iter().map(String::as_str).collect()
            }
            (None, Some(_)) => return Err(Error::protocol(InvalidProof, "proof_type must be jwt")),
            (Some(_), Some(_)) => {
                return Err(Error::protocol(
                    InvalidCredentialRequest,
                    "send proofs, not both proofs and proof",
                ));
            }
            (None, None) => {
                return Err(Error::protocol(
                    InvalidProof,
                    "a key proof is required (proofs.jwt)",
                ));
            }
        };
        // Batch issuance is not advertised (batch size 1): exactly one proof.
        let jwt = match jwts.as_slice() {
            [one] => *one,
            [] => {
                return Err(Error::protocol(
                    InvalidProof,
                    "proofs.jwt must hold one proof",
                ));
            }
            _ => {
                return Err(Error::protocol(
                    InvalidProof,
                    "this issuer issues one credential per request: send one proof",
                ));
            }
        };
        let holder = self.validate_jwt_proof(jwt, token).await?;

        let mut user = match self.user(&token.user_id).await {
            Ok(user) => user,
            Err(Error::NotFound(_)) => {
                return Err(denied("the user this offer was made for no longer exists"));
            }
            Err(e) => return Err(e),
        };
        if let Some(claims) = &token.claims {
            let grant_claims: Map<String, Value> = serde_json::from_str(claims)
                .map_err(|e| StoreError::Corrupt(format!("grant claims: {e}")))?;
            user.claims.extend(grant_claims);
        }
        // Seed 003: the claims source answers last, before the claim mappings run.
        let sourced = self.query_claim_source(&config, &user.claims).await?;
        user.claims.extend(sourced);
        if !config.format.proof_algorithms().contains(&holder.alg) {
            return Err(Error::protocol(
                ProtocolError::InvalidProof,
                format!(
                    "{} binds a COSE key: sign the proof with {}",
                    config.format,
                    config.format.proof_algorithms().join(" or ")
                ),
            ));
        }
        let user_object = user_object(&user);
        let now = self.clock.now();
        let claims = config
            .map_claims(&user_object)
            .map_err(|e| denied(e.to_string()))?;
        let es256 = || {
            self.keys()
                .signer(SigningAlgorithm::Es256)
                .ok_or_else(|| StoreError::Corrupt("no active ES256 signing key".into()))
        };
        let issuance = Issuance {
            issuer: self.issuer(),
            issued_at: now,
            expires_at: config.expires_in_secs.map(|s| now + s),
            claims: &claims,
            holder: &holder,
            rng: self.rng.as_ref(),
        };
        let r = &config.request;
        let types = config.types();
        let contexts = r.contexts.as_deref().unwrap_or_default();
        let mut mso_digest = None;
        let credential = match config.format {
            Format::DcSdJwt => Value::from(sd_jwt_vc::issue(
                &issuance,
                r.vct.as_deref().unwrap_or_default(),
                es256()?.as_ref(),
            )?),
            Format::JwtVcJson => Value::from(jwt_vc_json::issue(
                &issuance,
                &types,
                contexts,
                es256()?.as_ref(),
            )?),
            Format::CwtVc => Value::from(cwt::issue(
                &issuance,
                cwt::Shape::Vc {
                    types: &types,
                    contexts,
                },
                es256()?.as_ref(),
            )?),
            Format::Cwt => Value::from(cwt::issue(
                &issuance,
                cwt::Shape::Claims,
                es256()?.as_ref(),
            )?),
            Format::LdpVc => self.issue_ldp_vc(&config, &issuance, &types)?,
            Format::MsoMdoc => {
                let issued = self.issue_mdoc(&config, &user_object, &holder, now).await?;
                mso_digest = Some(issued.mso_digest.to_vec());
                Value::from(issued.credential)
            }
        };
        self.record_issuance(
            token,
            &config,
            (user.id, &holder, now),
            credential,
            mso_digest,
        )
        .await
    }

    /// ldp_vc: the issuer DID's Ed25519 key signs a Data Integrity proof.
    fn issue_ldp_vc(
        &self,
        config: &CredentialConfiguration,
        issuance: &Issuance<'_>,
        types: &[String],
    ) -> Result<Value, Error> {
        let (Some(ldp), Some(template)) = (config.ldp, config.ldp_template(types)) else {
            return Err(denied("not an ldp_vc configuration"));
        };
        let issuer = self.issuer_did(ldp.issuer_did)?;
        ldp_vc::issue(
            issuance,
            &template,
            ldp_vc::IssuerDid {
                did: &issuer.did,
                verification_method: &issuer.verification_method,
            },
            issuer.signer.as_ref(),
        )
        .map_err(|e| match e {
            // A mapped value whose own members no context defines (the names were checked
            // when the configuration was created).
            LdpError::JsonLd(e) => denied(format!(
                "the credential cannot be expressed with its JSON-LD contexts: {e}"
            )),
            LdpError::Crypto(e) => Error::Crypto(e),
        })
    }

    /// mso_mdoc: typed elements, validity, the Document Signer, sign.
    async fn issue_mdoc(
        &self,
        config: &CredentialConfiguration,
        user: &Value,
        holder: &HolderKey,
        now: i64,
    ) -> Result<IssuedMdoc, Error> {
        let namespaces = config.mdoc_namespaces(user).map_err(denied)?;
        let validity = config.mdoc_validity(user, now).map_err(denied)?;
        let signer = self.document_signer_for(validity.valid_until).await?;
        check_issuing_country(&namespaces, signer.as_ref())?;
        let issued = mso_mdoc::issue(
            &MdocIssuance {
                doctype: config.request.doctype.as_deref().unwrap_or_default(),
                namespaces: &namespaces,
                holder,
                validity,
                rng: self.rng.as_ref(),
            },
            signer.as_ref(),
        )?;
        Ok(issued)
    }

    /// Records the issuance, then answers: a 200 means the issuance is on record
    /// (ARCHITECTURE.md §3).
    async fn record_issuance(
        &self,
        token: &AccessTokenRecord,
        config: &CredentialConfiguration,
        (user_id, holder, now): (String, &HolderKey, i64),
        credential: Value,
        mso_digest: Option<Vec<u8>>,
    ) -> Result<CredentialResponse, Error> {
        self.store
            .insert_issued_credential(&IssuedCredentialRecord {
                id: new_id(self.clock.as_ref(), self.rng.as_ref())?,
                user_id,
                configuration_id: config.id.clone(),
                offer_id: token.offer_id.clone(),
                format: config.format.as_str().into(),
                holder_key_thumbprint: holder.thumbprint.clone(),
                issued_at: now,
                mso_digest,
            })
            .await?;
        Ok(CredentialResponse {
            credentials: vec![IssuedCredential { credential }],
        })
    }
}

/// ISO/IEC 18013-5 §7.2.1: an mDL's `issuing_country` is the `C` of its Document Signer (and so of
/// the IACA); verifiers check it, so a mismatch is an issuer misconfiguration, refused here.
fn check_issuing_country(
    namespaces: &[(String, Vec<mso_mdoc::Element>)],
    signer: &dyn sigil_crypto::Signer,
) -> Result<(), Error> {
    let issuing_country = namespaces
        .iter()
        .filter(|(ns, _)| ns == "org.iso.18013.5.1")
        .flat_map(|(_, elements)| elements)
        .find(|e| e.identifier == "issuing_country")
        .and_then(|e| e.value.as_text());
    let (Some(issuing_country), Some(certificate)) =
        (issuing_country, signer.certificate_chain().first())
    else {
        return Ok(());
    };
    let country = sigil_crypto::mdoc_certificate::summary(certificate)?.country;
    if issuing_country == country {
        Ok(())
    } else {
        tracing::error!(
            issuing_country,
            country,
            "mDL issuing_country differs from the IACA's country"
        );
        Err(Error::protocol(
            ProtocolError::ServerError,
            format!(
                "the mDL's issuing_country `{issuing_country}` is not the country of this issuer's IACA (`{country}`); the issuer must correct its configuration"
            ),
        ))
    }
}
