use std::collections::BTreeMap;
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use sigil::Server;
use sigil::config::{self, Config};
use sigil_testkit::{Engine, TestDatabase};

/// Expands each test function (taking an `Engine`) into `sqlite` and `postgres` variants.
#[macro_export]
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(sigil_testkit::Engine::Sqlite).await; })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(sigil_testkit::Engine::Postgres).await; })*
        }
    };
}

/// A running Sigil with its own database and data directory.
pub struct TestApp {
    pub server: Option<Server>,
    pub base: String,
    pub token: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
    pub config: Config,
}

/// A configuration for a test: port 0, the test database, the test data directory.
pub fn test_config(db: &TestDatabase, extra: &[(&'static str, &str)]) -> Config {
    let data_dir = db.path().join("data");
    let mut overrides: BTreeMap<&'static str, String> = BTreeMap::new();
    overrides.insert("server.listen", "127.0.0.1:0".into());
    overrides.insert("storage.data_dir", data_dir.display().to_string());
    overrides.insert("database.url", db.url.clone());
    // Suites that race one code from a hundred requests test the race, not the limiter; the
    // rate-limit tests turn it back on.
    overrides.insert("rate_limit.enabled", "false".into());
    for (k, v) in extra {
        overrides.insert(k, v.to_string());
    }
    config::load(None, &|_| None, &overrides).expect("test configuration")
}

pub async fn spawn_app(engine: Engine) -> TestApp {
    spawn_app_with(engine, &[]).await
}

pub async fn spawn_app_with(engine: Engine, extra: &[(&'static str, &str)]) -> TestApp {
    spawn_app_with_ports(engine, extra, sigil::Ports::default()).await
}

/// A Sigil whose clock or key provider the test replaces.
pub async fn spawn_app_with_ports(
    engine: Engine,
    extra: &[(&'static str, &str)],
    ports: sigil::Ports,
) -> TestApp {
    let db = TestDatabase::new(engine).await;
    let config = test_config(&db, extra);
    let server = Server::start_with(&config, ports)
        .await
        .expect("server starts");
    let token = server
        .initial_admin_token
        .as_ref()
        .map(|t| t.expose().to_string())
        .expect("a fresh deployment creates an initial admin token");
    TestApp {
        base: format!("http://{}", server.public_addr),
        server: Some(server),
        token,
        client: reqwest::Client::new(),
        db,
        config,
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl TestApp {
    /// Stops the server and starts a new one on the same data directory and database.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.shutdown().await;
        }
        let server = Server::start(&self.config).await.expect("server restarts");
        assert!(
            server.initial_admin_token.is_none(),
            "the initial token is created once only"
        );
        self.base = format!("http://{}", server.public_addr);
        self.server = Some(server);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.config.data_dir.clone()
    }

    /// An admin request with a JSON body (or none).
    pub async fn admin(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        reply(req).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.admin(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.admin(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.admin(Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.admin(Method::DELETE, path, None).await
    }

    /// A request with a raw body and content type, with the admin token.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Reply {
        reply(
            self.client
                .request(method, self.url(path))
                .bearer_auth(&self.token)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }
}

pub async fn reply(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.expect("request sent");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body read");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// Asserts a 400 in seed 002's shape naming `param` at `location`.
#[track_caller]
pub fn assert_bad_request(reply: &Reply, param: &str, location: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.body["code"], "BadRequest", "{}", reply.text);
    assert_eq!(reply.body["message"], "Validation Error", "{}", reply.text);
    let details = reply.body["details"].as_array().expect("details array");
    assert!(
        details
            .iter()
            .any(|d| d["param"] == param && d["location"] == location),
        "expected a detail for {param} in {location}: {}",
        reply.text
    );
    for d in details {
        for field in ["value", "msg", "param", "location"] {
            assert!(
                d.get(field).is_some(),
                "detail lacks {field}: {}",
                reply.text
            );
        }
        assert_eq!(
            d.as_object().unwrap().len(),
            4,
            "detail has exactly four fields: {}",
            reply.text
        );
    }
}

/// Asserts an error in seed 002's shape with this status and code.
#[track_caller]
pub fn assert_error(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.body["code"], code, "{}", reply.text);
    assert!(
        reply.body["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{}",
        reply.text
    );
    assert!(reply.body["details"].is_array(), "{}", reply.text);
}

/// Asserts an OAuth error response (RFC 6749 §5.2 / RFC 6750 §3): status, `error`, no-store, and
/// on 401 a `WWW-Authenticate` challenge naming the error.
#[track_caller]
pub fn assert_oauth(reply: &Reply, status: StatusCode, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.body["error"], error, "{}", reply.text);
    assert_eq!(reply.headers["cache-control"], "no-store", "{}", reply.text);
    if status == StatusCode::UNAUTHORIZED {
        let challenge = reply.headers["www-authenticate"].to_str().unwrap();
        assert!(
            challenge.contains(&format!("error=\"{error}\"")),
            "{challenge}"
        );
    }
}
