//! `POST /api/v1/companies/{company}/tasks`: a runner starts a task.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use secrets_core::api::StartedTask;
use secrets_core::CompanyId;
use zeroize::Zeroizing;

use super::task_auth::RunnerCaller;
use super::zeroizing::zeroizing_json;
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::TASKS_ROUTE;
use secrets_core::api::ErrorBody;

/// Starts a task of the runner's company with a snapshot of its secrets;
/// responds 201 with the task's ID and token. A runner of another company
/// gets the same 404 as for a company that does not exist.
#[utoipa::path(
    post,
    path = TASKS_ROUTE,
    tag = "tasks",
    params(
        ("company" = String, Path, description = "The company's ID: 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.", pattern = "^[a-z0-9][a-z0-9-]{0,62}$", example = "acme"),
    ),
    responses(
        (status = 201, description = "The task started; its ID and token. The token is shown only here.", body = StartedTask),
        (status = 401, description = "No runner token, a member's API token, or an unknown or revoked runner token: `unauthorized`.", body = ErrorBody),
        (status = 404, description = "A company other than the runner's, or none: `not_found`.", body = ErrorBody),
        (status = 429, description = "Too many task starts by this runner in a short time: `rate_limited`.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the next task start is accepted."))),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("runner_token" = [])),
)]
#[tracing::instrument(skip_all)]
pub(super) async fn start_task(
    State(state): State<AppState>,
    RunnerCaller(runner): RunnerCaller,
    path: Result<Path<String>, PathRejection>,
) -> Result<Response, AppError> {
    let Path(company) = path.map_err(|_| AppError::CompanyNotFound)?;
    if CompanyId::parse(&company).ok().as_ref() != Some(&runner.company) {
        tracing::info!(runner_id = runner.id, company = %runner.company, "rejected a task start for another company");
        return Err(AppError::CompanyNotFound);
    }

    let lifetime = state.task_lifetime;
    let (runner_id, company) = (runner.id, runner.company.clone());
    let task = run_blocking(&state, move |store| store.start_task(&runner, lifetime))
        .await
        .map_err(|error| AppError::from_store(error, "start task", Some(&company), None))?;
    tracing::info!(
        task_id = %task.id,
        company = %company,
        runner_id,
        secrets = task.secrets,
        "task started"
    );

    let body = StartedTask {
        task_id: task.id,
        task_token: Zeroizing::new(task.token.expose().to_owned()),
        expires_at: task.expires_at,
    };
    Ok(zeroizing_json(StatusCode::CREATED, &body))
}
