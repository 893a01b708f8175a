//! Prepare → sign → complete. Everything Sigil signs (credentials in every format, status lists,
//! X.509 certificates) is first *prepared*: the exact bytes to sign and a way to finish the
//! artefact once a signature exists. Whoever holds the key signs [`Unsigned::message`] — a
//! software key, or one that never leaves an HSM or a cloud KMS, possibly asynchronously — and
//! [`Unsigned::complete`] builds the artefact. Nothing that prepares ever sees key material.

use std::fmt;

use crate::{CryptoError, PublicJwk, SigningAlgorithm};

/// The public half of a signing key: what a format names in its headers (`kid`, `alg`, `x5c`,
/// `x5chain`). It holds no key material and cannot sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicSigningKey {
    /// The algorithm the key signs with.
    pub algorithm: SigningAlgorithm,
    /// The public key (its `kid` is the key id).
    pub jwk: PublicJwk,
    /// DER certificates, leaf first, when the key is certified.
    pub certificate_chain: Vec<Vec<u8>>,
}

impl PublicSigningKey {
    /// The key id published in the JWKS and put in JOSE/COSE headers.
    pub fn kid(&self) -> &str {
        &self.jwk.kid
    }

    /// The same key with its certificate chain (DER, leaf first).
    pub fn with_certificate_chain(mut self, chain: Vec<Vec<u8>>) -> Self {
        self.certificate_chain = chain;
        self
    }
}

type Completion<T> = Box<dyn FnOnce(Vec<u8>) -> Result<T, CryptoError> + Send + Sync>;

/// An artefact waiting for its signature.
pub struct Unsigned<T> {
    algorithm: SigningAlgorithm,
    message: Vec<u8>,
    complete: Completion<T>,
}

impl<T> fmt::Debug for Unsigned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Unsigned")
            .field("algorithm", &self.algorithm)
            .field("message_len", &self.message.len())
            .finish_non_exhaustive()
    }
}

impl<T: 'static> Unsigned<T> {
    /// `message` must be signed with `algorithm`; `complete` receives the signature (ES256 as
    /// the fixed 64-byte r‖s form, Ed25519 as its 64 bytes).
    pub fn new(
        algorithm: SigningAlgorithm,
        message: Vec<u8>,
        complete: impl FnOnce(Vec<u8>) -> Result<T, CryptoError> + Send + Sync + 'static,
    ) -> Self {
        Self {
            algorithm,
            message,
            complete: Box::new(complete),
        }
    }

    /// The algorithm the signature must use.
    pub fn algorithm(&self) -> SigningAlgorithm {
        self.algorithm
    }

    /// The exact bytes to sign.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// Finishes the artefact with `signature` over [`Self::message`].
    pub fn complete(self, signature: Vec<u8>) -> Result<T, CryptoError> {
        if signature.len() != self.algorithm.signature_len() {
            return Err(CryptoError::Sign);
        }
        (self.complete)(signature)
    }

    /// Transforms the finished artefact.
    pub fn map<U: 'static>(
        self,
        f: impl FnOnce(T) -> Result<U, CryptoError> + Send + Sync + 'static,
    ) -> Unsigned<U> {
        let complete = self.complete;
        Unsigned {
            algorithm: self.algorithm,
            message: self.message,
            complete: Box::new(move |signature| complete(signature).and_then(f)),
        }
    }
}
