//! The master key encrypts private material at rest (issuer private keys, the hook secret).
//! Each ciphertext records the id of the key that sealed it, so a key can be rotated and a wrong
//! key is reported as such instead of as corruption.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::hmac;

use crate::{CryptoError, SecureRandom, b64url, random_array, sha256};

/// The id of a master key: derived from the key, so it is stable and reveals nothing useful.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MasterKeyId(String);

impl MasterKeyId {
    /// Wraps a stored id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MasterKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A 256-bit AES-GCM key. `Debug` shows only its id.
pub struct MasterKey {
    id: MasterKeyId,
    key: LessSafeKey,
    mac_key: hmac::Key,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// A ciphertext and the id of the master key that sealed it. `bytes` is nonce ‖ ciphertext ‖ tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBox {
    /// The sealing key's id.
    pub key_id: MasterKeyId,
    /// Nonce, ciphertext and tag.
    pub bytes: Vec<u8>,
}

impl MasterKey {
    /// Length of a master key in bytes.
    pub const LEN: usize = 32;

    /// Builds the key from its 32 raw bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        if bytes.len() != Self::LEN {
            return Err(CryptoError::Key("a master key is exactly 32 bytes"));
        }
        let mut id_input = b"sigil master key id v1".to_vec();
        id_input.extend_from_slice(bytes);
        let digest = sha256(&id_input);
        let id = MasterKeyId(format!(
            "mk_{}",
            b64url::encode(digest.get(..12).unwrap_or(&digest))
        ));
        let key = UnboundKey::new(&AES_256_GCM, bytes)
            .map_err(|_| CryptoError::Key("AES-256-GCM key"))?;
        let mut mac_input = b"sigil master key mac v1".to_vec();
        mac_input.extend_from_slice(bytes);
        Ok(Self {
            id,
            key: LessSafeKey::new(key),
            mac_key: hmac::Key::new(hmac::HMAC_SHA256, &sha256(&mac_input)),
        })
    }

    /// Generates a fresh random master key, returning it with its raw bytes (for the key file).
    pub fn generate(rng: &dyn SecureRandom) -> Result<(Self, [u8; 32]), CryptoError> {
        let bytes = random_array::<32>(rng)?;
        Ok((Self::from_bytes(&bytes)?, bytes))
    }

    /// This key's id.
    pub fn id(&self) -> &MasterKeyId {
        &self.id
    }

    /// Encrypts `plaintext`. `context` is authenticated but not stored: it binds the ciphertext
    /// to its purpose and row (for example `signing-key:<kid>`), so rows cannot be swapped.
    pub fn seal(
        &self,
        rng: &dyn SecureRandom,
        context: &str,
        plaintext: &[u8],
    ) -> Result<SealedBox, CryptoError> {
        let nonce_bytes = random_array::<NONCE_LEN>(rng)?;
        let mut in_out = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce_bytes),
                Aad::from(context.as_bytes()),
                &mut in_out,
            )
            .map_err(|_| CryptoError::Encrypt)?;
        let mut bytes = nonce_bytes.to_vec();
        bytes.extend_from_slice(&in_out);
        Ok(SealedBox {
            key_id: self.id.clone(),
            bytes,
        })
    }

    /// HMAC-SHA256 under a key derived from the master key, for low-entropy secrets stored for
    /// comparison only (transaction codes): a database dump alone cannot brute-force them.
    /// `context` separates uses.
    pub fn mac(&self, context: &str, data: &[u8]) -> [u8; 32] {
        let mut ctx = hmac::Context::with_key(&self.mac_key);
        ctx.update(&(context.len() as u64).to_be_bytes());
        ctx.update(context.as_bytes());
        ctx.update(data);
        let tag = ctx.sign();
        let mut out = [0u8; 32];
        out.copy_from_slice(tag.as_ref());
        out
    }

    /// Decrypts a box sealed by [`MasterKey::seal`] with the same `context`.
    pub fn open(&self, context: &str, sealed: &SealedBox) -> Result<Vec<u8>, CryptoError> {
        if sealed.key_id != self.id {
            return Err(CryptoError::WrongMasterKey {
                expected: self.id.to_string(),
                found: sealed.key_id.to_string(),
            });
        }
        let (nonce, ciphertext) = sealed
            .bytes
            .split_at_checked(NONCE_LEN)
            .ok_or(CryptoError::Decrypt)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Decrypt)?;
        let mut in_out = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut in_out)
            .map_err(|_| CryptoError::Decrypt)?;
        Ok(plain.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SystemRandom;

    #[test]
    fn seal_then_open_round_trips_and_binds_context() {
        let rng = SystemRandom::new();
        let (key, _) = MasterKey::generate(&rng).unwrap();
        let sealed = key.seal(&rng, "ctx-a", b"private").unwrap();
        assert!(!sealed.bytes.windows(7).any(|w| w == b"private"));
        assert_eq!(key.open("ctx-a", &sealed).unwrap(), b"private");
        assert_eq!(key.open("ctx-b", &sealed), Err(CryptoError::Decrypt));
        let mut tampered = sealed.clone();
        let last = tampered.bytes.len() - 1;
        tampered.bytes[last] ^= 1;
        assert_eq!(key.open("ctx-a", &tampered), Err(CryptoError::Decrypt));
    }

    #[test]
    fn another_key_is_reported_by_id() {
        let rng = SystemRandom::new();
        let (a, _) = MasterKey::generate(&rng).unwrap();
        let (b, _) = MasterKey::generate(&rng).unwrap();
        let sealed = a.seal(&rng, "c", b"x").unwrap();
        assert!(matches!(
            b.open("c", &sealed),
            Err(CryptoError::WrongMasterKey { .. })
        ));
    }

    #[test]
    fn id_is_stable_for_the_same_bytes() {
        let a = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let b = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        assert_eq!(a.id(), b.id());
        assert!(MasterKey::from_bytes(&[7u8; 31]).is_err());
    }
}
