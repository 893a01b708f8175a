//! The signing seam: every signature Sigil makes — credentials in every format, certificates
//! for issuer keys, IACAs and Document Signers — is a prepared [`Unsigned`] artefact handed to
//! the [`KeyProvider`] that holds the key. Core chooses the provider per key (each stored key
//! names the provider that made it); the [`SoftwareKeyProvider`] (PKCS#8 sealed under the master
//! key) is one implementation, and an HSM or cloud KMS is another behind the same trait.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use sigil_crypto::{
    MasterKey, PublicJwk, PublicSigningKey, SealedBox, SecureRandom, SigningAlgorithm,
    SoftwareSigner, Unsigned, generate_pkcs8_from,
};

use crate::error::Error;
use crate::store::StoreError;

/// The name the software provider stores with its keys.
pub const SOFTWARE: &str = "software";

/// What a key is for; a provider binds a key's protection to it (the software provider seals
/// the private key under the master key with this as the context, so a sealed key copied to
/// another row does not open).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyUse {
    /// An issuer key (credential signing, the issuer CA), named by its key id: `None` for a key
    /// being made (its id is the thumbprint of what is generated).
    Issuer(Option<String>),
    /// A request-decryption key, named by its key id.
    RequestEncryption(String),
    /// An mdoc key (IACA or Document Signer), named by its certificate record id.
    Mdoc(String),
}

impl KeyUse {
    /// The name the key's protection is bound to; `generated` is the new key's id.
    fn context(&self, generated: &str) -> String {
        match self {
            KeyUse::Issuer(kid) => format!("signing-key:{}", kid.as_deref().unwrap_or(generated)),
            KeyUse::RequestEncryption(kid) => format!("request-encryption-key:{kid}"),
            KeyUse::Mdoc(id) => format!("mdoc-key:{id}"),
        }
    }
}

/// A key a provider made or took in: its public half and what the provider needs to use it
/// again, stored with the key (for the software provider, the sealed PKCS#8).
#[derive(Debug, Clone)]
pub struct ProvidedKey {
    /// The public key; `kid` is its RFC 7638 thumbprint.
    pub jwk: PublicJwk,
    /// The provider's reference to the private key.
    pub reference: SealedBox,
}

/// Something that holds private keys and signs with them. Signing is asynchronous: a remote
/// provider (HSM, cloud KMS) answers over the network.
#[async_trait]
pub trait KeyProvider: Send + Sync + fmt::Debug {
    /// The name stored with every key this provider made.
    fn name(&self) -> &str;
    /// Makes a new key for `algorithm`.
    async fn generate(
        &self,
        algorithm: SigningAlgorithm,
        usage: &KeyUse,
    ) -> Result<ProvidedKey, Error>;
    /// Takes in an existing private key (an imported IACA). Providers whose keys never leave
    /// them may refuse.
    async fn import_pkcs8(
        &self,
        algorithm: SigningAlgorithm,
        pkcs8: &[u8],
        usage: &KeyUse,
    ) -> Result<ProvidedKey, Error>;
    /// Makes a stored key ready to sign and returns its public key (checked against the stored
    /// one by the caller).
    async fn load(
        &self,
        algorithm: SigningAlgorithm,
        reference: &SealedBox,
        usage: &KeyUse,
    ) -> Result<PublicJwk, Error>;
    /// Signs `message` with the loaded key `kid`: ES256 as the fixed r‖s form, Ed25519 as is.
    async fn sign(
        &self,
        kid: &str,
        algorithm: SigningAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, Error>;
}

/// A loaded key and the provider holding it: the one way core signs.
#[derive(Clone)]
pub struct ProviderKey {
    provider: Arc<dyn KeyProvider>,
    public: PublicSigningKey,
}

impl fmt::Debug for ProviderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderKey")
            .field("provider", &self.provider.name())
            .field("kid", &self.public.kid())
            .finish()
    }
}

impl ProviderKey {
    /// `public` held by `provider`.
    pub fn new(provider: Arc<dyn KeyProvider>, public: PublicSigningKey) -> Self {
        Self { provider, public }
    }

    /// The public half, for formats to name in their headers.
    pub fn public(&self) -> &PublicSigningKey {
        &self.public
    }

    /// The same key with its certificate chain.
    pub fn with_certificate_chain(mut self, chain: Vec<Vec<u8>>) -> Self {
        self.public.certificate_chain = chain;
        self
    }

    /// Signs a prepared artefact through the provider and completes it.
    pub async fn sign<T: 'static>(&self, unsigned: Unsigned<T>) -> Result<T, Error> {
        if unsigned.algorithm() != self.public.algorithm {
            return Err(Error::Crypto(sigil_crypto::CryptoError::Key(
                "the artefact needs another algorithm",
            )));
        }
        let signature = self
            .provider
            .sign(self.public.kid(), self.public.algorithm, unsigned.message())
            .await?;
        Ok(unsigned.complete(signature)?)
    }
}

/// The providers a deployment has: new keys go to the default one; a stored key is used
/// through the provider it names.
#[derive(Debug, Clone)]
pub struct KeyProviders {
    default: Arc<dyn KeyProvider>,
    others: Vec<Arc<dyn KeyProvider>>,
}

impl KeyProviders {
    /// Only `default`.
    pub fn new(default: Arc<dyn KeyProvider>) -> Self {
        Self {
            default,
            others: Vec::new(),
        }
    }

