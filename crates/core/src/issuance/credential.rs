//! The credential endpoint (OID4VCI 1.0 §8): access token → configuration → key proof → claims
//! (user ⊕ offer, then claim mappings) → format → sign → record → respond.

use serde_json::{Map, Value};
use sigil_crypto::{HolderKey, PublicSigningKey, SigningAlgorithm};
use sigil_formats::ldp_vc::{self, LdpError};
use sigil_formats::mso_mdoc::{self, IssuedMdoc, MdocIssuance};
use sigil_formats::status_list::StatusReference;
use sigil_formats::{Issuance as FormatInput, cwt, jwt_vc_json, sd_jwt_vc};
use sigil_proto::oid4vci::credential::{
    CredentialRequest, CredentialResponse, CredentialTarget, CredentialTargetError,
    IssuedCredential, KeyProofs, KeyProofsError,
};

use crate::catalogue::credential_configuration::{CredentialConfiguration, Format};
use crate::catalogue::user::UserObject;
use crate::error::{Error, ProtocolError};
use crate::ids::new_id;
use crate::issuance::deferred::Awaiting;
use crate::issuance::encryption::ResponseEncryption;
use crate::issuance::proof::{nonce_refused, refuse_expired};
use crate::issuance::{CredentialAnswer, PendingIssuance, Subject, denied};
use crate::store::{AccessTokenRecord, IssuedCredentialRecord, StoreError};

