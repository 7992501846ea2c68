//! Runners: the credentials that start a company's tasks.
//!
//! An operator issues a runner with `secrets-server runner issue` and gives
//! its token to the machine that runs the company's agents. A runner
//! belongs to one company and can do nothing but start tasks of that
//! company. Its token has the format of a member's API token and is stored
//! the same way, as a SHA-256 hash.

use std::fmt;

use super::sql::{params, OptionalExtension, Transaction};
use secrets_core::CompanyId;

use super::company_keys::ensure_company_exists;
use super::credentials::{hash_token, Token};
use super::{company_from_column, format_timestamp, now, MemberName, Store, StoreError};

/// A validated runner name, with the rules of a [`MemberName`]: 1 to 100
/// characters on one line, without surrounding spaces, text-direction
/// controls or invisible characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunnerName(String);

/// Reason why a string is not a valid [`RunnerName`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RunnerNameError {
    /// The name is empty or only whitespace.
    #[error("the runner name is empty; pass a name such as --name ci-agents")]
    Empty,
    /// The name breaks the other rules.
    #[error("runner names are at most 100 characters on one line, without surrounding spaces, text-direction controls or invisible characters")]
    Invalid,
}

impl RunnerName {
    /// Validates `text` as a runner name without changing it.
    pub fn parse(text: &str) -> Result<Self, RunnerNameError> {
        match MemberName::parse(text) {
            Ok(name) => Ok(Self(name.as_str().to_owned())),
            Err(super::MemberNameError::Empty) => Err(RunnerNameError::Empty),
            Err(super::MemberNameError::Invalid) => Err(RunnerNameError::Invalid),
        }
    }

    /// Returns the name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for RunnerName {
    type Err = RunnerNameError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for RunnerName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A runner, as identified by its token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Runner {
    /// Row ID, which `runner revoke` takes.
    pub id: i64,
    /// The company whose tasks the runner starts.
    pub company: CompanyId,
    /// The runner's name.
    pub name: String,
}

/// A runner as `runner list` shows it: never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunnerInfo {
    /// Row ID, which `runner revoke` takes.
    pub id: i64,
    /// The runner's name.
    pub name: String,
    /// When the runner was issued, in RFC 3339 format, UTC.
    pub created_at: String,
    /// When the runner was revoked, if it was.
    pub revoked_at: Option<String>,
}

/// Outcome of [`Store::revoke_runner`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedRunner {
    /// The revoked runner.
    pub runner: Runner,
    /// Whether the runner had been revoked before this call.
    pub already_revoked: bool,
    /// Number of the runner's running tasks that the revocation ended.
    pub tasks_ended: usize,
}

impl Store {
    /// Creates a runner of `company` and returns its ID and token.
    pub fn issue_runner(
        &self,
        company: &CompanyId,
        name: &RunnerName,
    ) -> Result<(i64, Token), StoreError> {
        let token = Token::generate();
        let id = self.write(|transaction| {
            ensure_company_exists(transaction, company)?;
            transaction.query_row(
                "INSERT INTO runners (company_id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)
                 RETURNING id",
                params![company.as_str(), name.as_str(), hash_token(token.expose()), now()],
                |row| row.get(0),
            )
        })?;
        Ok((id, token))
    }

    /// Returns the runners of `company`, oldest first.
    pub fn list_runners(&self, company: &CompanyId) -> Result<Vec<RunnerInfo>, StoreError> {
        self.conglomerate_of(company)?;
        self.read(|connection| {
            let mut statement = connection.prepare(
                "SELECT id, name, created_at, revoked_at FROM runners
                 WHERE company_id = ?1 ORDER BY id",
            )?;
            let runners = statement.query_map([company.as_str()], |row| {
                Ok(RunnerInfo {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    created_at: format_timestamp(row.get(2)?),
                    revoked_at: row.get::<_, Option<i64>>(3)?.map(format_timestamp),
                })
            })?;
            runners.collect::<Result<Vec<_>, _>>()
        })
    }

    /// Revokes the runner `id`, so that it starts no more tasks, and ends
    /// its running tasks: their tokens stop working and their snapshots
    /// are deleted. Revoking a revoked runner changes nothing.
    pub fn revoke_runner(&self, id: i64) -> Result<RevokedRunner, StoreError> {
        self.write(|transaction| {
            let found = transaction
                .query_row(
                    "SELECT company_id, name, revoked_at FROM runners WHERE id = ?1",
                    [id],
                    |row| {
                        let runner = Runner {
                            id,
                            company: company_from_column(row.get(0)?)?,
                            name: row.get(1)?,
                        };
                        Ok((runner, row.get::<_, Option<i64>>(2)?))
                    },
                )
                .optional()?;
            let Some((runner, revoked_at)) = found else {
                return Err(StoreError::RunnerNotFound(id));
            };

            let current_time = now();
            if revoked_at.is_none() {
                transaction.execute(
                    "UPDATE runners SET revoked_at = ?1 WHERE id = ?2",
                    params![current_time, id],
                )?;
            }
            let tasks_ended = end_running_tasks(transaction, id, current_time)?;
            Ok(RevokedRunner {
                runner,
                already_revoked: revoked_at.is_some(),
                tasks_ended,
            })
        })
    }

    /// Returns the runner whose unrevoked token this is, or `None`.
    #[tracing::instrument(level = "trace", skip_all)]
    pub fn authenticate_runner(&self, token: &str) -> Result<Option<Runner>, StoreError> {
        self.read(|connection| {
            let runner = connection
                .query_row(
                    "SELECT id, company_id, name FROM runners
                     WHERE token_hash = ?1 AND revoked_at IS NULL",
                    [hash_token(token)],
                    |row| {
                        Ok(Runner {
                            id: row.get(0)?,
                            company: company_from_column(row.get(1)?)?,
                            name: row.get(2)?,
                        })
                    },
                )
                .optional()?;
            Ok(runner)
        })
    }
}

/// Ends the unfinished, unexpired tasks of the runner `runner_id` at
/// `current_time` and deletes the snapshots of all its tasks. Returns how
/// many tasks it ended.
fn end_running_tasks(
    transaction: &Transaction<'_>,
    runner_id: i64,
    current_time: i64,
) -> Result<usize, StoreError> {
    let ended = transaction.execute(
        "UPDATE tasks SET finished_at = ?1
         WHERE runner_id = ?2 AND finished_at IS NULL AND expires_at > ?1",
        params![current_time, runner_id],
    )?;
    transaction.execute(
        "DELETE FROM task_secrets WHERE task_id IN (SELECT id FROM tasks WHERE runner_id = ?1)",
        [runner_id],
    )?;
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runner_name_follows_member_rules() {
        assert!(RunnerName::parse("ci-agents").is_ok());
        assert_eq!(RunnerName::parse(" "), Err(RunnerNameError::Empty));
        for invalid in ["two\nlines", "own\u{200B}er", " padded", &"a".repeat(101)] {
            assert_eq!(
                RunnerName::parse(invalid),
                Err(RunnerNameError::Invalid),
                "{invalid:?}"
            );
        }
    }
}
