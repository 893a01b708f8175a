//! The SQLite engine: connections used in place, writes committed in groups.
//!
//! A query through a connection pool that owns a thread per connection costs two thread
//! switches; a request made of several queries paid that several times, and it was most of the
//! server's CPU. Here a statement runs on the thread that asks for it:
//!
//! - **Reads** take a connection from a small pool of read-only connections and run in place
//!   (WAL lets readers run beside the writer; a read sees what was committed).
//! - **Writes** take the one writer connection (an async mutex, so a waiting request never
//!   blocks a runtime thread), run inside a savepoint of the transaction that is open for the
//!   current *group*, and then wait until that group is committed. A dedicated thread commits
//!   the group (`COMMIT` with `synchronous=FULL`, so an answered write survives a power loss)
//!   while the next writers queue; everything that arrived during one fsync is committed by the
//!   next. A write that fails rolls back to its savepoint and leaves the rest of the group alone;
//!   a commit that fails fails every write of its group, none of which was answered yet.
//!
//! The statements are the same text as PostgreSQL's (see `sql.rs`): this module offers the small
//! part of the sqlx query API that they use (`query`, `query_as`, `bind`, `execute`,
//! `fetch_optional`, `fetch_one`, `fetch_all`, `begin`/`commit`/`rollback`) over rusqlite, binding
//! `$n` placeholders by number as sqlx does. Its futures are always ready: nothing in a store
//! method yields between its statements.

use std::future::{Ready, ready};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, mpsc};
use std::time::Duration;

use rusqlite::types::{FromSql, ToSql};
use rusqlite::{Connection, OpenFlags};
use sigil_core::store::StoreError;

/// The marker type for `query_as::<Lite, _>` (sqlx takes the database type there).
pub(crate) struct Lite;

/// A SQLite connection. Behind a mutex that is never contended (it belongs to one guard at a
/// time), so a reference to it may cross an `.await` of a store method.
pub(crate) struct Db {
    conn: Mutex<Connection>,
    /// On the writer: a write's savepoint is open and no statement has run in it yet, so a
    /// `begin` there is that savepoint (see [`Db::begin`]).
    fresh_write: AtomicBool,
}

impl Db {
    fn new(conn: Connection) -> Self {
        Self {
            conn: Mutex::new(conn),
            fresh_write: AtomicBool::new(false),
        }
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection as SQLite left it.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs the `;`-separated statements of `sql`, none returning rows. They are the engine's
    /// own few (`BEGIN IMMEDIATE`, `SAVEPOINT`, `RELEASE`, `ROLLBACK TO`, `COMMIT`), run for every
    /// write, so each is prepared once per connection and kept, not parsed again each time.
    fn batch(&self, sql: &str) -> Result<(), rusqlite::Error> {
        let conn = self.conn();
        for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            conn.prepare_cached(statement)?.execute([])?;
        }
        Ok(())
    }

    /// Opens a nested unit of work (a savepoint), as sqlx's `begin` on a connection does.
    ///
    /// A store method that begins its transaction first thing would open a second savepoint at
    /// the very point where its write's own began: two statements more per write, and nothing
    /// they could undo that the write's savepoint does not. There the write's savepoint serves
    /// as the transaction: `commit` leaves it to the write's end, `rollback` returns to it.
    pub(crate) fn begin(&self) -> Ready<Result<Tx<'_>, rusqlite::Error>> {
        let shared = self.fresh_write.swap(false, Ordering::Relaxed);
        let opened = if shared {
            Ok(())
        } else {
            self.batch("SAVEPOINT tx")
        };
        ready(opened.map(|()| Tx {
            conn: TxConn(self),
            open: true,
            shared,
        }))
    }
}

/// A savepoint; rolled back if dropped before `commit`.
pub(crate) struct Tx<'a> {
    conn: TxConn<'a>,
    open: bool,
    /// The transaction is its write's own savepoint, which the write's end releases.
    shared: bool,
}

