//! The issuer's signing keys: one active ES256 (P-256) and one EdDSA (Ed25519) credential key,
//! created on first start, private parts sealed under the master key, public parts published as
//! a JWKS. Beside them an issuer CA key certifies the ES256 key for the current issuer identifier,
//! so SD-JWT VCs can carry `x5c` as well as `kid`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sigil_crypto::certificate::{
    CA_COMMON_NAME, LEAF_LIFETIME_SECS, generate_issuer_ca, issue_signer_certificate, pem,
};
use sigil_crypto::{
    Jwks, MasterKey, MasterKeyId, PublicJwk, SealedBox, SecureRandom, Signer, SigningAlgorithm,
    SoftwareSigner, b64, generate_pkcs8,
};

use crate::Clock;
use crate::error::Error;
use crate::store::{SigningKeyRecord, Store, StoreError};

/// Keys that sign credentials (published in the JWKS).
pub const PURPOSE_CREDENTIAL: &str = "credential";
/// The key that certifies credential keys (its certificate is the `x5c` trust anchor).
pub const PURPOSE_ISSUER_CA: &str = "issuer-ca";
/// A leaf certificate is re-issued at start when it has less than this left.
const RENEW_BEFORE_SECS: i64 = 30 * 86_400;

/// A key's certificate, as stored: the chain and what it was issued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CertificateInfo {
    /// The URI SAN (the issuer identifier), or the CA's name.
    subject: String,
    /// Expiry of the first certificate.
    not_after: i64,
    /// Base64 (standard) DER certificates, leaf first.
    x5c: Vec<String>,
}

impl CertificateInfo {
    fn der(&self) -> Result<Vec<Vec<u8>>, Error> {
        self.x5c
            .iter()
            .map(|c| {
                b64::decode(c)
                    .ok_or_else(|| StoreError::Corrupt("certificate encoding".into()).into())
            })
            .collect()
    }
}

/// The loaded signing keys; parsed once at start, shared by every request.
#[derive(Debug, Clone)]
pub struct KeyRing {
    signers: Vec<Arc<dyn Signer>>,
    jwks: Jwks,
    jwks_json: Arc<str>,
    issuer_ca_pem: Arc<str>,
}

fn seal_context(kid: &str) -> String {
    format!("signing-key:{kid}")
}

fn corrupt(e: impl std::fmt::Display) -> Error {
    StoreError::Corrupt(e.to_string()).into()
}

struct Ctx<'a> {
    store: &'a dyn Store,
    master_key: &'a MasterKey,
    rng: &'a dyn SecureRandom,
    now: i64,
}

impl Ctx<'_> {
    /// Inserts a key for `purpose` unless one is active (two nodes starting together create one).
    async fn ensure(
        &self,
        existing: &[SigningKeyRecord],
        purpose: &str,
        alg: SigningAlgorithm,
        pkcs8: impl FnOnce() -> Result<(Vec<u8>, Option<CertificateInfo>), Error>,
    ) -> Result<(), Error> {
        let has = existing.iter().any(|k| {
            k.status == "active" && k.purpose == purpose && k.algorithm == alg.jose_name()
        });
        if has {
            return Ok(());
        }
        let (pkcs8, certificate) = pkcs8()?;
        let signer = SoftwareSigner::from_pkcs8(alg, &pkcs8)?;
        let kid = signer.key_id().to_string();
        let sealed = self
            .master_key
            .seal(self.rng, &seal_context(&kid), &pkcs8)?;
        let record = SigningKeyRecord {
            kid,
            algorithm: alg.jose_name().into(),
            public_jwk: serde_json::to_string(signer.public_jwk()).map_err(corrupt)?,
            private_key_key_id: sealed.key_id.to_string(),
            private_key_ciphertext: sealed.bytes,
            status: "active".into(),
            purpose: purpose.into(),
            certificate: certificate
                .map(|c| serde_json::to_string(&c))
                .transpose()
                .map_err(corrupt)?,
            created_at: self.now,
        };
        self.store.insert_signing_key_if_absent(&record).await?;
        Ok(())
    }

    fn open(
        &self,
        record: &SigningKeyRecord,
    ) -> Result<(SigningAlgorithm, Vec<u8>, SoftwareSigner), Error> {
        let alg: SigningAlgorithm = record.algorithm.parse()?;
        let pkcs8 = self.master_key.open(
            &seal_context(&record.kid),
            &SealedBox {
                key_id: MasterKeyId::new(record.private_key_key_id.clone()),
                bytes: record.private_key_ciphertext.clone(),
            },
        )?;
        let signer = SoftwareSigner::from_pkcs8(alg, &pkcs8)?;
        let published: PublicJwk = serde_json::from_str(&record.public_jwk)
            .map_err(|e| corrupt(format!("public key {}: {e}", record.kid)))?;
        if &published != signer.public_jwk() {
            return Err(corrupt(format!(
                "signing key {}: the stored public key does not match the private key",
                record.kid
            )));
        }
        Ok((alg, pkcs8, signer))
    }

    /// The ES256 key's certificate for `issuer`: the stored one while it fits, else a new one
    /// (stored compare-and-set, so concurrent starts keep one).
    async fn leaf(
        &self,
        record: &SigningKeyRecord,
        pkcs8: &[u8],
        ca_pkcs8: &[u8],
        ca: &CertificateInfo,
        issuer: &str,
    ) -> Result<Vec<Vec<u8>>, Error> {
        let stored: Option<CertificateInfo> = record
            .certificate
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(corrupt)?;
        if let Some(info) = &stored
            && info.subject == issuer
            && info.not_after > self.now + RENEW_BEFORE_SECS
        {
            return info.der();
        }
        let leaf = issue_signer_certificate(ca_pkcs8, pkcs8, issuer, self.now, self.rng)?;
        let mut x5c = vec![b64::encode(&leaf)];
        x5c.extend(ca.x5c.iter().skip(1).cloned());
        let info = CertificateInfo {
            subject: issuer.into(),
            not_after: self.now + LEAF_LIFETIME_SECS,
            x5c,
        };
        let json = serde_json::to_string(&info).map_err(corrupt)?;
        let expected = record.certificate.as_deref();
        if !self
            .store
            .set_signing_key_certificate(&record.kid, expected, &json)
            .await?
        {
            tracing::debug!(kid = %record.kid, "another node renewed the issuer certificate first");
        }
        info.der()
    }
}

