//! Credential status over HTTP: revocable configurations, the status reference in what is
//! issued, the signed lists (Token Status List as JWT and CWT, Bitstring Status List), the
//! management API's changes and every refusal, on both engines. Third-party readers check the
//! same lists in interop/.

use std::io::Read;
use std::sync::{Arc, Mutex};

use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::{SigningAlgorithm, b64url};
use sigil_formats::ldp_vc;
use sigil_testkit::Engine;

use crate::helpers::{
    Reply, TestApp, assert_bad_request, assert_error, reply, spawn_app_with, spawn_app_with_ports,
};
use crate::on_both_engines;
use crate::wallet::{Wallet, verify_issuer_jwt};

on_both_engines!(
    status_changes_are_published_and_every_refusal_changes_nothing,
    a_batch_gets_distinct_indices_and_its_issuance_is_revoked_whole,
    serving_a_list_under_load_signs_once_per_change,
    an_ldp_vc_points_at_bitstring_lists_its_issuer_signs,
    a_deferred_issuance_gets_its_indices_when_it_is_delivered,
);

pub(crate) fn revocable_sd_jwt() -> Value {
    json!({"name": "Licence", "format": "dc+sd-jwt", "vct": "https://credentials.example.com/licence",
           "revocable": true,
           "claimMappings": {"given_name": {"mapFrom": "claims.given_name", "required": true}}})
}

/// The `status.status_list` of an issuer-signed JWT (an SD-JWT's first part): (idx, uri).
pub(crate) fn token_reference(jwt: &str) -> (u64, String) {
    let payload = jwt.split(['~', '.']).nth(1).unwrap();
    let payload: Value = serde_json::from_slice(&b64url::decode(payload).unwrap()).unwrap();
    let list = &payload["status"]["status_list"];
    (
        list["idx"].as_u64().unwrap(),
        list["uri"].as_str().unwrap().to_string(),
    )
}