/// What `&mut *tx` gives: the connection the savepoint is on.
pub(crate) struct TxConn<'a>(&'a Db);

impl<'a> Deref for Tx<'a> {
    type Target = TxConn<'a>;
    fn deref(&self) -> &TxConn<'a> {
        &self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.conn
    }
}

impl Tx<'_> {
    pub(crate) fn commit(mut self) -> Ready<Result<(), rusqlite::Error>> {
        self.open = false;
        ready(if self.shared {
            Ok(())
        } else {
            self.conn.0.batch("RELEASE tx")
        })
    }

    pub(crate) fn rollback(mut self) -> Ready<Result<(), rusqlite::Error>> {
        self.open = false;
        ready(self.undo())
    }

    /// Undoes the transaction. On the write's savepoint `ROLLBACK TO` keeps it open, as the
    /// write's end expects, and the write is fresh again (a retry may begin there once more).
    fn undo(&self) -> Result<(), rusqlite::Error> {
        if self.shared {
            self.conn.0.batch("ROLLBACK TO write")?;
            self.conn.0.fresh_write.store(true, Ordering::Relaxed);
            Ok(())
        } else {
            self.conn.0.batch("ROLLBACK TO tx; RELEASE tx")
        }
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.undo();
        }
    }
}

/// Where a statement runs.
pub(crate) trait Exec {
    fn db(&self) -> &Db;
}

impl Exec for &Db {
    fn db(&self) -> &Db {
        self
    }
}

impl Exec for &mut TxConn<'_> {
    fn db(&self) -> &Db {
        self.0
    }
}

/// What `execute` reports.
pub(crate) struct Done(u64);

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

type Param<'a> = Box<dyn ToSql + Send + 'a>;

/// A statement and its parameters.
pub(crate) struct Query<'a> {
    sql: &'a str,
    params: Vec<Param<'a>>,
}

/// A statement whose rows are read as `T`.
pub(crate) struct QueryAs<'a, T> {
    query: Query<'a>,
    row: std::marker::PhantomData<fn() -> T>,
}

pub(crate) fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        params: Vec::new(),
    }
}

pub(crate) fn query_as<D, T: FromRow>(sql: &str) -> QueryAs<'_, T> {
    let _: Option<D> = None;
    QueryAs {
        query: query(sql),
        row: std::marker::PhantomData,
    }
}

impl<'a> Query<'a> {
    pub(crate) fn bind<V: ToSql + Send + 'a>(mut self, value: V) -> Self {
        self.params.push(Box::new(value));
        self
    }

    pub(crate) fn execute(self, on: impl Exec) -> Ready<Result<Done, rusqlite::Error>> {
        ready(self.run(on.db(), |_| Ok(())).map(Done))
    }

    /// Prepares (cached), binds `$n` by number, steps through every row giving each to `each`,
    /// and returns what `each` collected with the number of rows the statement changed.
    fn run(
        &self,
        db: &Db,
        mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<(), rusqlite::Error>,
    ) -> Result<u64, rusqlite::Error> {
        db.fresh_write.store(false, Ordering::Relaxed);
        let conn = db.conn();
        let mut statement = conn.prepare_cached(self.sql)?;
        for index in 1..=statement.parameter_count() {
            // `$3` is the third value wherever it appears; SQLite numbers named parameters in
            // order of first appearance, so the name decides.
            let number = statement
                .parameter_name(index)
                .and_then(|name| name.strip_prefix('$').or_else(|| name.strip_prefix('?')))
                .and_then(|digits| digits.parse::<usize>().ok())
                .unwrap_or(index);
            let value = number
                .checked_sub(1)
                .and_then(|i| self.params.get(i))
                .ok_or(rusqlite::Error::InvalidParameterCount(
                    number,
                    self.params.len(),
                ))?;
            statement.raw_bind_parameter(index, value)?;
        }
        let mut rows = statement.raw_query();
        while let Some(row) = rows.next()? {
            each(row)?;
        }
        drop(rows);
        Ok(conn.changes())
    }
}

