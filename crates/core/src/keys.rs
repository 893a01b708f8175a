//! The issuer's signing keys: one active ES256 (P-256) and one EdDSA (Ed25519) key, created on
//! first start, private parts sealed under the master key, public parts published as a JWKS.

use std::sync::Arc;

use sigil_crypto::{
    Jwks, MasterKey, MasterKeyId, PublicJwk, SealedBox, SecureRandom, Signer, SigningAlgorithm,
    SoftwareSigner, generate_pkcs8,
};

use crate::Clock;
use crate::error::Error;
use crate::store::{SigningKeyRecord, Store, StoreError};

/// The loaded signing keys; parsed once at start, shared by every request.
#[derive(Debug, Clone)]
pub struct KeyRing {
    signers: Vec<Arc<dyn Signer>>,
    jwks: Jwks,
    jwks_json: Arc<str>,
}

fn seal_context(kid: &str) -> String {
    format!("signing-key:{kid}")
}

impl KeyRing {
    /// Loads the active keys, creating any that are missing (only one per algorithm even when
    /// nodes start together: the store inserts only if absent, and we re-read).
    pub async fn load_or_create(
        store: &dyn Store,
        master_key: &MasterKey,
        rng: &dyn SecureRandom,
        clock: &dyn Clock,
    ) -> Result<Self, Error> {
        let existing = store.list_signing_keys().await?;
        for alg in SigningAlgorithm::ALL {
            let has = existing
                .iter()
                .any(|k| k.status == "active" && k.algorithm == alg.jose_name());
            if !has {
                let pkcs8 = generate_pkcs8(alg)?;
                let signer = SoftwareSigner::from_pkcs8(alg, &pkcs8)?;
                let kid = signer.key_id().to_string();
                let sealed = master_key.seal(rng, &seal_context(&kid), &pkcs8)?;
                let record = SigningKeyRecord {
                    kid,
                    algorithm: alg.jose_name().into(),
                    public_jwk: serde_json::to_string(signer.public_jwk())
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    private_key_key_id: sealed.key_id.to_string(),
                    private_key_ciphertext: sealed.bytes,
                    status: "active".into(),
                    created_at: clock.now(),
                };
                store.insert_signing_key_if_absent(&record).await?;
            }
        }
        let mut records: Vec<SigningKeyRecord> = store
            .list_signing_keys()
            .await?
            .into_iter()
            .filter(|k| k.status == "active")
            .collect();
        records.sort_by(|a, b| (&a.algorithm, &a.kid).cmp(&(&b.algorithm, &b.kid)));
        let mut signers: Vec<Arc<dyn Signer>> = Vec::new();
        for record in &records {
            let alg: SigningAlgorithm = record.algorithm.parse()?;
            let pkcs8 = master_key.open(
                &seal_context(&record.kid),
                &SealedBox {
                    key_id: MasterKeyId::new(record.private_key_key_id.clone()),
                    bytes: record.private_key_ciphertext.clone(),
                },
            )?;
            let signer = SoftwareSigner::from_pkcs8(alg, &pkcs8)?;
            let published: PublicJwk = serde_json::from_str(&record.public_jwk)
                .map_err(|e| StoreError::Corrupt(format!("public key {}: {e}", record.kid)))?;
            if &published != signer.public_jwk() {
                return Err(StoreError::Corrupt(format!(
                    "signing key {}: the stored public key does not match the private key",
                    record.kid
                ))
                .into());
            }
            signers.push(Arc::new(signer));
        }
        let jwks = Jwks {
            keys: signers.iter().map(|s| s.public_jwk().clone()).collect(),
        };
        let jwks_json = serde_json::to_string(&jwks)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .into();
        Ok(Self {
            signers,
            jwks,
            jwks_json,
        })
    }

    /// The active signer for `algorithm`.
    pub fn signer(&self, algorithm: SigningAlgorithm) -> Option<Arc<dyn Signer>> {
        self.signers
            .iter()
            .find(|s| s.algorithm() == algorithm)
            .cloned()
    }

    /// The public keys.
    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// The public keys serialised once, so every response is byte-identical.
    pub fn jwks_json(&self) -> Arc<str> {
        self.jwks_json.clone()
    }
}
