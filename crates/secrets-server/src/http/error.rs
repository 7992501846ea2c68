//! [`AppError`]: every error response of the API, and its JSON body.

use axum::http::header::{CONNECTION, RETRY_AFTER};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use secrets_core::api::{
    import_keys_exist_message, import_limit_message, ErrorBody, ErrorCode, ImportItemError,
    ImportValidationError, ValidationError, PLAINTEXT_VALUE_MESSAGE, STALE_PUBLIC_KEY_MESSAGE,
    VALUE_WRITE_ONCE_MESSAGE,
};
use secrets_core::{
    group_thousands, limit_reached_message, CompanyId, SecretKey, DUPLICATE_KEY_MESSAGE,
};

use super::task_auth::RunnerRejection;
use crate::store::StoreError;

/// An error response of the API. `Display` is the message the owner reads.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// 401: the request carries no valid credential.
    #[error("Sign in to manage secrets: this request has no valid session or API token.")]
    Unauthorized,
    /// 401: a task route without the token of that task, or for a task
    /// that finished or expired. The body is the same whether the task
    /// exists or not.
    #[error("This request has no valid task token for this task. The task may have finished or expired; start a new task.")]
    TaskUnauthorized,
    /// 401: a task start without a valid runner token.
    #[error("{0}")]
    RunnerUnauthorized(RunnerRejection),
    /// 403: a change authenticated by the session cookie came from a page
    /// of another origin, which may have made the browser send it.
    #[error("This change came from a page outside the Secrets section, so it was rejected. Make it in the Secrets section itself.")]
    CrossOrigin,
    /// 404: the company does not exist or the member may not manage it.
    /// Both cases have the same body, so a response does not reveal which
    /// companies exist.
    #[error("No company with this ID was found.")]
    CompanyNotFound,
    /// 404: the company has no secret with this key.
    #[error("No secret with this key was found.")]
    SecretNotFound,
    /// 404: no API route has this path.
    #[error("No API endpoint has this path.")]
    RouteNotFound,
    /// 405: the API route exists but not for this method.
    #[error("This API endpoint does not accept the {0} method.")]
    MethodNotAllowed(Method),
    /// 422: a field of a create or description update request is invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// 409: the company already has a secret with this key.
    #[error("{DUPLICATE_KEY_MESSAGE}")]
    DuplicateKey,
    /// 409: the company already has the maximum number of secrets.
    #[error("{}", limit_reached_message())]
    LimitReached,
    /// 422: an import is empty, too large, or has invalid or repeated
    /// items.
    #[error(transparent)]
    InvalidImport(ImportValidationError),
    /// 422: items of an import sent their value in plaintext.
    #[error("{PLAINTEXT_VALUE_MESSAGE}")]
    ImportPlaintextValue {
        /// The items with a plaintext value.
        items: Vec<ImportItemError>,
    },
    /// 409: the company already has secrets with keys of an import.
    #[error("{}", import_keys_exist_message(items.len()))]
    ImportKeysExist {
        /// The items whose key exists.
        items: Vec<ImportItemError>,
    },
    /// 409: an import would take the company past its secret limit.
    #[error("{}", import_limit_message(*existing, *requested))]
    ImportLimitReached {
        /// Number of secrets the company has.
        existing: usize,
        /// Number of secrets in the import.
        requested: usize,
    },
    /// 422: a description update also tried to change the value.
    #[error("{VALUE_WRITE_ONCE_MESSAGE}")]
    ValueWriteOnce,
    /// 422: a create request sent the value in plaintext instead of sealed.
    #[error("{PLAINTEXT_VALUE_MESSAGE}")]
    PlaintextValue,
    /// 409: the value was sealed to a public key that is not the company's
    /// current one.
    #[error("{STALE_PUBLIC_KEY_MESSAGE}")]
    StalePublicKey,
    /// 400: a query parameter is invalid. The message is fixed text.
    #[error("{0}")]
    InvalidQuery(&'static str),
    /// 400: logout was requested with an API token, which is not a session.
    #[error("This request is authenticated by an API token, not a browser session, so there is no session to end. Revoke API tokens with `secrets-server token revoke`.")]
    NotASession,
    /// 429: the member made too many changes in a short time.
    #[error("Too many changes in a short time. Try again in {}.", seconds_text(*retry_after))]
    RateLimited {
        /// Seconds until the next change is accepted, also sent as
        /// `Retry-After`.
        retry_after: u64,
    },
    /// 429: the runner started too many tasks in a short time.
    #[error("Too many task starts in a short time. Try again in {}.", seconds_text(*retry_after))]
    TaskRateLimited {
        /// Seconds until the next task start is accepted, also sent as
        /// `Retry-After`.
        retry_after: u64,
    },
    /// 413: the body is larger than the route accepts.
    #[error("The request body is larger than the limit of {} KiB.", group_thousands(max_bytes / 1024))]
    PayloadTooLarge {
        /// The route's limit, in bytes.
        max_bytes: usize,
    },
    /// 415: the body is not declared as JSON.
    #[error("Send the request body as JSON, with the header Content-Type: application/json.")]
    UnsupportedMediaType,
    /// 408: the client paused longer than [`Timeouts::body_read`] while
    /// sending the request body. No error code fits better than
    /// `invalid_body`, and the message explains what to do.
    ///
    /// [`Timeouts::body_read`]: super::Timeouts::body_read
    #[error("The request body arrived too slowly; send it again.")]
    BodyTimeout,
    /// 503: the request did not finish within [`Timeouts::request`]. The
    /// cause may be a busy database or a client that sends its body very
    /// slowly. The log line contains the route.
    ///
    /// [`Timeouts::request`]: super::Timeouts::request
    #[error("The server did not finish the request in time. Try again; if it keeps failing, check the server log.")]
    RequestTimeout,
    /// 400: the body is not JSON of the expected shape. The message is fixed
    /// text and never quotes the body, which may contain a value.
    #[error("{0}")]
    InvalidBody(&'static str),
    /// 500: the server failed. The message hides the cause, which is logged
    /// once with the ids involved when the response is built.
    #[error("The server failed to complete the request. Try again; if it keeps failing, check the server log.")]
    Internal {
        /// Operation that failed, for the log.
        operation: &'static str,
        /// The company involved.
        company: Option<CompanyId>,
        /// The key involved.
        key: Option<SecretKey>,
        /// The task involved, on the task routes.
        task: Option<String>,
        /// The cause, boxed because `rusqlite::Error` is large and every
        /// handler result carries this type.
        source: Box<StoreError>,
    },
}

impl AppError {
    /// Maps a store error to a response. Outcomes a client can act on
    /// become 4xx; the rest become [`AppError::Internal`] with the ids.
    pub fn from_store(
        source: StoreError,
        operation: &'static str,
        company: Option<&CompanyId>,
        key: Option<&SecretKey>,
    ) -> Self {
        match source {
            StoreError::DuplicateKey => Self::DuplicateKey,
            StoreError::LimitReached => Self::LimitReached,
            StoreError::KeysExist(keys) => Self::ImportKeysExist {
                items: keys
                    .into_iter()
                    .map(|(index, key)| {
                        let message = DUPLICATE_KEY_MESSAGE.to_owned();
                        ImportItemError::new(index, key.as_str(), ErrorCode::DuplicateKey, message)
                    })
                    .collect(),
            },
            StoreError::ImportLimitReached {
                existing,
                requested,
            } => Self::ImportLimitReached {
                existing,
                requested,
            },
            StoreError::SecretNotFound => Self::SecretNotFound,
            StoreError::StalePublicKey => Self::StalePublicKey,
            StoreError::AccessRevoked => Self::Unauthorized,
            StoreError::TaskNotAuthorized => Self::TaskUnauthorized,
            StoreError::RunnerRevoked => Self::RunnerUnauthorized(RunnerRejection::Invalid),
            source => Self::Internal {
                operation,
                company: company.cloned(),
                key: key.cloned(),
                task: None,
                source: Box::new(source),
            },
        }
    }

    /// Like [`AppError::from_store`], for a route of the task `task_id`,
    /// whose ID the log line of a failure then names.
    pub fn from_task_store(source: StoreError, operation: &'static str, task_id: &str) -> Self {
        match Self::from_store(source, operation, None, None) {
            Self::Internal {
                operation,
                company,
                key,
                source,
                ..
            } => Self::Internal {
                operation,
                company,
                key,
                task: Some(task_id.to_owned()),
                source,
            },
            error => error,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::Unauthorized | Self::TaskUnauthorized | Self::RunnerUnauthorized(_) => {
                StatusCode::UNAUTHORIZED
            }
            Self::CrossOrigin => StatusCode::FORBIDDEN,
            Self::CompanyNotFound | Self::SecretNotFound | Self::RouteNotFound => {
                StatusCode::NOT_FOUND
            }
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Validation(_)
            | Self::ValueWriteOnce
            | Self::PlaintextValue
            | Self::InvalidImport(_)
            | Self::ImportPlaintextValue { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidQuery(_) | Self::NotASession => StatusCode::BAD_REQUEST,
            Self::RateLimited { .. } | Self::TaskRateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            Self::DuplicateKey
            | Self::LimitReached
            | Self::StalePublicKey
            | Self::ImportKeysExist { .. }
            | Self::ImportLimitReached { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidBody(_) => StatusCode::BAD_REQUEST,
            Self::BodyTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::RequestTimeout => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthorized | Self::TaskUnauthorized | Self::RunnerUnauthorized(_) => {
                ErrorCode::Unauthorized
            }
            Self::CrossOrigin => ErrorCode::CrossOrigin,
            Self::CompanyNotFound | Self::SecretNotFound | Self::RouteNotFound => {
                ErrorCode::NotFound
            }
            Self::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            Self::Validation(error) => error.code(),
            Self::ValueWriteOnce => ErrorCode::ValueWriteOnce,
            Self::PlaintextValue | Self::ImportPlaintextValue { .. } => ErrorCode::PlaintextValue,
            Self::InvalidImport(_) => ErrorCode::InvalidImport,
            Self::StalePublicKey => ErrorCode::StalePublicKey,
            Self::InvalidQuery(_) => ErrorCode::InvalidQuery,
            Self::NotASession => ErrorCode::NotASession,
            Self::RateLimited { .. } | Self::TaskRateLimited { .. } => ErrorCode::RateLimited,
            Self::DuplicateKey | Self::ImportKeysExist { .. } => ErrorCode::DuplicateKey,
            Self::LimitReached | Self::ImportLimitReached { .. } => ErrorCode::LimitReached,
            Self::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Self::UnsupportedMediaType | Self::InvalidBody(_) | Self::BodyTimeout => {
                ErrorCode::InvalidBody
            }
            Self::RequestTimeout | Self::Internal { .. } => ErrorCode::Internal,
        }
    }

    /// Returns the items of an import that caused the error, or no items
    /// for every other error.
    fn items(&self) -> &[ImportItemError] {
        match self {
            Self::InvalidImport(error) => error.items(),
            Self::ImportPlaintextValue { items } | Self::ImportKeysExist { items } => items,
            _ => &[],
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal {
            operation,
            company,
            key,
            task,
            source,
        } = &self
        {
            tracing::error!(
                operation,
                company = company.as_ref().map(CompanyId::as_str),
                key = key.as_ref().map(SecretKey::as_str),
                task_id = task.as_deref(),
                error = %display_chain(source.as_ref()),
                "request failed"
            );
        }
        let body = ErrorBody {
            code: self.code(),
            message: self.to_string(),
            items: self.items().to_vec(),
        };
        let mut response = (self.status(), Json(body)).into_response();
        if let Self::RateLimited { retry_after } | Self::TaskRateLimited { retry_after } = self {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after));
        }
        if matches!(
            self,
            Self::PayloadTooLarge { .. } | Self::BodyTimeout | Self::RequestTimeout
        ) {
            // The rest of the body may be unread, so the connection cannot
            // carry another request; tell the client not to reuse it.
            response
                .headers_mut()
                .insert(CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

/// Formats a number of seconds as "1 second" or "N seconds".
fn seconds_text(seconds: u64) -> String {
    if seconds == 1 {
        "1 second".to_owned()
    } else {
        format!("{seconds} seconds")
    }
}

/// Formats an error and its sources on one line.
pub(super) fn display_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Fallback for paths under `/api` that match no route.
pub(super) async fn api_not_found() -> AppError {
    AppError::RouteNotFound
}

/// Fallback for API routes called with a method they do not support.
pub(super) async fn method_not_allowed(method: Method) -> AppError {
    AppError::MethodNotAllowed(method)
}
