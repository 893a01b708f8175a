//! What Sigil's fuzz targets share: fixed test keys, a clock that stands still, a deterministic
//! random source, and, for the targets that drive `sigil_core::Sigil` itself (`proofs`,
//! `authorization_query`), one application per process on a fresh SQLite database.
//!
//! Everything here is for fuzzing only: the keys are public test keys, the random source is
//! predictable on purpose (so that a crash reproduces), and no request leaves the process.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use serde_json::{Map, Value, json};
use sigil_core::keys::provider::{KeyProviders, SoftwareKeyProvider};
use sigil_core::outbound::{HttpClient, OutboundError, Request, Response};
use sigil_core::store::AccessTokenRecord;
use sigil_core::{FixedClock, OAuthSettings, Settings, Sigil};
use sigil_crypto::{
    CryptoError, MasterKey, SecretString, SecureRandom, SigningAlgorithm, SoftwareSigner, b64,
    b64url, sha256,
};

/// The time every target runs at: 2026-01-01T00:00:00Z. Seeds with `iat` here stay valid.
pub const NOW: i64 = 1_767_225_600;
/// The credential issuer identifier of the fuzzed application.
pub const ISSUER: &str = "https://issuer.example";
/// The wallet client's redirect URI.
pub const REDIRECT_URI: &str = "https://wallet.example/cb";
/// The master key of the fuzzed application (a test key).
pub const MASTER_KEY: [u8; 32] = [0x5a; 32];
/// The access token the `proofs` target presents (its SHA-256 is in [`App::token`]).
pub const ACCESS_TOKEN: &str = "fuzz-access-token";

/// A wallet's ES256 key (PKCS#8, base64): a test key, never used outside fuzzing.
const WALLET_ES256: &str = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgKRz6Y99LRnXtA1v1XHiFHbnvbpNuXu0O1pwlQ/3CvlWhRANCAATYYcfdwtWowhHVeh2XUfOPwBfkvDbsKuGnJI3aLV7WkBnXjFfDIaUbXJ3Y9lCRtV4kANC4n7RGw5fLIMcwn+Qg";
/// A wallet's Ed25519 key: PKCS#8 v1 around a fixed 32-byte seed.
const WALLET_ED25519_SEED: [u8; 32] = [0x11; 32];

/// A random source that is not random: SHA-256(seed ‖ counter) blocks, so runs reproduce.
#[derive(Debug)]
pub struct FuzzRandom {
    seed: u64,
    counter: AtomicU64,
}

impl FuzzRandom {
    /// A stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            counter: AtomicU64::new(0),
        }
    }
}

impl SecureRandom for FuzzRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        for chunk in dest.chunks_mut(32) {
            let n = self.counter.fetch_add(1, Ordering::Relaxed);
            let mut input = self.seed.to_be_bytes().to_vec();
            input.extend_from_slice(&n.to_be_bytes());
            for (d, s) in chunk.iter_mut().zip(sha256(&input)) {
                *d = s;
            }
        }
        Ok(())
    }
}

/// Outbound requests are never sent while fuzzing.
#[derive(Debug)]
pub struct NoNetwork;

#[async_trait]
impl HttpClient for NoNetwork {
    async fn send(&self, request: Request) -> Result<Response, OutboundError> {
        Err(OutboundError::Forbidden(
            request.url.host_str().unwrap_or_default().to_string(),
        ))
    }
}

/// A wallet's signing key for `alg` (ES256 or EdDSA), fixed across runs.
pub fn wallet(alg: SigningAlgorithm) -> SoftwareSigner {
    let pkcs8 = match alg {
        SigningAlgorithm::Es256 => b64::decode(WALLET_ES256).unwrap_or_default(),
        SigningAlgorithm::EdDsa => {
            // PKCS#8 v1 (RFC 8410 §7): SEQUENCE { 0, { id-Ed25519 }, OCTET STRING { seed } }.
            let mut der = vec![
                0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
                0x04, 0x20,
            ];
            der.extend_from_slice(&WALLET_ED25519_SEED);
            der
        }
    };
    SoftwareSigner::from_pkcs8(alg, &pkcs8).expect("the fixed wallet key parses")
}

/// The public JWK of a wallet key, as a wallet puts it in a proof header.
pub fn wallet_jwk(signer: &SoftwareSigner) -> Map<String, Value> {
    signer.public_jwk().key_members()
}

/// A compact JWS over the exact `header` and `payload` bytes (which need not be JSON).
pub fn sign_raw(signer: &SoftwareSigner, header: &[u8], payload: &[u8]) -> String {
    let input = format!("{}.{}", b64url::encode(header), b64url::encode(payload));
    let signature = signer.sign(input.as_bytes()).unwrap_or_default();
    format!("{input}.{}", b64url::encode(signature))
}

