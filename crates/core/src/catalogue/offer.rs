//! Pre-authorized credential offers (OID4VCI 1.0 §4.1; seed 002): created by the issuer's
//! backend, redeemed once at the token endpoint.

use std::sync::Arc;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Map, Value};
use sigil_crypto::MasterKey;
use sigil_crypto::SecureRandom;
use sigil_crypto::{MasterKeyId, SealedBox, b64url, random_array, random_token, sha256};
use sigil_proto::admin::offer::{
    OfferExpiresIn, OfferState, OfferStatus, PreAuthorizedOfferRequest, PreAuthorizedOfferResponse,
};
use sigil_proto::oid4vci::offer::{CredentialOffer, Grants, PreAuthorizedCodeGrant, TxCode};
use sigil_proto::secret::Secret;

use crate::Clock;
use crate::FieldError;
use crate::catalogue::credential_configuration::CredentialConfigurations;
use crate::catalogue::user::Users;
use crate::clock::timestamp;
use crate::error::{Error, Resource};
use crate::ids::{is_id, new_id};
use crate::settings::Settings;
use crate::store::Store;
use crate::store::{OfferRecord, StoreError, UserRecord, UserWrite};
use crate::validation::Problems;

/// Default offer lifetime (seed 002: 5 minutes).
pub const DEFAULT_TTL_SECS: i64 = 300;
/// Longest offer lifetime (seed 002: 10 minutes).
pub const MAX_TTL_SECS: i64 = 600;
/// OID4VCI 1.0 §4.1.1: `tx_code.description` is at most 300 characters.
pub const MAX_TX_DESCRIPTION: usize = 300;

/// RFC 3986 unreserved characters stay; everything else in a query value is encoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
const TX_TEXT_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// The MAC context binding a transaction code to its offer.
pub(crate) fn tx_code_mac(master_key: &MasterKey, offer_id: &str, code: &str) -> [u8; 32] {
    master_key.mac("tx-code", format!("{offer_id}:{code}").as_bytes())
}

fn sealed_context(offer_id: &str) -> String {
    format!("offer:{offer_id}")
}

/// RFC 3339 with milliseconds, as seed 002 shows `expiresAt`.
/// An offer's lifetime from `expiresIn`: `default` when absent; otherwise more than 0 and at
/// most `max` seconds (`max_text` names the limit in the error).
pub(crate) fn offer_ttl(
    p: &mut Problems,
    expires_in: Option<&OfferExpiresIn>,
    default: i64,
    max: i64,
    max_text: &str,
) -> i64 {
    let Some(e) = expires_in else {
        return default;
    };
    let (m, s) = (e.minutes.unwrap_or(0), e.seconds.unwrap_or(0));
    if m < 0 || s < 0 {
        p.body(
            "expiresIn",
            "minutes and seconds must not be negative",
            Value::Null,
        );
    }
    let total = m.saturating_mul(60).saturating_add(s);
    if total <= 0 || total > max {
        p.body(
            "expiresIn",
            format!("must be more than 0 seconds and at most {max_text}"),
            Value::from(total),
        );
    }
    total
}

/// A transaction code to make.
#[derive(Debug)]
pub struct TxPlan {
    length: u32,
    numeric: bool,
    description: Option<String>,
}

/// The configuration ids of an offer: at least one, each listed once.
pub(crate) fn check_offered_ids(p: &mut Problems, credentials: &[String]) {
    if credentials.is_empty() {
        p.body(
            "credentials",
            "must list at least one credential configuration id",
            Value::Array(vec![]),
        );
    }
    for (i, id) in credentials.iter().enumerate() {
        if credentials.iter().take(i).any(|c| c == id) {
            p.body(
                format!("credentials.{i}"),
                "is listed twice",
                Value::from(id.clone()),
            );
        }
    }
}

/// The checks of a pre-authorized offer that need no storage; the lifetime when they pass.
pub fn check_pre_authorized_offer(
    p: &mut Problems,
    request: &PreAuthorizedOfferRequest,
) -> Option<(i64, Option<TxPlan>)> {
    check_offered_ids(p, &request.credentials);
    let tx = request
        .transaction_code_configuration
        .as_ref()
        .and_then(|t| {
            let length = t.length.unwrap_or(6);
            if !(4..=12).contains(&length) {
                p.body(
                    "transactionCodeConfiguration.length",
                    "must be between 4 and 12",
                    Value::from(length),
                );
            }
            let numeric = match t.input_mode.as_deref().unwrap_or("numeric") {
                "numeric" => true,
                "text" => false,
                other => {
                    p.body(
                        "transactionCodeConfiguration.inputMode",
                        "must be numeric or text",
                        Value::from(other),
                    );
                    true
                }
            };
            if let Some(d) = &t.description
                && d.chars().count() > MAX_TX_DESCRIPTION
            {
                p.body(
                    "transactionCodeConfiguration.description",
                    format!("must be at most {MAX_TX_DESCRIPTION} characters"),
                    Value::from(d.chars().count()),
                );
            }
            u32::try_from(length).ok().map(|length| TxPlan {
                length,
                numeric,
                description: t.description.clone(),
            })
        });
    let ttl = offer_ttl(
        p,
        request.expires_in.as_ref(),
        DEFAULT_TTL_SECS,
        MAX_TTL_SECS,
        "10 minutes",
    );
    p.is_empty().then_some((ttl, tx))
}

