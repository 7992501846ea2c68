//! Tasks: a runner starts one, and the task reads a snapshot of its
//! company's secrets with a task token.
//!
//! Starting a task copies the company's secrets, sealed, into
//! `task_secrets`, so that the snapshot does not change when secrets are
//! added or deleted later. The task token works until the task finishes or
//! expires, and then the snapshot is deleted: at once when the task
//! finishes, and at the next task start of any company when it expires.
//!
//! Opening a snapshot's values with the company's secret key is the only
//! place outside migrations where the server opens a sealed value.
//!
//! NOTE: a task's row stays after the task finished or expired, without
//! its snapshot, and nothing deletes old rows yet, so `tasks` grows by one
//! small row per task.

use std::time::Duration;

use super::sql::{params, Connection, OptionalExtension};
use rand::RngCore;
use secrets_core::api::{CatalogEntry, TaskCatalog, TaskSecret, TaskSecrets, UnreadableSecret};
use secrets_core::{CompanyId, Description, SecretKey};

use super::company_keys::{into_text, read_public_key, CompanySecretKey};
use super::credentials::{hash_token, Token};
use super::list_secrets::conversion_error;
use super::{company_from_column, format_timestamp, now, Runner, Store, StoreError};

/// Number of random bytes in a task ID; hex-encoded, 32 digits.
const TASK_ID_BYTES: usize = 16;

/// A task that a runner started. The token is shown only in the response
/// that starts the task; `Debug` prints no token.
#[derive(Debug)]
pub struct NewTask {
    /// The task's ID: 32 hexadecimal digits.
    pub id: String,
    /// Bearer token of the task.
    pub token: Token,
    /// When the task and its token expire, in RFC 3339 format, UTC.
    pub expires_at: String,
    /// Number of secrets in the task's snapshot.
    pub secrets: usize,
}

/// The secrets that [`Store::hand_over_secrets`] opened for a task.
#[derive(Debug)]
pub struct HandedOver {
    /// The task's company.
    pub company: CompanyId,
    /// The secrets with their values, and those that could not be opened.
    pub secrets: TaskSecrets,
}

/// A row of a task's snapshot.
struct SnapshotSecret {
    secret_id: i64,
    key: SecretKey,
    description: Description,
    sealed_value: Vec<u8>,
    key_id: String,
}

impl Store {
    /// Starts a task of the runner's company that expires after
    /// `lifetime`, with a snapshot of the company's secrets as they are
    /// now, and deletes the snapshots of expired tasks, all in one
    /// transaction.
    pub fn start_task(&self, runner: &Runner, lifetime: Duration) -> Result<NewTask, StoreError> {
        let id = new_task_id();
        let token = Token::generate();
        let lifetime_seconds = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);

        let (expires_at, secrets) = self.write(|transaction| {
            // The runner may have been revoked since it was authenticated.
            let active = transaction
                .query_row(
                    "SELECT 1 FROM runners WHERE id = ?1 AND company_id = ?2 AND revoked_at IS NULL",
                    params![runner.id, runner.company.as_str()],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if !active {
                return Err(StoreError::RunnerRevoked);
            }

            // Task starts already write, so they also delete the snapshots
            // that no token can read any more.
            let started_at = now();
            // Driven by the snapshots that remain, so that the cost does
            // not grow with the number of tasks ever started.
            transaction.execute(
                "DELETE FROM task_secrets
                 WHERE task_id IN (SELECT DISTINCT s.task_id FROM task_secrets s
                                   JOIN tasks t ON t.id = s.task_id
                                   WHERE t.expires_at <= ?1)",
                [started_at],
            )?;

            let expires_at = started_at.saturating_add(lifetime_seconds);
            transaction.execute(
                "INSERT INTO tasks (id, company_id, runner_id, token_hash, started_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    id,
                    runner.company.as_str(),
                    runner.id,
                    hash_token(token.expose()),
                    started_at,
                    expires_at
                ],
            )?;
            let secrets = transaction.execute(
                "INSERT INTO task_secrets (task_id, secret_id, key, description, sealed_value, key_id)
                 SELECT ?1, id, key, description, sealed_value, key_id FROM secrets WHERE company_id = ?2",
                params![id, runner.company.as_str()],
            )?;
            Ok((expires_at, secrets))
        })?;

