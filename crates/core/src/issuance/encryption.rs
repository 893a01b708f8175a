//! Credential response and request encryption (OID4VCI 1.0 §8.2, §8.3, §10; RFC 7516).
//!
//! Responses are encrypted to the wallet's `credential_response_encryption.jwk` with `ECDH-ES`
//! (A128GCM or A256GCM) or `HPKE-7`. Requests may arrive as a JWE made to one of Sigil's own
//! request-encryption keys, published in `credential_request_encryption.jwks`: one P-256 key per
//! algorithm, created on first start and sealed under the master key like the signing keys.

use serde_json::{Map, Value};
use sigil_crypto::jwe::{self, ContentEncryption, KeyManagement, RecipientKey};

use crate::error::{Error, ProtocolError};
use crate::keys::request_keys::ENCS;
use crate::store::StoreError;

/// Largest accepted encrypted request.
const MAX_REQUEST_JWE: usize = 256 * 1024;

fn invalid(description: impl Into<String>) -> Error {
    Error::protocol(ProtocolError::InvalidEncryptionParameters, description)
}

fn corrupt(e: impl std::fmt::Display) -> Error {
    StoreError::Corrupt(e.to_string()).into()
}

/// How one response is to be encrypted.
#[derive(Debug)]
pub struct ResponseEncryption {
    key: RecipientKey,
    kid: Option<String>,
    alg: KeyManagement,
    enc: ContentEncryption,
}

impl super::Issuance {
    /// Parses `credential_response_encryption` (§8.2): `{jwk, enc, zip?}`, the algorithm named by
    /// the JWK's `alg`. `None` when absent and not required.
    pub fn response_encryption(
        &self,
        parameters: Option<&Value>,
    ) -> Result<Option<ResponseEncryption>, Error> {
        let Some(parameters) = parameters else {
            if self.settings().oauth.require_encryption {
                return Err(invalid(
                    "this issuer requires encrypted responses: send credential_response_encryption",
                ));
            }
            return Ok(None);
        };
        let Value::Object(p) = parameters else {
            return Err(invalid("credential_response_encryption must be an object"));
        };
        let Some(Value::Object(jwk)) = p.get("jwk") else {
            return Err(invalid(
                "credential_response_encryption.jwk must be a JWK object",
            ));
        };
        if p.contains_key("zip") {
            return Err(invalid("compression (zip) is not supported"));
        }
        let enc_name = p.get("enc").and_then(Value::as_str).unwrap_or_default();
        let enc = ContentEncryption::parse(enc_name)
            .ok_or_else(|| invalid("the enc is not supported; use A128GCM or A256GCM"))?;
        // §8.2: the JWK names its algorithm; ECDH-ES when it does not.
        let alg_name = jwk.get("alg").and_then(Value::as_str).unwrap_or("ECDH-ES");
        let alg = KeyManagement::parse(alg_name)
            .ok_or_else(|| invalid("the jwk's alg is not supported; use ECDH-ES or HPKE-7"))?;
        if alg == KeyManagement::Hpke7 && enc != ContentEncryption::A256Gcm {
            return Err(invalid("HPKE-7 encrypts with A256GCM: send enc A256GCM"));
        }
        let key = RecipientKey::from_jwk(jwk)
            .map_err(|e| invalid(format!("credential_response_encryption.jwk: {e}")))?;
        Ok(Some(ResponseEncryption {
            key,
            kid: jwk.get("kid").and_then(Value::as_str).map(str::to_string),
            alg,
            enc,
        }))
    }

    /// Encrypts a response body as a compact JWE (`application/jwt`).
    pub fn encrypt_response(
        &self,
        body: &Value,
        encryption: &ResponseEncryption,
    ) -> Result<String, Error> {
        let plain = serde_json::to_vec(body).map_err(corrupt)?;
        jwe::encrypt(
            &plain,
            &encryption.key,
            encryption.alg,
            encryption.enc,
            encryption.kid.as_deref(),
            self.rng.as_ref(),
        )
        .map_err(|e| corrupt(format!("response encryption: {e}")))
    }

    /// Decrypts a request sent as a JWE (`application/jwt`) to one of Sigil's request keys.
    pub fn decrypt_request(&self, compact: &str) -> Result<Vec<u8>, Error> {
        if compact.len() > MAX_REQUEST_JWE {
            return Err(invalid("the encrypted request is too large"));
        }
        let header = compact
            .split('.')
            .next()
            .and_then(sigil_crypto::b64url::decode)
            .and_then(|h| serde_json::from_slice::<Map<String, Value>>(&h).ok())
            .ok_or_else(|| invalid("the request is not a compact JWE"))?;
        let kid = header
            .get("kid")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let ring = self.keys();
        let (alg, _, key) = ring
            .request_keys()
            .keys
            .iter()
            .find(|(_, k, _)| k == kid)
            .ok_or_else(|| {
                invalid(
                    "the request JWE's kid must name a key of credential_request_encryption.jwks",
                )
            })?;
        let (_, plain) = jwe::decrypt(compact, key, &[*alg], &ENCS)
            .map_err(|e| invalid(format!("the request could not be decrypted: {e}")))?;
        Ok(plain)
    }
}
