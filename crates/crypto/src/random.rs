use crate::CryptoError;

/// A cryptographically secure source of random bytes, injected so that tests can make codes,
/// salts and ids deterministic (STYLE.md habit 5).
pub trait SecureRandom: Send + Sync + std::fmt::Debug {
    /// Fills `dest` with random bytes.
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError>;
}

/// The operating system's CSPRNG through aws-lc-rs.
#[derive(Debug, Default)]
pub struct SystemRandom(aws_lc_rs::rand::SystemRandom);

impl SystemRandom {
    /// A handle on the system CSPRNG.
    pub fn new() -> Self {
        Self(aws_lc_rs::rand::SystemRandom::new())
    }
}

impl SecureRandom for SystemRandom {
    fn fill(&self, dest: &mut [u8]) -> Result<(), CryptoError> {
        aws_lc_rs::rand::SecureRandom::fill(&self.0, dest).map_err(|_| CryptoError::Random)
    }
}

/// `N` random bytes.
pub fn random_array<const N: usize>(rng: &dyn SecureRandom) -> Result<[u8; N], CryptoError> {
    let mut out = [0u8; N];
    rng.fill(&mut out)?;
    Ok(out)
}

/// A bearer secret of 256 bits, base64url, behind `prefix` (e.g. `sigil_at_`). RFC 6749 §10.10
/// asks for ≤ 2^-128 guessing probability; 256 bits leaves ample margin.
pub fn random_token(rng: &dyn SecureRandom, prefix: &str) -> Result<String, CryptoError> {
    let bytes = random_array::<32>(rng)?;
    Ok(format!("{prefix}{}", crate::b64url::encode(bytes)))
}
