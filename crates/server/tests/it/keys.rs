//! Issuer keys: every signature goes through the key provider (credentials of all six formats and
//! every certificate Sigil makes), and keys rotate with overlap — the new key signs at once, on a
//! second node within a bounded time, old credentials keep verifying with what Sigil publishes,
//! and after the overlap the retired keys are gone from every published document.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::Value as Cbor;
use coset::{AsCborValue, TaggedCborSerializable};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_core::keys::provider::{KeyProvider, KeyUse, ProvidedKey};
use sigil_core::{Clock, FixedClock};
use sigil_crypto::certificate::pem;
use sigil_crypto::mdoc_certificate::pem_decode;
use sigil_crypto::{PublicJwk, SealedBox, SigningAlgorithm, b64, b64url, base58};
use sigil_testkit::Engine;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::helpers::{TestApp, reply, spawn_app_with_ports};
use crate::on_both_engines;
use crate::wallet::{Wallet, verify_issuer_jwt};

on_both_engines!(keys_rotate_with_overlap_and_old_credentials_keep_verifying);

/// Every signing call: the key id and the exact bytes signed.
pub(crate) type Calls = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// The software provider, recording what it is asked to sign.
#[derive(Debug)]
struct Recording {
    inner: Arc<dyn KeyProvider>,
    calls: Calls,
}

#[async_trait]
impl KeyProvider for Recording {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn generate(
        &self,
        algorithm: SigningAlgorithm,
        usage: &KeyUse,
    ) -> Result<ProvidedKey, sigil_core::Error> {
        self.inner.generate(algorithm, usage).await
    }

    async fn import_pkcs8(
        &self,
        algorithm: SigningAlgorithm,
        pkcs8: &[u8],
        usage: &KeyUse,
    ) -> Result<ProvidedKey, sigil_core::Error> {
        self.inner.import_pkcs8(algorithm, pkcs8, usage).await
    }

    async fn load(
        &self,
        algorithm: SigningAlgorithm,
        reference: &SealedBox,
        usage: &KeyUse,
    ) -> Result<PublicJwk, sigil_core::Error> {
        self.inner.load(algorithm, reference, usage).await
    }

    async fn sign(
        &self,
        kid: &str,
        algorithm: SigningAlgorithm,
        message: &[u8],
    ) -> Result<Vec<u8>, sigil_core::Error> {
        self.calls
            .lock()
            .unwrap()
            .push((kid.to_string(), message.to_vec()));
        self.inner.sign(kid, algorithm, message).await
    }
}

pub(crate) fn recording_ports(calls: &Calls) -> sigil::Ports {
    let calls = calls.clone();
    sigil::Ports {
        key_provider: Some(Arc::new(move |inner| {
            Arc::new(Recording {
                inner,
                calls: calls.clone(),
            }) as Arc<dyn KeyProvider>
        })),
        ..Default::default()
    }
}

fn sd_jwt_config() -> Value {
    json!({"name": "Identity", "format": "dc+sd-jwt", "vct": "https://credentials.example.com/identity",
           "claimMappings": {"given_name": {"mapFrom": "claims.given_name", "required": true}},
           "expiresIn": {"days": 30}})
}

fn typed_config(format: &str) -> Value {
    json!({"name": "Course", "format": format, "type": "CourseCredential",
           "claimMappings": {"given_name": {"mapFrom": "claims.given_name", "required": true}},
           "expiresIn": {"days": 30}})
}

fn ldp_config() -> Value {
    json!({"name": "Alumni", "format": "ldp_vc", "type": "ExampleAlumniCredential",
           "contexts": ["https://www.w3.org/ns/credentials/examples/v2"], "proofSuite": "eddsa-rdfc-2022",
           "claimMappings": {"alumniOf": {"mapFrom": "claims.school", "required": true}},
           "expiresIn": {"days": 30}})
}

fn mdl_config() -> Value {
    json!({"name": "Driving licence", "format": "mso_mdoc", "doctype": "org.iso.18013.5.1.mDL",
           "claimMappings": {"org.iso.18013.5.1": {
               "family_name": {"mapFrom": "claims.family_name", "required": true},
               "issuing_country": {"defaultValue": "NZ"}}},
           "expiresIn": {"days": 30}})
}

const FORMATS: [&str; 6] = [
    "dc+sd-jwt",
    "jwt_vc_json",
    "ldp_vc",
    "cwt_vc",
    "cwt",
    "mso_mdoc",
];

