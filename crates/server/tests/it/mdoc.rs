//! mso_mdoc over HTTP: the IACA and Document Signer API, mdoc configuration validation, the
//! metadata entry, and issuance (typed elements, device key, Document Signer rotation). The
//! third-party verifiers (@animo-id/mdoc, pymdoccbor) run in interop/tests/mdoc.test.js.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ciborium::Value as Cbor;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sigil_crypto::certificate::{generate_issuer_ca, pem};
use sigil_crypto::mdoc_certificate::{AlternativeName, IacaSubject, generate_iaca, pem_decode};
use sigil_crypto::{SigningAlgorithm, SystemRandom, b64url};
use sigil_testkit::Engine;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::helpers::{TestApp, assert_bad_request, assert_error, spawn_app};
use crate::on_both_engines;
use crate::wallet::{Wallet, now};

on_both_engines!(
    iacas_are_generated_activated_listed_and_deleted,
    imported_iacas_are_checked_against_the_profile,
    mdoc_configurations_are_validated_and_advertised,
    an_mdoc_carries_typed_elements_and_signers_rotate,
);

const NS: &str = "org.iso.18013.5.1";

pub(crate) fn pkcs8_pem(der: &[u8]) -> String {
    pem(der).replace("CERTIFICATE", "PRIVATE KEY")
}

fn parse(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der).unwrap().1
}

fn der_of(pem_text: &Value) -> Vec<u8> {
    pem_decode("CERTIFICATE", pem_text.as_str().unwrap()).unwrap()
}

