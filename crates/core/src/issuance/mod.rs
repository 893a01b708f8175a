//! Issuance (OID4VCI 1.0 §7–§11): the nonce endpoint, key proofs, the credential endpoint and
//! its deferred and notification companions, request and response encryption, and the issuer
//! metadata wallets read first.

pub mod credential;
pub mod deferred;
pub mod encryption;
pub mod metadata;
pub mod nonce;
pub mod notification;
pub mod proof;
