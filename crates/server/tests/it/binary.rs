//! The `sigil` binary as an operator runs it.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use crate::helpers::reply;

const SIGIL: &str = env!("CARGO_BIN_EXE_sigil");

pub(crate) fn sigil(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(SIGIL);
    cmd.current_dir(cwd).args(args).kill_on_drop(true);
    for key in sigil::config::KEYS {
        cmd.env_remove(key.env);
    }
    cmd.env_remove("SIGIL_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Starts `sigil serve`, reads stdout until it says where it listens; returns the child, the base
/// URL and everything printed before.
pub(crate) async fn serve(cwd: &Path, env: &[(&str, &str)]) -> (Child, String, String) {
    let mut child = sigil(cwd, &["serve"], env)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("sigil starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = String::new();
    let base = tokio::time::timeout(Duration::from_secs(60), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            printed.push_str(&line);
            printed.push('\n');
            if let Some(rest) = line.split("(listening on ").nth(1) {
                return format!("http://{}", rest.trim_end_matches(')'));
            }
        }
        panic!("sigil exited before listening:\n{printed}");
    })
    .await
    .expect("sigil listens within a minute");
    (child, base, printed)
}

fn token_in(printed: &str) -> Option<String> {
    printed
        .split_whitespace()
        .find(|w| w.starts_with("sigil_at_"))
        .map(str::to_string)
}

#[tokio::test]
async fn serve_needs_no_setup_and_the_cli_manages_admin_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base, printed) = serve(dir.path(), &[("SIGIL_LISTEN", "127.0.0.1:0")]).await;
    let client = reqwest::Client::new();
    let ready = reply(client.get(format!("{base}/health/ready"))).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["status"], "ok");
    assert_eq!(
        reply(client.get(format!("{base}/health/live")))
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        dir.path().join("sigil-data/sigil.db").exists(),
        "default data directory with the SQLite database"
    );
    assert!(
        dir.path().join("sigil-data/master.key").exists(),
        "generated master key file"
    );
    let initial = token_in(&printed).expect("the first start prints an admin token");
    let users = format!("{base}/v1/users");
    assert_eq!(
        reply(client.get(&users).bearer_auth(&initial)).await.status,
        StatusCode::OK
    );

    // admin-token create | list | revoke, against the running server's data directory.
    let created = sigil(dir.path(), &["admin-token", "create", "--name", "ci"], &[])
        .output()
        .await
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let second = String::from_utf8(created.stdout)
        .unwrap()
        .trim()
        .to_string();
    assert!(second.starts_with("sigil_at_"));
    assert_eq!(
        reply(client.get(&users).bearer_auth(&second)).await.status,
        StatusCode::OK
    );
    let listed = sigil(dir.path(), &["admin-token", "list"], &[])
        .output()
        .await
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains("initial") && listed.contains("ci"),
        "{listed}"
    );
    assert!(
        !listed.contains(&second) && !listed.contains(&initial),
        "list never shows tokens"
    );
    let id = listed
        .lines()
        .find(|l| l.ends_with("  ci"))
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let revoked = sigil(dir.path(), &["admin-token", "revoke", &id], &[])
        .output()
        .await
        .unwrap();
    assert!(revoked.status.success());
    assert_eq!(
        reply(client.get(&users).bearer_auth(&second)).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        reply(client.get(&users).bearer_auth(&initial)).await.status,
        StatusCode::OK
    );
    let again = sigil(dir.path(), &["admin-token", "revoke", &id], &[])
        .output()
        .await
        .unwrap();
    assert!(!again.status.success(), "revoking twice is an error");

    child.kill().await.unwrap();
    let (mut child, base, printed) = serve(dir.path(), &[("SIGIL_LISTEN", "127.0.0.1:0")]).await;
    assert_eq!(
        token_in(&printed),
        None,
        "the initial token is printed once only"
    );
    assert_eq!(
        reply(client.get(format!("{base}/v1/users")).bearer_auth(&initial))
            .await
            .status,
        StatusCode::OK
    );
    child.kill().await.unwrap();
}

