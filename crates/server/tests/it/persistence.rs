//! What survives a restart, what two nodes share, and what the database must never hold in clear.

use reqwest::StatusCode;
use serde_json::json;
use sigil::Server;
use sigil_crypto::{SigningAlgorithm, SoftwareSigner};
use sigil_testkit::Engine;
use sqlx::Connection as _;

use crate::helpers::{reply, spawn_app, test_config};
use crate::on_both_engines;

on_both_engines!(
    a_restart_keeps_configuration_users_and_keys,
    the_database_holds_no_secret_in_clear,
    offer_references_are_stored_as_hashes_only,
    two_nodes_on_one_database_share_keys_and_one_initial_token,
);

async fn a_restart_keeps_configuration_users_and_keys(engine: Engine) {
    let mut app = spawn_app(engine).await;
    let hook = app
        .put(
            "/v1/openid/configuration",
            json!({"interactionHook": {"url": "https://hook.example.com/cb", "claims": ["email"]}}),
        )
        .await;
    let config = app
        .post(
            "/v1/openid/credential-configurations",
            json!({"name": "Badge", "format": "jwt_vc_json", "type": "BadgeCredential",
            "claimMappings": {"email": {"mapFrom": "claims.email", "required": true}}}),
        )
        .await;
    let user = app
        .post("/v1/users", json!({"claims": {"email": "a@b.example"}}))
        .await;
    let jwks_before = reply(app.client.get(app.url("/v1/oauth/jwks"))).await;
    assert_eq!(jwks_before.status, StatusCode::OK);
    assert_eq!(
        jwks_before.headers["content-type"],
        "application/jwk-set+json"
    );
    let keys = jwks_before.body["keys"].as_array().unwrap();
    assert_eq!(
        keys.iter()
            .map(|k| k["alg"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["ES256", "EdDSA"]
    );
    for k in keys {
        assert!(k.get("d").is_none(), "no private member is published");
        assert_eq!(k["use"], "sig");
    }

    app.restart().await;

    let jwks_after = reply(app.client.get(app.url("/v1/oauth/jwks"))).await;
    assert_eq!(
        jwks_after.text, jwks_before.text,
        "JWKS byte-identical across restarts"
    );
    assert_eq!(
        app.get("/v1/openid/configuration").await.body,
        hook.body,
        "hook and its secret kept"
    );
    let config_path = format!(
        "/v1/openid/credential-configurations/{}",
        config.body["id"].as_str().unwrap()
    );
    assert_eq!(app.get(&config_path).await.body, config.body);
    let user_path = format!("/v1/users/{}", user.body["id"].as_str().unwrap());
    assert_eq!(app.get(&user_path).await.body, user.body);
}

/// Every value stored in the database, as text (PostgreSQL) or the raw file bytes (SQLite).
pub async fn raw_database(app: &crate::helpers::TestApp, engine: Engine) -> Vec<u8> {
    match engine {
        Engine::Sqlite => {
            let mut bytes = Vec::new();
            for entry in std::fs::read_dir(app.db.path()).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().to_string();
                if name.starts_with("sigil.db") {
                    bytes.extend(std::fs::read(&path).unwrap());
                }
            }
            bytes
        }
        Engine::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
            let mut bytes = Vec::new();
            for table in [
                "admin_tokens",
                "interaction_hooks",
                "signing_keys",
                "users",
                "credential_configurations",
                "bootstrap_steps",
                "offers",
            ] {
                let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT t::text FROM {table} t"
                )))
                .fetch_all(&mut conn)
                .await
                .unwrap();
                for (row,) in rows {
                    bytes.extend(row.into_bytes());
                }
            }
            bytes
        }
    }
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

