//! `GET /api/v1/tasks/{task}/catalog`: the keys and descriptions of a
//! task's secrets, without values.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use secrets_core::api::TaskCatalog;

use super::task_auth::task_token;
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::TASK_CATALOG_ROUTE;
use secrets_core::api::ErrorBody;

/// Returns the keys and descriptions of the task's snapshot, sorted by
/// key, so that an agent can choose the secrets it needs. Responds 401 to
/// anything but the token of this task while it runs.
#[utoipa::path(
    get,
    path = TASK_CATALOG_ROUTE,
    tag = "tasks",
    params(
        ("task" = String, Path, description = "The task's ID: 32 hexadecimal digits. Any other text gets 401.", pattern = "^[0-9a-f]{32}$", example = "7e6d25aedc6cf33ea24f5ccfec472579"),
    ),
    responses(
        (status = 200, description = "The keys and descriptions of the task's secrets, sorted by key.", body = TaskCatalog),
        (status = 401, description = "Not the token of this running task, or the task finished, expired or does not exist: `unauthorized`. The body is the same in every case.", body = ErrorBody),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("task_token" = [])),
)]
pub(super) async fn task_catalog(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Json<TaskCatalog>, AppError> {
    let token = task_token(&headers)?;
    let Path(task_id) = path.map_err(|_| AppError::TaskUnauthorized)?;

    let store_task_id = task_id.clone();
    let catalog = run_blocking(&state, move |store| {
        store.task_catalog(&store_task_id, &token)
    })
    .await
    .map_err(|error| AppError::from_task_store(error, "read task catalog", &task_id))?;
    Ok(Json(catalog))
}