#[tokio::test]
async fn bad_configuration_stops_the_start_with_the_key_named() {
    let dir = tempfile::tempdir().unwrap();
    for (env, args, needles) in [
        (
            vec![("SIGIL_PUBLIC_URL", "http://issuer.example.com")],
            vec!["serve"],
            vec!["server.public_url", "SIGIL_PUBLIC_URL"],
        ),
        (
            vec![],
            vec!["serve", "--listen", "nowhere"],
            vec!["server.listen", "command line"],
        ),
        (
            vec![("SIGIL_MASTER_KEY", "too-short")],
            vec!["serve"],
            vec!["security.master_key"],
        ),
    ] {
        let out = sigil(dir.path(), &args, &env).output().await.unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "configuration errors exit with 2"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        for needle in needles {
            assert!(stderr.contains(needle), "{stderr:?} should name {needle}");
        }
    }
    assert!(
        !dir.path().join("sigil-data").exists(),
        "nothing was created"
    );
    let bad_file = dir.path().join("sigil.toml");
    std::fs::write(&bad_file, "[database]\nurl = \"mysql://nope\"\n").unwrap();
    let out = sigil(dir.path(), &["serve"], &[]).output().await.unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("database.url") && stderr.contains("sigil.toml"),
        "{stderr}"
    );
}

/// Two `sigil serve` processes on one fresh PostgreSQL database with one master key and admin
/// token (and `env`); returns the data directory, the children and their base URLs.
pub(crate) async fn two_nodes(
    admin: &str,
    env: &[(&str, &str)],
) -> (tempfile::TempDir, Vec<Child>, Vec<String>) {
    let db = sigil_testkit::fresh_postgres_database().await;
    let master = sigil_crypto::b64::encode([7u8; 32]);
    let dir = tempfile::tempdir().unwrap();
    let mut children = Vec::new();
    let mut bases = Vec::new();
    for name in ["a", "b"] {
        let data = dir.path().join(name);
        let mut vars = vec![
            ("SIGIL_LISTEN", "127.0.0.1:0"),
            ("SIGIL_DATABASE_URL", db.as_str()),
            ("SIGIL_MASTER_KEY", master.as_str()),
            ("SIGIL_ADMIN_TOKEN", admin),
            ("SIGIL_DATA_DIR", data.to_str().unwrap()),
        ];
        vars.extend_from_slice(env);
        let (child, base, _) = serve(dir.path(), &vars).await;
        children.push(child);
        bases.push(base);
    }
    (dir, children, bases)
}

/// Creates a jwt_vc_json configuration through the node at `base`.
async fn badge_configuration(
    client: &reqwest::Client,
    base: &str,
    admin: &str,
) -> crate::helpers::Reply {
    let config = reply(
        client
            .post(format!("{base}/v1/openid/credential-configurations"))
            .bearer_auth(admin)
            .json(&serde_json::json!({"name": "Badge", "format": "jwt_vc_json", "type": "BadgeCredential"})),
    )
    .await;
    assert_eq!(config.status, StatusCode::CREATED, "{}", config.text);
    config
}

