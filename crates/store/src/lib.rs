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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

mod lite;
mod pg;
mod sql;

/// Migrations for SQLite.
pub static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
/// Migrations for PostgreSQL.
pub static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// A store on embedded SQLite: statements run in place, writes commit in groups (see [`lite`]).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    engine: Arc<lite::Engine>,
    opened: std::time::Instant,
}

/// A store on PostgreSQL: each store method leases one connection (see [`pg`]).
#[derive(Debug, Clone)]
pub struct PgStore {
    connections: Arc<pg::Connections>,
    configurations: Arc<ChangeFeed>,
}

/// On SQLite, how long a kept credential configuration is used before it is read again (see
/// `SqliteStore::configurations_version`).
pub const CONFIGURATION_RECHECK: Duration = Duration::from_millis(500);

/// How long a PostgreSQL statement waits for a connection when all are in use.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// The channel a trigger announces credential configuration changes on (migration 0010).
const CONFIGURATIONS_CHANNEL: &str = "sigil_configurations";

/// What this node has heard of credential configuration changes: a listener on a connection of
/// its own counts the trigger's notifications. While it is not listening (its connection lost
/// and not yet replaced) the store cannot tell, and every read goes to the database; a
/// reconnection counts as a change, since notifications may have been missed meanwhile. Changes
/// made while a connection is broken but not yet known to be are seen once it is: the time the
/// operating system takes to report a dead connection bounds how stale a node can be.
#[derive(Debug, Default)]
struct ChangeFeed {
    version: std::sync::atomic::AtomicU64,
    live: std::sync::atomic::AtomicBool,
    listener: std::sync::Mutex<Option<tokio::task::AbortHandle>>,
}

impl ChangeFeed {
    fn changed(&self, live: bool) {
        use std::sync::atomic::Ordering::SeqCst;
        self.version.fetch_add(1, SeqCst);
        self.live.store(live, SeqCst);
    }

    fn version(&self) -> Option<u64> {
        use std::sync::atomic::Ordering::SeqCst;
        self.live.load(SeqCst).then(|| self.version.load(SeqCst))
    }

    /// Listens (before returning, so no change after `open` is missed) and keeps listening until
    /// the last clone of the store is dropped.
    async fn start(options: PgConnectOptions) -> Arc<Self> {
        let feed = Arc::new(Self::default());
        // Its own pool of one: the store's pool may be as small as one connection.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_lazy_with(options);
        let mut listener = Self::listen(&pool).await;
        feed.changed(listener.is_some());
        let weak = Arc::downgrade(&feed);
        let task = tokio::spawn(async move {
            loop {
                let heard = match &mut listener {
                    Some(l) => l.try_recv().await.map(|_| ()),
                    None => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        listener = Self::listen(&pool).await;
                        Ok(())
                    }
                };
                let Some(feed) = weak.upgrade() else { return };
                if heard.is_err() {
                    tracing::warn!(
                        "lost the PostgreSQL listener for configuration changes; reading them from the database until it is back"
                    );
                    listener = None;
                }
                // A notification, a reconnection (notifications may have been missed) or a
                // listener lost or found again: whatever was kept is forgotten.
                feed.changed(listener.is_some());
            }
        });
        *feed.listener.lock().unwrap_or_else(|e| e.into_inner()) = Some(task.abort_handle());
        feed
    }

    async fn listen(pool: &sqlx::PgPool) -> Option<sqlx::postgres::PgListener> {
        let mut listener = sqlx::postgres::PgListener::connect_with(pool).await.ok()?;
        listener.listen(CONFIGURATIONS_CHANNEL).await.ok()?;
        Some(listener)
    }
}

