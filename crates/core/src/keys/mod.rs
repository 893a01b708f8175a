//! The issuer's keys: an ES256 (P-256) and an EdDSA (Ed25519) credential key, an issuer CA that
//! certifies the ES256 key for the current issuer identifier (so SD-JWT VCs carry `x5c` as well
//! as `kid`), and the request-encryption keys. Each is created on first start in the default
//! [`provider::KeyProvider`] and used through the provider that made it.
//!
//! Keys rotate with overlap (SECURITY.md K2): rotating makes a new key that signs at once and
//! retires the old one, which stays published (JWKS, `/.well-known/jwt-vc-issuer`, the DID
//! document, the issuer CA bundle) for the overlap so credentials it signed keep verifying, and
//! then disappears from them. Every node reloads its [`KeyRing`] when the stored keys change
//! (checked each second) or an overlap ends, so nodes sharing a database agree on the active key
//! without a restart.

pub mod did;
pub mod iaca;
pub mod provider;
pub mod request_keys;

use std::sync::{Arc, RwLock};

use serde::{Deserialize, Serialize};
use sigil_crypto::certificate::{
    CA_COMMON_NAME, LEAF_LIFETIME_SECS, pem, prepare_issuer_ca, prepare_signer_certificate,
};
use sigil_crypto::jwe::DecryptionKey;
use sigil_crypto::{Jwks, MasterKey, PublicJwk, SealedBox, SecureRandom, SigningAlgorithm, b64};
use sigil_proto::admin::keys::{KeyKind, KeyList, KeyResponse, KeyState};

use crate::Clock;
use crate::error::Error;
use crate::store::{SigningKeyRecord, SigningKeysVersion, Store, StoreError};
use provider::{KeyProviders, KeyUse, ProviderKey};
use request_keys::{ALGS, PURPOSE_REQUEST_ENCRYPTION, RequestKeys, request_key_context};

/// Keys that sign credentials (published in the JWKS).
pub const PURPOSE_CREDENTIAL: &str = "credential";
/// The key that certifies credential keys (its certificate is the `x5c` trust anchor).
pub const PURPOSE_ISSUER_CA: &str = "issuer-ca";
/// A leaf certificate is re-issued when it has less than this left.
const RENEW_BEFORE_SECS: i64 = 30 * 86_400;
/// Issuer CA lifetime.
const CA_LIFETIME_SECS: i64 = 10 * 365 * 86_400;
/// Most retired keys of one kind published at once: rotating more often than the overlap
/// replaces the oldest (bounded documents, whatever the rotation rate).
pub const MAX_RETIRED_PUBLISHED: usize = 4;

/// The kind of a stored key.
pub fn kind_of(record: &SigningKeyRecord) -> Option<KeyKind> {
    match (record.purpose.as_str(), record.algorithm.as_str()) {
        (PURPOSE_CREDENTIAL, "ES256") => Some(KeyKind::CredentialEs256),
        (PURPOSE_CREDENTIAL, "EdDSA") => Some(KeyKind::CredentialEddsa),
        (PURPOSE_ISSUER_CA, _) => Some(KeyKind::IssuerCa),
        (PURPOSE_REQUEST_ENCRYPTION, _) => Some(KeyKind::RequestEncryption),
        _ => None,
    }
}

/// A key's certificate, as stored: the chain and what it was issued for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CertificateInfo {
    /// The URI SAN (the issuer identifier), or the CA's name.
    subject: String,
    /// Expiry of the first certificate.
    not_after: i64,
    /// Base64 (standard) DER certificates, leaf first.
    x5c: Vec<String>,
    /// The CA key that issued a leaf (absent on older rows and on the CA itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ca_kid: Option<String>,
}

impl CertificateInfo {
    fn der(&self) -> Result<Vec<Vec<u8>>, Error> {
        self.x5c
            .iter()
            .map(|c| b64::decode(c).ok_or_else(|| corrupt("certificate encoding")))
            .collect()
    }

    fn parse(record: &SigningKeyRecord) -> Result<Option<Self>, Error> {
        record
            .certificate
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt(format!("certificate of key {}: {e}", record.kid)))
    }
}

fn corrupt(e: impl std::fmt::Display) -> Error {
    StoreError::Corrupt(e.to_string()).into()
}

/// The keys as one moment sees them; swapped whole when they change.
#[derive(Debug)]
pub struct KeyRing {
    version: SigningKeysVersion,
    /// The earliest moment a retired key's overlap ends (the ring is rebuilt then).
    next_expiry: Option<i64>,
    credential: Vec<ProviderKey>,
    jwks: Jwks,
    jwks_json: Arc<str>,
    issuer_ca_pem: Arc<str>,
    request: RequestKeys,
}