/// Pre-authorized credential offers (`/v1/openid/offers/pre-authorized`) and offers by reference.
#[derive(Debug, Clone)]
pub struct Offers {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) master_key: Arc<MasterKey>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) configurations: Arc<CredentialConfigurations>,
    pub(crate) users: Arc<Users>,
}

impl Offers {
    /// The configurations an offer names must exist: an unknown one is a 404, like any id that
    /// names nothing.
    pub(crate) async fn check_offered_configurations(
        &self,
        credentials: &[String],
    ) -> Result<(), Error> {
        for id in credentials {
            self.configurations.credential_configuration(id).await?;
        }
        Ok(())
    }

    /// `POST /v1/openid/offers/pre-authorized`.
    pub async fn create_pre_authorized_offer(
        &self,
        request: PreAuthorizedOfferRequest,
    ) -> Result<PreAuthorizedOfferResponse, Error> {
        let mut p = Problems::default();
        let checked = check_pre_authorized_offer(&mut p, &request);
        p.finish(())?;
        let Some((ttl, tx)) = checked else {
            return Err(Problems::default().into_error());
        };
        self.check_offered_configurations(&request.credentials)
            .await?;
        let user = match &request.user_id {
            Some(id) => Some(self.users.user(id).await?),
            None => None,
        };
        let claims = request.claims.clone().unwrap_or_default();
        // Names not among the claims persist nothing: there is nothing to save under them.
        let to_persist = request.claims_to_persist.clone().unwrap_or_default();

        let now = self.clock.now();
        let id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
        let persisted: Map<String, Value> = to_persist
            .iter()
            .filter_map(|k| claims.get(k).map(|v| (k.clone(), v.clone())))
            .collect();
        let (user_id, user_write) = match user {
            Some(user) if persisted.is_empty() => (user.id, UserWrite::Keep),
            Some(user) => {
                let mut merged = user.claims;
                merged.extend(persisted);
                let claims = serde_json::to_string(&merged)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                (
                    user.id.clone(),
                    UserWrite::UpdateClaims {
                        id: user.id,
                        claims,
                        at: now,
                    },
                )
            }
            None => {
                let user_id = new_id(self.clock.as_ref(), self.rng.as_ref())?;
                let record = UserRecord {
                    id: user_id.clone(),
                    provider_url: None,
                    subject_id: None,
                    claims: serde_json::to_string(&persisted)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    created_at: now,
                    updated_at: now,
                };
                (user_id, UserWrite::Insert(record))
            }
        };

        let code = random_token(self.rng.as_ref(), "")?;
        let tx_code = tx.as_ref().map(|plan| self.new_tx_code(plan)).transpose()?;
        let offer = CredentialOffer {
            credential_issuer: self.issuer().to_string(),
            credential_configuration_ids: request.credentials.clone(),
            grants: Grants {
                pre_authorized_code: Some(PreAuthorizedCodeGrant {
                    pre_authorized_code: Secret::new(code.clone()),
                    tx_code: tx.as_ref().map(|plan| TxCode {
                        input_mode: if plan.numeric { "numeric" } else { "text" }.into(),
                        length: plan.length,
                        description: plan.description.clone(),
                    }),
                }),
                authorization_code: None,
            },
        };
        let offer_json =
            serde_json::to_string(&offer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (reference, sealed) = if request.by_reference {
            let reference = b64url::encode(random_array::<32>(self.rng.as_ref())?);
            let sealed = self.master_key.seal(
                self.rng.as_ref(),
                &sealed_context(&id),
                offer_json.as_bytes(),
            )?;
            (Some(reference), Some(sealed))
        } else {
            (None, None)
        };
        let uri = match &reference {
            Some(r) => format!(
                "openid-credential-offer://?credential_offer_uri={}",
                utf8_percent_encode(
                    &format!("{}/v1/openid/offers/{r}", self.issuer()),
                    QUERY_VALUE
                )
            ),
            None => format!(
                "openid-credential-offer://?credential_offer={}",
                utf8_percent_encode(&offer_json, QUERY_VALUE)
            ),
        };
        let record = OfferRecord {
            id: id.clone(),
            user_id: user_id.clone(),
            configuration_ids: serde_json::to_string(&request.credentials)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?,
            claims: if claims.is_empty() {
                None
            } else {
                Some(
                    serde_json::to_string(&claims)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                )
            },
            code_hash: sha256(code.as_bytes()).to_vec(),
            tx_code_mac: tx_code
                .as_ref()
                .map(|c| tx_code_mac(&self.master_key, &id, c).to_vec()),
            tx_code_failures: 0,
            reference_hash: reference.as_ref().map(|r| sha256(r.as_bytes()).to_vec()),
            sealed_key_id: sealed.as_ref().map(|s| s.key_id.to_string()),
            sealed_offer: sealed.map(|s| s.bytes),
            expires_at: now + ttl,
            consumed_at: None,
            created_at: now,
        };
        self.store.insert_offer(&record, &user_write).await?;
        Ok(PreAuthorizedOfferResponse {
            id,
            user_id,
            uri,
            expires_at: timestamp(record.expires_at),
            transaction_code: tx_code.map(|code| {
                if tx.as_ref().is_some_and(|t| t.numeric) {
                    code.parse::<u64>()
                        .map(Value::from)
                        .unwrap_or(Value::from(code))
                } else {
                    Value::from(code)
                }
            }),
        })
    }

    pub(crate) fn new_tx_code(&self, plan: &TxPlan) -> Result<String, Error> {
        let len = usize::try_from(plan.length).unwrap_or(6);
        let mut bytes = vec![0u8; len];
        self.rng.fill(&mut bytes)?;
        // Rejection-free mapping: 256 is a multiple of 32 (text) but not of 10, so numeric digits
        // are drawn from bytes below 250 only.
        let mut out = String::with_capacity(len);
        if plan.numeric {
            let mut buf = [0u8; 1];
            while out.len() < len {
                self.rng.fill(&mut buf)?;
                let [b] = buf;
                if b < 250 {
                    let digit = b % 10;
                    // A numeric code never starts with 0, so it survives as a JSON number.
                    if out.is_empty() && digit == 0 {
                        continue;
                    }
                    out.push(char::from(b'0' + digit));
                }
            }
        } else {
            for b in bytes {
                let i = usize::from(b) % TX_TEXT_ALPHABET.len();
                out.push(char::from(*TX_TEXT_ALPHABET.get(i).unwrap_or(&b'A')));
            }
        }
        Ok(out)
    }

    /// `DELETE /v1/openid/offers/pre-authorized/{id}`: the code can no longer be redeemed.
    pub async fn delete_pre_authorized_offer(&self, id: &str) -> Result<(), Error> {
        if is_id(id) && self.store.delete_offer(id).await? {
            Ok(())
        } else {
            Err(Error::NotFound(Resource::Offer))
        }
    }

    /// `GET /v1/openid/offers/pre-authorized/{id}` and `…/authorization-code/{id}`: where the
    /// offer stands (an expired offer is known until the purge removes it, then 404 like a
    /// deleted one).
    pub async fn offer_status(
        &self,
        id: &str,
        authorization_code: bool,
    ) -> Result<OfferStatus, Error> {
        let progress = match is_id(id) {
            true => {
                self.store
                    .get_offer_progress(id, authorization_code)
                    .await?
            }
            false => None,
        };
        let progress = progress.ok_or(Error::NotFound(Resource::Offer))?;
        let state = match (progress.issued, progress.consumed_at) {
            (1.., _) => OfferState::CredentialIssued,
            (_, Some(_)) => OfferState::Redeemed,
            (_, None) if progress.expires_at <= self.clock.now() => OfferState::Expired,
            (_, None) => OfferState::Waiting,
        };
        Ok(OfferStatus {
            id: id.to_string(),
            state,
            expires_at: timestamp(progress.expires_at),
            redeemed_at: progress.consumed_at.map(timestamp),
            credentials_issued: progress.issued,
        })
    }

    /// `GET /v1/openid/offers/{reference}`: a by-reference offer, while it can still be redeemed.
    pub async fn offer_by_reference(&self, reference: &str) -> Result<Value, Error> {
        let not_found = Error::NotFound(Resource::Offer);
        if reference.len() != 43 || b64url::decode(reference).is_none() {
            return Err(not_found);
        }
        let record = self
            .store
            .find_offer_by_reference(&sha256(reference.as_bytes()), self.clock.now())
            .await?
            .ok_or(not_found)?;
        let (Some(key_id), Some(bytes)) = (record.sealed_key_id, record.sealed_offer) else {
            return Err(StoreError::Corrupt(format!(
                "offer {} has a reference but no sealed offer",
                record.id
            ))
            .into());
        };
        let plain = self.master_key.open(
            &sealed_context(&record.id),
            &SealedBox {
                key_id: MasterKeyId::new(key_id),
                bytes,
            },
        )?;
        serde_json::from_slice(&plain)
            .map_err(|e| StoreError::Corrupt(format!("sealed offer {}: {e}", record.id)).into())
    }
}

impl From<FieldError> for Error {
    fn from(e: FieldError) -> Self {
        Error::Validation(vec![e])
    }
}
