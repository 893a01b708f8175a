//! The PostgreSQL engine's connections: a store method leases one connection for all of its
//! statements, and nothing is sent that the method did not ask for.
//!
//! sqlx's pool tests a connection with a round trip (`Sync`, answered by `ReadyForQuery`) each
//! time it is returned, and again before handing out an idle one: with a statement per
//! acquisition, a pre-authorized flow made 21 round trips for its 7 statements, and the two
//! extra ones cost Sigil and the database backends more than the statements did. Here:
//!
//! - A store method takes a [`Lease`] (no I/O). Its first statement takes a connection: the one
//!   returned most recently, or a new one when none is idle. Every later statement of the method
//!   runs on the same connection, and the lease gives it back when the method ends.
//! - A connection that failed in a way that may have left it unusable (I/O, TLS, protocol, a
//!   dropped future mid-statement) is closed, never returned. One that stayed idle longer than
//!   [`IDLE_CHECK`] is tested before use (a server restart while the node was quiet costs a
//!   reconnection, not a failed request); one idle longer than [`IDLE_TIMEOUT`] or older than
//!   [`MAX_LIFETIME`] is closed.
//! - At most `max` connections are leased at once (a semaphore; waiting longer than the acquire
//!   timeout fails with `PoolTimedOut`), and idle ones are only those leases gave back, so the
//!   node never holds more than `max`.
//! - A transaction ([`Lease::begin`]) that is dropped without `commit` or `rollback` closes its
//!   connection: PostgreSQL rolls the transaction back when the session ends, and no connection
//!   with a rollback still to send sits idle holding locks.
//!
//! This is written here rather than taken from a crate because the pool sqlx offers is the one
//! whose round trips it removes, and the store's statements are written against sqlx's
//! `Executor`: a lease implements it, so the same statement text runs on both engines.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use sqlx::postgres::{
    PgConnectOptions, PgConnection, PgDatabaseError, PgQueryResult, PgRow, PgSeverity, PgStatement,
    PgTypeInfo,
};
use sqlx::{ConnectOptions, Connection, Either, Execute, Executor, Postgres, SqlStr};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// An idle connection older than this is tested (one round trip) before it is used.
pub(crate) const IDLE_CHECK: Duration = Duration::from_secs(1);
/// An idle connection older than this is closed (sqlx's default).
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// A connection is closed when given back after this long (sqlx's default).
pub(crate) const MAX_LIFETIME: Duration = Duration::from_secs(1800);

/// The connections of one node.
pub(crate) struct Connections {
    options: PgConnectOptions,
    idle: Mutex<Vec<Idle>>,
    permits: Arc<Semaphore>,
    acquire_timeout: Duration,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connections")
            .field("available", &self.permits.available_permits())
            .finish_non_exhaustive()
    }
}

struct Idle {
    conn: PgConnection,
    born: Instant,
    since: Instant,
}

/// A connection taken by a lease, with its share of the limit.
#[derive(Debug)]
struct Taken {
    conn: PgConnection,
    born: Instant,
    _permit: OwnedSemaphorePermit,
}

impl Connections {
    pub(crate) fn new(options: PgConnectOptions, max: u32, acquire_timeout: Duration) -> Self {
        Self {
            options,
            idle: Mutex::new(Vec::new()),
            permits: Arc::new(Semaphore::new(max.max(1) as usize)),
            acquire_timeout,
        }
    }

