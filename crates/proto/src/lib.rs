//! Sigil's wire types: the JSON shapes on the wire, mirroring the seed documents (management API)
//! and, as flows arrive, the OpenID4VCI / OAuth specifications. Serde and OpenAPI schemas only:
//! no validation, no behaviour, no other Sigil crate.
//!
//! Admin request bodies reject unknown fields (`deny_unknown_fields`) so typos are caught;
//! protocol messages, when they arrive here, ignore them as OAuth requires.

pub mod admin;
pub mod error;
pub mod health;
pub mod integer;
pub mod oid4vci;
pub mod secret;
pub mod syntax;
