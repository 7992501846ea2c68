//! `POST /api/v1/companies/{company}/secrets`

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use secrets_core::api::CreateSecretRequest;

use super::auth::{authorize, Writer};
use super::json_body::JsonBody;
use super::{run_blocking, AppError, AppState};

/// Validates and stores a new secret; responds 201 with its metadata.
#[tracing::instrument(skip_all)]
pub(super) async fn create_secret(
    State(state): State<AppState>,
    Writer(member): Writer,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<impl IntoResponse, AppError> {
    // Authorize before reading the body, so that a member of another company
    // gets the same 404 whatever they send.
    let Path(company) = path.map_err(|_| AppError::CompanyNotFound)?;
    let company = authorize(&state, &member, &company).await?;

    // Parse and validate the body. `JsonBody` zeroes the raw body after
    // parsing, and the value moves on in zeroizing memory.
    let JsonBody(body) = JsonBody::<CreateSecretRequest>::from_request(request, &state).await?;
    let secret = body.validate()?;

    // Store it; the store checks uniqueness and the limit atomically.
    let key = secret.key.clone();
    let store_company = company.clone();
    let metadata = run_blocking(&state, move |store| {
        store.create_secret(&store_company, &member, &secret)
    })
    .await
    .map_err(|error| AppError::from_store(error, "create secret", Some(&company), Some(&key)))?;
    tracing::info!(company = %company, key = %key, "secret added");

    // No `Location` header: no route returns a single secret, so a GET of
    // that URL would return 405.
    Ok((StatusCode::CREATED, Json(metadata)))
}
