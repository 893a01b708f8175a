//! The application context the HTTP edge calls into.

use crate::rate_limit::{RateLimitSettings, RateLimiter};
use std::sync::Arc;

use sigil_crypto::{MasterKey, SecretString, SecureRandom, sha256};

use crate::Clock;
use crate::caches::Caches;
use crate::catalogue::admin_token;
use crate::error::Error;
use crate::keys::provider::KeyProviders;
use crate::keys::{IssuerKeys, KeyRing};
use crate::outbound::HttpClient;
use crate::store::Store;

/// Settings the domain needs (the server crate builds them from configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The credential issuer identifier: the public base URL, without a trailing slash.
    pub public_url: String,
    /// An admin token fixed by configuration, if any (accepted beside the stored ones).
    pub admin_token: Option<SecretString>,
    /// The issuer's display name in metadata.
    pub issuer_name: String,
    /// Protocol lifetimes and limits.
    pub oauth: OAuthSettings,
    /// mdoc Document Signer lifetimes.
    pub mdoc: MdocSettings,
    /// Rate limits.
    pub rate_limit: RateLimitSettings,
    /// How long a rotated-out issuer key stays published (and a request key accepted), seconds.
    pub key_overlap: i64,
}

/// mdoc Document Signer lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct MdocSettings {
    /// Validity of a Document Signer certificate, seconds.
    pub document_signer_validity: i64,
    /// How long a Document Signer signs before a new one takes over, seconds.
    pub document_signer_rotation: i64,
}

impl Default for MdocSettings {
    fn default() -> Self {
        Self {
            document_signer_validity: 457 * 86_400,
            document_signer_rotation: 30 * 86_400,
        }
    }
}

/// Protocol lifetimes and limits.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// Access token lifetime, seconds.
    pub access_token_ttl: i64,
    /// c_nonce lifetime, seconds.
    pub c_nonce_ttl: i64,
    /// Wrong transaction codes after which a pre-authorized code is dead.
    pub tx_code_max_failures: i64,
    /// Oldest key proof accepted (`iat`), seconds.
    pub proof_max_age: i64,
    /// Furthest in the future a key proof's `iat` may be (clock skew), seconds.
    pub proof_max_skew: i64,
    /// Every token request must carry a DPoP proof (tokens are always sender-constrained).
    pub require_dpop: bool,
    /// DPoP proofs must carry a server nonce (`DPoP-Nonce`, RFC 9449 §8).
    pub require_dpop_nonce: bool,
    /// Most key proofs (so credentials) in one credential request; 1 disables batches.
    pub batch_size: usize,
    /// Credential responses must be encrypted, and so requests too (OID4VCI 1.0 §8.2, §10).
    pub require_encryption: bool,
    /// How long a deferred issuance waits to be collected, seconds.
    pub deferred_ttl: i64,
    /// The `interval` wallets are told to wait between deferred polls, seconds.
    pub deferred_interval: i64,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: 300,
            c_nonce_ttl: 300,
            tx_code_max_failures: 5,
            proof_max_age: 300,
            proof_max_skew: 60,
            require_dpop: false,
            require_dpop_nonce: false,
            batch_size: 10,
            require_encryption: false,
            deferred_ttl: 7 * 86_400,
            deferred_interval: 5,
        }
    }
}

/// Sigil's services, shared by every request.
#[derive(Debug, Clone)]
pub struct Sigil {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) master_key: Arc<MasterKey>,
    pub(crate) http: Arc<dyn HttpClient>,
    pub(crate) caches: Arc<Caches>,
    // Behind `Arc`s, as everything here: the edge clones `Sigil` for every request (state of each
    // middleware and extractor), so a clone must copy pointers, not key lists and JWKS documents.
    keys: Arc<IssuerKeys>,
    settings: Arc<Settings>,
    admin_token_hash: Option<[u8; 32]>,
    rate_limiter: RateLimiter,
    pub(crate) key_providers: KeyProviders,
}

/// What starting produced besides the application.
#[derive(Debug)]
pub struct Started {
    /// The application.
    pub sigil: Sigil,
    /// The initial admin token, on the deployment's very first start with none configured. Shown
    /// once to the operator; only its hash is stored.
    pub initial_admin_token: Option<SecretString>,
}

impl Sigil {
    /// Loads (or on first start creates) the issuer keys and, when no admin token is configured,
    /// the initial admin token.
    pub async fn start(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn SecureRandom>,
        master_key: Arc<MasterKey>,
        http: Arc<dyn HttpClient>,
        key_providers: KeyProviders,
        settings: Settings,
    ) -> Result<Started, Error> {
        let keys = IssuerKeys::start(
            store.clone(),
            clock.clone(),
            rng.clone(),
            master_key.clone(),
            key_providers.clone(),
            &settings.public_url,
            settings.key_overlap,
        )
        .await?;
        let initial_admin_token = match settings.admin_token {
            Some(_) => None,
            None => admin_token::bootstrap(store.as_ref(), clock.as_ref(), rng.as_ref()).await?,
        };
        let admin_token_hash = settings
            .admin_token
            .as_ref()
            .map(|t| sha256(t.expose().as_bytes()));
        let rate_limiter = RateLimiter::new(settings.rate_limit, clock.clone());
        Ok(Started {
            sigil: Self {
                rate_limiter,
                store,
                clock,
                rng,
                master_key,
                http,
                caches: Arc::new(Caches::default()),
                keys: Arc::new(keys),
                key_providers,
                settings: Arc::new(settings),
                admin_token_hash,
            },
            initial_admin_token,
        })
    }

    /// Accepts or refuses a presented admin bearer token.
    pub async fn authenticate_admin(&self, presented: &str) -> Result<(), Error> {
        admin_token::authenticate(
            self.store.as_ref(),
            self.admin_token_hash.as_ref(),
            presented,
        )
        .await
    }

    /// Whether the database answers.
    pub async fn ready(&self) -> bool {
        self.store.ping().await.is_ok()
    }

    /// The issuer keys as they are now (a snapshot: a rotation swaps in a new one).
    pub fn keys(&self) -> Arc<KeyRing> {
        self.keys.ring()
    }

    /// The issuer keys: rotation, listing, reloading.
    pub fn issuer_keys(&self) -> &IssuerKeys {
        &self.keys
    }

    /// Reloads the issuer keys when another node rotated them or an overlap ended; called every
    /// second by the server.
    pub async fn refresh_keys(&self) -> Result<bool, Error> {
        self.keys.refresh().await
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The credential issuer identifier.
    pub fn issuer(&self) -> &str {
        &self.settings.public_url
    }

    /// The rate limiter the edge consults.
    pub fn rate_limiter(&self) -> &RateLimiter {
        &self.rate_limiter
    }

    /// Shares this node's rate-limit counts with the other nodes; called every second by the
    /// server.
    pub async fn sync_rate_limits(&self) -> Result<(), Error> {
        Ok(self.rate_limiter.sync(self.store.as_ref()).await?)
    }

    /// Deletes expired one-time artefacts; called periodically by the server.
    pub async fn purge_expired(&self) -> Result<u64, Error> {
        Ok(self.store.purge_expired(self.clock.now()).await?)
    }
}
