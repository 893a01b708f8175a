//! The issuer signing algorithms, and [`SoftwareSigner`]: a private key held in memory, the
//! software key provider's way of signing. Formats never see it: they prepare
//! [`Unsigned`](crate::Unsigned) artefacts and whoever holds the key signs them.

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _,
};

use crate::{CryptoError, PublicJwk, PublicSigningKey, SecureRandom, Unsigned, b64url};

/// The issuer signing algorithms Sigil holds keys for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SigningAlgorithm {
    /// ECDSA with P-256 and SHA-256 (RFC 7518 §3.4); COSE -7.
    Es256,
    /// Ed25519 (RFC 8037); COSE -8.
    EdDsa,
}

impl SigningAlgorithm {
    /// Every algorithm, in the order keys are published.
    pub const ALL: [SigningAlgorithm; 2] = [SigningAlgorithm::Es256, SigningAlgorithm::EdDsa];

    /// The JOSE `alg` name.
    pub fn jose_name(self) -> &'static str {
        match self {
            SigningAlgorithm::Es256 => "ES256",
            SigningAlgorithm::EdDsa => "EdDSA",
        }
    }

    /// Length of a signature: ES256 in the fixed r‖s form JOSE and COSE use, Ed25519 as is.
    pub fn signature_len(self) -> usize {
        64
    }

    /// The COSE algorithm identifier (RFC 9053).
    pub fn cose_id(self) -> i64 {
        match self {
            SigningAlgorithm::Es256 => -7,
            SigningAlgorithm::EdDsa => -8,
        }
    }
}

impl fmt::Display for SigningAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.jose_name())
    }
}

impl FromStr for SigningAlgorithm {
    type Err = CryptoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ES256" => Ok(SigningAlgorithm::Es256),
            "EdDSA" => Ok(SigningAlgorithm::EdDsa),
            _ => Err(CryptoError::Key("unknown signing algorithm")),
        }
    }
}

/// Generates a fresh private key for `algorithm`, as PKCS#8 DER, from the operating system's
/// randomness.
pub fn generate_pkcs8(algorithm: SigningAlgorithm) -> Result<Vec<u8>, CryptoError> {
    generate_pkcs8_from(algorithm, &crate::SystemRandom::new())
}

/// Generates a fresh private key for `algorithm` from `rng`, as PKCS#8 DER. aws-lc-rs's own
/// generators ignore the randomness they are given, so the secret is drawn here and handed to
/// it: an Ed25519 seed, or a P-256 scalar (redrawn in the negligible case it is out of range).
pub fn generate_pkcs8_from(
    algorithm: SigningAlgorithm,
    rng: &dyn SecureRandom,
) -> Result<Vec<u8>, CryptoError> {
    let failed = |_| CryptoError::Key("key generation failed");
    for _ in 0..8 {
        let secret = crate::random_array::<32>(rng)?;
        let pkcs8 = match algorithm {
            SigningAlgorithm::Es256 => {
                // RFC 5915 ECPrivateKey { version 1, privateKey } for the named curve.
                let mut der = vec![0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20];
                der.extend_from_slice(&secret);
                match EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der) {
                    Ok(pair) => pair.to_pkcs8v1().map_err(failed)?,
                    Err(_) => continue,
                }
            }
            SigningAlgorithm::EdDsa => Ed25519KeyPair::from_seed_unchecked(&secret)
                .map_err(|_| CryptoError::Key("key generation failed"))?
                .to_pkcs8v1()
                .map_err(failed)?,
        };
        return Ok(pkcs8.as_ref().to_vec());
    }
    Err(CryptoError::Key("key generation failed"))
}

enum KeyPair {
    Es256(EcdsaKeyPair),
    EdDsa(Ed25519KeyPair),
}

/// A signer over a private key held in memory, parsed once (parsing PKCS#8 on every call costs
/// about 40 % of ES256 throughput; see DEPENDENCIES.md).
pub struct SoftwareSigner {
    key: KeyPair,
    jwk: PublicJwk,
    rng: aws_lc_rs::rand::SystemRandom,
}

impl fmt::Debug for SoftwareSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SoftwareSigner")
            .field("kid", &self.jwk.kid)
            .field("alg", &self.jwk.alg)
            .finish_non_exhaustive()
    }
}