/// Two `sigil` processes on one PostgreSQL database: a pre-authorized code is redeemed exactly
/// once, and wrong transaction codes are judged exactly up to the cap, across both nodes.
#[tokio::test]
async fn two_processes_on_one_postgres_share_one_time_codes() {
    let admin = "an-admin-token-for-two-nodes-of-sigil-0123456789";
    // The race itself is under test: the per-code rate limit would refuse most racers first.
    let (_dir, nodes, bases) = two_nodes(admin, &[("SIGIL_RATE_LIMIT_ENABLED", "false")]).await;
    let client = reqwest::Client::new();
    let config = badge_configuration(&client, &bases[0], admin).await;
    let offer = |tx: bool| {
        let mut body = serde_json::json!({"credentials": [config.body["id"]]});
        if tx {
            body["transactionCodeConfiguration"] = serde_json::json!({"length": 6});
        }
        reply(
            client
                .post(format!("{}/v1/openid/offers/pre-authorized", bases[1]))
                .bearer_auth(admin)
                .json(&body),
        )
    };

    let plain = offer(false).await;
    let code = crate::wallet::pre_authorized_code(plain.body["uri"].as_str().unwrap());
    let replies = crate::issuance::concurrent_redeems(&bases, &code, None, 100).await;
    assert_eq!(
        replies
            .iter()
            .filter(|r| r.status == StatusCode::OK)
            .count(),
        1,
        "exactly one token across both nodes"
    );
    assert!(
        replies
            .iter()
            .filter(|r| r.status != StatusCode::OK)
            .all(|r| r.body["error"] == "invalid_grant")
    );

    let guarded = offer(true).await;
    let code = crate::wallet::pre_authorized_code(guarded.body["uri"].as_str().unwrap());
    let right = guarded.body["transactionCode"].to_string();
    let wrong = if right == "999999" {
        "111111"
    } else {
        "999999"
    };
    let replies = crate::issuance::concurrent_redeems(&bases, &code, Some(wrong), 100).await;
    let judged = replies
        .iter()
        .filter(|r| {
            r.body["error_description"]
                .as_str()
                .unwrap_or_default()
                .contains("attempts left")
        })
        .count();
    assert_eq!(
        judged, 5,
        "wrong tx_codes judged exactly up to the cap across both nodes"
    );
    let late = crate::issuance::concurrent_redeems(&bases, &code, Some(&right), 1).await;
    assert_eq!(
        late[0].body["error"], "invalid_grant",
        "the right code is dead after the cap"
    );
    for mut child in nodes {
        child.kill().await.unwrap();
    }
}