impl Drop for ChangeFeed {
    fn drop(&mut self) {
        if let Some(task) = self
            .listener
            .get_mut()
            .unwrap_or_else(|e| e.into_inner())
            .take()
        {
            task.abort();
        }
    }
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
    /// `max_connections` bounds the connections used for migrating only: afterwards reads use
    /// one connection per thread reading at once and writes the one writer.
    pub async fn open(path: &Path, max_connections: u32) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
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
        pool.close().await;
        drop(lock);
        hashed?;
        Ok(Self {
            engine: Arc::new(lite::Engine::open(path)?),
            opened: std::time::Instant::now(),
        })
    }

    /// Other processes on the same file change configurations without telling this one, and
    /// asking the file costs a read on every use (two per issuance flow). The version moves on
    /// every [`CONFIGURATION_RECHECK`] instead, so a kept configuration is read again at most
    /// that often: another process's change is used within that time. This process's own
    /// changes are used at once (the caller counts them).
    fn configurations_version(&self) -> Option<u64> {
        let elapsed = self.opened.elapsed().as_millis();
        u64::try_from(elapsed / CONFIGURATION_RECHECK.as_millis()).ok()
    }

    // A statement costs no round trip here: every write takes the transaction path in `sql.rs`.
    async fn insert_offer_in_one_statement(
        &self,
        _: &sigil_core::store::OfferRecord,
        _: &sigil_core::store::UserWrite,
    ) -> Option<Result<(), StoreError>> {
        None
    }

    async fn redeem_in_one_statement(
        &self,
        _: &[u8],
        _: Option<&[u8]>,
        _: i64,
        _: i64,
        _: &sigil_core::store::NewAccessToken,
    ) -> Option<Result<sigil_core::store::Redemption, StoreError>> {
        None
    }

    async fn record_issuance_in_one_statement(
        &self,
        _: &[sigil_core::store::IssuedCredentialRecord],
        _: &[sigil_core::store::SpentNonce],
    ) -> Option<Result<bool, StoreError>> {
        None
    }

    fn reader(&self) -> Result<lite::ReadGuard<'_>, StoreError> {
        self.engine.reader()
    }

    async fn writer(&self) -> Result<lite::WriteGuard<'_>, StoreError> {
        self.engine.writer().await
    }

    async fn finish<T>(
        &self,
        guard: lite::WriteGuard<'_>,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.engine.finish(guard, result).await
    }

    /// Adds rate-limit hits, one upsert per bucket (the writer runs them back to back in place).
    async fn upsert_rate_limits(
        &self,
        db: &lite::Db,
        hits: &[&sigil_core::store::RateLimitHits],
    ) -> Result<Vec<(Vec<u8>, i64, i64)>, StoreError> {
        let mut rows = Vec::with_capacity(hits.len());
        for h in hits {
            let row = lite::query_as::<lite::Lite, (Vec<u8>, i64, i64)>(
                "INSERT INTO rate_limits (bucket, window_start, hits) VALUES ($1, $2, $3) \
                 ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + excluded.hits \
                 RETURNING bucket, window_start, hits",
            )
            .bind(&h.bucket)
            .bind(h.window)
            .bind(h.hits)
            .fetch_one(db)
            .await
            .map_err(sql::map_err)?;
            rows.push(row);
        }
        Ok(rows)
    }

    /// Reads the totals of buckets that add nothing (absent ones are zero).
    async fn read_rate_limits(
        &self,
        db: &lite::Db,
        asks: &[&sigil_core::store::RateLimitHits],
    ) -> Result<Vec<(Vec<u8>, i64, i64)>, StoreError> {
        let mut rows = Vec::with_capacity(asks.len());
        for h in asks {
            rows.extend(
                lite::query_as::<lite::Lite, (Vec<u8>, i64, i64)>(
                    "SELECT bucket, window_start, hits FROM rate_limits \
                     WHERE bucket = $1 AND window_start = $2",
                )
                .bind(&h.bucket)
                .bind(h.window)
                .fetch_optional(db)
                .await
                .map_err(sql::map_err)?,
            );
        }
        Ok(rows)
    }
}

