//! Bodies and rules of the import route, which adds several secrets in one
//! request: all of them, or none when any one of them cannot be stored.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{CreateSecretRequest, ErrorCode, NewSecret, SecretMetadata};
use crate::{limit_reached_message, KEY_MAX_CHARS, MAX_SECRETS_PER_COMPANY};

/// Body of `POST /api/v1/companies/{company}/secrets/import`: 1 to
/// [`MAX_SECRETS_PER_COMPANY`] secrets, each with the fields of a create
/// request. [`ImportSecretsRequest::validate`] checks every item.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSecretsRequest {
    /// The secrets to add, in the order the owner listed them.
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 50))]
    pub secrets: Vec<CreateSecretRequest>,
}

/// Body of the 201 response to an import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSecretsResponse {
    /// Metadata of the stored secrets, in the order of the request.
    pub secrets: Vec<SecretMetadata>,
}

/// An item of an import that caused the server to reject the whole import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportItemError {
    /// Position of the item in the request's `secrets`, from 0.
    pub index: usize,
    /// The item's key as sent, cut after [`KEY_MAX_CHARS`] + 1 characters,
    /// which is enough to show that it is too long.
    pub key: String,
    /// Machine-readable reason, as for a single create request.
    pub code: ErrorCode,
    /// The sentence to show beside the item.
    pub message: String,
}

impl ImportItemError {
    /// Creates the error of the item at `index` whose key was sent as
    /// `key`.
    pub fn new(index: usize, key: &str, code: ErrorCode, message: String) -> Self {
        Self {
            index,
            key: key.chars().take(KEY_MAX_CHARS + 1).collect(),
            code,
            message,
        }
    }
}

/// Message of an item whose key another item of the same import has too.
pub const DUPLICATE_IN_IMPORT_MESSAGE: &str =
    "This key appears more than once in the import. Keep one of them.";

/// Reason why an import request is invalid before it reaches the
/// database. The server responds 422 [`ErrorCode::InvalidImport`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImportValidationError {
    /// The request has no secrets.
    #[error("The import contains no secrets. Add at least one.")]
    Empty,

    /// The request has more secrets than a company may store.
    #[error("An import can add at most {MAX_SECRETS_PER_COMPANY} secrets. This one has {count}.")]
    TooMany {
        /// Number of secrets in the request.
        count: usize,
    },

    /// Some items are invalid, or share a key with another item.
    #[error("{}", invalid_items_message(items.len()))]
    InvalidItems {
        /// Every invalid item, in the order of the request.
        items: Vec<ImportItemError>,
    },
}

impl ImportValidationError {
    /// Returns the invalid items, which are empty unless the error is
    /// [`ImportValidationError::InvalidItems`].
    pub fn items(&self) -> &[ImportItemError] {
        match self {
            Self::InvalidItems { items } => items,
            Self::Empty | Self::TooMany { .. } => &[],
        }
    }
}

fn invalid_items_message(count: usize) -> String {
    if count == 1 {
        "The import has 1 invalid secret, so nothing was saved. Fix it and import again.".to_owned()
    } else {
        format!("The import has {count} invalid secrets, so nothing was saved. Fix them and import again.")
    }
}

impl ImportSecretsRequest {
    /// Validates every item as a create request, and rejects keys that
    /// appear more than once. Returns the secrets to store in the order of
    /// the request, or every invalid item, so that the owner can fix them
    /// all at once.
    pub fn validate(self) -> Result<Vec<NewSecret>, ImportValidationError> {
        let count = self.secrets.len();
        if count == 0 {
            return Err(ImportValidationError::Empty);
        }
        if count > MAX_SECRETS_PER_COMPANY {
            return Err(ImportValidationError::TooMany { count });
        }

        // Count each key first, so that every item of a repeated key is
        // named, the first one included.
        let mut occurrences: HashMap<&str, usize> = HashMap::new();
        for item in &self.secrets {
            *occurrences.entry(item.key.as_str()).or_default() += 1;
        }
        let repeated: Vec<bool> = self
            .secrets
            .iter()
            .map(|item| occurrences[item.key.as_str()] > 1)
            .collect();

        let mut secrets = Vec::with_capacity(count);
        let mut invalid = Vec::new();
        for (index, item) in self.secrets.into_iter().enumerate() {
            let key = item.key.clone();
            match item.validate() {
                Err(error) => invalid.push(ImportItemError::new(
                    index,
                    &key,
                    error.code(),
                    error.to_string(),
                )),
                Ok(_) if repeated[index] => invalid.push(ImportItemError::new(
                    index,
                    &key,
                    ErrorCode::DuplicateKey,
                    DUPLICATE_IN_IMPORT_MESSAGE.to_owned(),
                )),
                Ok(secret) => secrets.push(secret),
            }
        }

        if invalid.is_empty() {
            Ok(secrets)
        } else {
            Err(ImportValidationError::InvalidItems { items: invalid })
        }
    }
}

