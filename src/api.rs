//! The REST client: every URL, request and JSON decoding of the SPA lives
//! here, one typed function per endpoint.
//!
//! Requests go to the same origin by default, so the browser sends the
//! session cookie without further setup. A dashboard shell that embeds the
//! section on another origin passes a base URL and a bearer token instead.
//!
//! Values leave the browser only sealed. [`Api::create_secret`] seals each
//! value to its company's public key, so the create request carries
//! ciphertext that the server cannot open while it handles the request.

mod public_keys;

use std::fmt;
use std::future::Future;

use gloo_net::http::{Request, RequestBuilder, Response};
use secrets_core::api::{
    paths, ActivityPage, CreateSecretRequest, ErrorBody, ErrorCode, ImportSecretsRequest,
    ImportSecretsResponse, PublicKeyResponse, SecretList, SecretMetadata, UpdateSecretRequest,
};
use secrets_core::sealed::SealingKey;
use secrets_core::{CompanyId, Description, SecretKey, SecretValue};
use serde::de::DeserializeOwned;
use web_sys::RequestCache;
use zeroize::Zeroizing;

use self::public_keys::PublicKeyCache;

/// Handle on the REST API: where it is and how to authenticate.
///
/// Clones share one cache of the companies' public keys, so a page that
/// keeps one handle, and clones of it, fetches each company's key once.
#[derive(Clone, Default)]
pub struct Api {
    /// Origin and path prefix put before every API path, without a trailing
    /// slash; empty means the origin of the page.
    base_url: String,
    /// Token sent as `Authorization: Bearer …`; `None` relies on the
    /// same-origin session cookie.
    bearer_token: Option<Zeroizing<String>>,
    /// The public keys fetched so far, per company.
    public_keys: PublicKeyCache,
}

/// A validated secret to create, whose value stays plaintext until
/// [`Api::create_secret`] seals it. The value is zeroed on drop, and
/// `Debug` hides it.
#[derive(Debug)]
pub struct UnsealedSecret {
    /// The key.
    pub key: SecretKey,
    /// The value's plaintext, whose size was checked before sealing.
    pub value: SecretValue,
    /// The description; empty for none.
    pub description: Description,
}

impl Api {
    /// Creates a handle for the API at `base_url`, for example
    /// `https://dashboard.example.com`; an empty string means the origin of
    /// the page.
    pub fn new(base_url: impl Into<String>) -> Self {
        let mut base_url = base_url.into();
        while base_url.ends_with('/') {
            base_url.pop();
        }
        Self {
            base_url,
            bearer_token: None,
            public_keys: PublicKeyCache::default(),
        }
    }