async fn iaca(app: &TestApp, body: Value) -> Value {
    let r = app.post("/v1/credentials/mobile/iacas", body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    r.body
}

async fn iacas_are_generated_activated_listed_and_deleted(engine: Engine) {
    let app = spawn_app(engine).await;
    let r = app.post("/v1/credentials/mobile/iacas", json!({})).await;
    assert_bad_request(&r, "country", "body");
    let r = app
        .post(
            "/v1/credentials/mobile/iacas",
            json!({"country": "nz", "stateOrProvinceName": "AU-NSWX", "notAfter": "2020-01-01", "issuerAlternativeName": "ftp://x"}),
        )
        .await;
    for param in [
        "country",
        "stateOrProvinceName",
        "notAfter",
        "issuerAlternativeName",
    ] {
        assert_bad_request(&r, param, "body");
    }
    let first = iaca(&app, json!({"country": "NZ", "commonName": "Test IACA"})).await;
    assert_eq!(
        (first["active"].clone(), first["managed"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(first["country"], "NZ");
    let der = der_of(&first["certificatePem"]);
    let cert = parse(&der);
    let bc = cert.basic_constraints().unwrap().unwrap();
    assert!(bc.critical && bc.value.ca && bc.value.path_len_constraint == Some(0));
    let second = iaca(&app, json!({"country": "NZ", "active": false})).await;
    assert_eq!(second["active"], false);
    assert!(second["commonName"].as_str().unwrap().ends_with(" IACA"));

    let public = app.get("/v1/openid/mdoc-iacas").await;
    let listed: Vec<Value> = public.body["iacas"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    let first_b64 = base64::engine::general_purpose::STANDARD.encode(&der);
    assert_eq!(
        listed[0]["certificate"],
        first_b64.as_str(),
        "the active IACA comes first"
    );

    let id2 = second["id"].as_str().unwrap();
    let r = app
        .put(
            &format!("/v1/credentials/mobile/iacas/{id2}"),
            json!({"active": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["active"], true);
    let id1 = first["id"].as_str().unwrap();
    let r = app
        .get(&format!("/v1/credentials/mobile/iacas/{id1}"))
        .await;
    assert_eq!(r.body["active"], false, "one active IACA at a time");
    let r = app.get("/v1/credentials/mobile/iacas").await;
    assert_eq!(r.body["data"].as_array().unwrap().len(), 2);
    let r = app
        .put(
            &format!("/v1/credentials/mobile/iacas/{id2}"),
            json!({"active": true, "x": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);

    let r = app
        .delete(&format!("/v1/credentials/mobile/iacas/{id1}"))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .get(&format!("/v1/credentials/mobile/iacas/{id1}"))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND, "NotFound");
    let r = app.get("/v1/openid/mdoc-iacas").await;
    assert_eq!(r.body["iacas"].as_array().unwrap().len(), 1);
}

async fn imported_iacas_are_checked_against_the_profile(engine: Engine) {
    let app = spawn_app(engine).await;
    let rng = SystemRandom::new();
    // Sigil's own SD-JWT issuer CA is a CA, but not an IACA: no country, no issuerAltName.
    let (key, cert) = generate_issuer_ca(now(), &rng).unwrap();
    let r = app
        .post(
            "/v1/credentials/mobile/iacas",
            json!({"certificatePem": pem(&cert), "privateKeyPem": pkcs8_pem(&key)}),
        )
        .await;
    assert_bad_request(&r, "certificatePem", "body");
    let reasons: Vec<&str> = r.body["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["msg"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|m| m.contains("issuerAltName")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|m| m.contains("countryName")),
        "{reasons:?}"
    );

    let who = IacaSubject {
        common_name: "Imported IACA".into(),
        country: "AU".into(),
        state_or_province: Some("AU-NSW".into()),
        alternative_name: AlternativeName::Email("pki@example.com".into()),
    };
    let (key, cert) = generate_iaca(&who, now(), now() + 86_400 * 365, &rng).unwrap();
    let (other_key, _) = generate_iaca(&who, now(), now() + 86_400, &rng).unwrap();
    let r = app
        .post(
            "/v1/credentials/mobile/iacas",
            json!({"certificatePem": pem(&cert), "privateKeyPem": pkcs8_pem(&other_key)}),
        )
        .await;
    assert_bad_request(&r, "privateKeyPem", "body");
    let r = app
        .post(
            "/v1/credentials/mobile/iacas",
            json!({"certificatePem": pem(&cert), "privateKeyPem": pkcs8_pem(&key), "country": "AU"}),
        )
        .await;
    assert_bad_request(&r, "country", "body");
    let r = app
        .post(
            "/v1/credentials/mobile/iacas",
            json!({"certificatePem": pem(&cert)}),
        )
        .await;
    assert_bad_request(&r, "privateKeyPem", "body");
    let imported = iaca(
        &app,
        json!({"certificatePem": pem(&cert), "privateKeyPem": pkcs8_pem(&key)}),
    )
    .await;
    assert_eq!(imported["managed"], false);
    assert_eq!(imported["stateOrProvinceName"], "AU-NSW");
    assert_eq!(der_of(&imported["certificatePem"]), cert);
    let r = app
        .post("/v1/credentials/mobile/document-signers", json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let ds = der_of(&r.body["certificatePem"]);
    let (ds, ca) = (parse(&ds), parse(&cert));
    ds.verify_signature(Some(ca.public_key())).unwrap();
    assert_eq!(ds.issuer().as_raw(), ca.subject().as_raw());
}

fn mdl(claims: Value) -> Value {
    json!({"name": "Driving licence", "format": "mso_mdoc", "doctype": "org.iso.18013.5.1.mDL",
           "claimMappings": {NS: claims}, "expiresIn": {"days": 30}})
}

async fn mdoc_configurations_are_validated_and_advertised(engine: Engine) {
    let app = spawn_app(engine).await;
    let post = |body: Value| app.post("/v1/openid/credential-configurations", body);
    let r = post(mdl(
        json!({"x": {"mapFrom": "claims.x", "type": "decimal"}}),
    ))
    .await;
    assert_bad_request(&r, &format!("claimMappings.{NS}.x.type"), "body");
    let r = post(mdl(json!({"birth_date": {"defaultValue": "10/12/1815"}}))).await;
    assert_bad_request(
        &r,
        &format!("claimMappings.{NS}.birth_date.defaultValue"),
        "body",
    );
    let r = post(mdl(json!({"p": {"mapFrom": "claims.p", "type": "array", "items": {"type": "object", "properties": {"d": {"type": "day"}}}}}))).await;
    assert_bad_request(
        &r,
        &format!("claimMappings.{NS}.p.items.properties.d.type"),
        "body",
    );
    let mut long = mdl(json!({"family_name": {"mapFrom": "claims.f"}}));
    long["expiresIn"] = json!({"days": 428});
    assert_bad_request(&post(long).await, "expiresIn", "body");
    let mut both = mdl(json!({"family_name": {"mapFrom": "claims.f"}}));
    both["validUntil"] = json!({"mapFrom": "claims.until"});
    assert_bad_request(&post(both).await, "validUntil", "body");
    let r = post(
        json!({"name": "x", "format": "dc+sd-jwt", "vct": "https://x.example/v",
                        "claimMappings": {"a": {"mapFrom": "claims.a", "type": "date"}}}),
    )
    .await;
    assert_bad_request(&r, "claimMappings.a.type", "body");
    let r = post(
        json!({"name": "x", "format": "dc+sd-jwt", "vct": "https://x.example/v",
                        "validFrom": {"defaultValue": "2030-01-01"}}),
    )
    .await;
    assert_bad_request(&r, "validFrom", "body");

    let id = app
        .configuration(mdl(json!({
            "family_name": {"mapFrom": "claims.family_name", "required": true},
            "issuing_country": {"defaultValue": "NZ"},
        })))
        .await;
    let meta = app.get("/.well-known/openid-credential-issuer").await.body;
    assert_eq!(meta["mdoc_iacas_uri"], app.url("/v1/openid/mdoc-iacas"));
    let entry = &meta["credential_configurations_supported"][&id];
    assert_eq!(entry["format"], "mso_mdoc");
    assert_eq!(entry["doctype"], "org.iso.18013.5.1.mDL");
    assert_eq!(entry["scope"], "mso_mdoc:org.iso.18013.5.1.mDL");
    assert_eq!(
        entry["cryptographic_binding_methods_supported"],
        json!(["cose_key"])
    );
    assert_eq!(
        entry["credential_signing_alg_values_supported"],
        json!([-7])
    );
    assert_eq!(
        entry["proof_types_supported"],
        json!({"jwt": {"proof_signing_alg_values_supported": ["ES256"]}})
    );
    assert_eq!(
        entry["credential_metadata"]["claims"],
        json!([{"path": [NS, "family_name"], "mandatory": true}, {"path": [NS, "issuing_country"], "mandatory": true}])
    );
}

fn decode(bytes: &[u8]) -> Cbor {
    ciborium::from_reader(bytes).unwrap()
}

fn get<'a>(map: &'a Cbor, key: &str) -> &'a Cbor {
    map.as_map()
        .unwrap()
        .iter()
        .find(|(k, _)| k.as_text() == Some(key))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key}"))
}

fn unwrap24(v: &Cbor) -> Cbor {
    match v {
        Cbor::Tag(24, inner) => decode(inner.as_bytes().unwrap()),
        other => panic!("not tag 24: {other:?}"),
    }
}

/// (elements by identifier, MSO, DS certificate DER).
fn open_mdoc(credential: &str) -> (Vec<(String, Cbor)>, Cbor, Vec<u8>) {
    let signed = decode(&URL_SAFE_NO_PAD.decode(credential).unwrap());
    let items = get(get(&signed, "nameSpaces"), NS).as_array().unwrap();
    let elements = items
        .iter()
        .map(|i| {
            let item = unwrap24(i);
            (
                get(&item, "elementIdentifier")
                    .as_text()
                    .unwrap()
                    .to_string(),
                get(&item, "elementValue").clone(),
            )
        })
        .collect();
    let auth = get(&signed, "issuerAuth").as_array().unwrap();
    let mso = unwrap24(&decode(auth[2].as_bytes().unwrap()));
    let ds = auth[1].as_map().unwrap()[0].1.as_bytes().unwrap().clone();
    (elements, mso, ds)
}

async fn an_mdoc_carries_typed_elements_and_signers_rotate(engine: Engine) {
    let app = spawn_app(engine).await;
    let id = app
        .configuration(mdl(json!({
            "family_name": {"mapFrom": "claims.family_name", "required": true},
            "birth_date": {"mapFrom": "claims.birth_date", "required": true},
            "portrait": {"mapFrom": "claims.portrait"},
            "driving_privileges": {"mapFrom": "claims.driving_privileges"},
            "height": {"mapFrom": "claims.height", "type": "integer"},
            "issuing_country": {"defaultValue": "NZ"},
        })))
        .await;
    let claims = json!({"family_name": "Lovelace", "birth_date": "1815-12-10", "portrait": "/9j/4AAQ",
                        "driving_privileges": [{"vehicle_category_code": "B", "issue_date": "2026-01-15"}],
                        "height": 170});
    let offer = json!({"credentials": [id], "claims": claims});
    let wallet = Wallet::new(SigningAlgorithm::Es256);
    // No IACA yet: the issuer is not set up for mdocs.
    let r = app.full_flow(&wallet, &id, offer.clone()).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert_eq!(r.body["error"], "server_error");
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .contains("IACA")
    );

    let ca = iaca(&app, json!({"country": "NZ"})).await;
    let r = app.full_flow(&wallet, &id, offer.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let (elements, mso, ds1) = open_mdoc(r.body["credentials"][0]["credential"].as_str().unwrap());
    let value = |name: &str| elements.iter().find(|(n, _)| n == name).unwrap().1.clone();
    assert_eq!(value("family_name"), Cbor::Text("Lovelace".into()));
    assert_eq!(
        value("birth_date"),
        Cbor::Tag(1004, Box::new(Cbor::Text("1815-12-10".into())))
    );
    assert_eq!(
        value("portrait"),
        Cbor::Bytes(vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10])
    );
    assert_eq!(value("height"), Cbor::Integer(170.into()));
    let privileges = value("driving_privileges");
    let privilege = &privileges.as_array().unwrap()[0];
    assert_eq!(
        get(privilege, "issue_date"),
        &Cbor::Tag(1004, Box::new(Cbor::Text("2026-01-15".into())))
    );
    let key = get(get(&mso, "deviceKeyInfo"), "deviceKey")
        .as_map()
        .unwrap();
    let x = b64url::decode(wallet.holder().jwk["x"].as_str().unwrap()).unwrap();
    assert!(
        key.contains(&(Cbor::Integer((-2).into()), Cbor::Bytes(x))),
        "device key = proof key"
    );
    let validity = get(&mso, "validityInfo");
    let text_of = |v: &Cbor| match v {
        Cbor::Tag(0, t) => t.as_text().unwrap().to_string(),
        other => panic!("not a tdate: {other:?}"),
    };
    let from = text_of(get(validity, "validFrom"));
    let until = text_of(get(validity, "validUntil"));
    assert!(from.ends_with('Z') && !from.contains('.'), "{from}");
    let parse_t = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .unwrap()
            .unix_timestamp()
    };
    assert_eq!(parse_t(&until) - parse_t(&from), 30 * 86_400);

    // The issuance is on record with the MSO digest (SHA-256 of the signed payload).
    let signed = decode(
        &URL_SAFE_NO_PAD
            .decode(r.body["credentials"][0]["credential"].as_str().unwrap())
            .unwrap(),
    );
    let payload = get(&signed, "issuerAuth").as_array().unwrap()[2]
        .as_bytes()
        .unwrap()
        .clone();
    let digest: String = sigil_crypto::sha256(&payload)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut recorded = Vec::new();
    for user in app.get("/v1/users").await.body["data"].as_array().unwrap() {
        let list = app
            .get(&format!(
                "/v1/users/{}/credentials",
                user["id"].as_str().unwrap()
            ))
            .await;
        for c in list.body["data"].as_array().unwrap() {
            recorded.push((c["format"].clone(), c["msoDigest"].clone()));
        }
    }
    assert_eq!(
        recorded,
        vec![(json!("mso_mdoc"), json!(digest))],
        "one issuance on record, with its MSO digest"
    );
    let ca_der = der_of(&ca["certificatePem"]);
    let (ds_cert, ca_cert) = (parse(&ds1), parse(&ca_der));
    ds_cert
        .verify_signature(Some(ca_cert.public_key()))
        .unwrap();
    assert!(ds_cert.validity().not_before >= ca_cert.validity().not_before);
    assert!(ds_cert.validity().not_after <= ca_cert.validity().not_after);
    let eku = ds_cert.extended_key_usage().unwrap().unwrap();
    assert_eq!(eku.value.other[0].to_id_string(), "1.0.18013.5.1.2");

    // The same DS signs again; a manual rotation makes a new one that signs from then on.
    let r = app.full_flow(&wallet, &id, offer.clone()).await;
    assert_eq!(
        open_mdoc(r.body["credentials"][0]["credential"].as_str().unwrap()).2,
        ds1
    );
    let rotated = app
        .post("/v1/credentials/mobile/document-signers", json!({}))
        .await;
    assert_eq!(rotated.status, StatusCode::CREATED, "{}", rotated.text);
    let r = app.full_flow(&wallet, &id, offer.clone()).await;
    let ds2 = open_mdoc(r.body["credentials"][0]["credential"].as_str().unwrap()).2;
    assert_ne!(ds2, ds1);
    assert_eq!(ds2, der_of(&rotated.body["certificatePem"]));
    let listed = app.get("/v1/credentials/mobile/document-signers").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 2);

    // A value that does not fit its type is refused, and nothing is recorded for it.
    let mut bad = offer.clone();
    bad["claims"]["birth_date"] = json!("10 December 1815");
    let r = app.full_flow(&wallet, &id, bad).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .contains("birth_date"),
        "{}",
        r.text
    );

    // An mDL whose issuing_country is not the IACA's country would fail every verifier.
    let mut foreign = mdl(
        json!({"family_name": {"mapFrom": "claims.family_name"}, "issuing_country": {"defaultValue": "AU"}}),
    );
    foreign["doctype"] = json!("org.iso.18013.5.1.mDL.foreign");
    let foreign = app.configuration(foreign).await;
    let r = app
        .full_flow(
            &wallet,
            &foreign,
            json!({"credentials": [foreign], "claims": claims}),
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
    assert!(
        r.body["error_description"]
            .as_str()
            .unwrap()
            .contains("issuing_country"),
        "{}",
        r.text
    );

    // mdocs bind P-256 device keys only.
    let ed = Wallet::new(SigningAlgorithm::EdDsa);
    let r = app.full_flow(&ed, &id, offer).await;
    assert_eq!(r.body["error"], "invalid_proof", "{}", r.text);
}
