//! `sigil-loadgen`: N concurrent virtual wallets, each running full pre-authorized flows (offer
//! through the admin API → token → nonce → ES256 key proof → credential) against a Sigil for a
//! fixed time. Reports flows per second and p50/p95/p99 latency per endpoint. Traffic goes only
//! to the URL given (use a loopback address); the run is bounded by `--duration`.

// serde_json::Value indexing yields Null on a miss; the one IndexMut writes into a literal object.
#![allow(clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};
use sigil_crypto::jwe::{self, ContentEncryption, DecryptionKey, KeyManagement};
use sigil_crypto::{SigningAlgorithm, SoftwareSigner, SystemRandom, b64url, generate_pkcs8};

/// Benchmark Sigil's pre-authorized issuance flow.
#[derive(Debug, Parser)]
#[command(name = "sigil-loadgen")]
struct Args {
    /// Base URL of the Sigil under test (its public URL).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Admin token for creating offers.
    #[arg(long, env = "SIGIL_ADMIN_TOKEN")]
    admin_token: String,
    /// Concurrent virtual wallets.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 20)]
    duration: u64,
    /// Credential format: dc+sd-jwt, jwt_vc_json, mso_mdoc (which creates an IACA first),
    /// ldp_vc, cwt_vc or cwt.
    #[arg(long, default_value = "dc+sd-jwt")]
    format: String,
    /// ldp_vc: the proof suite, eddsa-rdfc-2022 or Ed25519Signature2020.
    #[arg(long, default_value = "eddsa-rdfc-2022")]
    proof_suite: String,
    /// Require a transaction code in each offer.
    #[arg(long)]
    tx_code: bool,
    /// Bind each access token with DPoP (a proof at the token and the credential endpoint).
    #[arg(long)]
    dpop: bool,
    /// Ask for encrypted credential responses: ECDH-ES (A256GCM) or HPKE-7; each is decrypted.
    #[arg(long)]
    encrypt: Option<String>,
    /// Send every wallet's requests from one source address. By default, against a loopback IPv4
    /// URL, each wallet has an address of its own (127.0.0.2, 127.0.0.3, …), as real wallets are
    /// different clients: Sigil's per-address rate limits then count each wallet, as they would
    /// in production, instead of throttling the whole run as one client.
    #[arg(long)]
    same_address: bool,
    /// The Sigil process: report its CPU time (user + system, from /proc/PID/stat) per flow,
    /// and afterwards run a lock-step pass that measures its CPU per endpoint.
    #[arg(long)]
    server_pid: Option<u32>,
    /// A database process (PostgreSQL's postmaster): its CPU and that of all its children
    /// (the backends serving Sigil, the WAL writer, the checkpointer) is reported beside Sigil's.
    #[arg(long)]
    database_pid: Option<u32>,
    /// Issue from a revocable configuration (each credential gets a status list index).
    #[arg(long)]
    revocable: bool,
    /// After the flows (with --revocable), read the status list they went into for --duration
    /// seconds with --concurrency readers: requests/s and server CPU per read.
    #[arg(long, requires = "revocable")]
    read_status_list: bool,
    /// Rounds of the per-endpoint pass (each round: every wallet makes one flow, step by step,
    /// all wallets together, with the server's CPU read between steps). 0 skips it.
    #[arg(long, default_value_t = 100)]
    endpoint_rounds: usize,
}

const STEPS: [&str; 5] = ["offer", "token", "nonce", "credential", "flow"];

/// CPU time (user + system) of a process, in seconds, from /proc/PID/stat.
fn process_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command (which may hold spaces), counted from field 3.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // /proc counts in USER_HZ, which Linux fixes at 100 (`getconf CLK_TCK`) on x86 and ARM.
    Some(ticks as f64 / 100.0)
}

/// CPU seconds of a process and every process whose parent it is.
fn tree_cpu(pid: u32) -> f64 {
    let mut total = process_cpu(pid).unwrap_or(0.0);
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(child) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let parent = std::fs::read_to_string(format!("/proc/{child}/stat"))
                .ok()
                .and_then(|s| {
                    s.rsplit_once(')')
                        .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                });
            if parent == Some(pid) {
                total += process_cpu(child).unwrap_or(0.0);
            }
        }
    }
    total
}

