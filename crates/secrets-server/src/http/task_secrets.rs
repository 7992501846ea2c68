//! `GET /api/v1/tasks/{task}/secrets`: a task receives its secrets, with
//! their values.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::task_auth::task_token;
use super::zeroizing::zeroizing_json;
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::TASK_SECRETS_ROUTE;
use secrets_core::api::{ErrorBody, TaskSecrets};

/// Returns the task's snapshot with the values opened, sorted by key, and
/// records that the secrets were used. Responds 401 to anything but the
/// token of this task while it runs.
#[utoipa::path(
    get,
    path = TASK_SECRETS_ROUTE,
    tag = "tasks",
    params(
        ("task" = String, Path, description = "The task's ID: 32 hexadecimal digits. Any other text gets 401.", pattern = "^[0-9a-f]{32}$", example = "7e6d25aedc6cf33ea24f5ccfec472579"),
    ),
    responses(
        (status = 200, description = "The task's secrets with their values, sorted by key.", body = TaskSecrets),
        (status = 401, description = "Not the token of this running task, or the task finished, expired or does not exist: `unauthorized`. The body is the same in every case.", body = ErrorBody),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("task_token" = [])),
)]
#[tracing::instrument(skip_all)]
pub(super) async fn task_secrets(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let token = task_token(&headers)?;
    let Path(task_id) = path.map_err(|_| AppError::TaskUnauthorized)?;

    let store_task_id = task_id.clone();
    let handed_over = run_blocking(&state, move |store| {
        store.hand_over_secrets(&store_task_id, &token)
    })
    .await
    .map_err(|error| AppError::from_task_store(error, "hand over secrets", &task_id))?;

    let (company, secrets) = (&handed_over.company, &handed_over.secrets);
    for unreadable in &secrets.unreadable {
        tracing::warn!(
            task_id = %task_id,
            company = %company,
            key = %unreadable.key,
            reason = %unreadable.reason,
            "a value of the task's snapshot cannot be handed over"
        );
    }
    tracing::info!(
        task_id = %task_id,
        company = %company,
        secrets = secrets.secrets.len(),
        unreadable = secrets.unreadable.len(),
        "handed secrets to a task"
    );

    // The values live in zeroizing strings; the body joins them.
    Ok(zeroizing_json(StatusCode::OK, secrets))
}
