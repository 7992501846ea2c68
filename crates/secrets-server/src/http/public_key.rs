//! `GET /api/v1/companies/{company}/public-key`

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use secrets_core::api::PublicKeyResponse;

use super::auth::{authorize, Authenticated};
use super::{run_blocking, AppError, AppState};

/// Returns the company's public key, which clients seal values to, with
/// its key id. The first request for a company without a key pair creates
/// it.
pub(super) async fn public_key(
    State(state): State<AppState>,
    Authenticated(member): Authenticated,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<PublicKeyResponse>, AppError> {
    let Path(company) = path.map_err(|_| AppError::CompanyNotFound)?;
    let company = authorize(&state, &member, &company).await?;

    let query_company = company.clone();
    let public_key = run_blocking(&state, move |store| store.public_key(&query_company))
        .await
        .map_err(|error| AppError::from_store(error, "read public key", Some(&company), None))?;
    Ok(Json(PublicKeyResponse {
        key_id: public_key.key_id,
        public_key: STANDARD.encode(public_key.public_key),
    }))
}
