//! `cbor`: Sigil never decodes CBOR or COSE it did not make (no endpoint takes CBOR in; mdoc
//! device responses are not verified here), so this target fuzzes the CBOR Sigil *writes* from
//! untrusted JSON: the user's claims (from the authentication provider, a claims source or an
//! offer) typed for CBOR by `sigil_formats::mso_mdoc::to_cbor` under each `ElementType`, mapped
//! through an `mso_mdoc` configuration (`mdoc_namespaces`, `mdoc_validity`) into a signed mdoc
//! (`mso_mdoc::issue`), and into `cwt` / `cwt_vc` credentials (`cwt::issue`); and the holder's
//! JWK (from a key proof) as a COSE_Key (`cose_key`).
//!
//! The output is then decoded with ciborium and coset, as a verifier would: every value
//! `to_cbor` produces must round-trip, every accepted holder key must have a COSE_Key, and every
//! credential issued must parse as a COSE_Sign1 whose ES256 signature verifies, with each
//! element's value intact.
#![no_main]

use std::sync::OnceLock;

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use ciborium::Value as Cbor;
use coset::{AsCborValue, CoseSign1, TaggedCborSerializable};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use sigil_core::catalogue::credential_configuration::CredentialConfiguration;
use sigil_crypto::{HolderKey, SigningAlgorithm, SoftwareSigner, b64url};
use sigil_formats::mso_mdoc::{ElementType, MdocIssuance, cose_key, iso_mdl_type, to_cbor};
use sigil_formats::{Issuance, cwt};
use sigil_fuzz::{FuzzRandom, NOW, wallet, wallet_jwk};

/// Types a mapping can give a value, the ISO mDL ones included.
fn element_types() -> Vec<ElementType> {
    let mut types: Vec<ElementType> = ElementType::NAMES
        .iter()
        .filter_map(|name| ElementType::scalar(name))
        .collect();
    types.push(ElementType::Any);
    types.push(ElementType::Array(Box::new(ElementType::Any)));
    types.push(ElementType::Object(vec![("d".into(), ElementType::Date)]));
    types.extend(iso_mdl_type("org.iso.18013.5.1", "driving_privileges"));
    types
}

struct Fixture {
    types: Vec<ElementType>,
    mdoc: CredentialConfiguration,
    cwt: CredentialConfiguration,
    issuer: SoftwareSigner,
    es256_holder: HolderKey,
    ed25519_holder: HolderKey,
}

fn configuration(request: Value) -> CredentialConfiguration {
    let request = serde_json::from_value(request).expect("a credential configuration request");
    CredentialConfiguration::parse("configuration".into(), request).expect("a valid configuration")
}

fn holder(alg: SigningAlgorithm) -> HolderKey {
    HolderKey::from_jwk(&wallet_jwk(&wallet(alg))).expect("the wallet key is a holder key")
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture {
        types: element_types(),
        mdoc: configuration(json!({
            "name": "mDL", "format": "mso_mdoc", "doctype": "org.iso.18013.5.1.mDL",
            "claimMappings": {"org.iso.18013.5.1": {
                "family_name": {"mapFrom": "claims.family_name"},
                "birth_date": {"mapFrom": "claims.birth_date"},
                "portrait": {"mapFrom": "claims.portrait"},
                "portrait_capture_date": {"mapFrom": "claims.portrait_capture_date"},
                "height": {"mapFrom": "claims.height"},
                "age_over_18": {"mapFrom": "claims.age_over_18"},
                "driving_privileges": {"mapFrom": "claims.driving_privileges"},
                "score": {"mapFrom": "claims.score", "type": "number"},
                "extra": {"mapFrom": "claims.extra"},
                "tags": {"mapFrom": "claims.tags", "type": "array", "items": {"type": "string"}},
                "home": {"mapFrom": "claims.home", "type": "object",
                         "properties": {"since": {"type": "date"}, "photo": {"type": "bytes"},
                                        "seen": {"type": "dateTime"}}}
            }},
            "validFrom": {"mapFrom": "claims.valid_from"},
            "validUntil": {"mapFrom": "claims.valid_until"}
        })),
        cwt: configuration(json!({
            "name": "CWT", "format": "cwt", "type": "FuzzCredential",
            "claimMappings": {
                "given_name": {"mapFrom": "claims.given_name"},
                "extra": {"mapFrom": "claims.extra"},
                "nested": {"mapFrom": "claims.home"}
            }
        })),
        issuer: wallet(SigningAlgorithm::Es256),
        es256_holder: holder(SigningAlgorithm::Es256),
        ed25519_holder: holder(SigningAlgorithm::EdDsa),
    })
}

fn decode(bytes: &[u8]) -> Cbor {
    ciborium::from_reader(bytes).expect("Sigil's CBOR decodes")
}

fn encode(value: &Cbor) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("a CBOR value encodes");
    out
}

