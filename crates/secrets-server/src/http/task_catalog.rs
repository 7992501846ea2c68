//! `GET /api/v1/tasks/{task}/catalog`: the keys and descriptions of a
//! task's secrets, without values.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::Json;
use secrets_core::api::TaskCatalog;

use super::task_auth::task_token;
use super::{run_blocking, AppError, AppState};

/// Returns the keys and descriptions of the task's snapshot, sorted by
/// key, so that an agent can choose the secrets it needs. Responds 401 to
/// anything but the token of this task while it runs.
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
