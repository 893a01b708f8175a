//! The `sigil` server: configuration, startup and shutdown. `main.rs` is the command line on top;
//! tests start the same [`Server`] on port 0.
//!
//! Startup order: data directory → database (migrations) → master key → listeners → issuer keys
//! and the first admin token → HTTP.

pub mod config;
pub mod connection;
mod master_key_file;
pub mod outbound;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use sigil_core::keys::provider::{KeyProvider, KeyProviders, SoftwareKeyProvider};
use sigil_core::store::{Store, StoreError};
use sigil_core::{Clock, MdocSettings, OAuthSettings, Settings, Sigil, SystemClock};
use sigil_crypto::{MasterKey, SecretString, SecureRandom, SystemRandom};
use sigil_http::HttpOptions;
use sigil_store::DatabaseUrl;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, derived_public_url, is_loopback, issuer_identifier};
use crate::connection::ConnectionLimits;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] config::ConfigError),
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The database failed.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// Startup in the domain failed (keys, initial token).
    #[error("{0}")]
    Domain(#[from] sigil_core::Error),
}

/// The database URL in effect: the configured one, or the SQLite file in the data directory.
pub fn database_url(config: &Config) -> Result<DatabaseUrl, config::ConfigError> {
    match &config.database_url {
        Some(url) => DatabaseUrl::parse(url)
            .map_err(|why| config::ConfigError(format!("database.url: {why}"))),
        None => Ok(DatabaseUrl::Sqlite(config.data_dir.join("sigil.db"))),
    }
}

/// Creates the data directory and opens (and migrates) the database.
pub async fn open_store(config: &Config) -> Result<Arc<dyn Store>, StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::Io {
        what: format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        ),
        source,
    })?;
    let url = database_url(config)?;
    tracing::info!(database = %url.redacted(), "opening database");
    Ok(sigil_store::connect(&url, config.database_max_connections).await?)
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    /// Where the public routes (and, without `admin_listen`, the management API) are served.
    pub public_addr: SocketAddr,
    /// Where the management API is served when it has its own listener.
    pub admin_addr: Option<SocketAddr>,
    /// The credential issuer identifier.
    pub public_url: String,
    /// The initial admin token, on a deployment's first start with none configured.
    pub initial_admin_token: Option<SecretString>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<std::io::Result<()>>>,
}

/// Wraps (or replaces) the software key provider it is given.
pub type WrapKeyProvider = Arc<dyn Fn(Arc<dyn KeyProvider>) -> Arc<dyn KeyProvider> + Send + Sync>;

/// What a server is made of besides its configuration: the system clock and the software key
/// provider unless replaced (tests set the time, and watch every signature).
#[derive(Clone, Default)]
pub struct Ports {
    /// The clock; the system clock when `None`.
    pub clock: Option<Arc<dyn Clock>>,
    /// Randomness; the operating system's when `None`.
    pub rng: Option<Arc<dyn SecureRandom>>,
    /// Wraps (or replaces) the software key provider, which it is given.
    pub key_provider: Option<WrapKeyProvider>,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ports")
            .field("clock", &self.clock)
            .field("rng", &self.rng)
            .field("key_provider", &self.key_provider.is_some())
            .finish()
    }
}

impl Server {
    /// Starts serving.
    pub async fn start(config: &Config) -> Result<Self, StartError> {
        Self::start_with(config, Ports::default()).await
    }