        Ok(NewTask {
            id,
            token,
            expires_at: format_timestamp(expires_at),
            secrets,
        })
    }

    /// Opens the values of the task's snapshot with the company's secret
    /// key and records that the secrets that still exist were used now. A
    /// value that cannot be opened as text is listed as unreadable with the
    /// reason, and the others are handed over.
    ///
    /// The values are opened outside the write transaction, which only
    /// checks the task again and records the use, so that opening 50 large
    /// values does not hold the database's write lock.
    ///
    /// Fails with [`StoreError::TaskNotAuthorized`] unless `token` is the
    /// token of the task `task_id`, and the task has neither finished nor
    /// expired, both when the snapshot is read and when the use is
    /// recorded.
    #[tracing::instrument(skip_all)]
    pub fn hand_over_secrets(&self, task_id: &str, token: &str) -> Result<HandedOver, StoreError> {
        // Read the snapshot and, when it is not empty, the company's keys.
        let (company, snapshot, keys) = self.read(|connection| {
            let company = authorize_task(connection, task_id, token, now())?;
            let snapshot = read_snapshot(connection, task_id)?;
            if snapshot.is_empty() {
                return Ok((company, snapshot, None));
            }
            let current_key_id = read_public_key(connection, &company)?
                .map(|public_key| public_key.key_id)
                .ok_or_else(|| StoreError::MissingCompanyKey {
                    company: company.clone(),
                })?;
            let secret_key = self.company_secret_key(connection, &company)?;
            Ok((company, snapshot, Some((current_key_id, secret_key))))
        })?;

        // Open every value.
        let mut secrets = TaskSecrets {
            secrets: Vec::with_capacity(snapshot.len()),
            unreadable: Vec::new(),
        };
        let mut used_ids = Vec::with_capacity(snapshot.len());
        if let Some((current_key_id, secret_key)) = &keys {
            for secret in snapshot {
                match open_snapshot_value(secret_key, current_key_id, &secret) {
                    Ok(value) => {
                        used_ids.push(secret.secret_id);
                        secrets.secrets.push(TaskSecret {
                            key: secret.key,
                            description: secret.description,
                            value,
                        });
                    }
                    Err(reason) => secrets.unreadable.push(UnreadableSecret {
                        key: secret.key,
                        reason: reason.to_owned(),
                    }),
                }
            }
        }

        // Check the task again, because it may have finished meanwhile, and
        // record the use of the secrets handed over.
        self.write(|transaction| {
            let current_time = now();
            authorize_task(transaction, task_id, token, current_time)?;
            for secret_id in &used_ids {
                transaction.execute(
                    "UPDATE secrets SET last_used_at = ?1 WHERE id = ?2 AND company_id = ?3",
                    params![current_time, secret_id, company.as_str()],
                )?;
            }
            Ok(())
        })?;
        Ok(HandedOver { company, secrets })
    }

    /// Returns the keys and descriptions of the task's snapshot, sorted by
    /// key, without values. Fails like [`Store::hand_over_secrets`].
    pub fn task_catalog(&self, task_id: &str, token: &str) -> Result<TaskCatalog, StoreError> {
        self.read(|connection| {
            authorize_task(connection, task_id, token, now())?;
            let mut statement = connection.prepare(
                "SELECT key, description FROM task_secrets WHERE task_id = ?1 ORDER BY key",
            )?;
            let entries = statement.query_map([task_id], |row| {
                Ok(CatalogEntry {
                    key: SecretKey::try_from(row.get::<_, String>(0)?)
                        .map_err(|error| conversion_error(0, error))?,
                    description: Description::try_from(row.get::<_, String>(1)?)
                        .map_err(|error| conversion_error(1, error))?,
                })
            })?;
            Ok(TaskCatalog {
                secrets: entries.collect::<Result<Vec<_>, _>>()?,
            })
        })
    }

    /// Finishes the task: its token stops working and its snapshot is
    /// deleted, in one transaction. Returns the task's company. Fails like
    /// [`Store::hand_over_secrets`], so a task finishes only once.
    pub fn finish_task(&self, task_id: &str, token: &str) -> Result<CompanyId, StoreError> {
        self.write(|transaction| {
            let current_time = now();
            let company = authorize_task(transaction, task_id, token, current_time)?;
            transaction.execute(
                "UPDATE tasks SET finished_at = ?1 WHERE id = ?2",
                params![current_time, task_id],
            )?;
            transaction.execute("DELETE FROM task_secrets WHERE task_id = ?1", [task_id])?;
            Ok(company)
        })
    }
}

/// Returns a new random task ID.
fn new_task_id() -> String {
    let mut bytes = [0_u8; TASK_ID_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Returns the company of the task `task_id` when `token` is its token and
/// the task has neither finished nor expired at `current_time`.
fn authorize_task(
    connection: &Connection,
    task_id: &str,
    token: &str,
    current_time: i64,
) -> Result<CompanyId, StoreError> {
    connection
        .query_row(
            "SELECT company_id FROM tasks
             WHERE id = ?1 AND token_hash = ?2 AND finished_at IS NULL AND expires_at > ?3",
            params![task_id, hash_token(token), current_time],
            |row| company_from_column(row.get(0)?),
        )
        .optional()?
        .ok_or(StoreError::TaskNotAuthorized)
}

/// Returns the task's snapshot, sorted by key.
fn read_snapshot(
    connection: &Connection,
    task_id: &str,
) -> Result<Vec<SnapshotSecret>, StoreError> {
    let mut statement = connection.prepare(
        "SELECT secret_id, key, description, sealed_value, key_id FROM task_secrets
         WHERE task_id = ?1 ORDER BY key",
    )?;
    let rows = statement.query_map([task_id], |row| {
        Ok(SnapshotSecret {
            secret_id: row.get(0)?,
            key: SecretKey::try_from(row.get::<_, String>(1)?)
                .map_err(|error| conversion_error(1, error))?,
            description: Description::try_from(row.get::<_, String>(2)?)
                .map_err(|error| conversion_error(2, error))?,
            sealed_value: row.get(3)?,
            key_id: row.get(4)?,
        })
    })?;
    rows.collect::<Result<Vec<_>, _>>()
}

/// Opens one value of a snapshot, or returns why it cannot be handed over.
fn open_snapshot_value(
    secret_key: &CompanySecretKey,
    current_key_id: &str,
    secret: &SnapshotSecret,
) -> Result<zeroize::Zeroizing<String>, &'static str> {
    if secret.key_id != current_key_id {
        return Err("The value was sealed to a public key that is no longer the company's. Delete the secret and add it again.");
    }
    let Some(plaintext) = secret_key.open(&secret.sealed_value) else {
        return Err("The value cannot be opened with the company's secret key: it was sealed to another key or changed. Delete the secret and add it again.");
    };
    into_text(plaintext).ok_or(
        "The value is not UTF-8 text, so it cannot be an environment variable. Delete the secret and add it again as text.",
    )
}