    /// A lease for one store method; takes no connection until its first statement.
    pub(crate) fn lease(&self) -> Guard<'_> {
        Guard(Lease {
            connections: self,
            held: Mutex::new(None),
        })
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Idle>> {
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A connection within the acquire timeout: waiting for a permit, testing idle connections
    /// and connecting all count against it (a server that stopped answering must not hold a
    /// permit for as long as TCP takes to give up).
    async fn take(&self) -> Result<Taken, sqlx::Error> {
        tokio::time::timeout(self.acquire_timeout, self.take_now())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?
    }

    async fn take_now(&self) -> Result<Taken, sqlx::Error> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        loop {
            let now = Instant::now();
            let idle = {
                let mut idle = self.idle();
                idle.retain(|i| now.duration_since(i.since) < IDLE_TIMEOUT);
                idle.pop()
            };
            let Some(mut idle) = idle else {
                let conn = self.options.connect().await?;
                return Ok(Taken {
                    conn,
                    born: Instant::now(),
                    _permit: permit,
                });
            };
            if now.duration_since(idle.since) >= IDLE_CHECK && idle.conn.ping().await.is_err() {
                continue;
            }
            return Ok(Taken {
                conn: idle.conn,
                born: idle.born,
                _permit: permit,
            });
        }
    }

    /// Takes a connection back unless it is old. (It is outside any transaction: a [`Tx`]
    /// holds its connection until it has ended, and closes it if it is dropped before.)
    fn give_back(&self, taken: Taken) {
        if taken.born.elapsed() < MAX_LIFETIME {
            self.idle().push(Idle {
                conn: taken.conn,
                born: taken.born,
                since: Instant::now(),
            });
        }
    }
}

/// Whether a connection that gave this error may serve another statement: a database's refusal
/// of a statement (a constraint, a type) or a row the caller could not read leaves it as it was;
/// an error that ends the session (severity FATAL or PANIC: the server shutting down, the backend
/// terminated, an idle session timed out; or a connection exception, class 08) and anything else
/// (I/O, TLS, the protocol, the pool) may not.
fn keeps(error: &sqlx::Error) -> bool {
    if let sqlx::Error::Database(e) = error {
        let ends_session = e
            .try_downcast_ref::<PgDatabaseError>()
            .is_some_and(|pg| matches!(pg.severity(), PgSeverity::Fatal | PgSeverity::Panic))
            || e.code().is_some_and(|code| code.starts_with("08"));
        return !ends_session;
    }
    matches!(
        error,
        sqlx::Error::RowNotFound
            | sqlx::Error::TypeNotFound { .. }
            | sqlx::Error::ColumnIndexOutOfBounds { .. }
            | sqlx::Error::ColumnNotFound(_)
            | sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::Encode(_)
    )
}

/// What a store method holds: `&*guard` is the executor its statements run on, as `&*guard` of
/// the SQLite engine's guards is.
pub(crate) struct Guard<'a>(Lease<'a>);

impl<'a> std::ops::Deref for Guard<'a> {
    type Target = Lease<'a>;
    fn deref(&self) -> &Lease<'a> {
        &self.0
    }
}

/// One store method's connection.
#[derive(Debug)]
pub(crate) struct Lease<'a> {
    connections: &'a Connections,
    held: Mutex<Option<Taken>>,
}

impl Lease<'_> {
    fn held(&self) -> std::sync::MutexGuard<'_, Option<Taken>> {
        self.held.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn take(&self) -> Result<Taken, sqlx::Error> {
        let held = self.held().take();
        match held {
            Some(taken) => Ok(taken),
            None => self.connections.take().await,
        }
    }

    /// Keeps the connection for the method's next statement, unless `outcome` broke it.
    fn put<T>(&self, taken: Taken, outcome: &Result<T, sqlx::Error>) {
        if outcome.as_ref().err().is_none_or(keeps) {
            *self.held() = Some(taken);
        }
    }

    /// Opens a transaction on the lease's connection.
    pub(crate) async fn begin(&self) -> Result<Tx<'_, '_>, sqlx::Error> {
        let mut taken = self.take().await?;
        let begun = taken.conn.execute("BEGIN").await.map(|_| ());
        match begun {
            Ok(()) => Ok(Tx {
                lease: self,
                taken: Some(taken),
            }),
            Err(e) => {
                if keeps(&e) {
                    *self.held() = Some(taken);
                }
                Err(e)
            }
        }
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(taken) = self.held().take() {
            self.connections.give_back(taken);
        }
    }
}