/// The `(idx, uri)` of every credential in a credential response.
pub(crate) fn token_references(response: &Value) -> Vec<(u64, String)> {
    response["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| token_reference(c["credential"].as_str().unwrap()))
        .collect()
}

/// The path of a list URI on the test server.
fn path_of(uri: &str) -> String {
    let at = uri.find("/v1/status-lists/").unwrap();
    uri[at..].to_string()
}

fn inflate_zlib(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(bytes)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// A two-bit Token Status List entry.
pub(crate) fn entry(list: &[u8], idx: u64) -> u8 {
    let byte = list[usize::try_from(idx / 4).unwrap()];
    (byte >> ((idx % 4) * 2)) & 0b11
}

/// Fetches the JWT at `uri` from `base`, verifies it with the JWKS, checks its claims, and
/// returns the decoded list.
pub(crate) async fn token_list(client: &reqwest::Client, base: &str, uri: &str) -> Vec<u8> {
    let r = reply(
        client
            .get(format!("{base}{}", path_of(uri)))
            .header("accept", "application/statuslist+jwt"),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/statuslist+jwt");
    let jwks = reply(client.get(format!("{base}/v1/oauth/jwks")))
        .await
        .body;
    let (header, payload) = verify_issuer_jwt(&r.text, &jwks);
    assert_eq!(header["typ"], "statuslist+jwt");
    assert!(header["x5c"].as_array().is_some_and(|c| !c.is_empty()));
    assert_eq!(payload["sub"], uri);
    let ttl = payload["ttl"].as_i64().unwrap();
    assert!(payload["exp"].as_i64().unwrap() > payload["iat"].as_i64().unwrap() + ttl);
    assert_eq!(
        r.headers["cache-control"].to_str().unwrap(),
        format!("public, max-age={ttl}")
    );
    assert_eq!(payload["status_list"]["bits"], 2);
    inflate_zlib(&b64url::decode(payload["status_list"]["lst"].as_str().unwrap()).unwrap())
}

async fn set_status(app: &TestApp, id: &str, status: &str) -> Reply {
    app.post(
        &format!("/v1/credentials/{id}/status"),
        json!({"status": status}),
    )
    .await
}

async fn set_user_status(app: &TestApp, user: &str, status: &str) -> Reply {
    app.post(
        &format!("/v1/users/{user}/credentials/status"),
        json!({"status": status}),
    )
    .await
}

async fn credentials_of(app: &TestApp, user: &str) -> Vec<Value> {
    let r = app.get(&format!("/v1/users/{user}/credentials")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["data"].as_array().unwrap().clone()
}

/// One credential of `config` for a fresh user: (credential, user id).
async fn issue_one(app: &TestApp, config: &str) -> (String, String) {
    let (access, user) = app.access_token(config, json!({"given_name": "Ada"})).await;
    let nonce = app.c_nonce().await;
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let r = app
        .credential(
            &access,
            json!({"credential_configuration_id": config, "proofs": {"jwt": [wallet.proof(&app.base, &nonce)]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    (
        r.body["credentials"][0]["credential"]
            .as_str()
            .unwrap()
            .to_string(),
        user,
    )
}

async fn status_changes_are_published_and_every_refusal_changes_nothing(engine: Engine) {
    let app = spawn_app_with(engine, &[]).await;
    let config = app.configuration(revocable_sd_jwt()).await;
    let r = app
        .get(&format!("/v1/openid/credential-configurations/{config}"))
        .await;
    assert_eq!(r.body["revocable"], true);
    let (credential, user) = issue_one(&app, &config).await;
    let (idx, uri) = token_reference(&credential);
    assert!(
        uri.starts_with(&format!("{}/v1/status-lists/", app.base)),
        "{uri}"
    );
    assert!(idx < 131_072);
    let listed = credentials_of(&app, &user).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "valid");
    assert_eq!(
        listed[0]["statusLists"],
        json!([{"uri": uri, "index": idx}])
    );
    let id = listed[0]["id"].as_str().unwrap().to_string();
    let list = token_list(&app.client, &app.base, &uri).await;
    assert_eq!(list.len(), 131_072 / 4, "the default size");
    assert_eq!(entry(&list, idx), 0);

    // A configuration that is not revocable: no reference, and no status to change.
    let plain = app
        .configuration(json!({"name": "Plain", "format": "dc+sd-jwt", "vct": "https://credentials.example.com/plain",
                               "claimMappings": {"given_name": {"mapFrom": "claims.given_name"}}}))
        .await;
    let (plain_credential, plain_user) = issue_one(&app, &plain).await;
    let payload = plain_credential.split(['~', '.']).nth(1).unwrap();
    let payload: Value = serde_json::from_slice(&b64url::decode(payload).unwrap()).unwrap();
    assert!(payload.get("status").is_none(), "{payload}");
    let plain_listed = credentials_of(&app, &plain_user).await;
    assert!(plain_listed[0].get("statusLists").is_none());
    let plain_id = plain_listed[0]["id"].as_str().unwrap();
    assert_error(
        &set_status(&app, plain_id, "revoked").await,
        StatusCode::BAD_REQUEST,
        "BadRequest",
    );
    assert_error(
        &set_user_status(&app, &plain_user, "revoked").await,
        StatusCode::CONFLICT,
        "Conflict",
    );
    // Unknown ids, an unknown status, an unknown field: refused.
    let unknown = "0190f1e2-0000-7000-8000-000000000000";
    assert_error(
        &set_status(&app, unknown, "revoked").await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_error(
        &set_status(&app, "not-an-id", "revoked").await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_error(
        &set_user_status(&app, unknown, "revoked").await,
        StatusCode::NOT_FOUND,
        "NotFound",
    );
    assert_bad_request(&set_status(&app, &id, "gone").await, "status", "body");
    let r = app
        .post(
            &format!("/v1/credentials/{id}/status"),
            json!({"status": "revoked", "reason": "x"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = reply(
        app.client
            .post(app.url(&format!("/v1/credentials/{id}/status")))
            .json(&json!({"status": "revoked"})),
    )
    .await;
    assert_error(&r, StatusCode::UNAUTHORIZED, "Unauthorized");
    // Nothing above changed the list or the credential.
    assert_eq!(
        entry(&token_list(&app.client, &app.base, &uri).await, idx),
        0
    );
    assert_eq!(credentials_of(&app, &user).await[0]["status"], "valid");

    // Suspend, reinstate, revoke: each served at once by the node that made it.
    let r = set_status(&app, &id, "suspended").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["data"][0]["status"], "suspended");
    assert_eq!(
        entry(&token_list(&app.client, &app.base, &uri).await, idx),
        2
    );
    assert_error(
        &set_status(&app, &id, "suspended").await,
        StatusCode::CONFLICT,
        "Conflict",
    );
    assert_eq!(set_status(&app, &id, "valid").await.status, StatusCode::OK);
    assert_eq!(
        entry(&token_list(&app.client, &app.base, &uri).await, idx),
        0
    );
    assert_error(
        &set_status(&app, &id, "valid").await,
        StatusCode::CONFLICT,
        "Conflict",
    );
    assert_eq!(
        set_status(&app, &id, "revoked").await.status,
        StatusCode::OK
    );
    assert_eq!(
        entry(&token_list(&app.client, &app.base, &uri).await, idx),
        1
    );
    for status in ["revoked", "valid", "suspended"] {
        let r = set_status(&app, &id, status).await;
        assert_error(&r, StatusCode::CONFLICT, "Conflict");
    }
    let list = token_list(&app.client, &app.base, &uri).await;
    assert_eq!(entry(&list, idx), 1, "revocation is permanent");
    assert_eq!(
        list.iter().map(|b| b.count_ones()).sum::<u32>(),
        1,
        "only this credential's entry is set"
    );
    assert_eq!(credentials_of(&app, &user).await[0]["status"], "revoked");

    // The same list as a CWT.
    let resp = app
        .client
        .get(app.url(&path_of(&uri)))
        .header("accept", "application/statuslist+cwt")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "application/statuslist+cwt");
    let bytes = resp.bytes().await.unwrap();
    use coset::TaggedCborSerializable;
    let sign1 = coset::CoseSign1::from_tagged_slice(&bytes).unwrap();
    let typ = sign1
        .protected
        .header
        .rest
        .iter()
        .find(|(label, _)| *label == coset::Label::Int(16))
        .map(|(_, v)| v.clone());
    assert_eq!(
        typ,
        Some(ciborium::Value::Text("application/statuslist+cwt".into()))
    );
    let claims: ciborium::Value = ciborium::from_reader(sign1.payload.as_deref().unwrap()).unwrap();
    let claim = |key: i64| {
        claims
            .as_map()
            .unwrap()
            .iter()
            .find(|(k, _)| *k == ciborium::Value::Integer(key.into()))
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(claim(2), ciborium::Value::Text(uri.clone()));
    let lst = claim(65533)
        .as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| *k == ciborium::Value::Text("lst".into()))
        .map(|(_, v)| v.as_bytes().unwrap().clone())
        .unwrap();
    assert_eq!(entry(&inflate_zlib(&lst), idx), 1);

    // Published: the aggregation and the metadata point at it; other paths are 404.
    let metadata = app.get("/.well-known/openid-credential-issuer").await;
    assert_eq!(
        metadata.body["status_list_aggregation_endpoint"],
        app.url("/v1/status-lists")
    );
    let aggregation = app.get("/v1/status-lists").await;
    assert_eq!(aggregation.body["status_lists"], json!([uri]));
    for path in [
        "/v1/status-lists/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/v1/status-lists/..",
        &format!("{}/revocation", path_of(&uri)),
        &format!("{}/other", path_of(&uri)),
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.text);
    }

    // Who changed it and when is kept.
    let store = sigil_store::connect(&sigil_store::DatabaseUrl::parse(&app.db.url).unwrap(), 1)
        .await
        .unwrap();
    let history = store.list_status_changes(&id).await.unwrap();
    let statuses: Vec<&str> = history.iter().map(|c| c.status.as_str()).collect();
    assert_eq!(statuses, ["suspended", "valid", "revoked"]);
    assert!(
        history
            .iter()
            .all(|c| c.actor.starts_with("admin-token:") && c.changed_at > 0),
        "{history:?}"
    );
}

async fn a_batch_gets_distinct_indices_and_its_issuance_is_revoked_whole(engine: Engine) {
    let app = spawn_app_with(engine, &[("oauth.batch_size", "10")]).await;
    let config = app.configuration(revocable_sd_jwt()).await;
    let (access, user) = app
        .access_token(&config, json!({"given_name": "Ada"}))
        .await;
    let batch = |nonce: String| {
        let proofs: Vec<String> = (0..10)
            .map(|_| Wallet::new(SigningAlgorithm::Es256).proof(&app.base, &nonce))
            .collect();
        json!({"credential_configuration_id": config, "proofs": {"jwt": proofs}})
    };
    let first = app.credential(&access, batch(app.c_nonce().await)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let second = app.credential(&access, batch(app.c_nonce().await)).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let (first_refs, second_refs) = (
        token_references(&first.body),
        token_references(&second.body),
    );
    assert_eq!(first_refs.len(), 10);
    let mut indices: Vec<u64> = first_refs
        .iter()
        .chain(&second_refs)
        .map(|(i, _)| *i)
        .collect();
    indices.sort_unstable();
    indices.dedup();
    assert_eq!(indices.len(), 20, "every credential its own index");
    let uri = first_refs[0].1.clone();
    assert!(
        first_refs
            .iter()
            .chain(&second_refs)
            .all(|(_, u)| *u == uri)
    );

    // Revoking one credential's issuance revokes its batch, and only it.
    let listed = credentials_of(&app, &user).await;
    assert_eq!(listed.len(), 20);
    let first_ids: Vec<&str> = listed
        .iter()
        .filter(|c| {
            let index = c["statusLists"][0]["index"].as_u64().unwrap();
            first_refs.iter().any(|(i, _)| *i == index)
        })
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(first_ids.len(), 10);
    let r = app
        .post(
            &format!("/v1/credentials/{}/issuance/status", first_ids[3]),
            json!({"status": "revoked"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["data"].as_array().unwrap().len(), 10);
    assert!(
        r.body["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "revoked")
    );
    let list = token_list(&app.client, &app.base, &uri).await;
    assert!(first_refs.iter().all(|(i, _)| entry(&list, *i) == 1));
    assert!(second_refs.iter().all(|(i, _)| entry(&list, *i) == 0));
    assert_error(
        &app.post(
            &format!("/v1/credentials/{}/issuance/status", first_ids[0]),
            json!({"status": "revoked"}),
        )
        .await,
        StatusCode::CONFLICT,
        "Conflict",
    );

    // All of a user's: the revoked stay revoked, the rest are suspended.
    let r = app
        .post(
            &format!("/v1/users/{user}/credentials/status"),
            json!({"status": "suspended"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = token_list(&app.client, &app.base, &uri).await;
    assert!(first_refs.iter().all(|(i, _)| entry(&list, *i) == 1));
    assert!(second_refs.iter().all(|(i, _)| entry(&list, *i) == 2));
    assert_error(
        &set_user_status(&app, &user, "suspended").await,
        StatusCode::CONFLICT,
        "Conflict",
    );
}

async fn serving_a_list_under_load_signs_once_per_change(engine: Engine) {
    let calls: crate::keys::Calls = Arc::new(Mutex::new(Vec::new()));
    let app = spawn_app_with_ports(engine, &[], crate::keys::recording_ports(&calls)).await;
    let config = app.configuration(revocable_sd_jwt()).await;
    let (credential, user) = issue_one(&app, &config).await;
    let (idx, uri) = token_reference(&credential);
    let signatures = || calls.lock().unwrap().len();
    let load = |accept: &'static str, n: usize| {
        let client = app.client.clone();
        let url = app.url(&path_of(&uri));
        async move {
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..n {
                let request = client.get(&url).header("accept", accept);
                set.spawn(async move { request.send().await.unwrap().status() });
            }
            while let Some(status) = set.join_next().await {
                assert_eq!(status.unwrap(), StatusCode::OK);
            }
        }
    };
    let before = signatures();
    load("application/statuslist+jwt", 300).await;
    assert_eq!(signatures() - before, 1, "300 readers, one signature");
    load("application/statuslist+cwt", 100).await;
    assert_eq!(signatures() - before, 2, "the CWT once too");
    load("application/statuslist+jwt", 100).await;
    assert_eq!(signatures() - before, 2, "unchanged: nothing signed");
    let id = credentials_of(&app, &user).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        set_status(&app, &id, "revoked").await.status,
        StatusCode::OK
    );
    load("application/statuslist+jwt", 200).await;
    assert_eq!(signatures() - before, 3, "a change: one new signature");
    assert_eq!(
        entry(&token_list(&app.client, &app.base, &uri).await, idx),
        1
    );
    assert_eq!(signatures() - before, 3);
}

async fn an_ldp_vc_points_at_bitstring_lists_its_issuer_signs(engine: Engine) {
    let app = spawn_app_with(engine, &[]).await;
    let body = |suite: &str| {
        json!({"name": "Alumni", "format": "ldp_vc", "type": "ExampleAlumniCredential",
               "contexts": ["https://www.w3.org/ns/credentials/examples/v2"], "proofSuite": suite,
               "revocable": true,
               "claimMappings": {"alumniOf": {"mapFrom": "claims.given_name", "required": true}}})
    };
    // VCDM 1.1 has no Bitstring Status List terms: refused, naming the field.
    let r = app
        .post(
            "/v1/openid/credential-configurations",
            body("Ed25519Signature2020"),
        )
        .await;
    assert_bad_request(&r, "revocable", "body");
    let config = app.configuration(body("eddsa-rdfc-2022")).await;
    let (access, user) = app
        .access_token(&config, json!({"given_name": "Ada"}))
        .await;
    let nonce = app.c_nonce().await;
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let r = app
        .credential(
            &access,
            json!({"credential_configuration_id": config, "proofs": {"jwt": [wallet.proof(&app.base, &nonce)]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let vc = r.body["credentials"][0]["credential"].clone();
    let did_document = app.get("/.well-known/did.json").await.body;
    let key = crate::ldp_vc::key_of(
        &did_document,
        vc["proof"]["verificationMethod"].as_str().unwrap(),
    );
    assert!(
        ldp_vc::verify(&vc, &key).unwrap(),
        "the status entries are signed"
    );
    let entries = vc["credentialStatus"].as_array().unwrap();
    assert_eq!(entries.len(), 2);
    let index = entries[0]["statusListIndex"].as_str().unwrap().to_string();
    let listed = credentials_of(&app, &user).await;
    for (entry, purpose) in entries.iter().zip(["revocation", "suspension"]) {
        assert_eq!(entry["type"], "BitstringStatusListEntry");
        assert_eq!(entry["statusPurpose"], purpose);
        assert_eq!(entry["statusListIndex"], index.as_str());
        let list = entry["statusListCredential"].as_str().unwrap();
        assert!(list.ends_with(&format!("/{purpose}")), "{list}");
        assert!(
            listed[0]["statusLists"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["uri"] == list && e["purpose"] == purpose)
        );
    }
    let bit = |list: &Value| -> bool {
        let encoded = list["credentialSubject"]["encodedList"].as_str().unwrap();
        let gzip = b64url::decode(encoded.strip_prefix('u').unwrap()).unwrap();
        let mut bits = Vec::new();
        flate2::read::GzDecoder::new(gzip.as_slice())
            .read_to_end(&mut bits)
            .unwrap();
        assert!(bits.len() * 8 >= 131_072);
        let i: usize = index.parse().unwrap();
        bits[i / 8] & (0x80 >> (i % 8)) != 0
    };
    let first_list = entries[0]["statusListCredential"]
        .as_str()
        .unwrap()
        .to_string();
    let fetch = async |purpose: &str| -> Value {
        let url = first_list.replace("/revocation", &format!("/{purpose}"));
        let r = app.get(&path_of(&url)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let list = r.body;
        assert_eq!(
            list["issuer"], vc["issuer"],
            "the credential's issuer signs its lists"
        );
        assert_eq!(list["id"], url.as_str());
        assert_eq!(
            list["type"],
            json!(["VerifiableCredential", "BitstringStatusListCredential"])
        );
        assert_eq!(list["credentialSubject"]["type"], "BitstringStatusList");
        assert_eq!(list["credentialSubject"]["statusPurpose"], purpose);
        assert_eq!(list["credentialSubject"]["ttl"], 300_000);
        assert!(
            ldp_vc::verify(&list, &key).unwrap(),
            "the list's proof verifies"
        );
        list
    };
    assert!(!bit(&fetch("revocation").await));
    assert!(!bit(&fetch("suspension").await));
    let id = listed[0]["id"].as_str().unwrap();
    assert_eq!(
        set_status(&app, id, "suspended").await.status,
        StatusCode::OK
    );
    assert!(!bit(&fetch("revocation").await));
    assert!(bit(&fetch("suspension").await));
    assert_eq!(set_status(&app, id, "revoked").await.status, StatusCode::OK);
    assert!(bit(&fetch("revocation").await));
    assert!(!bit(&fetch("suspension").await));
    // A Bitstring list has no token form, and a token list no purpose.
    let base = path_of(&first_list)
        .trim_end_matches("/revocation")
        .to_string();
    assert_eq!(app.get(&base).await.status, StatusCode::NOT_FOUND);
}

async fn a_deferred_issuance_gets_its_indices_when_it_is_delivered(engine: Engine) {
    let app = spawn_app_with(engine, &[]).await;
    let mut body = revocable_sd_jwt();
    body["deferred"] = json!(true);
    let config = app.configuration(body).await;
    let (access, user) = app
        .access_token(&config, json!({"given_name": "Ada"}))
        .await;
    let nonce = app.c_nonce().await;
    let proofs: Vec<String> = (0..2)
        .map(|_| Wallet::new(SigningAlgorithm::Es256).proof(&app.base, &nonce))
        .collect();
    let r = app
        .credential(
            &access,
            json!({"credential_configuration_id": config, "proofs": {"jwt": proofs}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let transaction = r.body["transaction_id"].as_str().unwrap().to_string();
    let pending = app.get("/v1/credentials/deferred").await;
    let id = pending.body["data"][0]["id"].as_str().unwrap().to_string();
    let approved = app
        .post(&format!("/v1/credentials/deferred/{id}/approve"), json!({}))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    let r = reply(
        app.client
            .post(app.url("/v1/openid/deferred-credential"))
            .bearer_auth(&access)
            .json(&json!({"transaction_id": transaction})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let refs = token_references(&r.body);
    assert_eq!(refs.len(), 2);
    assert_ne!(refs[0].0, refs[1].0);
    let listed = credentials_of(&app, &user).await;
    let mut recorded: Vec<u64> = listed
        .iter()
        .map(|c| c["statusLists"][0]["index"].as_u64().unwrap())
        .collect();
    recorded.sort_unstable();
    let mut issued: Vec<u64> = refs.iter().map(|(i, _)| *i).collect();
    issued.sort_unstable();
    assert_eq!(
        recorded, issued,
        "the delivered credentials' indices are on record"
    );
    let id = listed[0]["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/v1/credentials/{id}/issuance/status"),
            json!({"status": "revoked"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let list = token_list(&app.client, &app.base, &refs[0].1).await;
    assert!(refs.iter().all(|(i, _)| entry(&list, *i) == 1));
}
