//! `GET /api/v1/companies/{company}/activity`

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use secrets_core::api::{ActivityPage, ACTIVITY_PAGE_DEFAULT, ACTIVITY_PAGE_MAX};
use serde::Deserialize;

use super::auth::{authorize, Authenticated};
use super::{run_blocking, AppError, AppState};

const INVALID_QUERY: &str =
    "Invalid query: before must be an event ID and limit a number from 1 to 100.";

/// Query parameters of the activity page.
#[derive(Deserialize)]
pub(super) struct ActivityQuery {
    before: Option<i64>,
    limit: Option<usize>,
}

/// Returns a page of the company's activity events, newest first.
#[tracing::instrument(skip_all)]
pub(super) async fn list_activity(
    State(state): State<AppState>,
    Authenticated(member): Authenticated,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ActivityQuery>, QueryRejection>,
) -> Result<Json<ActivityPage>, AppError> {
    let Path(company) = path.map_err(|_| AppError::CompanyNotFound)?;
    let company = authorize(&state, &member, &company).await?;

    let Query(query) = query.map_err(|_| AppError::InvalidQuery(INVALID_QUERY))?;
    let limit = query.limit.unwrap_or(ACTIVITY_PAGE_DEFAULT);
    if !(1..=ACTIVITY_PAGE_MAX).contains(&limit) {
        return Err(AppError::InvalidQuery(INVALID_QUERY));
    }

    let store_company = company.clone();
    let page = run_blocking(&state, move |store| {
        store.list_activity(&store_company, query.before, limit)
    })
    .await
    .map_err(|error| AppError::from_store(error, "list activity", Some(&company), None))?;
    Ok(Json(page))
}
