//! Members of conglomerates.

use std::fmt;

use super::sql::{params, Connection, OptionalExtension, Transaction};
use secrets_core::{is_direction_control, CompanyId};

use super::organization::{check_conglomerate_exists, conglomerate_from_column};
use super::{now, ConglomerateId, Store, StoreError};

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
    /// The name is too long, or contains control, text-direction or
    /// invisible characters, or surrounding whitespace.
    #[error("member names are at most 100 characters on one line, without surrounding spaces, text-direction controls or invisible characters")]
    Invalid,
}

impl MemberName {
    /// Validates `text` as a member name without changing it.
    pub fn parse(text: &str) -> Result<Self, MemberNameError> {
        if text.trim().is_empty() {
            return Err(MemberNameError::Empty);
        }
        // Member names appear in the list, the activity log and on the
        // login page, so each must look like what it is.
        let misleading = |character: char| {
            character.is_control() || is_direction_control(character) || is_invisible(character)
        };
        if text.chars().any(misleading)
            || text.trim() != text
            || text.chars().count() > MEMBER_NAME_MAX_CHARS
        {
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

/// Returns `true` for zero-width and other format characters that show
/// nothing, so two names that differ only by them would look the same.
fn is_invisible(character: char) -> bool {
    matches!(
        character,
        '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// A member, as identified by a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Row ID of the member.
    pub id: i64,
    /// The conglomerate whose companies' secrets the member may manage.
    pub conglomerate: ConglomerateId,
    /// The member's name, shown as "added by" in the list.
    pub name: String,
}

/// Outcome of [`Store::remove_member`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RemovedMember {
    /// Number of API tokens, login links and sessions deleted.
    pub credentials_deleted: usize,
}

impl Store {
    /// Adds the member `name` to `conglomerate`. A member removed earlier
    /// becomes a member again, with no credentials.
    pub fn add_member(
        &self,
        conglomerate: &ConglomerateId,
        name: &MemberName,
    ) -> Result<Member, StoreError> {
        self.write(|transaction| {
            check_conglomerate_exists(transaction, conglomerate)?;

            let existing: Option<(i64, Option<i64>)> = transaction
                .query_row(
                    "SELECT id, removed_at FROM members WHERE conglomerate_id = ?1 AND name = ?2",
                    params![conglomerate.as_str(), name.as_str()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let id = match existing {
                Some((_, None)) => {
                    return Err(StoreError::MemberExists {
                        conglomerate: conglomerate.clone(),
                        name: name.as_str().to_owned(),
                    })
                }
                Some((id, Some(_))) => {
                    transaction
                        .execute("UPDATE members SET removed_at = NULL WHERE id = ?1", [id])?;
                    id
                }
                None => transaction.query_row(
                    "INSERT INTO members (conglomerate_id, name, created_at) VALUES (?1, ?2, ?3)
                         RETURNING id",
                    params![conglomerate.as_str(), name.as_str(), now()],
                    |row| row.get(0),
                )?,
            };
            Ok(Member {
                id,
                conglomerate: conglomerate.clone(),
                name: name.as_str().to_owned(),
            })
        })
    }

    /// Removes the member `name` from `conglomerate` and deletes every
    /// credential of the member, sessions included, in one transaction, so
    /// the member loses access with the next request.
    pub fn remove_member(
        &self,
        conglomerate: &ConglomerateId,
        name: &MemberName,
    ) -> Result<RemovedMember, StoreError> {
        self.write(|transaction| {
            let member = find_active_member(transaction, conglomerate, name)?;
            let credentials_deleted =
                transaction.execute("DELETE FROM credentials WHERE member_id = ?1", [member.id])?;
            transaction.execute(
                "UPDATE members SET removed_at = ?1 WHERE id = ?2",
                params![now(), member.id],
            )?;
            Ok(RemovedMember {
                credentials_deleted,
            })
        })
    }

    /// Returns the current member `name` of `conglomerate`.
    pub fn find_member(
        &self,
        conglomerate: &ConglomerateId,
        name: &MemberName,
    ) -> Result<Member, StoreError> {
        self.read(|connection| find_active_member(connection, conglomerate, name))
    }

    /// Returns the member `name` of the conglomerate of `company`, creating
    /// the company with its key pair, a conglomerate with the same ID and
    /// the member when they do not exist yet. The first start of the server
    /// uses it.
    pub fn ensure_member(
        &self,
        company: &CompanyId,
        name: &MemberName,
    ) -> Result<Member, StoreError> {
        let (member, _) = self.write_with_company_key(|transaction| {
            let created_at = now();
            transaction.execute(
                "INSERT INTO conglomerates (id, created_at)
                 SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM companies WHERE id = ?1)
                 ON CONFLICT (id) DO NOTHING",
                params![company.as_str(), created_at],
            )?;
            transaction.execute(
                "INSERT INTO companies (id, conglomerate_id, created_at) VALUES (?1, ?1, ?2)
                 ON CONFLICT (id) DO NOTHING",
                params![company.as_str(), created_at],
            )?;
            let conglomerate: ConglomerateId = transaction.query_row(
                "SELECT conglomerate_id FROM companies WHERE id = ?1",
                [company.as_str()],
                |row| conglomerate_from_column(row.get(0)?),
            )?;
            transaction.execute(
                "INSERT INTO members (conglomerate_id, name, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (conglomerate_id, name) DO UPDATE SET removed_at = NULL",
                params![conglomerate.as_str(), name.as_str(), created_at],
            )?;
            let member = find_active_member(transaction, &conglomerate, name)?;
            Ok((member, company.clone()))
        })?;
        Ok(member)
    }
}

/// Checks, inside a write transaction, that `member` is still a member and
/// may manage `company`. The HTTP layer authorized the request before the
/// transaction began, so this closes the gap in which an operator could
/// remove the member or the request could outlive its authorization.
pub(super) fn check_still_allowed(
    transaction: &Transaction<'_>,
    member: &Member,
    company: &CompanyId,
) -> Result<(), StoreError> {
    let allowed = transaction
        .query_row(
            "SELECT 1 FROM members m JOIN companies c ON c.conglomerate_id = m.conglomerate_id
             WHERE m.id = ?1 AND m.removed_at IS NULL AND c.id = ?2",
            params![member.id, company.as_str()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if allowed {
        Ok(())
    } else {
        Err(StoreError::AccessRevoked)
    }
}

/// Returns the member `name` of `conglomerate` unless it was removed.
fn find_active_member(
    connection: &Connection,
    conglomerate: &ConglomerateId,
    name: &MemberName,
) -> Result<Member, StoreError> {
    connection
        .query_row(
            "SELECT id FROM members WHERE conglomerate_id = ?1 AND name = ?2 AND removed_at IS NULL",
            params![conglomerate.as_str(), name.as_str()],
            |row| row.get(0),
        )
        .optional()?
        .map(|id| Member {
            id,
            conglomerate: conglomerate.clone(),
            name: name.as_str().to_owned(),
        })
        .ok_or_else(|| StoreError::MemberNotFound {
            conglomerate: conglomerate.clone(),
            name: name.as_str().to_owned(),
        })
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
        for misleading in [
            "eve\u{202E}renwo",
            "\u{2067}owner",
            "own\u{200B}er",
            "owner\u{FEFF}",
            " owner",
            "owner ",
        ] {
            assert_eq!(
                MemberName::parse(misleading),
                Err(MemberNameError::Invalid),
                "{misleading:?}"
            );
        }
    }
}
