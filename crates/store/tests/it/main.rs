//! The storage suite, written once and run on SQLite and on PostgreSQL (STYLE.md habit 7).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;

use sigil_core::store::{
    AdminTokenRecord, CredentialConfigurationRecord, InteractionHookRecord, MdocCertificateKind,
    MdocCertificateRecord, SigningKeyRecord, Store, StoreError, UserFilter, UserRecord,
};
use sigil_store::{DatabaseUrl, connect};
use sigil_testkit::{Engine, TestDatabase};

/// Expands each suite test into a `sqlite` and a `postgres` variant.
macro_rules! on_both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (_db, store) = super::fresh(sigil_testkit::Engine::Sqlite).await;
                super::$name(store).await;
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (_db, store) = super::fresh(sigil_testkit::Engine::Postgres).await;
                super::$name(store).await;
            })*
        }
    };
}

on_both_engines!(
    bootstrap_step_is_claimed_exactly_once_under_concurrency,
    admin_tokens_are_found_by_hash_until_revoked,
    interaction_hook_keeps_its_secret_across_updates,
    concurrent_first_hook_puts_agree_on_one_secret,
    credential_configurations_page_update_and_delete,
    credential_configuration_scope_is_unique,
    users_filter_page_update_delete_and_stay_unique,
    one_active_signing_key_per_algorithm,
    a_rotation_retires_the_active_key_and_leaves_one_active_under_concurrency,
    a_nonce_is_used_once_under_concurrency,
    an_authorization_code_is_redeemed_once_and_a_replay_revokes_its_token,
    an_authorization_offer_and_a_pushed_request_are_used_once,
    an_access_token_is_found_with_its_user,
    a_login_session_advances_once_per_stage,
    one_iaca_is_active_even_under_concurrent_activations,
    a_document_signer_has_one_successor_under_concurrent_rotations,
    a_dpop_proof_is_used_once_under_concurrency,
    notifications_land_on_the_credentials_of_their_token_only,
    a_deferred_issuance_is_decided_once_and_delivered_once,
    rate_limit_hits_add_up_across_callers_and_expire,
    two_limiters_share_the_previous_minute_too,
    a_key_seen_once_is_not_shared,
    text_the_database_cannot_store_is_a_refusal,
    status_positions_are_reserved_once_and_a_full_list_makes_way,
    status_changes_are_recorded_and_revocation_is_final,
    issuance_is_counted_per_configuration_format_and_day,
);

/// Each node adds its hits in one statement and reads back every node's total; concurrent
/// adders lose nothing; old windows are purged.
async fn rate_limit_hits_add_up_across_callers_and_expire(store: Arc<dyn Store>) {
    use sigil_core::store::RateLimitHits;
    let hits = |bucket: u8, window: i64, n: i64| RateLimitHits {
        bucket: vec![bucket; 32],
        window,
        hits: n,
    };
    assert_eq!(
        store.add_rate_limit_hits(&[]).await.unwrap(),
        Vec::<i64>::new()
    );
    let totals = store
        .add_rate_limit_hits(&[hits(1, 600, 3), hits(2, 600, 1), hits(1, 540, 9)])
        .await
        .unwrap();
    assert_eq!(totals, vec![3, 1, 9]);
    let mut adders = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        adders.push(tokio::spawn(async move {
            store.add_rate_limit_hits(&[hits(1, 600, 2)]).await.unwrap()
        }));
    }
    let mut seen = Vec::new();
    for adder in adders {
        seen.extend(adder.await.unwrap());
    }
    seen.sort_unstable();
    let expected: Vec<i64> = (1..=16).map(|i| 3 + 2 * i).collect();
    assert_eq!(seen, expected, "each adder saw a distinct running total");
    // At 720 the estimate reads windows 660 and 720: 540 goes, 600 (the previous of 660) stays.
    store.purge_expired(720).await.unwrap();
    let after = store
        .add_rate_limit_hits(&[hits(1, 600, 0), hits(1, 540, 0)])
        .await
        .unwrap();
    assert_eq!(after, vec![35, 0], "window 540 is gone, window 600 kept");
}

/// Two nodes' rate limiters with `per_code` as the code limit, on one clock starting at `at`.
fn two_limiters(
    at: i64,
    per_code: u32,
) -> (
    Arc<sigil_core::clock::FixedClock>,
    sigil_core::rate_limit::RateLimiter,
    sigil_core::rate_limit::RateLimiter,
) {
    use sigil_core::rate_limit::{RateLimitSettings, RateLimiter};
    let clock = Arc::new(sigil_core::clock::FixedClock::new(at));
    let settings = RateLimitSettings {
        per_code,
        ..RateLimitSettings::default()
    };
    let a = RateLimiter::new(settings, clock.clone());
    let b = RateLimiter::new(settings, clock.clone());
    (clock, a, b)
}

/// Two nodes' limiters on one store: hits one node counted last minute weigh on the other this
/// minute, although the other counted none of them (it learns last minute's total by asking).
async fn two_limiters_share_the_previous_minute_too(store: Arc<dyn Store>) {
    use sigil_core::rate_limit::Scope;
    // Two seconds before a minute ends.
    let (clock, a, b) = two_limiters(6_058, 30);
    for _ in 0..20 {
        a.check(Scope::TokenByCode, b"code").unwrap();
    }
    a.sync(store.as_ref()).await.unwrap();
    // Three seconds later, in the next minute, node b sees its first two requests for the code
    // (a bucket is shared from its second hit on a node).
    clock.advance(3);
    b.check(Scope::TokenByCode, b"code").unwrap();
    b.sync(store.as_ref()).await.unwrap();
    b.check(Scope::TokenByCode, b"code").unwrap();
    b.sync(store.as_ref()).await.unwrap();
    let mut admitted = 2;
    while b.check(Scope::TokenByCode, b"code").is_ok() {
        admitted += 1;
        assert!(admitted <= 30, "node b never saw node a's hits");
    }
    // One second into the minute, last minute's 20 weigh 20 * 59/60 = 19.7: node b admits 10
    // (30 - 19.7, rounded down), not 30.
    assert_eq!(admitted, 10);
}

