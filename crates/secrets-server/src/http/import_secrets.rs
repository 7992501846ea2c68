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
