//! `POST /v1/openid/offers/pre-authorized`, `DELETE …/{id}` (seed 002).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A pre-authorized credential offer to create.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreAuthorizedOfferRequest {
    /// Credential configuration ids offered (one or more).
    pub credentials: Vec<String>,
    /// An existing user; absent creates a new user.
    pub user_id: Option<String>,
    /// When present, a transaction code is generated and required at the token endpoint.
    pub transaction_code_configuration: Option<TransactionCodeConfiguration>,
    /// Claims available at issuance for this offer (they win over the user's).
    #[schema(value_type = Object)]
    pub claims: Option<serde_json::Map<String, serde_json::Value>>,
    /// Names of `claims` to save on the user (by default none are).
    pub claims_to_persist: Option<Vec<String>>,
    /// Lifetime of the offer: default 5 minutes, at most 10.
    pub expires_in: Option<OfferExpiresIn>,
    /// Deliver the offer by reference (`credential_offer_uri`) instead of by value.
    #[serde(default)]
    pub by_reference: bool,
}

/// The transaction code (OID4VCI 1.0 §4.1.1 `tx_code`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransactionCodeConfiguration {
    /// Number of characters, 4–12 (default 6).
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub length: Option<i64>,
    /// `numeric` (default) or `text`.
    pub input_mode: Option<String>,
    /// Shown to the user by the wallet; at most 300 characters.
    pub description: Option<String>,
}

/// Offer lifetime in minutes and seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OfferExpiresIn {
    /// Minutes.
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub minutes: Option<i64>,
    /// Seconds.
    #[serde(default, deserialize_with = "crate::integer::option_i64")]
    pub seconds: Option<i64>,
}

/// The created offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreAuthorizedOfferResponse {
    /// The offer id (for DELETE).
    pub id: String,
    /// The user the credential will be issued to.
    pub user_id: String,
    /// `openid-credential-offer://?credential_offer=…` (or `?credential_offer_uri=…`).
    pub uri: String,
    /// When the offer stops working (RFC 3339).
    pub expires_at: String,
    /// The transaction code, returned only here: a number in `numeric` mode (it never starts
    /// with 0), a string in `text` mode.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_code: Option<serde_json::Value>,
}

/// Where a pre-authorized offer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfferState {
    /// Its code has not been redeemed and still can be.
    Waiting,
    /// A wallet redeemed its code (authorization code: the user signed in); no credential yet.
    Redeemed,
    /// At least one credential was issued from it.
    CredentialIssued,
    /// It expired unredeemed.
    Expired,
}

/// An offer's progress (`GET /v1/openid/offers/pre-authorized/{id}`,
/// `GET /v1/openid/offers/authorization-code/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferStatus {
    /// The offer id.
    pub id: String,
    /// Where it stands.
    pub state: OfferState,
    /// When its code stops being redeemable (RFC 3339).
    pub expires_at: String,
    /// When its code was redeemed, or its user signed in (RFC 3339), if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redeemed_at: Option<String>,
    /// Credentials issued from it.
    pub credentials_issued: i64,
}

/// An authorization-code credential offer to create (`POST /v1/openid/offers`): the wallet logs
/// the user in at the authentication provider; `issuer_state` ties the login to this offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizationCodeOfferRequest {
    /// Credential configuration ids offered (one or more).
    pub credentials: Vec<String>,
    /// Lifetime of the offer: default 1 day, at most 30 days.
    pub expires_in: Option<OfferExpiresIn>,
}

/// The created authorization-code offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizationCodeOfferResponse {
    /// The offer id.
    pub id: String,
    /// `openid-credential-offer://?credential_offer=…`.
    pub uri: String,
    /// When the offer stops working (RFC 3339).
    pub expires_at: String,
}
