//! The application context the HTTP edge calls into.

use crate::rate_limit::RateLimiter;
use crate::settings::Settings;
use std::sync::Arc;

use sigil_crypto::{MasterKey, SecretString, SecureRandom, sha256};

use crate::Clock;
use crate::authorization::authorize::Authorization;
use crate::authorization::dpop::Dpop;
use crate::authorization::provider_login::ProviderLogins;
use crate::authorization::token::Tokens;
use crate::authorization::wallet_client::WalletClients;
use crate::caches::Caches;
use crate::catalogue::admin_token::{self, AdminTokens};
use crate::catalogue::authentication_provider::AuthenticationProviders;
use crate::catalogue::claim_source::ClaimSources;
use crate::catalogue::credential_configuration::CredentialConfigurations;
use crate::catalogue::interaction_hook::InteractionHooks;
use crate::catalogue::offer::Offers;
use crate::catalogue::user::Users;
use crate::document::Documents;
use crate::error::Error;
use crate::issuance::Issuance;
use crate::issuance::metadata::Metadata;
use crate::issuance::nonce::Nonces;
use crate::keys::did::Dids;
use crate::keys::iaca::MdocCertificates;
use crate::keys::provider::KeyProviders;
use crate::keys::{IssuerKeys, KeyRing};
use crate::outbound::HttpClient;
use crate::statistics::Statistics;
use crate::status_list::StatusLists;
use crate::store::Store;

/// Sigil's services, built once at start and shared by every request. The HTTP edge holds this
/// and calls one service per route; each service holds only the ports (its part of the store,
/// the clock, randomness, keys, outbound HTTP) and the other services it uses. Everything is
/// behind one `Arc`: the edge clones `Sigil` for every request (and per extractor), so a clone
/// is one reference count.
#[derive(Debug, Clone)]
pub struct Sigil {
    services: Arc<Services>,
}

impl std::ops::Deref for Sigil {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
}

/// What [`Sigil`] holds; reached through its accessors.
#[derive(Debug)]
pub struct Services {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    settings: Arc<Settings>,
    rate_limiter: RateLimiter,
    keys: Arc<IssuerKeys>,
    dids: Arc<Dids>,
    mdoc: Arc<MdocCertificates>,
    users: Arc<Users>,
    claim_sources: Arc<ClaimSources>,
    configurations: Arc<CredentialConfigurations>,
    hook: Arc<InteractionHooks>,
    providers: Arc<AuthenticationProviders>,
    offers: Arc<Offers>,
    clients: Arc<WalletClients>,
    dpop: Arc<Dpop>,
    authorization: Arc<Authorization>,
    tokens: Arc<Tokens>,
    nonces: Arc<Nonces>,
    issuance: Arc<Issuance>,
    metadata: Arc<Metadata>,
    status_lists: Arc<StatusLists>,
    admin_tokens: Arc<AdminTokens>,
    statistics: Arc<Statistics>,
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
    /// the initial admin token, and builds the services.
    #[allow(clippy::too_many_arguments)]
    pub async fn start(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        rng: Arc<dyn SecureRandom>,
        master_key: Arc<MasterKey>,
        http: Arc<dyn HttpClient>,
        key_providers: KeyProviders,
        settings: Settings,
    ) -> Result<Started, Error> {
        let keys = Arc::new(
            IssuerKeys::start(
                store.clone(),
                clock.clone(),
                rng.clone(),
                master_key.clone(),
                key_providers.clone(),
                &settings.public_url,
                settings.key_overlap,
            )
            .await?,
        );
        let initial_admin_token = match settings.admin_token {
            Some(_) => None,
            None => admin_token::bootstrap(store.as_ref(), clock.as_ref(), rng.as_ref()).await?,
        };
        let admin_token_hash = settings
            .admin_token
            .as_ref()
            .map(|t| sha256(t.expose().as_bytes()));
        let rate_limiter = RateLimiter::new(settings.rate_limit, clock.clone());
        let settings = Arc::new(settings);
        let caches = Arc::new(Caches::default());

        let documents = Arc::new(Documents {
            store: store.clone(),
            master_key: master_key.clone(),
            rng: rng.clone(),
        });
        let users = Arc::new(Users {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            public_url: settings.public_url.clone(),
        });
        let claim_sources = Arc::new(ClaimSources {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            caches: caches.clone(),
            http: http.clone(),
            documents: documents.clone(),
        });
        let configurations = Arc::new(CredentialConfigurations {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            documents: documents.clone(),
            settings: settings.clone(),
            parsed: Default::default(),
        });
        let hook = Arc::new(InteractionHooks {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            master_key: master_key.clone(),
        });
        let providers = Arc::new(AuthenticationProviders {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            settings: settings.clone(),
            documents: documents.clone(),
        });
        let offers = Arc::new(Offers {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            master_key: master_key.clone(),
            settings: settings.clone(),
            configurations: configurations.clone(),
            users: users.clone(),
        });
        let clients = Arc::new(WalletClients {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            documents: documents.clone(),
        });
        let provider_login = Arc::new(ProviderLogins {
            http: http.clone(),
            caches: caches.clone(),
            clock: clock.clone(),
            providers: providers.clone(),
            settings: settings.clone(),
        });
        let dpop = Arc::new(Dpop {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            master_key: master_key.clone(),
            settings: settings.clone(),
        });
        let authorization = Arc::new(Authorization {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            master_key: master_key.clone(),
            settings: settings.clone(),
            clients: clients.clone(),
            dpop: dpop.clone(),
            provider_login,
            providers: providers.clone(),
            hook: hook.clone(),
            offers: offers.clone(),
            configurations: configurations.clone(),
        });
        let tokens = Arc::new(Tokens {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            settings: settings.clone(),
            clients: clients.clone(),
            dpop: dpop.clone(),
            authorization: authorization.clone(),
            master_key: master_key.clone(),
        });
        let nonces = Arc::new(Nonces {
            clock: clock.clone(),
            rng: rng.clone(),
            master_key: master_key.clone(),
            settings: settings.clone(),
        });
        let mdoc = Arc::new(MdocCertificates {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            settings: settings.clone(),
            key_providers,
        });
        let dids = Arc::new(Dids {
            settings: settings.clone(),
            issuer_keys: keys.clone(),
        });
        let status_lists = Arc::new(StatusLists {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            settings: settings.clone(),
            issuer_keys: keys.clone(),
            dids: dids.clone(),
            blocks: Default::default(),
            signed: Default::default(),
            building: Default::default(),
        });
        let issuance = Arc::new(Issuance {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            settings: settings.clone(),
            issuer_keys: keys.clone(),
            configurations: configurations.clone(),
            users: users.clone(),
            claim_sources: claim_sources.clone(),
            dids: dids.clone(),
            mdoc: mdoc.clone(),
            nonces: nonces.clone(),
            status_lists: status_lists.clone(),
        });
        let metadata = Arc::new(Metadata {
            settings: settings.clone(),
            issuer_keys: keys.clone(),
            configurations: configurations.clone(),
            serialised: Default::default(),
        });
        let admin_tokens = Arc::new(AdminTokens {
            store: store.clone(),
            clock: clock.clone(),
            rng: rng.clone(),
            master_key: master_key.clone(),
            configured: admin_token_hash,
        });
        let statistics = Arc::new(Statistics {
            store: store.clone(),
            clock: clock.clone(),
            configurations: configurations.clone(),
            started_at: clock.now(),
            failures: Default::default(),
        });
        Ok(Started {
            sigil: Self {
                services: Arc::new(Services {
                    store,
                    clock,
                    settings,
                    rate_limiter,
                    keys,
                    dids,
                    mdoc,
                    users,
                    claim_sources,
                    configurations,
                    hook,
                    providers,
                    offers,
                    clients,
                    dpop,
                    authorization,
                    tokens,
                    nonces,
                    issuance,
                    metadata,
                    status_lists,
                    admin_tokens,
                    statistics,
                }),
            },
            initial_admin_token,
        })
    }

