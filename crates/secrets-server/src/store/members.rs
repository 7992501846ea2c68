//! Companies and their members.

use std::fmt;

use rusqlite::{params, OptionalExtension};
use secrets_core::CompanyId;

use super::{now, Store, StoreError};

/// Maximum length of a member name, in characters.
const MEMBER_NAME_MAX_CHARS: usize = 100;

/// A validated member name: 1 to 100 characters, not only whitespace, no
/// control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberName(String);

/// Reason why a string is not a valid [`MemberName`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemberNameError {
    /// The name is empty or only whitespace.
    #[error("the member name is empty; pass a name such as --name owner")]
    Empty,
    /// The name is too long or contains control characters.
    #[error("member names are at most 100 characters of text on one line")]
    Invalid,
}

impl MemberName {
    /// Validates `text` as a member name without changing it.
    pub fn parse(text: &str) -> Result<Self, MemberNameError> {
        if text.trim().is_empty() {
            return Err(MemberNameError::Empty);
        }
        if text.chars().any(char::is_control) || text.chars().count() > MEMBER_NAME_MAX_CHARS {
            return Err(MemberNameError::Invalid);
        }
        Ok(Self(text.to_owned()))
    }

    /// Returns the name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for MemberName {
    type Err = MemberNameError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for MemberName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A member, as identified by a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Row ID of the member.
    pub id: i64,
    /// The company whose secrets the member may manage.
    pub company: CompanyId,
    /// The member's name, shown as "added by" in the list.
    pub name: String,
}

impl Store {
    /// Returns the member `name` of `company`, creating the company and the
    /// member when they do not exist yet.
    pub fn ensure_member(
        &self,
        company: &CompanyId,
        name: &MemberName,
    ) -> Result<Member, StoreError> {
        self.write(|transaction| {
            let created_at = now();
            transaction.execute(
                "INSERT INTO companies (id, created_at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING",
                params![company.as_str(), created_at],
            )?;
            transaction.execute(
                "INSERT INTO members (company_id, name, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (company_id, name) DO NOTHING",
                params![company.as_str(), name.as_str(), created_at],
            )?;
            let id: i64 = transaction.query_row(
                "SELECT id FROM members WHERE company_id = ?1 AND name = ?2",
                params![company.as_str(), name.as_str()],
                |row| row.get(0),
            )?;
            Ok(Member { id, company: company.clone(), name: name.as_str().to_owned() })
        })
    }

    /// Returns whether `company` exists.
    pub fn company_exists(&self, company: &CompanyId) -> Result<bool, StoreError> {
        self.read(|connection| {
            let found = connection
                .query_row(
                    "SELECT 1 FROM companies WHERE id = ?1",
                    [company.as_str()],
                    |_| Ok(()),
                )
                .optional()?;
            Ok(found.is_some())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_name_examples() {
        assert!(MemberName::parse("owner").is_ok());
        assert!(MemberName::parse("Ada Lovelace").is_ok());
        assert_eq!(MemberName::parse(""), Err(MemberNameError::Empty));
        assert_eq!(MemberName::parse("   "), Err(MemberNameError::Empty));
        assert_eq!(
            MemberName::parse("two\nlines"),
            Err(MemberNameError::Invalid)
        );
        assert_eq!(
            MemberName::parse(&"a".repeat(101)),
            Err(MemberNameError::Invalid)
        );
    }
}
