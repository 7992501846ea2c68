//! `DELETE /api/v1/companies/{company}/secrets/{key}`

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrets_core::SecretKey;

use super::auth::{authorize, Writer};
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::SECRET_ROUTE;
use secrets_core::api::ErrorBody;

/// Deletes a secret; responds 204, or 404 when the company has no secret
/// with this key.
#[utoipa::path(
    delete,
    path = SECRET_ROUTE,
    tag = "secrets",
    params(
        ("company" = String, Path, description = "The company's ID: 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.", pattern = "^[a-z0-9][a-z0-9-]{0,62}$", example = "acme"),
        ("key" = String, Path, description = "The secret's key. A text that is not a valid key gets 404.", example = "API_KEY"),
    ),
    responses(
        (status = 204, description = "The secret was deleted."),
        (status = 401, description = "No valid member API token or session: `unauthorized`.", body = ErrorBody),
        (status = 403, description = "The session cookie authenticated a change that a page of another origin sent: `cross_origin`.", body = ErrorBody),
        (status = 404, description = "No company with this ID that the member may manage, or no secret with this key: `not_found`.", body = ErrorBody),
        (status = 429, description = "Too many changes by this member in a short time: `rate_limited`.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the next change is accepted."))),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("member_token" = []), ("session_cookie" = [])),
)]
pub(super) async fn delete_secret(
    State(state): State<AppState>,
    Writer(member): Writer,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<StatusCode, AppError> {
    let Path((company, key)) = path.map_err(|_| AppError::CompanyNotFound)?;
    let company = authorize(&state, &member, &company).await?;
    // A text that is not a valid key cannot name a stored secret.
    let key = SecretKey::parse(&key).map_err(|_| AppError::SecretNotFound)?;

    let (store_company, store_key) = (company.clone(), key.clone());
    run_blocking(&state, move |store| {
        store.delete_secret(&store_company, &member, &store_key)
    })
    .await
    .map_err(|error| AppError::from_store(error, "delete secret", Some(&company), Some(&key)))?;
    tracing::info!(company = %company, key = %key, "secret removed");
    Ok(StatusCode::NO_CONTENT)
}
