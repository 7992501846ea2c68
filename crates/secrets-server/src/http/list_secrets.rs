//! `GET /api/v1/companies/{company}/secrets`

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use secrets_core::api::{SecretList, SecretMetadata};
use secrets_core::{CompanyId, MAX_SECRETS_PER_COMPANY};

use super::auth::{authorize_blocking, Credential};
use super::{run_blocking, AppError, AppState};
use crate::store::Store;
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
    credential: Credential,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<SecretList>, AppError> {
    // A path that does not parse, like an invalid company ID, is a 404,
    // but only after the credential was checked.
    let company = path
        .ok()
        .and_then(|Path(company)| CompanyId::parse(&company).ok());

    // Authentication, authorization and the query run in one blocking
    // call. Each hand-off to the blocking thread pool can wake two threads,
    // which under load costs more than these short SQLite reads.
    let secrets = run_blocking(&state, move |store| {
        Ok(authorize_and_list(store, &credential, company))
    })
    .await
    .unwrap_or_else(|error| Err(AppError::from_store(error, "list secrets", None, None)))?;
    Ok(Json(SecretList {
        secrets,
        limit: MAX_SECRETS_PER_COMPANY,
    }))
}

/// Authenticates `credential`, checks that its member may manage
/// `company` (`None` for an invalid ID) and lists the company's secrets,
/// with the same responses as the `Authenticated` extractor and
/// `authorize` in turn.
fn authorize_and_list(
    store: &Store,
    credential: &Credential,
    company: Option<CompanyId>,
) -> Result<Vec<SecretMetadata>, AppError> {
    let member = store
        .authenticate(&credential.token, credential.kind)
        .map_err(|error| AppError::from_store(error, "authenticate", None, None))?
        .ok_or(AppError::Unauthorized)?;
    let company = company.ok_or(AppError::CompanyNotFound)?;
    let company = authorize_blocking(store, &member, company)?;
    store
        .list_secrets(&company)
        .map_err(|error| AppError::from_store(error, "list secrets", Some(&company), None))
}
