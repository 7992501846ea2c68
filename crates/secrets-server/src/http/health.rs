//! `GET /healthz` and `GET /readyz`, for load balancers and orchestrators.
//! Neither needs a credential, and neither response names a company,
//! secret or path.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrets_core::api::paths::{HEALTHZ_ROUTE, READYZ_ROUTE};
use secrets_core::api::{ErrorBody, ErrorCode};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::display_chain;
use super::{run_blocking, AppState};

/// Message of a 503 from the readiness check.
const NOT_READY_MESSAGE: &str =
    "The server cannot read its database. Check the server's log for the cause.";

/// Body of a successful health check.
#[derive(Serialize, ToSchema)]
pub(super) struct HealthStatus {
    /// `ok` from the liveness check, `ready` from the readiness check.
    #[schema(examples("ok", "ready"))]
    status: &'static str,
}

/// Responds 200 while the process serves requests, without touching the
/// database.
#[utoipa::path(
    get,
    path = HEALTHZ_ROUTE,
    tag = "health",
    responses(
        (status = 200, description = "The process serves requests: `{\"status\": \"ok\"}`.", body = HealthStatus),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
)]
pub(super) async fn healthz() -> Response {
    Json(HealthStatus { status: "ok" }).into_response()
}

/// Responds 200 when the database can be read, and 503 with the error
/// logged otherwise. The master key is loaded before the server listens,
/// so a running server always has it.
#[utoipa::path(
    get,
    path = READYZ_ROUTE,
    tag = "health",
    responses(
        (status = 200, description = "The database can be read: `{\"status\": \"ready\"}`.", body = HealthStatus),
        (status = 503, description = "The server cannot read its database (`not_ready`), or the request took longer than the server's request timeout (`internal`).", body = ErrorBody),
    ),
)]
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    match run_blocking(&state, |store| store.check_readable()).await {
        Ok(()) => Json(HealthStatus { status: "ready" }).into_response(),
        Err(error) => {
            let error = display_chain(&error);
            tracing::error!(error, "readiness check failed: the database cannot be read");
            let body = ErrorBody::new(ErrorCode::NotReady, NOT_READY_MESSAGE);
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