impl KeyRing {
    /// Loads the active keys, creating any that are missing, and certifies the ES256 credential
    /// key for `issuer` (the credential issuer identifier).
    pub async fn load_or_create(
        store: &dyn Store,
        master_key: &MasterKey,
        rng: &dyn SecureRandom,
        clock: &dyn Clock,
        issuer: &str,
    ) -> Result<Self, Error> {
        let now = clock.now();
        let ctx = Ctx {
            store,
            master_key,
            rng,
            now,
        };
        let existing = store.list_signing_keys().await?;
        for alg in SigningAlgorithm::ALL {
            ctx.ensure(&existing, PURPOSE_CREDENTIAL, alg, || {
                Ok((generate_pkcs8(alg)?, None))
            })
            .await?;
        }
        ctx.ensure(
            &existing,
            PURPOSE_ISSUER_CA,
            SigningAlgorithm::Es256,
            || {
                let (pkcs8, der) = generate_issuer_ca(now, rng)?;
                let info = CertificateInfo {
                    subject: CA_COMMON_NAME.into(),
                    not_after: now + 10 * 365 * 86_400,
                    x5c: vec![b64::encode(der)],
                };
                Ok((pkcs8, Some(info)))
            },
        )
        .await?;

        let mut records: Vec<SigningKeyRecord> = store
            .list_signing_keys()
            .await?
            .into_iter()
            .filter(|k| k.status == "active")
            .collect();
        records.sort_by(|a, b| (&a.algorithm, &a.kid).cmp(&(&b.algorithm, &b.kid)));
        let ca_record = records
            .iter()
            .find(|k| k.purpose == PURPOSE_ISSUER_CA)
            .ok_or_else(|| corrupt("no active issuer CA key"))?;
        let (_, ca_pkcs8, _) = ctx.open(ca_record)?;
        let ca: CertificateInfo =
            serde_json::from_str(ca_record.certificate.as_deref().unwrap_or_default())
                .map_err(|e| corrupt(format!("issuer CA certificate: {e}")))?;
        let ca_der = ca.der()?;

        let mut signers: Vec<Arc<dyn Signer>> = Vec::new();
        for record in records.iter().filter(|k| k.purpose == PURPOSE_CREDENTIAL) {
            let (alg, pkcs8, signer) = ctx.open(record)?;
            let signer = match alg {
                SigningAlgorithm::Es256 => {
                    let chain = ctx.leaf(record, &pkcs8, &ca_pkcs8, &ca, issuer).await?;
                    signer.with_certificate_chain(chain)
                }
                SigningAlgorithm::EdDsa => signer,
            };
            signers.push(Arc::new(signer));
        }
        let jwks = Jwks {
            keys: signers.iter().map(|s| s.public_jwk().clone()).collect(),
        };
        let jwks_json = serde_json::to_string(&jwks).map_err(corrupt)?.into();
        let issuer_ca_pem = ca_der.iter().map(|d| pem(d)).collect::<String>().into();
        Ok(Self {
            signers,
            jwks,
            jwks_json,
            issuer_ca_pem,
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

    /// The issuer CA certificate (PEM): the trust anchor for `x5c` chains.
    pub fn issuer_ca_pem(&self) -> Arc<str> {
        self.issuer_ca_pem.clone()
    }
}