impl<'a, T: FromRow> QueryAs<'a, T> {
    pub(crate) fn bind<V: ToSql + Send + 'a>(mut self, value: V) -> Self {
        self.query = self.query.bind(value);
        self
    }

    fn rows(&self, db: &Db, limit: Option<usize>) -> Result<Vec<T>, rusqlite::Error> {
        let mut out = Vec::new();
        self.query.run(db, |row| {
            if limit.is_none_or(|l| out.len() < l) {
                out.push(T::from_row(row)?);
            }
            Ok(())
        })?;
        Ok(out)
    }

    pub(crate) fn fetch_all(self, on: impl Exec) -> Ready<Result<Vec<T>, rusqlite::Error>> {
        ready(self.rows(on.db(), None))
    }

    pub(crate) fn fetch_optional(self, on: impl Exec) -> Ready<Result<Option<T>, rusqlite::Error>> {
        ready(
            self.rows(on.db(), Some(1))
                .map(|rows| rows.into_iter().next()),
        )
    }

    pub(crate) fn fetch_one(self, on: impl Exec) -> Ready<Result<T, rusqlite::Error>> {
        ready(self.rows(on.db(), Some(1)).and_then(|rows| {
            rows.into_iter()
                .next()
                .ok_or(rusqlite::Error::QueryReturnedNoRows)
        }))
    }
}

/// A row read into a tuple, column by column.
pub(crate) trait FromRow: Sized {
    fn from_row(row: &rusqlite::Row<'_>) -> Result<Self, rusqlite::Error>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromSql),+> FromRow for ($($t,)+) {
            fn from_row(row: &rusqlite::Row<'_>) -> Result<Self, rusqlite::Error> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16, R 17);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16, R 17, S 18);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16, R 17, S 18, T 19);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16, R 17, S 18, T 19, U 20);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16, R 17, S 18, T 19, U 20, V 21);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16, R 17, S 18, T 19, U 20, V 21, W 22);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15, Q 16, R 17, S 18, T 19, U 20, V 21, W 22, X 23);

/// Statements per connection kept prepared (the store has about 120 distinct statements).
const PREPARED_STATEMENTS: usize = 192;
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a group gathers writes before its commit when the previous group held at least
/// `COMMIT_SIBLINGS` writes and ended less than `COMMIT_RECENT` ago (PostgreSQL's `commit_delay`
/// and `commit_siblings`, for the same reason). BENCHMARKS.md, "Larger groups, fewer pages per
/// commit": at 16 concurrent wallets it cut fsyncs per flow from 0.54 to 0.36.
const COMMIT_DELAY: Duration = Duration::from_micros(500);
const COMMIT_SIBLINGS: usize = 2;
const COMMIT_RECENT: Duration = Duration::from_millis(2);

fn open(path: &Path, read_only: bool) -> Result<Connection, rusqlite::Error> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(PREPARED_STATEMENTS);
    // WAL was set (persistently) when the file was migrated. FULL: a commit is on disk before
    // it is answered. No memory map (`mmap_size`): it saved about two `pread`s per flow, but as
    // the file grows every connection maps it again (0.6 `mmap` and `munmap` per flow under load,
    // page faults 1.5 -> 3.6 per flow), and an unmap interrupts every core.
    // `temp_store = MEMORY`: a write's savepoint keeps the pages it changes in a sub-journal,
    // which SQLite moves to a temporary file once a group's passes 64 KiB (an open, an unlink
    // and a `pwrite` per page, about 115 files a second under load). In memory it stays
    // bounded by the group, which is bounded by what arrives during one commit.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA temp_store = MEMORY;",
    )?;
    Ok(conn)
}

/// The writer: its connection, whether a group's transaction is open, how many writes it holds,
/// and the channel on which that group's outcome will be announced.
struct Writer {
    db: Db,
    open: bool,
    writes: usize,
    group: tokio::sync::watch::Sender<Option<Result<(), String>>>,
}

impl Writer {
    /// Commits the open group (if any), announces its outcome to the writes waiting on it, and
    /// says how many writes it held.
    fn commit(&mut self) -> usize {
        if !self.open {
            return 0;
        }
        let writes = self.writes;
        let outcome = self.db.batch("COMMIT").map_err(|e| {
            let _ = self.db.batch("ROLLBACK");
            e.to_string()
        });
        self.end_group(outcome);
        writes
    }

