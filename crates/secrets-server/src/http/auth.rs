//! Authentication (which member sent a request) and authorization (which
//! companies that member may manage).

use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use secrets_core::CompanyId;
use zeroize::Zeroizing;

use super::same_origin::verify_same_origin;
use super::{run_blocking, AppError, AppState};
use crate::store::{CredentialKind, Member, Store};

/// Name of the cookie that carries a browser session's token.
pub const SESSION_COOKIE: &str = "secrets_session";

/// The member who sent the request, authenticated by an
/// `Authorization: Bearer` API token or, when that header is absent, by the
/// [`SESSION_COOKIE`] cookie. Rejects with 401 otherwise, and with 403 a
/// change that the cookie authenticates but a page of another origin sent.
#[derive(Debug)]
pub struct Authenticated(pub Member);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Credential { token, kind } = Credential::from_parts(parts)?;
        let member = run_blocking(state, move |store| store.authenticate(&token, kind))
            .await
            .map_err(|error| AppError::from_store(error, "authenticate", None, None))?;
        member.map(Self).ok_or(AppError::Unauthorized)
    }
}

/// The credential that a request carries, before the store checks it:
/// what [`Authenticated`] accepts before its query. A handler that takes
/// this runs [`Store::authenticate`](crate::store::Store::authenticate) in
/// the same blocking call as its own queries, which saves a hand-off to
/// the blocking thread pool per request.
#[derive(Debug)]
pub struct Credential {
    /// The API or session token.
    pub token: Zeroizing<String>,
    /// The kind of credential.
    pub kind: CredentialKind,
}

impl Credential {
    /// Returns the request's credential, and rejects as [`Authenticated`]
    /// does before it queries the store.
    fn from_parts(parts: &Parts) -> Result<Self, AppError> {
        let Some((token, kind)) = presented_credential(&parts.headers) else {
            return Err(AppError::Unauthorized);
        };

        // Browsers attach the cookie to requests from every page of the same
        // site, such as another port of this host, so a change must also
        // come from this origin. API tokens are never attached by a browser.
        if kind == CredentialKind::Session && !parts.method.is_safe() {
            if let Err(reason) = verify_same_origin(&parts.headers) {
                tracing::info!(%reason, method = %parts.method, "rejected a cross-origin change");
                return Err(AppError::CrossOrigin);
            }
        }
        Ok(Self { token, kind })
    }
}

impl FromRequestParts<AppState> for Credential {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Self::from_parts(parts)
    }
}

/// A member allowed to make a change now: [`Authenticated`], and within
/// the member's write rate limit. Rejects with 429 and the time to wait
/// otherwise.
#[derive(Debug)]
pub struct Writer(pub Member);

impl FromRequestParts<AppState> for Writer {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Authenticated(member) = Authenticated::from_request_parts(parts, state).await?;
        if let Err(wait) = state.rate_limiter.try_acquire(member.id, Instant::now()) {
            let retry_after = whole_seconds(wait);
            tracing::info!(
                member_id = member.id,
                retry_after,
                "write rate limit reached"
            );
            return Err(AppError::RateLimited { retry_after });
        }
        Ok(Self(member))
    }
}

/// Returns `wait` in whole seconds for a `Retry-After` header, rounded up,
/// so that a client that waits this long always finds a token.
pub(super) fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs()
        .saturating_add(u64::from(wait.subsec_nanos() > 0))
}

/// Decides whether `member` may manage the secrets of the company named by
/// the path segment `company`, and returns that company. A member may
/// manage every company of its conglomerate and no other.
///
/// This is the only place that makes this decision for API requests. Login
/// links are checked against the same rule when they are issued and when
/// they are redeemed. An invalid ID, an unknown company and a company of
/// another conglomerate all produce the same [`AppError::CompanyNotFound`],
/// so responses do not reveal which companies exist.
///
/// Authentication, this check and the operation each run their own query,
/// so every change checks the membership again inside its transaction.
/// A read that is already past this check completes.
pub async fn authorize(
    state: &AppState,
    member: &Member,
    company: &str,
) -> Result<CompanyId, AppError> {
    let company = CompanyId::parse(company).map_err(|_| AppError::CompanyNotFound)?;
    let (checked_member, checked_company) = (member.clone(), company.clone());
    run_blocking(state, move |store| {
        Ok(authorize_blocking(store, &checked_member, checked_company))
    })
    .await
    .unwrap_or_else(|error| {
        Err(AppError::from_store(
            error,
            "authorize",
            Some(&company),
            None,
        ))
    })
}

/// Makes the decision of [`authorize`] for a company ID that is already
/// parsed, on a thread that may block, such as inside
/// [`run_blocking`].
pub(super) fn authorize_blocking(
    store: &Store,
    member: &Member,
    company: CompanyId,
) -> Result<CompanyId, AppError> {
    match store.may_manage(member, &company) {
        Ok(true) => Ok(company),
        Ok(false) => Err(AppError::CompanyNotFound),
        Err(error) => Err(AppError::from_store(
            error,
            "authorize",
            Some(&company),
            None,
        )),
    }
}

