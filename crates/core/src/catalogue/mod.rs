//! The management catalogue (seeds 000–004): what an organisation configures through the
//! management API — credential configurations and their claim mappings, claims sources, users,
//! offers, the interaction hook, authentication providers and admin tokens.

pub mod admin_token;
pub mod authentication_provider;
pub mod claim_mapping;
pub mod claim_source;
pub mod credential_configuration;
pub mod interaction_hook;
pub mod offer;
pub mod user;
