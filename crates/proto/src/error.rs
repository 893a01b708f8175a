//! The management API's error body, exactly as seed 002 shows it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `{"code", "message", "details": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorResponse {
    /// A stable, machine-readable code, e.g. `BadRequest`, `Unauthorized`, `NotFound`.
    pub code: String,
    /// A human-readable summary, e.g. `Validation Error`.
    pub message: String,
    /// What was wrong, one entry per offending input.
    pub details: Vec<ErrorDetail>,
}

/// One offending input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// The offending value as received (any JSON type), or null when there was none (a missing
    /// field).
    pub value: serde_json::Value,
    /// What is wrong with it.
    pub msg: String,
    /// Where in the input: a dotted path such as `interactionHook.url`.
    pub param: String,
    /// `body`, `query`, `path` or `header`.
    pub location: String,
}
