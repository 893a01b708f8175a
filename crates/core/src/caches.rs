//! Small in-process caches for outbound work: the provider's discovery document and JWKS, and
//! claims-source client-credentials tokens. Every entry has an expiry; a miss just refetches.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

/// How long discovery documents and key sets are reused, seconds.
pub const PROVIDER_CACHE_SECS: i64 = 300;

type Entries<T> = Mutex<HashMap<String, (T, i64)>>;

/// The caches, shared by all requests of one process.
#[derive(Debug, Default)]
pub struct Caches {
    documents: Entries<Value>,
    tokens: Entries<String>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Caches {
    /// A cached JSON document fetched from `url`, while fresh.
    pub fn document(&self, url: &str, now: i64) -> Option<Value> {
        lock(&self.documents)
            .get(url)
            .filter(|(_, until)| *until > now)
            .map(|(v, _)| v.clone())
    }

    /// Caches a JSON document.
    pub fn store_document(&self, url: &str, value: &Value, now: i64) {
        let mut map = lock(&self.documents);
        map.retain(|_, (_, until)| *until > now);
        map.insert(url.to_string(), (value.clone(), now + PROVIDER_CACHE_SECS));
    }

    /// Drops a cached document (a key set missing the token's `kid`).
    pub fn forget_document(&self, url: &str) {
        lock(&self.documents).remove(url);
    }

    /// A claims source's cached access token, while valid.
    pub fn client_credentials(&self, source_id: &str, now: i64) -> Option<String> {
        lock(&self.tokens)
            .get(source_id)
            .filter(|(_, until)| *until > now)
            .map(|(t, _)| t.clone())
    }

    /// Caches a claims source's access token until `until`.
    pub fn store_client_credentials(&self, source_id: &str, token: &str, until: i64) {
        lock(&self.tokens).insert(source_id.to_string(), (token.to_string(), until));
    }

    /// Forgets a claims source's token (its configuration changed).
    pub fn forget_client_credentials(&self, source_id: &str) {
        lock(&self.tokens).remove(source_id);
    }
}
