//! Adding a secret.

use rusqlite::{params, ErrorCode};
use secrets_core::api::{ActivityAction, NewSecret, SecretMetadata};
use secrets_core::{CompanyId, MAX_SECRETS_PER_COMPANY};

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

            // A value sealed to another key could never be opened for a
            // task. A company without a key pair has never handed out a
            // public key, so any key id is stale there too.
            let current = read_public_key(transaction, company)?;
            if current.is_none_or(|public_key| public_key.key_id != secret.key_id) {
                return Err(StoreError::StalePublicKey);
            }

            // Check the key first: "already exists" helps the owner more
            // than "limit reached" when both apply.
            let key_count: i64 = transaction.query_row(
                "SELECT COUNT(*) FROM secrets WHERE company_id = ?1 AND key = ?2",
                params![company.as_str(), secret.key.as_str()],
                |row| row.get(0),
            )?;
            if key_count > 0 {
                return Err(StoreError::DuplicateKey);
            }

            let secret_count: i64 =
                transaction.query_row("SELECT COUNT(*) FROM secrets WHERE company_id = ?1", [company.as_str()], |row| {
                    row.get(0)
                })?;
            if secret_count >= MAX_SECRETS_PER_COMPANY as i64 {
                return Err(StoreError::LimitReached);
            }

            // Insert the secret; the UNIQUE constraint backs up the check above.
            let created_at = now();
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
                .map_err(|error| match error.sqlite_error_code() {
                    Some(ErrorCode::ConstraintViolation) => StoreError::DuplicateKey,
                    _ => StoreError::Database(error),
                })?;

            // Record the activity event in the same transaction.
            record_event(transaction, company, ActivityAction::Added, &secret.key, member, created_at)?;

            Ok(SecretMetadata {
                key: secret.key.clone(),
                description: secret.description.clone(),
                created_at: format_timestamp(created_at),
                created_by: member.name.clone(),
                last_used_at: None,
            })
        })
    }
}