    /// Returns this handle with a bearer token that every request sends.
    pub fn with_bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(Zeroizing::new(token.into()));
        self
    }

    /// Lists the metadata of a company's secrets and the company's limit.
    pub async fn list_secrets(&self, company: &CompanyId) -> Result<SecretList, ApiError> {
        let request = self.authorize(Request::get(&self.url(&paths::secrets(company))));
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        decode_json(response).await
    }

    /// Seals the value of `secret` to the company's public key, creates the
    /// secret and returns its metadata as the server stored it.
    ///
    /// The first save of a company fetches its public key, and later saves
    /// reuse it. A stale key is handled as [`Api::seal_and_send`] describes.
    pub async fn create_secret(
        &self,
        company: &CompanyId,
        secret: &UnsealedSecret,
    ) -> Result<SecretMetadata, ApiError> {
        self.seal_and_send(company, |sealing_key| async move {
            self.send_sealed(company, secret, &sealing_key).await
        })
        .await
    }

    /// Seals the value of every secret in `secrets` to the company's public
    /// key and imports them in one request, which the server applies as a
    /// whole or not at all. Returns the stored metadata in the order of
    /// `secrets`.
    ///
    /// A rejected import yields [`ApiError::Rejected`], whose body may name
    /// the failing secrets by their index in `secrets`. A stale key is
    /// handled as [`Api::seal_and_send`] describes.
    pub async fn import_secrets(
        &self,
        company: &CompanyId,
        secrets: &[UnsealedSecret],
    ) -> Result<Vec<SecretMetadata>, ApiError> {
        self.seal_and_send(company, |sealing_key| async move {
            self.send_sealed_import(company, secrets, &sealing_key)
                .await
        })
        .await
        .map(|response| response.secrets)
    }

    /// Runs `send` with the company's public key, and once more with a newly
    /// fetched key when the server responds 409 `stale_public_key` because
    /// the cached key is no longer the company's current one. A second stale
    /// key yields [`ApiError::StalePublicKey`].
    async fn seal_and_send<T, Send, Sent>(
        &self,
        company: &CompanyId,
        send: Send,
    ) -> Result<T, ApiError>
    where
        Send: Fn(SealingKey) -> Sent,
        Sent: Future<Output = Result<T, ApiError>>,
    {
        let sealing_key = self.sealing_key(company).await?;
        let result = send(sealing_key.clone()).await;
        if !is_stale_public_key(&result) {
            return result;
        }

        // The cached key is not the company's current one, so fetch the
        // current one and seal the values again.
        log::info!(
            "Public key {} of company {company} is stale; fetching the new key and saving again.",
            sealing_key.key_id()
        );
        self.public_keys
            .remove_if_current(company, sealing_key.key_id());
        let sealing_key = self.sealing_key(company).await?;
        let result = send(sealing_key.clone()).await;
        if is_stale_public_key(&result) {
            self.public_keys
                .remove_if_current(company, sealing_key.key_id());
            return Err(ApiError::StalePublicKey);
        }
        result
    }

    /// Returns the company's cached public key, or fetches the key and
    /// caches it.
    async fn sealing_key(&self, company: &CompanyId) -> Result<SealingKey, ApiError> {
        if let Some(sealing_key) = self.public_keys.get(company) {
            return Ok(sealing_key);
        }
        let request = self.authorize(Request::get(&self.url(&paths::public_key(company))));
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        let body: PublicKeyResponse = decode_json(response).await?;
        let sealing_key = SealingKey::from_base64(&body.key_id, &body.public_key)
            .map_err(|_| ApiError::InvalidResponse)?;
        self.public_keys
            .insert(company.clone(), sealing_key.clone());
        Ok(sealing_key)
    }

    /// Seals the value of `secret` to `sealing_key` and sends the create
    /// request. The body holds only the sealed box, so it is not zeroed.
    async fn send_sealed(
        &self,
        company: &CompanyId,
        secret: &UnsealedSecret,
        sealing_key: &SealingKey,
    ) -> Result<SecretMetadata, ApiError> {
        let body = sealed_request(secret, sealing_key);
        let request = self
            .authorize(Request::post(&self.url(&paths::secrets(company))))
            .json(&body)
            .map_err(|_| ApiError::InvalidRequest)?;
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        decode_json(response).await
    }

    /// Seals every value of `secrets` to `sealing_key` and sends the import
    /// request. The body holds only sealed boxes, so it is not zeroed.
    async fn send_sealed_import(
        &self,
        company: &CompanyId,
        secrets: &[UnsealedSecret],
        sealing_key: &SealingKey,
    ) -> Result<ImportSecretsResponse, ApiError> {
        let body = ImportSecretsRequest {
            secrets: secrets
                .iter()
                .map(|secret| sealed_request(secret, sealing_key))
                .collect(),
        };
        let request = self
            .authorize(Request::post(&self.url(&paths::import(company))))
            .json(&body)
            .map_err(|_| ApiError::InvalidRequest)?;
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        decode_json(response).await
    }

    /// Deletes a secret. A secret that no longer exists yields
    /// [`ApiError::NotFound`].
    pub async fn delete_secret(
        &self,
        company: &CompanyId,
        key: &SecretKey,
    ) -> Result<(), ApiError> {
        let request = self.authorize(Request::delete(&self.url(&paths::secret(company, key))));
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        if response.ok() {
            return Ok(());
        }
        Err(error_from_response(response).await)
    }

    /// Replaces the description of a secret and returns its metadata as the
    /// server stored it. A secret that no longer exists yields
    /// [`ApiError::NotFound`].
    pub async fn update_description(
        &self,
        company: &CompanyId,
        key: &SecretKey,
        description: &Description,
    ) -> Result<SecretMetadata, ApiError> {
        let body = UpdateSecretRequest {
            description: description.to_string(),
        };
        let request = self
            .authorize(Request::patch(&self.url(&paths::secret(company, key))))
            .json(&body)
            .map_err(|_| ApiError::InvalidRequest)?;
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        decode_json(response).await
    }

    /// Lists a company's activity events, newest first: the newest page when
    /// `before` is `None`, else the page of events older than the event
    /// `before`.
    pub async fn activity_page(
        &self,
        company: &CompanyId,
        before: Option<i64>,
    ) -> Result<ActivityPage, ApiError> {
        // The query goes through `query`, not `paths::activity_page`: gloo-net
        // 0.6 appends `&` to a URL that already has a query string, which
        // would send `?before=3&`.
        let before = before.map(|before| ("before", before.to_string()));
        let request = self
            .authorize(Request::get(&self.url(&paths::activity(company))))
            .query(before);
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        decode_json(response).await
    }

    /// Ends the browser session of the session cookie, so that the cookie
    /// authenticates no further request, and lets the server clear the
    /// cookie (status 204). Once the session has ended, the handle also
    /// drops the public keys it has cached.
    ///
    /// A 401 also returns `Ok`, because it means that the request carried
    /// no valid session, for example because the session expired or another
    /// tab already ended it. A handle with a bearer token gets
    /// [`ApiError::Rejected`] with [`ErrorCode::NotASession`], because an
    /// API token is not a session.
    ///
    /// NOTE: The server also responds 401 when the browser sends two
    /// session cookies, such as one that a page on another port of the same
    /// host set. The member's own session then stays valid until it expires,
    /// although this function returns `Ok`.
    pub async fn end_session(&self) -> Result<(), ApiError> {
        let request = self.authorize(Request::delete(&self.url(paths::SESSION_ROUTE)));
        let response = request.send().await.map_err(|_| ApiError::Network)?;
        if !response.ok() {
            match error_from_response(response).await {
                ApiError::Unauthorized => {}
                error => return Err(error),
            }
        }
        self.public_keys.clear();
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Adds the headers that every request carries.
    fn authorize(&self, builder: RequestBuilder) -> RequestBuilder {
        // Responses carry secret metadata for one member, so the browser
        // must not serve them from its HTTP cache.
        let builder = builder
            .header("Accept", "application/json")
            .cache(RequestCache::NoStore);
        match &self.bearer_token {
            Some(token) => builder.header("Authorization", &format!("Bearer {}", token.as_str())),
            None => builder,
        }
    }
}

