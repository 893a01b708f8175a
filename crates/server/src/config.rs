//! Configuration, layered: built-in defaults → `sigil.toml` → `SIGIL_*` environment → CLI flags.
//!
//! Every key is listed once in [`KEYS`] with its environment variable; that list drives the
//! environment overrides, the error messages (which name the key and where its value came from)
//! and the test that `sigil.example.toml` documents every key with its true default.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sigil_crypto::SecretString;
use url::{Host, Url};

/// A configuration key.
#[derive(Debug, Clone, Copy)]
pub struct Key {
    /// Section in `sigil.toml`.
    pub section: &'static str,
    /// Name within the section.
    pub name: &'static str,
    /// Environment variable overriding it.
    pub env: &'static str,
    /// Whether the value is an integer (else a string).
    pub integer: bool,
    /// The default as it appears in `sigil.example.toml`; `None` when unset by default.
    pub default: Option<&'static str>,
}

impl Key {
    /// `section.name`.
    pub fn path(&self) -> String {
        format!("{}.{}", self.section, self.name)
    }
}

const fn key(
    section: &'static str,
    name: &'static str,
    env: &'static str,
    integer: bool,
    default: Option<&'static str>,
) -> Key {
    Key {
        section,
        name,
        env,
        integer,
        default,
    }
}

