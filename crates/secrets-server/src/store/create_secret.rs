//! Adding a secret.

use super::sql::{params, Transaction};
use secrets_core::api::{ActivityAction, NewSecret, SecretMetadata};
use secrets_core::{CompanyId, SecretKey, MAX_SECRETS_PER_COMPANY};

use super::activity::record_event;
use super::company_keys::read_public_key;
use super::members::check_still_allowed;
use super::{format_timestamp, now, Member, Store, StoreError};

impl Store {
    /// Stores a new secret of `company`, added by `member`, and records an
    /// `added` activity event. The value arrives sealed to the company's
    /// public key, and is stored as it is, without being opened.
    ///
    /// The public key check, the key uniqueness check, the limit check, the
    /// insert and the event run in one `BEGIN IMMEDIATE` transaction, so
    /// concurrent requests can produce neither a duplicate key nor more
    /// than [`MAX_SECRETS_PER_COMPANY`] secrets.
    #[tracing::instrument(skip_all, fields(company = %company, key = %secret.key))]
    pub fn create_secret(
        &self,
        company: &CompanyId,
        member: &Member,
        secret: &NewSecret,
    ) -> Result<SecretMetadata, StoreError> {
        self.write(|transaction| {
            check_still_allowed(transaction, member, company)?;
            check_current_key_id(transaction, company, &secret.key_id)?;

            // Check the key first: "already exists" helps the owner more
            // than "limit reached" when both apply.
            if key_exists(transaction, company, &secret.key)? {
                return Err(StoreError::DuplicateKey);
            }
            if count_secrets(transaction, company)? >= MAX_SECRETS_PER_COMPANY {
                return Err(StoreError::LimitReached);
            }

            insert_secret(transaction, company, member, secret, now())
        })
    }
}

/// Rejects `key_id` unless it names the company's current public key. A
/// value sealed to another key could never be opened for a task. A company
/// without a key pair has never handed out a public key, so any key id is
/// stale there too.
pub(super) fn check_current_key_id(
    transaction: &Transaction<'_>,
    company: &CompanyId,
    key_id: &str,
) -> Result<(), StoreError> {
    let current = read_public_key(transaction, company)?;
    if current.is_none_or(|public_key| public_key.key_id != key_id) {
        return Err(StoreError::StalePublicKey);
    }
    Ok(())
}

/// Returns `true` when the company has a secret with `key`.
pub(super) fn key_exists(
    transaction: &Transaction<'_>,
    company: &CompanyId,
    key: &SecretKey,
) -> Result<bool, StoreError> {
    let key_count: i64 = transaction.query_row(
        "SELECT COUNT(*) FROM secrets WHERE company_id = ?1 AND key = ?2",
        params![company.as_str(), key.as_str()],
        |row| row.get(0),
    )?;
    Ok(key_count > 0)
}

/// Returns the number of secrets the company has.
pub(super) fn count_secrets(
    transaction: &Transaction<'_>,
    company: &CompanyId,
) -> Result<usize, StoreError> {
    let secret_count: i64 = transaction.query_row(
        "SELECT COUNT(*) FROM secrets WHERE company_id = ?1",
        [company.as_str()],
        |row| row.get(0),
    )?;
    // A count is never negative.
    Ok(usize::try_from(secret_count).unwrap_or_default())
}

/// Inserts `secret`, added by `member` at `created_at`, and records its
/// `added` activity event. Returns its metadata.
pub(super) fn insert_secret(
    transaction: &Transaction<'_>,
    company: &CompanyId,
    member: &Member,
    secret: &NewSecret,
    created_at: i64,
) -> Result<SecretMetadata, StoreError> {
    // The UNIQUE constraint backs up the caller's key check.
    transaction
        .execute(
            "INSERT INTO secrets (company_id, key, description, sealed_value, key_id, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                company.as_str(),
                secret.key.as_str(),
                secret.description.as_str(),
                secret.sealed_value.as_bytes(),
                secret.key_id,
                created_at,
                member.id
            ],
        )
        .map_err(|error| {
            if error.is_constraint_violation() {
                StoreError::DuplicateKey
            } else {
                error
            }
        })?;

    // Record the activity event in the same transaction.
    record_event(
        transaction,
        company,
        ActivityAction::Added,
        &secret.key,
        member,
        created_at,
    )?;

    Ok(SecretMetadata {
        key: secret.key.clone(),
        description: secret.description.clone(),
        created_at: format_timestamp(created_at),
        created_by: member.name.clone(),
        last_used_at: None,
    })
}