impl PgStore {
    /// Connects to PostgreSQL and migrates (the migrator takes an advisory lock, so nodes
    /// starting together migrate once).
    pub async fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url).map_err(backend)?;
        // Migrating goes through sqlx's pool (its migrator takes one), closed afterwards.
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options.clone())
            .await
            .map_err(backend)?;
        let migrated = POSTGRES_MIGRATIONS.run(&pool).await.map_err(backend);
        let migrated = match migrated {
            Ok(()) => hash_clear_offer_references!(&pool),
            Err(e) => Err(e),
        };
        pool.close().await;
        migrated?;
        let configurations = ChangeFeed::start(options.clone()).await;
        Ok(Self {
            connections: Arc::new(pg::Connections::new(
                options,
                max_connections,
                ACQUIRE_TIMEOUT,
            )),
            configurations,
        })
    }

    fn configurations_version(&self) -> Option<u64> {
        self.configurations.version()
    }

    fn reader(&self) -> Result<pg::Guard<'_>, StoreError> {
        Ok(self.connections.lease())
    }

    /// PostgreSQL takes concurrent writers; nothing to queue.
    async fn writer(&self) -> Result<pg::Guard<'_>, StoreError> {
        Ok(self.connections.lease())
    }

    async fn finish<T>(
        &self,
        _: pg::Guard<'_>,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        result
    }

    // On PostgreSQL every statement is a round trip, and `BEGIN` and `COMMIT` are two more. The
    // three writes of a pre-authorized flow are therefore made single statements (one round trip,
    // atomic by themselves) for their common shapes: `None` hands any other shape to the
    // transaction in `sql.rs`, which SQLite, where a statement costs no round trip, always takes.

    /// An offer, with the new user it is for: one statement.
    async fn insert_offer_in_one_statement(
        &self,
        o: &sigil_core::store::OfferRecord,
        user: &sigil_core::store::UserWrite,
    ) -> Option<Result<(), StoreError>> {
        use sigil_core::store::UserWrite;
        let query = match user {
            UserWrite::Keep => sql::bind_offer!(
                sqlx::query(concat!(
                    "INSERT INTO offers (",
                    sql::offer_insert_columns!(),
                    ") \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                )),
                o
            ),
            UserWrite::Insert(u) => sql::bind_user!(
                sql::bind_offer!(
                    sqlx::query(concat!(
                        "WITH new_user AS (INSERT INTO users (",
                        sql::user_columns!(),
                        ") \
                         VALUES ($14, $15, $16, $17, $18, $19)) \
                         INSERT INTO offers (",
                        sql::offer_insert_columns!(),
                        ") \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
                    )),
                    o
                ),
                u
            ),
            UserWrite::UpdateClaims { .. } => return None,
        };
        Some(
            query
                .execute(&*self.connections.lease())
                .await
                .map(|_| ())
                .map_err(sql::map_err),
        )
    }

    /// Redeems a pre-authorized code and stores its access token: one statement. When nothing
    /// was redeemed, the transaction path judges a wrong transaction code (its own redemption
    /// attempt fails the same way: a consumed, expired or capped offer never becomes redeemable).
    async fn redeem_in_one_statement(
        &self,
        code_hash: &[u8],
        tx_code_mac: Option<&[u8]>,
        now: i64,
        max_failures: i64,
        token: &sigil_core::store::NewAccessToken,
    ) -> Option<Result<sigil_core::store::Redemption, StoreError>> {
        use sigil_core::store::Redemption;
        let won = sqlx::query_as::<sqlx::Postgres, (String, String, String, Option<String>)>(
            "WITH won AS (UPDATE offers SET consumed_at = $2 WHERE code_hash = $1 \
             AND consumed_at IS NULL AND expires_at > $2 AND tx_code_failures < $3 \
             AND ((tx_code_mac IS NULL AND $4 IS NULL) OR tx_code_mac = $4) \
             RETURNING id, user_id, configuration_ids, claims), \
             token AS (INSERT INTO access_tokens (token_hash, user_id, offer_id, configuration_ids, \
             claims, client_id, dpop_jkt, expires_at, created_at) \
             SELECT $5, user_id, id, configuration_ids, claims, $6, $7, $8, $9 FROM won) \
             SELECT id, user_id, configuration_ids, claims FROM won",
        )
        .bind(code_hash)
        .bind(now)
        .bind(max_failures)
        .bind(tx_code_mac)
        .bind(&token.token_hash)
        .bind(&token.client_id)
        .bind(&token.dpop_jkt)
        .bind(token.expires_at)
        .bind(token.created_at)
        .fetch_optional(&*self.connections.lease())
        .await;
        match won {
            Err(e) => Some(Err(sql::map_err(e))),
            Ok(None) if tx_code_mac.is_none() => Some(Ok(Redemption::Refused)),
            Ok(None) => None,
            Ok(Some(won)) => Some(Ok(Redemption::Redeemed(Box::new(sql::redeemed_token(
                token, won,
            ))))),
        }
    }

    /// One credential and the one c_nonce its proof used: one statement that records the
    /// credential only if it spent the nonce.
    async fn record_issuance_in_one_statement(
        &self,
        records: &[sigil_core::store::IssuedCredentialRecord],
        nonces: &[sigil_core::store::SpentNonce],
    ) -> Option<Result<bool, StoreError>> {
        let ([record], [nonce]) = (records, nonces) else {
            return None;
        };
        let done = sql::bind_issued_credential!(
            sqlx::query(concat!(
                "WITH spent AS (INSERT INTO nonces (nonce_hash, expires_at) VALUES ($17, $18) \
                 ON CONFLICT DO NOTHING RETURNING 1) \
                 INSERT INTO issued_credentials (",
                sql::issued_credential_columns!(),
                ") \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 \
                 FROM spent"
            )),
            record
        )
        .bind(&nonce.nonce_hash)
        .bind(nonce.expires_at)
        .execute(&*self.connections.lease())
        .await;
        Some(done.map(|d| d.rows_affected() == 1).map_err(sql::map_err))
    }

    /// Adds rate-limit hits in one statement.
    async fn upsert_rate_limits(
        &self,
        db: &pg::Lease<'_>,
        hits: &[&sigil_core::store::RateLimitHits],
    ) -> Result<Vec<(Vec<u8>, i64, i64)>, StoreError> {
        let mut query =
            sqlx::QueryBuilder::new("INSERT INTO rate_limits (bucket, window_start, hits) ");
        query.push_values(hits, |mut row, h| {
            row.push_bind(&h.bucket)
                .push_bind(h.window)
                .push_bind(h.hits);
        });
        query.push(
            " ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limits.hits + excluded.hits \
             RETURNING bucket, window_start, hits",
        );
        query
            .build_query_as()
            .fetch_all(db)
            .await
            .map_err(sql::map_err)
    }

    /// Reads the totals of buckets that add nothing, in one statement (absent ones are zero;
    /// rows of other pairs the two lists allow are ignored by the caller).
    async fn read_rate_limits(
        &self,
        db: &pg::Lease<'_>,
        asks: &[&sigil_core::store::RateLimitHits],
    ) -> Result<Vec<(Vec<u8>, i64, i64)>, StoreError> {
        let buckets: Vec<&[u8]> = asks.iter().map(|h| h.bucket.as_slice()).collect();
        let mut windows: Vec<i64> = asks.iter().map(|h| h.window).collect();
        windows.sort_unstable();
        windows.dedup();
        sqlx::query_as(
            "SELECT bucket, window_start, hits FROM rate_limits \
             WHERE bucket = ANY($1) AND window_start = ANY($2)",
        )
        .bind(buckets)
        .bind(windows)
        .fetch_all(db)
        .await
        .map_err(sql::map_err)
    }
}

sql::impl_store!(SqliteStore, Engine::Sqlite, lite, lite::Lite);
sql::impl_store!(PgStore, Engine::Postgres, sqlx, sqlx::Postgres);