    /// Starts serving with `ports`.
    pub async fn start_with(config: &Config, ports: Ports) -> Result<Self, StartError> {
        let public = bind(config.listen).await?;
        let public_addr = public.local_addr().map_err(|source| StartError::Io {
            what: "reading the bound address".into(),
            source,
        })?;
        let admin = match config.admin_listen {
            Some(addr) => Some(bind(addr).await?),
            None => None,
        };
        let admin_addr = admin.as_ref().and_then(|l| l.local_addr().ok());
        let started = build_with(config, public_addr, ports).await?;
        let sigil = started.sigil;
        let options = HttpOptions {
            max_body_bytes: config.max_body_bytes,
            body_timeout: Duration::from_secs(config.body_timeout_secs),
            request_timeout: Duration::from_secs(config.request_timeout_secs),
            trusted_proxies: config.trusted_proxies.clone(),
        };
        let listeners = if admin.is_some() { 2 } else { 1 };
        let limits = ConnectionLimits {
            max_connections: connection_budget(config, listeners),
            header_timeout: Duration::from_secs(config.header_timeout_secs),
            max_header_bytes: config.max_header_bytes,
            max_headers: 64,
        };
        let (shutdown, signal) = watch::channel(false);
        let mut tasks = Vec::new();
        let public_routes = match admin {
            Some(_) => sigil_http::public_router(sigil.clone(), &options),
            None => sigil_http::router(sigil.clone(), &options),
        };
        tasks.push(serve(public, public_routes, limits, signal.clone()));
        if let Some(admin) = admin {
            tasks.push(serve(
                admin,
                sigil_http::admin_router(sigil.clone(), &options),
                limits,
                signal.clone(),
            ));
        }
        tasks.push(sync_rate_limits(sigil.clone(), signal.clone()));
        tasks.push(refresh_keys(sigil.clone(), signal.clone()));
        tasks.push(purge_expired(sigil.clone(), signal));
        tracing::info!(%public_addr, ?admin_addr, public_url = %sigil.settings().public_url, "sigil is serving");
        Ok(Self {
            public_addr,
            admin_addr,
            public_url: sigil.settings().public_url.clone(),
            initial_admin_token: started.initial_admin_token,
            shutdown,
            tasks,
        })
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "server error"),
                Err(e) => tracing::error!(error = %e, "server task failed"),
            }
        }
    }

    /// Serves until `stop` resolves, then shuts down gracefully.
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()>) {
        stop.await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }
}

/// Opens the store and starts the domain (keys, initial admin token) for a server bound at
/// `bound`; the CLI uses it too, with the configured listen address.
pub async fn build(
    config: &Config,
    bound: SocketAddr,
) -> Result<sigil_core::app::Started, StartError> {
    build_with(config, bound, Ports::default()).await
}

async fn build_with(
    config: &Config,
    bound: SocketAddr,
    ports: Ports,
) -> Result<sigil_core::app::Started, StartError> {
    let store = open_store(config).await?;
    let rng: Arc<dyn SecureRandom> = ports
        .rng
        .clone()
        .unwrap_or_else(|| Arc::new(SystemRandom::new()));
    let master_key = Arc::new(master_key(config, rng.as_ref())?);
    let software: Arc<dyn KeyProvider> =
        Arc::new(SoftwareKeyProvider::new(master_key.clone(), rng.clone()));
    let key_provider = match &ports.key_provider {
        Some(wrap) => wrap(software),
        None => software,
    };
    let clock: Arc<dyn Clock> = ports.clock.unwrap_or_else(|| Arc::new(SystemClock));
    let public_url = match &config.public_url {
        Some(url) => url.clone(),
        None => derived_public_url(bound)
            .map_err(|why| config::ConfigError(format!("server.public_url: {why}")))?,
    };
    if public_url.scheme() == "http" && is_loopback(public_url.host()) {
        tracing::warn!(public_url = %issuer_identifier(&public_url), "public URL is plain http on a loopback host: fine for local use, never for production");
    }
    let settings = Settings {
        public_url: issuer_identifier(&public_url),
        admin_token: config.admin_token.clone(),
        issuer_name: config.issuer_display_name.clone(),
        oauth: OAuthSettings {
            access_token_ttl: config.access_token_ttl_secs,
            c_nonce_ttl: config.c_nonce_ttl_secs,
            tx_code_max_failures: config.tx_code_max_failures,
            require_dpop: config.require_dpop,
            require_dpop_nonce: config.require_dpop_nonce,
            batch_size: usize::try_from(config.batch_size).unwrap_or(1),
            require_encryption: config.require_encryption,
            deferred_interval: config.deferred_interval_secs,
            ..OAuthSettings::default()
        },
        mdoc: MdocSettings {
            document_signer_validity: config.document_signer_validity_days * 86_400,
            document_signer_rotation: config.document_signer_rotation_days * 86_400,
        },
        rate_limit: config.rate_limit,
        key_overlap: config.key_overlap_days * 86_400,
        status_list: config.status_list,
    };
    let http = outbound::ReqwestClient::new(&config.outbound).map_err(config::ConfigError)?;
    Ok(Sigil::start(
        store,
        clock,
        rng,
        master_key,
        Arc::new(http),
        KeyProviders::new(key_provider),
        settings,
    )
    .await?)
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartError::Io {
            what: format!("cannot listen on {addr}"),
            source,
        })
}

