//! `jwt_vc_json`: a W3C Verifiable Credential (VCDM 1.1) as a JWT (OID4VCI 1.0 Appendix A.1.1,
//! VC-JWT §6.3.1): `iss`, `sub` = the holder's `did:jwk` (= `credentialSubject.id`), `nbf`/`iat`,
//! `exp`, `jti`, and the credential under `vc`. `cnf.jwk` repeats the holder key for verifiers
//! that bind by key rather than DID.

use serde_json::{Map, Value, json};
use sigil_crypto::{CryptoError, PublicSigningKey, Unsigned, prepare_compact, random_array};

use crate::Issuance;

/// The VCDM 1.1 base context.
pub const VC_CONTEXT_V1: &str = "https://www.w3.org/2018/credentials/v1";

/// Prepares a JWT VC with `types` (after `VerifiableCredential`) and extra `contexts`, signed by
/// `key`.
pub fn prepare(
    issuance: &Issuance<'_>,
    types: &[String],
    contexts: &[String],
    key: &PublicSigningKey,
) -> Result<Unsigned<String>, CryptoError> {
    let holder = issuance.holder.did_jwk();
    let mut subject = Map::new();
    subject.insert("id".into(), holder.clone().into());
    subject.extend(issuance.claims.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut context = vec![Value::from(VC_CONTEXT_V1)];
    context.extend(contexts.iter().map(|c| Value::from(c.as_str())));
    let mut type_ = vec![Value::from("VerifiableCredential")];
    type_.extend(types.iter().map(|t| Value::from(t.as_str())));
    let jti = uuid::Builder::from_random_bytes(random_array::<16>(issuance.rng)?).into_uuid();
    let mut payload = Map::new();
    payload.insert("iss".into(), issuance.issuer.into());
    payload.insert("sub".into(), holder.into());
    payload.insert("nbf".into(), issuance.issued_at.into());
    payload.insert("iat".into(), issuance.issued_at.into());
    if let Some(exp) = issuance.expires_at {
        payload.insert("exp".into(), exp.into());
    }
    payload.insert("jti".into(), format!("urn:uuid:{jti}").into());
    payload.insert("cnf".into(), json!({ "jwk": issuance.holder.jwk }));
    if let Some(status) = issuance.status.and_then(|s| s.token_json()) {
        payload.insert("status".into(), status);
    }
    payload.insert(
        "vc".into(),
        json!({ "@context": context, "type": type_, "credentialSubject": subject }),
    );
    let mut header = Map::new();
    header.insert("typ".into(), "JWT".into());
    prepare_compact(key, header, &Value::Object(payload))
}
