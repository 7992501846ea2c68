//! `GET /login?token=T` and `POST /login`: exchange a one-time login link
//! for a session cookie, in two steps.
//!
//! Opening the link only shows whom it signs in as; the session starts when
//! the member presses the page's button, which posts the token back. A page
//! of another site can make a browser open a link, but the same-origin
//! check rejects its post, so it cannot replace a member's session with a
//! session of the attacker's account (login cross-site request forgery).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, Request, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use secrets_core::api::paths;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::auth::SESSION_COOKIE;
use super::json_body::{has_content_type, read_body, MAX_BODY_BYTES};
use super::login_pages::{confirm_page, cross_site_page, invalid_link_page, not_a_form_page};
use super::same_origin::verify_same_origin;
use super::{run_blocking, AppError, AppState};
use crate::store::{RedeemedLogin, SESSION_TTL};

/// Query of a login link, and body of the sign-in form: both carry the
/// token in the field `token`.
#[derive(Deserialize)]
pub(super) struct LoginToken {
    token: Option<Zeroizing<String>>,
}

/// Shows the page that names the company and member the link signs in as,
/// with the sign-in form. The token stays unused. Responds 401 with an HTML
/// page when the link is invalid, used or expired.
#[tracing::instrument(skip_all)]
pub(super) async fn show_login_page(
    State(state): State<AppState>,
    query: Result<Query<LoginToken>, QueryRejection>,
) -> Result<Response, AppError> {
    let Some(token) = query.ok().and_then(|Query(query)| query.token) else {
        return Ok(invalid_link());
    };

    let lookup_token = token.clone();
    let member = run_blocking(&state, move |store| store.login_token_member(&lookup_token))
        .await
        .map_err(|error| AppError::from_store(error, "look up login link", None, None))?;
    let Some((member, company)) = member else {
        tracing::info!("login link rejected");
        return Ok(invalid_link());
    };

    let page = confirm_page(company.as_str(), &member.name, &token);
    Ok(Html(page).into_response())
}

/// Checks that the form was sent from this server's own page, marks the
/// token as used, sets the session cookie and redirects to the company's
/// Secrets section. Responds 403 with an HTML page to a cross-site request,
/// and 401 when the token is invalid, used or expired.
#[tracing::instrument(skip_all)]
pub(super) async fn sign_in(
    State(state): State<AppState>,
    request: Request,
) -> Result<Response, AppError> {
    // Check the origin before reading anything, so that a cross-site
    // request changes nothing.
    if let Err(reason) = verify_same_origin(request.headers()) {
        tracing::warn!(%reason, "rejected a cross-site sign-in request");
        return Ok((StatusCode::FORBIDDEN, Html(cross_site_page())).into_response());
    }

    // Read the token from the form.
    // Browsers send an HTML form's body as this type by default.
    if !has_content_type(request.headers(), "application/x-www-form-urlencoded") {
        return Ok((StatusCode::UNSUPPORTED_MEDIA_TYPE, Html(not_a_form_page())).into_response());
    }
    let body = read_body(request, MAX_BODY_BYTES).await?;
    let Some(token) = serde_urlencoded::from_bytes::<LoginToken>(&body)
        .ok()
        .and_then(|form| form.token)
    else {
        return Ok(invalid_link());
    };

    // Use the token up and start a session.
    let redeemed = run_blocking(&state, move |store| store.redeem_login_token(&token))
        .await
        .map_err(|error| AppError::from_store(error, "redeem login link", None, None))?;
    let Some(RedeemedLogin {
        member,
        company,
        session,
    }) = redeemed
    else {
        tracing::info!("login link rejected");
        return Ok(invalid_link());
    };
    tracing::info!(conglomerate = %member.conglomerate, member_id = member.id, "session started");

    // NOTE: no `Secure` attribute, because the server speaks plain HTTP on
    // 127.0.0.1. A deployment behind TLS should add it.
    let cookie = format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        session.expose(),
        SESSION_TTL.as_secs()
    );
    let location = paths::section(&company);
    Ok((
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie), (LOCATION, location)],
    )
        .into_response())
}

fn invalid_link() -> Response {
    (StatusCode::UNAUTHORIZED, Html(invalid_link_page())).into_response()
}