/// A key seen once on a node is not written (most are: a flow names its code and its token
/// once each); from its second hit it is, with the hits counted before.
async fn a_key_seen_once_is_not_shared(store: Arc<dyn Store>) {
    use sigil_core::rate_limit::Scope;
    let (_clock, a, b) = two_limiters(6_010, 3);
    for code in [b"one".as_slice(), b"two", b"six"] {
        a.check(Scope::TokenByCode, code).unwrap();
    }
    a.sync(store.as_ref()).await.unwrap();
    // Node b's totals show nothing of node a's single hits: b admits 3 of "one".
    b.check(Scope::TokenByCode, b"one").unwrap();
    b.check(Scope::TokenByCode, b"one").unwrap();
    b.sync(store.as_ref()).await.unwrap();
    b.check(Scope::TokenByCode, b"one").unwrap();
    assert!(b.check(Scope::TokenByCode, b"one").is_err());
    // A second hit on node a shares "two" with both its hits: once node b shares its own two,
    // it hears of a's and refuses the next (2 + 2 + 1 > 3).
    a.check(Scope::TokenByCode, b"two").unwrap();
    a.sync(store.as_ref()).await.unwrap();
    b.check(Scope::TokenByCode, b"two").unwrap();
    b.check(Scope::TokenByCode, b"two").unwrap();
    b.sync(store.as_ref()).await.unwrap();
    assert!(b.check(Scope::TokenByCode, b"two").is_err());

    // Keys seen once are dropped two windows later like any idle bucket, never written.
    let (clock, c, _) = two_limiters(7_200, 3);
    for n in 0..100_u32 {
        c.check(Scope::TokenByCode, &n.to_be_bytes()).unwrap();
    }
    assert_eq!(c.buckets(), 100);
    for _ in 0..3 {
        c.sync(store.as_ref()).await.unwrap();
        clock.advance(60);
    }
    c.sync(store.as_ref()).await.unwrap();
    assert_eq!(c.buckets(), 0, "single-hit buckets are dropped");
}

/// U+0000 cannot be stored in PostgreSQL text; SQLite stores it. Either way the store never
/// fails with a backend error the edge would turn into a 500.
async fn text_the_database_cannot_store_is_a_refusal(store: Arc<dyn Store>) {
    let result = store
        .insert_user(&user("nul\u{0}id", Some(("https://p.example", "s\u{0}"))))
        .await;
    match (store.engine(), result) {
        (sigil_core::store::Engine::Postgres, Err(StoreError::Unstorable(_))) => {}
        (sigil_core::store::Engine::Sqlite, Ok(())) => {}
        (engine, other) => panic!("{engine:?}: {other:?}"),
    }
}

async fn fresh(engine: Engine) -> (TestDatabase, Arc<dyn Store>) {
    let db = TestDatabase::new(engine).await;
    let store = connect(&DatabaseUrl::parse(&db.url).unwrap(), 8)
        .await
        .unwrap();
    store.ping().await.unwrap();
    (db, store)
}

/// PostgreSQL only: the connections a store leases are replaced when the server closes them,
/// and never more than the store's maximum are open.
mod postgres_connections {
    use sqlx::{Connection, Executor};

    use super::*;

    async fn terminate_others(inspector: &mut sqlx::PgConnection) -> i64 {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut *inspector)
        .await
        .unwrap();
        n
    }

    async fn sessions(inspector: &mut sqlx::PgConnection) -> i64 {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        )
        .fetch_one(&mut *inspector)
        .await
        .unwrap();
        n
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn closed_connections_are_replaced_and_the_maximum_holds() {
        let db = TestDatabase::new(Engine::Postgres).await;
        let store = connect(&DatabaseUrl::parse(&db.url).unwrap(), 2)
            .await
            .unwrap();
        let mut inspector = sqlx::PgConnection::connect(&db.url).await.unwrap();
        inspector.execute("SELECT 1").await.unwrap();

        // Sixteen at once through a maximum of two: all answered, and at most two store
        // connections (beside the change listener's) are open afterwards.
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let store = store.clone();
                tokio::spawn(async move { store.ping().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let open = sessions(&mut inspector).await;
        assert!(
            (1..=3).contains(&open),
            "{open} sessions for a maximum of 2"
        );

        // The server ends every session; after a second idle each connection is tested before
        // use, so the next statements succeed on new connections.
        assert!(terminate_others(&mut inspector).await >= 1);
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        for _ in 0..4 {
            store.ping().await.unwrap();
        }
        assert!(
            store
                .list_users(&UserFilter::default(), None, 10)
                .await
                .is_ok()
        );

        // Ended while in use (no idle time to test it): a statement may fail once, with a
        // store error (the server's FATAL notice or the closed socket), and the broken
        // connection is not given out again.
        assert!(terminate_others(&mut inspector).await >= 1);
        let mut failures = 0;
        for _ in 0..4 {
            if store.ping().await.is_err() {
                failures += 1;
            }
        }
        assert!(
            failures <= 2,
            "{failures} of 4 pings failed after the sessions ended"
        );
        store.ping().await.unwrap();
    }
}

/// Runs `attempt` 16 times at once; returns how many got `true`.
async fn count_winners<F, Fut>(store: &Arc<dyn Store>, attempt: F) -> usize
where
    F: Fn(Arc<dyn Store>) -> Fut,
    Fut: std::future::Future<Output = Result<bool, StoreError>> + Send + 'static,
{
    let tasks: Vec<_> = (0..16)
        .map(|_| tokio::spawn(attempt(store.clone())))
        .collect();
    let mut winners = 0;
    for t in tasks {
        if t.await.unwrap().unwrap() {
            winners += 1;
        }
    }
    winners
}

#[test]
fn migrations_have_the_same_numbers_and_names_on_both_engines() {
    let names = |engine: &str| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(engine);
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
}

#[test]
fn database_urls_parse_and_redact() {
    assert_eq!(
        DatabaseUrl::parse("sqlite://./data/s.db").unwrap(),
        DatabaseUrl::Sqlite("./data/s.db".into())
    );
    let pg = DatabaseUrl::parse("postgres://sigil:hunter2@db.internal:5432/sigil").unwrap();
    assert!(!pg.redacted().contains("hunter2"));
    assert!(DatabaseUrl::parse("mysql://x").is_err());
    assert!(DatabaseUrl::parse("sqlite://").is_err());
}

async fn bootstrap_step_is_claimed_exactly_once_under_concurrency(store: Arc<dyn Store>) {
    let winners = count_winners(&store, |store| async move {
        store.claim_bootstrap("initial-admin-token", 1).await
    })
    .await;
    assert_eq!(winners, 1);
    assert!(
        !store
            .claim_bootstrap("initial-admin-token", 2)
            .await
            .unwrap()
    );
    assert!(store.claim_bootstrap("another-step", 2).await.unwrap());
}

fn token(id: &str, hash: u8) -> AdminTokenRecord {
    AdminTokenRecord {
        id: id.into(),
        name: format!("token {id}"),
        token_hash: vec![hash; 32],
        created_at: 100,
        revoked_at: None,
    }
}

async fn admin_tokens_are_found_by_hash_until_revoked(store: Arc<dyn Store>) {
    store.insert_admin_token(&token("a", 1)).await.unwrap();
    store.insert_admin_token(&token("b", 2)).await.unwrap();
    assert!(matches!(
        store.insert_admin_token(&token("c", 1)).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.find_admin_token_by_hash(&[1; 32]).await.unwrap(),
        Some(token("a", 1))
    );
    assert_eq!(
        store.find_admin_token_by_hash(&[9; 32]).await.unwrap(),
        None
    );
    assert_eq!(
        store.get_admin_token("b").await.unwrap(),
        Some(token("b", 2))
    );
    assert!(store.revoke_admin_token("a", 200).await.unwrap());
    assert!(!store.revoke_admin_token("a", 201).await.unwrap());
    // By id, a revoked token is still found, with its revocation time (the portal's sessions
    // check it).
    assert_eq!(
        store
            .get_admin_token("a")
            .await
            .unwrap()
            .map(|t| t.revoked_at),
        Some(Some(200))
    );
    assert!(!store.revoke_admin_token("nope", 201).await.unwrap());
    assert_eq!(
        store.find_admin_token_by_hash(&[1; 32]).await.unwrap(),
        None
    );
    let all = store.list_admin_tokens().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].revoked_at, Some(200));
    assert_eq!(all[1].revoked_at, None);
}

