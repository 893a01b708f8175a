//! `/health/live` (the process answers) and `/health/ready` (the database answers too).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use sigil_core::Sigil;
use sigil_proto::health::HealthStatus;

pub(crate) fn routes() -> Router<Sigil> {
    Router::new()
        .route("/health/live", get(live))
        .route("/health/ready", get(ready))
}

/// Liveness.
#[utoipa::path(get, path = "/health/live", tag = "health",
    responses((status = 200, description = "The process is up", body = HealthStatus)))]
pub(crate) async fn live() -> Json<HealthStatus> {
    Json(HealthStatus {
        status: "ok".into(),
    })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, description = "Ready", body = HealthStatus),
              (status = 503, description = "The database does not answer", body = HealthStatus)))]
pub(crate) async fn ready(State(sigil): State<Sigil>) -> (StatusCode, Json<HealthStatus>) {
    if sigil.ready().await {
        (
            StatusCode::OK,
            Json(HealthStatus {
                status: "ok".into(),
            }),
        )
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(HealthStatus {
                status: "unavailable".into(),
            }),
        )
    }
}
