//! `GET /v1/statistics`: issuance per day, configuration and format; offers; refusals.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_proto::admin::statistics::{StatisticsQuery, StatisticsResponse};
use sigil_proto::error::ErrorResponse;

use crate::error::ApiError;
use crate::extract::AdminQuery;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new().route("/v1/statistics", get(get_statistics))
}

/// Credentials issued per day, configuration and format over the last `days` days (UTC), offers
/// waiting and expired, and refused protocol requests by OAuth error code (this node's, since it
/// started).
#[utoipa::path(get, path = "/v1/statistics", tag = "statistics",
    security(("adminToken" = [])),
    params(StatisticsQuery),
    responses((status = 200, body = StatisticsResponse),
              (status = 400, description = "days out of range", body = ErrorResponse),
              (status = 401, body = ErrorResponse)))]
pub(crate) async fn get_statistics(
    State(sigil): State<Sigil>,
    AdminQuery(query): AdminQuery<StatisticsQuery>,
) -> Result<Json<StatisticsResponse>, ApiError> {
    Ok(Json(sigil.statistics().overview(query.days).await?))
}
