//! Request and response bodies of the REST API, version 1, and its paths.
//!
//! Every body is JSON. Every error response is an [`ErrorBody`] whose
//! `message` is the sentence the SPA shows to the owner.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::sealed::{SealedValue, SealedValueError};
use crate::{Description, DescriptionError, KeyError, SecretKey};

mod import;

pub use import::{
    import_keys_exist_message, import_limit_message, ImportItemError, ImportSecretsRequest,
    ImportSecretsResponse, ImportValidationError, DUPLICATE_IN_IMPORT_MESSAGE,
};

/// Paths of the REST API, named once for the server's router and the SPA's
/// client.
pub mod paths {
    use crate::{CompanyId, SecretKey};

    /// Router pattern of the collection of a company's secrets.
    pub const SECRETS_ROUTE: &str = "/api/v1/companies/{company}/secrets";

    /// Router pattern that adds several secrets in one request, all or
    /// none. Keys are uppercase, so `import` never names a secret.
    pub const IMPORT_ROUTE: &str = "/api/v1/companies/{company}/secrets/import";

    /// Router pattern of one secret.
    pub const SECRET_ROUTE: &str = "/api/v1/companies/{company}/secrets/{key}";

    /// Router pattern of a company's activity events, newest first.
    pub const ACTIVITY_ROUTE: &str = "/api/v1/companies/{company}/activity";

    /// Router pattern of a company's public key, which clients seal values
    /// to.
    pub const PUBLIC_KEY_ROUTE: &str = "/api/v1/companies/{company}/public-key";

    /// Router pattern of a company's tasks; a runner `POST`s to start one.
    pub const TASKS_ROUTE: &str = "/api/v1/companies/{company}/tasks";

    /// Router pattern of a task's secrets, with their values.
    pub const TASK_SECRETS_ROUTE: &str = "/api/v1/tasks/{task}/secrets";

    /// Router pattern of a task's catalog: keys and descriptions only.
    pub const TASK_CATALOG_ROUTE: &str = "/api/v1/tasks/{task}/catalog";

    /// Router pattern that ends a task and its token.
    pub const TASK_FINISH_ROUTE: &str = "/api/v1/tasks/{task}/finish";

    /// Path of the API's OpenAPI document.
    pub const OPENAPI_ROUTE: &str = "/api/v1/openapi.json";

    /// Path of the current browser session; `DELETE` ends it (logout).
    pub const SESSION_ROUTE: &str = "/api/v1/session";

    /// Path of the page that exchanges a one-time login token for a session.
    pub const LOGIN_ROUTE: &str = "/login";

    /// Path of the liveness check: 200 while the process serves requests.
    pub const HEALTHZ_ROUTE: &str = "/healthz";

    /// Path of the readiness check: 200 when the database can be read.
    pub const READYZ_ROUTE: &str = "/readyz";

    /// Returns the path of a company's secrets collection.
    pub fn secrets(company: &CompanyId) -> String {
        format!("/api/v1/companies/{company}/secrets")
    }

    /// Returns the path that imports secrets into a company.
    pub fn import(company: &CompanyId) -> String {
        format!("/api/v1/companies/{company}/secrets/import")
    }

    /// Returns the path of one secret. Keys and company IDs are restricted
    /// to URL-safe characters, so neither needs escaping.
    pub fn secret(company: &CompanyId, key: &SecretKey) -> String {
        format!("/api/v1/companies/{company}/secrets/{key}")
    }

    /// Returns the path of a company's activity events.
    pub fn activity(company: &CompanyId) -> String {
        format!("/api/v1/companies/{company}/activity")
    }

    /// Returns the path of the page of activity events older than the event
    /// `before`, or of the newest page when `before` is `None`.
    pub fn activity_page(company: &CompanyId, before: Option<i64>) -> String {
        match before {
            Some(before) => format!("{}?before={before}", activity(company)),
            None => activity(company),
        }
    }

    /// Returns the path of a company's public key.
    pub fn public_key(company: &CompanyId) -> String {
        format!("/api/v1/companies/{company}/public-key")
    }

    /// Returns the path that starts a task of a company.
    pub fn tasks(company: &CompanyId) -> String {
        format!("/api/v1/companies/{company}/tasks")
    }

    /// Returns the path of a task's secrets. Task IDs are hexadecimal, so
    /// they need no escaping.
    pub fn task_secrets(task: &str) -> String {
        format!("/api/v1/tasks/{task}/secrets")
    }

    /// Returns the path of a task's catalog.
    pub fn task_catalog(task: &str) -> String {
        format!("/api/v1/tasks/{task}/catalog")
    }

    /// Returns the path that finishes a task.
    pub fn task_finish(task: &str) -> String {
        format!("/api/v1/tasks/{task}/finish")
    }