/// Every configuration key.
pub const KEYS: &[Key] = &[
    key(
        "server",
        "listen",
        "SIGIL_LISTEN",
        false,
        Some("127.0.0.1:8080"),
    ),
    key("server", "public_url", "SIGIL_PUBLIC_URL", false, None),
    key("server", "admin_listen", "SIGIL_ADMIN_LISTEN", false, None),
    key(
        "server",
        "max_body_bytes",
        "SIGIL_MAX_BODY_BYTES",
        true,
        Some("1048576"),
    ),
    key(
        "server",
        "max_connections",
        "SIGIL_MAX_CONNECTIONS",
        true,
        Some("4096"),
    ),
    key(
        "server",
        "header_timeout_secs",
        "SIGIL_HEADER_TIMEOUT_SECS",
        true,
        Some("10"),
    ),
    key(
        "server",
        "body_timeout_secs",
        "SIGIL_BODY_TIMEOUT_SECS",
        true,
        Some("10"),
    ),
    key(
        "server",
        "request_timeout_secs",
        "SIGIL_REQUEST_TIMEOUT_SECS",
        true,
        Some("30"),
    ),
    key(
        "server",
        "max_header_bytes",
        "SIGIL_MAX_HEADER_BYTES",
        true,
        Some("32768"),
    ),
    key(
        "storage",
        "data_dir",
        "SIGIL_DATA_DIR",
        false,
        Some("./sigil-data"),
    ),
    key("database", "url", "SIGIL_DATABASE_URL", false, None),
    key(
        "database",
        "max_connections",
        "SIGIL_DATABASE_MAX_CONNECTIONS",
        true,
        Some("10"),
    ),
    key("security", "master_key", "SIGIL_MASTER_KEY", false, None),
    key("security", "admin_token", "SIGIL_ADMIN_TOKEN", false, None),
    key(
        "issuer",
        "display_name",
        "SIGIL_ISSUER_DISPLAY_NAME",
        false,
        Some("Sigil"),
    ),
    key(
        "oauth",
        "access_token_ttl_secs",
        "SIGIL_ACCESS_TOKEN_TTL_SECS",
        true,
        Some("300"),
    ),
    key(
        "oauth",
        "c_nonce_ttl_secs",
        "SIGIL_C_NONCE_TTL_SECS",
        true,
        Some("300"),
    ),
    key(
        "oauth",
        "tx_code_max_failures",
        "SIGIL_TX_CODE_MAX_FAILURES",
        true,
        Some("5"),
    ),
    key(
        "oauth",
        "require_dpop",
        "SIGIL_REQUIRE_DPOP",
        false,
        Some("false"),
    ),
    key(
        "oauth",
        "require_dpop_nonce",
        "SIGIL_REQUIRE_DPOP_NONCE",
        false,
        Some("false"),
    ),
    key("oauth", "batch_size", "SIGIL_BATCH_SIZE", true, Some("10")),
    key(
        "oauth",
        "require_encryption",
        "SIGIL_REQUIRE_ENCRYPTION",
        false,
        Some("false"),
    ),
    key(
        "oauth",
        "deferred_interval_secs",
        "SIGIL_DEFERRED_INTERVAL_SECS",
        true,
        Some("5"),
    ),
    key(
        "outbound",
        "timeout_secs",
        "SIGIL_OUTBOUND_TIMEOUT_SECS",
        true,
        Some("10"),
    ),
    key(
        "outbound",
        "allow_private_networks",
        "SIGIL_OUTBOUND_ALLOW_PRIVATE_NETWORKS",
        false,
        Some("false"),
    ),
    key("outbound", "ca_file", "SIGIL_OUTBOUND_CA_FILE", false, None),
    key(
        "mdoc",
        "document_signer_validity_days",
        "SIGIL_MDOC_DOCUMENT_SIGNER_VALIDITY_DAYS",
        true,
        Some("457"),
    ),
    key(
        "mdoc",
        "document_signer_rotation_days",
        "SIGIL_MDOC_DOCUMENT_SIGNER_ROTATION_DAYS",
        true,
        Some("30"),
    ),
    key(
        "keys",
        "overlap_days",
        "SIGIL_KEYS_OVERLAP_DAYS",
        true,
        Some("90"),
    ),
    key(
        "status_list",
        "size",
        "SIGIL_STATUS_LIST_SIZE",
        true,
        Some("131072"),
    ),
    key(
        "status_list",
        "ttl_secs",
        "SIGIL_STATUS_LIST_TTL_SECS",
        true,
        Some("300"),
    ),
    key(
        "status_list",
        "validity_secs",
        "SIGIL_STATUS_LIST_VALIDITY_SECS",
        true,
        Some("86400"),
    ),
    key(
        "rate_limit",
        "enabled",
        "SIGIL_RATE_LIMIT_ENABLED",
        false,
        Some("true"),
    ),
    key(
        "rate_limit",
        "per_address_per_minute",
        "SIGIL_RATE_LIMIT_PER_ADDRESS_PER_MINUTE",
        true,
        Some("3000"),
    ),
    key(
        "rate_limit",
        "per_code_per_minute",
        "SIGIL_RATE_LIMIT_PER_CODE_PER_MINUTE",
        true,
        Some("10"),
    ),
    key(
        "rate_limit",
        "per_token_per_minute",
        "SIGIL_RATE_LIMIT_PER_TOKEN_PER_MINUTE",
        true,
        Some("60"),
    ),
    key(
        "rate_limit",
        "admin_failures_per_minute",
        "SIGIL_RATE_LIMIT_ADMIN_FAILURES_PER_MINUTE",
        true,
        Some("30"),
    ),
    key(
        "rate_limit",
        "trusted_proxies",
        "SIGIL_RATE_LIMIT_TRUSTED_PROXIES",
        false,
        None,
    ),
    key("log", "level", "SIGIL_LOG", false, Some("info")),
    key("log", "format", "SIGIL_LOG_FORMAT", false, Some("text")),
];

