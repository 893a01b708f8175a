//! Management API bodies (`/v1/...`, admin bearer token).

pub mod admin_token;
pub mod authentication_provider;
pub mod claim_source;
pub mod client;
pub mod configuration;
pub mod credential_configuration;
pub mod deferred;
pub mod iaca;
pub mod keys;
pub mod offer;
pub mod page;
pub mod statistics;
pub mod user;
