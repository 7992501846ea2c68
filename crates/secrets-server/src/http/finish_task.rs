//! `POST /api/v1/tasks/{task}/finish`: a task ends itself and its token.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};

use super::task_auth::task_token;
use super::{run_blocking, AppError, AppState};

/// Finishes the task and deletes its snapshot; responds 204. The token
/// stops working, so a second finish gets 401 like any other request with
/// it.
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
