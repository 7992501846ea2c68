//! Request and response bodies of the REST API, version 1, and its paths.
//!
//! Every body is JSON. Every error response is an [`ErrorBody`] whose
//! `message` is the sentence the SPA shows to the owner.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{Description, DescriptionError, KeyError, SecretKey, SecretValue, ValueError};

/// Paths of the REST API, named once for the server's router and the SPA's
/// client.
pub mod paths {
    use crate::{CompanyId, SecretKey};

    /// Router pattern of the collection of a company's secrets.
    pub const SECRETS_ROUTE: &str = "/api/v1/companies/{company}/secrets";

    /// Router pattern of one secret.
    pub const SECRET_ROUTE: &str = "/api/v1/companies/{company}/secrets/{key}";

    /// Router pattern of a company's activity events, newest first.
    pub const ACTIVITY_ROUTE: &str = "/api/v1/companies/{company}/activity";

    /// Path of the current browser session; `DELETE` ends it (logout).
    pub const SESSION_ROUTE: &str = "/api/v1/session";

    /// Path of the page that exchanges a one-time login token for a session.
    pub const LOGIN_ROUTE: &str = "/login";

    /// Returns the path of a company's secrets collection.
    pub fn secrets(company: &CompanyId) -> String {
        format!("/api/v1/companies/{company}/secrets")
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

    /// Returns the SPA route of a company's Secrets section.
    pub fn section(company: &CompanyId) -> String {
        format!("/companies/{company}/settings/secrets")
    }
}

/// Metadata of a stored secret: everything but its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretMetadata {
    /// The secret's key.
    pub key: SecretKey,
    /// The secret's description; empty when there is none.
    pub description: Description,
    /// When the secret was added, in RFC 3339 format, UTC.
    pub created_at: String,
    /// Name of the member who added the secret.
    pub created_by: String,
}

/// Body of `GET /api/v1/companies/{company}/secrets`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretList {
    /// The company's secrets, sorted by key.
    pub secrets: Vec<SecretMetadata>,
    /// Maximum number of secrets the company may store.
    pub limit: usize,
}

/// Body of `POST /api/v1/companies/{company}/secrets`.
///
/// Fields are unvalidated text so that the server can reject each invalid
/// field with its own message; [`CreateSecretRequest::validate`] turns the
/// request into a [`NewSecret`]. The value is held in memory that is zeroed
/// on drop, and `Debug` hides it.
#[derive(Serialize, Deserialize)]
pub struct CreateSecretRequest {
    /// The key, exactly as the owner typed it (the API does not fold case).
    pub key: String,
    /// The value's plaintext.
    pub value: Zeroizing<String>,
    /// The description; missing means empty.
    #[serde(default)]
    pub description: String,
}

/// A create request whose fields all passed validation.
#[derive(Debug)]
pub struct NewSecret {
    /// The validated key.
    pub key: SecretKey,
    /// The validated value.
    pub value: SecretValue,
    /// The validated description.
    pub description: Description,
}

/// Reason why a create request is invalid: the first invalid field, checked
/// in the order key, value, description.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValidationError {
    /// The key is invalid.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The value is invalid.
    #[error(transparent)]
    Value(#[from] ValueError),
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
        let key = SecretKey::parse(&self.key)?;
        let value = SecretValue::new(self.value)?;
        let description = Description::parse(&self.description)?;
        Ok(NewSecret {
            key,
            value,
            description,
        })
    }
}

impl fmt::Debug for CreateSecretRequest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("CreateSecretRequest")
            .field("key", &self.key)
            .field("value", &"<redacted>")
            .field("description", &self.description)
            .finish()
    }
}

/// Body of `PATCH /api/v1/companies/{company}/secrets/{key}`: the new
/// description. An empty description removes it.
///
/// A request that contains a `value` field is rejected with
/// [`ErrorCode::ValueWriteOnce`], because values are write-once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateSecretRequest {
    /// The new description, unvalidated.
    pub description: String,
}

/// Message of [`ErrorCode::ValueWriteOnce`].
pub const VALUE_WRITE_ONCE_MESSAGE: &str = "Values are write-once, so this request cannot change one. To replace a value, delete the secret and add it again with the same key.";

/// Kind of change that an activity event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
    /// 400: a query parameter is invalid.
    InvalidQuery,
    /// 400: logout was requested with an API token instead of a browser
    /// session.
    NotASession,
    /// 409: the company already has a secret with this key.
    DuplicateKey,
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
pub struct ErrorBody {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// The sentence to show to the owner.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CompanyId;

    #[test]
    fn create_request_debug_hides_value() {
        let request: CreateSecretRequest =
            serde_json::from_str(r#"{"key":"API_KEY","value":"canary-77"}"#).expect("valid JSON");
        let printed = format!("{request:?}");
        assert!(!printed.contains("canary"), "{printed}");
        assert!(printed.contains("API_KEY"), "{printed}");
    }

    #[test]
    fn create_request_validates_in_field_order() {
        let request = CreateSecretRequest {
            key: "api_key".to_owned(),
            value: Zeroizing::new(String::new()),
            description: "x".repeat(300),
        };
        let error = request.validate().expect_err("invalid key");
        assert_eq!(error, ValidationError::Key(KeyError::InvalidCharacters));
        assert_eq!(error.code(), ErrorCode::InvalidKey);
    }

    #[test]
    fn create_request_valid_keeps_value() {
        let request = CreateSecretRequest {
            key: "PEM".to_owned(),
            value: Zeroizing::new("line 1\nline 2\n".to_owned()),
            description: String::new(),
        };
        let secret = request.validate().expect("valid request");
        assert_eq!(secret.value.expose(), "line 1\nline 2\n");
        assert!(secret.description.is_empty());
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
        let secrets_route = paths::SECRETS_ROUTE.replace("{company}", "acme");
        let secret_route = paths::SECRET_ROUTE
            .replace("{company}", "acme")
            .replace("{key}", "API_KEY");
        assert_eq!(paths::secrets(&company), secrets_route);
        assert_eq!(paths::secret(&company, &key), secret_route);
    }
}