/// The ES256 signature of a COSE_Sign1 made by `issuer` verifies.
fn verify(sign1: &CoseSign1, issuer: &SoftwareSigner) {
    let jwk = issuer.public_jwk();
    let mut point = vec![4u8];
    point.extend(b64url::decode(&jwk.x).unwrap_or_default());
    point.extend(b64url::decode(jwk.y.as_deref().unwrap_or_default()).unwrap_or_default());
    let key = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point);
    sign1
        .verify_signature(&[], |signature, data| key.verify(data, signature))
        .expect("the COSE_Sign1 signature verifies");
}

fn map_get<'a>(map: &'a Cbor, name: &str) -> Option<&'a Cbor> {
    map.as_map()?
        .iter()
        .find(|(k, _)| k.as_text() == Some(name))
        .map(|(_, v)| v)
}

/// `#6.24(bstr .cbor x)` → x.
fn embedded(value: &Cbor) -> Cbor {
    match value {
        Cbor::Tag(24, inner) => decode(inner.as_bytes().expect("tag 24 holds bytes")),
        other => panic!("not an embedded CBOR item: {other:?}"),
    }
}

fn mdoc(f: &Fixture, user: &Value) {
    let Ok(namespaces) = f.mdoc.mdoc_namespaces(user) else {
        return;
    };
    let Ok(validity) = f.mdoc.mdoc_validity(user, NOW) else {
        return;
    };
    let rng = FuzzRandom::new(3);
    let issuance = MdocIssuance {
        doctype: "org.iso.18013.5.1.mDL",
        namespaces: &namespaces,
        holder: &f.es256_holder,
        validity,
        rng: &rng,
        status: None,
    };
    let key = f
        .issuer
        .public()
        .with_certificate_chain(vec![b"document signer certificate".to_vec()]);
    let Ok(issued) = sigil_formats::mso_mdoc::prepare(&issuance, &key)
        .and_then(|unsigned| f.issuer.sign_prepared(unsigned))
    else {
        // Only a validity outside what a date can hold may fail.
        return;
    };
    let bytes = b64url::decode(&issued.credential).expect("the mdoc is base64url");
    let issuer_signed = decode(&bytes);
    let auth = map_get(&issuer_signed, "issuerAuth")
        .expect("issuerAuth")
        .clone();
    let sign1 = CoseSign1::from_cbor_value(auth).expect("issuerAuth is a COSE_Sign1");
    verify(&sign1, &f.issuer);
    let mso = embedded(&decode(sign1.payload.as_deref().expect("a payload")));
    assert!(map_get(&mso, "valueDigests").is_some());
    // Every element comes back with the value it went in with.
    let spaces = map_get(&issuer_signed, "nameSpaces").expect("nameSpaces");
    for (namespace, elements) in &namespaces {
        let items = map_get(spaces, namespace)
            .and_then(Cbor::as_array)
            .expect("items");
        assert_eq!(items.len(), elements.len());
        for (item, element) in items.iter().zip(elements) {
            let item = embedded(item);
            let id = map_get(&item, "elementIdentifier").and_then(Cbor::as_text);
            assert_eq!(id, Some(element.identifier.as_str()));
            assert_eq!(map_get(&item, "elementValue"), Some(&element.value));
        }
    }
}

fn cwts(f: &Fixture, user: &Value) {
    let Ok(claims) = f.cwt.map_claims(user) else {
        return;
    };
    let rng = FuzzRandom::new(4);
    let issuance = Issuance {
        issuer: sigil_fuzz::ISSUER,
        issued_at: NOW,
        expires_at: Some(NOW + 86_400),
        claims: &claims,
        holder: &f.ed25519_holder,
        rng: &rng,
        status: None,
    };
    let types = ["FuzzCredential".to_string()];
    for shape in [
        cwt::Shape::Claims,
        cwt::Shape::Vc {
            types: &types,
            contexts: &[],
        },
    ] {
        let Ok(credential) = cwt::prepare(&issuance, shape, &f.issuer.public())
            .and_then(|unsigned| f.issuer.sign_prepared(unsigned))
        else {
            continue;
        };
        let bytes = b64url::decode(&credential).expect("the CWT is base64url");
        let sign1 = CoseSign1::from_tagged_slice(&bytes).expect("a tagged COSE_Sign1");
        verify(&sign1, &f.issuer);
        let payload = decode(sign1.payload.as_deref().expect("a payload"));
        assert!(payload.is_map());
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let f = fixture();
    for ty in &f.types {
        if let Ok(cbor) = to_cbor(&value, ty) {
            assert_eq!(decode(&encode(&cbor)), cbor, "{ty:?} does not round-trip");
        }
    }
    if let Value::Object(claims) = &value {
        if let Ok(key) = HolderKey::from_jwk(claims) {
            assert!(
                cose_key(&key).is_ok(),
                "an accepted holder key has no COSE_Key"
            );
        }
        let user = json!({"id": "user", "claims": Value::Object(claims.clone())});
        mdoc(f, &user);
        cwts(f, &user);
    }
});
