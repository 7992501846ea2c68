//! Descriptions: short plain-text notes that help an agent pick a secret.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Maximum length of a description, in characters. The form shows it.
pub const DESCRIPTION_MAX_CHARS: usize = 200;

/// A validated description: at most [`DESCRIPTION_MAX_CHARS`] characters of
/// plain text on one line. An empty description means "none".
///
/// It is never interpreted as HTML: the SPA renders it as a text node and the
/// server stores it as it came.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Description(String);

/// Reason why a string is not a valid [`Description`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DescriptionError {
    /// The description is longer than [`DESCRIPTION_MAX_CHARS`].
    #[error("Descriptions can be at most {DESCRIPTION_MAX_CHARS} characters long. This one has {length}.")]
    TooLong {
        /// Length of the rejected description, in characters.
        length: usize,
    },

    /// The description contains a line break, a line or paragraph
    /// separator, or another control character.
    #[error("Descriptions are one line of text. Remove line breaks and control characters.")]
    ControlCharacter,

    /// The description contains a character that changes the direction of
    /// the text around it, which can make the list show text in another
    /// order than it is stored.
    #[error("Descriptions can't contain text-direction control characters (U+202A to U+202E, U+2066 to U+2069).")]
    DirectionControl,
}

impl Description {
    /// Validates `text` as a description without changing it.
    pub fn parse(text: &str) -> Result<Self, DescriptionError> {
        validate_description(text)?;
        Ok(Self(text.to_owned()))
    }

    /// Returns the description as text; empty when there is none.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Returns `true` when the secret has no description.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn validate_description(text: &str) -> Result<(), DescriptionError> {
    if text.chars().any(is_line_break_or_control) {
        return Err(DescriptionError::ControlCharacter);
    }
    if text.chars().any(is_direction_control) {
        return Err(DescriptionError::DirectionControl);
    }
    let length = text.chars().count();
    if length > DESCRIPTION_MAX_CHARS {
        return Err(DescriptionError::TooLong { length });
    }
    Ok(())
}

/// Returns `true` for control characters and for the Unicode line and
/// paragraph separators, which many text tools treat as line breaks.
fn is_line_break_or_control(character: char) -> bool {
    character.is_control() || matches!(character, '\u{2028}' | '\u{2029}')
}

/// Returns `true` for the bidirectional embedding, override and isolate
/// controls (U+202A to U+202E, U+2066 to U+2069), the characters behind
/// "Trojan Source" text (CVE-2021-42574). Text that contains them can show
/// in another order than it is stored.
pub fn is_direction_control(character: char) -> bool {
    matches!(character, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl TryFrom<String> for Description {
    type Error = DescriptionError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        validate_description(&text)?;
        Ok(Self(text))
    }
}

impl From<Description> for String {
    fn from(description: Description) -> Self {
        description.0
    }
}

impl fmt::Display for Description {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for Description {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, formatter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn description_valid_examples() {
        let at_limit = "é".repeat(DESCRIPTION_MAX_CHARS);
        for text in [
            "",
            "For transactional e-mails to customers",
            "<b>not HTML</b>",
            at_limit.as_str(),
        ] {
            assert_eq!(
                Description::parse(text).map(String::from),
                Ok(text.to_owned())
            );
        }
    }

    #[test]
    fn description_invalid_examples() {
        let over_limit = "é".repeat(DESCRIPTION_MAX_CHARS + 1);
        let cases = [
            (
                over_limit.as_str(),
                DescriptionError::TooLong { length: 201 },
            ),
            ("two\nlines", DescriptionError::ControlCharacter),
            ("tab\there", DescriptionError::ControlCharacter),
            ("nul\u{0}", DescriptionError::ControlCharacter),
            ("line\u{2028}separator", DescriptionError::ControlCharacter),
            (
                "paragraph\u{2029}separator",
                DescriptionError::ControlCharacter,
            ),
            ("next line\u{85}", DescriptionError::ControlCharacter),
            ("abc\u{202E}gnp.exe", DescriptionError::DirectionControl),
            (
                "isolate\u{2066}x\u{2069}",
                DescriptionError::DirectionControl,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(Description::parse(text), Err(expected), "{text:?}");
        }
    }

    #[test]
    fn description_too_long_message_names_limit() {
        let message = DescriptionError::TooLong { length: 201 }.to_string();
        assert_eq!(
            message,
            "Descriptions can be at most 200 characters long. This one has 201."
        );
    }
}
