//! `POST /api/v1/companies/{company}/secrets/import`

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, Path, Request, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::Json;
use secrets_core::api::{
    ErrorCode, ImportItemError, ImportSecretsRequest, ImportSecretsResponse, ImportValidationError,
    PLAINTEXT_VALUE_MESSAGE,
};
use secrets_core::sealed::SEALED_VALUE_MAX_BASE64_CHARS;
use secrets_core::MAX_SECRETS_PER_COMPANY;
use serde::Deserialize;

use super::auth::{authorize, Writer};
use super::create_secret::CreateBody;
use super::json_body::{JsonBody, JsonShape};
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::IMPORT_ROUTE;
use secrets_core::api::ErrorBody;

/// Bytes that an import allows per item beside its sealed value: the key,
/// key id and description at their longest JSON escapes, the field names,
/// and some whitespace. A description of 200 characters outside the Basic
/// Multilingual Plane, each written as an escaped surrogate pair, takes
/// 2,400 bytes, and a key of 64 characters written as `\u` escapes takes
/// 384.
const ITEM_OVERHEAD_BYTES: usize = 4 * 1024;

/// Maximum size of an import request body, in bytes: 50 items, each with
/// the largest sealed value in base64 and [`ITEM_OVERHEAD_BYTES`], and 1 KiB
/// for the object around them. That is 2,393,624 bytes (2,337 KiB). The
/// other routes keep [`MAX_BODY_BYTES`](super::MAX_BODY_BYTES).
pub const MAX_IMPORT_BODY_BYTES: usize =
    MAX_SECRETS_PER_COMPANY * (SEALED_VALUE_MAX_BASE64_CHARS + ITEM_OVERHEAD_BYTES) + 1024;

/// The accepted body: an [`ImportSecretsRequest`] whose items are read
/// like create request bodies, so that a plaintext `value` is recognized
/// and skipped without being stored.
#[derive(Deserialize)]
struct ImportBody {
    secrets: Option<Vec<CreateBody>>,
}

impl JsonShape for ImportBody {
    const SHAPE_MESSAGE: &'static str = "The request body must be a JSON object with a secrets array, whose items are objects with the text fields key, sealed_value and key_id, and optionally description.";
    const MAX_BYTES: usize = MAX_IMPORT_BODY_BYTES;
}

impl ImportBody {
    /// Returns the request, or rejects a body in which any item carries a
    /// plaintext value (naming each such item) or lacks a field.
    fn into_request(self) -> Result<ImportSecretsRequest, AppError> {
        let Some(items) = self.secrets else {
            return Err(AppError::InvalidBody(Self::SHAPE_MESSAGE));
        };
        // Counted first, so that an error response names at most 50 items:
        // a body of many tiny items with plaintext values would otherwise
        // get a response many times the size of the body.
        if items.len() > MAX_SECRETS_PER_COMPANY {
            let count = items.len();
            return Err(AppError::InvalidImport(ImportValidationError::TooMany {
                count,
            }));
        }

        let plaintext: Vec<ImportItemError> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.has_plaintext_value())
            .map(|(index, item)| {
                let message = PLAINTEXT_VALUE_MESSAGE.to_owned();
                ImportItemError::new(index, item.key(), ErrorCode::PlaintextValue, message)
            })
            .collect();
        if !plaintext.is_empty() {
            return Err(AppError::ImportPlaintextValue { items: plaintext });
        }

        let secrets = items
            .into_iter()
            .map(CreateBody::into_request)
            .collect::<Result<_, _>>()
            .map_err(|_| AppError::InvalidBody(Self::SHAPE_MESSAGE))?;
        Ok(ImportSecretsRequest { secrets })
    }
}

/// Validates and stores 1 to 50 secrets, whose values the client sealed to
/// the company's public key, all or none. Responds 201 with their metadata
/// in the order of the request.
///
/// The import counts as one change for the write rate limit, because it is
/// one request and one transaction, and the limit of 50 secrets per company
/// already bounds what it can add.
#[utoipa::path(
    post,
    path = IMPORT_ROUTE,
    tag = "secrets",
    params(
        ("company" = String, Path, description = "The company's ID: 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.", pattern = "^[a-z0-9][a-z0-9-]{0,62}$", example = "acme"),
    ),
    request_body(content = ImportSecretsRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Every secret was stored; their metadata in the order of the request.", body = ImportSecretsResponse),
        (status = 400, description = "The body is not JSON of the documented shape: `invalid_body`.", body = ErrorBody),
        (status = 401, description = "No valid member API token or session: `unauthorized`.", body = ErrorBody),
        (status = 403, description = "The session cookie authenticated a change that a page of another origin sent: `cross_origin`.", body = ErrorBody),
        (status = 404, description = "No company with this ID that the member may manage: `not_found`.", body = ErrorBody),
        (status = 408, description = "The body paused longer than the server's body read timeout: `invalid_body`.", body = ErrorBody),
        (status = 409, description = "An item was sealed to another public key (`stale_public_key`), keys exist (`duplicate_key`, with `items`), or the import does not fit under the limit of 50 secrets (`limit_reached`).", body = ErrorBody),
        (status = 413, description = "The body is larger than 2,337 KiB: `payload_too_large`.", body = ErrorBody),
        (status = 415, description = "The body is not declared as `application/json`: `invalid_body`.", body = ErrorBody),
        (status = 422, description = "Items have a plaintext `value` field (`plaintext_value`), or the import is empty, has more than 50 items, or has invalid or repeated items (`invalid_import`). `items` names each item.", body = ErrorBody),
        (status = 429, description = "Too many changes by this member in a short time: `rate_limited`.", body = ErrorBody, headers(("Retry-After" = u64, description = "Seconds until the next change is accepted."))),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("member_token" = []), ("session_cookie" = [])),
)]
#[tracing::instrument(skip_all)]
pub(super) async fn import_secrets(
    State(state): State<AppState>,
    Writer(member): Writer,
    path: Result<Path<String>, PathRejection>,
    request: Request,
) -> Result<impl IntoResponse, AppError> {
    // Authorize before reading the body, so that a member of another company
    // gets the same 404 whatever they send.
    let Path(company) = path.map_err(|_| AppError::CompanyNotFound)?;
    let company = authorize(&state, &member, &company).await?;

    // Parse and validate the body. Plaintext values are rejected before
    // any other check, so that the client learns to seal first.
    let JsonBody(body) = JsonBody::<ImportBody>::from_request(request, &state).await?;
    let request = body.into_request().inspect_err(|error| {
        if let AppError::ImportPlaintextValue { items } = error {
            tracing::info!(company = %company, items = items.len(), "rejected an import with plaintext values");
        }
    })?;
    let secrets = request.validate().map_err(AppError::InvalidImport)?;

    // Store them all or none. The store checks the key id, uniqueness and
    // the limit in the same transaction as the inserts.
    let count = secrets.len();
    let store_company = company.clone();
    let metadata = run_blocking(&state, move |store| {
        store.import_secrets(&store_company, &member, &secrets)
    })
    .await
    .map_err(|error| AppError::from_store(error, "import secrets", Some(&company), None))?;
    tracing::info!(company = %company, count, "secrets imported");

    Ok((
        StatusCode::CREATED,
        Json(ImportSecretsResponse { secrets: metadata }),
    ))
}