impl fmt::Debug for Api {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Api")
            .field("base_url", &self.base_url)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

impl PartialEq for Api {
    fn eq(&self, other: &Self) -> bool {
        self.base_url == other.base_url
            && self.bearer_token.as_ref().map(|token| token.as_str())
                == other.bearer_token.as_ref().map(|token| token.as_str())
    }
}

/// Reason why an API call failed. `Display` is the sentence shown to the
/// owner.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// The request did not reach the server or its response was cut off.
    #[error("Could not reach the server. Check your connection and try again.")]
    Network,

    /// The session expired or the request carried no valid credential
    /// (status 401).
    #[error("Your session has ended. Open a new login link to sign in again.")]
    Unauthorized,

    /// The company or the secret does not exist for this member (status 404).
    #[error("This company or secret was not found, or you no longer have access to it.")]
    NotFound,

    /// The server rejected the request with a client error and explained why
    /// (other 4xx statuses with an error body).
    #[error("{}", .0.message)]
    Rejected(ErrorBody),

    /// The server failed, or responded with a status that this client does
    /// not handle.
    #[error(
        "The server could not complete the request (HTTP status {status}). Try again in a moment."
    )]
    Server {
        /// HTTP status of the response.
        status: u16,
    },

    /// The server sent a body that this client could not decode.
    #[error(
        "The server sent a response that this page could not read. Reload the page and try again."
    )]
    InvalidResponse,

    /// The browser could not build the request.
    #[error("This page could not prepare the request. Reload the page and try again.")]
    InvalidRequest,

    /// The server rejected the value as sealed to an old public key of the
    /// company, also after the new key was fetched and the value sealed
    /// again.
    #[error("The company's public key changed while the secret was being saved. Save it again.")]
    StalePublicKey,
}

impl ApiError {
    /// Returns `true` when sending the same request again may succeed: the
    /// request did not reach the server, or the server failed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, ApiError::Network | ApiError::Server { .. })
    }

    /// Returns `true` when the server rejected a create because of secrets
    /// that a list loaded earlier may not show: the key is taken, or the
    /// company has reached its limit.
    pub fn is_list_out_of_date(&self) -> bool {
        matches!(
            self,
            ApiError::Rejected(ErrorBody {
                code: ErrorCode::DuplicateKey | ErrorCode::LimitReached,
                ..
            })
        )
    }
}

