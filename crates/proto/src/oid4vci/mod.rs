//! OpenID4VCI 1.0 and OAuth 2.0 messages. Inbound messages ignore unknown fields (OID4VCI §6.1,
//! §8.2); outbound ones omit absent members.

pub mod credential;
pub mod error;
pub mod metadata;
pub mod offer;
pub mod token;
