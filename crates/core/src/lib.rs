//! Sigil's domain: the entities the management API configures (interaction hook, credential
//! configurations, users, admin tokens, issuer keys), their validation (parse, don't validate),
//! seed 004's claim mapping, the store traits that `sigil-store` implements, and the services the
//! HTTP edge calls.
//!
//! Must not depend on axum, sqlx or the process environment: time comes from [`Clock`],
//! randomness from [`sigil_crypto::SecureRandom`], persistence through [`store::Store`].

pub mod admin_token;
pub mod app;
pub mod authentication_provider;
pub mod authorization;
pub mod caches;
pub mod claim_mapping;
pub mod claim_source;
pub mod clock;
pub mod credential;
pub mod credential_configuration;
pub mod deferred;
pub mod did;
mod document;
pub mod dpop;
pub mod encryption;
pub mod error;
pub mod iaca;
pub mod ids;
pub mod interaction_hook;
pub mod keys;
pub mod metadata;
pub mod nonce;
pub mod notification;
pub mod offer;
pub mod oidc;
pub mod outbound;
pub mod outbound_url;
pub mod page;
pub mod proof;
pub mod rate_limit;
pub mod store;
pub mod token;
pub mod user;
pub mod validation;
pub mod wallet_client;

pub use app::{MdocSettings, OAuthSettings, Settings, Sigil};
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, FieldError, Location, ProtocolError};
