//! What a deployment configures that the domain needs: the issuer identifier, protocol
//! lifetimes and limits, mdoc Document Signer lifetimes, rate limits, the key overlap.

use sigil_crypto::SecretString;

use crate::rate_limit::RateLimitSettings;

/// Settings the domain needs (the server crate builds them from configuration).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The credential issuer identifier: the public base URL, without a trailing slash.
    pub public_url: String,
    /// An admin token fixed by configuration, if any (accepted beside the stored ones).
    pub admin_token: Option<SecretString>,
    /// The issuer's display name in metadata.
    pub issuer_name: String,
    /// Protocol lifetimes and limits.
    pub oauth: OAuthSettings,
    /// mdoc Document Signer lifetimes.
    pub mdoc: MdocSettings,
    /// Rate limits.
    pub rate_limit: RateLimitSettings,
    /// How long a rotated-out issuer key stays published (and a request key accepted), seconds.
    pub key_overlap: i64,
    /// Status list sizes and lifetimes.
    pub status_list: StatusListSettings,
}

/// mdoc Document Signer lifetimes.
#[derive(Debug, Clone, Copy)]
pub struct MdocSettings {
    /// Validity of a Document Signer certificate, seconds.
    pub document_signer_validity: i64,
    /// How long a Document Signer signs before a new one takes over, seconds.
    pub document_signer_rotation: i64,
}

impl Default for MdocSettings {
    fn default() -> Self {
        Self {
            document_signer_validity: 457 * 86_400,
            document_signer_rotation: 30 * 86_400,
        }
    }
}

/// Protocol lifetimes and limits.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// Access token lifetime, seconds.
    pub access_token_ttl: i64,
    /// c_nonce lifetime, seconds.
    pub c_nonce_ttl: i64,
    /// Wrong transaction codes after which a pre-authorized code is dead.
    pub tx_code_max_failures: i64,
    /// Oldest key proof accepted (`iat`), seconds.
    pub proof_max_age: i64,
    /// Furthest in the future a key proof's `iat` may be (clock skew), seconds.
    pub proof_max_skew: i64,
    /// Every token request must carry a DPoP proof (tokens are always sender-constrained).
    pub require_dpop: bool,
    /// DPoP proofs must carry a server nonce (`DPoP-Nonce`, RFC 9449 §8).
    pub require_dpop_nonce: bool,
    /// Most key proofs (so credentials) in one credential request; 1 disables batches.
    pub batch_size: usize,
    /// Credential responses must be encrypted, and so requests too (OID4VCI 1.0 §8.2, §10).
    pub require_encryption: bool,
    /// How long a deferred issuance waits to be collected, seconds.
    pub deferred_ttl: i64,
    /// The `interval` wallets are told to wait between deferred polls, seconds.
    pub deferred_interval: i64,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            access_token_ttl: 300,
            c_nonce_ttl: 300,
            tx_code_max_failures: 5,
            proof_max_age: 300,
            proof_max_skew: 60,
            require_dpop: false,
            require_dpop_nonce: false,
            batch_size: 10,
            require_encryption: false,
            deferred_ttl: 7 * 86_400,
            deferred_interval: 5,
        }
    }
}

/// Status list settings.
#[derive(Debug, Clone, Copy)]
pub struct StatusListSettings {
    /// Entries per list (herd privacy: at least 131,072 by default).
    pub size: i64,
    /// Positions a node reserves at a time.
    pub block: i64,
    /// The lists' `ttl`, seconds: how long readers may cache a list, and the longest a change
    /// made through one node takes to be served by another.
    pub ttl: i64,
    /// `exp - iat` of a signed list, seconds; a list is signed again when less than `ttl` is
    /// left.
    pub validity: i64,
}

impl Default for StatusListSettings {
    fn default() -> Self {
        Self {
            size: 131_072,
            block: 64,
            ttl: 300,
            validity: 86_400,
        }
    }
}
