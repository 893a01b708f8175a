//! Issuance (OID4VCI 1.0 §7–§11): the nonce endpoint, key proofs, the credential endpoint and
//! its deferred and notification companions, request and response encryption, and the issuer
//! metadata wallets read first.

use std::sync::Arc;

use serde_json::{Map, Value};
use sigil_crypto::{HolderKey, SecureRandom};
use sigil_proto::oid4vci::credential::{CredentialResponse, DeferredResponse};

use crate::Clock;
use crate::catalogue::claim_source::ClaimSources;
use crate::catalogue::credential_configuration::CredentialConfigurations;
use crate::catalogue::user::Users;
use crate::error::{Error, ProtocolError};
use crate::keys::IssuerKeys;
use crate::keys::did::Dids;
use crate::keys::iaca::MdocCertificates;
use crate::settings::Settings;
use crate::store::{SpentNonce, Store};
use nonce::Nonces;

pub mod credential;
pub mod deferred;
pub mod encryption;
pub mod metadata;
pub mod nonce;
pub mod notification;
pub mod proof;

pub(crate) fn denied(description: impl Into<String>) -> Error {
    Error::protocol(ProtocolError::CredentialRequestDenied, description)
}

/// What the credential and deferred credential endpoints answer.
#[derive(Debug, Clone, PartialEq)]
pub enum CredentialAnswer {
    /// 200: the credentials.
    Issued(CredentialResponse),
    /// 202: come back to the deferred credential endpoint.
    Deferred(DeferredResponse),
}

impl CredentialAnswer {
    /// The JSON body.
    pub fn body(&self) -> Result<Value, Error> {
        match self {
            CredentialAnswer::Issued(r) => serde_json::to_value(r),
            CredentialAnswer::Deferred(r) => serde_json::to_value(r),
        }
        .map_err(|e| crate::store::StoreError::Corrupt(format!("credential response: {e}")).into())
    }
}

/// A credential request whose proofs were accepted: everything issuance needs but the claims.
#[derive(Debug, Clone)]
pub(crate) struct PendingIssuance {
    pub user_id: String,
    pub offer_id: Option<String>,
    /// SHA-256 of the access token (notifications and deferred redemption check it).
    pub token_hash: Vec<u8>,
    /// One per credential, distinct.
    pub holders: Vec<HolderKey>,
    /// The offer's or the login's claims.
    pub grant_claims: Option<Map<String, Value>>,
    /// The user as read with the access token, if it was (else it is read when needed).
    pub user: Option<crate::store::TokenUser>,
    /// The request's c_nonces, spent with what it records (none when a deferred issuance is
    /// delivered: they were spent when it was deferred).
    pub nonces: Vec<SpentNonce>,
}

/// Whom a credential is issued to: the user's id and the object the claim mappings read.
#[derive(Debug, Clone)]
pub(crate) struct Subject {
    pub id: String,
    pub object: Value,
}

/// The credential endpoint with its key proofs, deferred issuance, notifications and encryption.
#[derive(Debug, Clone)]
pub struct Issuance {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) settings: Arc<Settings>,
    pub(crate) issuer_keys: Arc<IssuerKeys>,
    pub(crate) configurations: Arc<CredentialConfigurations>,
    pub(crate) users: Arc<Users>,
    pub(crate) claim_sources: Arc<ClaimSources>,
    pub(crate) dids: Arc<Dids>,
    pub(crate) mdoc: Arc<MdocCertificates>,
    pub(crate) nonces: Arc<Nonces>,
    pub(crate) status_lists: Arc<crate::status_list::StatusLists>,
}