    /// Returns the SPA route of a company's Secrets section.
    pub fn section(company: &CompanyId) -> String {
        format!("/companies/{company}/settings/secrets")
    }
}

/// Metadata of a stored secret: everything but its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretMetadata {
    /// The secret's key.
    pub key: SecretKey,
    /// The secret's description; empty when there is none.
    pub description: Description,
    /// When the secret was added, in RFC 3339 format, UTC.
    pub created_at: String,
    /// Name of the member who added the secret.
    pub created_by: String,
    /// When the value was last handed to a task, in RFC 3339 format, UTC;
    /// `None` when no task has received it yet.
    #[serde(default)]
    pub last_used_at: Option<String>,
}

/// Body of `GET /api/v1/companies/{company}/secrets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretList {
    /// The company's secrets, sorted by key.
    pub secrets: Vec<SecretMetadata>,
    /// Maximum number of secrets the company may store.
    pub limit: usize,
}

/// Body of `GET /api/v1/companies/{company}/public-key`: the key that
/// clients seal values to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicKeyResponse {
    /// Names the key; a create request sends it back beside the sealed
    /// value.
    pub key_id: String,
    /// The X25519 public key, 32 bytes in standard base64.
    pub public_key: String,
}

/// Body of `POST /api/v1/companies/{company}/secrets`.
///
/// The value arrives sealed to the company's public key (see
/// [`crate::sealed`]), so the server cannot read it. Fields are unvalidated
/// text so that the server can reject each invalid field with its own
/// message; [`CreateSecretRequest::validate`] turns the request into a
/// [`NewSecret`]. A body with a plaintext `value` field is rejected with
/// [`ErrorCode::PlaintextValue`].
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSecretRequest {
    /// The key, exactly as the owner typed it (the API does not fold case).
    #[cfg_attr(feature = "openapi", schema(value_type = SecretKey))]
    pub key: String,
    /// The sealed box of the value, in standard base64.
    pub sealed_value: String,
    /// The [`PublicKeyResponse::key_id`] of the key that sealed the value.
    pub key_id: String,
    /// The description; missing means empty.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Description))]
    pub description: String,
}

/// A create request whose fields all passed validation.
#[derive(Debug)]
pub struct NewSecret {
    /// The validated key.
    pub key: SecretKey,
    /// The sealed value, whose length passed the value limits.
    pub sealed_value: SealedValue,
    /// The key id the client sealed with; the server checks that it is the
    /// company's current one.
    pub key_id: String,
    /// The validated description.
    pub description: Description,
}

/// Message of [`ErrorCode::PlaintextValue`].
pub const PLAINTEXT_VALUE_MESSAGE: &str = "The value must be sealed before it is sent, so that the server never receives it in plaintext. Seal it to the company's public key (GET /api/v1/companies/{company}/public-key) as a libsodium sealed box, and send it in base64 as \"sealed_value\" with the \"key_id\". The `secrets add` command does this for you.";

/// Message of [`ErrorCode::StalePublicKey`].
pub const STALE_PUBLIC_KEY_MESSAGE: &str =
    "The value was sealed to a public key that is not this company's. Fetch the company's public key and seal the value again.";

/// Reason why a create request is invalid: the first invalid field, checked
/// in the order key, value, description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The key is invalid.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The sealed value is invalid, or its length shows that the value is
    /// empty or too large.
    #[error(transparent)]
    Value(#[from] SealedValueError),
    /// The description is invalid.
    #[error(transparent)]
    Description(#[from] DescriptionError),
}

impl ValidationError {
    /// Returns the error code that the API sends for this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Key(_) => ErrorCode::InvalidKey,
            Self::Value(_) => ErrorCode::InvalidValue,
            Self::Description(_) => ErrorCode::InvalidDescription,
        }
    }
}

impl CreateSecretRequest {
    /// Validates every field and returns the secret to store.
    pub fn validate(self) -> Result<NewSecret, ValidationError> {
        let key = SecretKey::parse_new(&self.key)?;
        let sealed_value = SealedValue::from_base64(&self.sealed_value)?;
        let description = Description::parse(&self.description)?;
        Ok(NewSecret {
            key,
            sealed_value,
            key_id: self.key_id,
            description,
        })
    }
}

/// Body of `PATCH /api/v1/companies/{company}/secrets/{key}`: the new
/// description. An empty description removes it.
///
/// A request that contains a `value` field is rejected with
/// [`ErrorCode::ValueWriteOnce`], because values are write-once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
// The server rejects other fields too.
#[serde(deny_unknown_fields)]
pub struct UpdateSecretRequest {
    /// The new description, unvalidated.
    #[cfg_attr(feature = "openapi", schema(value_type = Description))]
    pub description: String,
}

