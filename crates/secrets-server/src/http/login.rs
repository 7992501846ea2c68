//! `GET /login?token=T`: exchanges a one-time login link for a session
//! cookie.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use secrets_core::api::paths;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::auth::SESSION_COOKIE;
use super::{run_blocking, AppError, AppState};
use crate::store::SESSION_TTL;

/// Query of a login link.
#[derive(Deserialize)]
pub(super) struct LoginQuery {
    token: Option<Zeroizing<String>>,
}

/// Page shown for an unknown, used or expired login link.
const INVALID_LINK_PAGE: &str = r#"<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Login link invalid</title></head>
<body>
<h1>This login link is invalid or was already used</h1>
<p>A login link works once and expires 15 minutes after it was created.</p>
<p>To get a new one, run this on the server and open the link it prints:</p>
<pre>secrets-server login-link --data-dir DATA_DIR --company COMPANY_ID --name YOUR_NAME</pre>
</body>
</html>
"#;

/// Marks the link's token as used, sets the session cookie and redirects to
/// the company's Secrets section; responds 401 with an HTML page when the
/// link is invalid, used or expired.
#[tracing::instrument(skip_all)]
pub(super) async fn login(
    State(state): State<AppState>,
    query: Result<Query<LoginQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Some(token) = query.ok().and_then(|Query(query)| query.token) else {
        return Ok(invalid_link());
    };

    let redeemed = run_blocking(&state, move |store| store.redeem_login_token(&token))
        .await
        .map_err(|error| AppError::from_store(error, "redeem login link", None, None))?;
    let Some((member, session)) = redeemed else {
        tracing::info!("login link rejected");
        return Ok(invalid_link());
    };
    tracing::info!(company = %member.company, member_id = member.id, "session started");

    // NOTE: no `Secure` attribute, because the server speaks plain HTTP on
    // 127.0.0.1. A deployment behind TLS should add it.
    let cookie = format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        session.expose(),
        SESSION_TTL.as_secs()
    );
    let location = paths::section(&member.company);
    Ok((
        StatusCode::SEE_OTHER,
        [(SET_COOKIE, cookie), (LOCATION, location)],
    )
        .into_response())
}

fn invalid_link() -> Response {
    (StatusCode::UNAUTHORIZED, Html(INVALID_LINK_PAGE)).into_response()
}
