//! Domain types, validation rules and REST types shared by the Secrets SPA
//! and its server, so that both sides apply one set of rules.
//!
//! Terms used throughout the project:
//!
//! - A **company** owns secrets. Secrets of two companies never mix, even
//!   when their keys are equal.
//! - A **secret** is a key, a value and an optional description.
//! - The **key** is the name that agents and code use, such as
//!   `STRIPE_API_KEY` ([`SecretKey`]).
//! - The **value** is the sensitive content itself ([`SecretValue`]). It is
//!   write-once: no screen, response, log line or event ever contains it after
//!   it was saved.
//! - The **description** is a short plain-text note that helps an agent pick
//!   the right secret ([`Description`]).
//! - A **sealed value** is a value encrypted by the client to its company's
//!   public key ([`sealed::SealedValue`]). The server stores only sealed
//!   values, and opens them only for a task.
//! - A **member** is a person who may manage a company's secrets.
//! - A **runner** is the credential that starts the company's **tasks**; a
//!   task gets a snapshot of the company's secrets, with their values, as
//!   they were when it started.
//! - An **activity event** records that a member added, updated or removed a
//!   secret, with the key and the time, never the value.
//!
//! Every type that carries user input can only be built through validation,
//! so code that has one may trust it.

pub mod api;
mod characters;
mod company;
mod description;
pub mod dotenv;
mod key;
#[cfg(feature = "openapi")]
mod openapi;
pub mod sealed;
mod value;

pub use company::{CompanyId, CompanyIdError};
pub use description::{is_direction_control, Description, DescriptionError, DESCRIPTION_MAX_CHARS};
pub use dotenv::{parse_env, split_assignment, EnvEntry, EnvLine, EnvSyntaxError};
pub use key::{
    is_vague_key, uppercase_ascii_letters, KeyError, SecretKey, KEY_MAX_CHARS, VAGUE_KEY_HINT,
};
pub use value::{
    validate_value, value_warnings, SecretValue, ValueError, ValueWarning, NAMED_INVISIBLE_MAX,
    VALUE_MAX_BYTES,
};

/// Maximum number of secrets that one company may store.
pub const MAX_SECRETS_PER_COMPANY: usize = 50;

/// Message shown when a company already has a secret with the requested key.
pub const DUPLICATE_KEY_MESSAGE: &str = "A secret with this key already exists.";

/// Returns the message shown when a company has reached its secret limit.
pub fn limit_reached_message() -> String {
    format!("This company already has {MAX_SECRETS_PER_COMPANY} secrets.")
}

/// Formats `number` with commas between groups of three digits, as the
/// messages write sizes: `32769` becomes `32,769`.
pub fn group_thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_thousands_examples() {
        for (number, expected) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (32_769, "32,769"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(group_thousands(number), expected);
        }
    }

    #[test]
    fn limit_message_matches_spec() {
        assert_eq!(
            limit_reached_message(),
            "This company already has 50 secrets."
        );
    }
}