/// Message of [`ErrorCode::ValueWriteOnce`].
pub const VALUE_WRITE_ONCE_MESSAGE: &str = "Values are write-once, so this request cannot change one. To replace a value, delete the secret and add it again with the same key.";

/// Body of `POST /api/v1/companies/{company}/tasks`: a started task. The
/// task token is shown only here; it reads the task's secrets until the
/// task finishes or expires.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartedTask {
    /// The task's ID: 32 hexadecimal digits.
    pub task_id: String,
    /// Bearer token of the task.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub task_token: Zeroizing<String>,
    /// When the task and its token expire, in RFC 3339 format, UTC.
    pub expires_at: String,
}

impl fmt::Debug for StartedTask {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("StartedTask")
            .field("task_id", &self.task_id)
            .field("task_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// One entry of a task's catalog: what an agent may read to pick a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CatalogEntry {
    /// The secret's key, which is also its environment variable's name.
    pub key: SecretKey,
    /// The secret's description; empty when there is none.
    pub description: Description,
}

/// Body of `GET /api/v1/tasks/{task}/catalog`: the secrets of the task's
/// snapshot, without values, sorted by key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskCatalog {
    /// The secrets the task has.
    pub secrets: Vec<CatalogEntry>,
}

/// A secret handed to a task, with its value.
#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskSecret {
    /// The secret's key.
    pub key: SecretKey,
    /// The secret's description.
    pub description: Description,
    /// The value, byte for byte as the owner saved it.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub value: Zeroizing<String>,
}

impl fmt::Debug for TaskSecret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TaskSecret")
            .field("key", &self.key)
            .field("description", &self.description)
            .field("value", &"<redacted>")
            .finish()
    }
}

/// A secret of the snapshot whose sealed value could not be opened as text,
/// because a client sealed it to another key or sealed bytes that are not
/// UTF-8.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnreadableSecret {
    /// The secret's key.
    pub key: SecretKey,
    /// The reason the value cannot be handed over, for the task's log.
    pub reason: String,
}

/// Body of `GET /api/v1/tasks/{task}/secrets`: the task's snapshot with the
/// values opened, sorted by key.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TaskSecrets {
    /// The secrets, with values.
    pub secrets: Vec<TaskSecret>,
    /// Secrets of the snapshot that could not be opened.
    #[serde(default)]
    pub unreadable: Vec<UnreadableSecret>,
}

/// Kind of change that an activity event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ActivityAction {
    /// A secret was added.
    Added,
    /// A secret's description changed.
    Updated,
    /// A secret was deleted.
    Removed,
}

impl ActivityAction {
    /// Returns the action as the API and the database spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Added => "added",
            Self::Updated => "updated",
            Self::Removed => "removed",
        }
    }
}

/// One change to a company's secrets. It never contains a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityEvent {
    /// Event ID; larger IDs are newer events of the same server.
    pub id: i64,
    /// What happened.
    pub action: ActivityAction,
    /// Key of the secret that changed.
    pub key: SecretKey,
    /// Name of the member who made the change, as it was at that time.
    pub member: String,
    /// When the change happened, in RFC 3339 format, UTC.
    pub occurred_at: String,
}

/// Default number of events in a page of `GET .../activity`.
pub const ACTIVITY_PAGE_DEFAULT: usize = 20;

/// Maximum number of events in a page of `GET .../activity`, set with the
/// `limit` query parameter.
pub const ACTIVITY_PAGE_MAX: usize = 100;

/// Body of `GET /api/v1/companies/{company}/activity`. The query parameters
/// `before` (an event ID) and `limit` (1 to [`ACTIVITY_PAGE_MAX`]) select
/// the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivityPage {
    /// Events, newest first.
    pub events: Vec<ActivityEvent>,
    /// The `before` parameter of the next, older page; `None` on the last
    /// page.
    pub next_before: Option<i64>,
}

