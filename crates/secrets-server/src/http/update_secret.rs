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