/// One key proof sent by 40 concurrent credential requests spread over two `sigil` processes on
/// one PostgreSQL database: its c_nonce is spent with the one issuance that is recorded, and
/// every other request is `invalid_nonce` with nothing recorded.
#[tokio::test]
async fn a_key_proof_is_spent_once_across_two_processes() {
    let admin = "an-admin-token-for-two-nodes-of-sigil-0123456789";
    let issuer = "https://issuer.example";
    let (_dir, nodes, bases) = two_nodes(
        admin,
        &[
            ("SIGIL_RATE_LIMIT_ENABLED", "false"),
            ("SIGIL_PUBLIC_URL", issuer),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let config = badge_configuration(&client, &bases[0], admin).await;
    let offer = reply(
        client
            .post(format!("{}/v1/openid/offers/pre-authorized", bases[1]))
            .bearer_auth(admin)
            .json(&serde_json::json!({"credentials": [config.body["id"]]})),
    )
    .await;
    assert_eq!(offer.status, StatusCode::CREATED, "{}", offer.text);
    let code = crate::wallet::pre_authorized_code(offer.body["uri"].as_str().unwrap());
    let token = crate::issuance::concurrent_redeems(&bases, &code, None, 1).await;
    let access = token[0].body["access_token"].as_str().unwrap().to_string();
    let nonce = reply(client.post(format!("{}/v1/openid/nonce", bases[0]))).await;
    let wallet = crate::wallet::Wallet::new(sigil_crypto::SigningAlgorithm::Es256);
    let proof = wallet.proof(issuer, nonce.body["c_nonce"].as_str().unwrap());
    let body = serde_json::json!({"credential_configuration_id": config.body["id"], "proofs": {"jwt": [proof]}});
    let mut set = tokio::task::JoinSet::new();
    for i in 0..40 {
        let request = client
            .post(format!("{}/v1/openid/credential", bases[i % 2]))
            .bearer_auth(&access)
            .json(&body);
        set.spawn(reply(request));
    }
    let mut issued = 0;
    while let Some(r) = set.join_next().await {
        let r = r.unwrap();
        if r.status == StatusCode::OK {
            issued += 1;
        } else {
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
            assert_eq!(r.body["error"], "invalid_nonce", "{}", r.text);
        }
    }
    assert_eq!(issued, 1, "exactly one credential for one key proof");
    let user = offer.body["userId"].as_str().unwrap();
    let recorded = reply(
        client
            .get(format!("{}/v1/users/{user}/credentials", bases[1]))
            .bearer_auth(admin),
    )
    .await;
    assert_eq!(recorded.body["data"].as_array().unwrap().len(), 1);
    for mut child in nodes {
        child.kill().await.unwrap();
    }
}

/// `sigil offer create` prints a redeemable offer URI, its transaction code and a QR code.
#[tokio::test]
async fn the_cli_creates_a_redeemable_offer_with_a_qr_code() {
    let dir = tempfile::tempdir().unwrap();
    let admin = "an-admin-token-for-the-offer-cli-test-0123456789";
    let (mut child, base, _) = serve(
        dir.path(),
        &[
            ("SIGIL_LISTEN", "127.0.0.1:0"),
            ("SIGIL_ADMIN_TOKEN", admin),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let config = reply(
        client
            .post(format!("{base}/v1/openid/credential-configurations"))
            .bearer_auth(admin)
            .json(&serde_json::json!({"name": "Badge", "format": "dc+sd-jwt", "vct": "https://example.com/badge"})),
    )
    .await;
    let id = config.body["id"].as_str().unwrap();
    let port = base.rsplit(':').next().unwrap();
    let listen = format!("127.0.0.1:{port}");
    let out = sigil(
        dir.path(),
        &["offer", "create", "--configuration", id, "--tx-code"],
        &[("SIGIL_LISTEN", &listen)],
    )
    .output()
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let uri = stdout
        .lines()
        .find(|l| l.starts_with("openid-credential-offer://?credential_offer="))
        .expect("the offer URI");
    let tx = stdout
        .lines()
        .find_map(|l| l.strip_prefix("transaction code: "))
        .expect("the transaction code");
    assert!(
        stdout.contains('█') || stdout.contains('▀') || stdout.contains('▄'),
        "a QR code is drawn:\n{stdout}"
    );
    let offer = crate::wallet::offer_of(uri);
    assert_eq!(
        offer["credential_issuer"],
        base.as_str(),
        "the CLI uses the server's issuer identifier"
    );
    let code = crate::wallet::pre_authorized_code(uri);
    let token = reply(client.post(format!("{base}/v1/oauth/token")).form(&[
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:pre-authorized_code",
        ),
        ("pre-authorized_code", code.as_str()),
        ("tx_code", tx),
    ]))
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);

    let bad = sigil(
        dir.path(),
        &["offer", "create", "--configuration", "nope"],
        &[("SIGIL_LISTEN", &listen)],
    )
    .output()
    .await
    .unwrap();
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("not found"), "{stderr}");
    child.kill().await.unwrap();
}

/// RFC 9449 §11.1 (SECURITY F12): a DPoP proof accepted by one node is a replay at the other.
/// Behind one load balancer both nodes have the same public URL, so the same `htu`.
#[tokio::test]
async fn two_processes_on_one_postgres_refuse_a_replayed_dpop_proof() {
    use sigil_crypto::SigningAlgorithm;
    let admin = "an-admin-token-for-two-dpop-nodes-0123456789";
    let public = "http://127.0.0.1:8443";
    let (_dir, _nodes, bases) = two_nodes(admin, &[("SIGIL_PUBLIC_URL", public)]).await;
    let client = reqwest::Client::new();
    let config = badge_configuration(&client, &bases[0], admin).await;
    let code = || async {
        let offer = reply(
            client
                .post(format!("{}/v1/openid/offers/pre-authorized", bases[1]))
                .bearer_auth(admin)
                .json(&serde_json::json!({"credentials": [config.body["id"]]})),
        )
        .await;
        crate::wallet::pre_authorized_code(offer.body["uri"].as_str().unwrap())
    };
    let redeem = |base: String, code: String, proof: String| {
        let client = client.clone();
        async move {
            reply(
                client
                    .post(format!("{base}/v1/oauth/token"))
                    .header("DPoP", proof)
                    .form(&[
                        (
                            "grant_type",
                            "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                        ),
                        ("pre-authorized_code", code.as_str()),
                    ]),
            )
            .await
        }
    };
    let key = crate::wallet::Wallet::new(SigningAlgorithm::Es256);
    let htu = format!("{public}/v1/oauth/token");
    // Accepted by node a, replayed at node b.
    let proof = key.dpop("POST", &htu, None, None);
    let first = redeem(bases[0].clone(), code().await, proof.clone()).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["token_type"], "DPoP");
    let replayed = redeem(bases[1].clone(), code().await, proof).await;
    assert_eq!(
        replayed.status,
        StatusCode::BAD_REQUEST,
        "{}",
        replayed.text
    );
    assert_eq!(replayed.body["error"], "invalid_dpop_proof");
    // One fresh proof sent to both nodes at once, 8 times each with 16 codes: one winner.
    let proof = key.dpop("POST", &htu, None, None);
    let mut tasks = Vec::new();
    for i in 0..16 {
        let base = bases[i % 2].clone();
        tasks.push(tokio::spawn(redeem(base, code().await, proof.clone())));
    }
    let mut winners = 0;
    for t in tasks {
        let r = t.await.unwrap();
        if r.status == StatusCode::OK {
            winners += 1;
        } else {
            assert_eq!(r.body["error"], "invalid_dpop_proof", "{}", r.text);
        }
    }
    assert_eq!(winners, 1, "one DPoP proof, one token, across both nodes");
}

/// Two `sigil` processes on one PostgreSQL: 2,000 revocable credentials, issued in batches of 10
/// through both, hold 2,000 distinct indices in no visible order; a revocation made through one
/// node is served by the other within the configured `ttl`.
#[tokio::test]
async fn status_indices_are_unique_and_unordered_across_two_processes() {
    use crate::status_lists::{entry, revocable_sd_jwt, token_list, token_references};
    let admin = "an-admin-token-for-two-nodes-of-sigil-0123456789";
    let issuer = "https://issuer.example";
    let ttl = 2;
    let (_dir, nodes, bases) = two_nodes(
        admin,
        &[
            ("SIGIL_RATE_LIMIT_ENABLED", "false"),
            ("SIGIL_PUBLIC_URL", issuer),
            ("SIGIL_STATUS_LIST_TTL_SECS", "2"),
        ],
    )
    .await;
    let client = reqwest::Client::new();
    let config = reply(
        client
            .post(format!("{}/v1/openid/credential-configurations", bases[0]))
            .bearer_auth(admin)
            .json(&revocable_sd_jwt()),
    )
    .await;
    assert_eq!(config.status, StatusCode::CREATED, "{}", config.text);
    let config = config.body["id"].as_str().unwrap().to_string();
    let offer = reply(
        client
            .post(format!("{}/v1/openid/offers/pre-authorized", bases[1]))
            .bearer_auth(admin)
            .json(&serde_json::json!({"credentials": [config], "claims": {"given_name": "Ada"}})),
    )
    .await;
    assert_eq!(offer.status, StatusCode::CREATED, "{}", offer.text);
    let user = offer.body["userId"].as_str().unwrap().to_string();
    let code = crate::wallet::pre_authorized_code(offer.body["uri"].as_str().unwrap());
    let token = crate::issuance::concurrent_redeems(&bases, &code, None, 1).await;
    let access = token[0].body["access_token"].as_str().unwrap().to_string();

    // 200 requests of 10 proofs, 8 at a time, alternating nodes; kept in request order.
    let mut issued: Vec<(usize, Vec<(u64, String)>)> = Vec::new();
    for round in 0..25 {
        let mut set = tokio::task::JoinSet::new();
        for k in 0..8 {
            let n = round * 8 + k;
            let base = bases[n % 2].clone();
            let (client, access, config) = (client.clone(), access.clone(), config.clone());
            set.spawn(async move {
                let nonce = reply(client.post(format!("{base}/v1/openid/nonce"))).await;
                let nonce = nonce.body["c_nonce"].as_str().unwrap().to_string();
                let proofs: Vec<String> = (0..10)
                    .map(|_| {
                        crate::wallet::Wallet::new(sigil_crypto::SigningAlgorithm::Es256)
                            .proof(issuer, &nonce)
                    })
                    .collect();
                let r = reply(
                    client
                        .post(format!("{base}/v1/openid/credential"))
                        .bearer_auth(&access)
                        .json(&serde_json::json!({"credential_configuration_id": config, "proofs": {"jwt": proofs}})),
                )
                .await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                (n, token_references(&r.body))
            });
        }
        while let Some(r) = set.join_next().await {
            issued.push(r.unwrap());
        }
    }
    issued.sort_by_key(|(n, _)| *n);
    let refs: Vec<(u64, String)> = issued.into_iter().flat_map(|(_, r)| r).collect();
    assert_eq!(refs.len(), 2_000);
    let uri = refs[0].1.clone();
    assert!(
        refs.iter().all(|(_, u)| *u == uri),
        "one list of 131,072 holds them"
    );
    let indices: Vec<f64> = refs.iter().map(|(i, _)| *i as f64).collect();
    let distinct: std::collections::HashSet<u64> = refs.iter().map(|(i, _)| *i).collect();
    assert_eq!(distinct.len(), 2_000, "2,000 distinct indices");
    // No visible order. Sequential or block-wise allocation fails each of these; uniformly
    // random indices pass them with overwhelming probability (bounds at ~4.5 sigma).
    let size = 131_072.0;
    let near = indices
        .windows(2)
        .filter(|w| (w[0] - w[1]).abs() <= 64.0)
        .count();
    assert!(
        near <= 20,
        "{near} consecutive credentials got nearby indices"
    );
    let ranks = |values: &[f64]| -> Vec<f64> {
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|a, b| values[*a].total_cmp(&values[*b]));
        let mut rank = vec![0.0; values.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i] = r as f64;
        }
        rank
    };
    let n = indices.len() as f64;
    let issue_order: Vec<f64> = (0..indices.len()).map(|i| i as f64).collect();
    let (a, b) = (ranks(&issue_order), ranks(&indices));
    let d2: f64 = a.iter().zip(&b).map(|(x, y)| (x - y).powi(2)).sum();
    let spearman = 1.0 - 6.0 * d2 / (n * (n * n - 1.0));
    assert!(
        spearman.abs() < 0.1,
        "issue order and index correlate: {spearman}"
    );
    let mut buckets = [0.0f64; 16];
    for i in &indices {
        buckets[(i / (size / 16.0)) as usize] += 1.0;
    }
    let expected = n / 16.0;
    let chi2: f64 = buckets
        .iter()
        .map(|o| (o - expected).powi(2) / expected)
        .sum();
    assert!(
        chi2 < 40.0,
        "indices cluster (chi-square {chi2:.1}, 15 df): {buckets:?}"
    );

    // A revocation through node A, served by node B (which has the list cached) within ttl.
    let (idx, _) = refs[1_234].clone();
    let list = token_list(&client, &bases[1], &uri).await;
    assert_eq!(entry(&list, idx), 0);
    let credentials = reply(
        client
            .get(format!("{}/v1/users/{user}/credentials", bases[0]))
            .bearer_auth(admin),
    )
    .await;
    let id = credentials.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["statusLists"][0]["index"] == idx)
        .map(|c| c["id"].as_str().unwrap().to_string())
        .unwrap();
    let revoked = reply(
        client
            .post(format!("{}/v1/credentials/{id}/status", bases[0]))
            .bearer_auth(admin)
            .json(&serde_json::json!({"status": "revoked"})),
    )
    .await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let start = std::time::Instant::now();
    loop {
        if entry(&token_list(&client, &bases[1], &uri).await, idx) == 1 {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_millis(ttl * 1000 + 1500),
            "node B still serves the credential as valid after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    eprintln!("node B served the revocation after {:?}", start.elapsed());
    for mut child in nodes {
        child.kill().await.unwrap();
    }
}

/// `sigil credential suspend|revoke|reinstate`: the command line changes a credential's status
/// beside a running server, which serves the change within its ttl; refusals exit non-zero and
/// change nothing.
#[tokio::test]
async fn the_cli_revokes_suspends_and_reinstates_credentials() {
    use crate::status_lists::{entry, revocable_sd_jwt, token_list, token_reference};
    let dir = tempfile::tempdir().unwrap();
    let admin = "an-admin-token-for-the-status-cli-test-0123456789";
    let env = [
        ("SIGIL_LISTEN", "127.0.0.1:0"),
        ("SIGIL_ADMIN_TOKEN", admin),
        ("SIGIL_STATUS_LIST_TTL_SECS", "1"),
    ];
    let (mut child, base, _) = serve(dir.path(), &env).await;
    let client = reqwest::Client::new();
    let config = reply(
        client
            .post(format!("{base}/v1/openid/credential-configurations"))
            .bearer_auth(admin)
            .json(&revocable_sd_jwt()),
    )
    .await;
    assert_eq!(config.status, StatusCode::CREATED, "{}", config.text);
    let config = config.body["id"].as_str().unwrap().to_string();
    let offer = reply(
        client
            .post(format!("{base}/v1/openid/offers/pre-authorized"))
            .bearer_auth(admin)
            .json(&serde_json::json!({"credentials": [config], "claims": {"given_name": "Ada"}})),
    )
    .await;
    let user = offer.body["userId"].as_str().unwrap().to_string();
    let code = crate::wallet::pre_authorized_code(offer.body["uri"].as_str().unwrap());
    let token =
        crate::issuance::concurrent_redeems(std::slice::from_ref(&base), &code, None, 1).await;
    let access = token[0].body["access_token"].as_str().unwrap().to_string();
    let nonce = reply(client.post(format!("{base}/v1/openid/nonce"))).await;
    let proof = crate::wallet::Wallet::new(sigil_crypto::SigningAlgorithm::Es256)
        .proof(&base, nonce.body["c_nonce"].as_str().unwrap());
    let issued = reply(
        client
            .post(format!("{base}/v1/openid/credential"))
            .bearer_auth(&access)
            .json(&serde_json::json!({"credential_configuration_id": config, "proofs": {"jwt": [proof]}})),
    )
    .await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text);
    let (idx, uri) = token_reference(
        issued.body["credentials"][0]["credential"]
            .as_str()
            .unwrap(),
    );
    let listed = reply(
        client
            .get(format!("{base}/v1/users/{user}/credentials"))
            .bearer_auth(admin),
    )
    .await;
    let id = listed.body["data"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(entry(&token_list(&client, &base, &uri).await, idx), 0);
    let port = base.rsplit(':').next().unwrap();
    let listen = format!("127.0.0.1:{port}");
    let cli = |args: Vec<String>| {
        let listen = listen.clone();
        let dir = dir.path().to_path_buf();
        async move {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            sigil(
                &dir,
                &args,
                &[("SIGIL_LISTEN", &listen), ("SIGIL_ADMIN_TOKEN", admin)],
            )
            .output()
            .await
            .unwrap()
        }
    };
    let served_as = async |value: u8| {
        let start = std::time::Instant::now();
        while entry(&token_list(&client, &base, &uri).await, idx) != value {
            assert!(
                start.elapsed() < Duration::from_secs(3),
                "the server never served status {value}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let args = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    let out = cli(args(&["credential", "suspend", &id])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&id) && stdout.contains("suspended"),
        "{stdout}"
    );
    served_as(2).await;
    let out = cli(args(&["credential", "reinstate", &id])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    served_as(0).await;
    let out = cli(args(&["credential", "revoke", "--user", &user])).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    served_as(1).await;
    // Refusals: revoked is final; unknown ids are not found. Nothing changes.
    for words in [
        vec!["credential", "reinstate", id.as_str()],
        vec!["credential", "revoke", id.as_str(), "--issuance"],
        vec![
            "credential",
            "suspend",
            "0190f1e2-0000-7000-8000-000000000000",
        ],
    ] {
        let out = cli(args(&words)).await;
        assert!(!out.status.success(), "{words:?} succeeded");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("revoked") || stderr.contains("not found"),
            "{words:?}: {stderr}"
        );
    }
    assert_eq!(entry(&token_list(&client, &base, &uri).await, idx), 1);
    let history = reply(
        client
            .get(format!("{base}/v1/users/{user}/credentials"))
            .bearer_auth(admin),
    )
    .await;
    assert_eq!(history.body["data"][0]["status"], "revoked");
    child.kill().await.unwrap();
}
