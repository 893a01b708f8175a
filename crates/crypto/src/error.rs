/// A cryptographic operation failed. Messages never carry key material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    /// The system random source failed.
    #[error("the system random number generator failed")]
    Random,
    /// A key could not be generated or parsed.
    #[error("invalid or unsupported key material ({0})")]
    Key(&'static str),
    /// Signing failed.
    #[error("signing failed")]
    Sign,
    /// Decryption failed: wrong master key, or the ciphertext was altered.
    #[error("decryption failed (wrong master key, or the stored ciphertext was altered)")]
    Decrypt,
    /// Encryption failed.
    #[error("encryption failed")]
    Encrypt,
    /// The ciphertext was sealed under another master key than the one configured.
    #[error("sealed under master key {found}, but the configured master key is {expected}")]
    WrongMasterKey {
        /// Id of the configured master key.
        expected: String,
        /// Id recorded with the ciphertext.
        found: String,
    },
}
