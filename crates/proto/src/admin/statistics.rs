//! Issuance statistics (`/v1/statistics`): what the portal's home page draws.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// How far back to count.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StatisticsQuery {
    /// Days counted back from today (UTC), 1 to 366; default 30.
    #[serde(default, deserialize_with = "crate::integer::option_u32_text")]
    pub days: Option<u32>,
}

/// Issuance, offers and failures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsResponse {
    /// The first day counted (`YYYY-MM-DD`, UTC).
    pub since: String,
    /// Credentials issued per day, configuration and format (days with none are left out).
    pub issued: Vec<IssuedCount>,
    /// Pre-authorized offers not redeemed yet and not expired.
    pub offers_waiting: i64,
    /// Pre-authorized offers that expired unredeemed (until they are purged).
    pub offers_expired: i64,
    /// Refused protocol requests by OAuth error code, counted by this node since it started.
    pub failures: Vec<FailureCount>,
    /// When this node started counting failures (RFC 3339).
    pub failures_since: String,
}

/// Credentials issued on one day for one configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedCount {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The credential configuration's id.
    pub configuration_id: String,
    /// Its name (absent when it was deleted since).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_name: Option<String>,
    /// The format.
    pub format: String,
    /// How many credentials.
    pub count: i64,
}

/// Refusals with one OAuth error code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FailureCount {
    /// The OAuth error code (`invalid_grant`, `invalid_proof`, …).
    pub code: String,
    /// How many.
    pub count: u64,
}
