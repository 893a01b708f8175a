//! `kill -9` under load: a `sigil serve` process is killed repeatedly while wallets run full
//! pre-authorized flows against it. Whatever was answered must be on record afterwards: every
//! credential answered 200 has its issuance record, every pre-authorized code answered with a
//! token stays redeemed, and the database passes its integrity check.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::SigningAlgorithm;
use sigil_testkit::{Engine, TestDatabase};
use sqlx::Connection as _;

use crate::binary::serve;
use crate::on_both_engines;
use crate::wallet::{self, Wallet, pre_authorized_code};

const ADMIN: &str = "an-admin-token-for-the-crash-test-0123456789abcdef";
const ROUNDS: usize = 4;
const WALLETS: usize = 8;

/// What the killed node answered before it died.
#[derive(Default)]
struct Answered {
    /// Codes that were exchanged for a token (200).
    redeemed: Vec<String>,
    /// `notification_id`s of credentials answered 200.
    credentials: Vec<String>,
}

/// Exchanges a pre-authorized code at the token endpoint.
async fn redeem(
    client: &reqwest::Client,
    base: &str,
    code: &str,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{base}/v1/oauth/token"))
        .form(&wallet::pre_authorized_form(code))
        .send()
        .await
}

/// One flow; stops at the first failure (the node may be gone), recording what was answered.
async fn flow(
    client: &reqwest::Client,
    base: &str,
    config: &str,
    wallet: &Wallet,
    answered: &Mutex<Answered>,
) -> Option<()> {
    let offer = client
        .post(format!("{base}/v1/openid/offers/pre-authorized"))
        .bearer_auth(ADMIN)
        .json(&json!({"credentials": [config], "claims": {"given_name": "Ada"}}))
        .send()
        .await
        .ok()?;
    if offer.status() != StatusCode::CREATED {
        return None;
    }
    let offer: Value = offer.json().await.ok()?;
    let code = pre_authorized_code(offer["uri"].as_str()?);
    let token = redeem(client, base, &code).await.ok()?;
    if token.status() != StatusCode::OK {
        return None;
    }
    let token: Value = token.json().await.ok()?;
    answered.lock().unwrap().redeemed.push(code);
    let access = token["access_token"].as_str()?.to_string();
    let nonce: Value = client
        .post(format!("{base}/v1/openid/nonce"))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    let proof = wallet.proof(base, nonce["c_nonce"].as_str()?);
    let credential = client
        .post(format!("{base}/v1/openid/credential"))
        .bearer_auth(&access)
        .json(&json!({"credential_configuration_id": config, "proofs": {"jwt": [proof]}}))
        .send()
        .await
        .ok()?;
    if credential.status() != StatusCode::OK {
        return None;
    }
    let credential: Value = credential.json().await.ok()?;
    answered
        .lock()
        .unwrap()
        .credentials
        .push(credential["notification_id"].as_str()?.to_string());
    Some(())
}

async fn answered_credentials_and_codes_survive_kill_9(engine: Engine) {
    let db = TestDatabase::new(engine).await;
    let data = db.path().join("data");
    let master = sigil_crypto::b64::encode([9u8; 32]);
    let env = [
        ("SIGIL_LISTEN", "127.0.0.1:0"),
        ("SIGIL_DATABASE_URL", db.url.as_str()),
        ("SIGIL_MASTER_KEY", master.as_str()),
        ("SIGIL_ADMIN_TOKEN", ADMIN),
        ("SIGIL_DATA_DIR", data.to_str().unwrap()),
        ("SIGIL_RATE_LIMIT_ENABLED", "false"),
    ];
    let client = reqwest::Client::new();
    let wallet = Arc::new(Wallet::new(SigningAlgorithm::Es256));
    let answered = Arc::new(Mutex::new(Answered::default()));
    let mut config = String::new();
    for round in 0..ROUNDS {
        let (mut child, base, _) = serve(db.dir.path(), &env).await;
        if round == 0 {
            let created: Value = client
                .post(format!("{base}/v1/openid/credential-configurations"))
                .bearer_auth(ADMIN)
                .json(&json!({"name": "Badge", "format": "dc+sd-jwt", "vct": "https://example.com/badge",
                    "claimMappings": {"given_name": {"mapFrom": "claims.given_name", "required": true}}}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            config = created["id"]
                .as_str()
                .expect("configuration created")
                .to_string();
        }
        let mut load = Vec::new();
        for _ in 0..WALLETS {
            let (client, base, config, wallet, answered) = (
                client.clone(),
                base.clone(),
                config.clone(),
                Arc::clone(&wallet),
                Arc::clone(&answered),
            );
            load.push(tokio::spawn(async move {
                while flow(&client, &base, &config, &wallet, &answered)
                    .await
                    .is_some()
                {}
            }));
        }
        // Killed mid-load, at a different moment each round.
        tokio::time::sleep(Duration::from_millis(400 + 250 * round as u64)).await;
        child.start_kill().unwrap();
        child.wait().await.unwrap();
        for task in load {
            task.await.unwrap();
        }
    }
    let answered = std::mem::take(&mut *answered.lock().unwrap());
    assert!(
        answered.credentials.len() >= ROUNDS * WALLETS,
        "the load issued credentials before each kill (got {})",
        answered.credentials.len()
    );

    // A last node: every code answered with a token stays redeemed.
    let (mut child, base, _) = serve(db.dir.path(), &env).await;
    for code in &answered.redeemed {
        let again = redeem(&client, &base, code).await.unwrap();
        assert_eq!(
            again.status(),
            StatusCode::BAD_REQUEST,
            "a code answered with a token before a kill is redeemed after it"
        );
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();

    // Every credential answered 200 has its record; the database is whole.
    macro_rules! check {
        ($conn:ty, $integrity:expr) => {{
            let mut conn = <$conn>::connect(&db.url).await.unwrap();
            let recorded: Vec<(String,)> = sqlx::query_as(
                "SELECT notification_id FROM issued_credentials WHERE notification_id IS NOT NULL",
            )
            .fetch_all(&mut conn)
            .await
            .unwrap();
            let recorded: std::collections::HashSet<String> =
                recorded.into_iter().map(|r| r.0).collect();
            for id in &answered.credentials {
                assert!(
                    recorded.contains(id),
                    "credential {id} was answered 200 but has no record"
                );
            }
            let integrity: Vec<(String,)> = sqlx::query_as($integrity)
                .fetch_all(&mut conn)
                .await
                .unwrap();
            integrity
        }};
    }
    match engine {
        Engine::Sqlite => {
            let integrity = check!(sqlx::SqliteConnection, "PRAGMA integrity_check");
            assert_eq!(
                integrity,
                vec![("ok".to_string(),)],
                "SQLite integrity check"
            );
        }
        Engine::Postgres => {
            // PostgreSQL recovers from its WAL; what is checked is that nothing answered is lost.
            let _ = check!(sqlx::PgConnection, "SELECT 'ok'");
        }
    }
}

on_both_engines!(answered_credentials_and_codes_survive_kill_9);
