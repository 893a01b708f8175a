//! `cwt_vc` and `cwt`: CBOR Web Tokens (RFC 8392) signed as a COSE_Sign1 (RFC 9052, tag 18) with
//! ES256 (-7). The credential is base64url of the CWT bytes.
//!
//! - Protected header: `alg` (1) = -7 and `kid` (4) = the UTF-8 bytes of the issuer key's `kid`
//!   in the JWKS (`/v1/oauth/jwks`), so verifiers find the key there.
//! - Claims: `iss` (1), `sub` (2) = the holder's `did:jwk`, `exp` (4) when the configuration sets
//!   a validity, `nbf` (5) and `iat` (6) = issuance time, `cti` (7) = 16 random bytes, and `cnf`
//!   (8, RFC 8747) = `{1: COSE_Key}` holding the proof key.
//! - `cwt_vc` adds `vc`: `{"@context", "type", "credentialSubject": {"id": did, …claims}}`, as
//!   `jwt_vc_json` does; `cwt` puts the claims at top level under their names.

use ciborium::Value;
use coset::{CoseSign1Builder, HeaderBuilder, TaggedCborSerializable, iana};
use serde_json::Value as Json;
use sigil_crypto::{
    CryptoError, PublicSigningKey, SigningAlgorithm, Unsigned, b64url, random_array,
};

use crate::Issuance;
use crate::jwt_vc_json::VC_CONTEXT_V1;
use crate::mso_mdoc::{ElementType, cose_key, to_cbor};

/// Where a CWT carries the mapped claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape<'a> {
    /// `cwt_vc`: under `vc.credentialSubject`, with these types (after `VerifiableCredential`)
    /// and extra contexts.
    Vc {
        /// Types after `VerifiableCredential`.
        types: &'a [String],
        /// Contexts after the VCDM 1.1 base context.
        contexts: &'a [String],
    },
    /// `cwt`: at top level.
    Claims,
}

fn int(i: i64) -> Value {
    Value::Integer(i.into())
}

fn json(value: &Json) -> Result<Value, CryptoError> {
    to_cbor(value, &ElementType::Any).map_err(|_| CryptoError::Sign)
}

