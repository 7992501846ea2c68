//! `GET /api/v1/companies/{company}/secrets`

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use secrets_core::api::SecretList;
use secrets_core::MAX_SECRETS_PER_COMPANY;

use super::auth::{authorize, Authenticated};
use super::{run_blocking, AppError, AppState};

/// Returns the metadata of the company's secrets, sorted by key.
pub(super) async fn list_secrets(
    State(state): State<AppState>,
    Authenticated(member): Authenticated,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<SecretList>, AppError> {
    let Path(company) = path.map_err(|_| AppError::CompanyNotFound)?;
    let company = authorize(&state, &member, &company).await?;

    let query_company = company.clone();
    let secrets = run_blocking(&state, move |store| store.list_secrets(&query_company))
        .await
        .map_err(|error| AppError::from_store(error, "list secrets", Some(&company), None))?;
    Ok(Json(SecretList {
        secrets,
        limit: MAX_SECRETS_PER_COMPANY,
    }))
}