fn serve(
    listener: TcpListener,
    router: axum::Router,
    limits: ConnectionLimits,
    signal: watch::Receiver<bool>,
) -> JoinHandle<std::io::Result<()>> {
    tokio::spawn(connection::serve(listener, router, limits, signal))
}

/// Descriptors kept for everything but client connections: the database pool, outbound calls,
/// files and the listeners themselves.
const RESERVED_DESCRIPTORS: u64 = 64;

/// `max_connections` per listener, lowered (with a warning) to what the open-file limit allows
/// once it has been raised as far as the system lets an unprivileged process go. Running out of
/// descriptors would stop `accept` for everyone, health checks included.
fn connection_budget(config: &Config, listeners: u64) -> usize {
    let wanted = u64::try_from(config.max_connections).unwrap_or(u64::MAX);
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => limit,
        Err(e) => {
            tracing::warn!(error = %e, "could not read or raise the open-file limit");
            return config.max_connections;
        }
    };
    let reserved = RESERVED_DESCRIPTORS + u64::from(config.database_max_connections);
    let available = limit.saturating_sub(reserved) / listeners.max(1);
    if available < wanted {
        tracing::warn!(
            open_file_limit = limit,
            max_connections = available,
            configured = wanted,
            "the open-file limit allows fewer connections than server.max_connections; using fewer"
        );
    }
    usize::try_from(wanted.min(available).max(1)).unwrap_or(1)
}

/// Shares this node's rate-limit counts with the others every second (see
/// `sigil_core::rate_limit`).
fn sync_rate_limits(
    sigil: Sigil,
    mut signal: watch::Receiver<bool>,
) -> JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        if !sigil.settings().rate_limit.enabled {
            return Ok(());
        }
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    if let Err(e) = sigil.sync_rate_limits().await {
                        tracing::warn!(error = %e, "sharing rate-limit counts failed");
                    }
                }
                changed = signal.changed() => {
                    if changed.is_err() || *signal.borrow() {
                        return Ok(());
                    }
                }
            }
        }
    })
}

/// Reloads the issuer keys every second when another node rotated them or an overlap ended, so
/// every node signs with the active key within a second of a rotation, without a restart.
fn refresh_keys(
    sigil: Sigil,
    mut signal: watch::Receiver<bool>,
) -> JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    match sigil.refresh_keys().await {
                        Ok(true) => tracing::info!("issuer keys reloaded"),
                        Ok(false) => {}
                        Err(e) => tracing::warn!(error = %e, "reloading the issuer keys failed"),
                    }
                }
                changed = signal.changed() => {
                    if changed.is_err() || *signal.borrow() {
                        return Ok(());
                    }
                }
            }
        }
    })
}

/// Deletes expired nonces, access tokens and offers every minute, so unauthenticated nonce
/// requests cannot grow the database without bound (SECURITY.md G3).
fn purge_expired(
    sigil: Sigil,
    mut signal: watch::Receiver<bool>,
) -> JoinHandle<std::io::Result<()>> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tokio::select! {
                _ = tick.tick() => match sigil.purge_expired().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(rows = n, "purged expired one-time artefacts"),
                    Err(e) => tracing::warn!(error = %e, "purging expired one-time artefacts failed"),
                },
                changed = signal.changed() => {
                    if changed.is_err() || *signal.borrow() {
                        return Ok(());
                    }
                }
            }
        }
    })
}

fn master_key(config: &Config, rng: &dyn SecureRandom) -> Result<MasterKey, StartError> {
    match &config.master_key {
        Some(text) => {
            let bytes = config::decode_master_key(text.expose())
                .map_err(|why| config::ConfigError(format!("security.master_key: {why}")))?;
            Ok(MasterKey::from_bytes(&bytes).map_err(sigil_core::Error::from)?)
        }
        None => master_key_file::load_or_create(&config.data_dir.join("master.key"), rng),
    }
}