/// Returns the create request of `secret`, with its value sealed to
/// `sealing_key`.
fn sealed_request(secret: &UnsealedSecret, sealing_key: &SealingKey) -> CreateSecretRequest {
    CreateSecretRequest {
        key: secret.key.to_string(),
        sealed_value: sealing_key.seal(&secret.value).to_base64(),
        key_id: sealing_key.key_id().to_owned(),
        description: secret.description.to_string(),
    }
}

/// Returns `true` when a create request was rejected because its value was
/// sealed to a public key that is no longer the company's.
fn is_stale_public_key<T>(result: &Result<T, ApiError>) -> bool {
    matches!(
        result,
        Err(ApiError::Rejected(ErrorBody {
            code: ErrorCode::StalePublicKey,
            ..
        }))
    )
}

/// Decodes a successful response as `T`, or turns an error response into an
/// [`ApiError`].
async fn decode_json<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    if !response.ok() {
        return Err(error_from_response(response).await);
    }
    response
        .json::<T>()
        .await
        .map_err(|_| ApiError::InvalidResponse)
}

async fn error_from_response(response: Response) -> ApiError {
    let status = response.status();
    let body = response.json::<ErrorBody>().await.ok();
    error_from_status(status, body)
}

/// Maps an error status, and the error body when the server sent one, to an
/// [`ApiError`].
fn error_from_status(status: u16, body: Option<ErrorBody>) -> ApiError {
    match (status, body) {
        (401, _) => ApiError::Unauthorized,
        (404, _) => ApiError::NotFound,
        (400..=499, Some(body)) => ApiError::Rejected(body),
        (status, _) => ApiError::Server { status },
    }
}

#[cfg(test)]
mod tests {
    use secrets_core::DUPLICATE_KEY_MESSAGE;

    use super::*;

    fn duplicate_body() -> ErrorBody {
        ErrorBody::new(ErrorCode::DuplicateKey, DUPLICATE_KEY_MESSAGE)
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn error_status_mapping() {
        assert_eq!(
            error_from_status(401, Some(duplicate_body())),
            ApiError::Unauthorized
        );
        assert_eq!(error_from_status(404, None), ApiError::NotFound);
        assert_eq!(
            error_from_status(409, Some(duplicate_body())),
            ApiError::Rejected(duplicate_body())
        );
        assert_eq!(
            error_from_status(409, None),
            ApiError::Server { status: 409 }
        );
        assert_eq!(
            error_from_status(500, Some(duplicate_body())),
            ApiError::Server { status: 500 }
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn error_rejected_shows_server_message() {
        assert_eq!(
            ApiError::Rejected(duplicate_body()).to_string(),
            DUPLICATE_KEY_MESSAGE
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn error_rate_limited_shows_server_message() {
        let message = "You made too many changes. Wait 30 seconds and try again.";
        let body = ErrorBody::new(ErrorCode::RateLimited, message);
        let error = error_from_status(429, Some(body.clone()));
        assert_eq!(error, ApiError::Rejected(body));
        assert_eq!(error.to_string(), message);
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn list_out_of_date_codes() {
        let rejected = |code| ApiError::Rejected(ErrorBody::new(code, String::new()));
        assert!(rejected(ErrorCode::DuplicateKey).is_list_out_of_date());
        assert!(rejected(ErrorCode::LimitReached).is_list_out_of_date());
        assert!(!rejected(ErrorCode::InvalidKey).is_list_out_of_date());
        assert!(!rejected(ErrorCode::InvalidValue).is_list_out_of_date());
        assert!(!ApiError::Network.is_list_out_of_date());
        assert!(!ApiError::Server { status: 409 }.is_list_out_of_date());
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn retryable_errors() {
        assert!(ApiError::Network.is_retryable());
        assert!(ApiError::Server { status: 503 }.is_retryable());
        assert!(!ApiError::Unauthorized.is_retryable());
        assert!(!ApiError::NotFound.is_retryable());
        assert!(!ApiError::InvalidResponse.is_retryable());
        assert!(!ApiError::StalePublicKey.is_retryable());
        assert!(!ApiError::Rejected(duplicate_body()).is_retryable());
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn api_debug_hides_token() {
        let api = Api::new("http://127.0.0.1:1/").with_bearer_token("canary-token");
        let printed = format!("{api:?}");
        assert!(!printed.contains("canary"), "{printed}");
        assert!(printed.contains("\"http://127.0.0.1:1\""), "{printed}");
    }
}