fn hook(url: &str, secret: u8, at: i64) -> InteractionHookRecord {
    InteractionHookRecord {
        url: url.into(),
        claims: r#"["email"]"#.into(),
        session_timeout_secs: Some(600),
        disabled: false,
        secret_key_id: "mk_test".into(),
        secret_ciphertext: vec![secret; 60],
        created_at: at,
        updated_at: at,
    }
}

async fn interaction_hook_keeps_its_secret_across_updates(store: Arc<dyn Store>) {
    assert_eq!(store.get_interaction_hook().await.unwrap(), None);
    assert_eq!(
        store
            .rotate_interaction_hook_secret("mk", &[0], 1)
            .await
            .unwrap(),
        None
    );
    let first = store
        .put_interaction_hook(&hook("https://a.example/h", 1, 10))
        .await
        .unwrap();
    assert_eq!(first, hook("https://a.example/h", 1, 10));
    let mut second = hook("https://b.example/h", 2, 20);
    second.disabled = true;
    second.session_timeout_secs = None;
    let stored = store.put_interaction_hook(&second).await.unwrap();
    assert_eq!(stored.url, "https://b.example/h");
    assert!(stored.disabled);
    assert_eq!(stored.session_timeout_secs, None);
    assert_eq!(
        stored.secret_ciphertext,
        vec![1; 60],
        "the first secret is kept"
    );
    assert_eq!(stored.created_at, 10);
    assert_eq!(stored.updated_at, 20);
    assert_eq!(store.get_interaction_hook().await.unwrap(), Some(stored));
    let rotated = store
        .rotate_interaction_hook_secret("mk_new", &[7; 60], 30)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rotated.secret_ciphertext, vec![7; 60]);
    assert_eq!(rotated.secret_key_id, "mk_new");
    assert!(store.delete_interaction_hook().await.unwrap());
    assert!(!store.delete_interaction_hook().await.unwrap());
    assert_eq!(store.get_interaction_hook().await.unwrap(), None);
}

async fn concurrent_first_hook_puts_agree_on_one_secret(store: Arc<dyn Store>) {
    let tasks: Vec<_> = (0..8u8)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .put_interaction_hook(&hook("https://a.example/h", i, 1))
                    .await
            })
        })
        .collect();
    let mut secrets = Vec::new();
    for t in tasks {
        secrets.push(t.await.unwrap().unwrap().secret_ciphertext);
    }
    let stored = store
        .get_interaction_hook()
        .await
        .unwrap()
        .unwrap()
        .secret_ciphertext;
    assert!(
        secrets.iter().all(|s| *s == stored),
        "every PUT saw the one kept secret"
    );
}

fn config(id: &str, scope: &str) -> CredentialConfigurationRecord {
    CredentialConfigurationRecord {
        id: id.into(),
        format: "ldp_vc".into(),
        scope: scope.into(),
        document: format!(r#"{{"id":"{id}"}}"#),
        created_at: 5,
        updated_at: 5,
    }
}

async fn credential_configurations_page_update_and_delete(store: Arc<dyn Store>) {
    for i in 0..5 {
        store
            .insert_credential_configuration(&config(&format!("id-{i}"), &format!("ldp_vc:T{i}")))
            .await
            .unwrap();
    }
    let first = store.list_credential_configurations(None, 2).await.unwrap();
    assert_eq!(
        first.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["id-0", "id-1"]
    );
    let next = store
        .list_credential_configurations(Some("id-1"), 10)
        .await
        .unwrap();
    assert_eq!(
        next.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["id-2", "id-3", "id-4"]
    );
    let mut changed = config("id-2", "ldp_vc:Renamed");
    changed.document = "{}".into();
    changed.updated_at = 9;
    assert!(
        store
            .update_credential_configuration(&changed)
            .await
            .unwrap()
    );
    let got = store
        .get_credential_configuration("id-2")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            got.scope.as_str(),
            got.document.as_str(),
            got.created_at,
            got.updated_at
        ),
        ("ldp_vc:Renamed", "{}", 5, 9)
    );
    assert!(
        !store
            .update_credential_configuration(&config("missing", "x:y"))
            .await
            .unwrap()
    );
    assert!(store.delete_credential_configuration("id-2").await.unwrap());
    assert!(!store.delete_credential_configuration("id-2").await.unwrap());
    assert_eq!(
        store.get_credential_configuration("id-2").await.unwrap(),
        None
    );
}

