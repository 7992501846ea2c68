//! `GET /healthz` and `GET /readyz`, for load balancers and orchestrators.
//! Neither needs a credential, and neither response names a company,
//! secret or path.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrets_core::api::{ErrorBody, ErrorCode};
use serde_json::json;

use super::{run_blocking, AppState};

/// Message of a 503 from the readiness check.
const NOT_READY_MESSAGE: &str =
    "The server cannot read its database. Check the server's log for the cause.";

/// Responds 200 while the process serves requests, without touching the
/// database.
pub(super) async fn healthz() -> Response {
    Json(json!({ "status": "ok" })).into_response()
}

/// Responds 200 when the database can be read, and 503 with the error
/// logged otherwise. The master key is loaded before the server listens,
/// so a running server always has it.
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    match run_blocking(&state, |store| store.check_readable()).await {
        Ok(()) => Json(json!({ "status": "ready" })).into_response(),
        Err(error) => {
            tracing::error!(%error, "readiness check failed: the database cannot be read");
            let body = ErrorBody::new(ErrorCode::NotReady, NOT_READY_MESSAGE);
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}