    fn end_group(&mut self, outcome: Result<(), String>) {
        self.open = false;
        self.writes = 0;
        let (next, _) = tokio::sync::watch::channel(None);
        std::mem::replace(&mut self.group, next).send_replace(Some(outcome));
    }
}

/// The SQLite engine's connections.
pub(crate) struct Engine {
    path: PathBuf,
    readers: Mutex<Vec<Db>>,
    writer: Arc<tokio::sync::Mutex<Writer>>,
    // Wakes the commit thread; dropping the engine ends it.
    commits: mpsc::Sender<()>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Opens the writer and starts the commit thread. The file must exist and be migrated.
    pub(crate) fn open(path: &Path) -> Result<Self, StoreError> {
        let writer = Arc::new(tokio::sync::Mutex::new(Writer {
            db: Db::new(open(path, false).map_err(map_err)?),
            open: false,
            writes: 0,
            group: tokio::sync::watch::channel(None).0,
        }));
        let (commits, wakes) = mpsc::channel::<()>();
        let committing = Arc::clone(&writer);
        std::thread::Builder::new()
            .name("sigil-sqlite-commit".into())
            .spawn(move || {
                let (mut last_group, mut last_end) = (0, std::time::Instant::now());
                while wakes.recv().is_ok() {
                    // Under concurrent writes, let the group gather a little longer: each
                    // commit costs an fsync and writes every page the group changed, so fewer,
                    // larger groups cost less CPU per write. A write that comes alone, or after
                    // a quiet moment, is committed at once.
                    if last_group >= COMMIT_SIBLINGS && last_end.elapsed() < COMMIT_RECENT {
                        std::thread::sleep(COMMIT_DELAY);
                    }
                    // Wakes that arrived while the last group was committing are this group.
                    while wakes.try_recv().is_ok() {}
                    last_group = committing.blocking_lock().commit();
                    last_end = std::time::Instant::now();
                }
            })
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        Ok(Self {
            path: path.to_path_buf(),
            readers: Mutex::new(Vec::new()),
            writer,
            commits,
        })
    }

    /// A read connection (opened on first need; as many as there are threads reading at once).
    pub(crate) fn reader(&self) -> Result<ReadGuard<'_>, StoreError> {
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let db = match pooled {
            Some(db) => db,
            None => Db::new(open(&self.path, true).map_err(map_err)?),
        };
        Ok(ReadGuard {
            engine: self,
            db: Some(db),
        })
    }

