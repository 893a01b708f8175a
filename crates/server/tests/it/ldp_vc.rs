//! ldp_vc over HTTP: configuration checks against the bundled JSON-LD contexts, the metadata
//! entry, the did:web DID document, and issuance with both proof suites (verified here with the
//! DID document's key; @digitalbazaar/vc verifies them in interop/).

use reqwest::StatusCode;
use serde_json::{Map, Value, json};
use sigil_crypto::{SigningAlgorithm, b64url, base58};
use sigil_formats::ldp_vc;
use sigil_testkit::Engine;

use crate::helpers::{assert_bad_request, spawn_app};
use crate::on_both_engines;
use crate::wallet::{Wallet, now, pre_authorized_code};

on_both_engines!(
    ldp_vc_configurations_are_checked_against_the_bundled_contexts,
    ldp_vcs_are_issued_with_both_suites_under_did_web_and_did_key,
);

fn config(suite: &str, contexts: Value) -> Value {
    json!({"name": "Alumni", "format": "ldp_vc", "type": "ExampleAlumniCredential",
           "contexts": contexts, "proofSuite": suite,
           "claimMappings": {"alumniOf": {"mapFrom": "claims.school", "required": true},
                             "degree": {"defaultValue": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science"}},
                             "graduation": {"defaultValue": 2024}},
           "expiresIn": {"days": 30}})
}

const EXAMPLES_V2: &str = "https://www.w3.org/ns/credentials/examples/v2";

async fn ldp_vc_configurations_are_checked_against_the_bundled_contexts(engine: Engine) {
    let app = spawn_app(engine).await;
    let path = "/v1/openid/credential-configurations";
    // A context Sigil does not hold: refused, never fetched.
    let r = app
        .post(
            path,
            config(
                "eddsa-rdfc-2022",
                json!(["https://example.com/contexts/alumni/v1"]),
            ),
        )
        .await;
    assert_bad_request(&r, "contexts.0", "body");
    // No context defines the type: refused on `type`.
    let r = app.post(path, config("eddsa-rdfc-2022", json!([]))).await;
    assert_bad_request(&r, "type", "body");
    // Types defined, two claims not: refused naming each. VC 1.1's examples context defines
    // `alumniOf` and `degree` but neither `graduation` nor the degree's type.
    let mut body = config(
        "Ed25519Signature2020",
        json!(["https://www.w3.org/2018/credentials/examples/v1"]),
    );
    body["type"] = json!("AlumniCredential");
    let r = app.post(path, body).await;
    assert_bad_request(&r, "claimMappings.graduation", "body");
    assert_bad_request(&r, "claimMappings.degree", "body");
    let details = r.body["details"].as_array().unwrap();
    assert_eq!(details.len(), 2, "{}", r.text);
    // VC 2.0 protects `name`, which schema.org redefines: the pair is not usable.
    let r = app
        .post(
            path,
            config("eddsa-rdfc-2022", json!(["https://schema.org"])),
        )
        .await;
    assert_bad_request(&r, "type", "body");
    // A default value with a JSON-LD keyword would change the credential's meaning.
    let mut body = config("eddsa-rdfc-2022", json!([EXAMPLES_V2]));
    body["claimMappings"]["degree"]["defaultValue"]["@id"] = json!("did:example:other");
    let r = app.post(path, body).await;
    assert_bad_request(&r, "claimMappings.degree", "body");
    // Unknown suite and DID method; ldp_vc fields on another format.
    let mut body = config("BbsBlsSignature2020", json!([EXAMPLES_V2]));
    body["issuerDid"] = json!("did:ion");
    let r = app.post(path, body).await;
    assert_bad_request(&r, "proofSuite", "body");
    assert_bad_request(&r, "issuerDid", "body");
    let r = app
        .post(path, json!({"name": "J", "format": "jwt_vc_json", "type": "T", "proofSuite": "eddsa-rdfc-2022"}))
        .await;
    assert_bad_request(&r, "proofSuite", "body");
    // Nothing was stored by the refusals.
    let list = app.get(path).await;
    assert_eq!(
        list.body["data"].as_array().unwrap().len(),
        0,
        "{}",
        list.text
    );

    // Accepted: the metadata entry.
    let id = app
        .configuration(config("eddsa-rdfc-2022", json!([EXAMPLES_V2])))
        .await;
    let meta = app.get("/.well-known/openid-credential-issuer").await.body;
    let e = &meta["credential_configurations_supported"][&id];
    assert_eq!(e["format"], "ldp_vc");
    assert_eq!(
        e["credential_definition"],
        json!({"@context": ["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2],
               "type": ["VerifiableCredential", "ExampleAlumniCredential"]})
    );
    assert_eq!(
        e["credential_signing_alg_values_supported"],
        json!(["eddsa-rdfc-2022"])
    );
    assert_eq!(
        e["cryptographic_binding_methods_supported"],
        json!(["did:key", "did:jwk"])
    );
    assert_eq!(
        e["credential_metadata"]["claims"][0]["path"],
        json!(["credentialSubject", "alumniOf"])
    );
    assert_eq!(
        e["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"],
        json!(["ES256", "EdDSA"])
    );
    let got = app.get(&format!("{path}/{id}")).await.body;
    assert_eq!(got["proofSuite"], "eddsa-rdfc-2022");
}

/// The DID document's key for `verificationMethod`, as an OKP JWK.
pub(crate) fn key_of(did_document: &Value, verification_method: &str) -> Map<String, Value> {
    let vm = did_document["verificationMethod"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == verification_method)
        .unwrap_or_else(|| panic!("{verification_method} is not in {did_document}"));
    assert_eq!(vm["type"], "Multikey");
    assert!(
        did_document["assertionMethod"]
            .as_array()
            .unwrap()
            .contains(&vm["id"])
    );
    jwk_of_multikey(vm["publicKeyMultibase"].as_str().unwrap())
}

fn jwk_of_multikey(multikey: &str) -> Map<String, Value> {
    let key = base58::ed25519_from_multikey(multikey).unwrap();
    let mut jwk = Map::new();
    jwk.insert("kty".into(), "OKP".into());
    jwk.insert("crv".into(), "Ed25519".into());
    jwk.insert("x".into(), b64url::encode(key).into());
    jwk
}

async fn ldp_vcs_are_issued_with_both_suites_under_did_web_and_did_key(engine: Engine) {
    let app = spawn_app(engine).await;
    let did_document = app.get("/.well-known/did.json").await;
    assert_eq!(did_document.status, StatusCode::OK);
    let port = url::Url::parse(&app.base).unwrap().port().unwrap();
    let did = format!("did:web:127.0.0.1%3A{port}");
    assert_eq!(did_document.body["id"], did.as_str());
    assert_eq!(app.get("/did.json").await.body, did_document.body);
    let did_document = did_document.body;
    let claims = json!({"school": "Example University"});

    let v2 = app
        .configuration(config("eddsa-rdfc-2022", json!([EXAMPLES_V2])))
        .await;
    let mut body = config("Ed25519Signature2020", json!([EXAMPLES_V2]));
    body["issuerDid"] = json!("did:key");
    body["type"] = json!("ExampleAlumniCredential2020");
    let v1 = app.configuration(body).await;

    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let r = app
        .full_flow(&wallet, &v2, json!({"credentials": [v2], "claims": claims}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let vc = &r.body["credentials"][0]["credential"];
    assert!(vc.is_object(), "an ldp_vc is a JSON object: {vc}");
    assert_eq!(
        vc["@context"],
        json!(["https://www.w3.org/ns/credentials/v2", EXAMPLES_V2])
    );
    assert_eq!(
        vc["type"],
        json!(["VerifiableCredential", "ExampleAlumniCredential"])
    );
    assert_eq!(vc["issuer"], did.as_str());
    assert_eq!(vc["credentialSubject"]["id"], wallet.holder().did_jwk());
    assert_eq!(vc["credentialSubject"]["alumniOf"], "Example University");
    assert_eq!(
        vc["credentialSubject"]["degree"]["name"],
        "Bachelor of Science"
    );
    assert_eq!(vc["credentialSubject"]["graduation"], 2024);
    assert!(vc["id"].as_str().unwrap().starts_with("urn:uuid:"));
    let from = time::OffsetDateTime::parse(
        vc["validFrom"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let until = time::OffsetDateTime::parse(
        vc["validUntil"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!((until - from).whole_days(), 30);
    assert!((from.unix_timestamp() - now()).abs() < 60);
    let proof = &vc["proof"];
    assert_eq!(proof["type"], "DataIntegrityProof");
    assert_eq!(proof["cryptosuite"], "eddsa-rdfc-2022");
    assert_eq!(proof["proofPurpose"], "assertionMethod");
    assert_eq!(proof["created"], vc["validFrom"]);
    let vm = proof["verificationMethod"].as_str().unwrap();
    assert!(vm.starts_with(&format!("{did}#")));
    let key = key_of(&did_document, vm);
    assert!(ldp_vc::verify(vc, &key).unwrap());
    let mut tampered = vc.clone();
    tampered["credentialSubject"]["alumniOf"] = json!("Another University");
    assert!(!ldp_vc::verify(&tampered, &key).unwrap());

    // VCDM 1.1 + Ed25519Signature2020 under did:key, for a holder naming its key by did:key.
    let ed = Wallet::new(SigningAlgorithm::EdDsa);
    let holder_did = format!(
        "did:key:{}",
        base58::ed25519_multikey(&b64url::decode(ed.jwk["x"].as_str().unwrap()).unwrap())
    );
    let created = app
        .offer(json!({"credentials": [v1], "claims": claims}))
        .await;
    let code = pre_authorized_code(created.body["uri"].as_str().unwrap());
    let token = app.redeem(&code, None).await;
    let access = token.body["access_token"].as_str().unwrap().to_string();
    let nonce = app.c_nonce().await;
    let proof_jwt = ed.jws(
        json!({"typ": "openid4vci-proof+jwt", "alg": "EdDSA", "kid": format!("{holder_did}#{}", &holder_did[8..])}),
        json!({"aud": app.base, "iat": now(), "nonce": nonce}),
    );
    let r = app
        .credential(
            &access,
            json!({"credential_configuration_id": v1, "proofs": {"jwt": [proof_jwt]}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let vc = &r.body["credentials"][0]["credential"];
    assert_eq!(
        vc["@context"],
        json!([
            "https://www.w3.org/2018/credentials/v1",
            EXAMPLES_V2,
            "https://w3id.org/security/suites/ed25519-2020/v1"
        ])
    );
    assert_eq!(vc["credentialSubject"]["id"], holder_did.as_str());
    assert!(vc.get("issuanceDate").is_some() && vc.get("expirationDate").is_some());
    assert!(vc.get("validFrom").is_none());
    let issuer = vc["issuer"].as_str().unwrap();
    assert!(issuer.starts_with("did:key:z6Mk"));
    let proof = &vc["proof"];
    assert_eq!(proof["type"], "Ed25519Signature2020");
    let multikey = &issuer["did:key:".len()..];
    assert_eq!(proof["verificationMethod"], format!("{issuer}#{multikey}"));
    // did:key and did:web name the same key.
    let web_key = key_of(&did_document, vm);
    assert_eq!(jwk_of_multikey(multikey), web_key);
    assert!(ldp_vc::verify(vc, &web_key).unwrap());
    let mut tampered = vc.clone();
    tampered["issuanceDate"] = json!("2020-01-01T00:00:00Z");
    assert!(!ldp_vc::verify(&tampered, &web_key).unwrap());

    // A mapped value with members no context defines is refused at issuance, nothing recorded.
    let strict = app
        .configuration(json!({"name": "S", "format": "ldp_vc", "type": "AlumniCredential",
            "contexts": ["https://www.w3.org/2018/credentials/examples/v1"], "proofSuite": "Ed25519Signature2020",
            "claimMappings": {"alumniOf": {"mapFrom": "claims.school"}}}))
        .await;
    let r = app
        .full_flow(
            &wallet,
            &strict,
            json!({"credentials": [strict], "claims": {"school": {"undefinedMember": 1}}}),
        )
        .await;
    assert_eq!(r.body["error"], "credential_request_denied", "{}", r.text);
    // So is one carrying a JSON-LD keyword (a user's value must not redefine terms).
    let r = app
        .full_flow(&wallet, &v2, json!({"credentials": [v2], "claims": {"school": {"@context": {"alumniOf": "https://evil.example/x"}, "alumniOf": "x"}}}))
        .await;
    assert_eq!(r.body["error"], "credential_request_denied", "{}", r.text);
    assert!(r.text.contains("@context"), "{}", r.text);
}
