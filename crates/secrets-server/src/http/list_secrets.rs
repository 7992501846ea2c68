//! `GET /api/v1/companies/{company}/secrets`

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use secrets_core::api::SecretList;
use secrets_core::MAX_SECRETS_PER_COMPANY;

use super::auth::{authorize, Authenticated};
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::SECRETS_ROUTE;
use secrets_core::api::ErrorBody;

/// Returns the metadata of the company's secrets, sorted by key.
#[utoipa::path(
    get,
    path = SECRETS_ROUTE,
    tag = "secrets",
    params(
        ("company" = String, Path, description = "The company's ID: 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.", pattern = "^[a-z0-9][a-z0-9-]{0,62}$", example = "acme"),
    ),
    responses(
        (status = 200, description = "The company's secrets, sorted by key, without values.", body = SecretList),
        (status = 401, description = "No valid member API token or session: `unauthorized`.", body = ErrorBody),
        (status = 404, description = "No company with this ID that the member may manage: `not_found`.", body = ErrorBody),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("member_token" = []), ("session_cookie" = [])),
)]
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