/// Returns the token and kind of the credential the request carries. An
/// `Authorization` header that is not a bearer token counts as a bad
/// credential, not as an absent one, so it is never ignored in favor of a
/// cookie.
///
/// Rejects a repeated `Authorization` header or session cookie as
/// ambiguous. Cookies do not separate ports, so a page on another port of
/// this host can set a session cookie of its own with a longer `Path`,
/// which browsers send before the member's (RFC 6265, section 5.4). Taking
/// either one would let that page choose the account a change goes to.
///
/// NOTE: a member who has no session of its own yet still sends only the
/// other page's cookie, which is then accepted. Only a `__Host-` cookie
/// name, which needs HTTPS, or a host of its own for the section prevents
/// that.
pub(super) fn presented_credential(
    headers: &HeaderMap,
) -> Option<(Zeroizing<String>, CredentialKind)> {
    if headers.contains_key(AUTHORIZATION) {
        return bearer_credential(headers).map(|token| (token, CredentialKind::Api));
    }

    let mut sessions = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|header| header.to_str().ok())
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='));
    let token = sessions.next()?;
    if sessions.next().is_some() {
        tracing::info!("rejected a request with more than one session cookie");
        return None;
    }
    Some((Zeroizing::new(token.to_owned()), CredentialKind::Session))
}

/// Returns the token of the request's only `Authorization: Bearer` header,
/// and nothing for a missing, repeated or malformed header. Cookies are not
/// read, so task routes use this alone.
pub(super) fn bearer_credential(headers: &HeaderMap) -> Option<Zeroizing<String>> {
    let mut authorizations = headers.get_all(AUTHORIZATION).iter();
    let authorization = authorizations.next()?;
    if authorizations.next().is_some() {
        tracing::info!("rejected a request with more than one Authorization header");
        return None;
    }
    let token = bearer_token(authorization.to_str().ok()?)?;
    Some(Zeroizing::new(token.to_owned()))
}

/// Returns the token of an `Authorization: Bearer` header value. The scheme
/// name is case-insensitive (RFC 9110, section 11.1), and any number of
/// spaces or tabs may separate it from the token.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once([' ', '\t'])?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then(|| token.trim_start_matches([' ', '\t']))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(name: axum::http::HeaderName, value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn presented_credential_bearer() {
        let (token, kind) =
            presented_credential(&headers(AUTHORIZATION, "Bearer abc")).expect("credential");
        assert_eq!(token.as_str(), "abc");
        assert_eq!(kind, CredentialKind::Api);
    }

    #[test]
    fn bearer_token_scheme_any_case() {
        for value in ["Bearer abc", "bearer abc", "BEARER abc", "bEaReR abc"] {
            assert_eq!(bearer_token(value), Some("abc"), "{value}");
        }
    }

    #[test]
    fn bearer_token_extra_whitespace() {
        for value in [
            "Bearer   abc",
            "Bearer \tabc",
            " Bearer abc ",
            "bearer\tabc",
        ] {
            assert_eq!(bearer_token(value), Some("abc"), "{value:?}");
        }
    }

    #[test]
    fn bearer_token_other_scheme_or_no_token() {
        for value in [
            "Basic abc",
            "Bearerabc",
            "Bearer",
            "Bearer ",
            "",
            "BearerX abc",
        ] {
            assert_eq!(bearer_token(value), None, "{value:?}");
        }
    }

    #[test]
    fn presented_credential_basic_rejected() {
        assert!(presented_credential(&headers(AUTHORIZATION, "Basic abc")).is_none());
    }

    #[test]
    fn presented_credential_cookie_among_others() {
        let found =
            presented_credential(&headers(COOKIE, "theme=dark; secrets_session=xyz; other=1"));
        let (token, kind) = found.expect("credential");
        assert_eq!(token.as_str(), "xyz");
        assert_eq!(kind, CredentialKind::Session);
    }

    #[test]
    fn presented_credential_repeated_cookie_rejected() {
        for value in [
            "secrets_session=a; secrets_session=b",
            "secrets_session=a; theme=dark; secrets_session=a",
        ] {
            assert!(
                presented_credential(&headers(COOKIE, value)).is_none(),
                "{value}"
            );
        }
        let mut two_headers = headers(COOKIE, "secrets_session=a");
        two_headers.append(COOKIE, HeaderValue::from_static("secrets_session=b"));
        assert!(presented_credential(&two_headers).is_none());
    }

    #[test]
    fn presented_credential_repeated_authorization_rejected() {
        let mut two_headers = headers(AUTHORIZATION, "Bearer a");
        two_headers.append(AUTHORIZATION, HeaderValue::from_static("Bearer a"));
        assert!(presented_credential(&two_headers).is_none());
    }

    #[test]
    fn presented_credential_similar_cookie_ignored() {
        assert!(presented_credential(&headers(COOKIE, "secrets_session_old=xyz")).is_none());
    }
}