/// The application the `proofs` and `authorization_query` targets drive, and what they need
/// to address it.
#[derive(Debug)]
pub struct App {
    /// A current-thread runtime; every call is `runtime.block_on(...)`.
    pub runtime: tokio::runtime::Runtime,
    /// The application, on a fresh SQLite database with DPoP nonces required.
    pub sigil: Sigil,
    /// A `dc+sd-jwt` configuration (scope `dc+sd-jwt:https://issuer.example/fuzz`).
    pub configuration_id: String,
    /// A public wallet client redirecting to [`REDIRECT_URI`].
    pub client_id: String,
    /// An access token record for [`ACCESS_TOKEN`], granting the configuration to a user.
    pub token: AccessTokenRecord,
}

static APP: OnceLock<App> = OnceLock::new();

/// The per-process application, created on first use.
pub fn app() -> &'static App {
    APP.get_or_init(|| start().expect("the fuzzed application starts"))
}

/// Where this process keeps its database: a fresh directory under the temporary directory.
fn data_dir() -> PathBuf {
    std::env::temp_dir().join(format!("sigil-fuzz-{}", std::process::id()))
}

fn start() -> Result<App, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let dir = data_dir();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let url = sigil_store::DatabaseUrl::Sqlite(dir.join("sigil.db"));
    let settings = Settings {
        public_url: ISSUER.into(),
        admin_token: Some(SecretString::new("fuzz-admin-token")),
        issuer_name: "Sigil (fuzzing)".into(),
        oauth: OAuthSettings {
            require_dpop_nonce: true,
            ..OAuthSettings::default()
        },
        mdoc: Default::default(),
        rate_limit: Default::default(),
        key_overlap: 86_400,
        status_list: Default::default(),
    };
    let master_key = Arc::new(MasterKey::from_bytes(&MASTER_KEY).map_err(|e| e.to_string())?);
    let rng: Arc<dyn SecureRandom> = Arc::new(FuzzRandom::new(1));
    let providers = KeyProviders::new(Arc::new(SoftwareKeyProvider::new(
        master_key.clone(),
        rng.clone(),
    )));
    let parts = runtime.block_on(async {
        let store = sigil_store::connect(&url, 1)
            .await
            .map_err(|e| e.to_string())?;
        let started = Sigil::start(
            store,
            Arc::new(FixedClock::new(NOW)),
            rng,
            master_key,
            Arc::new(NoNetwork),
            providers,
            settings,
        )
        .await
        .map_err(|e| e.to_string())?;
        let sigil = started.sigil;
        let configuration = serde_json::from_value(json!({
            "name": "Fuzz", "format": "dc+sd-jwt", "vct": "https://issuer.example/fuzz",
            "claimMappings": {
                "given_name": {"mapFrom": "claims.given_name", "defaultValue": "Ada"},
                "nationalities": {"defaultValue": ["NZ"]}
            },
            "expiresIn": {"days": 30}
        }))
        .map_err(|e| e.to_string())?;
        let configuration_id = sigil
            .credential_configurations()
            .create_credential_configuration(configuration)
            .await
            .map_err(|e| e.to_string())?
            .id;
        let client =
            serde_json::from_value(json!({"name": "Wallet", "redirectUris": [REDIRECT_URI]}))
                .map_err(|e| e.to_string())?;
        let client_id = sigil
            .wallet_clients()
            .create_client(&client)
            .await
            .map_err(|e| e.to_string())?
            .id;
        let user = serde_json::from_value(json!({"claims": {"given_name": "Grace"}}))
            .map_err(|e| e.to_string())?;
        let user_id = sigil
            .users()
            .create_user(user)
            .await
            .map_err(|e| e.to_string())?
            .id;
        let token = AccessTokenRecord {
            token_hash: sha256(ACCESS_TOKEN.as_bytes()).to_vec(),
            user_id,
            offer_id: None,
            configuration_ids: serde_json::to_string(&[&configuration_id])
                .map_err(|e| e.to_string())?,
            claims: None,
            client_id: None,
            authorization_code_hash: None,
            credential_identifiers: None,
            dpop_jkt: None,
            expires_at: NOW + 300,
            created_at: NOW,
            // Read by the store when the token is looked up; here the issuance reads the user.
            user: None,
        };
        Ok::<_, String>((sigil, configuration_id, client_id, token))
    })?;
    let (sigil, configuration_id, client_id, token) = parts;
    Ok(App {
        runtime,
        sigil,
        configuration_id,
        client_id,
        token,
    })
}
