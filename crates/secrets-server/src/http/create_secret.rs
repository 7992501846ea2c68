//! `POST /api/v1/companies/{company}/secrets`

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use secrets_core::api::CreateSecretRequest;
use serde::Deserialize;

use super::auth::{authorize, Writer};
use super::json_body::{field_present, JsonBody, JsonShape};
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::SECRETS_ROUTE;
use secrets_core::api::{ErrorBody, SecretMetadata};

/// The accepted body: a [`CreateSecretRequest`], read field by field so
/// that a plaintext `value` is recognized and rejected with a message that
/// explains how to seal it. The content of `value` is skipped without
/// being stored, so it never reaches a log or a response. The import route
/// reads each of its items the same way.
#[derive(Deserialize)]
pub(super) struct CreateBody {
    key: Option<String>,
    sealed_value: Option<String>,
    key_id: Option<String>,
    #[serde(default)]
    description: String,
    #[serde(default, deserialize_with = "field_present")]
    value: bool,
}

impl JsonShape for CreateBody {
    const SHAPE_MESSAGE: &'static str = "The request body must be a JSON object with the text fields key, sealed_value and key_id, and optionally description.";
}

impl CreateBody {
    /// Returns `true` when the body carries a plaintext `value` field.
    pub(super) fn has_plaintext_value(&self) -> bool {
        self.value
    }

    /// Returns the key as sent, or an empty string when it is missing.
    pub(super) fn key(&self) -> &str {
        self.key.as_deref().unwrap_or_default()
    }

    /// Returns the request, or rejects a body that carries a plaintext
    /// value or lacks a field.
    pub(super) fn into_request(self) -> Result<CreateSecretRequest, AppError> {
        if self.value {
            return Err(AppError::PlaintextValue);
        }
        let (Some(key), Some(sealed_value), Some(key_id)) =
            (self.key, self.sealed_value, self.key_id)
        else {
            return Err(AppError::InvalidBody(Self::SHAPE_MESSAGE));
        };
        Ok(CreateSecretRequest {
            key,
            sealed_value,
            key_id,
            description: self.description,
        })
    }
}

/// Validates and stores a new secret, whose value the client sealed to the
/// company's public key; responds 201 with its metadata. The sealed value
/// is stored as it arrives: only its length is checked, because the server
/// does not open values while it handles a request from the dashboard.
#[utoipa::path(
    post,
    path = SECRETS_ROUTE,
    tag = "secrets",
    params(
        ("company" = String, Path, description = "The company's ID: 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.", pattern = "^[a-z0-9][a-z0-9-]{0,62}$", example = "acme"),
    ),
    request_body(content = CreateSecretRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The secret was stored; its metadata.", body = SecretMetadata),
        (status = 400, description = "The body is not JSON of the documented shape: `invalid_body`.", body = ErrorBody),
        (status = 401, description = "No valid member API token or session: `unauthorized`.", body = ErrorBody),
        (status = 403, description = "The session cookie authenticated a change that a page of another origin sent: `cross_origin`.", body = ErrorBody),
        (status = 404, description = "No company with this ID that the member may manage: `not_found`.", body = ErrorBody),
        (status = 408, description = "The body paused longer than the server's body read timeout: `invalid_body`.", body = ErrorBody),
        (status = 409, description = "The value was sealed to another public key (`stale_public_key`), the key exists (`duplicate_key`), or the company has 50 secrets (`limit_reached`).", body = ErrorBody),
        (status = 413, description = "The body is larger than 256 KiB: `payload_too_large`.", body = ErrorBody),
        (status = 415, description = "The body is not declared as `application/json`: `invalid_body`.", body = ErrorBody),
        (status = 422, description = "The body has a plaintext `value` field (`plaintext_value`), or the key, sealed value or description is invalid (`invalid_key`, `invalid_value`, `invalid_description`).", body = ErrorBody),
        (status = 429, description = "Too many changes by this member in a short time: `rate_limited`.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the next change is accepted."))),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("member_token" = []), ("session_cookie" = [])),
)]
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

    // Parse and validate the body. A plaintext value is rejected before
    // any other check, so that the client learns to seal first.
    let JsonBody(body) = JsonBody::<CreateBody>::from_request(request, &state).await?;
    let request = body.into_request().inspect_err(|error| {
        if matches!(error, AppError::PlaintextValue) {
            tracing::info!(company = %company, "rejected a create request with a plaintext value");
        }
    })?;
    let secret = request.validate()?;

    // Store it; the store checks the key id, uniqueness and the limit
    // atomically.
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