async fn credential_configuration_scope_is_unique(store: Arc<dyn Store>) {
    store
        .insert_credential_configuration(&config("a", "ldp_vc:Same"))
        .await
        .unwrap();
    store
        .insert_credential_configuration(&config("b", "ldp_vc:Other"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .insert_credential_configuration(&config("c", "ldp_vc:Same"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .update_credential_configuration(&config("b", "ldp_vc:Same"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.get_credential_configuration("c").await.unwrap(), None);
    assert_eq!(
        store
            .get_credential_configuration("b")
            .await
            .unwrap()
            .unwrap()
            .scope,
        "ldp_vc:Other"
    );
}

fn user(id: &str, provider: Option<(&str, &str)>) -> UserRecord {
    UserRecord {
        id: id.into(),
        provider_url: provider.map(|p| p.0.into()),
        subject_id: provider.map(|p| p.1.into()),
        claims: r#"{"email":"a@b"}"#.into(),
        created_at: 1,
        updated_at: 1,
    }
}

async fn users_filter_page_update_delete_and_stay_unique(store: Arc<dyn Store>) {
    store
        .insert_user(&user("u1", Some(("https://idp.a", "s1"))))
        .await
        .unwrap();
    store
        .insert_user(&user("u2", Some(("https://idp.a", "s2"))))
        .await
        .unwrap();
    store
        .insert_user(&user("u3", Some(("https://idp.b", "s1"))))
        .await
        .unwrap();
    store.insert_user(&user("u4", None)).await.unwrap();
    store.insert_user(&user("u5", None)).await.unwrap();
    assert!(matches!(
        store
            .insert_user(&user("u6", Some(("https://idp.a", "s1"))))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let ids = |rows: Vec<UserRecord>| rows.into_iter().map(|u| u.id).collect::<Vec<_>>();
    let by_subject = UserFilter {
        provider_url: None,
        subject_id: Some("s1".into()),
    };
    assert_eq!(
        ids(store.list_users(&by_subject, None, 10).await.unwrap()),
        ["u1", "u3"]
    );
    let by_both = UserFilter {
        provider_url: Some("https://idp.a".into()),
        subject_id: Some("s1".into()),
    };
    assert_eq!(
        ids(store.list_users(&by_both, None, 10).await.unwrap()),
        ["u1"]
    );
    let by_provider = UserFilter {
        provider_url: Some("https://idp.a".into()),
        subject_id: None,
    };
    assert_eq!(
        ids(store.list_users(&by_provider, None, 10).await.unwrap()),
        ["u1", "u2"]
    );
    assert_eq!(
        ids(store
            .list_users(&by_provider, Some("u1"), 10)
            .await
            .unwrap()),
        ["u2"]
    );
    let all = UserFilter::default();
    assert_eq!(
        ids(store.list_users(&all, None, 2).await.unwrap()),
        ["u1", "u2"]
    );
    assert_eq!(
        ids(store.list_users(&all, Some("u2"), 2).await.unwrap()),
        ["u3", "u4"]
    );
    let mut changed = user("u4", Some(("https://idp.c", "s9")));
    changed.claims = "{}".into();
    changed.updated_at = 2;
    assert!(store.update_user(&changed).await.unwrap());
    assert_eq!(store.get_user("u4").await.unwrap().unwrap().created_at, 1);
    assert_eq!(
        store
            .get_user("u4")
            .await
            .unwrap()
            .unwrap()
            .subject_id
            .as_deref(),
        Some("s9")
    );
    assert!(matches!(
        store
            .update_user(&user("u5", Some(("https://idp.a", "s2"))))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert!(!store.update_user(&user("nobody", None)).await.unwrap());
    assert!(store.delete_user("u1").await.unwrap());
    assert!(!store.delete_user("u1").await.unwrap());
    assert_eq!(store.get_user("u1").await.unwrap(), None);
}

fn key(kid: &str, alg: &str) -> SigningKeyRecord {
    SigningKeyRecord {
        kid: kid.into(),
        algorithm: alg.into(),
        public_jwk: "{}".into(),
        private_key_key_id: "mk".into(),
        private_key_ciphertext: vec![1, 2, 3],
        status: "active".into(),
        purpose: "credential".into(),
        certificate: None,
        created_at: 3,
        provider: "software".into(),
        retired_at: None,
    }
}

async fn one_active_signing_key_per_algorithm(store: Arc<dyn Store>) {
    assert!(
        store
            .insert_signing_key_if_absent(&key("k1", "ES256"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_signing_key_if_absent(&key("k2", "ES256"))
            .await
            .unwrap()
    );
    assert!(
        store
            .insert_signing_key_if_absent(&key("k3", "EdDSA"))
            .await
            .unwrap()
    );
    let mut retired = key("k4", "ES256");
    retired.status = "retired".into();
    assert!(store.insert_signing_key_if_absent(&retired).await.unwrap());
    let kids: Vec<String> = store
        .list_signing_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.kid)
        .collect();
    assert_eq!(kids, ["k1", "k3", "k4"]);
}

/// Rotating retires the active key of the same purpose and algorithm and inserts the new one in
/// one transaction: concurrent rotations (two nodes, one database) leave exactly one active key,
/// every other retired with its date, and the version moves with each.
async fn a_rotation_retires_the_active_key_and_leaves_one_active_under_concurrency(
    store: Arc<dyn Store>,
) {
    let before = store.signing_keys_version().await.unwrap();
    assert!(
        store
            .insert_signing_key_if_absent(&key("a0", "ES256"))
            .await
            .unwrap()
    );
    assert!(
        store
            .insert_signing_key_if_absent(&key("e0", "EdDSA"))
            .await
            .unwrap()
    );
    let inserted = store.signing_keys_version().await.unwrap();
    assert_ne!(before, inserted);
    let mut tasks = Vec::new();
    for i in 1..=8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut k = key(&format!("a{i}"), "ES256");
            k.created_at = 10 + i;
            store.rotate_signing_key(&k, 100 + i).await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let keys = store.list_signing_keys().await.unwrap();
    let es256: Vec<_> = keys.iter().filter(|k| k.algorithm == "ES256").collect();
    assert_eq!(es256.len(), 9);
    assert_eq!(es256.iter().filter(|k| k.status == "active").count(), 1);
    for k in es256.iter().filter(|k| k.status == "retired") {
        assert!(
            k.retired_at.is_some_and(|at| (101..=108).contains(&at)),
            "{k:?}"
        );
    }
    let active = es256.iter().find(|k| k.status == "active").unwrap();
    assert_eq!(active.retired_at, None);
    let eddsa = keys.iter().find(|k| k.kid == "e0").unwrap();
    assert_eq!(
        (eddsa.status.as_str(), eddsa.retired_at),
        ("active", None),
        "other algorithms untouched"
    );
    let after = store.signing_keys_version().await.unwrap();
    assert_ne!(after, inserted);
    assert_eq!(after.keys, 10);
    assert!(after.retired >= 101);
}

fn spent(byte: u8, expires_at: i64) -> sigil_core::store::SpentNonce {
    sigil_core::store::SpentNonce {
        nonce_hash: vec![byte; 32],
        expires_at,
    }
}

async fn a_nonce_is_used_once_under_concurrency(store: Arc<dyn Store>) {
    let winners = count_winners(&store, |store| async move {
        store
            .insert_issued_credentials(&[], &[spent(5, 1_000)])
            .await
    })
    .await;
    assert_eq!(winners, 1);
    assert!(store.nonce_spent(&spent(5, 1_000)).await.unwrap());
    assert!(!store.nonce_spent(&spent(6, 1_000)).await.unwrap());
    assert!(
        store
            .insert_deferred_issuance(&deferred("d-nonce", 6), &[spent(6, 1_000)])
            .await
            .unwrap(),
        "another nonce is independent"
    );
    assert!(
        !store
            .insert_deferred_issuance(&deferred("d-again", 7), &[spent(6, 1_000)])
            .await
            .unwrap(),
        "a spent nonce refuses the deferred issuance too"
    );
    assert_eq!(
        store.find_deferred_issuance(&[7; 32], 10).await.unwrap(),
        None,
        "and nothing of it was stored"
    );
    assert_eq!(
        store.purge_expired(999).await.unwrap(),
        0,
        "kept until expiry"
    );
    use sigil_core::store::SPENT_NONCE_GRACE;
    store
        .purge_expired(1_000 + SPENT_NONCE_GRACE - 1)
        .await
        .unwrap();
    assert!(
        store.nonce_spent(&spent(5, 1_000)).await.unwrap(),
        "a spent nonce's record outlives its expiry by SPENT_NONCE_GRACE"
    );
    assert!(
        store
            .purge_expired(1_000 + SPENT_NONCE_GRACE)
            .await
            .unwrap()
            >= 2
    );
    assert!(
        store
            .insert_issued_credentials(&[], &[spent(5, 2_000)])
            .await
            .unwrap(),
        "purged records are gone"
    );
}

fn deferred(id: &str, transaction: u8) -> sigil_core::store::DeferredIssuanceRecord {
    sigil_core::store::DeferredIssuanceRecord {
        id: id.into(),
        transaction_hash: vec![transaction; 32],
        token_hash: vec![1; 32],
        user_id: "u".into(),
        configuration_id: "c".into(),
        offer_id: None,
        request: "{}".into(),
        status: "pending".into(),
        reason: None,
        claims: None,
        expires_at: 1_000,
        delivered_at: None,
        created_at: 1,
        updated_at: 1,
    }
}

/// An authorization code with this hash byte, unused, expiring at 100.
fn authorization_code(hash: u8) -> sigil_core::store::AuthorizationCodeRecord {
    sigil_core::store::AuthorizationCodeRecord {
        code_hash: vec![hash; 32],
        client_id: "c".into(),
        grant_data: "{}".into(),
        expires_at: 100,
        used_at: None,
        created_at: 1,
    }
}

/// Stores `authorization_code(code)` (checking it was stored) and redeems it at `at` for
/// `access_token(token, code)`.
async fn insert_and_redeem_code(
    store: &Arc<dyn Store>,
    code: u8,
    token: u8,
    at: i64,
) -> sigil_core::store::CodeRedemption {
    assert!(
        store
            .insert_authorization_code(&authorization_code(code), None, 1)
            .await
            .unwrap()
    );
    store
        .redeem_authorization_code(&[code; 32], at, &access_token(token, code))
        .await
        .unwrap()
}

fn access_token(hash: u8, code: u8) -> sigil_core::store::AccessTokenRecord {
    sigil_core::store::AccessTokenRecord {
        token_hash: vec![hash; 32],
        user_id: "u".into(),
        offer_id: None,
        configuration_ids: "[]".into(),
        claims: None,
        client_id: Some("c".into()),
        authorization_code_hash: Some(vec![code; 32]),
        credential_identifiers: None,
        dpop_jkt: None,
        expires_at: 1_000,
        created_at: 1,
        user: None,
    }
}

async fn an_authorization_code_is_redeemed_once_and_a_replay_revokes_its_token(
    store: Arc<dyn Store>,
) {
    use sigil_core::store::CodeRedemption;
    let code = authorization_code(9);
    assert!(
        store
            .insert_authorization_code(&code, None, 1)
            .await
            .unwrap()
    );
    assert!(
        store
            .find_authorization_code(&[9; 32], 2)
            .await
            .unwrap()
            .is_some()
    );
    let counter = Arc::new(std::sync::atomic::AtomicU8::new(1));
    let winners = count_winners(&store, move |store| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            Ok(store
                .redeem_authorization_code(&[9; 32], 2, &access_token(n, 9))
                .await?
                == CodeRedemption::Redeemed)
        }
    })
    .await;
    assert_eq!(winners, 1, "exactly one redemption wins");
    // The replays revoked the winner's token.
    for n in 1..=16u8 {
        assert!(
            store
                .find_access_token(&[n; 32], 2)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(
        store
            .redeem_authorization_code(&[9; 32], 3, &access_token(99, 9))
            .await
            .unwrap(),
        CodeRedemption::Replayed
    );
    assert_eq!(
        store
            .redeem_authorization_code(&[8; 32], 3, &access_token(98, 8))
            .await
            .unwrap(),
        CodeRedemption::Refused,
        "unknown code"
    );
    // An unused code past its expiry is refused, not replayed.
    assert_eq!(
        insert_and_redeem_code(&store, 7, 97, 100).await,
        CodeRedemption::Refused
    );
    assert!(
        store
            .find_access_token(&[97; 32], 2)
            .await
            .unwrap()
            .is_none()
    );
}

/// The credential endpoint reads an access token and its user in one statement: the user as
/// it is now, and none once the user is gone.
async fn an_access_token_is_found_with_its_user(store: Arc<dyn Store>) {
    use sigil_core::store::{CodeRedemption, TokenUser};
    let read = async || store.find_access_token(&[50; 32], 2).await.unwrap();
    let token_user = |provider: Option<(&str, &str)>, claims: &str| TokenUser {
        provider_url: provider.map(|p| p.0.into()),
        subject_id: provider.map(|p| p.1.into()),
        claims: claims.into(),
    };
    store
        .insert_user(&user("u", Some(("https://idp.a", "s1"))))
        .await
        .unwrap();
    assert_eq!(
        insert_and_redeem_code(&store, 5, 50, 2).await,
        CodeRedemption::Redeemed
    );
    let found = read().await.unwrap();
    assert_eq!(
        found.user,
        Some(token_user(
            Some(("https://idp.a", "s1")),
            r#"{"email":"a@b"}"#
        ))
    );
    assert_eq!(
        found,
        sigil_core::store::AccessTokenRecord {
            user: found.user.clone(),
            ..access_token(50, 5)
        },
        "the token's own fields as stored"
    );
    let mut changed = user("u", None);
    changed.claims = r#"{"email":"new@b"}"#.into();
    changed.updated_at = 2;
    assert!(store.update_user(&changed).await.unwrap());
    assert_eq!(
        read().await.unwrap().user,
        Some(token_user(None, r#"{"email":"new@b"}"#))
    );
    assert!(store.delete_user("u").await.unwrap());
    if let Some(found) = read().await {
        assert_eq!(
            found.user, None,
            "a deleted user is not read with the token"
        );
    }
}

async fn an_authorization_offer_and_a_pushed_request_are_used_once(store: Arc<dyn Store>) {
    use sigil_core::store::{AuthorizationOfferRecord, PushedRequestRecord};
    store
        .insert_authorization_offer(&AuthorizationOfferRecord {
            id: "o".into(),
            issuer_state_hash: vec![1; 32],
            configuration_ids: "[\"a\"]".into(),
            expires_at: 100,
            consumed_at: None,
            created_at: 1,
        })
        .await
        .unwrap();
    assert!(
        store
            .find_authorization_offer(&[1; 32], 2)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .find_authorization_offer(&[1; 32], 100)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    let counter = Arc::new(std::sync::atomic::AtomicU8::new(1));
    let winners = count_winners(&store, move |store| {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            store
                .insert_authorization_code(&authorization_code(n), Some("o"), 2)
                .await
        }
    })
    .await;
    assert_eq!(winners, 1, "one code per offer");
    assert!(
        store
            .find_authorization_offer(&[1; 32], 2)
            .await
            .unwrap()
            .is_none(),
        "consumed"
    );

    store
        .insert_pushed_request(&PushedRequestRecord {
            request_uri_hash: vec![2; 32],
            client_id: "c".into(),
            request: "{}".into(),
            expires_at: 100,
        })
        .await
        .unwrap();
    assert!(
        store
            .take_pushed_request(&[2; 32], "other", 2)
            .await
            .unwrap()
            .is_none()
    );
    let winners = count_winners(&store, |store| async move {
        Ok(store.take_pushed_request(&[2; 32], "c", 2).await?.is_some())
    })
    .await;
    assert_eq!(winners, 1);
}

async fn a_login_session_advances_once_per_stage(store: Arc<dyn Store>) {
    use sigil_core::store::AuthorizationSessionRecord;
    let session = AuthorizationSessionRecord {
        state_hash: vec![3; 32],
        stage: "login".into(),
        sealed_key_id: "k".into(),
        sealed: vec![1, 2, 3],
        expires_at: 100,
        created_at: 1,
    };
    store.insert_authorization_session(&session).await.unwrap();
    let next = AuthorizationSessionRecord {
        stage: "hook".into(),
        sealed: vec![4],
        expires_at: 200,
        ..session.clone()
    };
    let winners = count_winners(&store, move |store| {
        let next = next.clone();
        async move {
            store
                .advance_authorization_session(&[3; 32], "login", &next, 2)
                .await
        }
    })
    .await;
    assert_eq!(winners, 1);
    let found = store
        .find_authorization_session(&[3; 32])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (found.stage.as_str(), found.sealed.clone(), found.expires_at),
        ("hook", vec![4], 200)
    );
    let done = AuthorizationSessionRecord {
        stage: "done".into(),
        ..found.clone()
    };
    assert!(
        !store
            .advance_authorization_session(&[3; 32], "hook", &done, 200)
            .await
            .unwrap(),
        "an expired stage cannot advance"
    );
}

fn mdoc_row(
    id: &str,
    kind: MdocCertificateKind,
    iaca: Option<&str>,
    active: bool,
) -> MdocCertificateRecord {
    MdocCertificateRecord {
        id: id.into(),
        kind,
        iaca_id: iaca.map(str::to_string),
        replaces: iaca.map(|_| format!("after-{id}")),
        active,
        managed: true,
        certificate: vec![0x30, 0x00],
        private_key_key_id: "k".into(),
        private_key_ciphertext: vec![1, 2, 3],
        not_before: 1,
        not_after: 2,
        created_at: 1,
        provider: "software".into(),
    }
}

async fn one_iaca_is_active_even_under_concurrent_activations(store: Arc<dyn Store>) {
    use MdocCertificateKind::{DocumentSigner, Iaca};
    let ids: Vec<String> = (0..8)
        .map(|i| format!("0190000{i}-0000-7000-8000-000000000000"))
        .collect();
    for id in &ids {
        store
            .insert_mdoc_certificate(&mdoc_row(id, Iaca, None, true))
            .await
            .unwrap();
    }
    // Each insert of an active IACA replaced the active one.
    assert_eq!(store.active_iaca().await.unwrap().unwrap().id, ids[7]);
    let mut tasks = Vec::new();
    for id in ids.clone() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store.set_iaca_active(&id, true).await
        }));
    }
    for t in tasks {
        match t.await.unwrap() {
            Ok(true) | Err(StoreError::Conflict(_)) => {}
            other => panic!("an activation answered {other:?}"),
        }
    }
    let actives = store
        .list_mdoc_certificates(Iaca, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.active)
        .count();
    assert_eq!(actives, 1, "exactly one active IACA");

    // Document Signers belong to their IACA and go with it.
    let ds = |n: u8| format!("0190001{n}-0000-7000-8000-000000000000");
    store
        .insert_mdoc_certificate(&mdoc_row(&ds(1), DocumentSigner, Some(&ids[0]), true))
        .await
        .unwrap();
    store
        .insert_mdoc_certificate(&mdoc_row(&ds(2), DocumentSigner, Some(&ids[0]), true))
        .await
        .unwrap();
    assert_eq!(
        store
            .newest_document_signer(&ids[0])
            .await
            .unwrap()
            .unwrap()
            .id,
        ds(2)
    );
    assert!(
        store
            .newest_document_signer(&ids[1])
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !store.delete_mdoc_certificate(Iaca, &ds(1)).await.unwrap(),
        "a DS is not an IACA"
    );
    assert!(store.delete_mdoc_certificate(Iaca, &ids[0]).await.unwrap());
    assert!(
        store
            .get_mdoc_certificate(DocumentSigner, &ds(1))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        store
            .list_mdoc_certificates(DocumentSigner, None, 100)
            .await
            .unwrap()
            .len(),
        0
    );
    assert!(
        !store.set_iaca_active(&ids[0], true).await.unwrap(),
        "a deleted IACA cannot be activated"
    );
}

async fn a_document_signer_has_one_successor_under_concurrent_rotations(store: Arc<dyn Store>) {
    use MdocCertificateKind::{DocumentSigner, Iaca};
    let iaca = "01900002-0000-7000-8000-000000000000";
    store
        .insert_mdoc_certificate(&mdoc_row(iaca, Iaca, None, true))
        .await
        .unwrap();
    // 16 nodes see no Document Signer and each makes "the first one": one is stored.
    let winners = count_winners(&store, move |store| async move {
        let mut row = mdoc_row(
            &format!("0190003{:x}-0000-7000-8000-000000000000", rand_nibble()),
            DocumentSigner,
            Some(iaca),
            true,
        );
        row.replaces = Some(iaca.to_string());
        match store.insert_mdoc_certificate(&row).await {
            Ok(()) => Ok(true),
            Err(StoreError::Conflict(_)) => Ok(false),
            Err(other) => Err(other),
        }
    })
    .await;
    assert_eq!(winners, 1, "one successor of the IACA");
    assert_eq!(
        store
            .list_mdoc_certificates(DocumentSigner, None, 100)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A distinct id suffix per attempt (ids are primary keys; the race is on `replaces`).
fn rand_nibble() -> u128 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    u128::from(NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn a_dpop_proof_is_used_once_under_concurrency(store: Arc<dyn Store>) {
    let winners = count_winners(&store, |store| async move {
        store.use_dpop_proof(&[7; 32], 1_000).await
    })
    .await;
    assert_eq!(winners, 1);
    assert!(store.use_dpop_proof(&[8; 32], 1_000).await.unwrap());
    assert_eq!(store.purge_expired(1_000).await.unwrap(), 2);
    assert!(store.use_dpop_proof(&[7; 32], 2_000).await.unwrap());
}

fn issued(id: &str, token: u8, notification_id: &str) -> sigil_core::store::IssuedCredentialRecord {
    sigil_core::store::IssuedCredentialRecord {
        id: id.into(),
        user_id: "u".into(),
        configuration_id: "c".into(),
        offer_id: None,
        format: "dc+sd-jwt".into(),
        holder_key_thumbprint: format!("t-{id}"),
        issued_at: 1,
        mso_digest: None,
        token_hash: Some(vec![token; 32]),
        notification_id: Some(notification_id.into()),
        notification: None,
        status_list_id: None,
        status_index: None,
        status: "valid".into(),
    }
}

fn status_list(id: &str, size: i64) -> sigil_core::store::StatusListRecord {
    sigil_core::store::StatusListRecord {
        id: id.into(),
        kind: "token".into(),
        size,
        allocated: 0,
        permutation_key: vec![9; 32],
        version: 0,
        created_at: 1,
    }
}

/// Concurrent reservations get disjoint positions; a full list makes way for a new one.
async fn status_positions_are_reserved_once_and_a_full_list_makes_way(store: Arc<dyn Store>) {
    let mut set = tokio::task::JoinSet::new();
    for i in 0..12 {
        let store = store.clone();
        set.spawn(async move {
            store
                .reserve_status_positions("token", 64, &status_list(&format!("list-{i:02}"), 512))
                .await
                .unwrap()
        });
    }
    let mut taken: Vec<(String, i64)> = Vec::new();
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        assert_eq!(r.count, 64);
        assert!(r.first >= 0 && r.first + r.count <= r.list.size, "{r:?}");
        for p in r.first..r.first + r.count {
            taken.push((r.list.id.clone(), p));
        }
    }
    let distinct: std::collections::HashSet<_> = taken.iter().cloned().collect();
    assert_eq!(distinct.len(), 12 * 64, "no position reserved twice");
    // 12 blocks of 64 do not fit in one list of 512: at least two lists, each filled in order.
    let lists: std::collections::HashSet<_> = taken.iter().map(|(l, _)| l.clone()).collect();
    assert!(lists.len() >= 2, "{lists:?}");
    for list in &lists {
        let record = store.get_status_list(list).await.unwrap().unwrap();
        assert!(
            record.allocated <= 512 && record.allocated % 64 == 0,
            "{record:?}"
        );
        let used = taken.iter().filter(|(l, _)| l == list).count();
        assert_eq!(i64::try_from(used).unwrap(), record.allocated);
    }
    // A list made by a node that raced another's stays empty until it is the one with room.
    for record in store.list_status_lists().await.unwrap() {
        assert!(
            lists.contains(&record.id) || record.allocated == 0,
            "{record:?}"
        );
    }
    // Another kind never takes this kind's positions.
    let other = store
        .reserve_status_positions("bitstring:did:web", 64, &status_list("bsl", 512))
        .await
        .unwrap();
    assert_eq!((other.list.id.as_str(), other.first), ("bsl", 0));
    assert_eq!(other.list.kind, "bitstring:did:web");
}

/// A status change lands once, is recorded with who made it, bumps its list's version, and
/// never undoes a revocation; a credential outside every list has no status to change.
async fn status_changes_are_recorded_and_revocation_is_final(store: Arc<dyn Store>) {
    use sigil_core::store::StatusChangeRecord;
    let list = store
        .reserve_status_positions("token", 64, &status_list("l1", 1_024))
        .await
        .unwrap()
        .list;
    let mut a = issued("a", 1, "n1");
    a.status_list_id = Some(list.id.clone());
    a.status_index = Some(700);
    let mut b = issued("b", 1, "n1");
    b.status_list_id = Some(list.id.clone());
    b.status_index = Some(3);
    let plain = issued("p", 1, "n1");
    store
        .insert_issued_credentials(&[a.clone(), b.clone(), plain], &[spent(4, 5_000)])
        .await
        .unwrap();
    // The same index of the same list is refused, whoever asks.
    let mut clash = issued("c", 2, "n2");
    clash.status_list_id = Some(list.id.clone());
    clash.status_index = Some(700);
    assert!(
        store
            .insert_issued_credentials(&[clash], &[spent(5, 5_000)])
            .await
            .is_err()
    );
    let change = |id: &str, credential: &str, status: &str, at: i64| StatusChangeRecord {
        id: id.into(),
        credential_id: credential.into(),
        status: status.into(),
        actor: "admin-token:t1".into(),
        changed_at: at,
    };
    let changed = store
        .change_credential_statuses(&[
            change("s1", "a", "suspended", 10),
            change("s2", "p", "revoked", 10),
        ])
        .await
        .unwrap();
    assert_eq!(changed, vec!["a".to_string()], "p is in no list");
    assert_eq!(
        store
            .get_status_list(&list.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        1
    );
    assert_eq!(
        store.status_list_entries(&list.id).await.unwrap(),
        vec![(700, "suspended".to_string())]
    );
    // Concurrent revocations of one credential: one applies.
    let mut set = tokio::task::JoinSet::new();
    for i in 0..8 {
        let store = store.clone();
        let c = change(&format!("r{i}"), "b", "revoked", 20);
        set.spawn(async move { store.change_credential_statuses(&[c]).await.unwrap().len() });
    }
    let mut applied = 0;
    while let Some(n) = set.join_next().await {
        applied += n.unwrap();
    }
    assert_eq!(applied, 1);
    // Revoked stays revoked; the same status again changes nothing.
    for status in ["valid", "suspended", "revoked"] {
        assert!(
            store
                .change_credential_statuses(&[change("x", "b", status, 30)])
                .await
                .unwrap()
                .is_empty()
        );
    }
    assert!(
        store
            .change_credential_statuses(&[change("y", "a", "suspended", 30)])
            .await
            .unwrap()
            .is_empty()
    );
    let history = store.list_status_changes("b").await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].status, "revoked");
    assert_eq!(history[0].actor, "admin-token:t1");
    assert_eq!(
        store
            .get_issued_credential("b")
            .await
            .unwrap()
            .unwrap()
            .status,
        "revoked"
    );
    let mut entries = store.status_list_entries(&list.id).await.unwrap();
    entries.sort();
    assert_eq!(
        entries,
        vec![(3, "revoked".to_string()), (700, "suspended".to_string())]
    );
    assert_eq!(
        store
            .get_status_list(&list.id)
            .await
            .unwrap()
            .unwrap()
            .version,
        2
    );
    assert!(store.get_issued_credential("nope").await.unwrap().is_none());
}

async fn notifications_land_on_the_credentials_of_their_token_only(store: Arc<dyn Store>) {
    use sigil_core::store::NotificationRecord;
    store
        .insert_issued_credentials(
            &[
                issued("a1", 1, "n1"),
                issued("a2", 1, "n1"),
                issued("b1", 2, "n2"),
            ],
            &[spent(1, 5_000)],
        )
        .await
        .unwrap();
    let accepted = NotificationRecord {
        event: "credential_accepted".into(),
        description: Some("stored".into()),
        at: 5,
    };
    assert!(
        !store
            .record_notification("n1", &[2; 32], &accepted)
            .await
            .unwrap(),
        "another token's notification id"
    );
    assert!(
        !store
            .record_notification("n9", &[1; 32], &accepted)
            .await
            .unwrap()
    );
    assert!(
        store
            .record_notification("n1", &[1; 32], &accepted)
            .await
            .unwrap()
    );
    let rows = store.list_issued_credentials("u").await.unwrap();
    let events: Vec<_> = rows
        .iter()
        .map(|r| (r.id.as_str(), r.notification.clone()))
        .collect();
    assert_eq!(
        events,
        [
            ("a1", Some(accepted.clone())),
            ("a2", Some(accepted)),
            ("b1", None)
        ]
    );
    assert_eq!(rows[0].token_hash.as_deref(), Some(&[1u8; 32][..]));
    // All or none: a duplicate id rolls the whole response back, the nonce's spend with it.
    let err = store
        .insert_issued_credentials(
            &[issued("c1", 3, "n3"), issued("a1", 3, "n3")],
            &[spent(2, 5_000)],
        )
        .await;
    assert!(err.is_err());
    assert_eq!(store.list_issued_credentials("u").await.unwrap().len(), 3);
    assert!(!store.nonce_spent(&spent(2, 5_000)).await.unwrap());
    // A spent nonce: refused, nothing recorded.
    assert!(
        !store
            .insert_issued_credentials(&[issued("c1", 3, "n3")], &[spent(1, 5_000)])
            .await
            .unwrap()
    );
    assert_eq!(store.list_issued_credentials("u").await.unwrap().len(), 3);
    assert!(
        store
            .insert_issued_credentials(&[issued("c1", 3, "n3")], &[spent(2, 5_000)])
            .await
            .unwrap()
    );
    assert_eq!(store.list_issued_credentials("u").await.unwrap().len(), 4);
}

async fn a_deferred_issuance_is_decided_once_and_delivered_once(store: Arc<dyn Store>) {
    let record = deferred("d1", 9);
    assert!(store.insert_deferred_issuance(&record, &[]).await.unwrap());
    assert_eq!(
        store.find_deferred_issuance(&[9; 32], 10).await.unwrap(),
        Some(record.clone())
    );
    assert_eq!(
        store.find_deferred_issuance(&[9; 32], 1_000).await.unwrap(),
        None,
        "expired"
    );
    assert_eq!(store.list_deferred_issuances(10).await.unwrap().len(), 1);
    let deciders = count_winners(&store, |store| async move {
        store
            .decide_deferred_issuance("d1", "approved", None, Some("{\"x\":1}"), 20)
            .await
    })
    .await;
    assert_eq!(deciders, 1, "a pending issuance is decided once");
    let decided = store.get_deferred_issuance("d1").await.unwrap().unwrap();
    assert_eq!(
        (decided.status.as_str(), decided.claims.as_deref()),
        ("approved", Some("{\"x\":1}"))
    );
    let deliveries = count_winners(&store, |store| async move {
        store
            .deliver_deferred_issuance("d1", 30, &[issued(&format!("x{}", uuid_like()), 1, "n")])
            .await
    })
    .await;
    assert_eq!(deliveries, 1, "a transaction id is spent once");
    assert_eq!(
        store.list_issued_credentials("u").await.unwrap().len(),
        1,
        "only the winner's credential is recorded"
    );
    assert_eq!(
        store.find_deferred_issuance(&[9; 32], 40).await.unwrap(),
        None
    );
    assert!(store.list_deferred_issuances(40).await.unwrap().is_empty());
    assert_eq!(store.purge_expired(1_000).await.unwrap(), 1);
    assert_eq!(store.get_deferred_issuance("d1").await.unwrap(), None);
}

fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}

/// The counts the statistics read: per configuration, format and UTC day, from `since` on; and
/// the lookups the portal makes by id.
async fn issuance_is_counted_per_configuration_format_and_day(store: Arc<dyn Store>) {
    use sigil_core::store::IssuanceCount;
    let at = |id: &str, config: &str, format: &str, issued_at: i64, token: u8| {
        let mut r = issued(id, token, &format!("n-{id}"));
        r.configuration_id = config.into();
        r.format = format.into();
        r.issued_at = issued_at;
        r
    };
    let day = 86_400;
    store
        .insert_issued_credentials(
            &[
                at("a", "c1", "dc+sd-jwt", 10 * day + 5, 1),
                at("b", "c1", "dc+sd-jwt", 10 * day + 80_000, 1),
                at("c", "c1", "dc+sd-jwt", 11 * day, 1),
                at("d", "c2", "mso_mdoc", 11 * day + 1, 1),
                at("e", "c2", "mso_mdoc", 9 * day, 1),
            ],
            &[spent(40, 100 * day)],
        )
        .await
        .unwrap();
    let count = |configuration_id: &str, format: &str, day: i64, count: i64| IssuanceCount {
        configuration_id: configuration_id.into(),
        format: format.into(),
        day,
        count,
    };
    assert_eq!(
        store.issuance_counts(10 * day).await.unwrap(),
        vec![
            count("c1", "dc+sd-jwt", 10, 2),
            count("c1", "dc+sd-jwt", 11, 1),
            count("c2", "mso_mdoc", 11, 1),
        ]
    );
    assert_eq!(store.issuance_counts(12 * day).await.unwrap(), vec![]);
    assert_eq!(store.open_offer_counts(0).await.unwrap(), (0, 0));
    assert_eq!(store.get_offer_progress("none", false).await.unwrap(), None);
    assert_eq!(store.get_offer_progress("none", true).await.unwrap(), None);
    assert_eq!(store.get_admin_token("none").await.unwrap(), None);
}