/// Values given on the command line, by key path (`server.listen`).
pub type Overrides = BTreeMap<&'static str, String>;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the HTTP server listens.
    pub listen: SocketAddr,
    /// The public base URL, the credential issuer identifier; derived from `listen` when unset.
    pub public_url: Option<Url>,
    /// A separate listener for the management API; when unset it shares `listen`.
    pub admin_listen: Option<SocketAddr>,
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Connections served at once, per listener.
    pub max_connections: usize,
    /// Seconds to receive a request head (also closes idle keep-alive connections).
    pub header_timeout_secs: u64,
    /// Seconds to receive a request body.
    pub body_timeout_secs: u64,
    /// Seconds for a whole request, from its head to the response.
    pub request_timeout_secs: u64,
    /// Largest request head (request line and headers), bytes.
    pub max_header_bytes: usize,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Database URL; `None` means the embedded SQLite file in `data_dir`.
    pub database_url: Option<String>,
    /// Pool size.
    pub database_max_connections: u32,
    /// Master key (base64 of 32 bytes); `None` means the key file in `data_dir`.
    pub master_key: Option<SecretString>,
    /// A fixed admin token.
    pub admin_token: Option<SecretString>,
    /// The issuer's display name in metadata.
    pub issuer_display_name: String,
    /// Access token lifetime, seconds.
    pub access_token_ttl_secs: i64,
    /// c_nonce lifetime, seconds.
    pub c_nonce_ttl_secs: i64,
    /// Wrong transaction codes after which a pre-authorized code is dead.
    pub tx_code_max_failures: i64,
    /// Every token request must carry a DPoP proof.
    pub require_dpop: bool,
    /// DPoP proofs must carry a server nonce.
    pub require_dpop_nonce: bool,
    /// Most credentials per credential request.
    pub batch_size: i64,
    /// Credential requests and responses must be encrypted.
    pub require_encryption: bool,
    /// Seconds a wallet waits between deferred credential requests.
    pub deferred_interval_secs: i64,
    /// Outbound calls (authentication provider, claims sources).
    pub outbound: OutboundConfig,
    /// Validity of each mdoc Document Signer certificate, days.
    pub document_signer_validity_days: i64,
    /// How long a Document Signer signs before a new one takes over, days.
    pub document_signer_rotation_days: i64,
    /// How long a rotated-out issuer key stays published, days.
    pub key_overlap_days: i64,
    /// Status list size and lifetimes.
    pub status_list: sigil_core::status_list::StatusListSettings,
    /// Rate limits.
    pub rate_limit: sigil_core::rate_limit::RateLimitSettings,
    /// Proxies whose `X-Forwarded-For` names the client (addresses or CIDR blocks).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Log filter (tracing `EnvFilter` syntax).
    pub log_level: String,
    /// Log format.
    pub log_format: LogFormat,
}

/// How Sigil calls other servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundConfig {
    /// Whole-request timeout, seconds.
    pub timeout_secs: u64,
    /// Whether private, loopback and link-local addresses may be called (tests, on-premises).
    pub allow_private_networks: bool,
    /// Extra trust anchors (PEM) for https, beside the platform's.
    pub ca_file: Option<PathBuf>,
}

