//! Test support shared by the crates' integration tests: a fresh, empty database per test.
//!
//! PostgreSQL tests need `SIGIL_TEST_POSTGRES_URL` (a role allowed to `CREATE DATABASE`);
//! `scripts/test` starts a throwaway cluster and sets it. Without it the PostgreSQL tests fail
//! with that instruction: they are never silently skipped.
#![allow(clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

use std::path::PathBuf;

use sqlx::Connection as _;

/// The variable naming the PostgreSQL server for tests.
pub const POSTGRES_ENV: &str = "SIGIL_TEST_POSTGRES_URL";

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A SQLite file in a temporary directory.
    Sqlite,
    /// A new database on the test PostgreSQL server.
    Postgres,
}

/// A fresh database; the SQLite directory is removed when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    /// A URL Sigil accepts as `database.url`.
    pub url: String,
    /// The directory holding the SQLite file (and usable as a data directory).
    pub dir: tempfile::TempDir,
}

impl TestDatabase {
    /// A fresh, empty database on `engine`.
    pub async fn new(engine: Engine) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let url = match engine {
            Engine::Sqlite => format!("sqlite://{}", dir.path().join("sigil.db").display()),
            Engine::Postgres => fresh_postgres_database().await,
        };
        Self { url, dir }
    }

    /// The temporary directory's path.
    pub fn path(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// Creates a new, uniquely named database on the test server and returns its URL.
pub async fn fresh_postgres_database() -> String {
    let admin = std::env::var(POSTGRES_ENV).unwrap_or_else(|_| {
        panic!(
            "{POSTGRES_ENV} is not set: PostgreSQL tests need a server. Run scripts/test (it starts one), \
             or set {POSTGRES_ENV}=postgres://USER:PASS@127.0.0.1:PORT/postgres"
        )
    });
    let name = format!("sigil_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to {POSTGRES_ENV}: {e}"));
    // The name is generated here (hex), never from input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    let mut url = url::Url::parse(&admin).expect("SIGIL_TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}
