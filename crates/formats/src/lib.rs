//! Credential formats. Each takes the mapped claims, the holder's key and the issuer's
//! [`Signer`](sigil_crypto::Signer) and returns the credential as the credential endpoint sends
//! it. Formats know nothing of storage, HTTP or configuration; they depend on `sigil-crypto` only.

pub mod cwt;
pub mod jwt_vc_json;
pub mod mso_mdoc;
pub mod sd_jwt_vc;

use serde_json::{Map, Value};
use sigil_crypto::{HolderKey, SecureRandom};

/// What every format needs to build one credential.
#[derive(Debug)]
pub struct Issuance<'a> {
    /// The credential issuer identifier (`iss`).
    pub issuer: &'a str,
    /// Issuance time, Unix seconds.
    pub issued_at: i64,
    /// Expiry, Unix seconds, when the configuration sets one.
    pub expires_at: Option<i64>,
    /// The claims after claim mapping.
    pub claims: &'a Map<String, Value>,
    /// The key the credential is bound to (from the key proof).
    pub holder: &'a HolderKey,
    /// Randomness for salts and ids.
    pub rng: &'a dyn SecureRandom,
}