/// A configuration error; the message names the key and where the bad value came from.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    server: RawServer,
    #[serde(default)]
    storage: RawStorage,
    #[serde(default)]
    database: RawDatabase,
    #[serde(default)]
    security: RawSecurity,
    #[serde(default)]
    issuer: RawIssuer,
    #[serde(default)]
    oauth: RawOAuth,
    #[serde(default)]
    outbound: RawOutbound,
    #[serde(default)]
    mdoc: RawMdoc,
    #[serde(default)]
    keys: RawKeys,
    #[serde(default)]
    status_list: RawStatusList,
    #[serde(default)]
    rate_limit: RawRateLimit,
    #[serde(default)]
    log: RawLog,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimit {
    enabled: Option<toml::Value>,
    per_address_per_minute: Option<i64>,
    per_code_per_minute: Option<i64>,
    per_token_per_minute: Option<i64>,
    admin_failures_per_minute: Option<i64>,
    trusted_proxies: Option<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutbound {
    timeout_secs: Option<i64>,
    allow_private_networks: Option<toml::Value>,
    ca_file: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStatusList {
    size: Option<i64>,
    ttl_secs: Option<i64>,
    validity_secs: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKeys {
    overlap_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMdoc {
    document_signer_validity_days: Option<i64>,
    document_signer_rotation_days: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIssuer {
    display_name: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOAuth {
    access_token_ttl_secs: Option<i64>,
    c_nonce_ttl_secs: Option<i64>,
    tx_code_max_failures: Option<i64>,
    require_dpop: Option<toml::Value>,
    require_dpop_nonce: Option<toml::Value>,
    batch_size: Option<i64>,
    require_encryption: Option<toml::Value>,
    deferred_interval_secs: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    listen: Option<String>,
    public_url: Option<String>,
    admin_listen: Option<String>,
    max_body_bytes: Option<i64>,
    max_connections: Option<i64>,
    header_timeout_secs: Option<i64>,
    body_timeout_secs: Option<i64>,
    request_timeout_secs: Option<i64>,
    max_header_bytes: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStorage {
    data_dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: Option<String>,
    max_connections: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSecurity {
    master_key: Option<String>,
    admin_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLog {
    level: Option<String>,
    format: Option<String>,
}

/// Where each key's value came from, for error messages.
#[derive(Debug, Default)]
struct Origins(BTreeMap<String, String>);

impl Origins {
    fn of(&self, path: &str) -> String {
        self.0
            .get(path)
            .cloned()
            .unwrap_or_else(|| "default".into())
    }
}

/// Loads the configuration: `file` (or `./sigil.toml` when it exists), then `env`, then `cli`.
pub fn load(
    file: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
    cli: &Overrides,
) -> Result<Config, ConfigError> {
    let mut table = toml::Table::new();
    let mut origins = Origins::default();
    let default_file = Path::new("sigil.toml");
    let file = file.or_else(|| default_file.exists().then_some(default_file));
    if let Some(path) = file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        table = text
            .parse::<toml::Table>()
            .map_err(|e| ConfigError(format!("{} is not valid TOML: {e}", path.display())))?;
        for (section, value) in &table {
            if let Some(inner) = value.as_table() {
                for name in inner.keys() {
                    origins
                        .0
                        .insert(format!("{section}.{name}"), path.display().to_string());
                }
            }
        }
    }
    for key in KEYS {
        if let Some(value) = env(key.env).filter(|v| !v.is_empty()) {
            set(&mut table, key, &value, key.env)?;
            origins
                .0
                .insert(key.path(), format!("environment variable {}", key.env));
        }
    }
    for key in KEYS {
        if let Some(value) = cli.get(key.path().as_str()) {
            set(&mut table, key, value, "command line")?;
            origins.0.insert(key.path(), "command line".into());
        }
    }
    let raw: Raw = serde_path_to_error::deserialize(toml::Value::Table(table)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ConfigError(format!(
            "{path} ({}): {}",
            origins.of(&path),
            inner.message()
        ))
    })?;
    validate(raw, &origins)
}

fn set(table: &mut toml::Table, key: &Key, value: &str, origin: &str) -> Result<(), ConfigError> {
    let value = if key.integer {
        toml::Value::Integer(value.trim().parse::<i64>().map_err(|_| {
            ConfigError(format!(
                "{} ({origin}): must be an integer, got {value:?}",
                key.path()
            ))
        })?)
    } else {
        toml::Value::String(value.to_string())
    };
    let section = table
        .entry(key.section)
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    match section.as_table_mut() {
        Some(t) => {
            t.insert(key.name.to_string(), value);
            Ok(())
        }
        None => Err(ConfigError(format!("[{}] must be a table", key.section))),
    }
}

fn default_of(path: &str) -> &'static str {
    KEYS.iter()
        .find(|k| k.path() == path)
        .and_then(|k| k.default)
        .unwrap_or_default()
}

fn validate(raw: Raw, origins: &Origins) -> Result<Config, ConfigError> {
    let bad =
        |path: &str, why: String| ConfigError(format!("{path} ({}): {why}", origins.of(path)));

    let listen_text = raw
        .server
        .listen
        .unwrap_or_else(|| default_of("server.listen").into());
    let listen: SocketAddr = listen_text.parse().map_err(|_| {
        bad(
            "server.listen",
            format!("must be an IP address and port such as 127.0.0.1:8080, got {listen_text:?}"),
        )
    })?;
    let admin_listen = raw
        .server
        .admin_listen
        .map(|a| {
            a.parse::<SocketAddr>().map_err(|_| {
                bad(
                    "server.admin_listen",
                    format!("must be an IP address and port, got {a:?}"),
                )
            })
        })
        .transpose()?;
    let public_url = raw
        .server
        .public_url
        .map(|u| parse_public_url(&u).map_err(|why| bad("server.public_url", why)))
        .transpose()?;
    if public_url.is_none() && !listen.ip().is_loopback() && !listen.ip().is_unspecified() {
        return Err(bad(
            "server.public_url",
            "must be set (an https URL) when listening on a non-loopback address".into(),
        ));
    }
    let max_body_bytes = raw.server.max_body_bytes.unwrap_or(1_048_576);
    if !(1024..=67_108_864).contains(&max_body_bytes) {
        return Err(bad(
            "server.max_body_bytes",
            format!("must be between 1024 and 67108864, got {max_body_bytes}"),
        ));
    }
    let data_dir = PathBuf::from(
        raw.storage
            .data_dir
            .unwrap_or_else(|| default_of("storage.data_dir").into()),
    );
    if data_dir.as_os_str().is_empty() {
        return Err(bad("storage.data_dir", "must not be empty".into()));
    }
    if let Some(url) = &raw.database.url {
        sigil_store::DatabaseUrl::parse(url).map_err(|why| bad("database.url", why))?;
    }
    let max_connections = raw.database.max_connections.unwrap_or(10);
    if !(1..=1000).contains(&max_connections) {
        return Err(bad(
            "database.max_connections",
            format!("must be between 1 and 1000, got {max_connections}"),
        ));
    }
    if let Some(key) = &raw.security.master_key {
        decode_master_key(key).map_err(|why| bad("security.master_key", why))?;
    }
    if let Some(token) = &raw.security.admin_token
        && token.trim().len() < 32
    {
        return Err(bad(
            "security.admin_token",
            "must be at least 32 characters (use `openssl rand -base64 32`)".into(),
        ));
    }
    let issuer_display_name = raw
        .issuer
        .display_name
        .unwrap_or_else(|| default_of("issuer.display_name").into());
    if issuer_display_name.trim().is_empty() || issuer_display_name.chars().count() > 256 {
        return Err(bad(
            "issuer.display_name",
            "must be 1 to 256 characters".into(),
        ));
    }
    let ranged =
        |path: &str, value: Option<i64>, default: i64, range: std::ops::RangeInclusive<i64>| {
            let v = value.unwrap_or(default);
            if range.contains(&v) {
                Ok(v)
            } else {
                Err(bad(
                    path,
                    format!(
                        "must be between {} and {}, got {v}",
                        range.start(),
                        range.end()
                    ),
                ))
            }
        };
    let access_token_ttl_secs = ranged(
        "oauth.access_token_ttl_secs",
        raw.oauth.access_token_ttl_secs,
        300,
        30..=86_400,
    )?;
    let c_nonce_ttl_secs = ranged(
        "oauth.c_nonce_ttl_secs",
        raw.oauth.c_nonce_ttl_secs,
        300,
        10..=3_600,
    )?;
    let tx_code_max_failures = ranged(
        "oauth.tx_code_max_failures",
        raw.oauth.tx_code_max_failures,
        5,
        1..=100,
    )?;
    let timeout_secs = ranged(
        "outbound.timeout_secs",
        raw.outbound.timeout_secs,
        10,
        1..=120,
    )?;
    let document_signer_validity_days = ranged(
        "mdoc.document_signer_validity_days",
        raw.mdoc.document_signer_validity_days,
        457,
        2..=3_650,
    )?;
    let document_signer_rotation_days = ranged(
        "mdoc.document_signer_rotation_days",
        raw.mdoc.document_signer_rotation_days,
        30,
        1..=document_signer_validity_days - 1,
    )?;
    let key_overlap_days = ranged("keys.overlap_days", raw.keys.overlap_days, 90, 0..=3_650)?;
    // Lists hold whole blocks of 64; 1,024 at least (tests), 2^24 at most (a 4 MiB list).
    let status_size = ranged(
        "status_list.size",
        raw.status_list.size,
        131_072,
        1_024..=16_777_216,
    )?;
    if status_size % 64 != 0 {
        return Err(bad("status_list.size", "must be a multiple of 64".into()));
    }
    let status_ttl = ranged(
        "status_list.ttl_secs",
        raw.status_list.ttl_secs,
        300,
        1..=86_400,
    )?;
    let status_validity = ranged(
        "status_list.validity_secs",
        raw.status_list.validity_secs,
        86_400,
        status_ttl * 2..=31 * 86_400,
    )?;
    let status_list = sigil_core::status_list::StatusListSettings {
        size: status_size,
        block: 64,
        ttl: status_ttl,
        validity: status_validity,
    };
    let boolean = |path: &str, value: &Option<toml::Value>| match value {
        None => Ok(false),
        Some(toml::Value::Boolean(b)) => Ok(*b),
        Some(toml::Value::String(s)) if s == "true" => Ok(true),
        Some(toml::Value::String(s)) if s == "false" => Ok(false),
        Some(other) => Err(bad(path, format!("must be true or false, got {other}"))),
    };
    let allow_private_networks = boolean(
        "outbound.allow_private_networks",
        &raw.outbound.allow_private_networks,
    )?;
    let require_dpop = boolean("oauth.require_dpop", &raw.oauth.require_dpop)?;
    let require_dpop_nonce = boolean("oauth.require_dpop_nonce", &raw.oauth.require_dpop_nonce)?;
    let require_encryption = boolean("oauth.require_encryption", &raw.oauth.require_encryption)?;
    let batch_size = ranged("oauth.batch_size", raw.oauth.batch_size, 10, 1..=100)?;
    let deferred_interval_secs = ranged(
        "oauth.deferred_interval_secs",
        raw.oauth.deferred_interval_secs,
        5,
        1..=3_600,
    )?;
    let max_client_connections = ranged(
        "server.max_connections",
        raw.server.max_connections,
        4096,
        1..=1_000_000,
    )?;
    let header_timeout_secs = ranged(
        "server.header_timeout_secs",
        raw.server.header_timeout_secs,
        10,
        1..=600,
    )?;
    let body_timeout_secs = ranged(
        "server.body_timeout_secs",
        raw.server.body_timeout_secs,
        10,
        1..=600,
    )?;
    let request_timeout_secs = ranged(
        "server.request_timeout_secs",
        raw.server.request_timeout_secs,
        30,
        1..=3_600,
    )?;
    let max_header_bytes = ranged(
        "server.max_header_bytes",
        raw.server.max_header_bytes,
        32_768,
        8_192..=1_048_576,
    )?;
    let per_minute = |path: &str, value: Option<i64>, default: i64| {
        ranged(path, value, default, 1..=1_000_000).map(|v| u32::try_from(v).unwrap_or(u32::MAX))
    };
    let rate_limit = sigil_core::rate_limit::RateLimitSettings {
        enabled: match &raw.rate_limit.enabled {
            None => true,
            some => boolean("rate_limit.enabled", some)?,
        },
        per_address: per_minute(
            "rate_limit.per_address_per_minute",
            raw.rate_limit.per_address_per_minute,
            3_000,
        )?,
        per_code: per_minute(
            "rate_limit.per_code_per_minute",
            raw.rate_limit.per_code_per_minute,
            10,
        )?,
        per_token: per_minute(
            "rate_limit.per_token_per_minute",
            raw.rate_limit.per_token_per_minute,
            60,
        )?,
        admin_failures: per_minute(
            "rate_limit.admin_failures_per_minute",
            raw.rate_limit.admin_failures_per_minute,
            30,
        )?,
    };
    let trusted_proxies = parse_trusted_proxies(raw.rate_limit.trusted_proxies.as_ref())
        .map_err(|why| bad("rate_limit.trusted_proxies", why))?;
    let ca_file = raw.outbound.ca_file.map(PathBuf::from);
    if let Some(path) = &ca_file
        && !path.is_file()
    {
        return Err(bad(
            "outbound.ca_file",
            format!("{} is not a readable file", path.display()),
        ));
    }
    let outbound = OutboundConfig {
        timeout_secs: u64::try_from(timeout_secs).unwrap_or(10),
        allow_private_networks,
        ca_file,
    };
    let log_level = raw
        .log
        .level
        .unwrap_or_else(|| default_of("log.level").into());
    tracing_subscriber::EnvFilter::try_new(&log_level).map_err(|e| {
        bad(
            "log.level",
            format!("is not a valid filter ({e}), e.g. info or sigil=debug"),
        )
    })?;
    let log_format = match raw.log.format.as_deref().unwrap_or("text") {
        "text" => LogFormat::Text,
        "json" => LogFormat::Json,
        other => {
            return Err(bad(
                "log.format",
                format!("must be text or json, got {other:?}"),
            ));
        }
    };
    Ok(Config {
        listen,
        public_url,
        admin_listen,
        max_body_bytes: usize::try_from(max_body_bytes).unwrap_or(1_048_576),
        max_connections: usize::try_from(max_client_connections).unwrap_or(4096),
        header_timeout_secs: u64::try_from(header_timeout_secs).unwrap_or(10),
        body_timeout_secs: u64::try_from(body_timeout_secs).unwrap_or(10),
        request_timeout_secs: u64::try_from(request_timeout_secs).unwrap_or(30),
        max_header_bytes: usize::try_from(max_header_bytes).unwrap_or(32_768),
        data_dir,
        database_url: raw.database.url,
        database_max_connections: u32::try_from(max_connections).unwrap_or(10),
        master_key: raw.security.master_key.map(SecretString::new),
        admin_token: raw
            .security
            .admin_token
            .map(|t| SecretString::new(t.trim())),
        issuer_display_name,
        access_token_ttl_secs,
        c_nonce_ttl_secs,
        tx_code_max_failures,
        require_dpop,
        require_dpop_nonce,
        batch_size,
        require_encryption,
        deferred_interval_secs,
        outbound,
        document_signer_validity_days,
        document_signer_rotation_days,
        key_overlap_days,
        status_list,
        rate_limit,
        trusted_proxies,
        log_level,
        log_format,
    })
}

/// Proxy addresses or CIDR blocks: a TOML array of strings, or one comma-separated string (the
/// environment's form).
fn parse_trusted_proxies(value: Option<&toml::Value>) -> Result<Vec<ipnet::IpNet>, String> {
    let items: Vec<String> = match value {
        None => return Ok(Vec::new()),
        Some(toml::Value::String(text)) => text.split(',').map(str::to_string).collect(),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| "must list addresses as strings".to_string())
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("must be a list of addresses or CIDR blocks".into()),
    };
    items
        .iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.parse::<ipnet::IpNet>()
                .or_else(|_| item.parse::<IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| format!("{item:?} is not an IP address or CIDR block"))
        })
        .collect()
}

/// Decodes a master key given as base64 (standard or URL-safe) of exactly 32 bytes.
pub fn decode_master_key(text: &str) -> Result<[u8; 32], String> {
    let text = text.trim();
    let bytes = sigil_crypto::b64::decode(text)
        .or_else(|| sigil_crypto::b64url::decode(text.trim_end_matches('=')))
        .ok_or("must be base64 (generate one with `openssl rand -base64 32`)")?;
    <[u8; 32]>::try_from(bytes.as_slice())
        .map_err(|_| format!("must decode to exactly 32 bytes, got {}", bytes.len()))
}

/// Whether `host` is a loopback host (localhost, 127.0.0.0/8, ::1).
pub fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The public URL rules: absolute, https (http only on loopback hosts), no query or fragment.
/// The trailing slash is dropped: the issuer identifier is compared as a string (OID4VCI §12.2.1).
pub fn parse_public_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text.trim())
        .map_err(|e| format!("must be an absolute URL ({e}), got {text:?}"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(url.host()) => {}
        "http" => return Err("must use https (http is allowed only for loopback hosts such as localhost or 127.0.0.1)".into()),
        other => return Err(format!("must use https, got {other}:")),
    }
    if url.host().is_none() {
        return Err("must have a host".into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain user information".into());
    }
    Ok(url)
}

/// The issuer identifier text: the URL without a trailing slash.
pub fn issuer_identifier(url: &Url) -> String {
    url.as_str().trim_end_matches('/').to_string()
}

/// The public URL derived from the bound address when none is configured.
pub fn derived_public_url(bound: SocketAddr) -> Result<Url, String> {
    let host = match bound.ip() {
        ip if ip.is_unspecified() => "localhost".to_string(),
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    parse_public_url(&format!("http://{host}:{}", bound.port()))
}
