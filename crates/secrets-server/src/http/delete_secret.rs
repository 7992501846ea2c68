//! `DELETE /api/v1/companies/{company}/secrets/{key}`

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use secrets_core::SecretKey;

use super::auth::{authorize, Writer};
use super::{run_blocking, AppError, AppState};

/// Deletes a secret; responds 204, or 404 when the company has no secret
/// with this key.
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
