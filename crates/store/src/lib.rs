//! SQLite and PostgreSQL implementations of [`sigil_core::store::Store`], with their migrations
//! (`migrations/sqlite` and `migrations/postgres`, same numbers).
//!
//! The SQL is written once: both engines accept `$n` placeholders, `ON CONFLICT … DO UPDATE`
//! and `RETURNING`, so one macro expands the same statements for each pool type. Only
//! connection setup differs. Depends on `sigil-core` for the trait and records and on `sigil-crypto`
//! for hashing.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sigil_core::store::{Engine, Store, StoreError};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

mod sql;

/// Migrations for SQLite.
pub static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
/// Migrations for PostgreSQL.
pub static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A store on embedded SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    // SQLite has one writer at a time; colliding writers wait in SQLite's busy handler, which
    // sleeps in steps of up to 100 ms. Queueing this process's writers here instead keeps tail
    // latency low (other processes on the same file still meet busy_timeout).
    writer: std::sync::Arc<tokio::sync::Mutex<()>>,
}

/// A store on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// Which database to open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// A SQLite file.
    Sqlite(std::path::PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses `sqlite://PATH`, `sqlite:PATH`, `postgres://…` or `postgresql://…`.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            PgConnectOptions::from_str(text).map_err(|e| e.to_string())?;
            return Ok(Self::Postgres(text.to_string()));
        }
        if let Some(path) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(
                    "a sqlite URL needs a file path, e.g. sqlite://./sigil-data/sigil.db".into(),
                );
            }
            return Ok(Self::Sqlite(path.into()));
        }
        Err("must start with sqlite://, postgres:// or postgresql://".into())
    }

    /// The URL with any password replaced, for logs.
    pub fn redacted(&self) -> String {
        match self {
            DatabaseUrl::Sqlite(path) => format!("sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => match url::Url::parse(url) {
                Ok(mut u) => {
                    if u.password().is_some() {
                        let _ = u.set_password(Some("****"));
                    }
                    u.to_string()
                }
                Err(_) => "postgres://<unparseable>".into(),
            },
        }
    }
}

/// Opens the database, applies pending migrations and returns the store.
pub async fn connect(
    url: &DatabaseUrl,
    max_connections: u32,
) -> Result<Arc<dyn Store>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => Ok(Arc::new(SqliteStore::open(path, max_connections).await?)),
        DatabaseUrl::Postgres(url) => Ok(Arc::new(PgStore::open(url, max_connections).await?)),
    }
}

fn backend(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// Migration 0007's second half: offers made before it kept their reference in clear; each is
/// replaced by its SHA-256 (idempotent, so nodes opening one database together agree).
macro_rules! hash_clear_offer_references {
    ($pool:expr) => {
        async {
            let rows: Vec<(String, String)> =
                sqlx::query_as("SELECT id, reference FROM offers WHERE reference IS NOT NULL")
                    .fetch_all($pool)
                    .await
                    .map_err(backend)?;
            for (id, reference) in &rows {
                sqlx::query(
                    "UPDATE offers SET reference_hash = $1, reference = NULL \
                     WHERE id = $2 AND reference IS NOT NULL",
                )
                .bind(sigil_crypto::sha256(reference.as_bytes()).to_vec())
                .bind(id)
                .execute($pool)
                .await
                .map_err(backend)?;
            }
            if !rows.is_empty() {
                tracing::info!(
                    offers = rows.len(),
                    "stored offer references replaced by their hashes"
                );
            }
            Ok::<(), StoreError>(())
        }
        .await
    };
}

impl SqliteStore {
    /// Opens (creating if needed) the SQLite file in WAL mode with a busy timeout, and migrates.
    pub async fn open(path: &Path, max_connections: u32) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(10))
            .foreign_keys(true);
        // sqlx takes no lock for SQLite migrations; a file lock keeps two processes on one file
        // (a node and `sigil admin-token`, or two nodes) from migrating at once. It is taken
        // before connecting: switching a new file to WAL is a write that does not wait on the
        // busy timeout, so two first connections at once could see "database is locked".
        let lock_path = path.with_extension("migrate.lock");
        let lock = tokio::task::spawn_blocking(move || {
            let file = std::fs::File::create(&lock_path)?;
            file.lock()?;
            Ok::<_, std::io::Error>(file)
        })
        .await
        .map_err(backend)?
        .map_err(backend)?;
        let pool = SqlitePoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect_with(options)
            .await
            .map_err(backend)?;
        let migrated = SQLITE_MIGRATIONS.run(&pool).await.map_err(backend);
        let hashed = match migrated {
            Ok(()) => hash_clear_offer_references!(&pool),
            Err(e) => Err(e),
        };
        drop(lock);
        hashed?;
        Ok(Self {
            pool,
            writer: std::sync::Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The pool, for tests that inspect raw rows.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        Some(self.writer.lock().await)
    }
}

impl PgStore {
    /// Connects to PostgreSQL and migrates (the migrator takes an advisory lock, so nodes
    /// starting together migrate once).
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(backend)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(backend)?;
        POSTGRES_MIGRATIONS.run(&pool).await.map_err(backend)?;
        hash_clear_offer_references!(&pool)?;
        Ok(Self { pool })
    }

    /// The pool, for tests that inspect raw rows.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// PostgreSQL takes concurrent writers; nothing to queue.
    async fn writer(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        None
    }
}

sql::impl_store!(SqliteStore, Engine::Sqlite);
sql::impl_store!(PgStore, Engine::Postgres);