/// Returns the message of a 409 [`ErrorCode::DuplicateKey`] response to an
/// import, when the company already has secrets with `count` of its keys.
pub fn import_keys_exist_message(count: usize) -> String {
    if count == 1 {
        "The company already has a secret with one of these keys, so nothing was saved. Remove it from the import, or delete the existing secret first.".to_owned()
    } else {
        format!("The company already has secrets with {count} of these keys, so nothing was saved. Remove them from the import, or delete the existing secrets first.")
    }
}

/// Returns the message of a 409 [`ErrorCode::LimitReached`] response to an
/// import of `requested` secrets into a company that has `existing`.
pub fn import_limit_message(existing: usize, requested: usize) -> String {
    if existing >= MAX_SECRETS_PER_COMPANY {
        return limit_reached_message();
    }
    let fitting = MAX_SECRETS_PER_COMPANY - existing;
    let secrets = if existing == 1 { "secret" } else { "secrets" };
    let fit = if fitting == 1 { "fits" } else { "fit" };
    let excess = requested.saturating_sub(fitting);
    let excess_secrets = if excess == 1 {
        "1 secret".to_owned()
    } else {
        format!("{excess} secrets")
    };
    format!("This company already has {existing} {secrets}, so only {fitting} more {fit}. The import has {requested}, so remove {excess_secrets} from it, or delete secrets first.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ErrorBody;
    use crate::sealed::SEALED_BOX_OVERHEAD;
    use crate::KeyError;

    /// Returns an item whose sealed value has the length of a one-byte
    /// value, which passes validation without real sealing.
    fn item(key: &str) -> CreateSecretRequest {
        use base64::Engine as _;
        let sealed = vec![0; SEALED_BOX_OVERHEAD + 1];
        CreateSecretRequest {
            key: key.to_owned(),
            sealed_value: base64::engine::general_purpose::STANDARD.encode(sealed),
            key_id: "key-id".to_owned(),
            description: String::new(),
        }
    }

    fn request(keys: &[&str]) -> ImportSecretsRequest {
        ImportSecretsRequest {
            secrets: keys.iter().map(|key| item(key)).collect(),
        }
    }

    #[test]
    fn import_validate_keeps_order() {
        let secrets = request(&["B_KEY", "A_KEY", "C_KEY"])
            .validate()
            .expect("valid import");
        let keys: Vec<&str> = secrets.iter().map(|secret| secret.key.as_str()).collect();
        assert_eq!(keys, ["B_KEY", "A_KEY", "C_KEY"]);
    }

    #[test]
    fn import_validate_size_limits() {
        assert_eq!(
            request(&[]).validate().err(),
            Some(ImportValidationError::Empty)
        );

        let keys: Vec<String> = (0..=MAX_SECRETS_PER_COMPANY)
            .map(|index| format!("KEY_{index}"))
            .collect();
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        assert_eq!(
            request(&keys).validate().err(),
            Some(ImportValidationError::TooMany { count: 51 })
        );
        assert!(request(&keys[..MAX_SECRETS_PER_COMPANY]).validate().is_ok());
    }

    #[test]
    fn import_validate_names_every_invalid_item() {
        let mut import = request(&["GOOD", "my-key", "\u{410}PI", "EMPTY_VALUE"]);
        import.secrets[3].sealed_value = {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode([0; SEALED_BOX_OVERHEAD])
        };

        let error = import.validate().expect_err("invalid items");

        let items = error.items();
        assert_eq!(items.len(), 3);
        assert_eq!((items[0].index, items[0].key.as_str()), (1, "my-key"));
        assert_eq!(items[0].code, ErrorCode::InvalidKey);
        assert_eq!(items[0].message, KeyError::InvalidCharacters.to_string());
        assert_eq!((items[1].index, items[1].code), (2, ErrorCode::InvalidKey));
        assert!(items[1].message.contains("CYRILLIC CAPITAL LETTER A"));
        assert_eq!(
            (items[2].index, items[2].code),
            (3, ErrorCode::InvalidValue)
        );
        assert_eq!(items[2].message, "Enter a value.");
        assert_eq!(
            error.to_string(),
            "The import has 3 invalid secrets, so nothing was saved. Fix them and import again."
        );
    }

    #[test]
    fn import_validate_repeated_keys_all_named() {
        let error = request(&["A_KEY", "B_KEY", "A_KEY", "C_KEY", "A_KEY"])
            .validate()
            .expect_err("repeated key");

        let indexes: Vec<usize> = error.items().iter().map(|item| item.index).collect();
        assert_eq!(indexes, [0, 2, 4]);
        for item in error.items() {
            assert_eq!(item.code, ErrorCode::DuplicateKey);
            assert_eq!(item.message, DUPLICATE_IN_IMPORT_MESSAGE);
        }
    }

    #[test]
    fn import_item_error_cuts_long_key() {
        let long_key = "K".repeat(1000);
        let error = ImportItemError::new(0, &long_key, ErrorCode::InvalidKey, String::new());
        assert_eq!(error.key.chars().count(), KEY_MAX_CHARS + 1);
    }

    #[test]
    fn error_body_items_omitted_when_empty() {
        let body = ErrorBody::new(ErrorCode::LimitReached, "m");
        let json = serde_json::to_value(&body).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({ "code": "limit_reached", "message": "m" })
        );

        let parsed: ErrorBody =
            serde_json::from_str(r#"{"code":"limit_reached","message":"m"}"#).expect("parse");
        assert_eq!(parsed, body);
    }

    #[test]
    fn error_body_items_round_trip() {
        let body = ErrorBody {
            code: ErrorCode::InvalidImport,
            message: "m".to_owned(),
            items: vec![ImportItemError::new(
                2,
                "DB_URL",
                ErrorCode::DuplicateKey,
                DUPLICATE_IN_IMPORT_MESSAGE.to_owned(),
            )],
        };
        let json = serde_json::to_value(&body).expect("serialize");
        assert_eq!(
            json,
            serde_json::json!({
                "code": "invalid_import",
                "message": "m",
                "items": [{
                    "index": 2,
                    "key": "DB_URL",
                    "code": "duplicate_key",
                    "message": DUPLICATE_IN_IMPORT_MESSAGE,
                }],
            })
        );
        let parsed: ErrorBody = serde_json::from_value(json).expect("parse");
        assert_eq!(parsed, body);
    }

    #[test]
    fn import_limit_messages() {
        assert_eq!(
            import_limit_message(48, 5),
            "This company already has 48 secrets, so only 2 more fit. The import has 5, so remove 3 secrets from it, or delete secrets first."
        );
        assert_eq!(
            import_limit_message(49, 3),
            "This company already has 49 secrets, so only 1 more fits. The import has 3, so remove 2 secrets from it, or delete secrets first."
        );
        assert_eq!(
            import_limit_message(1, 50),
            "This company already has 1 secret, so only 49 more fit. The import has 50, so remove 1 secret from it, or delete secrets first."
        );
        assert_eq!(import_limit_message(50, 1), limit_reached_message());
    }

    #[test]
    fn import_keys_exist_messages() {
        assert_eq!(
            import_keys_exist_message(1),
            "The company already has a secret with one of these keys, so nothing was saved. Remove it from the import, or delete the existing secret first."
        );
        assert_eq!(
            import_keys_exist_message(2),
            "The company already has secrets with 2 of these keys, so nothing was saved. Remove them from the import, or delete the existing secrets first."
        );
    }
}
