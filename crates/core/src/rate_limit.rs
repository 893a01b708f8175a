//! Rate limits: how many requests one client address, one pre-authorized or authorization code,
//! one access token may make per minute, and how many admin authentication failures one address
//! may have. Beyond a limit the edge answers `429 Too Many Requests` with `Retry-After`.
//!
//! # The algorithm
//! A sliding window of one minute per bucket (a scope and a key): the estimate is this minute's
//! hits plus last minute's, weighted by how much of last minute still lies within the last 60 s.
//! A refused request is not counted, so a client that waits gets through again.
//!
//! # Several nodes, without the database in the request path
//! Each node counts in memory. Once a second ([`RateLimiter::sync`]) it adds the hits it counted
//! since the last sync to a shared table with one batched upsert, and learns from its result
//! each bucket's total over every node. A request is judged on the last known total plus the
//! hits counted here since, so a request never waits on the database, the database sees one
//! statement per node per second whatever the traffic, and N nodes can together exceed a limit
//! by at most what they admit in one sync interval.
//!
//! A bucket is shared from its second hit on a node ([`SHARED_FROM`]), counting this minute and
//! the last: a key a node has seen once is not written. Most keys are seen once: every flow
//! names its pre-authorized code at the token endpoint once and its access token at the
//! credential endpoint once, and writing those was two rows per flow, most of the sync's cost.
//! The price: each node admits one hit per key per minute that the others do not hear of, so N
//! nodes exceed a limit by at most N - 1 more (transaction-code guesses are capped in the
//! database as well, whatever the nodes count).
//!
//! Keys are hashed (SHA-256) before they are kept or stored: codes and tokens never leave the
//! process in clear, and an IPv6 address is keyed by its /64, which one client usually holds
//! whole.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use sigil_crypto::sha256;

use crate::clock::Clock;
use crate::store::{RateLimitHits, Store, StoreError};

/// The window, seconds.
pub const WINDOW: i64 = 60;
/// Buckets kept in memory at most; beyond, new buckets are not limited (and a warning is
/// logged) rather than evicting buckets that are being limited.
const MAX_BUCKETS: usize = 200_000;
/// Buckets pushed in one statement.
const SYNC_BATCH: usize = 1_000;
/// A bucket is shared once a node has counted this many hits in it (this window and the last).
pub const SHARED_FROM: i64 = 2;

/// What a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Token endpoint requests from one client address.
    TokenByAddress,
    /// Pushed authorization requests from one client address.
    ParByAddress,
    /// Nonce endpoint requests from one client address.
    NonceByAddress,
    /// Credential, deferred credential and notification requests from one client address.
    CredentialByAddress,
    /// Token requests naming one pre-authorized or authorization code (so at most that many
    /// transaction code guesses, before the stored failure cap).
    TokenByCode,
    /// Credential, deferred credential and notification requests with one access token.
    CredentialByToken,
    /// Failed admin authentications from one client address.
    AdminFailureByAddress,
}

impl Scope {
    fn tag(self) -> &'static [u8] {
        match self {
            Scope::TokenByAddress => b"token-address",
            Scope::ParByAddress => b"par-address",
            Scope::NonceByAddress => b"nonce-address",
            Scope::CredentialByAddress => b"credential-address",
            Scope::TokenByCode => b"token-code",
            Scope::CredentialByToken => b"credential-token",
            Scope::AdminFailureByAddress => b"admin-failure-address",
        }
    }
}

/// Limits per minute; `None` turns one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitSettings {
    /// Whether any limit applies.
    pub enabled: bool,
    /// Requests per minute from one address to each of the token, PAR, nonce and credential
    /// endpoint groups.
    pub per_address: u32,
    /// Token requests per minute naming one code.
    pub per_code: u32,
    /// Credential-endpoint requests per minute with one access token.
    pub per_token: u32,
    /// Failed admin authentications per minute from one address.
    pub admin_failures: u32,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            per_address: 3_000,
            per_code: 10,
            per_token: 60,
            admin_failures: 30,
        }
    }
}

