//! `PATCH /api/v1/companies/{company}/secrets/{key}`: change a secret's
//! description.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::Json;
use secrets_core::api::SecretMetadata;
use secrets_core::{Description, SecretKey};
use serde::Deserialize;

use super::auth::{authorize, Writer};
use super::json_body::{field_present, JsonBody, JsonShape};
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::SECRET_ROUTE;
use secrets_core::api::{ErrorBody, UpdateSecretRequest};

/// The accepted body. `value` is recognized only to reject it with a
/// message that explains how to replace a value. Its content is skipped
/// without being stored, so it never reaches a log or a response.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PatchBody {
    description: Option<String>,
    #[serde(default, deserialize_with = "field_present")]
    value: bool,
}

impl JsonShape for PatchBody {
    const SHAPE_MESSAGE: &'static str =
        "The request body must be a JSON object with the text field description.";
}

/// Replaces the description of one secret; responds 200 with its metadata.
#[utoipa::path(
    patch,
    path = SECRET_ROUTE,
    tag = "secrets",
    params(
        ("company" = String, Path, description = "The company's ID: 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.", pattern = "^[a-z0-9][a-z0-9-]{0,62}$", example = "acme"),
        ("key" = String, Path, description = "The secret's key. A text that is not a valid key gets 404.", example = "API_KEY"),
    ),
    request_body(content = UpdateSecretRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The description was replaced; the secret's metadata.", body = SecretMetadata),
        (status = 400, description = "The body is not JSON of the documented shape: `invalid_body`.", body = ErrorBody),
        (status = 401, description = "No valid member API token or session: `unauthorized`.", body = ErrorBody),
        (status = 403, description = "The session cookie authenticated a change that a page of another origin sent: `cross_origin`.", body = ErrorBody),
        (status = 404, description = "No company with this ID that the member may manage, or no secret with this key: `not_found`.", body = ErrorBody),
        (status = 408, description = "The body paused longer than the server's body read timeout: `invalid_body`.", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB: `payload_too_large`.", body = ErrorBody),
        (status = 415, description = "The body is not declared as `application/json`: `invalid_body`.", body = ErrorBody),
        (status = 422, description = "The body has a `value` field (`value_write_once`), or the description is invalid (`invalid_description`).", body = ErrorBody),
        (status = 429, description = "Too many changes by this member in a short time: `rate_limited`.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the next change is accepted."))),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("member_token" = []), ("session_cookie" = [])),
)]
#[tracing::instrument(skip_all)]
pub(super) async fn update_secret(
    State(state): State<AppState>,
    Writer(member): Writer,
    path: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Result<Json<SecretMetadata>, AppError> {
    // Authorize before reading the body, as every write does.
    let Path((company, key)) = path.map_err(|_| AppError::CompanyNotFound)?;
    let company = authorize(&state, &member, &company).await?;
    let key = SecretKey::parse(&key).map_err(|_| AppError::SecretNotFound)?;

    // Parse the body: a description, and never a value.
    let JsonBody(body) = JsonBody::<PatchBody>::from_request(request, &state).await?;
    if body.value {
        tracing::info!(company = %company, key = %key, "rejected a request to change a value");
        return Err(AppError::ValueWriteOnce);
    }
    let Some(description) = body.description else {
        return Err(AppError::InvalidBody(PatchBody::SHAPE_MESSAGE));
    };
    let description =
        Description::parse(&description).map_err(|error| AppError::Validation(error.into()))?;

    // Store it with its activity event.
    let (store_company, store_key) = (company.clone(), key.clone());
    let metadata = run_blocking(&state, move |store| {
        store.update_description(&store_company, &member, &store_key, &description)
    })
    .await
    .map_err(|error| {
        AppError::from_store(error, "update description", Some(&company), Some(&key))
    })?;
    tracing::info!(company = %company, key = %key, "description updated");
    Ok(Json(metadata))
}