    /// The writer, inside the open group's transaction and a savepoint of its own.
    pub(crate) async fn writer(&self) -> Result<WriteGuard<'_>, StoreError> {
        let mut writer = self.writer.lock().await;
        if !writer.open {
            writer.db.batch("BEGIN IMMEDIATE").map_err(map_err)?;
            writer.open = true;
        }
        if let Err(e) = writer.db.batch("SAVEPOINT write") {
            drop(writer);
            let _ = self.commits.send(());
            return Err(map_err(e));
        }
        writer.writes += 1;
        writer.db.fresh_write.store(true, Ordering::Relaxed);
        Ok(WriteGuard { writer })
    }

    /// Ends a write: keeps or undoes its savepoint, then (if kept) waits for its group's commit.
    pub(crate) async fn finish<T>(
        &self,
        guard: WriteGuard<'_>,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut writer = guard.writer;
        writer.db.fresh_write.store(false, Ordering::Relaxed);
        let kept = match &result {
            Ok(_) => writer.db.batch("RELEASE write"),
            Err(_) => writer.db.batch("ROLLBACK TO write; RELEASE write"),
        };
        let mut outcome = writer.group.subscribe();
        // An error that ended the whole transaction (I/O, disk full) took the group's earlier
        // writes with it: they must not be answered as done (this write's waiter hears it too).
        if writer.db.conn().is_autocommit() && writer.open {
            writer.end_group(Err("the transaction was rolled back".into()));
        }
        drop(writer);
        let _ = self.commits.send(());
        // A failed write waits for its group too: a unique violation may be against a row another
        // write of the same group made, and the caller's next read (on a read connection) must
        // see that row.
        let committed = outcome
            .wait_for(Option::is_some)
            .await
            .map_err(|_| StoreError::Backend("the commit thread stopped".into()))?
            .clone();
        let value = result?;
        kept.map_err(map_err)?;
        match committed {
            Some(Ok(())) => Ok(value),
            Some(Err(e)) => Err(StoreError::Backend(format!("commit failed: {e}"))),
            None => Err(StoreError::Backend("commit outcome missing".into())),
        }
    }
}

/// A read connection, returned to the pool when dropped.
pub(crate) struct ReadGuard<'a> {
    engine: &'a Engine,
    db: Option<Db>,
}

impl Deref for ReadGuard<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        // Present from construction until drop.
        #[allow(clippy::unwrap_used)]
        self.db.as_ref().unwrap()
    }
}

impl Drop for ReadGuard<'_> {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            self.engine
                .readers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(db);
        }
    }
}

/// The writer, held for one store method.
pub(crate) struct WriteGuard<'a> {
    writer: tokio::sync::MutexGuard<'a, Writer>,
}

impl Deref for WriteGuard<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        &self.writer.db
    }
}