/// A transaction on a lease's connection: `&mut *tx` runs statements in it.
pub(crate) struct Tx<'l, 'a> {
    lease: &'l Lease<'a>,
    taken: Option<Taken>,
}

impl Tx<'_, '_> {
    async fn end(mut self, commit: bool) -> Result<(), sqlx::Error> {
        let Some(mut taken) = self.taken.take() else {
            return Err(sqlx::Error::Protocol("the transaction has ended".into()));
        };
        // Once PostgreSQL has answered either, the session is outside a transaction (a failed
        // COMMIT rolls back).
        let end = if commit { "COMMIT" } else { "ROLLBACK" };
        let outcome = taken.conn.execute(end).await.map(|_| ());
        self.lease.put(taken, &outcome);
        outcome
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        self.end(true).await
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        self.end(false).await
    }
}

impl std::ops::Deref for Tx<'_, '_> {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        // Present until `commit` or `rollback` consumes the transaction.
        #[allow(clippy::unwrap_used)]
        &self.taken.as_ref().unwrap().conn
    }
}

impl std::ops::DerefMut for Tx<'_, '_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        #[allow(clippy::unwrap_used)]
        &mut self.taken.as_mut().unwrap().conn
    }
}

// Dropped while open: the connection (and with it the transaction) is closed, see the module
// documentation. `Taken`'s own drop does that.

/// The rows of a statement, read in full before the first is given (the store's statements
/// return a few rows), so the connection is back in the lease before the caller sees them.
struct Rows<'e> {
    pending: Option<BoxFuture<'e, Result<Vec<Item>, sqlx::Error>>>,
    rows: std::vec::IntoIter<Item>,
}

type Item = Either<PgQueryResult, PgRow>;

impl Stream for Rows<'_> {
    type Item = Result<Item, sqlx::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if let Some(pending) = self.pending.as_mut() {
            match pending.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(e)) => {
                    self.pending = None;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(Ok(rows)) => {
                    self.pending = None;
                    self.rows = rows.into_iter();
                }
            }
        }
        Poll::Ready(self.rows.next().map(Ok))
    }
}

impl<'c> Executor<'c> for &'c Lease<'_> {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(self, query: E) -> BoxStream<'e, Result<Item, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let pending: BoxFuture<'e, _> = Box::pin(async move {
            let mut taken = self.take().await?;
            let mut rows = Vec::new();
            let outcome = {
                let mut stream = taken.conn.fetch_many(query);
                loop {
                    match std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
                        Some(Ok(item)) => rows.push(item),
                        Some(Err(e)) => break Err(e),
                        None => break Ok(()),
                    }
                }
            };
            self.put(taken, &outcome);
            outcome.map(|()| rows)
        });
        Box::pin(Rows {
            pending: Some(pending),
            rows: Vec::new().into_iter(),
        })
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        Box::pin(async move {
            let mut taken = self.take().await?;
            let outcome = taken.conn.fetch_optional(query).await;
            self.put(taken, &outcome);
            outcome
        })
    }

    fn prepare_with<'e>(
        self,
        sql: SqlStr,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement, sqlx::Error>>
    where
        'c: 'e,
    {
        Box::pin(async move {
            let mut taken = self.take().await?;
            let outcome = taken.conn.prepare_with(sql, parameters).await;
            self.put(taken, &outcome);
            outcome
        })
    }

    fn describe<'e>(
        self,
        sql: SqlStr,
    ) -> BoxFuture<'e, Result<sqlx::Describe<Postgres>, sqlx::Error>>
    where
        'c: 'e,
    {
        Box::pin(async move {
            let mut taken = self.take().await?;
            let outcome = taken.conn.describe(sql).await;
            self.put(taken, &outcome);
            outcome
        })
    }
}
