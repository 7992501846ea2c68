//! `GET /api/v1/companies/{company}/public-key`

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use secrets_core::api::PublicKeyResponse;

use super::auth::{authorize, Authenticated};
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::PUBLIC_KEY_ROUTE;
use secrets_core::api::ErrorBody;

/// Returns the company's public key, which clients seal values to, with
/// its key id. The first request for a company without a key pair creates
/// it.
#[utoipa::path(
    get,
    path = PUBLIC_KEY_ROUTE,
    tag = "secrets",
    params(
        ("company" = String, Path, description = "The company's ID: 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.", pattern = "^[a-z0-9][a-z0-9-]{0,62}$", example = "acme"),
    ),
    responses(
        (status = 200, description = "The company's public key and its key id.", body = PublicKeyResponse),
        (status = 401, description = "No valid member API token or session: `unauthorized`.", body = ErrorBody),
        (status = 404, description = "No company with this ID that the member may manage: `not_found`.", body = ErrorBody),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("member_token" = []), ("session_cookie" = [])),
)]
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
