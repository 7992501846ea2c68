//! Authentication of runners, which start tasks, and of tasks, which read
//! their secrets. Both send a bearer token in the `Authorization` header
//! and nothing else: cookies are never read, so a browser session cannot
//! start a task or read a task's values.

use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use zeroize::Zeroizing;

use super::auth::bearer_credential;
use super::{run_blocking, AppError, AppState};
use crate::store::{CredentialKind, Runner};

/// Reason why a task start was rejected with 401. `Display` is the
/// message of the response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RunnerRejection {
    /// No bearer token, or a malformed or repeated `Authorization` header.
    #[error("Starting a task needs a runner token in an Authorization: Bearer header. An operator issues one with `secrets-server runner issue`.")]
    Missing,
    /// A member's API token, which manages secrets but starts no tasks.
    #[error("This is a member's API token, but starting a task needs a runner token. An operator issues one with `secrets-server runner issue`.")]
    MemberToken,
    /// An unknown or revoked runner token.
    #[error("The runner token is invalid or was revoked. An operator issues a new one with `secrets-server runner issue`.")]
    Invalid,
}

/// The runner that sent the request, authenticated by its bearer token,
/// and within its rate limit of task starts. Rejects with 401 otherwise,
/// or with 429 and the time to wait.
#[derive(Debug)]
pub struct RunnerCaller(pub Runner);

impl FromRequestParts<AppState> for RunnerCaller {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = bearer_credential(&parts.headers) else {
            return Err(AppError::RunnerUnauthorized(RunnerRejection::Missing));
        };

        // A member's token gets its own message, because using one here is
        // an easy mistake to make.
        let (runner, is_member_token) = run_blocking(state, move |store| {
            match store.authenticate_runner(&token)? {
                Some(runner) => Ok((Some(runner), false)),
                None => Ok((
                    None,
                    store.authenticate(&token, CredentialKind::Api)?.is_some(),
                )),
            }
        })
        .await
        .map_err(|error| AppError::from_store(error, "authenticate runner", None, None))?;
        let Some(runner) = runner else {
            let rejection = if is_member_token {
                RunnerRejection::MemberToken
            } else {
                RunnerRejection::Invalid
            };
            tracing::info!(?rejection, "rejected a task start");
            return Err(AppError::RunnerUnauthorized(rejection));
        };

        if let Err(wait) = state
            .task_rate_limiter
            .try_acquire(runner.id, Instant::now())
        {
            let retry_after = super::auth::whole_seconds(wait);
            tracing::info!(
                runner_id = runner.id,
                company = %runner.company,
                retry_after,
                "task start rate limit reached"
            );
            return Err(AppError::TaskRateLimited { retry_after });
        }
        Ok(Self(runner))
    }
}

/// Returns the bearer token of a request to a task route, or rejects it
/// with the 401 of task routes.
pub(super) fn task_token(headers: &HeaderMap) -> Result<Zeroizing<String>, AppError> {
    bearer_credential(headers).ok_or(AppError::TaskUnauthorized)
}