impl RateLimitSettings {
    fn limit(&self, scope: Scope) -> u32 {
        match scope {
            Scope::TokenByAddress
            | Scope::ParByAddress
            | Scope::NonceByAddress
            | Scope::CredentialByAddress => self.per_address,
            Scope::TokenByCode => self.per_code,
            Scope::CredentialByToken => self.per_token,
            Scope::AdminFailureByAddress => self.admin_failures,
        }
    }
}

/// A refusal: try again after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// Seconds until the estimate falls below the limit.
    pub retry_after: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Bucket {
    /// Start of the current window (a multiple of [`WINDOW`]).
    window: i64,
    /// Every node's hits in the current window, as of the last sync.
    synced: i64,
    /// Hits counted here since the last sync.
    unsynced: i64,
    /// Every node's hits in the previous window (as last known).
    previous: i64,
    /// Hits of the previous window counted here and not yet synced (after a rollover).
    previous_unsynced: i64,
    /// Whether `previous` is every node's total, read back from the store. A node learns a
    /// window's total only by adding to it, so one that counted nothing here last minute (a
    /// client that moved to this node, or a bucket that rolled over) asks once, adding 0.
    previous_known: bool,
    /// Whether this node shares the bucket (from its [`SHARED_FROM`]th hit here); until then it
    /// neither adds to nor reads the stored totals.
    shared: bool,
}

impl Bucket {
    /// Moves the bucket to the window starting at `window`.
    fn roll(&mut self, window: i64) {
        if window == self.window {
            return;
        }
        if window == self.window + WINDOW {
            self.previous = self.synced + self.unsynced;
            if self.shared {
                // Kept until a sync pushes them (one may have failed).
                self.previous_unsynced += self.unsynced;
            } else {
                // Never pushed while unshared: last window's hits here, no more, so a key seen
                // once empties and is dropped after two windows.
                self.previous_unsynced = self.unsynced;
            }
        } else {
            self.previous = 0;
            self.previous_unsynced = 0;
        }
        self.window = window;
        self.synced = 0;
        self.unsynced = 0;
        self.previous_known = false;
    }

    /// The sliding-window estimate at `now` (hundredths, to stay in integers).
    fn estimate(&self, now: i64) -> i64 {
        let elapsed = (now - self.window).clamp(0, WINDOW);
        let current = (self.synced + self.unsynced) * 100;
        current + self.previous * 100 * (WINDOW - elapsed) / WINDOW
    }

    /// Seconds until one more request fits under `limit`.
    fn retry_after(&self, now: i64, limit: i64) -> u64 {
        let current = self.synced + self.unsynced;
        let room = limit - 1;
        let seconds = if current > room {
            // Only the next window helps, once this window's hits, weighing as the previous
            // window's, have decayed to `room`: current * (W - e) / W <= room.
            let decay = (WINDOW * (current - room) + current - 1) / current.max(1);
            self.window + WINDOW + decay - now
        } else if self.previous > room - current {
            // The previous window's weight must fall: previous * (W - e) / W <= room - current.
            let left = room - current;
            let needed = (WINDOW * (self.previous - left) + self.previous - 1) / self.previous;
            self.window + needed - now
        } else {
            1
        };
        u64::try_from(seconds.clamp(1, WINDOW * 2)).unwrap_or(1)
    }
}

/// The limiter of one node; shared by every request (cheap to clone).
#[derive(Debug, Clone)]
pub struct RateLimiter {
    settings: RateLimitSettings,
    clock: Arc<dyn Clock>,
    buckets: Arc<Mutex<HashMap<[u8; 32], Bucket>>>,
}

/// The key of an address: IPv4 whole, IPv6 by its /64, IPv4-mapped IPv6 as IPv4.
fn address_key(address: IpAddr) -> Vec<u8> {
    match address {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => v6.octets().get(..8).map(<[u8]>::to_vec).unwrap_or_default(),
        },
    }
}

