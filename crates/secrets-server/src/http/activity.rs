//! `GET /api/v1/companies/{company}/activity`

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use secrets_core::api::{ActivityPage, ACTIVITY_PAGE_DEFAULT, ACTIVITY_PAGE_MAX};
use serde::Deserialize;

use super::auth::{authorize, Authenticated};
use super::{run_blocking, AppError, AppState};
use secrets_core::api::paths::ACTIVITY_ROUTE;
use secrets_core::api::ErrorBody;

const INVALID_QUERY: &str =
    "Invalid query: before must be an event ID and limit a number from 1 to 100.";

/// Query parameters of the activity page.
#[derive(Deserialize)]
pub(super) struct ActivityQuery {
    before: Option<i64>,
    limit: Option<usize>,
}

/// Returns a page of the company's activity events, newest first.
#[utoipa::path(
    get,
    path = ACTIVITY_ROUTE,
    tag = "secrets",
    params(
        ("company" = String, Path, description = "The company's ID: 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.", pattern = "^[a-z0-9][a-z0-9-]{0,62}$", example = "acme"),
        ("before" = Option<i64>, Query, description = "Returns events older than this event ID: the `next_before` of the previous page."),
        ("limit" = Option<usize>, Query, description = "Number of events, from 1 to 100. Default: 20.", minimum = 1, maximum = 100),
    ),
    responses(
        (status = 200, description = "A page of activity events, newest first.", body = ActivityPage),
        (status = 400, description = "`before` is not an integer, or `limit` is not a number from 1 to 100: `invalid_query`.", body = ErrorBody),
        (status = 401, description = "No valid member API token or session: `unauthorized`.", body = ErrorBody),
        (status = 404, description = "No company with this ID that the member may manage: `not_found`.", body = ErrorBody),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("member_token" = []), ("session_cookie" = [])),
)]
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