/// Creates one configuration per format (and an IACA for mdocs); returns (format, id) pairs.
async fn configurations(app: &TestApp) -> Vec<(&'static str, String)> {
    let r = app
        .post("/v1/credentials/mobile/iacas", json!({"country": "NZ"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let mut out = Vec::new();
    for format in FORMATS {
        let body = match format {
            "dc+sd-jwt" => sd_jwt_config(),
            "ldp_vc" => ldp_config(),
            "mso_mdoc" => mdl_config(),
            other => typed_config(other),
        };
        out.push((format, app.configuration(body).await));
    }
    out
}

/// One credential of `configuration` for a fresh wallet.
async fn issue(app: &TestApp, configuration: &str) -> Value {
    let claims =
        json!({"given_name": "Ada", "school": "Example University", "family_name": "Lovelace"});
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let r = app
        .full_flow(
            &wallet,
            configuration,
            json!({"credentials": [configuration], "claims": claims}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["credentials"][0]["credential"].clone()
}

fn jws_parts(jwt: &str) -> (Value, String) {
    let jwt = jwt.split('~').next().unwrap();
    let (input, _) = jwt.rsplit_once('.').unwrap();
    let header: Value =
        serde_json::from_slice(&b64url::decode(input.split('.').next().unwrap()).unwrap()).unwrap();
    (header, input.to_string())
}

fn sign1(credential: &str) -> coset::CoseSign1 {
    coset::CoseSign1::from_tagged_slice(&b64url::decode(credential).unwrap()).unwrap()
}

/// The issuerAuth of an mdoc and the Document Signer certificate it carries.
fn mdoc_issuer_auth(credential: &str) -> (coset::CoseSign1, Vec<u8>) {
    let signed: Cbor = ciborium::from_reader(
        URL_SAFE_NO_PAD
            .decode(credential.as_bytes())
            .unwrap()
            .as_slice(),
    )
    .unwrap();
    let auth = signed
        .as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_text() == Some("issuerAuth"))
        .unwrap()
        .1
        .clone();
    let sign1 = coset::CoseSign1::from_cbor_value(auth).unwrap();
    let ds = sign1
        .unprotected
        .rest
        .iter()
        .find(|(l, _)| *l == coset::Label::Int(33))
        .unwrap()
        .1
        .as_bytes()
        .unwrap()
        .clone();
    (sign1, ds)
}

fn tbs(der: &[u8]) -> Vec<u8> {
    let (_, cert) = X509Certificate::from_der(der).unwrap();
    cert.tbs_certificate.as_ref().to_vec()
}

fn pem_certificates(text: &str) -> Vec<Vec<u8>> {
    text.split_inclusive("-----END CERTIFICATE-----")
        .filter_map(|block| pem_decode("CERTIFICATE", block))
        .collect()
}

/// Sigil signs nothing itself: every credential of the six formats and every certificate it
/// makes (the issuer CA, the credential key's leaf, an IACA, a Document Signer) is signed by a
/// call to the key provider, with exactly the bytes the artefact's signature covers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_credential_and_certificate_is_signed_through_the_key_provider() {
    let calls: Calls = Arc::default();
    let app = spawn_app_with_ports(Engine::Sqlite, &[], recording_ports(&calls)).await;
    let signed = |message: &[u8]| -> Vec<String> {
        calls
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, m)| m == message)
            .map(|(kid, _)| kid.clone())
            .collect()
    };
    let count = || calls.lock().unwrap().len();

    // At first start: the issuer CA signs itself, then the ES256 credential key's leaf.
    let jwks = app.get("/v1/oauth/jwks").await.body;
    let cas = pem_certificates(&app.get("/v1/oauth/issuer-ca.pem").await.text);
    assert_eq!(cas.len(), 1);
    let ca_kid = signed(&tbs(&cas[0]));
    assert_eq!(
        ca_kid.len(),
        1,
        "the CA certificate was signed through the provider"
    );
    assert_eq!(count(), 2, "CA and leaf, nothing else");

    let ids = configurations(&app).await;
    let iaca = app.get("/v1/credentials/mobile/iacas").await.body["data"][0].clone();
    let iaca_der = pem_decode("CERTIFICATE", iaca["certificatePem"].as_str().unwrap()).unwrap();
    assert_eq!(
        signed(&tbs(&iaca_der)).len(),
        1,
        "the IACA was signed through the provider"
    );
    assert_eq!(count(), 3);

    let es256 = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["alg"] == "ES256")
        .unwrap()["kid"]
        .as_str()
        .unwrap()
        .to_string();
    for (format, id) in &ids {
        let before = count();
        let issued = issue(&app, id).await;
        let credential = issued.as_str().map(str::to_string);
        match *format {
            "dc+sd-jwt" | "jwt_vc_json" => {
                let (header, input) = jws_parts(credential.as_deref().unwrap());
                assert_eq!(signed(input.as_bytes()), vec![es256.clone()], "{format}");
                if *format == "dc+sd-jwt" {
                    let leaf = b64::decode(header["x5c"][0].as_str().unwrap()).unwrap();
                    assert_eq!(signed(&tbs(&leaf)), ca_kid, "the leaf was signed by the CA");
                }
                assert_eq!(count(), before + 1, "{format}");
            }
            "cwt_vc" | "cwt" => {
                let sign1 = sign1(credential.as_deref().unwrap());
                assert_eq!(
                    signed(&sign1.tbs_data(&[])),
                    vec![es256.clone()],
                    "{format}"
                );
                assert_eq!(count(), before + 1, "{format}");
            }
            "mso_mdoc" => {
                let (sign1, ds) = mdoc_issuer_auth(credential.as_deref().unwrap());
                assert_eq!(signed(&sign1.tbs_data(&[])).len(), 1, "the mdoc");
                let iaca_kid = signed(&tbs(&iaca_der));
                assert_eq!(
                    signed(&tbs(&ds)),
                    iaca_kid,
                    "the Document Signer certificate was signed by the IACA's key"
                );
                assert_eq!(count(), before + 2, "a Document Signer, then the mdoc");
            }
            "ldp_vc" => {
                let vc = named_key(format, &issued).unwrap();
                let eddsa = jwks["keys"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|k| k["alg"] == "EdDSA")
                    .unwrap()["kid"]
                    .as_str()
                    .unwrap()
                    .to_string();
                assert!(vc.ends_with(&format!("#{eddsa}")), "{vc}");
                let last = calls.lock().unwrap().last().unwrap().clone();
                assert_eq!(last.0, eddsa, "the Data Integrity proof");
                assert_eq!(last.1.len(), 64, "eddsa-rdfc-2022 signs two SHA-256 hashes");
                assert_eq!(count(), before + 1, "{format}");
            }
            other => panic!("{other}"),
        }
    }
}

