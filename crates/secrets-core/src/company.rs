//! Company identifiers, as they appear in URLs.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Maximum length of a company identifier, in characters.
const COMPANY_ID_MAX_CHARS: usize = 63;

/// A validated company identifier: 1 to 63 characters of `a`-`z`, `0`-`9`
/// and `-`, starting with a letter or digit, for example `acme`.
///
/// The identifier is part of every API path, so the restriction keeps paths
/// free of escaping and of look-alike characters.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CompanyId(String);

/// Reason why a string is not a valid [`CompanyId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "Company IDs are 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit."
)]
pub struct CompanyIdError;

impl CompanyId {
    /// Validates `text` as a company identifier without changing it.
    pub fn parse(text: &str) -> Result<Self, CompanyIdError> {
        let mut characters = text.chars();
        let first_is_valid = characters
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        let rest_is_valid =
            characters.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !first_is_valid || !rest_is_valid || text.len() > COMPANY_ID_MAX_CHARS {
            return Err(CompanyIdError);
        }
        Ok(Self(text.to_owned()))
    }

    /// Returns the identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CompanyId {
    type Error = CompanyIdError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl std::str::FromStr for CompanyId {
    type Err = CompanyIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl From<CompanyId> for String {
    fn from(company: CompanyId) -> Self {
        company.0
    }
}

impl fmt::Display for CompanyId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for CompanyId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, formatter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_id_examples() {
        for text in ["acme", "acme-2", "7eleven", &"a".repeat(63)] {
            assert!(CompanyId::parse(text).is_ok(), "{text:?}");
        }
        for text in [
            "",
            "Acme",
            "-acme",
            "acme corp",
            "acme/..",
            "acmé",
            &"a".repeat(64),
        ] {
            assert_eq!(CompanyId::parse(text), Err(CompanyIdError), "{text:?}");
        }
    }
}