async fn the_database_holds_no_secret_in_clear(engine: Engine) {
    let app = spawn_app(engine).await;
    let hook = app
        .put(
            "/v1/openid/configuration",
            json!({"interactionHook": {"url": "https://hook.example.com/cb"}}),
        )
        .await;
    let secret_b64 = hook.body["interactionHook"]["secret"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = sigil_crypto::b64::decode(&secret_b64).unwrap();
    let raw = raw_database(&app, engine).await;
    assert!(raw.len() > 1000, "the dump is not empty");
    assert!(
        contains(&raw, b"hook.example.com"),
        "the dump does see stored values"
    );
    for (what, needle) in [
        ("admin token", app.token.as_bytes().to_vec()),
        (
            "admin token body",
            app.token
                .trim_start_matches("sigil_at_")
                .as_bytes()
                .to_vec(),
        ),
        ("hook secret (base64)", secret_b64.as_bytes().to_vec()),
        ("hook secret (bytes)", secret.clone()),
        ("hook secret (hex)", hex(&secret).into_bytes()),
        (
            "hook secret (HEX)",
            hex(&secret).to_uppercase().into_bytes(),
        ),
    ] {
        assert!(
            !contains(&raw, &needle),
            "the database holds the {what} in clear"
        );
    }
    // Private keys: the stored blobs are not PKCS#8 (no key-algorithm OIDs) and do not parse.
    let ec_oid = [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    assert!(!contains(&raw, &ec_oid), "no P-256 PKCS#8 in clear");
    assert!(
        !contains(&raw, hex(&ec_oid).as_bytes()),
        "no P-256 PKCS#8 in clear (hex)"
    );
    // The same query through each engine's own connection type.
    macro_rules! private_key_blobs {
        ($conn:ty) => {{
            let mut conn = <$conn>::connect(&app.db.url).await.unwrap();
            sqlx::query_as::<_, (Vec<u8>,)>("SELECT private_key_ciphertext FROM signing_keys")
                .fetch_all(&mut conn)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.0)
                .collect::<Vec<Vec<u8>>>()
        }};
    }
    let blobs = match engine {
        Engine::Sqlite => private_key_blobs!(sqlx::SqliteConnection),
        Engine::Postgres => private_key_blobs!(sqlx::PgConnection),
    };
    assert_eq!(
        blobs.len(),
        5,
        "two credential keys, the issuer CA key and two request-encryption keys"
    );
    for blob in blobs {
        for alg in SigningAlgorithm::ALL {
            assert!(SoftwareSigner::from_pkcs8(alg, &blob).is_err());
            assert!(SoftwareSigner::from_pkcs8(alg, &blob[12..]).is_err());
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(app.data_dir().join("master.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the generated master key file is private"
        );
    }
}

async fn two_nodes_on_one_database_share_keys_and_one_initial_token(engine: Engine) {
    let db = sigil_testkit::TestDatabase::new(engine).await;
    let master = sigil_crypto::b64::encode([42u8; 32]);
    let extra = [("security.master_key", master.as_str())];
    let a = test_config(&db, &extra);
    let mut b = test_config(&db, &extra);
    b.data_dir = db.path().join("node-b");
    let (one, two) = tokio::join!(Server::start(&a), Server::start(&b));
    let (one, two) = (one.unwrap(), two.unwrap());
    let tokens = [
        one.initial_admin_token.is_some(),
        two.initial_admin_token.is_some(),
    ];
    assert_eq!(
        tokens.iter().filter(|t| **t).count(),
        1,
        "exactly one node prints the initial token"
    );
    let client = reqwest::Client::new();
    let jwks_one = reply(client.get(format!("http://{}/v1/oauth/jwks", one.public_addr))).await;
    let jwks_two = reply(client.get(format!("http://{}/v1/oauth/jwks", two.public_addr))).await;
    assert_eq!(
        jwks_one.text, jwks_two.text,
        "both nodes publish the same keys"
    );
    assert_eq!(
        jwks_one.body["keys"].as_array().unwrap().len(),
        2,
        "one key per algorithm, not one per node"
    );
    let token = one
        .initial_admin_token
        .as_ref()
        .or(two.initial_admin_token.as_ref())
        .unwrap()
        .expose()
        .to_string();
    for node in [&one, &two] {
        let r = reply(
            client
                .get(format!("http://{}/v1/users", node.public_addr))
                .bearer_auth(&token),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "the token works on both nodes");
    }
    one.shutdown().await;
    two.shutdown().await;
}

/// Defect 6: a by-reference offer's reference was stored in clear, so one read from a dump
/// fetched the offer with its live pre-authorized code. Only its SHA-256 is stored now, and
/// references stored in clear by an older Sigil are hashed when the store opens.
async fn offer_references_are_stored_as_hashes_only(engine: Engine) {
    let mut app = spawn_app(engine).await;
    let config = app
        .post(
            "/v1/openid/credential-configurations",
            json!({"name": "Badge", "format": "jwt_vc_json", "type": "BadgeCredential",
                   "claimMappings": {"email": {"mapFrom": "claims.email"}}}),
        )
        .await;
    let config = config.body["id"].as_str().unwrap().to_string();
    let offer = app
        .post(
            "/v1/openid/offers/pre-authorized",
            json!({"credentials": [config], "byReference": true, "claims": {"email": "r@example.com"}}),
        )
        .await;
    assert_eq!(offer.status, StatusCode::CREATED, "{}", offer.text);
    let uri = offer.body["uri"].as_str().unwrap();
    let offer_uri = url::form_urlencoded::parse(uri.split_once('?').unwrap().1.as_bytes())
        .next()
        .unwrap()
        .1
        .to_string();
    let reference = offer_uri.rsplit('/').next().unwrap().to_string();
    let raw = raw_database(&app, engine).await;
    assert!(contains(&raw, b"r@example.com"), "the dump sees the offer");
    let bytes = sigil_crypto::b64url::decode(&reference).unwrap();
    for (what, needle) in [
        ("reference", reference.as_bytes().to_vec()),
        ("reference bytes", bytes.clone()),
        ("reference hex", hex(&bytes).into_bytes()),
    ] {
        assert!(!contains(&raw, &needle), "the database holds the {what}");
    }
    // What the dump does hold (the hash) fetches nothing.
    let hash = sigil_crypto::sha256(reference.as_bytes());
    for guess in [sigil_crypto::b64url::encode(hash), hex(&hash)] {
        let r = reply(
            app.client
                .get(app.url(&format!("/v1/openid/offers/{guess}"))),
        )
        .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    }
    let fetched = reply(app.client.get(&offer_uri)).await;
    assert_eq!(fetched.status, StatusCode::OK, "{}", fetched.text);

    // An offer stored by an older Sigil, reference in clear: hashed when the store opens, and
    // still fetched by its reference.
    let legacy = sigil_crypto::b64url::encode([7u8; 32]);
    let legacy = legacy.as_str();
    assert_eq!(legacy.len(), 43);
    macro_rules! make_legacy {
        ($conn:ty) => {{
            let mut conn = <$conn>::connect(&app.db.url).await.unwrap();
            sqlx::query("UPDATE offers SET reference = $1, reference_hash = NULL")
                .bind(legacy)
                .execute(&mut conn)
                .await
                .unwrap();
        }};
    }
    macro_rules! clear_references {
        ($conn:ty) => {{
            let mut conn = <$conn>::connect(&app.db.url).await.unwrap();
            let (n,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM offers WHERE reference IS NOT NULL")
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
            n
        }};
    }
    match engine {
        Engine::Sqlite => make_legacy!(sqlx::SqliteConnection),
        Engine::Postgres => make_legacy!(sqlx::PgConnection),
    }
    app.restart().await;
    let left = match engine {
        Engine::Sqlite => clear_references!(sqlx::SqliteConnection),
        Engine::Postgres => clear_references!(sqlx::PgConnection),
    };
    assert_eq!(left, 0, "no reference is left in clear");
    let r = reply(
        app.client
            .get(app.url(&format!("/v1/openid/offers/{legacy}"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