/// The key ids of the published credential keys (JWKS), and the same through the SD-JWT VC
/// issuer metadata (which must agree). The two are separate requests: the once-a-second key
/// refresh may change the keys between them, so they are read again (a few times) until a pair
/// agrees; two documents that keep disagreeing fail.
async fn published_kids(app: &TestApp) -> Vec<String> {
    let mut attempts = 0;
    let jwks = loop {
        let jwks = app.get("/v1/oauth/jwks").await.body;
        let meta = app.get("/.well-known/jwt-vc-issuer").await.body;
        attempts += 1;
        if meta["jwks"] == jwks || attempts == 5 {
            assert_eq!(meta["jwks"], jwks, "jwt-vc-issuer publishes the JWKS");
            break jwks;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut kids: Vec<String> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect();
    kids.sort();
    kids
}

fn did_methods(did_document: &Value) -> Vec<String> {
    did_document["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// Checks the Data Integrity proof's key is the one the published DID document gives its
/// verification method (the signature itself is checked by @digitalbazaar/vc in the interop
/// suite, which needs RDF canonicalisation).
fn ldp_key_published(credential: &Value, did_document: &Value) {
    let vm = credential["proof"]["verificationMethod"].as_str().unwrap();
    let method = did_document["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == vm)
        .unwrap_or_else(|| panic!("{vm} is not in the DID document"));
    let key = base58::ed25519_from_multikey(method["publicKeyMultibase"].as_str().unwrap());
    assert!(key.is_some(), "a Multikey Ed25519 key");
}

/// The credential's issuer signature, checked against what Sigil publishes now.
fn verifies_now(format: &str, credential: &Value, jwks: &Value, did: &Value, cas: &[Vec<u8>]) {
    match format {
        "dc+sd-jwt" | "jwt_vc_json" => {
            let jwt = credential.as_str().unwrap();
            let (header, _) = verify_issuer_jwt(jwt.split('~').next().unwrap(), jwks);
            if let Some(x5c) = header.get("x5c") {
                let leaf = b64::decode(x5c[0].as_str().unwrap()).unwrap();
                let (_, leaf) = X509Certificate::from_der(&leaf).unwrap();
                let anchored = cas.iter().any(|ca| {
                    let (_, ca) = X509Certificate::from_der(ca).unwrap();
                    leaf.verify_signature(Some(ca.public_key())).is_ok()
                });
                assert!(anchored, "the x5c leaf chains to a published issuer CA");
            }
        }
        "cwt_vc" | "cwt" => {
            crate::cwt::verify(credential.as_str().unwrap(), jwks);
        }
        "ldp_vc" => ldp_key_published(credential, did),
        "mso_mdoc" => {
            let (sign1, ds) = mdoc_issuer_auth(credential.as_str().unwrap());
            let (_, ds) = X509Certificate::from_der(&ds).unwrap();
            let spki = ds.public_key().subject_public_key.data.to_vec();
            assert_eq!(spki.len(), 65);
            let jwk: serde_json::Map<String, Value> = serde_json::from_value(json!({
                "kty": "EC", "crv": "P-256",
                "x": b64url::encode(&spki[1..33]), "y": b64url::encode(&spki[33..65])
            }))
            .unwrap();
            let key = sigil_crypto::HolderKey::from_jwk(&jwk).unwrap();
            sign1
                .verify_signature(&[], |sig, data| {
                    key.verify("ES256", data, sig).then_some(()).ok_or(())
                })
                .expect("the mdoc verifies with its Document Signer");
        }
        other => panic!("{other}"),
    }
}

/// The key a credential names: the JOSE/COSE `kid`, or the Data Integrity verification method.
fn named_key(format: &str, credential: &Value) -> Option<String> {
    match format {
        "dc+sd-jwt" | "jwt_vc_json" => jws_parts(credential.as_str().unwrap()).0["kid"]
            .as_str()
            .map(str::to_string),
        "cwt_vc" | "cwt" => String::from_utf8(
            sign1(credential.as_str().unwrap())
                .protected
                .header
                .key_id
                .clone(),
        )
        .ok(),
        "ldp_vc" => credential["proof"]["verificationMethod"]
            .as_str()
            .map(str::to_string),
        _ => None,
    }
}

struct Published {
    jwks: Value,
    did: Value,
    cas: Vec<Vec<u8>>,
    request_kids: Vec<String>,
}

async fn published(app: &TestApp) -> Published {
    let meta = app.get("/.well-known/openid-credential-issuer").await.body;
    let request_kids = meta["credential_request_encryption"]["jwks"]["keys"]
        .as_array()
        .map(|keys| {
            keys.iter()
                .map(|k| k["kid"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    Published {
        jwks: app.get("/v1/oauth/jwks").await.body,
        did: app.get("/.well-known/did.json").await.body,
        cas: pem_certificates(&app.get("/v1/oauth/issuer-ca.pem").await.text),
        request_kids,
    }
}

async fn keys_rotate_with_overlap_and_old_credentials_keep_verifying(engine: Engine) {
    let clock = Arc::new(FixedClock::new(crate::wallet::now()));
    let ports = sigil::Ports {
        clock: Some(clock.clone() as Arc<dyn Clock>),
        ..Default::default()
    };
    let app = spawn_app_with_ports(engine, &[("keys.overlap_days", "30")], ports).await;
    let ids = configurations(&app).await;
    let before = published(&app).await;
    assert_eq!(before.cas.len(), 1);
    assert_eq!(did_methods(&before.did).len(), 1);
    let kids_before = published_kids(&app).await;
    assert_eq!(kids_before.len(), 2, "one ES256 and one EdDSA key");

    let mut old = Vec::new();
    for (format, id) in &ids {
        old.push((*format, issue(&app, id).await));
    }

    // A second node on the same PostgreSQL, serving the same issuer.
    let second = match engine {
        Engine::Postgres => Some(second_node(&app).await),
        Engine::Sqlite => None,
    };

    let r = app
        .admin(reqwest::Method::POST, "/v1/keys/rotate", Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let listed = r.body["data"].as_array().unwrap().clone();
    let state_of = |kid: &str| {
        listed
            .iter()
            .find(|k| k["kid"] == kid)
            .map(|k| k["state"].as_str().unwrap().to_string())
    };
    for kid in &kids_before {
        assert_eq!(state_of(kid).as_deref(), Some("retired"), "{kid}");
    }
    let active: Vec<&Value> = listed.iter().filter(|k| k["state"] == "active").collect();
    assert_eq!(
        active.len(),
        5,
        "ES256, EdDSA, the CA and two request keys: {listed:?}"
    );
    for k in listed.iter().filter(|k| k["state"] == "retired") {
        assert!(
            k["retiredAt"].is_string() && k["publishedUntil"].is_string(),
            "{k}"
        );
    }
    assert_eq!(app.get("/v1/keys").await.body["data"], r.body["data"]);

    // The new keys sign at once; the old ones are still published beside them.
    let after = published(&app).await;
    let kids_after = published_kids(&app).await;
    assert_eq!(kids_after.len(), 4, "two active and two retired keys");
    for kid in &kids_before {
        assert!(kids_after.contains(kid));
    }
    assert_eq!(after.cas.len(), 2, "the new CA and the retired one");
    assert_eq!(did_methods(&after.did).len(), 2);
    assert_eq!(
        after.request_kids.len(),
        2,
        "only the active request keys are published"
    );
    assert!(
        after
            .request_kids
            .iter()
            .all(|k| !before.request_kids.contains(k))
    );
    for (format, id) in &ids {
        let new = issue(&app, id).await;
        if let (Some(old_key), Some(new_key)) = (
            named_key(format, &old.iter().find(|(f, _)| f == format).unwrap().1),
            named_key(format, &new),
        ) {
            assert_ne!(old_key, new_key, "{format} names the new key");
        }
        verifies_now(format, &new, &after.jwks, &after.did, &after.cas);
    }
    for (format, credential) in &old {
        verifies_now(format, credential, &after.jwks, &after.did, &after.cas);
    }

    // The second node signs with the new ES256 key within seconds, without a restart.
    if let Some((_child, base)) = &second {
        let new_es256: Vec<String> = kids_after
            .iter()
            .filter(|k| !kids_before.contains(k))
            .cloned()
            .collect();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        loop {
            let jwks = reply(app.client.get(format!("{base}/v1/oauth/jwks")))
                .await
                .body;
            let theirs: Vec<&str> = jwks["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| k["kid"].as_str().unwrap())
                .collect();
            if new_es256.iter().all(|k| theirs.contains(&k.as_str())) {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the second node did not load the new keys within 5 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let (format, id) = &ids[0];
        let credential = issue_at(&app, base, id).await;
        let kid = named_key(format, &credential).unwrap();
        assert!(
            new_es256.contains(&kid),
            "the second node signs with the new key"
        );
    }

    // After the overlap, the retired keys are gone from every published document.
    clock.advance(31 * 86_400);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while published_kids(&app).await.len() != 2 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the retired keys were still published 5 s after their overlap"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let gone = published(&app).await;
    for kid in &kids_before {
        assert!(!published_kids(&app).await.contains(kid));
        assert!(
            !did_methods(&gone.did)
                .iter()
                .any(|m| m.ends_with(kid.as_str())),
            "{kid} left the DID document"
        );
    }
    assert_eq!(gone.cas.len(), 1, "the retired CA left the bundle");
    assert_eq!(gone.cas[0], after.cas[0], "the active CA stays");
    assert_eq!(pem(&gone.cas[0]), pem(&after.cas[0]));
    let listed = app.get("/v1/keys").await.body;
    for kid in &kids_before {
        let k = listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .unwrap();
        assert_eq!(k["state"], "expired", "{k}");
    }
}

/// One credential of `configuration` obtained from the node at `base` (offered by `app`, which
/// serves the same issuer).
async fn issue_at(app: &TestApp, base: &str, configuration: &str) -> Value {
    let offer = app
        .offer(json!({"credentials": [configuration], "claims": {"given_name": "Ada"}}))
        .await;
    let code = crate::wallet::pre_authorized_code(offer.body["uri"].as_str().unwrap());
    let token = reply(
        app.client
            .post(format!("{base}/v1/oauth/token"))
            .form(&crate::wallet::pre_authorized_form(&code)),
    )
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.text);
    let nonce = reply(app.client.post(format!("{base}/v1/openid/nonce"))).await;
    assert_eq!(nonce.status, StatusCode::OK, "{}", nonce.text);
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let proof = wallet.proof(&app.base, nonce.body["c_nonce"].as_str().unwrap());
    let r = reply(
        app.client
            .post(format!("{base}/v1/openid/credential"))
            .bearer_auth(token.body["access_token"].as_str().unwrap())
            .json(
                &json!({"credential_configuration_id": configuration, "proofs": {"jwt": [proof]}}),
            ),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["credentials"][0]["credential"].clone()
}

/// `sigil serve` as a second process on the app's PostgreSQL database, with its master key and
/// its public URL (one issuer behind two nodes).
async fn second_node(app: &TestApp) -> (tokio::process::Child, String) {
    let dir = app.data_dir();
    let (child, base, _) = crate::binary::serve(
        &dir,
        &[
            ("SIGIL_LISTEN", "127.0.0.1:0"),
            ("SIGIL_DATABASE_URL", app.db.url.as_str()),
            ("SIGIL_DATA_DIR", dir.to_str().unwrap()),
            ("SIGIL_PUBLIC_URL", app.base.as_str()),
            ("SIGIL_RATE_LIMIT_ENABLED", "false"),
        ],
    )
    .await;
    (child, base)
}
