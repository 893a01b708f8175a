//! Compact JWS (RFC 7515 §7.1): preparing one for signing, and the one path every JWS Sigil
//! accepts goes through: [`Acceptance::check`] (size, shape, `crit`, `typ`, the algorithm
//! allow-list), then [`Unverified::verify`] with the key the caller resolved. Key proofs, DPoP
//! proofs, the interaction hook's HS256 tokens and the provider's ID tokens all use it, so a
//! rule added here (such as refusing unknown critical extensions) holds for all of them.

use serde_json::{Map, Value};

use crate::{CryptoError, PublicSigningKey, Unsigned, b64url};

/// Prepares `header` and `payload` as a compact JWS signed by `key`: `alg` and `kid` come from
/// the key; the signing input is `BASE64URL(header) '.' BASE64URL(payload)`.
pub fn prepare_compact(
    key: &PublicSigningKey,
    mut header: Map<String, Value>,
    payload: &Value,
) -> Result<Unsigned<String>, CryptoError> {
    header.insert("alg".into(), Value::from(key.algorithm.jose_name()));
    header.insert("kid".into(), Value::from(key.kid()));
    let header = serde_json::to_vec(&header).map_err(|_| CryptoError::Sign)?;
    let payload = serde_json::to_vec(payload).map_err(|_| CryptoError::Sign)?;
    let input = format!("{}.{}", b64url::encode(header), b64url::encode(payload));
    let message = input.clone().into_bytes();
    Ok(Unsigned::new(key.algorithm, message, move |signature| {
        let mut out = input;
        out.push('.');
        out.push_str(&b64url::encode(signature));
        Ok(out)
    }))
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

/// A key that verifies JWS signatures made with a given `alg`.
pub trait JwsVerifier {
    /// Whether `signature` over `message` verifies with this key under `alg`. A key refuses any
    /// `alg` it is not for.
    fn verify_jws(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool;
}

/// What a kind of JWS must look like to be accepted.
#[derive(Debug, Clone, Copy)]
pub struct Acceptance<'a> {
    /// Largest token in bytes; longer ones are refused before decoding.
    pub max_bytes: usize,
    /// The `typ` header the profile requires (RFC 8725 §3.11), if it requires one.
    pub typ: Option<&'a str>,
    /// The accepted `alg` values. `none` is never accepted, whatever the list says.
    pub algs: &'a [&'a str],
}

/// Why a JWS was refused. The descriptions never repeat the caller's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwsRefusal {
    /// Longer than the profile allows.
    #[error("the JWT is too large")]
    TooLarge,
    /// Not a compact JWS with JSON header and payload.
    #[error("{0}")]
    Malformed(JwsError),
    /// The header has `crit`: Sigil understands no JWS extension, so by RFC 7515 §4.1.11 it
    /// must refuse any token that marks one as critical.
    #[error("the header names critical extensions (crit) that are not understood")]
    Critical,
    /// The `typ` is not the profile's.
    #[error("the typ header is not the one required")]
    Typ,
    /// The `alg` is missing, `none`, or not on the list.
    #[error("the alg is not supported")]
    Algorithm,
    /// The signature does not verify with the key.
    #[error("the signature does not verify with the key")]
    Signature,
}

/// A JWS that passed [`Acceptance::check`] and still needs its signature verified.
#[derive(Debug)]
pub struct Unverified {
    jws: CompactJws,
    alg: String,
}

impl Unverified {
    /// The decoded header, payload and signature, for resolving the key. Nothing in it may be
    /// trusted before [`Unverified::verify`].
    pub fn peek(&self) -> &CompactJws {
        &self.jws
    }

    /// The accepted `alg`.
    pub fn alg(&self) -> &str {
        &self.alg
    }

    /// Verifies the signature with `key`; only then is the JWS handed out.
    pub fn verify(self, key: &dyn JwsVerifier) -> Result<CompactJws, JwsRefusal> {
        if key.verify_jws(
            &self.alg,
            self.jws.signing_input.as_bytes(),
            &self.jws.signature,
        ) {
            Ok(self.jws)
        } else {
            Err(JwsRefusal::Signature)
        }
    }
}

impl Acceptance<'_> {
    /// Parses `token` and checks everything but the signature: size, shape, `crit`, `typ`, `alg`.
    pub fn check(&self, token: &str) -> Result<Unverified, JwsRefusal> {
        if token.len() > self.max_bytes {
            return Err(JwsRefusal::TooLarge);
        }
        let jws = CompactJws::parse(token).map_err(JwsRefusal::Malformed)?;
        // RFC 7515 §4.1.11: a recipient that does not understand a listed extension must
        // refuse the JWS; Sigil understands none, so any `crit` (even an empty or malformed
        // one, which §4.1.11 forbids producing) is refused.
        if jws.header.contains_key("crit") {
            return Err(JwsRefusal::Critical);
        }
        if let Some(typ) = self.typ
            && jws.header_str("typ") != Some(typ)
        {
            return Err(JwsRefusal::Typ);
        }
        let alg = match jws.header_str("alg") {
            Some(alg) if alg != "none" && self.algs.contains(&alg) => alg.to_string(),
            _ => return Err(JwsRefusal::Algorithm),
        };
        Ok(Unverified { jws, alg })
    }
}