/// Machine-readable reason of an error response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ErrorCode {
    /// 422: the key breaks the key rules.
    InvalidKey,
    /// 422: the value is empty or too large.
    InvalidValue,
    /// 422: the description is too long or not plain text.
    InvalidDescription,
    /// 400 or 415: the body is not the expected JSON.
    InvalidBody,
    /// 413: the body is larger than the server accepts.
    PayloadTooLarge,
    /// 422: a description update also tried to change the value.
    ValueWriteOnce,
    /// 422: a create request sent the value in plaintext instead of sealed.
    PlaintextValue,
    /// 422: an import has no secrets, too many, or invalid or repeated
    /// items, which [`ErrorBody::items`] names.
    InvalidImport,
    /// 409: the value was sealed to a public key that is no longer the
    /// company's.
    StalePublicKey,
    /// 400: a query parameter is invalid.
    InvalidQuery,
    /// 400: logout was requested with an API token instead of a browser
    /// session.
    NotASession,
    /// 409: the company already has a secret with this key.
    DuplicateKey,
    /// 503: the server cannot serve requests, because it cannot read its
    /// database.
    NotReady,
    /// 409: the company already has the maximum number of secrets.
    LimitReached,
    /// 401: the request carries no valid credential.
    Unauthorized,
    /// 403: a browser sent a change with the session cookie from a page of
    /// another origin.
    CrossOrigin,
    /// 404: no such company (for this member) or no such secret.
    NotFound,
    /// 429: the member made too many changes in a short time; the
    /// `Retry-After` header says how many seconds to wait.
    RateLimited,
    /// 405: the path exists but not with this method.
    MethodNotAllowed,
    /// 500: the server failed; details are in its log.
    Internal,
    /// A code that this version of the client does not know.
    #[serde(other)]
    Unknown,
}

/// Body of every error response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// The sentence to show to the owner.
    pub message: String,
    /// The items of an import that caused the error, each with its own
    /// code and message. Empty, and left out of the JSON, for every other
    /// error.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<ImportItemError>,
}

impl ErrorBody {
    /// Creates the body of an error that no import item caused.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            items: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CompanyId;

    #[test]
    fn task_secret_debug_hides_value() {
        let secret: TaskSecret =
            serde_json::from_str(r#"{"key":"API_KEY","description":"","value":"canary-77"}"#)
                .expect("valid JSON");
        let printed = format!("{secret:?}");
        assert!(!printed.contains("canary"), "{printed}");
        assert!(printed.contains("API_KEY"), "{printed}");
        let task: StartedTask =
            serde_json::from_str(r#"{"task_id":"ab","task_token":"canary-78","expires_at":"t"}"#)
                .expect("valid JSON");
        assert!(!format!("{task:?}").contains("canary"));
    }

    #[test]
    fn create_request_validates_in_field_order() {
        let request = CreateSecretRequest {
            key: "api_key".to_owned(),
            sealed_value: String::new(),
            key_id: "k".to_owned(),
            description: "x".repeat(300),
        };
        let error = request.validate().expect_err("invalid key");
        assert_eq!(error, ValidationError::Key(KeyError::InvalidCharacters));
        assert_eq!(error.code(), ErrorCode::InvalidKey);

        let request = CreateSecretRequest {
            key: "API_KEY".to_owned(),
            sealed_value: "bm90IHNlYWxlZA==".to_owned(),
            key_id: "k".to_owned(),
            description: "x".repeat(300),
        };
        let error = request.validate().expect_err("invalid value");
        assert_eq!(error, ValidationError::Value(SealedValueError::NotSealed));
        assert_eq!(error.code(), ErrorCode::InvalidValue);
    }

    #[test]
    fn metadata_without_last_use_reads_as_never_used() {
        let metadata: SecretMetadata = serde_json::from_str(
            r#"{"key":"API_KEY","description":"","created_at":"t","created_by":"owner"}"#,
        )
        .expect("valid JSON");
        assert_eq!(metadata.last_used_at, None);
    }

    #[test]
    fn error_code_unknown_is_tolerated() {
        let body: ErrorBody = serde_json::from_str(r#"{"code":"from_the_future","message":"m"}"#)
            .expect("valid JSON");
        assert_eq!(body.code, ErrorCode::Unknown);
        let encoded = serde_json::to_string(&ErrorCode::LimitReached).expect("serialize");
        assert_eq!(encoded, "\"limit_reached\"");
    }

    #[test]
    fn paths_are_built_from_ids() {
        let company = CompanyId::parse("acme").expect("valid company");
        let key = SecretKey::parse("API_KEY").expect("valid key");
        assert_eq!(paths::secrets(&company), "/api/v1/companies/acme/secrets");
        assert_eq!(
            paths::secret(&company, &key),
            "/api/v1/companies/acme/secrets/API_KEY"
        );
        assert_eq!(paths::section(&company), "/companies/acme/settings/secrets");
    }

    #[test]
    fn paths_match_route_patterns() {
        let company = CompanyId::parse("acme").expect("valid company");
        let key = SecretKey::parse("API_KEY").expect("valid key");
        let import_route = paths::IMPORT_ROUTE.replace("{company}", "acme");
        assert_eq!(paths::import(&company), import_route);
        let secrets_route = paths::SECRETS_ROUTE.replace("{company}", "acme");
        let secret_route = paths::SECRET_ROUTE
            .replace("{company}", "acme")
            .replace("{key}", "API_KEY");
        assert_eq!(paths::secrets(&company), secrets_route);
        assert_eq!(paths::secret(&company, &key), secret_route);
    }
}