/// Prepares a CWT of `shape` signed by `key`.
pub fn prepare(
    issuance: &Issuance<'_>,
    shape: Shape<'_>,
    key: &PublicSigningKey,
) -> Result<Unsigned<String>, CryptoError> {
    if key.algorithm != SigningAlgorithm::Es256 {
        return Err(CryptoError::Key("CWTs are signed with ES256"));
    }
    let holder = issuance.holder.did_jwk();
    let mut claims = vec![
        (int(1), Value::Text(issuance.issuer.to_string())),
        (int(2), Value::Text(holder.clone())),
    ];
    if let Some(exp) = issuance.expires_at {
        claims.push((int(4), int(exp)));
    }
    claims.push((int(5), int(issuance.issued_at)));
    claims.push((int(6), int(issuance.issued_at)));
    claims.push((
        int(7),
        Value::Bytes(random_array::<16>(issuance.rng)?.to_vec()),
    ));
    claims.push((
        int(8),
        Value::Map(vec![(int(1), cose_key(issuance.holder)?)]),
    ));
    if let Some(status) = issuance.status.and_then(|s| s.token_cbor()) {
        claims.push((int(crate::status_list::CWT_STATUS), status));
    }
    let mapped = issuance
        .claims
        .iter()
        .map(|(k, v)| Ok((Value::Text(k.clone()), json(v)?)))
        .collect::<Result<Vec<_>, CryptoError>>()?;
    match shape {
        Shape::Vc { types, contexts } => {
            let mut context = vec![Value::Text(VC_CONTEXT_V1.into())];
            context.extend(contexts.iter().map(|c| Value::Text(c.clone())));
            let mut type_ = vec![Value::Text("VerifiableCredential".into())];
            type_.extend(types.iter().map(|t| Value::Text(t.clone())));
            let mut subject = vec![(Value::Text("id".into()), Value::Text(holder))];
            subject.extend(mapped);
            claims.push((
                Value::Text("vc".into()),
                Value::Map(vec![
                    (Value::Text("@context".into()), Value::Array(context)),
                    (Value::Text("type".into()), Value::Array(type_)),
                    (Value::Text("credentialSubject".into()), Value::Map(subject)),
                ]),
            ));
        }
        Shape::Claims => claims.extend(mapped),
    }
    let mut payload = Vec::new();
    ciborium::into_writer(&Value::Map(claims), &mut payload).map_err(|_| CryptoError::Sign)?;
    let mut sign1 = CoseSign1Builder::new()
        .protected(
            HeaderBuilder::new()
                .algorithm(iana::Algorithm::ES256)
                .key_id(key.kid().as_bytes().to_vec())
                .build(),
        )
        .payload(payload)
        .build();
    let message = sign1.tbs_data(&[]);
    Ok(Unsigned::new(key.algorithm, message, move |signature| {
        sign1.signature = signature;
        let bytes = sign1.to_tagged_vec().map_err(|_| CryptoError::Sign)?;
        Ok(b64url::encode(bytes))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};
    use sigil_crypto::{HolderKey, SoftwareSigner, SystemRandom, generate_pkcs8};

    fn key() -> SoftwareSigner {
        SoftwareSigner::from_pkcs8(
            SigningAlgorithm::Es256,
            &generate_pkcs8(SigningAlgorithm::Es256).unwrap(),
        )
        .unwrap()
    }

    fn issue(
        issuance: &Issuance<'_>,
        shape: Shape<'_>,
        signer: &SoftwareSigner,
    ) -> Result<String, CryptoError> {
        signer.sign_prepared(prepare(issuance, shape, &signer.public())?)
    }

    fn holder_of(signer: &SoftwareSigner) -> HolderKey {
        let jwk = serde_json::to_value(signer.public_jwk()).unwrap();
        HolderKey::from_jwk(jwk.as_object().unwrap()).unwrap()
    }

    fn get<'a>(map: &'a Value, key: &Value) -> &'a Value {
        map.as_map()
            .unwrap()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
            .unwrap()
    }

    #[test]
    fn a_cwt_vc_is_a_signed_tagged_sign1_with_cnf_and_vc() {
        let issuer = key();
        let holder = holder_of(&key());
        let claims: Map<String, Json> =
            serde_json::from_value(json!({"given_name": "Ada", "degree": {"type": "BSc"}}))
                .unwrap();
        let issuance = Issuance {
            issuer: "https://issuer.example",
            issued_at: 1_800_000_000,
            expires_at: Some(1_800_086_400),
            claims: &claims,
            holder: &holder,
            rng: &SystemRandom::new(),
            status: None,
        };
        let types = vec!["CourseCredential".to_string()];
        let token = issue(
            &issuance,
            Shape::Vc {
                types: &types,
                contexts: &[],
            },
            &issuer,
        )
        .unwrap();
        let bytes = b64url::decode(&token).unwrap();
        assert_eq!(bytes[0], 0xd2, "COSE_Sign1 tag 18");
        let sign1 = coset::CoseSign1::from_tagged_slice(&bytes).unwrap();
        assert_eq!(sign1.protected.header.key_id, issuer.key_id().as_bytes());
        let verifier = holder_of(&issuer);
        sign1
            .verify_signature(&[], |sig, data| {
                verifier.verify("ES256", data, sig).then_some(()).ok_or(())
            })
            .unwrap();
        let payload: Value = ciborium::from_reader(sign1.payload.unwrap().as_slice()).unwrap();
        assert_eq!(
            get(&payload, &int(1)),
            &Value::Text("https://issuer.example".into())
        );
        assert_eq!(get(&payload, &int(2)), &Value::Text(holder.did_jwk()));
        assert_eq!(get(&payload, &int(4)), &int(1_800_086_400));
        let cnf = get(get(&payload, &int(8)), &int(1));
        assert_eq!(cnf, &cose_key(&holder).unwrap());
        let vc = get(&payload, &Value::Text("vc".into()));
        let subject = get(vc, &Value::Text("credentialSubject".into()));
        assert_eq!(
            get(subject, &Value::Text("given_name".into())),
            &Value::Text("Ada".into())
        );
        assert_eq!(
            get(vc, &Value::Text("type".into())),
            &Value::Array(vec![
                Value::Text("VerifiableCredential".into()),
                Value::Text("CourseCredential".into())
            ])
        );

        let plain = issue(&issuance, Shape::Claims, &issuer).unwrap();
        let sign1 = coset::CoseSign1::from_tagged_slice(&b64url::decode(&plain).unwrap()).unwrap();
        let payload: Value = ciborium::from_reader(sign1.payload.unwrap().as_slice()).unwrap();
        assert_eq!(
            get(&payload, &Value::Text("given_name".into())),
            &Value::Text("Ada".into())
        );
        assert!(
            payload
                .as_map()
                .unwrap()
                .iter()
                .all(|(k, _)| k != &Value::Text("vc".into()))
        );
    }
}
