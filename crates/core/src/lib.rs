//! Sigil's domain: the entities the management API configures (interaction hook, credential
//! configurations, users, admin tokens, issuer keys), their validation (parse, don't validate),
//! seed 004's claim mapping, the store traits that `sigil-store` implements, and the services the
//! HTTP edge calls.
//!
//! Must not depend on axum, sqlx or the process environment: time comes from [`Clock`],
//! randomness from [`sigil_crypto::SecureRandom`], persistence through [`store::Store`].

pub mod app;
pub mod authorization;
pub mod caches;
pub mod catalogue;
pub mod clock;
mod document;
pub mod error;
pub mod ids;
pub mod issuance;
pub mod keys;
pub mod outbound;
pub mod outbound_url;
pub mod page;
pub mod rate_limit;
pub mod request_check;
pub mod settings;
pub mod statistics;
pub mod status_list;
pub mod store;
pub mod validation;

pub use app::Sigil;
pub use clock::{Clock, FixedClock, SystemClock};
pub use error::{Error, FieldError, Location, ProtocolError};
pub use settings::{MdocSettings, OAuthSettings, Settings};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod import_graph;
