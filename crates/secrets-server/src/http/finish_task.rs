//! `POST /api/v1/tasks/{task}/finish`: a task ends itself and its token.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use super::task_auth::task_token;
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::TASK_FINISH_ROUTE;
use secrets_core::api::ErrorBody;

/// Finishes the task and deletes its snapshot; responds 204. The token
/// stops working, so a second finish gets 401 like any other request with
/// it.
#[utoipa::path(
    post,
    path = TASK_FINISH_ROUTE,
    tag = "tasks",
    params(
        ("task" = String, Path, description = "The task's ID: 32 hexadecimal digits. Any other text gets 401.", pattern = "^[0-9a-f]{32}$", example = "7e6d25aedc6cf33ea24f5ccfec472579"),
    ),
    responses(
        (status = 204, description = "The task finished; its token no longer works."),
        (status = 401, description = "Not the token of this running task, or the task finished, expired or does not exist: `unauthorized`. The body is the same in every case.", body = ErrorBody),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("task_token" = [])),
)]
pub(super) async fn finish_task(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    let token = task_token(&headers)?;
    let Path(task_id) = path.map_err(|_| AppError::TaskUnauthorized)?;

    let store_task_id = task_id.clone();
    let company = run_blocking(&state, move |store| {
        store.finish_task(&store_task_id, &token)
    })
    .await
    .map_err(|error| AppError::from_task_store(error, "finish task", &task_id))?;
    tracing::info!(task_id = %task_id, company = %company, "task finished");
    Ok(StatusCode::NO_CONTENT)
}