impl KeyRing {
    /// The active credential key for `algorithm`.
    pub fn signer(&self, algorithm: SigningAlgorithm) -> Option<&ProviderKey> {
        self.credential
            .iter()
            .find(|k| k.public().algorithm == algorithm)
    }

    /// The published credential keys: the active ones and those retired within the overlap.
    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }

    /// The published keys serialised once, so every response is byte-identical.
    pub fn jwks_json(&self) -> Arc<str> {
        self.jwks_json.clone()
    }

    /// The issuer CA certificates (PEM), the active one first: the trust anchors for `x5c`.
    pub fn issuer_ca_pem(&self) -> Arc<str> {
        self.issuer_ca_pem.clone()
    }

    /// The request-decryption keys.
    pub fn request_keys(&self) -> &RequestKeys {
        &self.request
    }
}

/// The issuer keys of this node: creates, loads, rotates and reloads them.
#[derive(Debug)]
pub struct IssuerKeys {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    rng: Arc<dyn SecureRandom>,
    master_key: Arc<MasterKey>,
    providers: KeyProviders,
    issuer: String,
    overlap: i64,
    ring: RwLock<Arc<KeyRing>>,
    reload: tokio::sync::Mutex<()>,
}

/// The state of `record` at `now` with `overlap`.
fn state(record: &SigningKeyRecord, now: i64, overlap: i64) -> KeyState {
    match (record.status.as_str(), record.retired_at) {
        ("active", _) => KeyState::Active,
        (_, Some(at)) if at + overlap > now => KeyState::Retired,
        _ => KeyState::Expired,
    }
}

