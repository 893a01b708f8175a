//! Sigil's request-encryption keys (OID4VCI 1.0 §10): one P-256 key per key management
//! algorithm, published in the issuer metadata's `credential_request_encryption.jwks`, sealed
//! under the master key like the signing keys and rotated with them. They decrypt, never sign, so
//! they stay in software (ECDH and HPKE need the private scalar here).

use std::sync::Arc;

use serde_json::Value;
use sigil_crypto::jwe::{ContentEncryption, DecryptionKey, KeyManagement};
use sigil_crypto::{MasterKey, MasterKeyId, SealedBox};

use crate::error::Error;
use crate::store::{SigningKeyRecord, StoreError};

fn corrupt(e: impl std::fmt::Display) -> Error {
    StoreError::Corrupt(e.to_string()).into()
}

/// The `purpose` of request-encryption key rows.
pub const PURPOSE_REQUEST_ENCRYPTION: &str = "request-encryption";
/// Key management algorithms for responses and requests, most preferred first.
pub const ALGS: [KeyManagement; 2] = [KeyManagement::Hpke7, KeyManagement::EcdhEs];
/// Content encryption algorithms.
pub const ENCS: [ContentEncryption; 2] = [ContentEncryption::A256Gcm, ContentEncryption::A128Gcm];
/// The master-key context a request-encryption key is sealed under.
pub fn request_key_context(kid: &str) -> String {
    format!("request-encryption-key:{kid}")
}

/// Sigil's request-decryption keys and their published JWKS. Only the active keys are
/// published; keys retired by a rotation still decrypt until their overlap ends, for wallets
/// that fetched the metadata before.
#[derive(Debug, Clone, Default)]
pub struct RequestKeys {
    pub(crate) keys: Vec<(KeyManagement, String, Arc<DecryptionKey>)>,
    jwks: Value,
}

impl RequestKeys {
    /// Opens the `active` keys (published, one per algorithm) and the `retired` ones.
    pub fn open(
        master_key: &MasterKey,
        active: &[&SigningKeyRecord],
        retired: &[&SigningKeyRecord],
    ) -> Result<Self, Error> {
        let mut keys = Vec::new();
        let mut published = Vec::new();
        for (record, publish) in active
            .iter()
            .map(|r| (r, true))
            .chain(retired.iter().map(|r| (r, false)))
        {
            let alg = KeyManagement::parse(&record.algorithm)
                .ok_or_else(|| corrupt(format!("request key {}: algorithm", record.kid)))?;
            let secret = master_key.open(
                &request_key_context(&record.kid),
                &SealedBox {
                    key_id: MasterKeyId::new(record.private_key_key_id.clone()),
                    bytes: record.private_key_ciphertext.clone(),
                },
            )?;
            let key = DecryptionKey::from_bytes(&secret)
                .map_err(|e| corrupt(format!("request key {}: {e}", record.kid)))?;
            if publish {
                let mut jwk = key.public_jwk();
                jwk.insert("kid".into(), Value::from(record.kid.clone()));
                jwk.insert("use".into(), Value::from("enc"));
                jwk.insert("alg".into(), Value::from(alg.as_str()));
                published.push(Value::Object(jwk));
            }
            keys.push((alg, record.kid.clone(), Arc::new(key)));
        }
        Ok(Self {
            keys,
            jwks: serde_json::json!({ "keys": published }),
        })
    }

    /// `credential_request_encryption.jwks`.
    pub fn jwks(&self) -> &Value {
        &self.jwks
    }
}
