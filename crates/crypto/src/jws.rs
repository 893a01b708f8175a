//! Compact JWS (RFC 7515 §7.1): signing through a [`Signer`], and parsing plus verifying JWTs
//! presented by holders (key proofs) against a [`HolderKey`].

use serde_json::{Map, Value};

use crate::{CryptoError, Signer, b64url};

/// Signs `header` and `payload` as a compact JWS. `alg` and `kid` come from the signer.
pub fn sign_compact(
    signer: &dyn Signer,
    mut header: Map<String, Value>,
    payload: &Value,
) -> Result<String, CryptoError> {
    header.insert("alg".into(), Value::from(signer.algorithm().jose_name()));
    header.insert("kid".into(), Value::from(signer.key_id()));
    let header = serde_json::to_vec(&header).map_err(|_| CryptoError::Sign)?;
    let payload = serde_json::to_vec(payload).map_err(|_| CryptoError::Sign)?;
    let mut out = format!("{}.{}", b64url::encode(header), b64url::encode(payload));
    let signature = signer.sign(out.as_bytes())?;
    out.push('.');
    out.push_str(&b64url::encode(signature));
    Ok(out)
}

/// A compact JWS split and decoded, not yet verified.
#[derive(Debug, Clone, PartialEq)]
pub struct CompactJws {
    /// The protected header.
    pub header: Map<String, Value>,
    /// The payload, when it is a JSON object.
    pub payload: Map<String, Value>,
    /// `BASE64URL(header) '.' BASE64URL(payload)`: the bytes the signature covers.
    pub signing_input: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

/// Why a compact JWS could not be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwsError {
    /// Not three dot-separated parts.
    #[error("not a compact JWS (expected three base64url parts)")]
    Shape,
    /// A part is not base64url.
    #[error("a part of the JWS is not base64url")]
    Encoding,
    /// Header or payload is not a JSON object.
    #[error("the JWS header and payload must be JSON objects")]
    Json,
}

impl CompactJws {
    /// Splits and decodes `token`. Limits: 3 parts, each valid unpadded base64url, header and
    /// payload JSON objects.
    pub fn parse(token: &str) -> Result<Self, JwsError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(JwsError::Shape);
        };
        let object = |part: &str| -> Result<Map<String, Value>, JwsError> {
            let bytes = b64url::decode(part).ok_or(JwsError::Encoding)?;
            match serde_json::from_slice(&bytes) {
                Ok(Value::Object(map)) => Ok(map),
                _ => Err(JwsError::Json),
            }
        };
        Ok(Self {
            header: object(h)?,
            payload: object(p)?,
            signing_input: format!("{h}.{p}"),
            signature: b64url::decode(s).ok_or(JwsError::Encoding)?,
        })
    }

    /// A header member as a string.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }
}
