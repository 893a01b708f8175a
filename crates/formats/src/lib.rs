//! Credential formats. Each takes the mapped claims, the holder's key and the *public* half of
//! the issuer key that will sign ([`PublicSigningKey`](sigil_crypto::PublicSigningKey)) and
//! prepares the credential as the credential endpoint sends it, waiting for its signature
//! ([`Unsigned`](sigil_crypto::Unsigned)): prepare → sign → complete. Formats never hold a key
//! and never sign. They know nothing of storage, HTTP or configuration; they depend on
//! `sigil-crypto` only.

pub mod cwt;
pub mod json_ld;
pub mod jwt_vc_json;
pub mod ldp_vc;
pub mod mso_mdoc;
pub mod sd_jwt_vc;
pub mod status_list;

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
    /// Where the credential's status is kept, for a revocable configuration.
    pub status: Option<&'a status_list::StatusReference>,
}

/// `unix` as an RFC 3339 UTC date-time without fractions, `YYYY-MM-DDThh:mm:ssZ`: the form mdoc
/// `tdate`s and VC `validFrom`/`created` values take.
pub fn date_time(unix: i64) -> Result<String, sigil_crypto::CryptoError> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(format).ok())
        .ok_or(sigil_crypto::CryptoError::Key("date out of range"))
}