impl IssuerKeys {
    /// Loads the keys, creating any that are missing, and certifies the ES256 credential key
    /// for `issuer` (the credential issuer identifier). Retired keys stay published for
    /// `overlap` seconds.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn SecureRandom>,
        master_key: Arc<MasterKey>,
        providers: KeyProviders,
        issuer: &str,
        overlap: i64,
    ) -> Result<Self, Error> {
        let keys = Self {
            store,
            clock,
            rng,
            master_key,
            providers,
            issuer: issuer.to_string(),
            overlap,
            ring: RwLock::new(Arc::new(KeyRing {
                version: SigningKeysVersion::default(),
                next_expiry: None,
                credential: Vec::new(),
                jwks: Jwks { keys: Vec::new() },
                jwks_json: Arc::from("{\"keys\":[]}"),
                issuer_ca_pem: Arc::from(""),
                request: RequestKeys::default(),
            })),
            reload: tokio::sync::Mutex::new(()),
        };
        let existing = keys.store.list_signing_keys().await?;
        // A kind is complete when each of its algorithms has an active key: another node may be
        // between the inserts of a kind with two (request encryption), and this node must not
        // take half a kind for whole. Inserting the missing one is conditional like the rest.
        let active = |kind: KeyKind, algorithm: Option<&str>| {
            existing.iter().any(|k| {
                k.status == "active"
                    && kind_of(k) == Some(kind)
                    && algorithm.is_none_or(|a| k.algorithm == a)
            })
        };
        let has = |kind: KeyKind| match kind {
            KeyKind::RequestEncryption => ALGS.iter().all(|alg| active(kind, Some(alg.as_str()))),
            _ => active(kind, None),
        };
        for kind in KeyKind::ALL {
            if !has(kind) {
                // Two nodes starting together: the insert is conditional, one key survives.
                for record in keys.new_keys(kind, &existing).await? {
                    keys.store.insert_signing_key_if_absent(&record).await?;
                }
            }
        }
        keys.reload(true).await?;
        Ok(keys)
    }

    /// The keys now.
    pub fn ring(&self) -> Arc<KeyRing> {
        match self.ring.read() {
            Ok(ring) => ring.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reloads the keys when they changed in the store (another node rotated) or an overlap
    /// ended; called every second by the server. Returns whether the ring changed.
    pub async fn refresh(&self) -> Result<bool, Error> {
        self.reload(false).await
    }

    async fn reload(&self, force: bool) -> Result<bool, Error> {
        let _one = self.reload.lock().await;
        let now = self.clock.now();
        let current = self.ring();
        let version = self.store.signing_keys_version().await?;
        let due = current.next_expiry.is_some_and(|at| at <= now);
        if !force && !due && version == current.version {
            return Ok(false);
        }
        let records = self.store.list_signing_keys().await?;
        let ring = self.build(records, version, now).await?;
        if let Ok(mut slot) = self.ring.write() {
            *slot = Arc::new(ring);
        }
        Ok(true)
    }

    /// The published window of each kind: the active key and the newest retired ones whose
    /// overlap has not ended, at most [`MAX_RETIRED_PUBLISHED`] of them.
    fn live<'a>(
        &self,
        records: &'a [SigningKeyRecord],
        kind: KeyKind,
        algorithm: Option<&str>,
        now: i64,
    ) -> (Option<&'a SigningKeyRecord>, Vec<&'a SigningKeyRecord>) {
        let of_kind = records
            .iter()
            .filter(|r| kind_of(r) == Some(kind))
            .filter(|r| algorithm.is_none_or(|a| r.algorithm == a));
        let active = of_kind
            .clone()
            .filter(|r| r.status == "active")
            .min_by(|a, b| a.kid.cmp(&b.kid));
        let mut retired: Vec<&SigningKeyRecord> = of_kind
            .filter(|r| state(r, now, self.overlap) == KeyState::Retired)
            .collect();
        retired.sort_by_key(|r| std::cmp::Reverse((r.retired_at, r.created_at)));
        retired.truncate(MAX_RETIRED_PUBLISHED);
        (active, retired)
    }

    async fn load(&self, record: &SigningKeyRecord) -> Result<ProviderKey, Error> {
        let alg: SigningAlgorithm = record.algorithm.parse()?;
        let published: PublicJwk = serde_json::from_str(&record.public_jwk)
            .map_err(|e| corrupt(format!("public key {}: {e}", record.kid)))?;
        self.providers
            .load(
                &record.provider,
                alg,
                &SealedBox {
                    key_id: sigil_crypto::MasterKeyId::new(record.private_key_key_id.clone()),
                    bytes: record.private_key_ciphertext.clone(),
                },
                &KeyUse::Issuer(Some(record.kid.clone())),
                Some(&published),
            )
            .await
    }

    async fn build(
        &self,
        records: Vec<SigningKeyRecord>,
        version: SigningKeysVersion,
        now: i64,
    ) -> Result<KeyRing, Error> {
        let (ca_record, retired_cas) = self.live(&records, KeyKind::IssuerCa, None, now);
        let ca_record = ca_record.ok_or_else(|| corrupt("no active issuer CA key"))?;
        let ca_key = self.load(ca_record).await?;
        let ca = CertificateInfo::parse(ca_record)?
            .ok_or_else(|| corrupt("the issuer CA key has no certificate"))?;

        let mut credential = Vec::new();
        let mut published = Vec::new();
        for (kind, alg) in [
            (KeyKind::CredentialEs256, SigningAlgorithm::Es256),
            (KeyKind::CredentialEddsa, SigningAlgorithm::EdDsa),
        ] {
            let (active, retired) = self.live(&records, kind, Some(alg.jose_name()), now);
            let active = active.ok_or_else(|| corrupt(format!("no active {alg} signing key")))?;
            let mut key = self.load(active).await?;
            if alg == SigningAlgorithm::Es256 {
                let chain = self.leaf(active, &key, &ca_key, &ca).await?;
                key = key.with_certificate_chain(chain);
            }
            published.push(key.public().jwk.clone());
            for r in retired {
                published.push(
                    serde_json::from_str(&r.public_jwk)
                        .map_err(|e| corrupt(format!("public key {}: {e}", r.kid)))?,
                );
            }
            credential.push(key);
        }
        let jwks = Jwks { keys: published };
        let jwks_json = serde_json::to_string(&jwks).map_err(corrupt)?.into();
        let mut issuer_ca_pem = String::new();
        for r in std::iter::once(ca_record).chain(retired_cas) {
            if let Some(info) = CertificateInfo::parse(r)? {
                for der in info.der()? {
                    issuer_ca_pem.push_str(&pem(&der));
                }
            }
        }

        let (_, retired_request) = self.live(&records, KeyKind::RequestEncryption, None, now);
        let mut active_request = Vec::new();
        for alg in ALGS {
            let (active, _) = self.live(
                &records,
                KeyKind::RequestEncryption,
                Some(alg.as_str()),
                now,
            );
            active_request.push(
                active.ok_or_else(|| corrupt(format!("no active {} request key", alg.as_str())))?,
            );
        }
        let request = RequestKeys::open(&self.master_key, &active_request, &retired_request)?;

        let next_expiry = records
            .iter()
            .filter(|r| state(r, now, self.overlap) == KeyState::Retired)
            .filter_map(|r| r.retired_at.map(|at| at + self.overlap))
            .min();
        Ok(KeyRing {
            version,
            next_expiry,
            credential,
            jwks,
            jwks_json,
            issuer_ca_pem: issuer_ca_pem.into(),
            request,
        })
    }

    /// The ES256 key's certificate for the issuer: the stored one while it fits (same issuer,
    /// same CA, not near expiry), else a new one signed by the CA through its provider (stored
    /// compare-and-set, so concurrent nodes keep one).
    async fn leaf(
        &self,
        record: &SigningKeyRecord,
        key: &ProviderKey,
        ca_key: &ProviderKey,
        ca: &CertificateInfo,
    ) -> Result<Vec<Vec<u8>>, Error> {
        let now = self.clock.now();
        let stored = CertificateInfo::parse(record)?;
        // A leaf names the CA that issued it; rows from before leaves did were issued by the
        // first CA, which named no kid either.
        let fits = |info: &CertificateInfo| {
            info.subject == self.issuer
                && info.not_after > now + RENEW_BEFORE_SECS
                && match (&info.ca_kid, &ca.ca_kid) {
                    (Some(issued_by), _) => issued_by == ca_key.public().kid(),
                    (None, None) => true,
                    (None, Some(_)) => false,
                }
        };
        if let Some(info) = &stored
            && fits(info)
        {
            return info.der();
        }
        let info = self.certify(&key.public().jwk, ca_key, ca, now).await?;
        let json = serde_json::to_string(&info).map_err(corrupt)?;
        if self
            .store
            .set_signing_key_certificate(&record.kid, record.certificate.as_deref(), &json)
            .await?
        {
            return info.der();
        }
        // Another node certified the key first: use what it stored, so every node sends one x5c.
        let again = self
            .store
            .list_signing_keys()
            .await?
            .into_iter()
            .find(|r| r.kid == record.kid)
            .ok_or_else(|| corrupt(format!("signing key {} vanished", record.kid)))?;
        match CertificateInfo::parse(&again)? {
            Some(info) => info.der(),
            None => Err(corrupt(format!(
                "signing key {} lost its certificate",
                record.kid
            ))),
        }
    }

    async fn certify(
        &self,
        subject: &PublicJwk,
        ca_key: &ProviderKey,
        ca: &CertificateInfo,
        now: i64,
    ) -> Result<CertificateInfo, Error> {
        let unsigned = prepare_signer_certificate(
            &ca_key.public().jwk,
            subject,
            &self.issuer,
            now,
            self.rng.as_ref(),
        )?;
        let leaf = ca_key.sign(unsigned).await?;
        let mut x5c = vec![b64::encode(&leaf)];
        x5c.extend(ca.x5c.iter().skip(1).cloned());
        Ok(CertificateInfo {
            subject: self.issuer.clone(),
            not_after: now + LEAF_LIFETIME_SECS,
            x5c,
            ca_kid: Some(ca_key.public().kid().to_string()),
        })
    }

    /// New keys replacing those of `kind` (not yet stored).
    async fn new_keys(
        &self,
        kind: KeyKind,
        existing: &[SigningKeyRecord],
    ) -> Result<Vec<SigningKeyRecord>, Error> {
        let now = self.clock.now();
        let provider = self.providers.default_provider().clone();
        let record = |jwk: &PublicJwk,
                      reference: SealedBox,
                      purpose: &str,
                      algorithm: &str,
                      provider: &str,
                      certificate: Option<String>|
         -> Result<SigningKeyRecord, Error> {
            Ok(SigningKeyRecord {
                kid: jwk.kid.clone(),
                algorithm: algorithm.into(),
                public_jwk: serde_json::to_string(jwk).map_err(corrupt)?,
                private_key_key_id: reference.key_id.to_string(),
                private_key_ciphertext: reference.bytes,
                status: "active".into(),
                purpose: purpose.into(),
                certificate,
                created_at: now,
                provider: provider.into(),
                retired_at: None,
            })
        };
        match kind {
            KeyKind::CredentialEs256 | KeyKind::CredentialEddsa => {
                let alg = if kind == KeyKind::CredentialEs256 {
                    SigningAlgorithm::Es256
                } else {
                    SigningAlgorithm::EdDsa
                };
                let made = provider.generate(alg, &KeyUse::Issuer(None)).await?;
                let mut certificate = None;
                if alg == SigningAlgorithm::Es256 {
                    // Certified at once when a CA exists; at first start the ring does it.
                    let (ca, _) = self.live(existing, KeyKind::IssuerCa, None, now);
                    if let Some(ca) = ca
                        && let Some(info) = CertificateInfo::parse(ca)?
                    {
                        let ca_key = self.load(ca).await?;
                        let leaf = self.certify(&made.jwk, &ca_key, &info, now).await?;
                        certificate = Some(serde_json::to_string(&leaf).map_err(corrupt)?);
                    }
                }
                Ok(vec![record(
                    &made.jwk,
                    made.reference,
                    PURPOSE_CREDENTIAL,
                    alg.jose_name(),
                    provider.name(),
                    certificate,
                )?])
            }
            KeyKind::IssuerCa => {
                let made = provider
                    .generate(SigningAlgorithm::Es256, &KeyUse::Issuer(None))
                    .await?;
                let key = ProviderKey::new(
                    provider.clone(),
                    sigil_crypto::PublicSigningKey {
                        algorithm: SigningAlgorithm::Es256,
                        jwk: made.jwk.clone(),
                        certificate_chain: Vec::new(),
                    },
                );
                let der = key
                    .sign(prepare_issuer_ca(&made.jwk, now, self.rng.as_ref())?)
                    .await?;
                let info = CertificateInfo {
                    subject: CA_COMMON_NAME.into(),
                    not_after: now + CA_LIFETIME_SECS,
                    x5c: vec![b64::encode(der)],
                    ca_kid: Some(made.jwk.kid.clone()),
                };
                Ok(vec![record(
                    &made.jwk,
                    made.reference,
                    PURPOSE_ISSUER_CA,
                    SigningAlgorithm::Es256.jose_name(),
                    provider.name(),
                    Some(serde_json::to_string(&info).map_err(corrupt)?),
                )?])
            }
            KeyKind::RequestEncryption => {
                // Decryption keys stay in software (ECDH and HPKE need the private scalar here).
                let mut out = Vec::new();
                for alg in ALGS {
                    let (key, secret) = DecryptionKey::generate(self.rng.as_ref())
                        .map_err(|e| corrupt(format!("new key: {e}")))?;
                    let kid = key.thumbprint();
                    let sealed = self.master_key.seal(
                        self.rng.as_ref(),
                        &request_key_context(&kid),
                        &secret,
                    )?;
                    let jwk = serde_json::to_string(&key.public_jwk()).map_err(corrupt)?;
                    out.push(SigningKeyRecord {
                        kid,
                        algorithm: alg.as_str().into(),
                        public_jwk: jwk,
                        private_key_key_id: sealed.key_id.to_string(),
                        private_key_ciphertext: sealed.bytes,
                        status: "active".into(),
                        purpose: PURPOSE_REQUEST_ENCRYPTION.into(),
                        certificate: None,
                        created_at: now,
                        provider: provider::SOFTWARE.into(),
                        retired_at: None,
                    });
                }
                Ok(out)
            }
        }
    }

    /// Rotates the keys of `kinds`: each new key signs (or decrypts) at once, on this node now
    /// and on every other within a second; the replaced ones stay published for the overlap.
    pub async fn rotate(&self, kinds: &[KeyKind]) -> Result<KeyList, Error> {
        // The CA first, so a credential key rotated in the same call is certified by the new CA.
        let ordered = [KeyKind::IssuerCa]
            .into_iter()
            .chain(KeyKind::ALL.into_iter().filter(|k| *k != KeyKind::IssuerCa))
            .filter(|k| kinds.contains(k));
        for kind in ordered {
            let existing = self.store.list_signing_keys().await?;
            for record in self.new_keys(kind, &existing).await? {
                self.store
                    .rotate_signing_key(&record, self.clock.now())
                    .await?;
                tracing::info!(kind = kind.as_str(), kid = %record.kid, "issuer key rotated");
            }
        }
        self.reload(true).await?;
        self.list().await
    }

    /// Every key with its state and dates, newest first (at most the 200 newest).
    pub async fn list(&self) -> Result<KeyList, Error> {
        let now = self.clock.now();
        let mut records = self.store.list_signing_keys().await?;
        records.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        records.truncate(200);
        Ok(KeyList {
            data: records
                .iter()
                .filter_map(|r| {
                    let kind = kind_of(r)?;
                    Some(KeyResponse {
                        kid: r.kid.clone(),
                        kind,
                        algorithm: r.algorithm.clone(),
                        state: state(r, now, self.overlap),
                        provider: r.provider.clone(),
                        created_at: crate::clock::timestamp(r.created_at),
                        retired_at: r.retired_at.map(crate::clock::timestamp),
                        published_until: r
                            .retired_at
                            .map(|at| crate::clock::timestamp(at + self.overlap)),
                    })
                })
                .collect(),
        })
    }
}
