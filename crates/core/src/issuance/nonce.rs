//! The nonce endpoint (OID4VCI 1.0 §7). A c_nonce is stateless: its expiry and 128 random bits,
//! sealed (AES-256-GCM) under the master key. Handing one out writes nothing, so unauthenticated
//! nonce requests cannot grow the database (SECURITY.md G3), and expiry is judged on server time
//! alone (G4). Only *using* a nonce is recorded, once, by its hash, in the same unit of work as
//! the issuance it was used for: a second use is a replay.

use std::sync::Arc;

use sigil_crypto::{MasterKey, SealedBox, SecureRandom, b64url, random_array, sha256};
use sigil_proto::oid4vci::credential::NonceResponse;

use crate::Clock;
use crate::error::Error;
use crate::settings::Settings;
use crate::store::SpentNonce;

const CONTEXT: &str = "c-nonce";

/// Seals `expires_at` into a new c_nonce.
pub fn seal_nonce(
    master_key: &MasterKey,
    rng: &dyn SecureRandom,
    expires_at: i64,
) -> Result<String, Error> {
    seal_expiry(master_key, rng, CONTEXT, expires_at)
}

/// The expiry sealed in `nonce`, when it is one of ours and unaltered.
pub fn open_nonce(master_key: &MasterKey, nonce: &str) -> Option<i64> {
    open_sealed_expiry(master_key, CONTEXT, nonce)
}

/// A stateless server nonce for `context`: `expires_at` and 128 random bits, sealed.
pub(crate) fn seal_expiry(
    master_key: &MasterKey,
    rng: &dyn SecureRandom,
    context: &str,
    expires_at: i64,
) -> Result<String, Error> {
    let mut plain = expires_at.to_be_bytes().to_vec();
    plain.extend_from_slice(&random_array::<16>(rng)?);
    let sealed = master_key.seal(rng, context, &plain)?;
    Ok(b64url::encode(sealed.bytes))
}

/// The expiry sealed in a [`seal_expiry`] nonce of `context`, when genuine and unaltered.
pub(crate) fn open_sealed_expiry(
    master_key: &MasterKey,
    context: &str,
    nonce: &str,
) -> Option<i64> {
    if nonce.len() > 128 {
        return None;
    }
    let bytes = b64url::decode(nonce)?;
    let plain = master_key
        .open(
            context,
            &SealedBox {
                key_id: master_key.id().clone(),
                bytes,
            },
        )
        .ok()?;
    let expiry: [u8; 8] = plain.get(..8)?.try_into().ok()?;
    Some(i64::from_be_bytes(expiry))
}

/// The nonce endpoint and the single use of each `c_nonce`.
#[derive(Debug, Clone)]
pub struct Nonces {
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) rng: Arc<dyn SecureRandom>,
    pub(crate) master_key: Arc<MasterKey>,
    pub(crate) settings: Arc<Settings>,
}

impl Nonces {
    /// `POST /v1/openid/nonce`.
    pub async fn nonce(&self) -> Result<NonceResponse, Error> {
        let expires_at = self.clock.now() + self.settings().oauth.c_nonce_ttl;
        Ok(NonceResponse {
            c_nonce: seal_nonce(&self.master_key, self.rng.as_ref(), expires_at)?,
        })
    }

    /// Checks a c_nonce: one of ours, unaltered and fresh. Returns what spending it records.
    /// Whether it was spent already is not asked here: the spend happens in the unit of work
    /// that records the issuance, which decides (exactly one request spends it, on any node, and
    /// one that fails spends nothing), and asking first cost every issuance a read (a round
    /// trip on PostgreSQL) to spare a replay, which needs a valid access token and could as
    /// well fetch a fresh nonce, the credential's signature.
    pub(crate) fn check_nonce(&self, nonce: &str) -> Option<SpentNonce> {
        let expires_at = open_nonce(&self.master_key, nonce)?;
        if expires_at <= self.clock.now() {
            return None;
        }
        let nonce_hash = sha256(nonce.as_bytes()).to_vec();
        Some(SpentNonce {
            nonce_hash,
            expires_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigil_crypto::SystemRandom;

    #[test]
    fn nonces_carry_their_expiry_and_reject_forgery() {
        let rng = SystemRandom::new();
        let (key, _) = MasterKey::generate(&rng).unwrap();
        let a = seal_nonce(&key, &rng, 1_900_000_000).unwrap();
        let b = seal_nonce(&key, &rng, 1_900_000_000).unwrap();
        assert_ne!(a, b, "unpredictable: fresh randomness each time");
        assert!(b64url::decode(&a).unwrap().len() >= 12 + 24 + 16);
        assert_eq!(open_nonce(&key, &a), Some(1_900_000_000));
        let mut forged = a.clone().into_bytes();
        forged[20] = if forged[20] == b'A' { b'B' } else { b'A' };
        assert_eq!(open_nonce(&key, &String::from_utf8(forged).unwrap()), None);
        let (other, _) = MasterKey::generate(&rng).unwrap();
        assert_eq!(
            open_nonce(&other, &a),
            None,
            "another deployment's nonce is not ours"
        );
        assert_eq!(open_nonce(&key, "made-up"), None);
        assert_eq!(open_nonce(&key, ""), None);
    }
}
