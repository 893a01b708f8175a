//! Sigil's cryptography: the prepare → sign → complete seam ([`Unsigned`]), software signing keys, public JWKs and
//! RFC 7638 thumbprints, the master key that encrypts private material at rest, hashing of
//! bearer secrets, and the injectable [`SecureRandom`].
//!
//! Everything here runs on aws-lc-rs. This crate knows nothing of HTTP, storage or configuration
//! files; it must not depend on any other Sigil crate.

pub mod base58;
pub mod certificate;
pub mod ed25519;
mod encoding;
mod error;
mod hash;
mod holder_key;
mod hs256;
pub mod jwe;
mod jwk;
mod jws;
mod master_key;
pub mod mdoc_certificate;
mod provider_key;
mod random;
mod secret;
mod signer;
mod unsigned;

pub use encoding::{b64, b64url};
pub use error::CryptoError;
pub use hash::{constant_time_eq, sha256};
pub use holder_key::{HolderKey, HolderKeyError};
pub use hs256::{Hs256Error, sign_hs256, verify_hs256};
pub use jwk::{Jwks, PublicJwk};
pub use jws::{
    Acceptance, CompactJws, JwsError, JwsRefusal, JwsVerifier, Unverified, prepare_compact,
};
pub use master_key::{MasterKey, MasterKeyId, SealedBox};
pub use provider_key::{
    ID_TOKEN, PROVIDER_ALGORITHMS, ProviderJwks, ProviderKeyError, verify_with_jwks,
};
pub use random::{SecureRandom, SystemRandom, random_array, random_token};
pub use secret::SecretString;
pub use signer::{SigningAlgorithm, SoftwareSigner, generate_pkcs8, generate_pkcs8_from};
pub use unsigned::{PublicSigningKey, Unsigned};