/// CPU nanoseconds of every thread of a process (/proc/PID/task/*/schedstat): finer than
/// clock ticks, for the per-endpoint pass.
fn threads_cpu_ns(pid: u32) -> u64 {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// The lock-step pass: every wallet waits at each step until all have arrived; one of them
/// reads the server's CPU, which is charged to the step just ended.
struct Phases {
    pid: u32,
    barrier: tokio::sync::Barrier,
    state: std::sync::Mutex<PhaseState>,
}

#[derive(Default)]
struct PhaseState {
    current: Option<(&'static str, u64)>,
    cpu_ns: BTreeMap<&'static str, u64>,
    requests: BTreeMap<&'static str, u64>,
}

impl Phases {
    async fn enter(&self, step: Option<&'static str>, wallets: u64) {
        if self.barrier.wait().await.is_leader() {
            let now = threads_cpu_ns(self.pid);
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((previous, since)) = state.current.take() {
                *state.cpu_ns.entry(previous).or_default() += now.saturating_sub(since);
                *state.requests.entry(previous).or_default() += wallets;
            }
            state.current = step.map(|s| (s, now));
        }
        self.barrier.wait().await;
    }
}

#[derive(Default)]
struct Samples {
    latencies: BTreeMap<&'static str, Vec<Duration>>,
    flows: u64,
    errors: BTreeMap<String, u64>,
}

fn fail(msg: impl std::fmt::Display) -> ! {
    eprintln!("sigil-loadgen: {msg}");
    std::process::exit(1)
}

async fn post_json(
    client: &reqwest::Client,
    url: String,
    token: &str,
    body: &Value,
) -> Result<Value, String> {
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = res.status();
    let body: Value = res.json().await.map_err(|e| e.to_string())?;
    if status.is_success() {
        Ok(body)
    } else {
        Err(format!(
            "{status} {}",
            body.get("error")
                .or(body.get("code"))
                .unwrap_or(&Value::Null)
        ))
    }
}

struct Wallet {
    signer: SoftwareSigner,
    jwk: Value,
    /// DPoP key (distinct from the credential key).
    dpop: SoftwareSigner,
    dpop_jwk: Value,
    /// Response decryption key.
    decryption: DecryptionKey,
}

fn es256() -> (SoftwareSigner, Value) {
    let pkcs8 = generate_pkcs8(SigningAlgorithm::Es256).unwrap_or_else(|e| fail(e));
    let signer =
        SoftwareSigner::from_pkcs8(SigningAlgorithm::Es256, &pkcs8).unwrap_or_else(|e| fail(e));
    let p = signer.public_jwk();
    let jwk = json!({"kty": p.kty, "crv": p.crv, "x": p.x, "y": p.y});
    (signer, jwk)
}

fn sign(signer: &SoftwareSigner, header: &Value, claims: &Value) -> Result<String, String> {
    let input = format!(
        "{}.{}",
        b64url::encode(header.to_string()),
        b64url::encode(claims.to_string())
    );
    let sig = signer.sign(input.as_bytes()).map_err(|e| e.to_string())?;
    Ok(format!("{input}.{}", b64url::encode(sig)))
}

impl Wallet {
    fn new() -> Self {
        let (signer, jwk) = es256();
        let (dpop, dpop_jwk) = es256();
        let (decryption, _) =
            DecryptionKey::generate(&SystemRandom::new()).unwrap_or_else(|e| fail(e));
        Self {
            signer,
            jwk,
            dpop,
            dpop_jwk,
            decryption,
        }
    }

    fn proof(&self, aud: &str, nonce: &str, now: u64) -> Result<String, String> {
        let header = json!({"typ": "openid4vci-proof+jwt", "alg": "ES256", "jwk": self.jwk});
        sign(
            &self.signer,
            &header,
            &json!({"aud": aud, "iat": now, "nonce": nonce}),
        )
    }

    /// A DPoP proof (RFC 9449) for `POST htu`, with `ath` at the credential endpoint.
    fn dpop_proof(&self, htu: &str, access_token: Option<&str>) -> Result<String, String> {
        let header = json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": self.dpop_jwk});
        let jti =
            sigil_crypto::random_token(&SystemRandom::new(), "").map_err(|e| e.to_string())?;
        let mut claims = json!({"jti": jti, "htm": "POST", "htu": htu, "iat": unix_now()});
        if let Some(token) = access_token {
            claims["ath"] = json!(b64url::encode(sigil_crypto::sha256(token.as_bytes())));
        }
        sign(&self.dpop, &header, &claims)
    }
}

#[allow(clippy::disallowed_methods)] // a load generator reads the wall clock for proof iat
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn one_flow(
    client: &reqwest::Client,
    args: &Args,
    config_id: &str,
    wallet: &Wallet,
    samples: &mut Samples,
    phases: Option<&Phases>,
) -> Result<(), String> {
    let wallets = args.concurrency as u64;
    let enter = |step: Option<&'static str>| async move {
        if let Some(p) = phases {
            p.enter(step, wallets).await;
        }
    };
    enter(Some("offer")).await;
    let flow_start = Instant::now();
    let mut offer_body = json!({"credentials": [config_id], "claims": {"given_name": "Ada", "family_name": "Lovelace"}});
    if args.tx_code {
        offer_body["transactionCodeConfiguration"] = json!({"length": 6});
    }
    let t = Instant::now();
    let offer = post_json(
        client,
        format!("{}/v1/openid/offers/pre-authorized", args.url),
        &args.admin_token,
        &offer_body,
    )
    .await?;
    samples
        .latencies
        .entry("offer")
        .or_default()
        .push(t.elapsed());
    let uri = offer["uri"].as_str().ok_or("offer without uri")?;
    let query = uri
        .split_once('?')
        .map(|q| q.1)
        .ok_or("offer uri without query")?;
    let offer_json = url::form_urlencoded::parse(query.as_bytes())
        .next()
        .map(|(_, v)| v.to_string())
        .ok_or("no credential_offer")?;
    let offer_json: Value = serde_json::from_str(&offer_json).map_err(|e| e.to_string())?;
    let code = offer_json["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]["pre-authorized_code"]
        .as_str()
        .ok_or("no pre-authorized code")?
        .to_string();
    let mut form = vec![
        (
            "grant_type",
            "urn:ietf:params:oauth:grant-type:pre-authorized_code".to_string(),
        ),
        ("pre-authorized_code", code),
    ];
    if let Some(tx) = offer.get("transactionCode") {
        form.push((
            "tx_code",
            tx.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| tx.to_string()),
        ));
    }
    enter(Some("token")).await;
    let t = Instant::now();
    let token_url = format!("{}/v1/oauth/token", args.url);
    let mut request = client.post(&token_url).form(&form);
    if args.dpop {
        request = request.header("DPoP", wallet.dpop_proof(&token_url, None)?);
    }
    let res = request.send().await.map_err(|e| e.to_string())?;
    let status = res.status();
    let token: Value = res.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("token {status} {}", token["error"]));
    }
    samples
        .latencies
        .entry("token")
        .or_default()
        .push(t.elapsed());
    let access = token["access_token"]
        .as_str()
        .ok_or("no access_token")?
        .to_string();
    enter(Some("nonce")).await;
    let t = Instant::now();
    let nonce: Value = client
        .post(format!("{}/v1/openid/nonce", args.url))
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    samples
        .latencies
        .entry("nonce")
        .or_default()
        .push(t.elapsed());
    let c_nonce = nonce["c_nonce"].as_str().ok_or("no c_nonce")?;
    let proof = wallet.proof(&args.url, c_nonce, unix_now())?;
    let mut body = json!({"credential_configuration_id": config_id, "proofs": {"jwt": [proof]}});
    let encryption = args
        .encrypt
        .as_deref()
        .map(|alg| KeyManagement::parse(alg).ok_or(format!("unknown --encrypt {alg}")))
        .transpose()?;
    if let Some(alg) = encryption {
        let mut jwk = wallet.decryption.public_jwk();
        jwk.insert("alg".into(), json!(alg.as_str()));
        body["credential_response_encryption"] = json!({"jwk": jwk, "enc": "A256GCM"});
    }
    enter(Some("credential")).await;
    let t = Instant::now();
    let credential_url = format!("{}/v1/openid/credential", args.url);
    let mut request = client.post(&credential_url).json(&body);
    request = if args.dpop {
        request
            .header("authorization", format!("DPoP {access}"))
            .header("DPoP", wallet.dpop_proof(&credential_url, Some(&access))?)
    } else {
        request.bearer_auth(&access)
    };
    let res = request.send().await.map_err(|e| e.to_string())?;
    let status = res.status();
    let text = res.text().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        return Err(format!("credential {status} {text}"));
    }
    let credential: Value = match encryption {
        Some(alg) => {
            let (_, plain) = jwe::decrypt(
                &text,
                &wallet.decryption,
                &[alg],
                &[ContentEncryption::A256Gcm],
            )
            .map_err(|e| e.to_string())?;
            serde_json::from_slice(&plain).map_err(|e| e.to_string())?
        }
        None => serde_json::from_str(&text).map_err(|e| e.to_string())?,
    };
    enter(None).await;
    samples
        .latencies
        .entry("credential")
        .or_default()
        .push(t.elapsed());
    // A string for every format but ldp_vc, which is the JSON object itself.
    let issued = &credential["credentials"][0]["credential"];
    if !(issued.is_string() || issued.get("proof").is_some()) {
        return Err("no credential in the response".into());
    }
    samples
        .latencies
        .entry("flow")
        .or_default()
        .push(flow_start.elapsed());
    samples.flows += 1;
    Ok(())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted
        .get(rank.min(sorted.len() - 1))
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The HTTP client of wallet `index`: the shared one, or (against a loopback IPv4 URL, unless
/// `--same-address`) one bound to a loopback source address of the wallet's own.
fn wallet_client(args: &Args, shared: &reqwest::Client, index: usize) -> reqwest::Client {
    let loopback_v4 = url::Url::parse(&args.url)
        .ok()
        .is_some_and(|url| matches!(url.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback()));
    if args.same_address || !loopback_v4 {
        return shared.clone();
    }
    // 127.0.0.2 onwards, then 127.0.1.0 …: 127/8 is all loopback on Linux.
    let n = u32::try_from(index).unwrap_or(0) + 2;
    let source = std::net::Ipv4Addr::from(0x7f00_0000 | (n & 0x00ff_ffff));
    reqwest::Client::builder()
        .pool_max_idle_per_host(2)
        .local_address(std::net::IpAddr::V4(source))
        .build()
        .unwrap_or_else(|e| fail(e))
}

#[tokio::main]
async fn main() {
    let args = Arc::new(Args::parse());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency * 2)
        .build()
        .unwrap_or_else(|e| fail(e));
    let tag = unix_now();
    let mut config = json!({
        "name": "Load test", "format": args.format,
        "claimMappings": {"given_name": {"mapFrom": "claims.given_name", "required": true}, "family_name": {"mapFrom": "claims.family_name"}}
    });
    match args.format.as_str() {
        "dc+sd-jwt" => {
            config["vct"] = json!(format!("https://credentials.example.com/load/{tag}"));
        }
        "mso_mdoc" => {
            // An mdoc needs an active IACA; its Document Signer is made at the first issuance.
            post_json(
                &client,
                format!("{}/v1/credentials/mobile/iacas", args.url),
                &args.admin_token,
                &json!({"country": "NZ", "commonName": "Load test IACA"}),
            )
            .await
            .unwrap_or_else(|e| fail(format!("creating the IACA: {e}")));
            config["doctype"] = json!(format!("org.example.load.{tag}"));
            let flat = config["claimMappings"].take();
            config["claimMappings"] = json!({ "org.example.load": flat });
        }
        "ldp_vc" => {
            // The examples context maps every term, so the claims need no context of their own.
            config["type"] = json!(format!("LoadCredential{tag}"));
            config["contexts"] = json!(["https://www.w3.org/ns/credentials/examples/v2"]);
            config["proofSuite"] = json!(args.proof_suite);
        }
        _ => config["type"] = json!(format!("LoadCredential{tag}")),
    }
    if args.revocable {
        config["revocable"] = json!(true);
    }
    let created = post_json(
        &client,
        format!("{}/v1/openid/credential-configurations", args.url),
        &args.admin_token,
        &config,
    )
    .await
    .unwrap_or_else(|e| fail(format!("creating the credential configuration: {e}")));
    let config_id: Arc<str> = created["id"]
        .as_str()
        .unwrap_or_else(|| fail("no configuration id"))
        .into();

    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let server_before = args.server_pid.and_then(process_cpu);
    let database_before = args.database_pid.map(tree_cpu);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for index in 0..args.concurrency {
        let client = wallet_client(&args, &client, index);
        let (args, config_id) = (args.clone(), config_id.clone());
        tasks.push(tokio::spawn(async move {
            let wallet = Wallet::new();
            let mut samples = Samples::default();
            while Instant::now() < deadline {
                if let Err(e) =
                    one_flow(&client, &args, &config_id, &wallet, &mut samples, None).await
                {
                    *samples.errors.entry(e).or_default() += 1;
                }
            }
            samples
        }));
    }
    let mut all = Samples::default();
    for task in tasks {
        let s = task.await.unwrap_or_else(|e| fail(e));
        all.flows += s.flows;
        for (k, v) in s.latencies {
            all.latencies.entry(k).or_default().extend(v);
        }
        for (k, v) in s.errors {
            *all.errors.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let server_cpu = cpu_since(args.server_pid, server_before);
    let database_cpu = args
        .database_pid
        .map(tree_cpu)
        .zip(database_before)
        .map(|(after, before)| after - before);
    println!(
        "sigil-loadgen: {} wallets, {:.1} s, format {}, tx_code {}: {} flows, {:.1} flows/s, {} errors",
        args.concurrency,
        elapsed,
        if args.format == "ldp_vc" {
            format!("ldp_vc ({})", args.proof_suite)
        } else {
            args.format.clone()
        },
        args.tx_code,
        all.flows,
        all.flows as f64 / elapsed,
        all.errors.values().sum::<u64>()
    );
    println!(
        "\n| step | requests | req/s | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|"
    );
    for step in STEPS {
        let mut v = all.latencies.remove(step).unwrap_or_default();
        v.sort();
        println!(
            "| {step} | {} | {:.1} | {:.2} | {:.2} | {:.2} |",
            v.len(),
            v.len() as f64 / elapsed,
            percentile(&v, 50.0),
            percentile(&v, 95.0),
            percentile(&v, 99.0)
        );
    }
    for (error, count) in &all.errors {
        println!("error ×{count}: {error}");
    }
    if all.flows == 0 {
        std::process::exit(1);
    }
    let per_flow = |seconds: f64| seconds * 1000.0 / all.flows as f64;
    if let Some(cpu) = server_cpu {
        println!(
            "\nserver CPU: {cpu:.2} s over {} flows = {:.3} ms per flow",
            all.flows,
            per_flow(cpu)
        );
    }
    if let Some(cpu) = database_cpu {
        println!(
            "database CPU: {cpu:.2} s = {:.3} ms per flow; server + database: {:.3} ms per flow",
            per_flow(cpu),
            per_flow(cpu + server_cpu.unwrap_or(0.0))
        );
    }
    if args.read_status_list {
        read_status_list(&args, &client).await;
    }
    if let Some(pid) = args.server_pid.filter(|_| args.endpoint_rounds > 0) {
        endpoint_pass(&args, &client, &config_id, pid).await;
    }
}

/// The CPU seconds `pid` used since `before` was read.
fn cpu_since(pid: Option<u32>, before: Option<f64>) -> Option<f64> {
    pid.and_then(process_cpu)
        .zip(before)
        .map(|(after, before)| after - before)
}

/// Reads the first status list (from the aggregation endpoint) as its JWT, `concurrency` readers
/// for `duration` seconds: requests/s, latency and server CPU per read.
async fn read_status_list(args: &Arc<Args>, client: &reqwest::Client) {
    let lists: Value = client
        .get(format!("{}/v1/status-lists", args.url))
        .send()
        .await
        .unwrap_or_else(|e| fail(e))
        .json()
        .await
        .unwrap_or_else(|e| fail(e));
    let uri = lists["status_lists"][0]
        .as_str()
        .unwrap_or_else(|| fail("no status list: issue from a revocable configuration first"));
    let path = uri
        .find("/v1/status-lists/")
        .map(|at| &uri[at..])
        .unwrap_or_else(|| fail("a status list URI outside /v1/status-lists"));
    let url: Arc<str> = format!("{}{path}", args.url).into();
    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let server_before = args.server_pid.and_then(process_cpu);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for index in 0..args.concurrency {
        let client = wallet_client(args, client, index);
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut bytes = 0usize;
            while Instant::now() < deadline {
                let t = Instant::now();
                let response = client
                    .get(&*url)
                    .header("accept", "application/statuslist+jwt")
                    .send()
                    .await
                    .unwrap_or_else(|e| fail(e));
                if !response.status().is_success() {
                    fail(format!("status list: {}", response.status()));
                }
                bytes = response.bytes().await.unwrap_or_else(|e| fail(e)).len();
                latencies.push(t.elapsed());
            }
            (latencies, bytes)
        }));
    }
    let mut latencies = Vec::new();
    let mut bytes = 0;
    for task in tasks {
        let (l, b) = task.await.unwrap_or_else(|e| fail(e));
        latencies.extend(l);
        bytes = b;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "\nstatus list reads ({bytes}-byte JWT): {} reads, {:.1} reads/s, p50 {:.2} ms, p99 {:.2} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0)
    );
    if let Some(cpu) = cpu_since(args.server_pid, server_before) {
        println!(
            "server CPU: {cpu:.2} s = {:.1} µs per read",
            cpu * 1e6 / latencies.len().max(1) as f64
        );
    }
}

