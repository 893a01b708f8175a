//! Deferred issuance (OID4VCI 1.0 §9): the credential endpoint answers 202 with a
//! `transaction_id` when the configuration waits for an administrator, or when its claims source
//! answers 202 (not ready). The wallet polls `POST /v1/openid/deferred-credential` with the same
//! access token; the credentials are built when they can be, and the transaction id is spent in
//! the same database transaction that records them.
//!
//! What was accepted at the credential endpoint (holder keys, grant claims) is stored; the claims
//! are read when the credentials are built, so an approval sees the user's current data.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sigil_crypto::{HolderKey, random_token, sha256};
use sigil_proto::admin::deferred::{
    DeferredApproval, DeferredIssuanceList, DeferredIssuanceResponse, DeferredRejection,
};
use sigil_proto::oid4vci::credential::{DeferredCredentialRequest, DeferredResponse};

use crate::catalogue::credential_configuration::CredentialConfiguration;
use crate::clock::timestamp;
use crate::error::{Error, ProtocolError, Resource};
use crate::ids::{is_id, new_id};
use crate::issuance::encryption::ResponseEncryption;
use crate::issuance::proof::nonce_refused;
use crate::issuance::{CredentialAnswer, PendingIssuance, denied};
use crate::store::{AccessTokenRecord, DeferredIssuanceRecord, StoreError};

/// What a deferred issuance waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Awaiting {
    /// An administrator's approval (`deferred: true` on the configuration).
    Administrator,
    /// The claims source, which answered 202.
    ClaimsSource,
}

impl Awaiting {
    fn as_str(self) -> &'static str {
        match self {
            Awaiting::Administrator => "administrator",
            Awaiting::ClaimsSource => "claimsSource",
        }
    }
}

/// One holder key as stored: its JWK, and the DID the proof named it by.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredHolder {
    jwk: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    did: Option<String>,
}

/// The stored request (`deferred_issuances.request`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredRequest {
    awaiting: Awaiting,
    holders: Vec<StoredHolder>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    grant_claims: Option<Map<String, Value>>,
}

const PENDING: &str = "pending";
const APPROVED: &str = "approved";
const REJECTED: &str = "rejected";
const MAX_REASON: usize = 512;

/// A rejection's reason: 1 to 512 characters when given.
pub fn check_rejection(rejection: &DeferredRejection) -> Result<(), Error> {
    match &rejection.reason {
        Some(reason) if reason.is_empty() || reason.chars().count() > MAX_REASON => {
            Err(Error::invalid_body(
                "reason",
                format!("must be 1 to {MAX_REASON} characters"),
                Value::from(reason.clone()),
            ))
        }
        _ => Ok(()),
    }
}

fn corrupt(e: impl std::fmt::Display) -> Error {
    StoreError::Corrupt(format!("deferred issuance: {e}")).into()
}

fn invalid_transaction() -> Error {
    Error::protocol(
        ProtocolError::InvalidTransactionId,
        "the transaction_id is unknown, expired, already used, or was issued to another access token",
    )
}

impl super::Issuance {
    /// Stores an accepted request and answers 202 with its transaction id.
    pub(crate) async fn defer(
        &self,
        config: &CredentialConfiguration,
        pending: &PendingIssuance,
        awaiting: Awaiting,
    ) -> Result<CredentialAnswer, Error> {
        let now = self.clock.now();
        let transaction_id = random_token(self.rng.as_ref(), "")?;
        let request = StoredRequest {
            awaiting,
            holders: pending
                .holders
                .iter()
                .map(|h| StoredHolder {
                    jwk: h.jwk.clone(),
                    did: h.named_did().map(str::to_string),
                })
                .collect(),
            grant_claims: pending.grant_claims.clone(),
        };
        crate::issuance::proof::refuse_expired(&pending.nonces, self.clock.now())?;
        let recorded = self
            .store
            .insert_deferred_issuance(
                &DeferredIssuanceRecord {
                    id: new_id(self.clock.as_ref(), self.rng.as_ref())?,
                    transaction_hash: sha256(transaction_id.as_bytes()).to_vec(),
                    token_hash: pending.token_hash.clone(),
                    user_id: pending.user_id.clone(),
                    configuration_id: config.id.clone(),
                    offer_id: pending.offer_id.clone(),
                    request: serde_json::to_string(&request).map_err(corrupt)?,
                    status: PENDING.into(),
                    reason: None,
                    claims: None,
                    expires_at: now + self.settings().oauth.deferred_ttl,
                    delivered_at: None,
                    created_at: now,
                    updated_at: now,
                },
                &pending.nonces,
            )
            .await?;
        if !recorded {
            return Err(nonce_refused());
        }
        Ok(CredentialAnswer::Deferred(DeferredResponse {
            transaction_id,
            interval: self.settings().oauth.deferred_interval,
        }))
    }