impl super::Issuance {
    /// `POST /v1/openid/credential`.
    /// `token` comes from [`Dpop::resource_access`](crate::authorization::dpop::Dpop::resource_access), checked before the body is read. Returns
    /// the answer and, when the wallet asked for it, how to encrypt it.
    pub async fn issue_credential(
        &self,
        token: &AccessTokenRecord,
        request: &CredentialRequest,
    ) -> Result<(CredentialAnswer, Option<ResponseEncryption>), Error> {
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
        let configuration_id = match request.target() {
            Ok(CredentialTarget::ConfigurationId(id)) => id,
            // §6.2: each identifier names one credential dataset; Sigil's are the configuration ids.
            Ok(CredentialTarget::Identifier(identifier)) => match &identifiers {
                Some(list) if list.iter().any(|i| i == identifier) => identifier,
                _ => {
                    return Err(Error::protocol(
                        UnknownCredentialIdentifier,
                        "unknown credential_identifier",
                    ));
                }
            },
            Err(CredentialTargetError::Both) => {
                return Err(Error::protocol(
                    InvalidCredentialRequest,
                    "send exactly one of credential_configuration_id and credential_identifier",
                ));
            }
            Err(CredentialTargetError::Neither) => {
                return Err(Error::protocol(
                    InvalidCredentialRequest,
                    "credential_configuration_id is required",
                ));
            }
        };
        // §8.3.1.2: checked before anything is spent, so bad parameters change nothing.
        let encryption =
            self.response_encryption(request.credential_response_encryption.as_ref())?;
        let granted: Vec<String> = serde_json::from_str(&token.configuration_ids)
            .map_err(|e| StoreError::Corrupt(format!("access token configurations: {e}")))?;
        let unknown = || {
            Error::protocol(
                UnknownCredentialConfiguration,
                "the credential configuration is unknown or not covered by this access token",
            )
        };
        if !granted.iter().any(|g| g == configuration_id) {
            return Err(unknown());
        }
        let config = match self
            .configurations
            .credential_configuration(configuration_id)
            .await
        {
            Ok(c) => c,
            Err(Error::NotFound(_)) => return Err(unknown()),
            Err(e) => return Err(e),
        };
        let jwts: Vec<&str> = match request.key_proofs() {
            Ok(KeyProofs::Jwt(jwts)) => jwts,
            Err(KeyProofsError::UnsupportedType) => {
                return Err(Error::protocol(
                    InvalidProof,
                    "only jwt proofs are supported (proofs.jwt)",
                ));
            }
            Err(KeyProofsError::SingularNotJwt) => {
                return Err(Error::protocol(InvalidProof, "proof_type must be jwt"));
            }
            Err(KeyProofsError::Both) => {
                return Err(Error::protocol(
                    InvalidCredentialRequest,
                    "send proofs, not both proofs and proof",
                ));
            }
            Err(KeyProofsError::Missing) => {
                return Err(Error::protocol(
                    InvalidProof,
                    "a key proof is required (proofs.jwt)",
                ));
            }
        };
        // §8.2, §12.2.4: one proof per credential, at most batch_size of them.
        let batch_size = self.settings().oauth.batch_size;
        if jwts.is_empty() {
            return Err(Error::protocol(
                InvalidProof,
                "proofs.jwt must hold at least one proof",
            ));
        }
        if jwts.len() > batch_size {
            return Err(Error::protocol(
                InvalidProof,
                format!("at most {batch_size} proofs per request (batch_size)"),
            ));
        }
        let (holders, nonces) = self.validate_jwt_proofs(&jwts, token).await?;
        if let Some(holder) = holders
            .iter()
            .find(|h| !config.format.proof_algorithms().contains(&h.alg))
        {
            return Err(Error::protocol(
                ProtocolError::InvalidProof,
                format!(
                    "{} binds a COSE key: sign the proof with {} (not {})",
                    config.format,
                    config.format.proof_algorithms().join(" or "),
                    holder.alg
                ),
            ));
        }
        let grant_claims: Option<Map<String, Value>> = token
            .claims
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("grant claims: {e}")))?;
        let pending = PendingIssuance {
            user_id: token.user_id.clone(),
            offer_id: token.offer_id.clone(),
            token_hash: token.token_hash.clone(),
            holders,
            grant_claims,
            user: token.user.clone(),
            nonces,
        };
        if config.request.deferred == Some(true) {
            let answer = self
                .defer(&config, &pending, Awaiting::Administrator)
                .await?;
            return Ok((answer, encryption));
        }
        let Some(user) = self.issuance_subject(&config, &pending, None).await? else {
            let answer = self
                .defer(&config, &pending, Awaiting::ClaimsSource)
                .await?;
            return Ok((answer, encryption));
        };
        let (response, records) = self.build_credentials(&config, &pending, &user).await?;
        refuse_expired(&pending.nonces, self.clock.now())?;
        if !self
            .store
            .insert_issued_credentials(&records, &pending.nonces)
            .await?
        {
            return Err(nonce_refused());
        }
        Ok((CredentialAnswer::Issued(response), encryption))
    }

    /// The user object the claim mappings read: the user, the grant's claims, `extra` (an
    /// administrator's, for a deferred issuance), then the claims source. `None` when the claims
    /// source answered that the data is not ready yet (HTTP 202).
    pub(crate) async fn issuance_subject(
        &self,
        config: &CredentialConfiguration,
        pending: &PendingIssuance,
        extra: Option<Map<String, Value>>,
    ) -> Result<Option<Subject>, Error> {
        let read = match &pending.user {
            // Read with the access token, in the same statement.
            Some(user) => UserObject::from_token_user(&pending.user_id, user),
            None => self.users.user_object(&pending.user_id).await,
        };
        let mut user = match read {
            Ok(user) => user,
            Err(Error::NotFound(_)) => {
                return Err(denied("the user this offer was made for no longer exists"));
            }
            Err(e) => return Err(e),
        };
        if let Some(claims) = &pending.grant_claims {
            user.claims.extend(claims.clone());
        }
        if let Some(extra) = extra {
            user.claims.extend(extra);
        }
        // Seed 003: the claims source answers last, before the claim mappings run.
        let Some(sourced) = self
            .claim_sources
            .query_claim_source(config, &user.claims)
            .await?
        else {
            return Ok(None);
        };
        user.claims.extend(sourced);
        Ok(Some(Subject {
            id: user.id.clone(),
            object: user.to_value(),
        }))
    }

    /// Builds one credential per holder key, each with its own salts, signatures and (mdoc)
    /// MSO; returns the response and the records to store with it.
    pub(crate) async fn build_credentials(
        &self,
        config: &CredentialConfiguration,
        pending: &PendingIssuance,
        subject: &Subject,
    ) -> Result<(CredentialResponse, Vec<IssuedCredentialRecord>), Error> {
        let now = self.clock.now();
        let claims = config
            .map_claims(&subject.object)
            .map_err(|e| denied(e.to_string()))?;
        // Time-ordered like a resource id (74 random bits): its index then grows at one end, so
        // the credentials committed together share a page of it instead of each writing a page
        // of its own. A notification is accepted only with the access token it was issued to.
        let notification_id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let mut credentials = Vec::with_capacity(pending.holders.len());
        let mut records = Vec::with_capacity(pending.holders.len());
        let status_kind = config.status_list_kind();
        for holder in &pending.holders {
            // Each credential of a batch its own index, recorded with it below.
            let status = match status_kind {
                Some(kind) => Some((kind, self.status_lists.allocate(kind).await?)),
                None => None,
            };
            let reference = status
                .as_ref()
                .map(|(kind, (list, index))| self.status_lists.reference(*kind, list, *index));
            let (credential, mso_digest) = self
                .build_credential(
                    config,
                    &claims,
                    &subject.object,
                    holder,
                    now,
                    reference.as_ref(),
                )
                .await?;
            credentials.push(IssuedCredential { credential });
            records.push(IssuedCredentialRecord {
                id: new_id(self.clock.as_ref(), self.rng.as_ref())?,
                user_id: subject.id.clone(),
                configuration_id: config.id.clone(),
                offer_id: pending.offer_id.clone(),
                format: config.format.as_str().into(),
                holder_key_thumbprint: holder.thumbprint.clone(),
                issued_at: now,
                mso_digest,
                token_hash: Some(pending.token_hash.clone()),
                notification_id: Some(notification_id.clone()),
                notification: None,
                status_list_id: status.as_ref().map(|(_, (list, _))| list.clone()),
                status_index: status.as_ref().map(|(_, (_, index))| *index),
                status: crate::status_list::CredentialStatus::Valid.as_str().into(),
            });
        }
        Ok((
            CredentialResponse {
                credentials,
                notification_id: Some(notification_id),
            },
            records,
        ))
    }

    /// One credential in the configuration's format, bound to `holder`: the format prepares
    /// it, the key's provider signs it, the format completes it.
    pub(crate) async fn build_credential(
        &self,
        config: &CredentialConfiguration,
        claims: &Map<String, Value>,
        user_object: &Value,
        holder: &HolderKey,
        now: i64,
        status: Option<&StatusReference>,
    ) -> Result<(Value, Option<Vec<u8>>), Error> {
        let ring = self.keys();
        let es256 = || {
            ring.signer(SigningAlgorithm::Es256)
                .ok_or_else(|| StoreError::Corrupt("no active ES256 signing key".into()))
        };
        let issuance = FormatInput {
            issuer: self.issuer(),
            issued_at: now,
            expires_at: config.expires_in_secs.map(|s| now + s),
            claims,
            holder,
            rng: self.rng.as_ref(),
            status,
        };
        let r = &config.request;
        let types = config.types();
        let contexts = r.contexts.as_deref().unwrap_or_default();
        let credential = match config.format {
            Format::DcSdJwt => {
                let key = es256()?;
                let vct = r
                    .vct
                    .as_deref()
                    .ok_or_else(|| denied("the configuration has no vct"))?;
                Value::from(
                    key.sign(sd_jwt_vc::prepare(&issuance, vct, key.public())?)
                        .await?,
                )
            }
            Format::JwtVcJson => {
                let key = es256()?;
                let unsigned = jwt_vc_json::prepare(&issuance, &types, contexts, key.public())?;
                Value::from(key.sign(unsigned).await?)
            }
            Format::CwtVc => {
                let key = es256()?;
                let shape = cwt::Shape::Vc {
                    types: &types,
                    contexts,
                };
                Value::from(
                    key.sign(cwt::prepare(&issuance, shape, key.public())?)
                        .await?,
                )
            }
            Format::Cwt => {
                let key = es256()?;
                let unsigned = cwt::prepare(&issuance, cwt::Shape::Claims, key.public())?;
                Value::from(key.sign(unsigned).await?)
            }
            Format::LdpVc => self.issue_ldp_vc(config, &issuance, &types).await?,
            Format::MsoMdoc => {
                let issued = self
                    .issue_mdoc(config, user_object, holder, now, status)
                    .await?;
                return Ok((
                    Value::from(issued.credential),
                    Some(issued.mso_digest.to_vec()),
                ));
            }
        };
        Ok((credential, None))
    }

    /// ldp_vc: the issuer DID's Ed25519 key signs a Data Integrity proof.
    pub(crate) async fn issue_ldp_vc(
        &self,
        config: &CredentialConfiguration,
        issuance: &FormatInput<'_>,
        types: &[String],
    ) -> Result<Value, Error> {
        let (Some(ldp), Some(template)) = (config.ldp, config.ldp_template(types)) else {
            return Err(denied("not an ldp_vc configuration"));
        };
        let issuer = self.dids.issuer_did(ldp.issuer_did)?;
        let unsigned = ldp_vc::prepare(
            issuance,
            &template,
            ldp_vc::IssuerDid {
                did: &issuer.did,
                verification_method: &issuer.verification_method,
            },
            issuer.key.public(),
        )
        .map_err(|e| match e {
            // A mapped value whose own members no context defines (the names were checked
            // when the configuration was created).
            LdpError::JsonLd(e) => denied(format!(
                "the credential cannot be expressed with its JSON-LD contexts: {e}"
            )),
            LdpError::Crypto(e) => Error::Crypto(e),
        })?;
        issuer.key.sign(unsigned).await
    }

    /// mso_mdoc: typed elements, validity, the Document Signer, sign.
    pub(crate) async fn issue_mdoc(
        &self,
        config: &CredentialConfiguration,
        user: &Value,
        holder: &HolderKey,
        now: i64,
        status: Option<&StatusReference>,
    ) -> Result<IssuedMdoc, Error> {
        let namespaces = config.mdoc_namespaces(user).map_err(denied)?;
        let validity = config.mdoc_validity(user, now).map_err(denied)?;
        let doctype = config
            .request
            .doctype
            .as_deref()
            .ok_or_else(|| denied("the configuration has no doctype"))?;
        let signer = self.mdoc.document_signer_for(validity.valid_until).await?;
        check_issuing_country(&namespaces, signer.public())?;
        let unsigned = mso_mdoc::prepare(
            &MdocIssuance {
                doctype,
                namespaces: &namespaces,
                holder,
                validity,
                rng: self.rng.as_ref(),
                status,
            },
            signer.public(),
        )?;
        signer.sign(unsigned).await
    }
}

/// ISO/IEC 18013-5 §7.2.1: an mDL's `issuing_country` is the `C` of its Document Signer (and so of
/// the IACA); verifiers check it, so a mismatch is an issuer misconfiguration, refused here.
fn check_issuing_country(
    namespaces: &[(String, Vec<mso_mdoc::Element>)],
    signer: &PublicSigningKey,
) -> Result<(), Error> {
    let issuing_country = namespaces
        .iter()
        .filter(|(ns, _)| ns == "org.iso.18013.5.1")
        .flat_map(|(_, elements)| elements)
        .find(|e| e.identifier == "issuing_country")
        .and_then(|e| e.value.as_text());
    let (Some(issuing_country), Some(certificate)) =
        (issuing_country, signer.certificate_chain.first())
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
