use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Body of `/health/live` and `/health/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct HealthStatus {
    /// `ok`, or `unavailable` with a 503.
    pub status: String,
}
