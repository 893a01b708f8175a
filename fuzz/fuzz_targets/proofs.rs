//! `proofs`: key proofs and DPoP proofs as the server checks them, through `sigil_core::Sigil`
//! itself on a real (SQLite) store: `Issuance::issue_credential` with the input as `proofs.jwt`
//! (one proof per line, so batches too), and `Dpop::verify_dpop` with each line as the `DPoP`
//! header at the token endpoint and at the credential endpoint (with `ath`). DPoP nonces are
//! required, so the server's sealed nonces are parsed as well.
//!
//! A line `~HEADER<TAB>PAYLOAD` is signed here with a fixed wallet key (ES256, or EdDSA when the
//! header mentions it) over the exact bytes given, so the fuzzer also reaches the checks after
//! the signature (`aud`, `iat`, `iss`, `nonce`; `jti`, `htm`, `htu`, `ath`, the DPoP nonce).
//! The committed seeds carry a valid `c_nonce` and DPoP nonce: a nonce is spent once, so a
//! seed issues a credential on its first run in a process only (the store is fresh per process).
//!
//! Proofs are the first thing a wallet sends with an access token; a panic is a denial of
//! service, a wrong acceptance a credential bound to a key nobody holds. Besides "no panic", an
//! accepted DPoP proof must name this method and URI, and carry the access token's hash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};
use sigil_core::authorization::dpop::DpopRequest;
use sigil_crypto::{CompactJws, SigningAlgorithm, b64url, sha256};
use sigil_fuzz::{ACCESS_TOKEN, ISSUER, app, sign_raw, wallet};
use sigil_proto::oid4vci::credential::{CredentialRequest, Proofs};

/// Most lines looked at: the batch size (10) and a little more, so the cap is exercised.
const MAX_LINES: usize = 12;

/// A line as a proof: as given, or signed here when it starts with `~`.
fn proof(line: &str) -> String {
    let Some(unsigned) = line.strip_prefix('~') else {
        return line.to_string();
    };
    let (header, payload) = unsigned.split_once('\t').unwrap_or((unsigned, ""));
    let alg = if header.contains("EdDSA") {
        SigningAlgorithm::EdDsa
    } else {
        SigningAlgorithm::Es256
    };
    sign_raw(&wallet(alg), header.as_bytes(), payload.as_bytes())
}

fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fuzz_target!(|data: &[u8]| {
    let app = app();
    let text = String::from_utf8_lossy(data);
    let proofs: Vec<String> = text.split('\n').take(MAX_LINES).map(proof).collect();

    // Key proofs, as the credential endpoint hands them over.
    let request = CredentialRequest {
        credential_configuration_id: Some(app.configuration_id.clone()),
        proofs: Some(Proofs {
            jwt: Some(proofs.clone()),
            other: Map::new(),
        }),
        ..CredentialRequest::default()
    };
    let _ = app
        .runtime
        .block_on(app.sigil.issuance().issue_credential(&app.token, &request));

    // DPoP proofs: at the token endpoint, and at the credential endpoint with the token's hash.
    let ath = b64url::encode(sha256(ACCESS_TOKEN.as_bytes()));
    for proof in &proofs {
        let headers = [proof.as_str()];
        for (path, access_token) in [
            ("/v1/oauth/token", None),
            ("/v1/openid/credential", Some(ACCESS_TOKEN)),
        ] {
            let request = DpopRequest {
                proofs: &headers,
                method: "POST",
                path,
            };
            let verified = app
                .runtime
                .block_on(app.sigil.dpop().verify_dpop(&request, access_token));
            let Ok(Some(verified)) = verified else {
                continue;
            };
            let _ = app.sigil.dpop().dpop_binding(Some(&verified), None);
            let jws = CompactJws::parse(proof.trim()).expect("an accepted proof parses");
            assert_eq!(claim(&jws.payload, "htm"), Some("POST"));
            let htu = claim(&jws.payload, "htu").unwrap_or_default();
            let url = url::Url::parse(htu).expect("an accepted htu is a URL");
            let issuer = url::Url::parse(ISSUER).expect("the issuer is a URL");
            assert!(
                url.scheme() == issuer.scheme()
                    && url.host() == issuer.host()
                    && url.port_or_known_default() == issuer.port_or_known_default()
                    && url.path() == path,
                "htu {htu:?} accepted for {path}"
            );
            if access_token.is_some() {
                assert_eq!(claim(&jws.payload, "ath"), Some(ath.as_str()));
            }
        }
    }
});