/// Server CPU per request of each endpoint, from the lock-step pass.
async fn endpoint_pass(args: &Arc<Args>, client: &reqwest::Client, config_id: &Arc<str>, pid: u32) {
    let phases = Arc::new(Phases {
        pid,
        barrier: tokio::sync::Barrier::new(args.concurrency),
        state: std::sync::Mutex::new(PhaseState::default()),
    });
    let mut tasks = Vec::new();
    for index in 0..args.concurrency {
        let client = wallet_client(args, client, index);
        let (args, config_id, phases) = (args.clone(), config_id.clone(), phases.clone());
        tasks.push(tokio::spawn(async move {
            let wallet = Wallet::new();
            let mut samples = Samples::default();
            for _ in 0..args.endpoint_rounds {
                // A wallet that stopped would leave the others waiting at the barrier.
                one_flow(
                    &client,
                    &args,
                    &config_id,
                    &wallet,
                    &mut samples,
                    Some(&phases),
                )
                .await
                .unwrap_or_else(|e| fail(format!("per-endpoint pass: {e}")));
            }
        }));
    }
    for task in tasks {
        task.await.unwrap_or_else(|e| fail(e));
    }
    let state = phases.state.lock().unwrap_or_else(|e| e.into_inner());
    println!(
        "\nserver CPU per request, lock-step pass ({} rounds of {} wallets):\n\n| step | requests | server CPU µs per request |\n|---|---:|---:|",
        args.endpoint_rounds, args.concurrency
    );
    let mut total = 0.0;
    for step in &STEPS[..4] {
        let requests = state.requests.get(step).copied().unwrap_or(0).max(1);
        let micros = state.cpu_ns.get(step).copied().unwrap_or(0) as f64 / 1000.0 / requests as f64;
        total += micros;
        println!("| {step} | {requests} | {micros:.1} |");
    }
    println!("| flow (sum) | | {total:.1} |");
}