impl SoftwareSigner {
    /// Parses a PKCS#8 private key. The key id is the RFC 7638 thumbprint of the public key.
    pub fn from_pkcs8(algorithm: SigningAlgorithm, pkcs8: &[u8]) -> Result<Self, CryptoError> {
        let (key, jwk) = match algorithm {
            SigningAlgorithm::Es256 => {
                let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                    .map_err(|_| CryptoError::Key("P-256 PKCS#8"))?;
                let point = pair.public_key().as_ref();
                // SEC 1 uncompressed point: 0x04 ‖ x (32) ‖ y (32).
                let (x, y) = match (point.first(), point.get(1..33), point.get(33..65)) {
                    (Some(4), Some(x), Some(y)) if point.len() == 65 => {
                        (b64url::encode(x), b64url::encode(y))
                    }
                    _ => return Err(CryptoError::Key("P-256 public point")),
                };
                let kid = PublicJwk::thumbprint("EC", "P-256", &x, Some(&y));
                let jwk = PublicJwk {
                    kty: "EC".into(),
                    crv: "P-256".into(),
                    x,
                    y: Some(y),
                    kid,
                    alg: algorithm.jose_name().into(),
                    use_: "sig".into(),
                };
                (KeyPair::Es256(pair), jwk)
            }
            SigningAlgorithm::EdDsa => {
                let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(pkcs8)
                    .map_err(|_| CryptoError::Key("Ed25519 PKCS#8"))?;
                let x = b64url::encode(pair.public_key().as_ref());
                let kid = PublicJwk::thumbprint("OKP", "Ed25519", &x, None);
                let jwk = PublicJwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    x,
                    y: None,
                    kid,
                    alg: algorithm.jose_name().into(),
                    use_: "sig".into(),
                };
                (KeyPair::EdDsa(pair), jwk)
            }
        };
        Ok(Self {
            key,
            jwk,
            rng: aws_lc_rs::rand::SystemRandom::new(),
        })
    }

    /// The key id (the RFC 7638 thumbprint of the public key).
    pub fn key_id(&self) -> &str {
        &self.jwk.kid
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> SigningAlgorithm {
        match self.key {
            KeyPair::Es256(_) => SigningAlgorithm::Es256,
            KeyPair::EdDsa(_) => SigningAlgorithm::EdDsa,
        }
    }

    /// The public key as a JWK.
    pub fn public_jwk(&self) -> &PublicJwk {
        &self.jwk
    }

    /// The public half, without a certificate chain.
    pub fn public(&self) -> PublicSigningKey {
        PublicSigningKey {
            algorithm: self.algorithm(),
            jwk: self.jwk.clone(),
            certificate_chain: Vec::new(),
        }
    }

    /// Signs a prepared artefact and completes it.
    pub fn sign_prepared<T: 'static>(&self, unsigned: Unsigned<T>) -> Result<T, CryptoError> {
        if unsigned.algorithm() != self.algorithm() {
            return Err(CryptoError::Key("the artefact needs another algorithm"));
        }
        let signature = self.sign(unsigned.message())?;
        unsigned.complete(signature)
    }

    /// Signs `message`. ES256 signatures are the fixed 64-byte r‖s form JOSE and COSE use.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.key {
            KeyPair::Es256(pair) => pair
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::Sign),
            KeyPair::EdDsa(pair) => Ok(pair.sign(message).as_ref().to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, ED25519, UnparsedPublicKey};

    fn public_bytes(jwk: &PublicJwk) -> Vec<u8> {
        let mut out = Vec::new();
        if jwk.kty == "EC" {
            out.push(4);
        }
        out.extend(b64url::decode(&jwk.x).unwrap());
        if let Some(y) = &jwk.y {
            out.extend(b64url::decode(y).unwrap());
        }
        out
    }

    #[test]
    fn both_algorithms_sign_verifiably_from_their_published_jwk() {
        for alg in SigningAlgorithm::ALL {
            let pkcs8 = generate_pkcs8(alg).unwrap();
            let signer = SoftwareSigner::from_pkcs8(alg, &pkcs8).unwrap();
            let sig = signer.sign(b"hello").unwrap();
            let verify_alg: &dyn aws_lc_rs::signature::VerificationAlgorithm = match alg {
                SigningAlgorithm::Es256 => &ECDSA_P256_SHA256_FIXED,
                SigningAlgorithm::EdDsa => &ED25519,
            };
            UnparsedPublicKey::new(verify_alg, public_bytes(signer.public_jwk()))
                .verify(b"hello", &sig)
                .unwrap();
            assert_eq!(signer.key_id(), signer.public_jwk().kid);
            assert_eq!(signer.algorithm(), alg);
            // Parsing the same PKCS#8 again yields the same kid (stable across restarts).
            let again = SoftwareSigner::from_pkcs8(alg, &pkcs8).unwrap();
            assert_eq!(again.public_jwk(), signer.public_jwk());
        }
    }

    /// Key generation draws from the injected randomness: the same bytes make the same key.
    #[test]
    fn keys_come_from_the_randomness_they_are_given() {
        #[derive(Debug)]
        struct Fixed(u8);
        impl SecureRandom for Fixed {
            fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
                dest.fill(self.0);
                Ok(())
            }
        }
        for alg in SigningAlgorithm::ALL {
            let a = SoftwareSigner::from_pkcs8(alg, &generate_pkcs8_from(alg, &Fixed(7)).unwrap())
                .unwrap();
            let b = SoftwareSigner::from_pkcs8(alg, &generate_pkcs8_from(alg, &Fixed(7)).unwrap())
                .unwrap();
            let c = SoftwareSigner::from_pkcs8(alg, &generate_pkcs8_from(alg, &Fixed(9)).unwrap())
                .unwrap();
            assert_eq!(a.public_jwk(), b.public_jwk());
            assert_ne!(a.public_jwk(), c.public_jwk());
            let sig = a.sign(b"m").unwrap();
            assert_eq!(sig.len(), alg.signature_len());
        }
    }

    #[test]
    fn garbage_is_a_key_error_not_a_panic() {
        assert!(SoftwareSigner::from_pkcs8(SigningAlgorithm::Es256, b"nope").is_err());
        assert!(SoftwareSigner::from_pkcs8(SigningAlgorithm::EdDsa, &[]).is_err());
    }
}
