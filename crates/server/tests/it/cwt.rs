//! cwt_vc and cwt over HTTP: the metadata entries in seed 002's shapes, issuance (a tagged
//! COSE_Sign1 verified with the JWKS key its `kid` names, `cnf` = the proof key), and refusals.
//! The third-party verifier (Python `cwt`) runs in interop/verify.py.

use ciborium::Value as Cbor;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::{HolderKey, SigningAlgorithm, b64url};
use sigil_testkit::Engine;

use crate::helpers::{assert_bad_request, spawn_app};
use crate::on_both_engines;
use crate::wallet::Wallet;

on_both_engines!(
    compact_credentials_are_advertised_and_issued_as_cwts,
    metadata_entries_have_the_shapes_of_seed_002,
);

/// The ldp_vc, cwt_vc, cwt and mso_mdoc entries of seed 002's issuer metadata example, copied
/// verbatim.
const SEED_002: &str = include_str!("fixtures/seed002-configurations.json");

/// `ours` has every member `seed` has, with the same JSON type; arrays compare their first items.
/// Per-claim `display` is optional (Sigil's claim mappings carry no display names).
fn same_shape(seed: &Value, ours: &Value, at: &str) {
    match (seed, ours) {
        (Value::Object(s), Value::Object(o)) => {
            for (k, v) in s {
                if k == "display" && at.contains("claims") {
                    continue;
                }
                let here = format!("{at}.{k}");
                let theirs = o
                    .get(k)
                    .unwrap_or_else(|| panic!("{here} is missing: {ours}"));
                same_shape(v, theirs, &here);
            }
        }
        (Value::Array(s), Value::Array(o)) => {
            if let (Some(s), Some(o)) = (s.first(), o.first()) {
                same_shape(s, o, &format!("{at}[0]"));
            }
        }
        (Value::String(_), Value::String(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::Bool(_), Value::Bool(_)) => {}
        _ => panic!("{at}: seed has {seed}, Sigil has {ours}"),
    }
}

async fn metadata_entries_have_the_shapes_of_seed_002(engine: Engine) {
    let app = spawn_app(engine).await;
    let seed: Value = serde_json::from_str(SEED_002).unwrap();
    let mut ids = Vec::new();
    for (format, body) in [
        (
            "ldp_vc",
            json!({"name": "Test Credential", "format": "ldp_vc", "type": "TestCredential",
                   "contexts": ["https://schema.org"], "proofSuite": "Ed25519Signature2020",
                   "claimMappings": {"firstName": {"mapFrom": "claims.firstName", "required": true}},
                   "branding": {"backgroundColor": "#FFFFFF", "textColor": "#000000",
                                "logo": {"url": "https://example.com/logo.png", "altText": "Example Logo"}}}),
        ),
        ("cwt_vc", config("cwt_vc", "TestCredential")),
        ("cwt", config("cwt", "TestCredential")),
        (
            "mso_mdoc",
            json!({"name": "Test Mobile Credential", "format": "mso_mdoc", "doctype": "org.iso.18013.5.1.mDL.T",
                   "claimMappings": {"org.iso.18013.5.1": {"firstName": {"mapFrom": "claims.firstName", "required": true}}},
                   "branding": {"backgroundColor": "#FFFFFF", "textColor": "#000000",
                                "logo": {"url": "https://example.com/logo.png", "altText": "Example Logo"}}}),
        ),
    ] {
        ids.push((format, app.configuration(body).await));
    }
    let meta = app.get("/.well-known/openid-credential-issuer").await.body;
    assert!(meta["mdoc_iacas_uri"].is_string());
    for (format, id) in ids {
        let ours = &meta["credential_configurations_supported"][&id];
        same_shape(&seed[format], ours, format);
        if format == "ldp_vc" {
            // The seed's own example configuration, value for value where Sigil agrees with it.
            assert_eq!(ours["scope"], seed[format]["scope"]);
            let definition = &ours["credential_definition"];
            assert_eq!(
                definition["type"],
                seed[format]["credential_definition"]["type"]
            );
            // The seed's contexts, then the suite's own (as jsonld-signatures appends it).
            let mut contexts = seed[format]["credential_definition"]["@context"].clone();
            contexts
                .as_array_mut()
                .unwrap()
                .push("https://w3id.org/security/suites/ed25519-2020/v1".into());
            assert_eq!(definition["@context"], contexts);
            assert_eq!(
                ours["credential_metadata"]["display"],
                seed[format]["credential_metadata"]["display"]
            );
            assert_eq!(
                ours["credential_metadata"]["claims"][0]["path"],
                seed[format]["credential_metadata"]["claims"][0]["path"]
            );
            assert_eq!(
                ours["credential_signing_alg_values_supported"],
                json!(["Ed25519Signature2020"])
            );
        }
        assert_eq!(ours["id"], id.as_str());
        assert_eq!(ours["format"], format);
    }
}

fn config(format: &str, ty: &str) -> Value {
    json!({"name": "Compact", "format": format, "type": ty,
           "claimMappings": {"given_name": {"mapFrom": "claims.given_name", "required": true},
                             "degree": {"defaultValue": {"type": "BachelorDegree", "level": 6}}},
           "expiresIn": {"days": 30}})
}

fn text(s: &str) -> Cbor {
    Cbor::Text(s.into())
}

fn get<'a>(map: &'a Cbor, key: &Cbor) -> &'a Cbor {
    map.as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key:?}"))
}