    /// Accepts or refuses a presented admin bearer token.
    pub async fn authenticate_admin(&self, presented: &str) -> Result<admin_token::Actor, Error> {
        self.admin_tokens.authenticate(presented).await
    }

    /// Admin tokens and the portal's sessions.
    pub fn admin_tokens(&self) -> &AdminTokens {
        &self.admin_tokens
    }

    /// Issuance statistics.
    pub fn statistics(&self) -> &Statistics {
        &self.statistics
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

    /// The issuer DIDs.
    pub fn dids(&self) -> &Dids {
        &self.dids
    }

    /// IACAs and Document Signers.
    pub fn mdoc_certificates(&self) -> &MdocCertificates {
        &self.mdoc
    }

    /// Users.
    pub fn users(&self) -> &Users {
        &self.users
    }

    /// Claims sources.
    pub fn claim_sources(&self) -> &ClaimSources {
        &self.claim_sources
    }

    /// Credential configurations.
    pub fn credential_configurations(&self) -> &CredentialConfigurations {
        &self.configurations
    }

    /// The interaction hook configuration.
    pub fn interaction_hook(&self) -> &InteractionHooks {
        &self.hook
    }

    /// Authentication providers.
    pub fn authentication_providers(&self) -> &AuthenticationProviders {
        &self.providers
    }

    /// Pre-authorized offers.
    pub fn offers(&self) -> &Offers {
        &self.offers
    }

    /// Wallet clients.
    pub fn wallet_clients(&self) -> &WalletClients {
        &self.clients
    }

    /// DPoP.
    pub fn dpop(&self) -> &Dpop {
        &self.dpop
    }

    /// PAR, authorize, the login callbacks, authorization-code offers.
    pub fn authorization(&self) -> &Authorization {
        &self.authorization
    }

    /// The token endpoint.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// The nonce endpoint.
    pub fn nonces(&self) -> &Nonces {
        &self.nonces
    }

    /// The credential, deferred credential and notification endpoints.
    pub fn issuance(&self) -> &Issuance {
        &self.issuance
    }

    /// Credential status: indices, changes, the signed lists.
    pub fn status_lists(&self) -> &StatusLists {
        &self.status_lists
    }

    /// Metadata documents.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
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

/// `settings()` and `issuer()` for a service holding `settings: Arc<Settings>`, and `keys()`
/// (the key ring now) for one holding `issuer_keys`.
macro_rules! settings_port {
    ($($t:ty),*) => {$(
        impl $t {
            /// The settings.
            pub fn settings(&self) -> &Settings {
                &self.settings
            }

            /// The credential issuer identifier.
            pub fn issuer(&self) -> &str {
                &self.settings.public_url
            }
        }
    )*};
}

macro_rules! keys_port {
    ($($t:ty),*) => {$(
        impl $t {
            /// The issuer keys as they are now.
            pub fn keys(&self) -> Arc<KeyRing> {
                self.issuer_keys.ring()
            }
        }
    )*};
}

settings_port!(
    CredentialConfigurations,
    AuthenticationProviders,
    Offers,
    ProviderLogins,
    Dpop,
    Authorization,
    Tokens,
    Nonces,
    MdocCertificates,
    Dids,
    Issuance,
    Metadata
);
keys_port!(Dids, Issuance, Metadata);
