//! Messages of the secret form's fields, derived from the shared rules in
//! `secrets_core`, so that the form and the server explain a problem with
//! the same sentence.
//!
//! "Required" messages appear only once a field was touched, which means
//! blurred or submitted. Every other rule is reported as the owner types.

use secrets_core::{
    validate_value, Description, KeyError, SecretKey, DESCRIPTION_MAX_CHARS, DUPLICATE_KEY_MESSAGE,
};

/// Returns the message for the key field, or `None` when the key can be
/// saved. `is_duplicate` is `true` when the loaded list already has the key.
pub fn key_message(key: &str, touched: bool, is_duplicate: bool) -> Option<String> {
    match SecretKey::parse_new(key) {
        Err(KeyError::Empty) if !touched => None,
        Err(error) => Some(error.to_string()),
        Ok(_) if is_duplicate => Some(DUPLICATE_KEY_MESSAGE.to_owned()),
        Ok(_) => None,
    }
}

/// Returns the message for the value field, or `None` when the value can be
/// saved. The checks read the value in place and never copy it.
pub fn value_message(value: &str, touched: bool) -> Option<String> {
    match validate_value(value) {
        Ok(()) => None,
        Err(_) if value.is_empty() && !touched => None,
        Err(error) => Some(error.to_string()),
    }
}

/// Returns the message for the description field, or `None` when the
/// description can be saved. An empty description is valid.
pub fn description_message(description: &str) -> Option<String> {
    Description::parse(description)
        .err()
        .map(|error| error.to_string())
}

/// Returns the length of a description next to its limit, for example
/// `12 / 200`, counted in characters as the limit is.
pub fn description_length(description: &str) -> String {
    format!("{} / {DESCRIPTION_MAX_CHARS}", description.chars().count())
}

#[cfg(test)]
mod tests {
    use secrets_core::VALUE_MAX_BYTES;

    use super::*;

    const INVALID_KEY: &str = "Use A-Z, 0-9, and underscores. Must start with a letter.";

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn key_message_cases() {
        assert_eq!(key_message("", false, false), None);
        assert_eq!(
            key_message("", true, false).as_deref(),
            Some("Enter a key.")
        );
        assert_eq!(
            key_message("MY-KEY", false, false).as_deref(),
            Some(INVALID_KEY)
        );
        assert_eq!(
            key_message("1STKEY", false, false).as_deref(),
            Some(INVALID_KEY)
        );
        assert_eq!(key_message("API_KEY", true, false), None);
        assert_eq!(
            key_message("API_KEY", false, true).as_deref(),
            Some(DUPLICATE_KEY_MESSAGE)
        );
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn key_message_names_length_limit() {
        let long_key = format!("A{}", "B".repeat(64));
        let message = key_message(&long_key, false, false).unwrap_or_default();
        assert!(message.contains("64"), "{message}");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn value_message_cases() {
        assert_eq!(value_message("", false), None);
        assert_eq!(value_message("", true).as_deref(), Some("Enter a value."));
        assert_eq!(value_message("  leading spaces\n", true), None);
        let too_large = "a".repeat(VALUE_MAX_BYTES + 1);
        let message = value_message(&too_large, false).unwrap_or_default();
        assert!(message.contains("32,768"), "{message}");
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn description_message_cases() {
        assert_eq!(description_message(""), None);
        assert_eq!(description_message("For transactional e-mails"), None);
        assert!(description_message(&"x".repeat(DESCRIPTION_MAX_CHARS + 1)).is_some());
        assert!(description_message("two\nlines").is_some());
    }

    #[cfg_attr(not(target_family = "wasm"), test)]
    #[cfg_attr(target_family = "wasm", wasm_bindgen_test::wasm_bindgen_test)]
    fn description_length_counts_characters() {
        assert_eq!(description_length(""), "0 / 200");
        assert_eq!(description_length("Grüße"), "5 / 200");
    }
}