/// Maps a rusqlite error, turning unique violations into [`StoreError::Conflict`].
pub(crate) fn map_err(error: rusqlite::Error) -> StoreError {
    use rusqlite::ffi;
    match &error {
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
                || e.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StoreError::Conflict("unique".into())
        }
        _ => StoreError::Backend(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dollar_placeholders_bind_by_number_wherever_they_appear() {
        let conn = Connection::open_in_memory().unwrap();
        let db = Db::new(conn);
        let row = query_as::<Lite, (i64, String)>("SELECT $2, $1")
            .bind("one")
            .bind(2_i64)
            .rows(&db, None)
            .unwrap();
        assert_eq!(row, vec![(2, "one".to_string())]);
    }

    fn engine() -> (tempfile::TempDir, Arc<Engine>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);",
        )
        .unwrap();
        drop(conn);
        (dir, Arc::new(Engine::open(&path).unwrap()))
    }

    async fn insert(engine: &Engine, id: i64) -> Result<(), StoreError> {
        let guard = engine.writer().await?;
        let result = query("INSERT INTO t (id, v) VALUES ($1, 'x')")
            .bind(id)
            .execute(&*guard)
            .await
            .map(|_| ())
            .map_err(map_err);
        engine.finish(guard, result).await
    }

    /// A write is answered only once it is committed: another connection sees it at once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_answered_write_is_committed() {
        let (dir, engine) = engine();
        let other = Connection::open(dir.path().join("t.db")).unwrap();
        for id in 0..200 {
            insert(&engine, id).await.unwrap();
            let seen: i64 = other
                .query_row("SELECT COUNT(*) FROM t WHERE id = ?1", [id], |r| r.get(0))
                .unwrap();
            assert_eq!(seen, 1, "write {id} answered before its commit");
        }
    }

    /// A write refused for a row another write of its group made returns once that row is
    /// committed, so a read right after it finds the row.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_conflict_is_answered_once_the_winner_is_readable() {
        let (_dir, engine) = engine();
        for id in 0..20_i64 {
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let engine = Arc::clone(&engine);
                tasks.push(tokio::spawn(async move {
                    match insert(&engine, id).await {
                        Err(StoreError::Conflict(_)) => {
                            let reader = engine.reader().unwrap();
                            query_as::<Lite, (i64,)>("SELECT id FROM t WHERE id = $1")
                                .bind(id)
                                .rows(&reader, None)
                                .unwrap()
                                .len()
                        }
                        other => {
                            other.unwrap();
                            1
                        }
                    }
                }));
            }
            for task in tasks {
                assert_eq!(
                    task.await.unwrap(),
                    1,
                    "the winning row of {id} is readable"
                );
            }
        }
    }

    /// A transaction a write begins first thing is the write's own savepoint: rolled back it
    /// undoes only its statements and may be begun again; committed, it is kept with the write,
    /// and undone with it when the write fails. One begun after a statement is a savepoint of
    /// its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_transaction_begun_first_is_the_writes_savepoint() {
        let (_dir, engine) = engine();
        let insert_in = |tx: &mut Tx<'_>, id: i64| {
            query("INSERT INTO t (id, v) VALUES ($1, 'x')")
                .bind(id)
                .execute(&mut **tx)
                .into_inner()
                .unwrap();
        };
        // Begun first, rolled back, begun again (as a retry does) and committed.
        let guard = engine.writer().await.unwrap();
        let mut tx = guard.begin().into_inner().unwrap();
        assert!(tx.shared);
        insert_in(&mut tx, 1);
        tx.rollback().into_inner().unwrap();
        let mut tx = guard.begin().into_inner().unwrap();
        assert!(tx.shared, "after a rollback the write is fresh again");
        insert_in(&mut tx, 2);
        tx.commit().into_inner().unwrap();
        // A statement after the transaction, then another transaction: a savepoint of its own,
        // dropped without commit.
        query("INSERT INTO t (id, v) VALUES (3, 'x')")
            .execute(&*guard)
            .into_inner()
            .unwrap();
        let mut tx = guard.begin().into_inner().unwrap();
        assert!(!tx.shared);
        insert_in(&mut tx, 4);
        drop(tx);
        engine.finish(guard, Ok(())).await.unwrap();
        // Begun first and committed, but the write fails: all of it is undone.
        let guard = engine.writer().await.unwrap();
        let mut tx = guard.begin().into_inner().unwrap();
        insert_in(&mut tx, 5);
        tx.commit().into_inner().unwrap();
        let failed: Result<(), StoreError> = Err(StoreError::Conflict("later".into()));
        assert!(engine.finish(guard, failed).await.is_err());
        let reader = engine.reader().unwrap();
        let stored = query_as::<Lite, (i64,)>("SELECT id FROM t ORDER BY id")
            .rows(&reader, None)
            .unwrap();
        assert_eq!(stored, vec![(2,), (3,)]);
    }

    /// Concurrent writes share commits; a failing one is undone alone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writes_commit_together_and_fail_alone() {
        let (_dir, engine) = engine();
        let mut tasks = Vec::new();
        for id in 0..64_i64 {
            let engine = Arc::clone(&engine);
            // Every eighth write repeats an id: a unique violation inside someone's group.
            let id = if id % 8 == 7 { id - 1 } else { id };
            tasks.push(tokio::spawn(async move { (id, insert(&engine, id).await) }));
        }
        let mut ok = std::collections::BTreeSet::new();
        let mut conflicts = 0;
        for task in tasks {
            match task.await.unwrap() {
                (id, Ok(())) => assert!(ok.insert(id)),
                (_, Err(StoreError::Conflict(_))) => conflicts += 1,
                (_, Err(e)) => panic!("unexpected {e}"),
            }
        }
        assert_eq!(conflicts, 8);
        let reader = engine.reader().unwrap();
        let stored = query_as::<Lite, (i64,)>("SELECT id FROM t ORDER BY id")
            .rows(&reader, None)
            .unwrap();
        let stored: std::collections::BTreeSet<i64> = stored.into_iter().map(|r| r.0).collect();
        assert_eq!(stored, ok, "exactly the writes answered Ok are stored");
    }
}