impl RateLimiter {
    /// A limiter with these settings.
    pub fn new(settings: RateLimitSettings, clock: Arc<dyn Clock>) -> Self {
        Self {
            settings,
            clock,
            buckets: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// The settings in effect.
    pub fn settings(&self) -> &RateLimitSettings {
        &self.settings
    }

    /// How many buckets this node holds (at most 200,000; idle ones are dropped by
    /// [`RateLimiter::sync`] after two windows).
    pub fn buckets(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or(0)
    }

    fn bucket_id(scope: Scope, key: &[u8]) -> [u8; 32] {
        let mut input = scope.tag().to_vec();
        input.push(0);
        input.extend_from_slice(key);
        sha256(&input)
    }

    /// Counts one request of `scope` from `address`, or refuses it.
    pub fn check_address(&self, scope: Scope, address: IpAddr) -> Result<(), Limited> {
        self.check(scope, &address_key(address))
    }

    /// Whether `address` may try again to authenticate as an admin (failures are counted by
    /// [`RateLimiter::admin_failure`]).
    pub fn admin_may_try(&self, address: IpAddr) -> Result<(), Limited> {
        self.peek(Scope::AdminFailureByAddress, &address_key(address))
    }

    /// Counts a failed admin authentication from `address`.
    pub fn admin_failure(&self, address: IpAddr) {
        let _ = self.check(Scope::AdminFailureByAddress, &address_key(address));
    }

    /// Counts one request of `scope` for `key` (a code or a token: hashed here), or refuses it.
    pub fn check(&self, scope: Scope, key: &[u8]) -> Result<(), Limited> {
        self.judge(scope, key, true)
    }

    /// Whether a request of `scope` for `key` would be allowed, without counting it.
    pub fn peek(&self, scope: Scope, key: &[u8]) -> Result<(), Limited> {
        self.judge(scope, key, false)
    }

    fn judge(&self, scope: Scope, key: &[u8], count: bool) -> Result<(), Limited> {
        if !self.settings.enabled {
            return Ok(());
        }
        let limit = i64::from(self.settings.limit(scope));
        let id = Self::bucket_id(scope, key);
        let now = self.clock.now();
        let window = now - now.rem_euclid(WINDOW);
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if !buckets.contains_key(&id) {
            if !count {
                return Ok(());
            }
            if buckets.len() >= MAX_BUCKETS {
                tracing::warn!(
                    buckets = buckets.len(),
                    "rate limiter full: a new client is not limited until old buckets expire"
                );
                return Ok(());
            }
        }
        let bucket = buckets.entry(id).or_insert(Bucket {
            window,
            ..Bucket::default()
        });
        bucket.roll(window);
        if bucket.estimate(now) + 100 > limit * 100 {
            return Err(Limited {
                retry_after: bucket.retry_after(now, limit),
            });
        }
        if count {
            bucket.unsynced += 1;
        }
        Ok(())
    }

    /// Pushes the hits counted since the last sync to the store and takes back every node's
    /// totals; drops buckets idle for two windows. Called once a second by the server.
    pub async fn sync(&self, store: &dyn Store) -> Result<(), StoreError> {
        if !self.settings.enabled {
            return Ok(());
        }
        let now = self.clock.now();
        let window = now - now.rem_euclid(WINDOW);
        let mut pending: Vec<RateLimitHits> = Vec::new();
        if let Ok(mut buckets) = self.buckets.lock() {
            buckets.retain(|_, b| {
                b.roll(window);
                b.synced + b.unsynced + b.previous + b.previous_unsynced > 0
            });
            for (id, bucket) in buckets.iter_mut() {
                if !bucket.shared {
                    // Unshared, every hit it holds was counted here.
                    if bucket.unsynced + bucket.previous < SHARED_FROM {
                        continue;
                    }
                    bucket.shared = true;
                }
                if bucket.previous_unsynced > 0 || !bucket.previous_known {
                    pending.push(RateLimitHits {
                        bucket: id.to_vec(),
                        window: window - WINDOW,
                        hits: bucket.previous_unsynced,
                    });
                    bucket.previous_unsynced = 0;
                }
                if bucket.unsynced > 0 {
                    pending.push(RateLimitHits {
                        bucket: id.to_vec(),
                        window,
                        hits: bucket.unsynced,
                    });
                }
            }
        }
        for batch in pending.chunks(SYNC_BATCH) {
            let totals = store.add_rate_limit_hits(batch).await?;
            let Ok(mut buckets) = self.buckets.lock() else {
                continue;
            };
            for (sent, total) in batch.iter().zip(totals) {
                let Ok(id) = <[u8; 32]>::try_from(sent.bucket.as_slice()) else {
                    continue;
                };
                let Some(bucket) = buckets.get_mut(&id) else {
                    continue;
                };
                if sent.window == bucket.window {
                    // Hits counted while the statement ran stay unsynced.
                    bucket.unsynced = (bucket.unsynced - sent.hits).max(0);
                    bucket.synced = total;
                } else if sent.window == bucket.window - WINDOW {
                    bucket.previous = bucket.previous.max(total);
                    bucket.previous_known = true;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;

    fn limiter(per_code: u32) -> (RateLimiter, Arc<FixedClock>) {
        let clock = Arc::new(FixedClock::new(6_000));
        let settings = RateLimitSettings {
            per_code,
            ..RateLimitSettings::default()
        };
        (RateLimiter::new(settings, clock.clone()), clock)
    }

    #[test]
    fn a_bucket_admits_its_limit_then_refuses_with_a_retry_time() {
        let (limiter, clock) = limiter(10);
        for _ in 0..10 {
            assert_eq!(limiter.check(Scope::TokenByCode, b"code"), Ok(()));
        }
        let refused = limiter.check(Scope::TokenByCode, b"code").unwrap_err();
        assert!(
            refused.retry_after >= 60 && refused.retry_after <= 120,
            "{refused:?}"
        );
        // Another key, another scope: their own buckets.
        assert_eq!(limiter.check(Scope::TokenByCode, b"other"), Ok(()));
        assert_eq!(limiter.check(Scope::CredentialByToken, b"code"), Ok(()));
        // Half way through the next window, half of the last one still counts.
        clock.advance(90);
        assert_eq!(limiter.check(Scope::TokenByCode, b"code"), Ok(()));
        for _ in 0..4 {
            let _ = limiter.check(Scope::TokenByCode, b"code");
        }
        assert!(limiter.check(Scope::TokenByCode, b"code").is_err());
        // Two windows later everything is forgotten.
        clock.advance(150);
        assert_eq!(limiter.check(Scope::TokenByCode, b"code"), Ok(()));
    }

    #[test]
    fn refused_requests_are_not_counted_and_waiting_helps() {
        let (limiter, clock) = limiter(2);
        assert!(limiter.check(Scope::TokenByCode, b"c").is_ok());
        assert!(limiter.check(Scope::TokenByCode, b"c").is_ok());
        for _ in 0..100 {
            assert!(limiter.check(Scope::TokenByCode, b"c").is_err());
        }
        let wait = limiter
            .check(Scope::TokenByCode, b"c")
            .unwrap_err()
            .retry_after;
        clock.advance(i64::try_from(wait).unwrap());
        assert!(
            limiter.check(Scope::TokenByCode, b"c").is_ok(),
            "after {wait} s"
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), address_key(v4));
    }

    #[test]
    fn peeking_counts_nothing_and_off_means_off() {
        let (limiter, _) = limiter(1);
        assert!(limiter.peek(Scope::TokenByCode, b"k").is_ok());
        assert!(limiter.check(Scope::TokenByCode, b"k").is_ok());
        assert!(limiter.peek(Scope::TokenByCode, b"k").is_err());
        let off = RateLimiter::new(
            RateLimitSettings {
                enabled: false,
                per_code: 0,
                ..RateLimitSettings::default()
            },
            Arc::new(FixedClock::new(0)),
        );
        for _ in 0..1_000 {
            assert!(off.check(Scope::TokenByCode, b"k").is_ok());
        }
    }
}
