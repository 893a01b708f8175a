//! `dc+sd-jwt`: SD-JWT VC (draft-ietf-oauth-sd-jwt-vc) in the SD-JWT serialisation of RFC 9901.
//!
//! Every mapped claim is selectively disclosable (RFC 9901 §4.2.1): a disclosure
//! `[salt, name, value]` with a fresh 128-bit salt, and its SHA-256 digest in `_sd`, sorted so
//! the order reveals nothing. `cnf.jwk` binds the holder key; `kid` names the issuer key in
//! `/.well-known/jwt-vc-issuer`, and `x5c` carries its certificate under the issuer CA.

use serde_json::{Map, Value, json};
use sigil_crypto::{
    CryptoError, PublicSigningKey, Unsigned, b64, b64url, prepare_compact, random_array, sha256,
};

use crate::Issuance;

/// Prepares an SD-JWT VC of type `vct` signed by `key`: `<issuer-signed JWT>~<disclosure>~…~`.
pub fn prepare(
    issuance: &Issuance<'_>,
    vct: &str,
    key: &PublicSigningKey,
) -> Result<Unsigned<String>, CryptoError> {
    let mut disclosures = Vec::with_capacity(issuance.claims.len());
    let mut digests = Vec::with_capacity(issuance.claims.len());
    for (name, value) in issuance.claims {
        let salt = b64url::encode(random_array::<16>(issuance.rng)?);
        let disclosure = b64url::encode(
            serde_json::to_vec(&json!([salt, name, value])).map_err(|_| CryptoError::Sign)?,
        );
        digests.push(b64url::encode(sha256(disclosure.as_bytes())));
        disclosures.push(disclosure);
    }
    digests.sort();
    let mut payload = Map::new();
    payload.insert("iss".into(), issuance.issuer.into());
    payload.insert("iat".into(), issuance.issued_at.into());
    if let Some(exp) = issuance.expires_at {
        payload.insert("exp".into(), exp.into());
    }
    payload.insert("vct".into(), vct.into());
    payload.insert("cnf".into(), json!({ "jwk": issuance.holder.jwk }));
    if let Some(status) = issuance.status.and_then(|s| s.token_json()) {
        payload.insert("status".into(), status);
    }
    payload.insert("_sd".into(), Value::from(digests));
    payload.insert("_sd_alg".into(), "sha-256".into());
    let mut header = Map::new();
    header.insert("typ".into(), "dc+sd-jwt".into());
    // SD-JWT VC §3.5: the issuer key is also resolvable through X.509 (leaf first, no anchor).
    let chain = &key.certificate_chain;
    if !chain.is_empty() {
        header.insert(
            "x5c".into(),
            chain.iter().map(|c| Value::from(b64::encode(c))).collect(),
        );
    }
    Ok(
        prepare_compact(key, header, &Value::Object(payload))?.map(move |jwt| {
            let mut out = jwt;
            out.push('~');
            for d in disclosures {
                out.push_str(&d);
                out.push('~');
            }
            Ok(out)
        }),
    )
}
