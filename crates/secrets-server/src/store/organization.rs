//! Conglomerates and their companies.
//!
//! A conglomerate is a group of companies. Its members manage the secrets
//! of every company in it and of no other company.

use std::fmt;

use super::sql::{params, Connection, DatabaseError, OptionalExtension};
use secrets_core::CompanyId;

use super::{now, Member, Store, StoreError};

/// A validated conglomerate identifier, with the same rules as a
/// [`CompanyId`]: 1 to 63 characters of `a`-`z`, `0`-`9` and `-`, starting
/// with a letter or digit.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ConglomerateId(String);

/// Reason why a string is not a valid [`ConglomerateId`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Conglomerate IDs are 1 to 63 characters of a-z, 0-9 and hyphens, starting with a letter or digit.")]
pub struct ConglomerateIdError;

impl ConglomerateId {
    /// Validates `text` as a conglomerate identifier without changing it.
    pub fn parse(text: &str) -> Result<Self, ConglomerateIdError> {
        let valid = CompanyId::parse(text).map_err(|_| ConglomerateIdError)?;
        Ok(Self(valid.as_str().to_owned()))
    }

    /// Returns the identifier as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for ConglomerateId {
    type Err = ConglomerateIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for ConglomerateId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl fmt::Debug for ConglomerateId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, formatter)
    }
}

/// Parses a conglomerate ID read back from the database. Only validated
/// IDs are written, so a failure means the file was changed by hand.
/// Fails with [`StoreError::ConglomerateNotFound`] unless `conglomerate`
/// exists.
pub(super) fn check_conglomerate_exists(
    connection: &Connection,
    conglomerate: &ConglomerateId,
) -> Result<(), StoreError> {
    let exists = connection
        .query_row(
            "SELECT 1 FROM conglomerates WHERE id = ?1",
            [conglomerate.as_str()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if exists {
        Ok(())
    } else {
        Err(StoreError::ConglomerateNotFound(conglomerate.clone()))
    }
}

pub(super) fn conglomerate_from_column(text: String) -> Result<ConglomerateId, StoreError> {
    ConglomerateId::parse(&text).map_err(|error| {
        StoreError::Database(DatabaseError::InvalidColumn {
            column: 0,
            source: Box::new(error),
        })
    })
}

impl Store {
    /// Creates an empty conglomerate.
    pub fn create_conglomerate(&self, conglomerate: &ConglomerateId) -> Result<(), StoreError> {
        self.write(|transaction| {
            transaction
                .execute(
                    "INSERT INTO conglomerates (id, created_at) VALUES (?1, ?2)",
                    params![conglomerate.as_str(), now()],
                )
                .map_err(|error| {
                    if error.is_constraint_violation() {
                        StoreError::ConglomerateExists(conglomerate.clone())
                    } else {
                        error
                    }
                })?;
            Ok(())
        })
    }

    /// Creates a company in an existing conglomerate, with its key pair.
    pub fn create_company(
        &self,
        company: &CompanyId,
        conglomerate: &ConglomerateId,
    ) -> Result<(), StoreError> {
        self.write_with_company_key(|transaction| {
            check_conglomerate_exists(transaction, conglomerate)?;

            transaction
                .execute(
                    "INSERT INTO companies (id, conglomerate_id, created_at) VALUES (?1, ?2, ?3)",
                    params![company.as_str(), conglomerate.as_str(), now()],
                )
                .map_err(|error| {
                    if error.is_constraint_violation() {
                        StoreError::CompanyExists(company.clone())
                    } else {
                        error
                    }
                })?;
            Ok(((), company.clone()))
        })?;
        Ok(())
    }

    /// Returns the conglomerate of `company`.
    pub fn conglomerate_of(&self, company: &CompanyId) -> Result<ConglomerateId, StoreError> {
        self.read(|connection| {
            connection
                .query_row(
                    "SELECT conglomerate_id FROM companies WHERE id = ?1",
                    [company.as_str()],
                    |row| conglomerate_from_column(row.get(0)?),
                )
                .optional()?
                .ok_or_else(|| StoreError::CompanyNotFound(company.clone()))
        })
    }

    /// Returns whether `member` may manage the secrets of `company`: the
    /// company exists and belongs to the member's conglomerate.
    pub fn may_manage(&self, member: &Member, company: &CompanyId) -> Result<bool, StoreError> {
        self.read(|connection| {
            let found = connection
                .query_row(
                    "SELECT 1 FROM companies WHERE id = ?1 AND conglomerate_id = ?2",
                    params![company.as_str(), member.conglomerate.as_str()],
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
    fn conglomerate_id_rules_match_company_id() {
        assert!(ConglomerateId::parse("acme-group").is_ok());
        assert_eq!(ConglomerateId::parse("Acme"), Err(ConglomerateIdError));
        assert_eq!(ConglomerateId::parse(""), Err(ConglomerateIdError));
        assert_eq!(
            ConglomerateId::parse(&"a".repeat(64)),
            Err(ConglomerateIdError)
        );
    }
}
