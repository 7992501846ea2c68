//! Secret values: the sensitive content of a secret.

use std::fmt;

use zeroize::Zeroizing;

mod warnings;

pub use warnings::{value_warnings, ValueWarning, NAMED_INVISIBLE_MAX};

/// Maximum size of a value, in bytes of UTF-8 (32 KiB).
pub const VALUE_MAX_BYTES: usize = 32_768;

/// A validated secret value: non-empty, at most [`VALUE_MAX_BYTES`] bytes of
/// UTF-8, kept byte for byte (no trimming, newlines kept).
///
/// The plaintext lives in memory that is zeroed on drop. `Debug` prints no
/// content, and the type implements neither `Display` nor `Serialize`, so a
/// value cannot reach a log line or a response by accident. Call
/// [`SecretValue::expose`] only to encrypt it or to hand it to a task.
pub struct SecretValue(Zeroizing<String>);

/// Reason why a string is not a valid [`SecretValue`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The value is empty.
    #[error("Enter a value.")]
    Empty,

    /// The value is larger than [`VALUE_MAX_BYTES`].
    #[error("{}", value_too_large_message(*bytes))]
    TooLarge {
        /// Size of the rejected value, in bytes of UTF-8.
        bytes: usize,
    },

    /// The value contains U+0000, which no environment variable can hold,
    /// so no task could receive the value.
    #[error("Values cannot contain the NUL character (found at character {position}), because tasks receive values as environment variables, which cannot hold it.")]
    ContainsNul {
        /// 1-based position of the first NUL, in characters.
        position: usize,
    },
}

impl SecretValue {
    /// Validates `plaintext` as a value. The plaintext moves into the new
    /// value unchanged, or is zeroed when it is rejected.
    pub fn new(plaintext: Zeroizing<String>) -> Result<Self, ValueError> {
        validate_value(&plaintext)?;
        Ok(Self(plaintext))
    }

    /// Returns the plaintext. Call it only to encrypt the value or to hand
    /// it to a task.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns the size of the value in bytes of UTF-8.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always `false`: a value is never empty. Present because `len` is.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Returns the message for a value of `bytes` bytes, more than
/// [`VALUE_MAX_BYTES`].
pub(crate) fn value_too_large_message(bytes: usize) -> String {
    format!(
        "Values can be at most {} bytes ({} KB). This one has {} bytes.",
        crate::group_thousands(VALUE_MAX_BYTES),
        VALUE_MAX_BYTES / 1024,
        crate::group_thousands(bytes)
    )
}

/// Checks `plaintext` against the rules for values without copying it.
pub fn validate_value(plaintext: &str) -> Result<(), ValueError> {
    if plaintext.is_empty() {
        return Err(ValueError::Empty);
    }
    if plaintext.len() > VALUE_MAX_BYTES {
        return Err(ValueError::TooLarge {
            bytes: plaintext.len(),
        });
    }
    if let Some(index) = plaintext.find('\0') {
        return Err(ValueError::ContainsNul {
            position: plaintext[..index].chars().count() + 1,
        });
    }
    Ok(())
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("SecretValue(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(text: &str) -> Result<SecretValue, ValueError> {
        SecretValue::new(Zeroizing::new(text.to_owned()))
    }

    #[test]
    fn value_size_boundaries() {
        // "é" is two bytes, "€" three, so each text ends on a multibyte
        // character that sits exactly at, or just over, the limit.
        let at_limit_two_byte = format!("{}é", "a".repeat(VALUE_MAX_BYTES - 2));
        let at_limit_three_byte = format!("{}€", "a".repeat(VALUE_MAX_BYTES - 3));
        let over_two_byte = format!("{}é", "a".repeat(VALUE_MAX_BYTES - 1));
        let over_three_byte = format!("{}€", "a".repeat(VALUE_MAX_BYTES - 2));
        let cases = [
            ("a".repeat(VALUE_MAX_BYTES), Ok(())),
            (at_limit_two_byte, Ok(())),
            (at_limit_three_byte, Ok(())),
            (
                "a".repeat(VALUE_MAX_BYTES + 1),
                Err(ValueError::TooLarge { bytes: 32_769 }),
            ),
            (over_two_byte, Err(ValueError::TooLarge { bytes: 32_769 })),
            (over_three_byte, Err(ValueError::TooLarge { bytes: 32_769 })),
            (String::new(), Err(ValueError::Empty)),
        ];
        for (text, expected) in cases {
            assert_eq!(
                value(&text).map(|_| ()),
                expected,
                "value of {} bytes",
                text.len()
            );
        }
    }

    #[test]
    fn value_with_nul_is_rejected_with_its_position() {
        assert_eq!(
            value("G\u{fc}\0x").map(|_| ()),
            Err(ValueError::ContainsNul { position: 3 })
        );
        assert_eq!(
            value("\0").map(|_| ()),
            Err(ValueError::ContainsNul { position: 1 })
        );
    }

    #[test]
    fn value_kept_byte_for_byte() {
        let pem = "-----BEGIN KEY-----\nMIIB\n-----END KEY-----\n";
        for text in [
            pem,
            "  leading spaces",
            "trailing newline\n",
            "\r\n",
            " ",
            "Grüße 日本語",
        ] {
            assert_eq!(value(text).expect("valid value").expose(), text);
        }
    }

    #[test]
    fn value_debug_hides_content() {
        let secret = value("canary-4f1c").expect("valid value");
        let printed = format!("{secret:?}");
        assert!(!printed.contains("canary"), "{printed}");
    }

    #[test]
    fn value_messages_are_clear() {
        assert_eq!(ValueError::Empty.to_string(), "Enter a value.");
        assert_eq!(
            ValueError::TooLarge { bytes: 32_769 }.to_string(),
            "Values can be at most 32,768 bytes (32 KB). This one has 32,769 bytes."
        );
    }
}
