//! Authorization (RFC 6749, 7636, 9126, 9207, 9449; OID4VCI 1.0 §5–§6): pushed authorization
//! requests and the authorization endpoint, the login at the external OpenID Provider, the
//! interaction hook's round trip, the token endpoint with both grants, DPoP, and wallet clients.

pub mod authorize;
pub mod dpop;
pub mod provider_login;
pub mod token;
pub mod wallet_client;
