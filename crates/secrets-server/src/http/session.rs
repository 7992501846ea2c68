//! `DELETE /api/v1/session`: end the browser session (logout).

use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::auth::{presented_credential, Authenticated, SESSION_COOKIE};
use super::{run_blocking, AppError, AppState};
use crate::store::CredentialKind;

/// Deletes the session that authenticated the request, responds 204 and
/// clears the browser's cookie. The session stops working at
/// once, also for a copy of the cookie elsewhere.
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