/// Verifies the CWT with the JWKS key its protected `kid` names; returns the claims.
pub(crate) fn verify(credential: &str, jwks: &Value) -> Cbor {
    use coset::TaggedCborSerializable;
    let bytes = b64url::decode(credential).unwrap();
    let sign1 = coset::CoseSign1::from_tagged_slice(&bytes).expect("a COSE_Sign1 with tag 18");
    assert_eq!(
        sign1.protected.header.alg,
        Some(coset::RegisteredLabelWithPrivate::Assigned(
            coset::iana::Algorithm::ES256
        ))
    );
    let kid = String::from_utf8(sign1.protected.header.key_id.clone()).unwrap();
    let mut jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("the kid names a JWKS key")
        .as_object()
        .unwrap()
        .clone();
    for extra in ["kid", "alg", "use"] {
        jwk.remove(extra);
    }
    let key = HolderKey::from_jwk(&jwk).unwrap();
    sign1
        .verify_signature(&[], |sig, data| {
            key.verify("ES256", data, sig).then_some(()).ok_or(())
        })
        .expect("the issuer signature verifies");
    ciborium::from_reader(sign1.payload.unwrap().as_slice()).unwrap()
}

async fn compact_credentials_are_advertised_and_issued_as_cwts(engine: Engine) {
    let app = spawn_app(engine).await;
    let vc = app
        .configuration(config("cwt_vc", "CompactCredential"))
        .await;
    let plain = app.configuration(config("cwt", "CompactClaims")).await;
    let meta = app.get("/.well-known/openid-credential-issuer").await.body;
    let entries = &meta["credential_configurations_supported"];
    assert_eq!(
        entries[&vc]["types"],
        json!(["VerifiableCredential", "CompactCredential"])
    );
    assert_eq!(entries[&plain]["type"], "CompactClaims");
    for (id, path) in [
        (&vc, json!(["vc", "credentialSubject", "given_name"])),
        (&plain, json!(["given_name"])),
    ] {
        let e = &entries[id];
        assert_eq!(e["credential_signing_alg_values_supported"], json!([-7]));
        assert_eq!(
            e["cryptographic_binding_methods_supported"],
            json!(["cose_key"])
        );
        assert_eq!(e["credential_metadata"]["claims"][0]["path"], path);
        assert_eq!(
            e["proof_types_supported"]["jwt"]["proof_signing_alg_values_supported"],
            json!(["ES256"])
        );
    }

    let jwks = app.get("/v1/oauth/jwks").await.body;
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    let holder = wallet.holder();
    let claims = json!({"given_name": "Ada"});
    for (id, is_vc) in [(&vc, true), (&plain, false)] {
        let r = app
            .full_flow(&wallet, id, json!({"credentials": [id], "claims": claims}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let cwt = verify(
            r.body["credentials"][0]["credential"].as_str().unwrap(),
            &jwks,
        );
        let int = |i: i64| Cbor::Integer(i.into());
        assert_eq!(get(&cwt, &int(1)), &text(app.base.as_str()));
        assert_eq!(get(&cwt, &int(2)), &text(&holder.did_jwk()));
        let iat = i128::from(get(&cwt, &int(6)).as_integer().unwrap());
        assert_eq!(i128::from(get(&cwt, &int(5)).as_integer().unwrap()), iat);
        assert_eq!(
            i128::from(get(&cwt, &int(4)).as_integer().unwrap()),
            iat + 30 * 86_400
        );
        assert_eq!(get(&cwt, &int(7)).as_bytes().unwrap().len(), 16);
        let cose_key = get(get(&cwt, &int(8)), &int(1));
        let x = b64url::decode(holder.jwk["x"].as_str().unwrap()).unwrap();
        assert_eq!(
            get(cose_key, &int(-2)),
            &Cbor::Bytes(x),
            "cnf is the proof key"
        );
        let subject = if is_vc {
            let vc = get(&cwt, &text("vc"));
            assert_eq!(
                get(vc, &text("type")),
                &Cbor::Array(vec![
                    text("VerifiableCredential"),
                    text("CompactCredential")
                ])
            );
            get(vc, &text("credentialSubject")).clone()
        } else {
            cwt.clone()
        };
        assert_eq!(get(&subject, &text("given_name")), &text("Ada"));
        let degree = get(&subject, &text("degree"));
        assert_eq!(get(degree, &text("level")), &Cbor::Integer(6.into()));
    }

    // COSE-bound formats take ES256 proofs only; reserved CWT claim names cannot be mapped.
    let ed = Wallet::new(SigningAlgorithm::EdDsa);
    let r = app
        .full_flow(
            &ed,
            &plain,
            json!({"credentials": [plain], "claims": claims}),
        )
        .await;
    assert_eq!(r.body["error"], "invalid_proof", "{}", r.text);
    let mut reserved = config("cwt", "Other");
    reserved["claimMappings"]["cnf"] = json!({"defaultValue": "x"});
    let r = app
        .post("/v1/openid/credential-configurations", reserved)
        .await;
    assert_bad_request(&r, "claimMappings.cnf", "body");
}