    /// `POST /v1/openid/deferred-credential` (§9.1).
    pub async fn deferred_credential(
        &self,
        token: &AccessTokenRecord,
        request: &DeferredCredentialRequest,
    ) -> Result<(CredentialAnswer, Option<ResponseEncryption>), Error> {
        let transaction_id = match &request.transaction_id {
            Some(Value::String(id)) if !id.is_empty() => id,
            Some(_) => return Err(invalid_transaction()),
            None => {
                return Err(Error::protocol(
                    ProtocolError::InvalidCredentialRequest,
                    "transaction_id is required",
                ));
            }
        };
        let encryption =
            self.response_encryption(request.credential_response_encryption.as_ref())?;
        if transaction_id.len() > 512 {
            return Err(invalid_transaction());
        }
        let now = self.clock.now();
        let record = self
            .store
            .find_deferred_issuance(&sha256(transaction_id.as_bytes()), now)
            .await?
            .ok_or_else(invalid_transaction)?;
        // §9.3 / SECURITY H24: only the access token that created it.
        if !sigil_crypto::constant_time_eq(&record.token_hash, &token.token_hash) {
            return Err(invalid_transaction());
        }
        let stored: StoredRequest = serde_json::from_str(&record.request).map_err(corrupt)?;
        let again = || {
            CredentialAnswer::Deferred(DeferredResponse {
                transaction_id: transaction_id.clone(),
                interval: self.settings().oauth.deferred_interval,
            })
        };
        let extra = match (record.status.as_str(), stored.awaiting) {
            (REJECTED, _) => {
                // Spent: the wallet learns the decision once.
                self.store
                    .deliver_deferred_issuance(&record.id, now, &[])
                    .await?;
                return Err(denied(record.reason.unwrap_or_else(|| {
                    "the issuer declined to issue this credential".into()
                })));
            }
            (PENDING, Awaiting::Administrator) => return Ok((again(), encryption)),
            (APPROVED, _) => record
                .claims
                .as_deref()
                .map(serde_json::from_str::<Map<String, Value>>)
                .transpose()
                .map_err(corrupt)?,
            (PENDING, Awaiting::ClaimsSource) => None,
            (other, _) => return Err(corrupt(format!("unknown status {other}"))),
        };
        let config = match self
            .configurations
            .credential_configuration(&record.configuration_id)
            .await
        {
            Ok(c) => c,
            Err(Error::NotFound(_)) => {
                return Err(denied(
                    "the credential configuration was deleted while the issuance was pending",
                ));
            }
            Err(e) => return Err(e),
        };
        let holders = stored
            .holders
            .iter()
            .map(|h| match &h.did {
                Some(did) => HolderKey::from_did(did),
                None => HolderKey::from_jwk(&h.jwk),
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(corrupt)?;
        let pending = PendingIssuance {
            user_id: record.user_id.clone(),
            offer_id: record.offer_id.clone(),
            token_hash: record.token_hash.clone(),
            holders,
            grant_claims: stored.grant_claims,
            // Read when the issuance is decided, not when it was deferred.
            user: None,
            nonces: Vec::new(),
        };
        let Some(subject) = self.issuance_subject(&config, &pending, extra).await? else {
            return Ok((again(), encryption));
        };
        let (response, records) = self.build_credentials(&config, &pending, &subject).await?;
        if !self
            .store
            .deliver_deferred_issuance(&record.id, now, &records)
            .await?
        {
            return Err(invalid_transaction());
        }
        Ok((CredentialAnswer::Issued(response), encryption))
    }

    /// `GET /v1/credentials/deferred`.
    pub async fn deferred_issuances(&self) -> Result<DeferredIssuanceList, Error> {
        let rows = self.store.list_deferred_issuances(self.clock.now()).await?;
        Ok(DeferredIssuanceList {
            data: rows.iter().map(to_response).collect::<Result<_, _>>()?,
        })
    }

    /// `GET /v1/credentials/deferred/{id}`.
    pub async fn deferred_issuance(&self, id: &str) -> Result<DeferredIssuanceResponse, Error> {
        to_response(&self.deferred_record(id).await?)
    }

    pub(crate) async fn deferred_record(&self, id: &str) -> Result<DeferredIssuanceRecord, Error> {
        let not_found = Error::NotFound(Resource::DeferredIssuance);
        if !is_id(id) {
            return Err(not_found);
        }
        let record = self
            .store
            .get_deferred_issuance(id)
            .await?
            .ok_or(not_found)?;
        if record.delivered_at.is_some() || record.expires_at <= self.clock.now() {
            return Err(Error::NotFound(Resource::DeferredIssuance));
        }
        Ok(record)
    }

    /// `POST /v1/credentials/deferred/{id}/approve`.
    pub async fn approve_deferred_issuance(
        &self,
        id: &str,
        approval: DeferredApproval,
    ) -> Result<DeferredIssuanceResponse, Error> {
        let claims = approval
            .claims
            .map(|c| serde_json::to_string(&c))
            .transpose()
            .map_err(corrupt)?;
        self.decide(id, APPROVED, None, claims.as_deref()).await
    }

    /// `POST /v1/credentials/deferred/{id}/reject`.
    pub async fn reject_deferred_issuance(
        &self,
        id: &str,
        rejection: DeferredRejection,
    ) -> Result<DeferredIssuanceResponse, Error> {
        check_rejection(&rejection)?;
        self.decide(id, REJECTED, rejection.reason.as_deref(), None)
            .await
    }

    pub(crate) async fn decide(
        &self,
        id: &str,
        status: &str,
        reason: Option<&str>,
        claims: Option<&str>,
    ) -> Result<DeferredIssuanceResponse, Error> {
        let record = self.deferred_record(id).await?;
        if record.status != PENDING {
            return Err(Error::Conflict(format!(
                "the deferred issuance is already {}",
                record.status
            )));
        }
        if !self
            .store
            .decide_deferred_issuance(id, status, reason, claims, self.clock.now())
            .await?
        {
            return Err(Error::Conflict(
                "the deferred issuance was decided or delivered meanwhile".into(),
            ));
        }
        self.deferred_issuance(id).await
    }
}

fn to_response(r: &DeferredIssuanceRecord) -> Result<DeferredIssuanceResponse, Error> {
    let stored: StoredRequest = serde_json::from_str(&r.request).map_err(corrupt)?;
    let thumbprints = stored
        .holders
        .iter()
        .map(|h| HolderKey::from_jwk(&h.jwk).map(|k| k.thumbprint))
        .collect::<Result<Vec<_>, _>>()
        .map_err(corrupt)?;
    Ok(DeferredIssuanceResponse {
        id: r.id.clone(),
        user_id: r.user_id.clone(),
        credential_configuration_id: r.configuration_id.clone(),
        offer_id: r.offer_id.clone(),
        status: r.status.clone(),
        awaiting: stored.awaiting.as_str().into(),
        holder_key_thumbprints: thumbprints,
        reason: r.reason.clone(),
        expires_at: timestamp(r.expires_at),
        created_at: timestamp(r.created_at),
        updated_at: timestamp(r.updated_at),
    })
}