    /// Also uses `provider` for the stored keys that name it (keys made before a deployment
    /// moved to another default provider keep working through the one that holds them).
    pub fn with(mut self, provider: Arc<dyn KeyProvider>) -> Self {
        self.others.push(provider);
        self
    }

    /// The provider new keys are made in.
    pub fn default_provider(&self) -> &Arc<dyn KeyProvider> {
        &self.default
    }

    /// The provider named `name`.
    pub fn named(&self, name: &str) -> Result<&Arc<dyn KeyProvider>, Error> {
        std::iter::once(&self.default)
            .chain(&self.others)
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                StoreError::Corrupt(format!("a stored key names the key provider `{name}`, which this deployment does not have")).into()
            })
    }

    /// Loads the stored key `reference` through `provider` and checks it is `expected`.
    pub async fn load(
        &self,
        provider: &str,
        algorithm: SigningAlgorithm,
        reference: &SealedBox,
        usage: &KeyUse,
        expected: Option<&PublicJwk>,
    ) -> Result<ProviderKey, Error> {
        let provider = self.named(provider)?.clone();
        let jwk = provider.load(algorithm, reference, usage).await?;
        if expected.is_some_and(|e| e != &jwk) {
            return Err(StoreError::Corrupt(format!(
                "key {}: the stored public key does not match the private key",
                jwk.kid
            ))
            .into());
        }
        Ok(ProviderKey::new(
            provider,
            PublicSigningKey {
                algorithm,
                jwk,
                certificate_chain: Vec::new(),
            },
        ))
    }
}

/// Private keys in this process's memory, stored as PKCS#8 sealed under the master key.
pub struct SoftwareKeyProvider {
    master_key: Arc<MasterKey>,
    rng: Arc<dyn SecureRandom>,
    /// Parsed keys by kid (parsing PKCS#8 on every signature costs ~40 % of ES256 throughput),
    /// and which sealed context each came from, so loading again does not unseal again.
    loaded: RwLock<Loaded>,
}

#[derive(Default)]
struct Loaded {
    by_kid: HashMap<String, Arc<SoftwareSigner>>,
    by_context: HashMap<String, String>,
}

impl fmt::Debug for SoftwareKeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareKeyProvider")
            .finish_non_exhaustive()
    }
}

impl SoftwareKeyProvider {
    /// Keys sealed under `master_key`, generated from `rng`.
    pub fn new(master_key: Arc<MasterKey>, rng: Arc<dyn SecureRandom>) -> Self {
        Self {
            master_key,
            rng,
            loaded: RwLock::new(Loaded::default()),
        }
    }

    fn keep(&self, context: String, signer: SoftwareSigner) -> PublicJwk {
        let jwk = signer.public_jwk().clone();
        if let Ok(mut loaded) = self.loaded.write() {
            loaded.by_context.insert(context, jwk.kid.clone());
            loaded.by_kid.insert(jwk.kid.clone(), Arc::new(signer));
        }
        jwk
    }

    fn seal(
        &self,
        algorithm: SigningAlgorithm,
        pkcs8: &[u8],
        usage: &KeyUse,
    ) -> Result<ProvidedKey, Error> {
        let signer = SoftwareSigner::from_pkcs8(algorithm, pkcs8)?;
        let context = usage.context(signer.key_id());
        let reference = self.master_key.seal(self.rng.as_ref(), &context, pkcs8)?;
        let jwk = self.keep(context, signer);
        Ok(ProvidedKey { jwk, reference })
    }
}

#[async_trait]
impl KeyProvider for SoftwareKeyProvider {
    fn name(&self) -> &str {
        SOFTWARE
    }

    async fn generate(
        &self,
        algorithm: SigningAlgorithm,
        usage: &KeyUse,
    ) -> Result<ProvidedKey, Error> {
        let pkcs8 = generate_pkcs8_from(algorithm, self.rng.as_ref())?;
        self.seal(algorithm, &pkcs8, usage)
    }

    async fn import_pkcs8(
        &self,
        algorithm: SigningAlgorithm,
        pkcs8: &[u8],
        usage: &KeyUse,
    ) -> Result<ProvidedKey, Error> {
        self.seal(algorithm, pkcs8, usage)
    }

    async fn load(
        &self,
        algorithm: SigningAlgorithm,
        reference: &SealedBox,
        usage: &KeyUse,
    ) -> Result<PublicJwk, Error> {
        let context = usage.context("");
        let cached = self.loaded.read().ok().and_then(|loaded| {
            let kid = loaded.by_context.get(&context)?;
            loaded.by_kid.get(kid).map(|s| s.public_jwk().clone())
        });
        if let Some(jwk) = cached {
            return Ok(jwk);
        }
        let pkcs8 = self.master_key.open(&context, reference)?;
        let signer = SoftwareSigner::from_pkcs8(algorithm, &pkcs8)?;
        Ok(self.keep(context, signer))
    }

    async fn sign(
        &self,
        kid: &str,
        algorithm: SigningAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, Error> {
        let signer = self
            .loaded
            .read()
            .ok()
            .and_then(|l| l.by_kid.get(kid).cloned())
            .ok_or_else(|| StoreError::Corrupt(format!("key {kid} is not loaded")))?;
        if signer.algorithm() != algorithm {
            return Err(StoreError::Corrupt(format!("key {kid} is not {algorithm}")).into());
        }
        Ok(signer.sign(message)?)
    }
}
