//! `DELETE /api/v1/session`: end the browser session (logout).

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::{presented_credential, Authenticated, SESSION_COOKIE};
use super::{run_blocking, AppError, AppState};
use crate::store::CredentialKind;
use secrets_core::api::paths::SESSION_ROUTE;
use secrets_core::api::ErrorBody;

/// Deletes the session that authenticated the request, responds 204 and
/// clears the browser's cookie. The session stops working at
/// once, also for a copy of the cookie elsewhere.
#[utoipa::path(
    delete,
    path = SESSION_ROUTE,
    tag = "session",
    responses(
        (status = 204, description = "The session ended, and the response clears its cookie.", headers(("Set-Cookie" = String, description = "Expires the session cookie."))),
        (status = 400, description = "The request is authenticated by an API token, not a session: `not_a_session`.", body = ErrorBody),
        (status = 401, description = "No valid session: `unauthorized`.", body = ErrorBody),
        (status = 403, description = "The session cookie authenticated a change that a page of another origin sent: `cross_origin`.", body = ErrorBody),
        (status = 500, description = "The server failed: `internal`. Its log has the details.", body = ErrorBody),
        (status = 503, description = "The request took longer than the server's request timeout: `internal`.", body = ErrorBody),
    ),
    security(("session_cookie" = [])),
)]
#[tracing::instrument(skip_all)]
pub(super) async fn end_session(
    State(state): State<AppState>,
    Authenticated(member): Authenticated,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let Some((token, CredentialKind::Session)) = presented_credential(&headers) else {
        return Err(AppError::NotASession);
    };

    run_blocking(&state, move |store| store.end_session(&token))
        .await
        .map_err(|error| AppError::from_store(error, "end session", None, None))?;
    tracing::info!(member_id = member.id, "session ended");

    let expired_cookie = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    Ok((StatusCode::NO_CONTENT, [(SET_COOKIE, expired_cookie)]).into_response())
}
